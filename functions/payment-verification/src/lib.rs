//! Payment verification: consumes the payment queue; an open order whose payment is secured has its
//! stock reserved and becomes `ready_to_ship` (on to the label queue), or waits as a backorder.
//! Restock messages retry a SKU's backorders, oldest first.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use chrono::Utc;
use oms::aws::Clients;
use oms::aws::InventoryStore;
use oms::config::required;
use oms::config::{ConfigError, Env};
use oms::messages::PaymentWork;
use oms::sqs_batch;
use oms::workflow::payment::PaymentVerification;
use oms::workflow::stock::StockFollowUp;

pub struct App {
    payments: PaymentVerification,
}

impl App {
    pub fn from_env(env: &dyn Env, aws: &Clients) -> Result<Self, ConfigError> {
        let inventory = InventoryStore::new(aws.dynamodb.clone(), required(env, "ORDERS_TABLE")?);
        let payment_queue = aws.queue(env, "PAYMENT_QUEUE_URL")?;
        let notify_queue = aws.queue(env, "NOTIFY_QUEUE_URL")?;
        Ok(Self {
            payments: PaymentVerification {
                orders: aws.order_store(env)?,
                inventory: inventory.clone(),
                label_queue: aws.queue(env, "LABEL_QUEUE_URL")?,
                notify_queue: notify_queue.clone(),
                payment_queue: payment_queue.clone(),
                stock: StockFollowUp {
                    inventory,
                    payment_queue,
                    notify_queue,
                },
            },
        })
    }
}

pub async fn handle(event: SqsEvent, app: &App) -> SqsBatchResponse {
    let response = sqs_batch::process(event, |message| async move {
        match sqs_batch::body(&message)? {
            PaymentWork::Order(request) => app.payments.verify(&request.order_id, Utc::now()).await,
            PaymentWork::Restock(restock) => {
                app.payments
                    .restock(&restock.restocked_sku, Utc::now())
                    .await
            }
        }
    })
    .await;
    // After the batch, so units its own undone reservations freed are announced too.
    app.payments.finish_left_behind().await;
    response
}
