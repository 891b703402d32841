//! Order review before fulfillment: problems a person can fix (money that does not add up, an
//! incomplete address, a bad email) put the order on hold instead of failing it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::money::minor_unit;
use super::NewOrder;

/// Why an order waits for a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldReason {
    TotalsMismatch,
    MissingShippingAddress,
    IncompleteShippingAddress,
    MissingEmail,
    InvalidEmail,
    /// The carrier would not sell a label (an address it cannot deliver to, say).
    LabelRefused,
    /// Staff voided a label: release to buy a new one, reject to cancel.
    ShipmentVoided,
    /// The parcel weighs or its label costs more than is plausible for the order (see
    /// `ShippingLimits`): release to buy it anyway, reject to cancel.
    ImplausibleShipment,
    /// The gateway's payment differs from the order (amount or currency): release to accept it
    /// as it is, reject to cancel.
    PaymentMismatch,
    /// The gateway does not know the payment the order names, or refused to say.
    PaymentUnverified,
    /// The authorized payment could not be captured when the goods were to ship (an
    /// authorization lapses after about 7 days): nothing is bought until a person decides.
    CaptureFailed,
    /// The customer's bank disputes the payment (a chargeback): nothing ships until a person
    /// decides.
    Disputed,
    /// Risk screening scored the order at or above the hold score (`risk` on the order says
    /// why): release to ship it, reject to cancel it and give the money back.
    Risk,
}

/// An order on hold, with what is wrong in words an operator can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    pub reasons: Vec<HoldReason>,
    pub messages: Vec<String>,
    pub since: DateTime<Utc>,
}

/// Countries whose addresses have no postal code (everywhere else one is required).
const NO_POSTAL_CODE: &[&str] = &[
    "AE", "AG", "AO", "AW", "BF", "BI", "BJ", "BO", "BS", "BW", "BZ", "CD", "CF", "CG", "CI", "CK",
    "CM", "DJ", "DM", "ER", "FJ", "GA", "GD", "GH", "GM", "GQ", "GY", "HK", "IE", "JM", "KI", "KM",
    "KN", "KP", "LC", "ML", "MO", "MR", "MS", "MW", "NR", "NU", "QA", "RW", "SB", "SC", "SL", "SR",
    "ST", "SY", "TF", "TG", "TK", "TL", "TO", "TT", "TV", "TZ", "UG", "VU", "YE", "ZW",
];

/// Everything about the order a person would have to fix before it can ship.
pub fn review(order: &NewOrder) -> Vec<(HoldReason, String)> {
    let mut problems = Vec::new();
    let totals = &order.totals;
    let difference = (totals.computed_total() - totals.total).abs();
    if difference > minor_unit(&order.currency) {
        problems.push((
            HoldReason::TotalsMismatch,
            format!(
                "lines {} + shipping {} + tax {} - discounts {} = {}, but the order total is {} {}",
                totals.subtotal,
                totals.shipping,
                totals.tax,
                totals.discounts,
                totals.computed_total(),
                totals.total,
                order.currency
            ),
        ));
    }
    if order.lines.iter().any(|l| l.requires_shipping) {
        match &order.shipping_address {
            None => problems.push((
                HoldReason::MissingShippingAddress,
                "goods to ship but no shipping address".to_string(),
            )),
            Some(address) => {
                let mut missing = Vec::new();
                for (part, value) in [
                    ("name", &address.name),
                    ("street line", &address.line1),
                    ("city", &address.city),
                ] {
                    if value.trim().is_empty() {
                        missing.push(part);
                    }
                }
                let country_ok = address.country.len() == 2
                    && address.country.bytes().all(|b| b.is_ascii_uppercase());
                if !country_ok {
                    missing.push("country code");
                }
                let needs_postal = !NO_POSTAL_CODE.contains(&address.country.as_str());
                if country_ok
                    && needs_postal
                    && address
                        .postal_code
                        .as_deref()
                        .is_none_or(|p| p.trim().is_empty())
                {
                    missing.push("postal code");
                }
                if !missing.is_empty() {
                    problems.push((
                        HoldReason::IncompleteShippingAddress,
                        format!("shipping address lacks {}", missing.join(", ")),
                    ));
                }
            }
        }
    }
    if order.customer.email.trim().is_empty() {
        problems.push((HoldReason::MissingEmail, "no customer email".to_string()));
    } else if !is_plausible_email(&order.customer.email) {
        problems.push((
            HoldReason::InvalidEmail,
            format!(
                "customer email {:?} is not a valid address",
                order.customer.email
            ),
        ));
    }
    problems
}

/// Deliberately simple: one `@`, a dotted domain, no spaces.
pub fn is_plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    email.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::tests::{address, new_order};
    use crate::domain::PaymentStatus;
    use rust_decimal::Decimal;

    fn reasons(order: &NewOrder) -> Vec<HoldReason> {
        review(order).into_iter().map(|(r, _)| r).collect()
    }

    #[test]
    fn a_clean_order_passes() {
        let mut order = new_order(PaymentStatus::Paid);
        order.shipping_address = Some(address());
        assert_eq!(reasons(&order), []);
    }

    #[test]
    fn money_may_be_off_by_one_minor_unit_not_more() {
        let mut order = new_order(PaymentStatus::Paid);
        order.shipping_address = Some(address());
        order.totals.total += Decimal::new(1, 2);
        assert_eq!(reasons(&order), []);
        order.totals.total += Decimal::new(1, 2);
        assert_eq!(reasons(&order), [HoldReason::TotalsMismatch]);
    }

    #[test]
    fn addresses_must_be_complete_for_goods_that_ship() {
        let mut order = new_order(PaymentStatus::Paid);
        order.shipping_address = None;
        assert_eq!(reasons(&order), [HoldReason::MissingShippingAddress]);
        let mut incomplete = address();
        incomplete.postal_code = None;
        order.shipping_address = Some(incomplete.clone());
        assert_eq!(reasons(&order), [HoldReason::IncompleteShippingAddress]);
        incomplete.country = "HK".into();
        order.shipping_address = Some(incomplete);
        assert_eq!(reasons(&order), [], "Hong Kong has no postal codes");
        for line in &mut order.lines {
            line.requires_shipping = false;
        }
        order.shipping_address = None;
        assert_eq!(reasons(&order), [], "digital goods need no address");
    }

    #[test]
    fn emails_must_be_present_and_plausible() {
        let mut order = new_order(PaymentStatus::Paid);
        order.shipping_address = Some(address());
        order.customer.email = String::new();
        assert_eq!(reasons(&order), [HoldReason::MissingEmail]);
        for bad in [
            "priya",
            "priya@",
            "@example.com",
            "priya@example",
            "pri ya@example.com",
        ] {
            order.customer.email = bad.into();
            assert_eq!(reasons(&order), [HoldReason::InvalidEmail], "{bad}");
        }
    }
}
