//! Staff edit an order (`PATCH /orders/{id}` with `If-Match`): only the version they saw, only
//! while no parcel has a label; the edit is reviewed again, its stock planned again and its
//! totals recomputed in the same write, with the difference kept as `balance_due` and the change
//! on the timeline as a before/after diff.

use oms_tests::{shopify_order, start, start_with, unique, TestOms};
use serde_json::{json, Value};

/// A PATCH with `If-Match` (none when `version` is `None`): status, answer, ETag.
async fn patch(t: &TestOms, id: &str, version: Option<&str>, body: &Value) -> (u16, Value, String) {
    let mut request = t
        .http
        .patch(t.url(&format!("/orders/{id}")))
        .bearer_auth(t.secret("OMS_ADMIN_TOKEN"))
        .json(body);
    if let Some(version) = version {
        request = request.header("if-match", version);
    }
    let response = request.send().await.expect("gateway answers");
    let status = response.status().as_u16();
    let etag = response
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, response.json().await.unwrap_or(Value::Null), etag)
}

fn has_event(order: &Value, kind: &str) -> bool {
    order["timeline"]
        .as_array()
        .is_some_and(|events| events.iter().any(|e| e["type"] == kind))
}

fn unpaid_order() -> Value {
    let mut order = shopify_order(&unique("94"), &format!("{}@example.com", unique("ed")));
    order["financial_status"] = json!("pending");
    order
}

#[tokio::test]
async fn an_edit_lands_only_on_the_version_seen_and_shows_as_a_diff() {
    let t = start().await;
    let id = t.create_shopify_order(&unpaid_order()).await;
    // Once the confirmation email is on its timeline, nothing else changes the order.
    let order = t
        .order_until(&id, "confirmed", |o| has_event(o, "email_sent"))
        .await;
    let version = format!("\"{}\"", order["version"]);
    let address = json!({"name": "Priya Natarajan", "line1": "12 Rue Neuve", "city": "Montréal",
        "region": "QC", "postal_code": "H2Y 1A1", "country": "CA"});

    let (status, body, _) = patch(&t, &id, None, &json!({"note": "x"})).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (428, Some("precondition_required"))
    );
    let (status, edited, etag) = patch(
        &t,
        &id,
        Some(&version),
        &json!({"shipping_address": address, "phone": "+1 514 555 0100", "note": "Ring twice",
                "email": "priya@example.org"}),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["shipping_address"]["line1"], "12 Rue Neuve");
    assert_eq!(edited["shipping_address"]["phone"], "+1 514 555 0100");
    assert_eq!(edited["customer"]["email"], "priya@example.org");
    assert_eq!(edited["note"], "Ring twice");
    assert_eq!(etag, format!("\"{}\"", edited["version"]));
    let entry = edited["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["type"] == "order_edited")
        .cloned()
        .unwrap();
    assert_eq!(entry["by"], "admin");
    let address_change = entry["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "shipping_address")
        .cloned()
        .unwrap();
    assert!(address_change["before"]
        .as_str()
        .unwrap()
        .contains("418 Rue Saint-Paul O"));
    assert!(address_change["after"]
        .as_str()
        .unwrap()
        .contains("12 Rue Neuve"));
    let (_, found) = t.admin_get("/orders?email=priya%40example.org").await;
    assert_eq!(
        found["orders"][0]["id"],
        id.as_str(),
        "found by its new email"
    );

    // The version seen before the edit is stale now: 412, nothing written.
    let (status, body, _) = patch(&t, &id, Some(&version), &json!({"note": "overwritten?"})).await;
    assert_eq!(status, 412, "{body}");
    assert_eq!(body["error"]["code"], "version_mismatch");
    assert_eq!(t.order(&id).await["note"], "Ring twice");

    for (body, status, code) in [
        (json!({"email": "not an email"}), 422, "invalid_email"),
        (
            json!({"lines": [{"sku": "NEW", "quantity": 1}]}),
            422,
            "invalid_edit",
        ),
        (
            json!({"lines": [{"sku": "X", "quantity": 10001}]}),
            422,
            "invalid_quantity",
        ),
        (json!({"colour": "red"}), 400, "invalid_body"),
    ] {
        let (got, answer, _) = patch(&t, &id, Some(&etag), &body).await;
        assert_eq!(got, status, "{body}: {answer}");
        assert_eq!(answer["error"]["code"], code, "{body}");
    }
    let (status, _, _) = patch(&t, &id, Some("abc"), &json!({"note": "x"})).await;
    assert_eq!(status, 400);
}

/// More units of a paid order: stock reserved for the new lines in the same write, the total
/// recomputed, the difference owed; after the label, the lines are frozen.
#[tokio::test]
async fn new_lines_are_planned_again_and_the_difference_is_owed() {
    let t = start_with(&[("MaxParcelGrams", "1")]).await;
    let (mug, cup) = (unique("MUG"), unique("CUP"));
    t.stock(&mug, "main", 10).await;
    t.stock(&cup, "main", 10).await;
    let id = t
        .paid_order_of(
            &format!("{}@example.com", unique("pl")),
            &[(mug.as_str(), 1)],
        )
        .await;
    // Held as implausible (1 g limit), so no label is bought while it is edited; once staff
    // are told of the hold, nothing else changes the order.
    let order = t
        .order_until(&id, "held and staff told", |o| {
            o["hold"].is_object()
                && o["timeline"].as_array().is_some_and(|events| {
                    events.iter().any(|e| {
                        e["type"] == "email_sent"
                            && e["detail"]
                                .as_str()
                                .is_some_and(|d| d.ends_with("to staff"))
                    })
                })
        })
        .await;
    assert_eq!(order["totals"]["total"], "10.00");
    let (status, edited, _) = patch(
        &t,
        &id,
        Some(&order["version"].to_string()),
        &json!({"lines": [{"sku": mug, "quantity": 3},
                          {"sku": cup, "quantity": 2, "title": "Cup", "unit_price": "4.50", "grams": 80}]}),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["totals"]["subtotal"], "39.00");
    assert_eq!(edited["totals"]["total"], "39.00");
    assert_eq!(
        edited["balance_due"], "29.00",
        "the customer owes the difference"
    );
    let (_, mugs) = t.admin_get(&format!("/inventory/{mug}")).await;
    let (_, cups) = t.admin_get(&format!("/inventory/{cup}")).await;
    assert_eq!(
        (mugs["reserved"].as_u64(), cups["reserved"].as_u64()),
        (Some(3), Some(2)),
        "{mugs} {cups}"
    );

    let (status, shipped) = t
        .admin_post(
            &format!("/orders/{id}/status"),
            &json!({"status": "shipped", "reason": "by courier",
            "parcels": [{"carrier": "Courier", "tracking_code": "C-9",
                         "lines": [{"sku": mug, "quantity": 3}, {"sku": cup, "quantity": 2}]}]}),
        )
        .await;
    assert_eq!(status, 200, "{shipped}");
    let (status, body, _) = patch(
        &t,
        &id,
        Some(&shipped["version"].to_string()),
        &json!({"lines": [{"sku": mug, "quantity": 1}]}),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "not_editable");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("C-9"),
        "names what blocks it"
    );
    let (status, _, _) = patch(
        &t,
        &id,
        Some(&shipped["version"].to_string()),
        &json!({"note": "Customer called: all fine"}),
    )
    .await;
    assert_eq!(status, 200, "the note may still change");
}
