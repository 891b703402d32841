//! What an order write does to stock, decided from the order alone: the change to each stock
//! record between the version read and the version written, which SKUs that releases or
//! reserves, and which backorder queues the order joins or leaves. Stores turn these into
//! conditional writes in the order's own transaction.

use serde::{Deserialize, Serialize};

use crate::domain::Order;
use crate::inventory::LocationId;

/// SKUs whose available units the write raised (released) or lowered (reserved).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StockEffect {
    pub released: Vec<String>,
    pub reserved: Vec<String>,
}

/// What one order write does to one stock record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockDelta {
    pub sku: String,
    pub location: LocationId,
    pub on_hand: i64,
    pub reserved: i64,
}

impl StockDelta {
    /// What it does to the record's `available` counter.
    pub fn available(&self) -> i64 {
        self.on_hand - self.reserved
    }

    /// Whether it takes available units, the one change another order can make impossible.
    pub fn reserves(&self) -> bool {
        self.available() < 0
    }

    pub fn undone(&self) -> Self {
        Self {
            on_hand: -self.on_hand,
            reserved: -self.reserved,
            ..self.clone()
        }
    }
}

/// The stock records a write from `before` to `after` changes, and by how much: the
/// difference between the two versions' holds (`Order::stock_holds`).
pub fn stock_changes(before: &Order, after: &Order) -> Vec<StockDelta> {
    let (old, new) = (before.stock_holds(), after.stock_holds());
    let keys: std::collections::BTreeSet<_> = old.keys().chain(new.keys()).cloned().collect();
    keys.into_iter()
        .filter_map(|key| {
            let was = old.get(&key).copied().unwrap_or_default();
            let now = new.get(&key).copied().unwrap_or_default();
            let reserved = i64::from(now.reserved) - i64::from(was.reserved);
            let on_hand = i64::from(was.shipped) - i64::from(now.shipped);
            (reserved != 0 || on_hand != 0).then_some(StockDelta {
                sku: key.0,
                location: key.1,
                on_hand,
                reserved,
            })
        })
        .collect()
}

/// Which SKUs the changes release units of, and which they reserve.
pub fn effect(changes: &[StockDelta]) -> StockEffect {
    let mut effect = StockEffect::default();
    for change in changes {
        let list = match change.available().cmp(&0) {
            std::cmp::Ordering::Greater => &mut effect.released,
            std::cmp::Ordering::Less => &mut effect.reserved,
            std::cmp::Ordering::Equal => continue,
        };
        if !list.contains(&change.sku) {
            list.push(change.sku.clone());
        }
    }
    effect
}

/// SKUs whose backorder queue gains (`true`) or loses (`false`) this order. A finished order
/// (canceled, say) waits for nothing.
pub fn backorder_queue_changes(before: &Order, after: &Order) -> Vec<(String, bool)> {
    let waiting = |o: &Order| -> std::collections::BTreeSet<String> {
        if o.status.is_final() {
            return Default::default();
        }
        o.backordered_skus()
            .into_iter()
            .map(str::to_string)
            .collect()
    };
    let (was, now) = (waiting(before), waiting(after));
    now.difference(&was)
        .map(|sku| (sku.clone(), true))
        .chain(was.difference(&now).map(|sku| (sku.clone(), false)))
        .collect()
}
