//! The order aggregate: every change to an order goes through a method here, which checks the
//! transition, keeps statuses consistent and writes the timeline.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use std::collections::BTreeMap;

use super::money::Money;
use super::review::{review, Hold, HoldReason};
use super::shipment::{ShipmentLine, TrackingChange, TrackingUpdate};
use super::status::IllegalTransition;
use super::{
    Address, Currency, FulfillmentStatus, OrderId, OrderStatus, PaymentStatus, Shipment,
    ShipmentId, TimelineEntry, Totals, TrackingStatus,
};
use crate::inventory::plan::{plan, Part, PartLine};
use crate::inventory::{Location, LocationId, StockView};

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
    pub currency: Currency,
    pub totals: Totals,
    /// What the customer was charged in the currency they paid in, when the channel charged them
    /// in another than the shop's (Shopify's presentment money): what they are shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presentment_total: Option<Money>,
    pub customer: Customer,
    pub shipping_address: Option<Address>,
    pub shipping_method: Option<String>,
    pub lines: Vec<LineItem>,
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

/// What an order holds of one SKU at one location: units reserved for it and units already
/// handed to the carrier (deducted from on hand).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StockHold {
    pub reserved: u32,
    pub shipped: u32,
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
    pub currency: Currency,
    pub totals: Totals,
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
    pub test: bool,
    pub placed_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Optimistic lock: every stored change increments it, conditioned on the old value.
    pub version: u64,
}

/// Why customer service should look at an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attention {
    pub reason: String,
    pub since: DateTime<Utc>,
}

/// What payment verification concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentCheck {
    /// Payment is secured; the order is now ready to ship.
    Verified,
    /// An earlier attempt verified it already.
    AlreadyVerified,
    /// No money yet; the order waits for the channel's payment update.
    AwaitingPayment,
    /// A person has to look at the order first.
    OnHold,
    /// Paid, but some lines wait for stock: the order stays open; what could be reserved is.
    Backordered,
}

/// What a channel's update did to an order we already had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelUpdate {
    /// The same content again (a retried delivery).
    Unchanged,
    /// Older than what we have: delivered out of order.
    Stale,
    /// Applied; the order may now be able to move on.
    Applied,
    /// The goods are already on their way: recorded on the timeline, not applied.
    TooLate,
    /// The channel cancelled it and so did we.
    Cancelled,
}

impl Order {
    pub fn place(new: NewOrder, now: DateTime<Utc>) -> Self {
        let id = OrderId::for_channel_order(new.channel.as_str(), &new.channel_order_id);
        let fingerprint = new.fingerprint();
        let problems = review(&new);
        let detail = format!(
            "Order {} received from {} ({} line(s), {} {})",
            new.name,
            new.channel.as_str(),
            new.lines.len(),
            new.totals.total,
            new.currency
        );
        let mut order = Self {
            id,
            channel: new.channel,
            channel_order_id: new.channel_order_id,
            name: new.name,
            status: OrderStatus::Open,
            payment_status: new.payment_status,
            fulfillment_status: FulfillmentStatus::Unfulfilled,
            currency: new.currency,
            totals: new.totals,
            presentment_total: new.presentment_total,
            customer: new.customer,
            shipping_address: new.shipping_address,
            shipping_method: new.shipping_method,
            lines: new.lines,
            shipments: Vec::new(),
            pending_label: None,
            allocation: None,
            hold: None,
            shipping_approved: false,
            attention: None,
            note: new.note,
            channel_updated_at: new.channel_updated_at,
            fingerprint,
            timeline: vec![TimelineEntry {
                at: now,
                kind: "order_created".into(),
                detail,
            }],
            test: new.test,
            placed_at: new.placed_at,
            created_at: now,
            updated_at: now,
            version: 0,
        };
        order.put_on_hold(problems, now);
        if new.cancelled {
            // Arrived already cancelled (its creation was missed): keep the record, ship nothing.
            let _ = order.cancel("cancelled by the channel before we received it", now);
        }
        order
    }

    fn put_on_hold(&mut self, problems: Vec<(HoldReason, String)>, now: DateTime<Utc>) {
        if problems.is_empty() {
            return;
        }
        let (reasons, messages): (Vec<_>, Vec<_>) = problems.into_iter().unzip();
        self.note("held_for_review", messages.join("; "), now);
        self.hold = Some(Hold {
            reasons,
            messages,
            since: now,
        });
    }

    /// A person checked the order and lets it continue.
    pub fn release_hold(&mut self, by: &str, now: DateTime<Utc>) -> Result<(), HoldError> {
        let Some(hold) = self.hold.take() else {
            return Err(HoldError::NotOnHold);
        };
        if hold.reasons.contains(&HoldReason::ImplausibleShipment) {
            self.shipping_approved = true;
        }
        self.note("hold_released", format!("Released by {by}"), now);
        Ok(())
    }

    /// A person decided the order will not be fulfilled.
    pub fn reject_hold(
        &mut self,
        by: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), HoldError> {
        if self.hold.is_none() {
            return Err(HoldError::NotOnHold);
        }
        self.hold = None;
        self.note("hold_rejected", format!("Rejected by {by}: {reason}"), now);
        self.cancel(reason, now).map_err(HoldError::Illegal)
    }

    /// Cancels an order nothing of which has shipped.
    pub fn cancel(&mut self, reason: &str, now: DateTime<Utc>) -> Result<(), IllegalTransition> {
        // A label being bought right now will be paid for: too late to cancel here.
        if self.active_shipments().next().is_some() || self.pending_label.is_some() {
            return Err(IllegalTransition {
                from: self.status,
                to: OrderStatus::Canceled,
            });
        }
        self.become_status(OrderStatus::Canceled, now)?;
        self.hold = None;
        self.release_stock("the order was canceled", now);
        self.payment_status = match self.payment_status {
            PaymentStatus::Paid | PaymentStatus::PartiallyRefunded => PaymentStatus::Refunded,
            PaymentStatus::Authorized | PaymentStatus::Pending => PaymentStatus::Voided,
            other => other,
        };
        self.note("canceled", reason.to_string(), now);
        Ok(())
    }

    /// The channel sent this order again. Retries change nothing; real updates change what can still
    /// change (contact, address, note, payment, and lines while unpaid) until the goods have left.
    pub fn apply_channel_update(&mut self, new: NewOrder, now: DateTime<Utc>) -> ChannelUpdate {
        let fingerprint = new.fingerprint();
        if fingerprint == self.fingerprint {
            return ChannelUpdate::Unchanged;
        }
        if let (Some(ours), Some(theirs)) = (self.channel_updated_at, new.channel_updated_at) {
            if theirs < ours {
                return ChannelUpdate::Stale;
            }
        }
        self.fingerprint = fingerprint;
        self.channel_updated_at = new.channel_updated_at.or(self.channel_updated_at);
        if self.status.is_final() {
            self.note(
                "update_ignored",
                format!("Channel update received while {}", self.status),
                now,
            );
            return ChannelUpdate::TooLate;
        }
        if new.cancelled {
            return match self.cancel("cancelled in the channel", now) {
                Ok(()) => ChannelUpdate::Cancelled,
                Err(_) => {
                    self.note(
                        "cancel_refused",
                        "The channel cancelled the order, but parts of it have shipped",
                        now,
                    );
                    ChannelUpdate::TooLate
                }
            };
        }
        if self.active_shipments().next().is_some() || self.pending_label.is_some() {
            // The goods are on their way; money facts (a refund, say) still count.
            let detail = if self.payment_status == new.payment_status {
                "Channel update received after fulfillment started; not applied".to_string()
            } else {
                let detail = format!(
                    "Channel update received after fulfillment started; only the payment applied ({} -> {})",
                    self.payment_status, new.payment_status
                );
                self.payment_status = new.payment_status;
                detail
            };
            self.note("update_after_fulfillment", detail, now);
            return ChannelUpdate::TooLate;
        }
        let mut changed = Vec::new();
        if self.customer != new.customer {
            changed.push("customer");
        }
        if self.shipping_address != new.shipping_address {
            changed.push("shipping address");
        }
        if self.shipping_method != new.shipping_method {
            changed.push("shipping method");
        }
        if self.note != new.note {
            changed.push("note");
        }
        if self.payment_status != new.payment_status {
            changed.push("payment");
        }
        let lines_editable = self.status == OrderStatus::Open;
        if lines_editable && (self.lines != new.lines || self.totals != new.totals) {
            changed.push("lines and totals");
        }
        let problems = review(&new);
        self.customer = new.customer;
        self.shipping_address = new.shipping_address;
        self.shipping_method = new.shipping_method;
        self.note = new.note;
        self.payment_status = new.payment_status;
        if lines_editable && self.lines != new.lines {
            // What was reserved (or backordered) was for the old lines: plan again, and a
            // person's approval of the old parcels is not one of the new.
            self.release_stock("the channel changed the lines", now);
            self.shipping_approved = false;
        }
        if lines_editable {
            self.lines = new.lines;
            self.totals = new.totals;
            self.presentment_total = new.presentment_total;
        }
        if !self.payment_status.allows_fulfillment() {
            // Money no longer secured: the goods go back on the shelf until it is.
            self.release_stock("payment is no longer secured", now);
            if self.status == OrderStatus::ReadyToShip {
                let _ = self.become_status(OrderStatus::Open, now);
            }
        }
        self.note(
            "order_updated",
            format!(
                "Updated by {}: {}",
                self.channel.as_str(),
                changed.join(", ")
            ),
            now,
        );
        // Only problems the update fixed lift a hold; a new problem holds the order again. The
        // same problems again keep the hold as it was (staff were told once).
        let was_held = self.hold.take();
        let same_problems = was_held
            .as_ref()
            .is_some_and(|h| h.reasons == problems.iter().map(|(r, _)| *r).collect::<Vec<_>>());
        if problems.is_empty() {
            if was_held.is_some() {
                self.note(
                    "hold_released",
                    "The channel's update fixed what held the order",
                    now,
                );
            }
        } else if same_problems {
            self.hold = was_held;
        } else {
            self.put_on_hold(problems, now);
        }
        ChannelUpdate::Applied
    }

    pub fn note(&mut self, kind: &str, detail: impl Into<String>, now: DateTime<Utc>) {
        self.timeline.push(TimelineEntry {
            at: now,
            kind: kind.to_string(),
            detail: detail.into(),
        });
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
        self.note("status_changed", format!("{from} -> {next}"), now);
        Ok(())
    }

    /// Releases an open order to fulfillment once its payment is secured and its goods are
    /// reserved. `stock` and `locations` are what the store showed just before; the store's write
    /// re-checks every reservation, so a stale view can fail the write but never oversell.
    pub fn verify_payment(
        &mut self,
        stock: &StockView,
        locations: &[Location],
        now: DateTime<Utc>,
    ) -> Result<PaymentCheck, IllegalTransition> {
        if self.status != OrderStatus::Open {
            return if self.status.is_final() {
                Err(IllegalTransition {
                    from: self.status,
                    to: OrderStatus::ReadyToShip,
                })
            } else {
                Ok(PaymentCheck::AlreadyVerified)
            };
        }
        if self.hold.is_some() {
            return Ok(PaymentCheck::OnHold);
        }
        if !self.payment_status.allows_fulfillment() {
            return Ok(PaymentCheck::AwaitingPayment);
        }
        let first_time = self.allocation.is_none();
        if first_time {
            self.note(
                "payment_verified",
                format!(
                    "Payment {} confirmed by {}",
                    self.payment_status,
                    self.channel.as_str()
                ),
                now,
            );
        }
        let mut allocation = self.allocation.take().unwrap_or_default();
        let wanted = if first_time {
            merge_lines(self.shippable_lines().map(|l| ShipmentLine {
                sku: l.sku.clone(),
                quantity: l.quantity,
            }))
        } else {
            std::mem::take(&mut allocation.backordered)
        };
        let planned = plan(&wanted, stock, locations, self.shipping_address.as_ref());
        let changed = first_time || planned.backordered != wanted;
        for part in planned.parts {
            add_part(&mut allocation.parts, part);
        }
        allocation.backordered = planned.backordered;
        let backordered = !allocation.backordered.is_empty();
        let summary = describe_parts(&allocation.parts);
        let waiting = describe_lines(&allocation.backordered);
        self.allocation = Some(allocation);
        if backordered {
            if changed {
                self.note(
                    "backordered",
                    format!("Waiting for stock: {waiting}; reserved so far: {summary}"),
                    now,
                );
            }
            return Ok(PaymentCheck::Backordered);
        }
        self.note("stock_reserved", format!("Ships from {summary}"), now);
        self.become_status(OrderStatus::ReadyToShip, now)?;
        Ok(PaymentCheck::Verified)
    }

    /// Lets go of every reservation (the order will not ship, or not yet).
    fn release_stock(&mut self, why: &str, now: DateTime<Utc>) {
        if self.allocation.take().is_some() {
            self.note(
                "stock_released",
                format!("Reserved stock released: {why}"),
                now,
            );
        }
    }

    /// Units this order holds per SKU and location. The store turns the difference between two
    /// versions of an order into stock counter changes, written in the same transaction.
    pub fn stock_holds(&self) -> BTreeMap<(String, LocationId), StockHold> {
        let mut holds: BTreeMap<(String, LocationId), StockHold> = BTreeMap::new();
        let Some(allocation) = &self.allocation else {
            return holds;
        };
        for part in &allocation.parts {
            for line in part.lines.iter().filter(|l| l.reserved) {
                holds
                    .entry((line.sku.clone(), part.location.clone()))
                    .or_default()
                    .reserved += line.quantity;
            }
        }
        for shipment in self.active_shipments() {
            let Some(location) = &shipment.location else {
                continue;
            };
            for line in &shipment.lines {
                if let Some(hold) = holds.get_mut(&(line.sku.clone(), location.clone())) {
                    let moved = line.quantity.min(hold.reserved);
                    hold.reserved -= moved;
                    hold.shipped += moved;
                }
            }
        }
        holds
    }

    /// Every SKU the order has, each once, in the order they first appear.
    pub fn skus(&self) -> Vec<String> {
        let mut skus: Vec<String> = Vec::new();
        for line in &self.lines {
            if !skus.contains(&line.sku) {
                skus.push(line.sku.clone());
            }
        }
        skus
    }

    /// SKUs this order waits for.
    pub fn backordered_skus(&self) -> Vec<&str> {
        self.allocation
            .iter()
            .flat_map(|a| &a.backordered)
            .map(|l| l.sku.as_str())
            .collect()
    }

    /// Lines that travel in a parcel (digital goods and services do not).
    pub fn shippable_lines(&self) -> impl Iterator<Item = &LineItem> {
        self.lines.iter().filter(|l| l.requires_shipping)
    }

    /// Units still waiting for a label.
    pub fn unshipped_lines(&self) -> Vec<ShipmentLine> {
        let lines = self.shippable_lines().map(|l| (l.sku.as_str(), l.quantity));
        self.not_yet_shipped(lines, None)
    }

    /// What of `lines` (SKU, units) no active parcel (from `location`, or from anywhere) carries.
    fn not_yet_shipped<'a>(
        &self,
        lines: impl Iterator<Item = (&'a str, u32)>,
        location: Option<&LocationId>,
    ) -> Vec<ShipmentLine> {
        lines
            .filter_map(|(sku, quantity)| {
                let shipped: u32 = self
                    .active_shipments()
                    .filter(|s| location.is_none_or(|l| s.location.as_ref() == Some(l)))
                    .flat_map(|s| &s.lines)
                    .filter(|l| l.sku == sku)
                    .map(|l| l.quantity)
                    .sum();
                let left = quantity.saturating_sub(shipped);
                (left > 0).then(|| ShipmentLine {
                    sku: sku.to_string(),
                    quantity: left,
                })
            })
            .collect()
    }

    fn active_shipments(&self) -> impl Iterator<Item = &Shipment> {
        self.shipments
            .iter()
            .filter(|s| s.tracking_status != TrackingStatus::Cancelled)
    }

    /// Total weight of the given lines, in grams, with a floor for lines the channel sent no weight for.
    pub fn weight_grams(&self, lines: &[ShipmentLine]) -> u32 {
        const DEFAULT_UNIT_GRAMS: u32 = 500;
        lines
            .iter()
            .map(|sl| {
                let unit = self
                    .lines
                    .iter()
                    .find(|l| l.sku == sl.sku)
                    .map(|l| l.grams)
                    .filter(|&g| g > 0)
                    .unwrap_or(DEFAULT_UNIT_GRAMS);
                unit.saturating_mul(sl.quantity)
            })
            .fold(0u32, u32::saturating_add)
    }

    /// Closes an order that has nothing to ship (digital goods only).
    pub fn fulfill_without_shipping(
        &mut self,
        now: DateTime<Utc>,
    ) -> Result<(), IllegalTransition> {
        self.fulfillment_status = FulfillmentStatus::Delivered;
        self.note(
            "fulfilled",
            "Nothing to ship: order fulfilled digitally",
            now,
        );
        self.become_status(OrderStatus::Closed, now)
    }

    /// The next parcel waiting for a label: the one a label is being bought for, else the first
    /// location whose part is not all shipped; with what it carries.
    pub fn next_parcel(&self) -> Option<(LocationId, Vec<ShipmentLine>)> {
        let allocation = self.allocation.as_ref()?;
        let pending = self.pending_label.as_ref().map(|p| &p.location);
        allocation
            .parts
            .iter()
            .filter(|part| pending.is_none_or(|location| &part.location == location))
            .find_map(|part| {
                let left = self.unshipped_from(part);
                (!left.is_empty()).then(|| (part.location.clone(), left))
            })
    }

    /// What of a location's part no active parcel from that location carries yet.
    fn unshipped_from(&self, part: &Part) -> Vec<ShipmentLine> {
        let lines = part.lines.iter().map(|l| (l.sku.as_str(), l.quantity));
        self.not_yet_shipped(lines, Some(&part.location))
    }

    /// Whether a label should be bought now: released to fulfillment, nobody reviewing it, money
    /// secured, and a reserved part left to ship.
    pub fn needs_label(&self) -> bool {
        matches!(
            self.status,
            OrderStatus::ReadyToShip | OrderStatus::PartiallyShipped
        ) && self.hold.is_none()
            && self.payment_status.allows_fulfillment()
            && self.shipping_address.is_some()
            && self.next_parcel().is_some()
    }

    /// Commits to buying a label for the carrier shipment created for the parcel `location` and
    /// `lines`, unless another attempt got there first (its pending label is returned instead) or
    /// the order no longer needs exactly this parcel.
    pub fn start_label(
        &mut self,
        carrier_shipment_id: &str,
        location: &LocationId,
        lines: &[ShipmentLine],
        now: DateTime<Utc>,
    ) -> Option<PendingLabel> {
        if let Some(pending) = &self.pending_label {
            return Some(pending.clone());
        }
        if !self.needs_label() || self.next_parcel() != Some((location.clone(), lines.to_vec())) {
            return None;
        }
        let pending = PendingLabel {
            carrier_shipment_id: carrier_shipment_id.to_string(),
            location: location.clone(),
            created_at: now,
        };
        self.pending_label = Some(pending.clone());
        self.note(
            "label_requested",
            format!("Carrier shipment {carrier_shipment_id} created for the parcel from {location}, buying label"),
            now,
        );
        Some(pending)
    }

    /// Staff void a label the carrier has not scanned yet: the carrier refunds it, its goods go
    /// back to being reserved, and the order is held so a person decides what happens next
    /// (release buys a new label, reject cancels).
    pub fn void_shipment(
        &mut self,
        shipment_id: &ShipmentId,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), VoidError> {
        let shipment = self
            .shipments
            .iter_mut()
            .find(|s| &s.id == shipment_id)
            .ok_or_else(|| VoidError::UnknownShipment(shipment_id.clone()))?;
        if shipment.tracking_status == TrackingStatus::Cancelled {
            return Err(VoidError::AlreadyVoided);
        }
        if !shipment.events.is_empty()
            || !matches!(
                shipment.tracking_status,
                TrackingStatus::PreTransit | TrackingStatus::Unknown
            )
        {
            return Err(VoidError::AlreadyScanned(shipment.tracking_status));
        }
        shipment.void(now);
        let code = shipment.tracking_code.clone();
        self.note(
            "shipment_voided",
            format!("Label {code} voided by {by}; its goods are reserved again"),
            now,
        );
        self.roll_up(now)?;
        self.put_on_hold(
            vec![(
                HoldReason::ShipmentVoided,
                format!("label {code} was voided: release to buy a new one, reject to cancel"),
            )],
            now,
        );
        Ok(())
    }

    /// The carrier will not sell the label: a person has to look (the hold lifts on release).
    /// The order's total as the customer paid it: in their currency when it is not the shop's.
    pub fn customer_total(&self) -> Money {
        self.presentment_total.clone().unwrap_or_else(|| Money {
            amount: self.totals.total,
            currency: self.currency.clone(),
        })
    }

    /// A parcel too heavy or a label too dear for the order: nothing bought until a person looks.
    pub fn hold_implausible_shipment(&mut self, problem: &str, now: DateTime<Utc>) {
        self.pending_label = None;
        self.put_on_hold(
            vec![(HoldReason::ImplausibleShipment, problem.to_string())],
            now,
        );
    }

    pub fn refuse_label(&mut self, reason: &str, now: DateTime<Utc>) {
        self.pending_label = None;
        self.put_on_hold(
            vec![(
                HoldReason::LabelRefused,
                format!("the carrier refused the label: {reason}"),
            )],
            now,
        );
    }

    pub fn shipment(&self, id: &ShipmentId) -> Option<&Shipment> {
        self.shipments.iter().find(|s| &s.id == id)
    }

    /// Records a parcel whose label was bought. Recording the same parcel twice changes nothing.
    pub fn record_shipment(
        &mut self,
        shipment: Shipment,
        now: DateTime<Utc>,
    ) -> Result<bool, IllegalTransition> {
        if self.shipment(&shipment.id).is_some() {
            return Ok(false);
        }
        if self.status.is_final() {
            return Err(IllegalTransition {
                from: self.status,
                to: OrderStatus::Shipped,
            });
        }
        self.note(
            "label_purchased",
            format!(
                "{} {} label bought ({} {}), tracking {}",
                shipment.carrier,
                shipment.service,
                shipment.rate,
                self.currency,
                shipment.tracking_code
            ),
            now,
        );
        if self
            .pending_label
            .as_ref()
            .is_some_and(|p| p.carrier_shipment_id == shipment.carrier_shipment_id)
        {
            self.pending_label = None;
        }
        self.shipments.push(shipment);
        self.roll_up(now)?;
        Ok(true)
    }

    /// Applies a carrier update to one of this order's parcels and rolls the order up.
    pub fn apply_tracking(
        &mut self,
        shipment_id: &ShipmentId,
        update: &TrackingUpdate,
        now: DateTime<Utc>,
    ) -> Result<TrackingChange, TrackingError> {
        let shipment = self
            .shipments
            .iter_mut()
            .find(|s| &s.id == shipment_id)
            .ok_or_else(|| TrackingError::UnknownShipment(shipment_id.clone()))?;
        let change = shipment.apply(update);
        let code = shipment.tracking_code.clone();
        self.check_parcel_delay(shipment_id, now)?;
        match change {
            TrackingChange::Nothing => {}
            TrackingChange::EventsAdded => self.updated_at = now,
            TrackingChange::StatusChanged { from, to } => {
                let detail = match &update.detail {
                    Some(d) => format!("Parcel {code}: {from} -> {to} ({d})"),
                    None => format!("Parcel {code}: {from} -> {to}"),
                };
                self.note("tracking_updated", detail.clone(), now);
                if to.is_exception() {
                    self.note("needs_attention", detail.clone(), now);
                    self.attention = Some(Attention {
                        reason: detail,
                        since: now,
                    });
                }
                self.roll_up(now)?;
                if self.status == OrderStatus::Closed && self.attention.take().is_some() {
                    self.note("attention_cleared", "Everything was delivered", now);
                }
            }
        }
        Ok(change)
    }

    /// Flags the order when the parcel is past its estimate and not delivered; `true` the first
    /// time only (the customer is told once).
    pub fn check_parcel_delay(
        &mut self,
        shipment_id: &ShipmentId,
        now: DateTime<Utc>,
    ) -> Result<bool, TrackingError> {
        let shipment = self
            .shipments
            .iter_mut()
            .find(|s| &s.id == shipment_id)
            .ok_or_else(|| TrackingError::UnknownShipment(shipment_id.clone()))?;
        if shipment.tracking_status == TrackingStatus::Cancelled || !shipment.check_delay(now) {
            return Ok(false);
        }
        let detail = format!(
            "Parcel {} is past its estimated delivery and not delivered",
            shipment.tracking_code
        );
        self.note("delayed", detail.clone(), now);
        self.attention = Some(Attention {
            reason: detail,
            since: now,
        });
        Ok(true)
    }

    /// Derives the order and fulfillment status from its parcels.
    fn roll_up(&mut self, now: DateTime<Utc>) -> Result<(), IllegalTransition> {
        let active: Vec<&Shipment> = self.active_shipments().collect();
        if active.is_empty() {
            // Nothing with the carrier (every label voided): back to waiting for a label.
            if matches!(
                self.status,
                OrderStatus::Shipped | OrderStatus::PartiallyShipped
            ) {
                self.become_status(OrderStatus::ReadyToShip, now)?;
                self.fulfillment_status = FulfillmentStatus::Unfulfilled;
            }
            return Ok(());
        }
        let all_shipped = self.unshipped_lines().is_empty();
        let delivered = active
            .iter()
            .filter(|s| s.tracking_status == TrackingStatus::Delivered)
            .count();
        let (status, fulfillment) = if delivered == active.len() && all_shipped {
            (OrderStatus::Closed, FulfillmentStatus::Delivered)
        } else if delivered > 0 {
            (
                OrderStatus::PartiallyClosed,
                FulfillmentStatus::PartiallyDelivered,
            )
        } else if all_shipped {
            (OrderStatus::Shipped, FulfillmentStatus::Fulfilled)
        } else {
            (
                OrderStatus::PartiallyShipped,
                FulfillmentStatus::PartiallyFulfilled,
            )
        };
        self.become_status(status, now)?;
        self.fulfillment_status = fulfillment;
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoldError {
    #[error("the order is not on hold")]
    NotOnHold,
    #[error(transparent)]
    Illegal(IllegalTransition),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoidError {
    #[error("order has no shipment {0}")]
    UnknownShipment(ShipmentId),
    #[error("the shipment is already voided")]
    AlreadyVoided,
    #[error("the carrier has scanned the parcel already ({0}); it can no longer be voided")]
    AlreadyScanned(TrackingStatus),
    #[error(transparent)]
    Illegal(#[from] IllegalTransition),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrackingError {
    #[error("order has no shipment {0}")]
    UnknownShipment(ShipmentId),
    #[error(transparent)]
    Illegal(#[from] IllegalTransition),
}

/// Sums quantities per SKU, keeping the order SKUs first appear in.
fn merge_lines(lines: impl Iterator<Item = ShipmentLine>) -> Vec<ShipmentLine> {
    let mut merged: Vec<ShipmentLine> = Vec::new();
    for line in lines.filter(|l| l.quantity > 0) {
        match merged.iter_mut().find(|m| m.sku == line.sku) {
            Some(m) => m.quantity = m.quantity.saturating_add(line.quantity),
            None => merged.push(line),
        }
    }
    merged
}

/// Adds a newly reserved part to an allocation, into the same location's part when there is one.
fn add_part(parts: &mut Vec<Part>, part: Part) {
    let Some(existing) = parts.iter_mut().find(|p| p.location == part.location) else {
        parts.push(part);
        return;
    };
    for line in part.lines {
        match existing
            .lines
            .iter_mut()
            .find(|l| l.sku == line.sku && l.reserved == line.reserved)
        {
            Some(l) => l.quantity = l.quantity.saturating_add(line.quantity),
            None => existing.lines.push(line),
        }
    }
}

fn describe_parts(parts: &[Part]) -> String {
    if parts.is_empty() {
        return "nothing".into();
    }
    parts
        .iter()
        .map(|p| format!("{} ({})", p.location, describe_part_lines(&p.lines)))
        .collect::<Vec<_>>()
        .join("; ")
}

fn describe_part_lines(lines: &[PartLine]) -> String {
    lines
        .iter()
        .map(|l| format!("{} x {}", l.quantity, l.sku))
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe_lines(lines: &[ShipmentLine]) -> String {
    lines
        .iter()
        .map(|l| format!("{} x {}", l.quantity, l.sku))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::TrackingEvent;
    use chrono::TimeZone;
    use std::str::FromStr;

    pub(crate) fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 10, 2, 13, 14, 0).unwrap()
    }

    pub(crate) fn address() -> Address {
        Address {
            name: "Priya Natarajan".into(),
            line1: "418 Rue Saint-Paul O".into(),
            line2: None,
            city: "Montréal".into(),
            region: Some("QC".into()),
            postal_code: Some("H2Y 2A3".into()),
            country: "CA".into(),
            phone: None,
        }
    }

    pub(crate) fn new_order(payment: PaymentStatus) -> NewOrder {
        NewOrder {
            channel: Channel::Shopify,
            channel_order_id: "6120554433221100998".into(),
            name: "#2093".into(),
            payment_status: payment,
            currency: Currency::parse("CAD").unwrap(),
            totals: Totals {
                subtotal: Decimal::from_str("56.00").unwrap(),
                shipping: Decimal::from_str("10.00").unwrap(),
                tax: Decimal::from_str("8.38").unwrap(),
                fees: Decimal::ZERO,
                discounts: Decimal::ZERO,
                total: Decimal::from_str("74.38").unwrap(),
            },
            presentment_total: None,
            customer: Customer {
                email: "priya.n@example.com".into(),
                name: "Priya Natarajan".into(),
            },
            shipping_address: Some(address()),
            shipping_method: Some("Standard".into()),
            lines: vec![
                LineItem {
                    sku: "TOWEL".into(),
                    title: "Linen Tea Towel".into(),
                    quantity: 2,
                    unit_price: Decimal::from_str("14.00").unwrap(),
                    grams: 150,
                    requires_shipping: true,
                },
                LineItem {
                    sku: "BOWL".into(),
                    title: "Stoneware Bowl".into(),
                    quantity: 1,
                    unit_price: Decimal::from_str("28.00").unwrap(),
                    grams: 0,
                    requires_shipping: true,
                },
            ],
            test: false,
            placed_at: now(),
            channel_updated_at: None,
            cancelled: false,
            note: None,
        }
    }

    fn shipment_for(order: &Order) -> Shipment {
        Shipment {
            id: ShipmentId::for_carrier_shipment("easypost", "shp_1"),
            carrier: "USPS".into(),
            service: "Priority".into(),
            rate: Decimal::from_str("7.95").unwrap(),
            carrier_shipment_id: "shp_1".into(),
            tracking_code: "9400111".into(),
            tracking_status: TrackingStatus::PreTransit,
            status_at: None,
            progress: Default::default(),
            voided_at: None,
            estimated_delivery: None,
            label_key: "labels/x.pdf".into(),
            lines: order.unshipped_lines(),
            events: vec![],
            created_at: now(),
            delayed_since: None,
            route: None,
            location: Some(LocationId::default_location()),
        }
    }

    /// Verifies payment with no stock records anywhere: every SKU untracked.
    fn verify(order: &mut Order) -> Result<PaymentCheck, IllegalTransition> {
        order.verify_payment(&StockView::default(), &[], now())
    }

    fn tracking(status: TrackingStatus, minutes: i64) -> TrackingUpdate {
        let at = now() + chrono::Duration::minutes(minutes);
        TrackingUpdate {
            status,
            at,
            detail: None,
            estimated_delivery: None,
            events: vec![TrackingEvent {
                at,
                status,
                message: status.to_string(),
                location: None,
            }],
        }
    }

    #[test]
    fn a_paid_order_walks_from_open_to_closed() {
        let mut order = Order::place(new_order(PaymentStatus::Paid), now());
        assert_eq!(order.status, OrderStatus::Open);
        assert_eq!(verify(&mut order), Ok(PaymentCheck::Verified));
        assert_eq!(order.status, OrderStatus::ReadyToShip);
        assert_eq!(verify(&mut order), Ok(PaymentCheck::AlreadyVerified));

        let shipment = shipment_for(&order);
        let sid = shipment.id.clone();
        assert_eq!(order.record_shipment(shipment.clone(), now()), Ok(true));
        assert_eq!(order.record_shipment(shipment, now()), Ok(false));
        assert_eq!(order.status, OrderStatus::Shipped);
        assert_eq!(order.fulfillment_status, FulfillmentStatus::Fulfilled);
        assert!(order.unshipped_lines().is_empty());

        order
            .apply_tracking(&sid, &tracking(TrackingStatus::InTransit, 60), now())
            .unwrap();
        assert_eq!(order.status, OrderStatus::Shipped);
        order
            .apply_tracking(&sid, &tracking(TrackingStatus::Delivered, 120), now())
            .unwrap();
        assert_eq!(order.status, OrderStatus::Closed);
        assert_eq!(order.fulfillment_status, FulfillmentStatus::Delivered);
        let kinds: Vec<_> = order.timeline.iter().map(|t| t.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "order_created",
                "payment_verified",
                "stock_reserved",
                "status_changed",
                "label_purchased",
                "status_changed",
                "tracking_updated",
                "tracking_updated",
                "status_changed"
            ]
        );
    }

    fn main_location() -> Location {
        Location {
            id: LocationId::default_location(),
            name: "Main".into(),
            address: address(),
            priority: 0,
        }
    }

    /// `units` of each SKU available at `main`.
    fn stock(units: &[(&str, u32)]) -> StockView {
        let mut view = StockView::default();
        for (sku, n) in units {
            view.available.insert(
                sku.to_string(),
                [(LocationId::default_location(), *n)].into(),
            );
        }
        view
    }

    fn hold_of(order: &Order, sku: &str) -> StockHold {
        order
            .stock_holds()
            .get(&(sku.to_string(), LocationId::default_location()))
            .copied()
            .unwrap_or_default()
    }

    fn shipped_part(order: &Order) -> Shipment {
        let (location, lines) = order.next_parcel().expect("a parcel to ship");
        Shipment {
            location: Some(location),
            lines,
            ..shipment_for(order)
        }
    }

    #[test]
    fn stock_is_reserved_at_verification_and_deducted_when_the_parcel_ships() {
        let mut order = Order::place(new_order(PaymentStatus::Paid), now());
        let view = stock(&[("TOWEL", 5), ("BOWL", 5)]);
        assert_eq!(
            order.verify_payment(&view, &[main_location()], now()),
            Ok(PaymentCheck::Verified)
        );
        assert_eq!(
            hold_of(&order, "TOWEL"),
            StockHold {
                reserved: 2,
                shipped: 0
            }
        );
        assert_eq!(
            hold_of(&order, "BOWL"),
            StockHold {
                reserved: 1,
                shipped: 0
            }
        );

        order.record_shipment(shipped_part(&order), now()).unwrap();
        assert_eq!(
            hold_of(&order, "TOWEL"),
            StockHold {
                reserved: 0,
                shipped: 2
            }
        );
        assert_eq!(
            hold_of(&order, "BOWL"),
            StockHold {
                reserved: 0,
                shipped: 1
            }
        );
        assert!(order.next_parcel().is_none());
    }

    #[test]
    fn what_no_location_has_is_backordered_and_the_order_waits_for_it() {
        let mut order = Order::place(new_order(PaymentStatus::Paid), now());
        let locations = [main_location()];
        let short = stock(&[("TOWEL", 1), ("BOWL", 5)]);
        assert_eq!(
            order.verify_payment(&short, &locations, now()),
            Ok(PaymentCheck::Backordered)
        );
        assert_eq!(order.status, OrderStatus::Open);
        assert_eq!(order.backordered_skus(), ["TOWEL"]);
        assert_eq!(
            hold_of(&order, "TOWEL").reserved,
            1,
            "what there is, is kept"
        );
        assert!(!order.needs_label());

        // Retried with nothing new: nothing changes, not even the timeline.
        let before = order.clone();
        let empty = stock(&[("TOWEL", 0), ("BOWL", 4)]);
        assert_eq!(
            order.verify_payment(&empty, &locations, now()),
            Ok(PaymentCheck::Backordered)
        );
        assert_eq!(order, before);

        // Stock arrives.
        let restocked = stock(&[("TOWEL", 3), ("BOWL", 4)]);
        assert_eq!(
            order.verify_payment(&restocked, &locations, now()),
            Ok(PaymentCheck::Verified)
        );
        assert_eq!(order.status, OrderStatus::ReadyToShip);
        assert!(order.backordered_skus().is_empty());
        assert_eq!(hold_of(&order, "TOWEL").reserved, 2);
        assert_eq!(
            order.next_parcel().map(|(_, lines)| lines.len()),
            Some(2),
            "one parcel from main with both lines"
        );
    }

    #[test]
    fn canceling_or_losing_the_payment_releases_every_reservation() {
        let locations = [main_location()];
        let view = stock(&[("TOWEL", 5), ("BOWL", 5)]);
        let mut order = Order::place(new_order(PaymentStatus::Paid), now());
        order.verify_payment(&view, &locations, now()).unwrap();
        order.cancel("customer asked", now()).unwrap();
        assert!(order.stock_holds().is_empty());

        let mut order = Order::place(new_order(PaymentStatus::Paid), now());
        order.verify_payment(&view, &locations, now()).unwrap();
        let mut update = new_order(PaymentStatus::Voided);
        update.note = Some("chargeback".into());
        order.apply_channel_update(update, now());
        assert!(order.stock_holds().is_empty());
        assert_eq!(order.status, OrderStatus::Open);
    }

    #[test]
    fn a_voided_label_puts_its_units_back_to_reserved_and_holds_the_order() {
        let mut order = Order::place(new_order(PaymentStatus::Paid), now());
        order
            .verify_payment(
                &stock(&[("TOWEL", 5), ("BOWL", 5)]),
                &[main_location()],
                now(),
            )
            .unwrap();
        let shipment = shipped_part(&order);
        let id = shipment.id.clone();
        order.record_shipment(shipment, now()).unwrap();
        assert_eq!(order.status, OrderStatus::Shipped);

        order.void_shipment(&id, "admin", now()).unwrap();
        assert_eq!(order.status, OrderStatus::ReadyToShip);
        assert_eq!(order.fulfillment_status, FulfillmentStatus::Unfulfilled);
        assert_eq!(
            hold_of(&order, "TOWEL"),
            StockHold {
                reserved: 2,
                shipped: 0
            }
        );
        assert_eq!(
            order.hold.as_ref().map(|h| h.reasons.clone()),
            Some(vec![HoldReason::ShipmentVoided])
        );
        assert_eq!(
            order.void_shipment(&id, "admin", now()),
            Err(VoidError::AlreadyVoided)
        );
        order.release_hold("admin", now()).unwrap();
        assert!(order.needs_label(), "a new label for the same parcel");

        let again = Shipment {
            id: ShipmentId::for_carrier_shipment("easypost", "shp_2"),
            ..shipped_part(&order)
        };
        let again_id = again.id.clone();
        order.record_shipment(again, now()).unwrap();
        order
            .apply_tracking(&again_id, &tracking(TrackingStatus::InTransit, 30), now())
            .unwrap();
        assert_eq!(
            order.void_shipment(&again_id, "admin", now()),
            Err(VoidError::AlreadyScanned(TrackingStatus::InTransit))
        );
        assert!(
            order.cancel("too late", now()).is_err(),
            "a parcel with the carrier cannot be canceled"
        );
    }

    #[test]
    fn unpaid_orders_wait() {
        let mut order = Order::place(new_order(PaymentStatus::Pending), now());
        assert_eq!(verify(&mut order), Ok(PaymentCheck::AwaitingPayment));
        assert_eq!(order.status, OrderStatus::Open);
        assert_eq!(order.timeline.len(), 1);
    }

    #[test]
    fn canceled_orders_cannot_ship() {
        let mut order = Order::place(new_order(PaymentStatus::Paid), now());
        order.status = OrderStatus::Canceled;
        assert!(verify(&mut order).is_err());
        let shipment = shipment_for(&order);
        assert!(order.record_shipment(shipment, now()).is_err());
    }

    #[test]
    fn missing_weights_fall_back_to_a_default() {
        let order = Order::place(new_order(PaymentStatus::Paid), now());
        assert_eq!(order.weight_grams(&order.unshipped_lines()), 2 * 150 + 500);
    }
}
