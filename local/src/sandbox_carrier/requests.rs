//! What clients send: request bodies, read as EasyPost reads them, and the checks a new shipment
//! must pass (a deliverable address, a real weight).

use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::error::ApiError;
use super::objects::Address;

#[derive(Deserialize)]
pub(super) struct CreateShipmentBody {
    pub(super) shipment: Option<ShipmentInput>,
}

#[derive(Deserialize)]
pub(super) struct ShipmentInput {
    pub(super) reference: Option<String>,
    pub(super) to_address: Option<Address>,
    pub(super) from_address: Option<Address>,
    pub(super) parcel: Option<ParcelInput>,
    pub(super) options: Option<serde_json::Value>,
}

#[derive(Deserialize)]
pub(super) struct ParcelInput {
    weight: Option<f64>,
}

#[derive(Deserialize)]
pub(super) struct BuyBody {
    pub(super) rate: Option<RateChoice>,
}

#[derive(Deserialize)]
pub(super) struct RateChoice {
    pub(super) id: Option<String>,
}

/// Parses a JSON body; broken JSON is the client's 400, well-formed JSON of the wrong shape is 422.
pub(super) fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
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

/// The minimum a label needs to be deliverable; EasyPost's verification refuses less.
pub(super) fn verified_address(field: &str, address: Option<Address>) -> Result<Address, ApiError> {
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

pub(super) fn parcel_weight(parcel: Option<ParcelInput>) -> Result<f64, ApiError> {
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

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use crate::sandbox_carrier::test_client::{request, shipment_body, AUTH};
    use crate::sandbox_carrier::SandboxCarrier;

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
}
