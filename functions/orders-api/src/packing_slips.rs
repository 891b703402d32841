//! `GET /orders/{id}/packing-slip.pdf` (the whole order) and
//! `GET /orders/{id}/shipments/{sid}/packing-slip.pdf` (one parcel): the slip that goes in the
//! box, drawn on request (it holds no prices and nothing that must stay as issued).

use lambda_http::http::{HeaderValue, StatusCode};
use lambda_http::{Body, Response};
use oms::domain::{Address, Order, OrderId, ShipmentId};
use oms::http::ApiError;
use oms::inventory::LocationId;
use oms_documents::{packing_slip_pdf, PackingSlip};

use crate::App;

async fn order(id: &str, app: &App) -> Result<Order, ApiError> {
    let id = OrderId::parse(id).map_err(|_| ApiError::not_found("no such order"))?;
    app.orders
        .get(&id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found("no such order"))
}

/// The address goods leave `location` from: the location's own, or the configured ship-from
/// address for the default location when it has none stored.
async fn ship_from(location: &LocationId, app: &App) -> Result<Option<Address>, ApiError> {
    let stored = app
        .inventory
        .location(location)
        .await
        .map_err(ApiError::internal)?;
    Ok(match stored {
        Some(location) => Some(location.address),
        None if *location == LocationId::default_location() => Some(app.ship_from.clone()),
        None => None,
    })
}

pub async fn order_slip(id: &str, app: &App) -> Result<Response<Body>, ApiError> {
    let order = order(id, app).await?;
    // Where its goods were planned to leave from, when that is one place.
    let mut locations: Vec<&LocationId> = order
        .allocation
        .iter()
        .flat_map(|a| a.parts.iter().map(|p| &p.location))
        .collect();
    locations.dedup();
    let location = match locations.as_slice() {
        [one] => (*one).clone(),
        _ => LocationId::default_location(),
    };
    let from = ship_from(&location, app).await?;
    pdf(
        &PackingSlip::new(&app.merchant_name, &order, None, from),
        &order.name,
    )
}

pub async fn parcel_slip(id: &str, sid: &str, app: &App) -> Result<Response<Body>, ApiError> {
    let order = order(id, app).await?;
    let shipment = order
        .shipment(&ShipmentId(sid.to_string()))
        .ok_or_else(|| ApiError::not_found("no such shipment on this order"))?;
    if shipment.voided_at.is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "shipment_voided",
            format!(
                "parcel {} was voided: nothing ships in it",
                shipment.tracking_code
            ),
        ));
    }
    let location = shipment
        .location
        .clone()
        .unwrap_or_else(LocationId::default_location);
    let from = ship_from(&location, app).await?;
    pdf(
        &PackingSlip::new(&app.merchant_name, &order, Some(shipment), from),
        &order.name,
    )
}

fn pdf(slip: &PackingSlip, name: &str) -> Result<Response<Body>, ApiError> {
    let bytes = packing_slip_pdf(slip).map_err(ApiError::internal)?;
    let mut response = Response::new(Body::Binary(bytes));
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("application/pdf"));
    let file: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    if let Ok(value) =
        HeaderValue::from_str(&format!("inline; filename=\"packing-slip-{file}.pdf\""))
    {
        headers.insert("content-disposition", value);
    }
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}
