//! What the carrier reports about a parcel, and a parcel running late.

use chrono::{DateTime, Utc};

use super::{Attention, Order};
use crate::domain::shipment::{TrackingChange, TrackingUpdate};
use crate::domain::status::IllegalTransition;
use crate::domain::{OrderStatus, ShipmentId, TrackingStatus};

impl Order {
    /// Applies a carrier update to one of this order's parcels and rolls the order up.
    pub fn apply_tracking(
        &mut self,
        shipment_id: &ShipmentId,
        update: &TrackingUpdate,
        now: DateTime<Utc>,
    ) -> Result<TrackingChange, TrackingError> {
        let shipment = self
            .shipments
            .iter_mut()
            .find(|s| &s.id == shipment_id)
            .ok_or_else(|| TrackingError::UnknownShipment(shipment_id.clone()))?;
        let change = shipment.apply(update);
        let code = shipment.tracking_code.clone();
        self.check_parcel_delay(shipment_id, now)?;
        match change {
            TrackingChange::Nothing => {}
            TrackingChange::EventsAdded => self.updated_at = now,
            TrackingChange::StatusChanged { from, to } => {
                let detail = match &update.detail {
                    Some(d) => format!("Parcel {code}: {from} -> {to} ({d})"),
                    None => format!("Parcel {code}: {from} -> {to}"),
                };
                self.note("tracking_updated", detail.clone(), now);
                if to.is_exception() {
                    self.note("needs_attention", detail.clone(), now);
                    self.attention = Some(Attention {
                        reason: detail,
                        since: now,
                    });
                }
                self.roll_up(now)?;
                if self.status == OrderStatus::Closed && self.attention.take().is_some() {
                    self.note("attention_cleared", "Everything was delivered", now);
                }
            }
        }
        Ok(change)
    }

    /// Flags the order when the parcel is past its estimate and not delivered; `true` the first
    /// time only (the customer is told once).
    pub fn check_parcel_delay(
        &mut self,
        shipment_id: &ShipmentId,
        now: DateTime<Utc>,
    ) -> Result<bool, TrackingError> {
        let shipment = self
            .shipments
            .iter_mut()
            .find(|s| &s.id == shipment_id)
            .ok_or_else(|| TrackingError::UnknownShipment(shipment_id.clone()))?;
        if shipment.tracking_status == TrackingStatus::Cancelled || !shipment.check_delay(now) {
            return Ok(false);
        }
        let detail = format!(
            "Parcel {} is past its estimated delivery and not delivered",
            shipment.tracking_code
        );
        self.note("delayed", detail.clone(), now);
        self.attention = Some(Attention {
            reason: detail,
            since: now,
        });
        Ok(true)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrackingError {
    #[error("order has no shipment {0}")]
    UnknownShipment(ShipmentId),
    #[error(transparent)]
    Illegal(#[from] IllegalTransition),
}
