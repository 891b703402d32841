//! A parcel's status is decided by what the carrier said, never by when it arrived or by how the
//! carrier's clock compares with ours: any order of any parcel's updates, with the carrier's clock
//! anywhere within a day of ours, ends in the same status, and never before the furthest stage
//! the carrier reported.

use chrono::{DateTime, Duration, TimeZone, Utc};
use oms_core::domain::shipment::{TrackingEvent, TrackingUpdate};
use oms_core::domain::{Shipment, ShipmentId, TrackingStatus};
use proptest::prelude::*;
use rust_decimal::Decimal;

const STATUSES: [TrackingStatus; 10] = [
    TrackingStatus::Unknown,
    TrackingStatus::PreTransit,
    TrackingStatus::InTransit,
    TrackingStatus::OutForDelivery,
    TrackingStatus::Delivered,
    TrackingStatus::AvailableForPickup,
    TrackingStatus::ReturnToSender,
    TrackingStatus::Failure,
    TrackingStatus::Cancelled,
    TrackingStatus::Error,
];

/// Our clock when the label was bought.
fn label_bought() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 3, 12, 0, 0).unwrap()
}

fn parcel() -> Shipment {
    Shipment {
        id: ShipmentId("shp_prop".into()),
        carrier: "UPS".into(),
        service: "Ground".into(),
        rate: Decimal::new(995, 2),
        carrier_shipment_id: "shp_carrier".into(),
        tracking_code: "1Z999".into(),
        tracking_status: TrackingStatus::PreTransit,
        status_at: None,
        progress: Default::default(),
        voided_at: None,
        estimated_delivery: None,
        label_key: "labels/prop.pdf".into(),
        lines: vec![],
        events: vec![],
        created_at: label_bought(),
        delayed_since: None,
        route: None,
        location: None,
    }
}

/// Where a status sits on the way; exceptions and lost trails are not stages.
fn stage(status: TrackingStatus) -> Option<u8> {
    match status {
        TrackingStatus::PreTransit => Some(0),
        TrackingStatus::InTransit => Some(1),
        TrackingStatus::OutForDelivery => Some(2),
        s if s.is_terminal() => Some(3),
        _ => None,
    }
}

/// A status (index into `STATUSES`) at minutes after our label, before the carrier's skew.
type Scan = (usize, i64);
/// A headline scan with a scan or two of history.
type RawUpdate = (usize, i64, Vec<Scan>);

/// An update as a carrier sends it: a headline status at its (skewed) time, with a scan or two of
/// history at other times.
fn update() -> impl Strategy<Value = RawUpdate> {
    (
        0..STATUSES.len(),
        0i64..(96 * 60),
        prop::collection::vec((0..STATUSES.len(), 0i64..(96 * 60)), 0..3),
    )
}

fn build(skew_minutes: i64, raw: &[RawUpdate]) -> Vec<TrackingUpdate> {
    let carrier_clock = |minutes: i64| label_bought() + Duration::minutes(minutes + skew_minutes);
    raw.iter()
        .map(|(status, minutes, history)| TrackingUpdate {
            status: STATUSES[*status],
            at: carrier_clock(*minutes),
            detail: None,
            estimated_delivery: None,
            events: history
                .iter()
                .map(|&(s, m)| TrackingEvent {
                    at: carrier_clock(m),
                    status: STATUSES[s],
                    message: STATUSES[s].to_string(),
                    location: None,
                })
                .collect(),
        })
        .collect()
}

fn reported(updates: &[TrackingUpdate]) -> impl Iterator<Item = TrackingStatus> + '_ {
    updates
        .iter()
        .flat_map(|u| std::iter::once(u.status).chain(u.events.iter().map(|e| e.status)))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_order_and_any_skew_end_in_the_same_status_never_behind_the_furthest_stage(
        (raw, shuffled) in prop::collection::vec(update(), 1..7)
            .prop_flat_map(|raw| (Just(raw.clone()), Just(raw).prop_shuffle())),
        skew_minutes in -(24 * 60)..=(24 * 60i64),
    ) {
        let updates = build(skew_minutes, &raw);
        let mut in_order = parcel();
        for u in &updates {
            in_order.apply(u);
        }
        let mut reordered = parcel();
        for u in &build(skew_minutes, &shuffled) {
            reordered.apply(u);
        }
        // Applying everything again (a redelivery storm) changes nothing either.
        let before_replay = reordered.clone();
        for u in updates.iter().rev() {
            reordered.apply(u);
        }
        prop_assert_eq!(&reordered, &before_replay);

        prop_assert_eq!(in_order.tracking_status, reordered.tracking_status);
        prop_assert_eq!(&in_order.events, &reordered.events);

        let end = in_order.tracking_status;
        let furthest = reported(&updates).filter_map(stage).max();
        if reported(&updates).any(TrackingStatus::is_terminal) {
            prop_assert!(end.is_terminal(), "an end was reported, the parcel is at {}", end);
        }
        if let (Some(now), Some(furthest)) = (stage(end), furthest) {
            prop_assert!(now >= furthest, "at {} behind a reported stage {}", end, furthest);
        }
    }
}

#[test]
fn a_carrier_stamping_local_time_as_utc_still_moves_the_parcel() {
    let mut s = parcel();
    let four_hours_behind = label_bought() - Duration::hours(4) + Duration::minutes(30);
    for (status, at) in [
        (TrackingStatus::InTransit, four_hours_behind),
        (
            TrackingStatus::Delivered,
            four_hours_behind + Duration::minutes(5),
        ),
    ] {
        s.apply(&TrackingUpdate {
            status,
            at,
            detail: None,
            estimated_delivery: None,
            events: vec![],
        });
    }
    assert_eq!(s.tracking_status, TrackingStatus::Delivered);
}

#[test]
fn a_voided_label_stays_cancelled() {
    let mut s = parcel();
    s.void(label_bought());
    s.apply(&TrackingUpdate {
        status: TrackingStatus::InTransit,
        at: label_bought() + Duration::hours(1),
        detail: None,
        estimated_delivery: None,
        events: vec![],
    });
    assert_eq!(s.tracking_status, TrackingStatus::Cancelled);
}
