//! The pure core of the order management system: domain types and their rules, channel and carrier
//! payload parsing, webhook signatures, customer email rendering, and the messages functions send
//! each other. No I/O and no AWS here, so it builds and tests in seconds; `oms` (shared/aws) adds
//! the adapters and the workflow steps.

pub mod carriers;
pub mod channels;
pub mod domain;
pub mod export;
pub mod inventory;
pub mod invoicing;
pub mod messages;
pub mod notifications;
pub mod pages;
pub mod payments;
pub mod privacy;
pub mod reporting;
pub mod risk;
pub mod signature;
