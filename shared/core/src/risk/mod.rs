//! Risk screening, before an order is released to fulfilment: each rule that fires adds its
//! points, and an order whose score reaches the hold score waits for a person (`risk` hold),
//! who releases it or rejects it (canceled, the authorization voided or the money refunded).
//!
//! | rule | points | fires when |
//! |---|---|---|
//! | `countries_differ` | 25 | the billing country (the channel's, else the card's) is not the shipping country |
//! | `high_total` | 30 | the total is at least `high_total` (in the order's currency) |
//! | `email_velocity` | 30 | more than `velocity_limit` orders from this email in 24 h, this one included |
//! | `address_velocity` | 30 | the same for the shipping address |
//! | `card_velocity` | 40 | the same for the card (its fingerprint at the gateway) |
//! | `disposable_email` | 35 | the email's domain hands out throwaway mailboxes (`data/disposable_email_domains.txt`) |
//! | `first_order_high_value` | 25 | the customer's first order, for at least `first_order_total` |
//! | `freight_forwarder` | 35 | the shipping address is a package forwarder's warehouse (`data/freight_forwarders.csv`) |
//!
//! Velocity is counted, never scanned for: each order adds one to an hourly counter per email,
//! address and card in the write that records its screening (so it counts once), and a
//! screening reads the last 24 of them.

mod lists;
pub mod velocity;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::{Address, Currency};
pub use velocity::{VelocityKey, VelocityKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskRule {
    CountriesDiffer,
    HighTotal,
    EmailVelocity,
    AddressVelocity,
    CardVelocity,
    DisposableEmail,
    FirstOrderHighValue,
    FreightForwarder,
}

impl RiskRule {
    pub fn points(self) -> u32 {
        match self {
            Self::CountriesDiffer | Self::FirstOrderHighValue => 25,
            Self::HighTotal | Self::EmailVelocity | Self::AddressVelocity => 30,
            Self::DisposableEmail | Self::FreightForwarder => 35,
            Self::CardVelocity => 40,
        }
    }
}

/// The shop's settings (`RISK_*`), with the documented defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskSettings {
    /// An order scoring this much or more is held; 0 turns screening off.
    pub hold_score: u32,
    pub high_total: Decimal,
    pub first_order_total: Decimal,
    /// Orders from one email, address or card in 24 h before the next one counts as velocity.
    pub velocity_limit: u32,
}

impl Default for RiskSettings {
    fn default() -> Self {
        Self {
            hold_score: 70,
            high_total: Decimal::from(1000),
            first_order_total: Decimal::from(250),
            velocity_limit: 3,
        }
    }
}

/// The card the gateway took the payment from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub fingerprint: String,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: Option<String>,
}

/// What is known of the order when it is screened.
#[derive(Debug, Clone)]
pub struct Signals<'a> {
    pub email: &'a str,
    pub shipping: Option<&'a Address>,
    pub billing_country: Option<&'a str>,
    pub card: Option<&'a Card>,
    pub total: Decimal,
    pub currency: &'a Currency,
}

/// What the counters say, before this order: orders in the last 24 h by email, address and
/// card, and the customer's orders ever.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Seen {
    pub email: u32,
    pub address: u32,
    pub card: u32,
    pub customer_orders: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskFinding {
    pub rule: RiskRule,
    pub points: u32,
    pub detail: String,
}

/// The screening as recorded on the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Risk {
    pub score: u32,
    pub findings: Vec<RiskFinding>,
    pub screened_at: DateTime<Utc>,
    /// The counters this order was added to (written with the screening, so once).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub counted: Vec<VelocityKey>,
}

impl Risk {
    pub fn reasons(&self) -> String {
        let findings: Vec<&str> = self.findings.iter().map(|f| f.detail.as_str()).collect();
        format!("risk score {}: {}", self.score, findings.join("; "))
    }
}

/// Screens an order: the rules that fire, and the counters it adds to.
pub fn screen(signals: &Signals, seen: Seen, settings: &RiskSettings, now: DateTime<Utc>) -> Risk {
    let mut findings = Vec::new();
    let mut fire = |rule: RiskRule, detail: String| {
        findings.push(RiskFinding {
            rule,
            points: rule.points(),
            detail,
        })
    };
    let shipping_country = signals.shipping.map(|a| a.country.as_str());
    let billing = signals
        .billing_country
        .or_else(|| signals.card.and_then(|c| c.country.as_deref()));
    if let (Some(billing), Some(shipping)) = (billing, shipping_country) {
        if !billing.eq_ignore_ascii_case(shipping) {
            fire(
                RiskRule::CountriesDiffer,
                format!("billed in {billing}, shipped to {shipping}"),
            );
        }
    }
    if signals.total >= settings.high_total {
        fire(
            RiskRule::HighTotal,
            format!(
                "total {} {} is at least {}",
                signals.total, signals.currency, settings.high_total
            ),
        );
    }
    let limit = settings.velocity_limit;
    for (rule, count, what) in [
        (RiskRule::EmailVelocity, seen.email, "this email"),
        (
            RiskRule::AddressVelocity,
            seen.address,
            "this shipping address",
        ),
        (RiskRule::CardVelocity, seen.card, "this card"),
    ] {
        // This order is one more.
        if count >= limit && !(rule == RiskRule::CardVelocity && signals.card.is_none()) {
            fire(
                rule,
                format!(
                    "{} orders from {what} in 24 h (more than {limit})",
                    count.saturating_add(1)
                ),
            );
        }
    }
    if let Some(domain) = lists::disposable_domain(signals.email) {
        fire(
            RiskRule::DisposableEmail,
            format!("{domain} hands out throwaway mailboxes"),
        );
    }
    if seen.customer_orders == 0 && signals.total >= settings.first_order_total {
        fire(
            RiskRule::FirstOrderHighValue,
            format!(
                "the customer's first order, for {} {}",
                signals.total, signals.currency
            ),
        );
    }
    if let Some(forwarder) = signals.shipping.and_then(lists::forwarder) {
        fire(
            RiskRule::FreightForwarder,
            format!("ships to a package forwarder ({forwarder})"),
        );
    }
    let score = findings.iter().map(|f| f.points).sum();
    Risk {
        score,
        findings,
        screened_at: now,
        counted: velocity::keys(signals),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::str::FromStr;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 4, 10, 0, 0).unwrap()
    }

    fn address(line1: &str, postal: &str, country: &str) -> Address {
        Address {
            name: "Ana".into(),
            line1: line1.into(),
            line2: None,
            city: "Somewhere".into(),
            region: None,
            postal_code: Some(postal.into()),
            country: country.into(),
            phone: None,
        }
    }

    fn rules(risk: &Risk) -> Vec<RiskRule> {
        risk.findings.iter().map(|f| f.rule).collect()
    }

    #[test]
    fn an_ordinary_repeat_order_scores_nothing() {
        let usd = Currency::parse("USD").unwrap();
        let home = address("500 Market St", "94105", "US");
        let signals = Signals {
            email: "ana@example.com",
            shipping: Some(&home),
            billing_country: Some("US"),
            card: None,
            total: Decimal::from(40),
            currency: &usd,
        };
        let seen = Seen {
            customer_orders: 4,
            ..Seen::default()
        };
        let risk = screen(&signals, seen, &RiskSettings::default(), now());
        assert_eq!((risk.score, risk.findings.len()), (0, 0));
        assert_eq!(risk.counted.len(), 3, "email, address, customer");
    }

    #[test]
    fn every_rule_adds_its_points() {
        let usd = Currency::parse("USD").unwrap();
        let forwarder = address("4283 Express Lane, Suite 1234-567", "34249", "US");
        let card = Card {
            fingerprint: "fp1".into(),
            country: Some("BR".into()),
        };
        let signals = Signals {
            email: "x@Mailinator.com",
            shipping: Some(&forwarder),
            billing_country: None,
            card: Some(&card),
            total: Decimal::from_str("1200.00").unwrap(),
            currency: &usd,
        };
        let seen = Seen {
            email: 3,
            address: 5,
            card: 3,
            customer_orders: 0,
        };
        let risk = screen(&signals, seen, &RiskSettings::default(), now());
        assert_eq!(
            rules(&risk),
            [
                RiskRule::CountriesDiffer,
                RiskRule::HighTotal,
                RiskRule::EmailVelocity,
                RiskRule::AddressVelocity,
                RiskRule::CardVelocity,
                RiskRule::DisposableEmail,
                RiskRule::FirstOrderHighValue,
                RiskRule::FreightForwarder,
            ]
        );
        assert_eq!(risk.score, 25 + 30 + 30 + 30 + 40 + 35 + 25 + 35);
        assert!(risk.reasons().contains("4 orders from this email"));
        assert_eq!(risk.counted.len(), 4, "the card is counted too");
    }

    #[test]
    fn velocity_fires_only_past_the_limit() {
        let usd = Currency::parse("USD").unwrap();
        let signals = Signals {
            email: "ana@example.com",
            shipping: None,
            billing_country: None,
            card: None,
            total: Decimal::from(10),
            currency: &usd,
        };
        let settings = RiskSettings::default();
        let at = |email| {
            let seen = Seen {
                email,
                customer_orders: 1,
                ..Seen::default()
            };
            rules(&screen(&signals, seen, &settings, now()))
        };
        assert!(at(2).is_empty(), "the third order in 24 h is fine");
        assert_eq!(at(3), [RiskRule::EmailVelocity], "the fourth is not");
    }
}
