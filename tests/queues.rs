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
    let answer: serde_json::Value = t
        .shopify("orders/create", &serde_json::to_vec(&order).unwrap())
        .await
        .json()
        .await
        .unwrap();
    let id = answer["order_id"].as_str().unwrap();

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
