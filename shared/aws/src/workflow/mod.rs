//! The steps of an order's path, one module per function, written against the domain and the
//! adapters. Each step re-reads the order and acts on its current state, so running it again after
//! a crash or a duplicate message finishes what was left undone and repeats nothing.

pub mod carts;
pub mod delays;
pub mod intake;
pub mod invoicing;
pub mod labels;
pub mod notify;
pub mod order_edit;
pub mod order_export;
pub mod payment;
pub mod payment_news;
pub mod refunds;
pub mod review;
pub mod status_change;
pub mod stock;
pub mod stock_import;
pub mod tracking;
