//! AfterShip `tracking_update` webhooks, mapped onto our tracking vocabulary.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

use super::{named_carrier, parse_event, valid_tracking_code, TrackerEvent};
use crate::channels::PayloadError;
use crate::domain::shipment::TrackingUpdate;
use crate::domain::{TrackingEvent, TrackingStatus};

#[derive(Debug, Deserialize)]
struct Webhook {
    event: Option<String>,
    event_id: Option<String>,
    msg: Option<Tracking>,
}

#[derive(Debug, Deserialize)]
struct Tracking {
    tracking_number: Option<String>,
    slug: Option<String>,
    tag: Option<String>,
    subtag_message: Option<String>,
    expected_delivery: Option<String>,
    updated_at: Option<String>,
    #[serde(default)]
    checkpoints: Option<Vec<Checkpoint>>,
}

#[derive(Debug, Deserialize)]
struct Checkpoint {
    checkpoint_time: Option<String>,
    tag: Option<String>,
    message: Option<String>,
    location: Option<String>,
    city: Option<String>,
    state: Option<String>,
    country_iso3: Option<String>,
}

/// AfterShip's tags in our vocabulary (the mapping table of the tracking design).
pub fn status(tag: &str) -> TrackingStatus {
    match tag {
        "Pending" | "InfoReceived" => TrackingStatus::PreTransit,
        "InTransit" => TrackingStatus::InTransit,
        "OutForDelivery" => TrackingStatus::OutForDelivery,
        "Delivered" => TrackingStatus::Delivered,
        "AvailableForPickup" => TrackingStatus::AvailableForPickup,
        "Exception" | "AttemptFail" => TrackingStatus::Failure,
        _ => TrackingStatus::Unknown,
    }
}

/// `Ok(None)` for webhook events that are not tracking updates.
pub fn parse(body: &[u8]) -> Result<Option<TrackerEvent>, PayloadError> {
    let webhook: Webhook = parse_event(body, "AfterShip webhook")?;
    if webhook.event.as_deref() != Some("tracking_update") {
        return Ok(None);
    }
    let tracking = webhook
        .msg
        .ok_or_else(|| PayloadError::new("malformed_event", "tracking update without msg"))?;
    let tracking_code = tracking
        .tracking_number
        .filter(|c| valid_tracking_code(c))
        .ok_or_else(|| PayloadError::new("malformed_event", "no valid tracking_number"))?;
    let tag = tracking.tag.unwrap_or_default();
    let events: Vec<TrackingEvent> = tracking
        .checkpoints
        .unwrap_or_default()
        .into_iter()
        .filter_map(|c| {
            let at = time(c.checkpoint_time.as_deref()?)?;
            let location = c.location.filter(|l| !l.is_empty()).or_else(|| {
                let parts: Vec<String> = [c.city, c.state, c.country_iso3]
                    .into_iter()
                    .flatten()
                    .filter(|p| !p.is_empty())
                    .collect();
                (!parts.is_empty()).then(|| parts.join(", "))
            });
            Some(TrackingEvent {
                at,
                status: status(c.tag.as_deref().unwrap_or_default()),
                message: c.message.unwrap_or_default().chars().take(256).collect(),
                location,
            })
        })
        .collect();
    let at = events
        .iter()
        .map(|e| e.at)
        .max()
        .or_else(|| tracking.updated_at.as_deref().and_then(time))
        .ok_or_else(|| PayloadError::new("malformed_event", "tracking update has no time"))?;
    Ok(Some(TrackerEvent {
        event_id: webhook.event_id.unwrap_or_default(),
        carrier: named_carrier(tracking.slug.as_deref()),
        tracking_code,
        update: TrackingUpdate {
            status: status(&tag),
            at,
            detail: tracking.subtag_message.filter(|d| !d.is_empty()),
            estimated_delivery: tracking.expected_delivery.as_deref().and_then(time),
            events,
        },
    }))
}

/// AfterShip sends times with an offset, without one (carrier local time: read as UTC), or as a
/// bare date.
fn time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
                .ok()
                .map(|n| n.and_utc())
        })
        .or_else(|| {
            chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|n| n.and_utc())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../../../tests/fixtures/aftership/tracking-update.json");

    #[test]
    fn parses_a_tracking_update() {
        let event = parse(SAMPLE.as_bytes()).unwrap().unwrap();
        assert_eq!(event.carrier.as_deref(), Some("usps"));
        assert_eq!(event.tracking_code, "9400100000000000000001");
        assert_eq!(event.update.status, TrackingStatus::OutForDelivery);
        assert_eq!(event.update.events.len(), 2);
        assert_eq!(event.update.events[0].status, TrackingStatus::InTransit);
        assert!(event.update.estimated_delivery.is_some());
    }

    #[test]
    fn maps_every_tag() {
        for (tag, ours) in [
            ("Pending", TrackingStatus::PreTransit),
            ("InfoReceived", TrackingStatus::PreTransit),
            ("InTransit", TrackingStatus::InTransit),
            ("OutForDelivery", TrackingStatus::OutForDelivery),
            ("AttemptFail", TrackingStatus::Failure),
            ("Delivered", TrackingStatus::Delivered),
            ("AvailableForPickup", TrackingStatus::AvailableForPickup),
            ("Exception", TrackingStatus::Failure),
            ("Expired", TrackingStatus::Unknown),
        ] {
            assert_eq!(status(tag), ours, "{tag}");
        }
    }

    #[test]
    fn other_events_are_ignored() {
        assert_eq!(parse(br#"{"event":"test"}"#).unwrap(), None);
    }
}
