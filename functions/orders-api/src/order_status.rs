//! `POST /orders/{id}/status` `{"status", "reason", ...}`: a person moves an order along the
//! transition table.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use oms::channels::fields::clean_text;
use oms::domain::order::{HandMove, MoveError, OutsideParcel};
use oms::domain::shipment::ShipmentLine;
use oms::domain::{OrderId, OrderStatus, ShipmentId};
use oms::http::{json, raw_body, require_json, ApiError};
use oms::workflow::status_change::StatusChangeError;

use crate::App;

/// Most parcels one request records, and lines in one parcel.
const MAX_PARCELS: usize = 20;
const MAX_LINES: usize = 100;
/// Longest carrier name, tracking code or SKU taken.
const MAX_CODE_CHARS: usize = 64;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusBody {
    status: String,
    reason: Option<String>,
    /// `received_offline`, for `ready_to_ship`.
    payment: Option<String>,
    /// For `shipped` / `partially_shipped`: what was sent outside the OMS.
    #[serde(default)]
    parcels: Vec<Parcel>,
    /// For `closed` / `partially_closed`: the parcels delivered (none: all).
    #[serde(default)]
    shipments: Vec<String>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Parcel {
    carrier: String,
    tracking_code: String,
    lines: Vec<Line>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    sku: String,
    quantity: u32,
}

pub async fn change_status(
    request: &Request,
    id: &str,
    staff: &str,
    app: &App,
) -> Result<Response<Body>, ApiError> {
    let id = OrderId::parse(id).map_err(|_| ApiError::not_found("no such order"))?;
    require_json(request.headers())?;
    let body: StatusBody = serde_json::from_slice(raw_body(request)?).map_err(|e| {
        ApiError::bad_request(
            "invalid_body",
            format!("expected {{\"status\": \"...\", \"reason\": \"...\"}}: {e}"),
        )
    })?;
    let reason = body
        .reason
        .as_deref()
        .map(|r| clean_text(r, 500))
        .filter(|r| !r.is_empty())
        .ok_or_else(|| unprocessable("reason_required", "say why the status changes"))?;
    let change = hand_move(&body)?;
    let order = app
        .status_changes
        .change(&id, &change, staff, &reason, app.clock.now())
        .await
        .map_err(refused)?;
    Ok(json(
        StatusCode::OK,
        &crate::orders::view(&order, app).await?,
    ))
}

fn unprocessable(code: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
}

/// The move the body asks for, with what it needs and nothing it does not.
fn hand_move(body: &StatusBody) -> Result<HandMove, ApiError> {
    let status = OrderStatus::parse(&body.status).ok_or_else(|| {
        unprocessable(
            "invalid_status",
            format!("unknown order status {:?}", body.status),
        )
    })?;
    let unexpected = |field: &str| {
        unprocessable(
            "invalid_body",
            format!("{field} does not go with status {status}"),
        )
    };
    if body.payment.is_some() && status != OrderStatus::ReadyToShip {
        return Err(unexpected("payment"));
    }
    let shipping = matches!(status, OrderStatus::Shipped | OrderStatus::PartiallyShipped);
    if !body.parcels.is_empty() && !shipping {
        return Err(unexpected("parcels"));
    }
    let closing = matches!(status, OrderStatus::Closed | OrderStatus::PartiallyClosed);
    if !body.shipments.is_empty() && !closing {
        return Err(unexpected("shipments"));
    }
    Ok(match status {
        OrderStatus::ReadyToShip => HandMove::ReadyToShip {
            payment_received_offline: match body.payment.as_deref() {
                None => false,
                Some("received_offline") => true,
                Some(other) => {
                    return Err(unprocessable(
                        "invalid_body",
                        format!("payment is \"received_offline\" or absent, not {other:?}"),
                    ))
                }
            },
        },
        OrderStatus::Canceled => HandMove::Canceled,
        OrderStatus::Failed => HandMove::Failed,
        OrderStatus::Abandoned => HandMove::Abandoned,
        OrderStatus::Returned => HandMove::Returned,
        OrderStatus::Shipped | OrderStatus::PartiallyShipped => {
            HandMove::Shipped(parcels(&body.parcels)?)
        }
        OrderStatus::Closed | OrderStatus::PartiallyClosed => HandMove::Closed(
            body.shipments
                .iter()
                .map(|s| code(s, "shipments[]").map(ShipmentId))
                .collect::<Result<_, _>>()?,
        ),
        OrderStatus::Open => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "illegal_transition",
                "an order goes back to open only by voiding its labels",
            )
            .with("allowed", serde_json::json!([])))
        }
    })
}

fn parcels(parcels: &[Parcel]) -> Result<Vec<OutsideParcel>, ApiError> {
    if parcels.is_empty() || parcels.len() > MAX_PARCELS {
        return Err(unprocessable(
            "parcels_required",
            format!(
                "goods sent outside the OMS need their parcels (1 to {MAX_PARCELS}): carrier, \
                 tracking_code, lines"
            ),
        ));
    }
    parcels
        .iter()
        .map(|p| {
            if p.lines.is_empty() || p.lines.len() > MAX_LINES {
                return Err(unprocessable(
                    "invalid_body",
                    format!("a parcel carries 1 to {MAX_LINES} lines"),
                ));
            }
            Ok(OutsideParcel {
                carrier: code(&p.carrier, "carrier")?,
                tracking_code: code(&p.tracking_code, "tracking_code")?,
                lines: p
                    .lines
                    .iter()
                    .map(|l| {
                        Ok(ShipmentLine {
                            sku: code(&l.sku, "sku")?,
                            quantity: l.quantity,
                        })
                    })
                    .collect::<Result<_, ApiError>>()?,
            })
        })
        .collect()
}

/// A carrier, tracking code, SKU or shipment id: 1-64 visible characters.
fn code(value: &str, field: &str) -> Result<String, ApiError> {
    let value = value.trim();
    if value.is_empty()
        || value.chars().count() > MAX_CODE_CHARS
        || value
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() && c != ' ')
    {
        return Err(unprocessable(
            "invalid_body",
            format!("{field} must be 1-{MAX_CODE_CHARS} visible characters"),
        ));
    }
    Ok(value.to_string())
}

fn refused(e: StatusChangeError) -> ApiError {
    match e {
        StatusChangeError::NotFound => ApiError::not_found("no such order"),
        StatusChangeError::Refused(MoveError::Illegal { from, to, allowed }) => ApiError::new(
            StatusCode::CONFLICT,
            "illegal_transition",
            format!("the order is {from}; it cannot become {to}"),
        )
        .with("allowed", serde_json::json!(allowed)),
        StatusChangeError::Refused(e @ MoveError::NotReady(_)) => {
            ApiError::new(StatusCode::CONFLICT, "not_ready", e.to_string())
        }
        StatusChangeError::Refused(e @ MoveError::Invalid(_)) => {
            unprocessable("invalid_move", e.to_string())
        }
        StatusChangeError::Review(e) => crate::orders::review_error(e),
        StatusChangeError::Unavailable(e) => ApiError::internal(e),
    }
}
