//! Money given back through the gateway, exactly once (`POST /orders/{id}/refunds`, the balance an
//! edit left owed back, refunds made in Stripe's dashboard).
//!
//! 1. The refund is written on the order, `pending`, under an id derived from the order and the
//!    request's Idempotency-Key: the bound (never more than charged minus refunded) is checked in
//!    that conditional write, so two refunds at once cannot both take the last of the money.
//! 2. Stripe is asked for it with that id as Idempotency-Key and in its metadata; a refund
//!    already made for that id (its answer lost, a crash after it) is found first and not made
//!    again.
//! 3. The refund is marked made, the customer emailed (once per refund), and an invoiced order's
//!    invoices reissued: credit notes reverse them, new invoices bill what the customer keeps.
//!
//! A gateway that does not answer leaves the refund `pending`: the same request again resumes it.

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::aws::order_store::UpdateError;
use crate::aws::{OrderStore, Queue};
use crate::domain::order::{Refund, RefundError, RefundRequest, RefundState};
use crate::domain::{Order, OrderId};
use crate::messages::{Notification, NotificationEvent};
use crate::stripe::{Stripe, StripeError};
use crate::workflow::invoicing::Invoicing;

#[derive(Clone)]
pub struct Refunds {
    pub orders: OrderStore,
    /// None: no Stripe key is configured, and nothing can be refunded.
    pub gateway: Option<Stripe>,
    pub notify_queue: Queue,
    /// Where an invoiced order's invoices are reissued after a refund (credit notes reverse them,
    /// new invoices bill what is kept); none where the seller is not configured.
    pub invoicing: Option<Invoicing>,
}

#[derive(Debug, thiserror::Error)]
pub enum RefundFailure {
    #[error("no such order")]
    NotFound,
    #[error(transparent)]
    Refused(#[from] RefundError),
    /// The gateway said no (the charge was disputed or refunded in full already, say): nothing
    /// moved and the refund no longer counts.
    #[error("Stripe refused the refund: {0}")]
    GatewayRefused(String),
    /// The gateway did not answer: the refund stays pending; asking again resumes it.
    #[error("Stripe did not answer: {0}; the refund is pending, send the same request again")]
    GatewayUnavailable(String),
    #[error("{0}")]
    Unavailable(String),
}

impl<E: Into<RefundFailure>> From<UpdateError<E>> for RefundFailure {
    fn from(e: UpdateError<E>) -> Self {
        match e {
            UpdateError::NotFound(_) => Self::NotFound,
            UpdateError::Rejected(e) => e.into(),
            UpdateError::Store(e) => Self::Unavailable(e.to_string()),
        }
    }
}

impl From<std::convert::Infallible> for RefundFailure {
    fn from(never: std::convert::Infallible) -> Self {
        match never {}
    }
}

/// The refund id a request's Idempotency-Key stands for on this order.
pub fn refund_id(order: &OrderId, idempotency_key: &str) -> String {
    let digest = Sha256::digest(format!("{order}\n{idempotency_key}").as_bytes());
    format!("rf_{}", &hex::encode(digest)[..24])
}

/// What a request is, to tell a retry from another request under the same key.
pub fn fingerprint(request: &RefundRequest) -> String {
    let json = serde_json::to_vec(request).unwrap_or_default();
    hex::encode(&Sha256::digest(&json)[..16])
}

impl Refunds {
    /// Refunds what `request` asks for, once per Idempotency-Key.
    pub async fn refund(
        &self,
        id: &OrderId,
        request: &RefundRequest,
        idempotency_key: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(Order, Refund), RefundFailure> {
        let refund_id = refund_id(id, idempotency_key);
        let print = fingerprint(request);
        let opened = self
            .orders
            .update(id, |o| o.open_refund(&refund_id, request, &print, by, now))
            .await?;
        self.settle(opened.order, opened.outcome, now).await
    }

    /// Gives back what an edit left owed back (a negative `balance_due`), once.
    pub async fn settle_balance(
        &self,
        id: &OrderId,
        now: DateTime<Utc>,
    ) -> Result<Option<(Order, Refund)>, RefundFailure> {
        let order = self.orders.get(id).await.map_err(unavailable)?;
        let Some(order) = order else {
            return Err(RefundFailure::NotFound);
        };
        // One balance refund per edit that lowered the total: the version names the edit.
        let refund_id = refund_id(id, &format!("balance-{}", order.version));
        let opened = self
            .orders
            .update(id, |o| {
                Ok::<_, std::convert::Infallible>(o.open_balance_refund(&refund_id, now))
            })
            .await?;
        match opened.outcome {
            Some(refund) => self.settle(opened.order, refund, now).await.map(Some),
            None => Ok(None),
        }
    }

    /// Gives back the money of a canceled order through the gateway: the authorization voided,
    /// or what was taken refunded. Repeatable: what was done is not done again.
    pub async fn after_cancel(
        &self,
        id: &OrderId,
        now: DateTime<Utc>,
    ) -> Result<(), RefundFailure> {
        use crate::domain::{OrderStatus, PaymentStatus};
        let order = self
            .orders
            .get(id)
            .await
            .map_err(unavailable)?
            .ok_or(RefundFailure::NotFound)?;
        let (Some(payment), OrderStatus::Canceled) = (&order.payment, order.status) else {
            return Ok(());
        };
        match order.payment_status {
            PaymentStatus::Authorized | PaymentStatus::Pending => {
                let Some(stripe) = &self.gateway else {
                    return Err(RefundFailure::GatewayRefused(
                        "no Stripe key is configured (STRIPE_API_KEY)".into(),
                    ));
                };
                let pi = &payment.payment_intent;
                match stripe.cancel(pi, &format!("void-{id}")).await {
                    Ok(_) | Err(StripeError::NotFound(_)) => {}
                    Err(StripeError::Unavailable(why)) => {
                        return Err(RefundFailure::GatewayUnavailable(why))
                    }
                    // Refused: canceled before (a retry), or it can no longer be.
                    Err(StripeError::Refused(why)) => {
                        let now_at_stripe = stripe
                            .payment_intent(pi)
                            .await
                            .map_err(|e| RefundFailure::GatewayUnavailable(e.to_string()))?;
                        if now_at_stripe.status != crate::payments::stripe::IntentStatus::Canceled {
                            return Err(RefundFailure::GatewayRefused(why));
                        }
                    }
                }
                self.orders
                    .update(id, |o| {
                        Ok::<_, std::convert::Infallible>(o.record_void(now))
                    })
                    .await?;
                Ok(())
            }
            PaymentStatus::Paid | PaymentStatus::PartiallyRefunded => {
                let refund_id = refund_id(id, "cancellation");
                let opened = self
                    .orders
                    .update(id, |o| {
                        Ok::<_, std::convert::Infallible>(
                            o.open_cancellation_refund(&refund_id, now),
                        )
                    })
                    .await?;
                if let Some(refund) = opened.outcome {
                    self.settle(opened.order, refund, now).await?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Takes in the refunds Stripe has for the order's payment (ours made, others recorded):
    /// after `charge.refunded`, or to finish refunds a crash left pending.
    pub async fn take_from_gateway(&self, id: &OrderId, now: DateTime<Utc>) -> anyhow::Result<()> {
        let Some(order) = self.orders.get(id).await? else {
            return Ok(());
        };
        let (Some(payment), Some(stripe)) = (&order.payment, &self.gateway) else {
            return Ok(());
        };
        let at_stripe = stripe.refunds(&payment.payment_intent).await?;
        let updated = self
            .orders
            .update(id, |o| {
                let before: Vec<_> = o.refunds.iter().map(|r| (r.id.clone(), r.state)).collect();
                o.take_gateway_refunds(&at_stripe, now);
                Ok::<_, std::convert::Infallible>(
                    o.refunds
                        .iter()
                        .filter(|r| {
                            r.state == RefundState::Succeeded
                                && !before.contains(&(r.id.clone(), RefundState::Succeeded))
                        })
                        .map(|r| r.id.clone())
                        .collect::<Vec<_>>(),
                )
            })
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        for refund in updated.outcome {
            self.tell_customer(id, &refund).await?;
        }
        Ok(())
    }

    /// Has the gateway make a written-down refund (unless it made it already), and records it.
    async fn settle(
        &self,
        order: Order,
        refund: Refund,
        now: DateTime<Utc>,
    ) -> Result<(Order, Refund), RefundFailure> {
        if refund.state != RefundState::Pending {
            return Ok((order, refund));
        }
        let id = order.id.clone();
        let made = self.gateway_refund(&order, &refund).await;
        let made = match made {
            Ok(made) => made,
            Err(StripeError::Unavailable(why)) => {
                return Err(RefundFailure::GatewayUnavailable(why))
            }
            Err(refused) => {
                let why = refused.to_string();
                self.orders
                    .update(&id, |o| {
                        Ok::<_, std::convert::Infallible>(o.fail_refund(&refund.id, &why, now))
                    })
                    .await?;
                return Err(RefundFailure::GatewayRefused(why));
            }
        };
        let done = self
            .orders
            .update(&id, |o| {
                Ok::<_, std::convert::Infallible>(o.complete_refund(&refund.id, &made, now))
            })
            .await?;
        if done.outcome {
            self.tell_customer(&id, &refund.id)
                .await
                .map_err(unavailable)?;
            if let Some(invoicing) = &self.invoicing {
                // The money moved; invoices can be reissued by hand if this fails.
                if let Err(e) = invoicing.reissue_invoiced(&id).await {
                    tracing::warn!(order_id = %id, error = %e, "invoices not reissued after a refund");
                }
            }
        }
        let refund = done
            .order
            .refunds
            .iter()
            .find(|r| r.id == refund.id)
            .cloned()
            .unwrap_or(refund);
        Ok((done.order, refund))
    }

    /// The gateway's refund for `refund`: the one already made for it, else a new one.
    async fn gateway_refund(&self, order: &Order, refund: &Refund) -> Result<String, StripeError> {
        let (Some(payment), Some(stripe)) = (&order.payment, &self.gateway) else {
            return Err(StripeError::Refused(
                "no Stripe key is configured (STRIPE_API_KEY)".into(),
            ));
        };
        let pi = &payment.payment_intent;
        let made_before = stripe
            .refunds(pi)
            .await?
            .into_iter()
            .find(|r| r.oms_refund.as_deref() == Some(refund.id.as_str()) && r.status.counts());
        if let Some(made) = made_before {
            tracing::info!(order_id = %order.id, refund = refund.id, gateway_refund = made.id, "refund was made before");
            return Ok(made.id);
        }
        let amount = order.refund_minor_units(refund).ok_or_else(|| {
            StripeError::Refused(format!(
                "{} is not a whole number of minor units",
                refund.amount
            ))
        })?;
        Ok(stripe.refund(pi, amount, &refund.id).await?.id)
    }

    async fn tell_customer(&self, id: &OrderId, refund: &str) -> anyhow::Result<()> {
        self.notify_queue
            .send(&Notification {
                occurrence: Some(refund.to_string()),
                ..Notification::about_order(id.clone(), NotificationEvent::Refunded)
            })
            .await?;
        Ok(())
    }
}

fn unavailable(e: impl std::fmt::Display) -> RefundFailure {
    RefundFailure::Unavailable(e.to_string())
}
