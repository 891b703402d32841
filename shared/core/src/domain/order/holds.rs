//! Holding an order for a person to review, and that person's release or rejection.

use chrono::{DateTime, Utc};

use super::Order;
use crate::domain::review::{Hold, HoldReason};
use crate::domain::status::IllegalTransition;

impl Order {
    pub(super) fn put_on_hold(&mut self, problems: Vec<(HoldReason, String)>, now: DateTime<Utc>) {
        if problems.is_empty() {
            return;
        }
        let (reasons, messages): (Vec<_>, Vec<_>) = problems.into_iter().unzip();
        self.note("held_for_review", messages.join("; "), now);
        self.hold = Some(Hold {
            reasons,
            messages,
            since: now,
        });
    }

    /// A person checked the order and lets it continue.
    pub fn release_hold(&mut self, by: &str, now: DateTime<Utc>) -> Result<(), HoldError> {
        let Some(hold) = self.hold.take() else {
            return Err(HoldError::NotOnHold);
        };
        if hold.reasons.contains(&HoldReason::ImplausibleShipment) {
            self.shipping_approved = true;
        }
        if hold.reasons.contains(&HoldReason::PaymentMismatch) {
            self.payment_accepted = true;
        }
        self.note("hold_released", format!("Released by {by}"), now);
        Ok(())
    }

    /// A person decided the order will not be fulfilled.
    pub fn reject_hold(
        &mut self,
        by: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), HoldError> {
        if self.hold.is_none() {
            return Err(HoldError::NotOnHold);
        }
        self.hold = None;
        self.note("hold_rejected", format!("Rejected by {by}: {reason}"), now);
        self.cancel(reason, now).map_err(HoldError::Illegal)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HoldError {
    #[error("the order is not on hold")]
    NotOnHold,
    #[error(transparent)]
    Illegal(IllegalTransition),
}
