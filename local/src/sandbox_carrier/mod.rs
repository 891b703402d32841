//! A local stand-in for EasyPost's v2 shipments API (rates, buy, PDF labels) so the production label client runs offline.

mod label_pdf;

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};

use anyhow::Context as _;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A running sandbox carrier.
pub struct SandboxCarrier {
    pub base_url: String,
    server: JoinHandle<()>,
}

impl SandboxCarrier {
    /// Binds 127.0.0.1:port (0 = any free port) and serves in a tokio task until dropped or the runtime ends.
    pub async fn start(port: u16) -> anyhow::Result<SandboxCarrier> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
            .await
            .with_context(|| format!("sandbox carrier: binding 127.0.0.1:{port}"))?;
        let address = listener
            .local_addr()
            .context("sandbox carrier: reading the bound address")?;
        let base_url = format!("http://{address}");
        let app = router(Arc::new(Carrier::new(base_url.clone())));
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "sandbox carrier stopped");
            }
        });
        tracing::info!(%base_url, "sandbox carrier listening");
        Ok(SandboxCarrier { base_url, server })
    }
}

impl Drop for SandboxCarrier {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Shared state: where labels are served from, and every shipment made so far.
struct Carrier {
    base_url: String,
    ledger: Mutex<Ledger>,
}

#[derive(Default)]
struct Ledger {
    shipments: HashMap<String, Shipment>,
    /// Feeds every object id, so ids are unique per carrier and the same from run to run.
    id_serial: u64,
    tracking_serial: u64,
}

impl Carrier {
    fn new(base_url: String) -> Self {
        Carrier {
            base_url,
            ledger: Mutex::new(Ledger::default()),
        }
    }

    fn ledger(&self) -> MutexGuard<'_, Ledger> {
        // Nothing that can panic runs between the field updates made under this lock, so even a
        // poisoned lock still guards consistent data; refusing service would only hide the panic.
        self.ledger
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Ledger {
    /// An EasyPost-shaped id (`shp_` + 32 hex digits) derived from a counter, not from randomness.
    fn next_id(&mut self, prefix: &str) -> String {
        self.id_serial += 1;
        let digest = Sha256::digest(format!("sandbox-carrier:{prefix}:{}", self.id_serial));
        format!("{prefix}_{}", hex::encode(&digest[..16]))
    }

    /// "EZ" and 18 digits, counting up from EZ100000000000000001.
    fn next_tracking_code(&mut self) -> String {
        self.tracking_serial += 1;
        format!("EZ{}", 100_000_000_000_000_000 + self.tracking_serial)
    }
}

fn router(carrier: Arc<Carrier>) -> Router {
    let api = Router::new()
        .route("/v2/shipments", post(create_shipment))
        .route("/v2/shipments/{id}", get(show_shipment))
        .route("/v2/shipments/{id}/buy", post(buy_shipment))
        .route("/v2/shipments/{id}/refund", post(refund_shipment))
        .route_layer(middleware::from_fn(require_api_key));
    // Label URLs stay outside the auth layer: EasyPost's are plain links and the client fetches
    // them without credentials.
    Router::new()
        .merge(api)
        .route("/labels/{file}", get(serve_label))
        .fallback(unknown_route)
        .with_state(carrier)
}

// ---------------------------------------------------------------------------------------------
// Wire types

#[derive(Clone, Serialize)]
struct Shipment {
    id: String,
    object: &'static str,
    mode: &'static str,
    reference: Option<String>,
    created_at: String,
    updated_at: String,
    to_address: Address,
    from_address: Address,
    parcel: Parcel,
    options: serde_json::Value,
    rates: Vec<Rate>,
    selected_rate: Option<Rate>,
    tracking_code: Option<String>,
    postage_label: Option<PostageLabel>,
    tracker: Option<Tracker>,
    /// `submitted` once the label was voided (EasyPost answers the same to a repeated request).
    refund_status: Option<&'static str>,
}

#[derive(Clone, Default, Serialize, Deserialize)]
struct Address {
    #[serde(default, skip_deserializing)]
    id: String,
    #[serde(default = "address_object", skip_deserializing)]
    object: &'static str,
    name: Option<String>,
    company: Option<String>,
    street1: Option<String>,
    street2: Option<String>,
    city: Option<String>,
    state: Option<String>,
    zip: Option<String>,
    country: Option<String>,
    phone: Option<String>,
}

fn address_object() -> &'static str {
    "Address"
}

#[derive(Clone, Serialize)]
struct Parcel {
    id: String,
    object: &'static str,
    /// Ounces, as EasyPost weighs them.
    weight: f64,
}

#[derive(Clone, Serialize)]
struct Rate {
    id: String,
    object: &'static str,
    shipment_id: String,
    carrier: &'static str,
    service: &'static str,
    rate: String,
    currency: &'static str,
    delivery_days: u32,
}

#[derive(Clone, Serialize)]
struct PostageLabel {
    object: &'static str,
    label_url: String,
    label_file_type: &'static str,
    label_size: &'static str,
    label_date: String,
}

#[derive(Clone, Serialize)]
struct Tracker {
    id: String,
    object: &'static str,
    tracking_code: String,
    status: &'static str,
    carrier: &'static str,
    shipment_id: String,
}

#[derive(Deserialize)]
struct CreateShipmentBody {
    shipment: Option<ShipmentInput>,
}

#[derive(Deserialize)]
struct ShipmentInput {
    reference: Option<String>,
    to_address: Option<Address>,
    from_address: Option<Address>,
    parcel: Option<ParcelInput>,
    options: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct ParcelInput {
    weight: Option<f64>,
}

#[derive(Deserialize)]
struct BuyBody {
    rate: Option<RateChoice>,
}

#[derive(Deserialize)]
struct RateChoice {
    id: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Errors, shaped like EasyPost's: {"error": {"code", "message", "errors"}}

struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("The requested resource could not be found: {what}"),
        )
    }

    fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({
            "error": { "code": self.code, "message": self.message, "errors": [] }
        });
        (self.status, Json(body)).into_response()
    }
}

/// Parses a JSON body; broken JSON is the client's 400, well-formed JSON of the wrong shape is 422.
fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let body = if body.iter().all(u8::is_ascii_whitespace) {
        &b"{}"[..]
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|error| {
        if error.is_data() {
            ApiError::unprocessable("PARAMETER.INVALID", format!("Invalid parameter: {error}"))
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                format!("The request body is not valid JSON: {error}"),
            )
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Handlers

/// Any Basic credentials will do; what matters is that the client sends them, as it must for EasyPost.
async fn require_api_key(request: Request, next: Next) -> Response {
    if has_basic_credentials(request.headers()) {
        next.run(request).await
    } else {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "The request could not be authorized: send your API key with HTTP Basic auth.",
        )
        .into_response()
    }
}

fn has_basic_credentials(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().split_once(' '))
        .is_some_and(|(scheme, credentials)| {
            scheme.eq_ignore_ascii_case("basic") && !credentials.trim().is_empty()
        })
}

async fn create_shipment(
    State(carrier): State<Arc<Carrier>>,
    body: Bytes,
) -> Result<(StatusCode, Json<Shipment>), ApiError> {
    let body: CreateShipmentBody = parse_body(&body)?;
    let input = body.shipment.ok_or_else(|| {
        ApiError::unprocessable("PARAMETER.REQUIRED", "Missing required parameter: shipment")
    })?;
    let to_address = verified_address("to_address", input.to_address)?;
    let from_address = verified_address("from_address", input.from_address)?;
    let weight = parcel_weight(input.parcel)?;

    let now = timestamp();
    let mut ledger = carrier.ledger();
    let id = ledger.next_id("shp");
    let rates = RATE_CARD
        .iter()
        .map(|service| Rate {
            id: ledger.next_id("rate"),
            object: "Rate",
            shipment_id: id.clone(),
            carrier: CARRIER,
            service: service.name,
            rate: format_cents(price_cents(service.base_cents, weight)),
            currency: "USD",
            delivery_days: service.delivery_days,
        })
        .collect();
    let shipment = Shipment {
        id: id.clone(),
        object: "Shipment",
        mode: "test",
        reference: input.reference,
        created_at: now.clone(),
        updated_at: now,
        to_address: Address {
            id: ledger.next_id("adr"),
            ..to_address
        },
        from_address: Address {
            id: ledger.next_id("adr"),
            ..from_address
        },
        parcel: Parcel {
            id: ledger.next_id("prcl"),
            object: "Parcel",
            weight,
        },
        options: input.options.unwrap_or_else(|| serde_json::json!({})),
        rates,
        selected_rate: None,
        tracking_code: None,
        postage_label: None,
        tracker: None,
        refund_status: None,
    };
    ledger.shipments.insert(id.clone(), shipment.clone());
    drop(ledger);
    tracing::info!(shipment_id = %id, weight_oz = weight, "sandbox carrier: shipment created");
    Ok((StatusCode::CREATED, Json(shipment)))
}

async fn show_shipment(
    State(carrier): State<Arc<Carrier>>,
    Path(id): Path<String>,
) -> Result<Json<Shipment>, ApiError> {
    carrier
        .ledger()
        .shipments
        .get(&id)
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::not_found(&id))
}

async fn buy_shipment(
    State(carrier): State<Arc<Carrier>>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Shipment>, ApiError> {
    let body: BuyBody = parse_body(&body)?;
    let rate_id = body.rate.and_then(|rate| rate.id).ok_or_else(|| {
        ApiError::unprocessable("PARAMETER.REQUIRED", "Missing required parameter: rate.id")
    })?;

    // One lock for check-and-buy, so two concurrent buys can't both succeed.
    let mut ledger = carrier.ledger();
    let shipment = ledger
        .shipments
        .get(&id)
        .ok_or_else(|| ApiError::not_found(&id))?;
    if shipment.selected_rate.is_some() {
        return Err(ApiError::unprocessable(
            "SHIPMENT.POSTAGE.EXISTS",
            "The shipment has already been purchased",
        ));
    }
    let rate = shipment
        .rates
        .iter()
        .find(|rate| rate.id == rate_id)
        .cloned()
        .ok_or_else(|| {
            ApiError::unprocessable(
                "SHIPMENT.RATE.INVALID",
                format!("Rate {rate_id} is not one of this shipment's rates"),
            )
        })?;

    let tracking_code = ledger.next_tracking_code();
    let tracker_id = ledger.next_id("trk");
    let label_url = format!("{}/labels/{id}.pdf", carrier.base_url);
    let now = timestamp();
    let shipment = ledger
        .shipments
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(&id))?;
    shipment.tracking_code = Some(tracking_code.clone());
    shipment.postage_label = Some(PostageLabel {
        object: "PostageLabel",
        label_url,
        label_file_type: "application/pdf",
        label_size: "4x6",
        label_date: now.clone(),
    });
    shipment.tracker = Some(Tracker {
        id: tracker_id,
        object: "Tracker",
        tracking_code: tracking_code.clone(),
        status: "pre_transit",
        carrier: CARRIER,
        shipment_id: id.clone(),
    });
    shipment.selected_rate = Some(rate);
    shipment.updated_at = now;
    let bought = shipment.clone();
    drop(ledger);
    tracing::info!(shipment_id = %id, %tracking_code, "sandbox carrier: label bought");
    Ok(Json(bought))
}

/// Voids a bought label. The sandbox never scans parcels itself (tests post tracking webhooks),
/// so every bought label can be refunded; asking again answers the same.
async fn refund_shipment(
    State(carrier): State<Arc<Carrier>>,
    Path(id): Path<String>,
) -> Result<Json<Shipment>, ApiError> {
    let mut ledger = carrier.ledger();
    let shipment = ledger
        .shipments
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found(&id))?;
    if shipment.selected_rate.is_none() {
        return Err(ApiError::unprocessable(
            "SHIPMENT.REFUND.UNAVAILABLE",
            "The shipment has no postage to refund",
        ));
    }
    shipment.refund_status = Some("submitted");
    shipment.updated_at = timestamp();
    let refunded = shipment.clone();
    drop(ledger);
    tracing::info!(shipment_id = %id, "sandbox carrier: label refund submitted");
    Ok(Json(refunded))
}

async fn serve_label(
    State(carrier): State<Arc<Carrier>>,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let id = file
        .strip_suffix(".pdf")
        .ok_or_else(|| ApiError::not_found(&file))?;
    let shipment = carrier
        .ledger()
        .shipments
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(id))?;
    let (Some(rate), Some(tracking_code)) = (&shipment.selected_rate, &shipment.tracking_code)
    else {
        // No postage bought, no label, as with the real carrier.
        return Err(ApiError::not_found(&format!("label for {id}")));
    };
    let from_lines = address_lines(&shipment.from_address);
    let to_lines = address_lines(&shipment.to_address);
    let ship_date = shipment
        .created_at
        .get(..10)
        .unwrap_or(&shipment.created_at);
    let pdf = label_pdf::render(&label_pdf::Label {
        shipment_id: &shipment.id,
        carrier: rate.carrier,
        service: rate.service,
        postage: &rate.rate,
        delivery_days: Some(rate.delivery_days),
        weight_oz: shipment.parcel.weight,
        reference: shipment.reference.as_deref(),
        ship_date,
        from_lines: &from_lines,
        to_lines: &to_lines,
        tracking_code,
    });
    let disposition = format!("inline; filename=\"{}.pdf\"", shipment.id);
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        pdf,
    )
        .into_response())
}

async fn unknown_route() -> ApiError {
    ApiError::not_found("no such route")
}

// ---------------------------------------------------------------------------------------------
// Rules

const CARRIER: &str = "USPS";

struct Service {
    name: &'static str,
    base_cents: u64,
    delivery_days: u32,
}

/// What every shipment is offered, cheapest first.
const RATE_CARD: [Service; 3] = [
    Service {
        name: "GroundAdvantage",
        base_cents: 510,
        delivery_days: 5,
    },
    Service {
        name: "Priority",
        base_cents: 795,
        delivery_days: 2,
    },
    Service {
        name: "Express",
        base_cents: 2635,
        delivery_days: 1,
    },
];

/// Base price plus 10 cents per whole pound, so heavier parcels cost visibly more, deterministically.
fn price_cents(base_cents: u64, weight_oz: f64) -> u64 {
    // `as` saturates, and the arithmetic saturates too: an absurd weight gets an absurd price, not a panic.
    let whole_pounds = (weight_oz / 16.0).floor() as u64;
    base_cents.saturating_add(whole_pounds.saturating_mul(10))
}

fn format_cents(cents: u64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// The minimum a label needs to be deliverable; EasyPost's verification refuses less.
fn verified_address(field: &str, address: Option<Address>) -> Result<Address, ApiError> {
    let Some(address) = address else {
        return Err(ApiError::unprocessable(
            "ADDRESS.VERIFY.FAILURE",
            format!("Unable to verify {field}: it is missing"),
        ));
    };
    let missing: Vec<&str> = [
        ("street1", &address.street1),
        ("city", &address.city),
        ("country", &address.country),
    ]
    .into_iter()
    .filter(|(_, value)| value.as_deref().is_none_or(|v| v.trim().is_empty()))
    .map(|(name, _)| name)
    .collect();
    if !missing.is_empty() {
        return Err(ApiError::unprocessable(
            "ADDRESS.VERIFY.FAILURE",
            format!("Unable to verify {field}: missing {}", missing.join(", ")),
        ));
    }
    // A sandbox trigger, like a carrier's test-mode magic values: a street naming itself
    // undeliverable is refused, so the refusal path can be exercised end to end.
    let undeliverable = address
        .street1
        .as_deref()
        .is_some_and(|street| street.to_ascii_lowercase().contains("undeliverable"));
    if undeliverable {
        return Err(ApiError::unprocessable(
            "ADDRESS.VERIFY.FAILURE",
            format!("Unable to verify {field}: the address is undeliverable"),
        ));
    }
    Ok(address)
}

fn parcel_weight(parcel: Option<ParcelInput>) -> Result<f64, ApiError> {
    match parcel.and_then(|parcel| parcel.weight) {
        Some(weight) if weight.is_finite() && weight > 0.0 => Ok(weight),
        Some(weight) => Err(ApiError::unprocessable(
            "PARCEL.WEIGHT.INVALID",
            format!("parcel.weight must be a positive number of ounces, got {weight}"),
        )),
        None => Err(ApiError::unprocessable(
            "PARAMETER.REQUIRED",
            "Missing required parameter: parcel.weight",
        )),
    }
}

/// How an address is printed: name, company, street lines, "City, ST ZIP", country.
fn address_lines(address: &Address) -> Vec<String> {
    let present = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let city = present(&address.city).unwrap_or_default();
    let region = [present(&address.state), present(&address.zip)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let city_line = match (city.is_empty(), region.is_empty()) {
        (false, false) => format!("{city}, {region}"),
        (false, true) => city,
        (true, _) => region,
    };
    [
        present(&address.name),
        present(&address.company),
        present(&address.street1),
        present(&address.street2),
        Some(city_line).filter(|line| !line.is_empty()),
        present(&address.country),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn timestamp() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    const AUTH: &str = "Basic c2tfdGVzdF9zYW5kYm94Og==";

    struct Reply {
        status: u16,
        headers: String,
        body: Vec<u8>,
    }

    impl Reply {
        fn json(&self) -> Value {
            serde_json::from_slice(&self.body).unwrap()
        }
    }

    /// Just enough HTTP/1.1 to drive the carrier: one request per connection, read until close.
    async fn request(
        carrier: &SandboxCarrier,
        method: &str,
        path: &str,
        auth: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        let authority = carrier.base_url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(authority).await.unwrap();
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut head =
            format!("{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n");
        if let Some(auth) = auth {
            head.push_str(&format!("Authorization: {auth}\r\n"));
        }
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        ));
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(body.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await.unwrap();

        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let headers = String::from_utf8(raw[..split].to_vec()).unwrap();
        let status = headers[9..12].parse().unwrap();
        let body = raw[split + 4..].to_vec();
        let body = if headers
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(&body)
        } else {
            body
        };
        Reply {
            status,
            headers,
            body,
        }
    }

    fn dechunk(mut raw: &[u8]) -> Vec<u8> {
        let mut body = Vec::new();
        loop {
            let line_end = raw.windows(2).position(|w| w == b"\r\n").unwrap();
            let size_text = std::str::from_utf8(&raw[..line_end]).unwrap();
            let size = usize::from_str_radix(size_text.trim(), 16).unwrap();
            if size == 0 {
                return body;
            }
            let start = line_end + 2;
            body.extend_from_slice(&raw[start..start + size]);
            raw = &raw[start + size + 2..];
        }
    }

    fn shipment_body(to_street1: &str, weight: f64) -> Value {
        json!({
            "shipment": {
                "reference": "ord_123",
                "to_address": {
                    "name": "Ada Lovelace", "street1": to_street1, "street2": null,
                    "city": "Portland", "state": "OR", "zip": "97201", "country": "US",
                    "phone": null
                },
                "from_address": {
                    "name": "OMS Warehouse", "street1": "1 Depot Rd", "street2": "Dock 4",
                    "city": "Reno", "state": "NV", "zip": "89501", "country": "US",
                    "phone": "+17755550100"
                },
                "parcel": { "weight": weight },
                "options": { "label_format": "PDF" }
            }
        })
    }

    async fn create(carrier: &SandboxCarrier, weight: f64) -> Value {
        let reply = request(
            carrier,
            "POST",
            "/v2/shipments",
            Some(AUTH),
            Some(&shipment_body("12 Analytical Way", weight)),
        )
        .await;
        assert_eq!(
            reply.status,
            201,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        reply.json()
    }

    async fn buy(carrier: &SandboxCarrier, shipment_id: &str, rate_id: &str) -> Reply {
        let path = format!("/v2/shipments/{shipment_id}/buy");
        let body = json!({ "rate": { "id": rate_id } });
        request(carrier, "POST", &path, Some(AUTH), Some(&body)).await
    }

    #[tokio::test]
    async fn creating_a_shipment_returns_three_rates() {
        let carrier = SandboxCarrier::start(0).await.unwrap();
        let shipment = create(&carrier, 12.5).await;

        let id = shipment["id"].as_str().unwrap();
        assert!(id.starts_with("shp_") && id.len() == 36, "{id}");
        assert_eq!(shipment["object"], "Shipment");
        assert_eq!(shipment["reference"], "ord_123");
        assert!(shipment["tracking_code"].is_null());
        assert!(shipment["postage_label"].is_null());
        assert!(shipment["selected_rate"].is_null());
        let rates = shipment["rates"].as_array().unwrap();
        let summary: Vec<(&str, &str, u64)> = rates
            .iter()
            .map(|r| {
                assert!(r["id"].as_str().unwrap().starts_with("rate_"));
                assert_eq!(r["object"], "Rate");
                assert_eq!(r["shipment_id"], id);
                assert_eq!(r["carrier"], "USPS");
                assert_eq!(r["currency"], "USD");
                (
                    r["service"].as_str().unwrap(),
                    r["rate"].as_str().unwrap(),
                    r["delivery_days"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("GroundAdvantage", "5.10", 5),
                ("Priority", "7.95", 2),
                ("Express", "26.35", 1)
            ]
        );
    }

    #[tokio::test]
    async fn heavier_parcels_cost_ten_cents_more_per_pound() {
        let carrier = SandboxCarrier::start(0).await.unwrap();
        let shipment = create(&carrier, 40.0).await;
        let prices: Vec<&str> = shipment["rates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["rate"].as_str().unwrap())
            .collect();
        assert_eq!(prices, ["5.30", "8.15", "26.55"]);
    }

    #[tokio::test]
    async fn buying_sets_tracking_and_label_and_a_second_buy_is_refused() {
        let carrier = SandboxCarrier::start(0).await.unwrap();
        let shipment = create(&carrier, 12.5).await;
        let id = shipment["id"].as_str().unwrap();
        let rate_id = shipment["rates"][1]["id"].as_str().unwrap();

        let reply = buy(&carrier, id, rate_id).await;
        assert_eq!(
            reply.status,
            200,
            "{}",
            String::from_utf8_lossy(&reply.body)
        );
        let bought = reply.json();
        assert_eq!(bought["tracking_code"], "EZ100000000000000001");
        assert_eq!(bought["selected_rate"]["id"], rate_id);
        assert_eq!(bought["selected_rate"]["service"], "Priority");
        let label = &bought["postage_label"];
        assert_eq!(label["object"], "PostageLabel");
        assert_eq!(label["label_file_type"], "application/pdf");
        assert_eq!(
            label["label_url"],
            format!("{}/labels/{id}.pdf", carrier.base_url)
        );
        assert!(bought["tracker"]["id"]
            .as_str()
            .unwrap()
            .starts_with("trk_"));
        assert_eq!(bought["tracker"]["tracking_code"], "EZ100000000000000001");
        assert_eq!(bought["tracker"]["status"], "pre_transit");

        let again = buy(&carrier, id, rate_id).await;
        assert_eq!(again.status, 422);
        let error = again.json();
        assert_eq!(error["error"]["code"], "SHIPMENT.POSTAGE.EXISTS");
        assert!(error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("already been purchased"));

        let shown = request(
            &carrier,
            "GET",
            &format!("/v2/shipments/{id}"),
            Some(AUTH),
            None,
        )
        .await;
        assert_eq!(shown.status, 200);
        let shown = shown.json();
        assert_eq!(shown["tracking_code"], "EZ100000000000000001");
        assert_eq!(shown["selected_rate"]["id"], rate_id);
        assert_eq!(shown["postage_label"], bought["postage_label"]);

        // A second shipment gets the next tracking code.
        let other = create(&carrier, 3.0).await;
        let other_rate = other["rates"][0]["id"].as_str().unwrap();
        let reply = buy(&carrier, other["id"].as_str().unwrap(), other_rate).await;
        assert_eq!(reply.json()["tracking_code"], "EZ100000000000000002");
    }

    #[tokio::test]
    async fn bought_labels_can_be_voided_once_or_again_but_unbought_ones_cannot() {
        let carrier = SandboxCarrier::start(0).await.unwrap();
        let shipment = create(&carrier, 8.0).await;
        let id = shipment["id"].as_str().unwrap();
        let path = format!("/v2/shipments/{id}/refund");
        let early = request(&carrier, "POST", &path, Some(AUTH), None).await;
        assert_eq!(early.status, 422);
        assert_eq!(early.json()["error"]["code"], "SHIPMENT.REFUND.UNAVAILABLE");

        let rate_id = shipment["rates"][0]["id"].as_str().unwrap();
        assert_eq!(buy(&carrier, id, rate_id).await.status, 200);
        for _ in 0..2 {
            let refund = request(&carrier, "POST", &path, Some(AUTH), None).await;
            assert_eq!(refund.status, 200);
            assert_eq!(refund.json()["refund_status"], "submitted");
        }
        let unknown = request(
            &carrier,
            "POST",
            "/v2/shipments/shp_nope/refund",
            Some(AUTH),
            None,
        )
        .await;
        assert_eq!(unknown.status, 404);
    }

    #[tokio::test]
    async fn buying_needs_a_known_shipment_and_one_of_its_rates() {
        let carrier = SandboxCarrier::start(0).await.unwrap();
        let unknown = buy(&carrier, "shp_nope", "rate_nope").await;
        assert_eq!(unknown.status, 404);
        assert_eq!(unknown.json()["error"]["code"], "NOT_FOUND");

        let first = create(&carrier, 8.0).await;
        let second = create(&carrier, 8.0).await;
        let foreign_rate = second["rates"][0]["id"].as_str().unwrap();
        let reply = buy(&carrier, first["id"].as_str().unwrap(), foreign_rate).await;
        assert_eq!(reply.status, 422);
        assert_eq!(reply.json()["error"]["code"], "SHIPMENT.RATE.INVALID");

        let path = format!("/v2/shipments/{}/buy", first["id"].as_str().unwrap());
        let reply = request(&carrier, "POST", &path, Some(AUTH), Some(&json!({}))).await;
        assert_eq!(reply.status, 422);
        assert_eq!(reply.json()["error"]["code"], "PARAMETER.REQUIRED");
    }

    #[tokio::test]
    async fn the_label_is_a_pdf_once_bought() {
        let carrier = SandboxCarrier::start(0).await.unwrap();
        let shipment = create(&carrier, 12.5).await;
        let id = shipment["id"].as_str().unwrap();
        let label_path = format!("/labels/{id}.pdf");

        let before = request(&carrier, "GET", &label_path, None, None).await;
        assert_eq!(before.status, 404);

        let rate_id = shipment["rates"][0]["id"].as_str().unwrap();
        assert_eq!(buy(&carrier, id, rate_id).await.status, 200);
        // No Authorization header: label URLs are plain links.
        let label = request(&carrier, "GET", &label_path, None, None).await;
        assert_eq!(label.status, 200);
        assert!(label
            .headers
            .to_ascii_lowercase()
            .contains("content-type: application/pdf"));
        assert!(label.body.starts_with(b"%PDF-"));
        assert!(label.body.trim_ascii_end().ends_with(b"%%EOF"));
        let text = String::from_utf8_lossy(&label.body);
        assert!(text.contains("/MediaBox [0 0 288 432]"));
        assert!(text.contains("(EZ100000000000000001) Tj"));
        assert!(text.contains("/BaseFont /Helvetica"));

        let unknown = request(&carrier, "GET", "/labels/shp_nope.pdf", None, None).await;
        assert_eq!(unknown.status, 404);
    }

    #[tokio::test]
    async fn incomplete_addresses_and_weights_are_refused() {
        let carrier = SandboxCarrier::start(0).await.unwrap();
        let reply = request(
            &carrier,
            "POST",
            "/v2/shipments",
            Some(AUTH),
            Some(&shipment_body("  ", 12.0)),
        )
        .await;
        assert_eq!(reply.status, 422);
        let error = reply.json();
        assert_eq!(error["error"]["code"], "ADDRESS.VERIFY.FAILURE");
        assert!(error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("street1"));

        let mut no_from = shipment_body("12 Analytical Way", 12.0);
        no_from["shipment"]["from_address"]["city"] = Value::Null;
        no_from["shipment"]["from_address"]["country"] = json!("");
        let reply = request(
            &carrier,
            "POST",
            "/v2/shipments",
            Some(AUTH),
            Some(&no_from),
        )
        .await;
        assert_eq!(reply.status, 422);
        let message = reply.json()["error"]["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            message.contains("from_address") && message.contains("city, country"),
            "{message}"
        );

        for weight in [json!(0), json!(-3.5), Value::Null] {
            let mut body = shipment_body("12 Analytical Way", 1.0);
            body["shipment"]["parcel"]["weight"] = weight;
            let reply = request(&carrier, "POST", "/v2/shipments", Some(AUTH), Some(&body)).await;
            assert_eq!(reply.status, 422);
        }

        let mut wrong_type = shipment_body("12 Analytical Way", 1.0);
        wrong_type["shipment"]["parcel"]["weight"] = json!("heavy");
        let reply = request(
            &carrier,
            "POST",
            "/v2/shipments",
            Some(AUTH),
            Some(&wrong_type),
        )
        .await;
        assert_eq!(reply.status, 422);
        assert_eq!(reply.json()["error"]["code"], "PARAMETER.INVALID");
    }

    #[tokio::test]
    async fn broken_json_is_a_400_not_a_panic() {
        let carrier = SandboxCarrier::start(0).await.unwrap();
        let authority = carrier.base_url.trim_start_matches("http://");
        let mut stream = TcpStream::connect(authority).await.unwrap();
        let body = "{\"shipment\": ";
        let raw = format!(
            "POST /v2/shipments HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\
             Authorization: {AUTH}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(raw.as_bytes()).await.unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).await.unwrap();
        assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
        assert!(reply.contains("BAD_REQUEST"));
    }

    #[tokio::test]
    async fn requests_without_credentials_are_unauthorized() {
        let carrier = SandboxCarrier::start(0).await.unwrap();
        let body = shipment_body("12 Analytical Way", 12.0);
        let reply = request(&carrier, "POST", "/v2/shipments", None, Some(&body)).await;
        assert_eq!(reply.status, 401);
        assert_eq!(reply.json()["error"]["code"], "UNAUTHORIZED");

        let bearer = request(
            &carrier,
            "GET",
            "/v2/shipments/shp_x",
            Some("Bearer x"),
            None,
        )
        .await;
        assert_eq!(bearer.status, 401);
    }

    #[tokio::test]
    async fn unknown_shipments_are_404() {
        let carrier = SandboxCarrier::start(0).await.unwrap();
        let reply = request(
            &carrier,
            "GET",
            "/v2/shipments/shp_missing",
            Some(AUTH),
            None,
        )
        .await;
        assert_eq!(reply.status, 404);
        assert_eq!(reply.json()["error"]["code"], "NOT_FOUND");
    }

    #[test]
    fn address_lines_read_like_an_envelope() {
        let address = Address {
            name: Some("Ada Lovelace".into()),
            street1: Some("12 Analytical Way".into()),
            street2: Some(" ".into()),
            city: Some("Portland".into()),
            state: Some("OR".into()),
            zip: Some("97201".into()),
            country: Some("US".into()),
            ..Address::default()
        };
        assert_eq!(
            address_lines(&address),
            [
                "Ada Lovelace",
                "12 Analytical Way",
                "Portland, OR 97201",
                "US"
            ]
        );
    }
}
