//! Orders in DynamoDB: one item per order (lines, shipments and timeline inside, so every change is
//! one conditional write), a lookup item per tracking code, and what finds orders (`search`).
//!
//! | item | PK | SK |
//! |---|---|---|
//! | order | `ORDER#<id>` | `META` (+ `version`, the order compressed in `body` (see `packed`), one attribute per index it is found by (see `search`)) |
//! | SKU entry | `ORDERSKU#<sku>` | `<created>#<id>` (the orders with that SKU) |
//! | tracking lookup | `TRACK#<carrier>#<code>` | `REF` (+ `GSI1PK` `TRACKCODE#<code>`: found by code alone when a sender names no carrier) |
//! | payment lookup | `PAYMENT#stripe#<payment intent>` | `REF` (the one order that payment pays; written with the order) |
//! | report cell | see `report_store` | moved in the same transaction as the order |
//! | velocity counter | see `velocity_store` | added to in the transaction recording the order's risk screening |
//!
//! An order's stock is derived from the order itself (`Order::stock_holds`): a write turns the
//! difference between the version read and the version written into stock counter updates, each
//! conditioned so `available` never goes negative, plus inventory timeline entries and backorder
//! queue entries, all in the order's own transaction. Reserving, releasing on cancel and deducting
//! on shipping therefore happen exactly when, and only if, the order change is stored.

use chrono::{DateTime, Utc};

use super::inventory_store::{backorder_pk, sku_pk, sortable, InventoryStore, StockEntry};
use super::item::{from_attribute, from_item, string};
use super::report_store::ReportStore;
use super::velocity_store::VelocityStore;
use crate::domain::{Order, OrderId, Shipment, ShipmentId};
use crate::dynamo::{
    built, key, n, s, AttributeValue, Blob, Db, Delete, DynamoError, Item, Op, Put, Query,
    ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
    MAX_TRANSACTION_ITEMS,
};
pub use crate::inventory::write_set::StockEffect;
use crate::inventory::write_set::{backorder_queue_changes, effect, stock_changes, StockDelta};
use crate::metrics::{now_millis, Metrics};
use crate::reporting::metrics::of_change;

/// Optimistic-lock retries before giving up (and letting the queue retry later).
const MAX_ATTEMPTS: usize = 8;

/// Every plain write of an order: the version read, and no write in steps under way.
const UNLOCKED_VERSION: &str = "version = :expected AND attribute_not_exists(saga_token)";

mod packed;
mod search;
mod steps;

pub use search::Page;

#[derive(Clone)]
pub struct OrderStore {
    db: Db,
    table: String,
    inventory: InventoryStore,
    /// The report counters every write moves with the order.
    reports: ReportStore,
    /// The risk velocity counters a write recording a screening adds to.
    velocity: VelocityStore,
    /// Where the metrics of each stored change go (orders received, holds, labels).
    metrics: Metrics,
    /// How long this worker may hold an order while reserving its stock in steps; once it is
    /// over, other writers take the worker for dead and undo those steps.
    lease: chrono::Duration,
    /// Our clock, for the lease.
    clock: crate::clock::Time,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("DynamoDB: {0}")]
    Dynamo(String),
    #[error("stored order {id} is unreadable: {reason}")]
    Corrupt { id: String, reason: String },
    #[error("order {0} kept changing under us; try again")]
    Contention(OrderId),
    /// Another order took units this change meant to reserve: read the stock again and re-plan.
    #[error("stock of {0} changed while reserving it")]
    StockChanged(String),
    #[error("order {0} changes more records than one write can hold")]
    TooManyRecords(OrderId),
    /// The gateway payment the new order names already pays another order.
    #[error("payment {0} already pays another order")]
    PaymentInUse(String),
}

impl From<DynamoError> for StoreError {
    fn from(error: DynamoError) -> Self {
        Self::Dynamo(error.to_string())
    }
}

/// The result of `update`: whether anything was written, and what the change function returned.
pub struct Updated<T> {
    pub order: Order,
    pub written: bool,
    pub outcome: T,
    /// What the write did to stock, for the caller to follow up (promote backorders, ask a
    /// supplier to reorder).
    pub stock: StockEffect,
}

#[derive(Debug, thiserror::Error)]
pub enum UpdateError<E> {
    #[error("order {0} not found")]
    NotFound(OrderId),
    #[error(transparent)]
    Rejected(E),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A tracking code's owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingRef {
    pub order_id: OrderId,
    pub shipment_id: ShipmentId,
}

impl OrderStore {
    pub fn new(db: Db, table: impl Into<String>) -> Self {
        let table = table.into();
        Self {
            inventory: InventoryStore::new(db.clone(), table.clone()),
            reports: ReportStore::new(db.clone(), table.clone()),
            velocity: VelocityStore::new(db.clone(), table.clone()),
            metrics: Metrics::none(),
            db,
            table,
            lease: steps::DEFAULT_LEASE,
            clock: crate::clock::system(),
        }
    }

    /// Emits each stored change's metrics to `metrics`.
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// The metrics of a change that was stored.
    fn measure(&self, before: Option<&Order>, after: &Order) {
        self.metrics.emit(&of_change(before, after), now_millis());
    }

    /// Reads `clock` instead of the system's.
    pub fn with_clock(self, clock: crate::clock::Time) -> Self {
        Self { clock, ..self }
    }

    /// Sets the lease (default: a minute, twice the longest function timeout).
    pub fn with_lease(self, lease: chrono::Duration) -> Self {
        Self { lease, ..self }
    }

    pub async fn get(&self, id: &OrderId) -> Result<Option<Order>, StoreError> {
        Ok(self.read(id).await?.map(|(order, _)| order))
    }

    /// One parcel of an order: what a parcel's delay check needs while the parcel travels. Reads
    /// the order's body alone, not its index attributes.
    pub async fn shipment(
        &self,
        id: &OrderId,
        shipment: &ShipmentId,
    ) -> Result<Option<Shipment>, StoreError> {
        let item = self
            .db
            .get_attributes(
                &self.table,
                key(order_pk(id), "META"),
                &[packed::BODY, "shipments"],
                true,
            )
            .await?;
        let shipments: Vec<Shipment> = match item {
            Some(item) if item.contains_key(packed::BODY) => decode_order(&item)?.shipments,
            // An order written before orders were packed.
            Some(item) => match item.get("shipments") {
                Some(stored) => serde_json::from_value(from_attribute(stored)).map_err(|e| {
                    StoreError::Corrupt {
                        id: id.to_string(),
                        reason: e.to_string(),
                    }
                })?,
                None => return Ok(None),
            },
            None => return Ok(None),
        };
        Ok(shipments.into_iter().find(|s| &s.id == shipment))
    }

    /// The order, and the journal of a write in steps under way on it.
    async fn read(
        &self,
        id: &OrderId,
    ) -> Result<Option<(Order, Option<steps::Journal>)>, StoreError> {
        let item = self
            .db
            .get(&self.table, key(order_pk(id), "META"), true)
            .await?;
        item.as_ref()
            .map(|item| Ok((decode_order(item)?, steps::Journal::from_item(item)?)))
            .transpose()
    }

    /// Stores a new order unless one with its id exists; returns the stored one in that case.
    /// Its report counters move in the same transaction.
    pub async fn create(&self, order: &Order) -> Result<Option<Order>, StoreError> {
        self.add_sku_entries(None, order).await?;
        // The order, its payment lookup, then its report counters; made again for each attempt
        // rather than cloned for it, as attempts after the first are rare.
        let items = || -> Result<Vec<TransactWriteItem>, StoreError> {
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(encode_order(order)?))
                .condition_expression("attribute_not_exists(PK)")
                .return_values_on_condition_check_failure(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                )
                .build();
            let mut items = vec![built(put)?.op()];
            items.extend(self.payment_lookup(order)?);
            items.extend(self.reports.changes(None, order)?);
            Ok(items)
        };
        let pays_at = order.payment.as_ref().map(|_| 1);
        let mut first = items()?;
        if first.len() == 1 {
            let put = first.pop().expect("the order's own put");
            return match self.db.write(put, ReturnValue::None).await {
                Ok(_) => {
                    self.measure(None, order);
                    Ok(None)
                }
                Err(DynamoError::ConditionFailed { old: Some(item) }) => {
                    decode_order(&item).map(Some)
                }
                Err(DynamoError::ConditionFailed { old: None }) => self.get(&order.id).await,
                Err(e) => Err(e.into()),
            };
        }
        let mut first = Some(first);
        for _ in 0..MAX_ATTEMPTS {
            let items = match first.take() {
                Some(items) => items,
                None => items()?,
            };
            match self.transact(items).await? {
                Ok(()) => {
                    self.measure(None, order);
                    return Ok(None);
                }
                Err(reasons) if is_condition_failure(&reasons, 0) => {
                    return self.get(&order.id).await
                }
                Err(reasons) if pays_at.is_some_and(|at| is_condition_failure(&reasons, at)) => {
                    let payment = order.payment.as_ref().map(|p| p.payment_intent.clone());
                    return Err(StoreError::PaymentInUse(payment.unwrap_or_default()));
                }
                Err(reasons) if is_conflict(&reasons) => continue,
                Err(reasons) => {
                    return Err(StoreError::Dynamo(format!(
                        "transaction cancelled: {reasons:?}"
                    )))
                }
            }
        }
        Err(StoreError::Contention(order.id.clone()))
    }

    /// Read, change, write back conditioned on the version read; on a concurrent change, start over.
    /// A change function that leaves the order as it was writes nothing. New shipments get their
    /// tracking lookup item in the same transaction as the order. A write in steps left behind
    /// on the order is finished or undone first.
    pub async fn update<T, E>(
        &self,
        id: &OrderId,
        mut change: impl FnMut(&mut Order) -> Result<T, E>,
    ) -> Result<Updated<T>, UpdateError<E>> {
        for _ in 0..MAX_ATTEMPTS {
            let (before, journal) = self
                .read(id)
                .await?
                .ok_or_else(|| UpdateError::NotFound(id.clone()))?;
            if let Some(journal) = journal {
                self.recover(id, journal).await?;
                continue;
            }
            let mut after = before.clone();
            let outcome = change(&mut after).map_err(UpdateError::Rejected)?;
            after.keep_bounded();
            if after == before {
                return Ok(Updated {
                    order: after,
                    written: false,
                    outcome,
                    stock: StockEffect::default(),
                });
            }
            after.version = before.version + 1;
            let changes = stock_changes(&before, &after);
            self.add_sku_entries(Some(&before), &after).await?;
            if self.write_version(&before, &after, &changes).await? {
                self.measure(Some(&before), &after);
                self.remove_sku_entries(&before, &after).await?;
                return Ok(Updated {
                    order: after,
                    written: true,
                    outcome,
                    stock: effect(&changes),
                });
            }
        }
        Err(StoreError::Contention(id.clone()).into())
    }

    /// `false` when someone else wrote first.
    async fn write_version(
        &self,
        before: &Order,
        after: &Order,
        changes: &[StockDelta],
    ) -> Result<bool, StoreError> {
        // Written with the order whatever else the write holds: new parcels' tracking lookups
        // and the report counters.
        let mut lookups = after
            .shipments
            .iter()
            .filter(|s| before.shipment(&s.id).is_none())
            .map(|shipment| self.tracking_lookup(after, shipment))
            .collect::<Result<Vec<_>, _>>()?;
        lookups.extend(self.reports.changes(Some(before), after)?);
        lookups.extend(self.velocity.changes(before, after)?);
        let queue_key = format!("{}#{}", sortable(after.created_at), after.id);
        let queue_changes = backorder_queue_changes(before, after);
        if lookups.is_empty() && changes.is_empty() && queue_changes.is_empty() {
            let put = self.versioned_put(before, after)?;
            return match self.db.write(put.op(), ReturnValue::None).await {
                Ok(_) => Ok(true),
                Err(DynamoError::ConditionFailed { .. }) => Ok(false),
                Err(e) => Err(e.into()),
            };
        }
        let size = 1 + lookups.len() + 2 * changes.len() + queue_changes.len();
        if size > MAX_TRANSACTION_ITEMS {
            let queue_steps = queue_changes
                .into_iter()
                .map(|(sku, waiting)| steps::Step::Waiting {
                    sku,
                    key: queue_key.clone(),
                    waiting,
                })
                .collect();
            return self
                .write_in_steps(before, after, lookups, changes, queue_steps)
                .await;
        }
        let mut items = vec![self.versioned_put(before, after)?.op()];
        items.extend(lookups);
        // Stock updates sit right after the lookups, so a cancellation reason's index says which
        // SKU ran out.
        let first_stock = items.len();
        for change in changes {
            items.push(
                TransactWriteItem::builder()
                    .update(self.stock_update(change)?)
                    .build(),
            );
        }
        for change in changes {
            items.push(self.stock_log(change, after.updated_at, &after.id, None)?);
        }
        for (sku, waiting) in queue_changes {
            items.push(self.backorder_entry(&sku, &queue_key, &after.id, waiting)?);
        }
        let cancelled = match self.db.transact(items).await {
            Ok(()) => return Ok(true),
            Err(cancelled @ DynamoError::Cancelled(_)) => cancelled,
            Err(e) => return Err(e.into()),
        };
        if cancelled.failed_condition_at(0) {
            return Ok(false);
        }
        if matches!(&cancelled, DynamoError::Cancelled(reasons) if is_conflict(reasons)) {
            // Another transaction had one of its items (a report cell, a stock record): read
            // again and retry.
            return Ok(false);
        }
        if let Some(change) = changes
            .iter()
            .enumerate()
            .find(|(i, _)| cancelled.failed_condition_at(first_stock + i))
            .map(|(_, c)| c)
        {
            return Err(StoreError::StockChanged(change.sku.clone()));
        }
        Err(cancelled.into())
    }

    /// Runs a transaction; `Err(reasons)` when it was cancelled, one reason per item.
    async fn transact(
        &self,
        items: Vec<TransactWriteItem>,
    ) -> Result<Result<(), Vec<String>>, StoreError> {
        match self.db.transact(items).await {
            Ok(()) => Ok(Ok(())),
            Err(DynamoError::Cancelled(reasons)) => Ok(Err(reasons)),
            Err(e) => Err(e.into()),
        }
    }

    /// The order written over the version read, unless a write in steps holds it.
    fn versioned_put(&self, before: &Order, after: &Order) -> Result<Put, StoreError> {
        Ok(built(
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(encode_order(after)?))
                .condition_expression(UNLOCKED_VERSION)
                .expression_attribute_values(":expected", n(before.version as i64))
                .build(),
        )?)
    }

    /// The item that finds the order from the gateway payment it names (Stripe's webhooks name
    /// only the payment); one payment pays one order.
    fn payment_lookup(&self, order: &Order) -> Result<Option<TransactWriteItem>, StoreError> {
        let Some(payment) = &order.payment else {
            return Ok(None);
        };
        let lookup = Put::builder()
            .table_name(&self.table)
            .item("PK", s(payment_pk(&payment.payment_intent)))
            .item("SK", s("REF"))
            .item("order_id", s(order.id.as_str()))
            .condition_expression("attribute_not_exists(PK) OR order_id = :order")
            .expression_attribute_values(":order", s(order.id.as_str()))
            .build();
        Ok(Some(built(lookup)?.op()))
    }

    /// The order a Stripe PaymentIntent pays, if it pays one of ours.
    pub async fn find_by_payment(
        &self,
        payment_intent: &str,
    ) -> Result<Option<OrderId>, StoreError> {
        let item = self
            .db
            .get(&self.table, key(payment_pk(payment_intent), "REF"), false)
            .await?;
        Ok(item
            .as_ref()
            .and_then(|item| item.get("order_id"))
            .and_then(|v| v.as_s().ok())
            .and_then(|id| OrderId::parse(id).ok()))
    }

    /// The item that finds `shipment`'s order from its tracking code.
    fn tracking_lookup(
        &self,
        order: &Order,
        shipment: &Shipment,
    ) -> Result<TransactWriteItem, StoreError> {
        let lookup = Put::builder()
            .table_name(&self.table)
            .item(
                "PK",
                s(tracking_pk(&shipment.carrier, &shipment.tracking_code)),
            )
            .item("SK", s("REF"))
            .item("GSI1PK", s(tracking_code_pk(&shipment.tracking_code)))
            .item(
                "GSI1SK",
                s(crate::carriers::canonical_carrier(&shipment.carrier)),
            )
            .item("order_id", s(order.id.as_str()))
            .item("shipment_id", s(shipment.id.as_str()))
            .condition_expression("attribute_not_exists(PK) OR order_id = :order")
            .expression_attribute_values(":order", s(order.id.as_str()))
            .build();
        Ok(built(lookup)?.op())
    }

    /// The inventory timeline entry for one order's change to one stock record.
    fn stock_log(
        &self,
        change: &StockDelta,
        at: DateTime<Utc>,
        order: &OrderId,
        reason: Option<&str>,
    ) -> Result<TransactWriteItem, StoreError> {
        let entry = StockEntry {
            at,
            location: change.location.clone(),
            kind: "order".into(),
            on_hand_delta: change.on_hand,
            reserved_delta: change.reserved,
            reason: reason.map(str::to_string),
            order_id: Some(order.clone()),
        };
        Ok(TransactWriteItem::builder()
            .put(self.inventory.log_put(&change.sku, &entry)?)
            .build())
    }

    /// Puts the order in (`waiting`) or takes it out of `sku`'s backorder queue; `key` sorts it by
    /// order time.
    fn backorder_entry(
        &self,
        sku: &str,
        key: &str,
        order: &OrderId,
        waiting: bool,
    ) -> Result<TransactWriteItem, StoreError> {
        Ok(if waiting {
            built(
                Put::builder()
                    .table_name(&self.table)
                    .item("PK", s(backorder_pk(sku)))
                    .item("SK", s(key))
                    .item("order_id", s(order.as_str()))
                    .build(),
            )?
            .op()
        } else {
            built(
                Delete::builder()
                    .table_name(&self.table)
                    .key("PK", s(backorder_pk(sku)))
                    .key("SK", s(key))
                    .build(),
            )?
            .op()
        })
    }

    /// One order's change to one stock record: reserving checks `available`, releasing and
    /// shipping check the units are there to release or ship.
    fn stock_update(&self, change: &StockDelta) -> Result<Update, StoreError> {
        let available = change.available();
        let mut conditions = vec!["attribute_exists(PK)".to_string()];
        let mut update = Update::builder()
            .table_name(&self.table)
            .key("PK", s(sku_pk(&change.sku)))
            .key("SK", s(format!("LOC#{}", change.location)))
            .update_expression(
                "SET on_hand = on_hand + :on_hand, reserved = reserved + :reserved, \
                 available = available + :available",
            )
            .expression_attribute_values(":on_hand", n(change.on_hand))
            .expression_attribute_values(":reserved", n(change.reserved))
            .expression_attribute_values(":available", n(available));
        if available < 0 {
            conditions.push("available >= :need_available".into());
            update = update.expression_attribute_values(":need_available", n(-available));
        }
        if change.reserved < 0 {
            conditions.push("reserved >= :need_reserved".into());
            update = update.expression_attribute_values(":need_reserved", n(-change.reserved));
        }
        if change.on_hand < 0 {
            conditions.push("on_hand >= :need_on_hand".into());
            update = update.expression_attribute_values(":need_on_hand", n(-change.on_hand));
        }
        Ok(built(
            update
                .condition_expression(conditions.join(" AND "))
                .build(),
        )?)
    }

    pub async fn find_by_tracking(
        &self,
        carrier: &str,
        tracking_code: &str,
    ) -> Result<Option<TrackingRef>, StoreError> {
        let key = key(tracking_pk(carrier, tracking_code), "REF");
        self.db
            .get(&self.table, key, false)
            .await?
            .map(|item| tracking_ref(&item, || tracking_pk(carrier, tracking_code)))
            .transpose()
    }

    /// The parcel with this tracking code when the sender named no carrier: found only when
    /// exactly one of our parcels has it (codes are unique per carrier, not across carriers).
    pub async fn find_by_tracking_code(
        &self,
        tracking_code: &str,
    ) -> Result<Option<TrackingRef>, StoreError> {
        let query = Query {
            limit: Some(2),
            ..Query::index(
                &self.table,
                BY_STATUS.name,
                BY_STATUS.pk,
                &tracking_code_pk(tracking_code),
            )
        };
        match self.db.query(query).await?.items.as_slice() {
            [item] => tracking_ref(item, || tracking_code_pk(tracking_code)).map(Some),
            [] => Ok(None),
            _ => {
                tracing::warn!(
                    tracking_code,
                    "several carriers' parcels share this tracking code; the sender must name one"
                );
                Ok(None)
            }
        }
    }
}

fn is_condition_failure(reasons: &[String], index: usize) -> bool {
    reasons.get(index).map(String::as_str) == Some("ConditionalCheckFailed")
}

/// Cancelled only because another transaction was writing one of the items at the same time
/// (no condition failed): the same write may simply be sent again.
fn is_conflict(reasons: &[String]) -> bool {
    reasons.iter().any(|r| r == "TransactionConflict")
        && !reasons.iter().any(|r| r == "ConditionalCheckFailed")
}

fn order_pk(id: &OrderId) -> String {
    format!("ORDER#{id}")
}

fn tracking_ref(item: &Item, key: impl Fn() -> String) -> Result<TrackingRef, StoreError> {
    let order_id = string(item, "order_id").and_then(|id| OrderId::parse(&id).ok());
    let shipment_id = string(item, "shipment_id").map(ShipmentId);
    match (order_id, shipment_id) {
        (Some(order_id), Some(shipment_id)) => Ok(TrackingRef {
            order_id,
            shipment_id,
        }),
        _ => Err(StoreError::Corrupt {
            id: key(),
            reason: "tracking lookup lacks order or shipment id".into(),
        }),
    }
}

fn tracking_code_pk(code: &str) -> String {
    format!("TRACKCODE#{code}")
}

fn payment_pk(payment_intent: &str) -> String {
    format!("PAYMENT#stripe#{payment_intent}")
}

fn tracking_pk(carrier: &str, code: &str) -> String {
    format!(
        "TRACK#{}#{code}",
        crate::carriers::canonical_carrier(carrier)
    )
}

/// An order's item: its keys, `version` and index attributes, and the order itself packed.
fn encode_order(order: &Order) -> Result<Item, StoreError> {
    let body = packed::pack(order).map_err(|e| StoreError::Corrupt {
        id: order.id.to_string(),
        reason: e.to_string(),
    })?;
    let mut item = Item::with_capacity(14);
    item.insert("PK".into(), s(order_pk(&order.id)));
    item.insert("SK".into(), s("META"));
    item.insert("version".into(), n(order.version as i64));
    item.insert(packed::BODY.into(), AttributeValue::B(Blob::new(body)));
    for (name, value) in search::index_attributes(order) {
        item.insert(name.into(), s(value));
    }
    Ok(item)
}

/// The order an item holds: packed, or (written before orders were packed) one attribute per
/// field.
fn decode_order(item: &Item) -> Result<Order, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt {
        id: string(item, "PK").unwrap_or_default(),
        reason,
    };
    match item.get(packed::BODY) {
        Some(AttributeValue::B(body)) => {
            packed::unpack(body.as_ref()).map_err(|e| corrupt(e.to_string()))
        }
        _ => serde_json::from_value(from_item(item)).map_err(|e| corrupt(e.to_string())),
    }
}

/// A global secondary index and its partition key attribute.
struct Index {
    name: &'static str,
    pk: &'static str,
}

const BY_STATUS: Index = Index {
    name: "by_status",
    pk: "GSI1PK",
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::test_orders::twenty_lines;

    #[test]
    fn sort_keys_are_fixed_width() {
        use chrono::{TimeZone, Utc};
        let a = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let b = a + chrono::Duration::microseconds(1500);
        assert!(sortable(a) < sortable(b));
        assert_eq!(sortable(a).len(), sortable(b).len());
        assert_eq!(sortable(b), "2026-01-01T00:00:00.001500Z");
        let c = Utc.with_ymd_and_hms(2031, 12, 9, 23, 5, 59).unwrap()
            + chrono::Duration::nanoseconds(987_654_321);
        assert_eq!(sortable(c), c.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string());
    }

    #[test]
    fn an_order_item_is_its_keys_version_and_index_attributes_around_the_packed_order() {
        let order = twenty_lines();
        let item = encode_order(&order).unwrap();
        assert_eq!(string(&item, "PK").unwrap(), format!("ORDER#{}", order.id));
        assert_eq!(item["version"], n(order.version as i64));
        assert!(matches!(item[packed::BODY], AttributeValue::B(_)));
        for (name, value) in search::index_attributes(&order) {
            assert_eq!(item[name], s(value), "{name}");
        }
        assert_eq!(item.len(), 4 + search::index_attributes(&order).len());
        assert_eq!(decode_order(&item).unwrap(), order);
    }

    #[test]
    fn an_order_written_before_orders_were_packed_still_reads() {
        let order = twenty_lines();
        let mut item = crate::aws::attribute_serializer::to_item(&order).unwrap();
        item.insert("PK".into(), s(order_pk(&order.id)));
        item.insert("SK".into(), s("META"));
        assert_eq!(decode_order(&item).unwrap(), order);
    }

    #[test]
    fn a_damaged_body_is_a_corrupt_order_not_a_panic() {
        let mut item = encode_order(&twenty_lines()).unwrap();
        item.insert(
            packed::BODY.into(),
            AttributeValue::B(Blob::new(b"\x00\x01".to_vec())),
        );
        assert!(matches!(
            decode_order(&item),
            Err(StoreError::Corrupt { id, .. }) if id.starts_with("ORDER#")
        ));
    }
}
