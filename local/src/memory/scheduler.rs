//! EventBridge Scheduler in memory: a one-time schedule puts its message on its target queue at
//! its moment (the queue holds it until then, on the world's clock), and its name stays taken
//! until it has fired, as a schedule that deletes itself after completion does. Names, groups and
//! targets are checked as the service checks them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use oms::scheduler::{Call, OneTime, Scheduler, SchedulerError, MAX_NAME};

use super::clock::SimClock;
use super::faults::{Faults, Injected};
use super::sqs::MemorySqs;

/// A group's schedules by name, with their moment.
type Group = BTreeMap<String, DateTime<Utc>>;

#[derive(Clone)]
pub struct MemoryScheduler {
    /// Each group's schedules not yet fired.
    groups: Arc<Mutex<BTreeMap<String, Group>>>,
    /// The queues a schedule may target: their ARNs, and their URLs in `sqs`.
    queues: BTreeMap<String, String>,
    roles: BTreeSet<String>,
    sqs: MemorySqs,
    clock: SimClock,
    faults: Faults,
}

impl Injected for SchedulerError {
    fn failed() -> Self {
        SchedulerError::Unavailable("InternalServerException (injected)".into())
    }
    fn throttled() -> Self {
        SchedulerError::Throttled("ThrottlingException (injected)".into())
    }
    fn lost() -> Self {
        SchedulerError::Unavailable("the answer was lost after the call (injected)".into())
    }
}

impl MemoryScheduler {
    /// `queues`: each target queue's ARN and URL; `roles`: the roles it may send with.
    pub fn new(
        groups: impl IntoIterator<Item = String>,
        queues: BTreeMap<String, String>,
        roles: BTreeSet<String>,
        sqs: MemorySqs,
        clock: SimClock,
        faults: Faults,
    ) -> Self {
        Self {
            groups: Arc::new(Mutex::new(
                groups.into_iter().map(|g| (g, BTreeMap::new())).collect(),
            )),
            queues,
            roles,
            sqs,
            clock,
            faults,
        }
    }

    fn add(&self, schedule: &OneTime) -> Result<(), SchedulerError> {
        let invalid = |what: String| {
            Err(SchedulerError::Invalid(format!(
                "ValidationException: {what}"
            )))
        };
        let name_ok = !schedule.name.is_empty()
            && schedule.name.len() <= MAX_NAME
            && schedule
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !name_ok {
            return invalid(format!("invalid schedule name {:?}", schedule.name));
        }
        if !self.roles.contains(&schedule.role_arn) {
            return invalid(format!("role {} cannot be assumed", schedule.role_arn));
        }
        let Some(url) = self.queues.get(&schedule.queue_arn) else {
            return invalid(format!("no queue {}", schedule.queue_arn));
        };
        let now = self.clock.now();
        let mut groups = self.groups.lock().expect("schedules");
        let Some(group) = groups.get_mut(&schedule.group) else {
            return Err(SchedulerError::Invalid(format!(
                "ResourceNotFoundException: Schedule group {} does not exist.",
                schedule.group
            )));
        };
        // Fired ones deleted themselves.
        group.retain(|_, at| *at > now);
        if group.contains_key(&schedule.name) {
            return Err(SchedulerError::Exists);
        }
        self.sqs
            .deliver_at(url, schedule.body.clone(), schedule.at)
            .map_err(|e| SchedulerError::Invalid(e.to_string()))?;
        group.insert(schedule.name.clone(), schedule.at);
        Ok(())
    }
}

impl Scheduler for MemoryScheduler {
    fn create<'a>(&'a self, schedule: &'a OneTime) -> Call<'a, ()> {
        Box::pin(async move {
            let fate = self.faults.call("scheduler", "CreateSchedule").await;
            fate.before()?;
            self.add(schedule)?;
            fate.after(())
        })
    }
}
