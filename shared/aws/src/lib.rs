//! The order management system's shared runtime code, on top of the pure core (`oms-core`, whose
//! modules are re-exported here so functions name one crate): AWS adapters (`aws`), the carrier's
//! label API (`carrier`), configuration, the HTTP edge (`http`), SQS batch handling, logging,
//! and the workflow step each function runs (`workflow`).

pub use oms_core::{
    carriers, channels, domain, export, inventory, invoicing, messages, notifications, pages,
    payments, privacy, reporting, risk, signature,
};

pub mod aws;
pub mod carrier;
pub mod clock;
pub mod config;
pub mod dynamo;
pub mod http;
pub mod metrics;
pub mod outside_http;
pub mod s3;
pub mod scheduler;
pub mod ses;
pub mod sqs;
pub mod sqs_batch;
pub mod startup;
pub mod stripe;
pub mod telemetry;
pub mod workflow;
