//! The carrier in memory: a ledger of shipments priced by the sandbox carrier's rate card. Like
//! EasyPost it sells each shipment once (a second purchase is refused), voids a bought label
//! until the parcel is scanned (then the refund is `rejected`), and answers in the port's two
//! error classes. Ids count up, so a run is the same every time.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use oms::carrier::{
    Call, Carrier, CarrierError, CarrierShipment, PostageLabel, Rate, ShipmentRequest,
};
use rust_decimal::Decimal;

use super::faults::{Faults, Injected};
use crate::sandbox_carrier::rates::{price_cents, CARRIER, RATE_CARD};

impl Injected for CarrierError {
    fn failed() -> Self {
        CarrierError::Transient("HTTP 503 (injected)".into())
    }
    fn throttled() -> Self {
        CarrierError::Transient("HTTP 429 (injected)".into())
    }
    fn lost() -> Self {
        CarrierError::Transient("timed out after the carrier acted (injected)".into())
    }
}

/// A label the carrier sold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoldLabel {
    pub shipment_id: String,
    /// Our reference on the shipment: the order id.
    pub reference: String,
    pub tracking_code: String,
    pub refunded: bool,
}

#[derive(Clone, Default)]
pub struct MemoryCarrier {
    ledger: Arc<Mutex<Ledger>>,
    faults: Faults,
}

#[derive(Default)]
struct Ledger {
    shipments: BTreeMap<String, Entry>,
    /// Shipment ids in the order their labels were sold.
    sales: Vec<String>,
    serial: u64,
}

struct Entry {
    reference: String,
    shipment: CarrierShipment,
    scanned: bool,
}

const LABEL_PREFIX: &str = "memory://carrier/labels/";

impl MemoryCarrier {
    pub fn new(faults: Faults) -> Self {
        Self {
            ledger: Arc::default(),
            faults,
        }
    }

    fn ledger(&self) -> MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The labels sold after the first `from`, in the order they were sold.
    pub fn sold_since(&self, from: usize) -> Vec<SoldLabel> {
        let ledger = self.ledger();
        ledger
            .sales
            .iter()
            .skip(from)
            .filter_map(|id| {
                let entry = ledger.shipments.get(id)?;
                Some(SoldLabel {
                    shipment_id: id.clone(),
                    reference: entry.reference.clone(),
                    tracking_code: entry.shipment.tracking_code.clone()?,
                    refunded: entry.shipment.refund_status.as_deref() == Some("submitted"),
                })
            })
            .collect()
    }

    /// Every label sold so far, in the order they were sold.
    pub fn sold(&self) -> Vec<SoldLabel> {
        self.sold_since(0)
    }

    /// Whether the label of shipment `shipment_id` was voided (its postage refunded).
    pub fn refunded(&self, shipment_id: &str) -> bool {
        self.ledger()
            .shipments
            .get(shipment_id)
            .is_some_and(|e| e.shipment.refund_status.as_deref() == Some("submitted"))
    }

    /// The parcel of shipment `shipment_id` is in the carrier's hands: its label can no longer
    /// be voided.
    pub fn scan(&self, shipment_id: &str) {
        if let Some(entry) = self.ledger().shipments.get_mut(shipment_id) {
            entry.scanned = true;
        }
    }

    async fn act<T>(
        &self,
        operation: &'static str,
        act: impl FnOnce(&mut Ledger) -> Result<T, CarrierError>,
    ) -> Result<T, CarrierError> {
        let fate = self.faults.call("carrier", operation).await;
        fate.before::<CarrierError>()?;
        let answer = act(&mut self.ledger())?;
        fate.after(answer)
    }
}

impl Ledger {
    fn next(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }

    fn entry(&mut self, id: &str) -> Result<&mut Entry, CarrierError> {
        self.shipments
            .get_mut(id)
            .ok_or_else(|| CarrierError::Rejected(format!("HTTP 404: shipment {id} not found")))
    }
}

impl Carrier for MemoryCarrier {
    fn create_shipment<'a>(
        &'a self,
        request: &'a ShipmentRequest<'a>,
    ) -> Call<'a, CarrierShipment> {
        Box::pin(self.act("create_shipment", move |ledger| {
            if request.to.country.trim().is_empty() {
                return Err(CarrierError::Rejected(
                    "HTTP 422: ADDRESS.COUNTRY.INVALID".into(),
                ));
            }
            let id = format!("shp_{:024}", ledger.next());
            let ounces = f64::from(request.weight_grams) / 28.349_523_125;
            let rates = RATE_CARD
                .iter()
                .map(|service| Rate {
                    id: format!("rate_{:024}", ledger.next()),
                    carrier: CARRIER.into(),
                    service: service.name.into(),
                    rate: Decimal::new(
                        i64::try_from(price_cents(service.base_cents, ounces)).unwrap_or(i64::MAX),
                        2,
                    ),
                    currency: Some("USD".into()),
                    delivery_days: Some(service.delivery_days),
                })
                .collect();
            let shipment = CarrierShipment {
                id: id.clone(),
                rates,
                ..CarrierShipment::default()
            };
            ledger.shipments.insert(
                id,
                Entry {
                    reference: request.reference.to_string(),
                    shipment: shipment.clone(),
                    scanned: false,
                },
            );
            Ok(shipment)
        }))
    }

    fn buy<'a>(&'a self, shipment_id: &'a str, rate_id: &'a str) -> Call<'a, CarrierShipment> {
        Box::pin(self.act("buy", move |ledger| {
            let serial = ledger.next();
            let entry = ledger.entry(shipment_id)?;
            if entry.shipment.selected_rate.is_some() {
                return Err(CarrierError::Rejected(
                    "HTTP 422: SHIPMENT.POSTAGE.EXISTS".into(),
                ));
            }
            let rate = entry
                .shipment
                .rates
                .iter()
                .find(|r| r.id == rate_id)
                .cloned()
                .ok_or_else(|| CarrierError::Rejected("HTTP 422: SHIPMENT.RATE.INVALID".into()))?;
            let code = format!("EZ{}", 100_000_000_000_000_000u64 + serial);
            entry.shipment.postage_label = Some(PostageLabel {
                label_url: format!("{LABEL_PREFIX}{code}.pdf"),
            });
            entry.shipment.tracking_code = Some(code);
            entry.shipment.selected_rate = Some(rate);
            let bought = entry.shipment.clone();
            ledger.sales.push(shipment_id.to_string());
            Ok(bought)
        }))
    }

    fn shipment<'a>(&'a self, shipment_id: &'a str) -> Call<'a, CarrierShipment> {
        Box::pin(self.act("shipment", move |ledger| {
            Ok(ledger.entry(shipment_id)?.shipment.clone())
        }))
    }

    fn refund<'a>(&'a self, shipment_id: &'a str) -> Call<'a, CarrierShipment> {
        Box::pin(self.act("refund", move |ledger| {
            let entry = ledger.entry(shipment_id)?;
            if entry.shipment.selected_rate.is_none() {
                return Err(CarrierError::Rejected(
                    "HTTP 422: SHIPMENT.REFUND.UNAVAILABLE".into(),
                ));
            }
            if entry.shipment.refund_status.is_none() {
                entry.shipment.refund_status = Some(
                    if entry.scanned {
                        "rejected"
                    } else {
                        "submitted"
                    }
                    .into(),
                );
            }
            Ok(entry.shipment.clone())
        }))
    }

    fn download_label<'a>(&'a self, label_url: &'a str) -> Call<'a, Vec<u8>> {
        Box::pin(self.act("download_label", move |_| {
            let code = label_url
                .strip_prefix(LABEL_PREFIX)
                .and_then(|f| f.strip_suffix(".pdf"))
                .ok_or_else(|| CarrierError::Rejected(format!("HTTP 404: {label_url}")))?;
            Ok(format!("%PDF-1.4\n% label {code}\n%%EOF\n").into_bytes())
        }))
    }
}
