//! Orders admin API (bearer token): `GET /orders` lists, `GET /orders/{id}` shows one order,
//! `POST /orders/{id}/hold/release` and `POST /orders/{id}/hold/reject` decide on held orders.
//! `POST /customers/{email}/preferences` records what a customer agreed to receive.
//! And the customers' tracking page, public but unguessable: `GET /track/{id}?t=<token>`.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use oms::aws::order_store::Page;
use oms::aws::{Clients, LabelStore, OrderStore, PreferenceStore, StoreError};
use oms::config::{required, ConfigError, Env};
use oms::domain::review::is_plausible_email;
use oms::domain::{Channel, Order, OrderId, OrderStatus};
use oms::http::order_view::order_view;
use oms::http::{json, raw_body, ApiError, SecretToken};
use oms::pages::{self, link_token_matches};
use oms::workflow::review::{Review, ReviewError};

const DEFAULT_LIMIT: i32 = 50;
const MAX_LIMIT: i32 = 100;

pub struct App {
    orders: OrderStore,
    tracking_link_secret: Vec<u8>,
    merchant_name: String,
    preferences: PreferenceStore,
    review: Review,
    labels: LabelStore,
    token: SecretToken,
}

impl App {
    pub fn from_env(env: &dyn Env, aws: &Clients) -> Result<Self, ConfigError> {
        Ok(Self {
            orders: aws.order_store(env)?,
            tracking_link_secret: required(env, "TRACKING_LINK_SECRET")?.into_bytes(),
            merchant_name: required(env, "MERCHANT_NAME")?,
            preferences: PreferenceStore::new(aws.dynamodb.clone(), required(env, "ORDERS_TABLE")?),
            review: Review {
                orders: aws.order_store(env)?,
                payment_queue: aws.queue(env, "PAYMENT_QUEUE_URL")?,
                notify_queue: aws.queue(env, "NOTIFY_QUEUE_URL")?,
            },
            labels: LabelStore::new(&aws.config, required(env, "LABEL_BUCKET")?),
            token: SecretToken::new(&required(env, "OMS_ADMIN_TOKEN")?),
        })
    }
}

pub async fn handle(request: Request, app: &App) -> Response<Body> {
    if request.raw_http_path().starts_with("/track/") {
        return tracking_page(&request, app).await;
    }
    route(request, app)
        .await
        .unwrap_or_else(ApiError::into_response)
}

/// The customer's view of an order. A wrong token and an unknown order look the same, so order
/// ids cannot be probed.
async fn tracking_page(request: &Request, app: &App) -> Response<Body> {
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
        .header(
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'; img-src https:",
        )
        .body(Body::Text(page))
        .unwrap_or_default()
}

async fn route(request: Request, app: &App) -> Result<Response<Body>, ApiError> {
    app.token.check_bearer(request.headers())?;
    if let Some(email) = request.path_parameters().first("email") {
        return set_preferences(&request, email, app).await;
    }
    let id = request.path_parameters().first("id").map(str::to_string);
    let decision = request
        .path_parameters()
        .first("decision")
        .map(str::to_string);
    match (request.method(), id, decision) {
        (&Method::GET, Some(id), None) => get_order(&id, app).await,
        (&Method::GET, None, None) => list_orders(&request, app).await,
        (&Method::POST, Some(id), Some(decision)) => {
            decide_hold(&request, &id, &decision, app).await
        }
        _ => Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this route does not accept that method",
        )),
    }
}

async fn get_order(id: &str, app: &App) -> Result<Response<Body>, ApiError> {
    let id = OrderId::parse(id).map_err(|_| ApiError::not_found("no such order"))?;
    let order = app
        .orders
        .get(&id)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found("no such order"))?;
    Ok(json(StatusCode::OK, &view(&order, app).await?))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Preferences {
    non_essential_emails: bool,
}

async fn set_preferences(
    request: &Request,
    email: &str,
    app: &App,
) -> Result<Response<Body>, ApiError> {
    if !is_plausible_email(email) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_email",
            "not an email address",
        ));
    }
    let body = raw_body(request)?;
    let preferences: Preferences = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(
            "invalid_body",
            format!("expected {{\"non_essential_emails\": true|false}}: {e}"),
        )
    })?;
    app.preferences
        .set_non_essential(email, preferences.non_essential_emails)
        .await
        .map_err(ApiError::internal)?;
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({"email": email.trim().to_lowercase(), "non_essential_emails": preferences.non_essential_emails}),
    ))
}

/// The body of a reject: `{"reason": "..."}` (optional for a release).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Decision {
    reason: Option<String>,
}

async fn decide_hold(
    request: &Request,
    id: &str,
    decision: &str,
    app: &App,
) -> Result<Response<Body>, ApiError> {
    let id = OrderId::parse(id).map_err(|_| ApiError::not_found("no such order"))?;
    let body = raw_body(request)?;
    let decision_body: Decision = if body.iter().all(u8::is_ascii_whitespace) {
        Decision { reason: None }
    } else {
        serde_json::from_slice(body).map_err(|e| {
            ApiError::bad_request(
                "invalid_body",
                format!("expected {{\"reason\": \"...\"}}: {e}"),
            )
        })?
    };
    let reason = decision_body
        .reason
        .map(|r| {
            r.chars()
                .filter(|c| !c.is_control())
                .take(500)
                .collect::<String>()
        })
        .filter(|r| !r.trim().is_empty());
    let now = chrono::Utc::now();
    let result = match decision {
        "release" => app.review.release(&id, "admin", now).await,
        "reject" => {
            let reason = reason.ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "reason_required",
                    "say why the order is rejected",
                )
            })?;
            app.review.reject(&id, "admin", &reason, now).await
        }
        other => {
            return Err(ApiError::not_found(format!(
                "no hold decision {other:?}; use release or reject"
            )))
        }
    };
    let order = result.map_err(|e| match e {
        ReviewError::NotFound => ApiError::not_found("no such order"),
        ReviewError::Refused(e) => ApiError::new(StatusCode::CONFLICT, "conflict", e.to_string()),
        ReviewError::Unavailable(e) => ApiError::internal(e),
    })?;
    Ok(json(StatusCode::OK, &view(&order, app).await?))
}

async fn list_orders(request: &Request, app: &App) -> Result<Response<Body>, ApiError> {
    let query = request.query_string_parameters();
    let status = query
        .first("status")
        .map(|s| {
            OrderStatus::parse(s).ok_or_else(|| {
                ApiError::bad_request("invalid_status", format!("unknown order status {s:?}"))
            })
        })
        .transpose()?;
    let limit = match query.first("limit") {
        None => DEFAULT_LIMIT,
        Some(text) => text
            .parse::<i32>()
            .ok()
            .filter(|l| (1..=MAX_LIMIT).contains(l))
            .ok_or_else(|| {
                ApiError::bad_request("invalid_limit", format!("limit must be 1 to {MAX_LIMIT}"))
            })?,
    };
    let page = match (query.first("channel"), query.first("channel_order_id")) {
        (Some(channel), Some(channel_order_id)) => {
            let channel = Channel::parse(channel).ok_or_else(|| {
                ApiError::bad_request("invalid_channel", format!("unknown channel {channel:?}"))
            })?;
            let id = OrderId::for_channel_order(channel.as_str(), channel_order_id);
            let order = app.orders.get(&id).await.map_err(ApiError::internal)?;
            Page {
                orders: order
                    .into_iter()
                    .filter(|o| status.is_none_or(|s| o.status == s))
                    .collect(),
                next_cursor: None,
            }
        }
        (None, None) => app
            .orders
            .list(status, limit, query.first("cursor"))
            .await
            .map_err(|e| match e {
                StoreError::InvalidCursor => {
                    ApiError::bad_request("invalid_cursor", "the cursor is not one we issued")
                }
                other => ApiError::internal(other),
            })?,
        _ => {
            return Err(ApiError::bad_request(
                "invalid_query",
                "channel and channel_order_id go together",
            ))
        }
    };
    let mut orders = Vec::with_capacity(page.orders.len());
    for order in &page.orders {
        orders.push(serde_json::to_value(view(order, app).await?).map_err(ApiError::internal)?);
    }
    Ok(json(
        StatusCode::OK,
        &serde_json::json!({"orders": orders, "next_cursor": page.next_cursor}),
    ))
}

async fn view<'a>(
    order: &'a Order,
    app: &App,
) -> Result<oms::http::order_view::OrderView<'a>, ApiError> {
    let mut urls = Vec::with_capacity(order.shipments.len());
    for shipment in &order.shipments {
        urls.push(
            app.labels
                .url(&shipment.label_key)
                .await
                .map_err(ApiError::internal)?,
        );
    }
    Ok(order_view(order, &urls))
}
