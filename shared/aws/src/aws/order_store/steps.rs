//! Order writes too big for one DynamoDB transaction (100 items, about 45 stock records) go in
//! steps, journaled on the order item itself, so a worker that dies half way leaves behind what
//! the next writer needs to finish or undo its work:
//!
//! 1. Reservations, the only stock changes another order can make impossible, go first. The
//!    order is locked with a `reserve` journal listing them (conditioned on the version read),
//!    then they are applied in chunks. Each chunk's transaction also moves the journal's
//!    `saga_done` counter on from the value it expects, so a chunk is applied once or not at all.
//!    When a chunk fails because the units are gone, the chunks applied are undone the same way,
//!    newest first, the lock is lifted, and the caller plans again as after any `StockChanged`.
//! 2. The commit writes the new version of the order, conditioned on holding the lock with every
//!    reservation applied, with a `finish` journal of the other changes: releases, deductions,
//!    re-reservations after a void, backorder queue entries. None of these can fail: the order
//!    holds the units they move.
//! 3. The finish chunks are applied the same way, and the journal is removed.
//!
//! Every plain write of the order is conditioned on there being no journal, and `update` deals
//! with one it finds first: a `finish` journal is rolled forward at once, by whichever worker gets
//! there (the counter makes each chunk happen once); a `reserve` journal is waited for until its
//! owner's lease runs out, then undone.
//!
//! An order nobody writes again (a cancellation whose worker died, say) is not left holding stock:
//! each journal has an entry in the `UNFINISHED` partition, written and removed in the same
//! transactions as the journal, and `finish_left_behind` works through them.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::ops::Range;

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    describe, effect, encode_order, is_condition_failure, n, order_pk, s, OrderStore, StockDelta,
    StockEffect, StoreError, MAX_TRANSACTION_ITEMS, UNLOCKED_VERSION,
};
use crate::aws::item::{string, Item};
use crate::domain::{Order, OrderId};

/// Twice the longest function timeout (30 s): a worker still alive never loses its lock.
pub(super) const DEFAULT_LEASE: chrono::Duration = chrono::Duration::seconds(60);

/// How long a writer waits for another worker's reservations in steps before reading again.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_millis(250);

/// What a step undone after a failed reservation says on the inventory timeline.
const UNDONE: &str = "undone: another order took the stock first";

/// The partition listing the orders with a journal, one item per order (sort key: its id).
const UNFINISHED: &str = "UNFINISHED";

/// One change of a write in steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub(super) enum Step {
    /// A stock record's counters, with its timeline entry.
    Stock(StockDelta),
    /// The order joins (`waiting`) or leaves `sku`'s backorder queue at `key`.
    Waiting {
        sku: String,
        key: String,
        waiting: bool,
    },
}

impl Step {
    /// Transaction items it takes.
    fn size(&self) -> usize {
        match self {
            Step::Stock(_) => 2,
            Step::Waiting { .. } => 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Phase {
    Reserve,
    Finish,
}

/// What the order item carries while a write in steps is under way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Journal {
    token: String,
    phase: Phase,
    /// When the order changed: the time on the timeline entries.
    at: DateTime<Utc>,
    steps: Vec<Step>,
    /// Chunks applied.
    done: usize,
    /// When other writers may take the owner for dead (`reserve` only).
    expires: DateTime<Utc>,
}

#[derive(Serialize, Deserialize)]
struct Plan {
    at: DateTime<Utc>,
    steps: Vec<Step>,
}

impl Journal {
    pub(super) fn from_item(item: &Item) -> Result<Option<Self>, StoreError> {
        let Some(token) = string(item, "saga_token") else {
            return Ok(None);
        };
        let corrupt = |reason: String| StoreError::Corrupt {
            id: string(item, "PK").unwrap_or_default(),
            reason: format!("write in steps: {reason}"),
        };
        let text = |name: &str| string(item, name).ok_or_else(|| corrupt(format!("no {name}")));
        let number = |name: &str| -> Result<i64, StoreError> {
            item.get(name)
                .and_then(|v| v.as_n().ok())
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| corrupt(format!("no {name}")))
        };
        let phase = serde_json::from_value(serde_json::Value::String(text("saga_phase")?))
            .map_err(|e| corrupt(e.to_string()))?;
        let plan: Plan =
            serde_json::from_str(&text("saga_plan")?).map_err(|e| corrupt(e.to_string()))?;
        Ok(Some(Self {
            token,
            phase,
            at: plan.at,
            steps: plan.steps,
            done: usize::try_from(number("saga_done")?).map_err(|e| corrupt(e.to_string()))?,
            expires: DateTime::from_timestamp(number("saga_expires")?, 0)
                .ok_or_else(|| corrupt("bad saga_expires".into()))?,
        }))
    }

    fn new(phase: Phase, at: DateTime<Utc>, steps: Vec<Step>, expires: DateTime<Utc>) -> Self {
        let nanos = Utc::now().timestamp_nanos_opt().unwrap_or_default();
        Self {
            token: format!("{:016x}", RandomState::new().hash_one(nanos)),
            phase,
            at,
            steps,
            done: 0,
            expires,
        }
    }

    fn attributes(&self) -> Result<Vec<(&'static str, AttributeValue)>, StoreError> {
        let plan = serde_json::to_string(&Plan {
            at: self.at,
            steps: self.steps.clone(),
        })
        .map_err(|e| StoreError::Dynamo(e.to_string()))?;
        let phase = match self.phase {
            Phase::Reserve => "reserve",
            Phase::Finish => "finish",
        };
        Ok(vec![
            ("saga_token", s(&self.token)),
            ("saga_phase", s(phase)),
            ("saga_plan", s(plan)),
            ("saga_done", n(self.done as i64)),
            ("saga_expires", n(self.expires.timestamp())),
        ])
    }

    /// What the steps do to stock, or what undoing them does.
    fn effect(&self, undo: bool) -> StockEffect {
        let changes: Vec<StockDelta> = self
            .steps
            .iter()
            .filter_map(|step| match step {
                Step::Stock(change) if undo => Some(change.undone()),
                Step::Stock(change) => Some(change.clone()),
                Step::Waiting { .. } => None,
            })
            .collect();
        effect(&changes)
    }

    /// The steps in chunks that fit one transaction beside the journal's own update.
    fn chunks(&self) -> Vec<Range<usize>> {
        let mut chunks = Vec::new();
        let (mut start, mut size) = (0, 0);
        for (i, step) in self.steps.iter().enumerate() {
            if size + step.size() > MAX_TRANSACTION_ITEMS - 1 {
                chunks.push(start..i);
                (start, size) = (i, 0);
            }
            size += step.size();
        }
        if start < self.steps.len() {
            chunks.push(start..self.steps.len());
        }
        chunks
    }
}

/// How applying chunks ended.
enum Progress {
    Done,
    /// Another worker moved the journal on (or removed it) first.
    Overtaken,
    /// A reservation failed: the units are gone.
    StockChanged(String),
}

impl OrderStore {
    /// Writes `after` in steps: see the module documentation. `false` when another writer got to
    /// the order first (or undid these steps, taking this worker for dead).
    pub(super) async fn write_in_steps(
        &self,
        before: &Order,
        after: &Order,
        lookups: Vec<TransactWriteItem>,
        changes: &[StockDelta],
        queue: Vec<Step>,
    ) -> Result<bool, StoreError> {
        let id = &after.id;
        let (reserves, others): (Vec<_>, Vec<_>) = changes.iter().partition(|c| c.reserves());
        let reserves: Vec<Step> = reserves.into_iter().cloned().map(Step::Stock).collect();
        let finish: Vec<Step> = others
            .into_iter()
            .cloned()
            .map(Step::Stock)
            .chain(queue)
            .collect();
        if lookups.len() + 2 > MAX_TRANSACTION_ITEMS {
            return Err(StoreError::TooManyStockRecords(id.clone()));
        }
        let expires = Utc::now() + self.lease;
        let mut item = encode_order(after)?;
        let finish = (!finish.is_empty())
            .then(|| Journal::new(Phase::Finish, after.updated_at, finish, expires));
        if let Some(journal) = &finish {
            item.extend(
                journal
                    .attributes()?
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v)),
            );
        }
        let mut commit = aws_sdk_dynamodb::types::Put::builder()
            .table_name(&self.table)
            .set_item(Some(item));
        let reserved = if reserves.is_empty() {
            commit = commit
                .condition_expression(UNLOCKED_VERSION)
                .expression_attribute_values(":expected", n(before.version as i64));
            None
        } else {
            let mut journal = Journal::new(Phase::Reserve, after.updated_at, reserves, expires);
            if !self.lock(before, &journal).await? {
                return Ok(false);
            }
            match self.apply(id, &journal).await? {
                Progress::Done => {}
                Progress::Overtaken => return Ok(false),
                Progress::StockChanged(sku) => {
                    if let Some(current) = self.journal(id, &journal.token).await? {
                        self.roll_back(id, current).await?;
                    }
                    return Err(StoreError::StockChanged(sku));
                }
            }
            journal.done = journal.chunks().len();
            commit = commit
                .condition_expression("saga_token = :token AND saga_done = :done")
                .expression_attribute_values(":token", s(&journal.token))
                .expression_attribute_values(":done", n(journal.done as i64));
            Some(journal)
        };
        let commit = commit
            .build()
            .map_err(|e| StoreError::Dynamo(e.to_string()))?;
        let mut items = vec![TransactWriteItem::builder().put(commit).build()];
        match &finish {
            Some(journal) => items.push(self.unfinished_entry(id, Some(&journal.token))?),
            None if reserved.is_some() => items.push(self.unfinished_entry(id, None)?),
            None => {}
        }
        items.extend(lookups);
        if let Err(reasons) = self.transact(items).await? {
            if is_condition_failure(&reasons, 0) {
                return Ok(false);
            }
            if let Some(journal) = reserved {
                self.roll_back(id, journal).await?;
            }
            return Err(StoreError::Dynamo(format!(
                "transaction cancelled: {reasons:?}"
            )));
        }
        if let Some(journal) = finish {
            self.roll_forward(id, journal).await?;
        }
        Ok(true)
    }

    /// Deals with a journal found on the order (see the module documentation); what that did to
    /// stock, for the caller to follow up.
    pub(super) async fn recover(
        &self,
        id: &OrderId,
        journal: Journal,
    ) -> Result<StockEffect, StoreError> {
        match journal.phase {
            Phase::Finish => {
                let effect = journal.effect(false);
                self.roll_forward(id, journal).await?;
                Ok(effect)
            }
            Phase::Reserve if journal.expires <= Utc::now() => {
                tracing::warn!(order_id = %id, chunks = journal.done, "undoing reservations a worker left half done");
                let effect = journal.effect(true);
                self.roll_back(id, journal).await?;
                Ok(effect)
            }
            Phase::Reserve => {
                tokio::time::sleep(LOCK_WAIT).await;
                Ok(StockEffect::default())
            }
        }
    }

    /// Finishes or undoes up to `limit` writes in steps whose workers are gone: those rolling
    /// forward, and those reserving past their lease. What that did to stock, for the caller to
    /// follow up.
    pub async fn finish_left_behind(&self, limit: i32) -> Result<StockEffect, StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk")
            .expression_attribute_values(":pk", s(UNFINISHED))
            .limit(limit)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::Dynamo(describe(&e)))?;
        let mut recovered = StockEffect::default();
        for item in output.items() {
            let Some(id) = string(item, "SK").and_then(|id| OrderId::parse(&id).ok()) else {
                continue;
            };
            let Some((_, Some(journal))) = self.read(&id).await? else {
                continue;
            };
            if journal.phase == Phase::Finish || journal.expires <= Utc::now() {
                tracing::warn!(order_id = %id, "finishing a write in steps its worker left behind");
                recovered.merge(self.recover(&id, journal).await?);
            }
        }
        Ok(recovered)
    }

    /// Marks the order as being written in steps, unless it changed since `before` was read.
    async fn lock(&self, before: &Order, journal: &Journal) -> Result<bool, StoreError> {
        let mut update = Update::builder()
            .table_name(&self.table)
            .key("PK", s(order_pk(&before.id)))
            .key("SK", s("META"))
            .condition_expression(UNLOCKED_VERSION)
            .expression_attribute_values(":expected", n(before.version as i64));
        let mut sets = Vec::new();
        for (name, value) in journal.attributes()? {
            sets.push(format!("{name} = :{name}"));
            update = update.expression_attribute_values(format!(":{name}"), value);
        }
        let update = update
            .update_expression(format!("SET {}", sets.join(", ")))
            .build()
            .map_err(|e| StoreError::Dynamo(e.to_string()))?;
        let items = vec![
            TransactWriteItem::builder().update(update).build(),
            self.unfinished_entry(&before.id, Some(&journal.token))?,
        ];
        match self.transact(items).await? {
            Ok(()) => Ok(true),
            Err(reasons) if is_condition_failure(&reasons, 0) => Ok(false),
            Err(reasons) => Err(StoreError::Dynamo(format!(
                "locking order {}: transaction cancelled: {reasons:?}",
                before.id
            ))),
        }
    }

    /// Lists the order among those with a journal (`token`), or takes it off the list.
    fn unfinished_entry(
        &self,
        id: &OrderId,
        token: Option<&str>,
    ) -> Result<TransactWriteItem, StoreError> {
        Ok(match token {
            Some(token) => TransactWriteItem::builder()
                .put(
                    aws_sdk_dynamodb::types::Put::builder()
                        .table_name(&self.table)
                        .item("PK", s(UNFINISHED))
                        .item("SK", s(id.as_str()))
                        .item("token", s(token))
                        .build()
                        .map_err(|e| StoreError::Dynamo(e.to_string()))?,
                )
                .build(),
            None => TransactWriteItem::builder()
                .delete(
                    aws_sdk_dynamodb::types::Delete::builder()
                        .table_name(&self.table)
                        .key("PK", s(UNFINISHED))
                        .key("SK", s(id.as_str()))
                        .build()
                        .map_err(|e| StoreError::Dynamo(e.to_string()))?,
                )
                .build(),
        })
    }

    /// The order's journal, if it is still the one with `token`.
    async fn journal(&self, id: &OrderId, token: &str) -> Result<Option<Journal>, StoreError> {
        Ok(self
            .read(id)
            .await?
            .and_then(|(_, journal)| journal)
            .filter(|journal| journal.token == token))
    }

    /// Applies the chunks not yet applied, in order.
    async fn apply(&self, id: &OrderId, journal: &Journal) -> Result<Progress, StoreError> {
        for (i, chunk) in journal.chunks().into_iter().enumerate().skip(journal.done) {
            let steps = &journal.steps[chunk];
            let mut items = vec![self.advance(id, &journal.token, i, i + 1)?];
            for step in steps {
                items.extend(self.step_items(id, journal.at, step, None)?);
            }
            let Err(reasons) = self.transact(items).await? else {
                continue;
            };
            if is_condition_failure(&reasons, 0) {
                return Ok(Progress::Overtaken);
            }
            let failed = steps
                .iter()
                .scan(1, |index, step| {
                    let first = *index;
                    *index += step.size();
                    Some((first, step))
                })
                .find(|(index, _)| is_condition_failure(&reasons, *index));
            return match failed {
                Some((_, Step::Stock(change))) if journal.phase == Phase::Reserve => {
                    Ok(Progress::StockChanged(change.sku.clone()))
                }
                _ => Err(StoreError::Dynamo(format!(
                    "order {id}: step {i} of a write in steps cancelled: {reasons:?}"
                ))),
            };
        }
        Ok(Progress::Done)
    }

    /// Applies the rest of a `finish` journal and removes it.
    async fn roll_forward(&self, id: &OrderId, mut journal: Journal) -> Result<(), StoreError> {
        loop {
            match self.apply(id, &journal).await? {
                Progress::Done => break,
                Progress::Overtaken => match self.journal(id, &journal.token).await? {
                    Some(current) => journal = current,
                    None => return Ok(()),
                },
                Progress::StockChanged(sku) => {
                    return Err(StoreError::Dynamo(format!(
                        "order {id}: finishing its stock changes failed on {sku}"
                    )))
                }
            }
        }
        self.unlock(id, &journal.token, journal.chunks().len())
            .await
    }

    /// Undoes the applied chunks of a `reserve` journal, newest first, and lifts the lock.
    async fn roll_back(&self, id: &OrderId, mut journal: Journal) -> Result<(), StoreError> {
        while journal.done > 0 {
            let i = journal.done - 1;
            let chunk = journal.chunks().swap_remove(i);
            let mut items = vec![self.advance(id, &journal.token, i + 1, i)?];
            for step in &journal.steps[chunk] {
                items.extend(self.step_items(id, journal.at, step, Some(UNDONE))?);
            }
            match self.transact(items).await? {
                Ok(()) => journal.done = i,
                Err(reasons) if is_condition_failure(&reasons, 0) => {
                    match self.journal(id, &journal.token).await? {
                        Some(current) => journal = current,
                        None => return Ok(()),
                    }
                }
                Err(reasons) => {
                    return Err(StoreError::Dynamo(format!(
                        "order {id}: undoing step {i} of a write in steps cancelled: {reasons:?}"
                    )))
                }
            }
        }
        self.unlock(id, &journal.token, 0).await
    }

    /// Moves the journal's counter from `from` chunks applied to `to`.
    fn advance(
        &self,
        id: &OrderId,
        token: &str,
        from: usize,
        to: usize,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .key("PK", s(order_pk(id)))
            .key("SK", s("META"))
            .update_expression("SET saga_done = :to")
            .condition_expression("saga_token = :token AND saga_done = :from")
            .expression_attribute_values(":token", s(token))
            .expression_attribute_values(":from", n(from as i64))
            .expression_attribute_values(":to", n(to as i64))
            .build()
            .map_err(|e| StoreError::Dynamo(e.to_string()))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// The transaction items of one step, or of undoing it when `undo` gives the reason.
    fn step_items(
        &self,
        id: &OrderId,
        at: DateTime<Utc>,
        step: &Step,
        undo: Option<&str>,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        Ok(match step {
            Step::Stock(change) => {
                let change = match undo {
                    Some(_) => change.undone(),
                    None => change.clone(),
                };
                vec![
                    TransactWriteItem::builder()
                        .update(self.stock_update(&change)?)
                        .build(),
                    self.stock_log(&change, at, id, undo)?,
                ]
            }
            Step::Waiting { sku, key, waiting } => {
                vec![self.backorder_entry(sku, key, id, *waiting != undo.is_some())?]
            }
        })
    }

    /// Removes the journal once `done` chunks are applied; already gone is fine.
    async fn unlock(&self, id: &OrderId, token: &str, done: usize) -> Result<(), StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .key("PK", s(order_pk(id)))
            .key("SK", s("META"))
            .update_expression("REMOVE saga_token, saga_phase, saga_plan, saga_done, saga_expires")
            .condition_expression("saga_token = :token AND saga_done = :done")
            .expression_attribute_values(":token", s(token))
            .expression_attribute_values(":done", n(done as i64))
            .build()
            .map_err(|e| StoreError::Dynamo(e.to_string()))?;
        let items = vec![
            TransactWriteItem::builder().update(update).build(),
            self.unfinished_entry(id, None)?,
        ];
        match self.transact(items).await? {
            Err(reasons) if !is_condition_failure(&reasons, 0) => Err(StoreError::Dynamo(format!(
                "order {id}: removing its journal: transaction cancelled: {reasons:?}"
            ))),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::LocationId;

    fn stock(sku: &str) -> Step {
        Step::Stock(StockDelta {
            sku: sku.into(),
            location: LocationId::parse("main").unwrap(),
            on_hand: 0,
            reserved: 1,
        })
    }

    fn journal(steps: Vec<Step>) -> Journal {
        Journal::new(Phase::Finish, Utc::now(), steps, Utc::now())
    }

    #[test]
    fn chunks_fill_transactions_beside_the_journal_update() {
        let steps: Vec<Step> = (0..120).map(|i| stock(&format!("SKU{i}"))).collect();
        let chunks = journal(steps).chunks();
        assert_eq!(chunks, [0..49, 49..98, 98..120]);

        let mut mixed: Vec<Step> = (0..49).map(|i| stock(&format!("SKU{i}"))).collect();
        mixed.extend((0..3).map(|i| Step::Waiting {
            sku: format!("B{i}"),
            key: "k".into(),
            waiting: true,
        }));
        assert_eq!(
            journal(mixed).chunks(),
            [0..50, 50..52],
            "49 records and a queue entry fill 99"
        );
        assert_eq!(journal(vec![]).chunks(), Vec::<Range<usize>>::new());
    }

    #[test]
    fn a_journal_reads_back_as_written() {
        let written = journal(vec![
            stock("MUG"),
            Step::Waiting {
                sku: "BOWL".into(),
                key: "0001#ord_1".into(),
                waiting: false,
            },
        ]);
        let item: Item = written
            .attributes()
            .unwrap()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let read = Journal::from_item(&item).unwrap().unwrap();
        assert_eq!(read.steps, written.steps);
        assert_eq!(
            (read.token, read.phase, read.done),
            (written.token, Phase::Finish, 0)
        );
        assert_eq!(read.expires.timestamp(), written.expires.timestamp());
        assert!(Journal::from_item(&Item::new()).unwrap().is_none());
    }
}
