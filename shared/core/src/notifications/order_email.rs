//! An order event's email: the words for the event, to the customer (or staff), framed with the
//! order's tracking link.

use super::layout::{html, text, Content, Frame};
use super::order_content::{
    backordered, canceled, confirmed, payment_problem, refunded, staff_alert,
};
use super::parcel_content::{delayed, delivered, exception, out_for_delivery, shipped};
use super::{Branding, Email};
use crate::domain::{Order, Shipment};
use crate::messages::{Notification, NotificationEvent};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RenderError {
    #[error("{event} email needs a shipment, and the order has no shipment {shipment:?}")]
    MissingShipment {
        event: &'static str,
        shipment: Option<String>,
    },
}

pub fn render(
    order: &Order,
    notification: &Notification,
    branding: &Branding,
) -> Result<Email, RenderError> {
    let content = match notification.event {
        NotificationEvent::OrderConfirmed => confirmed(order),
        NotificationEvent::Shipped => shipped(order, shipment(order, notification)?),
        NotificationEvent::OutForDelivery => {
            out_for_delivery(order, shipment(order, notification)?)
        }
        NotificationEvent::Delivered => delivered(order, shipment(order, notification)?),
        NotificationEvent::DeliveryException => exception(order, shipment(order, notification)?),
        NotificationEvent::Delayed => delayed(order, shipment(order, notification)?),
        NotificationEvent::Canceled => canceled(order),
        NotificationEvent::Backordered => backordered(order),
        NotificationEvent::PaymentProblem => payment_problem(order),
        NotificationEvent::Refunded => refunded(order, notification.occurrence.as_deref()),
        NotificationEvent::StaffAlert => staff_alert(order, notification),
    };
    let to = match notification.event {
        NotificationEvent::StaffAlert => branding.ops_email.clone(),
        _ => order.customer.email.clone(),
    };
    let frame = order_frame(order, &content, branding);
    Ok(Email {
        to,
        subject: content.subject.clone(),
        text: text(&content, &frame, branding),
        html: html(&content, &frame, branding),
    })
}

fn shipment<'a>(
    order: &'a Order,
    notification: &Notification,
) -> Result<&'a Shipment, RenderError> {
    notification
        .shipment_id
        .as_ref()
        .and_then(|id| order.shipment(id))
        .ok_or_else(|| RenderError::MissingShipment {
            event: notification.event.as_str(),
            shipment: notification.shipment_id.as_ref().map(|s| s.to_string()),
        })
}

fn order_frame<'a>(order: &'a Order, c: &'a Content, branding: &Branding) -> Frame<'a> {
    Frame {
        first_name: c
            .greeting
            .as_deref()
            .unwrap_or_else(|| order.customer.first_name()),
        link: branding.tracking_url(order),
        button: "Follow your order",
        footer: format!("Order {}", order.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::tests::{new_order, now};
    use crate::domain::PaymentStatus;
    use crate::notifications::branding::tests::branding;

    #[test]
    fn confirmation_names_the_order_and_its_items() {
        let order = Order::place(new_order(PaymentStatus::Paid), now());
        let email = render(
            &order,
            &Notification::order_confirmed(order.id.clone()),
            &branding(),
        )
        .unwrap();
        assert_eq!(email.to, "priya.n@example.com");
        assert_eq!(email.subject, "Order #2093 confirmed");
        assert!(email.text.contains("Hi Priya"));
        assert!(email.text.contains("2 x Linen Tea Towel"));
        assert!(email.html.contains("Linen Tea Towel"));
        assert!(email.html.contains("74.38 CAD"));
        let link = branding().tracking_url(&order);
        assert!(
            email.text.contains(&link) && email.html.contains(&link),
            "links to the tracking page"
        );
        assert!(!email.html.contains("{{"), "every placeholder filled");
    }

    #[test]
    fn shipment_emails_need_their_shipment() {
        let order = Order::place(new_order(PaymentStatus::Paid), now());
        let n = Notification::about_shipment(
            order.id.clone(),
            NotificationEvent::Shipped,
            crate::domain::ShipmentId("shp_nope".into()),
        );
        assert!(render(&order, &n, &branding()).is_err());
    }
}
