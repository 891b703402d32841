//! Order intake: `POST /webhooks/shopify`. Verifies the signature over the raw body, parses and
//! normalizes the order, stores it exactly once and starts its path. No carrier or email work here.

use chrono::Utc;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use oms::aws::Clients;
use oms::channels::shopify;
use oms::config::{secrets, ConfigError, Env};
use oms::http::{header, json, raw_body, require_json, ApiError};
use oms::signature::WebhookSecrets;
use oms::workflow::intake::{Intake, Received};

pub struct App {
    intake: Intake,
    shopify_secrets: WebhookSecrets,
}

impl App {
    pub fn from_env(env: &dyn Env, aws: &Clients) -> Result<Self, ConfigError> {
        Ok(Self {
            intake: Intake {
                orders: aws.order_store(env)?,
                payment_queue: aws.queue(env, "PAYMENT_QUEUE_URL")?,
                notify_queue: aws.queue(env, "NOTIFY_QUEUE_URL")?,
            },
            shopify_secrets: secrets(env, "SHOPIFY_WEBHOOK_SECRET")?,
        })
    }
}

pub async fn handle(request: Request, app: &App) -> Response<Body> {
    receive_shopify(request, app)
        .await
        .unwrap_or_else(ApiError::into_response)
}

async fn receive_shopify(request: Request, app: &App) -> Result<Response<Body>, ApiError> {
    let headers = request.headers();
    let body = raw_body(&request)?;
    app.shopify_secrets
        .verify_base64(body, header(headers, "x-shopify-hmac-sha256"))
        .map_err(|e| ApiError::unauthorized(format!("Shopify webhook rejected: {e}")))?;
    require_json(headers)?;
    let topic = header(headers, "x-shopify-topic").unwrap_or_default();
    if topic != "orders/create" {
        tracing::info!(topic, "Shopify topic not handled; acknowledged");
        return Ok(json(
            StatusCode::OK,
            &serde_json::json!({"status": "ignored", "topic": topic}),
        ));
    }
    let new_order = shopify::parse_order(body).map_err(|e| {
        let status = if e.code == "malformed_json" {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        ApiError::new(status, e.code, e.message)
    })?;
    let (status, order_id) = match app.intake.receive(new_order, Utc::now()).await {
        Ok(Received::Created(id)) => ("created", id),
        Ok(Received::Duplicate(id)) => ("duplicate", id),
        Err(e) => return Err(ApiError::internal(e)),
    };
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({"status": status, "order_id": order_id}),
    ))
}
