//! Each function's real binary, started the way Lambda starts it (`AWS_LAMBDA_RUNTIME_API` pointing at
//! a Runtime API), answers its sample event from `events/`, against the emulator. The samples are
//! replayed in the order an order travels, so each one finds what it needs. Each binary gets its
//! secrets as deployed: from Secrets Manager, named by `OMS_SECRETS_ARN`, not from its environment.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;

use oms_local::runtime_api;
use oms_tests::start;

/// Runs `binary` under a Runtime API for one event and returns what it answered.
async fn invoke(binary: &str, env: &HashMap<String, String>, event_file: &str) -> Value {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let event =
        std::fs::read_to_string(root.join("events").join(event_file)).expect("sample event");
    let bin_dir = std::env::var("OMS_BIN_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target/debug"));
    let invocation = runtime_api::invoke(
        &bin_dir.join(binary),
        env,
        event,
        Duration::from_secs(30),
        runtime_api::Output::Shown,
    )
    .await
    .unwrap_or_else(|e| panic!("{e} (binaries are built by `cargo xtask test`)"));
    invocation
        .answer
        .unwrap_or_else(|e| panic!("{binary} failed on {event_file}: {e}"))
}

/// The function's environment as deployed: its secrets in Secrets Manager, named by
/// `OMS_SECRETS_ARN`, which the binary reads at start-up.
async fn deployed_env(t: &oms_tests::TestOms, logical_id: &str) -> HashMap<String, String> {
    runtime_api::deployed_env(
        t.oms.environments[logical_id].clone(),
        &t.oms.aws.config,
        &oms_tests::unique(logical_id),
    )
    .await
    .expect("the emulator keeps secrets")
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
