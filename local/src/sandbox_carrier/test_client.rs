//! The tests' client: just enough HTTP to drive a running carrier, and the requests they send.

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::SandboxCarrier;

pub(super) const AUTH: &str = "Basic c2tfdGVzdF9zYW5kYm94Og==";

pub(super) struct Reply {
    pub(super) status: u16,
    pub(super) headers: String,
    pub(super) body: Vec<u8>,
}

impl Reply {
    pub(super) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// Just enough HTTP/1.1 to drive the carrier: one request per connection, read until close.
pub(super) async fn request(
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

pub(super) fn shipment_body(to_street1: &str, weight: f64) -> Value {
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

pub(super) async fn create(carrier: &SandboxCarrier, weight: f64) -> Value {
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

pub(super) async fn buy(carrier: &SandboxCarrier, shipment_id: &str, rate_id: &str) -> Reply {
    let path = format!("/v2/shipments/{shipment_id}/buy");
    let body = json!({ "rate": { "id": rate_id } });
    request(carrier, "POST", &path, Some(AUTH), Some(&body)).await
}
