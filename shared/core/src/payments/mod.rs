//! Payments the OMS checks with the gateway itself (marketplace, custom-storefront and manual
//! orders): which payment an order names (`GatewayPayment`), what the gateway says of it
//! (`stripe::Intent`), and what that means for the order (`judge`).

pub mod stripe;
pub mod stripe_event;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::money::minor_unit_digits;
use crate::domain::Currency;

/// The gateways the OMS can ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gateway {
    Stripe,
}

/// The payment an order names: the gateway, and the payment there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatewayPayment {
    pub gateway: Gateway,
    /// Stripe's PaymentIntent id (`pi_...`).
    pub payment_intent: String,
}

impl GatewayPayment {
    /// A payment reference as a channel or staff give it: `pi_` then letters and digits.
    pub fn stripe(payment_intent: &str) -> Option<Self> {
        let plain = payment_intent.strip_prefix("pi_").is_some_and(|rest| {
            !rest.is_empty() && rest.len() <= 250 && rest.bytes().all(|b| b.is_ascii_alphanumeric())
        });
        plain.then(|| Self {
            gateway: Gateway::Stripe,
            payment_intent: payment_intent.to_string(),
        })
    }
}

/// What the gateway's word means for the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The money is taken.
    Paid,
    /// The money is held for us, to capture when the goods ship.
    Authorized,
    /// The customer or the bank still has to act: nothing changes yet.
    Waiting(&'static str),
    /// The payment will not happen.
    Failed(String),
    /// The gateway's payment is not the order's: a person must look.
    Mismatch(String),
}

/// An amount in the currency's minor units, as gateways count it (`12.34 EUR` is 1234); `None`
/// when it is not a whole number of them or does not fit.
pub fn minor_units(amount: Decimal, currency: &Currency) -> Option<i64> {
    let scaled = amount.checked_mul(Decimal::from(10i64.pow(minor_unit_digits(currency))))?;
    if !scaled.fract().is_zero() {
        return None;
    }
    i64::try_from(scaled).ok()
}

/// What a PaymentIntent says of an order of `total` in `currency`. The amount and currency
/// must be the order's unless a person accepted the payment as it is (`accepted`).
pub fn judge(
    intent: &stripe::Intent,
    total: Decimal,
    currency: &Currency,
    accepted: bool,
) -> Verdict {
    use stripe::IntentStatus::*;
    let expected = minor_units(total, currency);
    let same_currency = intent.currency.eq_ignore_ascii_case(currency.as_str());
    if !accepted && !matches!(intent.status, Canceled) {
        if !same_currency {
            return Verdict::Mismatch(format!(
                "the payment {} is in {}, the order in {currency}",
                intent.id,
                intent.currency.to_ascii_uppercase()
            ));
        }
        if expected != Some(intent.amount) {
            return Verdict::Mismatch(format!(
                "the payment {} is for {} minor units of {currency}, the order totals {total}",
                intent.id, intent.amount
            ));
        }
    }
    match intent.status {
        Succeeded => Verdict::Paid,
        RequiresCapture => Verdict::Authorized,
        Processing => Verdict::Waiting("the bank is processing the payment"),
        RequiresAction => Verdict::Waiting("the customer has to confirm the payment (3-D Secure)"),
        RequiresConfirmation => Verdict::Waiting("the payment has not been confirmed yet"),
        RequiresPaymentMethod => Verdict::Failed(match &intent.last_error {
            Some(error) => format!("the card was declined: {error}"),
            None => "no card has been given for the payment yet".into(),
        }),
        Canceled => Verdict::Failed("the payment was canceled".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::stripe::{Intent, IntentStatus};
    use super::*;
    use std::str::FromStr;

    fn intent(status: IntentStatus, amount: i64, currency: &str) -> Intent {
        Intent {
            id: "pi_1".into(),
            status,
            amount,
            currency: currency.into(),
            last_error: None,
            card: None,
        }
    }

    fn usd() -> Currency {
        Currency::parse("USD").unwrap()
    }

    #[test]
    fn amounts_count_in_minor_units() {
        assert_eq!(
            minor_units(Decimal::from_str("12.34").unwrap(), &usd()),
            Some(1234)
        );
        assert_eq!(
            minor_units(
                Decimal::from_str("1500").unwrap(),
                &Currency::parse("JPY").unwrap()
            ),
            Some(1500)
        );
        assert_eq!(
            minor_units(Decimal::from_str("0.005").unwrap(), &usd()),
            None
        );
        assert_eq!(minor_units(Decimal::MAX, &usd()), None);
    }

    #[test]
    fn the_intent_status_decides_when_amount_and_currency_agree() {
        let total = Decimal::from_str("20.00").unwrap();
        let verdict = |status| judge(&intent(status, 2000, "usd"), total, &usd(), false);
        assert_eq!(verdict(IntentStatus::Succeeded), Verdict::Paid);
        assert_eq!(verdict(IntentStatus::RequiresCapture), Verdict::Authorized);
        assert!(matches!(
            verdict(IntentStatus::Processing),
            Verdict::Waiting(_)
        ));
        assert!(matches!(
            verdict(IntentStatus::RequiresAction),
            Verdict::Waiting(_)
        ));
        assert!(matches!(
            verdict(IntentStatus::Canceled),
            Verdict::Failed(_)
        ));
        assert!(matches!(
            verdict(IntentStatus::RequiresPaymentMethod),
            Verdict::Failed(_)
        ));
    }

    #[test]
    fn another_amount_or_currency_is_a_mismatch_never_a_pass() {
        let total = Decimal::from_str("20.00").unwrap();
        let short = judge(
            &intent(IntentStatus::Succeeded, 1999, "usd"),
            total,
            &usd(),
            false,
        );
        assert!(matches!(short, Verdict::Mismatch(m) if m.contains("1999")));
        let euros = judge(
            &intent(IntentStatus::Succeeded, 2000, "eur"),
            total,
            &usd(),
            false,
        );
        assert!(matches!(euros, Verdict::Mismatch(m) if m.contains("EUR")));
        let accepted = judge(
            &intent(IntentStatus::Succeeded, 1999, "usd"),
            total,
            &usd(),
            true,
        );
        assert_eq!(accepted, Verdict::Paid, "a person accepted it as it is");
    }

    #[test]
    fn payment_references_are_checked() {
        assert!(GatewayPayment::stripe("pi_3MtwBwLkdIwHu7ix28a3tqPa").is_some());
        for bad in ["", "pi_", "ch_123", "pi_12-3", "pi_12 3"] {
            assert!(GatewayPayment::stripe(bad).is_none(), "{bad}");
        }
    }
}
