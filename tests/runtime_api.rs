//! Each function's real binary, started the way Lambda starts it (`AWS_LAMBDA_RUNTIME_API` pointing at
//! a Runtime API), answers its sample event from `events/`, against the emulator. The samples are
//! replayed in the order an order travels, so each one finds what it needs. Each binary gets its
//! secrets as deployed: from Secrets Manager, named by `OMS_SECRETS_ARN`, not from its environment.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use serde_json::Value;
use tokio::sync::mpsc;

use oms_tests::start;

/// The Runtime API's side of one invocation: hands out the event, collects the answer.
#[derive(Clone)]
struct RuntimeApi {
    event: Arc<Mutex<Option<String>>>,
    outcome: mpsc::UnboundedSender<Result<Value, Value>>,
}

async fn next(State(api): State<RuntimeApi>) -> (HeaderMap, String) {
    let Some(event) = api.event.lock().unwrap().take() else {
        // One invocation per process: later polls wait until the process is stopped.
        std::future::pending::<()>().await;
        unreachable!()
    };
    let mut headers = HeaderMap::new();
    headers.insert(
        "lambda-runtime-aws-request-id",
        "sample-invocation".parse().unwrap(),
    );
    let deadline = chrono::Utc::now().timestamp_millis() + 30_000;
    headers.insert(
        "lambda-runtime-deadline-ms",
        deadline.to_string().parse().unwrap(),
    );
    headers.insert(
        "lambda-runtime-invoked-function-arn",
        "arn:aws:lambda:us-east-1:123456789012:function:sample"
            .parse()
            .unwrap(),
    );
    headers.insert(
        "lambda-runtime-trace-id",
        "Root=1-00000000-000000000000000000000000".parse().unwrap(),
    );
    (headers, event)
}

async fn response(
    State(api): State<RuntimeApi>,
    Path(_id): Path<String>,
    body: String,
) -> StatusCode {
    let _ = api.outcome.send(Ok(
        serde_json::from_str(&body).unwrap_or(Value::String(body))
    ));
    StatusCode::ACCEPTED
}

async fn error(State(api): State<RuntimeApi>, body: String) -> StatusCode {
    let _ = api.outcome.send(Err(
        serde_json::from_str(&body).unwrap_or(Value::String(body))
    ));
    StatusCode::ACCEPTED
}

/// Runs `binary` under a Runtime API for one event and returns what it answered.
async fn invoke(binary: &str, env: &HashMap<String, String>, event_file: &str) -> Value {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let event =
        std::fs::read_to_string(root.join("events").join(event_file)).expect("sample event");
    let (tx, mut rx) = mpsc::unbounded_channel();
    let api = RuntimeApi {
        event: Arc::new(Mutex::new(Some(event))),
        outcome: tx,
    };
    let app = axum::Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route(
            "/2018-06-01/runtime/invocation/{id}/response",
            post(response),
        )
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(error))
        .with_state(api);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let server = tokio::spawn(async move { axum::serve(listener, app).await });

    let bin_dir = std::env::var("OMS_BIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target/debug"));
    let mut child = tokio::process::Command::new(bin_dir.join(binary))
        .envs(env)
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", binary)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "sample")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{binary}"))
        .env("RUST_LOG", "warn")
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "{binary} binary not built in {} ({e}); run `cargo xtask test`",
                bin_dir.display()
            )
        });
    let outcome = tokio::time::timeout(Duration::from_secs(30), rx.recv())
        .await
        .unwrap_or_else(|_| panic!("{binary} did not answer {event_file}"))
        .expect("an outcome");
    let _ = child.kill().await;
    server.abort();
    outcome.unwrap_or_else(|e| panic!("{binary} failed on {event_file}: {e}"))
}

/// What template.yaml keeps in Secrets Manager rather than in a function's environment.
const SECRET_NAMES: [&str; 9] = [
    "SHOPIFY_WEBHOOK_SECRET",
    "WOOCOMMERCE_WEBHOOK_SECRET",
    "OMS_CHANNEL_SECRET",
    "OMS_ADMIN_TOKEN",
    "EASYPOST_WEBHOOK_SECRET",
    "AFTERSHIP_WEBHOOK_SECRET",
    "SHIPPO_WEBHOOK_TOKEN",
    "TRACKING_LINK_SECRET",
    "EASYPOST_API_KEY",
];

/// The function's environment as deployed: its secrets moved out of it into a Secrets Manager
/// secret that `OMS_SECRETS_ARN` names, which the binary reads at start-up.
async fn deployed_env(t: &oms_tests::TestOms, logical_id: &str) -> HashMap<String, String> {
    let mut env = t.oms.environments[logical_id].clone();
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
        return env;
    }
    let created = aws_sdk_secretsmanager::Client::new(&t.oms.aws.config)
        .create_secret()
        .name(oms_tests::unique(logical_id))
        .secret_string(serde_json::to_string(&secrets).unwrap())
        .send()
        .await
        .expect("the emulator keeps secrets");
    env.insert(
        "OMS_SECRETS_ARN".into(),
        created.arn().expect("an ARN").to_string(),
    );
    env
}

#[tokio::test]
async fn every_function_binary_answers_its_sample_event() {
    let t = start().await;
    let mut envs = HashMap::new();
    for id in [
        "OrderIntakeFunction",
        "PaymentVerificationFunction",
        "LabelRequestFunction",
        "CustomerNotificationFunction",
        "CarrierTrackingFunction",
        "OrdersApiFunction",
    ] {
        envs.insert(id, deployed_env(&t, id).await);
    }
    let env = |logical_id: &str| envs[logical_id].clone();

    let intake = invoke(
        "order-intake",
        &env("OrderIntakeFunction"),
        "order-intake.json",
    )
    .await;
    assert_eq!(intake["statusCode"], 200, "{intake}");
    let body: Value = serde_json::from_str(intake["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["status"], "created");
    let order_id = body["order_id"].as_str().unwrap().to_string();

    let no_failures = serde_json::json!({"batchItemFailures": []});
    let payment = invoke(
        "payment-verification",
        &env("PaymentVerificationFunction"),
        "payment-verification.json",
    )
    .await;
    assert_eq!(payment, no_failures);
    let label = invoke(
        "label-request",
        &env("LabelRequestFunction"),
        "label-request.json",
    )
    .await;
    assert_eq!(label, no_failures);
    let email = invoke(
        "customer-notification",
        &env("CustomerNotificationFunction"),
        "customer-notification.json",
    )
    .await;
    assert_eq!(email, no_failures);

    let tracking = invoke(
        "carrier-tracking",
        &env("CarrierTrackingFunction"),
        "carrier-tracking.json",
    )
    .await;
    assert_eq!(tracking["statusCode"], 200, "{tracking}");

    let api = invoke("orders-api", &env("OrdersApiFunction"), "orders-api.json").await;
    assert_eq!(api["statusCode"], 200, "{api}");
    let order: Value = serde_json::from_str(api["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        order["id"],
        order_id.as_str(),
        "the samples all name the sample order"
    );
    assert_eq!(order["status"], "shipped");
    assert_eq!(order["shipments"].as_array().unwrap().len(), 1);
}
