//! Locations and stock: `PUT /locations/{id}`, `GET /locations`, `PUT /inventory/{sku}`,
//! `POST /inventory/{sku}/adjust`, `GET /inventory/{sku}`, `POST /inventory/import` (text/csv),
//! `GET /reports/low-stock`.

use std::collections::BTreeSet;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use oms::aws::inventory_store::{SkuStock, StockChange, StockChangeError, Why};
use oms::channels::fields::{checked_address, clean_text, header_safe};
use oms::domain::review::is_plausible_email;
use oms::domain::Address;
use oms::http::{json, raw_body, raw_body_within, ApiError};
use oms::inventory::csv::MAX_ON_HAND;
use oms::inventory::stock::is_valid_sku;
use oms::inventory::{parse_stock_csv, Location, LocationId};
use oms::workflow::stock_import::PART_ROWS;
use serde::Deserialize;
use serde_json::json;

use crate::App;

const MAX_DELTA: i64 = MAX_ON_HAND as i64;
/// A stock file of `MAX_ROWS` rows with long SKUs.
const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LocationBody {
    name: String,
    address: Address,
    #[serde(default)]
    priority: i32,
}

pub async fn put_location(
    request: &Request,
    id: &str,
    app: &App,
) -> Result<Response<Body>, ApiError> {
    let id = LocationId::parse(id).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_location",
            e.to_string(),
        )
    })?;
    let body: LocationBody = parse(request, "{\"name\", \"address\", \"priority\"}")?;
    let invalid = |e: oms::channels::PayloadError| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_location",
            e.to_string(),
        )
    };
    let name = header_safe("name", &body.name, 120).map_err(invalid)?;
    let address = checked_address(body.address).map_err(invalid)?;
    let country_ok =
        address.country.len() == 2 && address.country.bytes().all(|b| b.is_ascii_uppercase());
    if name.is_empty()
        || address.line1.trim().is_empty()
        || address.city.trim().is_empty()
        || !country_ok
    {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_location",
            "a location needs a name and an address with line1, city and a two-letter uppercase country code",
        ));
    }
    let location = Location {
        id,
        name,
        address,
        priority: body.priority,
    };
    app.inventory
        .put_location(&location)
        .await
        .map_err(ApiError::internal)?;
    Ok(json(StatusCode::OK, &location))
}

pub async fn list_locations(app: &App) -> Result<Response<Body>, ApiError> {
    let mut locations = app
        .inventory
        .locations()
        .await
        .map_err(ApiError::internal)?;
    locations.sort_by(|a, b| b.priority.cmp(&a.priority).then_with(|| a.id.cmp(&b.id)));
    Ok(json(StatusCode::OK, &json!({ "locations": locations })))
}

/// Most SKUs the low-stock list shows.
const LOW_STOCK_LIMIT: i32 = 200;

/// The SKUs below their reorder point, longest low first, with what is available now.
pub async fn low_stock(app: &App) -> Result<Response<Body>, ApiError> {
    let low = app
        .inventory
        .low_stock(LOW_STOCK_LIMIT)
        .await
        .map_err(ApiError::internal)?;
    let skus: Vec<&str> = low.iter().map(|(sku, _)| sku.as_str()).collect();
    let view = app
        .inventory
        .view(&skus)
        .await
        .map_err(ApiError::internal)?;
    let rows: Vec<_> = low
        .iter()
        .map(|(sku, settings)| {
            let available: u64 = view.available.get(sku).map_or(0, |by_location| {
                by_location.values().map(|&u| u64::from(u)).sum()
            });
            json!({
                "sku": sku,
                "available": available,
                "reorder_point": settings.reorder_point,
                "supplier_email": settings.supplier_email,
                "low_since": settings.low_since,
            })
        })
        .collect();
    Ok(json(StatusCode::OK, &json!({ "skus": rows })))
}

pub async fn get_sku(sku: &str, app: &App) -> Result<Response<Body>, ApiError> {
    let sku = valid_sku(sku)?;
    let stock = app.inventory.sku(&sku).await.map_err(ApiError::internal)?;
    Ok(json(StatusCode::OK, &sku_view(&sku, &stock)))
}

/// `null` clears a reorder setting; leaving the field out keeps it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetBody {
    location: Option<String>,
    on_hand: Option<i64>,
    #[serde(default, deserialize_with = "present")]
    reorder_point: Option<Option<u32>>,
    #[serde(default, deserialize_with = "present")]
    supplier_email: Option<Option<String>>,
}

fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

pub async fn put_sku(request: &Request, sku: &str, app: &App) -> Result<Response<Body>, ApiError> {
    let sku = valid_sku(sku)?;
    let body: SetBody = parse(
        request,
        "{\"location\", \"on_hand\"} and/or {\"reorder_point\", \"supplier_email\"}",
    )?;
    let reorder_given = body.reorder_point.is_some() || body.supplier_email.is_some();
    let count = match (body.location, body.on_hand) {
        (Some(location), Some(on_hand)) => {
            Some((location_id(&location)?, units(on_hand, "on_hand")?))
        }
        (None, None) if reorder_given => None,
        _ => {
            return Err(unprocessable(
                "invalid_stock",
                "send location and on_hand together (and/or reorder_point, supplier_email)",
            ))
        }
    };
    let now = app.clock.now();
    if reorder_given {
        let stock = app
            .inventory
            .settings(&sku)
            .await
            .map_err(ApiError::internal)?;
        let point = body.reorder_point.unwrap_or(stock.reorder_point);
        let email = body.supplier_email.unwrap_or(stock.supplier_email);
        if let Some(email) = &email {
            if !is_plausible_email(email) {
                return Err(unprocessable(
                    "invalid_email",
                    "supplier_email is not an email address",
                ));
            }
        }
        app.inventory
            .set_reorder(&sku, point, email.as_deref())
            .await
            .map_err(ApiError::internal)?;
    }
    if let Some((location, on_hand)) = count {
        change(
            app,
            &sku,
            &location,
            StockChange::Set(on_hand),
            "set",
            None,
            None,
        )
        .await?;
    }
    app.stock
        .check_reorder_point(&sku, now)
        .await
        .map_err(ApiError::internal)?;
    get_sku(&sku, app).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AdjustBody {
    location: String,
    delta: i64,
    reason: String,
}

pub async fn adjust_sku(
    request: &Request,
    sku: &str,
    app: &App,
) -> Result<Response<Body>, ApiError> {
    let sku = valid_sku(sku)?;
    let body: AdjustBody = parse(request, "{\"location\", \"delta\", \"reason\"}")?;
    let location = location_id(&body.location)?;
    if body.delta == 0 || !(-MAX_DELTA..=MAX_DELTA).contains(&body.delta) {
        return Err(unprocessable(
            "invalid_delta",
            format!("delta must be a non-zero whole number from -{MAX_DELTA} to {MAX_DELTA}"),
        ));
    }
    let reason = clean_text(&body.reason, 200);
    if reason.is_empty() {
        return Err(unprocessable(
            "reason_required",
            "say why the stock changes (received, damaged, counted...)",
        ));
    }
    // With an Idempotency-Key, a retry of an adjustment whose answer was lost changes nothing.
    let key = oms::http::idempotency_key(request.headers())?;
    change(
        app,
        &sku,
        &location,
        StockChange::Adjust(body.delta),
        "adjust",
        Some(&reason),
        key,
    )
    .await?;
    get_sku(&sku, app).await
}

/// `text/csv` with `sku,location,on_hand` rows: the whole file is checked before any row is
/// applied; each row then sets that SKU's on hand at that location. Up to `PART_ROWS` rows are
/// applied in the request (200); a bigger file is applied in parts after it (202 with an import
/// id to follow at `GET /inventory/imports/{id}`).
pub async fn import(request: &Request, app: &App) -> Result<Response<Body>, ApiError> {
    let declared = request.headers().contains_key("content-type");
    if !declared || oms::http::require_media_type(request.headers(), "text/csv").is_err() {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send text/csv with sku,location,on_hand rows",
        ));
    }
    let text = std::str::from_utf8(raw_body_within(request, MAX_FILE_BYTES)?)
        .map_err(|_| ApiError::bad_request("invalid_body", "the file is not UTF-8 text"))?;
    let rows = parse_stock_csv(text).map_err(|e| unprocessable("invalid_csv", e.to_string()))?;
    let known: BTreeSet<LocationId> = app
        .inventory
        .locations()
        .await
        .map_err(ApiError::internal)?
        .into_iter()
        .map(|l| l.id)
        .collect();
    let unknown: BTreeSet<&str> = rows
        .iter()
        .filter(|r| !known.contains(&r.location))
        .map(|r| r.location.as_str())
        .collect();
    if !unknown.is_empty() {
        return Err(unprocessable(
            "unknown_location",
            format!(
                "no such location(s): {}; create them first with PUT /locations/{{id}}",
                unknown.into_iter().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    if rows.len() > PART_ROWS {
        let started = app
            .imports
            .start(&rows, app.clock.now())
            .await
            .map_err(|e| ApiError::internal(format!("{e:#}")))?;
        return Ok(json(
            StatusCode::ACCEPTED,
            &json!({
                "import_id": started.id,
                "status": "applying",
                "rows": started.rows,
                "parts": started.parts,
                "status_url": format!("/inventory/imports/{}", started.id),
            }),
        ));
    }
    let mut refused = Vec::new();
    for row in &rows {
        match change(
            app,
            &row.sku,
            &row.location,
            StockChange::Set(row.on_hand),
            "import",
            None,
            None,
        )
        .await
        {
            Ok(()) => {}
            Err(e) if e.status == StatusCode::CONFLICT => {
                refused.push(json!({"sku": row.sku, "location": row.location, "error": e.message}))
            }
            Err(e) => return Err(e),
        }
    }
    let skus: BTreeSet<&str> = rows.iter().map(|r| r.sku.as_str()).collect();
    Ok(json(
        StatusCode::OK,
        &json!({"imported": rows.len() - refused.len(), "skus": skus.len(), "refused": refused}),
    ))
}

/// `GET /inventory/imports/{id}`: where a big import stands.
pub async fn import_status(id: &str, app: &App) -> Result<Response<Body>, ApiError> {
    let status = app
        .imports
        .status(id)
        .await
        .map_err(|e| ApiError::internal(format!("{e:#}")))?
        .ok_or_else(|| ApiError::not_found("no such import"))?;
    Ok(json(
        StatusCode::OK,
        &json!({
            "import_id": id,
            "status": if status.is_done() { "done" } else { "applying" },
            "started_at": status.started_at,
            "rows": status.rows,
            "parts": status.parts,
            "parts_done": status.parts_done,
            "applied": status.applied,
            "refused": status.refused,
        }),
    ))
}

/// Applies one change, then lets backorders have new units and the supplier know about
/// missing ones.
async fn change(
    app: &App,
    sku: &str,
    location: &LocationId,
    change: StockChange,
    kind: &str,
    reason: Option<&str>,
    once: Option<&str>,
) -> Result<(), ApiError> {
    let now = app.clock.now();
    let (before, after) = match app
        .inventory
        .change(sku, location, change, Why { kind, reason, once }, now)
        .await
    {
        Ok(levels) => levels,
        Err(StockChangeError::Replayed(_)) => {
            // Made before, by a call that may have died before what follows it: that runs
            // again.
            let follow_up = match change {
                StockChange::Adjust(delta) if delta > 0 => app.stock.restocked(sku).await,
                _ => app.stock.check_reorder_point(sku, now).await,
            };
            return follow_up.map_err(ApiError::internal);
        }
        Err(StockChangeError::UnknownLocation(id)) => {
            return Err(unprocessable(
                "unknown_location",
                format!("no location {id}; create it first with PUT /locations/{id}"),
            ))
        }
        Err(e @ StockChangeError::BelowReserved { .. }) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "below_reserved",
                e.to_string(),
            ))
        }
        Err(StockChangeError::Store(e)) => return Err(ApiError::internal(e)),
    };
    let available_before = before.map_or(0, |l| l.available());
    let follow_up = if after.available() > available_before {
        app.stock.restocked(sku).await
    } else {
        app.stock.check_reorder_point(sku, now).await
    };
    follow_up.map_err(ApiError::internal)
}

fn sku_view(sku: &str, stock: &SkuStock) -> serde_json::Value {
    let total = |f: fn(&oms::inventory::StockLevel) -> i64| stock.levels.iter().map(f).sum::<i64>();
    json!({
        "sku": sku,
        "tracked": !stock.levels.is_empty(),
        "on_hand": total(|l| l.on_hand),
        "reserved": total(|l| l.reserved),
        "available": total(|l| l.available()),
        "locations": stock.levels.iter().map(|l| json!({
            "location": l.location,
            "on_hand": l.on_hand,
            "reserved": l.reserved,
            "available": l.available(),
        })).collect::<Vec<_>>(),
        "reorder_point": stock.settings.reorder_point,
        "supplier_email": stock.settings.supplier_email,
        "below_reorder_point_since": stock.settings.low_since,
        "timeline": stock.timeline,
    })
}

pub(crate) fn parse<T: serde::de::DeserializeOwned>(
    request: &Request,
    expected: &str,
) -> Result<T, ApiError> {
    oms::http::require_json(request.headers())?;
    serde_json::from_slice(raw_body(request)?)
        .map_err(|e| ApiError::bad_request("invalid_body", format!("expected {expected}: {e}")))
}

pub(crate) fn valid_sku(sku: &str) -> Result<String, ApiError> {
    if is_valid_sku(sku) {
        Ok(sku.to_string())
    } else {
        Err(ApiError::not_found(
            "no such SKU: SKUs are 1 to 128 characters without control characters",
        ))
    }
}

fn location_id(text: &str) -> Result<LocationId, ApiError> {
    LocationId::parse(text).map_err(|e| unprocessable("unknown_location", e.to_string()))
}

fn units(value: i64, field: &str) -> Result<u32, ApiError> {
    u32::try_from(value)
        .ok()
        .filter(|&v| v <= MAX_ON_HAND)
        .ok_or_else(|| {
            unprocessable(
                "invalid_stock",
                format!("{field} must be a whole number from 0 to {MAX_ON_HAND}"),
            )
        })
}

pub(crate) fn unprocessable(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}
