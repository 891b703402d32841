//! One scheduler contract, two worlds: each case runs against EventBridge Scheduler as moto keeps
//! it, fired by the local runner as the service fires it (`on_moto`), and against the in-memory
//! scheduler, which the world's clock fires (`in_memory`); and states what the service does with a
//! one-time schedule that sends a message to a queue and then deletes itself.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use oms::scheduler::{OneTime, SchedulerError, Schedules};
use oms::sqs::Queues;
use oms_tests::oms_local::memory::{self, SimClock};
use oms_tests::oms_local::schedule_runner::Runner;
use oms_tests::unique;

const ROLE: &str = "arn:aws:iam::123456789012:role/contract-scheduler";

struct World {
    schedules: Schedules,
    sqs: Queues,
    queue: String,
    queue_arn: String,
    group: String,
    start: DateTime<Utc>,
    moves: Moves,
}

/// How time passes for the schedules.
enum Moves {
    /// The emulator's schedules fire when the runner looks at them at a moment.
    Runner(Runner),
    Clock(SimClock),
}

impl World {
    /// Time comes to `at`; what is due fires.
    async fn come_to(&self, at: DateTime<Utc>) {
        match &self.moves {
            Moves::Runner(runner) => {
                runner.fire_due(at).await.expect("the runner fires");
            }
            Moves::Clock(clock) => clock.advance(at - clock.now()),
        }
    }

    fn schedule(&self, name: &str, at: DateTime<Utc>, body: &str) -> OneTime {
        OneTime {
            group: self.group.clone(),
            name: name.to_string(),
            at,
            queue_arn: self.queue_arn.clone(),
            role_arn: ROLE.to_string(),
            dead_letter_arn: None,
            body: body.to_string(),
        }
    }

    /// What the queue holds now, handled (deleted) as a consumer does.
    async fn bodies(&self) -> Vec<String> {
        let received = self.sqs.receive(&self.queue, 10).await.unwrap();
        if !received.is_empty() {
            let receipts = received.iter().map(|m| m.receipt_handle.clone()).collect();
            self.sqs.delete(&self.queue, receipts).await.unwrap();
        }
        received.into_iter().map(|m| m.body).collect()
    }
}

async fn moto() -> World {
    let aws = oms::aws::Clients::load().await.with_schedules();
    let name = unique("sched");
    let queue = aws
        .sqs
        .create_queue()
        .queue_name(&name)
        .send()
        .await
        .expect("moto creates queues (run through `cargo xtask test`)")
        .queue_url
        .unwrap();
    let queue_arn = oms_tests::queue_arn(&aws.sqs, &queue).await;
    let client = aws_sdk_scheduler::Client::new(&aws.config);
    client
        .create_schedule_group()
        .name(&name)
        .send()
        .await
        .expect("moto creates schedule groups");
    World {
        schedules: aws.schedules.clone().unwrap(),
        sqs: aws.queues.clone(),
        queue_arn: queue_arn.clone(),
        group: name.clone(),
        start: Utc::now(),
        moves: Moves::Runner(Runner {
            client,
            queues: aws.queues.clone(),
            groups: vec![name],
            queue_urls: BTreeMap::from([(queue_arn, queue.clone())]),
            clock: aws.clock.clone(),
        }),
        queue,
    }
}

fn in_memory() -> World {
    let clock = SimClock::default();
    let sqs = memory::MemorySqs::new(clock.clone(), memory::Faults::default());
    let (queue, queue_arn) = (
        "memory://due".to_string(),
        "arn:aws:sqs:us-east-1:000000000000:due".to_string(),
    );
    sqs.create_queue(
        &queue,
        memory::QueueSettings {
            visibility_timeout: Duration::seconds(30),
            redrive: None,
        },
    );
    let scheduler = memory::MemoryScheduler::new(
        ["later".to_string()],
        BTreeMap::from([(queue_arn.clone(), queue.clone())]),
        BTreeSet::from([ROLE.to_string()]),
        sqs.clone(),
        clock.clone(),
        memory::Faults::default(),
    );
    World {
        schedules: Arc::new(scheduler),
        sqs: Arc::new(sqs),
        queue,
        queue_arn,
        group: "later".into(),
        start: clock.now(),
        moves: Moves::Clock(clock),
    }
}

oms_tests::in_both_worlds!(
    a_schedule_delivers_its_message_once_when_it_is_due,
    a_name_is_taken_until_its_schedule_fires,
);

async fn a_schedule_delivers_its_message_once_when_it_is_due(w: &World) {
    let at = w.start + Duration::hours(3);
    w.schedules
        .create(&w.schedule("parcel-1", at, r#"{"due":"later"}"#))
        .await
        .unwrap();
    w.come_to(at - Duration::minutes(1)).await;
    assert!(w.bodies().await.is_empty(), "nothing before its moment");
    w.come_to(at).await;
    assert_eq!(w.bodies().await, vec![r#"{"due":"later"}"#.to_string()]);
    w.come_to(at + Duration::hours(1)).await;
    assert!(
        w.bodies().await.is_empty(),
        "delivered once: the schedule deleted itself"
    );
}

async fn a_name_is_taken_until_its_schedule_fires(w: &World) {
    let at = w.start + Duration::hours(5);
    let first = w.schedule("cart-1", at, "first");
    w.schedules.create(&first).await.unwrap();
    assert_eq!(
        w.schedules
            .create(&w.schedule("cart-1", at + Duration::hours(1), "second"))
            .await,
        Err(SchedulerError::Exists)
    );
    w.come_to(at).await;
    assert_eq!(w.bodies().await, vec!["first".to_string()]);
    w.schedules
        .create(&w.schedule("cart-1", at + Duration::hours(1), "again"))
        .await
        .expect("the name is free once its schedule fired and deleted itself");
}
