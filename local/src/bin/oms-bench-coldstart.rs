//! `cargo xtask bench`: each function's cold start, side by side with a hello-world
//! `lambda_runtime` binary built with the same (release) profile, against the emulator at
//! `AWS_ENDPOINT_URL` with the stack provisioned from template.yaml and each function's secrets in
//! Secrets Manager as deployed. Every run is a fresh process under a local Runtime API
//! (`oms_local::runtime_api`), timed from exec to its first `GET .../invocation/next` (init, client
//! construction and the secret's read included) and to its answer for its `events/` sample. The
//! binaries take turns, round after round, so a slow moment of the machine falls on all of them.
//! The first round replays the samples in the order an order travels (each finds what it needs);
//! later rounds replay them on an order that is already past them, which every function answers
//! as a duplicate. It also records each binary's size and the size of its deflated zip, the
//! package Lambda is given.
//!
//! Usage: `oms-bench-coldstart <binary dir> <rounds> <report.json>`; the report's `cold_start` and
//! `package` sections are replaced, the rest kept.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use oms_local::bench_report::{median, p90};
use oms_local::runtime_api::{self, Invocation, Output};
use oms_local::{LocalOms, Options};

/// Binary, template logical id (`None`: the yardstick), sample event.
const SUBJECTS: [(&str, Option<&str>, &str); 7] = [
    ("hello-lambda", None, "payment-verification.json"),
    (
        "order-intake",
        Some("OrderIntakeFunction"),
        "order-intake.json",
    ),
    (
        "payment-verification",
        Some("PaymentVerificationFunction"),
        "payment-verification.json",
    ),
    (
        "label-request",
        Some("LabelRequestFunction"),
        "label-request.json",
    ),
    (
        "customer-notification",
        Some("CustomerNotificationFunction"),
        "customer-notification.json",
    ),
    (
        "carrier-tracking",
        Some("CarrierTrackingFunction"),
        "carrier-tracking.json",
    ),
    ("orders-api", Some("OrdersApiFunction"), "orders-api.json"),
];

/// Lambda's limit for a function's zip uploaded directly is 50 MB; ours is tighter so packages
/// stay quick to load and to deploy.
const ZIP_TARGET_BYTES: u64 = 5_000_000;
const INIT_TARGET_RATIO: f64 = 1.5;

struct Subject {
    binary: &'static str,
    path: PathBuf,
    env: HashMap<String, String>,
    event: String,
    runs: Vec<Invocation>,
}

#[tokio::main]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [bin_dir, rounds, report] = args.as_slice() else {
        bail!("usage: oms-bench-coldstart <binary dir> <rounds> <report.json>");
    };
    let bin_dir = PathBuf::from(bin_dir);
    let rounds: usize = rounds.parse().context("rounds must be a number")?;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");

    let oms = LocalOms::start(Options {
        port: 0,
        prefix: format!("bench-{}", std::process::id()),
        // Only the binaries under test run: what they queue stays queued.
        poll_queues: false,
        ..Options::default()
    })
    .await
    .context("the local OMS starts against the emulator at AWS_ENDPOINT_URL")?;

    let mut subjects = Vec::new();
    for (binary, logical_id, event_file) in SUBJECTS {
        let env = match logical_id {
            Some(id) => {
                runtime_api::deployed_env(
                    oms.environments[id].clone(),
                    &oms.aws.config,
                    &format!("bench-{}-{id}", std::process::id()),
                )
                .await?
            }
            None => HashMap::new(),
        };
        let event = std::fs::read_to_string(root.join("events").join(event_file))
            .with_context(|| format!("events/{event_file}"))?;
        subjects.push(Subject {
            binary,
            path: bin_dir.join(binary),
            env,
            event,
            runs: Vec::new(),
        });
    }

    for round in 0..rounds {
        for subject in &mut subjects {
            let run = runtime_api::invoke(
                &subject.path,
                &subject.env,
                subject.event.clone(),
                Duration::from_secs(30),
                Output::Discarded,
            )
            .await?;
            if let Err(why) = answered_well(&run) {
                bail!("{} (round {round}): {why}", subject.binary);
            }
            subject.runs.push(run);
        }
    }

    let hello_init = median(&times(&subjects[0].runs, |r| r.init));
    println!(
        "cold start, {rounds} alternating runs each (exec to first poll = init; to the sample's answer)"
    );
    println!(
        "{:<22} {:>11} {:>9} {:>8} {:>12} {:>9} {:>9} {:>11} {:>10}",
        "binary",
        "init med",
        "init p90",
        "x hello",
        "answer med",
        "ans p90",
        "peak RSS",
        "binary",
        "zip"
    );
    let mut cold = Vec::new();
    let mut package = Vec::new();
    for subject in &subjects {
        let init = times(&subject.runs, |r| r.init);
        let answer = times(&subject.runs, |r| r.first_response);
        let rss = subject.runs.iter().filter_map(|r| r.peak_rss_kib).max();
        let binary_bytes = std::fs::metadata(&subject.path)?.len();
        let zip_bytes = deflated_size(&subject.path)?;
        let ratio = median(&init) / hello_init;
        println!(
            "{:<22} {:>8.2} ms {:>6.2} ms {:>7.2}x {:>9.2} ms {:>6.2} ms {:>6} KiB {:>8.2} MB {:>7.2} MB",
            subject.binary,
            median(&init),
            p90(&init),
            ratio,
            median(&answer),
            p90(&answer),
            rss.map_or("?".to_string(), |k| k.to_string()),
            binary_bytes as f64 / 1e6,
            zip_bytes as f64 / 1e6,
        );
        cold.push(json!({
            "binary": subject.binary,
            "runs": subject.runs.len(),
            "init_ms": {"median": median(&init), "p90": p90(&init)},
            "first_response_ms": {"median": median(&answer), "p90": p90(&answer)},
            "init_vs_hello_world": ratio,
            "init_target_vs_hello_world": INIT_TARGET_RATIO,
            "peak_rss_kib": rss,
        }));
        package.push(json!({
            "binary": subject.binary,
            "binary_bytes": binary_bytes,
            "zip_bytes": zip_bytes,
            "zip_target_bytes": ZIP_TARGET_BYTES,
        }));
    }
    println!(
        "targets: init within {INIT_TARGET_RATIO}x hello-world; zip under {} MB (sizes are this machine's target, {})",
        ZIP_TARGET_BYTES as f64 / 1e6,
        std::env::consts::ARCH
    );
    let report = Path::new(report);
    oms_local::bench_report::update(
        report,
        &[
            ("cold_start", Value::Array(cold)),
            (
                "package",
                json!({"target_arch": std::env::consts::ARCH, "functions": package}),
            ),
        ],
    )?;
    println!("written to {}", report.display());
    Ok(())
}

/// An HTTP function answers 2xx; a queue consumer reports no failed message.
fn answered_well(run: &Invocation) -> Result<(), String> {
    let answer = run.answer.as_ref().map_err(|e| format!("it failed: {e}"))?;
    if let Some(status) = answer.get("statusCode").and_then(Value::as_u64) {
        return match status {
            200..=299 => Ok(()),
            _ => Err(format!("it answered {status}: {answer}")),
        };
    }
    match answer.get("batchItemFailures").and_then(Value::as_array) {
        Some(failures) if !failures.is_empty() => Err(format!("messages failed: {answer}")),
        _ => Ok(()),
    }
}

fn times(runs: &[Invocation], pick: impl Fn(&Invocation) -> Duration) -> Vec<f64> {
    let mut ms: Vec<f64> = runs.iter().map(|r| pick(r).as_secs_f64() * 1e3).collect();
    ms.sort_by(f64::total_cmp);
    ms
}

/// The size of a zip holding the binary as `bootstrap`: its deflated bytes (level 6, the zip
/// default) plus the local header, the central directory entry and the end record.
fn deflated_size(binary: &Path) -> Result<u64> {
    let bytes = std::fs::read(binary).with_context(|| binary.display().to_string())?;
    let deflated = miniz_oxide::deflate::compress_to_vec(&bytes, 6);
    let name = "bootstrap".len() as u64;
    Ok(deflated.len() as u64 + (30 + name) + (46 + name) + 22)
}
