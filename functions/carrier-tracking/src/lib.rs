//! Carrier tracking: `POST /webhooks/carriers/easypost`. Verifies the signature, moves the parcel
//! forward (never back), rolls the order up. Unknown parcels are acknowledged so the carrier stops.

use chrono::Utc;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use oms::aws::Clients;
use oms::carriers::easypost::parse_tracker_event;
use oms::config::{secrets, ConfigError, Env};
use oms::http::{header, json, raw_body, require_json, ApiError};
use oms::signature::WebhookSecrets;
use oms::workflow::tracking::{Tracked, Tracking};

pub struct App {
    tracking: Tracking,
    easypost_secrets: WebhookSecrets,
}

impl App {
    pub fn from_env(env: &dyn Env, aws: &Clients) -> Result<Self, ConfigError> {
        Ok(Self {
            tracking: Tracking {
                orders: aws.order_store(env)?,
                notify_queue: aws.queue(env, "NOTIFY_QUEUE_URL")?,
            },
            easypost_secrets: secrets(env, "EASYPOST_WEBHOOK_SECRET")?,
        })
    }
}

pub async fn handle(request: Request, app: &App) -> Response<Body> {
    receive_easypost(request, app)
        .await
        .unwrap_or_else(ApiError::into_response)
}

async fn receive_easypost(request: Request, app: &App) -> Result<Response<Body>, ApiError> {
    let headers = request.headers();
    let body = raw_body(&request)?;
    app.easypost_secrets
        .verify_prefixed_hex(body, header(headers, "x-hmac-signature"))
        .map_err(|e| ApiError::unauthorized(format!("EasyPost webhook rejected: {e}")))?;
    require_json(headers)?;
    let event = parse_tracker_event(body)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, e.code, e.message))?;
    let Some(event) = event else {
        return Ok(json(
            StatusCode::OK,
            &serde_json::json!({"status": "ignored"}),
        ));
    };
    let status = match app.tracking.apply(&event, Utc::now()).await {
        Ok(Tracked::UnknownParcel) => "unknown_tracking_code",
        Ok(Tracked::Applied(_)) => "applied",
        Err(e) => return Err(ApiError::internal(format!("{e:#}"))),
    };
    Ok(json(StatusCode::OK, &serde_json::json!({"status": status})))
}
