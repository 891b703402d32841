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
    pub async fn release(
        &self,
        id: &OrderId,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<Order, ReviewError> {
        let updated = self.orders.update(id, |o| o.release_hold(by, now)).await?;
        self.payment_queue
            .send(&OrderMessage {
                order_id: id.clone(),
            })
            .await
            .map_err(|e| ReviewError::Unavailable(e.to_string()))?;
        Ok(updated.order)
    }

    pub async fn reject(
        &self,
        id: &OrderId,
        by: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Order, ReviewError> {
        let updated = self
            .orders
            .update(id, |o| o.reject_hold(by, reason, now))
            .await?;
        self.notify_queue
            .send(&Notification::about_order(
                id.clone(),
                NotificationEvent::Canceled,
            ))
            .await
            .map_err(|e| ReviewError::Unavailable(e.to_string()))?;
        Ok(updated.order)
    }
}
