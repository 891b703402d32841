//! Customer emails: one per order, event and shipment, however often the message is delivered.

use std::time::Duration;

use anyhow::{anyhow, Context};
use chrono::{DateTime, Utc};

use crate::aws::cart_store::{CartState, CartStore};
use crate::aws::later::Later;
use crate::aws::{
    Claim, IdempotencyStore, InventoryStore, MailError, Mailer, OrderStore, PreferenceStore,
};
use crate::domain::review::is_plausible_email;
use crate::domain::status::IllegalTransition;
use crate::messages::{
    CartReminder, DelayCheck, ExportReady, Notification, NotificationEvent, ReorderRequest,
};
use crate::notifications::{
    render, render_cart_reminder, render_export_ready, render_low_stock_alert, render_reorder,
    Branding, ReorderInfo,
};

/// Longer than one send takes, shorter than the queue's visibility timeout.
const LEASE: Duration = Duration::from_secs(30);

/// How long a copy waits, in doubling steps, for another worker already sending its email: a send
/// takes milliseconds, and failing at once would spend one of the message's receives (copies of
/// a notification often arrive together). Well inside the function's timeout.
const HOLDER_WAITS: [Duration; 4] = [
    Duration::from_millis(250),
    Duration::from_millis(500),
    Duration::from_secs(1),
    Duration::from_secs(2),
];

#[derive(Clone)]
pub struct Notifier {
    pub orders: OrderStore,
    pub claims: IdempotencyStore,
    pub mailer: Mailer,
    pub branding: Branding,
    pub preferences: PreferenceStore,
    pub inventory: InventoryStore,
    pub carts: CartStore,
    /// Where cart reminders and delay checks not yet due go back to wait, until they are.
    pub later: Later,
    /// How long a checkout stays unchanged and unconverted before its shopper is reminded.
    pub cart_reminder_after: chrono::Duration,
    /// Emails sent, by event.
    pub metrics: crate::metrics::Metrics,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notified {
    Sent,
    AlreadySent,
    /// SES will never take it; recorded on the order's timeline instead of retried forever.
    Undeliverable,
    /// The customer does not want this kind of email.
    OptedOut,
    /// Nothing to send (a checkout that became an order), or not yet (a reminder not due).
    NotNeeded,
}

fn recipient(n: &Notification) -> &'static str {
    match n.event {
        crate::messages::NotificationEvent::StaffAlert => "staff",
        _ => "the customer",
    }
}

impl Notifier {
    /// Claims an email's key: `Proceed` to send it, `AlreadyDone` when it went out. While another
    /// worker holds the claim, waits a little for it to finish before giving the message back.
    /// Marks an email's claim done when it was sent (or can never be), or frees it for a retry
    /// when sending failed for now.
    async fn settle(&self, key: &str, sent: &anyhow::Result<Notified>) {
        let settled = match sent {
            Ok(_) => self.claims.complete(key).await,
            Err(_) => self.claims.release(key).await,
        };
        if let Err(e) = settled {
            tracing::warn!(key, error = %e, "email claim not settled");
        }
    }

    async fn claim_email(&self, key: &str) -> anyhow::Result<Claim> {
        for wait in HOLDER_WAITS {
            match self.claims.claim(key, LEASE).await? {
                Claim::InProgress => tokio::time::sleep(wait).await,
                settled => return Ok(settled),
            }
        }
        match self.claims.claim(key, LEASE).await? {
            Claim::InProgress => Err(anyhow!("email {key} is being sent by another worker")),
            settled => Ok(settled),
        }
    }

    pub async fn notify(&self, n: &Notification, now: DateTime<Utc>) -> anyhow::Result<Notified> {
        let key = n.idempotency_key();
        if self.claim_email(&key).await? == Claim::AlreadyDone {
            return Ok(Notified::AlreadySent);
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
            Ok((Notified::Sent, detail)) => {
                self.metrics
                    .count("EmailsSent", ("Event", n.event.as_str()));
                ("email_sent", detail.clone())
            }
            Ok((Notified::OptedOut | Notified::NotNeeded, detail)) => {
                ("email_skipped", detail.clone())
            }
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

    /// A parcel's estimate has come (or the check waits again): still on its way, the order is
    /// flagged and the customer told it is running late, once.
    pub async fn delay_check(
        &self,
        check: &DelayCheck,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Notified> {
        let Some(shipment) = self
            .orders
            .shipment(&check.delay_order_id, &check.delay_shipment_id)
            .await?
        else {
            return Ok(Notified::NotNeeded);
        };
        // A moved estimate scheduled its own check; a finished parcel needs none.
        if shipment.estimated_delivery != Some(check.due) || shipment.tracking_status.is_terminal()
        {
            return Ok(Notified::NotNeeded);
        }
        // Already flagged (by a run that may have died before emailing): just the email, which
        // the notifier sends once.
        if shipment.delayed_since.is_none() {
            if now <= check.due {
                let due = check.due + chrono::Duration::seconds(1);
                self.later.send_at("delay", check, due, now).await?;
                return Ok(Notified::NotNeeded);
            }
            self.orders
                .update(&check.delay_order_id, |o| {
                    o.check_parcel_delay(&check.delay_shipment_id, now)
                })
                .await
                .context("flagging a late parcel")?;
        }
        tracing::info!(order_id = %check.delay_order_id, shipment_id = %check.delay_shipment_id, "parcel past its estimate without news; customer told");
        self.notify(
            &Notification::about_shipment(
                check.delay_order_id.clone(),
                NotificationEvent::Delayed,
                check.delay_shipment_id.clone(),
            ),
            now,
        )
        .await
    }

    /// A checkout's reminder: not yet due, it waits again in the queue; due and the checkout still
    /// open, the cart becomes `abandoned` and its shopper gets one email.
    pub async fn cart_reminder(
        &self,
        reminder: &CartReminder,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Notified> {
        let (channel, token) = (reminder.cart_channel, reminder.cart_token.as_str());
        let Some(mut stored) = self.carts.get(channel, token).await? else {
            return Ok(Notified::NotNeeded);
        };
        if stored.state == CartState::Open {
            // From its latest version's arrival, by our clock.
            let received = stored.received_at.unwrap_or(stored.cart.channel_updated_at);
            let due = received + self.cart_reminder_after;
            if now < due {
                self.later.send_at("cart", reminder, due, now).await?;
                return Ok(Notified::NotNeeded);
            }
            if !self
                .carts
                .close(channel, token, CartState::Abandoned, now)
                .await?
            {
                stored = self
                    .carts
                    .get(channel, token)
                    .await?
                    .ok_or_else(|| anyhow!("cart {token} vanished"))?;
            } else {
                stored.state = CartState::Abandoned;
            }
        }
        if stored.state != CartState::Abandoned {
            return Ok(Notified::NotNeeded);
        }
        // Abandoned (by this run or one that died before sending): one email, claimed.
        let Some(email) = render_cart_reminder(&stored.cart, &self.branding) else {
            return Ok(Notified::Undeliverable);
        };
        if !is_plausible_email(&email.to) {
            return Ok(Notified::Undeliverable);
        }
        if !self.preferences.accepts_non_essential(&email.to).await? {
            return Ok(Notified::OptedOut);
        }
        let key = format!("email#cart#{}#{token}", channel.as_str());
        if self.claim_email(&key).await? == Claim::AlreadyDone {
            return Ok(Notified::AlreadySent);
        }
        let sent = match self.mailer.send(&email).await {
            Ok(message_id) => {
                tracing::info!(cart = token, %message_id, "abandoned cart reminder sent");
                Ok(Notified::Sent)
            }
            Err(MailError::Rejected(reason)) => {
                tracing::error!(cart = token, %reason, "cart reminder undeliverable");
                Ok(Notified::Undeliverable)
            }
            Err(e @ MailError::Transient(_)) => Err(anyhow::Error::from(e)),
        };
        self.settle(&key, &sent).await;
        sent
    }

    /// Asks a SKU's supplier (or, without one, the ops address) to restock, once per crossing
    /// of its reorder point.
    pub async fn reorder(&self, request: &ReorderRequest) -> anyhow::Result<Notified> {
        let key = request.idempotency_key();
        if self.claim_email(&key).await? == Claim::AlreadyDone {
            return Ok(Notified::AlreadySent);
        }
        let sent = self.send_reorder(request).await;
        self.settle(&key, &sent).await;
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
        let mut emails = vec![render_reorder(&info, &self.branding)];
        if info.supplier_email != self.branding.ops_email {
            emails.push(render_low_stock_alert(&info, &self.branding));
        }
        let mut outcome = Notified::Sent;
        for email in &emails {
            match self.mailer.send(email).await {
                Ok(message_id) => {
                    tracing::info!(sku, %message_id, "low stock email sent")
                }
                Err(MailError::Rejected(reason)) => {
                    tracing::error!(sku, %reason, "low stock email undeliverable");
                    outcome = Notified::Undeliverable;
                }
                Err(e @ MailError::Transient(_)) => return Err(e.into()),
            }
        }
        Ok(outcome)
    }

    /// Tells who asked for an orders export that it is ready, once.
    pub async fn export_ready(&self, ready: &ExportReady) -> anyhow::Result<Notified> {
        let key = ready.idempotency_key();
        if self.claim_email(&key).await? == Claim::AlreadyDone {
            return Ok(Notified::AlreadySent);
        }
        let to = ready.to.as_deref().unwrap_or(&self.branding.ops_email);
        let email = render_export_ready(&ready.ready_export_id, ready.orders, to, &self.branding);
        let sent = match self.mailer.send(&email).await {
            Ok(message_id) => {
                tracing::info!(export = ready.ready_export_id, %message_id, "export ready email sent");
                Ok(Notified::Sent)
            }
            Err(MailError::Rejected(reason)) => {
                tracing::error!(export = ready.ready_export_id, %reason, "export ready email undeliverable");
                Ok(Notified::Undeliverable)
            }
            Err(e @ MailError::Transient(_)) => Err(e.into()),
        };
        self.settle(&key, &sent).await;
        sent
    }

    async fn send(&self, n: &Notification) -> anyhow::Result<(Notified, String)> {
        let order = self
            .orders
            .get(&n.order_id)
            .await?
            .ok_or_else(|| anyhow!("order {} does not exist", n.order_id))?;
        // A parcel delivered (or returned) since it was found late is not running late.
        let parcel_arrived = n
            .shipment_id
            .as_ref()
            .and_then(|id| order.shipment(id))
            .is_some_and(|s| s.tracking_status.is_terminal());
        if n.event == NotificationEvent::Delayed && parcel_arrived {
            return Ok((
                Notified::NotNeeded,
                "\"running late\" email dropped: the parcel has arrived".into(),
            ));
        }
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
