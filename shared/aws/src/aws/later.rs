//! Messages due at a moment: a wait SQS can hold (15 minutes or less) is a delayed message; a
//! longer one is one EventBridge Scheduler one-time schedule that delivers the message to the same
//! queue when it is due, instead of a chain of delayed messages coming back every 15 minutes (about
//! 300 of them for a parcel three days out, each a receive, a delete and an invocation).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::aws::queue::{QueueError, MAX_DELAY_SECONDS};
use crate::aws::Queue;
use crate::scheduler::{OneTime, SchedulerError, Schedules};

/// Where the schedules deliver: the queue's ARN, the role the scheduler sends with, the group the
/// schedules live in, and the dead-letter queue for what it cannot deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleTarget {
    pub group: String,
    pub queue_arn: String,
    pub role_arn: String,
    pub dead_letter_arn: String,
}

#[derive(Clone)]
pub struct Later {
    queue: Queue,
    schedules: Schedules,
    target: ScheduleTarget,
}

#[derive(Debug, thiserror::Error)]
pub enum LaterError {
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error("could not schedule {name}: {source}")]
    Schedule {
        name: String,
        source: SchedulerError,
    },
    #[error("could not encode the message: {0}")]
    Encode(#[from] serde_json::Error),
}

impl Later {
    pub fn new(queue: Queue, schedules: Schedules, target: ScheduleTarget) -> Self {
        Self {
            queue,
            schedules,
            target,
        }
    }

    /// Delivers `message` to the queue no sooner than `due` (`now` is our clock). A schedule is
    /// named for its kind, the message and the moment, so a retry of this call creates nothing
    /// new; it fires at the first whole second not before `due`.
    pub async fn send_at<T: Serialize>(
        &self,
        kind: &str,
        message: &T,
        due: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), LaterError> {
        let millis = (due - now).num_milliseconds().max(0);
        let wait = (millis + 999) / 1000;
        if wait <= i64::from(MAX_DELAY_SECONDS) {
            let wait = u32::try_from(wait).unwrap_or(MAX_DELAY_SECONDS);
            return Ok(self.queue.send_after(message, wait).await?);
        }
        let body = serde_json::to_string(message)?;
        let at = due
            .checked_add_signed(chrono::Duration::milliseconds(999))
            .map(|late| late.timestamp())
            .and_then(|second| DateTime::from_timestamp(second, 0))
            .unwrap_or(due);
        let schedule = OneTime {
            group: self.target.group.clone(),
            name: schedule_name(kind, &body, at),
            at,
            queue_arn: self.target.queue_arn.clone(),
            role_arn: self.target.role_arn.clone(),
            dead_letter_arn: Some(self.target.dead_letter_arn.clone()),
            body,
        };
        match self.schedules.create(&schedule).await {
            Ok(()) | Err(SchedulerError::Exists) => Ok(()),
            Err(source) => Err(LaterError::Schedule {
                name: schedule.name,
                source,
            }),
        }
    }
}

/// `<kind>-<32 hex digits of the message and moment's hash>`: within the scheduler's 64
/// characters of `[0-9a-zA-Z-_.]` for any kind of up to 31 of them.
fn schedule_name(kind: &str, body: &str, at: DateTime<Utc>) -> String {
    let mut hash = Sha256::new();
    hash.update(body.as_bytes());
    hash.update(at.timestamp().to_be_bytes());
    let kind: String = kind
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(31)
        .collect();
    format!("{kind}-{}", hex::encode(&hash.finalize()[..16]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schedule_is_named_for_the_message_and_the_moment_within_the_limit() {
        let at = DateTime::from_timestamp(1_800_000_000, 0).expect("time");
        let name = schedule_name("delay", "{\"a\":1}", at);
        assert_eq!(name, schedule_name("delay", "{\"a\":1}", at));
        assert_ne!(name, schedule_name("delay", "{\"a\":2}", at));
        assert_ne!(
            name,
            schedule_name("delay", "{\"a\":1}", at + chrono::Duration::seconds(1))
        );
        let long = schedule_name(&"k".repeat(80), "{}", at);
        assert!(long.len() <= crate::scheduler::MAX_NAME, "{long}");
        assert!(long
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)));
    }
}
