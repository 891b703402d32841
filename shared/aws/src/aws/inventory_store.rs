//! Locations and stock in DynamoDB.
//!
//! | item | PK | SK |
//! |---|---|---|
//! | location | `LOCATIONS` | `<location id>` (one partition: a merchant has a handful) |
//! | stock of a SKU at a location | `SKU#<sku>` | `LOC#<location>`: `on_hand`, `reserved`, `available` |
//! | a SKU's reorder settings | `SKU#<sku>` | `SETTINGS`: `reorder_point`, `supplier_email`, `low_since` (+ `GSI1PK` `LOWSTOCK`, `GSI1SK` `<low_since>#<sku>` while low: the low-stock list) |
//! | inventory timeline entry | `SKU#<sku>` | `LOG#<time>#<n>` |
//! | backorder queue | `BACKORDER#<sku>` | `<order created_at>#<order id>` (oldest first) |
//!
//! `available` is stored next to `on_hand` and `reserved` (always `on_hand - reserved`) because a
//! condition expression cannot do arithmetic: every reservation is `available >= qty`, checked by
//! DynamoDB in the same write that takes the units, so no interleaving can oversell.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::attribute_serializer;
use super::item::{from_item, number, string};
use super::StoreError;
use crate::domain::OrderId;
use crate::dynamo::{
    built, key, AttributeValue, Db, DynamoError, Item, Op, Put, Query, ReturnValue,
    ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use crate::inventory::csv::StockRow;
use crate::inventory::{Location, LocationId, StockLevel, StockView};

/// Timeline entries shown with a SKU.
const TIMELINE_LIMIT: i32 = 50;

/// The `by_status` partition of the SKUs below their reorder point.
const LOW_STOCK: &str = "LOWSTOCK";

#[derive(Clone)]
pub struct InventoryStore {
    db: Db,
    table: String,
}

/// Everything known about one SKU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkuStock {
    pub levels: Vec<StockLevel>,
    pub settings: ReorderSettings,
    pub timeline: Vec<StockEntry>,
}

/// When to ask the supplier for more.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReorderSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reorder_point: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplier_email: Option<String>,
    /// Set when available stock fell below the reorder point (the supplier was asked once);
    /// cleared when it is back at or above it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low_since: Option<DateTime<Utc>>,
}

/// One change on a SKU's inventory timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockEntry {
    pub at: DateTime<Utc>,
    pub location: LocationId,
    /// `set`, `adjust`, `import`, or `order` (reserved, released or shipped for an order).
    pub kind: String,
    pub on_hand_delta: i64,
    pub reserved_delta: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<OrderId>,
}

/// What importing one row did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportedRow {
    Applied {
        available_before: i64,
        available_after: i64,
        entry: StockEntry,
    },
    /// This import set it before (a redelivered part), or a later import has since.
    AlreadyApplied,
    /// On hand may not drop below what orders have reserved.
    BelowReserved { on_hand: i64, reserved: i64 },
}

/// A change staff make to a SKU's stock at one location.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockChange {
    /// Counted: on hand is now exactly this.
    Set(u32),
    /// Received (+) or removed (-: damaged, lost, found short).
    Adjust(i64),
}

#[derive(Debug, thiserror::Error)]
pub enum StockChangeError {
    #[error("location {0} does not exist")]
    UnknownLocation(LocationId),
    #[error("{sku} at {location}: {on_hand} on hand, {reserved} of them reserved for orders; on hand cannot go below what is reserved")]
    BelowReserved {
        sku: String,
        location: LocationId,
        on_hand: i64,
        reserved: i64,
    },
    /// A change made before under the same idempotency key; the level as it is now.
    #[error("this change was made already")]
    Replayed(StockLevel),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a staff change to stock is: its kind on the timeline (`set`, `adjust`, `import`,
/// `count`), the reason given, and the idempotency key it was sent with.
#[derive(Debug, Clone, Copy, Default)]
pub struct Why<'a> {
    pub kind: &'a str,
    pub reason: Option<&'a str>,
    pub once: Option<&'a str>,
}

/// How long a stock change's idempotency key is remembered.
const CHANGE_KEYS_FOR: chrono::Duration = chrono::Duration::days(7);

impl InventoryStore {
    pub fn new(db: Db, table: impl Into<String>) -> Self {
        Self {
            db,
            table: table.into(),
        }
    }

    pub async fn put_location(&self, location: &Location) -> Result<(), StoreError> {
        let mut item =
            attribute_serializer::to_item(location).map_err(|e| StoreError::Corrupt {
                id: location.id.to_string(),
                reason: e.to_string(),
            })?;
        item.insert("PK".into(), s("LOCATIONS"));
        item.insert("SK".into(), s(location.id.as_str()));
        let put = built(
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .build(),
        )?;
        self.db.write(put.op(), ReturnValue::None).await?;
        Ok(())
    }

    pub async fn locations(&self) -> Result<Vec<Location>, StoreError> {
        let items = self.query("LOCATIONS", None, true, None).await?;
        items.iter().map(decode).collect()
    }

    pub async fn location(&self, id: &LocationId) -> Result<Option<Location>, StoreError> {
        let item = self
            .db
            .get(&self.table, key("LOCATIONS", id.as_str()), false)
            .await?;
        item.as_ref().map(decode).transpose()
    }

    /// Stock, settings and recent timeline of one SKU (no stock records: untracked).
    pub async fn sku(&self, sku: &str) -> Result<SkuStock, StoreError> {
        let items = self.query(&sku_pk(sku), Some("LOC#"), true, None).await?;
        let levels = items.iter().map(decode_level).collect::<Result<_, _>>()?;
        let settings = self.settings(sku).await?;
        let timeline = self
            .query(&sku_pk(sku), Some("LOG#"), false, Some(TIMELINE_LIMIT))
            .await?
            .iter()
            .map(decode)
            .collect::<Result<_, _>>()?;
        Ok(SkuStock {
            levels,
            settings,
            timeline,
        })
    }

    pub async fn levels(&self, sku: &str) -> Result<Vec<StockLevel>, StoreError> {
        self.query(&sku_pk(sku), Some("LOC#"), true, None)
            .await?
            .iter()
            .map(decode_level)
            .collect()
    }

    /// What an order's planner sees for these SKUs (strongly consistent reads).
    pub async fn view(&self, skus: &[&str]) -> Result<StockView, StoreError> {
        let mut view = StockView::default();
        for &sku in skus {
            if view.available.contains_key(sku) {
                continue;
            }
            let levels = self.levels(sku).await?;
            if levels.is_empty() {
                continue;
            }
            let by_location: BTreeMap<LocationId, u32> = levels
                .into_iter()
                .map(|l| {
                    let units = u32::try_from(l.available().max(0)).unwrap_or(u32::MAX);
                    (l.location, units)
                })
                .collect();
            view.available.insert(sku.to_string(), by_location);
        }
        Ok(view)
    }

    pub async fn settings(&self, sku: &str) -> Result<ReorderSettings, StoreError> {
        let item = self
            .db
            .get(&self.table, key(sku_pk(sku), "SETTINGS"), true)
            .await?;
        Ok(match item {
            Some(item) => decode(&item)?,
            None => ReorderSettings::default(),
        })
    }

    /// Sets the reorder point and supplier (keeping whether the supplier was already asked).
    pub async fn set_reorder(
        &self,
        sku: &str,
        reorder_point: Option<u32>,
        supplier_email: Option<&str>,
    ) -> Result<(), StoreError> {
        let mut update = Update::builder()
            .table_name(&self.table)
            .key("PK", s(sku_pk(sku)))
            .key("SK", s("SETTINGS"));
        let mut sets = Vec::new();
        let mut removes = Vec::new();
        match reorder_point {
            Some(point) => {
                sets.push("reorder_point = :point");
                update = update.expression_attribute_values(":point", n(point));
            }
            None => removes.push("reorder_point"),
        }
        match supplier_email {
            Some(email) => {
                sets.push("supplier_email = :email");
                update = update.expression_attribute_values(":email", s(email));
            }
            None => removes.push("supplier_email"),
        }
        let mut expression = String::new();
        if !sets.is_empty() {
            expression.push_str(&format!("SET {}", sets.join(", ")));
        }
        if !removes.is_empty() {
            expression.push_str(&format!(" REMOVE {}", removes.join(", ")));
        }
        let update = built(update.update_expression(expression.trim()).build())?;
        self.db.write(update.op(), ReturnValue::None).await?;
        Ok(())
    }

    /// Marks the SKU as below its reorder point. `true` only for the call that crossed (so the
    /// supplier is asked once per crossing, however many orders race past the line).
    /// While low, the settings item is in the `LOWSTOCK` partition of `by_status` (sorted by
    /// when it went low), the low-stock list.
    pub async fn mark_low(&self, sku: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        self.flip_low(
            sku,
            "SET low_since = :now, GSI1PK = :low, GSI1SK = :since",
            "attribute_exists(reorder_point) AND attribute_not_exists(low_since)",
            vec![
                (":now", s(now.to_rfc3339())),
                (":low", s(LOW_STOCK)),
                (":since", s(format!("{}#{sku}", sortable(now)))),
            ],
        )
        .await
    }

    /// Stock is back at or above the reorder point: the next crossing asks the supplier again.
    pub async fn clear_low(&self, sku: &str) -> Result<bool, StoreError> {
        self.flip_low(
            sku,
            "REMOVE low_since, GSI1PK, GSI1SK",
            "attribute_exists(low_since)",
            Vec::new(),
        )
        .await
    }

    /// Up to `limit` SKUs below their reorder point, longest low first (eventually consistent).
    pub async fn low_stock(
        &self,
        limit: i32,
    ) -> Result<Vec<(String, ReorderSettings)>, StoreError> {
        let query = Query {
            limit: Some(limit),
            ..Query::index(&self.table, "by_status", "GSI1PK", LOW_STOCK)
        };
        self.db
            .query(query)
            .await?
            .items
            .iter()
            .filter_map(|item| {
                let sku = string(item, "PK")?.strip_prefix("SKU#")?.to_string();
                Some(decode(item).map(|settings| (sku, settings)))
            })
            .collect()
    }

    async fn flip_low(
        &self,
        sku: &str,
        expression: &str,
        condition: &str,
        values: Vec<(&str, AttributeValue)>,
    ) -> Result<bool, StoreError> {
        let mut update = Update::builder()
            .table_name(&self.table)
            .key("PK", s(sku_pk(sku)))
            .key("SK", s("SETTINGS"))
            .update_expression(expression)
            .condition_expression(condition);
        for (name, value) in values {
            update = update.expression_attribute_values(name, value);
        }
        match self
            .db
            .write(built(update.build())?.op(), ReturnValue::None)
            .await
        {
            Ok(_) => Ok(true),
            Err(DynamoError::ConditionFailed { .. }) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Applies a staff change to one SKU at one location, with its timeline entry, in one
    /// transaction. On hand never drops below what is reserved. Returns the level before (none
    /// for a first count) and after.
    pub async fn change(
        &self,
        sku: &str,
        location: &LocationId,
        change: StockChange,
        why: Why<'_>,
        now: DateTime<Utc>,
    ) -> Result<(Option<StockLevel>, StockLevel), StockChangeError> {
        let Why { kind, reason, once } = why;
        if self.location(location).await?.is_none() {
            return Err(StockChangeError::UnknownLocation(location.clone()));
        }
        let before = self
            .levels(sku)
            .await?
            .into_iter()
            .find(|l| &l.location == location);
        let update = match change {
            StockChange::Set(on_hand) => Update::builder()
                .update_expression(
                    "SET on_hand = :n, reserved = if_not_exists(reserved, :zero), \
                     available = :n - if_not_exists(reserved, :zero)",
                )
                .condition_expression("attribute_not_exists(PK) OR reserved <= :n")
                .expression_attribute_values(":n", n(on_hand))
                .expression_attribute_values(":zero", n(0)),
            StockChange::Adjust(delta) if delta < 0 => Update::builder()
                .update_expression("SET on_hand = on_hand + :d, available = available + :d")
                .condition_expression("available >= :need")
                .expression_attribute_values(":d", n(delta))
                .expression_attribute_values(":need", n(-delta)),
            StockChange::Adjust(delta) => Update::builder()
                .update_expression(
                    "SET on_hand = if_not_exists(on_hand, :zero) + :d, \
                     reserved = if_not_exists(reserved, :zero), \
                     available = if_not_exists(available, :zero) + :d",
                )
                .expression_attribute_values(":d", n(delta))
                .expression_attribute_values(":zero", n(0)),
        };
        let update = update
            .table_name(&self.table)
            .key("PK", s(sku_pk(sku)))
            .key("SK", s(format!("LOC#{location}")))
            .build()
            .map_err(|e| StoreError::Dynamo(e.to_string()))?;
        let previous_on_hand = before.as_ref().map_or(0, |l| l.on_hand);
        let on_hand_delta = match change {
            StockChange::Set(on_hand) => i64::from(on_hand) - previous_on_hand,
            StockChange::Adjust(delta) => delta,
        };
        let entry = StockEntry {
            at: now,
            location: location.clone(),
            kind: kind.to_string(),
            on_hand_delta,
            reserved_delta: 0,
            reason: reason.map(str::to_string),
            order_id: None,
        };
        let mut items: Vec<TransactWriteItem> = vec![update.op(), self.log_put(sku, &entry)?.op()];
        if let Some(key) = once {
            // The key, remembered with the change itself: a retry of a change whose answer was
            // lost finds it and changes nothing.
            let digest =
                <sha2::Sha256 as sha2::Digest>::digest(format!("{location}\n{key}").as_bytes());
            items.push(
                crate::dynamo::built(
                    Put::builder()
                        .table_name(&self.table)
                        .item("PK", s(sku_pk(sku)))
                        .item("SK", s(format!("CHANGE#{}", hex::encode(&digest[..16]))))
                        .item("expires_at", n((now + CHANGE_KEYS_FOR).timestamp()))
                        .condition_expression("attribute_not_exists(PK)")
                        .build(),
                )
                .map_err(StoreError::from)?
                .op(),
            );
        }
        match self.db.transact(items).await {
            Ok(()) => {}
            Err(cancelled @ DynamoError::Cancelled(_))
                if once.is_some() && cancelled.failed_condition_at(2) =>
            {
                let now_level = self
                    .levels(sku)
                    .await?
                    .into_iter()
                    .find(|l| &l.location == location)
                    .unwrap_or(StockLevel {
                        location: location.clone(),
                        on_hand: 0,
                        reserved: 0,
                    });
                return Err(StockChangeError::Replayed(now_level));
            }
            // The stock record's condition (on hand never below reserved) failed; any other
            // cancellation (a conflicting transaction) is the store's to retry.
            Err(cancelled @ DynamoError::Cancelled(_)) if cancelled.failed_condition_at(0) => {
                let now_level = self
                    .levels(sku)
                    .await?
                    .into_iter()
                    .find(|l| &l.location == location);
                return Err(StockChangeError::BelowReserved {
                    sku: sku.to_string(),
                    location: location.clone(),
                    on_hand: now_level.as_ref().map_or(0, |l| l.on_hand),
                    reserved: now_level.as_ref().map_or(0, |l| l.reserved),
                });
            }
            Err(e) => return Err(StoreError::from(e).into()),
        }
        let after = self
            .levels(sku)
            .await?
            .into_iter()
            .find(|l| &l.location == location)
            .ok_or_else(|| StoreError::Corrupt {
                id: sku_pk(sku),
                reason: format!("stock at {location} vanished after writing it"),
            })?;
        Ok((before, after))
    }

    /// Sets one imported row's on hand unless this import (or a later one: `mark` sorts by the
    /// import's start) already set it, never below what is reserved; returns its timeline entry
    /// to log (`log_all`). One conditional write, not a transaction: an import is thousands.
    pub async fn import_row(
        &self,
        row: &StockRow,
        mark: &str,
        at: DateTime<Utc>,
    ) -> Result<ImportedRow, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .key("PK", s(sku_pk(&row.sku)))
            .key("SK", s(format!("LOC#{}", row.location)))
            .update_expression(
                "SET on_hand = :n, reserved = if_not_exists(reserved, :zero), \
                 available = :n - if_not_exists(reserved, :zero), last_import = :mark",
            )
            .condition_expression(
                "(attribute_not_exists(last_import) OR last_import < :mark) \
                 AND (attribute_not_exists(PK) OR reserved <= :n)",
            )
            .expression_attribute_values(":n", n(i64::from(row.on_hand)))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":mark", s(mark))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build();
        let result = self
            .db
            .write(built(update)?.op(), ReturnValue::AllOld)
            .await;
        let count = |item: Option<&Item>, name: &str| {
            item.and_then(|i| number::<i64>(i, name)).unwrap_or(0)
        };
        let old = match result {
            Ok(old) => old,
            Err(DynamoError::ConditionFailed { old }) => {
                let item = old.as_ref();
                let marked = item
                    .and_then(|i| string(i, "last_import"))
                    .is_some_and(|last| last.as_str() >= mark);
                return Ok(if marked {
                    ImportedRow::AlreadyApplied
                } else {
                    ImportedRow::BelowReserved {
                        on_hand: count(item, "on_hand"),
                        reserved: count(item, "reserved"),
                    }
                });
            }
            Err(e) => return Err(e.into()),
        };
        let (old_on_hand, reserved) = (
            count(old.as_ref(), "on_hand"),
            count(old.as_ref(), "reserved"),
        );
        let entry = StockEntry {
            at,
            location: row.location.clone(),
            kind: "import".into(),
            on_hand_delta: i64::from(row.on_hand) - old_on_hand,
            reserved_delta: 0,
            reason: None,
            order_id: None,
        };
        Ok(ImportedRow::Applied {
            available_before: old_on_hand - reserved,
            available_after: i64::from(row.on_hand) - reserved,
            entry,
        })
    }

    /// Timeline entries of many SKUs, in batches.
    pub async fn log_all(&self, entries: &[(&str, StockEntry)]) -> Result<(), StoreError> {
        let items = entries
            .iter()
            .map(|(sku, entry)| self.log_put(sku, entry).map(|put| put.item().clone()))
            .collect::<Result<Vec<_>, _>>()?;
        super::batch::put_all(&self.db, &self.table, items).await
    }

    /// The reorder settings of many SKUs (those without any are left out).
    pub async fn settings_of(
        &self,
        skus: &[&str],
    ) -> Result<BTreeMap<String, ReorderSettings>, StoreError> {
        let keys = skus
            .iter()
            .map(|sku| key(sku_pk(sku), "SETTINGS"))
            .collect();
        let items = super::batch::get_all(&self.db, &self.table, keys).await?;
        items
            .iter()
            .map(|item| {
                let sku = string(item, "PK")
                    .and_then(|pk| pk.strip_prefix("SKU#").map(str::to_string))
                    .unwrap_or_default();
                decode(item).map(|settings| (sku, settings))
            })
            .collect()
    }

    /// A timeline entry as a put for a transaction. The sort key is unique per entry: time, then
    /// location and order (two entries for one SKU in one write differ by location).
    pub fn log_put(&self, sku: &str, entry: &StockEntry) -> Result<Put, StoreError> {
        let mut item = attribute_serializer::to_item(entry).map_err(|e| StoreError::Corrupt {
            id: sku_pk(sku),
            reason: e.to_string(),
        })?;
        let order = entry.order_id.as_ref().map_or("-", |o| o.as_str());
        item.insert("PK".into(), s(sku_pk(sku)));
        item.insert(
            "SK".into(),
            s(format!(
                "LOG#{}#{}#{order}#{}",
                sortable(entry.at),
                entry.location,
                entry_digest(entry)
            )),
        );
        Ok(built(
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .build(),
        )?)
    }

    /// The latest `limit` entries of a SKU's timeline, newest first.
    pub async fn recent_entries(
        &self,
        sku: &str,
        limit: i32,
    ) -> Result<Vec<StockEntry>, StoreError> {
        self.query(&sku_pk(sku), Some("LOG#"), false, Some(limit))
            .await?
            .iter()
            .map(decode)
            .collect()
    }

    /// Orders waiting for `sku`, oldest first.
    pub async fn backorders(&self, sku: &str, limit: i32) -> Result<Vec<OrderId>, StoreError> {
        let items = self
            .query(&backorder_pk(sku), None, true, Some(limit))
            .await?;
        Ok(items
            .iter()
            .filter_map(|item| string(item, "order_id"))
            .filter_map(|id| OrderId::parse(&id).ok())
            .collect())
    }

    async fn query(
        &self,
        pk: &str,
        sk_prefix: Option<&str>,
        ascending: bool,
        limit: Option<i32>,
    ) -> Result<Vec<Item>, StoreError> {
        super::batch::query(&self.db, &self.table, pk, sk_prefix, ascending, limit).await
    }
}

pub fn sku_pk(sku: &str) -> String {
    format!("SKU#{sku}")
}

pub fn backorder_pk(sku: &str) -> String {
    format!("BACKORDER#{sku}")
}

/// Fixed-width UTC time, so sort keys order lexically as they do in time.
pub fn sortable(at: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    use std::fmt::Write;
    // Written out rather than through a format string: every order write makes several of
    // these, and chrono's formatter is several times slower.
    let mut key = String::with_capacity(27);
    let _ = write!(
        key,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        at.year(),
        at.month(),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        // A leap second's nanoseconds run past 10^9; DynamoDB's keys stay fixed-width.
        (at.nanosecond() / 1_000).min(999_999)
    );
    key
}

/// Distinguishes entries written at the same microsecond for the same SKU, location and order.
fn entry_digest(entry: &StockEntry) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(serde_json::to_vec(entry).unwrap_or_default());
    hex::encode(&digest[..6])
}

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

fn decode<T: serde::de::DeserializeOwned>(item: &Item) -> Result<T, StoreError> {
    serde_json::from_value(from_item(item)).map_err(|e| StoreError::Corrupt {
        id: format!(
            "{}/{}",
            string(item, "PK").unwrap_or_default(),
            string(item, "SK").unwrap_or_default()
        ),
        reason: e.to_string(),
    })
}

fn decode_level(item: &Item) -> Result<StockLevel, StoreError> {
    let location = string(item, "SK")
        .and_then(|sk| sk.strip_prefix("LOC#").map(str::to_string))
        .and_then(|id| LocationId::parse(&id).ok());
    match (
        location,
        number::<i64>(item, "on_hand"),
        number::<i64>(item, "reserved"),
    ) {
        (Some(location), Some(on_hand), Some(reserved)) => Ok(StockLevel {
            location,
            on_hand,
            reserved,
        }),
        _ => Err(StoreError::Corrupt {
            id: string(item, "PK").unwrap_or_default(),
            reason: "stock record lacks location, on_hand or reserved".into(),
        }),
    }
}
