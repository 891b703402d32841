//! What staff look for in the orders list: every filter of `GET /orders`, and whether an order
//! is one of the orders asked for. The store finds candidates through an index; this decides.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Channel, FulfillmentStatus, Order, OrderStatus, PaymentStatus};

/// All filters together (each one that is set must hold). Kept with an export that runs later.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderQuery {
    /// Any of these (none: any status).
    pub statuses: Vec<OrderStatus>,
    pub payment_status: Option<PaymentStatus>,
    pub fulfillment_status: Option<FulfillmentStatus>,
    pub channel: Option<Channel>,
    /// Compared as `email_key` makes it.
    pub email: Option<String>,
    pub sku: Option<String>,
    /// Created at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Created at or before.
    pub created_to: Option<DateTime<Utc>>,
    pub on_hold: bool,
    pub needs_attention: bool,
    /// Free text: an order name, a channel order id, a tracking code or a customer email.
    pub text: Option<String>,
}

/// An email as it is looked up: trimmed, lower case (the domain is case-blind, and no shop's
/// customers tell two mailboxes apart by case).
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

/// An order name as it is looked up: `#1001`, `1001` and ` #1001 ` are the same name.
pub fn name_key(name: &str) -> String {
    name.trim().trim_start_matches('#').trim().to_lowercase()
}

impl OrderQuery {
    pub fn matches(&self, order: &Order) -> bool {
        (self.statuses.is_empty() || self.statuses.contains(&order.status))
            && self
                .payment_status
                .is_none_or(|s| s == order.payment_status)
            && self
                .fulfillment_status
                .is_none_or(|s| s == order.fulfillment_status)
            && self.channel.is_none_or(|c| c == order.channel)
            && self
                .email
                .as_deref()
                .is_none_or(|e| email_key(e) == email_key(&order.customer.email))
            && self
                .sku
                .as_deref()
                .is_none_or(|sku| order.lines.iter().any(|l| l.sku == sku))
            && self
                .created_from
                .is_none_or(|from| order.created_at >= from)
            && self.created_to.is_none_or(|to| order.created_at <= to)
            && (!self.on_hold || order.hold.is_some())
            && (!self.needs_attention || order.attention.is_some())
            && self
                .text
                .as_deref()
                .is_none_or(|text| mentions(order, text))
    }

    /// Identifies the query (not the page size): a page cursor is bound to it.
    pub fn fingerprint(&self) -> [u8; 32] {
        let mut statuses: Vec<&str> = self.statuses.iter().map(|s| s.as_str()).collect();
        statuses.sort_unstable();
        statuses.dedup();
        let canonical = serde_json::json!([
            statuses,
            self.payment_status.map(PaymentStatus::as_str),
            self.fulfillment_status.map(FulfillmentStatus::as_str),
            self.channel.map(Channel::as_str),
            self.email.as_deref().map(email_key),
            self.sku,
            self.created_from.map(|t| t.to_rfc3339()),
            self.created_to.map(|t| t.to_rfc3339()),
            self.on_hold,
            self.needs_attention,
            self.text,
        ]);
        Sha256::digest(canonical.to_string().as_bytes()).into()
    }
}

/// The order is the one `text` names: by its name, its channel order id, one of its tracking
/// codes or its customer's email.
fn mentions(order: &Order, text: &str) -> bool {
    let text = text.trim();
    (!name_key(text).is_empty() && name_key(&order.name) == name_key(text))
        || order.channel_order_id == text
        || order
            .shipments
            .iter()
            .any(|s| s.tracking_code.eq_ignore_ascii_case(text))
        || email_key(&order.customer.email) == email_key(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::tests::{new_order, now};

    fn placed_order() -> Order {
        Order::place(new_order(PaymentStatus::Paid), now())
    }

    #[test]
    fn every_filter_must_hold() {
        let order = placed_order();
        let all = OrderQuery::default();
        assert!(all.matches(&order));
        let named = |f: fn(&mut OrderQuery)| {
            let mut q = OrderQuery::default();
            f(&mut q);
            q.matches(&order)
        };
        assert!(named(
            |q| q.statuses = vec![OrderStatus::Closed, OrderStatus::Open]
        ));
        assert!(!named(|q| q.statuses = vec![OrderStatus::Closed]));
        assert!(!named(|q| q.on_hold = true));
        assert!(!named(|q| q.needs_attention = true));
        assert!(!named(|q| q.sku = Some("NOPE".into())));
        assert!(!named(|q| q.channel = Some(Channel::Manual)));
        assert!(!named(|q| q.payment_status = Some(PaymentStatus::Refunded)));
    }

    #[test]
    fn free_text_finds_an_order_by_name_channel_id_or_email_in_any_case() {
        let order = placed_order();
        let by = |text: &str| {
            OrderQuery {
                text: Some(text.into()),
                ..OrderQuery::default()
            }
            .matches(&order)
        };
        let name = order.name.trim_start_matches('#').to_string();
        assert!(by(&order.name));
        assert!(by(&name));
        assert!(by(&format!(" #{name} ")));
        assert!(by(&order.channel_order_id));
        assert!(by(&order.customer.email.to_uppercase()));
        assert!(!by("#"));
        assert!(!by("someone@else.example"));
    }

    #[test]
    fn the_fingerprint_ignores_order_of_statuses_and_case_of_email() {
        let a = OrderQuery {
            statuses: vec![OrderStatus::Open, OrderStatus::Shipped],
            email: Some("A@Example.com".into()),
            ..OrderQuery::default()
        };
        let b = OrderQuery {
            statuses: vec![OrderStatus::Shipped, OrderStatus::Open],
            email: Some("a@example.com".into()),
            ..OrderQuery::default()
        };
        assert_eq!(a.fingerprint(), b.fingerprint());
        let c = OrderQuery {
            on_hold: true,
            ..b.clone()
        };
        assert_ne!(b.fingerprint(), c.fingerprint());
    }
}
