//! Money given back: what may be refunded (never more than was charged minus what went back
//! already), what a refund of lines comes to (their tax and discount share), and the record of
//! each refund from asked for to done.
//!
//! A refund is written on the order *before* the gateway is asked (`pending`), so two refunds at
//! once cannot both take the last of the money, and a worker that dies after the gateway moved
//! the money finds the refund again by its id (the gateway's Idempotency-Key and metadata).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use super::Order;
use crate::domain::money::minor_unit_digits;
use crate::domain::{OrderStatus, PaymentStatus};
use crate::payments::minor_units;
use crate::payments::stripe::GatewayRefund;

/// Where a refund came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundOrigin {
    /// Staff asked for it (`POST /orders/{id}/refunds`).
    Staff,
    /// An edit lowered the total after the customer paid: the difference goes back.
    Balance,
    /// Made outside the OMS, in the gateway's dashboard: recorded, not repeated.
    Gateway,
    /// The order was canceled (or rejected on review) after its money was taken.
    Cancellation,
    /// Refunded in the channel (Shopify's admin): recorded, never repeated at a gateway.
    Channel,
}

/// A refund the channel reports it made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelRefund {
    /// The channel's refund id.
    pub id: String,
    pub amount: Decimal,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<RefundLine>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundState {
    /// Written, the gateway not yet heard back from.
    Pending,
    Succeeded,
    /// The gateway refused it: no money moved, it does not count.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundLine {
    pub sku: String,
    pub quantity: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refund {
    /// `rf_...`, derived from the order and the request's Idempotency-Key.
    pub id: String,
    pub amount: Decimal,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<RefundLine>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub shipping: bool,
    pub reason: String,
    pub origin: RefundOrigin,
    pub state: RefundState,
    /// The gateway's refund (`re_...`), once it made one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_refund: Option<String>,
    /// Of the request, so a reused Idempotency-Key with another request is refused.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fingerprint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    pub requested_at: DateTime<Utc>,
}

impl Refund {
    /// A refund of an amount alone (no lines, no shipping), no one's request.
    fn of_amount(
        id: String,
        amount: Decimal,
        reason: String,
        origin: RefundOrigin,
        state: RefundState,
        now: DateTime<Utc>,
    ) -> Self {
        Refund {
            id,
            amount,
            lines: Vec::new(),
            shipping: false,
            reason,
            origin,
            state,
            gateway_refund: None,
            fingerprint: String::new(),
            by: None,
            requested_at: now,
        }
    }

    fn counts(&self) -> bool {
        self.state != RefundState::Failed
    }
}

/// What staff ask to give back: lines (with their tax and discount share), the shipping, or a
/// plain amount (which then wins over what the lines come to).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct RefundRequest {
    pub lines: Vec<RefundLine>,
    pub shipping: bool,
    pub amount: Option<Decimal>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RefundError {
    #[error(
        "nothing has been charged for this order yet (payment {0}): there is nothing to refund"
    )]
    NotCharged(PaymentStatus),
    #[error("the order's payment was not taken through Stripe: refund it where it was paid (the channel's admin); the channel's refund is recorded here")]
    NoGateway,
    #[error("the refund of {asked} is more than the {refundable} still refundable")]
    Exceeds { asked: Decimal, refundable: Decimal },
    #[error("the order has no line with SKU {0}")]
    UnknownSku(String),
    #[error("only {refundable} of {sku} can still be refunded")]
    TooMany { sku: String, refundable: u32 },
    #[error("the shipping was refunded already")]
    ShippingRefunded,
    #[error("the refund comes to nothing: name lines, the shipping or an amount above zero")]
    Nothing,
    #[error("the amount {0} is not a whole number of the currency's minor units")]
    OddAmount(Decimal),
    #[error("this Idempotency-Key was used for another refund of this order")]
    KeyReused,
}

impl Order {
    /// What the customer was charged: nothing until the money is taken.
    pub fn charged(&self) -> Decimal {
        if !matches!(
            self.payment_status,
            PaymentStatus::Paid | PaymentStatus::PartiallyRefunded | PaymentStatus::Refunded
        ) {
            return Decimal::ZERO;
        }
        // An edit since the payment moved the total but not what was charged; a balance
        // refund made settled part of that difference (and took it off `balance_due`).
        let settled: Decimal = self
            .refunds
            .iter()
            .filter(|r| r.origin == RefundOrigin::Balance && r.state == RefundState::Succeeded)
            .map(|r| r.amount)
            .sum();
        self.totals.total - self.balance_due + settled
    }

    /// What went back already, or is on its way.
    pub fn refunded(&self) -> Decimal {
        self.refunds
            .iter()
            .filter(|r| r.counts())
            .map(|r| r.amount)
            .sum()
    }

    /// What may still be refunded.
    pub fn refundable(&self) -> Decimal {
        (self.charged() - self.refunded()).max(Decimal::ZERO)
    }

    /// What a refund of `request` comes to.
    pub fn refund_amount(&self, request: &RefundRequest) -> Result<Decimal, RefundError> {
        let mut asked: HashMap<&str, u32> = HashMap::new();
        for line in &request.lines {
            let total = asked.entry(line.sku.as_str()).or_default();
            *total = total.saturating_add(line.quantity);
        }
        let mut goods = Decimal::ZERO;
        for (sku, quantity) in &asked {
            let ordered: Vec<_> = self.lines.iter().filter(|l| l.sku == *sku).collect();
            if ordered.is_empty() {
                return Err(RefundError::UnknownSku(sku.to_string()));
            }
            let refundable = ordered
                .iter()
                .map(|l| l.quantity)
                .sum::<u32>()
                .saturating_sub(self.refunded_units(sku));
            if *quantity > refundable {
                return Err(RefundError::TooMany {
                    sku: sku.to_string(),
                    refundable,
                });
            }
            goods += ordered[0].unit_price * Decimal::from(*quantity);
        }
        if request.shipping && self.refunds.iter().any(|r| r.counts() && r.shipping) {
            return Err(RefundError::ShippingRefunded);
        }
        let digits = minor_unit_digits(&self.currency);
        let amount = match request.amount {
            Some(amount) => {
                if amount.round_dp(digits) != amount {
                    return Err(RefundError::OddAmount(amount));
                }
                amount
            }
            None => {
                let t = &self.totals;
                let discount = if t.subtotal.is_zero() {
                    Decimal::ZERO
                } else {
                    t.discounts * goods / t.subtotal
                };
                let shipping = if request.shipping {
                    t.shipping
                } else {
                    Decimal::ZERO
                };
                // One tax rate on everything taxed: goods after discount, shipping and fees.
                let base = t.subtotal + t.shipping + t.fees - t.discounts;
                let tax = if base.is_zero() {
                    Decimal::ZERO
                } else {
                    t.tax * (goods - discount + shipping) / base
                };
                (goods - discount + shipping + tax)
                    .round_dp_with_strategy(digits, RoundingStrategy::MidpointAwayFromZero)
            }
        };
        if amount <= Decimal::ZERO {
            return Err(RefundError::Nothing);
        }
        Ok(amount)
    }

    fn refunded_units(&self, sku: &str) -> u32 {
        self.refunds
            .iter()
            .filter(|r| r.counts())
            .flat_map(|r| &r.lines)
            .filter(|l| l.sku == sku)
            .map(|l| l.quantity)
            .sum()
    }

    /// Writes a refund down before the gateway is asked; the refund already written under `id`
    /// when this is a retry of the same request.
    pub fn open_refund(
        &mut self,
        id: &str,
        request: &RefundRequest,
        fingerprint: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Refund, RefundError> {
        if let Some(existing) = self.refunds.iter().find(|r| r.id == id) {
            return if existing.fingerprint == fingerprint {
                Ok(existing.clone())
            } else {
                Err(RefundError::KeyReused)
            };
        }
        if self.payment.is_none() {
            return Err(RefundError::NoGateway);
        }
        if self.charged().is_zero() {
            return Err(RefundError::NotCharged(self.payment_status));
        }
        let asked = self.refund_amount(request)?;
        let refundable = self.refundable();
        // Lines refunded one by one may round a minor unit past what is left: the last one
        // takes what is left.
        let amount = if asked > refundable
            && request.amount.is_none()
            && asked - refundable <= Decimal::new(1, minor_unit_digits(&self.currency))
        {
            refundable
        } else {
            asked
        };
        if amount > refundable || amount.is_zero() {
            return Err(RefundError::Exceeds { asked, refundable });
        }
        let refund = Refund {
            id: id.to_string(),
            amount,
            lines: request.lines.clone(),
            shipping: request.shipping,
            reason: request.reason.clone(),
            origin: RefundOrigin::Staff,
            state: RefundState::Pending,
            gateway_refund: None,
            fingerprint: fingerprint.to_string(),
            by: Some(by.to_string()),
            requested_at: now,
        };
        self.note(
            "refund_requested",
            format!(
                "Refund {id} of {amount} {} asked for by {by}: {}",
                self.currency, request.reason
            ),
            now,
        );
        self.refunds.push(refund.clone());
        Ok(refund)
    }

    /// Writes down the refund that settles a negative balance (an edit lowered the total after
    /// the customer paid); `None` when nothing is owed back, or it is already being refunded.
    pub fn open_balance_refund(&mut self, id: &str, now: DateTime<Utc>) -> Option<Refund> {
        // One balance refund at a time: a pending one (left by a crash) is resumed.
        if let Some(pending) = self
            .refunds
            .iter()
            .find(|r| r.origin == RefundOrigin::Balance && r.state == RefundState::Pending)
        {
            return Some(pending.clone());
        }
        if self.refunds.iter().any(|r| r.id == id) {
            return None;
        }
        let owed = (-self.balance_due).min(self.refundable());
        if owed <= Decimal::ZERO || self.payment.is_none() {
            return None;
        }
        let refund = Refund::of_amount(
            id.to_string(),
            owed,
            "the order was edited to a lower total after it was paid".into(),
            RefundOrigin::Balance,
            RefundState::Pending,
            now,
        );
        self.note(
            "refund_requested",
            format!(
                "Refund {id} of {owed} {}: the balance owed back",
                self.currency
            ),
            now,
        );
        self.refunds.push(refund.clone());
        Some(refund)
    }

    /// Writes down the refund of everything still refundable of a canceled order; the pending
    /// one when a cancellation's refund was begun before.
    pub fn open_cancellation_refund(&mut self, id: &str, now: DateTime<Utc>) -> Option<Refund> {
        if self.status != OrderStatus::Canceled || self.payment.is_none() {
            return None;
        }
        if let Some(existing) = self.refunds.iter().find(|r| r.id == id) {
            return (existing.state == RefundState::Pending).then(|| existing.clone());
        }
        let amount = self.refundable();
        if amount <= Decimal::ZERO {
            return None;
        }
        let refund = Refund::of_amount(
            id.to_string(),
            amount,
            "the order was canceled".into(),
            RefundOrigin::Cancellation,
            RefundState::Pending,
            now,
        );
        self.note(
            "refund_requested",
            format!(
                "Refund {id} of {amount} {}: the order was canceled",
                self.currency
            ),
            now,
        );
        self.refunds.push(refund.clone());
        Some(refund)
    }

    /// The authorization of a canceled order was voided at the gateway: nothing was charged.
    pub fn record_void(&mut self, now: DateTime<Utc>) -> bool {
        let open = matches!(
            self.payment_status,
            PaymentStatus::Authorized | PaymentStatus::Pending
        );
        if self.status != OrderStatus::Canceled || self.payment.is_none() || !open {
            return false;
        }
        self.payment_status = PaymentStatus::Voided;
        self.note(
            "payment_voided",
            "The payment was canceled at Stripe: the customer is not charged",
            now,
        );
        true
    }

    /// The gateway made the refund: `true` the first time.
    pub fn complete_refund(&mut self, id: &str, gateway_refund: &str, now: DateTime<Utc>) -> bool {
        let Some(refund) = self
            .refunds
            .iter_mut()
            .find(|r| r.id == id && r.state == RefundState::Pending)
        else {
            return false;
        };
        refund.state = RefundState::Succeeded;
        refund.gateway_refund = Some(gateway_refund.to_string());
        let (amount, origin) = (refund.amount, refund.origin);
        if origin == RefundOrigin::Balance {
            self.balance_due = (self.balance_due + amount).min(Decimal::ZERO);
        }
        self.note(
            "refunded",
            format!(
                "Refund {id} of {amount} {} made ({gateway_refund})",
                self.currency
            ),
            now,
        );
        self.settle_payment_status();
        true
    }

    /// The gateway refused the refund: no money moved, and it no longer counts.
    pub fn fail_refund(&mut self, id: &str, why: &str, now: DateTime<Utc>) -> bool {
        let Some(refund) = self
            .refunds
            .iter_mut()
            .find(|r| r.id == id && r.state == RefundState::Pending)
        else {
            return false;
        };
        refund.state = RefundState::Failed;
        self.note("refund_failed", format!("Refund {id} refused: {why}"), now);
        true
    }

    /// Takes in the refunds the gateway has for the order's payment: those the OMS asked for
    /// are marked made, those made elsewhere (the dashboard) are recorded once. The amounts
    /// newly recorded as given back.
    pub fn take_gateway_refunds(
        &mut self,
        at_gateway: &[GatewayRefund],
        now: DateTime<Utc>,
    ) -> Vec<Decimal> {
        let mut recorded = Vec::new();
        let digits = minor_unit_digits(&self.currency);
        for refund in at_gateway.iter().filter(|r| r.status.counts()) {
            let ours = refund
                .oms_refund
                .as_deref()
                .filter(|id| self.refunds.iter().any(|r| r.id == *id));
            if let Some(id) = ours {
                let id = id.to_string();
                if self.complete_refund(&id, &refund.id, now) {
                    let amount = self.refunds.iter().find(|r| r.id == id).map(|r| r.amount);
                    recorded.extend(amount);
                }
                continue;
            }
            if self
                .refunds
                .iter()
                .any(|r| r.gateway_refund.as_deref() == Some(refund.id.as_str()))
            {
                continue;
            }
            let amount = Decimal::new(refund.amount, digits);
            self.refunds.push(Refund {
                gateway_refund: Some(refund.id.clone()),
                ..Refund::of_amount(
                    format!("rf_{}", refund.id),
                    amount,
                    "refunded in Stripe's dashboard".into(),
                    RefundOrigin::Gateway,
                    RefundState::Succeeded,
                    now,
                )
            });
            self.note(
                "refunded",
                format!(
                    "Refund {} of {amount} {} made in Stripe, recorded here",
                    refund.id, self.currency
                ),
                now,
            );
            self.settle_payment_status();
            recorded.push(amount);
        }
        recorded
    }

    /// Records the refunds the channel made that are not recorded yet; how many were new.
    pub fn take_channel_refunds(&mut self, refunds: &[ChannelRefund], now: DateTime<Utc>) -> usize {
        let mut recorded = 0;
        for refund in refunds {
            let id = format!("rf_{}_{}", self.channel.as_str(), refund.id);
            if self.refunds.iter().any(|r| r.id == id) {
                continue;
            }
            self.note(
                "refunded",
                format!(
                    "Refund {} of {} {} made in {}, recorded here",
                    refund.id,
                    refund.amount,
                    self.currency,
                    self.channel.as_str()
                ),
                now,
            );
            self.refunds.push(Refund {
                lines: refund.lines.clone(),
                ..Refund::of_amount(
                    id,
                    refund.amount,
                    format!("refunded in {}", self.channel.as_str()),
                    RefundOrigin::Channel,
                    RefundState::Succeeded,
                    now,
                )
            });
            recorded += 1;
        }
        recorded
    }

    /// The refund in `minor` units of the order's currency, as the gateway counts it.
    pub fn refund_minor_units(&self, refund: &Refund) -> Option<i64> {
        minor_units(refund.amount, &self.currency)
    }

    fn settle_payment_status(&mut self) {
        let given_back: Decimal = self
            .refunds
            .iter()
            .filter(|r| r.state == RefundState::Succeeded)
            .map(|r| r.amount)
            .sum();
        if given_back.is_zero() {
            return;
        }
        self.payment_status = if given_back >= self.charged() {
            PaymentStatus::Refunded
        } else {
            PaymentStatus::PartiallyRefunded
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::tests::{new_order, now};
    use crate::payments::stripe::RefundStatus;
    use crate::payments::GatewayPayment;
    use std::str::FromStr;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    /// 2 x TOWEL 14.00 + BOWL 28.00, shipping 10.00, tax 8.38 (on 66.00), total 74.38 CAD.
    fn paid() -> Order {
        let mut new = new_order(PaymentStatus::Paid);
        new.payment = GatewayPayment::stripe("pi_1");
        Order::place(new, now())
    }

    fn lines(sku: &str, quantity: u32) -> RefundRequest {
        RefundRequest {
            lines: vec![RefundLine {
                sku: sku.into(),
                quantity,
            }],
            reason: "returned".into(),
            ..RefundRequest::default()
        }
    }

    #[test]
    fn a_line_refund_carries_its_share_of_the_tax() {
        let order = paid();
        // 14.00 + 8.38 x 14/66 = 14.00 + 1.7776 -> 15.78
        assert_eq!(order.refund_amount(&lines("TOWEL", 1)).unwrap(), d("15.78"));
        let shipping = RefundRequest {
            shipping: true,
            ..RefundRequest::default()
        };
        assert_eq!(order.refund_amount(&shipping).unwrap(), d("11.27"));
    }

    #[test]
    fn refunds_never_exceed_what_was_charged() {
        let mut order = paid();
        let all = RefundRequest {
            amount: Some(d("74.38")),
            reason: "goodwill".into(),
            ..RefundRequest::default()
        };
        order.open_refund("rf_a", &all, "f1", "ana", now()).unwrap();
        assert_eq!(order.refundable(), Decimal::ZERO);
        let more = order.open_refund("rf_b", &lines("BOWL", 1), "f2", "ana", now());
        assert!(
            matches!(more, Err(RefundError::Exceeds { refundable, .. }) if refundable.is_zero())
        );
        assert!(order.complete_refund("rf_a", "re_1", now()));
        assert_eq!(order.payment_status, PaymentStatus::Refunded);
        assert!(!order.complete_refund("rf_a", "re_1", now()), "once");
    }

    #[test]
    fn every_line_refunded_one_by_one_comes_to_the_total() {
        let mut order = paid();
        let mut key = 0;
        for request in [
            lines("TOWEL", 1),
            lines("TOWEL", 1),
            lines("BOWL", 1),
            RefundRequest {
                shipping: true,
                ..RefundRequest::default()
            },
        ] {
            key += 1;
            let id = format!("rf_{key}");
            order.open_refund(&id, &request, &id, "ana", now()).unwrap();
            order.complete_refund(&id, &format!("re_{key}"), now());
        }
        assert_eq!(order.refunded(), d("74.38"));
        assert_eq!(order.payment_status, PaymentStatus::Refunded);
        assert!(matches!(
            order.refund_amount(&lines("TOWEL", 1)),
            Err(RefundError::TooMany { refundable: 0, .. })
        ));
    }

    #[test]
    fn a_retry_is_the_same_refund_and_a_reused_key_is_refused() {
        let mut order = paid();
        let first = order
            .open_refund("rf_a", &lines("BOWL", 1), "f1", "ana", now())
            .unwrap();
        let again = order
            .open_refund("rf_a", &lines("BOWL", 1), "f1", "ana", now())
            .unwrap();
        assert_eq!(first, again);
        assert_eq!(order.refunds.len(), 1);
        assert_eq!(
            order.open_refund("rf_a", &lines("TOWEL", 1), "f2", "ana", now()),
            Err(RefundError::KeyReused)
        );
    }

    #[test]
    fn nothing_is_refunded_before_the_money_is_taken_or_without_a_gateway() {
        let mut new = new_order(PaymentStatus::Authorized);
        new.payment = GatewayPayment::stripe("pi_1");
        let mut authorized = Order::place(new, now());
        assert!(matches!(
            authorized.open_refund("rf_a", &lines("BOWL", 1), "f", "ana", now()),
            Err(RefundError::NotCharged(PaymentStatus::Authorized))
        ));
        let mut channel_paid = Order::place(new_order(PaymentStatus::Paid), now());
        assert_eq!(
            channel_paid.open_refund("rf_a", &lines("BOWL", 1), "f", "ana", now()),
            Err(RefundError::NoGateway)
        );
    }

    #[test]
    fn refunds_made_in_the_dashboard_are_recorded_once_and_ours_completed() {
        let mut order = paid();
        order
            .open_refund("rf_a", &lines("BOWL", 1), "f", "ana", now())
            .unwrap();
        let at_stripe = [
            GatewayRefund {
                id: "re_1".into(),
                amount: 3155,
                status: RefundStatus::Succeeded,
                oms_refund: Some("rf_a".into()),
            },
            GatewayRefund {
                id: "re_2".into(),
                amount: 500,
                status: RefundStatus::Succeeded,
                oms_refund: None,
            },
        ];
        assert_eq!(
            order.take_gateway_refunds(&at_stripe, now()),
            [d("31.56"), d("5.00")]
        );
        assert!(order.take_gateway_refunds(&at_stripe, now()).is_empty());
        assert_eq!(order.refunds.len(), 2);
        assert_eq!(order.payment_status, PaymentStatus::PartiallyRefunded);
    }

    #[test]
    fn the_channels_refunds_are_recorded_once() {
        let mut order = Order::place(new_order(PaymentStatus::PartiallyRefunded), now());
        let refund = ChannelRefund {
            id: "509562969".into(),
            amount: d("15.78"),
            lines: vec![RefundLine {
                sku: "TOWEL".into(),
                quantity: 1,
            }],
        };
        assert_eq!(
            order.take_channel_refunds(std::slice::from_ref(&refund), now()),
            1
        );
        assert_eq!(order.take_channel_refunds(&[refund], now()), 0);
        assert_eq!(order.refunds[0].origin, RefundOrigin::Channel);
        assert_eq!(order.refunds[0].id, "rf_shopify_509562969");
    }

    #[test]
    fn a_lowered_total_is_given_back_once() {
        let mut order = paid();
        order.totals.total = d("60.00");
        order.balance_due = d("-14.38");
        let refund = order.open_balance_refund("rf_bal", now()).unwrap();
        assert_eq!(refund.amount, d("14.38"));
        assert_eq!(order.charged(), d("74.38"));
        order.complete_refund("rf_bal", "re_9", now());
        assert_eq!(order.balance_due, Decimal::ZERO);
        assert_eq!(order.charged(), d("74.38"));
        assert_eq!(order.refundable(), d("60.00"));
        assert!(order.open_balance_refund("rf_bal", now()).is_none());
    }
}
