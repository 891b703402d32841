//! Orders that name a Stripe payment are verified with the gateway itself (localstripe, a real
//! Stripe-compatible server over HTTP): paid, authorized, declined or canceled, and a payment
//! that is not the order's is held for a person, never passed.

use oms_tests::stripe::{call, card_payment, intent_now, payment_intent, staff_order, FlakyStripe};
use oms_tests::{start, start_with_environment, timeline_count, TestOms};
use serde_json::{json, Value};

/// A staff order of 2 x 10.00 USD, pending, naming `payment_intent`; its id.
async fn order_paid_with(t: &TestOms, payment_intent: &str) -> String {
    staff_order(t, payment_intent, "pending").await
}

fn timeline_has(order: &Value, kind: &str) -> bool {
    order["timeline"]
        .as_array()
        .is_some_and(|t| t.iter().any(|e| e["type"] == kind))
}

#[tokio::test]
async fn a_payment_taken_marks_the_order_paid_and_it_ships() {
    let t = start().await;
    let id = order_paid_with(&t, &card_payment(2000, false).await).await;
    let order = t
        .order_until(&id, "shipped", |o| o["status"] == "shipped")
        .await;
    assert_eq!(order["payment_status"], "paid");
    assert!(timeline_has(&order, "payment_checked"), "{order:#}");
}

/// Cancels the intent, as Stripe does when an authorization lapses.
async fn cancel(pi: &str) -> Value {
    call(
        reqwest::Method::POST,
        &format!("payment_intents/{pi}/cancel"),
        &[],
    )
    .await
}

#[tokio::test]
async fn an_authorized_payment_is_captured_once_when_the_first_label_is_bought() {
    let t = start().await;
    let pi = card_payment(2000, true).await;
    let id = order_paid_with(&t, &pi).await;
    // A storm of label requests for it: every worker goes for the capture and the label.
    t.request_labels(&id, 6).await;
    t.order_until(&id, "shipped and paid", |o| {
        o["status"] == "shipped" && o["payment_status"] == "paid"
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let order = t.order(&id).await;
    assert_eq!(timeline_count(&order, "payment_captured"), 1, "{order:#}");
    assert_eq!(order["shipments"].as_array().unwrap().len(), 1);
    let intent = intent_now(&pi).await;
    assert_eq!(intent["status"], "succeeded", "{intent}");
}

#[tokio::test]
async fn an_authorization_that_cannot_be_captured_holds_the_order_before_any_label() {
    let t = start().await;
    let intent = payment_intent(&[
        ("amount", "2000"),
        ("currency", "usd"),
        ("payment_method", "pm_card_visa"),
        ("capture_method", "manual"),
        ("confirm", "true"),
    ])
    .await;
    let pi = intent["id"].as_str().unwrap().to_string();
    // The authorization lapses (Stripe cancels it) before the goods ship.
    assert_eq!(cancel(&pi).await["status"], "canceled");
    let id = staff_order(&t, &pi, "authorized").await;
    let order = t.order_until(&id, "held", |o| o["hold"].is_object()).await;
    assert_eq!(order["hold"]["reasons"], json!(["capture_failed"]));
    assert_eq!(order["payment_status"], "authorized");
    assert!(
        order["shipments"].as_array().unwrap().is_empty(),
        "no label bought"
    );
}

#[tokio::test]
async fn a_payment_for_another_amount_is_held_until_a_person_accepts_it() {
    let t = start().await;
    let id = order_paid_with(&t, &card_payment(1999, false).await).await;
    let order = t.order_until(&id, "held", |o| o["hold"].is_object()).await;
    assert_eq!(order["hold"]["reasons"], json!(["payment_mismatch"]));
    let message = order["hold"]["messages"][0].as_str().unwrap();
    assert!(
        message.contains("1999") && message.contains("20.00"),
        "{message}"
    );
    assert_eq!(order["payment_status"], "pending", "never a silent pass");
    assert!(order["shipments"].as_array().unwrap().is_empty());

    let (status, _) = t
        .admin_post(&format!("/orders/{id}/hold/release"), &json!({}))
        .await;
    assert_eq!(status, 200);
    let order = t
        .order_until(&id, "shipped once accepted", |o| o["status"] == "shipped")
        .await;
    assert_eq!(order["payment_status"], "paid");
}

#[tokio::test]
async fn a_canceled_payment_fails_the_order_and_the_customer_is_told() {
    let t = start().await;
    let intent = payment_intent(&[
        ("amount", "2000"),
        ("currency", "usd"),
        ("payment_method", "pm_card_visa"),
    ])
    .await;
    let pi = intent["id"].as_str().unwrap();
    assert_eq!(cancel(pi).await["status"], "canceled");
    let id = order_paid_with(&t, pi).await;
    let order = t
        .order_until(&id, "failed", |o| o["status"] == "failed")
        .await;
    assert_eq!(order["payment_status"], "failed");
    assert!(timeline_has(&order, "payment_failed"));
    let email = order["customer"]["email"].as_str().unwrap().to_string();
    let told = oms_tests::eventually(|| async {
        let emails = oms_tests::emails_to(&email).await;
        (!emails.is_empty()).then_some(emails)
    })
    .await;
    assert!(
        told.is_some(),
        "the customer hears about the payment problem"
    );
}

#[tokio::test]
async fn a_payment_stripe_does_not_know_is_held_for_a_person() {
    let t = start().await;
    let id = order_paid_with(&t, "pi_NoSuchIntent0000").await;
    let order = t.order_until(&id, "held", |o| o["hold"].is_object()).await;
    assert_eq!(order["hold"]["reasons"], json!(["payment_unverified"]));
    assert_eq!(order["payment_status"], "pending");
}

#[tokio::test]
async fn a_payment_reference_that_is_not_a_stripe_intent_is_refused() {
    let t = start().await;
    for payment in [
        json!({"gateway": "stripe", "payment_intent": "ch_123"}),
        json!({"gateway": "paypal", "payment_intent": "pi_123"}),
        json!({"gateway": "stripe"}),
    ] {
        let body = json!({
            "currency": "USD", "payment_status": "pending", "payment": payment,
            "customer": {"email": "a@example.com", "name": "A"},
            "lines": [{"sku": "MUG", "title": "Mug", "quantity": 1, "unit_price": "10.00"}],
        });
        let response = t.manual(&serde_json::to_vec(&body).unwrap(), None).await;
        assert!(response.status().is_client_error(), "{payment}");
        let answer: Value = response.json().await.unwrap();
        assert!(answer["error"]["code"].is_string(), "{answer}");
    }
}

#[tokio::test]
async fn a_capture_made_just_before_a_crash_is_recorded_not_repeated() {
    let t = start().await;
    let pi = card_payment(2000, true).await;
    // A worker captured the payment and died before writing it down: Stripe has the capture,
    // the order still says authorized.
    let captured = call(
        reqwest::Method::POST,
        &format!("payment_intents/{pi}/capture"),
        &[("amount_to_capture", "2000")],
    )
    .await;
    assert_eq!(captured["status"], "succeeded");
    let id = staff_order(&t, &pi, "authorized").await;
    let order = t
        .order_until(&id, "shipped and paid", |o| {
            o["status"] == "shipped" && o["payment_status"] == "paid"
        })
        .await;
    assert_eq!(timeline_count(&order, "payment_captured"), 1, "{order:#}");
    assert!(
        order["hold"].is_null(),
        "Stripe's 'already captured' is a success"
    );
    assert_eq!(intent_now(&pi).await["status"], "succeeded");
}

/// Stripe answering 503 for a while: the order waits (the queue retries it after its visibility
/// timeout, 60 s), never failed or held, and goes on once Stripe is back.
#[tokio::test]
async fn a_gateway_that_is_down_delays_verification_and_never_fails_the_order() {
    let stripe = FlakyStripe::start().await;
    let t = start_with_environment(&[], &[("STRIPE_API_BASE", &stripe.url)]).await;
    let pi = card_payment(2000, false).await;
    stripe.set_down(true);
    let id = order_paid_with(&t, &pi).await;
    tokio::time::sleep(std::time::Duration::from_secs(8)).await;
    let waiting = t.order(&id).await;
    assert_eq!(
        (
            waiting["status"].as_str(),
            waiting["payment_status"].as_str()
        ),
        (Some("open"), Some("pending")),
        "{waiting:#}"
    );
    assert!(waiting["hold"].is_null(), "an outage is not a verdict");
    stripe.set_down(false);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let order = t.order(&id).await;
        if order["status"] == "shipped" {
            assert_eq!(order["payment_status"], "paid");
            assert!(!timeline_has(&order, "payment_failed"));
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never shipped after Stripe came back: {order:#}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

#[tokio::test]
async fn an_order_the_channel_cancels_has_its_stripe_payment_voided() {
    let t = start().await;
    // A customer's bank holds the money while the marketplace decides.
    let pi = card_payment(7066, true).await;
    let mut order = oms_tests::native_order(
        &oms_tests::unique("mkt"),
        &format!("{}@example.com", oms_tests::unique("c")),
    );
    order["payment_status"] = json!("pending");
    order["payment"] = json!({"gateway": "stripe", "payment_intent": pi});
    // Out of stock: the order waits, authorized, for the marketplace's word.
    for line in order["lines"].as_array_mut().unwrap() {
        let sku = oms_tests::unique("NOSTOCK");
        t.stock(&sku, "main", 0).await;
        line["sku"] = json!(sku);
    }
    let pushed = t.marketplace(&serde_json::to_vec(&order).unwrap()).await;
    assert_eq!(pushed.status(), 200);
    let id = pushed.json::<Value>().await.unwrap()["order_id"]
        .as_str()
        .unwrap()
        .to_string();
    t.order_until(&id, "authorized", |o| o["payment_status"] == "authorized")
        .await;
    order["cancelled"] = json!(true);
    order["updated_at"] = json!("2026-10-06T09:00:00Z");
    let cancelled = t.marketplace(&serde_json::to_vec(&order).unwrap()).await;
    assert_eq!(cancelled.status(), 200);
    let order = t
        .order_until(&id, "voided", |o| o["payment_status"] == "voided")
        .await;
    assert_eq!(order["status"], "canceled");
    assert_eq!(intent_now(&pi).await["status"], "canceled");
}
