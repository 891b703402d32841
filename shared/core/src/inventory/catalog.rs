//! What staff know about a SKU when they enter an order by hand: its title, price, weight and
//! whether it ships, so a manual order may name the SKU and its quantity only.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::Currency;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogEntry {
    pub title: String,
    /// Excluding tax, in `currency`.
    pub unit_price: Decimal,
    pub currency: Currency,
    /// Weight of one unit.
    #[serde(default)]
    pub grams: u32,
    #[serde(default = "ships")]
    pub requires_shipping: bool,
}

fn ships() -> bool {
    true
}
