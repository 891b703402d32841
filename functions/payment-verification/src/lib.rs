//! Payment verification: consumes the payment queue; an open order whose payment is secured becomes
//! `ready_to_ship` and goes to the label queue.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use chrono::Utc;
use oms::aws::Clients;
use oms::config::{ConfigError, Env};
use oms::messages::OrderMessage;
use oms::sqs_batch;
use oms::workflow::payment::PaymentVerification;

pub struct App {
    payments: PaymentVerification,
}

impl App {
    pub fn from_env(env: &dyn Env, aws: &Clients) -> Result<Self, ConfigError> {
        Ok(Self {
            payments: PaymentVerification {
                orders: aws.order_store(env)?,
                label_queue: aws.queue(env, "LABEL_QUEUE_URL")?,
            },
        })
    }
}

pub async fn handle(event: SqsEvent, app: &App) -> SqsBatchResponse {
    sqs_batch::process(event, |message| async move {
        let request: OrderMessage = sqs_batch::body(&message)?;
        app.payments.verify(&request.order_id, Utc::now()).await
    })
    .await
}
