//! The key-value store port: the DynamoDB operations the stores use, in DynamoDB's own vocabulary
//! (items of attribute values, condition and update expressions, all-or-nothing transactions).
//!
//! Two adapters implement it: `sdk::SdkDynamo` sends each operation to DynamoDB (or the emulator)
//! and the in-memory world (`oms-memory`) evaluates it itself with DynamoDB's semantics. The stores
//! only encode and decode, so the same store code runs in both worlds, and one contract suite
//! (`tests/tests/contract_dynamo.rs`) holds both adapters to the same answers.

pub mod sdk;

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

pub use aws_sdk_dynamodb::primitives::Blob;
pub use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, ReturnValue, ReturnValuesOnConditionCheckFailure,
    TransactWriteItem, Update,
};

pub type Item = HashMap<String, AttributeValue>;

/// What every adapter call returns: a boxed future, so the port can be a trait object.
pub type Call<'a, T> = Pin<Box<dyn Future<Output = Result<T, DynamoError>> + Send + 'a>>;

/// DynamoDB's limit on items in one transaction.
pub const MAX_TRANSACTION_ITEMS: usize = 100;
/// DynamoDB's limit on writes in one `BatchWriteItem` call.
pub const MAX_BATCH_WRITES: usize = 25;
/// DynamoDB's limit on keys in one `BatchGetItem` call.
pub const MAX_BATCH_READS: usize = 100;
/// DynamoDB's limit on one item's size (names and values, in bytes).
pub const MAX_ITEM_BYTES: usize = 400 * 1024;

/// The store. Cloning shares the adapter.
pub type Db = Arc<dyn Dynamo>;

pub trait Dynamo: Send + Sync {
    /// One item by its full key.
    fn get<'a>(&'a self, table: &'a str, key: Item, consistent: bool) -> Call<'a, Option<Item>>;

    /// Only the named top-level attributes of one item (a `ProjectionExpression`): an item that
    /// exists but has none of them comes back empty. DynamoDB charges the whole item's size; what
    /// it saves is the transfer and the decoding.
    fn get_attributes<'a>(
        &'a self,
        table: &'a str,
        key: Item,
        attributes: &'a [&'a str],
        consistent: bool,
    ) -> Call<'a, Option<Item>>;

    /// One put, update or delete (the `TransactWriteItem` holding it: a condition check alone is
    /// refused). `returns` asks for the item as it was before the write (`AllOld`) or nothing.
    fn write<'a>(
        &'a self,
        write: TransactWriteItem,
        returns: ReturnValue,
    ) -> Call<'a, Option<Item>>;

    /// All of `items` or none of them. Cancelled: `DynamoError::Cancelled` with a reason per item.
    fn transact<'a>(&'a self, items: Vec<TransactWriteItem>) -> Call<'a, ()>;

    /// One page of a partition, in sort key order.
    fn query<'a>(&'a self, query: Query) -> Call<'a, QueryPage>;

    /// Unconditional puts and deletes, at most `MAX_BATCH_WRITES`; returns those left unprocessed.
    fn batch_write<'a>(
        &'a self,
        table: &'a str,
        writes: Vec<BatchWrite>,
    ) -> Call<'a, Vec<BatchWrite>>;

    /// The items among `keys` (at most `MAX_BATCH_READS`) that exist, and the keys left unprocessed.
    fn batch_get<'a>(
        &'a self,
        table: &'a str,
        keys: Vec<Item>,
        consistent: bool,
    ) -> Call<'a, (Vec<Item>, Vec<Item>)>;
}

/// One write of a batch.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchWrite {
    Put(Item),
    Delete(Item),
}

/// A query's key condition: the partition, and optionally a condition on the sort key.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub table: String,
    /// A global secondary index, or the table's own key.
    pub index: Option<String>,
    pub partition: (String, String),
    /// Sort key attribute and what its value must be.
    pub sort: Option<(String, SortCondition)>,
    pub ascending: bool,
    pub limit: Option<i32>,
    pub start: Option<Item>,
    pub consistent: bool,
}

impl Query {
    /// The partition `name = value` of `table`'s own key, read consistently, ascending.
    pub fn partition(table: &str, name: &str, value: &str) -> Self {
        Self {
            table: table.to_string(),
            index: None,
            partition: (name.to_string(), value.to_string()),
            sort: None,
            ascending: true,
            limit: None,
            start: None,
            consistent: true,
        }
    }

    /// The partition `name = value` of a global secondary index (never read consistently:
    /// DynamoDB refuses that on a GSI).
    pub fn index(table: &str, index: &str, name: &str, value: &str) -> Self {
        Self {
            index: Some(index.to_string()),
            consistent: false,
            ..Self::partition(table, name, value)
        }
    }
}

/// What a query asks of the sort key (strings compare by their UTF-8 bytes, as DynamoDB does).
#[derive(Debug, Clone, PartialEq)]
pub enum SortCondition {
    /// `begins_with(sk, prefix)`
    Prefix(String),
    /// `sk BETWEEN low AND high`, both included.
    Between(String, String),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryPage {
    pub items: Vec<Item>,
    /// Where the next page starts; none on the last page.
    pub last_key: Option<Item>,
}

/// Why an operation did not happen, in DynamoDB's error classes.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DynamoError {
    /// A single write's condition was false; `old` is the item as it is, when asked for.
    #[error("ConditionalCheckFailedException: the conditional request failed")]
    ConditionFailed { old: Option<Item> },
    /// A transaction was cancelled: one reason per item, in order (`None`,
    /// `ConditionalCheckFailed`, `TransactionConflict`, `ValidationError`...).
    #[error("TransactionCanceledException: {0:?}")]
    Cancelled(Vec<String>),
    /// Throttled: safe to retry later. (A transaction that conflicts with another comes back
    /// `Cancelled` with `TransactionConflict` reasons.)
    #[error("throttled: {0}")]
    Throttled(String),
    /// A request DynamoDB refuses (`ValidationException`), item too large among them.
    #[error("ValidationException: {0}")]
    Invalid(String),
    /// The store did not answer: the operation may or may not have happened.
    #[error("DynamoDB unavailable: {0}")]
    Unavailable(String),
}

impl DynamoError {
    /// Whether a cancelled transaction's item at `index` failed its condition.
    pub fn failed_condition_at(&self, index: usize) -> bool {
        matches!(self, Self::Cancelled(reasons)
            if reasons.get(index).map(String::as_str) == Some("ConditionalCheckFailed"))
    }
}

/// Builds the SDK's write types, whose `build` only fails when a required field is missing.
pub fn built<T, E: std::fmt::Display>(result: Result<T, E>) -> Result<T, DynamoError> {
    result.map_err(|e| DynamoError::Invalid(e.to_string()))
}

/// The full key of an item of a table keyed by `PK` and `SK`, as every table of ours is.
pub fn key(pk: impl Into<String>, sk: impl Into<String>) -> Item {
    Item::from([("PK".to_string(), s(pk)), ("SK".to_string(), s(sk))])
}

pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub fn n(value: i64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// A put, update, delete or condition check as an item of a transaction (or a single write).
pub trait Op {
    fn op(self) -> TransactWriteItem;
}

impl Op for Put {
    fn op(self) -> TransactWriteItem {
        TransactWriteItem::builder().put(self).build()
    }
}

impl Op for Update {
    fn op(self) -> TransactWriteItem {
        TransactWriteItem::builder().update(self).build()
    }
}

impl Op for Delete {
    fn op(self) -> TransactWriteItem {
        TransactWriteItem::builder().delete(self).build()
    }
}

impl Op for ConditionCheck {
    fn op(self) -> TransactWriteItem {
        TransactWriteItem::builder().condition_check(self).build()
    }
}
