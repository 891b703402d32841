//! Carrier tracking: carriers' and aggregators' tracking webhooks, each verified its own way, move
//! the parcel forward (never back) and roll the order up. Unknown parcels are acknowledged (200)
//! so the sender stops retrying.
//!
//! - `POST /webhooks/carriers/easypost` (`X-Hmac-Signature: hmac-sha256-hex=<hex>`)
//! - `POST /webhooks/carriers/aftership` (`aftership-hmac-sha256`, base64)
//! - `POST /webhooks/carriers/shippo?token=<SHIPPO_WEBHOOK_TOKEN>`

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use oms::aws::{Clients, TransitStats};
use oms::carriers::{aftership, easypost, shippo, TrackerEvent};
use oms::channels::PayloadError;
use oms::config::{required, secrets, ConfigError, Env};
use oms::http::{header, json, raw_body, require_json, ApiError, SecretToken};
use oms::signature::WebhookSecrets;
use oms::workflow::tracking::{Tracked, Tracking};

pub struct App {
    clock: oms::clock::Time,
    tracking: Tracking,
    easypost_secrets: WebhookSecrets,
    aftership_secrets: WebhookSecrets,
    shippo_token: SecretToken,
}

impl App {
    pub fn from_env(env: &dyn Env, aws: &Clients) -> Result<Self, ConfigError> {
        Ok(Self {
            clock: aws.clock.clone(),
            tracking: Tracking {
                orders: aws.order_store(env)?,
                notify_queue: aws.queue(env, "NOTIFY_QUEUE_URL")?,
                transit: TransitStats::new(aws.db.clone(), required(env, "ORDERS_TABLE")?),
            },
            easypost_secrets: secrets(env, "EASYPOST_WEBHOOK_SECRET")?,
            aftership_secrets: secrets(env, "AFTERSHIP_WEBHOOK_SECRET")?,
            shippo_token: SecretToken::new(&required(env, "SHIPPO_WEBHOOK_TOKEN")?),
        })
    }
}

pub async fn handle(request: Request, app: &App) -> Response<Body> {
    receive(request, app)
        .await
        .unwrap_or_else(ApiError::into_response)
}

async fn receive(request: Request, app: &App) -> Result<Response<Body>, ApiError> {
    let headers = request.headers();
    let body = raw_body(&request)?;
    let event = match request.raw_http_path() {
        "/webhooks/carriers/easypost" => {
            app.easypost_secrets
                .verify_prefixed_hex(body, header(headers, "x-hmac-signature"))
                .map_err(|e| ApiError::unauthorized(format!("EasyPost webhook rejected: {e}")))?;
            require_json(headers)?;
            easypost::parse_tracker_event(body)
        }
        "/webhooks/carriers/aftership" => {
            app.aftership_secrets
                .verify_base64(body, header(headers, "aftership-hmac-sha256"))
                .map_err(|e| ApiError::unauthorized(format!("AfterShip webhook rejected: {e}")))?;
            require_json(headers)?;
            aftership::parse(body)
        }
        "/webhooks/carriers/shippo" => {
            // Shippo signs nothing: the secret is the token in the callback URL.
            let token = request
                .query_string_parameters()
                .first("token")
                .map(str::to_string);
            if !token.is_some_and(|t| app.shippo_token.matches(&t)) {
                return Err(ApiError::unauthorized(
                    "Shippo webhook rejected: the token is missing or wrong",
                ));
            }
            require_json(headers)?;
            shippo::parse(body)
        }
        other => return Err(ApiError::not_found(format!("no route {other}"))),
    };
    match event.map_err(refused)? {
        Some(event) => apply(&event, app).await,
        None => Ok(json(
            StatusCode::OK,
            &serde_json::json!({"status": "ignored"}),
        )),
    }
}

fn refused(e: PayloadError) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, e.code, e.message)
}

async fn apply(event: &TrackerEvent, app: &App) -> Result<Response<Body>, ApiError> {
    let status = match app.tracking.apply(event, app.clock.now()).await {
        Ok(Tracked::UnknownParcel) => "unknown_tracking_code",
        Ok(Tracked::Applied(_)) => "applied",
        Err(e) => return Err(ApiError::internal(format!("{e:#}"))),
    };
    Ok(json(StatusCode::OK, &serde_json::json!({"status": status})))
}
