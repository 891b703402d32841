//! Finding orders: every filter of the orders list is served by a key or an index, never a Scan.
//!
//! Each order item carries one attribute per index it is found by (`ix_status`, `ix_payment`,
//! `ix_fulfillment`, `ix_channel`, `ix_email`, `ix_name`, and `ix_hold` / `ix_attention` only
//! while true), and every index is sorted by `GSI2SK` = `<created>#<id>`, so one position (the
//! last key looked at) resumes any of them, and a range of it is a range of creation times. A
//! SKU, of which an order has many, has entries in the table instead (`ORDERSKU#<sku>`), written
//! before the order that needs them (an entry left over from a crash or an edit is harmless:
//! candidates are always checked against the order itself).
//!
//! A query picks the most selective filter to read by (`driver`), merges that index's partitions
//! newest first (several for `status=a,b` and for free text), reads the orders themselves and
//! keeps those `OrderQuery::matches`. The indexes are KEYS_ONLY: an index entry is written only
//! when its key changes, not on an order's every write.

use std::collections::{BTreeSet, HashSet};

use super::{order_pk, sortable, tracking_code_pk, OrderStore, StoreError, BY_STATUS};
use crate::aws::batch;
use crate::aws::item::string;
use crate::domain::order_query::{email_key, name_key, OrderQuery};
use crate::domain::{Channel, Order, OrderId};
use crate::dynamo::{key, s, BatchWrite, Item, Query, SortCondition};

/// Keys asked of one partition at a time (KEYS_ONLY entries: 100 of them are a few KB).
const KEYS_PER_READ: i32 = 100;
/// Candidates looked at in one request before answering with what was found (and a position to
/// go on from): a filter that matches little never makes a request run long.
const MAX_CANDIDATES: usize = 1000;

/// The sort key every order index shares.
const CREATED_KEY: &str = "GSI2SK";

/// One page of a search; `after` is where the next page starts (none: nothing more).
#[derive(Debug)]
pub struct Page {
    pub orders: Vec<Order>,
    pub after: Option<String>,
}

/// Where candidates come from, each newest first.
enum Source {
    /// One partition of an index (or of the table, `index: None`).
    Partition {
        index: Option<&'static str>,
        attribute: &'static str,
        value: String,
    },
    /// Orders found by key (free text naming a channel order id or a tracking code).
    Known(Vec<String>),
}

/// The sort key of an order in every index.
pub(super) fn created_key(order: &Order) -> String {
    format!("{}#{}", sortable(order.created_at), order.id)
}

/// The index attributes of an order item.
pub(super) fn index_attributes(order: &Order) -> Vec<(&'static str, String)> {
    let mut attributes = vec![
        ("GSI2PK", "ORDERS".to_string()),
        (CREATED_KEY, created_key(order)),
        ("ix_status", order.status.to_string()),
        ("ix_payment", order.payment_status.to_string()),
        ("ix_fulfillment", order.fulfillment_status.to_string()),
        ("ix_channel", order.channel.as_str().to_string()),
    ];
    let email = email_key(&order.customer.email);
    if !email.is_empty() {
        attributes.push(("ix_email", email));
    }
    let name = name_key(&order.name);
    if !name.is_empty() {
        attributes.push(("ix_name", name));
    }
    if order.hold.is_some() {
        attributes.push(("ix_hold", "HOLD".into()));
    }
    if order.attention.is_some() {
        attributes.push(("ix_attention", "ATTENTION".into()));
    }
    attributes
}

fn sku_pk(sku: &str) -> String {
    format!("ORDERSKU#{sku}")
}

fn skus(order: &Order) -> BTreeSet<&str> {
    order.lines.iter().map(|l| l.sku.as_str()).collect()
}

impl OrderStore {
    /// Writes the SKU entries `after` has and `before` lacks: before the order is written.
    pub(super) async fn add_sku_entries(
        &self,
        before: Option<&Order>,
        after: &Order,
    ) -> Result<(), StoreError> {
        let had = before.map(skus).unwrap_or_default();
        let now = skus(after);
        let mut new = now.difference(&had).peekable();
        if new.peek().is_none() {
            return Ok(());
        }
        let created = created_key(after);
        let entries: Vec<Item> = new
            .map(|sku| {
                let mut item = key(sku_pk(sku), created.clone());
                item.insert("order_id".into(), s(after.id.as_str()));
                item
            })
            .collect();
        batch::put_all(&self.db, &self.table, entries).await
    }

    /// Deletes the SKU entries `before` had and `after` lacks: once the order is written.
    pub(super) async fn remove_sku_entries(
        &self,
        before: &Order,
        after: &Order,
    ) -> Result<(), StoreError> {
        let (had, now) = (skus(before), skus(after));
        let mut gone = had.difference(&now).peekable();
        if gone.peek().is_none() {
            return Ok(());
        }
        let created = created_key(before);
        let gone: Vec<BatchWrite> = gone
            .map(|sku| BatchWrite::Delete(key(sku_pk(sku), created.clone())))
            .collect();
        batch::write_all(&self.db, &self.table, gone).await
    }

    /// Up to `limit` orders matching `query`, newest first, starting after position `after`.
    pub async fn search(
        &self,
        query: &OrderQuery,
        limit: usize,
        after: Option<&str>,
    ) -> Result<Page, StoreError> {
        let sources = self.sources(query).await?;
        // Every key starts with a year; DynamoDB takes no empty key value.
        let low = query
            .created_from
            .map(sortable)
            .unwrap_or_else(|| "0".to_string());
        // `~` sorts after `#` and every id character: the whole instant `created_to` is in.
        let mut high = match query.created_to {
            Some(to) => format!("{}~", sortable(to)),
            None => "~".to_string(),
        };
        if let Some(after) = after {
            high = high.min(after.to_string());
        }
        let mut found = Vec::new();
        let mut looked_at = 0;
        let mut seen = HashSet::new();
        loop {
            // Every source's next keys below `high`; what is certainly complete is what lies at
            // or above the highest last key of a source that has more (`frontier`).
            let mut candidates = Vec::new();
            let mut frontier: Option<String> = None;
            for source in &sources {
                let (keys, more) = self.keys_below(source, &low, &high).await?;
                if more {
                    if let Some(last) = keys.last() {
                        frontier = frontier.max(Some(last.clone()));
                    }
                }
                candidates.extend(keys);
            }
            candidates.retain(|k| frontier.as_ref().is_none_or(|f| k >= f));
            candidates.sort_unstable_by(|a, b| b.cmp(a));
            candidates.dedup();
            candidates.retain(|k| seen.insert(k.clone()));
            let mut rest = candidates.as_slice();
            while !rest.is_empty() {
                let wanted = (limit - found.len()).clamp(1, rest.len());
                let (chunk, tail) = rest.split_at(wanted);
                rest = tail;
                looked_at += chunk.len();
                for order in self.orders_at(chunk).await? {
                    if query.matches(&order) {
                        found.push(order);
                    }
                }
                if let Some(last) = chunk.last() {
                    high = last.clone();
                }
                if found.len() == limit {
                    let more = !rest.is_empty() || frontier.is_some();
                    return Ok(Page {
                        orders: found,
                        after: more.then_some(high),
                    });
                }
            }
            match frontier {
                None => {
                    return Ok(Page {
                        orders: found,
                        after: None,
                    })
                }
                Some(frontier) => {
                    high = frontier;
                    if looked_at >= MAX_CANDIDATES {
                        return Ok(Page {
                            orders: found,
                            after: Some(high),
                        });
                    }
                }
            }
        }
    }

    /// The orders at these positions, newest first (those since deleted left out).
    async fn orders_at(&self, positions: &[String]) -> Result<Vec<Order>, StoreError> {
        let ids: Vec<OrderId> = positions
            .iter()
            .filter_map(|p| {
                p.rsplit_once('#')
                    .and_then(|(_, id)| OrderId::parse(id).ok())
            })
            .collect();
        let keys = ids.iter().map(|id| key(order_pk(id), "META")).collect();
        let items = batch::get_all(&self.db, &self.table, keys).await?;
        let mut orders = items
            .iter()
            .map(super::decode_order)
            .collect::<Result<Vec<_>, _>>()?;
        orders.sort_unstable_by_key(|o| std::cmp::Reverse(created_key(o)));
        Ok(orders)
    }

    /// One read of a source: its keys in `[low, high)`, newest first, and whether it has more.
    async fn keys_below(
        &self,
        source: &Source,
        low: &str,
        high: &str,
    ) -> Result<(Vec<String>, bool), StoreError> {
        match source {
            Source::Known(keys) => Ok((
                keys.iter()
                    .filter(|k| k.as_str() >= low && k.as_str() < high)
                    .cloned()
                    .collect(),
                false,
            )),
            Source::Partition { .. } if low >= high => Ok((Vec::new(), false)),
            Source::Partition {
                index,
                attribute,
                value,
            } => {
                let sort_key = if index.is_some() { CREATED_KEY } else { "SK" };
                let query = Query {
                    index: index.map(str::to_string),
                    consistent: false,
                    sort: Some((
                        sort_key.to_string(),
                        SortCondition::Between(low.to_string(), high.to_string()),
                    )),
                    ascending: false,
                    limit: Some(KEYS_PER_READ + 1),
                    ..Query::partition(&self.table, attribute, value)
                };
                let page = self.db.query(query).await?;
                let mut keys: Vec<String> = page
                    .items
                    .iter()
                    .filter_map(|item| string(item, sort_key))
                    .filter(|k| k.as_str() < high)
                    .collect();
                let more = keys.len() > KEYS_PER_READ as usize || page.last_key.is_some();
                keys.truncate(KEYS_PER_READ as usize);
                Ok((keys, more))
            }
        }
    }

    /// The partitions to read for `query`: by its most selective filter.
    async fn sources(&self, query: &OrderQuery) -> Result<Vec<Source>, StoreError> {
        let index = |index, attribute, value: String| Source::Partition {
            index: Some(index),
            attribute,
            value,
        };
        if let Some(text) = query.text.as_deref() {
            return self.text_sources(text.trim()).await;
        }
        Ok(if let Some(email) = &query.email {
            vec![index("by_email", "ix_email", email_key(email))]
        } else if let Some(sku) = &query.sku {
            vec![Source::Partition {
                index: None,
                attribute: "PK",
                value: sku_pk(sku),
            }]
        } else if query.on_hold {
            vec![index("by_hold", "ix_hold", "HOLD".into())]
        } else if query.needs_attention {
            vec![index("by_attention", "ix_attention", "ATTENTION".into())]
        } else if !query.statuses.is_empty() {
            let statuses: BTreeSet<_> = query.statuses.iter().map(|s| s.to_string()).collect();
            statuses
                .into_iter()
                .map(|s| index("by_order_status", "ix_status", s))
                .collect()
        } else if let Some(payment) = query.payment_status {
            vec![index("by_payment", "ix_payment", payment.to_string())]
        } else if let Some(fulfillment) = query.fulfillment_status {
            vec![index(
                "by_fulfillment",
                "ix_fulfillment",
                fulfillment.to_string(),
            )]
        } else if let Some(channel) = query.channel {
            vec![index("by_channel", "ix_channel", channel.as_str().into())]
        } else {
            vec![index("by_created", "GSI2PK", "ORDERS".into())]
        })
    }

    /// Free text: the orders of that name or that customer email (indexes), and the order with
    /// that channel order id or that tracking code (keys).
    async fn text_sources(&self, text: &str) -> Result<Vec<Source>, StoreError> {
        let mut sources = Vec::new();
        let name = name_key(text);
        if !name.is_empty() {
            sources.push(Source::Partition {
                index: Some("by_name"),
                attribute: "ix_name",
                value: name,
            });
        }
        let email = email_key(text);
        if email.contains('@') {
            sources.push(Source::Partition {
                index: Some("by_email"),
                attribute: "ix_email",
                value: email,
            });
        }
        if text.is_empty() || text.len() > 255 {
            return Ok(sources);
        }
        let mut ids: Vec<OrderId> = Channel::ALL
            .iter()
            .map(|c| OrderId::for_channel_order(c.as_str(), text))
            .collect();
        let tracked = self
            .db
            .query(Query {
                limit: Some(10),
                ..Query::index(
                    &self.table,
                    BY_STATUS.name,
                    BY_STATUS.pk,
                    &tracking_code_pk(text),
                )
            })
            .await?;
        ids.extend(
            tracked
                .items
                .iter()
                .filter_map(|item| string(item, "order_id"))
                .filter_map(|id| OrderId::parse(&id).ok()),
        );
        let keys = ids.iter().map(|id| key(order_pk(id), "META")).collect();
        let mut known: Vec<String> = batch::get_all(&self.db, &self.table, keys)
            .await?
            .iter()
            .map(super::decode_order)
            .collect::<Result<Vec<_>, _>>()?
            .iter()
            .map(created_key)
            .collect();
        known.sort_unstable_by(|a, b| b.cmp(a));
        sources.push(Source::Known(known));
        Ok(sources)
    }
}
