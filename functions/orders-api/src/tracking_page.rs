//! The customers' tracking page, public but unguessable: `GET /track/{id}?t=<token>`.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use oms::domain::OrderId;
use oms::pages::{self, link_token_matches};

use crate::App;

/// The customer's view of an order. A wrong token and an unknown order look the same, so order
/// ids cannot be probed.
pub async fn tracking_page(request: &Request, app: &App) -> Response<Body> {
    let id = request
        .path_parameters()
        .first("id")
        .and_then(|id| OrderId::parse(id).ok());
    let token = request
        .query_string_parameters()
        .first("t")
        .map(str::to_string);
    let order = match (id, token) {
        (Some(id), Some(token)) if link_token_matches(&app.tracking_link_secret, &id, &token) => {
            match app.orders.get(&id).await {
                Ok(order) => order,
                Err(e) => {
                    tracing::error!(error = %e, "tracking page unavailable");
                    return html(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "<h1>Please try again in a minute</h1>".into(),
                    );
                }
            }
        }
        _ => None,
    };
    match order {
        Some(order) => html(
            StatusCode::OK,
            pages::tracking_page(&order, &app.merchant_name),
        ),
        None => html(
            StatusCode::NOT_FOUND,
            pages::not_found_page(&app.merchant_name),
        ),
    }
}

fn html(status: StatusCode, page: String) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "text/html; charset=utf-8")
        .header("cache-control", "no-store")
        .header("x-robots-tag", "noindex")
        .header("x-content-type-options", "nosniff")
        // The link carries the order's token: no page it leads to may see it.
        .header("referrer-policy", "no-referrer")
        .header(
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src https:; frame-ancestors 'none'",
        )
        .body(Body::Text(page))
        .unwrap_or_default()
}
