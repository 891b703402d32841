//! The orders list, one order, its packing slips, and the CSV export.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use minijinja::context;
use oms::domain::{Channel, FulfillmentStatus, OrderStatus, PaymentStatus};
use serde::Serialize;
use serde_json::Value;

use super::api::{encode, Call, Refusal};
use super::{message, views, Signed, STAFF};
use crate::order_list::FILTERS;
use crate::App;

/// Orders per page.
const PAGE: &str = "50";

/// What "Fulfilled" shows: orders whose goods have all left.
const FULFILLED: &str = "shipped,partially_closed,closed";

#[derive(Serialize)]
struct Tab {
    label: String,
    href: String,
    count: Option<u64>,
    current: bool,
}

/// The list's filters as the browser sent them (empty ones dropped).
fn filters(request: &Request) -> Vec<(String, String)> {
    let query = request.query_string_parameters();
    FILTERS
        .iter()
        .filter_map(|name| {
            let value = query.first(name)?.trim();
            (!value.is_empty()).then(|| (name.to_string(), value.to_string()))
        })
        .collect()
}

/// Filters as the API takes them: a day picked in a date field covers that whole UTC day.
fn api_filters(filters: &[(String, String)]) -> Vec<(String, String)> {
    filters
        .iter()
        .map(|(name, value)| {
            let is_day =
                value.len() == 10 && chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok();
            let value = match name.as_str() {
                "created_from" if is_day => format!("{value}T00:00:00Z"),
                "created_to" if is_day => format!("{value}T23:59:59.999Z"),
                _ => value.clone(),
            };
            (name.clone(), value)
        })
        .collect()
}

fn query_string(pairs: &[(String, String)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    format!("?{}", parts.join("&"))
}

pub async fn list(request: &Request, signed: &Signed, app: &App) -> Response<Body> {
    let filters = filters(request);
    let cursor = request
        .query_string_parameters()
        .first("cursor")
        .map(str::to_string);
    let mut call = Call::new(STAFF, Method::GET, "/orders", &[])
        .query(api_filters(&filters))
        .query([("limit".to_string(), PAGE.to_string())]);
    if let Some(cursor) = &cursor {
        call = call.query([("cursor".to_string(), cursor.clone())]);
    }
    let (orders, next, error, status) = match call.answer(app).await {
        Ok(answer) => {
            let next = answer["next_cursor"].as_str().map(|cursor| {
                let mut pairs = filters.clone();
                pairs.push(("cursor".into(), cursor.to_string()));
                format!("/admin/orders{}", query_string(&pairs))
            });
            (answer["orders"].clone(), next, None, StatusCode::OK)
        }
        Err(refusal) => (
            Value::Array(Vec::new()),
            None,
            Some(refusal.message),
            refusal.status,
        ),
    };
    let channel = filters
        .iter()
        .find(|(k, _)| k == "channel")
        .and_then(|(_, v)| Channel::parse(v));
    let channels = channel.map_or(Channel::ALL.to_vec(), |c| vec![c]);
    let standing = match app.reports.standing(&channels).await {
        Ok(standing) => Some(standing),
        Err(error) => {
            tracing::warn!(%error, "status counts unavailable");
            None
        }
    };
    let value = |name: &str| {
        filters
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let only = |name: &str| filters.len() == 1 && value(name).is_some();
    let count = |status: &str| {
        standing
            .as_ref()
            .map(|s| s.statuses.get(status).copied().unwrap_or(0))
    };
    let mut tabs = vec![Tab {
        label: "All".into(),
        href: "/admin/orders".into(),
        count: standing.as_ref().map(|s| s.statuses.values().sum()),
        current: filters.is_empty(),
    }];
    for status in OrderStatus::ALL {
        tabs.push(Tab {
            label: views::label(status.as_str().into()),
            href: format!("/admin/orders?status={status}"),
            count: count(status.as_str()),
            current: only("status") && value("status").as_deref() == Some(status.as_str()),
        });
    }
    tabs.push(Tab {
        label: "Fulfilled".into(),
        href: format!("/admin/orders?status={}", encode(FULFILLED)),
        count: standing
            .as_ref()
            .map(|_| FULFILLED.split(',').filter_map(count).sum()),
        current: only("status") && value("status").as_deref() == Some(FULFILLED),
    });
    tabs.push(Tab {
        label: "On hold".into(),
        href: "/admin/orders?hold=true".into(),
        count: standing.as_ref().map(|s| s.on_hold),
        current: only("hold"),
    });
    tabs.push(Tab {
        label: "Needs attention".into(),
        href: "/admin/orders?attention=true".into(),
        count: standing.as_ref().map(|s| s.attention),
        current: only("attention"),
    });
    let shown: std::collections::BTreeMap<&str, String> = FILTERS
        .iter()
        .map(|name| (*name, value(name).unwrap_or_default()))
        .collect();
    views::page(
        status,
        "orders.html",
        signed.context(
            app,
            "orders",
            context! {
                orders => views::v(&orders),
                next => views::v(&next),
                error => views::v(&error),
                tabs => views::v(&tabs),
                filters => views::v(&shown),
                filtering => filters.iter().any(|(k, _)| k != "status" && k != "hold" && k != "attention"),
                query_string => views::v(&query_string(&filters)),
                statuses => views::v(&OrderStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>()),
                payment_statuses => views::v(&PaymentStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>()),
                fulfillment_statuses => views::v(&FulfillmentStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>()),
                channels => views::v(&Channel::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>()),
            },
        ),
    )
}

/// One order, with `notice` (what an action just did) or `error` (what the API refused).
pub async fn show(
    id: &str,
    signed: &Signed,
    app: &App,
    outcome: Option<Outcome>,
) -> Response<Body> {
    let order = match Call::new(STAFF, Method::GET, &format!("/orders/{id}"), &[("id", id)])
        .answer(app)
        .await
    {
        Ok(order) => order,
        Err(refusal) if refusal.status == StatusCode::NOT_FOUND => {
            return message(
                app,
                Some(signed),
                StatusCode::NOT_FOUND,
                "Order not found",
                "There is no such order.",
            );
        }
        Err(refusal) => return refused(app, signed, &refusal),
    };
    let invoices = Call::new(
        STAFF,
        Method::GET,
        &format!("/orders/{id}/invoices"),
        &[("id", id)],
    )
    .answer(app)
    .await
    .map(|answer| answer["invoices"].clone())
    .unwrap_or(Value::Null);
    let carrier_links: Vec<Option<String>> = order["shipments"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            oms::pages::carrier_link(
                s["carrier"].as_str().unwrap_or_default(),
                s["tracking_code"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    let can_cancel = order["allowed_statuses"]
        .as_array()
        .is_some_and(|all| all.iter().any(|s| s == "canceled"));
    let (status, notice, error) = match outcome {
        None => (StatusCode::OK, None, None),
        Some(Outcome::Done(notice)) => (StatusCode::OK, Some(notice), None),
        Some(Outcome::Refused(refusal)) => (refusal.status, None, Some(refusal.message)),
    };
    let latest = notice
        .as_ref()
        .and_then(|_| order["timeline"].as_array()?.last().cloned());
    views::page(
        status,
        "order.html",
        signed.context(
            app,
            "orders",
            context! {
                order => views::v(&order),
                invoices => views::v(&invoices),
                carrier_links => views::v(&carrier_links),
                can_cancel => can_cancel,
                refund_key => uuid::Uuid::new_v4().simple().to_string(),
                notice => views::v(&notice),
                error => views::v(&error),
                latest => views::v(&latest),
            },
        ),
    )
}

/// What an action on the order page came to.
pub enum Outcome {
    Done(String),
    Refused(Refusal),
}

pub async fn packing_slip(
    id: &str,
    shipment: Option<&str>,
    signed: &Signed,
    app: &App,
) -> Response<Body> {
    let call = match shipment {
        None => Call::new(
            STAFF,
            Method::GET,
            &format!("/orders/{id}/packing-slip.pdf"),
            &[("id", id)],
        ),
        Some(sid) => Call::new(
            STAFF,
            Method::GET,
            &format!("/orders/{id}/shipments/{sid}/packing-slip.pdf"),
            &[("id", id), ("sid", sid)],
        ),
    };
    match call.send(app).await {
        Ok(pdf) => pdf,
        Err(refusal) => refused(app, signed, &refusal),
    }
}

pub async fn export(request: &Request, signed: &Signed, app: &App) -> Response<Body> {
    let mut call = Call::new(STAFF, Method::GET, "/orders/export.csv", &[])
        .query(api_filters(&filters(request)));
    if request.query_string_parameters().first("async") == Some("true") {
        call = call.query([("async".to_string(), "true".to_string())]);
    }
    match call.send(app).await {
        // Written in the background: its own page, which a reload asks again.
        Ok(response) if response.status() == StatusCode::ACCEPTED => {
            let answer: Value = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
            let id = answer["export_id"].as_str().unwrap_or_default();
            views::redirect(&format!("/admin/exports/{}", encode(id)))
        }
        Ok(csv) => csv,
        Err(refusal) => refused(app, signed, &refusal),
    }
}

pub async fn export_status(id: &str, signed: &Signed, app: &App) -> Response<Body> {
    match Call::new(STAFF, Method::GET, &format!("/exports/{id}"), &[("id", id)])
        .answer(app)
        .await
    {
        Ok(answer) => export_page(&answer, signed, app),
        Err(refusal) => refused(app, signed, &refusal),
    }
}

fn export_page(export: &Value, signed: &Signed, app: &App) -> Response<Body> {
    views::page(
        StatusCode::OK,
        "export.html",
        signed.context(app, "orders", context! { export => views::v(export) }),
    )
}

/// What the API refused, as a page.
pub fn refused(app: &App, signed: &Signed, refusal: &Refusal) -> Response<Body> {
    message(
        app,
        Some(signed),
        refusal.status,
        "Not done",
        &refusal.message,
    )
}
