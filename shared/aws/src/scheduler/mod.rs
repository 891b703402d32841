//! The scheduler port: a one-time schedule that sends a message to a queue at a moment, for waits
//! longer than SQS's 15-minute delay (a cart reminder hours away, a parcel's delay check days
//! away). `sdk::SdkScheduler` creates it in EventBridge Scheduler; the in-memory world
//! (`oms_local::memory`) delivers it itself at that moment; `cargo xtask dev`'s runner fires the
//! emulator's schedules; `tests/contract_scheduler.rs` holds both worlds to the same answers.

pub mod sdk;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, Utc};

pub type Call<'a, T> = Pin<Box<dyn Future<Output = Result<T, SchedulerError>> + Send + 'a>>;

/// The schedules. Cloning shares the adapter.
pub type Schedules = Arc<dyn Scheduler>;

/// EventBridge Scheduler's limit on a schedule's name (`[0-9a-zA-Z-_.]+`).
pub const MAX_NAME: usize = 64;

pub trait Scheduler: Send + Sync {
    /// Creates `schedule`, which fires once and deletes itself. A schedule of the same name in the
    /// group that has not fired yet is `SchedulerError::Exists`.
    fn create<'a>(&'a self, schedule: &'a OneTime) -> Call<'a, ()>;
}

/// "Send `body` to the queue `queue_arn` at `at`", as EventBridge Scheduler does it with
/// `role_arn`'s permission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneTime {
    pub group: String,
    pub name: String,
    /// To the second: `at()` expressions take no fractions.
    pub at: DateTime<Utc>,
    pub queue_arn: String,
    pub role_arn: String,
    /// Where a message the scheduler cannot deliver goes.
    pub dead_letter_arn: Option<String>,
    pub body: String,
}

impl OneTime {
    /// The schedule expression: `at(yyyy-mm-ddThh:mm:ss)`, in UTC.
    pub fn expression(&self) -> String {
        format!("at({})", self.at.format("%Y-%m-%dT%H:%M:%S"))
    }

    /// The moment an `at(...)` expression names (UTC), if it is one.
    pub fn parse_expression(expression: &str) -> Option<DateTime<Utc>> {
        let inner = expression.strip_prefix("at(")?.strip_suffix(')')?;
        chrono::NaiveDateTime::parse_from_str(inner, "%Y-%m-%dT%H:%M:%S")
            .ok()
            .map(|at| at.and_utc())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchedulerError {
    /// A schedule of that name is waiting already (`ConflictException`).
    #[error("a schedule of that name exists")]
    Exists,
    /// A request the scheduler refuses (a bad name, group, role or expression).
    #[error("invalid request: {0}")]
    Invalid(String),
    #[error("throttled: {0}")]
    Throttled(String),
    /// No answer: the schedule may or may not have been created.
    #[error("EventBridge Scheduler unavailable: {0}")]
    Unavailable(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_at_expression_names_the_second_in_utc_and_reads_back() {
        let at = DateTime::parse_from_rfc3339("2026-12-09T17:04:05Z")
            .expect("time")
            .with_timezone(&Utc);
        let schedule = OneTime {
            group: "g".into(),
            name: "n".into(),
            at,
            queue_arn: "arn:aws:sqs:us-east-1:1:q".into(),
            role_arn: "arn:aws:iam::1:role/r".into(),
            dead_letter_arn: None,
            body: "{}".into(),
        };
        assert_eq!(schedule.expression(), "at(2026-12-09T17:04:05)");
        assert_eq!(OneTime::parse_expression(&schedule.expression()), Some(at));
        assert_eq!(OneTime::parse_expression("rate(5 minutes)"), None);
    }
}
