//! The subset of EasyPost's HTTP API that buying a label needs: create a shipment (which returns
//! rates), buy one rate, read a shipment back, download the label.

use std::time::Duration;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::Address;

#[derive(Clone)]
pub struct EasyPostClient {
    http: reqwest::Client,
    base_url: String,
    api_key: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CarrierError {
    /// Worth retrying: timeouts, 429, 5xx.
    #[error("carrier unavailable: {0}")]
    Transient(String),
    /// Retrying will not help: the carrier refused the request.
    #[error("carrier refused the request: {0}")]
    Rejected(String),
}

#[derive(Debug, Clone, Deserialize)]
pub struct CarrierShipment {
    pub id: String,
    #[serde(default)]
    pub rates: Vec<Rate>,
    pub tracking_code: Option<String>,
    pub postage_label: Option<PostageLabel>,
    pub selected_rate: Option<Rate>,
    /// `submitted`, `refunded` or `rejected` once a refund (voiding the label) was asked for.
    #[serde(default)]
    pub refund_status: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Rate {
    pub id: String,
    pub carrier: String,
    pub service: String,
    pub rate: Decimal,
    pub currency: Option<String>,
    pub delivery_days: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PostageLabel {
    pub label_url: String,
}

/// What to ship: addresses, weight, and our reference for the carrier's records.
#[derive(Debug, Clone)]
pub struct ShipmentRequest<'a> {
    pub reference: &'a str,
    pub from: &'a Address,
    pub to: &'a Address,
    pub weight_grams: u32,
}

#[derive(Serialize)]
struct AddressBody<'a> {
    name: &'a str,
    street1: &'a str,
    street2: Option<&'a str>,
    city: &'a str,
    state: Option<&'a str>,
    zip: Option<&'a str>,
    country: &'a str,
    phone: Option<&'a str>,
}

impl<'a> From<&'a Address> for AddressBody<'a> {
    fn from(a: &'a Address) -> Self {
        Self {
            name: &a.name,
            street1: &a.line1,
            street2: a.line2.as_deref(),
            city: &a.city,
            state: a.region.as_deref(),
            zip: a.postal_code.as_deref(),
            country: &a.country,
            phone: a.phone.as_deref(),
        }
    }
}

impl EasyPostClient {
    pub fn new(base_url: &str, api_key: &str) -> Result<Self, CarrierError> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(3))
            .build()
            .map_err(|e| CarrierError::Rejected(format!("http client: {e}")))?;
        Ok(Self {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            api_key: api_key.to_string(),
        })
    }

    pub async fn create_shipment(
        &self,
        request: &ShipmentRequest<'_>,
    ) -> Result<CarrierShipment, CarrierError> {
        // EasyPost weighs parcels in ounces; round up to a tenth so a label never under-declares.
        let ounces = (f64::from(request.weight_grams) / 28.349_523_125 * 10.0).ceil() / 10.0;
        let body = serde_json::json!({
            "shipment": {
                "reference": request.reference,
                "to_address": AddressBody::from(request.to),
                "from_address": AddressBody::from(request.from),
                "parcel": { "weight": ounces.max(0.1) },
                "options": { "label_format": "PDF" },
            }
        });
        self.send(
            self.http
                .post(format!("{}/v2/shipments", self.base_url))
                .json(&body),
        )
        .await
    }

    pub async fn buy(
        &self,
        shipment_id: &str,
        rate_id: &str,
    ) -> Result<CarrierShipment, CarrierError> {
        let body = serde_json::json!({ "rate": { "id": rate_id } });
        self.send(
            self.http
                .post(format!("{}/v2/shipments/{shipment_id}/buy", self.base_url))
                .json(&body),
        )
        .await
    }

    pub async fn shipment(&self, shipment_id: &str) -> Result<CarrierShipment, CarrierError> {
        self.send(
            self.http
                .get(format!("{}/v2/shipments/{shipment_id}", self.base_url)),
        )
        .await
    }

    /// Voids a bought label: the carrier refunds its postage unless the parcel was scanned.
    /// Asking again for a label already being refunded is not an error.
    pub async fn refund(&self, shipment_id: &str) -> Result<CarrierShipment, CarrierError> {
        self.send(self.http.post(format!(
            "{}/v2/shipments/{shipment_id}/refund",
            self.base_url
        )))
        .await
    }

    pub async fn download_label(&self, label_url: &str) -> Result<Vec<u8>, CarrierError> {
        let response = self.http.get(label_url).send().await.map_err(transient)?;
        let response = check_status(response).await?;
        let bytes = response.bytes().await.map_err(transient)?;
        if !bytes.starts_with(b"%PDF-") {
            return Err(CarrierError::Rejected("label is not a PDF".into()));
        }
        Ok(bytes.to_vec())
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<CarrierShipment, CarrierError> {
        let response = request
            .basic_auth(&self.api_key, Some(""))
            .send()
            .await
            .map_err(transient)?;
        check_status(response)
            .await?
            .json::<CarrierShipment>()
            .await
            // A purchase may have gone through even if its answer is unreadable: retry, and the
            // retry reads the shipment back.
            .map_err(|e| CarrierError::Transient(format!("unreadable carrier response: {e}")))
    }
}

fn transient(e: reqwest::Error) -> CarrierError {
    CarrierError::Transient(e.to_string())
}

async fn check_status(response: reqwest::Response) -> Result<reqwest::Response, CarrierError> {
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let body: String = response
        .text()
        .await
        .unwrap_or_default()
        .chars()
        .take(500)
        .collect();
    let message = format!("HTTP {status}: {body}");
    // Only a refusal of this shipment is final; a bad key or an unpaid account is the merchant's
    // to fix, and the retries (then the dead-letter queue and its alarm) make sure someone does.
    let ours_to_fix = matches!(status.as_u16(), 401..=403);
    if status.is_server_error() || matches!(status.as_u16(), 408 | 429) || ours_to_fix {
        Err(CarrierError::Transient(message))
    } else {
        Err(CarrierError::Rejected(message))
    }
}

/// The rate to buy: the cheapest whose service matches the storefront's shipping method ("Express"
/// buys Express); else the cheapest that promises delivery within `window_days`; else, when no
/// rate promises that, the fastest (ties to the cheaper), so the customer waits as little as the
/// carrier allows.
pub fn choose_rate<'a>(
    rates: &'a [Rate],
    shipping_method: Option<&str>,
    window_days: u32,
) -> Option<&'a Rate> {
    let wanted = shipping_method.map(|m| m.trim().to_ascii_lowercase());
    let matching = wanted.filter(|w| !w.is_empty()).and_then(|w| {
        rates
            .iter()
            .filter(|r| r.service.to_ascii_lowercase().contains(&w))
            .min_by_key(|r| r.rate)
    });
    matching
        .or_else(|| {
            rates
                .iter()
                .filter(|r| r.delivery_days.is_some_and(|d| d <= window_days))
                .min_by_key(|r| r.rate)
        })
        .or_else(|| {
            rates
                .iter()
                .min_by_key(|r| (r.delivery_days.unwrap_or(u32::MAX), r.rate))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(id: &str, service: &str, price: &str, days: Option<u32>) -> Rate {
        Rate {
            id: id.into(),
            carrier: "USPS".into(),
            service: service.into(),
            rate: price.parse().unwrap(),
            currency: Some("USD".into()),
            delivery_days: days,
        }
    }

    #[test]
    fn picks_the_requested_service_else_the_cheapest_within_the_window() {
        let rates = [
            rate("a", "Priority", "7.95", Some(2)),
            rate("b", "Express", "26.35", Some(1)),
            rate("c", "GroundAdvantage", "5.10", Some(5)),
        ];
        assert_eq!(choose_rate(&rates, Some("Express"), 5).unwrap().id, "b");
        assert_eq!(choose_rate(&rates, Some("express "), 5).unwrap().id, "b");
        assert_eq!(choose_rate(&rates, Some("Standard"), 5).unwrap().id, "c");
        assert_eq!(choose_rate(&rates, None, 5).unwrap().id, "c");
        assert_eq!(choose_rate(&rates, None, 3).unwrap().id, "a");
        assert_eq!(choose_rate(&rates, Some(""), 1).unwrap().id, "b");
        assert!(choose_rate(&[], None, 5).is_none());
    }

    #[test]
    fn without_a_promise_in_the_window_the_fastest_wins() {
        let rates = [
            rate("slow", "Ground", "4.00", Some(8)),
            rate("unknown", "Economy", "3.00", None),
            rate("fast", "Priority", "9.00", Some(6)),
        ];
        assert_eq!(choose_rate(&rates, None, 5).unwrap().id, "fast");
    }
}
