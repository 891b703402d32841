//! The new-order form: staff enter a phone or counter order as `POST /orders` takes it. "Check"
//! shows each SKU's catalog entry and stock beside its line; "Create" sends the order with the
//! form's own Idempotency-Key, so sending the form twice makes one order.

use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Response};
use minijinja::context;
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::api::{encode, Call};
use super::{field, views, Form, Signed, STAFF};
use crate::App;

/// Line rows the form offers.
const ROWS: usize = 6;

#[derive(Serialize, Default)]
struct Row {
    sku: String,
    quantity: String,
    unit_price: String,
    title: String,
    /// What the catalog and the stock say of the SKU, after "Check".
    hint: Option<String>,
}

fn rows(form: &Form) -> Vec<Row> {
    (0..ROWS)
        .map(|i| Row {
            sku: field(form, &format!("sku_{i}"))
                .unwrap_or_default()
                .to_string(),
            quantity: field(form, &format!("quantity_{i}"))
                .unwrap_or_default()
                .to_string(),
            unit_price: field(form, &format!("unit_price_{i}"))
                .unwrap_or_default()
                .to_string(),
            title: field(form, &format!("title_{i}"))
                .unwrap_or_default()
                .to_string(),
            hint: None,
        })
        .collect()
}

/// The empty form.
pub fn blank(signed: &Signed, app: &App) -> Response<Body> {
    let mut form = Form::new();
    form.insert("currency".into(), "USD".into());
    form.insert("payment_status".into(), "pending".into());
    render(StatusCode::OK, &form, rows(&form), None, signed, app)
}

fn render(
    status: StatusCode,
    form: &Form,
    rows: Vec<Row>,
    error: Option<String>,
    signed: &Signed,
    app: &App,
) -> Response<Body> {
    let key = form
        .get("key")
        .filter(|k| k.len() == 32 && k.bytes().all(|b| b.is_ascii_hexdigit()))
        .cloned()
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    views::page(
        status,
        "new_order.html",
        signed.context(
            app,
            "new",
            context! {
                form => views::v(form),
                rows => views::v(&rows),
                key => key,
                error => error,
            },
        ),
    )
}

pub async fn submit(form: &Form, signed: &Signed, app: &App) -> Response<Body> {
    let mut rows = rows(form);
    if form.contains_key("check") {
        for row in rows.iter_mut().filter(|r| !r.sku.is_empty()) {
            row.hint = Some(hint(&row.sku, app).await);
        }
        return render(StatusCode::OK, form, rows, None, signed, app);
    }
    let key = field(form, "key").unwrap_or_default();
    let result = Call::new(STAFF, Method::POST, "/orders", &[])
        .json(body(form, &rows))
        .idempotency_key(key)
        .answer(app)
        .await;
    match result {
        Ok(order) => {
            let id = order["id"].as_str().unwrap_or_default();
            views::redirect(&format!("/admin/orders/{}?done=created", encode(id)))
        }
        Err(refusal) => render(
            refusal.status,
            form,
            rows,
            Some(refusal.message),
            signed,
            app,
        ),
    }
}

/// `Mug 12.00 USD · 7 available` (what is known of it).
async fn hint(sku: &str, app: &App) -> String {
    let path = |prefix: &str| format!("/{prefix}/{}", encode(sku));
    let catalog = Call::new(STAFF, Method::GET, &path("catalog"), &[("sku", sku)])
        .answer(app)
        .await
        .ok();
    let stock = Call::new(STAFF, Method::GET, &path("inventory"), &[("sku", sku)])
        .answer(app)
        .await
        .ok();
    let mut parts = Vec::new();
    match &catalog {
        Some(entry) => parts.push(format!(
            "{} {} {}",
            entry["title"].as_str().unwrap_or_default(),
            entry["unit_price"].as_str().unwrap_or_default(),
            entry["currency"].as_str().unwrap_or_default()
        )),
        None => parts.push("not in the catalog: give a title and a price".into()),
    }
    match stock.as_ref().and_then(|s| s["available"].as_u64()) {
        Some(available) => parts.push(format!("{available} available")),
        None => parts.push("stock not tracked".into()),
    }
    parts.join(" · ")
}

/// The form as `POST /orders` takes it; what is left empty is left out, for the API to fill in
/// (from the catalog, adding up the total) or refuse.
fn body(form: &Form, rows: &[Row]) -> Value {
    let given = |name: &str| field(form, name).unwrap_or_default();
    let mut order = Map::new();
    order.insert("currency".into(), json!(given("currency")));
    order.insert("payment_status".into(), json!(given("payment_status")));
    order.insert(
        "customer".into(),
        json!({"name": given("customer_name"), "email": field(form, "customer_email")}),
    );
    if field(form, "line1").is_some() || field(form, "city").is_some() {
        order.insert(
            "shipping_address".into(),
            json!({
                "name": field(form, "address_name").unwrap_or(given("customer_name")),
                "line1": field(form, "line1"), "line2": field(form, "line2"), "city": field(form, "city"),
                "region": field(form, "region"), "postal_code": field(form, "postal_code"),
                "country": field(form, "country"), "phone": field(form, "phone"),
            }),
        );
    }
    if let Some(method) = field(form, "shipping_method") {
        order.insert("shipping_method".into(), json!(method));
    }
    if let Some(note) = field(form, "note") {
        order.insert("note".into(), json!(note));
    }
    let mut totals = Map::new();
    for name in ["shipping", "tax", "discounts"] {
        if let Some(amount) = field(form, name) {
            totals.insert(name.into(), json!(amount));
        }
    }
    if !totals.is_empty() {
        order.insert("totals".into(), Value::Object(totals));
    }
    let lines: Vec<Value> = rows
        .iter()
        .filter(|r| !r.sku.is_empty())
        .map(|r| {
            let mut line = json!({"sku": r.sku, "quantity": quantity(&r.quantity)});
            if !r.unit_price.is_empty() {
                line["unit_price"] = json!(r.unit_price);
            }
            if !r.title.is_empty() {
                line["title"] = json!(r.title);
            }
            line
        })
        .collect();
    order.insert("lines".into(), Value::Array(lines));
    Value::Object(order)
}

fn quantity(text: &str) -> Value {
    text.parse::<u64>()
        .map_or_else(|_| json!(text), |n| json!(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_becomes_the_apis_order() {
        let form: Form = [
            ("currency", "EUR"),
            ("payment_status", "received_offline"),
            ("customer_name", "Ana Souza"),
            ("customer_email", "ana@example.com"),
            ("line1", "500 Market St"),
            ("city", "San Francisco"),
            ("country", "US"),
            ("shipping", "4.90"),
            ("sku_0", "MUG"),
            ("quantity_0", "2"),
            ("sku_1", "CUP"),
            ("quantity_1", "1"),
            ("unit_price_1", "3.00"),
            ("title_1", "Cup"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let order = body(&form, &rows(&form));
        assert_eq!(
            order["customer"],
            json!({"name": "Ana Souza", "email": "ana@example.com"})
        );
        assert_eq!(order["shipping_address"]["name"], "Ana Souza");
        assert_eq!(order["totals"], json!({"shipping": "4.90"}));
        assert_eq!(
            order["lines"],
            json!([{"sku": "MUG", "quantity": 2}, {"sku": "CUP", "quantity": 1, "unit_price": "3.00", "title": "Cup"}])
        );
        assert!(order.get("note").is_none());
    }
}
