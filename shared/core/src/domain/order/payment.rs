//! Payment verification: an open order whose money is secured has its goods reserved (or
//! backordered) and is released to fulfillment.

use chrono::{DateTime, Utc};

use super::contents::describe_units;
use super::Order;
use crate::domain::shipment::ShipmentLine;
use crate::domain::status::IllegalTransition;
use crate::domain::OrderStatus;
use crate::inventory::plan::{plan, Part, PartLine};
use crate::inventory::{Location, StockView};

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

impl Order {
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
    describe_units(lines.iter().map(|l| (l.quantity, l.sku.as_str())))
}

fn describe_lines(lines: &[ShipmentLine]) -> String {
    describe_units(lines.iter().map(|l| (l.quantity, l.sku.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::tests::{hold_of, main_location, new_order, now, stock, verify};
    use crate::domain::PaymentStatus;

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
    fn unpaid_orders_wait() {
        let mut order = Order::place(new_order(PaymentStatus::Pending), now());
        assert_eq!(verify(&mut order), Ok(PaymentCheck::AwaitingPayment));
        assert_eq!(order.status, OrderStatus::Open);
        assert_eq!(order.timeline.len(), 1);
    }
}
