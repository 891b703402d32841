//! The order aggregate: every change to an order goes through a method here, which checks the
//! transition, keeps statuses consistent and writes the timeline.
//!
//! This module holds what an order is made of; each submodule holds one kind of change or question:
//! `placing` an order received, `holds` a person's review, `cancel`, `channel_update` the channel
//! sending it again, `payment` releasing it to fulfillment, `stock` what it reserves, `contents`
//! its lines and what is left to ship, `labels` buying a parcel's label, `shipments` parcels
//! recorded and voided, `tracking` what the carrier reports.

mod bounds;
mod by_hand;
mod cancel;
mod channel_update;
mod contents;
mod edit;
mod gateway;
mod holds;
mod labels;
mod payment;
mod placing;
mod refunds;
mod risk;
mod shipments;
mod stock;
mod tracking;

#[cfg(test)]
pub(crate) mod tests;

pub use by_hand::{HandMove, MoveError, OutsideParcel};
pub use channel_update::ChannelUpdate;
pub use edit::{EditError, LineChange, NewLine, OrderEdit};
pub use gateway::GatewayOutcome;
pub use holds::HoldError;
pub use payment::PaymentCheck;
pub use refunds::{
    ChannelRefund, Refund, RefundError, RefundLine, RefundOrigin, RefundRequest, RefundState,
};
pub use shipments::VoidError;
pub use stock::StockHold;
pub use tracking::TrackingError;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::money::Money;
use super::review::Hold;
use super::shipment::ShipmentLine;
use super::status::IllegalTransition;
use super::{
    Address, Currency, FulfillmentStatus, OrderId, OrderStatus, PaymentStatus, Shipment,
    TimelineEntry, Totals,
};
use crate::inventory::plan::Part;
use crate::inventory::LocationId;
use crate::payments::GatewayPayment;

/// Where an order came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Shopify,
    #[serde(rename = "woocommerce")]
    WooCommerce,
    /// Marketplace connectors and custom storefronts pushing our own JSON format.
    Marketplace,
    /// Entered by staff through the admin API (phone and in-store orders).
    Manual,
}

impl Channel {
    pub const ALL: [Channel; 4] = [
        Channel::Shopify,
        Channel::WooCommerce,
        Channel::Marketplace,
        Channel::Manual,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Shopify => "shopify",
            Channel::WooCommerce => "woocommerce",
            Channel::Marketplace => "marketplace",
            Channel::Manual => "manual",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Channel::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub email: String,
    pub name: String,
}

impl Customer {
    /// How an email greets the customer.
    pub fn first_name(&self) -> &str {
        self.name.split_whitespace().next().unwrap_or("there")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineItem {
    pub sku: String,
    pub title: String,
    pub quantity: u32,
    pub unit_price: Decimal,
    /// Weight of one unit.
    pub grams: u32,
    pub requires_shipping: bool,
}

/// What the lines add up to: unit price times quantity, summed.
pub fn lines_subtotal(lines: &[LineItem]) -> Decimal {
    lines
        .iter()
        .map(|l| l.unit_price * Decimal::from(l.quantity))
        .sum()
}

/// An order as a channel hands it over, normalized and validated, before we own it. A channel may
/// send the same order again (a retry, or an update); the fingerprint tells the two apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewOrder {
    pub channel: Channel,
    pub channel_order_id: String,
    pub name: String,
    pub payment_status: PaymentStatus,
    /// Staff entered the order as paid outside any gateway (cash, bank transfer): recorded on
    /// its timeline.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub paid_offline: bool,
    /// The gateway payment to check the order's money with (none: the channel's word stands).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<GatewayPayment>,
    pub currency: Currency,
    pub totals: Totals,
    /// What the customer was charged in the currency they paid in, when the channel charged them
    /// in another than the shop's (Shopify's presentment money): what they are shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presentment_total: Option<Money>,
    pub customer: Customer,
    pub shipping_address: Option<Address>,
    /// The billing address's country (ISO 3166-1 alpha-2), when the channel sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_country: Option<String>,
    pub shipping_method: Option<String>,
    pub lines: Vec<LineItem>,
    /// Refunds the channel made (Shopify's `refunds`), to record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channel_refunds: Vec<ChannelRefund>,
    pub test: bool,
    /// Not part of the fingerprint: a channel that leaves it out gets "now", which differs per retry.
    #[serde(skip)]
    pub placed_at: DateTime<Utc>,
    /// The channel's own last-modified time, to ignore updates that arrive out of order.
    pub channel_updated_at: Option<DateTime<Utc>>,
    /// The channel says the order was cancelled.
    pub cancelled: bool,
    pub note: Option<String>,
}

impl NewOrder {
    /// Identifies the content: a retried delivery has the same fingerprint, an update another.
    pub fn fingerprint(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        hex::encode(&Sha256::digest(&json)[..16])
    }
}

/// A carrier shipment created for this order whose label may or may not be bought yet. Kept so a
/// retried label request resumes with the same carrier shipment and never buys a second label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLabel {
    pub carrier_shipment_id: String,
    /// The location whose part of the order this parcel carries.
    pub location: LocationId,
    pub created_at: DateTime<Utc>,
}

/// Where the order's goods come from, decided when its payment is verified: each location's part
/// (reserved from that location's stock) and what no location has yet.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Allocation {
    pub parts: Vec<Part>,
    /// Waiting for stock: the order stays `open` until these are reserved too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backordered: Vec<ShipmentLine>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub id: OrderId,
    pub channel: Channel,
    pub channel_order_id: String,
    pub name: String,
    pub status: OrderStatus,
    pub payment_status: PaymentStatus,
    pub fulfillment_status: FulfillmentStatus,
    /// The gateway payment its money is checked with, when it names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<GatewayPayment>,
    /// A person accepted the gateway's payment though it differs from the order (a released
    /// `payment_mismatch` hold): it is judged by its status alone.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub payment_accepted: bool,
    pub currency: Currency,
    pub totals: Totals,
    /// What edits since the customer paid changed the total by: positive, the customer owes it;
    /// negative, a refund is owed (the payments work settles it).
    #[serde(default, skip_serializing_if = "Decimal::is_zero")]
    pub balance_due: Decimal,
    /// The billing address's country (ISO 3166-1 alpha-2), when the channel sends it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_country: Option<String>,
    /// The risk screening, once the order was screened (before its release to fulfilment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub risk: Option<crate::risk::Risk>,
    /// Money given back, or asked to be, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refunds: Vec<Refund>,
    /// What the customer was charged in their own currency, when it is not the shop's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presentment_total: Option<Money>,
    pub customer: Customer,
    pub shipping_address: Option<Address>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_method: Option<String>,
    pub lines: Vec<LineItem>,
    pub shipments: Vec<Shipment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_label: Option<PendingLabel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocation: Option<Allocation>,
    #[serde(default)]
    pub hold: Option<Hold>,
    /// A person released the order past the shipping limits: its parcels are bought whatever
    /// they weigh and cost.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shipping_approved: bool,
    /// Set when a parcel runs into trouble (failed delivery, return, waiting at a pickup point):
    /// customer service should look. Cleared when everything is delivered.
    #[serde(default)]
    pub attention: Option<Attention>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_updated_at: Option<DateTime<Utc>>,
    /// Of the channel content last applied (see `NewOrder::fingerprint`).
    #[serde(default)]
    pub fingerprint: String,
    pub timeline: Vec<TimelineEntry>,
    /// Timeline entries let go to keep the order's item bounded (`bounds`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub timeline_trimmed: u64,
    pub test: bool,
    pub placed_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Optimistic lock: every stored change increments it, conditioned on the old value.
    pub version: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Why customer service should look at an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attention {
    pub reason: String,
    pub since: DateTime<Utc>,
}

impl Order {
    pub fn note(&mut self, kind: &str, detail: impl Into<String>, now: DateTime<Utc>) {
        self.timeline.push(TimelineEntry::new(now, kind, detail));
        self.updated_at = now;
    }

    fn become_status(
        &mut self,
        next: OrderStatus,
        now: DateTime<Utc>,
    ) -> Result<(), IllegalTransition> {
        if self.status == next {
            return Ok(());
        }
        if !self.status.can_become(next) {
            return Err(IllegalTransition {
                from: self.status,
                to: next,
            });
        }
        let from = self.status;
        self.status = next;
        self.timeline.push(TimelineEntry {
            from: Some(from),
            to: Some(next),
            ..TimelineEntry::new(now, "status_changed", format!("{from} -> {next}"))
        });
        self.updated_at = now;
        Ok(())
    }
}
