//! Payment verification: an open order whose payment is secured becomes ready to ship.

use anyhow::Context;
use chrono::{DateTime, Utc};

use crate::aws::order_store::UpdateError;
use crate::aws::{OrderStore, Queue};
use crate::domain::order::PaymentCheck;
use crate::domain::{OrderId, OrderStatus};
use crate::messages::OrderMessage;

#[derive(Clone)]
pub struct PaymentVerification {
    pub orders: OrderStore,
    pub label_queue: Queue,
}

impl PaymentVerification {
    pub async fn verify(&self, id: &OrderId, now: DateTime<Utc>) -> anyhow::Result<()> {
        let updated = match self
            .orders
            .update(id, |order| order.verify_payment(now))
            .await
        {
            Ok(updated) => updated,
            Err(UpdateError::Rejected(illegal)) => {
                tracing::warn!(order_id = %id, %illegal, "order no longer needs payment verification");
                return Ok(());
            }
            Err(e) => return Err(e).context("verifying payment"),
        };
        match updated.outcome {
            PaymentCheck::OnHold => {
                tracing::info!(order_id = %id, "order is held for review; waiting for a person");
            }
            PaymentCheck::AwaitingPayment => {
                tracing::info!(order_id = %id, payment_status = %updated.order.payment_status, "awaiting payment");
            }
            PaymentCheck::Verified | PaymentCheck::AlreadyVerified => {
                // Also on a repeat: the earlier run may have died before enqueueing.
                if updated.order.status == OrderStatus::ReadyToShip {
                    self.label_queue
                        .send(&OrderMessage {
                            order_id: id.clone(),
                        })
                        .await?;
                    tracing::info!(order_id = %id, "payment verified; label requested");
                }
            }
        }
        Ok(())
    }
}
