use lambda_runtime::{service_fn, Error, LambdaEvent};
use oms::config::ProcessEnv;

#[tokio::main]
async fn main() -> Result<(), Error> {
    oms::telemetry::init();
    oms::telemetry::log_panics();
    let aws = oms::aws::Clients::load().await;
    let env = oms::aws::secrets::load(ProcessEnv, &aws.config).await?;
    let app = label_request::App::from_env(&env, &aws)?;
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<_>| async move {
        Ok::<_, Error>(label_request::handle(event.payload, app).await)
    }))
    .await
}
