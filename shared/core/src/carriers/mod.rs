//! Carrier tracking callbacks (EasyPost, AfterShip, Shippo), each mapped onto one update shape in
//! our tracking vocabulary.

pub mod aftership;
pub mod easypost;
pub mod shippo;

use crate::channels::PayloadError;
use crate::domain::shipment::TrackingUpdate;

/// A carrier's news about one parcel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackerEvent {
    /// The sender's event id, for the logs (empty where the sender has none: Shippo). Identical
    /// events are recognized by their content instead (`Shipment::apply`).
    pub event_id: String,
    /// Canonical carrier key (see `canonical_carrier`); none when the sender did not say (Shippo's
    /// test webhook names only itself), and the parcel is then found by its tracking code alone.
    pub carrier: Option<String>,
    pub tracking_code: String,
    pub update: TrackingUpdate,
}

/// One spelling per carrier across aggregators: EasyPost says `USPS` and `DHLExpress`, AfterShip
/// `usps` and `dhl`, Shippo `usps` and `dhl_express`.
pub fn canonical_carrier(name: &str) -> String {
    let key: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    match key.as_str() {
        "dhl" | "dhlexpress" => "dhlexpress".to_string(),
        "canadapost" | "canadapostca" => "canadapost".to_string(),
        _ => key,
    }
}

/// The canonical key of a carrier name the sender gave, if it gave one.
fn named_carrier(name: Option<&str>) -> Option<String> {
    name.map(canonical_carrier).filter(|c| !c.is_empty())
}

/// Reads a carrier's JSON; anything unreadable is one `malformed_event` (400) for the carrier.
fn parse_event<T: serde::de::DeserializeOwned>(body: &[u8], what: &str) -> Result<T, PayloadError> {
    serde_json::from_slice(body)
        .map_err(|e| PayloadError::new("malformed_event", format!("{what} is not valid: {e}")))
}

/// Tracking codes are letters and digits; anything else is not one (and never reaches a key).
pub fn valid_tracking_code(code: &str) -> bool {
    !code.is_empty() && code.len() <= 64 && code.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carriers_are_spelled_one_way() {
        assert_eq!(canonical_carrier("USPS"), "usps");
        assert_eq!(canonical_carrier("DHLExpress"), "dhlexpress");
        assert_eq!(canonical_carrier("dhl_express"), "dhlexpress");
        assert_eq!(canonical_carrier("dhl"), "dhlexpress");
        assert_eq!(canonical_carrier("canada-post"), "canadapost");
    }
}
