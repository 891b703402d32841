//! The in-memory world: AWS services as data structures with the semantics our code depends on,
//! so use cases and whole simulations run without an emulator. Its contract with the real
//! services is checked by the suites in `tests/contract_*.rs`, run on both this world and moto.

pub mod answering;
pub mod capacity;
pub mod carrier;
pub mod clock;
pub mod dynamo;
pub mod expression;
pub mod faults;
pub mod meter;
pub mod s3;
pub mod scheduler;
pub mod ses;
pub mod sqs;

pub use carrier::{MemoryCarrier, SoldLabel};
pub use clock::{epoch, SimClock};
pub use dynamo::{MemoryDynamo, TableSchema};
pub use faults::{Fate, FaultPlan, Faults};
pub use meter::Meter;
pub use s3::MemoryS3;
pub use scheduler::MemoryScheduler;
pub use ses::{MemorySes, Sent};
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
                // A redrive to a queue the template does not declare keeps its messages: SQS
                // refuses such a policy, and so does provisioning the emulator.
                redrive: queue
                    .redrive
                    .as_ref()
                    .filter(|(dlq, _)| template.queues.iter().any(|q| &q.logical_id == dlq))
                    .map(|(dlq, max)| (url(dlq), (*max).min(1000) as u32)),
            },
        );
    }
    (sqs, urls)
}

/// The whole in-memory world: one of each service, sharing one clock and one fault plan.
#[derive(Clone)]
pub struct MemoryWorld {
    pub dynamo: MemoryDynamo,
    pub sqs: MemorySqs,
    pub ses: MemorySes,
    pub s3: MemoryS3,
    pub scheduler: MemoryScheduler,
    pub carrier: MemoryCarrier,
    pub clock: SimClock,
}

impl MemoryWorld {
    /// Creates what template.yaml declares, named as `provision` names it in the emulator.
    pub fn provision(
        template: &crate::template::Template,
        prefix: &str,
        parameters: &std::collections::BTreeMap<String, String>,
        clock: SimClock,
        faults: Faults,
    ) -> anyhow::Result<(Self, crate::provision::Provisioned)> {
        let mut out = crate::provision::Provisioned::default();
        for (name, default) in &template.parameters {
            if let Some(value) = parameters.get(name).cloned().or_else(|| default.clone()) {
                out.refs.insert(name.clone(), value);
            }
        }
        let dynamo = dynamo_from_template(template, prefix, faults.clone())?;
        for table in &template.tables {
            let name = format!("{prefix}-{}", table.logical_id);
            out.arns.insert(
                table.logical_id.clone(),
                format!("arn:aws:dynamodb:us-east-1:000000000000:table/{name}"),
            );
            out.refs.insert(table.logical_id.clone(), name);
        }
        let (sqs, urls) = sqs_from_template(template, prefix, clock.clone(), faults.clone());
        let mut queue_urls = std::collections::BTreeMap::new();
        for (id, url) in urls {
            let arn = format!("arn:aws:sqs:us-east-1:000000000000:{prefix}-{id}");
            queue_urls.insert(arn.clone(), url.clone());
            out.arns.insert(id.clone(), arn);
            out.refs.insert(id, url);
        }
        let mut groups = Vec::new();
        for group in &template.schedule_groups {
            groups.push(format!("{prefix}-{group}"));
            out.refs.insert(group.clone(), format!("{prefix}-{group}"));
        }
        let mut roles = std::collections::BTreeSet::new();
        for role in &template.roles {
            let arn = crate::provision::role_arn("000000000000", prefix, role);
            roles.insert(arn.clone());
            out.arns.insert(role.clone(), arn);
        }
        let scheduler = MemoryScheduler::new(
            groups,
            queue_urls,
            roles,
            sqs.clone(),
            clock.clone(),
            faults.clone(),
        );
        for bucket in &template.buckets {
            out.refs.insert(
                bucket.clone(),
                format!("{prefix}-{bucket}").to_ascii_lowercase(),
            );
        }
        let world = Self {
            dynamo,
            sqs,
            ses: MemorySes::new(faults.clone()),
            s3: MemoryS3::new(faults.clone()),
            scheduler,
            carrier: MemoryCarrier::new(faults),
            clock,
        };
        Ok((world, out))
    }

    /// The ports the functions are built with, on this world.
    pub fn clients(&self) -> oms::aws::Clients {
        oms::aws::Clients {
            carrier: Some(std::sync::Arc::new(self.carrier.clone())),
            schedules: Some(std::sync::Arc::new(self.scheduler.clone())),
            ..oms::aws::Clients::with_ports(
                std::sync::Arc::new(self.dynamo.clone()),
                std::sync::Arc::new(self.sqs.clone()),
                std::sync::Arc::new(self.ses.clone()),
                std::sync::Arc::new(self.s3.clone()),
                std::sync::Arc::new(self.clock.clone()),
            )
        }
    }
}
