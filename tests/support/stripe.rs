//! localstripe, as `cargo xtask test` started it: payments made the way a storefront makes them,
//! and Stripe's webhook events, signed as Stripe signs them (for the kinds localstripe does not
//! send itself).

use serde_json::{json, Value};

use crate::{hmac, unique, TestOms};

/// localstripe's base URL.
pub fn base() -> String {
    std::env::var("STRIPE_API_BASE").expect("STRIPE_API_BASE set by cargo xtask test")
}

/// localstripe's answer to `method /v1/<path>` with `fields` form-encoded, as a storefront (or
/// the merchant in Stripe's dashboard) calls it.
pub async fn call(method: reqwest::Method, path: &str, fields: &[(&str, &str)]) -> Value {
    let body: Vec<String> = fields.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let response = reqwest::Client::new()
        .request(method, format!("{}/v1/{path}", base()))
        .basic_auth("sk_test_storefront", Some(""))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.join("&"))
        .send()
        .await
        .expect("localstripe answers");
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.expect("a Stripe object")
}

/// A PaymentIntent made with `fields`.
pub async fn payment_intent(fields: &[(&str, &str)]) -> Value {
    call(reqwest::Method::POST, "payment_intents", fields).await
}

/// A card payment of `cents` US cents, taken at once or (`capture_manual`) only authorized.
pub async fn card_payment(cents: u32, capture_manual: bool) -> String {
    let amount = cents.to_string();
    let mut fields = vec![
        ("amount", amount.as_str()),
        ("currency", "usd"),
        ("payment_method", "pm_card_visa"),
        ("confirm", "true"),
    ];
    if capture_manual {
        fields.push(("capture_method", "manual"));
    }
    let intent = payment_intent(&fields).await;
    intent["id"]
        .as_str()
        .unwrap_or_else(|| panic!("an intent: {intent}"))
        .to_string()
}

/// The intent as localstripe has it now.
pub async fn intent_now(pi: &str) -> Value {
    call(reqwest::Method::GET, &format!("payment_intents/{pi}"), &[]).await
}

/// The refunds localstripe has for an intent.
pub async fn refunds_of(pi: &str) -> Vec<Value> {
    let list = call(
        reqwest::Method::GET,
        &format!("refunds?payment_intent={pi}"),
        &[],
    )
    .await;
    list["data"].as_array().cloned().unwrap_or_default()
}

/// A staff order of 2 x 10.00 USD in `payment_status`, naming `payment_intent`; its id.
pub async fn staff_order(t: &TestOms, payment_intent: &str, payment_status: &str) -> String {
    let email = format!("{}@example.com", unique("pay"));
    staff_order_for(t, payment_intent, payment_status, &email, "10.00").await
}

/// A staff order from `email` of 2 x `unit_price` USD in `payment_status`, naming
/// `payment_intent`; its id.
pub async fn staff_order_for(
    t: &TestOms,
    payment_intent: &str,
    payment_status: &str,
    email: &str,
    unit_price: &str,
) -> String {
    let body = json!({
        "currency": "USD",
        "payment_status": payment_status,
        "payment": {"gateway": "stripe", "payment_intent": payment_intent},
        "customer": {"email": email, "name": "Ana Souza"},
        "shipping_address": {"name": "Ana Souza", "line1": "500 Market St", "city": "San Francisco",
            "region": "CA", "postal_code": "94105", "country": "US"},
        "lines": [{"sku": unique("MUG"), "title": "Mug", "quantity": 2, "unit_price": unit_price, "grams": 300}],
        "totals": {"shipping": "0.00", "tax": "0.00", "discounts": "0.00"},
    });
    let response = t.manual(&serde_json::to_vec(&body).unwrap(), None).await;
    assert_eq!(response.status(), 201, "manual order refused");
    let order: Value = response.json().await.unwrap();
    order["id"].as_str().unwrap().to_string()
}

/// A Stripe event as Stripe sends it: `kind` about `object`.
pub fn event(kind: &str, object: Value) -> Value {
    json!({
        "id": unique("evt_"),
        "object": "event",
        "api_version": "2024-06-20",
        "created": chrono::Utc::now().timestamp(),
        "type": kind,
        "data": {"object": object},
    })
}

impl TestOms {
    /// The `Stripe-Signature` header for a body, signed at `at` (unix seconds) with `secret`.
    pub fn stripe_signature_with(secret: &str, body: &[u8], at: i64) -> String {
        let mut signed = format!("{at}.").into_bytes();
        signed.extend_from_slice(body);
        format!("t={at},v1={}", hex::encode(hmac(secret, &signed)))
    }

    /// Delivers a Stripe event signed now with the configured secret.
    pub async fn stripe_event(&self, event: &Value) -> reqwest::Response {
        let body = serde_json::to_vec(event).unwrap();
        let signature = Self::stripe_signature_with(
            &self.secret("STRIPE_WEBHOOK_SECRET"),
            &body,
            chrono::Utc::now().timestamp(),
        );
        self.stripe_signed(&body, Some(&signature), "application/json")
            .await
    }

    pub async fn stripe_signed(
        &self,
        body: &[u8],
        signature: Option<&str>,
        content_type: &str,
    ) -> reqwest::Response {
        let mut request = self
            .http
            .post(self.url("/webhooks/stripe"))
            .header("content-type", content_type)
            .body(body.to_vec());
        if let Some(signature) = signature {
            request = request.header("stripe-signature", signature);
        }
        request.send().await.expect("gateway answers")
    }

    /// Has localstripe send its own events to this stack, signed with its secret.
    pub async fn receive_localstripe_events(&self) {
        let response = reqwest::Client::new()
            .post(format!("{}/_config/webhooks/{}", base(), unique("oms")))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "url={}&secret={}",
                self.url("/webhooks/stripe"),
                self.secret("STRIPE_WEBHOOK_SECRET")
            ))
            .send()
            .await
            .expect("localstripe answers");
        assert!(response.status().is_success(), "{}", response.status());
    }

    /// A refund through the admin API under `key`: status and answer.
    pub async fn refund(&self, order_id: &str, body: &Value, key: &str) -> (u16, Value) {
        let response = self
            .http
            .post(self.url(&format!("/orders/{order_id}/refunds")))
            .bearer_auth(self.secret("OMS_ADMIN_TOKEN"))
            .header("idempotency-key", key)
            .json(body)
            .send()
            .await
            .expect("gateway answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }
}

/// Stripe as one stack sees it: localstripe behind a switch that takes it down (every call
/// answers 503, as Stripe does when it is in trouble) and brings it back.
pub struct FlakyStripe {
    pub url: String,
    down: std::sync::Arc<std::sync::atomic::AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FlakyStripe {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FlakyStripe {
    pub async fn start() -> Self {
        use axum::body::Bytes;
        use axum::extract::State;
        use axum::http::{HeaderMap, Method, StatusCode, Uri};
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::Arc;

        async fn forward(
            State(down): State<Arc<AtomicBool>>,
            method: Method,
            uri: Uri,
            headers: HeaderMap,
            body: Bytes,
        ) -> (StatusCode, String) {
            if down.load(Ordering::SeqCst) {
                let error = json!({"error": {"type": "api_error", "message": "Stripe is down"}});
                return (StatusCode::SERVICE_UNAVAILABLE, error.to_string());
            }
            let path = uri.path_and_query().map_or("/", |p| p.as_str());
            let mut request = reqwest::Client::new()
                .request(
                    reqwest::Method::from_bytes(method.as_str().as_bytes()).unwrap(),
                    format!("{}{path}", base()),
                )
                .body(body.to_vec());
            for name in ["authorization", "content-type", "idempotency-key"] {
                if let Some(value) = headers.get(name).and_then(|v| v.to_str().ok()) {
                    request = request.header(name, value);
                }
            }
            let Ok(response) = request.send().await else {
                return (StatusCode::BAD_GATEWAY, "{}".into());
            };
            let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
            (status, response.text().await.unwrap_or_default())
        }

        let down = Arc::new(AtomicBool::new(false));
        let app = axum::Router::new()
            .fallback(forward)
            .with_state(down.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, down, task }
    }

    pub fn set_down(&self, down: bool) {
        self.down.store(down, std::sync::atomic::Ordering::SeqCst);
    }
}
