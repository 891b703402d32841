//! Payment verification: consumes the payment queue; an open order whose payment is secured has its
//! stock reserved and becomes `ready_to_ship` (on to the label queue), or waits as a backorder.
//! Stripe's news of a payment (from its webhooks) has the order follow the payment's state.
//! Restock messages retry a SKU's backorders, oldest first. Import parts apply a big stock import,
//! part by part.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use oms::aws::import_store::ImportStore;
use oms::aws::velocity_store::VelocityStore;
use oms::aws::Clients;
use oms::aws::InventoryStore;
use oms::config::required;
use oms::config::{ConfigError, Env};
use oms::messages::PaymentWork;
use oms::sqs_batch;
use oms::workflow::payment::PaymentVerification;
use oms::workflow::refunds::Refunds;
use oms::workflow::stock::StockFollowUp;
use oms::workflow::stock_import::StockImport;

pub struct App {
    clock: oms::clock::Time,
    metrics: oms::metrics::Metrics,
    payments: PaymentVerification,
    refunds: Refunds,
    imports: StockImport,
}

impl App {
    pub fn from_env(env: &dyn Env, aws: &Clients) -> Result<Self, ConfigError> {
        let table = required(env, "ORDERS_TABLE")?;
        let inventory = InventoryStore::new(aws.db.clone(), &table);
        let payment_queue = aws.queue(env, "PAYMENT_QUEUE_URL")?;
        let notify_queue = aws.queue(env, "NOTIFY_QUEUE_URL")?;
        let stock = StockFollowUp {
            inventory: inventory.clone(),
            payment_queue: payment_queue.clone(),
            notify_queue: notify_queue.clone(),
        };
        let gateway = oms::stripe::Stripe::from_env(env);
        Ok(Self {
            metrics: aws.metrics.clone(),
            clock: aws.clock.clone(),
            refunds: Refunds {
                orders: aws.order_store(env)?,
                gateway: gateway.clone(),
                notify_queue: notify_queue.clone(),
                // The seller's details live with orders-api: a refund taken in here has the
                // invoices reissued when staff next issue them.
                invoicing: None,
            },
            payments: PaymentVerification {
                orders: aws.order_store(env)?,
                inventory: inventory.clone(),
                label_queue: aws.queue(env, "LABEL_QUEUE_URL")?,
                notify_queue,
                payment_queue: payment_queue.clone(),
                stock: stock.clone(),
                clock: aws.clock.clone(),
                gateway,
                risk: oms::config::risk_settings(env)?,
                velocity: VelocityStore::new(aws.db.clone(), &table),
            },
            imports: StockImport {
                imports: ImportStore::new(aws.db.clone(), table),
                inventory,
                stock,
                payment_queue,
            },
        })
    }
}

pub async fn handle(event: SqsEvent, app: &App) -> SqsBatchResponse {
    let response = sqs_batch::process(
        event,
        &app.metrics,
        "payment-verification",
        |message| async move {
            match sqs_batch::body(&message)? {
                PaymentWork::Gateway(news) => {
                    app.payments
                        .take_news(&news, &app.refunds, app.clock.now())
                        .await
                }
                PaymentWork::Order(request) => {
                    app.payments
                        .look_at(&request.order_id, &app.refunds, app.clock.now())
                        .await
                }
                PaymentWork::Restock(restock) => {
                    let again = message
                        .attributes
                        .get("ApproximateReceiveCount")
                        .and_then(|count| count.parse::<u32>().ok())
                        .is_some_and(|count| count > 1);
                    app.payments
                        .restock(&restock.restocked_sku, app.clock.now(), again)
                        .await
                }
                PaymentWork::ImportChunk(part) => {
                    app.imports.apply_part(&part, app.clock.now()).await
                }
            }
        },
    )
    .await;
    // After the batch, so units its own undone reservations freed are announced too.
    app.payments.finish_left_behind().await;
    response
}
