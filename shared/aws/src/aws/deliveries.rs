//! Webhook deliveries already handled, by the sender's delivery id, so a redelivery is answered
//! without doing anything. Recorded only after the delivery was handled: a delivery that failed half
//! way must be able to run again.
//!
//! The delivery id travels in a header the signature does not cover, so anyone holding one signed
//! request can send it again under any id. A delivery is therefore recognized by its id *and* the
//! hash of its body: a replay under a future id cannot make the genuine, different delivery that
//! later arrives with that id look already handled.

use std::time::Duration;

use crate::dynamo::{built, key, AttributeValue, Db, Op, Put, ReturnValue};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::StoreError;

/// Senders retry for hours (Shopify: about 4), not for weeks.
const REMEMBER_FOR: Duration = Duration::from_secs(7 * 24 * 3600);

#[derive(Clone)]
pub struct DeliveryLog {
    db: Db,
    table: String,
}

impl DeliveryLog {
    pub fn new(db: Db, table: impl Into<String>) -> Self {
        Self {
            db,
            table: table.into(),
        }
    }

    /// Whether this very delivery (same id, same body) was handled before.
    pub async fn handled(
        &self,
        source: &str,
        delivery_id: &str,
        body: &[u8],
    ) -> Result<bool, StoreError> {
        let item = self
            .db
            .get(&self.table, key(pk(source, delivery_id), "SEEN"), true)
            .await?;
        let stored = item
            .as_ref()
            .and_then(|item| item.get("body_sha256"))
            .and_then(|v| v.as_s().ok());
        Ok(stored.is_some_and(|hash| *hash == body_hash(body)))
    }

    /// Remembers a handled delivery with its body's hash (a later delivery under the same id
    /// replaces it).
    pub async fn record(
        &self,
        source: &str,
        delivery_id: &str,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let expires = now.timestamp() + REMEMBER_FOR.as_secs() as i64;
        self.db
            .write(
                built(
                    Put::builder()
                        .table_name(&self.table)
                        .item("PK", AttributeValue::S(pk(source, delivery_id)))
                        .item("SK", AttributeValue::S("SEEN".into()))
                        .item("body_sha256", AttributeValue::S(body_hash(body)))
                        .item("expires_at", AttributeValue::N(expires.to_string()))
                        .build(),
                )?
                .op(),
                ReturnValue::None,
            )
            .await?;
        Ok(())
    }
}

fn body_hash(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

fn pk(source: &str, delivery_id: &str) -> String {
    format!("DELIVERY#{source}#{delivery_id}")
}
