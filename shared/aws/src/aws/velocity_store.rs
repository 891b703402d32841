//! Velocity counters for risk screening: how many orders an email, a shipping address or a card
//! placed in the last 24 h, and how many a customer ever placed. Counted, never scanned: each
//! screened order adds one (ADD, in the very transaction that records its screening, so once),
//! and a screening reads one partition per counter.
//!
//! | item | PK | SK |
//! |---|---|---|
//! | hourly counter | `VELOCITY#<kind>#<hash>` | `H#<yyyymmddhh>#<shard>` (`n`, expires after 2 days) |
//! | customer counter | `VELOCITY#customer#<hash>` | `ALL` (`n`) |
//!
//! An hour's count is spread over a few shards (by order id), so a storm of orders from one
//! address does not fight over one item.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use super::order_store::StoreError;
use crate::domain::{Order, OrderId};
use crate::dynamo::{built, key, n, s, Db, Op, Query, SortCondition, TransactWriteItem, Update};
use crate::risk::{Seen, VelocityKey, VelocityKind};

const SHARDS: u8 = 4;
/// Hourly counters outlive the 24 h they are read for by a day.
const KEEP_FOR_SECS: i64 = 2 * 24 * 3600;

#[derive(Clone)]
pub struct VelocityStore {
    db: Db,
    table: String,
}

fn pk(key: &VelocityKey) -> String {
    let kind = match key.kind {
        VelocityKind::Email => "email",
        VelocityKind::Address => "address",
        VelocityKind::Card => "card",
        VelocityKind::Customer => "customer",
    };
    format!("VELOCITY#{kind}#{}", key.hash)
}

fn hour(at: DateTime<Utc>) -> String {
    format!("H#{}", at.format("%Y%m%d%H"))
}

fn shard(order: &OrderId) -> u8 {
    Sha256::digest(order.as_str().as_bytes())[0] % SHARDS
}

impl VelocityStore {
    pub fn new(db: Db, table: impl Into<String>) -> Self {
        Self {
            db,
            table: table.into(),
        }
    }

    /// What the counters say now, before the order being screened.
    pub async fn seen(&self, keys: &[VelocityKey], now: DateTime<Utc>) -> Result<Seen, StoreError> {
        let mut seen = Seen::default();
        for counter in keys {
            let count = match counter.kind {
                VelocityKind::Customer => self.lifetime(counter).await?,
                _ => self.last_day(counter, now).await?,
            };
            match counter.kind {
                VelocityKind::Email => seen.email = count,
                VelocityKind::Address => seen.address = count,
                VelocityKind::Card => seen.card = count,
                VelocityKind::Customer => seen.customer_orders = count,
            }
        }
        Ok(seen)
    }

    async fn last_day(&self, counter: &VelocityKey, now: DateTime<Utc>) -> Result<u32, StoreError> {
        let from = hour(now - Duration::hours(23));
        let mut query = Query {
            sort: Some((
                "SK".into(),
                SortCondition::Between(from, format!("{}~", hour(now))),
            )),
            ..Query::partition(&self.table, "PK", &pk(counter))
        };
        let mut total = 0u32;
        loop {
            let page = self.db.query(query.clone()).await?;
            total = page
                .items
                .iter()
                .fold(total, |sum, item| sum.saturating_add(count_of(item)));
            match page.last_key {
                Some(start) => query.start = Some(start),
                None => return Ok(total),
            }
        }
    }

    async fn lifetime(&self, counter: &VelocityKey) -> Result<u32, StoreError> {
        let item = self
            .db
            .get(&self.table, key(pk(counter), "ALL"), true)
            .await?;
        Ok(item.as_ref().map_or(0, count_of))
    }

    /// The counter additions of a write that records the order's first screening.
    pub fn changes(
        &self,
        before: &Order,
        after: &Order,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let (None, Some(risk)) = (&before.risk, &after.risk) else {
            return Ok(Vec::new());
        };
        let at = risk.screened_at;
        let expires = at.timestamp() + KEEP_FOR_SECS;
        risk.counted
            .iter()
            .map(|counter| {
                let update = match counter.kind {
                    VelocityKind::Customer => Update::builder()
                        .table_name(&self.table)
                        .key("PK", s(pk(counter)))
                        .key("SK", s("ALL"))
                        .update_expression("ADD n :one")
                        .expression_attribute_values(":one", n(1)),
                    _ => Update::builder()
                        .table_name(&self.table)
                        .key("PK", s(pk(counter)))
                        .key("SK", s(format!("{}#{}", hour(at), shard(&after.id))))
                        .update_expression("ADD n :one SET expires_at = :expires")
                        .expression_attribute_values(":one", n(1))
                        .expression_attribute_values(":expires", n(expires)),
                };
                Ok(built(update.build())?.op())
            })
            .collect()
    }
}

fn count_of(item: &crate::dynamo::Item) -> u32 {
    item.get("n")
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse::<u32>().ok())
        .unwrap_or(0)
}
