//! Shopify `orders/create` payloads: only the fields we use, tolerant of the nulls and extra fields
//! real payloads carry, strict about what must be right (ids as strings, decimal money, quantities).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer};

use super::PayloadError;
use crate::domain::{
    Address, Channel, Currency, Customer, LineItem, NewOrder, PaymentStatus, Totals,
};

/// The most units of one line we accept; more is a typo or an attack, not an order.
const MAX_QUANTITY: u64 = 10_000;
const MAX_LINES: usize = 500;

#[derive(Debug, Deserialize)]
struct ShopifyOrder {
    #[serde(deserialize_with = "channel_id")]
    id: String,
    name: Option<String>,
    email: Option<String>,
    contact_email: Option<String>,
    created_at: Option<String>,
    currency: Option<String>,
    financial_status: Option<String>,
    total_price: Option<String>,
    total_line_items_price: Option<String>,
    total_tax: Option<String>,
    total_discounts: Option<String>,
    #[serde(default)]
    test: Option<bool>,
    customer: Option<ShopifyCustomer>,
    shipping_address: Option<ShopifyAddress>,
    #[serde(default)]
    shipping_lines: Option<Vec<ShopifyShippingLine>>,
    #[serde(default)]
    line_items: Option<Vec<ShopifyLine>>,
}

#[derive(Debug, Deserialize)]
struct ShopifyCustomer {
    first_name: Option<String>,
    last_name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ShopifyAddress {
    name: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    address1: Option<String>,
    address2: Option<String>,
    city: Option<String>,
    province_code: Option<String>,
    zip: Option<String>,
    country_code: Option<String>,
    phone: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ShopifyShippingLine {
    title: Option<String>,
    price: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ShopifyLine {
    #[serde(default, deserialize_with = "optional_channel_id")]
    id: Option<String>,
    #[serde(default, deserialize_with = "optional_channel_id")]
    variant_id: Option<String>,
    sku: Option<String>,
    title: Option<String>,
    quantity: serde_json::Value,
    price: Option<String>,
    grams: Option<u64>,
    requires_shipping: Option<bool>,
}

/// Shopify ids are integers beyond 2^53; JSON parsers that use doubles corrupt them. Accept the
/// integer (parsed exactly as u64) or a string, and keep it as a string.
fn channel_id<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    optional_channel_id(d)?.ok_or_else(|| serde::de::Error::custom("id is required"))
}

fn optional_channel_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Number(n) if n.is_u64() => Ok(Some(n.to_string())),
        serde_json::Value::String(s) if is_plain_id(&s) => Ok(Some(s)),
        _ => Err(serde::de::Error::custom("ids must be positive integers")),
    }
}

fn is_plain_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Parses and normalizes an `orders/create` (or `orders/updated`) body.
pub fn parse_order(body: &[u8]) -> Result<NewOrder, PayloadError> {
    let order: ShopifyOrder = serde_json::from_slice(body).map_err(|e| {
        let code = if e.is_syntax() || e.is_eof() {
            "malformed_json"
        } else {
            "invalid_order"
        };
        PayloadError::new(code, format!("order payload is not valid: {e}"))
    })?;
    normalize(order)
}

fn normalize(order: ShopifyOrder) -> Result<NewOrder, PayloadError> {
    let currency = Currency::parse(order.currency.as_deref().unwrap_or_default())
        .map_err(|e| PayloadError::new("invalid_currency", e.to_string()))?;
    let lines = order.line_items.unwrap_or_default();
    if lines.is_empty() {
        return Err(PayloadError::new(
            "no_line_items",
            "the order has no line items",
        ));
    }
    if lines.len() > MAX_LINES {
        return Err(PayloadError::new(
            "too_many_line_items",
            format!("the order has more than {MAX_LINES} line items"),
        ));
    }
    let lines = lines
        .into_iter()
        .enumerate()
        .map(|(i, line)| normalize_line(i, line))
        .collect::<Result<Vec<_>, _>>()?;

    let email = order
        .email
        .or(order.contact_email)
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty())
        .ok_or_else(|| PayloadError::new("missing_email", "the order has no customer email"))?;
    if !is_plausible_email(&email) {
        return Err(PayloadError::new(
            "invalid_email",
            "the customer email is not a valid address",
        ));
    }

    let shipping_address = order.shipping_address.map(normalize_address).transpose()?;
    let needs_shipping = lines.iter().any(|l| l.requires_shipping);
    if needs_shipping && shipping_address.is_none() {
        return Err(PayloadError::new(
            "missing_shipping_address",
            "the order has goods to ship but no shipping address",
        ));
    }

    let customer_name = order
        .customer
        .and_then(|c| join_name(c.first_name, c.last_name))
        .or_else(|| shipping_address.as_ref().map(|a| a.name.clone()))
        .unwrap_or_else(|| email.clone());

    let shipping_lines = order.shipping_lines.unwrap_or_default();
    let shipping = shipping_lines
        .iter()
        .map(|s| money("shipping_lines.price", s.price.as_deref()))
        .sum::<Result<Decimal, _>>()?;
    let subtotal = match order.total_line_items_price.as_deref() {
        Some(text) => money("total_line_items_price", Some(text))?,
        None => lines
            .iter()
            .map(|l| l.unit_price * Decimal::from(l.quantity))
            .sum(),
    };
    let totals = Totals {
        subtotal,
        shipping,
        tax: money("total_tax", order.total_tax.as_deref().or(Some("0")))?,
        discounts: money(
            "total_discounts",
            order.total_discounts.as_deref().or(Some("0")),
        )?,
        total: money("total_price", order.total_price.as_deref())?,
    };

    let placed_at = match order.created_at.as_deref() {
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|_| PayloadError::new("invalid_date", "created_at is not an RFC 3339 time"))?,
        None => Utc::now(),
    };

    Ok(NewOrder {
        channel: Channel::Shopify,
        name: order
            .name
            .map(|n| clean_text(&n, 64))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| format!("#{}", order.id)),
        channel_order_id: order.id,
        payment_status: payment_status(order.financial_status.as_deref())?,
        currency,
        totals,
        customer: Customer {
            email,
            name: clean_text(&customer_name, 128),
        },
        shipping_address,
        shipping_method: shipping_lines
            .into_iter()
            .find_map(|s| s.title)
            .map(|t| clean_text(&t, 64)),
        lines,
        test: order.test.unwrap_or(false),
        placed_at,
    })
}

fn normalize_line(index: usize, line: ShopifyLine) -> Result<LineItem, PayloadError> {
    let quantity = match &line.quantity {
        serde_json::Value::Number(n) => n.as_u64(),
        _ => None,
    }
    .filter(|&q| q > 0)
    .ok_or_else(|| {
        PayloadError::new(
            "invalid_quantity",
            format!("line {index}: quantity must be a positive whole number"),
        )
    })?;
    if quantity > MAX_QUANTITY {
        return Err(PayloadError::new(
            "invalid_quantity",
            format!("line {index}: quantity {quantity} exceeds {MAX_QUANTITY}"),
        ));
    }
    let unit_price = money("line_items.price", line.price.as_deref())?;
    if unit_price.is_sign_negative() {
        return Err(PayloadError::new(
            "invalid_price",
            format!("line {index}: price is negative"),
        ));
    }
    // Shopify sends null or "" for variants without a SKU; the variant id still identifies it.
    let sku = line
        .sku
        .map(|s| clean_text(&s, 128))
        .filter(|s| !s.is_empty())
        .or_else(|| line.variant_id.map(|v| format!("variant-{v}")))
        .or_else(|| line.id.map(|id| format!("line-{id}")))
        .unwrap_or_else(|| format!("line-{index}"));
    Ok(LineItem {
        sku,
        title: clean_text(line.title.as_deref().unwrap_or("Item"), 256),
        quantity: quantity as u32,
        unit_price,
        grams: line.grams.unwrap_or(0).min(u64::from(u32::MAX)) as u32,
        requires_shipping: line.requires_shipping.unwrap_or(true),
    })
}

fn normalize_address(a: ShopifyAddress) -> Result<Address, PayloadError> {
    let missing = |field: &str| {
        PayloadError::new(
            "incomplete_shipping_address",
            format!("the shipping address has no {field}"),
        )
    };
    let present = |v: Option<String>| v.map(|s| clean_text(&s, 256)).filter(|s| !s.is_empty());
    let name = present(a.name)
        .or_else(|| join_name(a.first_name, a.last_name))
        .ok_or_else(|| missing("name"))?;
    let country = present(a.country_code)
        .map(|c| c.to_ascii_uppercase())
        .filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()))
        .ok_or_else(|| missing("valid country code"))?;
    Ok(Address {
        name,
        line1: present(a.address1).ok_or_else(|| missing("street line"))?,
        line2: present(a.address2),
        city: present(a.city).ok_or_else(|| missing("city"))?,
        region: present(a.province_code),
        postal_code: present(a.zip),
        country,
        phone: present(a.phone),
    })
}

fn payment_status(financial_status: Option<&str>) -> Result<PaymentStatus, PayloadError> {
    Ok(match financial_status.unwrap_or("pending") {
        "pending" | "partially_paid" => PaymentStatus::Pending,
        "authorized" => PaymentStatus::Authorized,
        "paid" => PaymentStatus::Paid,
        "partially_refunded" => PaymentStatus::PartiallyRefunded,
        "refunded" => PaymentStatus::Refunded,
        "voided" => PaymentStatus::Voided,
        other => {
            return Err(PayloadError::new(
                "invalid_financial_status",
                format!("unknown financial_status {:?}", clean_text(other, 32)),
            ))
        }
    })
}

fn money(field: &str, text: Option<&str>) -> Result<Decimal, PayloadError> {
    let text =
        text.ok_or_else(|| PayloadError::new("invalid_money", format!("{field} is missing")))?;
    text.trim()
        .parse::<Decimal>()
        .ok()
        .filter(|d| d.scale() <= 4 && d.abs() < Decimal::from(1_000_000_000u64))
        .ok_or_else(|| {
            PayloadError::new("invalid_money", format!("{field} is not a decimal amount"))
        })
}

fn join_name(first: Option<String>, last: Option<String>) -> Option<String> {
    let name = [first, last]
        .into_iter()
        .flatten()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    (!name.is_empty()).then_some(name)
}

/// Drops control characters (no header or log injection through names) and bounds the length.
fn clean_text(text: &str, max_chars: usize) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .take(max_chars)
        .collect::<String>()
        .trim()
        .to_string()
}

/// Deliberately simple: one `@`, a dot in the domain, no spaces or control characters.
pub fn is_plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    email.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && email
            .chars()
            .all(|c| c.is_ascii_graphic() || (!c.is_ascii() && !c.is_control()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../../tests/fixtures/shopify/orders-create.json");

    fn with(edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
        let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
        edit(&mut v);
        serde_json::to_vec(&v).unwrap()
    }

    #[test]
    fn parses_the_sample_order_exactly() {
        let order = parse_order(SAMPLE.as_bytes()).unwrap();
        assert_eq!(order.channel_order_id, "6120554433221100998");
        assert_eq!(order.name, "#2093");
        assert_eq!(order.payment_status, PaymentStatus::Paid);
        assert_eq!(order.currency.as_str(), "CAD");
        assert_eq!(order.totals.total.to_string(), "74.38");
        assert_eq!(order.totals.computed_total(), order.totals.total);
        assert_eq!(order.customer.name, "Priya Natarajan");
        assert_eq!(order.lines.len(), 2);
        assert_eq!(order.lines[0].sku, "TOWEL-LINEN-SAGE");
        assert_eq!(order.lines[0].quantity, 2);
        assert_eq!(order.shipping_method.as_deref(), Some("Standard"));
        let address = order.shipping_address.unwrap();
        assert_eq!(address.city, "Montréal");
        assert_eq!(address.country, "CA");
    }

    #[test]
    fn big_ids_survive_as_strings_or_numbers() {
        let body = with(|v| v["id"] = serde_json::json!("9007199254740993123"));
        assert_eq!(
            parse_order(&body).unwrap().channel_order_id,
            "9007199254740993123"
        );
        let body = SAMPLE.replace("6120554433221100998,", "18446744073709551615,");
        assert_eq!(
            parse_order(body.as_bytes()).unwrap().channel_order_id,
            "18446744073709551615"
        );
    }

    #[test]
    fn lines_without_sku_fall_back_to_the_variant() {
        let body = with(|v| {
            v["line_items"][0]["sku"] = serde_json::Value::Null;
            v["line_items"][1]["sku"] = serde_json::json!("");
        });
        let order = parse_order(&body).unwrap();
        assert_eq!(order.lines[0].sku, "variant-47120554433221");
        assert_eq!(order.lines[1].sku, "variant-47120554433222");
    }

    #[test]
    fn digital_orders_need_no_address() {
        let body = with(|v| {
            v["shipping_address"] = serde_json::Value::Null;
            for line in v["line_items"].as_array_mut().unwrap() {
                line["requires_shipping"] = serde_json::json!(false);
            }
        });
        assert!(parse_order(&body).unwrap().shipping_address.is_none());
    }

    #[test]
    fn refuses_broken_orders_with_a_reason() {
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("malformed_json", b"{not json".to_vec()),
            ("invalid_order", b"[]".to_vec()),
            ("invalid_order", with(|v| v["id"] = serde_json::json!(-5))),
            ("invalid_order", with(|v| v["id"] = serde_json::json!(1.5))),
            (
                "no_line_items",
                with(|v| v["line_items"] = serde_json::json!([])),
            ),
            (
                "invalid_quantity",
                with(|v| v["line_items"][0]["quantity"] = serde_json::json!(0)),
            ),
            (
                "invalid_quantity",
                with(|v| v["line_items"][0]["quantity"] = serde_json::json!(-1)),
            ),
            (
                "invalid_quantity",
                with(|v| v["line_items"][0]["quantity"] = serde_json::json!(1.5)),
            ),
            (
                "invalid_quantity",
                with(|v| v["line_items"][0]["quantity"] = serde_json::json!("2")),
            ),
            (
                "invalid_quantity",
                with(|v| v["line_items"][0]["quantity"] = serde_json::json!(10_000_000)),
            ),
            (
                "invalid_money",
                with(|v| v["line_items"][0]["price"] = serde_json::json!("abc")),
            ),
            (
                "invalid_price",
                with(|v| v["line_items"][0]["price"] = serde_json::json!("-1.00")),
            ),
            (
                "invalid_currency",
                with(|v| v["currency"] = serde_json::json!("dollars")),
            ),
            (
                "missing_email",
                with(|v| {
                    v["email"] = serde_json::Value::Null;
                    v["contact_email"] = serde_json::Value::Null;
                }),
            ),
            (
                "invalid_email",
                with(|v| v["email"] = serde_json::json!("priya\r\nBcc: x@evil.com")),
            ),
            (
                "missing_shipping_address",
                with(|v| v["shipping_address"] = serde_json::Value::Null),
            ),
            (
                "incomplete_shipping_address",
                with(|v| v["shipping_address"]["address1"] = serde_json::Value::Null),
            ),
            (
                "invalid_financial_status",
                with(|v| v["financial_status"] = serde_json::json!("stolen")),
            ),
        ];
        for (code, body) in cases {
            let err = parse_order(&body).expect_err(code);
            assert_eq!(err.code, code, "{}", err.message);
        }
    }

    #[test]
    fn control_characters_never_reach_names() {
        let body = with(|v| v["customer"]["first_name"] = serde_json::json!("Priya\r\nX-Evil: 1"));
        let order = parse_order(&body).unwrap();
        assert!(!order.customer.name.contains(['\r', '\n']));
    }
}
