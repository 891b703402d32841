//! Stripe's webhook events (`POST /webhooks/stripe`) move orders the way the payment's state says,
//! however late, often or out of order they come: localstripe's own signed events, and the kinds
//! localstripe does not send (disputes, replays, reordered storms) signed here as Stripe signs.

use oms_tests::stripe::{call, event, payment_intent, staff_order};
use oms_tests::{emails_to, eventually, start, timeline_count, TestOms};
use serde_json::{json, Value};

/// A card payment of 20.00 USD the customer has not confirmed yet: the order waits for it.
async fn unconfirmed_payment() -> String {
    let intent = payment_intent(&[
        ("amount", "2000"),
        ("currency", "usd"),
        ("payment_method", "pm_card_visa"),
    ])
    .await;
    assert_eq!(intent["status"], "requires_confirmation", "{intent}");
    intent["id"].as_str().unwrap().to_string()
}

/// An order of 20.00 USD waiting for `pi` to be confirmed.
async fn waiting_order(t: &TestOms, pi: &str) -> String {
    let id = staff_order(t, pi, "pending").await;
    t.order_until(&id, "waiting for the payment", |o| {
        timeline_count(o, "payment_waiting") == 1
    })
    .await;
    id
}

async fn confirm(pi: &str) -> Value {
    call(
        reqwest::Method::POST,
        &format!("payment_intents/{pi}/confirm"),
        &[],
    )
    .await
}

fn intent_object(pi: &str, status: &str) -> Value {
    json!({"id": pi, "object": "payment_intent", "amount": 2000, "currency": "usd", "status": status})
}

#[tokio::test]
async fn a_payment_confirmed_later_ships_when_localstripe_says_so() {
    let t = start().await;
    t.receive_localstripe_events().await;
    let pi = unconfirmed_payment().await;
    let id = waiting_order(&t, &pi).await;
    assert_eq!(confirm(&pi).await["status"], "succeeded");
    // No poll of ours: localstripe's signed payment_intent.succeeded moves the order.
    let order = t
        .order_until(&id, "shipped", |o| o["status"] == "shipped")
        .await;
    assert_eq!(order["payment_status"], "paid");
    assert_eq!(timeline_count(&order, "payment_checked"), 1, "{order:#}");
}

#[tokio::test]
async fn a_card_declined_later_fails_the_order_and_the_customer_is_told() {
    let t = start().await;
    t.receive_localstripe_events().await;
    let intent = payment_intent(&[
        ("amount", "2000"),
        ("currency", "usd"),
        ("payment_method", "pm_card_chargeCustomerFail"),
    ])
    .await;
    let pi = intent["id"].as_str().unwrap().to_string();
    let id = waiting_order(&t, &pi).await;
    // The customer confirms; the bank declines (localstripe answers 402 and sends
    // payment_intent.payment_failed).
    let declined = reqwest::Client::new()
        .post(format!(
            "{}/v1/payment_intents/{pi}/confirm",
            oms_tests::stripe::base()
        ))
        .basic_auth("sk_test_storefront", Some(""))
        .send()
        .await
        .unwrap();
    assert_eq!(declined.status(), 402);
    let order = t
        .order_until(&id, "failed", |o| o["status"] == "failed")
        .await;
    assert_eq!(order["payment_status"], "failed");
    let failed = order["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "payment_failed")
        .map(|e| e["detail"].as_str().unwrap().to_string())
        .unwrap_or_default();
    assert!(failed.contains("declined"), "{failed}");
    let email = order["customer"]["email"].as_str().unwrap().to_string();
    let told = eventually(|| async {
        let emails = emails_to(&email).await;
        emails
            .iter()
            .any(|e| e.to_string().contains("Action needed: payment"))
            .then_some(())
    })
    .await;
    assert!(told.is_some(), "the customer hears what to do");
}

#[tokio::test]
async fn a_storm_of_events_replayed_and_reordered_settles_the_order_once() {
    let t = start().await;
    let pi = unconfirmed_payment().await;
    let id = waiting_order(&t, &pi).await;
    assert_eq!(confirm(&pi).await["status"], "succeeded");
    // What Stripe may send, late and in any order: a failure from before the customer's second
    // try, the capturable update, the success; each delivered several times at once.
    let events = [
        event(
            "payment_intent.payment_failed",
            intent_object(&pi, "requires_payment_method"),
        ),
        event(
            "payment_intent.amount_capturable_updated",
            intent_object(&pi, "requires_capture"),
        ),
        event("payment_intent.succeeded", intent_object(&pi, "succeeded")),
    ];
    let storm: Vec<&Value> = (0..12).map(|i| &events[(i * 7 + i / 3) % 3]).collect();
    let answers = futures::future::join_all(storm.into_iter().map(|e| t.stripe_event(e))).await;
    let mut statuses = Vec::new();
    for answer in answers {
        assert_eq!(answer.status(), 200);
        let body: Value = answer.json().await.unwrap();
        statuses.push(body["status"].as_str().unwrap().to_string());
    }
    assert!(
        statuses
            .iter()
            .all(|s| s == "accepted" || s == "duplicate_delivery"),
        "{statuses:?}"
    );
    t.order_until(&id, "shipped", |o| o["status"] == "shipped")
        .await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let order = t.order(&id).await;
    assert_eq!(
        order["payment_status"], "paid",
        "the state decides, not the last event"
    );
    assert_eq!(timeline_count(&order, "payment_checked"), 1, "{order:#}");
    assert_eq!(
        timeline_count(&order, "payment_failed"),
        0,
        "a stale failure changed nothing"
    );
    assert_eq!(order["shipments"].as_array().unwrap().len(), 1);
    // Replayed later still, each is recognized by its id.
    for e in &events {
        let again: Value = t.stripe_event(e).await.json().await.unwrap();
        assert_eq!(again["status"], "duplicate_delivery", "{again}");
    }
}

#[tokio::test]
async fn events_about_payments_no_order_names_change_nothing() {
    let t = start().await;
    for kind in ["payment_intent.succeeded", "payment_intent.canceled"] {
        let answer = t
            .stripe_event(&event(kind, intent_object("pi_NotOurs0001", "succeeded")))
            .await;
        assert_eq!(answer.status(), 200);
        let body: Value = answer.json().await.unwrap();
        assert_eq!(body["status"], "unknown_payment");
    }
    let other = t
        .stripe_event(&event(
            "customer.created",
            json!({"id": "cus_1", "object": "customer"}),
        ))
        .await;
    let body: Value = other.json().await.unwrap();
    assert_eq!(body["status"], "ignored");
    assert!(t.stored_keys().await.is_empty(), "nothing written");
}

#[tokio::test]
async fn a_dispute_holds_an_order_before_it_ships_and_staff_are_alerted() {
    let t = start().await;
    let pi = unconfirmed_payment().await;
    let id = waiting_order(&t, &pi).await;
    let dispute = event(
        "charge.dispute.created",
        json!({"id": "dp_1Test", "object": "dispute", "payment_intent": pi, "charge": "ch_1",
               "amount": 2000, "currency": "usd", "reason": "fraudulent"}),
    );
    assert_eq!(t.stripe_event(&dispute).await.status(), 200);
    let order = t.order_until(&id, "held", |o| o["hold"].is_object()).await;
    assert_eq!(order["hold"]["reasons"], json!(["disputed"]));
    assert!(order["hold"]["messages"][0]
        .as_str()
        .unwrap()
        .contains("fraudulent"));
    // The customer confirms afterwards: still nothing ships until a person decides.
    confirm(&pi).await;
    let success = event("payment_intent.succeeded", intent_object(&pi, "succeeded"));
    assert_eq!(t.stripe_event(&success).await.status(), 200);
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let order = t.order(&id).await;
    assert!(
        order["shipments"].as_array().unwrap().is_empty(),
        "{order:#}"
    );
    assert_eq!(timeline_count(&order, "payment_disputed"), 1);
    let alerted = eventually(|| async {
        let emails = emails_to("ops@example.com").await;
        emails
            .iter()
            .any(|e| e.to_string().contains("dp_1Test"))
            .then_some(())
    })
    .await;
    assert!(alerted.is_some(), "staff hear of the dispute");
}

#[tokio::test]
async fn any_of_several_signatures_may_match() {
    let t = start().await;
    let body = serde_json::to_vec(&event(
        "payment_intent.succeeded",
        intent_object("pi_NotOurs0002", "succeeded"),
    ))
    .unwrap();
    let now = chrono::Utc::now().timestamp();
    let ours = TestOms::stripe_signature_with(&t.secret("STRIPE_WEBHOOK_SECRET"), &body, now);
    let stranger = TestOms::stripe_signature_with("whsec_someone_else_012345", &body, now);
    // Stripe sends one v1 per secret in force while a secret is rolled: any may match.
    let v1 = |header: &str| header.split_once(",v1=").unwrap().1.to_string();
    let both = format!("t={now},v1={},v1={}", v1(&stranger), v1(&ours));
    let answer = t
        .stripe_signed(&body, Some(&both), "application/json")
        .await;
    assert_eq!(answer.status(), 200);
}
