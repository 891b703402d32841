//! Every function reports what it did as CloudWatch Embedded Metric Format lines (no API call):
//! orders received by channel, holds by reason, labels bought and what they cost, emails by
//! event, each message's duration, retries. Locally the lines are kept in memory, as one
//! process hosts every function.

use oms_tests::{shopify_order, start, unique, TestOms};
use serde_json::Value;

/// The EMF documents emitted so far for `metric`.
fn points(t: &TestOms, metric: &str) -> Vec<Value> {
    t.oms
        .aws
        .metrics
        .lines()
        .iter()
        .map(|line| serde_json::from_str::<Value>(line).expect("each line is one JSON document"))
        .filter(|doc| doc["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"] == metric)
        .collect()
}

fn sum_where(t: &TestOms, metric: &str, dimension: &str, value: &str) -> f64 {
    points(t, metric)
        .iter()
        .filter(|doc| doc[dimension] == value)
        .map(|doc| doc[metric].as_f64().unwrap())
        .sum()
}

#[tokio::test]
async fn an_orders_life_is_counted_as_it_happens() {
    let t = start().await;
    let email = format!("{}@example.com", unique("m"));
    let id = t
        .create_shopify_order(&shopify_order(&unique("9"), &email))
        .await;
    t.order_until(&id, "shipped", |o| o["status"] == "shipped")
        .await;
    let mut held = shopify_order(&unique("9"), &format!("{}@example.com", unique("h")));
    held["shipping_address"] = Value::Null;
    let held = t.create_shopify_order(&held).await;
    t.order_until(&held, "held", |o| o["hold"].is_object())
        .await;
    let counted = oms_tests::eventually(|| async {
        (sum_where(&t, "EmailsSent", "Event", "shipped") >= 1.0).then_some(())
    })
    .await;
    assert!(counted.is_some(), "the shipped email is counted");

    assert_eq!(sum_where(&t, "OrdersReceived", "Channel", "shopify"), 2.0);
    assert_eq!(
        sum_where(&t, "Holds", "Reason", "missing_shipping_address"),
        1.0
    );
    assert_eq!(
        points(&t, "LabelsBought").len(),
        1,
        "one label, counted once"
    );
    let cost = &points(&t, "LabelCost")[0];
    assert!(cost["LabelCost"].as_f64().unwrap() > 0.0);
    assert_eq!(cost["_aws"]["CloudWatchMetrics"][0]["Namespace"], "OMS");
    assert!(sum_where(&t, "EmailsSent", "Event", "order_confirmed") >= 1.0);
    for function in [
        "payment-verification",
        "label-request",
        "customer-notification",
    ] {
        assert!(
            points(&t, "MessageDuration")
                .iter()
                .any(|doc| doc["Function"] == function),
            "{function} reports its messages' durations"
        );
    }
    // No personal data: no line carries an email address.
    assert!(t.oms.aws.metrics.lines().iter().all(|l| !l.contains('@')));
}

#[tokio::test]
async fn a_message_that_fails_is_counted_as_a_retry() {
    let t = start().await;
    t.oms
        .aws
        .sqs
        .send_message()
        .queue_url(&t.oms.resources.refs["PaymentQueue"])
        .message_body("not a message we know")
        .send()
        .await
        .unwrap();
    let retried = oms_tests::eventually(|| async {
        (sum_where(&t, "Retries", "Function", "payment-verification") >= 1.0).then_some(())
    })
    .await;
    assert!(retried.is_some(), "the failure is counted");
    assert_eq!(points(&t, "DeadLetters").len(), 0, "not yet given up on");
}
