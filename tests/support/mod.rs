//! What the black-box specifications stand on: a fresh local OMS per test (its own table, queues and
//! bucket in the shared emulator), signed webhook senders, the admin client, and the emulator's
//! outbox.

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use hmac::{Hmac, Mac};
use oms_local::{LocalOms, Options};
use serde_json::Value;
use sha2::Sha256;

pub use oms_local;

pub mod browser;
pub mod logs;
pub mod stripe;

pub const SHOPIFY_ORDER: &str = include_str!("../fixtures/shopify/orders-create.json");
pub const WOOCOMMERCE_ORDER: &str = include_str!("../fixtures/woocommerce/order-created.json");
pub const NATIVE_ORDER: &str = include_str!("../fixtures/native/order.json");
pub const EASYPOST_EVENT: &str = include_str!("../fixtures/easypost/tracker-updated.json");

pub struct TestOms {
    pub oms: LocalOms,
    pub http: reqwest::Client,
}

/// The ARN of the emulator's queue at `url`.
pub async fn queue_arn(sqs: &aws_sdk_sqs::Client, url: &str) -> String {
    use aws_sdk_sqs::types::QueueAttributeName;
    sqs.get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("moto answers a queue's attributes")
        .attributes
        .and_then(|mut attributes| attributes.remove(&QueueAttributeName::QueueArn))
        .expect("a queue has an ARN")
}

/// A unique suffix per test run, so ids and resource names never collide in the shared emulator.
pub fn unique(label: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!(
        "{label}{}x{}x{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos % 100_000
    )
}

pub async fn start() -> TestOms {
    start_with(&[]).await
}

/// A fresh local OMS whose template parameters `parameters` are not their defaults.
pub async fn start_with(parameters: &[(&str, &str)]) -> TestOms {
    start_with_environment(parameters, &[]).await
}

/// A fresh local OMS with `parameters`, whose functions get `environment` instead of the
/// process's variables of those names.
pub async fn start_with_environment(
    parameters: &[(&str, &str)],
    environment: &[(&str, &str)],
) -> TestOms {
    let pairs = |list: &[(&str, &str)]| {
        list.iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    };
    let oms = LocalOms::start(Options {
        port: 0,
        prefix: unique("t"),
        parameters: pairs(parameters),
        environment: pairs(environment),
        ..Options::default()
    })
    .await
    .expect("local OMS starts against the emulator (run through `cargo xtask test`)");
    TestOms {
        oms,
        http: reqwest::Client::new(),
    }
}

/// template.yaml, as the local runner reads it.
pub fn template() -> oms_local::template::Template {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml");
    oms_local::template::load(&path).expect("template.yaml")
}

/// The orders table as template.yaml declares it.
pub fn orders_table() -> oms_local::template::Table {
    template()
        .tables
        .into_iter()
        .find(|t| t.logical_id == "OrdersTable")
        .expect("the orders table")
}

/// Runs each case twice: on moto (`on_moto`) and in the in-memory world (`in_memory`). The
/// calling file defines `async fn moto() -> World` and `fn in_memory() -> World`.
#[macro_export]
macro_rules! in_both_worlds {
    ($($case:ident),* $(,)?) => {
        $(mod $case {
            #[tokio::test]
            async fn on_moto() {
                super::$case(&super::moto().await).await;
            }
            #[tokio::test]
            async fn in_memory() {
                super::$case(&super::in_memory()).await;
            }
        })*
    };
}

/// A fresh local OMS in the in-memory world: for specifications of the rules, not of the wire.
pub async fn start_in_memory() -> TestOms {
    let oms = LocalOms::start(Options {
        port: 0,
        prefix: unique("m"),
        in_memory: true,
        ..Options::default()
    })
    .await
    .expect("local OMS starts in memory");
    TestOms {
        oms,
        http: reqwest::Client::new(),
    }
}

pub(crate) fn hmac(secret: &str, body: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// A Shopify order shaped like the real sample, with its own ids and customer.
pub fn shopify_order(order_id: &str, email: &str) -> Value {
    let mut order: Value = serde_json::from_str(SHOPIFY_ORDER).expect("fixture is JSON");
    order["id"] = Value::String(order_id.to_string());
    order["email"] = Value::String(email.to_string());
    order["contact_email"] = Value::String(email.to_string());
    order
}

impl TestOms {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.oms.api_url)
    }

    pub fn secret(&self, name: &str) -> String {
        self.oms.env(name).expect("secret configured").to_string()
    }

    /// base64(HMAC-SHA256) of `body` with the configured secret `name`: how Shopify, WooCommerce
    /// and AfterShip sign.
    pub fn base64_signature(&self, name: &str, body: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(hmac(&self.secret(name), body))
    }

    /// Delivers a Shopify webhook signed with the configured secret.
    pub async fn shopify(&self, topic: &str, body: &[u8]) -> reqwest::Response {
        let signature = self.base64_signature("SHOPIFY_WEBHOOK_SECRET", body);
        self.shopify_signed(topic, body, Some(&signature)).await
    }

    pub async fn shopify_signed(
        &self,
        topic: &str,
        body: &[u8],
        signature: Option<&str>,
    ) -> reqwest::Response {
        let mut request = self
            .http
            .post(self.url("/webhooks/shopify"))
            .header("content-type", "application/json")
            .header("x-shopify-topic", topic)
            .header("x-shopify-webhook-id", unique("wh"))
            .body(body.to_vec());
        if let Some(signature) = signature {
            request = request.header("x-shopify-hmac-sha256", signature);
        }
        request.send().await.expect("gateway answers")
    }

    /// Delivers a WooCommerce webhook signed with the configured secret.
    pub async fn woocommerce(&self, topic: &str, body: &[u8]) -> reqwest::Response {
        let signature = self.base64_signature("WOOCOMMERCE_WEBHOOK_SECRET", body);
        self.http
            .post(self.url("/webhooks/woocommerce"))
            .header("content-type", "application/json")
            .header("x-wc-webhook-topic", topic)
            .header("x-wc-webhook-delivery-id", unique("d"))
            .header("x-wc-webhook-signature", signature)
            .body(body.to_vec())
            .send()
            .await
            .expect("gateway answers")
    }

    /// The `X-OMS-Signature` header for a body, signed now (or at `at`, unix seconds).
    pub fn channel_signature(&self, body: &[u8], at: i64) -> String {
        let mut signed = format!("{at}.").into_bytes();
        signed.extend_from_slice(body);
        format!(
            "t={at},v1={}",
            hex::encode(hmac(&self.secret("OMS_CHANNEL_SECRET"), &signed))
        )
    }

    /// Pushes an order in our own format, as a marketplace connector does.
    pub async fn marketplace(&self, body: &[u8]) -> reqwest::Response {
        let signature = self.channel_signature(body, chrono::Utc::now().timestamp());
        self.marketplace_signed(body, Some(&signature)).await
    }

    pub async fn marketplace_signed(
        &self,
        body: &[u8],
        signature: Option<&str>,
    ) -> reqwest::Response {
        let mut request = self
            .http
            .post(self.url("/webhooks/orders"))
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(signature) = signature {
            request = request.header("x-oms-signature", signature);
        }
        request.send().await.expect("gateway answers")
    }

    /// Enters an order by hand through the admin API.
    pub async fn manual(&self, body: &[u8], idempotency_key: Option<&str>) -> reqwest::Response {
        let mut request = self
            .http
            .post(self.url("/orders"))
            .bearer_auth(self.secret("OMS_ADMIN_TOKEN"))
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(key) = idempotency_key {
            request = request.header("idempotency-key", key);
        }
        request.send().await.expect("gateway answers")
    }

    pub async fn admin_post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.admin(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn admin_put(&self, path: &str, body: &Value) -> (u16, Value) {
        self.admin(reqwest::Method::PUT, path, Some(body)).await
    }

    pub async fn admin_delete(&self, path: &str) -> (u16, Value) {
        self.admin(reqwest::Method::DELETE, path, None).await
    }

    /// An admin API call with the bearer token: status and JSON answer.
    pub async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, self.url(path))
            .bearer_auth(self.secret("OMS_ADMIN_TOKEN"));
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("gateway answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Sets a SKU's stock at a location through the admin API.
    pub async fn stock(&self, sku: &str, location: &str, on_hand: u32) -> Value {
        let (status, body) = self
            .admin_put(
                &format!("/inventory/{sku}"),
                &serde_json::json!({"location": location, "on_hand": on_hand}),
            )
            .await;
        assert_eq!(status, 200, "PUT /inventory/{sku}: {body}");
        body
    }

    /// Stocks `count` new SKUs named after `label` with `units` each at `main`, in one CSV
    /// import; their names.
    pub async fn many_skus(&self, label: &str, count: usize, units: u32) -> Vec<String> {
        let prefix = unique(label);
        let skus: Vec<String> = (0..count).map(|i| format!("{prefix}-{i:02}")).collect();
        let csv: String = skus
            .iter()
            .map(|sku| format!("{sku},main,{units}\n"))
            .collect();
        let imported = self
            .http
            .post(self.url("/inventory/import"))
            .bearer_auth(self.secret("OMS_ADMIN_TOKEN"))
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .expect("gateway answers");
        assert_eq!(imported.status(), 200, "import refused");
        skus
    }

    /// Pushes a paid order for these `(sku, units)` at 10.00 each, in our own format; its id.
    pub async fn paid_order_of(&self, email: &str, lines: &[(&str, u32)]) -> String {
        let body = serde_json::to_vec(&order_of(&unique("mkt"), email, lines)).unwrap();
        let response = self.marketplace(&body).await;
        assert_eq!(response.status(), 200, "order push refused");
        let answer: Value = response.json().await.expect("JSON answer");
        answer["order_id"].as_str().expect("order id").to_string()
    }

    /// Drops this stack's table. The emulator keeps every stack's state for the whole run, and the
    /// email reader loads all of it, so a test that writes thousands of items cleans up after
    /// itself to keep the tests after it fast.
    pub async fn drop_table(&self) {
        if self.oms.memory.is_some() {
            // Dropped with the stack.
            return;
        }
        let table = &self.oms.resources.refs["OrdersTable"];
        self.oms
            .aws
            .dynamodb
            .delete_table()
            .table_name(table)
            .send()
            .await
            .expect("delete table");
    }

    /// Partition keys of everything in this stack's table (a test-only scan), except the default
    /// location every stack starts with.
    pub async fn stored_keys(&self) -> Vec<String> {
        self.scan(None)
            .await
            .iter()
            .filter_map(|item| item.get("PK")?.as_s().ok().cloned())
            .filter(|pk| pk != "LOCATIONS")
            .collect()
    }

    /// Orders still carrying the journal of a write in steps (a test-only scan): none once
    /// everything has settled.
    pub async fn unfinished_writes(&self) -> usize {
        self.scan(Some("attribute_exists(saga_token)")).await.len()
    }

    async fn scan(
        &self,
        filter: Option<&str>,
    ) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        let table = &self.oms.resources.refs["OrdersTable"];
        let output = self
            .oms
            .aws
            .dynamodb
            .scan()
            .table_name(table)
            .set_filter_expression(filter.map(str::to_string))
            .send()
            .await
            .expect("scan");
        output.items.unwrap_or_default()
    }

    /// Delivers an AfterShip webhook signed with the configured secret.
    pub async fn aftership(&self, event: &Value) -> reqwest::Response {
        let body = serde_json::to_vec(event).expect("JSON");
        let signature = self.base64_signature("AFTERSHIP_WEBHOOK_SECRET", &body);
        self.http
            .post(self.url("/webhooks/carriers/aftership"))
            .header("content-type", "application/json")
            .header("aftership-hmac-sha256", signature)
            .body(body)
            .send()
            .await
            .expect("gateway answers")
    }

    /// Delivers a Shippo webhook to the callback URL with `token`.
    pub async fn shippo(&self, event: &Value, token: &str) -> reqwest::Response {
        self.http
            .post(self.url(&format!("/webhooks/carriers/shippo?token={token}")))
            .header("content-type", "application/json")
            .json(event)
            .send()
            .await
            .expect("gateway answers")
    }

    /// Delivers a Shopify `orders/create` of `order`; the id of the order it became.
    pub async fn create_shopify_order(&self, order: &Value) -> String {
        let answer: Value = self
            .shopify("orders/create", &serde_json::to_vec(order).expect("JSON"))
            .await
            .json()
            .await
            .expect("JSON answer");
        answer["order_id"]
            .as_str()
            .unwrap_or_else(|| panic!("an order id in {answer}"))
            .to_string()
    }

    /// Sends `times` label requests for the order at once, as duplicate deliveries would.
    pub async fn request_labels(&self, order_id: &str, times: usize) {
        let label_queue = &self.oms.resources.refs["LabelQueue"];
        let sends = (0..times).map(|_| {
            self.oms
                .aws
                .sqs
                .send_message()
                .queue_url(label_queue)
                .message_body(format!(r#"{{"order_id":"{order_id}"}}"#))
                .send()
        });
        for sent in futures::future::join_all(sends).await {
            sent.expect("the label queue takes it");
        }
    }

    /// Places a paid Shopify order and waits until its label is bought; returns the order.
    pub async fn shipped_order(&self, customer_email: &str) -> Value {
        let id = self
            .create_shopify_order(&shopify_order(&unique("7"), customer_email))
            .await;
        self.order_until(&id, "shipped", |o| o["status"] == "shipped")
            .await
    }

    /// Delivers an EasyPost tracker event signed with the configured secret.
    pub async fn easypost(&self, event: &Value) -> reqwest::Response {
        let body = serde_json::to_vec(event).expect("JSON");
        let signature = format!(
            "hmac-sha256-hex={}",
            hex::encode(hmac(&self.secret("EASYPOST_WEBHOOK_SECRET"), &body))
        );
        self.http
            .post(self.url("/webhooks/carriers/easypost"))
            .header("content-type", "application/json")
            .header("x-hmac-signature", signature)
            .body(body)
            .send()
            .await
            .expect("gateway answers")
    }

    pub async fn admin_get(&self, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(self.url(path))
            .bearer_auth(self.secret("OMS_ADMIN_TOKEN"))
            .send()
            .await
            .expect("gateway answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn order(&self, id: &str) -> Value {
        let (status, order) = self.admin_get(&format!("/orders/{id}")).await;
        assert_eq!(status, 200, "GET /orders/{id}: {order}");
        order
    }

    /// Waits until the order satisfies `done`, or fails showing the order as it last was.
    pub async fn order_until(&self, id: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let order = self.order(id).await;
            if done(&order) {
                return order;
            }
            assert!(
                Instant::now() < deadline,
                "order never reached: {what}; last seen: {order:#}"
            );
            tokio::time::sleep(POLL).await;
        }
    }
}

/// How many entries of `kind` the order's timeline has.
pub fn timeline_count(order: &Value, kind: &str) -> usize {
    order["timeline"]
        .as_array()
        .map_or(0, |t| t.iter().filter(|e| e["type"] == kind).count())
}

/// How long the emulator may take for anything (it is slow, never this slow).
const PATIENCE: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(250);

/// Polls `check` until it yields, for up to `PATIENCE`.
pub async fn eventually<T, F, Fut>(mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        if let Some(value) = check().await {
            return Some(value);
        }
        tokio::time::sleep(POLL).await;
    }
    None
}

/// A WooCommerce order like the sample, with its own id and customer.
pub fn woocommerce_order(order_id: u64, email: &str) -> Value {
    let mut order: Value = serde_json::from_str(WOOCOMMERCE_ORDER).expect("fixture is JSON");
    order["id"] = Value::from(order_id);
    order["number"] = Value::String(order_id.to_string());
    order["billing"]["email"] = Value::String(email.to_string());
    order
}

/// An order in our own format like the documented example, with its own id and customer.
pub fn native_order(channel_order_id: &str, email: &str) -> Value {
    let mut order: Value = serde_json::from_str(NATIVE_ORDER).expect("fixture is JSON");
    order["channel_order_id"] = Value::String(channel_order_id.to_string());
    order["customer"]["email"] = Value::String(email.to_string());
    order
}

/// A paid order in our own format for these `(sku, units)` at 10.00 each, shipped to the US.
pub fn order_of(channel_order_id: &str, email: &str, lines: &[(&str, u32)]) -> Value {
    let mut order = native_order(channel_order_id, email);
    let units: u32 = lines.iter().map(|(_, units)| units).sum();
    order["lines"] = lines
        .iter()
        .map(|(sku, units)| {
            serde_json::json!({"sku": sku, "title": format!("Item {sku}"), "quantity": units, "unit_price": "10.00", "grams": 200})
        })
        .collect();
    order["totals"] = serde_json::json!({
        "shipping": "0.00", "tax": "0.00", "discounts": "0.00",
        "total": format!("{units}0.00"),
    });
    order
}

/// The emulator's whole state. moto builds it while other requests change it and now and then
/// answers with an error page instead: ask again.
async fn emulator_data(endpoint: &str) -> Value {
    for _ in 0..10 {
        let response = reqwest::get(format!("{endpoint}/moto-api/data.json"))
            .await
            .expect("emulator answers");
        if let Ok(data) = response.json::<Value>().await {
            return data;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the emulator's data.json never came back as JSON")
}

/// Emails the emulator's SES accepted for one recipient: `{subject, body, source}` each.
pub async fn emails_to(recipient: &str) -> Vec<Value> {
    let endpoint =
        std::env::var("AWS_ENDPOINT_URL").expect("AWS_ENDPOINT_URL set by cargo xtask test");
    let data = emulator_data(&endpoint).await;
    data["ses"]["Message"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| {
            m["destinations"]["ToAddresses"]
                .as_array()
                .is_some_and(|to| to.iter().any(|a| a == recipient))
        })
        .cloned()
        .collect()
}

/// An EasyPost `tracker.updated` event for one of our parcels.
pub fn tracker_event(tracking_code: &str, carrier: &str, status: &str, at: &str) -> Value {
    let mut event: Value = serde_json::from_str(EASYPOST_EVENT).expect("fixture is JSON");
    event["id"] = Value::String(unique("evt_"));
    event["result"]["tracking_code"] = Value::String(tracking_code.to_string());
    event["result"]["carrier"] = Value::String(carrier.to_string());
    event["result"]["status"] = Value::String(status.to_string());
    event["result"]["updated_at"] = Value::String(at.to_string());
    let in_three_days = (chrono::Utc::now() + chrono::Duration::days(3)).to_rfc3339();
    event["result"]["est_delivery_date"] = Value::String(in_three_days);
    let details = event["result"]["tracking_details"]
        .as_array_mut()
        .expect("details");
    details.push(serde_json::json!({
        "object": "TrackingDetail",
        "message": format!("Status {status}"),
        "status": status,
        "datetime": at,
        "tracking_location": {"city": "MONTREAL", "state": "QC", "country": "CA"}
    }));
    event
}
