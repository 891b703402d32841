//! Refunds (`POST /orders/{id}/refunds`) move real money at the gateway (localstripe) exactly
//! once: partial and full, never past what was charged (409 with what is refundable), the same
//! Idempotency-Key never twice, a refund whose answer was lost found again, and refunds made in
//! Stripe's dashboard recorded, not repeated.

use oms_tests::stripe::{call, card_payment, event, refunds_of, staff_order};
use oms_tests::{emails_to, eventually, start, start_with, unique, TestOms};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// A shipped order of 2 x 10.00 USD paid with a card through Stripe: its id and intent.
async fn paid_order(t: &TestOms) -> (String, String) {
    let pi = card_payment(2000, false).await;
    let id = staff_order(t, &pi, "pending").await;
    t.order_until(&id, "paid and shipped", |o| {
        o["payment_status"] == "paid" && o["status"] == "shipped"
    })
    .await;
    (id, pi)
}

fn sku_of(order: &Value) -> String {
    order["lines"][0]["sku"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn partial_then_full_refunds_move_money_once_and_never_past_the_charge() {
    let t = start().await;
    let (id, pi) = paid_order(&t).await;
    let sku = sku_of(&t.order(&id).await);
    let one_mug = json!({"lines": [{"sku": sku, "quantity": 1}], "reason": "arrived chipped"});
    let key = unique("refund");
    let (status, first) = t.refund(&id, &one_mug, &key).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["refund"]["amount"], "10.00");
    assert_eq!(first["refund"]["state"], "succeeded");
    assert_eq!(first["order"]["payment_status"], "partially_refunded");
    assert_eq!(first["order"]["refundable"], "10.00");

    // The same request again (a client retry) is the same refund, not a second one.
    let (status, again) = t.refund(&id, &one_mug, &key).await;
    assert_eq!(status, 201);
    assert_eq!(again["refund"]["id"], first["refund"]["id"]);
    let at_stripe = refunds_of(&pi).await;
    assert_eq!(at_stripe.len(), 1, "{at_stripe:?}");
    assert_eq!(at_stripe[0]["amount"], 1000);

    // The same key for another refund is refused; more than is left is a 409 saying what is.
    let (status, reused) = t
        .refund(&id, &json!({"amount": "1.00", "reason": "x"}), &key)
        .await;
    assert_eq!(
        (status, reused["error"]["code"].as_str()),
        (409, Some("idempotency_key_reused"))
    );
    let (status, too_much) = t
        .refund(
            &id,
            &json!({"amount": "15.00", "reason": "goodwill"}),
            &unique("refund"),
        )
        .await;
    assert_eq!(status, 409, "{too_much}");
    assert_eq!(too_much["error"]["code"], "refund_exceeds_captured");
    assert_eq!(too_much["error"]["refundable"], "10.00");
    let (status, two) = t
        .refund(
            &id,
            &json!({"lines": [{"sku": sku, "quantity": 2}], "reason": "x"}),
            &unique("refund"),
        )
        .await;
    assert_eq!(
        (status, two["error"]["code"].as_str()),
        (422, Some("invalid_refund")),
        "{two}"
    );

    // The rest goes back: the order is refunded, and nothing more can be.
    let (status, rest) = t.refund(&id, &one_mug, &unique("refund")).await;
    assert_eq!(status, 201, "{rest}");
    assert_eq!(rest["order"]["payment_status"], "refunded");
    assert_eq!(rest["order"]["refunds"].as_array().unwrap().len(), 2);
    let (status, none_left) = t
        .refund(
            &id,
            &json!({"amount": "0.01", "reason": "x"}),
            &unique("refund"),
        )
        .await;
    assert_eq!(
        (status, none_left["error"]["code"].as_str()),
        (409, Some("refund_exceeds_captured"))
    );
    let total: i64 = refunds_of(&pi)
        .await
        .iter()
        .map(|r| r["amount"].as_i64().unwrap())
        .sum();
    assert_eq!(total, 2000, "exactly the charge went back");

    let email = rest["order"]["customer"]["email"]
        .as_str()
        .unwrap()
        .to_string();
    let told = eventually(|| async {
        let emails = emails_to(&email).await;
        let refunds = emails
            .iter()
            .filter(|e| e.to_string().contains("We have refunded 10.00 USD"))
            .count();
        (refunds == 2).then_some(())
    })
    .await;
    assert!(told.is_some(), "one email per refund");
}

#[tokio::test]
async fn a_refund_whose_answer_was_lost_is_found_again_not_repeated() {
    let t = start().await;
    let (id, pi) = paid_order(&t).await;
    let key = unique("refund");
    // The OMS asked Stripe, Stripe refunded, and the answer never came back (a crash, a
    // timeout): Stripe has the refund under the id the OMS gives that request.
    let digest = Sha256::digest(format!("{id}\n{key}").as_bytes());
    let refund_id = format!("rf_{}", &hex::encode(digest)[..24]);
    let metadata = format!("metadata[oms_refund]={refund_id}");
    let (name, value) = metadata.split_once('=').unwrap();
    call(
        reqwest::Method::POST,
        "refunds",
        &[
            ("payment_intent", pi.as_str()),
            ("amount", "500"),
            (name, value),
        ],
    )
    .await;
    let (status, answer) = t
        .refund(
            &id,
            &json!({"amount": "5.00", "reason": "late delivery"}),
            &key,
        )
        .await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["refund"]["state"], "succeeded");
    assert_eq!(refunds_of(&pi).await.len(), 1, "not refunded twice");
    assert_eq!(answer["order"]["refundable"], "15.00");
}

#[tokio::test]
async fn refunds_made_in_stripes_dashboard_are_recorded_once() {
    let t = start().await;
    let (id, pi) = paid_order(&t).await;
    let made = call(
        reqwest::Method::POST,
        "refunds",
        &[("payment_intent", pi.as_str()), ("amount", "700")],
    )
    .await;
    // localstripe sends no charge.refunded: this is the one Stripe sends, signed as it signs.
    let refunded = event(
        "charge.refunded",
        json!({"id": made["charge"], "object": "charge", "payment_intent": pi,
               "amount": 2000, "amount_refunded": 700, "refunded": false}),
    );
    for _ in 0..3 {
        assert_eq!(t.stripe_event(&refunded).await.status(), 200);
    }
    let order = t
        .order_until(&id, "refund recorded", |o| {
            o["payment_status"] == "partially_refunded"
        })
        .await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let order = t.order(order["id"].as_str().unwrap()).await;
    let refunds = order["refunds"].as_array().unwrap();
    assert_eq!(refunds.len(), 1, "{order:#}");
    assert_eq!(refunds[0]["origin"], "gateway");
    assert_eq!(refunds[0]["amount"], "7.00");
    assert_eq!(order["refundable"], "13.00");
    assert_eq!(refunds_of(&pi).await.len(), 1, "recorded, not repeated");
}

#[tokio::test]
async fn what_cannot_be_refunded_is_refused_and_writes_nothing() {
    let t = start().await;
    let channel_paid = t
        .paid_order_of(&format!("{}@example.com", unique("r")), &[("MUG", 1)])
        .await;
    let (status, answer) = t
        .refund(
            &channel_paid,
            &json!({"amount": "1.00", "reason": "x"}),
            &unique("k"),
        )
        .await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (409, Some("not_refundable")),
        "{answer}"
    );
    let (id, pi) = paid_order(&t).await;
    for (body, status, code) in [
        (
            json!({"amount": 5, "reason": "a number, not money"}),
            400,
            "invalid_body",
        ),
        (
            json!({"amount": "-5.00", "reason": "x"}),
            422,
            "invalid_price",
        ),
        (
            json!({"amount": "1e3", "reason": "x"}),
            422,
            "invalid_money",
        ),
        (
            json!({"amount": "0.001", "reason": "x"}),
            422,
            "invalid_refund",
        ),
        (
            json!({"amount": "0.00", "reason": "x"}),
            422,
            "invalid_refund",
        ),
        (json!({"reason": "nothing named"}), 422, "invalid_refund"),
        (json!({"amount": "1.00"}), 400, "invalid_body"),
        (
            json!({"amount": "1.00", "reason": "  "}),
            422,
            "invalid_refund",
        ),
        (
            json!({"lines": [{"sku": "NOPE", "quantity": 1}], "reason": "x"}),
            422,
            "invalid_refund",
        ),
        (
            json!({"lines": [{"sku": "X", "quantity": 0}], "reason": "x"}),
            422,
            "invalid_refund",
        ),
        (
            json!({"lines": [{"sku": "X", "quantity": 18_446_744_073_709_551_615u64}], "reason": "x"}),
            422,
            "invalid_refund",
        ),
        (
            json!({"amount": "1.00", "reason": "x", "extra": true}),
            400,
            "invalid_body",
        ),
    ] {
        let (got, answer) = t.refund(&id, &body, &unique("k")).await;
        assert_eq!(
            (got, answer["error"]["code"].as_str()),
            (status, Some(code)),
            "{body}: {answer}"
        );
    }
    let unkeyed = t
        .http
        .post(t.url(&format!("/orders/{id}/refunds")))
        .bearer_auth(t.secret("OMS_ADMIN_TOKEN"))
        .json(&json!({"amount": "1.00", "reason": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unkeyed.status(), 400);
    let (missing, _) = t
        .refund(
            "no-such-order",
            &json!({"amount": "1.00", "reason": "x"}),
            &unique("k"),
        )
        .await;
    assert_eq!(missing, 404);
    // The parcel moves on meanwhile (its tracking), but no refund was written or made.
    let after = t.order(&id).await;
    assert_eq!(after["refunds"], json!([]), "{after:#}");
    assert_eq!(after["refundable"], "20.00");
    assert!(refunds_of(&pi).await.is_empty());
}

#[tokio::test]
async fn a_refund_of_an_invoiced_order_issues_a_credit_note() {
    let t = start_with(&[
        ("SellerName", "Müller & Söhne GmbH"),
        ("SellerAddress", "Hauptstraße 1|10115 Berlin|Germany"),
        ("SellerVatId", "DE123456789"),
    ])
    .await;
    let (id, _) = paid_order(&t).await;
    let (status, issued) = t
        .admin_post(&format!("/orders/{id}/invoices"), &json!({}))
        .await;
    assert_eq!(status, 201, "{issued}");
    let sku = sku_of(&t.order(&id).await);
    let (status, refunded) = t
        .refund(
            &id,
            &json!({"lines": [{"sku": sku, "quantity": 1}], "reason": "returned"}),
            &unique("refund"),
        )
        .await;
    assert_eq!(status, 201, "{refunded}");
    let (_, documents) = t.admin_get(&format!("/orders/{id}/invoices")).await;
    let documents = documents["invoices"].as_array().unwrap().clone();
    let kinds: Vec<(&str, &str)> = documents
        .iter()
        .map(|d| (d["kind"].as_str().unwrap(), d["total"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("invoice", "20.00"),
            ("credit_note", "-20.00"),
            ("invoice", "10.00")
        ],
        "{documents:#?}"
    );
    assert_eq!(documents[1]["reverses"], documents[0]["number"]);
}
