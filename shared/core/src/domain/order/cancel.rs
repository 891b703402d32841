//! Cancelling an order before anything of it has shipped.

use chrono::{DateTime, Utc};

use super::Order;
use crate::domain::status::IllegalTransition;
use crate::domain::{OrderStatus, PaymentStatus};

impl Order {
    /// Cancels an order nothing of which has shipped.
    pub fn cancel(&mut self, reason: &str, now: DateTime<Utc>) -> Result<(), IllegalTransition> {
        // A label being bought right now will be paid for: too late to cancel here.
        if self.active_shipments().next().is_some() || self.pending_label.is_some() {
            return Err(IllegalTransition {
                from: self.status,
                to: OrderStatus::Canceled,
            });
        }
        self.become_status(OrderStatus::Canceled, now)?;
        self.hold = None;
        self.release_stock("the order was canceled", now);
        // A gateway payment is voided or refunded at the gateway first (`Refunds::after_cancel`),
        // and its status follows what the gateway did; the channel's own money, the channel
        // settles.
        if self.payment.is_none() {
            self.payment_status = match self.payment_status {
                PaymentStatus::Paid | PaymentStatus::PartiallyRefunded => PaymentStatus::Refunded,
                PaymentStatus::Authorized | PaymentStatus::Pending => PaymentStatus::Voided,
                other => other,
            };
        }
        self.note("canceled", reason.to_string(), now);
        Ok(())
    }
}
