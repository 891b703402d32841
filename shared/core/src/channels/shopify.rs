//! Shopify order and checkout payloads: only the fields we use, tolerant of the nulls and extra
//! fields real payloads carry, strict about what must be right (ids, money, quantities).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::fields::{
    channel_id, clean_text, country_code, header_safe, join_name, money, optional_channel_id,
    parse_json, present, price, quantity, RawAddress, MAX_LINES,
};
use super::PayloadError;
use crate::domain::money::Money;
use crate::domain::order::{lines_subtotal, ChannelRefund, RefundLine};
use crate::domain::{
    Address, Cart, CartLine, Channel, Currency, Customer, LineItem, NewOrder, PaymentStatus, Totals,
};

/// The webhook topics we act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    /// `orders/create`, `orders/updated`, `orders/paid`, `orders/cancelled`: all carry the whole
    /// order, so all are handled as "here is the order as it is now".
    Order,
    /// `checkouts/create`, `checkouts/update`.
    Checkout,
}

impl Topic {
    pub fn parse(topic: &str) -> Option<Self> {
        match topic {
            "orders/create" | "orders/updated" | "orders/paid" | "orders/cancelled" => {
                Some(Topic::Order)
            }
            "checkouts/create" | "checkouts/update" => Some(Topic::Checkout),
            _ => None,
        }
    }
}

#[derive(Debug, Deserialize)]
struct ShopifyOrder {
    #[serde(deserialize_with = "channel_id")]
    id: String,
    name: Option<String>,
    email: Option<String>,
    contact_email: Option<String>,
    created_at: Option<DateTime<Utc>>,
    updated_at: Option<DateTime<Utc>>,
    cancelled_at: Option<DateTime<Utc>>,
    currency: Option<String>,
    presentment_currency: Option<String>,
    total_price_set: Option<PriceSet>,
    financial_status: Option<String>,
    total_price: Option<String>,
    total_line_items_price: Option<String>,
    total_tax: Option<String>,
    total_discounts: Option<String>,
    note: Option<String>,
    test: Option<bool>,
    customer: Option<ShopifyCustomer>,
    shipping_address: Option<ShopifyAddress>,
    billing_address: Option<ShopifyAddress>,
    refunds: Option<Vec<ShopifyRefund>>,
    shipping_lines: Option<Vec<ShopifyShippingLine>>,
    line_items: Option<Vec<ShopifyLine>>,
    /// The checkout the order was placed from: anything but a plain id means none.
    #[serde(default, deserialize_with = "plain_id_or_none")]
    checkout_token: Option<String>,
}

/// An amount in the shop's currency and in the one the customer paid in.
#[derive(Debug, Deserialize)]
struct PriceSet {
    presentment_money: Option<ShopifyMoney>,
}

#[derive(Debug, Deserialize)]
struct ShopifyMoney {
    amount: Option<String>,
    currency_code: Option<String>,
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

/// A refund made in Shopify: what went back (its successful refund transactions) and for which
/// lines.
#[derive(Debug, Deserialize)]
struct ShopifyRefund {
    #[serde(deserialize_with = "channel_id")]
    id: String,
    refund_line_items: Option<Vec<ShopifyRefundLine>>,
    transactions: Option<Vec<ShopifyTransaction>>,
}

#[derive(Debug, Deserialize)]
struct ShopifyRefundLine {
    #[serde(default)]
    quantity: serde_json::Value,
    line_item: Option<ShopifyRefundedItem>,
}

#[derive(Debug, Deserialize)]
struct ShopifyRefundedItem {
    sku: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ShopifyTransaction {
    amount: Option<String>,
    kind: Option<String>,
    status: Option<String>,
}

/// Most refunds one order carries.
const MAX_REFUNDS: usize = 100;

fn refunds(refunds: Vec<ShopifyRefund>) -> Result<Vec<ChannelRefund>, PayloadError> {
    if refunds.len() > MAX_REFUNDS {
        return Err(PayloadError::new(
            "invalid_order",
            format!("more than {MAX_REFUNDS} refunds"),
        ));
    }
    refunds
        .into_iter()
        .map(|refund| {
            let amount = refund
                .transactions
                .unwrap_or_default()
                .iter()
                .filter(|t| {
                    t.kind.as_deref() == Some("refund") && t.status.as_deref() == Some("success")
                })
                .map(|t| price("refunds.transactions.amount", t.amount.as_deref()))
                .sum::<Result<Decimal, _>>()?;
            let lines = refund
                .refund_line_items
                .unwrap_or_default()
                .iter()
                .enumerate()
                .filter_map(|(i, line)| {
                    let sku = line.line_item.as_ref()?.sku.clone()?;
                    Some(quantity(i, &line.quantity).map(|quantity| RefundLine { sku, quantity }))
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(ChannelRefund {
                id: refund.id,
                amount,
                lines,
            })
        })
        .collect()
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
    #[serde(default)]
    quantity: serde_json::Value,
    price: Option<String>,
    grams: Option<u64>,
    requires_shipping: Option<bool>,
}

/// An order body (any of the `orders/*` topics), read in one pass.
#[derive(Debug)]
pub struct OrderBody {
    pub order: NewOrder,
    /// The checkout it was placed from, so its cart can be marked converted.
    pub checkout_token: Option<String>,
}

/// Parses and normalizes an order (any of the `orders/*` topics).
pub fn parse_order(body: &[u8]) -> Result<OrderBody, PayloadError> {
    let mut order: ShopifyOrder = parse_json(body, "order payload")?;
    let checkout_token = order.checkout_token.take();
    Ok(OrderBody {
        order: normalize(order)?,
        checkout_token,
    })
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

    // A missing or implausible email is for a person to fix (the order is held); one that tries
    // to inject headers is refused.
    let email = header_safe(
        "email",
        order
            .email
            .or(order.contact_email)
            .as_deref()
            .unwrap_or_default(),
        254,
    )?;
    let shipping_address = order.shipping_address.map(normalize_address).transpose()?;
    let channel_refunds = refunds(order.refunds.unwrap_or_default())?;
    let billing_country = country_code(
        order
            .billing_address
            .as_ref()
            .and_then(|a| a.country_code.as_deref()),
    );
    let customer_name = match order
        .customer
        .and_then(|c| join_name(c.first_name, c.last_name))
    {
        Some(name) => header_safe("customer name", &name, 128)?,
        None => shipping_address
            .as_ref()
            .map(|a| a.name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| email.clone()),
    };

    let shipping_lines = order.shipping_lines.unwrap_or_default();
    let shipping = shipping_lines
        .iter()
        .map(|s| price("shipping_lines.price", s.price.as_deref()))
        .sum::<Result<Decimal, _>>()?;
    let subtotal = match order.total_line_items_price.as_deref() {
        Some(text) => price("total_line_items_price", Some(text))?,
        None => lines_subtotal(&lines),
    };
    let totals = Totals {
        subtotal,
        shipping,
        tax: price("total_tax", order.total_tax.as_deref().or(Some("0")))?,
        fees: Decimal::ZERO,
        discounts: price(
            "total_discounts",
            order.total_discounts.as_deref().or(Some("0")),
        )?,
        total: price("total_price", order.total_price.as_deref())?,
    };

    let presentment_total = presentment(
        order.presentment_currency.as_deref(),
        order.total_price_set.as_ref(),
        &currency,
    );
    Ok(NewOrder {
        channel: Channel::Shopify,
        presentment_total,
        name: present(order.name, 64).unwrap_or_else(|| format!("#{}", order.id)),
        channel_order_id: order.id,
        payment_status: payment_status(order.financial_status.as_deref())?,
        paid_offline: false,
        payment: None,
        currency,
        totals,
        customer: Customer {
            email,
            name: customer_name,
        },
        shipping_address,
        billing_country,
        channel_refunds,
        shipping_method: shipping_lines
            .into_iter()
            .find_map(|s| present(s.title, 64)),
        lines,
        test: order.test.unwrap_or(false),
        placed_at: order.created_at.unwrap_or_else(Utc::now),
        channel_updated_at: order.updated_at,
        cancelled: order.cancelled_at.is_some(),
        note: present(order.note, 2000),
    })
}

/// What the customer paid in their own currency, when Shopify charged them in another than the
/// shop's; the shop's money stays the order's own (stock, labels and reports count in it). Shown
/// to the customer only: when it is unclear (no amount in that currency, or not a valid one) the
/// order stands in the shop's money.
fn presentment(code: Option<&str>, total: Option<&PriceSet>, shop: &Currency) -> Option<Money> {
    let currency = Currency::parse(code?).ok().filter(|c| c != shop)?;
    let charged = total?.presentment_money.as_ref().filter(|m| {
        m.currency_code
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case(currency.as_str()))
    })?;
    let amount = price(
        "total_price_set.presentment_money.amount",
        charged.amount.as_deref(),
    )
    .ok()?;
    Some(Money { amount, currency })
}

fn normalize_line(index: usize, line: ShopifyLine) -> Result<LineItem, PayloadError> {
    let quantity = quantity(index, &line.quantity)?;
    let unit_price = price(&format!("line {index} price"), line.price.as_deref())?;
    // Shopify sends null or "" for variants without a SKU; the variant id still identifies it.
    let sku = present(line.sku, 128)
        .or_else(|| line.variant_id.map(|v| format!("variant-{v}")))
        .or_else(|| line.id.map(|id| format!("line-{id}")))
        .unwrap_or_else(|| format!("line-{index}"));
    Ok(LineItem {
        sku,
        title: clean_text(line.title.as_deref().unwrap_or("Item"), 256),
        quantity,
        unit_price,
        grams: line.grams.unwrap_or(0).min(u64::from(u32::MAX)) as u32,
        requires_shipping: line.requires_shipping.unwrap_or(true),
    })
}

/// Keeps what is there; review decides whether it is complete enough to ship to.
fn normalize_address(a: ShopifyAddress) -> Result<Address, PayloadError> {
    RawAddress {
        name: a
            .name
            .filter(|n| !n.trim().is_empty())
            .or_else(|| join_name(a.first_name, a.last_name)),
        line1: a.address1,
        line2: a.address2,
        city: a.city,
        region: a.province_code,
        postal_code: a.zip,
        country: a.country_code,
        phone: a.phone,
    }
    .normalize()
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

#[derive(Debug, Deserialize)]
struct ShopifyCheckout {
    token: Option<String>,
    email: Option<String>,
    currency: Option<String>,
    total_price: Option<String>,
    updated_at: Option<DateTime<Utc>>,
    abandoned_checkout_url: Option<String>,
    customer: Option<ShopifyCustomer>,
    line_items: Option<Vec<ShopifyLine>>,
}

/// Parses `checkouts/create` and `checkouts/update`.
pub fn parse_checkout(body: &[u8]) -> Result<Cart, PayloadError> {
    let checkout: ShopifyCheckout = parse_json(body, "checkout payload")?;
    let token = checkout
        .token
        .filter(|t| super::fields::is_plain_id(t))
        .ok_or_else(|| PayloadError::new("invalid_checkout", "the checkout has no valid token"))?;
    let lines = checkout
        .line_items
        .unwrap_or_default()
        .into_iter()
        .take(MAX_LINES)
        .enumerate()
        .map(|(i, line)| {
            normalize_line(i, line).map(|l| CartLine {
                sku: l.sku,
                title: l.title,
                quantity: l.quantity,
                unit_price: l.unit_price,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let email = checkout
        .email
        .map(|e| header_safe("email", &e, 254))
        .transpose()?
        .filter(|e| !e.is_empty());
    let customer_name = checkout
        .customer
        .and_then(|c| join_name(c.first_name, c.last_name))
        .map(|n| header_safe("customer name", &n, 128))
        .transpose()?;
    Ok(Cart {
        channel: Channel::Shopify,
        token,
        email,
        customer_name,
        currency: Currency::parse(checkout.currency.as_deref().unwrap_or_default())
            .map_err(|e| PayloadError::new("invalid_currency", e.to_string()))?,
        total: money("total_price", checkout.total_price.as_deref().or(Some("0")))?,
        lines,
        recovery_url: checkout.abandoned_checkout_url.filter(|u| {
            u.starts_with("https://") && u.len() <= 2048 && !u.chars().any(char::is_control)
        }),
        channel_updated_at: checkout.updated_at.unwrap_or_else(Utc::now),
    })
}

/// A checkout token that is a plain id; any other value (a number, an object, a string with
/// anything odd in it) reads as none rather than refusing the order it rides on.
fn plain_id_or_none<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Token {
        Text(String),
        Other(serde::de::IgnoredAny),
    }
    Ok(match Token::deserialize(deserializer)? {
        Token::Text(token) => Some(token).filter(|t| super::fields::is_plain_id(t)),
        Token::Other(_) => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("../../../../tests/fixtures/shopify/orders-create.json");

    /// The order alone, as most of these specifications read it.
    fn parse_order(body: &[u8]) -> Result<NewOrder, PayloadError> {
        super::parse_order(body).map(|body| body.order)
    }

    #[test]
    fn the_checkout_an_order_came_from_is_read_with_it_and_an_odd_one_is_none() {
        let token = |value: serde_json::Value| {
            let body = with(|v| v["checkout_token"] = value);
            super::parse_order(&body)
                .expect("the order parses")
                .checkout_token
        };
        assert_eq!(
            token(serde_json::json!("0c5f1e2a9b7d4e3f")).as_deref(),
            Some("0c5f1e2a9b7d4e3f")
        );
        assert_eq!(token(serde_json::json!(1234)), None);
        assert_eq!(token(serde_json::json!({"nested": [1, 2]})), None);
        assert_eq!(token(serde_json::json!("a\r\nBcc: x")), None);
        assert_eq!(token(serde_json::Value::Null), None);
    }

    fn with(edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
        let mut v: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
        edit(&mut v);
        serde_json::to_vec(&v).unwrap()
    }

    #[test]
    fn a_customer_paying_in_another_currency_keeps_what_they_paid() {
        let mut order: serde_json::Value = serde_json::from_str(SAMPLE).unwrap();
        order["currency"] = "AUD".into();
        order["presentment_currency"] = "USD".into();
        order["total_price_set"] = serde_json::json!({
            "shop_money": {"amount": "74.38", "currency_code": "AUD"},
            "presentment_money": {"amount": "48.90", "currency_code": "USD"}
        });
        let parsed = parse_order(&serde_json::to_vec(&order).unwrap()).unwrap();
        assert_eq!(parsed.currency.as_str(), "AUD");
        let paid = parsed.presentment_total.unwrap();
        assert_eq!(paid.to_string(), "48.90 USD");

        order["total_price_set"]["presentment_money"]["currency_code"] = "EUR".into();
        let unclear = parse_order(&serde_json::to_vec(&order).unwrap()).unwrap();
        assert_eq!(
            unclear.presentment_total, None,
            "shown only when it is clear"
        );
        order["presentment_currency"] = "AUD".into();
        let same = parse_order(&serde_json::to_vec(&order).unwrap()).unwrap();
        assert_eq!(same.presentment_total, None, "the shop's own currency");
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
        assert!(!order.cancelled);
        assert!(order.channel_updated_at.is_some());
        let address = order.shipping_address.unwrap();
        assert_eq!(address.city, "Montréal");
        assert_eq!(address.country, "CA");
        assert!(crate::domain::review::review(&parse_order(SAMPLE.as_bytes()).unwrap()).is_empty());
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
    fn refunds_made_in_shopify_are_read_with_their_lines() {
        let refunded = with(|v| {
            v["refunds"] = serde_json::json!([{
                "id": 509562969,
                "refund_line_items": [{"quantity": 1, "line_item": {"sku": "TOWEL-LINEN"}}],
                "transactions": [
                    {"amount": "15.78", "kind": "refund", "status": "success"},
                    {"amount": "99.00", "kind": "refund", "status": "failure"}
                ]
            }])
        });
        let order = parse_order(&refunded).unwrap();
        assert_eq!(order.channel_refunds.len(), 1);
        let refund = &order.channel_refunds[0];
        assert_eq!(refund.id, "509562969");
        assert_eq!(refund.amount, Decimal::new(1578, 2), "only what went back");
        assert_eq!(refund.lines[0].quantity, 1);
        let absurd = with(|v| {
            v["refunds"] = serde_json::json!([{"id": 1, "transactions": [
                {"amount": "1e9", "kind": "refund", "status": "success"}]}])
        });
        assert!(parse_order(&absurd).is_err());
    }

    #[test]
    fn fixable_problems_parse_and_are_left_to_review() {
        let no_address = with(|v| v["shipping_address"] = serde_json::Value::Null);
        assert!(parse_order(&no_address).unwrap().shipping_address.is_none());
        let no_email = with(|v| {
            v["email"] = serde_json::Value::Null;
            v["contact_email"] = serde_json::Value::Null;
        });
        assert_eq!(parse_order(&no_email).unwrap().customer.email, "");
        let partial = with(|v| v["shipping_address"]["address1"] = serde_json::Value::Null);
        assert_eq!(
            parse_order(&partial)
                .unwrap()
                .shipping_address
                .unwrap()
                .line1,
            ""
        );
    }

    #[test]
    fn cancellations_and_updates_are_recognized() {
        let body = with(|v| v["cancelled_at"] = serde_json::json!("2026-10-02T10:00:00-04:00"));
        assert!(parse_order(&body).unwrap().cancelled);
        assert_eq!(Topic::parse("orders/cancelled"), Some(Topic::Order));
        assert_eq!(Topic::parse("checkouts/update"), Some(Topic::Checkout));
        assert_eq!(Topic::parse("products/create"), None);
    }

    #[test]
    fn refuses_broken_orders_with_a_reason() {
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("malformed_json", b"{not json".to_vec()),
            ("invalid_encoding", b"{\"id\":\"\xff\"}".to_vec()),
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
                with(|v| v["line_items"][0]["quantity"] = serde_json::json!(1.5)),
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
                "invalid_text",
                with(|v| v["email"] = serde_json::json!("priya\r\nBcc: x@evil.com")),
            ),
            (
                "invalid_text",
                with(|v| v["customer"]["first_name"] = serde_json::json!("Priya\nX-Evil: 1")),
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
    fn checkouts_become_carts() {
        let body = serde_json::json!({
            "token": "c1a2b3", "email": "shopper@example.com", "currency": "USD",
            "total_price": "28.00", "updated_at": "2026-10-02T09:00:00Z",
            "abandoned_checkout_url": "https://shop.example.com/recover/c1a2b3",
            "line_items": [{"sku": "BOWL", "title": "Bowl", "quantity": 1, "price": "28.00"}]
        });
        let cart = parse_checkout(&serde_json::to_vec(&body).unwrap()).unwrap();
        assert_eq!(cart.token, "c1a2b3");
        assert_eq!(cart.lines[0].sku, "BOWL");
        assert_eq!(cart.total.to_string(), "28.00");
        assert!(parse_checkout(b"{\"currency\":\"USD\"}").is_err());
    }
}
