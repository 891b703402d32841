//! A person moves an order along the transition table (`POST /orders/{id}/status`): every move
//! has its real effect (stock reserved, deducted or released; labels requested; the cancel path),
//! every illegal one is a 409 naming the statuses the order may move to, and the timeline says
//! who, when, from what, to what and why.

use oms_tests::{emails_to, eventually, shopify_order, start, start_with, unique};
use serde_json::{json, Value};

/// The last timeline entry a person's status change made.
fn by_hand(order: &Value) -> Value {
    order["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["type"] == "status_set_by_hand")
        .cloned()
        .unwrap_or(Value::Null)
}

fn unpaid_order() -> Value {
    let mut order = shopify_order(&unique("93"), &format!("{}@example.com", unique("st")));
    order["financial_status"] = json!("pending");
    order
}

#[tokio::test]
async fn an_illegal_move_is_refused_with_the_moves_the_order_allows() {
    let t = start().await;
    let shipped = t
        .shipped_order(&format!("{}@example.com", unique("ill")))
        .await;
    let id = shipped["id"].as_str().unwrap();
    let (status, body) = t
        .admin_post(
            &format!("/orders/{id}/status"),
            &json!({"status": "abandoned", "reason": "no idea"}),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "illegal_transition");
    assert_eq!(
        body["error"]["allowed"],
        json!(["partially_closed", "closed", "returned"])
    );
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("shipped"));
    let (status, body) = t
        .admin_post(
            &format!("/orders/{id}/status"),
            &json!({"status": "canceled", "reason": "changed their mind"}),
        )
        .await;
    assert_eq!(
        status, 409,
        "a parcel with the carrier blocks a cancel: {body}"
    );
    assert_eq!(t.order(id).await["status"], "shipped", "nothing changed");

    for (body, status, code) in [
        (json!({"status": "closed"}), 422, "reason_required"),
        (
            json!({"status": "lost", "reason": "x"}),
            422,
            "invalid_status",
        ),
        (
            json!({"status": "open", "reason": "x"}),
            409,
            "illegal_transition",
        ),
        (
            json!({"status": "returned", "reason": "x", "parcels": [{"carrier": "x", "tracking_code": "y", "lines": [{"sku": "a", "quantity": 1}]}]}),
            422,
            "invalid_body",
        ),
        (
            json!({"status": "closed", "reason": "x", "payment": "received_offline"}),
            422,
            "invalid_body",
        ),
        (
            json!({"status": "closed", "reason": "x", "extra": 1}),
            400,
            "invalid_body",
        ),
        (
            json!({"status": "closed", "reason": "x", "shipments": ["shp_nope"]}),
            422,
            "invalid_move",
        ),
    ] {
        let (got, answer) = t.admin_post(&format!("/orders/{id}/status"), &body).await;
        assert_eq!(got, status, "{body}: {answer}");
        assert_eq!(answer["error"]["code"], code, "{body}");
    }
    let (status, _) = t
        .admin_post(
            "/orders/ord_0000000000000000000000000a/status",
            &json!({"status": "closed", "reason": "x"}),
        )
        .await;
    assert_eq!(status, 404);
}

/// Paid at the counter: `ready_to_ship` with the payment recorded as received offline reserves
/// the stock and buys the label, as a verified payment would.
#[tokio::test]
async fn an_order_paid_offline_is_released_to_fulfilment_by_hand() {
    let t = start().await;
    let id = t.create_shopify_order(&unpaid_order()).await;
    let path = format!("/orders/{id}/status");
    let (status, body) = t
        .admin_post(&path, &json!({"status": "ready_to_ship", "reason": "go"}))
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "not_ready");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("received_offline"));

    let (status, order) = t
        .admin_post(
            &path,
            &json!({"status": "ready_to_ship", "reason": "paid cash at the counter", "payment": "received_offline"}),
        )
        .await;
    assert_eq!(status, 200, "{order}");
    assert_eq!(order["payment_status"], "paid");
    let entry = by_hand(&order);
    assert_eq!(entry["by"], "admin");
    assert_eq!(entry["from"], "open");
    assert_eq!(entry["to"], "ready_to_ship");
    assert_eq!(entry["reason"], "paid cash at the counter");
    assert!(entry["at"].as_str().is_some());
    assert!(order["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["type"] == "payment_received_offline"));
    t.order_until(&id, "shipped with its label", |o| o["status"] == "shipped")
        .await;
}

/// Never paid: abandoned (or failed), nothing more can happen to it.
#[tokio::test]
async fn an_unpaid_order_is_abandoned_and_stays_so() {
    let t = start().await;
    let id = t.create_shopify_order(&unpaid_order()).await;
    let path = format!("/orders/{id}/status");
    let (status, order) = t
        .admin_post(
            &path,
            &json!({"status": "abandoned", "reason": "no payment after 30 days"}),
        )
        .await;
    assert_eq!(status, 200, "{order}");
    assert_eq!(order["status"], "abandoned");
    assert_eq!(by_hand(&order)["from"], "open");
    let (status, body) = t
        .admin_post(
            &path,
            &json!({"status": "ready_to_ship", "reason": "x", "payment": "received_offline"}),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["allowed"], json!([]), "final");
    let (_, listed) = t.admin_get("/orders?status=abandoned").await;
    assert_eq!(
        listed["orders"][0]["id"],
        id.as_str(),
        "found by its new status"
    );

    let other = t.create_shopify_order(&unpaid_order()).await;
    let (status, order) = t
        .admin_post(
            &format!("/orders/{other}/status"),
            &json!({"status": "failed", "reason": "card declined twice"}),
        )
        .await;
    assert_eq!(status, 200, "{order}");
    assert_eq!(order["status"], "failed");
    assert_eq!(order["payment_status"], "failed");
}

/// Too heavy for the carrier: staff send it by freight, record the parcel (its stock leaves the
/// shelf), then mark it delivered, then returned.
#[tokio::test]
async fn goods_sent_outside_the_oms_are_recorded_deducted_delivered_and_returned() {
    let t = start_with(&[("MaxParcelGrams", "1")]).await;
    let sku = unique("CRATE");
    t.stock(&sku, "main", 5).await;
    let id = t
        .paid_order_of(
            &format!("{}@example.com", unique("fr")),
            &[(sku.as_str(), 2)],
        )
        .await;
    let held = t
        .order_until(&id, "held as implausible", |o| o["hold"].is_object())
        .await;
    assert_eq!(held["status"], "ready_to_ship");
    let path = format!("/orders/{id}/status");
    let (status, body) = t
        .admin_post(
            &path,
            &json!({"status": "shipped", "reason": "sent by freight", "parcels": [
                {"carrier": "Freight Co", "tracking_code": "FR-1", "lines": [{"sku": sku, "quantity": 3}]}]}),
        )
        .await;
    assert_eq!(status, 422, "more than ordered: {body}");
    let (status, order) = t
        .admin_post(
            &path,
            &json!({"status": "shipped", "reason": "sent by freight", "parcels": [
                {"carrier": "Freight Co", "tracking_code": "FR-1", "lines": [{"sku": sku, "quantity": 2}]}]}),
        )
        .await;
    assert_eq!(status, 200, "{order}");
    assert_eq!(order["status"], "shipped");
    assert_eq!(order["hold"], Value::Null, "a person decided");
    assert_eq!(order["shipments"][0]["tracking_code"], "FR-1");
    assert_eq!(
        order["shipments"][0]["label_url"],
        Value::Null,
        "no label of ours"
    );
    assert_eq!(by_hand(&order)["to"], "shipped");
    let (_, stock) = t.admin_get(&format!("/inventory/{sku}")).await;
    assert_eq!(stock["on_hand"], 3, "{stock}");
    assert_eq!(stock["reserved"], 0, "{stock}");
    let (_, found) = t.admin_get("/orders?q=FR-1").await;
    assert_eq!(
        found["orders"][0]["id"],
        id.as_str(),
        "found by its tracking code"
    );

    let (status, order) = t
        .admin_post(
            &path,
            &json!({"status": "closed", "reason": "the customer confirmed"}),
        )
        .await;
    assert_eq!(status, 200, "{order}");
    assert_eq!(order["status"], "closed");
    assert_eq!(order["fulfillment_status"], "delivered");
    assert_eq!(order["shipments"][0]["tracking_status"], "delivered");

    let (status, order) = t
        .admin_post(
            &path,
            &json!({"status": "returned", "reason": "sent back, wrong size"}),
        )
        .await;
    assert_eq!(status, 200, "{order}");
    assert_eq!(order["status"], "returned");
    assert_eq!(order["fulfillment_status"], "returned");
    let entry = by_hand(&order);
    assert_eq!(
        (entry["from"].as_str(), entry["to"].as_str()),
        (Some("closed"), Some("returned"))
    );
}

/// `canceled` runs the cancel path: stock released, the customer told.
#[tokio::test]
async fn canceling_by_status_releases_the_stock_and_tells_the_customer() {
    let t = start_with(&[("MaxParcelGrams", "1")]).await;
    let sku = unique("VASE");
    t.stock(&sku, "main", 4).await;
    let email = format!("{}@example.com", unique("cx"));
    let id = t.paid_order_of(&email, &[(sku.as_str(), 3)]).await;
    t.order_until(&id, "held with its stock reserved", |o| {
        o["hold"].is_object()
    })
    .await;
    let (status, order) = t
        .admin_post(
            &format!("/orders/{id}/status"),
            &json!({"status": "canceled", "reason": "out of our delivery area"}),
        )
        .await;
    assert_eq!(status, 200, "{order}");
    assert_eq!(order["status"], "canceled");
    let entry = by_hand(&order);
    assert_eq!(entry["from"], "ready_to_ship");
    assert_eq!(entry["reason"], "out of our delivery area");
    let (_, stock) = t.admin_get(&format!("/inventory/{sku}")).await;
    assert_eq!(stock["available"], 4, "{stock}");
    eventually(|| async {
        emails_to(&email).await.into_iter().find(|e| {
            e["subject"]
                .as_str()
                .is_some_and(|s| s.to_lowercase().contains("cancel"))
        })
    })
    .await
    .expect("the customer is told");
}
