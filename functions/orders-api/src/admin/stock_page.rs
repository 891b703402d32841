//! The stock page: SKUs below their reorder point, one SKU's stock per location with its count,
//! adjust and reorder forms and its recent changes, and the CSV import.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};
use minijinja::context;
use serde_json::{json, Value};

use super::api::{encode, Call, Refusal};
use super::{field, views, Form, Signed, STAFF};
use crate::App;

pub async fn show(request: &Request, signed: &Signed, app: &App) -> Response<Body> {
    let query = request.query_string_parameters();
    let sku = query.first("sku").map(str::trim).filter(|s| !s.is_empty());
    let notice = query.first("done").and_then(done);
    page(
        sku,
        StatusCode::OK,
        notice.map(str::to_string),
        None,
        signed,
        app,
    )
    .await
}

async fn page(
    sku: Option<&str>,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
    signed: &Signed,
    app: &App,
) -> Response<Body> {
    let low = Call::new(STAFF, Method::GET, "/reports/low-stock", &[])
        .answer(app)
        .await
        .map(|answer| answer["skus"].clone())
        .unwrap_or(Value::Null);
    let locations = Call::new(STAFF, Method::GET, "/locations", &[])
        .answer(app)
        .await
        .map(|answer| answer["locations"].clone())
        .ok()
        .filter(|l| l.as_array().is_some_and(|l| !l.is_empty()))
        // Before any location is declared, stock lives at the default one.
        .unwrap_or_else(|| json!([{"id": "main", "name": "main"}]));
    let (stock, error) = match sku {
        None => (Value::Null, error),
        Some(sku) => match Call::new(
            STAFF,
            Method::GET,
            &format!("/inventory/{}", encode(sku)),
            &[("sku", sku)],
        )
        .answer(app)
        .await
        {
            Ok(stock) => (stock, error),
            Err(refusal) => (Value::Null, error.or(Some(refusal.message))),
        },
    };
    views::page(
        status,
        "stock.html",
        signed.context(
            app,
            "stock",
            context! {
                low => views::v(&low),
                locations => views::v(&locations),
                stock => views::v(&stock),
                sku => sku,
                notice => notice,
                error => error,
                key => uuid::Uuid::new_v4().simple().to_string(),
            },
        ),
    )
}

/// What the page says after a form (`?done=`).
fn done(action: &str) -> Option<&'static str> {
    Some(match action {
        "adjust" => "The adjustment was recorded.",
        "count" => "The count was recorded.",
        "reorder" => "The reorder settings were saved.",
        "import" => "The file was imported.",
        _ => return None,
    })
}

/// `POST /admin/stock/{sku}/adjust|count|reorder` and `POST /admin/stock/import`.
pub async fn act(
    sku: Option<&str>,
    action: &str,
    form: &Form,
    signed: &Signed,
    app: &App,
) -> Response<Body> {
    let result: Result<Value, Refusal> = match (sku, action) {
        (Some(sku), "adjust") => {
            let delta = field(form, "delta").and_then(|d| d.parse::<i64>().ok());
            Call::new(STAFF, Method::POST, &format!("/inventory/{}/adjust", encode(sku)), &[("sku", sku)])
                .json(json!({"location": field(form, "location"), "delta": delta, "reason": field(form, "reason")}))
                .idempotency_key(field(form, "key").unwrap_or_default())
                .answer(app)
                .await
        }
        (Some(sku), "count") => {
            let on_hand = field(form, "on_hand").and_then(|d| d.parse::<i64>().ok());
            Call::new(
                STAFF,
                Method::PUT,
                &format!("/inventory/{}", encode(sku)),
                &[("sku", sku)],
            )
            .json(json!({"location": field(form, "location"), "on_hand": on_hand}))
            .answer(app)
            .await
        }
        (Some(sku), "reorder") => {
            let point = field(form, "reorder_point").and_then(|d| d.parse::<u32>().ok());
            Call::new(
                STAFF,
                Method::PUT,
                &format!("/inventory/{}", encode(sku)),
                &[("sku", sku)],
            )
            .json(json!({"reorder_point": point, "supplier_email": field(form, "supplier_email")}))
            .answer(app)
            .await
        }
        (None, "import") => {
            let csv = form.get("csv").cloned().unwrap_or_default();
            Call::new(STAFF, Method::POST, "/inventory/import", &[])
                .text("text/csv", csv)
                .answer(app)
                .await
        }
        _ => return super::not_found(signed, app),
    };
    match result {
        Ok(_) => {
            let sku = sku
                .map(|s| format!("sku={}&", encode(s)))
                .unwrap_or_default();
            views::redirect(&format!("/admin/stock?{sku}done={action}"))
        }
        Err(refusal) => {
            page(
                sku,
                refusal.status,
                None,
                Some(refusal.message),
                signed,
                app,
            )
            .await
        }
    }
}
