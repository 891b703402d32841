//! `cargo xtask bench` (after the core's criterion benchmarks): the queued orders export
//! (`oms::workflow::order_export`) of 10,000 and then 100,000 orders stored in the in-memory
//! DynamoDB, with a file store that counts the bytes it is sent and keeps none. It prints, per
//! size, the time the export took, the orders per second, the parts, the CSV's size, and the
//! export's working memory: the most heap the process held during the export beyond what it held
//! before (the stored orders themselves are the world's, not the export's), next to the
//! process's peak RSS for reference. Given a path, it also writes them into that JSON report
//! (`target/oms-bench.json`).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use oms::aws::{ExportStore, OrderStore, Queue};
use oms::channels::native::parse_order;
use oms::domain::order_query::OrderQuery;
use oms::domain::{Channel, Order};
use oms::messages::ExportPart;
use oms::s3::{Call, FileError, S3};
use oms::workflow::order_export::OrderExports;
use oms_local::heap;
use oms_local::memory::{self, Faults, MemorySqs, QueueSettings, SimClock};

#[global_allocator]
static ALLOCATOR: oms_local::heap::Counting = oms_local::heap::Counting;

/// A file store that takes parts and forgets them, counting their bytes.
#[derive(Default)]
struct Sink {
    bytes: AtomicUsize,
}

impl S3 for Sink {
    fn put<'a>(&'a self, _: &'a str, _: &'a str, _: &'a str, bytes: Vec<u8>) -> Call<'a, ()> {
        self.bytes.fetch_add(bytes.len(), Ordering::Relaxed);
        Box::pin(async { Ok(()) })
    }

    fn link<'a>(&'a self, bucket: &'a str, key: &'a str, _: Duration) -> Call<'a, String> {
        Box::pin(async move { Ok(format!("sink://{bucket}/{key}")) })
    }

    fn start_upload<'a>(&'a self, _: &'a str, _: &'a str, _: &'a str) -> Call<'a, String> {
        Box::pin(async { Ok("upload".to_string()) })
    }

    fn upload_part<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: &'a str,
        number: i32,
        bytes: Vec<u8>,
    ) -> Call<'a, String> {
        self.bytes.fetch_add(bytes.len(), Ordering::Relaxed);
        Box::pin(async move { Ok(format!("\"part-{number}\"")) })
    }

    fn complete_upload<'a>(
        &'a self,
        _: &'a str,
        _: &'a str,
        _: &'a str,
        _: Vec<(i32, String)>,
    ) -> Call<'a, ()> {
        Box::pin(async { Ok::<(), FileError>(()) })
    }
}

const ORDER: &str = include_str!("../../../tests/fixtures/native/order.json");

/// Stores orders `from..to`, one a minute from 2026-01-01.
async fn store_orders(orders: &OrderStore, from: usize, to: usize) -> anyhow::Result<()> {
    let template: serde_json::Value = serde_json::from_str(ORDER)?;
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    for n in from..to {
        let mut body = template.clone();
        body["channel_order_id"] = serde_json::json!(format!("bench-{n}"));
        body["name"] = serde_json::json!(format!("B-{n}"));
        let new = parse_order(&serde_json::to_vec(&body)?, Channel::Marketplace, || None)?;
        let order = Order::place(new, start + chrono::Duration::minutes(n as i64));
        orders.create(&order).await?;
    }
    Ok(())
}

struct Measured {
    orders: u64,
    parts: usize,
    bytes: u64,
    seconds: f64,
    working_mb: f64,
    rss_mb: f64,
}

async fn export(exports: &OrderExports) -> anyhow::Result<Measured> {
    let before = heap::reset_peak();
    let started = Instant::now();
    let id = exports
        .start(&OrderQuery::default(), "bench", None, Utc::now())
        .await?;
    let mut part = 1;
    loop {
        exports
            .write_part(
                &ExportPart {
                    export_id: id.clone(),
                    export_part: part,
                },
                Utc::now(),
            )
            .await?;
        let export = exports.get(&id).await?.expect("the export");
        if export.finished_at.is_some() {
            return Ok(Measured {
                orders: export.orders,
                parts: export.parts.len(),
                bytes: export.bytes,
                seconds: started.elapsed().as_secs_f64(),
                working_mb: (heap::peak() - before) as f64 / 1e6,
                rss_mb: heap::peak_rss_mb(),
            });
        }
        part = export.next_part;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    let template = oms_local::template::load(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../template.yaml"
    )))?;
    let dynamo = Arc::new(memory::dynamo_from_template(
        &template,
        "bench",
        Faults::default(),
    )?);
    let table = "bench-OrdersTable";
    let sqs = MemorySqs::new(SimClock::real(), Faults::default());
    let settings = || QueueSettings {
        visibility_timeout: chrono::Duration::seconds(60),
        redrive: None,
    };
    sqs.create_queue("memory://work", settings());
    sqs.create_queue("memory://notify", settings());
    let queues: oms::sqs::Queues = Arc::new(sqs);
    let orders = OrderStore::new(dynamo.clone(), table);
    let sink = Arc::new(Sink::default());
    let exports = OrderExports {
        exports: ExportStore::new(dynamo.clone(), table),
        orders: orders.clone(),
        files: sink.clone(),
        bucket: "documents".into(),
        work_queue: Queue::new(queues.clone(), "memory://work"),
        notify_queue: Queue::new(queues, "memory://notify"),
    };

    println!("orders export, queued, in memory (one run each, same process)");
    println!(
        "{:>8} {:>9} {:>10} {:>6} {:>9} {:>15} {:>13}",
        "orders", "seconds", "orders/s", "parts", "CSV MB", "working heap MB", "peak RSS MB"
    );
    let mut stored = 0;
    let mut rows = Vec::new();
    for size in [10_000, 100_000] {
        store_orders(&orders, stored, size).await?;
        stored = size;
        let m = export(&exports).await?;
        anyhow::ensure!(m.orders == size as u64, "exported {} of {size}", m.orders);
        println!(
            "{:>8} {:>9.2} {:>10.0} {:>6} {:>9.1} {:>15.1} {:>13.0}",
            m.orders,
            m.seconds,
            m.orders as f64 / m.seconds,
            m.parts,
            m.bytes as f64 / 1e6,
            m.working_mb,
            m.rss_mb
        );
        rows.push(serde_json::json!({
            "orders": m.orders,
            "seconds": m.seconds,
            "orders_per_second": m.orders as f64 / m.seconds,
            "parts": m.parts,
            "csv_bytes": m.bytes,
            "working_heap_mb": m.working_mb,
            "peak_rss_mb": m.rss_mb,
        }));
    }
    if let Some(report) = std::env::args().nth(1) {
        oms_local::bench_report::update(
            std::path::Path::new(&report),
            &[("orders_export", serde_json::Value::Array(rows))],
        )?;
        println!("written to {report}");
    }
    Ok(())
}
