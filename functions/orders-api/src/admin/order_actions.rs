//! The order page's forms, each turned into the API request it stands for; the page is shown
//! again with what happened (its new timeline entry) or what the API refused.

use lambda_http::http::Method;
use lambda_http::{Body, Response};
use serde_json::{json, Map, Value};

use super::api::{encode, Call, Refusal};
use super::order_pages::{show, Outcome};
use super::{field, views, Form, Signed, STAFF};
use crate::App;

/// What the order page says after an action (`?done=`): only these words, whatever the link says.
pub fn done(action: &str) -> Option<&'static str> {
    Some(match action {
        "created" => "The order was created.",
        "status" => "The status was changed.",
        "cancel" => "The order was canceled.",
        "edit" => "The order was changed.",
        "invoices" => "The invoice was issued.",
        "release" => "The order was released.",
        "reject" => "The order was rejected.",
        "void" => "The label was voided.",
        "refunds" => "The refund was made.",
        _ => return None,
    })
}

/// After an action: back to the order (a GET, so a reload sends nothing again) saying what was
/// done; when refused, the order page with the API's message.
async fn outcome(
    id: &str,
    done: &str,
    result: Result<Value, Refusal>,
    signed: &Signed,
    app: &App,
) -> Response<Body> {
    match result {
        Ok(_) => views::redirect(&format!(
            "/admin/orders/{}?done={}",
            encode(id),
            encode(done)
        )),
        Err(refusal) => show(id, signed, app, Some(Outcome::Refused(refusal))).await,
    }
}

pub async fn act(
    id: &str,
    action: &str,
    form: &Form,
    signed: &Signed,
    app: &App,
) -> Response<Body> {
    let params = [("id", id)];
    let path = format!("/orders/{id}/{action}");
    let result = match action {
        "status" => {
            let body = match status_body(id, form, app).await {
                Ok(body) => body,
                Err(refusal) => {
                    return show(id, signed, app, Some(Outcome::Refused(refusal))).await
                }
            };
            Call::new(STAFF, Method::POST, &path, &params)
                .json(body)
                .answer(app)
                .await
        }
        "cancel" => {
            Call::new(STAFF, Method::POST, &path, &params)
                .json(json!({"reason": field(form, "reason")}))
                .answer(app)
                .await
        }
        "edit" => {
            let version = field(form, "version")
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0);
            Call::new(STAFF, Method::PATCH, &format!("/orders/{id}"), &params)
                .json(edit_body(form))
                .if_match(version)
                .answer(app)
                .await
        }
        "refunds" => {
            // The form's own key: sending it twice (a reload, a double click) refunds once.
            let key = field(form, "key").unwrap_or_default();
            Call::new(STAFF, Method::POST, &path, &params)
                .json(refund_body(form))
                .idempotency_key(key)
                .answer(app)
                .await
        }
        "invoices" => {
            let split = field(form, "split").unwrap_or("none").to_string();
            Call::new(STAFF, Method::POST, &path, &params)
                .query([("split".to_string(), split)])
                .answer(app)
                .await
        }
        _ => return super::not_found(signed, app),
    };
    outcome(id, action, result, signed, app).await
}

pub async fn decide_hold(
    id: &str,
    decision: &str,
    form: &Form,
    signed: &Signed,
    app: &App,
) -> Response<Body> {
    let result = Call::new(
        STAFF,
        Method::POST,
        &format!("/orders/{id}/hold/{decision}"),
        &[("id", id), ("decision", decision)],
    )
    .json(json!({"reason": field(form, "reason")}))
    .answer(app)
    .await;
    outcome(id, decision, result, signed, app).await
}

pub async fn void(id: &str, shipment: &str, signed: &Signed, app: &App) -> Response<Body> {
    let result = Call::new(
        STAFF,
        Method::DELETE,
        &format!("/orders/{id}/shipments/{shipment}"),
        &[("id", id), ("sid", shipment)],
    )
    .answer(app)
    .await;
    outcome(id, "void", result, signed, app).await
}

/// `{"status", "reason", "payment"?, "parcels"?}`: a parcel sent outside the OMS carries every
/// line not shipped yet.
async fn status_body(id: &str, form: &Form, app: &App) -> Result<Value, Refusal> {
    let mut body = json!({"status": field(form, "status"), "reason": field(form, "reason")});
    if let Some(payment) = field(form, "payment") {
        body["payment"] = json!(payment);
    }
    let shipping = matches!(field(form, "status"), Some("shipped" | "partially_shipped"));
    if let (true, Some(carrier), Some(code)) = (
        shipping,
        field(form, "carrier"),
        field(form, "tracking_code"),
    ) {
        let order = Call::new(STAFF, Method::GET, &format!("/orders/{id}"), &[("id", id)])
            .answer(app)
            .await?;
        body["parcels"] =
            json!([{"carrier": carrier, "tracking_code": code, "lines": unshipped(&order)}]);
    }
    Ok(body)
}

/// The order's lines less what its parcels (not voided) carry.
fn unshipped(order: &Value) -> Vec<Value> {
    let mut left: Vec<(String, u64)> = order["lines"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            (
                l["sku"].as_str().unwrap_or_default().to_string(),
                l["quantity"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let parcels = order["shipments"].as_array().into_iter().flatten();
    for parcel in parcels.filter(|s| s["tracking_status"] != "cancelled") {
        for line in parcel["lines"].as_array().into_iter().flatten() {
            if let Some(entry) = left.iter_mut().find(|(sku, _)| line["sku"] == sku.as_str()) {
                entry.1 = entry
                    .1
                    .saturating_sub(line["quantity"].as_u64().unwrap_or(0));
            }
        }
    }
    left.into_iter()
        .filter(|(_, quantity)| *quantity > 0)
        .map(|(sku, quantity)| json!({"sku": sku, "quantity": quantity}))
        .collect()
}

/// The edit form as `PATCH /orders/{id}` takes it: the address when its fields are filled in,
/// contact fields as given, and only the lines whose quantity changed (or the one added).
fn edit_body(form: &Form) -> Value {
    let mut body = Map::new();
    if let (Some(name), Some(line1), Some(city), Some(country)) = (
        field(form, "name"),
        field(form, "line1"),
        field(form, "city"),
        field(form, "country"),
    ) {
        body.insert(
            "shipping_address".into(),
            json!({
                "name": name, "line1": line1, "line2": field(form, "line2"), "city": city,
                "region": field(form, "region"), "postal_code": field(form, "postal_code"),
                "country": country, "phone": field(form, "phone"),
            }),
        );
    }
    for name in ["email", "phone", "note"] {
        if let Some(value) = form.get(name) {
            body.insert(name.into(), json!(value.trim()));
        }
    }
    let mut lines = Vec::new();
    for index in 0.. {
        let (Some(sku), Some(quantity)) = (
            field(form, &format!("sku_{index}")),
            form.get(&format!("quantity_{index}")),
        ) else {
            break;
        };
        let original = form.get(&format!("was_{index}"));
        if original.map(|o| o.trim()) != Some(quantity.trim()) {
            lines.push(json!({"sku": sku, "quantity": number(quantity)}));
        }
    }
    if let Some(sku) = field(form, "new_sku") {
        let mut line = json!({"sku": sku, "quantity": number(form.get("new_quantity").map_or("", String::as_str))});
        if let Some(title) = field(form, "new_title") {
            line["title"] = json!(title);
        }
        if let Some(price) = field(form, "new_unit_price") {
            line["unit_price"] = json!(price);
        }
        lines.push(line);
    }
    if !lines.is_empty() {
        body.insert("lines".into(), Value::Array(lines));
    }
    Value::Object(body)
}

/// A quantity as typed: a whole number goes as one, anything else as text for the API to refuse.
fn number(text: &str) -> Value {
    text.trim()
        .parse::<u64>()
        .map_or_else(|_| json!(text.trim()), |n| json!(n))
}

/// The refund form as the API's body: the amount when given, else each line's quantity (the
/// shipping when ticked).
fn refund_body(form: &Form) -> Value {
    let mut body = Map::new();
    body.insert(
        "reason".into(),
        json!(field(form, "reason").unwrap_or_default()),
    );
    if let Some(amount) = field(form, "amount") {
        body.insert("amount".into(), json!(amount));
    }
    let lines: Vec<Value> = (0..)
        .map_while(|i| field(form, &format!("sku_{i}")).map(|sku| (i, sku)))
        .filter_map(|(i, sku)| {
            let quantity = field(form, &format!("refund_{i}"))?.parse::<u64>().ok()?;
            (quantity > 0).then(|| json!({"sku": sku, "quantity": quantity}))
        })
        .collect();
    if !lines.is_empty() {
        body.insert("lines".into(), Value::Array(lines));
    }
    if field(form, "shipping").is_some() {
        body.insert("shipping".into(), json!(true));
    }
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Form {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn an_edit_sends_only_the_lines_that_changed() {
        let body = edit_body(&form(&[
            ("sku_0", "MUG"),
            ("quantity_0", "2"),
            ("was_0", "2"),
            ("sku_1", "CUP"),
            ("quantity_1", "0"),
            ("was_1", "1"),
            ("new_sku", "BOWL"),
            ("new_quantity", "3"),
            ("new_title", "Bowl"),
            ("new_unit_price", "9.50"),
            ("email", "a@example.com"),
        ]));
        assert_eq!(
            body["lines"],
            json!([{"sku": "CUP", "quantity": 0}, {"sku": "BOWL", "quantity": 3, "title": "Bowl", "unit_price": "9.50"}])
        );
        assert_eq!(body["email"], "a@example.com");
        assert!(
            body.get("shipping_address").is_none(),
            "no address fields filled in"
        );
    }

    #[test]
    fn a_parcel_sent_outside_carries_what_is_left_to_ship() {
        let order = json!({
            "lines": [{"sku": "MUG", "quantity": 3}, {"sku": "CUP", "quantity": 1}],
            "shipments": [
                {"tracking_status": "in_transit", "lines": [{"sku": "MUG", "quantity": 2}]},
                {"tracking_status": "cancelled", "lines": [{"sku": "CUP", "quantity": 1}]},
            ],
        });
        assert_eq!(
            unshipped(&order),
            [
                json!({"sku": "MUG", "quantity": 1}),
                json!({"sku": "CUP", "quantity": 1})
            ]
        );
    }
}
