//! The queues behave like Lambda's SQS event sources: a message the consumer cannot handle is
//! retried and then parked in the dead-letter queue, without holding back the good ones.

use std::time::{Duration, Instant};

use aws_sdk_sqs::types::QueueAttributeName;
use oms_tests::{shopify_order, start, unique};

#[tokio::test]
async fn a_poison_message_ends_in_the_dead_letter_queue_and_good_ones_flow() {
    let t = start().await;
    let sqs = &t.oms.aws.sqs;
    let queue = &t.oms.resources.refs["PaymentQueue"];
    let dead_letters = &t.oms.resources.refs["PaymentDeadLetterQueue"];
    // Retries come back after the visibility timeout: shorten it so five receives take seconds.
    sqs.set_queue_attributes()
        .queue_url(queue)
        .attributes(QueueAttributeName::VisibilityTimeout, "1")
        .send()
        .await
        .unwrap();

    // A long poll already waiting took the old timeout with it; let it finish first.
    tokio::time::sleep(Duration::from_secs(2)).await;

    sqs.send_message()
        .queue_url(queue)
        .message_body(r#"{"order_id":"not-an-order"}"#)
        .send()
        .await
        .unwrap();
    let order = shopify_order(&unique("55"), &format!("{}@example.com", unique("q")));
    let id = &t.create_shopify_order(&order).await;

    // The good order goes through while the poison message is being retried.
    t.order_until(id, "shipped", |o| o["status"] == "shipped")
        .await;

    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let received = sqs
            .receive_message()
            .queue_url(dead_letters)
            .wait_time_seconds(1)
            .send()
            .await
            .unwrap();
        if let Some(message) = received.messages().first() {
            assert_eq!(message.body(), Some(r#"{"order_id":"not-an-order"}"#));
            break;
        }
        assert!(
            Instant::now() < deadline,
            "poison message never reached the DLQ"
        );
    }
}

#[tokio::test]
async fn a_storm_of_duplicate_label_requests_buys_one_label() {
    let t = start().await;
    let mut order = shopify_order(&unique("56"), &format!("{}@example.com", unique("storm")));
    // Unpaid: it waits in `open`, so the duplicates below all race the first purchase.
    order["financial_status"] = serde_json::json!("pending");
    let body = serde_json::to_vec(&order).unwrap();
    let answer: serde_json::Value = t
        .shopify("orders/create", &body)
        .await
        .json()
        .await
        .unwrap();
    let id = answer["order_id"].as_str().unwrap().to_string();

    order["financial_status"] = serde_json::json!("paid");
    order["updated_at"] = serde_json::json!("2026-10-02T10:00:00-04:00");
    t.shopify("orders/paid", &serde_json::to_vec(&order).unwrap())
        .await;
    t.request_labels(&id, 8).await;

    let shipped = t
        .order_until(&id, "shipped", |o| o["status"] == "shipped")
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let settled = t.order(&id).await;
    assert_eq!(
        settled["shipments"].as_array().unwrap().len(),
        1,
        "{settled}"
    );
    assert_eq!(settled["hold"], serde_json::Value::Null);
    let purchases = settled["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "label_purchased")
        .count();
    assert_eq!(purchases, 1);
    assert_eq!(
        shipped["shipments"][0]["tracking_code"],
        settled["shipments"][0]["tracking_code"]
    );
}

/// Copies of one notification that arrive together (a webhook delivered twice, a message
/// delivered twice) send one email, and the copies that found it being sent wait for it instead
/// of failing: none comes back after the visibility timeout, none is spent towards the
/// dead-letter queue.
#[tokio::test]
async fn a_storm_of_duplicate_notifications_sends_one_email_and_none_is_retried() {
    let t = start().await;
    let email = format!("{}@example.com", unique("copies"));
    let order = t.shipped_order(&email).await;
    let id = order["id"].as_str().unwrap();
    let shipment = order["shipments"][0]["id"].as_str().unwrap();
    let notify_queue = &t.oms.resources.refs["NotifyQueue"];
    let before = oms_tests::eventually(|| async {
        let sent = oms_tests::emails_to(&email).await;
        (sent.len() >= 2).then_some(sent.len())
    })
    .await
    .expect("the order's confirmation and shipped emails");

    let body = format!(r#"{{"order_id":"{id}","event":"delivered","shipment_id":"{shipment}"}}"#);
    let mut batch = t.oms.aws.sqs.send_message_batch().queue_url(notify_queue);
    for copy in 0..8 {
        batch = batch.entries(
            aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                .id(format!("copy{copy}"))
                .message_body(&body)
                .build()
                .unwrap(),
        );
    }
    batch.send().await.unwrap();

    // A copy given back would stay in flight for the queue's 60 s visibility timeout.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let attributes = t
            .oms
            .aws
            .sqs
            .get_queue_attributes()
            .queue_url(notify_queue)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .unwrap();
        let waiting: u32 = attributes
            .attributes()
            .into_iter()
            .flatten()
            .map(|(_, count)| count.parse::<u32>().unwrap())
            .sum();
        if waiting == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{waiting} copies still in the notify queue"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(oms_tests::emails_to(&email).await.len(), before + 1);
}
