//! Buying a shipping label for a ready order, exactly once, and recording the shipment.
//!
//! Exactly once: a carrier shipment is created (free), then committed to on the order as its
//! pending label with a conditional write that also checks the order still needs that very parcel;
//! only then is it bought. A retry resumes the pending label (buying it, or finding it bought).

use anyhow::anyhow;
use chrono::{DateTime, Utc};

use crate::aws::order_store::UpdateError;
use crate::aws::{InventoryStore, OrderStore, PdfStore, Queue, TransitStats};
use crate::carrier::{choose_rate, CarrierError, CarrierShipment, Carriers, ShipmentRequest};
use crate::domain::estimate::route_key;
use crate::domain::order::PendingLabel;
use crate::domain::shipment::ShipmentLine;
use crate::domain::shipping_limits::ShippingLimits;
use crate::domain::Address;
use crate::domain::{Order, OrderId, OrderStatus, Shipment, ShipmentId, TrackingStatus};
use crate::inventory::location::DEFAULT_LOCATION;
use crate::inventory::LocationId;
use crate::messages::{Notification, NotificationEvent};
use crate::payments::minor_units;
use crate::payments::stripe::{Intent, IntentStatus};
use crate::stripe::{Stripe, StripeError};

#[derive(Clone)]
pub struct LabelPurchase {
    pub orders: OrderStore,
    pub inventory: InventoryStore,
    pub carrier: Carriers,
    pub labels: PdfStore,
    pub notify_queue: Queue,
    pub ship_from: Address,
    pub transit: TransitStats,
    /// Days a rate must promise delivery within when the order names no service we offer.
    pub delivery_window_days: u32,
    /// Beyond these a parcel waits for a person instead of being bought.
    pub limits: ShippingLimits,
    /// Where an authorized gateway payment is captured before the first label is bought.
    pub gateway: Option<Stripe>,
}

/// What buying the pending label came to.
enum Purchase {
    Bought(Box<CarrierShipment>),
    /// Too dear for the order: held for a person, nothing bought.
    Implausible(String),
}

impl LabelPurchase {
    /// Buys a label for each part of the order still to ship (one parcel per location), one
    /// after the other, then announces them.
    pub async fn fulfill(&self, id: &OrderId, now: DateTime<Utc>) -> anyhow::Result<()> {
        loop {
            let order = self
                .orders
                .get(id)
                .await?
                .ok_or_else(|| anyhow!("order {id} does not exist"))?;
            if !self.ship_next(order, now).await? {
                return Ok(());
            }
        }
    }

    /// Buys the label of the order's next parcel; `false` when there is nothing (more) to buy.
    async fn ship_next(&self, order: Order, now: DateTime<Utc>) -> anyhow::Result<bool> {
        let id = &order.id;
        if order.pending_label.is_none() && !order.needs_label() {
            if order.shipments.is_empty()
                && order.unshipped_lines().is_empty()
                && order.status == OrderStatus::ReadyToShip
            {
                self.orders
                    .update(id, |o| o.fulfill_without_shipping(now))
                    .await
                    .map_err(flatten)?;
                return Ok(false);
            }
            // Done already, canceled, or waiting for a person or for money (a release or a
            // channel update starts it again). Re-announce shipments in case an earlier run died
            // between recording one and enqueueing its email; the notifier dedupes.
            self.announce(&order).await?;
            return Ok(false);
        }
        if !self.capture(&order, now).await? {
            return Ok(false);
        }
        let Some((location, lines)) = order.next_parcel() else {
            return Ok(false);
        };
        let ship_from = self.origin_of(&location).await?;
        let Some(pending) = self
            .commit_to_shipment(&order, &location, &lines, &ship_from, now)
            .await?
        else {
            tracing::info!(order_id = %id, "order no longer needs this label; nothing bought");
            return Ok(false);
        };
        let bought = match self.buy(&order, &pending).await {
            Ok(Purchase::Bought(bought)) => *bought,
            Ok(Purchase::Implausible(problem)) => {
                self.hold_for_a_person(id, Hold::Implausible(&problem), now)
                    .await?;
                return Ok(false);
            }
            Err(CarrierError::Rejected(reason)) => {
                self.hold_for_a_person(id, Hold::Refused(&reason), now)
                    .await?;
                return Ok(false);
            }
            Err(e) => return Err(e.into()),
        };
        let (Some(tracking_code), Some(label), Some(rate)) = (
            bought.tracking_code.clone(),
            bought.postage_label.clone(),
            bought.selected_rate.clone(),
        ) else {
            return Err(anyhow!(
                "carrier shipment {} bought but incomplete",
                bought.id
            ));
        };

        let shipment_id = ShipmentId::for_carrier_shipment("easypost", &bought.id);
        let label_key = format!("labels/{id}/{shipment_id}.pdf");
        let pdf = self.carrier.download_label(&label.label_url).await?;
        self.labels.put_pdf(&label_key, pdf).await?;

        let to_country = order
            .shipping_address
            .as_ref()
            .map_or("", |a| a.country.as_str());
        let route = route_key(&rate.carrier, &rate.service, &ship_from.country, to_country);
        // Our own history of this route when it has enough deliveries, else the service's nominal
        // days; the carrier's estimate replaces either once tracking starts.
        let history = match self.transit.history(&route).await {
            Ok(history) => history.estimate(now),
            Err(e) => {
                tracing::warn!(error = %e, route, "transit history unavailable; using nominal days");
                None
            }
        };
        let estimated_delivery = history.or_else(|| {
            rate.delivery_days
                .map(|days| now + chrono::Duration::days(i64::from(days)))
        });
        let shipment = Shipment {
            id: shipment_id.clone(),
            carrier: rate.carrier,
            service: rate.service,
            rate: rate.rate,
            carrier_shipment_id: bought.id.clone(),
            tracking_code,
            tracking_status: TrackingStatus::PreTransit,
            status_at: None,
            progress: Default::default(),
            voided_at: None,
            estimated_delivery,
            label_key,
            lines,
            events: Vec::new(),
            created_at: now,
            delayed_since: None,
            route: Some(route),
            location: Some(location),
        };
        let updated = self
            .orders
            .update(id, |o| o.record_shipment(shipment.clone(), now))
            .await
            .map_err(flatten)?;
        tracing::info!(order_id = %id, shipment_id = %shipment_id, tracking_code = %shipment.tracking_code, "label bought");
        if updated.written {
            crate::workflow::delays::schedule(&self.notify_queue, id, &shipment, now).await?;
        }
        self.announce(&updated.order).await?;
        Ok(true)
    }

    /// Captures an authorized gateway payment before anything is bought for the order: `true`
    /// when the goods may go (captured now or before, or nothing to capture). Its Idempotency-Key
    /// is the order's, so two workers or a retry capture once; a capture refused because an
    /// earlier one went through (its answer lost) is told apart by the intent's status. One that
    /// cannot be captured (a lapsed authorization) holds the order and alerts staff.
    async fn capture(&self, order: &Order, now: DateTime<Utc>) -> anyhow::Result<bool> {
        let Some(payment) = order.payment_to_capture() else {
            return Ok(true);
        };
        let id = &order.id;
        let pi = &payment.payment_intent;
        let captured = match &self.gateway {
            None => Err("no Stripe key is configured (STRIPE_API_KEY)".to_string()),
            Some(stripe) => {
                let amount = minor_units(order.totals.total, &order.currency).ok_or_else(|| {
                    anyhow!("order {id}: its total is no whole number of minor units")
                })?;
                match stripe.capture(pi, amount, &format!("capture-{id}")).await {
                    Ok(intent) => succeeded(&intent),
                    Err(StripeError::Unavailable(e)) => return Err(anyhow!("capturing {pi}: {e}")),
                    Err(refused) => match stripe.payment_intent(pi).await {
                        Ok(intent) => succeeded(&intent).map_err(|e| format!("{refused}; {e}")),
                        Err(StripeError::Unavailable(e)) => {
                            return Err(anyhow!("reading {pi} after a refused capture: {e}"))
                        }
                        Err(e) => Err(format!("{refused}; {e}")),
                    },
                }
            }
        };
        match captured {
            Ok(()) => {
                self.orders
                    .update(id, |o| {
                        Ok::<_, std::convert::Infallible>(o.record_capture(now))
                    })
                    .await
                    .map_err(flatten)?;
                tracing::info!(order_id = %id, payment_intent = %pi, "payment captured");
                Ok(true)
            }
            Err(why) => {
                let why = format!("the payment {pi} could not be captured: {why}");
                tracing::warn!(order_id = %id, why, "capture failed; order held");
                let held = self
                    .orders
                    .update(id, |o| {
                        Ok::<_, std::convert::Infallible>(o.hold_failed_capture(&why, now))
                    })
                    .await
                    .map_err(flatten)?;
                if held.outcome {
                    self.notify_queue
                        .send(&Notification::staff_alert(id.clone(), why))
                        .await?;
                }
                Ok(false)
            }
        }
    }

    /// Where a location's parcels leave from: its address, or the configured ship-from address
    /// for the default location when the merchant has not set it up.
    async fn origin_of(&self, location: &LocationId) -> anyhow::Result<Address> {
        match self.inventory.location(location).await? {
            Some(found) => Ok(found.address),
            None if location.as_str() == DEFAULT_LOCATION => Ok(self.ship_from.clone()),
            None => Err(anyhow!("location {location} does not exist")),
        }
    }

    /// The carrier shipment this order is committed to buying: the one an earlier attempt
    /// committed to, else a new one, committed to only if the order still needs exactly `lines`.
    async fn commit_to_shipment(
        &self,
        order: &Order,
        location: &LocationId,
        lines: &[ShipmentLine],
        ship_from: &Address,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<PendingLabel>> {
        if let Some(pending) = &order.pending_label {
            return Ok(Some(pending.clone()));
        }
        let Some(to) = order.shipping_address.as_ref() else {
            return Ok(None);
        };
        let weight_grams = order.weight_grams(lines);
        if let Err(problem) = self.limits.check_weight(order, weight_grams) {
            self.hold_for_a_person(&order.id, Hold::Implausible(&problem), now)
                .await?;
            return Ok(None);
        }
        let created = match self
            .carrier
            .create_shipment(&ShipmentRequest {
                reference: order.id.as_str(),
                from: ship_from,
                to,
                weight_grams,
            })
            .await
        {
            Ok(created) => created,
            Err(CarrierError::Rejected(reason)) => {
                self.hold_for_a_person(&order.id, Hold::Refused(&reason), now)
                    .await?;
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        };
        // An unbought carrier shipment costs nothing: one that loses this race is just dropped.
        let committed = self
            .orders
            .update(&order.id, |o| {
                Ok::<_, std::convert::Infallible>(o.start_label(&created.id, location, lines, now))
            })
            .await
            .map_err(flatten)?;
        Ok(committed.outcome)
    }

    /// Buys the pending label, or finds it bought by an earlier attempt.
    async fn buy(&self, order: &Order, pending: &PendingLabel) -> Result<Purchase, CarrierError> {
        let shipment = self.carrier.shipment(&pending.carrier_shipment_id).await?;
        if shipment.tracking_code.is_some() && shipment.postage_label.is_some() {
            return Ok(Purchase::Bought(Box::new(shipment)));
        }
        let rate = choose_rate(
            &shipment.rates,
            order.shipping_method.as_deref(),
            self.delivery_window_days,
        )
        .ok_or_else(|| CarrierError::Rejected("the carrier offered no rates".into()))?;
        if let Err(problem) = self
            .limits
            .check_rate(rate.rate, rate.currency.as_deref(), order)
        {
            return Ok(Purchase::Implausible(problem));
        }
        let bought = match self.carrier.buy(&shipment.id, &rate.id).await {
            // Another attempt bought this same shipment meanwhile (the carrier refuses a second
            // purchase): that label is the one.
            Err(CarrierError::Rejected(reason)) => {
                let again = self.carrier.shipment(&shipment.id).await?;
                if again.tracking_code.is_some() && again.postage_label.is_some() {
                    Ok(again)
                } else {
                    Err(CarrierError::Rejected(reason))
                }
            }
            result => result,
        };
        bought.map(|b| Purchase::Bought(Box::new(b)))
    }

    async fn announce(&self, order: &Order) -> anyhow::Result<()> {
        for shipment in &order.shipments {
            self.notify_queue
                .send(&Notification::about_shipment(
                    order.id.clone(),
                    NotificationEvent::Shipped,
                    shipment.id.clone(),
                ))
                .await?;
        }
        Ok(())
    }

    /// A label the carrier will not sell (an address it cannot deliver to, say), or one too
    /// heavy or dear for the order, needs a person, not retries: the order is held and staff are
    /// told; releasing the hold tries again (past the limits, for an implausible one).
    async fn hold_for_a_person(
        &self,
        id: &OrderId,
        why: Hold<'_>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        let updated = self
            .orders
            .update(id, |o| {
                match why {
                    Hold::Refused(reason) => {
                        tracing::error!(order_id = %id, reason, "label refused by the carrier; order held");
                        o.refuse_label(reason, now);
                    }
                    Hold::Implausible(problem) => {
                        tracing::warn!(order_id = %id, problem, "implausible parcel; order held");
                        o.hold_implausible_shipment(problem, now);
                    }
                }
                Ok::<_, std::convert::Infallible>(o.hold.as_ref().map(|h| h.since))
            })
            .await
            .map_err(flatten)?;
        if let Some(since) = updated.outcome {
            self.notify_queue
                .send(&Notification::staff_alert(id.clone(), since.to_rfc3339()))
                .await?;
        }
        Ok(())
    }
}

/// Whether the intent's money is taken.
fn succeeded(intent: &Intent) -> Result<(), String> {
    match intent.status {
        IntentStatus::Succeeded => Ok(()),
        other => Err(format!("Stripe says it is {other:?}")),
    }
}

/// Why a label waits for a person.
#[derive(Clone, Copy)]
enum Hold<'a> {
    Refused(&'a str),
    Implausible(&'a str),
}

fn flatten<E: std::error::Error + Send + Sync + 'static>(e: UpdateError<E>) -> anyhow::Error {
    anyhow::Error::new(e).context("updating order")
}
