//! Many items at once: a partition read whole (page after page), and DynamoDB's batches (25
//! writes, 100 reads a call), asking again for whatever it left unprocessed.

use std::time::Duration;

use super::StoreError;
use crate::dynamo::{
    BatchWrite, Db, Item, Query, SortCondition, MAX_BATCH_READS, MAX_BATCH_WRITES,
};

/// Rounds of unprocessed leftovers before giving up (with backoff between).
const MAX_ROUNDS: u32 = 8;

/// A partition's items (those whose sort key starts with `sk_prefix`, when given), read
/// consistently: every page, or only the first `limit` items.
pub async fn query(
    db: &Db,
    table: &str,
    pk: &str,
    sk_prefix: Option<&str>,
    ascending: bool,
    limit: Option<i32>,
) -> Result<Vec<Item>, StoreError> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let query = Query {
            sort: sk_prefix
                .map(|prefix| ("SK".to_string(), SortCondition::Prefix(prefix.to_string()))),
            ascending,
            limit,
            start,
            ..Query::partition(table, "PK", pk)
        };
        let page = db.query(query).await?;
        items.extend(page.items);
        start = page.last_key;
        if start.is_none() || limit.is_some() {
            return Ok(items);
        }
    }
}

/// Puts every item (unconditionally: batch writes take no conditions).
pub async fn put_all(db: &Db, table: &str, items: Vec<Item>) -> Result<(), StoreError> {
    write_all(db, table, items.into_iter().map(BatchWrite::Put).collect()).await
}

/// Every put and delete, 25 a call.
pub async fn write_all(db: &Db, table: &str, writes: Vec<BatchWrite>) -> Result<(), StoreError> {
    let mut all = writes.into_iter();
    loop {
        let mut writes: Vec<BatchWrite> = all.by_ref().take(MAX_BATCH_WRITES).collect();
        if writes.is_empty() {
            return Ok(());
        }
        for round in 0.. {
            writes = db.batch_write(table, writes).await?;
            if writes.is_empty() {
                break;
            }
            backoff(round).await?;
        }
    }
}

/// The items that exist among `keys`, read consistently.
pub async fn get_all(db: &Db, table: &str, keys: Vec<Item>) -> Result<Vec<Item>, StoreError> {
    let mut found = Vec::new();
    let mut all = keys.into_iter();
    loop {
        let mut wanted: Vec<Item> = all.by_ref().take(MAX_BATCH_READS).collect();
        if wanted.is_empty() {
            return Ok(found);
        }
        let mut round = 0;
        while !wanted.is_empty() {
            let (items, left) = db.batch_get(table, wanted, true).await?;
            found.extend(items);
            wanted = left;
            if !wanted.is_empty() {
                backoff(round).await?;
                round += 1;
            }
        }
    }
}

async fn backoff(round: u32) -> Result<(), StoreError> {
    if round >= MAX_ROUNDS {
        return Err(StoreError::Dynamo(
            "a batch kept leaving items unprocessed".into(),
        ));
    }
    tokio::time::sleep(Duration::from_millis(50 << round)).await;
    Ok(())
}
