//! Buying a shipping label for a ready order, exactly once, and recording the shipment.

use anyhow::anyhow;
use chrono::{DateTime, Utc};

use crate::aws::order_store::UpdateError;
use crate::aws::{LabelStore, OrderStore, Queue};
use crate::domain::status::IllegalTransition;
use crate::domain::{Address, Order, OrderId, OrderStatus, Shipment, ShipmentId, TrackingStatus};
use crate::easypost_api::{
    choose_rate, CarrierError, CarrierShipment, EasyPostClient, ShipmentRequest,
};
use crate::messages::{Notification, NotificationEvent};

#[derive(Clone)]
pub struct LabelPurchase {
    pub orders: OrderStore,
    pub carrier: EasyPostClient,
    pub labels: LabelStore,
    pub notify_queue: Queue,
    pub ship_from: Address,
}

impl LabelPurchase {
    pub async fn fulfill(&self, id: &OrderId, now: DateTime<Utc>) -> anyhow::Result<()> {
        let order = self
            .orders
            .get(id)
            .await?
            .ok_or_else(|| anyhow!("order {id} does not exist"))?;
        if !matches!(
            order.status,
            OrderStatus::ReadyToShip | OrderStatus::PartiallyShipped
        ) {
            // Done already (or canceled). Re-announce shipments in case an earlier run died
            // between recording a shipment and enqueueing its email; the notifier dedupes.
            self.announce(&order).await?;
            return Ok(());
        }
        let lines = order.unshipped_lines();
        if lines.is_empty() {
            self.orders
                .update(id, |o| o.fulfill_without_shipping(now))
                .await
                .map_err(flatten)?;
            return Ok(());
        }
        let Some(to) = order.shipping_address.clone() else {
            self.note_failure(
                id,
                "the order has goods to ship but no shipping address",
                now,
            )
            .await?;
            return Ok(());
        };

        let carrier_shipment = match self.carrier_shipment(&order, &to, now).await {
            Ok(s) => s,
            Err(CarrierError::Rejected(reason)) => {
                self.note_failure(id, &reason, now).await?;
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        let bought = match self.buy(&order, carrier_shipment).await {
            Ok(s) => s,
            Err(CarrierError::Rejected(reason)) => {
                self.note_failure(id, &reason, now).await?;
                return Ok(());
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

        let shipment = Shipment {
            id: shipment_id.clone(),
            carrier: rate.carrier,
            service: rate.service,
            rate: rate.rate,
            carrier_shipment_id: bought.id.clone(),
            tracking_code,
            tracking_status: TrackingStatus::PreTransit,
            status_at: Some(now),
            estimated_delivery: None,
            label_key,
            lines,
            events: Vec::new(),
            created_at: now,
        };
        let updated = self
            .orders
            .update(id, |o| o.record_shipment(shipment.clone(), now))
            .await
            .map_err(flatten)?;
        tracing::info!(order_id = %id, shipment_id = %shipment_id, tracking_code = %shipment.tracking_code, "label bought");
        self.announce(&updated.order).await
    }

    /// The carrier shipment to buy: the one an earlier attempt created, else a new one, remembered
    /// on the order before anything is bought.
    async fn carrier_shipment(
        &self,
        order: &Order,
        to: &Address,
        now: DateTime<Utc>,
    ) -> Result<CarrierShipment, CarrierError> {
        if let Some(pending) = &order.pending_label {
            return self.carrier.shipment(&pending.carrier_shipment_id).await;
        }
        let lines = order.unshipped_lines();
        let created = self
            .carrier
            .create_shipment(&ShipmentRequest {
                reference: order.id.as_str(),
                from: &self.ship_from,
                to,
                weight_grams: order.weight_grams(&lines),
            })
            .await?;
        let created_id = created.id.clone();
        let kept = self
            .orders
            .update(&order.id, |o| {
                if o.pending_label.is_none() {
                    o.remember_pending_label(&created_id, now);
                }
                Ok::<_, IllegalTransition>(o.pending_label.clone())
            })
            .await
            .map_err(|e| CarrierError::Transient(e.to_string()))?;
        match kept.outcome {
            // Someone else got there first: continue with theirs (an unbought shipment costs nothing).
            Some(p) if p.carrier_shipment_id != created.id => {
                self.carrier.shipment(&p.carrier_shipment_id).await
            }
            _ => Ok(created),
        }
    }

    async fn buy(
        &self,
        order: &Order,
        shipment: CarrierShipment,
    ) -> Result<CarrierShipment, CarrierError> {
        if shipment.tracking_code.is_some() && shipment.postage_label.is_some() {
            return Ok(shipment); // bought by an earlier attempt
        }
        let rate = choose_rate(&shipment.rates, order.shipping_method.as_deref())
            .ok_or_else(|| CarrierError::Rejected("the carrier offered no rates".into()))?;
        self.carrier.buy(&shipment.id, &rate.id).await
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

    /// A label the carrier will not sell (bad address, say) needs a person, not retries.
    async fn note_failure(
        &self,
        id: &OrderId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<()> {
        tracing::error!(order_id = %id, reason, "label purchase refused; order needs attention");
        let detail = format!("Label purchase refused: {reason}");
        self.orders
            .update(id, |o| {
                if o.timeline.last().is_none_or(|t| t.detail != detail) {
                    o.note("label_failed", detail.clone(), now);
                }
                Ok::<_, IllegalTransition>(())
            })
            .await
            .map_err(flatten)?;
        Ok(())
    }
}

fn flatten<E: std::error::Error + Send + Sync + 'static>(e: UpdateError<E>) -> anyhow::Error {
    anyhow::Error::new(e).context("updating order")
}
