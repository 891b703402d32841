//! One order: show, decide holds, cancel, void labels.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use oms::channels::fields::clean_text;
use oms::domain::order::VoidError;
use oms::domain::{Order, OrderId, ShipmentId};
use oms::http::order_view::order_view;
use oms::http::{json, raw_body, require_json, ApiError};
use oms::workflow::review::ReviewError;

use crate::App;

pub async fn get_order(id: &str, app: &App) -> Result<Response<Body>, ApiError> {
    let id = OrderId::parse(id).map_err(|_| ApiError::not_found("no such order"))?;
    let order = app
        .orders
        .get(&id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found("no such order"))?;
    let mut response = json(StatusCode::OK, &view(&order, app).await?);
    crate::order_edit::with_etag(&mut response, order.version);
    Ok(response)
}

/// The body of a reject: `{"reason": "..."}` (optional for a release).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Decision {
    reason: Option<String>,
}

pub async fn decide_hold(
    request: &Request,
    id: &str,
    decision: &str,
    app: &App,
) -> Result<Response<Body>, ApiError> {
    let id = order_id(id)?;
    let reason = reason(request)?;
    let now = app.clock.now();
    let result = match decision {
        "release" => app.review.release(&id, "admin", now).await,
        "reject" => {
            let reason = reason.ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "reason_required",
                    "say why the order is rejected",
                )
            })?;
            app.review.reject(&id, "admin", &reason, now).await
        }
        other => {
            return Err(ApiError::not_found(format!(
                "no hold decision {other:?}; use release or reject"
            )))
        }
    };
    let order = result.map_err(review_error)?;
    Ok(json(StatusCode::OK, &view(&order, app).await?))
}

/// `POST /orders/{id}/cancel` `{"reason": "..."}`: nothing of it may be with the carrier.
pub async fn cancel_order(
    request: &Request,
    id: &str,
    app: &App,
) -> Result<Response<Body>, ApiError> {
    let id = order_id(id)?;
    let reason = reason(request)?.ok_or_else(|| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "reason_required",
            "say why the order is canceled",
        )
    })?;
    let order = app
        .review
        .cancel(&id, "admin", &reason, app.clock.now())
        .await
        .map_err(review_error)?;
    Ok(json(StatusCode::OK, &view(&order, app).await?))
}

/// `DELETE /orders/{id}/shipments/{sid}`: voids a label the carrier has not scanned.
pub async fn void_shipment(
    id: &str,
    shipment: &str,
    app: &App,
) -> Result<Response<Body>, ApiError> {
    let id = order_id(id)?;
    let shipment = ShipmentId(shipment.to_string());
    let order = app
        .review
        .void_shipment(&id, &shipment, "admin", app.clock.now())
        .await
        .map_err(review_error)?;
    Ok(json(StatusCode::OK, &view(&order, app).await?))
}

fn order_id(id: &str) -> Result<OrderId, ApiError> {
    OrderId::parse(id).map_err(|_| ApiError::not_found("no such order"))
}

/// The optional `{"reason": "..."}` body of staff decisions, as one clean line.
fn reason(request: &Request) -> Result<Option<String>, ApiError> {
    let body = raw_body(request)?;
    require_json(request.headers())?;
    let decision: Decision = if body.iter().all(u8::is_ascii_whitespace) {
        Decision { reason: None }
    } else {
        serde_json::from_slice(body).map_err(|e| {
            ApiError::bad_request(
                "invalid_body",
                format!("expected {{\"reason\": \"...\"}}: {e}"),
            )
        })?
    };
    Ok(decision
        .reason
        .map(|r| clean_text(&r, 500))
        .filter(|r| !r.is_empty()))
}

pub(crate) fn review_error(e: ReviewError) -> ApiError {
    match e {
        ReviewError::NotFound => ApiError::not_found("no such order"),
        ReviewError::Void(VoidError::UnknownShipment(_)) => {
            ApiError::not_found("the order has no such shipment")
        }
        e @ (ReviewError::Refused(_)
        | ReviewError::Cancel(_)
        | ReviewError::Void(_)
        | ReviewError::CarrierRefused(_)) => {
            ApiError::new(StatusCode::CONFLICT, "conflict", e.to_string())
        }
        ReviewError::Unavailable(e) => ApiError::internal(e),
    }
}

pub async fn view<'a>(
    order: &'a Order,
    app: &App,
) -> Result<oms::http::order_view::OrderView<'a>, ApiError> {
    let mut urls = Vec::with_capacity(order.shipments.len());
    for shipment in &order.shipments {
        urls.push(if shipment.label_key.is_empty() {
            None
        } else {
            Some(
                app.labels
                    .url(&shipment.label_key)
                    .await
                    .map_err(ApiError::internal)?,
            )
        });
    }
    Ok(order_view(order, &urls))
}
