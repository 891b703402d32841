//! `GET /orders`: the filters of the orders list, newest first, a page at a time behind a signed
//! cursor.

use chrono::{DateTime, Utc};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use oms::aws::order_store::Page;
use oms::domain::order_query::OrderQuery;
use oms::domain::{Channel, FulfillmentStatus, OrderId, OrderStatus, PaymentStatus};
use oms::http::{json, ApiError};

use crate::App;

/// Every filter the list and the export take; any other query parameter is refused (a misspelt
/// filter would otherwise list everything).
pub(crate) const FILTERS: &[&str] = &[
    "status",
    "payment_status",
    "fulfillment_status",
    "channel",
    "email",
    "sku",
    "created_from",
    "created_to",
    "hold",
    "attention",
    "q",
];

/// Longest filter value taken.
const MAX_VALUE_CHARS: usize = 255;

pub async fn list_orders(request: &Request, app: &App) -> Result<Response<Body>, ApiError> {
    let query = order_query(request, &["channel_order_id", "limit", "cursor"])?;
    let limit = crate::page_limit(request)?;
    let parameters = request.query_string_parameters();
    let fingerprint = query.fingerprint();
    let after = parameters
        .first("cursor")
        .map(|cursor| {
            app.cursors
                .open(&fingerprint, cursor)
                .map_err(|e| ApiError::bad_request("invalid_cursor", e.to_string()))
        })
        .transpose()?;
    let page = match parameters.first("channel_order_id") {
        Some(channel_order_id) => {
            let channel = query.channel.ok_or_else(|| {
                ApiError::bad_request("invalid_query", "channel_order_id needs channel")
            })?;
            let id = OrderId::for_channel_order(channel.as_str(), channel_order_id);
            let order = app.orders.get(&id).await.map_err(ApiError::internal)?;
            Page {
                orders: order.into_iter().filter(|o| query.matches(o)).collect(),
                after: None,
            }
        }
        None => app
            .orders
            .search(&query, limit as usize, after.as_deref())
            .await
            .map_err(ApiError::internal)?,
    };
    let mut orders = Vec::with_capacity(page.orders.len());
    for order in &page.orders {
        orders.push(
            serde_json::to_value(crate::orders::view(order, app).await?)
                .map_err(ApiError::internal)?,
        );
    }
    let next_cursor = page
        .after
        .map(|position| app.cursors.seal(&fingerprint, &position));
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({"orders": orders, "next_cursor": next_cursor}),
    ))
}

/// The filters of the request, each checked; `others` are the other parameters the route takes.
pub fn order_query(request: &Request, others: &[&str]) -> Result<OrderQuery, ApiError> {
    let parameters = request.query_string_parameters();
    for (name, value) in parameters.iter() {
        if !FILTERS.contains(&name) && !others.contains(&name) {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("unknown query parameter {name:?}"),
            ));
        }
        if value.chars().count() > MAX_VALUE_CHARS || value.chars().any(char::is_control) {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("{name} must be at most {MAX_VALUE_CHARS} printable characters"),
            ));
        }
        if parameters.all(name).is_some_and(|all| all.len() > 1) {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("{name} is given more than once"),
            ));
        }
    }
    let text = |name: &str| {
        parameters
            .first(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let statuses = match parameters.first("status") {
        None => Vec::new(),
        Some(list) => list
            .split(',')
            .map(|s| vocabulary("status", s.trim(), OrderStatus::parse))
            .collect::<Result<_, _>>()?,
    };
    let query = OrderQuery {
        statuses,
        payment_status: parameters
            .first("payment_status")
            .map(|s| vocabulary("payment_status", s, PaymentStatus::parse))
            .transpose()?,
        fulfillment_status: parameters
            .first("fulfillment_status")
            .map(|s| vocabulary("fulfillment_status", s, FulfillmentStatus::parse))
            .transpose()?,
        channel: parameters
            .first("channel")
            .map(|c| {
                Channel::parse(c).ok_or_else(|| {
                    ApiError::bad_request("invalid_channel", format!("unknown channel {c:?}"))
                })
            })
            .transpose()?,
        email: text("email"),
        sku: text("sku"),
        created_from: time(parameters.first("created_from"), "created_from")?,
        created_to: time(parameters.first("created_to"), "created_to")?,
        on_hold: flag(parameters.first("hold"), "hold")?,
        needs_attention: flag(parameters.first("attention"), "attention")?,
        text: text("q"),
    };
    if let (Some(from), Some(to)) = (query.created_from, query.created_to) {
        if from > to {
            return Err(ApiError::bad_request(
                "invalid_query",
                "created_from is after created_to",
            ));
        }
    }
    Ok(query)
}

fn vocabulary<T>(name: &str, value: &str, parse: fn(&str) -> Option<T>) -> Result<T, ApiError> {
    parse(value).ok_or_else(|| {
        ApiError::bad_request(
            if name == "status" {
                "invalid_status"
            } else {
                "invalid_query"
            },
            format!("unknown {name} {value:?}"),
        )
    })
}

fn time(value: Option<&str>, name: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    value
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| {
                    ApiError::bad_request(
                        "invalid_query",
                        format!("{name} must be an RFC 3339 time, like 2026-12-01T00:00:00Z"),
                    )
                })
        })
        .transpose()
}

/// `hold=true` and `attention=true` narrow the list; `false` (or absent) does not.
fn flag(value: Option<&str>, name: &str) -> Result<bool, ApiError> {
    match value {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(ApiError::bad_request(
            "invalid_query",
            format!("{name} is true or false"),
        )),
    }
}
