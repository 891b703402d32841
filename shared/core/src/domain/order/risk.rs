//! An order's risk screening, recorded once, before it is released to fulfilment.

use chrono::{DateTime, Utc};

use super::Order;
use crate::domain::review::HoldReason;
use crate::domain::OrderStatus;
use crate::risk::{Card, Risk, Signals};

impl Order {
    /// Still to be screened: open, not held, never screened.
    pub fn to_screen(&self) -> bool {
        self.risk.is_none() && self.status == OrderStatus::Open && self.hold.is_none()
    }

    /// What screening looks at, with the card the gateway took the payment from.
    pub fn risk_signals<'a>(&'a self, card: Option<&'a Card>) -> Signals<'a> {
        Signals {
            email: &self.customer.email,
            shipping: self.shipping_address.as_ref(),
            billing_country: self.billing_country.as_deref(),
            card,
            total: self.totals.total,
            currency: &self.currency,
        }
    }

    /// Records the screening, once; an order scoring `hold_score` or more (0: never) is held for
    /// review. `true` when this held it.
    pub fn record_risk(&mut self, risk: Risk, hold_score: u32, now: DateTime<Utc>) -> bool {
        if self.risk.is_some() {
            return false;
        }
        let held = hold_score > 0 && risk.score >= hold_score;
        let detail = if risk.findings.is_empty() {
            "Risk screening: nothing found (score 0)".to_string()
        } else {
            format!("Risk screening: {}", risk.reasons())
        };
        self.note("risk_screened", detail, now);
        if held {
            self.add_hold(HoldReason::Risk, risk.reasons(), now);
        }
        self.risk = Some(risk);
        held
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::tests::{new_order, now};
    use crate::domain::PaymentStatus;
    use crate::risk::{screen, RiskSettings, Seen};

    #[test]
    fn a_risky_order_is_held_once_and_a_screened_one_never_again() {
        let mut new = new_order(PaymentStatus::Paid);
        new.customer.email = "x@yopmail.com".into();
        let mut order = Order::place(new, now());
        let settings = RiskSettings {
            hold_score: 30,
            ..RiskSettings::default()
        };
        let risk = screen(&order.risk_signals(None), Seen::default(), &settings, now());
        assert!(order.to_screen());
        assert!(order.record_risk(risk.clone(), settings.hold_score, now()));
        assert_eq!(order.hold.as_ref().unwrap().reasons, [HoldReason::Risk]);
        assert!(!order.to_screen());
        assert!(!order.record_risk(risk, settings.hold_score, now()));
    }
}
