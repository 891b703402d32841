//! What the carrier has told us about one parcel, merged so that neither the order its updates
//! arrive in nor the carrier's clock can move the parcel back.
//!
//! Carriers stamp scans in local time marked as UTC (hours off the truth), so their times are
//! never compared with ours. The parcel's status is decided by its stage on the way
//! (pre_transit < in_transit < out_for_delivery < the journey's end); the carrier's times only
//! order that carrier's own exceptions (failure, available_for_pickup) against its own scans: a
//! scan stamped after an exception leaves it. The journey's end is final, and among ends a return
//! outranks a delivery (a returned parcel is "delivered" back to its sender), which outranks a
//! cancellation. The merge is commutative, associative and idempotent, so every order of the same
//! updates ends in the same status.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::TrackingStatus;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParcelProgress {
    /// The furthest stage on the way that the carrier reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    furthest: Option<TrackingStatus>,
    /// Carrier time of its latest scan on the way (any stage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_scan_at: Option<DateTime<Utc>>,
    /// The carrier's latest exception, by its own time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exception: Option<Reported>,
    /// The journey's end, when the carrier reported one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    end: Option<Reported>,
}

/// A status and the carrier's time for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reported {
    pub status: TrackingStatus,
    pub at: DateTime<Utc>,
}

/// How a status bears on where the parcel is.
enum Kind {
    /// On the way, with its rank among the stages.
    OnTheWay(u8),
    /// Trouble that a later scan may leave, with a rank that breaks ties of time.
    Exception(u8),
    /// The journey's end, with its rank among ends.
    End(u8),
    /// The carrier lost track or failed (AfterShip "Expired", Shippo "UNKNOWN", EasyPost "error"):
    /// nothing about where the parcel is.
    Uninformative,
}

fn kind(status: TrackingStatus) -> Kind {
    use TrackingStatus::*;
    match status {
        PreTransit => Kind::OnTheWay(0),
        InTransit => Kind::OnTheWay(1),
        OutForDelivery => Kind::OnTheWay(2),
        Failure => Kind::Exception(0),
        AvailableForPickup => Kind::Exception(1),
        Cancelled => Kind::End(0),
        Delivered => Kind::End(1),
        ReturnToSender => Kind::End(2),
        Unknown | Error => Kind::Uninformative,
    }
}

fn rank(status: TrackingStatus) -> u8 {
    match kind(status) {
        Kind::OnTheWay(r) | Kind::Exception(r) | Kind::End(r) => r,
        Kind::Uninformative => 0,
    }
}

impl ParcelProgress {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Merges one thing the carrier said.
    pub fn observe(&mut self, status: TrackingStatus, at: DateTime<Utc>) {
        let reported = Reported { status, at };
        match kind(status) {
            Kind::OnTheWay(r) => {
                if self.furthest.is_none_or(|f| rank(f) < r) {
                    self.furthest = Some(status);
                }
                self.last_scan_at = self.last_scan_at.max(Some(at));
            }
            // The latest exception; at the same instant, the higher rank.
            Kind::Exception(r) => {
                if self
                    .exception
                    .is_none_or(|e| (e.at, rank(e.status)) < (at, r))
                {
                    self.exception = Some(reported);
                }
            }
            // The highest end; for the same end, its first report.
            Kind::End(r) => {
                let better = self.end.is_none_or(|e| {
                    let held = rank(e.status);
                    held < r || (held == r && at < e.at)
                });
                if better {
                    self.end = Some(reported);
                }
            }
            Kind::Uninformative => {}
        }
    }

    /// Where the parcel stands by what the carrier said (pre_transit before it said anything).
    pub fn status(&self) -> TrackingStatus {
        self.decided()
            .map_or(TrackingStatus::PreTransit, |r| r.status)
    }

    /// The carrier's time of what decides the status (none for a stage seen without a time of its
    /// own, or before the carrier said anything).
    pub fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.decided().map(|r| r.at)
    }

    fn decided(&self) -> Option<Reported> {
        if let Some(end) = self.end {
            return Some(end);
        }
        if let Some(exception) = self.exception {
            if self.last_scan_at.is_none_or(|scan| scan <= exception.at) {
                return Some(exception);
            }
        }
        match (self.furthest, self.last_scan_at) {
            (Some(status), Some(at)) => Some(Reported { status, at }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use TrackingStatus::*;

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 10, 3, hour, 0, 0).unwrap()
    }

    fn seen(updates: &[(TrackingStatus, u32)]) -> TrackingStatus {
        let mut p = ParcelProgress::default();
        for &(status, hour) in updates {
            p.observe(status, at(hour));
        }
        p.status()
    }

    #[test]
    fn stages_never_go_back_whatever_the_carrier_clock_says() {
        assert_eq!(seen(&[(OutForDelivery, 3), (InTransit, 9)]), OutForDelivery);
        assert_eq!(seen(&[(InTransit, 9), (OutForDelivery, 3)]), OutForDelivery);
    }

    #[test]
    fn a_later_scan_leaves_an_exception_an_earlier_one_does_not() {
        assert_eq!(seen(&[(InTransit, 3), (Failure, 5)]), Failure);
        assert_eq!(seen(&[(Failure, 5), (InTransit, 3)]), Failure);
        assert_eq!(seen(&[(Failure, 5), (InTransit, 6)]), InTransit);
        assert_eq!(
            seen(&[(OutForDelivery, 4), (Failure, 5), (InTransit, 6)]),
            OutForDelivery,
            "leaving an exception never goes back a stage"
        );
    }

    #[test]
    fn the_end_is_final_and_a_return_outranks_a_delivery() {
        assert_eq!(
            seen(&[(Delivered, 3), (InTransit, 9), (Failure, 10)]),
            Delivered
        );
        assert_eq!(seen(&[(ReturnToSender, 3), (Delivered, 9)]), ReturnToSender);
        assert_eq!(seen(&[(Delivered, 9), (ReturnToSender, 3)]), ReturnToSender);
    }

    #[test]
    fn lost_trails_say_nothing() {
        assert_eq!(
            seen(&[(InTransit, 3), (Unknown, 9), (Error, 10)]),
            InTransit
        );
        assert_eq!(seen(&[(Unknown, 9)]), PreTransit);
    }
}
