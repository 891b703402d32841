use lambda_http::{service_fn, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    oms::telemetry::init();
    oms::telemetry::log_panics();
    let startup = oms::startup::begin(|aws| aws, order_intake::App::from_env);
    let startup = &startup;
    lambda_http::run(service_fn(move |request| async move {
        let app = startup.app().await;
        Ok::<_, std::convert::Infallible>(order_intake::handle(request, app).await)
    }))
    .await
}
