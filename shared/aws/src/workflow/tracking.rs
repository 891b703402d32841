//! Carrier tracking updates: move the parcel forward (never back), roll the order up, tell the
//! customer when it is out for delivery and when it arrives, and tell them and the merchant's staff
//! when it runs into trouble.

use anyhow::Context;
use chrono::{DateTime, Utc};

use crate::aws::order_store::UpdateError;
use crate::aws::{OrderStore, Queue, TransitStats};
use crate::carriers::TrackerEvent;
use crate::domain::estimate::transit_days;
use crate::domain::shipment::TrackingChange;
use crate::domain::TrackingStatus;
use crate::messages::{Notification, NotificationEvent};

#[derive(Clone)]
pub struct Tracking {
    pub orders: OrderStore,
    pub notify_queue: Queue,
    pub transit: TransitStats,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tracked {
    /// No shipment of ours has this tracking code.
    UnknownParcel,
    Applied(TrackingChange),
}

impl Tracking {
    pub async fn apply(&self, event: &TrackerEvent, now: DateTime<Utc>) -> anyhow::Result<Tracked> {
        let found = match &event.carrier {
            Some(carrier) => {
                self.orders
                    .find_by_tracking(carrier, &event.tracking_code)
                    .await?
            }
            None => {
                self.orders
                    .find_by_tracking_code(&event.tracking_code)
                    .await?
            }
        };
        let Some(found) = found else {
            tracing::warn!(tracking_code = %event.tracking_code, carrier = event.carrier.as_deref().unwrap_or("unnamed"), "tracking update for a parcel we do not know; ignored");
            return Ok(Tracked::UnknownParcel);
        };
        let result = self
            .orders
            .update(&found.order_id, |order| {
                let estimate = order
                    .shipment(&found.shipment_id)
                    .and_then(|s| s.estimated_delivery);
                order
                    .apply_tracking(&found.shipment_id, &event.update, now)
                    .map(|change| (change, estimate))
            })
            .await;
        let updated = match result {
            Ok(updated) => updated,
            Err(UpdateError::Rejected(e)) => {
                tracing::warn!(order_id = %found.order_id, error = %e, "tracking update not applicable");
                return Ok(Tracked::Applied(TrackingChange::Nothing));
            }
            Err(e) => return Err(e).context("applying tracking update"),
        };
        // Sent from the parcel's state, not from the change: a webhook redelivered after a crash
        // still gets the customer told, and the notifier sends one email per order, event and
        // shipment however often it is asked.
        let (change, estimate_before) = updated.outcome;
        let shipment = updated.order.shipment(&found.shipment_id);
        // A revised estimate moves the quiet-parcel check to the new date.
        if let Some(s) =
            shipment.filter(|s| updated.written && s.estimated_delivery != estimate_before)
        {
            crate::workflow::delays::schedule(&self.notify_queue, &found.order_id, s, now).await?;
        }
        // A delivery teaches us how long this route takes (counted when it happens, once): from
        // the carrier's first scan to its delivery scan, both on the carrier's clock, whose offset
        // from the truth cancels out (it is never compared with ours).
        if let (
            TrackingChange::StatusChanged {
                to: TrackingStatus::Delivered,
                ..
            },
            Some(s),
        ) = (change, shipment)
        {
            let first_scan = s.events.first().map(|e| e.at);
            if let (Some(route), Some(first), Some(delivered)) = (&s.route, first_scan, s.status_at)
            {
                let days = transit_days(first, delivered);
                if let Err(e) = self.transit.record(route, days).await {
                    tracing::warn!(error = %e, route, "transit time not recorded");
                }
            }
        }
        let status = shipment.map(|s| s.tracking_status);
        let late =
            shipment.is_some_and(|s| s.delayed_since.is_some() && !s.tracking_status.is_terminal());
        let events: &[NotificationEvent] = match status {
            Some(TrackingStatus::OutForDelivery) => &[NotificationEvent::OutForDelivery],
            Some(TrackingStatus::Delivered) => &[NotificationEvent::Delivered],
            Some(s) if s.is_exception() => &[
                NotificationEvent::DeliveryException,
                NotificationEvent::StaffAlert,
            ],
            _ => &[],
        };
        let delayed: &[NotificationEvent] = if late {
            &[NotificationEvent::Delayed]
        } else {
            &[]
        };
        for &event in events.iter().chain(delayed) {
            self.notify_queue
                .send(&Notification::about_shipment(
                    found.order_id.clone(),
                    event,
                    found.shipment_id.clone(),
                ))
                .await?;
        }
        tracing::info!(order_id = %found.order_id, shipment_id = %found.shipment_id, event_id = %event.event_id, status = %event.update.status, order_status = %updated.order.status, "tracking update applied");
        Ok(Tracked::Applied(change))
    }
}
