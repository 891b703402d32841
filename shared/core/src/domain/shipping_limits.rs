//! What a parcel may plausibly weigh and cost for its order. Beyond either limit no label is
//! bought until a person has looked: a weight typed in grams instead of kilograms, or a forged
//! one, would otherwise buy a freight-priced label automatically.

use rust_decimal::Decimal;

use super::Order;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShippingLimits {
    /// The heaviest parcel bought without a person's approval.
    pub max_parcel_grams: u32,
    /// The most a label may cost, as a percentage of the order's total, without approval.
    pub max_cost_percent: u32,
}

impl ShippingLimits {
    /// Why a parcel of `grams` for `order` needs a person, if it does (never once a person
    /// approved the order's parcels).
    pub fn check_weight(&self, order: &Order, grams: u32) -> Result<(), String> {
        if order.shipping_approved || grams <= self.max_parcel_grams {
            return Ok(());
        }
        Err(format!(
            "the parcel weighs {} kg, above the {} kg anyone ships without a look",
            kilograms(grams),
            kilograms(self.max_parcel_grams)
        ))
    }

    /// Why a label at `rate` needs a person, if it does (never once a person approved). A rate in another currency than the
    /// order's cannot be compared without an exchange rate, and a free order (a replacement, a
    /// giveaway) has no value to compare with: both are left to the weight limit.
    pub fn check_rate(
        &self,
        rate: Decimal,
        rate_currency: Option<&str>,
        order: &Order,
    ) -> Result<(), String> {
        if order.shipping_approved {
            return Ok(());
        }
        let comparable =
            rate_currency.is_none_or(|c| c.eq_ignore_ascii_case(order.currency.as_str()));
        let ceiling =
            order.totals.total * Decimal::from(self.max_cost_percent) / Decimal::from(100);
        if !comparable || order.totals.total <= Decimal::ZERO || rate <= ceiling {
            return Ok(());
        }
        Err(format!(
            "the label costs {rate} {}, more than {}% of the order's {} {}",
            rate_currency.unwrap_or(order.currency.as_str()),
            self.max_cost_percent,
            order.totals.total,
            order.currency
        ))
    }
}

fn kilograms(grams: u32) -> Decimal {
    Decimal::from(grams) / Decimal::from(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: ShippingLimits = ShippingLimits {
        max_parcel_grams: 30_000,
        max_cost_percent: 50,
    };

    #[test]
    fn a_label_dearer_than_its_order_needs_a_person_unless_it_cannot_be_compared() {
        use crate::domain::order::tests::{new_order, now};
        use crate::domain::PaymentStatus;
        let mut order = Order::place(new_order(PaymentStatus::Paid), now());
        let total = order.totals.total;
        let currency = order.currency.as_str().to_string();
        assert!(LIMITS
            .check_rate(total / Decimal::from(2), Some(&currency), &order)
            .is_ok());
        let refused = LIMITS
            .check_rate(total, Some(&currency), &order)
            .unwrap_err();
        assert!(refused.contains("more than 50%"), "{refused}");
        assert!(
            LIMITS.check_rate(total, Some("XXX"), &order).is_ok(),
            "another currency: left to the weight limit"
        );
        order.totals.total = Decimal::ZERO;
        assert!(
            LIMITS.check_rate(total, None, &order).is_ok(),
            "a free order"
        );
    }

    #[test]
    fn a_heavy_parcel_needs_a_person_until_one_approves() {
        use crate::domain::order::tests::{new_order, now};
        use crate::domain::PaymentStatus;
        let mut order = Order::place(new_order(PaymentStatus::Paid), now());
        assert!(LIMITS.check_weight(&order, 30_000).is_ok());
        let refused = LIMITS.check_weight(&order, u32::MAX).unwrap_err();
        assert!(refused.contains("4294967.295 kg"), "{refused}");
        order.shipping_approved = true;
        assert!(LIMITS.check_weight(&order, u32::MAX).is_ok());
        assert!(LIMITS
            .check_rate(order.totals.total * Decimal::from(10), None, &order)
            .is_ok());
    }
}
