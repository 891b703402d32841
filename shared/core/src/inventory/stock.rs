//! Stock counters of one SKU at one location, and what an order's planner may see of them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::LocationId;

/// One SKU at one location. `available = on_hand - reserved` is never negative: the store
/// refuses any change that would make it so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockLevel {
    pub location: LocationId,
    pub on_hand: i64,
    pub reserved: i64,
}

impl StockLevel {
    pub fn available(&self) -> i64 {
        self.on_hand - self.reserved
    }
}

/// What the planner knows: per SKU, the units available at each location that stocks it. A SKU
/// missing from the view has no stock record anywhere: it is untracked (always available, never
/// reserved), like Shopify's untracked variants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StockView {
    pub available: BTreeMap<String, BTreeMap<LocationId, u32>>,
}

impl StockView {
    pub fn is_tracked(&self, sku: &str) -> bool {
        self.available.contains_key(sku)
    }

    /// Units of `sku` available at `location` (0 where the SKU is tracked but not stocked there).
    pub fn at(&self, sku: &str, location: &LocationId) -> u32 {
        self.available
            .get(sku)
            .and_then(|by_location| by_location.get(location))
            .copied()
            .unwrap_or(0)
    }
}

/// Longest SKU we keep (Shopify allows 255 bytes; real SKUs are far shorter).
pub const MAX_SKU_CHARS: usize = 128;

/// A SKU we can key stock by: 1 to 128 characters, none of them control characters.
pub fn is_valid_sku(sku: &str) -> bool {
    let chars = sku.chars().count();
    (1..=MAX_SKU_CHARS).contains(&chars) && !sku.chars().any(crate::channels::fields::is_hidden)
}
