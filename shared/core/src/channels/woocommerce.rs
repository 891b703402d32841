//! WooCommerce `order.created` / `order.updated` payloads (REST API v3 order shape), and the ping
//! WooCommerce sends when a webhook is created.

use chrono::{DateTime, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::fields::{
    channel_id, clean_text, country_code, header_safe, join_name, money, parse_json, present,
    price, quantity, RawAddress, MAX_LINES,
};
use super::PayloadError;
use crate::domain::order::lines_subtotal;
use crate::domain::{
    Address, Channel, Currency, Customer, LineItem, NewOrder, PaymentStatus, Totals,
};

#[derive(Debug, Deserialize)]
struct WooOrder {
    #[serde(deserialize_with = "channel_id")]
    id: String,
    number: Option<String>,
    status: Option<String>,
    currency: Option<String>,
    date_created_gmt: Option<String>,
    date_modified_gmt: Option<String>,
    discount_total: Option<String>,
    shipping_total: Option<String>,
    total_tax: Option<String>,
    total: Option<String>,
    customer_note: Option<String>,
    billing: Option<WooContact>,
    shipping: Option<WooContact>,
    line_items: Option<Vec<WooLine>>,
    shipping_lines: Option<Vec<WooShippingLine>>,
    fee_lines: Option<Vec<WooFeeLine>>,
}

/// A charge that is neither goods nor shipping (gift wrap, a surcharge); negative as a discount.
#[derive(Debug, Deserialize)]
struct WooFeeLine {
    total: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WooContact {
    first_name: Option<String>,
    last_name: Option<String>,
    address_1: Option<String>,
    address_2: Option<String>,
    city: Option<String>,
    state: Option<String>,
    postcode: Option<String>,
    country: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WooLine {
    name: Option<String>,
    #[serde(default, deserialize_with = "super::fields::optional_channel_id")]
    product_id: Option<String>,
    #[serde(default)]
    quantity: serde_json::Value,
    sku: Option<String>,
    /// Line amount before discounts, as a decimal string (the `price` field is a float: unused).
    subtotal: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WooShippingLine {
    method_title: Option<String>,
}

/// The form body WooCommerce sends once when a webhook is saved: `webhook_id=<n>`.
pub fn is_ping(body: &[u8]) -> bool {
    std::str::from_utf8(body)
        .ok()
        .and_then(|b| b.trim().strip_prefix("webhook_id="))
        .is_some_and(|id| {
            !id.is_empty() && id.len() <= 20 && id.bytes().all(|c| c.is_ascii_digit())
        })
}

pub fn parse_order(body: &[u8]) -> Result<NewOrder, PayloadError> {
    let order: WooOrder = parse_json(body, "order payload")?;
    let currency = Currency::parse(order.currency.as_deref().unwrap_or_default())
        .map_err(|e| PayloadError::new("invalid_currency", e.to_string()))?;
    let raw_lines = order.line_items.unwrap_or_default();
    if raw_lines.is_empty() {
        return Err(PayloadError::new(
            "no_line_items",
            "the order has no line items",
        ));
    }
    if raw_lines.len() > MAX_LINES {
        return Err(PayloadError::new(
            "too_many_line_items",
            format!("the order has more than {MAX_LINES} line items"),
        ));
    }
    let shipping_lines = order.shipping_lines.unwrap_or_default();
    let shipping_address = order
        .shipping
        .map(address)
        .transpose()?
        .filter(|a| !a.line1.is_empty());
    // WooCommerce marks virtual products per product, not per line: an order with neither a
    // shipping method nor a shipping address has nothing to ship.
    let ships = !shipping_lines.is_empty() || shipping_address.is_some();
    let lines = raw_lines
        .into_iter()
        .enumerate()
        .map(|(i, line)| {
            let quantity = quantity(i, &line.quantity)?;
            let subtotal = price(&format!("line {i} subtotal"), line.subtotal.as_deref())?;
            Ok(LineItem {
                sku: present(line.sku, 128)
                    .or_else(|| line.product_id.map(|p| format!("product-{p}")))
                    .unwrap_or_else(|| format!("line-{i}")),
                title: clean_text(line.name.as_deref().unwrap_or("Item"), 256),
                quantity,
                unit_price: (subtotal / Decimal::from(quantity)).round_dp(4),
                grams: 0,
                requires_shipping: ships,
            })
        })
        .collect::<Result<Vec<_>, PayloadError>>()?;
    let billing = order.billing;
    let billing_country = country_code(billing.as_ref().and_then(|b| b.country.as_deref()));
    let email = header_safe(
        "billing email",
        billing
            .as_ref()
            .and_then(|b| b.email.as_deref())
            .unwrap_or_default(),
        254,
    )?;
    let name = billing
        .and_then(|b| join_name(b.first_name, b.last_name))
        .map(|n| header_safe("billing name", &n, 128))
        .transpose()?
        .or_else(|| shipping_address.as_ref().map(|a| a.name.clone()))
        .unwrap_or_else(|| email.clone());
    let status = order.status.as_deref().unwrap_or("pending");
    Ok(NewOrder {
        channel: Channel::WooCommerce,
        name: format!(
            "#{}",
            present(order.number, 32).unwrap_or_else(|| order.id.clone())
        ),
        channel_order_id: order.id,
        payment_status: payment_status(status)?,
        paid_offline: false,
        payment: None,
        currency,
        totals: Totals {
            subtotal: lines_subtotal(&lines),
            shipping: price(
                "shipping_total",
                order.shipping_total.as_deref().or(Some("0")),
            )?,
            tax: price("total_tax", order.total_tax.as_deref().or(Some("0")))?,
            fees: order
                .fee_lines
                .unwrap_or_default()
                .iter()
                .map(|f| money("fee_lines.total", f.total.as_deref()))
                .sum::<Result<Decimal, _>>()?,
            discounts: price(
                "discount_total",
                order.discount_total.as_deref().or(Some("0")),
            )?,
            total: price("total", order.total.as_deref())?,
        },
        presentment_total: None,
        customer: Customer { email, name },
        shipping_address,
        billing_country,
        shipping_method: shipping_lines
            .into_iter()
            .find_map(|s| present(s.method_title, 64)),
        lines,
        channel_refunds: Vec::new(),
        test: false,
        placed_at: gmt("date_created_gmt", order.date_created_gmt.as_deref())?
            .unwrap_or_else(Utc::now),
        channel_updated_at: gmt("date_modified_gmt", order.date_modified_gmt.as_deref())?,
        cancelled: matches!(status, "cancelled" | "trash"),
        note: present(order.customer_note, 2000),
    })
}

fn address(c: WooContact) -> Result<Address, PayloadError> {
    RawAddress {
        name: join_name(c.first_name, c.last_name),
        line1: c.address_1,
        line2: c.address_2,
        city: c.city,
        region: c.state,
        postal_code: c.postcode,
        country: c.country,
        phone: c.phone,
    }
    .normalize()
}

fn payment_status(status: &str) -> Result<PaymentStatus, PayloadError> {
    Ok(match status {
        "pending" | "on-hold" | "checkout-draft" => PaymentStatus::Pending,
        "processing" | "completed" => PaymentStatus::Paid,
        "refunded" => PaymentStatus::Refunded,
        "failed" => PaymentStatus::Failed,
        "cancelled" | "trash" => PaymentStatus::Voided,
        other => {
            return Err(PayloadError::new(
                "invalid_status",
                format!("unknown order status {:?}", clean_text(other, 32)),
            ))
        }
    })
}

/// WooCommerce's `*_gmt` times are UTC without an offset: `2026-10-02T13:14:00`.
fn gmt(field: &str, text: Option<&str>) -> Result<Option<DateTime<Utc>>, PayloadError> {
    text.filter(|t| !t.is_empty())
        .map(|t| {
            NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S")
                .map(|n| n.and_utc())
                .map_err(|_| PayloadError::new("invalid_date", format!("{field} is not a date")))
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../../../tests/fixtures/woocommerce/order-created.json");

    #[test]
    fn parses_the_sample_order() {
        let order = parse_order(SAMPLE.as_bytes()).unwrap();
        assert_eq!(order.channel, Channel::WooCommerce);
        assert_eq!(order.channel_order_id, "5120");
        assert_eq!(order.name, "#5120");
        assert_eq!(order.payment_status, PaymentStatus::Paid);
        assert_eq!(order.customer.email, "jonas.berg@example.com");
        assert_eq!(order.lines[0].sku, "MUG-ENAMEL-BLUE");
        assert_eq!(order.lines[0].unit_price.to_string(), "12.50");
        assert_eq!(order.totals.computed_total(), order.totals.total);
        assert_eq!(order.shipping_address.as_ref().unwrap().country, "SE");
        assert!(crate::domain::review::review(&order).is_empty());
    }

    #[test]
    fn fee_lines_are_a_total_of_their_own() {
        let mut order: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
        order["fee_lines"] = serde_json::json!([
            {"id": 91, "name": "Gift wrap", "total": "20.00", "total_tax": "0.00"},
            {"id": 92, "name": "Loyalty credit", "total": "-2.50", "total_tax": "0.00"}
        ]);
        order["total"] = "155.25".into();
        let order = parse_order(&serde_json::to_vec(&order).unwrap()).unwrap();
        assert_eq!(order.totals.fees.to_string(), "17.50");
        assert!(
            crate::domain::review::review(&order).is_empty(),
            "not a mismatch"
        );
    }

    #[test]
    fn recognizes_the_creation_ping() {
        assert!(is_ping(b"webhook_id=15"));
        assert!(!is_ping(b"webhook_id="));
        assert!(!is_ping(b"webhook_id=15&x=1"));
        assert!(!is_ping(SAMPLE.as_bytes()));
    }

    #[test]
    fn cancelled_orders_are_flagged() {
        let body = SAMPLE.replace("\"processing\"", "\"cancelled\"");
        assert!(parse_order(body.as_bytes()).unwrap().cancelled);
        let body = SAMPLE.replace("\"processing\"", "\"teleported\"");
        assert_eq!(
            parse_order(body.as_bytes()).unwrap_err().code,
            "invalid_status"
        );
    }
}
