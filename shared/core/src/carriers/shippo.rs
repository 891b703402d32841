//! Shippo `track_updated` webhooks, mapped onto our tracking vocabulary.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{named_carrier, parse_event, valid_tracking_code, TrackerEvent};
use crate::channels::PayloadError;
use crate::domain::shipment::TrackingUpdate;
use crate::domain::{TrackingEvent, TrackingStatus};

#[derive(Debug, Deserialize)]
struct Webhook {
    event: Option<String>,
    data: Option<Track>,
}

#[derive(Debug, Deserialize)]
struct Track {
    carrier: Option<String>,
    tracking_number: Option<String>,
    eta: Option<DateTime<Utc>>,
    tracking_status: Option<Status>,
    #[serde(default)]
    tracking_history: Option<Vec<Status>>,
}

#[derive(Debug, Deserialize)]
struct Status {
    status: Option<String>,
    status_details: Option<String>,
    status_date: Option<DateTime<Utc>>,
    location: Option<Location>,
}

#[derive(Debug, Deserialize)]
struct Location {
    city: Option<String>,
    state: Option<String>,
    country: Option<String>,
}

/// Shippo's statuses in our vocabulary.
pub fn status(text: &str) -> TrackingStatus {
    match text {
        "PRE_TRANSIT" => TrackingStatus::PreTransit,
        "TRANSIT" => TrackingStatus::InTransit,
        "DELIVERED" => TrackingStatus::Delivered,
        "RETURNED" => TrackingStatus::ReturnToSender,
        "FAILURE" => TrackingStatus::Failure,
        _ => TrackingStatus::Unknown,
    }
}

pub fn parse(body: &[u8]) -> Result<Option<TrackerEvent>, PayloadError> {
    let webhook: Webhook = parse_event(body, "Shippo webhook")?;
    if webhook.event.as_deref() != Some("track_updated") {
        return Ok(None);
    }
    let track = webhook
        .data
        .ok_or_else(|| PayloadError::new("malformed_event", "track_updated without data"))?;
    let tracking_code = track
        .tracking_number
        .filter(|c| valid_tracking_code(c))
        .ok_or_else(|| PayloadError::new("malformed_event", "no valid tracking_number"))?;
    let event = |s: &Status| -> Option<TrackingEvent> {
        Some(TrackingEvent {
            at: s.status_date?,
            status: status(s.status.as_deref().unwrap_or_default()),
            message: s
                .status_details
                .clone()
                .unwrap_or_default()
                .chars()
                .take(256)
                .collect(),
            location: s.location.as_ref().and_then(|l| {
                let parts: Vec<&str> = [&l.city, &l.state, &l.country]
                    .into_iter()
                    .filter_map(|p| p.as_deref())
                    .filter(|p| !p.is_empty())
                    .collect();
                (!parts.is_empty()).then(|| parts.join(", "))
            }),
        })
    };
    let current = track
        .tracking_status
        .ok_or_else(|| PayloadError::new("malformed_event", "no tracking_status"))?;
    let mut events: Vec<TrackingEvent> = track
        .tracking_history
        .unwrap_or_default()
        .iter()
        .filter_map(event)
        .collect();
    let latest = event(&current).ok_or_else(|| {
        PayloadError::new("malformed_event", "tracking_status has no status_date")
    })?;
    if !events.contains(&latest) {
        events.push(latest.clone());
    }
    Ok(Some(TrackerEvent {
        // Shippo sends no event id; its events are not idempotent, which the shipment's event
        // list handles by ignoring identical events.
        event_id: String::new(),
        // Shippo's published test webhook says `"carrier": "shippo"` at the top level and leaves
        // `data.carrier` null: that names Shippo, not the parcel's carrier.
        carrier: named_carrier(track.carrier.as_deref()),
        tracking_code,
        update: TrackingUpdate {
            status: latest.status,
            at: latest.at,
            detail: current.status_details.filter(|d| !d.is_empty()),
            estimated_delivery: track.eta,
            events,
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../../../tests/fixtures/shippo/track-updated.json");

    #[test]
    fn parses_a_track_update() {
        let event = parse(SAMPLE.as_bytes()).unwrap().unwrap();
        assert_eq!(event.carrier.as_deref(), Some("usps"));
        assert_eq!(event.update.status, TrackingStatus::Delivered);
        assert_eq!(event.update.events.len(), 2);
        assert_eq!(
            event.update.events[1].location.as_deref(),
            Some("Montreal, QC, CA")
        );
    }

    #[test]
    fn a_test_webhook_without_the_parcels_carrier_names_none() {
        let mut sample: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
        sample["carrier"] = "shippo".into();
        sample["data"]["carrier"] = serde_json::Value::Null;
        let event = parse(&serde_json::to_vec(&sample).unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(event.carrier, None);
        assert_eq!(event.tracking_code, "9400100000000000000001");
    }

    #[test]
    fn maps_every_status() {
        assert_eq!(status("RETURNED"), TrackingStatus::ReturnToSender);
        assert_eq!(status("FAILURE"), TrackingStatus::Failure);
        assert_eq!(status("UNKNOWN"), TrackingStatus::Unknown);
        assert_eq!(status("TRANSIT"), TrackingStatus::InTransit);
    }
}
