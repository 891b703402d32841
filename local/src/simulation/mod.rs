//! The deterministic simulation: the real handlers of all six functions on the in-memory world,
//! on a paused clock, with a seeded scheduler and faults at every call. `cargo xtask simulate`
//! runs it; a seed replays exactly.
//!
//! `traffic` decides what the world sends, `requests` signs it, `driver` plays it (requests,
//! queue polls, carrier scans, staff), `plan` decides every call's interleaving and fate,
//! `retries` plays the SDK's retries, `invocation` kills an invocation at an await point, and
//! `checks` holds the world to the invariants once every queue is drained. `lives` plays ordinary
//! orders' whole lives on a metered world, for what they cost.

mod checks;
mod driver;
mod invocation;
pub mod lives;
mod plan;
mod requests;
mod retries;
mod rng;
mod traffic;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use anyhow::{anyhow, Result};

use crate::memory::{epoch, Faults, MemoryWorld, SimClock};
use plan::SimPlan;
use retries::{Retrying, RetryingDynamo};
use rng::Rng;

#[derive(Debug, Clone, Copy)]
pub struct Config {
    pub orders: usize,
    pub seed: u64,
    /// Chance of a fault at each call.
    pub faults: f64,
}

pub struct Report {
    pub config: Config,
    pub passed: bool,
    /// The table, as printed.
    pub text: String,
    /// A digest of the world at the end: the same seed gives the same digest.
    pub digest: String,
    pub seconds: f64,
}

/// Runs one simulation on a fresh single-threaded runtime with paused time.
pub fn run(config: Config) -> Result<Report> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()?;
    runtime.block_on(simulate(config))
}

async fn simulate(config: Config) -> Result<Report> {
    let started = std::time::Instant::now();
    let template = crate::template::load(
        &std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../template.yaml"),
    )?;
    let mut rng = Rng::new(config.seed);
    let plan = Arc::new(SimPlan::new(config.faults, rng.fork()));
    let clock = SimClock::on_runtime(epoch());
    let (world, resources) = MemoryWorld::provision(
        &template,
        "sim",
        &BTreeMap::new(),
        clock,
        Faults::planned(plan.clone()),
    )?;
    let ports = world.clients();
    let clients = oms::aws::Clients {
        db: Arc::new(RetryingDynamo::new(world.dynamo.clone())),
        queues: Arc::new(Retrying(ports.queues.clone())),
        mail: Some(Arc::new(Retrying(ports.mail()?))),
        files: Some(Arc::new(Retrying(ports.files()?))),
        ..ports
    };
    let orders_table = resources
        .refs
        .get("OrdersTable")
        .cloned()
        .ok_or_else(|| anyhow!("template.yaml declares no OrdersTable"))?;
    world.dynamo.watch(&orders_table, "ix_status");
    let (stage, environments) = driver::stage(&template, world, &resources, clients.clone())?;
    crate::create_default_location(&clients, &environments).await?;
    let mut traffic = traffic::generate(config.orders, &mut rng, &stage.secrets, stage.start);
    let played = driver::play(&stage, &mut traffic, &mut rng).await?;
    plan.stop();
    let (calls, injected, mail_answers_lost) = plan.tally();
    let dead_letter_queues: Vec<(String, String)> = template
        .queues
        .iter()
        .filter_map(|q| q.redrive.as_ref().map(|(dlq, _)| dlq.clone()))
        .filter_map(|dlq| {
            resources
                .refs
                .get(&dlq)
                .map(|url| (dlq.clone(), url.clone()))
        })
        .collect();
    let figures = checks::run(
        &stage,
        &traffic,
        &played,
        mail_answers_lost,
        &orders_table,
        &dead_letter_queues,
    )
    .await?;
    let seconds = started.elapsed().as_secs_f64();
    let passed = figures.checks.iter().all(|c| c.violations.is_empty());

    let mut text = String::new();
    let simulated = played.ended_at - stage.start;
    let _ = writeln!(
        text,
        "simulation: {} orders, seed {}, faults {:.2} per call",
        config.orders, config.seed, config.faults
    );
    let _ = writeln!(
        text,
        "  {seconds:.1} s ({:.0} orders/s), {} simulated hours, {} invocations ({} died), {calls} calls",
        config.orders as f64 / seconds.max(1e-9),
        simulated.num_hours(),
        played.tally.invocations,
        played.tally.deaths,
    );
    let faults: Vec<String> = injected.iter().map(|(k, v)| format!("{v} {k}")).collect();
    let _ = writeln!(text, "  faults injected: {}", faults.join(", "));
    let statuses: Vec<String> = figures
        .orders_by_status
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let _ = writeln!(text, "  orders: {}", statuses.join(", "));
    let _ = writeln!(
        text,
        "  labels bought {}, emails sent {} ({} duplicates, {} SES crash windows)",
        figures.labels, figures.emails, figures.duplicate_emails, figures.mail_windows
    );
    let answers: Vec<String> = played
        .tally
        .answers
        .iter()
        .map(|((purpose, status), n)| format!("{purpose} {status}: {n}"))
        .collect();
    let _ = writeln!(text, "  answers: {}", answers.join(", "));
    for ((purpose, status), example) in &played.tally.refusals {
        let example: String = example.chars().take(200).collect();
        let _ = writeln!(text, "    first {purpose} {status}: {example}");
    }
    let _ = writeln!(
        text,
        "  {:<72} {:>8} {:>10}",
        "invariant", "checked", "violations"
    );
    for check in &figures.checks {
        let _ = writeln!(
            text,
            "  {:<72} {:>8} {:>10}",
            check.name,
            check.checked,
            check.violations.len()
        );
        for violation in check.violations.iter().take(5) {
            let _ = writeln!(text, "      - {violation}");
        }
    }
    let _ = writeln!(
        text,
        "  {}; replay: cargo xtask simulate --orders {} --seed {} --faults {}",
        if passed { "PASSED" } else { "FAILED" },
        config.orders,
        config.seed,
        config.faults
    );
    let digest = digest(&stage, &orders_table, &figures);
    Ok(Report {
        config,
        passed,
        text,
        digest,
        seconds,
    })
}

/// The world's end state in one number: every order item, every email, every label.
fn digest(stage: &driver::Stage, table: &str, figures: &checks::Figures) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    for item in stage.world.dynamo.items(table) {
        feed(&mut hash, &oms::dynamo::AttributeValue::M(item));
    }
    for sent in stage.world.ses.sent() {
        hash.update(&sent.email.to);
        hash.update(&sent.email.subject);
    }
    for label in stage.world.carrier.sold() {
        hash.update(&label.tracking_code);
        hash.update(&label.reference);
    }
    hash.update(figures.emails.to_string());
    hex::encode(&hash.finalize()[..8])
}

/// Hashes an attribute value with maps in key order (a map's own order differs run to run), each
/// text after its length, so no two values hash alike by how they run together.
fn feed(hash: &mut sha2::Sha256, value: &oms::dynamo::AttributeValue) {
    use oms::dynamo::AttributeValue as V;
    use sha2::Digest;
    fn text(hash: &mut sha2::Sha256, tag: &[u8], text: &str) {
        hash.update(tag);
        hash.update((text.len() as u64).to_le_bytes());
        hash.update(text);
    }
    match value {
        V::S(s) => text(hash, b"S", s),
        V::N(n) => text(hash, b"N", n),
        V::Bool(b) => text(hash, b"B", if *b { "1" } else { "0" }),
        V::Null(_) => text(hash, b"0", ""),
        V::M(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            text(hash, b"M", &keys.len().to_string());
            for key in keys {
                text(hash, b"K", key);
                feed(hash, &map[key]);
            }
        }
        V::L(list) => {
            text(hash, b"L", &list.len().to_string());
            for value in list {
                feed(hash, value);
            }
        }
        other => text(hash, b"?", &format!("{other:?}")),
    }
}
