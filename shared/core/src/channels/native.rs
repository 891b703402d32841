//! Our own order format, for marketplace connectors and custom storefronts
//! (`POST /webhooks/orders`) and for orders entered by staff (`POST /orders`). Documented as JSON
//! Schema in `docs/order.schema.json`; strict about unknown fields so typos fail loudly.
//!
//! Staff may leave out what the shop already knows: a line's title, price and weight come from
//! the SKU's catalog entry (`parse_draft`, then `Draft::complete` with the entries), the total is
//! what the lines, shipping, tax, fees and discounts add up to, and `payment_status` may be
//! `received_offline` (paid, and recorded as such on the timeline).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::fields::{
    clean_text, country_code, header_safe, is_plain_id, money, parse_json, present, price,
    quantity, RawAddress, MAX_LINES,
};
use super::PayloadError;
use crate::domain::order::lines_subtotal;
use crate::domain::{Channel, Currency, Customer, LineItem, NewOrder, PaymentStatus, Totals};
use crate::inventory::CatalogEntry;
use crate::payments::GatewayPayment;

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
    /// ISO 3166-1 alpha-2, for risk screening.
    billing_country: Option<String>,
    shipping_method: Option<String>,
    lines: Vec<NativeLine>,
    #[serde(default)]
    totals: NativeTotals,
    note: Option<String>,
    #[serde(default)]
    cancelled: bool,
    #[serde(default)]
    test: bool,
    /// The gateway payment to verify the order with: `{"gateway": "stripe", "payment_intent": "pi_..."}`.
    #[serde(default)]
    payment: Option<NativePayment>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NativePayment {
    gateway: String,
    payment_intent: String,
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
    title: Option<String>,
    quantity: serde_json::Value,
    unit_price: Option<String>,
    #[serde(default)]
    grams: Option<u32>,
    #[serde(default)]
    requires_shipping: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NativeTotals {
    shipping: Option<String>,
    tax: Option<String>,
    fees: Option<String>,
    discounts: Option<String>,
    /// Required from channels; staff may leave it to us.
    total: Option<String>,
}

/// An order in our format, checked as far as it can be before the SKUs it leaves without a
/// title or price are looked up.
#[derive(Debug)]
pub struct Draft {
    order: NativeOrder,
    channel: Channel,
    channel_order_id: String,
}

/// Parses an order in our format that names every line's title and price and its total (a
/// channel's, or staff's when they give it all). `channel_order_id` is required from
/// marketplaces; for manual orders the caller may supply one (derived from the
/// Idempotency-Key, or fresh).
pub fn parse_order(
    body: &[u8],
    channel: Channel,
    fallback_id: impl FnOnce() -> Option<String>,
) -> Result<NewOrder, PayloadError> {
    parse_draft(body, channel, fallback_id)?.complete(&HashMap::new())
}

/// Reads an order in our format whose lines may still need their catalog entries.
pub fn parse_draft(
    body: &[u8],
    channel: Channel,
    fallback_id: impl FnOnce() -> Option<String>,
) -> Result<Draft, PayloadError> {
    let mut order: NativeOrder = parse_json(body, "order")?;
    // Staff-entered orders take their identity from the Idempotency-Key (or a fresh id), never
    // from the body, so one key always means one order.
    if channel == Channel::Manual && order.channel_order_id.is_some() {
        return Err(PayloadError::new(
            "channel_order_id_not_allowed",
            "manual orders are identified by the Idempotency-Key header, not channel_order_id",
        ));
    }
    let channel_order_id = order
        .channel_order_id
        .take()
        .or_else(fallback_id)
        .ok_or_else(|| {
            PayloadError::new("missing_channel_order_id", "channel_order_id is required")
        })?;
    if !is_plain_id(&channel_order_id) {
        return Err(PayloadError::new(
            "invalid_channel_order_id",
            "channel_order_id must be 1-64 letters, digits, '-', '_', ':' or '.'",
        ));
    }
    if order.lines.is_empty() {
        return Err(PayloadError::new("no_line_items", "the order has no lines"));
    }
    if order.lines.len() > MAX_LINES {
        return Err(PayloadError::new(
            "too_many_line_items",
            format!("the order has more than {MAX_LINES} lines"),
        ));
    }
    Ok(Draft {
        order,
        channel,
        channel_order_id,
    })
}

impl Draft {
    /// The SKUs of lines without a title or price: what the catalog is asked for (staff orders
    /// only; a channel names everything itself).
    pub fn skus_to_look_up(&self) -> Vec<String> {
        if self.channel != Channel::Manual {
            return Vec::new();
        }
        let mut skus: Vec<String> = self
            .order
            .lines
            .iter()
            .filter(|l| l.title.is_none() || l.unit_price.is_none() || l.grams.is_none())
            .map(|l| clean_text(&l.sku, 128))
            .filter(|sku| !sku.is_empty())
            .collect();
        skus.sort();
        skus.dedup();
        skus
    }

    /// The order, each line's missing title, price and weight taken from its SKU's entry in
    /// `catalog` (a price only in the order's currency).
    pub fn complete(
        self,
        catalog: &HashMap<String, CatalogEntry>,
    ) -> Result<NewOrder, PayloadError> {
        let Draft {
            order,
            channel,
            channel_order_id,
        } = self;
        let currency = Currency::parse(&order.currency)
            .map_err(|e| PayloadError::new("invalid_currency", e.to_string()))?;
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
                let known = catalog.get(&sku);
                let priced = known.filter(|entry| entry.currency == currency);
                let unit_price = match (&line.unit_price, priced) {
                    (Some(given), _) => price(&format!("line {i} unit_price"), Some(given))?,
                    (None, Some(entry)) => entry.unit_price,
                    (None, None) => {
                        return Err(unpriced(channel, i, &sku, "unit_price", &currency))
                    }
                };
                let title = match (&line.title, known) {
                    (Some(given), _) => clean_text(given, 256),
                    (None, Some(entry)) => entry.title.clone(),
                    (None, None) => return Err(unpriced(channel, i, &sku, "title", &currency)),
                };
                Ok(LineItem {
                    quantity: quantity(i, &line.quantity)?,
                    title,
                    unit_price,
                    grams: line.grams.or(known.map(|e| e.grams)).unwrap_or(0),
                    requires_shipping: line
                        .requires_shipping
                        .or(known.map(|e| e.requires_shipping))
                        .unwrap_or(true),
                    sku,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let (payment_status, paid_offline) =
            match order.payment_status.as_deref().unwrap_or("pending") {
                "pending" => (PaymentStatus::Pending, false),
                "authorized" => (PaymentStatus::Authorized, false),
                "paid" => (PaymentStatus::Paid, false),
                "received_offline" if channel == Channel::Manual => (PaymentStatus::Paid, true),
                other => {
                    return Err(PayloadError::new(
                        "invalid_payment_status",
                        format!(
                            "payment_status must be pending, authorized or paid{}, not {:?}",
                            if channel == Channel::Manual {
                                " (or received_offline)"
                            } else {
                                ""
                            },
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
        let mut totals = Totals {
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
            total: rust_decimal::Decimal::ZERO,
        };
        let payment = match &order.payment {
            None => None,
            Some(p) if p.gateway == "stripe" => Some(GatewayPayment::stripe(&p.payment_intent).ok_or_else(|| {
                PayloadError::new(
                    "invalid_payment",
                    "payment.payment_intent must be a Stripe PaymentIntent id (pi_ and letters and digits)",
                )
            })?),
            Some(p) => {
                return Err(PayloadError::new(
                    "invalid_payment",
                    format!("payment.gateway must be stripe, not {:?}", p.gateway),
                ))
            }
        };
        let billing_country = match order.billing_country.as_deref() {
            None => None,
            Some(text) => Some(country_code(Some(text)).ok_or_else(|| {
                PayloadError::new(
                    "invalid_country",
                    "billing_country must be a two-letter ISO 3166-1 code",
                )
            })?),
        };
        totals.total = match (&order.totals.total, channel) {
            (Some(total), _) => price("totals.total", Some(total))?,
            (None, Channel::Manual) => totals.computed_total(),
            (None, _) => {
                return Err(PayloadError::new(
                    "invalid_order",
                    "order is not valid: totals.total is required",
                ))
            }
        };
        Ok(NewOrder {
            channel,
            name: present(order.name, 64).unwrap_or_else(|| format!("#{channel_order_id}")),
            channel_order_id,
            payment_status,
            paid_offline,
            payment,
            totals,
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
            billing_country,
            shipping_method: present(order.shipping_method, 64),
            lines,
            channel_refunds: Vec::new(),
            test: order.test,
            placed_at: order.placed_at.unwrap_or_else(Utc::now),
            channel_updated_at: order.updated_at,
            cancelled: order.cancelled,
            note: present(order.note, 2000),
        })
    }
}

/// A line without its title or price: for a channel, a malformed order; for staff, a SKU the
/// catalog does not know (in this currency).
fn unpriced(
    channel: Channel,
    line: usize,
    sku: &str,
    field: &str,
    currency: &Currency,
) -> PayloadError {
    if channel == Channel::Manual {
        PayloadError::new(
            "unknown_sku",
            format!(
                "line {line}: {sku} has no {field} in the catalog{}; give the line's title and unit_price, or set the SKU with PUT /catalog/{{sku}}",
                if field == "unit_price" { format!(" in {currency}") } else { String::new() }
            ),
        )
    } else {
        PayloadError::new(
            "invalid_order",
            format!("order is not valid: line {line}: {field} is required"),
        )
    }
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

    fn staff_order(lines: serde_json::Value) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "currency": "USD",
            "payment_status": "received_offline",
            "customer": {"email": "walk-in@example.com", "name": "Walk In"},
            "shipping_method": "Courier",
            "lines": lines,
            "totals": {"shipping": "5.00", "discounts": "2.00", "tax": "1.50"},
        }))
        .unwrap()
    }

    fn catalog() -> HashMap<String, CatalogEntry> {
        HashMap::from([(
            "MUG".to_string(),
            CatalogEntry {
                title: "Stoneware Mug".into(),
                unit_price: "12.00".parse().unwrap(),
                currency: Currency::parse("USD").unwrap(),
                grams: 400,
                requires_shipping: true,
            },
        )])
    }

    #[test]
    fn staff_name_the_sku_and_the_catalog_gives_the_rest() {
        let body = staff_order(serde_json::json!([
            {"sku": "MUG", "quantity": 2},
            {"sku": "CARD", "title": "Gift card", "unit_price": "25.00", "quantity": 1,
             "requires_shipping": false}
        ]));
        let draft = parse_draft(&body, Channel::Manual, || Some("M-2".into())).unwrap();
        assert_eq!(draft.skus_to_look_up(), vec!["CARD", "MUG"]);
        let order = draft.complete(&catalog()).unwrap();
        let mug = &order.lines[0];
        assert_eq!(
            (mug.title.as_str(), mug.unit_price.to_string(), mug.grams),
            ("Stoneware Mug", "12.00".to_string(), 400)
        );
        assert!(!order.lines[1].requires_shipping);
        // 24 + 25 + 5 shipping + 1.50 tax - 2 discount.
        assert_eq!(order.totals.total.to_string(), "53.50");
        assert_eq!(order.totals.computed_total(), order.totals.total);
        assert_eq!(order.payment_status, PaymentStatus::Paid);
        assert!(order.paid_offline);
    }

    #[test]
    fn a_sku_the_catalog_does_not_price_in_the_order_s_currency_is_refused() {
        let body = staff_order(serde_json::json!([{"sku": "LAMP", "quantity": 1}]));
        let draft = parse_draft(&body, Channel::Manual, || Some("M-3".into())).unwrap();
        assert_eq!(draft.complete(&catalog()).unwrap_err().code, "unknown_sku");
        let mut euros = catalog();
        euros.get_mut("MUG").unwrap().currency = Currency::parse("EUR").unwrap();
        let body = staff_order(serde_json::json!([{"sku": "MUG", "quantity": 1}]));
        let draft = parse_draft(&body, Channel::Manual, || Some("M-4".into())).unwrap();
        let refused = draft.complete(&euros).unwrap_err();
        assert_eq!(refused.code, "unknown_sku");
        assert!(refused.message.contains("in USD"), "{}", refused.message);
    }

    #[test]
    fn channels_name_every_price_and_their_total_and_are_never_paid_offline() {
        let body = staff_order(serde_json::json!([{"sku": "MUG", "quantity": 1}]));
        let mut channel: serde_json::Value = serde_json::from_slice(&body).unwrap();
        channel["channel_order_id"] = "mkt-1".into();
        let refused = |v: &serde_json::Value| {
            parse_order(
                &serde_json::to_vec(v).unwrap(),
                Channel::Marketplace,
                || None,
            )
            .unwrap_err()
            .code
        };
        channel["payment_status"] = "paid".into();
        assert_eq!(refused(&channel), "invalid_order", "no unit_price");
        channel["lines"][0]["unit_price"] = "12.00".into();
        channel["lines"][0]["title"] = "Mug".into();
        assert_eq!(refused(&channel), "invalid_order", "no total");
        channel["totals"]["total"] = "16.50".into();
        let body = serde_json::to_vec(&channel).unwrap();
        assert!(parse_order(&body, Channel::Marketplace, || None).is_ok());
        channel["payment_status"] = "received_offline".into();
        assert_eq!(refused(&channel), "invalid_payment_status");
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
