//! A shopper's cart (a storefront checkout not yet paid), kept for the abandoned-cart reminder.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{Channel, Currency};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    pub channel: Channel,
    /// The checkout's token in the channel; the order it turns into carries the same token.
    pub token: String,
    pub email: Option<String>,
    pub customer_name: Option<String>,
    pub currency: Currency,
    pub total: Decimal,
    pub lines: Vec<CartLine>,
    /// Where the shopper can pick the cart up again.
    pub recovery_url: Option<String>,
    pub channel_updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    pub sku: String,
    pub title: String,
    pub quantity: u32,
    pub unit_price: Decimal,
}
