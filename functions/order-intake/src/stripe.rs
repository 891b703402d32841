//! `POST /webhooks/stripe`: Stripe's events about the payments orders name
//! (`Stripe-Signature: t=<unix>,v1=<hex>[,v1=...]` over `"<t>.<body>"`, 300 s tolerance, any
//! configured secret during a rotation).
//!
//! An event is only news: the payment worker reads the payment's state from Stripe again, so
//! events replayed or arriving out of order change nothing the current state does not. Each
//! event is handed on once (by its id, covered by the signature); events about payments no
//! order names, and kinds the OMS does not act on, are answered 200 and change nothing.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use oms::http::{header, json, raw_body, require_json, ApiError};
use oms::messages::{GatewayNews, PaymentWork};
use oms::payments::stripe_event::parse_event;

use crate::{delivery, App};

pub async fn receive(request: &Request, app: &App) -> Result<Response<Body>, ApiError> {
    let headers = request.headers();
    let body = raw_body(request)?;
    let secrets = app.stripe_secrets.as_ref().ok_or_else(|| {
        ApiError::unauthorized("Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET)")
    })?;
    secrets
        .verify_timestamped(
            body,
            header(headers, "stripe-signature"),
            app.clock.now().timestamp(),
        )
        .map_err(|e| ApiError::unauthorized(format!("Stripe event rejected: {e}")))?;
    require_json(headers)?;
    let event = parse_event(body)?;
    let Some((payment_intent, news)) = event.about else {
        return Ok(answer("ignored", &event.kind));
    };
    let Some(order_id) = app
        .intake
        .orders
        .find_by_payment(&payment_intent)
        .await
        .map_err(ApiError::internal)?
    else {
        tracing::info!(
            event_id = event.id,
            payment_intent,
            "event about a payment no order names"
        );
        return Ok(answer("unknown_payment", &event.kind));
    };
    let hand_on = async {
        app.intake
            .payment_queue
            .send(&PaymentWork::Gateway(GatewayNews {
                news_for: order_id,
                payment_intent,
                news,
            }))
            .await
            .map_err(ApiError::internal)?;
        Ok(answer("accepted", &event.kind))
    };
    delivery::once(app, "stripe", Some(&event.id), body, hand_on).await
}

fn answer(status: &str, kind: &str) -> Response<Body> {
    json(
        StatusCode::OK,
        &serde_json::json!({"status": status, "type": kind}),
    )
}
