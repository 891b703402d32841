//! The order path, end to end, through the HTTP API and the queues of a local OMS on the emulator:
//! a signed Shopify order becomes a paid, labelled, tracked and delivered order, and the customer
//! hears about it three times.

use oms_tests::{emails_to, eventually, shopify_order, start, tracker_event, unique};
use serde_json::Value;

fn later(minutes: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::minutes(minutes)).to_rfc3339()
}

#[tokio::test]
async fn a_paid_shopify_order_travels_from_webhook_to_delivered() {
    let t = start().await;
    let email = format!("{}@example.com", unique("priya"));
    let channel_id = unique("61205544332211");
    let body = serde_json::to_vec(&shopify_order(&channel_id, &email)).unwrap();

    let response = t.shopify("orders/create", &body).await;
    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["status"], "created");
    let id = answer["order_id"].as_str().unwrap().to_string();

    // Payment verified, label bought from the sandbox carrier, shipment recorded.
    let order = t
        .order_until(&id, "shipped with a label", |o| o["status"] == "shipped")
        .await;
    assert_eq!(order["channel"], "shopify");
    assert_eq!(order["channel_order_id"], channel_id.as_str());
    assert_eq!(order["name"], "#2093");
    assert_eq!(order["payment_status"], "paid");
    assert_eq!(order["fulfillment_status"], "fulfilled");
    assert_eq!(order["currency"], "CAD");
    assert_eq!(order["totals"]["total"], "74.38");
    assert_eq!(order["customer"]["email"], email.as_str());
    assert_eq!(order["customer"]["name"], "Priya Natarajan");
    assert_eq!(order["lines"][0]["sku"], "TOWEL-LINEN-SAGE");
    assert_eq!(order["lines"][0]["quantity"], 2);
    assert_eq!(order["lines"][0]["unit_price"], "14.00");
    let shipment = &order["shipments"][0];
    assert_eq!(order["shipments"].as_array().unwrap().len(), 1);
    assert_eq!(shipment["tracking_status"], "pre_transit");
    let tracking_code = shipment["tracking_code"].as_str().unwrap().to_string();
    let carrier = shipment["carrier"].as_str().unwrap().to_string();
    assert!(!tracking_code.is_empty());

    // The label is a PDF in S3, reachable through the presigned URL.
    let label_url = shipment["label_url"].as_str().unwrap();
    let label = t.http.get(label_url).send().await.unwrap();
    assert_eq!(label.status(), 200, "label at {label_url}");
    assert!(label.bytes().await.unwrap().starts_with(b"%PDF-"));

    // The carrier reports progress, then delivery.
    let in_transit = tracker_event(&tracking_code, &carrier, "in_transit", &later(60));
    assert_eq!(t.easypost(&in_transit).await.status(), 200);
    let order = t.order(&id).await;
    assert_eq!(order["shipments"][0]["tracking_status"], "in_transit");
    assert_eq!(order["status"], "shipped");

    let delivered = tracker_event(&tracking_code, &carrier, "delivered", &later(120));
    assert_eq!(t.easypost(&delivered).await.status(), 200);
    let order = t.order(&id).await;
    assert_eq!(order["status"], "closed");
    assert_eq!(order["fulfillment_status"], "delivered");
    assert_eq!(order["shipments"][0]["tracking_status"], "delivered");

    // A late in-transit scan never moves a delivered parcel back.
    assert_eq!(t.easypost(&in_transit).await.status(), 200);
    assert_eq!(
        t.order(&id).await["shipments"][0]["tracking_status"],
        "delivered"
    );

    // Three emails, each once, each naming the order.
    let emails = eventually(|| async {
        let emails = emails_to(&email).await;
        (emails.len() >= 3).then_some(emails)
    })
    .await
    .expect("confirmation, shipped and delivered emails");
    let subjects: Vec<&str> = emails
        .iter()
        .map(|e| e["subject"].as_str().unwrap())
        .collect();
    assert!(subjects.contains(&"Order #2093 confirmed"), "{subjects:?}");
    assert!(
        subjects.contains(&"Your order #2093 has shipped"),
        "{subjects:?}"
    );
    assert!(
        subjects.contains(&"Your order #2093 was delivered"),
        "{subjects:?}"
    );
    let shipped = emails
        .iter()
        .find(|e| e["subject"] == "Your order #2093 has shipped")
        .unwrap();
    assert!(shipped["body"].as_str().unwrap().contains(&tracking_code));
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(emails_to(&email).await.len(), 3, "no email twice");

    // The developer's outbox shows them, rendered.
    let outbox = t.http.get(t.url("/_local/outbox")).send().await.unwrap();
    assert_eq!(outbox.status(), 200);
    let outbox = outbox.text().await.unwrap();
    assert!(outbox.contains(&email) && outbox.contains("Your order #2093 was delivered"));

    // Every step is on the timeline.
    let order = t
        .order_until(&id, "all emails noted", |o| {
            o["timeline"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["type"] == "email_sent")
                .count()
                == 3
        })
        .await;
    let kinds: Vec<&str> = order["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    for step in [
        "order_created",
        "payment_verified",
        "label_requested",
        "label_purchased",
        "tracking_updated",
    ] {
        assert!(kinds.contains(&step), "{step} missing from {kinds:?}");
    }
}

#[tokio::test]
async fn the_same_shopify_order_delivered_many_times_is_one_order() {
    let t = start().await;
    let email = format!("{}@example.com", unique("dup"));
    let channel_id = unique("71205544332211");
    let body = serde_json::to_vec(&shopify_order(&channel_id, &email)).unwrap();

    // Concurrent duplicates, each with its own webhook id, as Shopify retries do.
    let deliveries = deliver_concurrently(&t, &body, 4).await;
    let mut ids: Vec<String> = Vec::new();
    let mut created = 0;
    for answer in deliveries {
        if answer["status"] == "created" {
            created += 1;
        }
        ids.push(answer["order_id"].as_str().unwrap().to_string());
    }
    assert_eq!(created, 1, "exactly one delivery creates the order");
    ids.dedup();
    assert_eq!(ids.len(), 1, "every delivery names the same order");

    let (status, list) = t
        .admin_get(&format!(
            "/orders?channel=shopify&channel_order_id={channel_id}"
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(list["orders"].as_array().unwrap().len(), 1);
    assert_eq!(list["orders"][0]["id"], ids[0].as_str());

    // Hours later, the same again: still one order, still 200.
    let late = t.shopify("orders/create", &body).await;
    assert_eq!(late.status(), 200);
    let (_, all) = t.admin_get("/orders").await;
    assert_eq!(all["orders"].as_array().unwrap().len(), 1);

    // And one confirmation email.
    t.order_until(&ids[0], "shipped", |o| o["status"] == "shipped")
        .await;
    let confirmations = emails_to(&email)
        .await
        .into_iter()
        .filter(|e| e["subject"] == "Order #2093 confirmed")
        .count();
    assert_eq!(confirmations, 1);
}

async fn deliver_concurrently(t: &oms_tests::TestOms, body: &[u8], n: usize) -> Vec<Value> {
    futures::future::join_all((0..n).map(|_| async {
        let response = t.shopify("orders/create", body).await;
        assert_eq!(response.status(), 200);
        response.json::<Value>().await.unwrap()
    }))
    .await
}

#[tokio::test]
async fn hostile_or_broken_webhooks_are_refused_and_write_nothing() {
    let t = start().await;
    let body = serde_json::to_vec(&shopify_order(&unique("81"), "x@example.com")).unwrap();

    let forged_signatures = [
        ("no signature", None),
        ("wrong signature", Some("AAAA")),
        ("not base64", Some("%%%")),
        (
            "signature of another body",
            Some("q1MKE+RZFJgrefm34/uplM/R8/si9xzqGvvwK0YMbR0="),
        ),
    ];
    for (what, signature) in forged_signatures {
        let response = t.shopify_signed("orders/create", &body, signature).await;
        assert_eq!(response.status().as_u16(), 401, "{what}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "unauthorized", "{what}");
        assert!(error["error"]["message"].is_string(), "{what}");
    }
    let signed_but_broken: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        (
            "malformed JSON",
            b"{\"id\":".to_vec(),
            400,
            "malformed_json",
        ),
        (
            "no line items",
            {
                let mut o = shopify_order(&unique("82"), "x@example.com");
                o["line_items"] = serde_json::json!([]);
                serde_json::to_vec(&o).unwrap()
            },
            422,
            "no_line_items",
        ),
        (
            "negative quantity",
            {
                let mut o = shopify_order(&unique("83"), "x@example.com");
                o["line_items"][0]["quantity"] = serde_json::json!(-2);
                serde_json::to_vec(&o).unwrap()
            },
            422,
            "invalid_quantity",
        ),
        (
            "too large",
            vec![b' '; 300 * 1024],
            413,
            "payload_too_large",
        ),
    ];
    for (what, payload, status, code) in signed_but_broken {
        let response = t.shopify("orders/create", &payload).await;
        assert_eq!(response.status().as_u16(), status, "{what}");
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], code, "{what}");
    }
    let (_, all) = t.admin_get("/orders").await;
    assert_eq!(all["orders"], serde_json::json!([]), "nothing was written");

    // Carrier webhooks: wrong signature refused, unknown parcel acknowledged.
    let event = tracker_event("EZ999999999999999999", "USPS", "in_transit", &later(1));
    let forged = t
        .http
        .post(t.url("/webhooks/carriers/easypost"))
        .header("x-hmac-signature", "hmac-sha256-hex=00")
        .body(serde_json::to_vec(&event).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    let unknown = t.easypost(&event).await;
    assert_eq!(unknown.status(), 200);
    assert_eq!(
        unknown.json::<Value>().await.unwrap()["status"],
        "unknown_tracking_code"
    );
}

#[tokio::test]
async fn the_admin_api_needs_its_token_and_checks_its_input() {
    let t = start().await;
    for path in ["/orders", "/orders/ord_0000000000000000000000000a"] {
        let anonymous = t.http.get(t.url(path)).send().await.unwrap();
        assert_eq!(anonymous.status(), 401, "{path}");
        let wrong = t
            .http
            .get(t.url(path))
            .bearer_auth("guess")
            .send()
            .await
            .unwrap();
        assert_eq!(wrong.status(), 401, "{path}");
        assert_eq!(
            wrong.json::<Value>().await.unwrap()["error"]["code"],
            "unauthorized"
        );
    }
    let cases = [
        ("/orders/ord_0000000000000000000000000a", 404, "not_found"),
        ("/orders/not-an-id", 404, "not_found"),
        ("/orders?status=lost", 400, "invalid_status"),
        ("/orders?limit=0", 400, "invalid_limit"),
        ("/orders?limit=abc", 400, "invalid_limit"),
        ("/orders?cursor=bm9wZQ", 400, "invalid_cursor"),
        ("/orders?channel_order_id=1", 400, "invalid_query"),
        ("/orders?stauts=open", 400, "invalid_query"),
        ("/orders?status=open&status=closed", 400, "invalid_query"),
        ("/orders?status=open,lost", 400, "invalid_status"),
        ("/orders?payment_status=free", 400, "invalid_query"),
        ("/orders?fulfillment_status=lost", 400, "invalid_query"),
        ("/orders?hold=yes", 400, "invalid_query"),
        ("/orders?created_from=yesterday", 400, "invalid_query"),
        (
            "/orders?created_from=2026-12-02T00:00:00Z&created_to=2026-12-01T00:00:00Z",
            400,
            "invalid_query",
        ),
        (
            "/orders?channel=ebay&channel_order_id=1",
            400,
            "invalid_channel",
        ),
    ];
    for (path, status, code) in cases {
        let (got, body) = t.admin_get(path).await;
        assert_eq!(got, status, "{path}: {body}");
        assert_eq!(body["error"]["code"], code, "{path}");
    }
    let missing_route = t.http.get(t.url("/nowhere")).send().await.unwrap();
    assert_eq!(missing_route.status(), 404);
}

#[tokio::test]
async fn orders_list_newest_first_by_status_with_cursors() {
    let t = start().await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let mut order = shopify_order(&unique("91"), &format!("{}@example.com", unique("list")));
        // Unpaid orders wait in `open`, so the listing is stable.
        order["financial_status"] = serde_json::json!("pending");
        order["name"] = serde_json::json!(format!("#L{n}"));
        ids.push(t.create_shopify_order(&order).await);
    }
    let (_, first) = t.admin_get("/orders?status=open&limit=2").await;
    let page: Vec<&str> = first["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(page, [ids[2].as_str(), ids[1].as_str()], "newest first");
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let (_, second) = t
        .admin_get(&format!("/orders?status=open&limit=2&cursor={cursor}"))
        .await;
    let page: Vec<&str> = second["orders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap())
        .collect();
    assert_eq!(page, [ids[0].as_str()]);
    assert_eq!(second["next_cursor"], Value::Null, "the last page says so");
    let (_, shipped) = t.admin_get("/orders?status=shipped").await;
    assert_eq!(shipped["orders"], serde_json::json!([]));

    // A cursor is signed and bound to its query: altered, or used for another query, it is
    // refused; with another page size it goes on.
    let (position, tag) = cursor.split_once('.').expect("position.tag");
    let mut altered = position.as_bytes().to_vec();
    altered[3] = if altered[3] == b'A' { b'B' } else { b'A' };
    let altered = format!("{}.{tag}", String::from_utf8(altered).unwrap());
    for path in [
        format!("/orders?status=open&limit=2&cursor={altered}"),
        format!("/orders?status=open&limit=2&cursor={position}"),
        format!("/orders?status=shipped&limit=2&cursor={cursor}"),
        format!("/orders?limit=2&cursor={cursor}"),
        format!("/orders?status=open&hold=true&cursor={cursor}"),
    ] {
        let (status, body) = t.admin_get(&path).await;
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["error"]["code"], "invalid_cursor", "{path}");
    }
    let (status, bigger) = t
        .admin_get(&format!("/orders?status=open&limit=5&cursor={cursor}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(bigger["orders"][0]["id"], ids[0].as_str());
}

/// Customer service finds an order by whatever the customer quotes: its name, the channel's
/// order number, the tracking code on the parcel, or the email address, and narrows the list
/// by what they see in it.
#[tokio::test]
async fn customer_service_finds_an_order_by_what_the_customer_quotes() {
    let t = start().await;
    let email = format!("{}@example.com", unique("quote"));
    let shipped = t.shipped_order(&email).await;
    let id = shipped["id"].as_str().unwrap();
    let tracking_code = shipped["shipments"][0]["tracking_code"].as_str().unwrap();
    let name = shipped["name"].as_str().unwrap();
    let channel_order_id = shipped["channel_order_id"].as_str().unwrap();
    let sku = shipped["lines"][0]["sku"].as_str().unwrap();
    let mut other = shopify_order(&unique("92"), &format!("{}@example.com", unique("other")));
    other["financial_status"] = serde_json::json!("pending");
    other["name"] = serde_json::json!("#2094");
    let other_id = t.create_shopify_order(&other).await;
    let found = |path: String| {
        let t = &t;
        async move {
            let (status, body) = t.admin_get(&path).await;
            assert_eq!(status, 200, "{path}: {body}");
            body["orders"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| o["id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    let encode = |s: &str| {
        s.replace('#', "%23")
            .replace('@', "%40")
            .replace('+', "%2B")
    };
    for text in [name, channel_order_id, tracking_code, &email.to_uppercase()] {
        assert_eq!(
            found(format!("/orders?q={}", encode(text))).await,
            [id],
            "q={text}"
        );
    }
    assert_eq!(
        found(format!("/orders?email={}", encode(&email))).await,
        [id]
    );
    assert_eq!(
        found(format!("/orders?sku={sku}&status=shipped")).await,
        [id]
    );
    assert_eq!(
        found("/orders?fulfillment_status=fulfilled&payment_status=paid".into()).await,
        [id]
    );
    assert_eq!(
        found("/orders?status=shipped,open".into()).await,
        [other_id.as_str(), id]
    );
    assert_eq!(
        found("/orders?channel=shopify&payment_status=pending".into()).await,
        [other_id.as_str()]
    );
    let created = shipped["created_at"].as_str().unwrap();
    assert_eq!(
        found(format!(
            "/orders?created_to={}&channel=shopify",
            encode(created)
        ))
        .await,
        [id],
        "created_to takes its own instant"
    );
    assert_eq!(
        found(format!(
            "/orders?created_from={}&q={}",
            encode(created),
            encode(tracking_code)
        ))
        .await,
        [id]
    );
    assert!(found("/orders?hold=true".into()).await.is_empty());
    assert!(found("/orders?attention=true".into()).await.is_empty());
    assert!(found("/orders?q=nothing-like-it".into()).await.is_empty());
}

/// A weight a signed order may claim (4,294,967,295 g a unit, 10,000 units, for 100.00) or a label
/// dearer than the order itself is not bought automatically: the order is held and staff alerted;
/// a person's release buys it anyway.
#[tokio::test]
async fn implausible_parcels_wait_for_a_person() {
    let t = start().await;
    let held = |order: &Value| {
        order["hold"]["reasons"]
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r == "implausible_shipment"))
    };

    let (anvil, mug) = (unique("ANVIL"), unique("MUG"));
    t.stock(&anvil, "main", 10_000).await;
    t.stock(&mug, "main", 5).await;
    let mut heavy = oms_tests::order_of(
        &unique("HEAVY"),
        &format!("{}@example.com", unique("h")),
        &[],
    );
    heavy["lines"] = serde_json::json!([{"sku": anvil, "title": "Anvil", "quantity": 10000, "unit_price": "0.01", "grams": 4294967295u64}]);
    heavy["totals"] = serde_json::json!({"shipping": "0.00", "tax": "0.00", "discounts": "0.00", "total": "100.00"});
    let answer: Value = t
        .marketplace(&serde_json::to_vec(&heavy).unwrap())
        .await
        .json()
        .await
        .unwrap();
    let heavy_id = answer["order_id"].as_str().unwrap().to_string();
    let order = t.order_until(&heavy_id, "held", held).await;
    assert!(
        order["shipments"].as_array().unwrap().is_empty(),
        "nothing bought"
    );
    let message = order["hold"]["messages"][0].as_str().unwrap();
    assert!(message.contains("kg"), "{message}");
    eventually(|| async {
        emails_to("ops@example.com")
            .await
            .into_iter()
            .find(|e| e["body"].as_str().is_some_and(|b| b.contains(&heavy_id)))
    })
    .await
    .expect("staff are alerted");

    // Express for a 10.00 order: the label (26.35 USD) costs more than the whole order.
    let mut dear = oms_tests::order_of(
        &unique("DEAR"),
        &format!("{}@example.com", unique("d")),
        &[(mug.as_str(), 1)],
    );
    dear["shipping_method"] = serde_json::json!("Express");
    let answer: Value = t
        .marketplace(&serde_json::to_vec(&dear).unwrap())
        .await
        .json()
        .await
        .unwrap();
    let dear_id = answer["order_id"].as_str().unwrap().to_string();
    let order = t.order_until(&dear_id, "held", held).await;
    let message = order["hold"]["messages"][0].as_str().unwrap();
    assert!(
        message.contains("26.35 USD") && message.contains("10.00 USD"),
        "{message}"
    );

    // A person looked and lets it go: bought at that price.
    let (status, body) = t
        .admin_post(
            &format!("/orders/{dear_id}/hold/release"),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let shipped = t
        .order_until(&dear_id, "shipped after release", |o| {
            o["status"] == "shipped"
        })
        .await;
    assert_eq!(shipped["shipments"][0]["rate"], "26.35");
}

/// The whole OMS in the in-memory world: an order pushed over HTTP is stored, verified, shipped
/// and confirmed to its customer, whose email the local outbox shows, with no emulator at all.
#[tokio::test]
async fn the_in_memory_world_takes_an_order_to_its_customers_inbox() {
    let t = oms_tests::start_in_memory().await;
    let email = format!("{}@example.com", unique("mem"));
    let order = oms_tests::order_of(&unique("m"), &email, &[("UNTRACKED-MUG", 1)]);
    let response = t.marketplace(&serde_json::to_vec(&order).unwrap()).await;
    assert_eq!(response.status(), 200);
    let created: Value = response.json().await.unwrap();
    let id = created["order_id"].as_str().unwrap().to_string();
    let shipped = eventually(|| async {
        let (_, order) = t.admin_get(&format!("/orders/{id}")).await;
        (order["status"] == "shipped").then_some(order)
    })
    .await;
    assert!(shipped.is_some(), "the order ships in memory");
    let outbox = eventually(|| async {
        let page = t
            .http
            .get(t.url("/_local/outbox"))
            .send()
            .await
            .ok()?
            .text()
            .await
            .ok()?;
        page.contains(&email).then_some(page)
    })
    .await;
    assert!(outbox.is_some(), "the confirmation is in the outbox");
}
