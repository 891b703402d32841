//! The EasyPost-shaped objects the carrier keeps and answers with.

use serde::{Deserialize, Serialize};

#[derive(Clone, Serialize)]
pub(super) struct Shipment {
    pub(super) id: String,
    pub(super) object: &'static str,
    pub(super) mode: &'static str,
    pub(super) reference: Option<String>,
    pub(super) created_at: String,
    pub(super) updated_at: String,
    pub(super) to_address: Address,
    pub(super) from_address: Address,
    pub(super) parcel: Parcel,
    pub(super) options: serde_json::Value,
    pub(super) rates: Vec<Rate>,
    pub(super) selected_rate: Option<Rate>,
    pub(super) tracking_code: Option<String>,
    pub(super) postage_label: Option<PostageLabel>,
    pub(super) tracker: Option<Tracker>,
    /// `submitted` once the label was voided (EasyPost answers the same to a repeated request).
    pub(super) refund_status: Option<&'static str>,
}

#[derive(Clone, Default, Serialize, Deserialize)]
pub(super) struct Address {
    #[serde(default, skip_deserializing)]
    pub(super) id: String,
    #[serde(default = "address_object", skip_deserializing)]
    pub(super) object: &'static str,
    pub(super) name: Option<String>,
    pub(super) company: Option<String>,
    pub(super) street1: Option<String>,
    pub(super) street2: Option<String>,
    pub(super) city: Option<String>,
    pub(super) state: Option<String>,
    pub(super) zip: Option<String>,
    pub(super) country: Option<String>,
    pub(super) phone: Option<String>,
}

fn address_object() -> &'static str {
    "Address"
}

#[derive(Clone, Serialize)]
pub(super) struct Parcel {
    pub(super) id: String,
    pub(super) object: &'static str,
    /// Ounces, as EasyPost weighs them.
    pub(super) weight: f64,
}

#[derive(Clone, Serialize)]
pub(super) struct Rate {
    pub(super) id: String,
    pub(super) object: &'static str,
    pub(super) shipment_id: String,
    pub(super) carrier: &'static str,
    pub(super) service: &'static str,
    pub(super) rate: String,
    pub(super) currency: &'static str,
    pub(super) delivery_days: u32,
}

#[derive(Clone, Serialize)]
pub(super) struct PostageLabel {
    pub(super) object: &'static str,
    pub(super) label_url: String,
    pub(super) label_file_type: &'static str,
    pub(super) label_size: &'static str,
    pub(super) label_date: String,
}

#[derive(Clone, Serialize)]
pub(super) struct Tracker {
    pub(super) id: String,
    pub(super) object: &'static str,
    pub(super) tracking_code: String,
    pub(super) status: &'static str,
    pub(super) carrier: &'static str,
    pub(super) shipment_id: String,
}
