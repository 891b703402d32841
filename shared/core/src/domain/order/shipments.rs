//! The order's parcels: recording one whose label was bought, voiding one not yet scanned,
//! closing an order with nothing to ship, and deriving the order's status from its parcels.

use chrono::{DateTime, Utc};

use super::Order;
use crate::domain::review::HoldReason;
use crate::domain::status::IllegalTransition;
use crate::domain::{FulfillmentStatus, OrderStatus, Shipment, ShipmentId, TrackingStatus};

impl Order {
    pub(super) fn active_shipments(&self) -> impl Iterator<Item = &Shipment> {
        self.shipments
            .iter()
            .filter(|s| s.tracking_status != TrackingStatus::Cancelled)
    }

    pub fn shipment(&self, id: &ShipmentId) -> Option<&Shipment> {
        self.shipments.iter().find(|s| &s.id == id)
    }

    /// Records a parcel whose label was bought. Recording the same parcel twice changes nothing.
    pub fn record_shipment(
        &mut self,
        shipment: Shipment,
        now: DateTime<Utc>,
    ) -> Result<bool, IllegalTransition> {
        if self.shipment(&shipment.id).is_some() {
            return Ok(false);
        }
        if self.status.is_final() {
            return Err(IllegalTransition {
                from: self.status,
                to: OrderStatus::Shipped,
            });
        }
        self.note(
            "label_purchased",
            format!(
                "{} {} label bought ({} {}), tracking {}",
                shipment.carrier,
                shipment.service,
                shipment.rate,
                self.currency,
                shipment.tracking_code
            ),
            now,
        );
        if self
            .pending_label
            .as_ref()
            .is_some_and(|p| p.carrier_shipment_id == shipment.carrier_shipment_id)
        {
            self.pending_label = None;
        }
        self.shipments.push(shipment);
        self.roll_up(now)?;
        Ok(true)
    }

    /// Staff void a label the carrier has not scanned yet: the carrier refunds it, its goods go
    /// back to being reserved, and the order is held so a person decides what happens next
    /// (release buys a new label, reject cancels).
    pub fn void_shipment(
        &mut self,
        shipment_id: &ShipmentId,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), VoidError> {
        let shipment = self
            .shipments
            .iter_mut()
            .find(|s| &s.id == shipment_id)
            .ok_or_else(|| VoidError::UnknownShipment(shipment_id.clone()))?;
        if shipment.tracking_status == TrackingStatus::Cancelled {
            return Err(VoidError::AlreadyVoided);
        }
        if !shipment.events.is_empty()
            || !matches!(
                shipment.tracking_status,
                TrackingStatus::PreTransit | TrackingStatus::Unknown
            )
        {
            return Err(VoidError::AlreadyScanned(shipment.tracking_status));
        }
        shipment.void(now);
        let code = shipment.tracking_code.clone();
        self.note(
            "shipment_voided",
            format!("Label {code} voided by {by}; its goods are reserved again"),
            now,
        );
        self.roll_up(now)?;
        self.put_on_hold(
            vec![(
                HoldReason::ShipmentVoided,
                format!("label {code} was voided: release to buy a new one, reject to cancel"),
            )],
            now,
        );
        Ok(())
    }

    /// Closes an order that has nothing to ship (digital goods only).
    pub fn fulfill_without_shipping(
        &mut self,
        now: DateTime<Utc>,
    ) -> Result<(), IllegalTransition> {
        self.fulfillment_status = FulfillmentStatus::Delivered;
        self.note(
            "fulfilled",
            "Nothing to ship: order fulfilled digitally",
            now,
        );
        self.become_status(OrderStatus::Closed, now)
    }

    /// Derives the order and fulfillment status from its parcels.
    pub(super) fn roll_up(&mut self, now: DateTime<Utc>) -> Result<(), IllegalTransition> {
        let active: Vec<&Shipment> = self.active_shipments().collect();
        if active.is_empty() {
            // Nothing with the carrier (every label voided): back to waiting for a label.
            if matches!(
                self.status,
                OrderStatus::Shipped | OrderStatus::PartiallyShipped
            ) {
                self.become_status(OrderStatus::ReadyToShip, now)?;
                self.fulfillment_status = FulfillmentStatus::Unfulfilled;
            }
            return Ok(());
        }
        let all_shipped = self.unshipped_lines().is_empty();
        let delivered = active
            .iter()
            .filter(|s| s.tracking_status == TrackingStatus::Delivered)
            .count();
        let (status, fulfillment) = if delivered == active.len() && all_shipped {
            (OrderStatus::Closed, FulfillmentStatus::Delivered)
        } else if delivered > 0 {
            (
                OrderStatus::PartiallyClosed,
                FulfillmentStatus::PartiallyDelivered,
            )
        } else if all_shipped {
            (OrderStatus::Shipped, FulfillmentStatus::Fulfilled)
        } else {
            (
                OrderStatus::PartiallyShipped,
                FulfillmentStatus::PartiallyFulfilled,
            )
        };
        self.become_status(status, now)?;
        self.fulfillment_status = fulfillment;
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VoidError {
    #[error("order has no shipment {0}")]
    UnknownShipment(ShipmentId),
    #[error("the shipment is already voided")]
    AlreadyVoided,
    #[error("the carrier has scanned the parcel already ({0}); it can no longer be voided")]
    AlreadyScanned(TrackingStatus),
    #[error(transparent)]
    Illegal(#[from] IllegalTransition),
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::tests::{
        hold_of, main_location, new_order, now, shipment_for, shipped_part, stock, tracking, verify,
    };
    use crate::domain::order::StockHold;
    use crate::domain::PaymentStatus;

    #[test]
    fn a_voided_label_puts_its_units_back_to_reserved_and_holds_the_order() {
        let mut order = Order::place(new_order(PaymentStatus::Paid), now());
        order
            .verify_payment(
                &stock(&[("TOWEL", 5), ("BOWL", 5)]),
                &[main_location()],
                now(),
            )
            .unwrap();
        let shipment = shipped_part(&order);
        let id = shipment.id.clone();
        order.record_shipment(shipment, now()).unwrap();
        assert_eq!(order.status, OrderStatus::Shipped);

        order.void_shipment(&id, "admin", now()).unwrap();
        assert_eq!(order.status, OrderStatus::ReadyToShip);
        assert_eq!(order.fulfillment_status, FulfillmentStatus::Unfulfilled);
        assert_eq!(
            hold_of(&order, "TOWEL"),
            StockHold {
                reserved: 2,
                shipped: 0
            }
        );
        assert_eq!(
            order.hold.as_ref().map(|h| h.reasons.clone()),
            Some(vec![HoldReason::ShipmentVoided])
        );
        assert_eq!(
            order.void_shipment(&id, "admin", now()),
            Err(VoidError::AlreadyVoided)
        );
        order.release_hold("admin", now()).unwrap();
        assert!(order.needs_label(), "a new label for the same parcel");

        let again = Shipment {
            id: ShipmentId::for_carrier_shipment("easypost", "shp_2"),
            ..shipped_part(&order)
        };
        let again_id = again.id.clone();
        order.record_shipment(again, now()).unwrap();
        order
            .apply_tracking(&again_id, &tracking(TrackingStatus::InTransit, 30), now())
            .unwrap();
        assert_eq!(
            order.void_shipment(&again_id, "admin", now()),
            Err(VoidError::AlreadyScanned(TrackingStatus::InTransit))
        );
        assert!(
            order.cancel("too late", now()).is_err(),
            "a parcel with the carrier cannot be canceled"
        );
    }

    #[test]
    fn canceled_orders_cannot_ship() {
        let mut order = Order::place(new_order(PaymentStatus::Paid), now());
        order.status = OrderStatus::Canceled;
        assert!(verify(&mut order).is_err());
        let shipment = shipment_for(&order);
        assert!(order.record_shipment(shipment, now()).is_err());
    }
}
