//! Payment verification: an open order whose payment is secured has its goods reserved and becomes
//! ready to ship; what no location has is backordered, and retried when stock arrives.

use anyhow::{anyhow, Context};
use chrono::{DateTime, Utc};

use crate::aws::order_store::{StoreError, UpdateError, Updated};
use crate::aws::{InventoryStore, OrderStore, Queue};
use crate::domain::order::PaymentCheck;
use crate::domain::{Order, OrderId, OrderStatus};
use crate::messages::{Notification, NotificationEvent, OrderMessage, Restock};
use crate::workflow::stock::{total_available, StockFollowUp};

/// Re-plans after another order took the stock this one meant to reserve. Each loser of a race
/// sees the winner's write when it reads again, so this only runs out under a storm of orders
/// for one SKU; the message is then retried by the queue.
const MAX_PLANS: u64 = 25;
/// Backorders retried per restock message; more continue in a follow-up message.
const RESTOCK_BATCH: i32 = 50;
/// Orders written in steps by a worker that died, finished or undone per batch of messages.
const LEFT_BEHIND_PER_BATCH: i32 = 10;

#[derive(Clone)]
pub struct PaymentVerification {
    pub orders: OrderStore,
    pub inventory: InventoryStore,
    pub label_queue: Queue,
    pub notify_queue: Queue,
    pub payment_queue: Queue,
    pub stock: StockFollowUp,
    pub clock: crate::clock::Time,
}

impl PaymentVerification {
    pub async fn verify(&self, id: &OrderId, now: DateTime<Utc>) -> anyhow::Result<()> {
        for attempt in 0..MAX_PLANS {
            let now = if attempt > 0 {
                // Let the concurrent writers finish before reading again.
                tokio::time::sleep(std::time::Duration::from_millis(5 * attempt)).await;
                // A fresh time, so this plan's timeline entries never replace the last one's.
                now.max(self.clock.now())
            } else {
                now
            };
            let order = self
                .orders
                .get(id)
                .await?
                .ok_or_else(|| anyhow!("order {id} does not exist"))?;
            let locations = self.inventory.locations().await?;
            let skus: Vec<&str> = order.lines.iter().map(|l| l.sku.as_str()).collect();
            let view = self.inventory.view(&skus).await?;
            let updated = match self
                .orders
                .update(id, |order| order.verify_payment(&view, &locations, now))
                .await
            {
                Ok(updated) => updated,
                Err(UpdateError::Store(StoreError::StockChanged(sku))) => {
                    tracing::info!(order_id = %id, sku, "stock changed while reserving; planning again");
                    continue;
                }
                Err(UpdateError::Rejected(illegal)) => {
                    tracing::warn!(order_id = %id, %illegal, "order no longer needs payment verification");
                    return Ok(());
                }
                Err(e) => return Err(e).context("verifying payment"),
            };
            self.stock.after(&updated.stock, now).await?;
            if !self.follow_up(id, &updated).await? {
                return Ok(());
            }
        }
        Err(anyhow!(
            "order {id}: stock kept changing while reserving it"
        ))
    }

    /// Acts on the verification's outcome; `true` when it should run again (stock for a
    /// backordered line arrived while this order was being backordered).
    async fn follow_up(
        &self,
        id: &OrderId,
        updated: &Updated<PaymentCheck>,
    ) -> anyhow::Result<bool> {
        match updated.outcome {
            PaymentCheck::OnHold => {
                tracing::info!(order_id = %id, "order is held for review; waiting for a person");
            }
            PaymentCheck::AwaitingPayment => {
                tracing::info!(order_id = %id, payment_status = %updated.order.payment_status, "awaiting payment");
            }
            PaymentCheck::Backordered => {
                self.notify_queue
                    .send(&Notification::about_order(
                        id.clone(),
                        NotificationEvent::Backordered,
                    ))
                    .await?;
                tracing::info!(order_id = %id, skus = ?updated.order.backordered_skus(), "backordered");
                // A restock that ran before this order joined the backorder queue missed it:
                // look again now that it is queued.
                return self.stock_arrived_for(&updated.order).await;
            }
            PaymentCheck::Verified | PaymentCheck::AlreadyVerified => {
                // Also on a repeat: the earlier run may have died before enqueueing.
                if updated.order.status == OrderStatus::ReadyToShip {
                    self.label_queue
                        .send(&OrderMessage {
                            order_id: id.clone(),
                        })
                        .await?;
                    tracing::info!(order_id = %id, "payment verified, stock reserved; label requested");
                }
            }
        }
        Ok(false)
    }

    /// Finishes (or undoes) order writes in steps that a worker died in the middle of, so their
    /// stock moves even when nothing writes those orders again, then announces the units freed by
    /// undone or recovered writes in steps to the orders waiting for them. Failures are logged;
    /// the next batch tries again.
    pub async fn finish_left_behind(&self) {
        if let Err(error) = self.orders.finish_left_behind(LEFT_BEHIND_PER_BATCH).await {
            tracing::warn!(%error, "could not look for order writes left behind");
        }
        let announced = async {
            for released in self
                .orders
                .released_left_behind(LEFT_BEHIND_PER_BATCH)
                .await?
            {
                for sku in &released.skus {
                    self.stock.restocked(sku).await?;
                }
                self.orders.announced(&released).await?;
            }
            anyhow::Ok(())
        };
        if let Err(error) = announced.await {
            tracing::warn!(%error, "could not announce released stock");
        }
    }

    async fn stock_arrived_for(&self, order: &Order) -> anyhow::Result<bool> {
        let view = self.inventory.view(&order.backordered_skus()).await?;
        Ok(view
            .available
            .values()
            .any(|by_location| by_location.values().any(|&units| units > 0)))
    }

    /// Stock of `sku` arrived: its backordered orders are retried oldest first while any of it is
    /// available. Orders that cannot take it (on hold, say) are passed over, not waited for.
    pub async fn restock(&self, sku: &str, now: DateTime<Utc>) -> anyhow::Result<()> {
        let waiting = self.inventory.backorders(sku, RESTOCK_BATCH).await?;
        let mut promoted = 0;
        for id in &waiting {
            if total_available(&self.inventory, sku).await? <= 0 {
                return Ok(());
            }
            self.verify(id, now).await?;
            let still_waiting = self
                .orders
                .get(id)
                .await?
                .is_some_and(|o| o.backordered_skus().contains(&sku));
            if !still_waiting {
                promoted += 1;
            }
        }
        if waiting.len() == RESTOCK_BATCH as usize && promoted > 0 {
            // More may wait: continue in a fresh message rather than run into the timeout.
            self.payment_queue
                .send(&Restock {
                    restocked_sku: sku.to_string(),
                })
                .await?;
        }
        Ok(())
    }
}
