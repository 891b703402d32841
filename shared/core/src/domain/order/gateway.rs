//! What the payment gateway says of an order's payment, applied to the order.

use chrono::{DateTime, Utc};

use super::{Attention, Order};
use crate::domain::review::{Hold, HoldReason};
use crate::domain::{OrderStatus, PaymentStatus};
use crate::payments::stripe_event::Dispute;
use crate::payments::{GatewayPayment, Verdict};

/// What settling with the gateway did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatewayOutcome {
    /// Nothing to settle (no gateway payment, or it was settled before): go on as usual.
    Unchanged,
    /// Paid or authorized now: go on to reserve and ship.
    Secured,
    /// Waiting for the customer or the bank.
    Waiting,
    /// The payment failed: the order is `failed`, the customer should be told.
    Failed,
    /// Held for a person, with why.
    Held(String),
}

impl Order {
    /// The gateway payment still to be checked: the order names one and is open, pending and
    /// not held.
    pub fn payment_to_check(&self) -> Option<&GatewayPayment> {
        self.payment.as_ref().filter(|_| {
            self.payment_status == PaymentStatus::Pending
                && self.status == OrderStatus::Open
                && self.hold.is_none()
        })
    }

    /// The gateway payment still to be captured: the order names one, authorized.
    pub fn payment_to_capture(&self) -> Option<&GatewayPayment> {
        self.payment
            .as_ref()
            .filter(|_| self.payment_status == PaymentStatus::Authorized)
    }

    /// Applies the gateway's verdict on the payment the order names, while it is to be checked.
    pub fn settle_with_gateway(&mut self, verdict: &Verdict, now: DateTime<Utc>) -> GatewayOutcome {
        let Some(reference) = self.payment_to_check().map(|p| p.payment_intent.clone()) else {
            return GatewayOutcome::Unchanged;
        };
        match verdict {
            Verdict::Paid | Verdict::Authorized => {
                self.payment_status = if *verdict == Verdict::Paid {
                    PaymentStatus::Paid
                } else {
                    PaymentStatus::Authorized
                };
                self.note(
                    "payment_checked",
                    format!("Stripe says payment {reference} is {}", self.payment_status),
                    now,
                );
                GatewayOutcome::Secured
            }
            Verdict::Waiting(why) => {
                let detail = format!("Waiting for payment {reference}: {why}");
                if self.timeline.last().map(|e| &e.detail) != Some(&detail) {
                    self.note("payment_waiting", detail, now);
                }
                GatewayOutcome::Waiting
            }
            Verdict::Failed(why) => {
                self.payment_status = PaymentStatus::Failed;
                self.note(
                    "payment_failed",
                    format!("Payment {reference} failed: {why}"),
                    now,
                );
                if self.become_status(OrderStatus::Failed, now).is_ok() {
                    self.release_stock("the payment failed", now);
                }
                GatewayOutcome::Failed
            }
            Verdict::Mismatch(why) => {
                self.put_on_hold(vec![(HoldReason::PaymentMismatch, why.clone())], now);
                GatewayOutcome::Held(why.clone())
            }
        }
    }

    /// The authorized money was captured (by this worker or, its answer lost, an earlier one):
    /// `true` the first time.
    pub fn record_capture(&mut self, now: DateTime<Utc>) -> bool {
        let Some(reference) = self.payment_to_capture().map(|p| p.payment_intent.clone()) else {
            return false;
        };
        self.payment_status = PaymentStatus::Paid;
        self.note(
            "payment_captured",
            format!(
                "Payment {reference} captured: {} {}",
                self.totals.total, self.currency
            ),
            now,
        );
        true
    }

    /// The authorization could not be captured (it lapsed, or was canceled): held before any
    /// label is bought.
    pub fn hold_failed_capture(&mut self, why: &str, now: DateTime<Utc>) -> bool {
        if self.hold.is_some() {
            return false;
        }
        self.put_on_hold(vec![(HoldReason::CaptureFailed, why.to_string())], now);
        true
    }

    /// The customer's bank disputes the payment: an order nothing of which has shipped is held
    /// (so nothing more goes out), one already on its way is flagged for customer service.
    /// `true` the first time this dispute is heard of.
    pub fn record_dispute(&mut self, dispute: &Dispute, now: DateTime<Utc>) -> bool {
        let marker = format!("Dispute {}", dispute.id);
        if self
            .timeline
            .iter()
            .any(|e| e.kind == "payment_disputed" && e.detail.starts_with(&marker))
        {
            return false;
        }
        let detail = format!(
            "{marker} opened by the customer's bank for {} minor units of {} ({}): answer it in Stripe",
            dispute.amount, dispute.currency, dispute.reason
        );
        self.note("payment_disputed", detail.clone(), now);
        let shipped = self.active_shipments().next().is_some() || self.pending_label.is_some();
        if shipped || !matches!(self.status, OrderStatus::Open | OrderStatus::ReadyToShip) {
            self.attention = Some(Attention {
                reason: detail,
                since: now,
            });
        } else {
            self.add_hold(HoldReason::Disputed, detail, now);
        }
        true
    }

    /// Adds a reason to the order's hold, putting it on hold if it was not.
    pub(super) fn add_hold(&mut self, reason: HoldReason, message: String, now: DateTime<Utc>) {
        match &mut self.hold {
            Some(Hold {
                reasons, messages, ..
            }) => {
                if !reasons.contains(&reason) {
                    reasons.push(reason);
                    messages.push(message.clone());
                    self.note("held_for_review", message, now);
                }
            }
            None => self.put_on_hold(vec![(reason, message)], now),
        }
    }

    /// The gateway could not vouch for the payment (unknown to it, or it refused to say).
    pub fn hold_unverified_payment(&mut self, why: &str, now: DateTime<Utc>) -> bool {
        if self.hold.is_some() || self.status != OrderStatus::Open {
            return false;
        }
        self.put_on_hold(vec![(HoldReason::PaymentUnverified, why.to_string())], now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::tests::{new_order, now};
    use crate::payments::GatewayPayment;

    fn pending_with_intent() -> Order {
        let mut new = new_order(PaymentStatus::Pending);
        new.payment = GatewayPayment::stripe("pi_123");
        Order::place(new, now())
    }

    #[test]
    fn a_secured_payment_moves_the_order_on_once() {
        let mut order = pending_with_intent();
        assert_eq!(
            order.settle_with_gateway(&Verdict::Authorized, now()),
            GatewayOutcome::Secured
        );
        assert_eq!(order.payment_status, PaymentStatus::Authorized);
        assert_eq!(
            order.settle_with_gateway(&Verdict::Paid, now()),
            GatewayOutcome::Unchanged
        );
    }

    #[test]
    fn a_failed_payment_fails_the_order_and_a_mismatch_holds_it() {
        let mut failed = pending_with_intent();
        assert_eq!(
            failed.settle_with_gateway(&Verdict::Failed("declined".into()), now()),
            GatewayOutcome::Failed
        );
        assert_eq!(
            (failed.status, failed.payment_status),
            (OrderStatus::Failed, PaymentStatus::Failed)
        );
        let mut odd = pending_with_intent();
        let outcome = odd.settle_with_gateway(&Verdict::Mismatch("short".into()), now());
        assert_eq!(outcome, GatewayOutcome::Held("short".into()));
        assert_eq!(
            odd.hold.as_ref().unwrap().reasons,
            [HoldReason::PaymentMismatch]
        );
        assert_eq!(odd.payment_status, PaymentStatus::Pending);
    }

    #[test]
    fn a_capture_is_recorded_once_and_a_failed_one_holds() {
        let mut order = pending_with_intent();
        order.settle_with_gateway(&Verdict::Authorized, now());
        assert!(order.record_capture(now()));
        assert_eq!(order.payment_status, PaymentStatus::Paid);
        assert!(
            !order.record_capture(now()),
            "a second worker records nothing"
        );
        let mut lapsed = pending_with_intent();
        lapsed.settle_with_gateway(&Verdict::Authorized, now());
        assert!(lapsed.hold_failed_capture("expired", now()));
        assert_eq!(
            lapsed.hold.as_ref().unwrap().reasons,
            [HoldReason::CaptureFailed]
        );
        assert!(!lapsed.hold_failed_capture("expired", now()));
    }

    #[test]
    fn waiting_is_noted_once() {
        let mut order = pending_with_intent();
        let waiting = Verdict::Waiting("3-D Secure");
        order.settle_with_gateway(&waiting, now());
        let entries = order.timeline.len();
        order.settle_with_gateway(&waiting, now());
        assert_eq!(order.timeline.len(), entries);
    }
}
