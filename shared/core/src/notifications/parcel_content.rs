//! The words of the emails about one parcel: shipped, out for delivery, delivered, a delivery
//! exception, running late.

use super::layout::Content;
use crate::domain::{Order, Shipment};

pub(super) fn shipped(order: &Order, shipment: &Shipment) -> Content {
    Content {
        greeting: None,
        subject: format!("Your order {} has shipped", order.name),
        headline: "Your order is on its way".into(),
        message: format!(
            "Order {} has shipped with {} {}.",
            order.name, shipment.carrier, shipment.service
        ),
        details: std::iter::once(format!("Tracking number: {}", shipment.tracking_code))
            .chain(
                shipment
                    .estimated_delivery
                    .map(|at| format!("Estimated delivery: {}", day(at))),
            )
            .chain(still_to_come(order, shipment))
            .collect(),
        items: items_in(order, shipment),
    }
}

/// What of the order this parcel and the ones sent before it do not carry: it follows in another
/// parcel. Counted from the parcels up to this one, so the email reads the same whenever it is
/// rendered.
fn still_to_come(order: &Order, shipment: &Shipment) -> Vec<String> {
    let sent_so_far: Vec<&Shipment> = order
        .shipments
        .iter()
        .take_while(|s| s.id != shipment.id)
        .chain(std::iter::once(shipment))
        .filter(|s| s.tracking_status != crate::domain::TrackingStatus::Cancelled)
        .collect();
    let rest: Vec<String> = order
        .shippable_lines()
        .filter_map(|line| {
            let sent: u32 = sent_so_far
                .iter()
                .flat_map(|s| &s.lines)
                .filter(|l| l.sku == line.sku)
                .map(|l| l.quantity)
                .sum();
            let left = line.quantity.saturating_sub(sent);
            (left > 0).then(|| format!("{left} x {}", line.title))
        })
        .collect();
    if rest.is_empty() {
        return Vec::new();
    }
    vec![format!(
        "Still to come in a separate parcel: {}",
        rest.join(", ")
    )]
}

pub(super) fn delivered(order: &Order, shipment: &Shipment) -> Content {
    Content {
        greeting: None,
        subject: format!("Your order {} was delivered", order.name),
        headline: "Delivered".into(),
        message: format!(
            "{} delivered your parcel for order {} (tracking number {}). Enjoy!",
            shipment.carrier, order.name, shipment.tracking_code
        ),
        details: Vec::new(),
        items: items_in(order, shipment),
    }
}

pub(super) fn out_for_delivery(order: &Order, shipment: &Shipment) -> Content {
    Content {
        greeting: None,
        subject: format!("Your order {} is out for delivery", order.name),
        headline: "Arriving today".into(),
        message: format!(
            "{} is delivering your parcel for order {} today (tracking number {}).",
            shipment.carrier, order.name, shipment.tracking_code
        ),
        details: Vec::new(),
        items: items_in(order, shipment),
    }
}

pub(super) fn exception(order: &Order, shipment: &Shipment) -> Content {
    use crate::domain::TrackingStatus::*;
    let (headline, message) = match shipment.tracking_status {
        AvailableForPickup => (
            "Ready for pickup",
            format!("{} is holding your parcel for order {} at a pickup point.", shipment.carrier, order.name),
        ),
        ReturnToSender => (
            "Your parcel is coming back to us",
            format!("{} is returning your parcel for order {} to us. We will be in touch about what happens next.", shipment.carrier, order.name),
        ),
        _ => (
            "There is a problem with your delivery",
            format!("{} could not deliver your parcel for order {}. We are looking into it and will be in touch.", shipment.carrier, order.name),
        ),
    };
    let last = shipment
        .events
        .last()
        .map(|e| e.message.clone())
        .filter(|m| !m.is_empty());
    Content {
        greeting: None,
        subject: format!("Update on your order {}", order.name),
        headline: headline.into(),
        message,
        details: [
            Some(format!("Tracking number: {}", shipment.tracking_code)),
            last.map(|m| format!("Carrier says: {m}")),
        ]
        .into_iter()
        .flatten()
        .collect(),
        items: items_in(order, shipment),
    }
}

pub(super) fn delayed(order: &Order, shipment: &Shipment) -> Content {
    Content {
        greeting: None,
        subject: format!("Your order {} is running late", order.name),
        headline: "Your parcel is running late".into(),
        message: format!(
            "Your parcel for order {} with {} has not arrived when expected. We are keeping an eye on it and will let you know as soon as it moves.",
            order.name, shipment.carrier
        ),
        details: std::iter::once(format!("Tracking number: {}", shipment.tracking_code))
            .chain(new_estimate(shipment).map(|at| format!("New estimated delivery: {}", day(at))))
            .collect(),
        items: items_in(order, shipment),
    }
}

/// An estimate the carrier gave after we found the parcel late, if any.
fn new_estimate(shipment: &Shipment) -> Option<chrono::DateTime<chrono::Utc>> {
    let estimate = shipment.estimated_delivery?;
    (estimate > shipment.delayed_since?).then_some(estimate)
}

/// A delivery day as customers read it: "Tuesday 24 November 2026".
fn day(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%A %-d %B %Y").to_string()
}

fn items_in(order: &Order, shipment: &Shipment) -> Vec<(String, u32)> {
    shipment
        .lines
        .iter()
        .map(|sl| {
            let title = order
                .lines
                .iter()
                .find(|l| l.sku == sl.sku)
                .map_or_else(|| sl.sku.clone(), |l| l.title.clone());
            (title, sl.quantity)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::domain::order::tests::{new_order, now};
    use crate::domain::{Order, PaymentStatus, Shipment};
    use crate::messages::{Notification, NotificationEvent};
    use crate::notifications::branding::tests::branding;
    use crate::notifications::render;

    #[test]
    fn a_shipped_email_gives_the_estimate_and_what_follows_separately() {
        use crate::domain::{ShipmentId, TrackingStatus};
        use chrono::TimeZone;
        let mut order = Order::place(new_order(PaymentStatus::Paid), now());
        let towels = Shipment {
            id: ShipmentId::for_carrier_shipment("easypost", "shp_towels"),
            carrier: "USPS".into(),
            service: "Priority".into(),
            rate: "7.95".parse().unwrap(),
            carrier_shipment_id: "shp_towels".into(),
            tracking_code: "EZ1".into(),
            tracking_status: TrackingStatus::PreTransit,
            status_at: None,
            progress: Default::default(),
            voided_at: None,
            estimated_delivery: Some(
                chrono::Utc
                    .with_ymd_and_hms(2026, 11, 24, 17, 0, 0)
                    .unwrap(),
            ),
            label_key: "labels/t.pdf".into(),
            lines: vec![crate::domain::shipment::ShipmentLine {
                sku: "TOWEL".into(),
                quantity: 2,
            }],
            events: Vec::new(),
            created_at: now(),
            delayed_since: None,
            route: None,
            location: None,
        };
        order.shipments.push(towels.clone());
        let email = render(
            &order,
            &Notification::about_shipment(order.id.clone(), NotificationEvent::Shipped, towels.id),
            &branding(),
        )
        .unwrap();
        assert!(
            email
                .text
                .contains("Estimated delivery: Tuesday 24 November 2026"),
            "{}",
            email.text
        );
        assert!(
            email
                .text
                .contains("Still to come in a separate parcel: 1 x Stoneware Bowl"),
            "{}",
            email.text
        );
        assert!(email.text.contains("2 x Linen Tea Towel"));
    }
}
