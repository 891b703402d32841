//! An ordinary order's whole life, many times over, on a metered world and without faults: stock
//! is counted first, then each order comes from Shopify (three lines, paid), is verified, gets
//! its label, travels three days with three carrier events and is delivered, its customer
//! emailed at each step. What the services were asked for the orders (the stock count left out)
//! is what they would bill; `cost` prices it.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::{anyhow, ensure, Result};

use super::driver;
use super::rng::Rng;
use super::traffic;
use crate::memory::capacity::Units;
use crate::memory::{epoch, Faults, MemoryWorld, Meter, SimClock};

/// What `orders` order lives asked of the world.
#[derive(Debug, Clone, Default)]
pub struct Lives {
    pub orders: usize,
    /// Orders by final status (all `closed` when every parcel was delivered).
    pub statuses: BTreeMap<String, usize>,
    /// Calls by service and operation.
    pub calls: BTreeMap<(&'static str, &'static str), u64>,
    /// DynamoDB capacity units by table (its logical id in template.yaml) and what they were
    /// for (the items' partition key prefix, or an index).
    pub capacity: BTreeMap<(String, String), Units>,
    /// Requests through API Gateway.
    pub requests: u64,
    /// Function invocations: the requests, and each batch a queue handed a function.
    pub invocations: u64,
    pub emails: usize,
    pub labels: usize,
    /// The run's own time: every invocation's work on one thread, and the driver's.
    pub seconds: f64,
    /// Each invocation's own time in seconds, by what it was (a request's purpose, or the
    /// function a batch went to).
    pub took: BTreeMap<String, Vec<f64>>,
    /// The largest order item stored, in bytes (DynamoDB's measure).
    pub largest_order_bytes: usize,
}

/// Plays `orders` lives on a fresh single-threaded runtime with paused time.
pub fn order_lives(orders: usize, seed: u64) -> Result<Lives> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()?;
    runtime.block_on(play(orders, seed))
}

const PREFIX: &str = "life";

async fn play(orders: usize, seed: u64) -> Result<Lives> {
    let template = crate::template::load(
        &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../template.yaml"),
    )?;
    let meter = Arc::new(Meter::new());
    let (world, resources) = MemoryWorld::provision(
        &template,
        PREFIX,
        &BTreeMap::new(),
        SimClock::on_runtime(epoch()),
        Faults::planned(meter.clone()),
    )?;
    let mut clients = world.clients();
    // Kept in memory, not printed: the run's figures are its output.
    clients.metrics = oms::metrics::Metrics::memory();
    let (stage, environments) = driver::stage(&template, world, &resources, clients.clone())?;
    crate::create_default_location(&clients, &environments).await?;
    let mut rng = Rng::new(seed);
    driver::play(&stage, &mut traffic::life_stock(&stage.secrets), &mut rng).await?;

    let calls_before = meter.calls();
    let capacity_before = stage.world.dynamo.consumed();
    let emails_before = stage.world.ses.sent().len();
    let started = std::time::Instant::now();
    let mut lives = traffic::order_lives(orders, &stage.secrets, stage.world.clock.now());
    let played = driver::play(&stage, &mut lives, &mut rng).await?;
    let seconds = started.elapsed().as_secs_f64();

    let mut calls = meter.calls();
    for (call, before) in calls_before {
        if let Some(n) = calls.get_mut(&call) {
            *n -= before;
        }
    }
    calls.retain(|_, n| *n > 0);
    let mut capacity = BTreeMap::new();
    for ((table, kind), mut used) in stage.world.dynamo.consumed() {
        let key = (table, kind);
        let before = capacity_before.get(&key).copied().unwrap_or_default();
        used.read_halves -= before.read_halves;
        used.writes -= before.writes;
        if used != Units::default() {
            let (table, kind) = key;
            let logical = table
                .strip_prefix(&format!("{PREFIX}-"))
                .unwrap_or(&table)
                .to_string();
            capacity.insert((logical, kind), used);
        }
    }
    let orders_table = resources
        .refs
        .get("OrdersTable")
        .ok_or_else(|| anyhow!("template.yaml declares no OrdersTable"))?;
    let mut statuses = BTreeMap::new();
    let mut largest_order_bytes = 0;
    for item in stage.world.dynamo.items(orders_table) {
        if super::checks::order_id_of(&item).is_none() {
            continue;
        }
        largest_order_bytes = largest_order_bytes.max(crate::memory::dynamo::item_bytes(&item));
        let status = item
            .get("ix_status")
            .and_then(|s| s.as_s().ok())
            .cloned()
            .unwrap_or_default();
        *statuses.entry(status).or_default() += 1;
    }
    ensure!(
        played.accepted.iter().all(|accepted| *accepted),
        "an order was refused: {:?}",
        played.tally.refusals
    );
    Ok(Lives {
        orders,
        statuses,
        calls,
        capacity,
        requests: played.tally.requests,
        invocations: played.tally.requests + played.tally.batches,
        emails: stage.world.ses.sent().len() - emails_before,
        labels: stage.world.carrier.sold().len(),
        seconds,
        took: played.tally.took,
        largest_order_bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_lives_from_webhook_to_delivery_and_waits_without_a_chain_of_messages() {
        let lives = order_lives(20, 7).expect("the lives play");
        assert_eq!(
            lives.statuses.get("closed"),
            Some(&20),
            "{:?}",
            lives.statuses
        );
        assert_eq!(lives.labels, 20);
        assert!(lives.emails >= 20 * 4, "confirmed, shipped, out, delivered");
        let per_order = |service: &str| {
            lives
                .calls
                .iter()
                .filter(|((s, _), _)| *s == service)
                .map(|(_, n)| *n)
                .sum::<u64>()
                / 20
        };
        // Three days on the road wait in one schedule per estimate, not in a delayed message
        // coming back every 15 minutes (some 200 sends, receives and deletes each).
        assert!(per_order("scheduler") >= 1, "{:?}", lives.calls);
        assert!(per_order("sqs") < 60, "{:?}", lives.calls);
        assert!(
            lives.invocations / 20 < 25,
            "{} invocations",
            lives.invocations
        );
        let orders = lives
            .capacity
            .iter()
            .filter(|((table, _), _)| table == "OrdersTable")
            .fold(Units::default(), |mut sum, (_, units)| {
                sum += *units;
                sum
            });
        assert!(orders.writes > 0 && orders.read_halves > 0, "{orders:?}");
    }
}
