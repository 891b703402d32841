//! Adapters to AWS services. Clients are built once per process from one `SdkConfig`, which honours
//! `AWS_ENDPOINT_URL` (the local emulator) like every AWS SDK.

pub mod attribute_serializer;
pub mod batch;
pub mod cart_store;
pub mod catalog_store;
pub mod deliveries;
pub mod export_store;
pub mod idempotency;
pub mod import_store;
pub mod inventory_store;
pub mod invoice_store;
pub mod item;
pub mod later;
pub mod mailer;
pub mod order_store;
pub mod pdf_store;
pub mod preferences;
pub mod queue;
pub mod report_store;
pub mod secrets;
#[cfg(test)]
mod test_orders;
pub mod transit_stats;
pub mod trust;
pub mod velocity_store;

pub use cart_store::CartStore;
pub use catalog_store::CatalogStore;
pub use deliveries::DeliveryLog;
pub use export_store::ExportStore;
pub use idempotency::{Claim, IdempotencyStore};
pub use inventory_store::InventoryStore;
pub use invoice_store::InvoiceStore;
pub use mailer::{MailError, Mailer};
pub use order_store::{OrderStore, StoreError};
pub use pdf_store::PdfStore;
pub use preferences::PreferenceStore;
pub use queue::Queue;
pub use report_store::ReportStore;
pub use transit_stats::TransitStats;

/// The environment's settings (region, credentials, `AWS_ENDPOINT_URL`), on an HTTPS client that
/// trusts the Amazon roots only (`trust`).
pub async fn load_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(trust::http_client())
        .load()
        .await
}

/// Any AWS SDK error as one line of text, with the service's code when it has one.
pub fn describe<E, R>(err: &aws_sdk_dynamodb::error::SdkError<E, R>) -> String
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    use aws_sdk_dynamodb::error::ProvideErrorMetadata;
    match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => aws_sdk_dynamodb::error::DisplayErrorContext(err).to_string(),
    }
}

/// The AWS clients a function uses, built once per process (a cold start), shared by every request.
/// Every function stores in DynamoDB and hands work on through SQS; only those that send email or
/// keep files add SES or S3, so the others' binaries do not link those SDKs at all.
#[derive(Clone)]
pub struct Clients {
    pub config: aws_config::SdkConfig,
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// The key-value store port on `dynamodb`.
    pub db: crate::dynamo::Db,
    pub sqs: aws_sdk_sqs::Client,
    /// The message queue port on `sqs`.
    pub queues: crate::sqs::Queues,
    /// The email port (SES), for a function that sends email (`with_mail`).
    pub mail: Option<crate::ses::MailService>,
    /// The file port (S3), for a function that keeps files (`with_files`).
    pub files: Option<crate::s3::Files>,
    /// The scheduler port (EventBridge Scheduler), for a function that waits longer than SQS
    /// can delay (`with_schedules`).
    pub schedules: Option<crate::scheduler::Schedules>,
    /// The clock every use case and store built from these clients reads.
    pub clock: crate::clock::Time,
    /// The carrier a world provides (the in-memory one); `None` speaks EasyPost's API at the
    /// environment's `EASYPOST_API_URL`.
    pub carrier: Option<crate::carrier::Carriers>,
    /// Where metrics go (stdout as EMF in Lambda; memory locally).
    pub metrics: crate::metrics::Metrics,
}

impl Clients {
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        // One SDK client per service: a port and its raw client share it (a clone is a handle).
        let dynamodb = aws_sdk_dynamodb::Client::new(config);
        let sqs = aws_sdk_sqs::Client::new(config);
        Self {
            config: config.clone(),
            db: std::sync::Arc::new(crate::dynamo::sdk::SdkDynamo::new(dynamodb.clone())),
            dynamodb,
            queues: std::sync::Arc::new(crate::sqs::sdk::SdkSqs::new(sqs.clone())),
            sqs,
            mail: None,
            files: None,
            schedules: None,
            clock: crate::clock::system(),
            carrier: None,
            metrics: crate::metrics::Metrics::stdout(),
        }
    }

    /// Clients on other adapters (the in-memory world). The SDK clients point at no endpoint
    /// anyone serves: only the ports are meant to be used.
    pub fn with_ports(
        db: crate::dynamo::Db,
        queues: crate::sqs::Queues,
        mail: crate::ses::MailService,
        files: crate::s3::Files,
        clock: crate::clock::Time,
    ) -> Self {
        let config = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .endpoint_url("http://127.0.0.1:9")
            .region(aws_config::Region::new("us-east-1"))
            .build();
        Self {
            db,
            queues,
            mail: Some(mail),
            files: Some(files),
            clock,
            ..Self::new(&config)
        }
    }

    /// These clients with the email port on SES.
    pub fn with_mail(mut self) -> Self {
        self.mail = Some(std::sync::Arc::new(crate::ses::sdk::SdkSes::new(
            aws_sdk_ses::Client::new(&self.config),
        )));
        self
    }

    /// These clients with the file port on S3.
    pub fn with_files(mut self) -> Self {
        self.files = Some(std::sync::Arc::new(crate::s3::sdk::SdkS3::new(
            &self.config,
        )));
        self
    }

    /// These clients with the scheduler port on EventBridge Scheduler.
    pub fn with_schedules(mut self) -> Self {
        self.schedules = Some(std::sync::Arc::new(
            crate::scheduler::sdk::SdkScheduler::new(aws_sdk_scheduler::Client::new(&self.config)),
        ));
        self
    }

    /// Messages due later on the queue at `url_variable` (its ARN at `arn_variable`), scheduled
    /// in `SCHEDULE_GROUP` with `SCHEDULER_ROLE_ARN` beyond SQS's 15 minutes, undeliverable ones
    /// to `SCHEDULE_DEAD_LETTER_ARN`; a function built without the scheduler cannot start.
    pub fn later(
        &self,
        env: &dyn crate::config::Env,
        url_variable: &'static str,
        arn_variable: &'static str,
    ) -> Result<later::Later, crate::config::ConfigError> {
        use crate::config::required;
        let schedules = self
            .schedules
            .clone()
            .ok_or(crate::config::ConfigError::NoClient(
                "EventBridge Scheduler",
            ))?;
        Ok(later::Later::new(
            self.queue(env, url_variable)?,
            schedules,
            later::ScheduleTarget {
                group: required(env, "SCHEDULE_GROUP")?,
                queue_arn: required(env, arn_variable)?,
                role_arn: required(env, "SCHEDULER_ROLE_ARN")?,
                dead_letter_arn: required(env, "SCHEDULE_DEAD_LETTER_ARN")?,
            },
        ))
    }

    /// The email port; a function built without it cannot start.
    pub fn mail(&self) -> Result<crate::ses::MailService, crate::config::ConfigError> {
        self.mail
            .clone()
            .ok_or(crate::config::ConfigError::NoClient("SES"))
    }

    /// The file port; a function built without it cannot start.
    pub fn files(&self) -> Result<crate::s3::Files, crate::config::ConfigError> {
        self.files
            .clone()
            .ok_or(crate::config::ConfigError::NoClient("S3"))
    }

    pub async fn load() -> Self {
        Self::new(&load_config().await)
    }

    pub fn order_store(
        &self,
        env: &dyn crate::config::Env,
    ) -> Result<OrderStore, crate::config::ConfigError> {
        Ok(OrderStore::new(
            self.db.clone(),
            crate::config::required(env, "ORDERS_TABLE")?,
        )
        .with_clock(self.clock.clone())
        .with_metrics(self.metrics.clone()))
    }

    /// The carrier (the world's own, else EasyPost at `EASYPOST_API_URL` with `EASYPOST_API_KEY`),
    /// its transient failures retried.
    pub fn carrier(
        &self,
        env: &dyn crate::config::Env,
    ) -> Result<crate::carrier::Carriers, crate::config::ConfigError> {
        if let Some(carrier) = &self.carrier {
            return Ok(std::sync::Arc::new(crate::carrier::Persistent(
                carrier.clone(),
            )));
        }
        let client = crate::carrier::EasyPostClient::new(
            &crate::config::required(env, "EASYPOST_API_URL")?,
            &crate::config::required(env, "EASYPOST_API_KEY")?,
        );
        Ok(std::sync::Arc::new(crate::carrier::Persistent(
            std::sync::Arc::new(client),
        )))
    }

    pub fn queue(
        &self,
        env: &dyn crate::config::Env,
        url_variable: &'static str,
    ) -> Result<Queue, crate::config::ConfigError> {
        Ok(Queue::new(
            self.queues.clone(),
            crate::config::required(env, url_variable)?,
        ))
    }
}
