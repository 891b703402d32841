//! The pages' templates (`templates/admin/`, built into the binary) and how a page is answered:
//! HTML escaped automatically (every value comes from outside), with headers that keep it to
//! itself (a strict Content-Security-Policy, no framing, no caching).

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use minijinja::{Environment, Value};

const TEMPLATES: &[(&str, &str)] = &[
    (
        "stock.html",
        include_str!("../../templates/admin/stock.html"),
    ),
    (
        "new_order.html",
        include_str!("../../templates/admin/new_order.html"),
    ),
    (
        "layout.html",
        include_str!("../../templates/admin/layout.html"),
    ),
    (
        "login.html",
        include_str!("../../templates/admin/login.html"),
    ),
    (
        "orders.html",
        include_str!("../../templates/admin/orders.html"),
    ),
    (
        "order.html",
        include_str!("../../templates/admin/order.html"),
    ),
    (
        "reports.html",
        include_str!("../../templates/admin/reports.html"),
    ),
    (
        "export.html",
        include_str!("../../templates/admin/export.html"),
    ),
    (
        "message.html",
        include_str!("../../templates/admin/message.html"),
    ),
];

pub const STYLE: &str = include_str!("../../templates/admin/app.css");
pub const SCRIPT: &str = include_str!("../../templates/admin/app.js");

/// Only what the app serves itself; no inline script or style at all.
const POLICY: &str =
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
                      form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("template {name}: {e}"));
        }
        env.add_filter("label", label);
        env.add_filter("when", when);
        env.add_filter("day", day);
        env.add_function("hours", |v: Option<String>| {
            super::report_page::hours(v.as_deref())
        });
        env.add_function("percent", |v: Option<String>| {
            super::report_page::percent(v.as_deref())
        });
        env
    })
}

/// `ready_to_ship` -> `Ready to ship`.
pub fn label(text: String) -> String {
    let spaced = text.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => spaced,
    }
}

/// An RFC 3339 time as `4 Dec 2026 09:14 UTC`.
fn when(text: String) -> String {
    text.parse::<DateTime<Utc>>()
        .map(|t| t.format("%-d %b %Y %H:%M UTC").to_string())
        .unwrap_or(text)
}

/// An RFC 3339 time as `4 Dec 2026`.
fn day(text: String) -> String {
    text.parse::<DateTime<Utc>>()
        .map(|t| t.format("%-d %b %Y").to_string())
        .unwrap_or(text)
}

/// Any serializable value for a template.
pub fn v<T: serde::Serialize>(value: &T) -> Value {
    Value::from(minijinja::value::Serde(value))
}

/// The page `name` rendered with `context`, as a response with `status`.
pub fn page(status: StatusCode, name: &str, context: Value) -> Response<Body> {
    let html = environment()
        .get_template(name)
        .and_then(|template| template.render(context));
    match html {
        Ok(html) => respond(status, "text/html; charset=utf-8", Body::Text(html)),
        Err(error) => {
            tracing::error!(%error, page = name, "admin page did not render");
            respond(
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/plain; charset=utf-8",
                Body::Text("The page could not be shown.".into()),
            )
        }
    }
}

pub fn respond(status: StatusCode, content_type: &str, body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    for (name, value) in [
        ("content-type", content_type),
        ("content-security-policy", POLICY),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
        ("referrer-policy", "same-origin"),
        ("cache-control", "no-store"),
    ] {
        if let Ok(value) = value.parse() {
            headers.insert(name, value);
        }
    }
    response
}

/// A `303 See Other` to `location` (after a form: the browser asks for it with a GET).
pub fn redirect(location: &str) -> Response<Body> {
    let mut response = respond(
        StatusCode::SEE_OTHER,
        "text/plain; charset=utf-8",
        Body::Empty,
    );
    if let Ok(value) = location.parse() {
        response.headers_mut().insert("location", value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles() {
        for (name, _) in TEMPLATES {
            assert!(environment().get_template(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn values_are_escaped() {
        let response = page(
            StatusCode::OK,
            "message.html",
            minijinja::context! { title => "<img src=x onerror=alert(1)>", message => "<b>" },
        );
        let Body::Text(html) = response.body() else {
            panic!("a text body")
        };
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(!html.contains("<img src=x"));
    }

    #[test]
    fn labels_read_like_words() {
        assert_eq!(label("ready_to_ship".into()), "Ready to ship");
        assert_eq!(when("2026-12-04T09:14:00Z".into()), "4 Dec 2026 09:14 UTC");
    }
}
