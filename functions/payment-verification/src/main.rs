use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    oms::telemetry::init();
    oms::telemetry::log_panics();
    let startup = oms::startup::begin(|aws| aws, payment_verification::App::from_env);
    let startup = &startup;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<_>| async move {
        let app = startup.app().await;
        Ok::<_, Error>(payment_verification::handle(event.payload, app).await)
    }))
    .await
}
