//! Orders the store tests write and read.

use chrono::{TimeZone, Utc};

use crate::domain::Order;

/// The 20-line Shopify order of the intake tests, placed.
pub(crate) fn twenty_lines() -> Order {
    let body = include_bytes!("../../../../tests/fixtures/shopify/orders-create-20-lines.json");
    let placed = oms_core::channels::shopify::parse_order(body)
        .expect("the fixture parses")
        .order;
    Order::place(placed, Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0).unwrap())
}
