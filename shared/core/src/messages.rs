//! What the functions send each other over SQS. Every message names the order; consumers re-read
//! the order and act on its current state, so a redelivered or late message is harmless.

use serde::{Deserialize, Serialize};

use crate::domain::{OrderId, ShipmentId};

/// On the payment and label queues: "look at this order".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderMessage {
    pub order_id: OrderId,
}

/// On the payment queue: "look at this order", "the gateway has news of this order's payment",
/// "stock of this SKU arrived: retry its backorders, oldest first", "apply this part of a stock
/// import", or "write this part of an orders export".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PaymentWork {
    /// Before `Order`, which would take any message naming an order.
    Gateway(GatewayNews),
    Order(OrderMessage),
    Restock(Restock),
    ImportChunk(ImportChunk),
}

/// What the label queue carries: an order to buy labels for, or a part of a big orders export to
/// write (label-request is the consumer that keeps files in S3 already).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum LabelWork {
    /// Before `Order`: both are objects, and an export part names no order.
    ExportPart(ExportPart),
    Order(OrderMessage),
}

/// On the payment queue: a Stripe event about this order's payment (`POST /webhooks/stripe`).
/// The worker reads the payment's state from Stripe again; the news says what to look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GatewayNews {
    pub news_for: OrderId,
    pub payment_intent: String,
    pub news: crate::payments::stripe_event::PaymentNews,
}

/// On the label queue: "write part `export_part` of this export" (each part once; the last
/// completes the file and has staff told).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportPart {
    pub export_id: String,
    pub export_part: u32,
}

/// On the notify queue: an orders export is ready; tell who asked for it (once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportReady {
    pub ready_export_id: String,
    /// Who asked, when they have an email address; the ops address otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    pub orders: u64,
}

impl ExportReady {
    pub fn idempotency_key(&self) -> String {
        format!("email#export#{}", self.ready_export_id)
    }
}

/// On the payment queue: "apply this part of a stock import" (each part at most once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportChunk {
    pub import_id: String,
    pub import_chunk: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Restock {
    pub restocked_sku: String,
}

/// On the notify queue: an order email, or a reorder request to a SKU's supplier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum NotifyWork {
    Order(Notification),
    Reorder(ReorderRequest),
    CartReminder(CartReminder),
    DelayCheck(DelayCheck),
    ExportReady(ExportReady),
}

/// Look whether a parcel is past its estimate without news from the carrier: due at the estimate
/// it was scheduled for, and dropped when the estimate has moved since (the move scheduled a new
/// check). Waits in the queue like `CartReminder`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DelayCheck {
    pub delay_order_id: OrderId,
    pub delay_shipment_id: ShipmentId,
    pub due: chrono::DateTime<chrono::Utc>,
}

/// A checkout may be abandoned: when it has gone unchanged and unconverted for the configured
/// time, its shopper gets one reminder. Until then the message comes back later (SQS delays are
/// at most 15 minutes, so a 4-hour wait is a short chain of delayed messages, no scheduler).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CartReminder {
    pub cart_channel: crate::domain::Channel,
    pub cart_token: String,
}

/// Available stock of `sku` fell below its reorder point at `since`: one email per crossing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReorderRequest {
    pub reorder_sku: String,
    pub since: String,
}

impl ReorderRequest {
    pub fn idempotency_key(&self) -> String {
        format!("email#reorder#{}#{}", self.reorder_sku, self.since)
    }
}

/// On the notify queue: "tell the customer about this".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notification {
    pub order_id: OrderId,
    pub event: NotificationEvent,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipment_id: Option<ShipmentId>,
    /// Tells apart repeated occurrences of the same event (a second hold on one order), which
    /// each deserve their own email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurrence: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationEvent {
    OrderConfirmed,
    Shipped,
    OutForDelivery,
    Delivered,
    /// A parcel failed delivery, is going back, or waits at a pickup point.
    DeliveryException,
    /// A parcel is past its estimated delivery.
    Delayed,
    Canceled,
    /// Paid, but part of the order waits for stock.
    Backordered,
    /// The channel reports the payment failed or was voided: the order waits for it.
    PaymentProblem,
    /// Money went back to the customer (fully or partly); `occurrence` tells the two apart.
    Refunded,
    /// To the merchant's operations address, not the customer: something needs a person.
    StaffAlert,
}

impl NotificationEvent {
    pub fn as_str(self) -> &'static str {
        match self {
            NotificationEvent::OrderConfirmed => "order_confirmed",
            NotificationEvent::Shipped => "shipped",
            NotificationEvent::OutForDelivery => "out_for_delivery",
            NotificationEvent::Delivered => "delivered",
            NotificationEvent::DeliveryException => "delivery_exception",
            NotificationEvent::Delayed => "delayed",
            NotificationEvent::StaffAlert => "staff_alert",
            NotificationEvent::Canceled => "canceled",
            NotificationEvent::Backordered => "backordered",
            NotificationEvent::PaymentProblem => "payment_problem",
            NotificationEvent::Refunded => "refunded",
        }
    }
}

impl NotificationEvent {
    /// Emails a customer gets even after opting out of the rest: those about their money and
    /// whether their goods arrive.
    pub fn is_essential(self) -> bool {
        !matches!(self, NotificationEvent::OutForDelivery)
    }
}

impl Notification {
    /// About the order as a whole (confirmed, canceled).
    pub fn about_order(order_id: OrderId, event: NotificationEvent) -> Self {
        Self {
            order_id,
            event,
            shipment_id: None,
            occurrence: None,
        }
    }

    /// Staff hear about each time an order needs a person, once per occurrence.
    pub fn staff_alert(order_id: OrderId, occurrence: String) -> Self {
        Self {
            occurrence: Some(occurrence),
            ..Self::about_order(order_id, NotificationEvent::StaffAlert)
        }
    }

    pub fn order_confirmed(order_id: OrderId) -> Self {
        Self::about_order(order_id, NotificationEvent::OrderConfirmed)
    }

    pub fn about_shipment(
        order_id: OrderId,
        event: NotificationEvent,
        shipment: ShipmentId,
    ) -> Self {
        Self {
            order_id,
            event,
            shipment_id: Some(shipment),
            occurrence: None,
        }
    }

    /// One email per order, event and shipment, however often the message arrives.
    pub fn idempotency_key(&self) -> String {
        let shipment = self.shipment_id.as_ref().map_or("-", ShipmentId::as_str);
        let occurrence = self.occurrence.as_deref().unwrap_or("-");
        format!(
            "email#{}#{}#{}#{}",
            self.order_id,
            self.event.as_str(),
            shipment,
            occurrence
        )
    }
}
