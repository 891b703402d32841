//! Label request: consumes the label queue; rate-shops and buys the label from the carrier (never
//! twice), stores the PDF in S3 and records the shipment. Export parts write a big orders export
//! to S3, part by part (the one consumer that keeps files in S3 already).

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use oms::aws::{Clients, ExportStore, InventoryStore, PdfStore, TransitStats};
use oms::config::{required, ConfigError, Env};
use oms::domain::shipping_limits::ShippingLimits;
use oms::messages::LabelWork;
use oms::sqs_batch;
use oms::workflow::labels::LabelPurchase;
use oms::workflow::order_export::OrderExports;

pub struct App {
    clock: oms::clock::Time,
    metrics: oms::metrics::Metrics,
    labels: LabelPurchase,
    exports: OrderExports,
}

impl App {
    pub fn from_env(env: &dyn Env, aws: &Clients) -> Result<Self, ConfigError> {
        let invalid =
            |name: &'static str| move |reason: String| ConfigError::Invalid { name, reason };
        let carrier = aws.carrier(env)?;
        let ship_from = serde_json::from_str(&required(env, "SHIP_FROM_ADDRESS")?)
            .map_err(|e| invalid("SHIP_FROM_ADDRESS")(e.to_string()))?;
        let delivery_window_days = required(env, "DELIVERY_WINDOW_DAYS")?
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|d| (1..=30).contains(d))
            .ok_or_else(|| {
                invalid("DELIVERY_WINDOW_DAYS")("a whole number of days from 1 to 30".into())
            })?;
        let limits = ShippingLimits {
            max_parcel_grams: bounded(env, "MAX_PARCEL_GRAMS", 1..=1_000_000)?,
            max_cost_percent: bounded(env, "MAX_LABEL_COST_PERCENT", 1..=1_000)?,
        };
        let table = required(env, "ORDERS_TABLE")?;
        Ok(Self {
            metrics: aws.metrics.clone(),
            clock: aws.clock.clone(),
            exports: OrderExports {
                exports: ExportStore::new(aws.db.clone(), &table),
                orders: aws.order_store(env)?,
                files: aws.files()?,
                bucket: required(env, "DOCUMENT_BUCKET")?,
                work_queue: aws.queue(env, "LABEL_QUEUE_URL")?,
                notify_queue: aws.queue(env, "NOTIFY_QUEUE_URL")?,
            },
            labels: LabelPurchase {
                delivery_window_days,
                limits,
                orders: aws.order_store(env)?,
                inventory: InventoryStore::new(aws.db.clone(), required(env, "ORDERS_TABLE")?),
                carrier,
                labels: PdfStore::new(aws.files()?, required(env, "LABEL_BUCKET")?),
                notify_queue: aws.queue(env, "NOTIFY_QUEUE_URL")?,
                ship_from,
                transit: TransitStats::new(aws.db.clone(), required(env, "ORDERS_TABLE")?),
                gateway: oms::stripe::Stripe::from_env(env),
            },
        })
    }
}

/// A whole number from the environment within `range`.
fn bounded(
    env: &dyn Env,
    name: &'static str,
    range: std::ops::RangeInclusive<u32>,
) -> Result<u32, ConfigError> {
    required(env, name)?
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| ConfigError::Invalid {
            name,
            reason: format!("a whole number from {} to {}", range.start(), range.end()),
        })
}

pub async fn handle(event: SqsEvent, app: &App) -> SqsBatchResponse {
    sqs_batch::process(event, &app.metrics, "label-request", |message| async move {
        match sqs_batch::body(&message)? {
            LabelWork::Order(request) => {
                app.labels.fulfill(&request.order_id, app.clock.now()).await
            }
            LabelWork::ExportPart(part) => app.exports.write_part(&part, app.clock.now()).await,
        }
    })
    .await
}
