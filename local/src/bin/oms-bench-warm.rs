//! `cargo xtask bench`: order intake warm, with its I/O answered in memory. The order-intake
//! handler (built as its `main.rs` builds it, on the in-memory world's DynamoDB and SQS) takes
//! signed Shopify `orders/create` webhooks of the 20-line order, each a new order, as API Gateway
//! hands them over; the request is made before the clock starts, so each figure is the handler's
//! own time on one thread: the signature, parsing, review, making the conditional writes and the
//! payment message, less the time the in-memory world spends answering them (on AWS that is
//! DynamoDB's and SQS's time, which the function waits for: `own_time`).
//!
//! Three stacks run side by side, each in a world of its own holding 1,000, 10,000 and 100,000
//! orders; then each takes 1,000 more, taking turns, so the machine's moods (this one shares
//! its host, and its speed moves over seconds) fall on every size alike, and the ratio of their
//! medians is the scale (flat if nothing scans). It reports the time per order at each size,
//! the heap one invocation needs beyond what the process held before it (the most over the
//! run: what a function's memory must leave room for), the process's peak RSS (the worlds'
//! copies of every stored order included), and the size of the item a 100-line order is
//! stored as, against DynamoDB's 400 KB limit.
//!
//! Usage: `oms-bench-warm [report.json]`.

use std::collections::BTreeMap;

use anyhow::{bail, ensure, Context, Result};
use axum::body::Bytes;
use base64::Engine;
use hmac::{Hmac, Mac};
use http::{HeaderMap, HeaderValue, Method};
use serde_json::{json, Value};
use sha2::Sha256;

use oms_local::bench_report::{median, p90};
use oms_local::functions::{self, Handler, HttpHandler};
use oms_local::gateway::{self, Incoming};
use oms_local::{heap, own_time, LocalOms, Options};

#[global_allocator]
static ALLOCATOR: heap::Counting = heap::Counting;

const TWENTY_LINES: &str =
    include_str!("../../../tests/fixtures/shopify/orders-create-20-lines.json");
const TARGET_MICROS: f64 = 100.0;
const ITEM_LIMIT_BYTES: usize = 400 * 1024;

/// The handler and what it needs to sign requests.
struct Intake {
    handler: HttpHandler,
    secret: String,
}

impl Intake {
    /// A signed `orders/create` webhook for `order`, as the handler gets it.
    fn request(&self, order: &Value, delivery: u64) -> Result<lambda_http::Request> {
        let body = serde_json::to_vec(order)?;
        let mut mac = Hmac::<Sha256>::new_from_slice(self.secret.as_bytes())?;
        mac.update(&body);
        let signature =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        let mut headers = HeaderMap::new();
        headers.insert("content-type", HeaderValue::from_static("application/json"));
        headers.insert("x-shopify-topic", HeaderValue::from_static("orders/create"));
        headers.insert(
            "x-shopify-event-id",
            HeaderValue::from_str(&format!("warm-{delivery}"))?,
        );
        headers.insert("x-shopify-hmac-sha256", HeaderValue::from_str(&signature)?);
        let body = Bytes::from(body);
        let incoming = Incoming {
            method: &Method::POST,
            path: "/webhooks/shopify",
            query: "",
            headers: &headers,
            body: &body,
        };
        Ok(gateway::lambda_request(
            "POST /webhooks/shopify",
            &incoming,
            BTreeMap::new(),
            chrono::Utc::now(),
        )?)
    }

    /// Takes one order in; the handler's time in µs, and the heap it needed beyond what was in
    /// use before, in bytes.
    async fn take(&self, order: &Value, delivery: u64) -> Result<(f64, usize)> {
        let request = self.request(order, delivery)?;
        let before = heap::reset_peak();
        let (response, own) = own_time::measured((self.handler)(request)).await;
        let micros = own.as_secs_f64() * 1e6;
        let working = heap::peak().saturating_sub(before);
        let status = response.status();
        let body = match response.body() {
            lambda_http::Body::Text(text) => text.clone(),
            lambda_http::Body::Binary(bytes) => String::from_utf8_lossy(bytes).into_owned(),
            _ => String::new(),
        };
        ensure!(
            status == 200 && body.contains("\"created\""),
            "order {delivery} was not created: {status} {body}"
        );
        Ok((micros, working))
    }
}

/// The template order as a new order `n` (its own Shopify id and name).
fn new_order(template: &Value, n: u64) -> Value {
    let mut order = template.clone();
    order["id"] = json!(7_000_000_000_000_000u64 + n);
    order["name"] = json!(format!("#W{n}"));
    order["order_number"] = json!(100_000 + n);
    order
}

/// The 20-line order grown to `lines` distinct lines (each of its lines copied, with new ids and
/// SKUs), totals kept consistent.
fn with_lines(template: &Value, lines: usize) -> Value {
    let mut order = template.clone();
    let originals = template["line_items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut grown = Vec::new();
    for (i, original) in originals.iter().cycle().take(lines).enumerate() {
        let mut line = original.clone();
        line["id"] = json!(27_120_554_433_221_101u64 + i as u64);
        line["variant_id"] = json!(57_120_554_433_221u64 + i as u64);
        line["sku"] = json!(format!("SKU-L{i:03}"));
        line["title"] = json!(format!("Product number {i} of a long order"));
        grown.push(line);
    }
    let cents: u64 = grown
        .iter()
        .map(|line| {
            let quantity = line["quantity"].as_u64().unwrap_or(0);
            let price = line["price"].as_str().unwrap_or("0");
            let (whole, fraction) = price.split_once('.').unwrap_or((price, "0"));
            let cents = whole.parse::<u64>().unwrap_or(0) * 100
                + format!("{fraction:0<2}")[..2].parse::<u64>().unwrap_or(0);
            quantity * cents
        })
        .sum();
    let money = |cents: u64| format!("{}.{:02}", cents / 100, cents % 100);
    order["line_items"] = Value::Array(grown);
    order["total_line_items_price"] = json!(money(cents));
    order["subtotal_price"] = json!(money(cents));
    // The 20-line order's shipping and tax on top of its lines: 18.38.
    order["total_price"] = json!(money(cents + 1_838));
    order
}

/// One OMS in its own in-memory world, with its intake handler.
struct Stand {
    oms: LocalOms,
    intake: Intake,
    /// Orders taken in so far.
    taken: u64,
}

impl Stand {
    async fn up(prefix: &str) -> Result<Self> {
        let oms = LocalOms::start(Options {
            port: 0,
            prefix: prefix.into(),
            in_memory: true,
            // Only intake runs: the payment messages it queues stay queued.
            poll_queues: false,
            ..Options::default()
        })
        .await?;
        let env = &oms.environments["OrderIntakeFunction"];
        let Handler::Http(handler) = functions::build("order-intake", env, &oms.aws)? else {
            bail!("order-intake is an HTTP function");
        };
        let secret = oms
            .env("SHOPIFY_WEBHOOK_SECRET")
            .context("order-intake's Shopify secret")?
            .split(',')
            .next()
            .unwrap_or_default()
            .to_string();
        Ok(Self {
            oms,
            intake: Intake { handler, secret },
            taken: 0,
        })
    }

    /// Takes the next new order in; its time and working heap.
    async fn next(&mut self, template: &Value) -> Result<(f64, usize)> {
        self.taken += 1;
        let n = self.taken;
        self.intake.take(&new_order(template, n), n).await
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let template: Value = serde_json::from_str(TWENTY_LINES)?;
    let sizes = [1_000u64, 10_000, 100_000];
    let mut stands = Vec::new();
    for size in sizes {
        stands.push(Stand::up(&format!("warm{size}")).await?);
    }

    // The longest order first, while its item is the biggest in the table.
    let first = &mut stands[0];
    let long = with_lines(&template, 100);
    first.intake.take(&new_order(&long, 0), 0).await?;
    let world = first.oms.memory.as_ref().context("the in-memory world")?;
    let table = &first.oms.resources.refs["OrdersTable"];
    let item_bytes = world
        .dynamo
        .items(table)
        .iter()
        .map(oms_local::memory::dynamo::item_bytes)
        .max()
        .unwrap_or(0);

    // Each world filled to its size, then 1,000 more orders taken in by each, taking turns, so
    // that whatever the machine does meanwhile falls on every size alike.
    for (stand, size) in stands.iter_mut().zip(sizes) {
        while stand.taken < size {
            stand.next(&template).await?;
        }
    }
    let mut times = vec![Vec::new(); sizes.len()];
    let mut working = vec![0usize; sizes.len()];
    for _ in 0..1_000 {
        for (i, stand) in stands.iter_mut().enumerate() {
            let (micros, heap) = stand.next(&template).await?;
            times[i].push(micros);
            working[i] = working[i].max(heap);
        }
    }
    let rss = heap::peak_rss_mb();

    println!("order intake, warm, in memory: a 20-line Shopify order per invocation");
    println!(
        "{:>15} {:>10} {:>10} {:>10} {:>13}",
        "stored orders", "median", "p90", "mean", "working heap"
    );
    let mut rows = Vec::new();
    for ((size, times), working) in sizes.iter().zip(&mut times).zip(&working) {
        times.sort_by(f64::total_cmp);
        let mean = times.iter().sum::<f64>() / times.len() as f64;
        println!(
            "{:>15} {:>7.1} µs {:>7.1} µs {:>7.1} µs {:>10.1} KB",
            size,
            median(times),
            p90(times),
            mean,
            *working as f64 / 1e3,
        );
        rows.push(json!({
            "stored_orders": size,
            "micros": {"median": median(times), "p90": p90(times), "mean": mean},
            "working_heap_bytes": working,
        }));
    }
    let first = rows[0]["micros"]["median"].as_f64().unwrap_or(f64::NAN);
    let last = rows[2]["micros"]["median"].as_f64().unwrap_or(f64::NAN);
    println!(
        "per-order cost at 100,000 stored orders: {:.2}x at 1,000 (target: within 1.10x); target under {TARGET_MICROS} µs",
        last / first
    );
    println!("process peak RSS, the three worlds' copies of every order included: {rss:.0} MB");
    println!(
        "a 100-line order is stored as one {:.1} KB item ({:.1}% of DynamoDB's 400 KB limit)",
        item_bytes as f64 / 1e3,
        item_bytes as f64 * 100.0 / ITEM_LIMIT_BYTES as f64
    );
    if let Some(report) = std::env::args().nth(1) {
        oms_local::bench_report::update(
            std::path::Path::new(&report),
            &[(
                "warm_intake",
                json!({
                    "order_lines": 20,
                    "target_micros": TARGET_MICROS,
                    "sizes": rows,
                    "peak_rss_mb": rss,
                    "scale_ratio_100k_vs_1k": last / first,
                    "hundred_line_item_bytes": item_bytes,
                    "item_limit_bytes": ITEM_LIMIT_BYTES,
                }),
            )],
        )?;
        println!("written to {report}");
    }
    Ok(())
}
