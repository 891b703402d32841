//! `cargo xtask bench`: what 1,000 orders cost to run on AWS. Plays ordinary orders' whole lives
//! (Shopify, three lines, paid, a label, three days on the road with three carrier events,
//! delivered, an email at each step) through the six functions on the metered in-memory world,
//! then prices what the services were asked with `local/aws-prices.yaml`: DynamoDB units counted
//! from the items read and written, SQS, SES, S3 and Scheduler requests, API Gateway requests,
//! Lambda requests and GB-seconds at the template's MemorySize. Prints the bill, dearest line
//! first, and writes it to the report. With a second count, plays that many lives too and compares
//! what an order costs at each size (the pipeline's scale: flat if nothing scans).
//!
//! Usage: `oms-bench-cost [report.json] [orders] [more orders]` (default 1,000 orders).

use anyhow::{ensure, Context, Result};
use rust_decimal::Decimal;
use serde_json::json;

use oms_local::bench_report::{median, p90};
use oms_local::cost::{self, Prices};
use oms_local::simulation::lives;

/// Infrastructure, email left out, per 1,000 orders.
const TARGET_DOLLARS: Decimal = Decimal::from_parts(2, 0, 0, false, 2);
const SEED: u64 = 20261206;

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let report = args.next();
    let orders: usize = match args.next() {
        Some(n) => n.parse().context("orders must be a number")?,
        None => 1000,
    };
    let scale_to: Option<usize> = args
        .next()
        .map(|n| n.parse().context("orders must be a number"))
        .transpose()?;
    let template = oms_local::template::load(
        &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../template.yaml"),
    )?;
    let memory_mb = template
        .functions
        .iter()
        .map(|f| f.memory_mb)
        .max()
        .unwrap_or(128);
    let prices = Prices::committed()?;
    let lives = lives::order_lives(orders, SEED)?;
    ensure!(
        lives.statuses.get("closed") == Some(&orders),
        "not every order was delivered: {:?}",
        lives.statuses
    );
    let bill = cost::bill(&lives, &prices, memory_mb);
    println!(
        "cost: {orders} order lives in {:.1} s; {} invocations, {} requests, {} emails, {} labels; largest order item {:.1} KB",
        lives.seconds,
        lives.invocations,
        lives.requests,
        lives.emails,
        lives.labels,
        lives.largest_order_bytes as f64 / 1024.0
    );
    for ((table, kind), units) in &lives.capacity {
        println!(
            "  {table:<14} {kind:<24} {:>8.1} write units, {:>8.1} read units per order",
            units.writes as f64 / orders as f64,
            units.read_units() / orders as f64
        );
    }
    for ((service, operation), n) in &lives.calls {
        println!(
            "  {service:<10} {operation:<26} {:>8.2} per order",
            *n as f64 / orders as f64
        );
    }
    println!(
        "  {:<34} {:>7} {:>10} {:>10}",
        "invocation", "count", "median", "p90"
    );
    let mut invocations = serde_json::Map::new();
    for (what, took) in &lives.took {
        let mut micros: Vec<f64> = took.iter().map(|s| s * 1e6).collect();
        micros.sort_by(f64::total_cmp);
        let (median, p90) = (median(&micros), p90(&micros));
        println!(
            "  {what:<34} {:>7} {median:>7.0} µs {p90:>7.0} µs",
            micros.len()
        );
        invocations.insert(
            what.clone(),
            json!({"count": micros.len(), "median_us": median.round(), "p90_us": p90.round()}),
        );
    }
    print!("{}", bill.table());
    let infrastructure = bill.infrastructure();
    println!(
        "target: infrastructure under ${TARGET_DOLLARS} per 1,000 orders: {}",
        if infrastructure < TARGET_DOLLARS {
            "met"
        } else {
            "NOT met"
        }
    );
    let mut scale = serde_json::Value::Null;
    if let Some(more) = scale_to {
        let bigger = lives::order_lives(more, SEED)?;
        ensure!(
            bigger.statuses.get("closed") == Some(&more),
            "not every order was delivered: {:?}",
            bigger.statuses
        );
        let (small, large) = (PerOrder::of(&lives), PerOrder::of(&bigger));
        println!(
            "scale: {:>8} {:>12} {:>12} {:>12} {:>12}",
            "orders", "compute µs", "invocations", "write units", "requests"
        );
        for (count, per) in [(orders, &small), (more, &large)] {
            println!(
                "scale: {count:>8} {:>12.0} {:>12.2} {:>12.2} {:>12.2}",
                per.compute_us, per.invocations, per.write_units, per.requests
            );
        }
        let ratio = large.compute_us / small.compute_us;
        println!(
            "scale: an order's compute at {more} orders is {ratio:.2}x its cost at {orders} (target: within 1.10x)"
        );
        scale = json!({
            "orders": [orders, more],
            "compute_us_per_order": [small.compute_us.round(), large.compute_us.round()],
            "write_units_per_order": [small.write_units, large.write_units],
            "ratio": (ratio * 100.0).round() / 100.0,
        });
    }
    if let Some(path) = report {
        let lines: Vec<_> = bill
            .lines
            .iter()
            .map(|l| {
                json!({
                    "service": l.service,
                    "what": l.what,
                    "quantity": l.quantity.round_dp(2).to_string(),
                    "dollars": l.dollars.round_dp(6).to_string(),
                })
            })
            .collect();
        let calls: serde_json::Map<_, _> = lives
            .calls
            .iter()
            .map(|((s, o), n)| (format!("{s}.{o}"), json!(n)))
            .collect();
        oms_local::bench_report::update(
            std::path::Path::new(&path),
            &[(
                "cost_per_1000_orders",
                json!({
                    "orders": orders,
                    "prices_date": prices.date,
                    "memory_mb": memory_mb,
                    "infrastructure_dollars": infrastructure.round_dp(6).to_string(),
                    "with_email_dollars": bill.total().round_dp(6).to_string(),
                    "target_dollars": TARGET_DOLLARS.to_string(),
                    "lines": lines,
                    "calls": calls,
                    "invocations": lives.invocations,
                    "invocation_times": invocations,
                    "largest_order_item_bytes": lives.largest_order_bytes,
                    "scale": scale,
                }),
            )],
        )?;
    }
    Ok(())
}

/// What one order of a run took, on average. Its compute counts each kind of invocation at that
/// kind's median: a sum of every invocation's time would also sum the machine's hiccups (a page
/// fault as the world's heap grows, another process's turn), which vary by a tenth or more from
/// run to run on two cores.
struct PerOrder {
    compute_us: f64,
    invocations: f64,
    write_units: f64,
    requests: f64,
}

impl PerOrder {
    fn of(lives: &lives::Lives) -> Self {
        let orders = lives.orders.max(1) as f64;
        let seconds: f64 = lives
            .took
            .values()
            .map(|took| {
                let mut sorted = took.clone();
                sorted.sort_by(f64::total_cmp);
                median(&sorted) * sorted.len() as f64
            })
            .sum();
        Self {
            compute_us: seconds * 1e6 / orders,
            invocations: lives.invocations as f64 / orders,
            write_units: lives.capacity.values().map(|u| u.writes).sum::<u64>() as f64 / orders,
            requests: lives.calls.values().sum::<u64>() as f64 / orders,
        }
    }
}
