//! A parcel on its way: what is in it, its label, and what the carrier has said about it.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::progress::ParcelProgress;
use super::{ShipmentId, TrackingStatus};

/// Scans a parcel keeps (its status comes from `progress`, which keeps what every scan said).
pub const MAX_SCANS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    pub id: ShipmentId,
    pub carrier: String,
    pub service: String,
    pub rate: Decimal,
    pub carrier_shipment_id: String,
    pub tracking_code: String,
    /// Where the parcel stands: what `progress` decides, or `cancelled` once voided.
    pub tracking_status: TrackingStatus,
    /// Carrier time of what set `tracking_status` (ours for a void); none before the carrier said
    /// anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_at: Option<DateTime<Utc>>,
    /// Everything the carrier said, merged: decides `tracking_status`.
    #[serde(default, skip_serializing_if = "ParcelProgress::is_empty")]
    pub progress: ParcelProgress,
    /// When staff voided the label (our clock): the parcel stays cancelled whatever comes after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voided_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_delivery: Option<DateTime<Utc>>,
    /// Object key of the label PDF in the label bucket.
    pub label_key: String,
    pub lines: Vec<ShipmentLine>,
    pub events: Vec<TrackingEvent>,
    pub created_at: DateTime<Utc>,
    /// When we first saw the parcel late (past its estimate, not delivered): the customer is told
    /// once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delayed_since: Option<DateTime<Utc>>,
    /// Carrier, service and countries (`estimate::route_key`): where this parcel's transit time
    /// is counted once it is delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// The location it ships from, whose stock it was reserved from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<crate::inventory::LocationId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShipmentLine {
    pub sku: String,
    pub quantity: u32,
}

/// One scan or status message from the carrier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingEvent {
    pub at: DateTime<Utc>,
    pub status: TrackingStatus,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// What a carrier callback says about one parcel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingUpdate {
    pub status: TrackingStatus,
    /// When the carrier says the status took effect.
    pub at: DateTime<Utc>,
    pub detail: Option<String>,
    pub estimated_delivery: Option<DateTime<Utc>>,
    /// The scan history the carrier sent along, oldest first or in any order.
    pub events: Vec<TrackingEvent>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackingChange {
    /// Nothing new: every event was already known and the status is unchanged.
    Nothing,
    /// New scan events were kept, the status stayed.
    EventsAdded,
    StatusChanged {
        from: TrackingStatus,
        to: TrackingStatus,
    },
}

impl Shipment {
    /// Marks the parcel late if it is past its estimate and still on its way; `true` the first
    /// time only.
    pub fn check_delay(&mut self, now: DateTime<Utc>) -> bool {
        let late = self
            .estimated_delivery
            .is_some_and(|estimate| now > estimate)
            && !self.tracking_status.is_terminal();
        if late && self.delayed_since.is_none() {
            self.delayed_since = Some(now);
            return true;
        }
        false
    }

    /// Applies a carrier update without ever going backwards: the parcel's status is what
    /// everything the carrier said decides (`ParcelProgress`), whatever order it arrives in and
    /// whatever the carrier's clock says compared with ours.
    pub fn apply(&mut self, update: &TrackingUpdate) -> TrackingChange {
        let known = self.events.clone();
        for event in &update.events {
            if !self.events.contains(event) {
                self.events.push(event.clone());
            }
        }
        // A total order, so that the same events in any arrival order are the same history.
        self.events.sort_by(|a, b| {
            (a.at, a.status.as_str(), &a.message, &a.location).cmp(&(
                b.at,
                b.status.as_str(),
                &b.message,
                &b.location,
            ))
        });
        // Bounded: the first scan and the latest ones. What a carrier sends again of what was
        // let go falls between them and goes again, so it changes nothing.
        let excess = self.events.len().saturating_sub(MAX_SCANS);
        if excess > 0 {
            self.events.drain(1..1 + excess);
        }
        let added = self.events != known;
        if update.estimated_delivery.is_some() {
            self.estimated_delivery = update.estimated_delivery;
        }
        let from = self.tracking_status;
        self.adopt_stored_status();
        if self.voided_at.is_none() {
            self.progress.observe(update.status, update.at);
            for event in &update.events {
                self.progress.observe(event.status, event.at);
            }
            self.tracking_status = self.progress.status();
            self.status_at = self.progress.decided_at();
        }
        if self.tracking_status != from {
            return TrackingChange::StatusChanged {
                from,
                to: self.tracking_status,
            };
        }
        if added {
            TrackingChange::EventsAdded
        } else {
            TrackingChange::Nothing
        }
    }

    /// Voids the label: cancelled from now on, whatever the carrier says later.
    pub fn void(&mut self, now: DateTime<Utc>) {
        self.tracking_status = TrackingStatus::Cancelled;
        self.status_at = Some(now);
        self.voided_at = Some(now);
    }

    /// A parcel stored before `progress` existed carries only its status: that is what the carrier
    /// had said so far.
    /// A cancellation stored that way was a void (carriers' cancellations came later), final.
    fn adopt_stored_status(&mut self) {
        if !self.progress.is_empty() || self.tracking_status == TrackingStatus::PreTransit {
            return;
        }
        let Some(at) = self.status_at else {
            return;
        };
        if self.tracking_status == TrackingStatus::Cancelled {
            self.voided_at = Some(at);
        } else {
            self.progress.observe(self.tracking_status, at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 10, 3, hour, 0, 0).unwrap()
    }

    fn shipment() -> Shipment {
        Shipment {
            id: ShipmentId("shp_test".into()),
            carrier: "USPS".into(),
            service: "Priority".into(),
            rate: Decimal::new(795, 2),
            carrier_shipment_id: "shp_carrier".into(),
            tracking_code: "9400".into(),
            tracking_status: TrackingStatus::PreTransit,
            status_at: None,
            progress: ParcelProgress::default(),
            voided_at: None,
            estimated_delivery: None,
            label_key: "labels/x.pdf".into(),
            lines: vec![],
            events: vec![],
            created_at: at(1),
            delayed_since: None,
            route: None,
            location: None,
        }
    }

    fn update(status: TrackingStatus, hour: u32) -> TrackingUpdate {
        TrackingUpdate {
            status,
            at: at(hour),
            detail: None,
            estimated_delivery: None,
            events: vec![TrackingEvent {
                at: at(hour),
                status,
                message: status.to_string(),
                location: None,
            }],
        }
    }

    #[test]
    fn newer_updates_move_the_parcel_forward() {
        let mut s = shipment();
        let change = s.apply(&update(TrackingStatus::InTransit, 5));
        assert_eq!(
            change,
            TrackingChange::StatusChanged {
                from: TrackingStatus::PreTransit,
                to: TrackingStatus::InTransit
            }
        );
        assert_eq!(s.events.len(), 1);
    }

    #[test]
    fn late_older_updates_are_history_only() {
        let mut s = shipment();
        s.apply(&update(TrackingStatus::OutForDelivery, 9));
        assert_eq!(
            s.apply(&update(TrackingStatus::InTransit, 5)),
            TrackingChange::EventsAdded
        );
        assert_eq!(s.tracking_status, TrackingStatus::OutForDelivery);
        assert_eq!(s.events[0].at, at(5), "history stays in carrier order");
    }

    #[test]
    fn a_long_journey_keeps_its_first_scan_and_the_latest_and_forgets_the_rest_for_good() {
        let mut s = shipment();
        let scan = |minute: i64| TrackingEvent {
            at: at(2) + chrono::Duration::minutes(minute),
            status: TrackingStatus::InTransit,
            message: format!("scan {minute}"),
            location: None,
        };
        // The carrier sends its whole history every time, as EasyPost does.
        let mut history = Vec::new();
        for minute in 0..(MAX_SCANS as i64 + 30) {
            history.push(scan(minute));
            s.apply(&TrackingUpdate {
                status: TrackingStatus::InTransit,
                at: scan(minute).at,
                detail: None,
                estimated_delivery: None,
                events: history.clone(),
            });
        }
        assert_eq!(s.events.len(), MAX_SCANS);
        assert_eq!(s.events[0], scan(0), "the first scan stays");
        assert_eq!(s.events.last(), Some(&scan(MAX_SCANS as i64 + 29)));
        let again = TrackingUpdate {
            status: TrackingStatus::InTransit,
            at: scan(5).at,
            detail: None,
            estimated_delivery: None,
            events: history,
        };
        assert_eq!(
            s.apply(&again),
            TrackingChange::Nothing,
            "what was let go and comes again changes nothing"
        );
    }

    #[test]
    fn a_lost_trail_does_not_erase_what_we_know() {
        let mut s = shipment();
        s.apply(&update(TrackingStatus::OutForDelivery, 9));
        s.apply(&update(TrackingStatus::Unknown, 10));
        assert_eq!(s.tracking_status, TrackingStatus::OutForDelivery);
    }

    #[test]
    fn a_late_parcel_is_noticed_once() {
        let mut s = shipment();
        s.estimated_delivery = Some(at(6));
        assert!(!s.check_delay(at(5)));
        assert!(s.check_delay(at(7)));
        assert!(!s.check_delay(at(8)), "once");
        let mut delivered = shipment();
        delivered.estimated_delivery = Some(at(6));
        delivered.apply(&update(TrackingStatus::Delivered, 5));
        assert!(
            !delivered.check_delay(at(9)),
            "delivered parcels are not late"
        );
    }

    #[test]
    fn a_label_voided_before_voids_were_recorded_stays_cancelled() {
        let mut s = shipment();
        s.tracking_status = TrackingStatus::Cancelled;
        s.status_at = Some(at(2));
        s.apply(&update(TrackingStatus::Delivered, 9));
        assert_eq!(s.tracking_status, TrackingStatus::Cancelled);
        assert_eq!(s.voided_at, Some(at(2)));
    }

    #[test]
    fn a_parcel_stored_before_progress_existed_keeps_its_stage() {
        let mut s = shipment();
        s.tracking_status = TrackingStatus::OutForDelivery;
        s.status_at = Some(at(8));
        s.apply(&update(TrackingStatus::InTransit, 9));
        assert_eq!(s.tracking_status, TrackingStatus::OutForDelivery);
    }

    #[test]
    fn delivered_is_never_overwritten() {
        let mut s = shipment();
        s.apply(&update(TrackingStatus::Delivered, 9));
        s.apply(&update(TrackingStatus::InTransit, 10));
        assert_eq!(s.tracking_status, TrackingStatus::Delivered);
    }

    #[test]
    fn replayed_updates_change_nothing() {
        let mut s = shipment();
        let u = update(TrackingStatus::InTransit, 5);
        s.apply(&u);
        let before = s.clone();
        assert_eq!(s.apply(&u), TrackingChange::Nothing);
        assert_eq!(s, before);
    }

    #[test]
    fn any_order_of_the_same_updates_ends_in_the_same_state() {
        let updates = [
            update(TrackingStatus::InTransit, 3),
            update(TrackingStatus::OutForDelivery, 6),
            update(TrackingStatus::Delivered, 8),
            update(TrackingStatus::InTransit, 4),
        ];
        let mut reference = shipment();
        updates.iter().for_each(|u| {
            reference.apply(u);
        });
        for perm in permutations(updates.len()) {
            let mut s = shipment();
            for i in perm {
                s.apply(&updates[i]);
            }
            assert_eq!(s.tracking_status, reference.tracking_status);
            assert_eq!(s.events, reference.events);
        }
    }

    fn permutations(n: usize) -> Vec<Vec<usize>> {
        if n == 0 {
            return vec![vec![]];
        }
        let mut out = Vec::new();
        for p in permutations(n - 1) {
            for i in 0..=p.len() {
                let mut q = p.clone();
                q.insert(i, n - 1);
                out.push(q);
            }
        }
        out
    }
}
