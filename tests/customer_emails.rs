//! Emails beyond the order's own path: a checkout left alone gets one reminder and its cart becomes
//! `abandoned`; a checkout that became an order gets none; payment problems and refunds reported
//! by the channel are told to the customer.

use std::time::Duration;

use oms_tests::{emails_to, eventually, shopify_order, start, start_with, unique};
use serde_json::{json, Value};

/// A Shopify checkout, stamped by a shop whose clock runs five hours behind ours: the reminder's
/// wait starts when we receive the checkout, whatever the shop's clock says.
fn checkout(token: &str, email: &str) -> Value {
    let skewed = chrono::Utc::now() - chrono::Duration::hours(5);
    json!({
        "token": token, "email": email, "currency": "CAD", "total_price": "28.00",
        "updated_at": skewed.to_rfc3339(),
        "customer": {"first_name": "Ines", "last_name": "Duarte"},
        "abandoned_checkout_url": "https://atelier-nord.example/checkouts/recover",
        "line_items": [{"sku": "BOWL-STONE-L", "title": "Stoneware Bowl", "quantity": 1, "price": "28.00"}]
    })
}

async fn carts(t: &oms_tests::TestOms, state: &str) -> Vec<Value> {
    let (status, body) = t.admin_get(&format!("/carts?state={state}")).await;
    assert_eq!(status, 200, "{body}");
    body["carts"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_checkout_left_alone_is_reminded_once_and_one_that_became_an_order_is_not() {
    // Reminders fall due as soon as a checkout arrives; the one that became an order is told
    // by its order first, as webhooks may come in any order.
    let t = start_with(&[("CartReminderAfterMinutes", "0")]).await;
    let (left, bought) = (unique("left"), unique("bought"));
    let left_email = format!("{left}@example.com");
    let bought_email = format!("{bought}@example.com");
    let mut order = shopify_order(&unique("6120"), &bought_email);
    order["checkout_token"] = json!(bought);
    let body = serde_json::to_vec(&order).unwrap();
    assert_eq!(t.shopify("orders/create", &body).await.status(), 200);
    for (token, email) in [(&left, &left_email), (&bought, &bought_email)] {
        let body = serde_json::to_vec(&checkout(token, email)).unwrap();
        assert_eq!(t.shopify("checkouts/create", &body).await.status(), 200);
    }

    let reminders = eventually(|| async {
        let emails = emails_to(&left_email).await;
        (!emails.is_empty()).then_some(emails)
    })
    .await
    .expect("the shopper who left is reminded");
    let text = reminders[0]["body"].as_str().unwrap_or_default();
    assert!(
        reminders[0]["subject"]
            .as_str()
            .unwrap()
            .starts_with("You left something in your cart"),
        "{reminders:#?}"
    );
    assert!(
        text.contains("Hi Ines") && text.contains("Stoneware Bowl"),
        "{text}"
    );
    assert!(
        text.contains("https://atelier-nord.example/checkouts/recover"),
        "{text}"
    );

    let abandoned = carts(&t, "abandoned").await;
    assert!(
        abandoned.iter().any(|c| c["token"] == left.as_str()),
        "{abandoned:#?}"
    );
    let converted = carts(&t, "converted").await;
    assert!(
        converted.iter().any(|c| c["token"] == bought.as_str()),
        "{converted:#?}"
    );

    // Give a duplicate or a late reminder time to show up: none does.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(emails_to(&left_email).await.len(), 1, "one reminder");
    let to_buyer = emails_to(&bought_email).await;
    assert!(
        to_buyer.iter().all(|m| !m["subject"]
            .as_str()
            .unwrap_or_default()
            .contains("left something")),
        "{to_buyer:#?}"
    );
    let (status, _) = t.admin_get("/carts?state=lost").await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn failed_payments_and_refunds_reported_by_the_channel_are_emailed() {
    let t = start().await;
    let email = format!("{}@example.com", unique("money"));

    let mut unpaid = shopify_order(&unique("6121"), &email);
    unpaid["financial_status"] = json!("pending");
    unpaid["updated_at"] = json!("2026-10-02T09:00:00-04:00");
    assert_eq!(
        t.shopify("orders/create", &serde_json::to_vec(&unpaid).unwrap())
            .await
            .status(),
        200
    );
    let mut voided = unpaid.clone();
    voided["financial_status"] = json!("voided");
    voided["updated_at"] = json!("2026-10-02T10:00:00-04:00");
    assert_eq!(
        t.shopify("orders/updated", &serde_json::to_vec(&voided).unwrap())
            .await
            .status(),
        200
    );

    let mut paid = shopify_order(&unique("6122"), &email);
    paid["name"] = json!("#3001");
    paid["updated_at"] = json!("2026-10-02T09:00:00-04:00");
    let id = &t.create_shopify_order(&paid).await;
    t.order_until(id, "shipped", |o| o["status"] == "shipped")
        .await;
    let mut refunded = paid.clone();
    refunded["financial_status"] = json!("refunded");
    refunded["updated_at"] = json!("2026-10-03T09:00:00-04:00");
    assert_eq!(
        t.shopify("orders/updated", &serde_json::to_vec(&refunded).unwrap())
            .await
            .status(),
        200
    );
    assert_eq!(t.order(id).await["payment_status"], "refunded");

    let subjects = eventually(|| async {
        let subjects: Vec<String> = emails_to(&email)
            .await
            .iter()
            .filter_map(|m| m["subject"].as_str().map(str::to_string))
            .collect();
        let problem = subjects
            .iter()
            .any(|s| s.starts_with("Action needed: payment"));
        let refund = subjects.iter().any(|s| s == "Refund for order #3001");
        (problem && refund).then_some(subjects)
    })
    .await
    .expect("a payment problem email and a refund email");
    assert_eq!(
        subjects.iter().filter(|s| s.starts_with("Refund")).count(),
        1,
        "{subjects:?}"
    );
}

/// Logs go to CloudWatch, read by more people and kept longer than the orders: a whole order's
/// path (intake, payment, label, tracking, every email, a supplier's restock request, a customer's
/// preference change) leaves none of the personal values its payloads carried in them.
#[tokio::test]
async fn no_personal_data_reaches_the_logs() {
    let logs = oms_tests::logs::Logs::capture();
    let t = start().await;
    let tag = unique("p");
    let customer = format!("{tag}.zanele@example.com");
    let supplier = format!("{tag}.orders@supplier.example");
    let (first, last) = (format!("Zanele{tag}"), format!("Okonkwo{tag}"));
    let (street, phone) = (format!("{tag} Rue Privée"), "+1 514 555 0199".to_string());

    let sku = format!("TOWEL-{tag}");
    let (status, body) = t
        .admin_put(
            &format!("/inventory/{sku}"),
            &json!({"location": "main", "on_hand": 3, "reorder_point": 2, "supplier_email": supplier}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let mut order = shopify_order(&unique("9"), &customer);
    for who in ["/customer", "/shipping_address", "/billing_address"] {
        let person = order.pointer_mut(who).unwrap();
        person["first_name"] = json!(first);
        person["last_name"] = json!(last);
        person["phone"] = json!(phone);
    }
    for place in ["/shipping_address", "/billing_address"] {
        let address = order.pointer_mut(place).unwrap();
        address["name"] = json!(format!("{first} {last}"));
        address["address1"] = json!(street);
    }
    order["phone"] = json!(phone);
    order["line_items"] = json!([order["line_items"][0].clone()]);
    order["line_items"][0]["sku"] = json!(sku);
    order["line_items"][0]["quantity"] = json!(2);
    let price: rust_decimal::Decimal = order["line_items"][0]["price"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let subtotal = price * rust_decimal::Decimal::from(2);
    order["subtotal_price"] = json!(subtotal.to_string());
    order["total_line_items_price"] = json!(subtotal.to_string());
    order["total_discounts"] = json!("0.00");
    order["discount_codes"] = json!([]);
    order["tax_lines"] = json!([]);
    order["total_tax"] = json!("0.00");
    order["shipping_lines"] = json!([]);
    order["total_price"] = json!(subtotal.to_string());
    let id = t.create_shopify_order(&order).await;
    let shipped = t
        .order_until(&id, "shipped", |o| o["status"] == "shipped")
        .await;
    let code = shipped["shipments"][0]["tracking_code"].as_str().unwrap();
    let carrier = shipped["shipments"][0]["carrier"].as_str().unwrap();
    let delivered_at = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    t.easypost(&oms_tests::tracker_event(
        code,
        carrier,
        "delivered",
        &delivered_at,
    ))
    .await;
    t.order_until(&id, "closed", |o| o["status"] == "closed")
        .await;
    eventually(|| async { (!emails_to(&supplier).await.is_empty()).then_some(()) })
        .await
        .expect("the supplier is asked to restock");
    eventually(|| async { (emails_to(&customer).await.len() >= 3).then_some(()) })
        .await
        .expect("confirmed, shipped, delivered");
    let (status, _) = t
        .admin_post(
            &format!("/customers/{customer}/preferences"),
            &json!({"non_essential_emails": false}),
        )
        .await;
    assert_eq!(status, 200);

    let text = logs.text();
    assert!(text.contains(&id), "the capture holds this flow's logs");
    for personal in [&customer, &supplier, &first, &last, &street, &phone] {
        let leaks: Vec<&str> = text
            .lines()
            .filter(|l| l.contains(personal.as_str()))
            .collect();
        assert!(leaks.is_empty(), "{personal} logged:\n{}", leaks.join("\n"));
    }
}

/// A customer who paid in their own currency at a shop that counts in another is told what they
/// paid, not the shop's figure.
#[tokio::test]
async fn customers_see_the_currency_they_paid_in() {
    let t = start().await;
    let customer = format!("{}@example.com", unique("usd"));
    let mut order = shopify_order(&unique("8"), &customer);
    order["currency"] = json!("AUD");
    order["presentment_currency"] = json!("USD");
    order["total_price_set"] = json!({
        "shop_money": {"amount": "74.38", "currency_code": "AUD"},
        "presentment_money": {"amount": "48.90", "currency_code": "USD"}
    });
    let id = t.create_shopify_order(&order).await;
    let stored = t.order(&id).await;
    assert_eq!(stored["currency"], "AUD", "the shop counts in its own");
    assert_eq!(stored["totals"]["total"], "74.38");
    assert_eq!(stored["presentment_total"]["amount"], "48.90");
    assert_eq!(stored["presentment_total"]["currency"], "USD");

    let confirmation = eventually(|| async { emails_to(&customer).await.into_iter().next() })
        .await
        .expect("the confirmation");
    let body = confirmation["body"].as_str().unwrap();
    assert!(body.contains("48.90 USD"), "{body}");
    assert!(!body.contains("AUD"), "{body}");
}
