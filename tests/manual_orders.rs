//! Orders staff enter by hand (`POST /orders`): lines by SKU with the title, price and weight
//! from the catalog (`PUT /catalog/{sku}`) or given, shipping, discounts, the total added up,
//! and the payment pending, paid or received offline; then the way every order goes.

use oms_tests::{start, unique};
use serde_json::{json, Value};

fn walk_in(lines: Value, payment: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "currency": "USD",
        "payment_status": payment,
        "customer": {"email": format!("{}@example.com", unique("walkin")), "name": "Mara Lind"},
        "shipping_address": {"name": "Mara Lind", "line1": "12 Elm St", "city": "Columbus",
                             "region": "OH", "postal_code": "43004", "country": "US"},
        "shipping_method": "Courier",
        "lines": lines,
        "totals": {"shipping": "5.00", "discounts": "2.00"},
        "note": "Phoned in",
    }))
    .unwrap()
}

#[tokio::test]
async fn a_phone_order_by_sku_is_priced_from_the_catalog_and_ships() {
    let t = start().await;
    let mug = unique("MUG");
    let (status, entry) = t
        .admin_put(
            &format!("/catalog/{mug}"),
            &json!({"title": "Stoneware Mug", "unit_price": "12.00", "currency": "USD", "grams": 400}),
        )
        .await;
    assert_eq!(status, 200, "{entry}");
    let (status, read) = t.admin_get(&format!("/catalog/{mug}")).await;
    assert_eq!(
        (status, read["title"].as_str()),
        (200, Some("Stoneware Mug"))
    );
    assert_eq!(read["requires_shipping"], true);
    t.stock(&mug, "main", 5).await;

    let response = t
        .manual(
            &walk_in(
                json!([{"sku": mug, "quantity": 2},
                            {"sku": "WRAP", "title": "Gift wrap", "unit_price": "3.00",
                             "quantity": 1, "requires_shipping": false}]),
                "received_offline",
            ),
            None,
        )
        .await;
    assert_eq!(response.status(), 201);
    let order: Value = response.json().await.unwrap();
    let id = order["id"].as_str().unwrap().to_string();
    assert_eq!(order["lines"][0]["title"], "Stoneware Mug");
    assert_eq!(order["lines"][0]["unit_price"], "12.00");
    // 24.00 + 3.00 + 5.00 shipping - 2.00 discount.
    assert_eq!(order["totals"]["total"], "30.00");
    assert_eq!(order["payment_status"], "paid");
    assert_eq!(order["channel"], "manual");

    let shipped = t
        .order_until(&id, "shipped", |o| o["status"] == "shipped")
        .await;
    let events: Vec<&str> = shipped["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert!(events.contains(&"payment_received_offline"), "{events:?}");
    let (_, stock) = t.admin_get(&format!("/inventory/{mug}")).await;
    assert_eq!(stock["on_hand"], 3, "{stock}");
}

#[tokio::test]
async fn a_pending_order_waits_and_an_unknown_sku_is_named() {
    let t = start().await;
    let response = t
        .manual(
            &walk_in(json!([{"sku": "NOT-LISTED", "quantity": 1}]), "pending"),
            None,
        )
        .await;
    assert_eq!(response.status(), 422);
    let refused: Value = response.json().await.unwrap();
    assert_eq!(refused["error"]["code"], "unknown_sku");
    assert!(refused["error"]["message"]
        .as_str()
        .unwrap()
        .contains("NOT-LISTED"));

    let response = t
        .manual(
            &walk_in(
                json!([{"sku": "CARD", "title": "Gift card", "unit_price": "25.00", "quantity": 1}]),
                "pending",
            ),
            None,
        )
        .await;
    assert_eq!(response.status(), 201);
    let order: Value = response.json().await.unwrap();
    assert_eq!(
        (order["status"].as_str(), order["payment_status"].as_str()),
        (Some("open"), Some("pending"))
    );
    assert_eq!(order["totals"]["total"], "28.00");

    for (body, code) in [
        (
            json!({"title": "", "unit_price": "1.00", "currency": "USD"}),
            "invalid_title",
        ),
        (
            json!({"title": "Mug", "unit_price": "-1.00", "currency": "USD"}),
            "invalid_price",
        ),
        (
            json!({"title": "Mug", "unit_price": "1.00", "currency": "dollars"}),
            "invalid_currency",
        ),
        (
            json!({"title": "Mug", "unit_price": "1.00", "currency": "USD", "grams": 2_000_000}),
            "invalid_grams",
        ),
    ] {
        let (status, answer) = t.admin_put("/catalog/MUG-X", &body).await;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (422, Some(code)),
            "{body}"
        );
    }
    let (status, _) = t.admin_get("/catalog/NEVER-SET").await;
    assert_eq!(status, 404);
}
