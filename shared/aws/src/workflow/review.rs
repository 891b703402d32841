//! A person's decision on an order held for review: release it to fulfillment, or reject it.

use chrono::{DateTime, Utc};

use crate::aws::order_store::UpdateError;
use crate::aws::{OrderStore, Queue};
use crate::domain::order::HoldError;
use crate::domain::{Order, OrderId};
use crate::messages::{Notification, NotificationEvent, OrderMessage};

#[derive(Clone)]
pub struct Review {
    pub orders: OrderStore,
    pub payment_queue: Queue,
    pub notify_queue: Queue,
}

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("no such order")]
    NotFound,
    #[error(transparent)]
    Refused(HoldError),
    #[error("{0}")]
    Unavailable(String),
}

impl From<UpdateError<HoldError>> for ReviewError {
    fn from(e: UpdateError<HoldError>) -> Self {
        match e {
            UpdateError::NotFound(_) => ReviewError::NotFound,
            UpdateError::Rejected(e) => ReviewError::Refused(e),
            UpdateError::Store(e) => ReviewError::Unavailable(e.to_string()),
        }
    }
}

impl Review {
    /// Releases a held order. Repeating a release that went through (say the answer was lost)
    /// succeeds again and re-sends the order on, so a failed enqueue can always be retried.
    pub async fn release(
        &self,
        id: &OrderId,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Order, ReviewError> {
        let order = self
            .decide(id, "hold_released", |o| o.release_hold(by, now))
            .await?;
        self.payment_queue
            .send(&OrderMessage {
                order_id: id.clone(),
            })
            .await
            .map_err(|e| ReviewError::Unavailable(e.to_string()))?;
        Ok(order)
    }

    /// Rejects a held order: canceled, and the customer told. Repeatable like `release`.
    pub async fn reject(
        &self,
        id: &OrderId,
        by: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Order, ReviewError> {
        let order = self
            .decide(id, "hold_rejected", |o| o.reject_hold(by, reason, now))
            .await?;
        self.notify_queue
            .send(&Notification::about_order(
                id.clone(),
                NotificationEvent::Canceled,
            ))
            .await
            .map_err(|e| ReviewError::Unavailable(e.to_string()))?;
        Ok(order)
    }

    /// Applies a decision, or recognizes it as already taken: the order is off hold and the last
    /// decision on its timeline is this one.
    async fn decide(
        &self,
        id: &OrderId,
        decision: &str,
        apply: impl FnMut(&mut Order) -> Result<(), HoldError>,
    ) -> Result<Order, ReviewError> {
        match self.orders.update(id, apply).await {
            Ok(updated) => Ok(updated.order),
            Err(UpdateError::Rejected(HoldError::NotOnHold)) => {
                let order = self
                    .orders
                    .get(id)
                    .await
                    .map_err(|e| ReviewError::Unavailable(e.to_string()))?
                    .ok_or(ReviewError::NotFound)?;
                let last = order.timeline.iter().rev().find(|e| {
                    matches!(
                        e.kind.as_str(),
                        "held_for_review" | "hold_released" | "hold_rejected"
                    )
                });
                if last.is_some_and(|e| e.kind == decision) {
                    Ok(order)
                } else {
                    Err(ReviewError::Refused(HoldError::NotOnHold))
                }
            }
            Err(e) => Err(e.into()),
        }
    }
}
