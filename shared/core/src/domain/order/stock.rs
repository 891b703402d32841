//! What an order holds of each location's stock, and letting go of it.

use chrono::{DateTime, Utc};

use std::collections::BTreeMap;

use super::Order;
use crate::inventory::LocationId;

/// What an order holds of one SKU at one location: units reserved for it and units already
/// handed to the carrier (deducted from on hand).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StockHold {
    pub reserved: u32,
    pub shipped: u32,
}

impl Order {
    /// Lets go of every reservation (the order will not ship, or not yet).
    pub(super) fn release_stock(&mut self, why: &str, now: DateTime<Utc>) {
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

    /// SKUs this order waits for.
    pub fn backordered_skus(&self) -> Vec<&str> {
        self.allocation
            .iter()
            .flat_map(|a| &a.backordered)
            .map(|l| l.sku.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::tests::{
        hold_of, main_location, new_order, now, shipped_part, stock,
    };
    use crate::domain::order::PaymentCheck;
    use crate::domain::{OrderStatus, PaymentStatus};

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
}
