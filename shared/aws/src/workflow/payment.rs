//! Payment verification: an open order whose payment is secured has its goods reserved and becomes
//! ready to ship; what no location has is backordered, and retried when stock arrives.
//!
//! Backorders are served oldest first. While orders wait for a SKU, its units go only through a
//! restock's pass over the waiting orders (oldest first; one that cannot take them is passed
//! over): an order arriving, or verified again, behind the queue joins it, and when units are
//! there it asks for a pass instead of taking them.

use anyhow::{anyhow, Context};
use chrono::{DateTime, Utc};

use crate::aws::order_store::{StoreError, UpdateError, Updated};
use crate::aws::velocity_store::VelocityStore;
use crate::aws::{InventoryStore, OrderStore, Queue};
use crate::domain::order::{GatewayOutcome, PaymentCheck};
use crate::domain::{Order, OrderId, OrderStatus};
use crate::messages::{Notification, NotificationEvent, OrderMessage, Restock};
use crate::payments::judge;
use crate::risk::{screen, RiskSettings};
use crate::stripe::{Stripe, StripeError};
use crate::workflow::stock::{total_available, StockFollowUp};

/// Re-plans after another order took the stock this one meant to reserve. Each loser of a race
/// sees the winner's write when it reads again, so this only runs out under a storm of orders
/// for one SKU; the message is then retried by the queue.
const MAX_PLANS: u64 = 25;
/// Backorders retried per restock message; more continue in a follow-up message. Small, so a
/// pass is short and a pass cut off by a timeout loses little.
const RESTOCK_BATCH: i32 = 10;
/// A retried restock hands on the ready orders among this many of the SKU's latest entries.
const HAND_ON_LOOKBACK: i32 = 50;
/// Orders written in steps by a worker that died, finished or undone per batch of messages.
const LEFT_BEHIND_PER_BATCH: i32 = 10;

/// Whose turn it is to take stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Turn {
    /// Anyone's: units of a SKU others wait for are theirs first.
    Queue,
    /// A restock's pass over the waiting orders, this one's turn now.
    Promotion,
}

#[derive(Clone)]
pub struct PaymentVerification {
    pub orders: OrderStore,
    pub inventory: InventoryStore,
    pub label_queue: Queue,
    pub notify_queue: Queue,
    pub payment_queue: Queue,
    pub stock: StockFollowUp,
    pub clock: crate::clock::Time,
    /// Where orders naming a gateway payment have it checked (none configured: such an order
    /// is held, never passed on the channel's word).
    pub gateway: Option<Stripe>,
    /// Screening before an order is released (its settings, and the velocity counters).
    pub risk: RiskSettings,
    pub velocity: VelocityStore,
}

impl PaymentVerification {
    pub async fn verify(&self, id: &OrderId, now: DateTime<Utc>) -> anyhow::Result<()> {
        self.verify_in_turn(id, now, Turn::Queue).await
    }

    /// Asks the gateway about the payment the order (as just read) still has to have checked
    /// and applies its answer; `true` when verification goes on (the money is secured, or there
    /// is nothing to check). A gateway that does not answer is an error, for the queue to retry:
    /// never a "failed".
    async fn check_with_gateway(&self, order: &Order, now: DateTime<Utc>) -> anyhow::Result<bool> {
        let Some(payment) = order.payment_to_check() else {
            return Ok(true);
        };
        let id = &order.id;
        let answer = match &self.gateway {
            Some(stripe) => stripe.payment_intent(&payment.payment_intent).await,
            None => Err(StripeError::Refused(
                "no Stripe key is configured (STRIPE_API_KEY)".into(),
            )),
        };
        let intent = match answer {
            Ok(intent) => intent,
            Err(e @ StripeError::Unavailable(_)) => return Err(e).context("asking Stripe"),
            Err(e) => {
                let why = e.to_string();
                let held = self
                    .orders
                    .update(id, |o| {
                        Ok::<_, std::convert::Infallible>(o.hold_unverified_payment(&why, now))
                    })
                    .await
                    .map_err(|e| anyhow!("{e}"))?;
                if held.outcome {
                    self.alert(id, &format!("payment unverified: {why}"))
                        .await?;
                }
                return Ok(false);
            }
        };
        let updated = self
            .orders
            .update(id, |o| {
                let verdict = judge(&intent, o.totals.total, &o.currency, o.payment_accepted);
                Ok::<_, std::convert::Infallible>(o.settle_with_gateway(&verdict, now))
            })
            .await
            .map_err(|e| anyhow!("{e}"))?;
        Ok(match updated.outcome {
            GatewayOutcome::Unchanged | GatewayOutcome::Secured => true,
            GatewayOutcome::Waiting => false,
            GatewayOutcome::Failed => {
                self.notify_queue
                    .send(&Notification::about_order(
                        id.clone(),
                        NotificationEvent::PaymentProblem,
                    ))
                    .await?;
                self.alert(id, "the payment failed").await?;
                false
            }
            GatewayOutcome::Held(why) => {
                self.alert(id, &format!("payment held: {why}")).await?;
                false
            }
        })
    }

    /// Screens the order (as just read) for risk, once, before it is released; `true` when
    /// verification goes on (not held). The card comes from the gateway, when it took the payment.
    async fn screen_risk(&self, order: &Order, now: DateTime<Utc>) -> anyhow::Result<bool> {
        if self.risk.hold_score == 0 || !order.to_screen() {
            return Ok(true);
        }
        let card = match (&order.payment, &self.gateway) {
            (Some(payment), Some(stripe)) => {
                match stripe.payment_intent(&payment.payment_intent).await {
                    Ok(intent) => intent.card,
                    Err(e @ StripeError::Unavailable(_)) => {
                        return Err(e).context("asking Stripe for the card")
                    }
                    Err(_) => None,
                }
            }
            _ => None,
        };
        let signals = order.risk_signals(card.as_ref());
        let keys = crate::risk::velocity::keys(&signals);
        let seen = self.velocity.seen(&keys, now).await?;
        let risk = screen(&signals, seen, &self.risk, now);
        let hold_score = self.risk.hold_score;
        let updated = self
            .orders
            .update(&order.id, |o| {
                Ok::<_, std::convert::Infallible>(o.record_risk(risk.clone(), hold_score, now))
            })
            .await
            .map_err(|e| anyhow!("{e}"))?;
        if updated.outcome {
            let why = updated
                .order
                .risk
                .as_ref()
                .map(|r| r.reasons())
                .unwrap_or_default();
            self.alert(&order.id, &format!("held for review: {why}"))
                .await?;
            return Ok(false);
        }
        Ok(updated.order.hold.is_none())
    }

    pub(crate) async fn alert(&self, id: &OrderId, occurrence: &str) -> anyhow::Result<()> {
        self.notify_queue
            .send(&Notification::staff_alert(
                id.clone(),
                occurrence.to_string(),
            ))
            .await?;
        Ok(())
    }

    async fn verify_in_turn(
        &self,
        id: &OrderId,
        now: DateTime<Utc>,
        turn: Turn,
    ) -> anyhow::Result<()> {
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
            if !self.check_with_gateway(&order, now).await? {
                return Ok(());
            }
            if !self.screen_risk(&order, now).await? {
                return Ok(());
            }
            let locations = self.inventory.locations().await?;
            let skus: Vec<&str> = order.lines.iter().map(|l| l.sku.as_str()).collect();
            let mut view = self.inventory.view(&skus).await?;
            if turn == Turn::Queue {
                for sku in self.queued_ahead(&order, &skus).await? {
                    if let Some(by_location) = view.available.get_mut(sku) {
                        by_location.values_mut().for_each(|units| *units = 0);
                    }
                }
            }
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
            if !self.follow_up(id, &updated, turn).await? {
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
        turn: Turn,
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
                // A restock that ran before this order joined the backorder queue missed it: now
                // that it is queued, units that are there get a pass over the queue, which
                // reaches this order in its turn. (In a pass, the pass goes on by itself.)
                if turn == Turn::Queue {
                    for sku in self.arrived_for(&updated.order).await? {
                        self.payment_queue
                            .send(&Restock {
                                restocked_sku: sku.to_string(),
                            })
                            .await?;
                    }
                }
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

    /// Hands the ready orders among `sku`'s latest reservations to the label queue.
    async fn hand_on_promoted(&self, sku: &str) -> anyhow::Result<()> {
        let mut seen: Vec<OrderId> = Vec::new();
        for entry in self.inventory.recent_entries(sku, HAND_ON_LOOKBACK).await? {
            let Some(id) = entry.order_id.filter(|_| entry.reserved_delta > 0) else {
                continue;
            };
            if seen.contains(&id) {
                continue;
            }
            seen.push(id.clone());
            let Some(order) = self.orders.get(&id).await? else {
                continue;
            };
            if order.status == OrderStatus::ReadyToShip && order.hold.is_none() {
                self.label_queue
                    .send(&OrderMessage { order_id: id })
                    .await?;
            }
        }
        Ok(())
    }

    /// The backordered SKUs of `order` some location has units of now.
    async fn arrived_for<'a>(&self, order: &'a Order) -> anyhow::Result<Vec<&'a str>> {
        let skus = order.backordered_skus();
        let view = self.inventory.view(&skus).await?;
        Ok(skus
            .into_iter()
            .filter(|sku| {
                view.available
                    .get(*sku)
                    .is_some_and(|by_location| by_location.values().any(|&units| units > 0))
            })
            .collect())
    }

    /// The SKUs of `order` that another order waits for: their units are not this order's to
    /// take outside a restock's pass.
    async fn queued_ahead<'a>(
        &self,
        order: &Order,
        skus: &[&'a str],
    ) -> anyhow::Result<Vec<&'a str>> {
        let mut ahead = Vec::new();
        for sku in skus {
            let head = self.inventory.backorders(sku, 1).await?;
            if head.first().is_some_and(|first| first != &order.id) {
                ahead.push(*sku);
            }
        }
        Ok(ahead)
    }

    /// Stock of `sku` arrived: its backordered orders are retried oldest first while any of it is
    /// available. Orders that cannot take it (on hold, say) are passed over, not waited for.
    ///
    /// `again` when this restock was tried before: a pass that died after promoting an order
    /// but before handing it to the label queue left it ready and forgotten (it has left the
    /// backorder queue), so the orders the SKU's latest reservations went to are handed on
    /// again first (the label queue's consumer buys each label once).
    pub async fn restock(&self, sku: &str, now: DateTime<Utc>, again: bool) -> anyhow::Result<()> {
        if again {
            self.hand_on_promoted(sku).await?;
        }
        let waiting = self.inventory.backorders(sku, RESTOCK_BATCH).await?;
        let mut promoted = 0;
        for id in &waiting {
            if total_available(&self.inventory, sku).await? <= 0 {
                return Ok(());
            }
            self.verify_in_turn(id, now, Turn::Promotion).await?;
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
