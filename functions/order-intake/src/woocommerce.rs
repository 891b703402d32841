//! `POST /webhooks/woocommerce`: `order.created` and `order.updated` from WooCommerce.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use oms::channels::woocommerce::{is_ping, parse_order};
use oms::http::{header, json, raw_body, require_json, ApiError};

use crate::{delivery, ignored, take_in, App};

pub async fn receive(request: &Request, app: &App) -> Result<Response<Body>, ApiError> {
    let headers = request.headers();
    let body = raw_body(request)?;
    // Saving a webhook in WooCommerce sends `webhook_id=<n>` once; it carries nothing to store.
    if is_ping(body) {
        return Ok(json(StatusCode::OK, &serde_json::json!({"status": "pong"})));
    }
    app.woocommerce_secrets
        .verify_base64(body, header(headers, "x-wc-webhook-signature"))
        .map_err(|e| ApiError::unauthorized(format!("WooCommerce webhook rejected: {e}")))?;
    require_json(headers)?;
    let topic = header(headers, "x-wc-webhook-topic").unwrap_or_default();
    if !matches!(topic, "order.created" | "order.updated") {
        return Ok(ignored(topic));
    }
    let delivery_id = header(headers, "x-wc-webhook-delivery-id");
    delivery::once(
        app,
        "woocommerce",
        delivery_id,
        body,
        take_in(app, parse_order(body)),
    )
    .await
}
