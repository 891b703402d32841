//! The words of the emails about an order as a whole: confirmed, backordered, a payment problem,
//! refunded, canceled, and the staff alert.

use super::layout::Content;
use crate::domain::Order;
use crate::messages::Notification;

pub(super) fn confirmed(order: &Order) -> Content {
    Content {
        greeting: None,
        subject: format!("Order {} confirmed", order.name),
        headline: "Thanks for your order".into(),
        message: format!(
            "We have received order {} and are getting it ready. We will email you again when it ships.",
            order.name
        ),
        details: vec![format!("Total: {}", order.customer_total())],
        items: order.lines.iter().map(|l| (l.title.clone(), l.quantity)).collect(),
    }
}

pub(super) fn payment_problem(order: &Order) -> Content {
    Content {
        greeting: None,
        subject: format!("Action needed: payment for order {}", order.name),
        headline: "There is a problem with your payment".into(),
        message: format!(
            "We could not collect the payment for order {}. Your order is on hold and will not ship until the payment goes through; please check your payment details with us or reply to this email.",
            order.name
        ),
        details: vec![format!(
            "Amount due: {}",
            order.customer_total()
        )],
        items: all_items(order),
    }
}

/// Money went back: `refund` names the refund when the OMS made or recorded it (its amount and
/// lines are told), else the payment status says how much.
pub(super) fn refunded(order: &Order, refund: Option<&str>) -> Content {
    if let Some(refund) = refund.and_then(|id| order.refunds.iter().find(|r| r.id == id)) {
        let items: Vec<(String, u32)> = refund
            .lines
            .iter()
            .map(|l| {
                let title = order
                    .lines
                    .iter()
                    .find(|o| o.sku == l.sku)
                    .map_or(l.sku.clone(), |o| o.title.clone());
                (title, l.quantity)
            })
            .collect();
        let mut details = Vec::new();
        if refund.shipping {
            details.push("Shipping refunded".to_string());
        }
        return Content {
            greeting: None,
            subject: format!("Refund for order {}", order.name),
            headline: "We have refunded you".into(),
            message: format!(
                "We have refunded {} {} for order {}. Depending on your bank it can take a few days to appear.",
                refund.amount, order.currency, order.name
            ),
            details,
            items,
        };
    }
    let (headline, message) = match order.payment_status {
        crate::domain::PaymentStatus::PartiallyRefunded => (
            "Part of your payment was refunded",
            format!(
                "We have refunded part of your payment for order {}. Depending on your bank it can take a few days to appear.",
                order.name
            ),
        ),
        _ => (
            "Your payment was refunded",
            format!(
                "We have refunded your payment of {} for order {}. Depending on your bank it can take a few days to appear.",
                order.customer_total(),
                order.name
            ),
        ),
    };
    Content {
        greeting: None,
        subject: format!("Refund for order {}", order.name),
        headline: headline.into(),
        message,
        details: Vec::new(),
        items: all_items(order),
    }
}

fn all_items(order: &Order) -> Vec<(String, u32)> {
    order
        .lines
        .iter()
        .map(|l| (l.title.clone(), l.quantity))
        .collect()
}

pub(super) fn backordered(order: &Order) -> Content {
    let waiting = order
        .allocation
        .iter()
        .flat_map(|a| &a.backordered)
        .map(|b| {
            let title = order
                .lines
                .iter()
                .find(|l| l.sku == b.sku)
                .map_or_else(|| b.sku.clone(), |l| l.title.clone());
            (title, b.quantity)
        })
        .collect();
    Content {
        greeting: None,
        subject: format!("Part of your order {} is on backorder", order.name),
        headline: "Some items are on their way to us".into(),
        message: format!(
            "Thanks for order {}. The items below are out of stock right now; we have set aside everything else and will ship your order as soon as they arrive. We will email you when it ships.",
            order.name
        ),
        details: Vec::new(),
        items: waiting,
    }
}

pub(super) fn staff_alert(order: &Order, notification: &Notification) -> Content {
    let reason = order
        .attention
        .as_ref()
        .map(|a| a.reason.clone())
        .or_else(|| order.hold.as_ref().map(|h| h.messages.join("; ")))
        .unwrap_or_else(|| "see the order's timeline".to_string());
    let parcel = notification
        .shipment_id
        .as_ref()
        .map(|s| format!(" (shipment {s})"))
        .unwrap_or_default();
    Content {
        greeting: Some("team".to_string()),
        subject: format!("[Action needed] Order {}: {}", order.name, reason),
        headline: "An order needs a person".into(),
        message: format!(
            "Order {} ({}){parcel} needs attention: {reason}.",
            order.name, order.id
        ),
        details: vec![format!(
            "Customer: {} <{}>",
            order.customer.name, order.customer.email
        )],
        items: order
            .lines
            .iter()
            .map(|l| (l.title.clone(), l.quantity))
            .collect(),
    }
}

pub(super) fn canceled(order: &Order) -> Content {
    let money = match order.payment_status {
        crate::domain::PaymentStatus::Refunded => {
            format!(
                " Your payment of {} will be refunded.",
                order.customer_total()
            )
        }
        crate::domain::PaymentStatus::Voided => " You have not been charged.".to_string(),
        _ => String::new(),
    };
    Content {
        greeting: None,
        subject: format!("Your order {} was canceled", order.name),
        headline: "Order canceled".into(),
        message: format!(
            "Order {} has been canceled and will not ship.{money}",
            order.name
        ),
        details: Vec::new(),
        items: order
            .lines
            .iter()
            .map(|l| (l.title.clone(), l.quantity))
            .collect(),
    }
}
