//! Adapters to AWS services. Clients are built once per process from one `SdkConfig`, which honours
//! `AWS_ENDPOINT_URL` (the local emulator) like every AWS SDK.

pub mod idempotency;
pub mod item;
pub mod label_store;
pub mod mailer;
pub mod order_store;
pub mod queue;

pub use idempotency::{Claim, IdempotencyStore};
pub use label_store::LabelStore;
pub use mailer::{MailError, Mailer};
pub use order_store::{OrderStore, StoreError};
pub use queue::Queue;

pub async fn load_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
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
