//! `POST /webhooks/orders`: marketplace connectors and custom storefronts push orders in our own
//! JSON format, signed like Stripe (`X-OMS-Signature: t=<unix>,v1=<hex>`).

use chrono::Utc;
use lambda_http::{Body, Request, Response};
use oms::channels::native::parse_order;
use oms::domain::Channel;
use oms::http::{header, raw_body, require_json, ApiError};

use crate::{delivery, received, refused, App};

pub async fn receive(request: &Request, app: &App) -> Result<Response<Body>, ApiError> {
    let headers = request.headers();
    let body = raw_body(request)?;
    app.channel_secrets
        .verify_timestamped(
            body,
            header(headers, "x-oms-signature"),
            Utc::now().timestamp(),
        )
        .map_err(|e| ApiError::unauthorized(format!("order push rejected: {e}")))?;
    require_json(headers)?;
    delivery::once(
        app,
        "marketplace",
        header(headers, "x-oms-delivery-id"),
        async {
            let order = parse_order(body, Channel::Marketplace, || None).map_err(refused)?;
            let outcome = app
                .intake
                .receive(order, Utc::now())
                .await
                .map_err(ApiError::internal)?;
            Ok(received(outcome))
        },
    )
    .await
}
