//! Webhook redeliveries, recognized by the sender's delivery id and answered without work.

use std::future::Future;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use oms::channels::fields::is_plain_id;
use oms::http::{json, ApiError};

use crate::App;

/// Runs `work` unless this delivery (its id and its body) was handled before; remembers it once
/// handled successfully. The id alone is not covered by the signature, so it never suffices.
pub async fn once<F>(
    app: &App,
    source: &str,
    delivery_id: Option<&str>,
    body: &[u8],
    work: F,
) -> Result<Response<Body>, ApiError>
where
    F: Future<Output = Result<Response<Body>, ApiError>>,
{
    let delivery_id = delivery_id.filter(|id| is_plain_id(id));
    if let Some(id) = delivery_id {
        if app
            .deliveries
            .handled(source, id, body)
            .await
            .map_err(ApiError::internal)?
        {
            tracing::info!(source, delivery_id = id, "delivery already handled");
            return Ok(json(
                StatusCode::OK,
                &serde_json::json!({"status": "duplicate_delivery"}),
            ));
        }
    }
    let response = work.await?;
    if let Some(id) = delivery_id {
        if response.status().is_success() {
            if let Err(e) = app
                .deliveries
                .record(source, id, body, app.clock.now())
                .await
            {
                // Not fatal: a redelivery is still recognized by the order's own id.
                tracing::warn!(source, delivery_id = id, error = %e, "could not record delivery");
            }
        }
    }
    Ok(response)
}
