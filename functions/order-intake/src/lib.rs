//! Order intake: every channel's orders come in here, are verified (signature over the raw body,
//! then content), stored exactly once and started on their path. No carrier or email work inline.
//!
//! - `POST /webhooks/shopify` (`X-Shopify-Hmac-Sha256`)
//! - `POST /webhooks/woocommerce` (`X-WC-Webhook-Signature`)
//! - `POST /webhooks/orders` (`X-OMS-Signature`, our own JSON format)
//! - `POST /webhooks/stripe` (`Stripe-Signature`): news of the payments orders name, handed to
//!   payment verification

mod delivery;
mod marketplace;
mod shopify;
mod stripe;
mod woocommerce;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use oms::aws::{CartStore, Clients, DeliveryLog};
use oms::channels::PayloadError;
use oms::config::{required, secrets, ConfigError, Env};
use oms::domain::NewOrder;
use oms::http::{json, ApiError};
use oms::signature::WebhookSecrets;
use oms::workflow::carts::Checkouts;
use oms::workflow::intake::{Intake, Received};

pub struct App {
    clock: oms::clock::Time,
    intake: Intake,
    checkouts: Checkouts,
    deliveries: DeliveryLog,
    shopify_secrets: WebhookSecrets,
    woocommerce_secrets: WebhookSecrets,
    channel_secrets: WebhookSecrets,
    /// None without `STRIPE_WEBHOOK_SECRET`: Stripe's events are then refused.
    stripe_secrets: Option<WebhookSecrets>,
}

impl App {
    pub fn from_env(env: &dyn Env, aws: &Clients) -> Result<Self, ConfigError> {
        let table = required(env, "ORDERS_TABLE")?;
        Ok(Self {
            clock: aws.clock.clone(),
            intake: Intake {
                orders: aws.order_store(env)?,
                payment_queue: aws.queue(env, "PAYMENT_QUEUE_URL")?,
                notify_queue: aws.queue(env, "NOTIFY_QUEUE_URL")?,
            },
            checkouts: Checkouts {
                carts: CartStore::new(aws.db.clone(), &table),
                notify_queue: aws.queue(env, "NOTIFY_QUEUE_URL")?,
                reminder_after: oms::config::cart_reminder_after(env)?,
            },
            deliveries: DeliveryLog::new(aws.db.clone(), &table),
            shopify_secrets: secrets(env, "SHOPIFY_WEBHOOK_SECRET")?,
            woocommerce_secrets: secrets(env, "WOOCOMMERCE_WEBHOOK_SECRET")?,
            channel_secrets: secrets(env, "OMS_CHANNEL_SECRET")?,
            stripe_secrets: env
                .var("STRIPE_WEBHOOK_SECRET")
                .and_then(|list| WebhookSecrets::parse(&list)),
        })
    }
}

pub async fn handle(request: Request, app: &App) -> Response<Body> {
    let result = match request.raw_http_path() {
        "/webhooks/shopify" => shopify::receive(&request, app).await,
        "/webhooks/woocommerce" => woocommerce::receive(&request, app).await,
        "/webhooks/orders" => marketplace::receive(&request, app).await,
        "/webhooks/stripe" => stripe::receive(&request, app).await,
        other => Err(ApiError::not_found(format!("no route {other}"))),
    };
    result.unwrap_or_else(ApiError::into_response)
}

/// Takes in a parsed channel order: a refused payload is a 4xx, a stored one answers its outcome.
async fn take_in(
    app: &App,
    order: Result<NewOrder, PayloadError>,
) -> Result<Response<Body>, ApiError> {
    let order = order?;
    let outcome = app
        .intake
        .receive(order, app.clock.now())
        .await
        .map_err(ApiError::internal)?;
    Ok(received(outcome))
}

/// The webhook answer for an order taken in.
fn received(outcome: Received) -> Response<Body> {
    let (status, id) = match outcome {
        Received::Created(id) => ("created", id),
        Received::Duplicate(id) => ("duplicate", id),
        Received::Updated(id, _) => ("updated", id),
    };
    json(
        StatusCode::OK,
        &serde_json::json!({"status": status, "order_id": id}),
    )
}

fn ignored(what: &str) -> Response<Body> {
    tracing::info!(what, "acknowledged and ignored");
    json(
        StatusCode::OK,
        &serde_json::json!({"status": "ignored", "topic": what}),
    )
}
