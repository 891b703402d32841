//! A person moving an order along the transition table (`POST /orders/{id}/status`): what each
//! move needs, what it does, and which moves the order allows right now.
//!
//! Moving to `ready_to_ship` and to `canceled` runs the same path as the automatic moves (payment
//! verification reserving stock, the cancel path releasing it and telling the customer): the
//! workflow does that after `check_by_hand` has agreed. The other moves happen here.

use chrono::{DateTime, Utc};

use super::contents::describe_units;
use super::Order;
use crate::domain::shipment::{ShipmentLine, TrackingUpdate};
use crate::domain::status::IllegalTransition;
use crate::domain::{
    FulfillmentStatus, OrderStatus, PaymentStatus, Shipment, ShipmentId, TimelineEntry,
    TrackingEvent, TrackingStatus,
};
use crate::inventory::LocationId;

/// Goods sent outside the OMS (a label bought elsewhere, a courier): what the parcel carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutsideParcel {
    pub carrier: String,
    pub tracking_code: String,
    pub lines: Vec<ShipmentLine>,
}

/// What a person asks for, with what the move needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandMove {
    /// `payment_received_offline`: the money came by other means (cash, bank transfer): recorded.
    ReadyToShip {
        payment_received_offline: bool,
    },
    Canceled,
    /// Parcels sent outside the OMS; `partially_shipped` when units are left to send.
    Shipped(Vec<OutsideParcel>),
    /// The parcels named (none: all) were delivered or picked up; an order with nothing sent
    /// yet was handed over whole (picked up in store).
    Closed(Vec<ShipmentId>),
    Failed,
    Abandoned,
    /// The goods came back.
    Returned,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveError {
    #[error("order is {from}; it cannot become {to}")]
    Illegal {
        from: OrderStatus,
        to: OrderStatus,
        allowed: Vec<OrderStatus>,
    },
    /// The move is legal but the order is not ready for it (the message says why).
    #[error("{0}")]
    NotReady(String),
    /// What the request said does not fit the order (unknown SKU, more units than left...).
    #[error("{0}")]
    Invalid(String),
}

impl HandMove {
    /// The status this move asks for (`Shipped` and `Closed` may land on their partial forms).
    pub fn target(&self) -> OrderStatus {
        match self {
            HandMove::ReadyToShip { .. } => OrderStatus::ReadyToShip,
            HandMove::Canceled => OrderStatus::Canceled,
            HandMove::Shipped(_) => OrderStatus::Shipped,
            HandMove::Closed(_) => OrderStatus::Closed,
            HandMove::Failed => OrderStatus::Failed,
            HandMove::Abandoned => OrderStatus::Abandoned,
            HandMove::Returned => OrderStatus::Returned,
        }
    }
}

/// The prefix of a parcel recorded by hand (no label of ours).
const OUTSIDE: &str = "outside";

impl crate::domain::Shipment {
    /// Its label was bought by the OMS (not a parcel sent outside it and recorded by hand).
    pub fn label_is_ours(&self) -> bool {
        !self
            .carrier_shipment_id
            .strip_prefix(OUTSIDE)
            .is_some_and(|rest| rest.starts_with(':'))
    }
}

impl Order {
    /// The statuses a person may move this order to now.
    pub fn allowed_by_hand(&self) -> Vec<OrderStatus> {
        use OrderStatus::*;
        let with_carrier = self.active_shipments().next().is_some() || self.pending_label.is_some();
        let unpaid = !self.payment_status.allows_fulfillment();
        OrderStatus::ALL
            .iter()
            .copied()
            .filter(|&to| self.status.can_become(to))
            .filter(|&to| match to {
                // Back to `open` and back to `ready_to_ship` happen by voiding labels.
                Open => false,
                ReadyToShip => self.status == Open,
                Canceled => !with_carrier,
                Failed | Abandoned => unpaid && !with_carrier,
                Shipped | PartiallyShipped => !self.unshipped_lines().is_empty(),
                // From `open` only with nothing to ship: goods go through `ready_to_ship`, which
                // reserves their stock, so closing deducts it.
                Closed | PartiallyClosed => {
                    self.status != Open || self.unshipped_lines().is_empty()
                }
                Returned => true,
            })
            .collect()
    }

    /// Whether the move may happen now; `Ok` for the moves the workflow carries out itself
    /// (`ReadyToShip`, `Canceled`) means it may go ahead.
    pub fn check_by_hand(&self, to: &HandMove) -> Result<(), MoveError> {
        let target = to.target();
        let allowed = self.allowed_by_hand();
        let partial = match target {
            OrderStatus::Shipped => Some(OrderStatus::PartiallyShipped),
            OrderStatus::Closed => Some(OrderStatus::PartiallyClosed),
            _ => None,
        };
        if !allowed.contains(&target) && !partial.is_some_and(|p| allowed.contains(&p)) {
            return Err(MoveError::Illegal {
                from: self.status,
                to: target,
                allowed,
            });
        }
        match to {
            HandMove::ReadyToShip {
                payment_received_offline,
            } => {
                if self.hold.is_some() {
                    return Err(MoveError::NotReady(
                        "the order is on hold: release or reject the hold".into(),
                    ));
                }
                if !payment_received_offline && !self.payment_status.allows_fulfillment() {
                    return Err(MoveError::NotReady(format!(
                        "payment is {}; say \"payment\": \"received_offline\" if it was paid \
                         by other means",
                        self.payment_status
                    )));
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Records money received outside the channel and the gateway, before the order is released.
    pub fn record_offline_payment(&mut self, by: &str, reason: &str, now: DateTime<Utc>) {
        if self.payment_status.allows_fulfillment() {
            return;
        }
        let from = self.payment_status;
        self.payment_status = PaymentStatus::Paid;
        self.note(
            "payment_received_offline",
            format!("Payment recorded by {by} as received offline ({from} -> paid): {reason}"),
            now,
        );
    }

    /// Carries out a move that happens in the order itself (all but `ReadyToShip` and
    /// `Canceled`), and puts who, why, from and to on the timeline.
    pub fn move_by_hand(
        &mut self,
        to: &HandMove,
        by: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), MoveError> {
        self.check_by_hand(to)?;
        let from = self.status;
        let illegal = |e: IllegalTransition| MoveError::Illegal {
            from: e.from,
            to: e.to,
            allowed: Vec::new(),
        };
        match to {
            HandMove::ReadyToShip { .. } | HandMove::Canceled => {
                return Err(MoveError::Invalid(
                    "this move is carried out by the workflow".into(),
                ))
            }
            HandMove::Failed | HandMove::Abandoned => {
                self.hold = None;
                self.release_stock(&format!("the order {}", to.target()), now);
                if to.target() == OrderStatus::Failed {
                    self.payment_status = PaymentStatus::Failed;
                }
                self.become_status(to.target(), now).map_err(illegal)?;
            }
            HandMove::Shipped(parcels) => {
                self.ship_outside(parcels, now)?;
                self.off_hold(by, "sent the goods outside the OMS", now);
            }
            HandMove::Closed(shipments) => {
                self.close_by_hand(shipments, by, now)?;
                self.off_hold(by, "handed the goods over", now);
            }
            HandMove::Returned => {
                self.fulfillment_status = FulfillmentStatus::Returned;
                self.become_status(OrderStatus::Returned, now)
                    .map_err(illegal)?;
            }
        }
        self.by_hand_entry(from, by, reason, now);
        Ok(())
    }

    /// A person who ships or hands over the goods themselves has decided what a hold asked.
    fn off_hold(&mut self, by: &str, what: &str, now: DateTime<Utc>) {
        if self.hold.take().is_some() {
            self.note(
                "hold_released",
                format!("Released by {by}, who {what}"),
                now,
            );
        }
    }

    /// The timeline entry of a person's move: who, from what, to what, and why.
    pub fn by_hand_entry(&mut self, from: OrderStatus, by: &str, reason: &str, now: DateTime<Utc>) {
        let to = self.status;
        self.timeline.push(TimelineEntry {
            at: now,
            kind: "status_set_by_hand".into(),
            detail: format!("{from} -> {to} by {by}: {reason}"),
            by: Some(by.to_string()),
            from: Some(from),
            to: Some(to),
            reason: Some(reason.to_string()),
            changes: Vec::new(),
        });
        self.updated_at = now;
    }

    /// Records parcels sent outside the OMS: their units leave the stock they were reserved from.
    fn ship_outside(
        &mut self,
        parcels: &[OutsideParcel],
        now: DateTime<Utc>,
    ) -> Result<(), MoveError> {
        if parcels.is_empty() {
            return Err(MoveError::Invalid(
                "name the parcels sent: carrier, tracking_code and lines".into(),
            ));
        }
        for parcel in parcels {
            let left = self.unshipped_lines();
            for line in &parcel.lines {
                let open = left
                    .iter()
                    .find(|l| l.sku == line.sku)
                    .map_or(0, |l| l.quantity);
                if line.quantity == 0 || line.quantity > open {
                    return Err(MoveError::Invalid(format!(
                        "{} x {} is more than is left to ship of it ({open})",
                        line.quantity, line.sku
                    )));
                }
            }
            let carrier_shipment_id = format!("{OUTSIDE}:{}", parcel.tracking_code);
            let id = ShipmentId::for_carrier_shipment(OUTSIDE, &carrier_shipment_id);
            if self.shipment(&id).is_some() {
                return Err(MoveError::Invalid(format!(
                    "parcel {} is recorded already",
                    parcel.tracking_code
                )));
            }
            let location = self.location_of(&parcel.lines);
            self.note(
                "shipped_outside",
                format!(
                    "{} parcel {} sent outside the OMS: {}",
                    parcel.carrier,
                    parcel.tracking_code,
                    describe_units(parcel.lines.iter().map(|l| (l.quantity, l.sku.as_str())))
                ),
                now,
            );
            self.shipments.push(Shipment {
                id,
                carrier: parcel.carrier.clone(),
                service: OUTSIDE.into(),
                rate: rust_decimal::Decimal::ZERO,
                carrier_shipment_id,
                tracking_code: parcel.tracking_code.clone(),
                tracking_status: TrackingStatus::PreTransit,
                status_at: None,
                progress: Default::default(),
                voided_at: None,
                estimated_delivery: None,
                label_key: String::new(),
                lines: parcel.lines.clone(),
                events: Vec::new(),
                created_at: now,
                delayed_since: None,
                route: None,
                location,
            });
        }
        self.roll_up(now).map_err(|e| MoveError::Illegal {
            from: e.from,
            to: e.to,
            allowed: Vec::new(),
        })
    }

    /// The location whose reservation covers these lines (the one part that reserved them).
    fn location_of(&self, lines: &[ShipmentLine]) -> Option<LocationId> {
        let parts = &self.allocation.as_ref()?.parts;
        parts
            .iter()
            .find(|part| {
                lines.iter().all(|line| {
                    part.lines
                        .iter()
                        .any(|l| l.sku == line.sku && l.reserved && l.quantity >= line.quantity)
                })
            })
            .or(parts.first())
            .map(|part| part.location.clone())
    }

    /// Marks parcels delivered (all active ones when none are named); an order with nothing sent
    /// is handed over whole first (picked up in store).
    fn close_by_hand(
        &mut self,
        shipments: &[ShipmentId],
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(), MoveError> {
        if self.active_shipments().next().is_none() {
            let lines = self.unshipped_lines();
            if !lines.is_empty() {
                self.ship_outside(
                    &[OutsideParcel {
                        carrier: "pickup".into(),
                        tracking_code: format!("pickup-{}", self.id),
                        lines,
                    }],
                    now,
                )?;
            }
        }
        let named: Vec<ShipmentId> = if shipments.is_empty() {
            self.active_shipments().map(|s| s.id.clone()).collect()
        } else {
            shipments.to_vec()
        };
        for id in &named {
            let shipment = self
                .shipment(id)
                .ok_or_else(|| MoveError::Invalid(format!("the order has no shipment {id}")))?;
            if shipment.tracking_status == TrackingStatus::Cancelled {
                return Err(MoveError::Invalid(format!("shipment {id} was voided")));
            }
            let detail = format!("Marked delivered by {by}");
            let update = TrackingUpdate {
                status: TrackingStatus::Delivered,
                at: now,
                detail: Some(detail.clone()),
                estimated_delivery: None,
                events: vec![TrackingEvent {
                    at: now,
                    status: TrackingStatus::Delivered,
                    message: detail,
                    location: None,
                }],
            };
            self.apply_tracking(id, &update, now)
                .map_err(|e| MoveError::Invalid(e.to_string()))?;
        }
        if self.active_shipments().next().is_none() && self.unshipped_lines().is_empty() {
            // Nothing that ships (digital goods only).
            self.fulfill_without_shipping(now)
                .map_err(|e| MoveError::Invalid(e.to_string()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::tests::{new_order, now, shipment_for, verify};

    fn paid() -> Order {
        let mut order = Order::place(new_order(PaymentStatus::Paid), now());
        verify(&mut order).unwrap();
        order
    }

    #[test]
    fn an_unpaid_open_order_may_fail_or_be_abandoned_and_a_paid_one_may_not() {
        let unpaid = Order::place(new_order(PaymentStatus::Pending), now());
        use OrderStatus::*;
        assert_eq!(
            unpaid.allowed_by_hand(),
            [ReadyToShip, Canceled, Failed, Abandoned]
        );
        assert_eq!(
            paid().allowed_by_hand(),
            [PartiallyShipped, Shipped, Closed, Canceled]
        );
        let mut abandoned = unpaid.clone();
        abandoned
            .move_by_hand(&HandMove::Abandoned, "ana", "no answer in 30 days", now())
            .unwrap();
        assert_eq!(abandoned.status, Abandoned);
        let entry = abandoned.timeline.last().unwrap();
        assert_eq!(entry.by.as_deref(), Some("ana"));
        assert_eq!((entry.from, entry.to), (Some(Open), Some(Abandoned)));
        assert_eq!(entry.reason.as_deref(), Some("no answer in 30 days"));
        let refused = paid().move_by_hand(&HandMove::Failed, "ana", "x", now());
        assert!(
            matches!(refused, Err(MoveError::Illegal { allowed, .. }) if !allowed.contains(&Failed))
        );
    }

    #[test]
    fn ready_to_ship_needs_payment_or_a_payment_received_offline() {
        let unpaid = Order::place(new_order(PaymentStatus::Pending), now());
        let go = |offline| HandMove::ReadyToShip {
            payment_received_offline: offline,
        };
        assert!(matches!(
            unpaid.check_by_hand(&go(false)),
            Err(MoveError::NotReady(_))
        ));
        assert_eq!(unpaid.check_by_hand(&go(true)), Ok(()));
        let mut recorded = unpaid.clone();
        recorded.record_offline_payment("ana", "cash at the counter", now());
        assert_eq!(recorded.payment_status, PaymentStatus::Paid);
    }

    #[test]
    fn parcels_sent_outside_ship_the_order_part_by_part_and_closing_delivers_them() {
        let mut order = paid();
        let parcel = |sku: &str, quantity| OutsideParcel {
            carrier: "DHL".into(),
            tracking_code: format!("JD{sku}"),
            lines: vec![ShipmentLine {
                sku: sku.into(),
                quantity,
            }],
        };
        let too_many = order.move_by_hand(
            &HandMove::Shipped(vec![parcel("TOWEL", 3)]),
            "ana",
            "x",
            now(),
        );
        assert!(matches!(too_many, Err(MoveError::Invalid(_))));
        order
            .move_by_hand(
                &HandMove::Shipped(vec![parcel("TOWEL", 2)]),
                "ana",
                "courier",
                now(),
            )
            .unwrap();
        assert_eq!(order.status, OrderStatus::PartiallyShipped);
        order
            .move_by_hand(
                &HandMove::Shipped(vec![parcel("BOWL", 1)]),
                "ana",
                "courier",
                now(),
            )
            .unwrap();
        assert_eq!(order.status, OrderStatus::Shipped);
        assert!(order.stock_holds().values().all(|h| h.reserved == 0));
        order
            .move_by_hand(
                &HandMove::Closed(vec![]),
                "ana",
                "customer confirmed",
                now(),
            )
            .unwrap();
        assert_eq!(order.status, OrderStatus::Closed);
        assert_eq!(order.fulfillment_status, FulfillmentStatus::Delivered);
    }

    #[test]
    fn an_order_picked_up_in_store_closes_whole_and_a_parcel_with_the_carrier_blocks_cancel() {
        let mut order = paid();
        order
            .move_by_hand(
                &HandMove::Closed(vec![]),
                "ana",
                "picked up in store",
                now(),
            )
            .unwrap();
        assert_eq!(order.status, OrderStatus::Closed);
        assert!(order.unshipped_lines().is_empty());
        let mut shipped = paid();
        let shipment = shipment_for(&shipped);
        shipped.record_shipment(shipment, now()).unwrap();
        assert!(!shipped.allowed_by_hand().contains(&OrderStatus::Canceled));
        assert!(matches!(
            shipped.check_by_hand(&HandMove::Canceled),
            Err(MoveError::Illegal { .. })
        ));
    }
}
