//! Our own order format, for marketplace connectors and custom storefronts
//! (`POST /webhooks/orders`) and for orders entered by staff (`POST /orders`). Documented as JSON
//! Schema in `docs/order.schema.json`; strict about unknown fields so typos fail loudly.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::fields::{
    clean_text, header_safe, is_plain_id, money, parse_json, present, price, quantity, RawAddress,
    MAX_LINES,
};
use super::PayloadError;
use crate::domain::order::lines_subtotal;
use crate::domain::{Channel, Currency, Customer, LineItem, NewOrder, PaymentStatus, Totals};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NativeOrder {
    channel_order_id: Option<String>,
    name: Option<String>,
    placed_at: Option<DateTime<Utc>>,
    updated_at: Option<DateTime<Utc>>,
    currency: String,
    #[serde(default)]
    payment_status: Option<String>,
    customer: NativeCustomer,
    shipping_address: Option<NativeAddress>,
    shipping_method: Option<String>,
    lines: Vec<NativeLine>,
    totals: NativeTotals,
    note: Option<String>,
    #[serde(default)]
    cancelled: bool,
    #[serde(default)]
    test: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NativeCustomer {
    email: Option<String>,
    name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NativeAddress {
    name: String,
    line1: Option<String>,
    line2: Option<String>,
    city: Option<String>,
    region: Option<String>,
    postal_code: Option<String>,
    country: Option<String>,
    phone: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NativeLine {
    sku: String,
    title: String,
    quantity: serde_json::Value,
    unit_price: String,
    #[serde(default)]
    grams: Option<u32>,
    #[serde(default)]
    requires_shipping: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NativeTotals {
    shipping: Option<String>,
    tax: Option<String>,
    fees: Option<String>,
    discounts: Option<String>,
    total: String,
}

/// Parses an order in our format. `channel_order_id` is required from marketplaces; for manual
/// orders the caller may supply one (derived from the Idempotency-Key, or fresh).
pub fn parse_order(
    body: &[u8],
    channel: Channel,
    fallback_id: impl FnOnce() -> Option<String>,
) -> Result<NewOrder, PayloadError> {
    let order: NativeOrder = parse_json(body, "order")?;
    // Staff-entered orders take their identity from the Idempotency-Key (or a fresh id), never
    // from the body, so one key always means one order.
    if channel == Channel::Manual && order.channel_order_id.is_some() {
        return Err(PayloadError::new(
            "channel_order_id_not_allowed",
            "manual orders are identified by the Idempotency-Key header, not channel_order_id",
        ));
    }
    let channel_order_id = order.channel_order_id.or_else(fallback_id).ok_or_else(|| {
        PayloadError::new("missing_channel_order_id", "channel_order_id is required")
    })?;
    if !is_plain_id(&channel_order_id) {
        return Err(PayloadError::new(
            "invalid_channel_order_id",
            "channel_order_id must be 1-64 letters, digits, '-', '_', ':' or '.'",
        ));
    }
    let currency = Currency::parse(&order.currency)
        .map_err(|e| PayloadError::new("invalid_currency", e.to_string()))?;
    if order.lines.is_empty() {
        return Err(PayloadError::new("no_line_items", "the order has no lines"));
    }
    if order.lines.len() > MAX_LINES {
        return Err(PayloadError::new(
            "too_many_line_items",
            format!("the order has more than {MAX_LINES} lines"),
        ));
    }
    let lines = order
        .lines
        .into_iter()
        .enumerate()
        .map(|(i, line)| {
            let sku = clean_text(&line.sku, 128);
            if sku.is_empty() {
                return Err(PayloadError::new(
                    "invalid_sku",
                    format!("line {i}: sku is empty"),
                ));
            }
            Ok(LineItem {
                sku,
                title: clean_text(&line.title, 256),
                quantity: quantity(i, &line.quantity)?,
                unit_price: price(&format!("line {i} unit_price"), Some(&line.unit_price))?,
                grams: line.grams.unwrap_or(0),
                requires_shipping: line.requires_shipping.unwrap_or(true),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let payment_status = match order.payment_status.as_deref().unwrap_or("pending") {
        "pending" => PaymentStatus::Pending,
        "authorized" => PaymentStatus::Authorized,
        "paid" => PaymentStatus::Paid,
        other => {
            return Err(PayloadError::new(
                "invalid_payment_status",
                format!(
                    "payment_status must be pending, authorized or paid, not {:?}",
                    clean_text(other, 32)
                ),
            ))
        }
    };
    let shipping_address = order
        .shipping_address
        .map(|a| {
            RawAddress {
                name: Some(a.name),
                line1: a.line1,
                line2: a.line2,
                city: a.city,
                region: a.region,
                postal_code: a.postal_code,
                country: a.country,
                phone: a.phone,
            }
            .normalize()
        })
        .transpose()?;
    let zero = || Some("0");
    Ok(NewOrder {
        channel,
        name: present(order.name, 64).unwrap_or_else(|| format!("#{channel_order_id}")),
        channel_order_id,
        payment_status,
        totals: Totals {
            subtotal: lines_subtotal(&lines),
            shipping: price(
                "totals.shipping",
                order.totals.shipping.as_deref().or_else(zero),
            )?,
            tax: price("totals.tax", order.totals.tax.as_deref().or_else(zero))?,
            fees: money("totals.fees", order.totals.fees.as_deref().or_else(zero))?,
            discounts: price(
                "totals.discounts",
                order.totals.discounts.as_deref().or_else(zero),
            )?,
            total: price("totals.total", Some(&order.totals.total))?,
        },
        currency,
        presentment_total: None,
        customer: Customer {
            email: header_safe(
                "customer.email",
                order.customer.email.as_deref().unwrap_or_default(),
                254,
            )?,
            name: header_safe("customer.name", &order.customer.name, 128)?,
        },
        shipping_address,
        shipping_method: present(order.shipping_method, 64),
        lines,
        test: order.test,
        placed_at: order.placed_at.unwrap_or_else(Utc::now),
        channel_updated_at: order.updated_at,
        cancelled: order.cancelled,
        note: present(order.note, 2000),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../../../tests/fixtures/native/order.json");

    #[test]
    fn parses_the_documented_example() {
        let order = parse_order(SAMPLE.as_bytes(), Channel::Marketplace, || None).unwrap();
        assert_eq!(order.channel_order_id, "amazon:113-4567890-1234567");
        assert_eq!(order.payment_status, PaymentStatus::Paid);
        assert_eq!(order.totals.computed_total(), order.totals.total);
        assert!(crate::domain::review::review(&order).is_empty());
    }

    #[test]
    fn manual_orders_may_leave_the_id_to_us() {
        let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
        v.as_object_mut().unwrap().remove("channel_order_id");
        let body = serde_json::to_vec(&v).unwrap();
        assert_eq!(
            parse_order(&body, Channel::Marketplace, || None)
                .unwrap_err()
                .code,
            "missing_channel_order_id"
        );
        let order = parse_order(&body, Channel::Manual, || Some("M-1".into())).unwrap();
        assert_eq!(order.channel_order_id, "M-1");
        assert_eq!(
            parse_order(SAMPLE.as_bytes(), Channel::Manual, || Some("M-1".into()))
                .unwrap_err()
                .code,
            "channel_order_id_not_allowed"
        );
    }

    #[test]
    fn unknown_fields_are_refused() {
        let body = SAMPLE.replacen("\"currency\"", "\"curency\": \"USD\", \"currency\"", 1);
        assert_eq!(
            parse_order(body.as_bytes(), Channel::Marketplace, || None)
                .unwrap_err()
                .code,
            "invalid_order"
        );
    }
}
