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
//! transactions as the journal, and `finish_left_behind` works through them. Units that come free
//! other than by the owner's finished write (undone reservations, a journal someone else
//! finished) are noted in the `RELEASED` partition, in the transaction that removes the journal,
//! until `released_left_behind` has had them announced to the orders waiting for them.

use std::ops::Range;

use crate::dynamo::{
    built, AttributeValue, Delete, Op, Put, Query, ReturnValue, TransactWriteItem, Update,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    effect, encode_order, is_condition_failure, is_conflict, n, order_pk, s, OrderStore,
    StockDelta, StoreError, MAX_TRANSACTION_ITEMS, UNLOCKED_VERSION,
};
use crate::aws::item::string;
use crate::domain::{Order, OrderId};
use crate::dynamo::Item;

/// Twice the longest function timeout (30 s): a worker still alive never loses its lock.
pub(super) const DEFAULT_LEASE: chrono::Duration = chrono::Duration::seconds(60);

/// How long a writer waits for another worker's reservations in steps before reading again.
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_millis(250);

/// Times the commit is sent again when another transaction held one of its items.
const MAX_CONFLICTS: usize = 8;

/// What an undone step says on the inventory timeline.
const UNDONE: &str = "undone: the order's write did not go through";

/// The partition listing the orders with a journal, one item per order (sort key: its id).
const UNFINISHED: &str = "UNFINISHED";
/// The partition of units freed that nobody has announced yet (sort key: order id and token).
const RELEASED: &str = "RELEASED";

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

/// The journal's fixed part, stored as one JSON attribute (`saga_plan`).
#[derive(Serialize, Deserialize)]
struct Plan {
    phase: Phase,
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
            crate::aws::item::number(item, name).ok_or_else(|| corrupt(format!("no {name}")))
        };
        let plan: Plan =
            serde_json::from_str(&text("saga_plan")?).map_err(|e| corrupt(e.to_string()))?;
        Ok(Some(Self {
            token,
            phase: plan.phase,
            at: plan.at,
            steps: plan.steps,
            done: usize::try_from(number("saga_done")?).map_err(|e| corrupt(e.to_string()))?,
            expires: DateTime::from_timestamp(number("saga_expires")?, 0)
                .ok_or_else(|| corrupt("bad saga_expires".into()))?,
        }))
    }

    fn new(
        token: u64,
        phase: Phase,
        at: DateTime<Utc>,
        steps: Vec<Step>,
        expires: DateTime<Utc>,
    ) -> Self {
        Self {
            token: format!("{token:016x}"),
            phase,
            at,
            steps,
            done: 0,
            expires,
        }
    }

    fn attributes(&self) -> Result<Vec<(&'static str, AttributeValue)>, StoreError> {
        let plan = serde_json::to_string(&Plan {
            phase: self.phase,
            at: self.at,
            steps: self.steps.clone(),
        })
        .map_err(|e| StoreError::Dynamo(e.to_string()))?;
        Ok(vec![
            ("saga_token", s(&self.token)),
            ("saga_plan", s(plan)),
            ("saga_done", n(self.done as i64)),
            ("saga_expires", n(self.expires.timestamp())),
        ])
    }

    /// SKUs whose waiting orders should look at their stock once the steps are done (or undone):
    /// units came free, or an order joined the queue late.
    fn to_announce(&self, undo: bool) -> Vec<String> {
        let changes: Vec<StockDelta> = self
            .steps
            .iter()
            .filter_map(|step| match step {
                Step::Stock(change) if undo => Some(change.undone()),
                Step::Stock(change) => Some(change.clone()),
                Step::Waiting { .. } => None,
            })
            .collect();
        let mut skus = effect(&changes).released;
        for step in &self.steps {
            if let Step::Waiting { sku, waiting, .. } = step {
                if *waiting != undo && !skus.contains(sku) {
                    skus.push(sku.clone());
                }
            }
        }
        skus
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

/// Units freed that the orders waiting for them have not heard of yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Released {
    key: String,
    pub skus: Vec<String>,
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
        // The commit: the order, its entry among unfinished writes, and what goes with it.
        if lookups.len() + 2 > MAX_TRANSACTION_ITEMS {
            return Err(StoreError::TooManyRecords(id.clone()));
        }
        let expires = self.clock.now() + self.lease;
        let mut item = encode_order(after)?;
        let finish = (!finish.is_empty()).then(|| {
            Journal::new(
                self.clock.unique(),
                Phase::Finish,
                after.updated_at,
                finish,
                expires,
            )
        });
        if let Some(journal) = &finish {
            item.extend(
                journal
                    .attributes()?
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v)),
            );
        }
        let mut commit = Put::builder().table_name(&self.table).set_item(Some(item));
        let reserved = if reserves.is_empty() {
            commit = commit
                .condition_expression(UNLOCKED_VERSION)
                .expression_attribute_values(":expected", n(before.version as i64));
            None
        } else {
            let mut journal = Journal::new(
                self.clock.unique(),
                Phase::Reserve,
                after.updated_at,
                reserves,
                expires,
            );
            if !self.lock(before, &journal).await? {
                return Ok(false);
            }
            match self.apply(id, &journal).await {
                Ok(Progress::Done) => {}
                Ok(Progress::Overtaken) => return Ok(false),
                Ok(Progress::StockChanged(sku)) => {
                    self.abandon(id, &journal.token).await?;
                    return Err(StoreError::StockChanged(sku));
                }
                Err(e) => {
                    self.abandon_after(id, &journal.token, &e).await;
                    return Err(e);
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
        let mut conflicts = 0;
        match &finish {
            Some(journal) => items.push(self.unfinished_entry(id, Some(&journal.token))?),
            None if reserved.is_some() => items.push(self.unfinished_entry(id, None)?),
            None => {}
        }
        items.extend(lookups);
        let error = loop {
            match self.transact(items.clone()).await {
                Ok(Ok(())) => {
                    if let Some(journal) = finish {
                        self.roll_forward(id, journal, false).await?;
                    }
                    return Ok(true);
                }
                Ok(Err(reasons)) if is_condition_failure(&reasons, 0) => return Ok(false),
                // The commit holds this worker's lock: send it again rather than read again.
                Ok(Err(reasons)) if is_conflict(&reasons) && conflicts < MAX_CONFLICTS => {
                    conflicts += 1;
                }
                Ok(Err(reasons)) => {
                    break StoreError::Dynamo(format!("transaction cancelled: {reasons:?}"))
                }
                Err(e) => break e,
            }
        };
        if let Some(journal) = reserved {
            self.abandon_after(id, &journal.token, &error).await;
        }
        Err(error)
    }

    /// Undoes this worker's reservations, unless someone else already did (or, after a commit
    /// whose answer was lost, the journal is no longer there to undo).
    async fn abandon(&self, id: &OrderId, token: &str) -> Result<(), StoreError> {
        match self.journal(id, token).await? {
            Some(journal) => self.roll_back(id, journal).await,
            None => Ok(()),
        }
    }

    /// `abandon` after `error`, so the units are not held for the rest of the lease; if that
    /// fails too, the lease runs out and the next writer undoes them.
    async fn abandon_after(&self, id: &OrderId, token: &str, error: &StoreError) {
        if let Err(undo) = self.abandon(id, token).await {
            tracing::warn!(order_id = %id, %error, %undo, "could not undo reservations; the lease will");
        }
    }

    /// Deals with a journal found on the order: see the module documentation.
    pub(super) async fn recover(&self, id: &OrderId, journal: Journal) -> Result<(), StoreError> {
        match journal.phase {
            Phase::Finish => self.roll_forward(id, journal, true).await,
            Phase::Reserve if journal.expires <= self.clock.now() => {
                tracing::warn!(order_id = %id, chunks = journal.done, "undoing reservations a worker left half done");
                self.roll_back(id, journal).await
            }
            Phase::Reserve => {
                tokio::time::sleep(LOCK_WAIT).await;
                Ok(())
            }
        }
    }

    /// Finishes or undoes up to `limit` writes in steps whose workers are gone: those rolling
    /// forward, and those reserving past their lease. One that fails is logged and left for the
    /// next call.
    pub async fn finish_left_behind(&self, limit: i32) -> Result<(), StoreError> {
        for item in self.partition(UNFINISHED, limit).await? {
            let Some(id) = string(&item, "SK").and_then(|id| OrderId::parse(&id).ok()) else {
                continue;
            };
            let journal = match self.read(&id).await {
                Ok(Some((_, Some(journal)))) => journal,
                Ok(_) => continue,
                Err(error) => {
                    tracing::warn!(order_id = %id, %error, "unreadable write in steps left behind");
                    continue;
                }
            };
            if journal.phase == Phase::Finish || journal.expires <= self.clock.now() {
                tracing::warn!(order_id = %id, "finishing a write in steps its worker left behind");
                if let Err(error) = self.recover(&id, journal).await {
                    tracing::warn!(order_id = %id, %error, "could not finish a write left behind");
                }
            }
        }
        Ok(())
    }

    /// Up to `limit` notes of units freed that nobody has announced yet.
    pub async fn released_left_behind(&self, limit: i32) -> Result<Vec<Released>, StoreError> {
        Ok(self
            .partition(RELEASED, limit)
            .await?
            .iter()
            .filter_map(|item| {
                let skus = item
                    .get("skus")?
                    .as_l()
                    .ok()?
                    .iter()
                    .filter_map(|sku| sku.as_s().ok().cloned())
                    .collect();
                Some(Released {
                    key: string(item, "SK")?,
                    skus,
                })
            })
            .collect())
    }

    /// Drops a note once its units have been announced.
    pub async fn announced(&self, released: &Released) -> Result<(), StoreError> {
        let delete = built(
            Delete::builder()
                .table_name(&self.table)
                .key("PK", s(RELEASED))
                .key("SK", s(&released.key))
                .build(),
        )?;
        self.db.write(delete.op(), ReturnValue::None).await?;
        Ok(())
    }

    async fn partition(&self, pk: &str, limit: i32) -> Result<Vec<Item>, StoreError> {
        let query = Query {
            limit: Some(limit),
            ..Query::partition(&self.table, "PK", pk)
        };
        Ok(self.db.query(query).await?.items)
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
                    Put::builder()
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
                    Delete::builder()
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

    /// Applies the rest of a `finish` journal and removes it; `announce` when its owner will not
    /// (it is not the owner finishing).
    async fn roll_forward(
        &self,
        id: &OrderId,
        mut journal: Journal,
        announce: bool,
    ) -> Result<(), StoreError> {
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
        let released = if announce {
            journal.to_announce(false)
        } else {
            Vec::new()
        };
        self.unlock(id, &journal.token, journal.chunks().len(), &released)
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
        self.unlock(id, &journal.token, 0, &journal.to_announce(true))
            .await
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

    /// Removes the journal once `done` chunks are applied, noting the `released` SKUs to announce;
    /// already gone is fine.
    async fn unlock(
        &self,
        id: &OrderId,
        token: &str,
        done: usize,
        released: &[String],
    ) -> Result<(), StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .key("PK", s(order_pk(id)))
            .key("SK", s("META"))
            .update_expression("REMOVE saga_token, saga_plan, saga_done, saga_expires")
            .condition_expression("saga_token = :token AND saga_done = :done")
            .expression_attribute_values(":token", s(token))
            .expression_attribute_values(":done", n(done as i64))
            .build()
            .map_err(|e| StoreError::Dynamo(e.to_string()))?;
        let mut items = vec![
            TransactWriteItem::builder().update(update).build(),
            self.unfinished_entry(id, None)?,
        ];
        if !released.is_empty() {
            let note = Put::builder()
                .table_name(&self.table)
                .item("PK", s(RELEASED))
                .item("SK", s(format!("{id}#{token}")))
                .item("skus", AttributeValue::L(released.iter().map(s).collect()))
                .build()
                .map_err(|e| StoreError::Dynamo(e.to_string()))?;
            items.push(TransactWriteItem::builder().put(note).build());
        }
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
        Journal::new(1, Phase::Finish, Utc::now(), steps, Utc::now())
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
