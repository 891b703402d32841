//! `POST /orders`: staff enter an order by hand (phone, in-store): lines by SKU, titles, prices
//! and weights looked up in the catalog where not given, the total added up where not given, and
//! the payment `pending`, `paid` or `received_offline`. It goes the way every order goes (review,
//! payment, stock, labels). With an `Idempotency-Key`, the same key and body return the same
//! order, and the same key with another body is a conflict.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use oms::aws::order_store::StoreError;
use oms::channels::native::parse_draft;
use oms::domain::Channel;
use oms::http::order_view::order_view;
use oms::http::{idempotency_key, json, raw_body, require_json, ApiError};
use oms::workflow::intake::{IntakeError, ManualReceived};
use sha2::{Digest, Sha256};

use crate::App;

pub async fn create(request: &Request, app: &App) -> Result<Response<Body>, ApiError> {
    let headers = request.headers();
    let body = raw_body(request)?;
    require_json(headers)?;
    let key = idempotency_key(headers)?;
    // With a key, the order's channel id derives from it, so a replay lands on the same order.
    let channel_order_id = match key {
        Some(key) => format!("K-{}", hex::encode(&Sha256::digest(key.as_bytes())[..12])),
        None => format!("M-{}", uuid::Uuid::new_v4().simple()),
    };
    let draft = parse_draft(body, Channel::Manual, || Some(channel_order_id))?;
    let catalog = app
        .catalog
        .entries(&draft.skus_to_look_up())
        .await
        .map_err(ApiError::internal)?;
    let order = draft.complete(&catalog)?;
    let outcome = app
        .intake
        .receive_keyed(order, app.clock.now())
        .await
        .map_err(|e| match e {
            IntakeError::Store(StoreError::PaymentInUse(payment)) => ApiError::new(
                StatusCode::CONFLICT,
                "payment_in_use",
                format!("payment {payment} already pays another order"),
            ),
            e => ApiError::internal(e),
        })?;
    match outcome {
        ManualReceived::Created(order) => Ok(json(StatusCode::CREATED, &order_view(&order, &[]))),
        ManualReceived::Replayed(order) => Ok(json(StatusCode::OK, &order_view(&order, &[]))),
        ManualReceived::KeyReused => Err(ApiError::new(
            StatusCode::CONFLICT,
            "idempotency_key_reused",
            "this Idempotency-Key was used for a different order",
        )),
    }
}
