//! The carrier port: what buying and voiding a label needs (create a shipment, which returns
//! rates; buy one rate; read a shipment back; void it; download the label). `easypost::EasyPostClient`
//! speaks EasyPost's HTTP API; the in-memory world keeps a ledger. Errors come in two classes: worth
//! retrying, or a refusal of this shipment.

pub mod easypost;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::Deserialize;

pub use crate::domain::rate_choice::{choose_rate, Rate};
use crate::domain::Address;
pub use easypost::EasyPostClient;

pub type Call<'a, T> = Pin<Box<dyn Future<Output = Result<T, CarrierError>> + Send + 'a>>;

/// The carrier. Cloning shares the adapter.
pub type Carriers = Arc<dyn Carrier>;

pub trait Carrier: Send + Sync {
    /// A shipment with the carrier's rates for it; nothing is bought.
    fn create_shipment<'a>(&'a self, request: &'a ShipmentRequest<'a>)
        -> Call<'a, CarrierShipment>;
    /// Buys one of a shipment's rates; a second purchase of the same shipment is refused.
    fn buy<'a>(&'a self, shipment_id: &'a str, rate_id: &'a str) -> Call<'a, CarrierShipment>;
    fn shipment<'a>(&'a self, shipment_id: &'a str) -> Call<'a, CarrierShipment>;
    /// Voids a bought label: the carrier refunds its postage unless the parcel was scanned.
    /// Asking again for a label already being refunded is not an error.
    fn refund<'a>(&'a self, shipment_id: &'a str) -> Call<'a, CarrierShipment>;
    /// The label's PDF.
    fn download_label<'a>(&'a self, label_url: &'a str) -> Call<'a, Vec<u8>>;
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum CarrierError {
    /// Worth retrying: timeouts, 429, 5xx.
    #[error("carrier unavailable: {0}")]
    Transient(String),
    /// Retrying will not help: the carrier refused the request.
    #[error("carrier refused the request: {0}")]
    Rejected(String),
}

#[derive(Debug, Clone, Default, Deserialize)]
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

/// A carrier call that failed as worth retrying is sent again, up to three attempts in all, as
/// carriers' own client libraries do. Every call is safe to repeat: an unbought shipment costs
/// nothing, and a second purchase of a shipment is refused (the label workflow then reads the
/// first one back).
pub struct Persistent(pub Carriers);

const ATTEMPTS: u32 = 3;

async fn again<T, F, Fut>(mut call: F) -> Result<T, CarrierError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, CarrierError>>,
{
    let mut tries = 1;
    loop {
        match call().await {
            Err(CarrierError::Transient(reason)) if tries < ATTEMPTS => {
                tracing::warn!(%reason, tries, "carrier call failed; trying again");
                tokio::time::sleep(std::time::Duration::from_millis(200 << tries)).await;
                tries += 1;
            }
            answer => return answer,
        }
    }
}

impl Carrier for Persistent {
    fn create_shipment<'a>(
        &'a self,
        request: &'a ShipmentRequest<'a>,
    ) -> Call<'a, CarrierShipment> {
        Box::pin(again(move || self.0.create_shipment(request)))
    }

    fn buy<'a>(&'a self, shipment_id: &'a str, rate_id: &'a str) -> Call<'a, CarrierShipment> {
        Box::pin(again(move || self.0.buy(shipment_id, rate_id)))
    }

    fn shipment<'a>(&'a self, shipment_id: &'a str) -> Call<'a, CarrierShipment> {
        Box::pin(again(move || self.0.shipment(shipment_id)))
    }

    fn refund<'a>(&'a self, shipment_id: &'a str) -> Call<'a, CarrierShipment> {
        Box::pin(again(move || self.0.refund(shipment_id)))
    }

    fn download_label<'a>(&'a self, label_url: &'a str) -> Call<'a, Vec<u8>> {
        Box::pin(again(move || self.0.download_label(label_url)))
    }
}
