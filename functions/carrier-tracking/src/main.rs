use lambda_http::{service_fn, Error};
use oms::config::ProcessEnv;

#[tokio::main]
async fn main() -> Result<(), Error> {
    oms::telemetry::init();
    oms::telemetry::log_panics();
    let aws = oms::aws::Clients::load().await;
    let env = oms::aws::secrets::load(ProcessEnv, &aws.config).await?;
    let app = carrier_tracking::App::from_env(&env, &aws)?;
    let app = &app;
    lambda_http::run(service_fn(move |request| async move {
        Ok::<_, std::convert::Infallible>(carrier_tracking::handle(request, app).await)
    }))
    .await
}
