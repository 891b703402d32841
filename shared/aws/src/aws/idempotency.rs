//! Doing a side effect (sending an email) at most once per key across redelivered messages:
//! claim the key with a lease, do the work, mark it done. A claim whose lease ran out (the worker
//! died) can be taken over; a finished one is never done again.

use std::time::Duration;

use crate::dynamo::{
    built, AttributeValue, Db, Delete, DynamoError, Op, Put, ReturnValue,
    ReturnValuesOnConditionCheckFailure, Update,
};

use super::item::string;
use super::StoreError;

/// Records are kept this long; long after any queue could redeliver the message.
const RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

#[derive(Clone)]
pub struct IdempotencyStore {
    db: Db,
    table: String,
    clock: crate::clock::Time,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Ours: do the work, then `complete`.
    Proceed,
    /// Done before: skip.
    AlreadyDone,
    /// Someone else holds a live lease: try again later.
    InProgress,
}

impl IdempotencyStore {
    pub fn new(db: Db, table: impl Into<String>) -> Self {
        Self {
            db,
            table: table.into(),
            clock: crate::clock::system(),
        }
    }

    /// Leases run on `clock` instead of the system's.
    pub fn with_clock(self, clock: crate::clock::Time) -> Self {
        Self { clock, ..self }
    }

    pub async fn claim(&self, key: &str, lease: Duration) -> Result<Claim, StoreError> {
        let now = self.clock.now().timestamp();
        // Whose claim it is: a claim written whose answer was lost is found again by the SDK's
        // retry, and must be taken for this worker's own, not another's.
        let owner = format!("{:016x}", self.clock.unique());
        let put = Put::builder()
            .table_name(&self.table)
            .item("PK", pk(key))
            .item("SK", AttributeValue::S("IDEMP".into()))
            .item("state", AttributeValue::S("in_progress".into()))
            .item("owner", AttributeValue::S(owner.clone()))
            .item("lease_until", n(now + lease.as_secs() as i64))
            .item("expires_at", n(now + RETENTION.as_secs() as i64))
            .condition_expression(
                "attribute_not_exists(PK) OR (#state = :in_progress AND lease_until < :now)",
            )
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":in_progress", AttributeValue::S("in_progress".into()))
            .expression_attribute_values(":now", n(now))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build();
        match self.db.write(built(put)?.op(), ReturnValue::None).await {
            Ok(_) => Ok(Claim::Proceed),
            Err(DynamoError::ConditionFailed { old })
                if old
                    .as_ref()
                    .and_then(|item| string(item, "owner"))
                    .is_some_and(|o| o == owner) =>
            {
                Ok(Claim::Proceed)
            }
            Err(DynamoError::ConditionFailed { old }) => {
                let done = old
                    .as_ref()
                    .and_then(|item| string(item, "state"))
                    .is_some_and(|state| state == "done");
                Ok(if done {
                    Claim::AlreadyDone
                } else {
                    Claim::InProgress
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    pub async fn complete(&self, key: &str) -> Result<(), StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .key("PK", pk(key))
            .key("SK", AttributeValue::S("IDEMP".into()))
            .update_expression("SET #state = :done REMOVE lease_until, #owner")
            .expression_attribute_names("#owner", "owner")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":done", AttributeValue::S("done".into()))
            .build();
        self.db
            .write(built(update)?.op(), ReturnValue::None)
            .await?;
        Ok(())
    }

    /// Gives a claim back after a failure, so the retry need not wait out the lease.
    pub async fn release(&self, key: &str) -> Result<(), StoreError> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .key("PK", pk(key))
            .key("SK", AttributeValue::S("IDEMP".into()))
            .condition_expression("#state = :in_progress")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":in_progress", AttributeValue::S("in_progress".into()))
            .build();
        self.db
            .write(built(delete)?.op(), ReturnValue::None)
            .await?;
        Ok(())
    }
}

fn pk(key: &str) -> AttributeValue {
    AttributeValue::S(format!("IDEMP#{key}"))
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}
