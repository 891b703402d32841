//! `POST /webhooks/shopify`: orders and checkouts from Shopify.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use oms::aws::cart_store::Saved;
use oms::channels::shopify::{parse_checkout, parse_order, Topic};
use oms::domain::Channel;
use oms::http::{header, json, raw_body, require_json, ApiError};

use crate::{delivery, ignored, take_in, App};

pub async fn receive(request: &Request, app: &App) -> Result<Response<Body>, ApiError> {
    let headers = request.headers();
    let body = raw_body(request)?;
    app.shopify_secrets
        .verify_base64(body, header(headers, "x-shopify-hmac-sha256"))
        .map_err(|e| ApiError::unauthorized(format!("Shopify webhook rejected: {e}")))?;
    require_json(headers)?;
    let topic_name = header(headers, "x-shopify-topic").unwrap_or_default();
    let Some(topic) = Topic::parse(topic_name) else {
        return Ok(ignored(topic_name));
    };
    // The event id is the same across Shopify's retries of one event; the webhook id is a fallback.
    let delivery_id =
        header(headers, "x-shopify-event-id").or_else(|| header(headers, "x-shopify-webhook-id"));
    delivery::once(app, "shopify", delivery_id, body, async {
        match topic {
            Topic::Order => {
                let body = parse_order(body)?;
                let response = take_in(app, Ok(body.order)).await?;
                if let Some(token) = body.checkout_token {
                    app.checkouts
                        .converted(Channel::Shopify, &token, app.clock.now())
                        .await
                        .map_err(ApiError::internal)?;
                }
                Ok(response)
            }
            Topic::Checkout => {
                let cart = parse_checkout(body)?;
                let saved = app
                    .checkouts
                    .receive(&cart, app.clock.now())
                    .await
                    .map_err(ApiError::internal)?;
                let status = if saved == Saved::Stale {
                    "stale"
                } else {
                    "stored"
                };
                Ok(json(
                    StatusCode::OK,
                    &serde_json::json!({"status": status, "cart": cart.token}),
                ))
            }
        }
    })
    .await
}
