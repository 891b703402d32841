//! EasyPost `tracker.updated` webhooks. EasyPost's status vocabulary is ours.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{named_carrier, parse_event, valid_tracking_code, TrackerEvent};
use crate::channels::PayloadError;
use crate::domain::shipment::TrackingUpdate;
use crate::domain::{TrackingEvent, TrackingStatus};

#[derive(Debug, Deserialize)]
struct Event {
    id: Option<String>,
    description: Option<String>,
    created_at: Option<DateTime<Utc>>,
    result: Option<Tracker>,
}

#[derive(Debug, Deserialize)]
struct Tracker {
    tracking_code: Option<String>,
    status: Option<String>,
    status_detail: Option<String>,
    carrier: Option<String>,
    updated_at: Option<DateTime<Utc>>,
    est_delivery_date: Option<DateTime<Utc>>,
    #[serde(default)]
    tracking_details: Option<Vec<Detail>>,
}

#[derive(Debug, Deserialize)]
struct Detail {
    message: Option<String>,
    status: Option<String>,
    datetime: Option<DateTime<Utc>>,
    tracking_location: Option<Location>,
}

#[derive(Debug, Deserialize)]
struct Location {
    city: Option<String>,
    state: Option<String>,
    country: Option<String>,
}

/// `Ok(None)` for events that are not about trackers (acknowledged and ignored).
pub fn parse_tracker_event(body: &[u8]) -> Result<Option<TrackerEvent>, PayloadError> {
    let event: Event = parse_event(body, "tracker event")?;
    if !matches!(
        event.description.as_deref(),
        Some("tracker.updated" | "tracker.created")
    ) {
        return Ok(None);
    }
    let tracker = event
        .result
        .ok_or_else(|| PayloadError::new("malformed_event", "tracker event has no result"))?;
    let tracking_code = tracker
        .tracking_code
        .filter(|c| valid_tracking_code(c))
        .ok_or_else(|| {
            PayloadError::new("malformed_event", "tracker has no valid tracking_code")
        })?;
    let events: Vec<TrackingEvent> = tracker
        .tracking_details
        .unwrap_or_default()
        .into_iter()
        .filter_map(|d| {
            Some(TrackingEvent {
                at: d.datetime?,
                status: status(d.status.as_deref()),
                message: d.message.unwrap_or_default().chars().take(256).collect(),
                location: d.tracking_location.and_then(location),
            })
        })
        .collect();
    let at = events
        .iter()
        .map(|e| e.at)
        .max()
        .or(tracker.updated_at)
        .or(event.created_at)
        .ok_or_else(|| PayloadError::new("malformed_event", "tracker event has no time"))?;
    Ok(Some(TrackerEvent {
        event_id: event.id.unwrap_or_default(),
        carrier: named_carrier(tracker.carrier.as_deref()),
        tracking_code,
        update: TrackingUpdate {
            status: status(tracker.status.as_deref()),
            at,
            detail: tracker.status_detail,
            estimated_delivery: tracker.est_delivery_date,
            events,
        },
    }))
}

/// EasyPost's vocabulary is ours; anything new it invents reads as `unknown` rather than failing.
fn status(text: Option<&str>) -> TrackingStatus {
    text.and_then(TrackingStatus::parse)
        .unwrap_or(TrackingStatus::Unknown)
}

fn location(l: Location) -> Option<String> {
    let parts: Vec<String> = [l.city, l.state, l.country]
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../../../tests/fixtures/easypost/tracker-updated.json");

    #[test]
    fn parses_the_sample_event() {
        let event = parse_tracker_event(SAMPLE.as_bytes()).unwrap().unwrap();
        assert_eq!(event.tracking_code, "9400100000000000000001");
        assert_eq!(event.carrier.as_deref(), Some("usps"));
        assert_eq!(event.update.status, TrackingStatus::InTransit);
        assert_eq!(event.update.events.len(), 2);
        assert_eq!(event.update.at.to_rfc3339(), "2026-10-03T14:12:00+00:00");
        assert_eq!(
            event.update.events[1].location.as_deref(),
            Some("CHAMPLAIN, NY, US")
        );
        assert!(event.update.estimated_delivery.is_some());
    }

    #[test]
    fn other_events_are_ignored_and_garbage_refused() {
        assert_eq!(
            parse_tracker_event(br#"{"description":"batch.updated"}"#).unwrap(),
            None
        );
        assert!(parse_tracker_event(b"nope").is_err());
        assert!(parse_tracker_event(br#"{"description":"tracker.updated"}"#).is_err());
        let bad_code = SAMPLE.replace("9400100000000000000001", "94001/../x");
        assert!(parse_tracker_event(bad_code.as_bytes()).is_err());
    }
}
