//! Report counters in DynamoDB (`oms_core::reporting`): one item per cell, whose attributes are
//! the counters, moved by `ADD` in the transaction of every order write that changes them.
//!
//! | item | PK | SK |
//! |---|---|---|
//! | report cell | `REPORT#<channel>#<shard>` | `DAY#<yyyy-mm-dd>#T`: the order, sales, parcel and latency counters |
//! | units sold | `REPORT#<channel>#<shard>` | `DAY#<yyyy-mm-dd>#U<g>`: the SKUs whose name hashes to group `g` (of 8) |
//!
//! | where orders stand | `REPORT#<channel>#<shard>` | `NOW`: orders per status, on hold, needing attention, whenever they came in |
//!
//! (`.<n>` after a sort key holds the rest of an order with more counters than one update
//! holds.) Units live apart so that the writes that change only the small counters (a label, a
//! delivery, a hold) pay for a small item, and the items of a day with thousands of SKUs stay
//! small too. A summary reads each channel's shards with one query per shard over the range's
//! days: 16 queries per channel, however long the range.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use futures::future::try_join_all;
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use super::StoreError;
use crate::domain::order::Channel;
use crate::domain::Order;
use crate::dynamo::{
    built, key, s, AttributeValue, Db, Item, Op, Query, SortCondition, TransactWriteItem, Update,
    MAX_BATCH_READS,
};
use crate::reporting::tally::SHARDS;
use crate::reporting::{Cell, Counter, Standing, Summary, SummaryRange, Tally};

/// Counters one update moves: keeps its expression well under DynamoDB's 4 KB.
const COUNTERS_PER_UPDATE: usize = 100;

/// Items a day's units sold are spread over, per shard.
const UNIT_GROUPS: u8 = 8;

/// The sort key of a shard's counts of where orders stand.
const STANDING: &str = "NOW";

#[derive(Clone)]
pub struct ReportStore {
    db: Db,
    table: String,
}

impl ReportStore {
    pub fn new(db: Db, table: impl Into<String>) -> Self {
        Self {
            db,
            table: table.into(),
        }
    }

    /// The updates that move the counters of `after`'s cell by what the write from `before`
    /// changes: none when it changes nothing the reports count.
    pub fn changes(
        &self,
        before: Option<&Order>,
        after: &Order,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let change = Tally::change(before, after);
        let standing = Tally::standing_change(before, after);
        let cell = Cell::of(after);
        let day = day_key(cell.day);
        // Sort key -> the counters its item takes.
        let mut groups: BTreeMap<String, Vec<(&Counter, &Decimal)>> = BTreeMap::new();
        for (counter, value) in change.iter() {
            let group = match counter {
                Counter::Units(sku) => {
                    format!("{day}#U{}", Sha256::digest(sku.as_bytes())[0] % UNIT_GROUPS)
                }
                _ => format!("{day}#T"),
            };
            groups.entry(group).or_default().push((counter, value));
        }
        if !standing.is_empty() {
            groups.insert(STANDING.into(), standing.iter().collect());
        }
        let updates = groups.iter().flat_map(|(group, counters)| {
            counters
                .chunks(COUNTERS_PER_UPDATE)
                .enumerate()
                .map(move |(part, counters)| (group, part, counters))
        });
        updates
            .map(|(group, part, counters)| {
                let sk = match part {
                    0 => group.clone(),
                    n => format!("{group}.{n}"),
                };
                let mut update = Update::builder()
                    .table_name(&self.table)
                    .key("PK", s(cell_pk(cell.channel, cell.shard)))
                    .key("SK", s(sk));
                let mut adds = Vec::with_capacity(counters.len());
                for (i, (counter, value)) in counters.iter().enumerate() {
                    adds.push(format!("#c{i} :c{i}"));
                    update = update
                        .expression_attribute_names(format!("#c{i}"), counter.name())
                        .expression_attribute_values(
                            format!(":c{i}"),
                            AttributeValue::N(value.normalize().to_string()),
                        );
                }
                let update = update.update_expression(format!("ADD {}", adds.join(", ")));
                Ok(built(update.build())?.op())
            })
            .collect()
    }

    /// The summary of `channels`' orders received in `range`.
    pub async fn summary(
        &self,
        channels: &[Channel],
        range: SummaryRange,
    ) -> Result<Summary, StoreError> {
        let reads = channels.iter().flat_map(|&channel| {
            (0..SHARDS).map(move |shard| self.shard_days(channel, shard, range))
        });
        let mut days: BTreeMap<NaiveDate, Tally> = BTreeMap::new();
        for shard in try_join_all(reads).await? {
            for (day, tally) in shard {
                days.entry(day).or_default().merge(tally);
            }
        }
        Ok(Summary::of(range, days))
    }

    /// Where `channels`' orders stand now: orders per status, on hold, needing attention.
    pub async fn standing(&self, channels: &[Channel]) -> Result<Standing, StoreError> {
        let mut keys: Vec<Item> = channels
            .iter()
            .flat_map(|&channel| {
                (0..SHARDS).map(move |shard| key(cell_pk(channel, shard), STANDING))
            })
            .collect();
        let mut tally = Tally::default();
        while !keys.is_empty() {
            let batch: Vec<Item> = keys.drain(..keys.len().min(MAX_BATCH_READS)).collect();
            let (items, unprocessed) = self.db.batch_get(&self.table, batch, false).await?;
            for item in &items {
                tally.merge(tally_of(item));
            }
            keys.extend(unprocessed);
        }
        Ok(Standing::of(&tally))
    }

    /// One shard's counters per day of `range`.
    async fn shard_days(
        &self,
        channel: Channel,
        shard: u8,
        range: SummaryRange,
    ) -> Result<Vec<(NaiveDate, Tally)>, StoreError> {
        let mut query = Query {
            sort: Some((
                "SK".into(),
                SortCondition::Between(day_key(range.from()), format!("{}~", day_key(range.to()))),
            )),
            consistent: false,
            ..Query::partition(&self.table, "PK", &cell_pk(channel, shard))
        };
        let mut days = Vec::new();
        loop {
            let page = self.db.query(query.clone()).await?;
            for item in &page.items {
                let day = item
                    .get("SK")
                    .and_then(|sk| sk.as_s().ok())
                    .and_then(|sk| sk.get(4..14))
                    .and_then(|day| NaiveDate::parse_from_str(day, "%Y-%m-%d").ok())
                    .ok_or_else(|| StoreError::Corrupt {
                        id: cell_pk(channel, shard),
                        reason: "a report cell without a day".into(),
                    })?;
                days.push((day, tally_of(item)));
            }
            match page.last_key {
                Some(start) => query.start = Some(start),
                None => return Ok(days),
            }
        }
    }
}

/// The counters a cell item holds (its other attributes are its key).
fn tally_of(item: &Item) -> Tally {
    item.iter()
        .filter_map(|(name, value)| {
            let counter = Counter::parse(name)?;
            let number = value.as_n().ok()?;
            let value = number
                .parse::<Decimal>()
                .ok()
                .or_else(|| Decimal::from_scientific(number).ok())?;
            Some((counter, value))
        })
        .collect()
}

fn cell_pk(channel: Channel, shard: u8) -> String {
    format!("REPORT#{}#{shard}", channel.as_str())
}

fn day_key(day: NaiveDate) -> String {
    format!("DAY#{}", day.format("%Y-%m-%d"))
}
