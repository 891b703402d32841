//! The ORDERS section in the browser: server-rendered pages under `/admin` for staff, signed in
//! with the admin token (a session cookie, `session`), every form CSRF-protected. Each page shows
//! what the JSON API answers and each button sends what an API client would (`api`), so the pages
//! have the API's rules and messages.
//!
//! - `GET /admin/login`, `POST /admin/login`, `POST /admin/logout`
//! - `GET /admin/orders` (the filters and search of `GET /orders`, status tabs with counts),
//!   `GET /admin/orders/export.csv`, `GET /admin/exports/{id}`
//! - `GET /admin/orders/{id}` and its forms: `POST .../status`, `.../cancel`, `.../edit`,
//!   `.../hold/release|reject`, `.../shipments/{sid}/void`, `.../invoices`; the packing slips
//! - `GET|POST /admin/orders/new`: the manual order form (`POST /orders`)
//! - `GET /admin/stock` (`?sku=`): low stock, a SKU per location, adjust, count, reorder, import
//! - `GET /admin/reports` (the summary, with SVG charts)

mod api;
mod charts;
mod login;
mod new_order;
mod order_actions;
mod order_pages;
mod report_page;
mod session;
mod stock_page;
mod views;

use std::collections::HashMap;

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, RequestPayloadExt, Response};
use minijinja::{context, Value};

use crate::App;
pub use session::Sessions;

/// Who a signed-in browser acts as on the timeline.
const STAFF: &str = "admin";

/// Largest form taken.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// A posted form's fields.
type Form = HashMap<String, String>;

/// A form field, trimmed; empty counts as absent.
fn field<'a>(form: &'a Form, name: &str) -> Option<&'a str> {
    form.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
}

/// A signed-in request: what every page's layout needs.
pub struct Signed {
    csrf: String,
}

impl Signed {
    /// The layout's context for a page of `section`, with `extra` merged in.
    fn context(&self, app: &App, section: &str, extra: Value) -> Value {
        context! {
            merchant => &app.merchant_name,
            csrf => &self.csrf,
            section => section,
            ..extra
        }
    }
}

pub async fn handle(request: Request, app: &App) -> Response<Body> {
    let path = request.uri().path().to_string();
    let segments: Vec<String> = path
        .trim_matches('/')
        .split('/')
        .skip(1)
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = request.method().clone();
    match (&method, segments.as_slice()) {
        (&Method::GET, ["app.css"]) => static_file("text/css; charset=utf-8", views::STYLE),
        (&Method::GET, ["app.js"]) => static_file("text/javascript; charset=utf-8", views::SCRIPT),
        (&Method::GET, ["login"]) => login::form(&request, app, None),
        (&Method::POST, ["login"]) => login::sign_in(&request, app),
        _ => {
            let Some(session) = login::session(&request, app) else {
                return if method == Method::GET {
                    views::redirect("/admin/login")
                } else {
                    message(
                        app,
                        None,
                        StatusCode::UNAUTHORIZED,
                        "Signed out",
                        "Your session has ended: sign in again.",
                    )
                };
            };
            let signed = Signed {
                csrf: app.sessions.csrf(&session),
            };
            if method == Method::POST {
                let form = match form(&request) {
                    Some(form)
                        if app.sessions.csrf_matches(
                            &session,
                            form.get("csrf").map_or("", String::as_str),
                        ) =>
                    {
                        form
                    }
                    _ => {
                        return message(app, Some(&signed), StatusCode::FORBIDDEN, "Form expired", "That form was not sent from this session's page: open the page again and retry.");
                    }
                };
                return post(&request, &segments, &form, &signed, app).await;
            }
            if method != Method::GET {
                return message(
                    app,
                    Some(&signed),
                    StatusCode::METHOD_NOT_ALLOWED,
                    "Not here",
                    "This page takes no such request.",
                );
            }
            get(&request, &segments, &signed, app).await
        }
    }
}

async fn get(request: &Request, segments: &[&str], signed: &Signed, app: &App) -> Response<Body> {
    match segments {
        [] | [""] => views::redirect("/admin/orders"),
        ["orders"] => order_pages::list(request, signed, app).await,
        ["orders", "new"] => new_order::blank(signed, app),
        ["orders", "export.csv"] => order_pages::export(request, signed, app).await,
        ["exports", id] => order_pages::export_status(id, signed, app).await,
        ["orders", id] => {
            let done = request
                .query_string_parameters()
                .first("done")
                .and_then(order_actions::done);
            order_pages::show(
                id,
                signed,
                app,
                done.map(|d| order_pages::Outcome::Done(d.into())),
            )
            .await
        }
        ["orders", id, "packing-slip.pdf"] => {
            order_pages::packing_slip(id, None, signed, app).await
        }
        ["orders", id, "shipments", sid, "packing-slip.pdf"] => {
            order_pages::packing_slip(id, Some(sid), signed, app).await
        }
        ["reports"] => report_page::show(request, signed, app).await,
        ["stock"] => stock_page::show(request, signed, app).await,
        _ => not_found(signed, app),
    }
}

async fn post(
    request: &Request,
    segments: &[&str],
    form: &Form,
    signed: &Signed,
    app: &App,
) -> Response<Body> {
    match segments {
        ["logout"] => login::sign_out(request),
        ["orders", "new"] => new_order::submit(form, signed, app).await,
        ["stock", "import"] => stock_page::act(None, "import", form, signed, app).await,
        ["stock", sku, action] => stock_page::act(Some(sku), action, form, signed, app).await,
        ["orders", id, action] => order_actions::act(id, action, form, signed, app).await,
        ["orders", id, "hold", decision] => {
            order_actions::decide_hold(id, decision, form, signed, app).await
        }
        ["orders", id, "shipments", sid, "void"] => order_actions::void(id, sid, signed, app).await,
        _ => not_found(signed, app),
    }
}

/// The fields of a posted form (`application/x-www-form-urlencoded`).
fn form(request: &Request) -> Option<Form> {
    if request.body().len() > MAX_FORM_BYTES {
        return None;
    }
    request.payload::<Form>().ok().flatten()
}

fn static_file(content_type: &str, text: &'static str) -> Response<Body> {
    let mut response = views::respond(StatusCode::OK, content_type, Body::Text(text.into()));
    if let Ok(value) = "private, max-age=300".parse() {
        response.headers_mut().insert("cache-control", value);
    }
    response
}

fn not_found(signed: &Signed, app: &App) -> Response<Body> {
    message(
        app,
        Some(signed),
        StatusCode::NOT_FOUND,
        "Not found",
        "There is no such page.",
    )
}

/// A page that only says something.
fn message(
    app: &App,
    signed: Option<&Signed>,
    status: StatusCode,
    title: &str,
    text: &str,
) -> Response<Body> {
    let extra = context! { title => title, message => text, back => "/admin/orders" };
    let context = match signed {
        Some(signed) => signed.context(app, "", extra),
        None => context! { merchant => &app.merchant_name, ..extra },
    };
    views::page(status, "message.html", context)
}
