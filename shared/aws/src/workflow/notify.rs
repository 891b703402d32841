//! Customer emails: one per order, event and shipment, however often the message is delivered.

use std::time::Duration;

use anyhow::{anyhow, Context};
use chrono::{DateTime, Utc};

use crate::aws::{
    Claim, IdempotencyStore, InventoryStore, MailError, Mailer, OrderStore, PreferenceStore,
};
use crate::domain::review::is_plausible_email;
use crate::domain::status::IllegalTransition;
use crate::messages::{Notification, ReorderRequest};
use crate::notifications::{render, render_reorder, Branding, ReorderInfo};

/// Longer than one send takes, shorter than the queue's visibility timeout.
const LEASE: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct Notifier {
    pub orders: OrderStore,
    pub claims: IdempotencyStore,
    pub mailer: Mailer,
    pub branding: Branding,
    pub preferences: PreferenceStore,
    pub inventory: InventoryStore,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notified {
    Sent,
    AlreadySent,
    /// SES will never take it; recorded on the order's timeline instead of retried forever.
    Undeliverable,
    /// The customer does not want this kind of email.
    OptedOut,
}

fn recipient(n: &Notification) -> &'static str {
    match n.event {
        crate::messages::NotificationEvent::StaffAlert => "staff",
        _ => "the customer",
    }
}

impl Notifier {
    pub async fn notify(&self, n: &Notification, now: DateTime<Utc>) -> anyhow::Result<Notified> {
        let key = n.idempotency_key();
        match self.claims.claim(&key, LEASE).await? {
            Claim::AlreadyDone => return Ok(Notified::AlreadySent),
            Claim::InProgress => {
                return Err(anyhow!("email {key} is being sent by another worker"))
            }
            Claim::Proceed => {}
        }
        let sent = self.send(n).await;
        match &sent {
            Ok(_) => {
                // The email is out: failing the message now would send it again after the lease.
                if let Err(e) = self.claims.complete(&key).await {
                    tracing::error!(key, error = %e, "email sent but its claim not completed");
                }
            }
            Err(_) => {
                if let Err(e) = self.claims.release(&key).await {
                    tracing::warn!(error = %e, "could not release claim; the retry waits for its lease");
                }
            }
        }
        let (kind, detail) = match &sent {
            Ok((Notified::Sent, detail)) => ("email_sent", detail.clone()),
            Ok((Notified::OptedOut, detail)) => ("email_skipped", detail.clone()),
            Ok((_, detail)) => ("email_failed", detail.clone()),
            Err(_) => return sent.map(|(outcome, _)| outcome),
        };
        // The email is out and the claim is done: a failure to note it must not cause a resend.
        if let Err(e) = self
            .orders
            .update(&n.order_id, |o| {
                o.note(kind, detail.clone(), now);
                Ok::<_, IllegalTransition>(())
            })
            .await
        {
            tracing::error!(order_id = %n.order_id, error = %e, "email sent but not noted on the timeline");
        }
        sent.map(|(outcome, _)| outcome)
    }

    /// Asks a SKU's supplier (or, without one, the ops address) to restock, once per crossing
    /// of its reorder point.
    pub async fn reorder(&self, request: &ReorderRequest) -> anyhow::Result<Notified> {
        let key = request.idempotency_key();
        match self.claims.claim(&key, LEASE).await? {
            Claim::AlreadyDone => return Ok(Notified::AlreadySent),
            Claim::InProgress => {
                return Err(anyhow!("email {key} is being sent by another worker"))
            }
            Claim::Proceed => {}
        }
        let sent = self.send_reorder(request).await;
        let settled = match &sent {
            Ok(_) => self.claims.complete(&key).await,
            Err(_) => self.claims.release(&key).await,
        };
        if let Err(e) = settled {
            tracing::warn!(key, error = %e, "reorder email claim not settled");
        }
        sent
    }

    async fn send_reorder(&self, request: &ReorderRequest) -> anyhow::Result<Notified> {
        let sku = request.reorder_sku.as_str();
        let stock = self.inventory.sku(sku).await?;
        let Some(reorder_point) = stock.settings.reorder_point else {
            tracing::info!(sku, "reorder point removed since; no request sent");
            return Ok(Notified::OptedOut);
        };
        let info = ReorderInfo {
            sku,
            supplier_email: stock
                .settings
                .supplier_email
                .as_deref()
                .unwrap_or(&self.branding.ops_email),
            reorder_point,
            available: stock.levels.iter().map(|l| l.available()).sum(),
            on_hand: stock.levels.iter().map(|l| l.on_hand).sum(),
        };
        let email = render_reorder(&info, &self.branding);
        match self.mailer.send(&email).await {
            Ok(message_id) => {
                tracing::info!(sku, %message_id, "reorder request sent");
                Ok(Notified::Sent)
            }
            Err(MailError::Rejected(reason)) => {
                tracing::error!(sku, %reason, "reorder request undeliverable");
                Ok(Notified::Undeliverable)
            }
            Err(e @ MailError::Transient(_)) => Err(e.into()),
        }
    }

    async fn send(&self, n: &Notification) -> anyhow::Result<(Notified, String)> {
        let order = self
            .orders
            .get(&n.order_id)
            .await?
            .ok_or_else(|| anyhow!("order {} does not exist", n.order_id))?;
        let email = render(&order, n, &self.branding).context("rendering email")?;
        // An order held for a missing or bad address still gets here: nothing to send to.
        if !is_plausible_email(&email.to) {
            return Ok((
                Notified::Undeliverable,
                format!("\"{}\" not sent: no valid email address", email.subject),
            ));
        }
        if !n.event.is_essential() && !self.preferences.accepts_non_essential(&email.to).await? {
            return Ok((
                Notified::OptedOut,
                format!(
                    "\"{}\" not sent: the customer opted out of non-essential email",
                    email.subject
                ),
            ));
        }
        match self.mailer.send(&email).await {
            Ok(message_id) => {
                tracing::info!(order_id = %order.id, event = n.event.as_str(), %message_id, "email sent");
                Ok((
                    Notified::Sent,
                    format!("\"{}\" emailed to {}", email.subject, recipient(n)),
                ))
            }
            Err(MailError::Rejected(reason)) => {
                tracing::error!(order_id = %order.id, event = n.event.as_str(), %reason, "email undeliverable");
                Ok((
                    Notified::Undeliverable,
                    format!("\"{}\" could not be sent: {reason}", email.subject),
                ))
            }
            Err(e @ MailError::Transient(_)) => Err(e.into()),
        }
    }
}
