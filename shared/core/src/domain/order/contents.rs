//! What an order contains: its SKUs and lines, their weight, its total as the customer paid it,
//! and which units no parcel carries yet.

use super::{LineItem, Order};
use crate::domain::money::Money;
use crate::domain::shipment::ShipmentLine;
use crate::inventory::LocationId;

impl Order {
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
    pub(super) fn not_yet_shipped<'a>(
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

    /// The order's total as the customer paid it: in their currency when it is not the shop's.
    pub fn customer_total(&self) -> Money {
        self.presentment_total.clone().unwrap_or_else(|| Money {
            amount: self.totals.total,
            currency: self.currency.clone(),
        })
    }
}

/// `2 x TOWEL, 1 x BOWL`: units and SKUs as the timeline writes them.
pub(super) fn describe_units<'a>(lines: impl IntoIterator<Item = (u32, &'a str)>) -> String {
    lines
        .into_iter()
        .map(|(quantity, sku)| format!("{quantity} x {sku}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::tests::{new_order, now};
    use crate::domain::PaymentStatus;

    #[test]
    fn missing_weights_fall_back_to_a_default() {
        let order = Order::place(new_order(PaymentStatus::Paid), now());
        assert_eq!(order.weight_grams(&order.unshipped_lines()), 2 * 150 + 500);
    }
}
