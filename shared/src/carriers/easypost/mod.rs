//! EasyPost: `tracker.updated` webhooks and the shipments API used to rate-shop and buy labels.

pub mod client;
pub mod webhook;
