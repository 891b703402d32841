//! An order received from its channel for the first time.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::{NewOrder, Order};
use crate::domain::review::review;
use crate::domain::{FulfillmentStatus, OrderId, OrderStatus, TimelineEntry};

impl Order {
    pub fn place(new: NewOrder, now: DateTime<Utc>) -> Self {
        let id = OrderId::for_channel_order(new.channel.as_str(), &new.channel_order_id);
        let fingerprint = new.fingerprint();
        let problems = review(&new);
        let detail = format!(
            "Order {} received from {} ({} line(s), {} {})",
            new.name,
            new.channel.as_str(),
            new.lines.len(),
            new.totals.total,
            new.currency
        );
        let mut order = Self {
            id,
            channel: new.channel,
            channel_order_id: new.channel_order_id,
            name: new.name,
            status: OrderStatus::Open,
            payment_status: new.payment_status,
            fulfillment_status: FulfillmentStatus::Unfulfilled,
            payment: new.payment,
            payment_accepted: false,
            currency: new.currency,
            totals: new.totals,
            balance_due: Decimal::ZERO,
            refunds: Vec::new(),
            presentment_total: new.presentment_total,
            customer: new.customer,
            shipping_address: new.shipping_address,
            billing_country: new.billing_country,
            risk: None,
            shipping_method: new.shipping_method,
            lines: new.lines,
            shipments: Vec::new(),
            pending_label: None,
            allocation: None,
            hold: None,
            shipping_approved: false,
            attention: None,
            note: new.note,
            channel_updated_at: new.channel_updated_at,
            fingerprint,
            timeline: vec![TimelineEntry::new(now, "order_created", detail)],
            timeline_trimmed: 0,
            test: new.test,
            placed_at: new.placed_at,
            created_at: now,
            updated_at: now,
            version: 0,
        };
        if new.paid_offline {
            order.note(
                "payment_received_offline",
                "Entered by staff as paid, received offline (cash, transfer, card terminal)",
                now,
            );
        }
        order.put_on_hold(problems, now);
        order.take_channel_refunds(&new.channel_refunds, now);
        if new.cancelled {
            // Arrived already cancelled (its creation was missed): keep the record, ship nothing.
            let _ = order.cancel("cancelled by the channel before we received it", now);
        }
        order
    }
}
