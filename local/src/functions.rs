//! The six functions, hosted in this process: each built from its own environment (resolved from
//! template.yaml) exactly as its `main.rs` builds it from the process environment in AWS.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use anyhow::{bail, Result};
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_http::{Body, Request, Response};
use oms::aws::Clients;

type Boxed<T> = Pin<Box<dyn Future<Output = T> + Send>>;
pub type HttpHandler = Arc<dyn Fn(Request) -> Boxed<Response<Body>> + Send + Sync>;
pub type QueueHandler = Arc<dyn Fn(SqsEvent) -> Boxed<SqsBatchResponse> + Send + Sync>;

pub enum Handler {
    Http(HttpHandler),
    Queue(QueueHandler),
}

/// A function's handler, each invocation run as deployed: a panic ends the process
/// (`crate::abort_on_panic`).
macro_rules! hosted {
    ($krate:ident, $name:literal, $variant:ident, $env:expr, $aws:expr) => {{
        let app = Arc::new($krate::App::from_env($env, $aws)?);
        Handler::$variant(Arc::new(move |event| {
            let app = app.clone();
            Box::pin(async move {
                crate::abort_on_panic::invoke($name, $krate::handle(event, &app)).await
            })
        }))
    }};
}

/// The handler for a cargo binary named in template.yaml.
pub fn build(binary: &str, env: &HashMap<String, String>, aws: &Clients) -> Result<Handler> {
    Ok(match binary {
        "order-intake" => hosted!(order_intake, "order-intake", Http, env, aws),
        "carrier-tracking" => hosted!(carrier_tracking, "carrier-tracking", Http, env, aws),
        "orders-api" => hosted!(orders_api, "orders-api", Http, env, aws),
        "payment-verification" => hosted!(
            payment_verification,
            "payment-verification",
            Queue,
            env,
            aws
        ),
        "label-request" => hosted!(label_request, "label-request", Queue, env, aws),
        "customer-notification" => hosted!(
            customer_notification,
            "customer-notification",
            Queue,
            env,
            aws
        ),
        other => bail!("template.yaml names a binary this runner does not know: {other}"),
    })
}
