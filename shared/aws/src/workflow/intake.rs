//! Taking in a channel order: store it exactly once, apply later versions of it as updates, and
//! start (or resume) its path.

use chrono::{DateTime, Utc};

use crate::aws::queue::QueueError;
use crate::aws::{OrderStore, Queue, StoreError};
use crate::domain::order::ChannelUpdate;
use crate::domain::{NewOrder, Order, OrderId, OrderStatus};
use crate::messages::{Notification, NotificationEvent, OrderMessage};

#[derive(Clone)]
pub struct Intake {
    pub orders: OrderStore,
    pub payment_queue: Queue,
    pub notify_queue: Queue,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    Created(OrderId),
    /// The channel sent an order we already have, unchanged; nothing new was stored.
    Duplicate(OrderId),
    /// A later version of an order we have.
    Updated(OrderId, ChannelUpdate),
}

/// What a manual order with an idempotency key turned into.
#[derive(Debug, Clone)]
pub enum ManualReceived {
    Created(Box<Order>),
    /// The same key and the same order again: the order made the first time.
    Replayed(Box<Order>),
    /// The same key with a different order.
    KeyReused,
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error("updating order: {0}")]
    Update(String),
}

impl Intake {
    pub async fn receive(
        &self,
        new: NewOrder,
        now: DateTime<Utc>,
    ) -> Result<Received, IntakeError> {
        let order = Order::place(new.clone(), now);
        let Some(existing) = self.orders.create(&order).await? else {
            tracing::info!(order_id = %order.id, name = %order.name, held = order.hold.is_some(), "order created");
            self.start(&order).await?;
            return Ok(Received::Created(order.id));
        };
        if existing.fingerprint == order.fingerprint {
            // Stored by an earlier delivery that may have died before enqueueing: start it again
            // (every consumer is idempotent).
            self.start(&existing).await?;
            tracing::info!(order_id = %existing.id, "duplicate delivery; order already stored");
            return Ok(Received::Duplicate(existing.id));
        }
        let updated = self
            .orders
            .update(&existing.id, |o| {
                Ok::<_, std::convert::Infallible>(o.apply_channel_update(new.clone(), now))
            })
            .await
            .map_err(|e| IntakeError::Update(e.to_string()))?;
        match updated.outcome {
            ChannelUpdate::Applied => self.resume(&updated.order).await?,
            ChannelUpdate::Cancelled => {
                self.notify_queue
                    .send(&Notification::about_order(
                        existing.id.clone(),
                        NotificationEvent::Canceled,
                    ))
                    .await?
            }
            ChannelUpdate::Unchanged | ChannelUpdate::Stale | ChannelUpdate::TooLate => {}
        }
        tracing::info!(order_id = %existing.id, outcome = ?updated.outcome, "channel update");
        Ok(Received::Updated(existing.id, updated.outcome))
    }

    /// A staff-entered order whose channel id comes from an `Idempotency-Key`.
    pub async fn receive_keyed(
        &self,
        new: NewOrder,
        now: DateTime<Utc>,
    ) -> Result<ManualReceived, IntakeError> {
        let order = Order::place(new, now);
        match self.orders.create(&order).await? {
            None => {
                self.start(&order).await?;
                Ok(ManualReceived::Created(Box::new(order)))
            }
            Some(existing) if existing.fingerprint == order.fingerprint => {
                self.start(&existing).await?;
                Ok(ManualReceived::Replayed(Box::new(existing)))
            }
            Some(_) => Ok(ManualReceived::KeyReused),
        }
    }

    /// Confirms the order to the customer and moves it on, as far as it can go by itself.
    async fn start(&self, order: &Order) -> Result<(), IntakeError> {
        if order.status == OrderStatus::Open {
            self.notify_queue
                .send(&Notification::order_confirmed(order.id.clone()))
                .await?;
        }
        if order.hold.is_some() {
            self.notify_queue
                .send(&Notification::about_order(
                    order.id.clone(),
                    NotificationEvent::StaffAlert,
                ))
                .await?;
        }
        self.resume(order).await
    }

    /// Hands an open order that is not waiting for a person to payment verification.
    async fn resume(&self, order: &Order) -> Result<(), IntakeError> {
        if order.status == OrderStatus::Open && order.hold.is_none() {
            self.payment_queue
                .send(&OrderMessage {
                    order_id: order.id.clone(),
                })
                .await?;
        }
        Ok(())
    }
}
