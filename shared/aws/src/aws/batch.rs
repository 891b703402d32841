//! Many items at once: a partition read whole (page after page), and DynamoDB's batches (25
//! writes, 100 reads a call), asking again for whatever it left unprocessed.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::{KeysAndAttributes, PutRequest, WriteRequest};
use aws_sdk_dynamodb::Client;

use aws_sdk_dynamodb::types::AttributeValue;

use super::item::Item;
use super::{describe, StoreError};

const WRITE_ITEMS: usize = 25;
const READ_KEYS: usize = 100;
/// Rounds of unprocessed leftovers before giving up (with backoff between).
const MAX_ROUNDS: u32 = 8;

/// A partition's items (those whose sort key starts with `sk_prefix`, when given), read
/// consistently: every page, or only the first `limit` items.
pub async fn query(
    client: &Client,
    table: &str,
    pk: &str,
    sk_prefix: Option<&str>,
    ascending: bool,
    limit: Option<i32>,
) -> Result<Vec<Item>, StoreError> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let mut query = client
            .query()
            .table_name(table)
            .consistent_read(true)
            .scan_index_forward(ascending)
            .expression_attribute_values(":pk", AttributeValue::S(pk.to_string()))
            .set_exclusive_start_key(start)
            .set_limit(limit);
        query = match sk_prefix {
            Some(prefix) => query
                .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
                .expression_attribute_values(":prefix", AttributeValue::S(prefix.to_string())),
            None => query.key_condition_expression("PK = :pk"),
        };
        let output = query
            .send()
            .await
            .map_err(|e| StoreError::Dynamo(describe(&e)))?;
        items.extend(output.items.unwrap_or_default());
        start = output.last_evaluated_key;
        if start.is_none() || limit.is_some() {
            return Ok(items);
        }
    }
}

/// Puts every item (unconditionally: batch writes take no conditions).
pub async fn put_all(client: &Client, table: &str, items: Vec<Item>) -> Result<(), StoreError> {
    for batch in items.chunks(WRITE_ITEMS) {
        let mut requests: Vec<WriteRequest> = batch
            .iter()
            .map(|item| {
                PutRequest::builder()
                    .set_item(Some(item.clone()))
                    .build()
                    .map(|put| WriteRequest::builder().put_request(put).build())
                    .map_err(|e| StoreError::Dynamo(e.to_string()))
            })
            .collect::<Result<_, _>>()?;
        for round in 0.. {
            let output = client
                .batch_write_item()
                .request_items(table, requests)
                .send()
                .await
                .map_err(|e| StoreError::Dynamo(describe(&e)))?;
            requests = output
                .unprocessed_items
                .and_then(|mut left| left.remove(table))
                .unwrap_or_default();
            if requests.is_empty() {
                break;
            }
            backoff(round).await?;
        }
    }
    Ok(())
}

/// The items that exist among `keys`, read consistently.
pub async fn get_all(
    client: &Client,
    table: &str,
    keys: Vec<Item>,
) -> Result<Vec<Item>, StoreError> {
    let mut found = Vec::new();
    for batch in keys.chunks(READ_KEYS) {
        let mut wanted = Some(
            KeysAndAttributes::builder()
                .set_keys(Some(batch.to_vec()))
                .consistent_read(true)
                .build()
                .map_err(|e| StoreError::Dynamo(e.to_string()))?,
        );
        let mut round = 0;
        while let Some(keys) = wanted.take() {
            let output = client
                .batch_get_item()
                .request_items(table, keys)
                .send()
                .await
                .map_err(|e| StoreError::Dynamo(describe(&e)))?;
            if let Some(mut responses) = output.responses {
                found.extend(responses.remove(table).unwrap_or_default());
            }
            wanted = output
                .unprocessed_keys
                .and_then(|mut left: HashMap<_, _>| left.remove(table))
                .filter(|k| !k.keys().is_empty());
            if wanted.is_some() {
                backoff(round).await?;
                round += 1;
            }
        }
    }
    Ok(found)
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
