//! Customer notification: consumes the notify queue and emails the customer through SES, once per
//! order, event and shipment; and suppliers, once per crossing of a SKU's reorder point.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use oms::aws::PreferenceStore;
use oms::aws::{CartStore, Clients, IdempotencyStore, InventoryStore, Mailer};
use oms::config::{required, ConfigError, Env};
use oms::messages::NotifyWork;
use oms::notifications::{BrandColor, Branding, InvalidBranding, LogoUrl};
use oms::sqs_batch;
use oms::workflow::notify::Notifier;

pub struct App {
    clock: oms::clock::Time,
    metrics: oms::metrics::Metrics,
    notifier: Notifier,
}

impl App {
    pub fn from_env(env: &dyn Env, aws: &Clients) -> Result<Self, ConfigError> {
        Ok(Self {
            metrics: aws.metrics.clone(),
            clock: aws.clock.clone(),
            notifier: Notifier {
                orders: aws.order_store(env)?,
                claims: IdempotencyStore::new(aws.db.clone(), required(env, "ORDERS_TABLE")?)
                    .with_clock(aws.clock.clone()),
                mailer: Mailer::new(aws.mail()?, required(env, "SENDER_EMAIL")?),
                branding: Branding {
                    merchant_name: required(env, "MERCHANT_NAME")?,
                    ops_email: required(env, "OPS_EMAIL")?,
                    public_base_url: required(env, "PUBLIC_BASE_URL")?,
                    tracking_link_secret: required(env, "TRACKING_LINK_SECRET")?.into_bytes(),
                    logo_url: env
                        .var("MERCHANT_LOGO_URL")
                        .filter(|url| !url.trim().is_empty())
                        .map(|url| LogoUrl::parse(&url))
                        .transpose()
                        .map_err(|e| invalid("MERCHANT_LOGO_URL", e))?,
                    brand_color: BrandColor::parse(&required(env, "BRAND_COLOR")?)
                        .map_err(|e| invalid("BRAND_COLOR", e))?,
                },
                preferences: PreferenceStore::new(aws.db.clone(), required(env, "ORDERS_TABLE")?),
                inventory: InventoryStore::new(aws.db.clone(), required(env, "ORDERS_TABLE")?),
                carts: CartStore::new(aws.db.clone(), required(env, "ORDERS_TABLE")?),
                later: aws.later(env, "NOTIFY_QUEUE_URL", "NOTIFY_QUEUE_ARN")?,
                cart_reminder_after: oms::config::cart_reminder_after(env)?,
                metrics: aws.metrics.clone(),
            },
        })
    }
}

fn invalid(name: &'static str, e: InvalidBranding) -> ConfigError {
    ConfigError::Invalid {
        name,
        reason: e.to_string(),
    }
}

pub async fn handle(event: SqsEvent, app: &App) -> SqsBatchResponse {
    sqs_batch::process(
        event,
        &app.metrics,
        "customer-notification",
        |message| async move {
            let outcome = match sqs_batch::body(&message)? {
                NotifyWork::Order(notification) => {
                    app.notifier.notify(&notification, app.clock.now()).await
                }
                NotifyWork::Reorder(request) => app.notifier.reorder(&request).await,
                NotifyWork::ExportReady(ready) => app.notifier.export_ready(&ready).await,
                NotifyWork::DelayCheck(check) => {
                    app.notifier.delay_check(&check, app.clock.now()).await
                }
                NotifyWork::CartReminder(reminder) => {
                    app.notifier.cart_reminder(&reminder, app.clock.now()).await
                }
            };
            outcome.map(drop)
        },
    )
    .await
}
