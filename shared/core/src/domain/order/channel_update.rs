//! The channel sending an order we already have again: a retry, an out-of-order delivery, or an
//! update to apply as far as the order can still change.

use chrono::{DateTime, Utc};

use super::{NewOrder, Order};
use crate::domain::review::review;
use crate::domain::OrderStatus;

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
        // Money the channel gave back is a fact whatever became of the goods.
        self.take_channel_refunds(&new.channel_refunds, now);
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
}
