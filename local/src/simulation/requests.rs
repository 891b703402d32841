//! The requests the outside world sends, signed as each sender signs them.

use axum::body::Bytes;
use base64::Engine;
use hmac::{Hmac, Mac};
use http::{HeaderMap, HeaderValue, Method};
use sha2::Sha256;

/// One HTTP request to the OMS.
#[derive(Clone)]
pub struct Request {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// The secrets the functions were configured with.
#[derive(Clone)]
pub struct Secrets {
    pub shopify: String,
    pub woocommerce: String,
    pub channel: String,
    pub easypost: String,
    pub admin: String,
}

fn hmac(secret: &str, body: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

fn request(
    method: Method,
    path: &str,
    headers: &[(&'static str, String)],
    body: Vec<u8>,
) -> Request {
    let mut map = HeaderMap::new();
    map.insert("content-type", HeaderValue::from_static("application/json"));
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(value) {
            map.insert(*name, value);
        }
    }
    Request {
        method,
        path: path.to_string(),
        headers: map,
        body: Bytes::from(body),
    }
}

impl Secrets {
    pub fn shopify(&self, topic: &str, event_id: &str, body: Vec<u8>) -> Request {
        let signature =
            base64::engine::general_purpose::STANDARD.encode(hmac(&self.shopify, &body));
        request(
            Method::POST,
            "/webhooks/shopify",
            &[
                ("x-shopify-topic", topic.to_string()),
                ("x-shopify-event-id", event_id.to_string()),
                ("x-shopify-hmac-sha256", signature),
            ],
            body,
        )
    }

    pub fn woocommerce(&self, topic: &str, delivery_id: &str, body: Vec<u8>) -> Request {
        let signature =
            base64::engine::general_purpose::STANDARD.encode(hmac(&self.woocommerce, &body));
        request(
            Method::POST,
            "/webhooks/woocommerce",
            &[
                ("x-wc-webhook-topic", topic.to_string()),
                ("x-wc-webhook-delivery-id", delivery_id.to_string()),
                ("x-wc-webhook-signature", signature),
            ],
            body,
        )
    }

    /// `X-OMS-Signature` for `body` signed at `at` (unix seconds).
    fn channel_signature(&self, at: i64, body: &[u8]) -> String {
        let mut signed = format!("{at}.").into_bytes();
        signed.extend_from_slice(body);
        format!("t={at},v1={}", hex::encode(hmac(&self.channel, &signed)))
    }

    /// Signed at `at` (unix seconds), as the connector's clock reads when it sends.
    pub fn marketplace(&self, delivery_id: &str, at: i64, body: Vec<u8>) -> Request {
        let signature = self.channel_signature(at, &body);
        request(
            Method::POST,
            "/webhooks/orders",
            &[
                ("x-oms-signature", signature),
                ("x-oms-delivery-id", delivery_id.to_string()),
            ],
            body,
        )
    }

    /// The request as its sender sends it at `at`: a marketplace connector signs each attempt
    /// when it sends it; other senders sign the body alone.
    pub fn sent_at(&self, mut request: Request, at: i64) -> Request {
        if request.headers.contains_key("x-oms-signature") {
            let signature = self.channel_signature(at, &request.body);
            if let Ok(value) = HeaderValue::from_str(&signature) {
                request.headers.insert("x-oms-signature", value);
            }
        }
        request
    }

    pub fn manual(&self, key: &str, body: Vec<u8>) -> Request {
        request(
            Method::POST,
            "/orders",
            &[
                ("authorization", format!("Bearer {}", self.admin)),
                ("idempotency-key", key.to_string()),
            ],
            body,
        )
    }

    pub fn easypost(&self, body: Vec<u8>) -> Request {
        let signature = format!(
            "hmac-sha256-hex={}",
            hex::encode(hmac(&self.easypost, &body))
        );
        request(
            Method::POST,
            "/webhooks/carriers/easypost",
            &[("x-hmac-signature", signature)],
            body,
        )
    }

    pub fn admin(&self, method: Method, path: &str, body: Option<serde_json::Value>) -> Request {
        request(
            method,
            path,
            &[("authorization", format!("Bearer {}", self.admin))],
            body.map(|b| b.to_string().into_bytes()).unwrap_or_default(),
        )
    }
}
