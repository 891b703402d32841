//! The order management system's shared code.
//!
//! The pure core (`domain`, `channels`, `carriers::easypost::webhook`, `notifications`, `signature`)
//! has no AWS imports and is unit-tested in milliseconds. `aws` holds the adapters (DynamoDB, SQS, SES,
//! S3) and `carriers::easypost::client` the carrier's HTTP API; `http` maps domain errors to API
//! Gateway responses; `workflow` holds the steps each function runs, written against those pieces.

pub mod aws;
pub mod carriers;
pub mod channels;
pub mod config;
pub mod domain;
pub mod http;
pub mod messages;
pub mod notifications;
pub mod signature;
pub mod sqs_batch;
pub mod telemetry;
pub mod workflow;
