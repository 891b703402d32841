//! Doing a side effect (sending an email) at most once per key across redelivered messages:
//! claim the key with a lease, do the work, mark it done. A claim whose lease ran out (the worker
//! died) can be taken over; a finished one is never done again.

use std::time::Duration;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use aws_sdk_dynamodb::Client;
use chrono::Utc;

use super::describe;
use super::item::string;
use super::StoreError;

/// Records are kept this long; long after any queue could redeliver the message.
const RETENTION: Duration = Duration::from_secs(30 * 24 * 3600);

#[derive(Clone)]
pub struct IdempotencyStore {
    client: Client,
    table: String,
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
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub async fn claim(&self, key: &str, lease: Duration) -> Result<Claim, StoreError> {
        let now = Utc::now().timestamp();
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("PK", pk(key))
            .item("SK", AttributeValue::S("IDEMP".into()))
            .item("state", AttributeValue::S("in_progress".into()))
            .item("lease_until", n(now + lease.as_secs() as i64))
            .item("expires_at", n(now + RETENTION.as_secs() as i64))
            .condition_expression(
                "attribute_not_exists(PK) OR (#state = :in_progress AND lease_until < :now)",
            )
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":in_progress", AttributeValue::S("in_progress".into()))
            .expression_attribute_values(":now", n(now))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(Claim::Proceed),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {
                let done = old_item(e.err())
                    .and_then(|item| string(item, "state"))
                    .is_some_and(|state| state == "done");
                Ok(if done {
                    Claim::AlreadyDone
                } else {
                    Claim::InProgress
                })
            }
            Err(e) => Err(StoreError::Dynamo(describe(&e))),
        }
    }

    pub async fn complete(&self, key: &str) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("PK", pk(key))
            .key("SK", AttributeValue::S("IDEMP".into()))
            .update_expression("SET #state = :done REMOVE lease_until")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":done", AttributeValue::S("done".into()))
            .send()
            .await
            .map_err(|e| StoreError::Dynamo(describe(&e)))?;
        Ok(())
    }

    /// Gives a claim back after a failure, so the retry need not wait out the lease.
    pub async fn release(&self, key: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("PK", pk(key))
            .key("SK", AttributeValue::S("IDEMP".into()))
            .condition_expression("#state = :in_progress")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":in_progress", AttributeValue::S("in_progress".into()))
            .send()
            .await
            .map_err(|e| StoreError::Dynamo(describe(&e)))?;
        Ok(())
    }
}

/// The item that failed a put's condition, when `ReturnValuesOnConditionCheckFailure` asked for it.
pub(crate) fn old_item(
    error: &aws_sdk_dynamodb::operation::put_item::PutItemError,
) -> Option<&super::item::Item> {
    match error {
        aws_sdk_dynamodb::operation::put_item::PutItemError::ConditionalCheckFailedException(c) => {
            c.item()
        }
        _ => None,
    }
}

fn pk(key: &str) -> AttributeValue {
    AttributeValue::S(format!("IDEMP#{key}"))
}

fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}
