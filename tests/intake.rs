//! Order intake from every channel, exactly once: WooCommerce, marketplace pushes and manual
//! orders travel the same path as Shopify's; problems a person can fix hold the order; updates,
//! cancellations and redeliveries do what a merchant expects; a crash between storing and
//! enqueueing is healed by the channel's retry.

use aws_sdk_sqs::types::QueueAttributeName;
use oms_tests::{
    emails_to, eventually, native_order, shopify_order, start, unique, woocommerce_order,
};
use serde_json::{json, Value};

fn email() -> String {
    format!("{}@example.com", unique("c"))
}

async fn answer(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn woocommerce_orders_ship_like_any_other() {
    let t = start().await;
    let ping = t
        .http
        .post(t.url("/webhooks/woocommerce"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("webhook_id=42")
        .send()
        .await
        .unwrap();
    assert_eq!(ping.status(), 200, "the creation ping is answered");

    let order = woocommerce_order(900_000 + u64::from(std::process::id() % 1000), &email());
    let (status, body) = answer(
        t.woocommerce("order.created", &serde_json::to_vec(&order).unwrap())
            .await,
    )
    .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("created")),
        "{body}"
    );
    let id = body["order_id"].as_str().unwrap();
    let shipped = t
        .order_until(id, "shipped", |o| o["status"] == "shipped")
        .await;
    assert_eq!(shipped["channel"], "woocommerce");
    assert_eq!(shipped["currency"], "SEK");
    assert_eq!(
        shipped["lines"][1]["sku"], "product-101",
        "lines without SKU keep their product id"
    );
    assert_eq!(shipped["note"], "Leave at the door, please.");

    // Fee lines (gift wrap, a credit used as a negative fee) are a total of their own, not a
    // mismatch that holds the order.
    let mut with_fees = woocommerce_order(910_000 + u64::from(std::process::id() % 1000), &email());
    with_fees["fee_lines"] = json!([
        {"id": 91, "name": "Gift wrap", "total": "20.00", "total_tax": "0.00"},
        {"id": 92, "name": "Loyalty credit", "total": "-2.50", "total_tax": "0.00"}
    ]);
    with_fees["total"] = json!("155.25");
    let (_, body) = answer(
        t.woocommerce("order.created", &serde_json::to_vec(&with_fees).unwrap())
            .await,
    )
    .await;
    let id = body["order_id"].as_str().unwrap();
    let shipped = t
        .order_until(id, "shipped", |o| o["status"] == "shipped")
        .await;
    assert_eq!(shipped["totals"]["fees"], "17.50");
    assert_eq!(shipped["hold"], Value::Null);
}

#[tokio::test]
async fn marketplace_pushes_are_signed_timestamped_and_deduplicated() {
    let t = start().await;
    let channel_id = unique("amazon:113-");
    let body = serde_json::to_vec(&native_order(&channel_id, &email())).unwrap();

    let stale = t.channel_signature(&body, chrono::Utc::now().timestamp() - 600);
    let (status, error) = answer(t.marketplace_signed(&body, Some(&stale)).await).await;
    assert_eq!(
        (status, error["error"]["code"].as_str()),
        (401, Some("unauthorized"))
    );
    assert!(error["error"]["message"]
        .as_str()
        .unwrap()
        .contains("300 seconds"));

    let (status, created) = answer(t.marketplace(&body).await).await;
    assert_eq!((status, created["status"].as_str()), (200, Some("created")));
    let (status, again) = answer(t.marketplace(&body).await).await;
    assert_eq!((status, again["status"].as_str()), (200, Some("duplicate")));
    assert_eq!(again["order_id"], created["order_id"]);

    let id = created["order_id"].as_str().unwrap();
    let order = t
        .order_until(id, "shipped", |o| o["status"] == "shipped")
        .await;
    assert_eq!(order["channel"], "marketplace");
    assert_eq!(order["channel_order_id"], channel_id.as_str());
    assert_eq!(
        order["shipments"][0]["service"], "Priority",
        "the requested service is bought"
    );
    let shipped_units: u64 = order["shipments"][0]["events"].as_array().map_or(0, |_| 0);
    assert_eq!(shipped_units, 0);
}

#[tokio::test]
async fn manual_orders_honour_idempotency_keys() {
    let t = start().await;
    let mut order = native_order("ignored", &email());
    order.as_object_mut().unwrap().remove("channel_order_id");
    let body = serde_json::to_vec(&order).unwrap();
    let key = unique("phone-order-");

    let (status, first) = answer(t.manual(&body, Some(&key)).await).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["channel"], "manual");
    assert_eq!(first["status"], "open");
    let (status, replay) = answer(t.manual(&body, Some(&key)).await).await;
    assert_eq!(status, 200);
    assert_eq!(
        replay["id"], first["id"],
        "same key, same body: the same order"
    );

    order["note"] = json!("a different order");
    let changed = serde_json::to_vec(&order).unwrap();
    let (status, conflict) = answer(t.manual(&changed, Some(&key)).await).await;
    assert_eq!(
        (status, conflict["error"]["code"].as_str()),
        (409, Some("idempotency_key_reused"))
    );

    // A key in any script is a key: never taken for no key at all.
    let accented = reqwest::header::HeaderValue::from_bytes(
        format!("commande-été-{}", unique("k")).as_bytes(),
    )
    .unwrap();
    let send_accented = || {
        t.http
            .post(t.url("/orders"))
            .bearer_auth(t.secret("OMS_ADMIN_TOKEN"))
            .header("content-type", "application/json")
            .header("idempotency-key", accented.clone())
            .body(body.clone())
            .send()
    };
    let (status, once) = answer(send_accented().await.unwrap()).await;
    assert_eq!(status, 201, "{once}");
    let (status, twice) = answer(send_accented().await.unwrap()).await;
    assert_eq!((status, &twice["id"]), (200, &once["id"]), "one order");

    let (_, a) = answer(t.manual(&body, None).await).await;
    let (_, b) = answer(t.manual(&body, None).await).await;
    assert_ne!(
        a["id"], b["id"],
        "without a key every request is a new order"
    );

    let anonymous = t
        .http
        .post(t.url("/orders"))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    t.order_until(first["id"].as_str().unwrap(), "shipped", |o| {
        o["status"] == "shipped"
    })
    .await;
}

#[tokio::test]
async fn orders_that_do_not_add_up_wait_for_a_person() {
    let t = start().await;
    let customer = email();
    let mut order = shopify_order(&unique("31"), &customer);
    order["total_price"] = json!("80.00");
    let (_, body) = answer(
        t.shopify("orders/create", &serde_json::to_vec(&order).unwrap())
            .await,
    )
    .await;
    let id = body["order_id"].as_str().unwrap().to_string();

    let held = t.order(&id).await;
    assert_eq!(held["status"], "open");
    assert_eq!(held["hold"]["reasons"], json!(["totals_mismatch"]));
    assert!(held["hold"]["messages"][0]
        .as_str()
        .unwrap()
        .contains("74.38"));
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(
        t.order(&id).await["status"],
        "open",
        "a held order does not move"
    );

    let (status, released) = t
        .admin_post(&format!("/orders/{id}/hold/release"), &json!({}))
        .await;
    assert_eq!(status, 200, "{released}");
    assert_eq!(released["hold"], Value::Null);
    t.order_until(&id, "shipped after release", |o| o["status"] == "shipped")
        .await;
    let (status, again) = t
        .admin_post(&format!("/orders/{id}/hold/release"), &json!({}))
        .await;
    assert_eq!(status, 200, "repeating a release is safe: {again}");
    let (status, rejected) = t
        .admin_post(
            &format!("/orders/{id}/hold/reject"),
            &json!({"reason": "x"}),
        )
        .await;
    assert_eq!(
        (status, rejected["error"]["code"].as_str()),
        (409, Some("conflict")),
        "released, not rejectable"
    );

    // Another held order, rejected: canceled, and the customer told.
    let mut order = shopify_order(&unique("32"), &customer);
    order["total_price"] = json!("1.00");
    let (_, body) = answer(
        t.shopify("orders/create", &serde_json::to_vec(&order).unwrap())
            .await,
    )
    .await;
    let rejected_id = body["order_id"].as_str().unwrap();
    let (status, _) = t
        .admin_post(&format!("/orders/{rejected_id}/hold/reject"), &json!({}))
        .await;
    assert_eq!(status, 422, "a rejection needs a reason");
    let (status, rejected) = t
        .admin_post(
            &format!("/orders/{rejected_id}/hold/reject"),
            &json!({"reason": "suspected fraud"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(rejected["status"], "canceled");
    assert_eq!(rejected["payment_status"], "refunded");
    eventually(|| async {
        emails_to(&customer)
            .await
            .iter()
            .any(|e| e["subject"] == "Your order #2093 was canceled")
            .then_some(())
    })
    .await
    .expect("cancellation email");
}

#[tokio::test]
async fn channel_updates_fix_held_orders_and_cancellations_stop_them() {
    let t = start().await;
    let channel_id = unique("41");
    let mut order = shopify_order(&channel_id, &email());
    order["shipping_address"]["zip"] = Value::Null;
    let (_, body) = answer(
        t.shopify("orders/create", &serde_json::to_vec(&order).unwrap())
            .await,
    )
    .await;
    let id = body["order_id"].as_str().unwrap().to_string();
    assert_eq!(
        t.order(&id).await["hold"]["reasons"],
        json!(["incomplete_shipping_address"])
    );

    // A stale update (older than what we have) changes nothing.
    let mut stale = order.clone();
    stale["updated_at"] = json!("2026-10-01T00:00:00-04:00");
    stale["note"] = json!("stale");
    let (_, body) = answer(
        t.shopify("orders/updated", &serde_json::to_vec(&stale).unwrap())
            .await,
    )
    .await;
    assert_eq!(body["status"], "updated");
    assert_eq!(t.order(&id).await["note"], Value::Null);

    // The merchant fixes the address in Shopify: the hold lifts and the order ships.
    order["shipping_address"]["zip"] = json!("H2Y 2A3");
    order["updated_at"] = json!("2026-10-02T10:00:00-04:00");
    let (_, body) = answer(
        t.shopify("orders/updated", &serde_json::to_vec(&order).unwrap())
            .await,
    )
    .await;
    assert_eq!(body["status"], "updated");
    let shipped = t
        .order_until(&id, "shipped", |o| o["status"] == "shipped")
        .await;
    assert_eq!(shipped["hold"], Value::Null);
    assert_eq!(shipped["shipping_address"]["postal_code"], "H2Y 2A3");

    // Too late to change the address now: recorded, not applied.
    order["shipping_address"]["address1"] = json!("1 Elsewhere Rd");
    order["updated_at"] = json!("2026-10-02T11:00:00-04:00");
    t.shopify("orders/updated", &serde_json::to_vec(&order).unwrap())
        .await;
    let after = t.order(&id).await;
    assert_eq!(after["shipping_address"]["line1"], "418 Rue Saint-Paul O");
    assert!(after["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["type"] == "update_after_fulfillment"));

    // An unpaid order cancelled in the channel is canceled here too.
    let mut unpaid = shopify_order(&unique("42"), &email());
    unpaid["financial_status"] = json!("pending");
    let (_, body) = answer(
        t.shopify("orders/create", &serde_json::to_vec(&unpaid).unwrap())
            .await,
    )
    .await;
    let unpaid_id = body["order_id"].as_str().unwrap();
    unpaid["cancelled_at"] = json!("2026-10-02T12:00:00-04:00");
    unpaid["updated_at"] = json!("2026-10-02T12:00:00-04:00");
    unpaid["financial_status"] = json!("voided");
    t.shopify("orders/cancelled", &serde_json::to_vec(&unpaid).unwrap())
        .await;
    let canceled = t.order(unpaid_id).await;
    assert_eq!(canceled["status"], "canceled");
    assert_eq!(canceled["payment_status"], "voided");
}

#[tokio::test]
async fn a_redelivered_event_is_answered_without_work() {
    let t = start().await;
    let order = shopify_order(&unique("51"), &email());
    let body = serde_json::to_vec(&order).unwrap();
    let send = |payload: Vec<u8>| {
        let signature = t.base64_signature("SHOPIFY_WEBHOOK_SECRET", &payload);
        t.http
            .post(t.url("/webhooks/shopify"))
            .header("content-type", "application/json")
            .header("x-shopify-topic", "orders/create")
            .header("x-shopify-event-id", "evt-fixed-1")
            .header("x-shopify-hmac-sha256", signature)
            .body(payload)
            .send()
    };
    let (_, first) = answer(send(body.clone()).await.unwrap()).await;
    assert_eq!(first["status"], "created");
    let (status, second) = answer(send(body).await.unwrap()).await;
    assert_eq!(
        (status, second["status"].as_str()),
        (200, Some("duplicate_delivery"))
    );
}

/// The delivery id is not covered by the signature: a captured request replayed under a future id
/// must not make the genuine delivery that later comes with that id look already handled.
#[tokio::test]
async fn a_replay_under_a_future_delivery_id_does_not_drop_the_genuine_order() {
    let t = start().await;
    let send = |payload: Vec<u8>, event_id: &'static str| {
        let signature = t.base64_signature("SHOPIFY_WEBHOOK_SECRET", &payload);
        t.http
            .post(t.url("/webhooks/shopify"))
            .header("content-type", "application/json")
            .header("x-shopify-topic", "orders/create")
            .header("x-shopify-event-id", event_id)
            .header("x-shopify-hmac-sha256", signature)
            .body(payload)
            .send()
    };
    let captured = serde_json::to_vec(&shopify_order(&unique("52"), &email())).unwrap();
    let (_, first) = answer(send(captured.clone(), "evt-captured").await.unwrap()).await;
    assert_eq!(first["status"], "created");
    let (_, replayed) = answer(send(captured, "evt-future-1").await.unwrap()).await;
    assert_eq!(
        replayed["status"], "duplicate",
        "recognized by the order, not the id"
    );

    let genuine_id = unique("53");
    let genuine = serde_json::to_vec(&shopify_order(&genuine_id, &email())).unwrap();
    let (status, stored) = answer(send(genuine.clone(), "evt-future-1").await.unwrap()).await;
    assert_eq!((status, stored["status"].as_str()), (200, Some("created")));
    let order_id = stored["order_id"].as_str().unwrap();
    assert_eq!(t.order(order_id).await["channel_order_id"], genuine_id);
    // Shopify's own retry of the genuine delivery is still answered without work.
    let (_, retried) = answer(send(genuine, "evt-future-1").await.unwrap()).await;
    assert_eq!(retried["status"], "duplicate_delivery");

    // The same for marketplace pushes, whose delivery id is X-OMS-Delivery-Id.
    let push = |body: Vec<u8>| {
        let signature = t.channel_signature(&body, chrono::Utc::now().timestamp());
        t.http
            .post(t.url("/webhooks/orders"))
            .header("content-type", "application/json")
            .header("x-oms-delivery-id", "dlv-future-7")
            .header("x-oms-signature", signature)
            .body(body)
            .send()
    };
    let replay = serde_json::to_vec(&native_order(&unique("M54"), &email())).unwrap();
    answer(push(replay).await.unwrap()).await;
    let real = serde_json::to_vec(&native_order(&unique("M55"), &email())).unwrap();
    let (_, pushed) = answer(push(real).await.unwrap()).await;
    assert_eq!(pushed["status"], "created");
}

#[tokio::test]
async fn a_crash_between_storing_and_enqueueing_is_healed_by_the_retry() {
    let t = start().await;
    let sqs = &t.oms.aws.sqs;
    let queue_url = t.oms.resources.refs["PaymentQueue"].clone();
    let queue_name = queue_url.rsplit('/').next().unwrap().to_string();
    // Inject the failure: the payment queue is gone when the order arrives.
    sqs.delete_queue()
        .queue_url(&queue_url)
        .send()
        .await
        .unwrap();

    let order = shopify_order(&unique("61"), &email());
    let body = serde_json::to_vec(&order).unwrap();
    let (status, error) = answer(t.shopify("orders/create", &body).await).await;
    assert_eq!(
        (status, error["error"]["code"].as_str()),
        (500, Some("internal_error"))
    );
    let (_, listed) = t.admin_get("/orders").await;
    let stuck = listed["orders"][0].clone();
    assert_eq!(stuck["status"], "open", "stored, but nobody was told");

    // The queue is back and Shopify retries the delivery.
    sqs.create_queue()
        .queue_name(&queue_name)
        .attributes(QueueAttributeName::VisibilityTimeout, "60")
        .send()
        .await
        .unwrap();
    let (status, retried) = answer(t.shopify("orders/create", &body).await).await;
    assert_eq!(
        (status, retried["status"].as_str()),
        (200, Some("duplicate"))
    );
    t.order_until(stuck["id"].as_str().unwrap(), "shipped", |o| {
        o["status"] == "shipped"
    })
    .await;
}

#[tokio::test]
async fn shopify_checkouts_are_kept_as_carts() {
    let t = start().await;
    let checkout = json!({
        "token": unique("tok"), "email": email(), "currency": "CAD", "total_price": "28.00",
        "updated_at": "2026-10-02T09:00:00Z",
        "abandoned_checkout_url": "https://atelier-nord.example/checkouts/recover",
        "line_items": [{"sku": "BOWL-STONE-L", "title": "Stoneware Bowl", "quantity": 1, "price": "28.00"}]
    });
    let (status, body) = answer(
        t.shopify("checkouts/create", &serde_json::to_vec(&checkout).unwrap())
            .await,
    )
    .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("stored")));
    let mut older = checkout.clone();
    older["updated_at"] = json!("2026-10-02T08:00:00Z");
    let (_, body) = answer(
        t.shopify("checkouts/update", &serde_json::to_vec(&older).unwrap())
            .await,
    )
    .await;
    assert_eq!(body["status"], "stale");
    let keys = t.stored_keys().await;
    assert!(
        keys.iter().any(|k| k.starts_with("CART#shopify#")),
        "{keys:?}"
    );
    let (_, unknown) = answer(t.shopify("products/create", b"{}").await).await;
    assert_eq!(unknown["status"], "ignored");
}

#[tokio::test]
async fn an_order_without_an_email_is_held_and_nobody_is_emailed_into_the_void() {
    let t = start().await;
    let mut order = shopify_order(&unique("71"), "");
    order["email"] = Value::Null;
    order["contact_email"] = Value::Null;
    let (_, body) = answer(
        t.shopify("orders/create", &serde_json::to_vec(&order).unwrap())
            .await,
    )
    .await;
    let id = body["order_id"].as_str().unwrap();
    let held = t
        .order_until(id, "the confirmation is given up", |o| {
            o["timeline"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["type"] == "email_failed")
        })
        .await;
    assert_eq!(held["hold"]["reasons"], json!(["missing_email"]));
    let failed = held["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "email_failed")
        .unwrap()
        .clone();
    assert!(
        failed["detail"]
            .as_str()
            .unwrap()
            .contains("no valid email address"),
        "{failed}"
    );
}

#[tokio::test]
async fn a_label_the_carrier_refuses_holds_the_order_until_the_address_is_fixed() {
    let t = start().await;
    let channel_id = unique("81");
    let mut order = shopify_order(&channel_id, &email());
    order["shipping_address"]["address1"] = json!("1 Undeliverable Road");
    let (_, body) = answer(
        t.shopify("orders/create", &serde_json::to_vec(&order).unwrap())
            .await,
    )
    .await;
    let id = body["order_id"].as_str().unwrap().to_string();

    let held = t
        .order_until(&id, "held after the carrier refused", |o| {
            !o["hold"].is_null()
        })
        .await;
    assert_eq!(held["status"], "ready_to_ship");
    assert_eq!(held["hold"]["reasons"], json!(["label_refused"]));
    assert_eq!(held["shipments"], json!([]), "nothing bought");
    eventually(|| async {
        emails_to("ops@example.com")
            .await
            .into_iter()
            .find(|e| e["body"].as_str().is_some_and(|b| b.contains(&id)))
    })
    .await
    .expect("staff hear about the refusal");

    // The merchant corrects the address in Shopify: the order ships by itself.
    order["shipping_address"]["address1"] = json!("418 Rue Saint-Paul O");
    order["updated_at"] = json!("2026-10-02T10:00:00-04:00");
    t.shopify("orders/updated", &serde_json::to_vec(&order).unwrap())
        .await;
    let shipped = t
        .order_until(&id, "shipped", |o| o["status"] == "shipped")
        .await;
    assert_eq!(shipped["hold"], Value::Null);
    assert_eq!(shipped["shipments"].as_array().unwrap().len(), 1);
}
