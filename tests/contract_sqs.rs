//! One queue contract, two worlds: each case runs against SQS as moto serves it (`on_moto`, in
//! real seconds) and against the in-memory queues (`in_memory`, on a clock that moves only when
//! the case waits), and states what SQS does.

use std::sync::Arc;

use aws_sdk_sqs::types::QueueAttributeName;
use oms::sqs::{Queues, SqsError, MAX_BATCH};
use oms_tests::oms_local::memory::{self, SimClock};
use oms_tests::unique;

/// Long enough that a receive's own second of long polling never outlasts it.
const VISIBILITY_SECONDS: i64 = 4;
const MAX_RECEIVES: u32 = 2;

struct World {
    sqs: Queues,
    queue: String,
    dead_letters: String,
    clock: Option<SimClock>,
}

impl World {
    async fn wait(&self, seconds: f64) {
        match &self.clock {
            Some(clock) => clock.advance(chrono::Duration::milliseconds((seconds * 1000.0) as i64)),
            None => tokio::time::sleep(std::time::Duration::from_secs_f64(seconds)).await,
        }
    }
}

async fn moto() -> World {
    let aws = oms::aws::Clients::load().await;
    let name = unique("contract");
    let dlq = aws
        .sqs
        .create_queue()
        .queue_name(format!("{name}-dlq"))
        .send()
        .await
        .expect("moto creates queues (run through `cargo xtask test`)")
        .queue_url
        .unwrap();
    let dlq_arn = oms_tests::queue_arn(&aws.sqs, &dlq).await;
    let queue = aws
        .sqs
        .create_queue()
        .queue_name(&name)
        .attributes(
            QueueAttributeName::VisibilityTimeout,
            VISIBILITY_SECONDS.to_string(),
        )
        .attributes(
            QueueAttributeName::RedrivePolicy,
            serde_json::json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVES})
                .to_string(),
        )
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    World {
        sqs: aws.queues.clone(),
        queue,
        dead_letters: dlq,
        clock: None,
    }
}

fn in_memory() -> World {
    let clock = SimClock::default();
    let sqs = memory::MemorySqs::new(clock.clone(), memory::Faults::default());
    let (queue, dlq) = ("memory://q".to_string(), "memory://q-dlq".to_string());
    sqs.create_queue(
        &dlq,
        memory::QueueSettings {
            visibility_timeout: chrono::Duration::seconds(30),
            redrive: None,
        },
    );
    sqs.create_queue(
        &queue,
        memory::QueueSettings {
            visibility_timeout: chrono::Duration::seconds(VISIBILITY_SECONDS),
            redrive: Some((dlq.clone(), MAX_RECEIVES)),
        },
    );
    World {
        sqs: Arc::new(sqs),
        queue,
        dead_letters: dlq,
        clock: Some(clock),
    }
}

oms_tests::in_both_worlds!(
    a_message_comes_back_until_it_is_deleted,
    a_message_received_too_often_moves_to_the_dead_letter_queue,
    a_delayed_message_waits_and_delays_stop_at_15_minutes,
    batches_hold_at_most_10_messages,
    bodies_stop_at_1_mib,
);

async fn a_message_comes_back_until_it_is_deleted(w: &World) {
    w.sqs.send(&w.queue, "hello".into(), 0).await.unwrap();
    let first = w.sqs.receive(&w.queue, 10).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(
        (first[0].body.as_str(), first[0].receive_count),
        ("hello", 1)
    );
    assert!(
        w.sqs.receive(&w.queue, 10).await.unwrap().is_empty(),
        "hidden while being handled"
    );
    w.wait(VISIBILITY_SECONDS as f64 + 0.5).await;
    let again = w.sqs.receive(&w.queue, 10).await.unwrap();
    assert_eq!(again.len(), 1, "redelivered after the visibility timeout");
    assert_eq!(again[0].message_id, first[0].message_id);
    assert_eq!(again[0].receive_count, 2);
    assert_ne!(
        again[0].receipt_handle, first[0].receipt_handle,
        "a new receipt each time"
    );
    w.sqs
        .delete(&w.queue, vec![again[0].receipt_handle.clone()])
        .await
        .unwrap();
    w.wait(VISIBILITY_SECONDS as f64 + 0.5).await;
    assert!(
        w.sqs.receive(&w.queue, 10).await.unwrap().is_empty(),
        "deleted for good"
    );
}

async fn a_message_received_too_often_moves_to_the_dead_letter_queue(w: &World) {
    w.sqs.send(&w.queue, "poison".into(), 0).await.unwrap();
    for attempt in 1..=MAX_RECEIVES {
        let got = w.sqs.receive(&w.queue, 10).await.unwrap();
        assert_eq!(got.len(), 1, "attempt {attempt}");
        assert_eq!(got[0].receive_count, attempt);
        w.wait(VISIBILITY_SECONDS as f64 + 0.5).await;
    }
    assert!(
        w.sqs.receive(&w.queue, 10).await.unwrap().is_empty(),
        "not delivered a third time"
    );
    let dead = w.sqs.receive(&w.dead_letters, 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].body, "poison");
}

async fn a_delayed_message_waits_and_delays_stop_at_15_minutes(w: &World) {
    w.sqs.send(&w.queue, "later".into(), 3).await.unwrap();
    assert!(w.sqs.receive(&w.queue, 10).await.unwrap().is_empty());
    w.wait(3.0).await;
    let got = w.sqs.receive(&w.queue, 10).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body, "later");
    let refused = w.sqs.send(&w.queue, "too late".into(), 901).await;
    assert!(matches!(refused, Err(SqsError::Invalid(_))), "{refused:?}");
}

async fn batches_hold_at_most_10_messages(w: &World) {
    let bodies = |n: usize| (0..n).map(|i| format!("m{i}")).collect::<Vec<_>>();
    assert!(matches!(
        w.sqs.send_batch(&w.queue, bodies(MAX_BATCH + 1)).await,
        Err(SqsError::Invalid(_))
    ));
    assert_eq!(
        w.sqs.send_batch(&w.queue, bodies(MAX_BATCH)).await.unwrap(),
        Vec::new()
    );
    assert!(matches!(
        w.sqs.receive(&w.queue, MAX_BATCH + 1).await,
        Err(SqsError::Invalid(_))
    ));
    let mut seen = Vec::new();
    for _ in 0..20 {
        let got = w.sqs.receive(&w.queue, MAX_BATCH).await.unwrap();
        if !got.is_empty() {
            w.sqs
                .delete(
                    &w.queue,
                    got.iter().map(|m| m.receipt_handle.clone()).collect(),
                )
                .await
                .unwrap();
        }
        seen.extend(got.into_iter().map(|m| m.body));
        if seen.len() == MAX_BATCH {
            break;
        }
    }
    seen.sort();
    let mut expected = bodies(MAX_BATCH);
    expected.sort();
    assert_eq!(seen, expected, "every message of the batch, once");
}

async fn bodies_stop_at_1_mib(w: &World) {
    let refused = w.sqs.send(&w.queue, "x".repeat(1024 * 1024 + 1), 0).await;
    assert!(matches!(refused, Err(SqsError::Invalid(_))), "{refused:?}");
    w.sqs
        .send(&w.queue, "x".repeat(1000 * 1024), 0)
        .await
        .unwrap();
}
