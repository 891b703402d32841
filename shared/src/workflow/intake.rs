//! Taking in a channel order: store it exactly once, then start its path.

use chrono::{DateTime, Utc};

use crate::aws::queue::QueueError;
use crate::aws::{OrderStore, Queue, StoreError};
use crate::domain::{NewOrder, Order, OrderId, OrderStatus};
use crate::messages::{Notification, OrderMessage};

#[derive(Clone)]
pub struct Intake {
    pub orders: OrderStore,
    pub payment_queue: Queue,
    pub notify_queue: Queue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    Created(OrderId),
    /// The channel sent an order we already have; nothing new was stored.
    Duplicate(OrderId),
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

impl Intake {
    pub async fn receive(
        &self,
        new: NewOrder,
        now: DateTime<Utc>,
    ) -> Result<Received, IntakeError> {
        let order = Order::place(new, now);
        match self.orders.create(&order).await? {
            None => {
                tracing::info!(order_id = %order.id, name = %order.name, "order created");
                self.start(&order.id).await?;
                Ok(Received::Created(order.id))
            }
            Some(existing) => {
                // An order still open may have been stored by a delivery that died before it
                // enqueued: start it again (both consumers are idempotent).
                if existing.status == OrderStatus::Open {
                    self.start(&existing.id).await?;
                }
                tracing::info!(order_id = %existing.id, "duplicate delivery; order already stored");
                Ok(Received::Duplicate(existing.id))
            }
        }
    }

    async fn start(&self, id: &OrderId) -> Result<(), IntakeError> {
        self.notify_queue
            .send(&Notification::order_confirmed(id.clone()))
            .await?;
        self.payment_queue
            .send(&OrderMessage {
                order_id: id.clone(),
            })
            .await?;
        Ok(())
    }
}
