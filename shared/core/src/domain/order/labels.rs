//! Buying a parcel's label: which parcel is next, whether to buy now, committing to one carrier
//! shipment, and the carrier or the shipping limits refusing it.

use chrono::{DateTime, Utc};

use super::{Order, PendingLabel};
use crate::domain::review::HoldReason;
use crate::domain::shipment::ShipmentLine;
use crate::domain::OrderStatus;
use crate::inventory::plan::Part;
use crate::inventory::LocationId;

impl Order {
    /// The next parcel waiting for a label: the one a label is being bought for, else the first
    /// location whose part is not all shipped; with what it carries.
    pub fn next_parcel(&self) -> Option<(LocationId, Vec<ShipmentLine>)> {
        let allocation = self.allocation.as_ref()?;
        let pending = self.pending_label.as_ref().map(|p| &p.location);
        allocation
            .parts
            .iter()
            .filter(|part| pending.is_none_or(|location| &part.location == location))
            .find_map(|part| {
                let left = self.unshipped_from(part);
                (!left.is_empty()).then(|| (part.location.clone(), left))
            })
    }

    /// What of a location's part no active parcel from that location carries yet.
    fn unshipped_from(&self, part: &Part) -> Vec<ShipmentLine> {
        let lines = part.lines.iter().map(|l| (l.sku.as_str(), l.quantity));
        self.not_yet_shipped(lines, Some(&part.location))
    }

    /// Whether a label should be bought now: released to fulfillment, nobody reviewing it, money
    /// secured, and a reserved part left to ship.
    pub fn needs_label(&self) -> bool {
        matches!(
            self.status,
            OrderStatus::ReadyToShip | OrderStatus::PartiallyShipped
        ) && self.hold.is_none()
            && self.payment_status.allows_fulfillment()
            && self.shipping_address.is_some()
            && self.next_parcel().is_some()
    }

    /// Commits to buying a label for the carrier shipment created for the parcel `location` and
    /// `lines`, unless another attempt got there first (its pending label is returned instead) or
    /// the order no longer needs exactly this parcel.
    pub fn start_label(
        &mut self,
        carrier_shipment_id: &str,
        location: &LocationId,
        lines: &[ShipmentLine],
        now: DateTime<Utc>,
    ) -> Option<PendingLabel> {
        if let Some(pending) = &self.pending_label {
            return Some(pending.clone());
        }
        if !self.needs_label() || self.next_parcel() != Some((location.clone(), lines.to_vec())) {
            return None;
        }
        let pending = PendingLabel {
            carrier_shipment_id: carrier_shipment_id.to_string(),
            location: location.clone(),
            created_at: now,
        };
        self.pending_label = Some(pending.clone());
        self.note(
            "label_requested",
            format!("Carrier shipment {carrier_shipment_id} created for the parcel from {location}, buying label"),
            now,
        );
        Some(pending)
    }

    /// A parcel too heavy or a label too dear for the order: nothing bought until a person looks.
    pub fn hold_implausible_shipment(&mut self, problem: &str, now: DateTime<Utc>) {
        self.pending_label = None;
        self.put_on_hold(
            vec![(HoldReason::ImplausibleShipment, problem.to_string())],
            now,
        );
    }

    /// The carrier will not sell the label: a person has to look (the hold lifts on release).
    pub fn refuse_label(&mut self, reason: &str, now: DateTime<Utc>) {
        self.pending_label = None;
        self.put_on_hold(
            vec![(
                HoldReason::LabelRefused,
                format!("the carrier refused the label: {reason}"),
            )],
            now,
        );
    }
}
