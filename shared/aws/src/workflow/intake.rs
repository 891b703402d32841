//! Taking in a channel order: store it exactly once, apply later versions of it as updates, and
//! start (or resume) its path.

use chrono::{DateTime, Utc};

use crate::aws::queue::QueueError;
use crate::aws::{OrderStore, Queue, StoreError};
use crate::domain::order::ChannelUpdate;
use crate::domain::{NewOrder, Order, OrderId, OrderStatus};
use crate::messages::{Notification, NotificationEvent, OrderMessage, Restock};

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
        // Stock an update let go of (payment no longer secured) goes to whoever waits for it.
        self.restock(&updated.stock.released).await?;
        self.payment_changed(&existing, &updated.order).await?;
        match updated.outcome {
            ChannelUpdate::Applied => self.resume(&updated.order).await?,
            // Unchanged: this very update is stored already, by an earlier delivery or by our
            // own write whose answer was lost (the retry then finds it applied); either may have
            // died before what follows it, so that runs again (every consumer is idempotent).
            ChannelUpdate::Cancelled | ChannelUpdate::Unchanged => {
                self.start(&updated.order).await?
            }
            ChannelUpdate::Stale | ChannelUpdate::TooLate => {}
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

    /// Tells the customer what happened (confirmed, or canceled: a retry resends an email a crash
    /// lost, the notifier dedupes) and moves the order on, as far as it can go by itself.
    async fn start(&self, order: &Order) -> Result<(), IntakeError> {
        let event = match order.status {
            OrderStatus::Open => Some(NotificationEvent::OrderConfirmed),
            OrderStatus::Canceled => Some(NotificationEvent::Canceled),
            _ => None,
        };
        if let Some(event) = event {
            self.notify_queue
                .send(&Notification::about_order(order.id.clone(), event))
                .await?;
        }
        if order.status == OrderStatus::Canceled {
            // Its reservation was released in the cancelling write; a retry after a crash
            // before this point repeats it here (restocks are harmless when nothing waits).
            self.restock(&order.skus()).await?;
            if order.payment.is_some() {
                // Payment verification voids or refunds its Stripe payment.
                self.payment_queue
                    .send(&OrderMessage {
                        order_id: order.id.clone(),
                    })
                    .await?;
            }
        }
        self.resume(order).await
    }

    /// Tells the customer when the channel reports their payment failed, or money went back.
    async fn payment_changed(&self, before: &Order, after: &Order) -> Result<(), IntakeError> {
        use crate::domain::PaymentStatus::*;
        // A cancellation's email says what happens to the money.
        if before.payment_status == after.payment_status || after.status == OrderStatus::Canceled {
            return Ok(());
        }
        let notification = match after.payment_status {
            Failed | Voided => {
                Notification::about_order(after.id.clone(), NotificationEvent::PaymentProblem)
            }
            Refunded | PartiallyRefunded => Notification {
                occurrence: Some(after.payment_status.to_string()),
                ..Notification::about_order(after.id.clone(), NotificationEvent::Refunded)
            },
            _ => return Ok(()),
        };
        self.notify_queue.send(&notification).await?;
        Ok(())
    }

    /// One restock message per SKU (callers pass each SKU once).
    async fn restock(&self, skus: &[String]) -> Result<(), IntakeError> {
        for sku in skus {
            self.payment_queue
                .send(&Restock {
                    restocked_sku: sku.clone(),
                })
                .await?;
        }
        Ok(())
    }

    /// Tells staff about a hold (once per hold), or hands an order that is not waiting for a
    /// person back to payment verification, which routes it on (to the label queue once paid).
    async fn resume(&self, order: &Order) -> Result<(), IntakeError> {
        if let Some(hold) = &order.hold {
            self.notify_queue
                .send(&Notification::staff_alert(
                    order.id.clone(),
                    hold.since.to_rfc3339(),
                ))
                .await?;
        } else if matches!(order.status, OrderStatus::Open | OrderStatus::ReadyToShip) {
            self.payment_queue
                .send(&OrderMessage {
                    order_id: order.id.clone(),
                })
                .await?;
        }
        Ok(())
    }
}
