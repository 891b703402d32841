//! What payment verification does with Stripe's news of an order's payment (`GatewayNews`, from
//! `POST /webhooks/stripe`). The payment's state is read from Stripe again, so the order follows
//! what the payment is now, however late, often or out of order the events came:
//!
//! - a payment still to be checked is verified as usual (paid, authorized, failed, waiting);
//! - an authorization captured in Stripe's dashboard is recorded as paid, one canceled there
//!   holds the order (`capture_failed`) before anything ships;
//! - refunds are taken in (ours marked made, the dashboard's recorded once);
//! - a dispute holds the order, or flags it once shipped, and staff are alerted.

use anyhow::anyhow;
use chrono::{DateTime, Utc};

use crate::domain::OrderId;
use crate::messages::GatewayNews;
use crate::payments::stripe::IntentStatus;
use crate::payments::stripe_event::PaymentNews;
use crate::stripe::StripeError;
use crate::workflow::payment::PaymentVerification;
use crate::workflow::refunds::{RefundFailure, Refunds};

impl PaymentVerification {
    /// "Look at this order": a canceled one has its Stripe payment voided or refunded (the
    /// channel canceled it), any other is verified.
    pub async fn look_at(
        &self,
        id: &OrderId,
        refunds: &Refunds,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        match refunds.after_cancel(id, now).await {
            Ok(()) | Err(RefundFailure::NotFound) => {}
            Err(e) => return Err(anyhow!("giving a canceled order's payment back: {e}")),
        }
        self.verify(id, now).await
    }

    pub async fn take_news(
        &self,
        news: &GatewayNews,
        refunds: &Refunds,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let id = &news.news_for;
        let Some(order) = self.orders.get(id).await? else {
            return Ok(());
        };
        // The lookup names the order, but the order must name the payment too.
        if order.payment.as_ref().map(|p| p.payment_intent.as_str())
            != Some(news.payment_intent.as_str())
        {
            tracing::warn!(order_id = %id, payment_intent = news.payment_intent, "news about a payment the order does not name");
            return Ok(());
        }
        match &news.news {
            PaymentNews::Disputed(dispute) => {
                let recorded = self.update(id, |o| o.record_dispute(dispute, now)).await?;
                if recorded {
                    self.alert(
                        id,
                        &format!(
                            "payment disputed ({}, {}): answer it in Stripe",
                            dispute.id, dispute.reason
                        ),
                    )
                    .await?;
                }
                Ok(())
            }
            PaymentNews::Refunded => refunds.take_from_gateway(id, now).await,
            PaymentNews::IntentChanged if order.payment_to_check().is_some() => {
                self.verify(id, now).await
            }
            PaymentNews::IntentChanged if order.payment_to_capture().is_some() => {
                self.authorization_changed(id, &news.payment_intent, now)
                    .await
            }
            PaymentNews::IntentChanged => Ok(()),
        }
    }

    /// An authorized payment changed at Stripe: captured there, or canceled (lapsed).
    async fn authorization_changed(
        &self,
        id: &OrderId,
        payment_intent: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let Some(stripe) = &self.gateway else {
            return Ok(());
        };
        let intent = match stripe.payment_intent(payment_intent).await {
            Ok(intent) => intent,
            Err(e @ StripeError::Unavailable(_)) => return Err(e.into()),
            Err(e) => {
                tracing::warn!(order_id = %id, error = %e, "Stripe would not say what became of the authorization");
                return Ok(());
            }
        };
        match intent.status {
            IntentStatus::Succeeded => {
                self.update(id, |o| o.record_capture(now)).await?;
            }
            IntentStatus::Canceled => {
                let why = "the authorization was canceled at Stripe (it lapsed, or was voided there): take the payment again or cancel the order";
                if self.update(id, |o| o.hold_failed_capture(why, now)).await? {
                    self.alert(id, &format!("capture impossible: {why}"))
                        .await?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// One change to the order; what it returned.
    async fn update(
        &self,
        id: &OrderId,
        mut change: impl FnMut(&mut crate::domain::Order) -> bool,
    ) -> anyhow::Result<bool> {
        let updated = self
            .orders
            .update(id, |o| Ok::<_, std::convert::Infallible>(change(o)))
            .await
            .map_err(|e| anyhow!("{e}"))?;
        Ok(updated.outcome)
    }
}
