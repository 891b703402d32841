//! The carrier port on EasyPost's v2 HTTP API.

use serde::Serialize;

use super::{Call, Carrier, CarrierError, CarrierShipment, ShipmentRequest};
use crate::domain::Address;

#[derive(Clone)]
pub struct EasyPostClient {
    base_url: String,
    api_key: String,
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
    pub fn new(base_url: &str, api_key: &str) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_string(),
            api_key: api_key.to_string(),
        }
    }

    /// The process's client for outside APIs (`crate::outside_http`).
    fn http(&self) -> Result<&'static reqwest::Client, CarrierError> {
        crate::outside_http::client().map_err(CarrierError::Transient)
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

impl Carrier for EasyPostClient {
    fn create_shipment<'a>(
        &'a self,
        request: &'a ShipmentRequest<'a>,
    ) -> Call<'a, CarrierShipment> {
        Box::pin(async move {
            // EasyPost weighs parcels in ounces; round up to a tenth so a label never
            // under-declares.
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
                self.http()?
                    .post(format!("{}/v2/shipments", self.base_url))
                    .json(&body),
            )
            .await
        })
    }

    fn buy<'a>(&'a self, shipment_id: &'a str, rate_id: &'a str) -> Call<'a, CarrierShipment> {
        Box::pin(async move {
            let body = serde_json::json!({ "rate": { "id": rate_id } });
            self.send(
                self.http()?
                    .post(format!("{}/v2/shipments/{shipment_id}/buy", self.base_url))
                    .json(&body),
            )
            .await
        })
    }

    fn shipment<'a>(&'a self, shipment_id: &'a str) -> Call<'a, CarrierShipment> {
        Box::pin(async move {
            self.send(
                self.http()?
                    .get(format!("{}/v2/shipments/{shipment_id}", self.base_url)),
            )
            .await
        })
    }

    fn refund<'a>(&'a self, shipment_id: &'a str) -> Call<'a, CarrierShipment> {
        Box::pin(async move {
            self.send(self.http()?.post(format!(
                "{}/v2/shipments/{shipment_id}/refund",
                self.base_url
            )))
            .await
        })
    }

    fn download_label<'a>(&'a self, label_url: &'a str) -> Call<'a, Vec<u8>> {
        Box::pin(async move {
            let response = self
                .http()?
                .get(label_url)
                .send()
                .await
                .map_err(transient)?;
            let response = check_status(response).await?;
            let bytes = response.bytes().await.map_err(transient)?;
            if !bytes.starts_with(b"%PDF-") {
                return Err(CarrierError::Rejected("label is not a PDF".into()));
            }
            Ok(bytes.to_vec())
        })
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
