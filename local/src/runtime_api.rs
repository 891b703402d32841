//! A Lambda Runtime API for one invocation of one process: a function's real binary is started the
//! way Lambda starts it (`AWS_LAMBDA_RUNTIME_API` pointing here), handed one event, and timed from
//! its exec to its first `GET /2018-06-01/runtime/invocation/next` (its init, client construction
//! included) and to its answer. Used by the binary test (`tests/runtime_api.rs`) and by the
//! cold-start benchmark (`oms-bench-coldstart`).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::routing::{get, post};
use serde_json::Value;
use tokio::sync::mpsc;

/// What the template keeps in Secrets Manager rather than in a function's environment.
pub const SECRET_NAMES: [&str; 11] = [
    "SHOPIFY_WEBHOOK_SECRET",
    "WOOCOMMERCE_WEBHOOK_SECRET",
    "OMS_CHANNEL_SECRET",
    "OMS_ADMIN_TOKEN",
    "EASYPOST_WEBHOOK_SECRET",
    "AFTERSHIP_WEBHOOK_SECRET",
    "SHIPPO_WEBHOOK_TOKEN",
    "TRACKING_LINK_SECRET",
    "EASYPOST_API_KEY",
    "STRIPE_API_KEY",
    "STRIPE_WEBHOOK_SECRET",
];

/// One invocation of a fresh process.
#[derive(Debug)]
pub struct Invocation {
    /// The handler's answer (`Ok`) or the error it reported (`Err`), as JSON where it is JSON.
    pub answer: Result<Value, Value>,
    /// Exec to the first poll for an event.
    pub init: Duration,
    /// Exec to the answer.
    pub first_response: Duration,
    /// The process's peak resident set (VmHWM) in KiB once it answered, where /proc tells.
    pub peak_rss_kib: Option<u64>,
}

#[derive(Debug, thiserror::Error)]
pub enum RuntimeApiError {
    #[error("cannot serve the Runtime API: {0}")]
    Serve(#[from] std::io::Error),
    #[error("cannot start {binary}: {reason}")]
    Spawn { binary: String, reason: String },
    #[error("{0} gave no answer within the timeout")]
    Timeout(String),
    #[error("{0} exited before answering")]
    Exited(String),
}

#[derive(Clone)]
struct RuntimeApi {
    event: Arc<Mutex<Option<String>>>,
    polled: Arc<Mutex<Option<Instant>>>,
    outcome: mpsc::UnboundedSender<(Instant, Result<Value, Value>)>,
}

async fn next(State(api): State<RuntimeApi>) -> (HeaderMap, String) {
    let now = Instant::now();
    api.polled.lock().unwrap().get_or_insert(now);
    let Some(event) = api.event.lock().unwrap().take() else {
        // One invocation per process: later polls wait until the process is stopped.
        std::future::pending::<()>().await;
        unreachable!()
    };
    let deadline = chrono::Utc::now().timestamp_millis() + 30_000;
    let mut headers = HeaderMap::new();
    for (name, value) in [
        (
            "lambda-runtime-aws-request-id",
            "sample-invocation".to_string(),
        ),
        ("lambda-runtime-deadline-ms", deadline.to_string()),
        (
            "lambda-runtime-invoked-function-arn",
            "arn:aws:lambda:us-east-1:123456789012:function:sample".to_string(),
        ),
        (
            "lambda-runtime-trace-id",
            "Root=1-00000000-000000000000000000000000".to_string(),
        ),
    ] {
        headers.insert(name, HeaderValue::from_str(&value).expect("a header value"));
    }
    (headers, event)
}

fn json_or_text(body: String) -> Value {
    serde_json::from_str(&body).unwrap_or(Value::String(body))
}

async fn response(State(api): State<RuntimeApi>, body: String) -> StatusCode {
    let _ = api.outcome.send((Instant::now(), Ok(json_or_text(body))));
    StatusCode::ACCEPTED
}

async fn error(State(api): State<RuntimeApi>, body: String) -> StatusCode {
    let _ = api.outcome.send((Instant::now(), Err(json_or_text(body))));
    StatusCode::ACCEPTED
}

/// What the process prints (its logs and metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Shown,
    Discarded,
}

/// Starts `binary` with `env` under a Runtime API, hands it `event`, and returns its answer and
/// timings. The process is killed once it answered.
pub async fn invoke(
    binary: &Path,
    env: &HashMap<String, String>,
    event: String,
    timeout: Duration,
    output: Output,
) -> Result<Invocation, RuntimeApiError> {
    let name = binary
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let api = RuntimeApi {
        event: Arc::new(Mutex::new(Some(event))),
        polled: Arc::default(),
        outcome: tx,
    };
    let polled = api.polled.clone();
    let app = axum::Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(response),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(error))
        .with_state(api);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let mut command = tokio::process::Command::new(binary);
    if output == Output::Discarded {
        command
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
    }
    let started = Instant::now();
    let mut child = command
        .envs(env)
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", &name)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "sample")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| RuntimeApiError::Spawn {
            binary: binary.display().to_string(),
            reason: e.to_string(),
        })?;
    let outcome = tokio::select! {
        outcome = tokio::time::timeout(timeout, rx.recv()) => outcome,
        _ = child.wait() => {
            server.abort();
            return Err(RuntimeApiError::Exited(name));
        }
    };
    let peak_rss_kib = child.id().and_then(peak_rss_kib);
    let _ = child.kill().await;
    server.abort();
    let (answered, answer) = outcome
        .map_err(|_| RuntimeApiError::Timeout(name.clone()))?
        .ok_or(RuntimeApiError::Exited(name))?;
    let polled = polled.lock().unwrap().unwrap_or(answered);
    Ok(Invocation {
        answer,
        init: polled - started,
        first_response: answered - started,
        peak_rss_kib,
    })
}

/// VmHWM of a live process, from /proc (Linux).
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// A function's environment as deployed: its secrets moved out of it into a Secrets Manager
/// secret (created at the emulator `config` points at) that `OMS_SECRETS_ARN` names, which the
/// binary reads at start-up.
pub async fn deployed_env(
    mut env: HashMap<String, String>,
    config: &aws_config::SdkConfig,
    secret_name: &str,
) -> anyhow::Result<HashMap<String, String>> {
    for name in [
        "AWS_ENDPOINT_URL",
        "AWS_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ] {
        if let Ok(value) = std::env::var(name) {
            env.insert(name.to_string(), value);
        }
    }
    let secrets: HashMap<String, String> = SECRET_NAMES
        .iter()
        .filter_map(|name| env.remove(*name).map(|value| (name.to_string(), value)))
        .collect();
    if secrets.is_empty() {
        return Ok(env);
    }
    let created = aws_sdk_secretsmanager::Client::new(config)
        .create_secret()
        .name(secret_name)
        .secret_string(serde_json::to_string(&secrets)?)
        .send()
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "the emulator keeps no secret: {}",
                aws_sdk_secretsmanager::error::DisplayErrorContext(e)
            )
        })?;
    let arn = created
        .arn()
        .ok_or_else(|| anyhow::anyhow!("the emulator gave the secret no ARN"))?;
    env.insert("OMS_SECRETS_ARN".into(), arn.to_string());
    Ok(env)
}
