//! The in-memory world: AWS services as data structures with the semantics our code depends on,
//! so use cases and whole simulations run without an emulator. Its contract with the real
//! services is checked by the suites in `tests/contract_*.rs`, run on both this world and moto.

pub mod clock;
pub mod dynamo;
pub mod expression;
pub mod faults;
pub mod sqs;

pub use clock::SimClock;
pub use dynamo::{MemoryDynamo, TableSchema};
pub use faults::{Fate, FaultPlan, Faults};
pub use sqs::{MemorySqs, QueueSettings};

/// Every table template.yaml declares, named as `provision` names them (`<prefix>-<logical id>`).
pub fn dynamo_from_template(
    template: &crate::template::Template,
    prefix: &str,
    faults: Faults,
) -> anyhow::Result<MemoryDynamo> {
    let dynamo = MemoryDynamo::new(faults);
    for table in &template.tables {
        dynamo.create_table(
            &format!("{prefix}-{}", table.logical_id),
            TableSchema::from_template(&table.properties)?,
        );
    }
    Ok(dynamo)
}

/// Every queue template.yaml declares, with its visibility timeout and redrive policy; their
/// URLs are `memory://<prefix>-<logical id>`. Returns the queues and each logical id's URL.
pub fn sqs_from_template(
    template: &crate::template::Template,
    prefix: &str,
    clock: SimClock,
    faults: Faults,
) -> (MemorySqs, std::collections::BTreeMap<String, String>) {
    let sqs = MemorySqs::new(clock, faults);
    let url = |id: &str| format!("memory://{prefix}-{id}");
    let urls = template
        .queues
        .iter()
        .map(|q| (q.logical_id.clone(), url(&q.logical_id)))
        .collect();
    for queue in &template.queues {
        sqs.create_queue(
            &url(&queue.logical_id),
            QueueSettings {
                // SQS's default when a queue names none.
                visibility_timeout: chrono::Duration::seconds(
                    queue.visibility_timeout.unwrap_or(30).min(43_200) as i64,
                ),
                redrive: queue
                    .redrive
                    .as_ref()
                    .map(|(dlq, max)| (url(dlq), (*max).min(1000) as u32)),
            },
        );
    }
    (sqs, urls)
}
