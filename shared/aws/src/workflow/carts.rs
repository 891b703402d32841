//! Storefront checkouts: kept as carts; a new one starts its reminder's wait (see
//! `messages::CartReminder`), an order carrying its token converts it.

use chrono::{DateTime, Utc};

use crate::aws::cart_store::{CartState, CartStore, Saved};
use crate::aws::queue::MAX_DELAY_SECONDS;
use crate::aws::Queue;
use crate::domain::{Cart, Channel};
use crate::messages::CartReminder;

#[derive(Clone)]
pub struct Checkouts {
    pub carts: CartStore,
    pub notify_queue: Queue,
    pub reminder_after: chrono::Duration,
}

impl Checkouts {
    pub async fn receive(&self, cart: &Cart, now: DateTime<Utc>) -> anyhow::Result<Saved> {
        let stored = self.carts.save(cart, now).await?;
        if !stored.reminder_queued {
            // Due after the wait from when we received it, by our clock (the channel's stamp is
            // its own clock's claim). Later versions move the due time; the reminder reads the
            // cart when it comes back. Queued again if this delivery fails before noting it: the
            // reminder is sent once whatever number of them comes back.
            let wait = self
                .reminder_after
                .num_seconds()
                .clamp(0, i64::from(MAX_DELAY_SECONDS));
            self.notify_queue
                .send_after(
                    &CartReminder {
                        cart_channel: cart.channel,
                        cart_token: cart.token.clone(),
                    },
                    u32::try_from(wait).unwrap_or(MAX_DELAY_SECONDS),
                )
                .await?;
            self.carts
                .reminder_queued(cart.channel, &cart.token)
                .await?;
        }
        Ok(stored.saved)
    }

    /// An order was placed from this checkout: no reminder for it.
    pub async fn converted(
        &self,
        channel: Channel,
        token: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        if self
            .carts
            .close(channel, token, CartState::Converted, now)
            .await?
        {
            tracing::info!(cart = token, "checkout converted to an order");
        }
        Ok(())
    }
}
