//! The order as the admin API shows it (the contract's field names), with fresh label URLs.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::domain::money::Money;
use crate::domain::order::{Allocation, Attention, Refund, RefundLine, RefundOrigin, RefundState};
use crate::domain::review::Hold;
use crate::domain::shipment::ShipmentLine;
use crate::domain::{
    Address, Customer, FulfillmentStatus, Order, OrderStatus, PaymentStatus, TimelineEntry, Totals,
    TrackingEvent, TrackingStatus,
};
use crate::risk::RiskFinding;

#[derive(Debug, Serialize)]
pub struct OrderView<'a> {
    pub id: &'a str,
    pub channel: &'static str,
    pub channel_order_id: &'a str,
    pub name: &'a str,
    pub status: OrderStatus,
    pub payment_status: PaymentStatus,
    pub fulfillment_status: FulfillmentStatus,
    pub currency: &'a str,
    pub totals: &'a Totals,
    /// What edits changed the total by since: positive, the customer owes it; negative, a refund
    /// is owed.
    pub balance_due: Decimal,
    /// Money given back or asked to be, oldest first (`POST /orders/{id}/refunds`, the
    /// gateway's dashboard, an edit's balance).
    pub refunds: Vec<RefundView<'a>>,
    /// What may still be refunded: charged minus refunded.
    pub refundable: Decimal,
    /// What `If-Match` names to edit this order (also its `ETag`).
    pub version: u64,
    /// What the order may be moved to by hand now (`POST /orders/{id}/status`).
    pub allowed_statuses: Vec<OrderStatus>,
    /// What the customer was charged in their own currency, when not the shop's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presentment_total: Option<&'a Money>,
    pub customer: &'a Customer,
    pub shipping_address: Option<&'a Address>,
    pub lines: Vec<LineView<'a>>,
    pub shipments: Vec<ShipmentView<'a>>,
    /// Set once payment is verified: which location ships what (`parts`), and what waits for
    /// stock (`backordered`).
    pub allocation: Option<&'a Allocation>,
    /// Set while the order waits for a person: `{"reasons": [...], "messages": [...], "since": ...}`.
    pub hold: Option<&'a Hold>,
    /// Set once the order was screened: `{"score", "findings": [{"rule","points","detail"}],
    /// "screened_at"}`.
    pub risk: Option<RiskView<'a>>,
    /// The billing address's country, when the channel sent it.
    pub billing_country: Option<&'a str>,
    /// Set while a parcel is in trouble: `{"reason": ..., "since": ...}`.
    pub attention: Option<&'a Attention>,
    pub note: Option<&'a str>,
    /// Oldest first: entries are appended by several functions, each with its own clock.
    pub timeline: Vec<&'a TimelineEntry>,
    /// Entries let go after the first ones of a long timeline (`Order::keep_bounded`).
    #[serde(skip_serializing_if = "is_zero")]
    pub timeline_trimmed: u64,
    pub test: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub struct RiskView<'a> {
    pub score: u32,
    pub findings: &'a [RiskFinding],
    pub screened_at: DateTime<Utc>,
}

#[derive(Debug, Serialize)]
pub struct RefundView<'a> {
    pub id: &'a str,
    pub amount: Decimal,
    pub lines: &'a [RefundLine],
    pub shipping: bool,
    pub reason: &'a str,
    pub origin: RefundOrigin,
    pub state: RefundState,
    pub gateway_refund: Option<&'a str>,
    pub by: Option<&'a str>,
    pub requested_at: DateTime<Utc>,
}

pub fn refund_view(refund: &Refund) -> RefundView<'_> {
    RefundView {
        id: &refund.id,
        amount: refund.amount,
        lines: &refund.lines,
        shipping: refund.shipping,
        reason: &refund.reason,
        origin: refund.origin,
        state: refund.state,
        gateway_refund: refund.gateway_refund.as_deref(),
        by: refund.by.as_deref(),
        requested_at: refund.requested_at,
    }
}

#[derive(Debug, Serialize)]
pub struct LineView<'a> {
    pub sku: &'a str,
    pub title: &'a str,
    pub quantity: u32,
    pub unit_price: Decimal,
}

#[derive(Debug, Serialize)]
pub struct ShipmentView<'a> {
    pub id: &'a str,
    pub carrier: &'a str,
    pub service: &'a str,
    pub tracking_code: &'a str,
    pub tracking_status: TrackingStatus,
    pub estimated_delivery: Option<DateTime<Utc>>,
    /// Where the parcel ships from.
    pub location: Option<&'a str>,
    /// What the label cost, in the order's currency.
    pub rate: Decimal,
    pub lines: &'a [ShipmentLine],
    /// Presigned, short-lived; null where the caller did not ask for label links, and for a
    /// parcel sent outside the OMS (no label of ours).
    pub label_url: Option<String>,
    pub events: &'a [TrackingEvent],
}

/// `label_urls[i]` is the URL for `order.shipments[i]`.
pub fn order_view<'a>(order: &'a Order, label_urls: &[Option<String>]) -> OrderView<'a> {
    OrderView {
        id: order.id.as_str(),
        channel: order.channel.as_str(),
        channel_order_id: &order.channel_order_id,
        name: &order.name,
        status: order.status,
        payment_status: order.payment_status,
        fulfillment_status: order.fulfillment_status,
        currency: order.currency.as_str(),
        totals: &order.totals,
        balance_due: order.balance_due,
        refunds: order.refunds.iter().map(refund_view).collect(),
        refundable: order.refundable(),
        version: order.version,
        allowed_statuses: order.allowed_by_hand(),
        presentment_total: order.presentment_total.as_ref(),
        customer: &order.customer,
        shipping_address: order.shipping_address.as_ref(),
        lines: order
            .lines
            .iter()
            .map(|l| LineView {
                sku: &l.sku,
                title: &l.title,
                quantity: l.quantity,
                unit_price: l.unit_price,
            })
            .collect(),
        shipments: order
            .shipments
            .iter()
            .enumerate()
            .map(|(i, s)| ShipmentView {
                id: s.id.as_str(),
                carrier: &s.carrier,
                service: &s.service,
                tracking_code: &s.tracking_code,
                tracking_status: s.tracking_status,
                estimated_delivery: s.estimated_delivery,
                location: s.location.as_ref().map(|l| l.as_str()),
                rate: s.rate,
                lines: &s.lines,
                label_url: label_urls.get(i).cloned().flatten(),
                events: &s.events,
            })
            .collect(),
        allocation: order.allocation.as_ref(),
        hold: order.hold.as_ref(),
        risk: order.risk.as_ref().map(|r| RiskView {
            score: r.score,
            findings: &r.findings,
            screened_at: r.screened_at,
        }),
        billing_country: order.billing_country.as_deref(),
        attention: order.attention.as_ref(),
        note: order.note.as_deref(),
        timeline: {
            let mut entries: Vec<_> = order.timeline.iter().collect();
            entries.sort_by_key(|e| e.at);
            entries
        },
        timeline_trimmed: order.timeline_trimmed,
        test: order.test,
        created_at: order.created_at,
        updated_at: order.updated_at,
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}
