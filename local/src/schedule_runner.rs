//! EventBridge Scheduler's delivery against the emulator: moto keeps schedules (create, get, list,
//! delete) but never fires them, so the local runner does, as the service would: each one-time
//! schedule whose `at(...)` moment has come sends its input to its target queue, then deletes
//! itself.

use std::collections::BTreeMap;

use anyhow::{anyhow, Context, Result};
use chrono::{DateTime, Utc};
use oms::scheduler::OneTime;
use oms::sqs::Queues;

/// How often the emulator's schedules are looked at (the service's own precision is a minute).
const EVERY: std::time::Duration = std::time::Duration::from_secs(1);

pub struct Runner {
    pub client: aws_sdk_scheduler::Client,
    pub queues: Queues,
    pub groups: Vec<String>,
    /// Each target queue's ARN, and its URL.
    pub queue_urls: BTreeMap<String, String>,
    pub clock: oms::clock::Time,
}

impl Runner {
    pub async fn run(self) {
        loop {
            if let Err(e) = self.fire_due(self.clock.now()).await {
                tracing::warn!(error = %e, "firing schedules failed; retrying");
            }
            tokio::time::sleep(EVERY).await;
        }
    }

    /// Fires every schedule due by `now`; answers how many fired.
    pub async fn fire_due(&self, now: DateTime<Utc>) -> Result<usize> {
        let mut fired = 0;
        for group in &self.groups {
            let mut next = None;
            loop {
                let page = self
                    .client
                    .list_schedules()
                    .group_name(group)
                    .set_next_token(next.take())
                    .send()
                    .await
                    .with_context(|| format!("listing schedules of {group}"))?;
                for summary in page.schedules() {
                    let Some(name) = summary.name() else { continue };
                    if self.fire_if_due(group, name, now).await? {
                        fired += 1;
                    }
                }
                match page.next_token() {
                    Some(token) => next = Some(token.to_string()),
                    None => break,
                }
            }
        }
        Ok(fired)
    }

    async fn fire_if_due(&self, group: &str, name: &str, now: DateTime<Utc>) -> Result<bool> {
        let schedule = self
            .client
            .get_schedule()
            .group_name(group)
            .name(name)
            .send()
            .await
            .with_context(|| format!("reading schedule {name}"))?;
        let Some(at) = schedule
            .schedule_expression()
            .and_then(OneTime::parse_expression)
        else {
            return Ok(false);
        };
        if at > now {
            return Ok(false);
        }
        let target = schedule
            .target()
            .ok_or_else(|| anyhow!("schedule {name} has no target"))?;
        let url = self.queue_urls.get(target.arn()).ok_or_else(|| {
            anyhow!(
                "schedule {name} targets {}, not a queue of the stack",
                target.arn()
            )
        })?;
        let input = target.input().unwrap_or_default().to_string();
        self.queues.send(url, input, 0).await?;
        self.client
            .delete_schedule()
            .group_name(group)
            .name(name)
            .send()
            .await
            .with_context(|| format!("deleting schedule {name}"))?;
        Ok(true)
    }
}
