//! `PUT /catalog/{sku}` and `GET /catalog/{sku}`: the title, price (excluding tax), weight and
//! shipping of a SKU, which staff orders (`POST /orders`) fill in for lines that name only the
//! SKU and quantity.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use oms::channels::fields::{clean_text, price};
use oms::domain::Currency;
use oms::http::{json, ApiError};
use oms::inventory::CatalogEntry;
use serde::Deserialize;

use crate::stock::{parse, unprocessable, valid_sku};
use crate::App;

/// The heaviest unit the catalog takes (1,000 kg).
const MAX_GRAMS: u32 = 1_000_000;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryBody {
    title: String,
    unit_price: String,
    currency: String,
    #[serde(default)]
    grams: u32,
    #[serde(default = "ships")]
    requires_shipping: bool,
}

fn ships() -> bool {
    true
}

pub async fn put_entry(
    request: &Request,
    sku: &str,
    app: &App,
) -> Result<Response<Body>, ApiError> {
    let sku = valid_sku(sku)?;
    let body: EntryBody = parse(
        request,
        "{\"title\", \"unit_price\", \"currency\", \"grams\", \"requires_shipping\"}",
    )?;
    let title = clean_text(&body.title, 256);
    if title.is_empty() {
        return Err(unprocessable("invalid_title", "title is empty"));
    }
    let unit_price = price("unit_price", Some(&body.unit_price))
        .map_err(|e| unprocessable(e.code, e.message))?;
    let currency = Currency::parse(&body.currency)
        .map_err(|e| unprocessable("invalid_currency", e.to_string()))?;
    if body.grams > MAX_GRAMS {
        return Err(unprocessable(
            "invalid_grams",
            format!("grams must be 0 to {MAX_GRAMS}"),
        ));
    }
    let entry = CatalogEntry {
        title,
        unit_price,
        currency,
        grams: body.grams,
        requires_shipping: body.requires_shipping,
    };
    app.catalog
        .put(&sku, &entry)
        .await
        .map_err(ApiError::internal)?;
    Ok(json(StatusCode::OK, &view(&sku, &entry)))
}

pub async fn get_entry(sku: &str, app: &App) -> Result<Response<Body>, ApiError> {
    let sku = valid_sku(sku)?;
    let entry = app
        .catalog
        .get(&sku)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found("the catalog has no such SKU"))?;
    Ok(json(StatusCode::OK, &view(&sku, &entry)))
}

fn view(sku: &str, entry: &CatalogEntry) -> serde_json::Value {
    let mut view = serde_json::to_value(entry).unwrap_or_default();
    view["sku"] = sku.into();
    view
}
