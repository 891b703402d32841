//! Stock per location through the admin API, and what it does to orders: reserved when payment is
//! verified, split across locations when no single one has everything, deducted when the label is
//! bought, back to reserved when a label is voided, and a supplier asked to restock once per
//! crossing of the reorder point.

use oms_tests::{emails_to, eventually, start, start_in_memory, tracker_event, unique, TestOms};
use serde_json::{json, Value};

fn later(minutes: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::minutes(minutes)).to_rfc3339()
}

fn at<'a>(sku: &'a Value, location: &str) -> &'a Value {
    sku["locations"]
        .as_array()
        .and_then(|levels| levels.iter().find(|l| l["location"] == location))
        .unwrap_or(&Value::Null)
}

async fn sku(t: &TestOms, sku: &str) -> Value {
    let (status, body) = t.admin_get(&format!("/inventory/{sku}")).await;
    assert_eq!(status, 200, "GET /inventory/{sku}: {body}");
    body
}

async fn east_location(t: &TestOms, priority: i32) {
    let (status, body) = t
        .admin_put(
            "/locations/east",
            &json!({"name": "East DC", "priority": priority, "address": {
                "name": "East DC", "line1": "9 Harbor Way", "city": "Newark",
                "region": "NJ", "postal_code": "07102", "country": "US"}}),
        )
        .await;
    assert_eq!(status, 200, "PUT /locations/east: {body}");
}

#[tokio::test]
async fn stock_is_counted_adjusted_imported_and_shown_per_location() {
    let t = start().await;
    east_location(&t, 5).await;
    let (status, locations) = t.admin_get("/locations").await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = locations["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["east", "main"], "highest priority first");

    let untracked = sku(&t, "MUG").await;
    assert_eq!(untracked["tracked"], false);

    t.stock("MUG", "main", 5).await;
    let (status, adjusted) = t
        .admin_post(
            "/inventory/MUG/adjust",
            &json!({"location": "main", "delta": 3, "reason": "PO-1042 received"}),
        )
        .await;
    assert_eq!(status, 200, "{adjusted}");
    assert_eq!(adjusted["tracked"], true);
    assert_eq!(at(&adjusted, "main")["on_hand"], 8);
    assert_eq!(at(&adjusted, "main")["available"], 8);
    let kinds: Vec<&str> = adjusted["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["adjust", "set"], "newest first");
    assert_eq!(adjusted["timeline"][0]["reason"], "PO-1042 received");

    // Removing more than there is, or stock at a place that does not exist, changes nothing.
    let (status, refused) = t
        .admin_post(
            "/inventory/MUG/adjust",
            &json!({"location": "main", "delta": -9, "reason": "damaged"}),
        )
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("below_reserved"))
    );
    let (status, refused) = t
        .admin_put("/inventory/MUG", &json!({"location": "west", "on_hand": 1}))
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (422, Some("unknown_location"))
    );
    for (body, code) in [
        (json!({"location": "main", "on_hand": -1}), "invalid_stock"),
        (json!({"location": "main"}), "invalid_stock"),
        (
            json!({"location": "main", "delta": 0, "reason": "x"}),
            "invalid_body",
        ),
    ] {
        let (status, refused) = t.admin_put("/inventory/MUG", &body).await;
        assert_eq!(refused["error"]["code"], code, "{body}: {status} {refused}");
    }
    assert_eq!(at(&sku(&t, "MUG").await, "main")["on_hand"], 8);

    // A file with one bad row applies nothing; a good one sets every row.
    let csv = |text: &str| {
        t.http
            .post(t.url("/inventory/import"))
            .bearer_auth(t.secret("OMS_ADMIN_TOKEN"))
            .header("content-type", "text/csv")
            .body(text.to_string())
            .send()
    };
    let bad = csv("sku,location,on_hand\nMUG,east,4\nBOWL,east,lots\n")
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let error: Value = bad.json().await.unwrap();
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("line 3"),
        "{error}"
    );
    let unknown = csv("MUG,west,4\n").await.unwrap();
    assert_eq!(unknown.status(), 422);
    assert_eq!(at(&sku(&t, "MUG").await, "east"), &Value::Null);

    let good = csv("sku,location,on_hand\r\nMUG,east,4\r\nBOWL,east,2\r\n")
        .await
        .unwrap();
    assert_eq!(good.status(), 200);
    let summary: Value = good.json().await.unwrap();
    assert_eq!(
        (summary["imported"].as_u64(), summary["skus"].as_u64()),
        (Some(2), Some(2))
    );
    let mug = sku(&t, "MUG").await;
    assert_eq!(
        (mug["on_hand"].as_i64(), mug["available"].as_i64()),
        (Some(12), Some(12))
    );
    assert_eq!(at(&mug, "east")["on_hand"], 4);
    assert_eq!(mug["timeline"][0]["kind"], "import");
}

#[tokio::test]
async fn an_order_no_single_location_can_ship_goes_out_in_two_parcels() {
    let t = start().await;
    east_location(&t, 5).await;
    t.stock("TEAPOT", "main", 3).await;
    t.stock("CUPS", "east", 3).await;
    let email = format!("{}@example.com", unique("split"));
    let id = t.paid_order_of(&email, &[("TEAPOT", 1), ("CUPS", 2)]).await;

    let order = t
        .order_until(&id, "shipped in two parcels", |o| o["status"] == "shipped")
        .await;
    assert_eq!(order["fulfillment_status"], "fulfilled");
    let shipments = order["shipments"].as_array().unwrap();
    assert_eq!(shipments.len(), 2, "{order:#}");
    let from = |location: &str| {
        shipments
            .iter()
            .find(|s| s["location"] == location)
            .unwrap_or_else(|| panic!("a parcel from {location}: {order:#}"))
    };
    assert_eq!(
        from("east")["lines"],
        json!([{"sku": "CUPS", "quantity": 2}])
    );
    assert_eq!(
        from("main")["lines"],
        json!([{"sku": "TEAPOT", "quantity": 1}])
    );
    assert_ne!(from("east")["tracking_code"], from("main")["tracking_code"]);

    // Handing the parcels over deducted their units; nothing stays reserved.
    let teapot = sku(&t, "TEAPOT").await;
    assert_eq!(
        (
            at(&teapot, "main")["on_hand"].as_i64(),
            at(&teapot, "main")["reserved"].as_i64()
        ),
        (Some(2), Some(0))
    );
    let cups = sku(&t, "CUPS").await;
    assert_eq!(
        (
            at(&cups, "east")["on_hand"].as_i64(),
            at(&cups, "east")["reserved"].as_i64()
        ),
        (Some(1), Some(0))
    );

    // The first parcel's email says what is still to come.
    let first_code = shipments[0]["tracking_code"].as_str().unwrap().to_string();
    let shipped_email = eventually(|| async {
        emails_to(&email)
            .await
            .into_iter()
            .find(|m| m["body"].as_str().is_some_and(|b| b.contains(&first_code)))
    })
    .await
    .expect("a shipped email for the first parcel");
    assert!(
        shipped_email["body"]
            .as_str()
            .unwrap()
            .contains("Still to come in a separate parcel"),
        "{shipped_email:#}"
    );

    for (i, shipment) in shipments.iter().enumerate() {
        let code = shipment["tracking_code"].as_str().unwrap();
        let carrier = shipment["carrier"].as_str().unwrap();
        let delivered = tracker_event(code, carrier, "delivered", &later(60));
        assert_eq!(t.easypost(&delivered).await.status(), 200);
        let order = t.order(&id).await;
        let expected = if i == 0 {
            ("partially_closed", "partially_delivered")
        } else {
            ("closed", "delivered")
        };
        assert_eq!(
            (
                order["status"].as_str().unwrap(),
                order["fulfillment_status"].as_str().unwrap()
            ),
            expected
        );
    }
}

#[tokio::test]
async fn a_label_is_voided_before_the_first_scan_and_not_after() {
    let t = start().await;
    t.stock("LAMP", "main", 2).await;
    let id = t
        .paid_order_of(&format!("{}@example.com", unique("void")), &[("LAMP", 1)])
        .await;
    let order = t
        .order_until(&id, "shipped", |o| o["status"] == "shipped")
        .await;
    let first = order["shipments"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(at(&sku(&t, "LAMP").await, "main")["on_hand"], 1);

    let path = format!("/orders/{id}/shipments/{first}");
    let (status, voided) = t.admin_delete(&path).await;
    assert_eq!(status, 200, "{voided}");
    assert_eq!(voided["status"], "ready_to_ship");
    assert_eq!(voided["shipments"][0]["tracking_status"], "cancelled");
    assert_eq!(voided["hold"]["reasons"], json!(["shipment_voided"]));
    let lamp = sku(&t, "LAMP").await;
    assert_eq!(
        (
            at(&lamp, "main")["on_hand"].as_i64(),
            at(&lamp, "main")["reserved"].as_i64()
        ),
        (Some(2), Some(1)),
        "the voided parcel's unit is reserved again"
    );
    let (status, _) = t.admin_delete(&path).await;
    assert_eq!(status, 200, "voiding again answers the same");

    // Releasing the hold buys a new label.
    let (status, _) = t
        .admin_post(&format!("/orders/{id}/hold/release"), &json!({}))
        .await;
    assert_eq!(status, 200);
    let order = t
        .order_until(&id, "shipped again", |o| {
            o["status"] == "shipped" && o["shipments"].as_array().is_some_and(|s| s.len() == 2)
        })
        .await;
    let second = &order["shipments"][1];
    assert_eq!(at(&sku(&t, "LAMP").await, "main")["on_hand"], 1);

    // Once the carrier has scanned the parcel it can no longer be voided.
    let scan = tracker_event(
        second["tracking_code"].as_str().unwrap(),
        second["carrier"].as_str().unwrap(),
        "in_transit",
        &later(30),
    );
    assert_eq!(t.easypost(&scan).await.status(), 200);
    let (status, refused) = t
        .admin_delete(&format!(
            "/orders/{id}/shipments/{}",
            second["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (409, Some("conflict")),
        "{refused}"
    );
    let (status, _) = t
        .admin_delete(&format!("/orders/{id}/shipments/shp_nope"))
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn the_supplier_is_asked_to_restock_once_per_crossing_of_the_reorder_point() {
    let t = start().await;
    let candle = unique("CANDLE");
    let supplier = format!("{}@supplier.example", unique("restock"));
    let (status, body) = t
        .admin_put(
            &format!("/inventory/{candle}"),
            &json!({"location": "main", "on_hand": 5, "reorder_point": 3, "supplier_email": supplier}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["reorder_point"], 3);

    let customer = format!("{}@example.com", unique("candles"));
    let first = t.paid_order_of(&customer, &[(candle.as_str(), 3)]).await;
    t.order_until(&first, "shipped", |o| o["status"] == "shipped")
        .await;
    let second = t.paid_order_of(&customer, &[(candle.as_str(), 1)]).await;
    t.order_until(&second, "shipped", |o| o["status"] == "shipped")
        .await;

    let requests = eventually(|| async {
        let emails = emails_to(&supplier).await;
        (!emails.is_empty()).then_some(emails)
    })
    .await
    .expect("the supplier hears about it");
    assert_eq!(requests.len(), 1, "once per crossing, not per order");
    let text = requests[0]["body"].as_str().unwrap();
    assert!(
        text.contains(&candle) && text.contains("reorder point of 3"),
        "{text}"
    );
    let stock = sku(&t, &candle).await;
    assert!(stock["below_reorder_point_since"].is_string(), "{stock}");
    let low = eventually(|| async {
        let (_, low) = t.admin_get("/reports/low-stock").await;
        let skus = low["skus"].as_array()?.clone();
        (!skus.is_empty()).then_some(skus)
    })
    .await
    .expect("the low-stock list names it");
    assert_eq!(low.len(), 1);
    assert_eq!(low[0]["sku"], candle.as_str());
    assert_eq!(low[0]["reorder_point"], 3);
    assert_eq!(low[0]["available"], stock["available"]);
    let ops = emails_to(&t.secret("OPS_EMAIL")).await;
    assert!(
        ops.iter().any(|m| m["subject"]
            .as_str()
            .is_some_and(|s| s.starts_with(&format!("[Low stock] {candle}")))),
        "staff hear about it too"
    );

    // Back above the point, then below again: a second request.
    let (status, _) = t
        .admin_post(
            &format!("/inventory/{candle}/adjust"),
            &json!({"location": "main", "delta": 10, "reason": "delivery"}),
        )
        .await;
    assert_eq!(status, 200);
    assert!(sku(&t, &candle).await["below_reorder_point_since"].is_null());
    let (_, low) = t.admin_get("/reports/low-stock").await;
    assert_eq!(low["skus"], json!([]), "back above the point, off the list");
    let third = t.paid_order_of(&customer, &[(candle.as_str(), 10)]).await;
    t.order_until(&third, "shipped", |o| o["status"] == "shipped")
        .await;
    let requests = eventually(|| async {
        let emails = emails_to(&supplier).await;
        (emails.len() >= 2).then_some(emails)
    })
    .await
    .expect("a second crossing, a second request");
    assert_eq!(requests.len(), 2);
}

/// method, path, content type, body, with the bearer token, expected status, expected error code
type Refusal = (
    &'static str,
    String,
    &'static str,
    Vec<u8>,
    bool,
    u16,
    &'static str,
);

/// Every stock and location endpoint answers broken or hostile input with the documented 4xx
/// and its error code, and writes nothing.
#[tokio::test]
async fn stock_endpoints_refuse_hostile_input_and_write_nothing() {
    let t = start().await;
    let token = t.secret("OMS_ADMIN_TOKEN");
    let address = json!({"name": "DC", "line1": "1 Way", "city": "Newark", "country": "US"});
    let long_sku = "S".repeat(129);
    let huge = format!(
        "{{\"location\":\"main\",\"on_hand\":1,\"pad\":\"{}\"}}",
        "x".repeat(300_000)
    );
    let cases: Vec<Refusal> = vec![
        ("PUT", "/inventory/MUG".into(), "application/json", br#"{"location":"main","on_hand":1}"#.to_vec(), false, 401, "unauthorized"),
        ("PUT", "/inventory/MUG".into(), "application/json", b"{not json".to_vec(), true, 400, "invalid_body"),
        ("PUT", "/inventory/MUG".into(), "application/json", br#"{"location":"main","on_hand":"5"}"#.to_vec(), true, 400, "invalid_body"),
        ("PUT", "/inventory/MUG".into(), "application/json", br#"{"location":"main","on_hand":1.5}"#.to_vec(), true, 400, "invalid_body"),
        ("PUT", "/inventory/MUG".into(), "application/json", br#"{"location":"main","on_hand":1000000001}"#.to_vec(), true, 422, "invalid_stock"),
        ("PUT", "/inventory/MUG".into(), "application/json", br#"{"location":"main","on_hand":1,"extra":true}"#.to_vec(), true, 400, "invalid_body"),
        ("PUT", "/inventory/MUG".into(), "application/json", br#"{"location":"../etc","on_hand":1}"#.to_vec(), true, 422, "unknown_location"),
        ("PUT", "/inventory/MUG".into(), "application/json", br#"{"reorder_point":2,"supplier_email":"not an email"}"#.to_vec(), true, 422, "invalid_email"),
        ("PUT", "/inventory/MUG".into(), "text/plain", br#"{"location":"main","on_hand":1}"#.to_vec(), true, 415, "unsupported_media_type"),
        ("PUT", "/inventory/MUG".into(), "application/json", huge.into_bytes(), true, 413, "payload_too_large"),
        ("PUT", format!("/inventory/{long_sku}"), "application/json", br#"{"location":"main","on_hand":1}"#.to_vec(), true, 404, "not_found"),
        ("PUT", "/inventory/MUG%0A".into(), "application/json", br#"{"location":"main","on_hand":1}"#.to_vec(), true, 404, "not_found"),
        ("POST", "/inventory/MUG/adjust".into(), "application/json", br#"{"location":"main","delta":5}"#.to_vec(), true, 400, "invalid_body"),
        ("POST", "/inventory/MUG/adjust".into(), "application/json", br#"{"location":"main","delta":0,"reason":"x"}"#.to_vec(), true, 422, "invalid_delta"),
        ("POST", "/inventory/MUG/adjust".into(), "application/json", br#"{"location":"main","delta":9223372036854775807,"reason":"x"}"#.to_vec(), true, 422, "invalid_delta"),
        ("POST", "/inventory/MUG/adjust".into(), "application/json", br#"{"location":"main","delta":-9223372036854775808,"reason":"x"}"#.to_vec(), true, 422, "invalid_delta"),
        ("POST", "/inventory/MUG/adjust".into(), "application/json", br#"{"location":"main","delta":-1000000001,"reason":"x"}"#.to_vec(), true, 422, "invalid_delta"),
        ("POST", "/inventory/MUG/adjust".into(), "application/json", br#"{"location":"main","delta":99999999999999999999,"reason":"x"}"#.to_vec(), true, 400, "invalid_body"),
        ("POST", "/inventory/MUG/adjust".into(), "application/jsonx", br#"{"location":"main","delta":3,"reason":"x"}"#.to_vec(), true, 415, "unsupported_media_type"),
        ("POST", "/inventory/MUG/adjust".into(), "application/json", br#"{"location":"main","delta":3,"reason":"   "}"#.to_vec(), true, 422, "reason_required"),
        ("POST", "/inventory/MUG/adjust".into(), "application/json", br#"{"location":"main","delta":-1,"reason":"lost"}"#.to_vec(), true, 409, "below_reserved"),
        ("POST", "/inventory/import".into(), "application/json", b"MUG,main,1".to_vec(), true, 415, "unsupported_media_type"),
        ("POST", "/inventory/import".into(), "text/csvx", b"MUG,main,1".to_vec(), true, 415, "unsupported_media_type"),
        ("POST", "/inventory/import".into(), "text/csv", b"".to_vec(), true, 422, "invalid_csv"),
        ("POST", "/inventory/import".into(), "text/csv", b"MUG,main,1\nMUG,main,2\n".to_vec(), true, 422, "invalid_csv"),
        ("POST", "/inventory/import".into(), "text/csv", b"MUG,main,-1\n".to_vec(), true, 422, "invalid_csv"),
        ("POST", "/inventory/import".into(), "text/csv", b"\"MUG,main,1\n".to_vec(), true, 422, "invalid_csv"),
        ("POST", "/inventory/import".into(), "text/csv", vec![0xff, 0xfe, b',', b'm'], true, 400, "invalid_body"),
        ("PUT", "/locations/bad%20id".into(), "application/json", serde_json::to_vec(&json!({"name": "X", "address": address})).unwrap(), true, 422, "invalid_location"),
        ("PUT", "/locations/east".into(), "application/json", serde_json::to_vec(&json!({"name": "X", "address": {"name": "DC", "line1": "1 Way", "city": "Newark", "country": "usa"}})).unwrap(), true, 422, "invalid_location"),
        ("PUT", "/locations/east".into(), "application/json", serde_json::to_vec(&json!({"name": "X\r\nBcc: a@b.c", "address": address})).unwrap(), true, 422, "invalid_location"),
        ("PUT", "/locations/east".into(), "application/json", serde_json::to_vec(&json!({"name": "X", "address": address, "priority": 1e10})).unwrap(), true, 400, "invalid_body"),
        ("PUT", "/locations/east".into(), "application/json", br#"{"name":"X"}"#.to_vec(), true, 400, "invalid_body"),
        ("PUT", "/locations/east".into(), "application/json", serde_json::to_vec(&json!({"name": "X", "address": {"name": "DC", "line1": "1 Way", "line2": "Dock 4\r\nBcc: a@b.c", "city": "Newark", "country": "US"}})).unwrap(), true, 422, "invalid_location"),
        ("PUT", "/locations/east".into(), "application/json", serde_json::to_vec(&json!({"name": "X", "address": {"name": "DC", "line1": "1 Way", "city": "Newark", "country": "US", "phone": "5".repeat(5000)}})).unwrap(), true, 422, "invalid_location"),
        ("PUT", "/locations/east".into(), "application/json", serde_json::to_vec(&json!({"name": "X", "address": {"name": "DC", "line1": "1 Way", "city": "Newark", "region": "N\u{202E}J", "country": "US"}})).unwrap(), true, 422, "invalid_location"),
        ("PUT", "/locations/east".into(), "application/json", serde_json::to_vec(&json!({"name": "East\u{2028}DC", "address": address})).unwrap(), true, 422, "invalid_location"),
        ("GET", "/carts?state=everything".into(), "application/json", Vec::new(), true, 400, "invalid_state"),
        ("POST", "/orders/ord_0000000000000000000000000a/hold/reject".into(), "text/plain", br#"{"reason":"fraud"}"#.to_vec(), true, 415, "unsupported_media_type"),
        ("POST", "/orders/ord_0000000000000000000000000a/hold/release".into(), "text/plain", br#"{}"#.to_vec(), true, 415, "unsupported_media_type"),
        ("POST", "/customers/ana@example.com/preferences".into(), "text/plain", br#"{"non_essential_emails":false}"#.to_vec(), true, 415, "unsupported_media_type"),
    ];
    let mut failures = Vec::new();
    for (method, path, content_type, body, authorized, status, code) in cases {
        let mut request = t
            .http
            .request(method.parse().unwrap(), t.url(&path))
            .header("content-type", content_type)
            .body(body);
        if authorized {
            request = request.bearer_auth(&token);
        }
        let response = request.send().await.unwrap();
        let got = response.status().as_u16();
        let answer: Value = response.json().await.unwrap_or(Value::Null);
        let message_ok = answer["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty());
        if got != status || answer["error"]["code"] != code || !message_ok {
            failures.push(format!(
                "{method} {path}: expected {status} {code}, got {got} {answer}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(
        t.stored_keys().await,
        Vec::<String>::new(),
        "refused input wrote nothing"
    );
    let (_, locations) = t.admin_get("/locations").await;
    assert_eq!(
        locations["locations"].as_array().map(Vec::len),
        Some(1),
        "only main"
    );
}

/// More stock records than one DynamoDB transaction can hold (100 items: about 45 SKUs) are
/// reserved, released and deducted in steps, and still never twice: two orders race for the only
/// unit of each of 60 SKUs.
#[tokio::test]
async fn orders_too_big_for_one_transaction_still_never_share_a_unit() {
    let t = start().await;
    let skus = t.many_skus("BIG", 60, 1).await;

    let lines: Vec<(&str, u32)> = skus.iter().map(|sku| (sku.as_str(), 1)).collect();
    let email = format!("{}@example.com", unique("big"));
    let (first, second) = tokio::join!(
        t.paid_order_of(&email, &lines),
        t.paid_order_of(&email, &lines)
    );

    // Every unit goes to exactly one of them; the other waits for it.
    // Units waiting for stock, once payment verification has planned the order.
    let backordered = |order: &Value| {
        order["allocation"].as_object().map(|allocation| {
            allocation
                .get("backordered")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|l| l["quantity"].as_u64())
                .sum::<u64>()
        })
    };
    let settled = eventually(|| async {
        let (a, b) = (t.order(&first).await, t.order(&second).await);
        (backordered(&a)? + backordered(&b)? == 60).then_some((a, b))
    })
    .await;
    let Some(settled) = settled else {
        panic!(
            "both orders never reserved or backordered: {:#} {:#}",
            t.order(&first).await,
            t.order(&second).await
        )
    };
    for sku in &skus {
        let level = sku_level(&t, sku).await;
        assert_eq!(level.available, 0, "{sku} went to one order: {level:?}");
        assert_eq!(level.on_hand - level.reserved, 0, "{sku}: {level:?}");
    }

    // Whoever got everything ships it; otherwise cancelling one hands its units to the other.
    let (keep, cancel) = if backordered(&settled.0) == Some(0) {
        (&first, &second)
    } else {
        (&second, &first)
    };
    let (status, canceled) = t
        .admin_post(
            &format!("/orders/{cancel}/cancel"),
            &json!({"reason": "customer changed their mind"}),
        )
        .await;
    assert_eq!(status, 200, "{canceled}");
    let kept = t
        .order_until(keep, "all 60 units shipped", |o| o["status"] == "shipped")
        .await;
    let shipped: u64 = kept["shipments"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["lines"].as_array().unwrap())
        .map(|l| l["quantity"].as_u64().unwrap())
        .sum();
    assert_eq!(shipped, 60);
    for sku in &skus {
        let level = sku_level(&t, sku).await;
        assert_eq!(
            (level.on_hand, level.reserved, level.available),
            (0, 0, 0),
            "{sku} shipped once"
        );
    }
    let leftovers: Vec<String> = t
        .stored_keys()
        .await
        .into_iter()
        .filter(|key| key.starts_with("BACKORDER#"))
        .collect();
    assert_eq!(leftovers, Vec::<String>::new(), "no order waits any more");
    assert_eq!(t.unfinished_writes().await, 0);
    // Hundreds of timeline entries: leave the emulator light for the tests after this one.
    t.drop_table().await;
}

#[derive(Debug)]
struct Level {
    on_hand: i64,
    reserved: i64,
    available: i64,
}

async fn sku_level(t: &TestOms, name: &str) -> Level {
    let level = at(&sku(t, name).await, "main").clone();
    let number = |field: &str| level[field].as_i64().unwrap_or_default();
    Level {
        on_hand: number("on_hand"),
        reserved: number("reserved"),
        available: number("available"),
    }
}

/// A file too big to apply within a request (10,000 rows) is answered at once and applied in
/// parts after the answer, each row once, even when a part is delivered twice and both copies
/// run at the same time. In the in-memory world: this is a rule of the OMS, and the worlds'
/// contract suites hold memory to DynamoDB's and SQS's semantics (on moto it took two minutes).
#[tokio::test]
async fn a_ten_thousand_row_import_is_applied_after_the_answer_each_row_once() {
    let t = start_in_memory().await;
    east_location(&t, 0).await;
    let tag = unique("I");
    // 9,950 SKUs at main; the first 50 also at east, right after their main row, so one part
    // holds the same SKU at two locations.
    let csv: String = (0..9_950)
        .map(|i| {
            let mut rows = format!("{tag}-{i:05},main,{}\n", i % 50 + 1);
            if i < 50 {
                rows.push_str(&format!("{tag}-{i:05},east,3\n"));
            }
            rows
        })
        .collect();
    let asked = std::time::Instant::now();
    let response = t
        .http
        .post(t.url("/inventory/import"))
        .bearer_auth(t.secret("OMS_ADMIN_TOKEN"))
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    let answered_in = asked.elapsed();
    assert_eq!(response.status(), 202);
    let accepted: Value = response.json().await.unwrap();
    assert_eq!(
        (accepted["rows"].as_u64(), accepted["parts"].as_u64()),
        (Some(10_000), Some(100))
    );
    let id = accepted["import_id"].as_str().unwrap().to_string();
    assert_eq!(accepted["status_url"], format!("/inventory/imports/{id}"));

    // The first part delivered twice more, racing its own first delivery.
    let queue = &t.oms.resources.refs["PaymentQueue"];
    for _ in 0..2 {
        let body = json!({"import_id": id, "import_chunk": 0}).to_string();
        t.oms.aws.queues.send(queue, body, 0).await.unwrap();
    }

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(600);
    let done = loop {
        let (status, body) = t.admin_get(&format!("/inventory/imports/{id}")).await;
        assert_eq!(status, 200, "{body}");
        if body["status"] == "done" {
            break body;
        }
        assert!(std::time::Instant::now() < deadline, "never done: {body}");
        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    };
    eprintln!(
        "10,000-row import: answered in {answered_in:?}, applied in {:?}",
        asked.elapsed()
    );
    assert_eq!(done["applied"], 10_000, "{done}");
    assert_eq!(done["parts_done"], 100);
    assert_eq!(done["refused"], json!([]));

    for (i, at_east) in [(0usize, 3), (49, 3), (4_321, 0), (9_949, 0)] {
        let level = sku(&t, &format!("{tag}-{i:05}")).await;
        assert_eq!(level["on_hand"], i % 50 + 1 + at_east, "{level}");
        let imports = level["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "import")
            .count();
        assert_eq!(
            imports,
            1 + usize::from(at_east > 0),
            "each row once: {level}"
        );
    }
    let (status, _) = t
        .admin_get("/inventory/imports/imp_00000000000000000000000000000000")
        .await;
    assert_eq!(status, 404);
    t.drop_table().await;
}
