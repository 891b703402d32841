//! `POST /webhooks/orders`: marketplace connectors and custom storefronts push orders in our own
//! JSON format, signed like Stripe (`X-OMS-Signature: t=<unix>,v1=<hex>`).

use lambda_http::{Body, Request, Response};
use oms::channels::native::parse_order;
use oms::domain::Channel;
use oms::http::{header, raw_body, require_json, ApiError};

use crate::{delivery, take_in, App};

pub async fn receive(request: &Request, app: &App) -> Result<Response<Body>, ApiError> {
    let headers = request.headers();
    let body = raw_body(request)?;
    app.channel_secrets
        .verify_timestamped(
            body,
            header(headers, "x-oms-signature"),
            app.clock.now().timestamp(),
        )
        .map_err(|e| ApiError::unauthorized(format!("order push rejected: {e}")))?;
    require_json(headers)?;
    let delivery_id = header(headers, "x-oms-delivery-id");
    let order = parse_order(body, Channel::Marketplace, || None);
    delivery::once(app, "marketplace", delivery_id, body, take_in(app, order)).await
}
