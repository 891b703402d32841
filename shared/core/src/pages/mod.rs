//! Pages customers see in a browser: the order tracking page (reached from every email's link) and
//! its not-found twin. Server-rendered from `shared/core/templates/tracking.html`; only the first
//! name and the destination city of the customer appear, everything taken from an order escaped.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::{Order, OrderId, OrderStatus, Shipment, TrackingStatus};
use crate::notifications::{escape, fill};

const LAYOUT: &str = include_str!("../../templates/tracking.html");

/// The token in a tracking link: an HMAC of the order id, so ids cannot be enumerated.
pub fn link_token(secret: &[u8], order: &OrderId) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(order.as_str().as_bytes());
    hex::encode(&mac.finalize().into_bytes()[..16])
}

/// Constant-time check of a presented token.
pub fn link_token_matches(secret: &[u8], order: &OrderId, presented: &str) -> bool {
    let Ok(bytes) = hex::decode(presented) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(order.as_str().as_bytes());
    mac.verify_truncated_left(&bytes).is_ok() && bytes.len() == 16
}

/// `<base>/track/<id>?t=<token>`.
pub fn tracking_url(base_url: &str, secret: &[u8], order: &OrderId) -> String {
    format!(
        "{}/track/{order}?t={}",
        base_url.trim_end_matches('/'),
        link_token(secret, order)
    )
}

pub fn tracking_page(order: &Order, merchant: &str) -> String {
    let parcels: String = if order.shipments.is_empty() {
        format!(
            "<div class=\"card muted\">{}</div>",
            escape(waiting_text(order.status))
        )
    } else {
        order
            .shipments
            .iter()
            .enumerate()
            .map(|(i, s)| parcel(i + 1, order.shipments.len(), s))
            .collect()
    };
    let destination = order
        .shipping_address
        .as_ref()
        .map(|a| format!(" &middot; to {}", escape(&a.city)))
        .unwrap_or_default();
    page(&[
        (
            "{{title}}",
            format!("Order {} - {}", escape(&order.name), escape(merchant)),
        ),
        ("{{merchant}}", escape(merchant)),
        ("{{headline}}", escape(headline(order.status))),
        (
            "{{greeting}}",
            format!("Hi {} &middot;", escape(order.customer.first_name())),
        ),
        ("{{order_name}}", escape(&order.name)),
        ("{{destination}}", destination),
        ("{{parcels}}", parcels),
    ])
}

pub fn not_found_page(merchant: &str) -> String {
    page(&[
        (
            "{{title}}",
            format!("Order not found - {}", escape(merchant)),
        ),
        ("{{merchant}}", escape(merchant)),
        ("{{headline}}", "Order not found".to_string()),
        ("{{greeting}}", String::new()),
        ("{{order_name}}", String::new()),
        ("{{destination}}", String::new()),
        (
            "{{parcels}}",
            "<div class=\"card muted\">Check that you opened the full link from your email.</div>"
                .to_string(),
        ),
    ])
}

fn page(values: &[(&str, String)]) -> String {
    values
        .iter()
        .fold(LAYOUT.to_string(), |page, (placeholder, value)| {
            fill(&page, placeholder, value)
        })
}

fn headline(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Open => "Order received",
        OrderStatus::ReadyToShip => "Getting your order ready",
        OrderStatus::PartiallyShipped => "Part of your order is on its way",
        OrderStatus::Shipped => "On its way",
        OrderStatus::PartiallyClosed => "Partly delivered",
        OrderStatus::Closed => "Delivered",
        OrderStatus::Canceled => "Canceled",
        OrderStatus::Returned => "Returned",
        OrderStatus::Failed | OrderStatus::Abandoned => "Not going ahead",
    }
}

fn waiting_text(status: OrderStatus) -> &'static str {
    match status {
        OrderStatus::Canceled | OrderStatus::Failed | OrderStatus::Abandoned => {
            "This order will not ship."
        }
        _ => "We will show your parcel here as soon as it has a tracking number.",
    }
}

fn parcel(number: usize, of: usize, s: &Shipment) -> String {
    let class = match s.tracking_status {
        TrackingStatus::Delivered => "status delivered",
        t if t.is_exception() => "status trouble",
        _ => "status",
    };
    let title = if of > 1 {
        format!("Parcel {number} of {of}")
    } else {
        "Your parcel".to_string()
    };
    let estimate = s
        .estimated_delivery
        .filter(|_| s.tracking_status != TrackingStatus::Delivered)
        .map(|e| format!("<div class=\"muted\">Expected {}</div>", day(e)))
        .unwrap_or_default();
    let link = carrier_link(&s.carrier, &s.tracking_code)
        .map(|url| {
            format!(
                " &middot; <a href=\"{}\" rel=\"noopener\">track with {}</a>",
                escape(&url),
                escape(&s.carrier)
            )
        })
        .unwrap_or_default();
    let events: String = s
        .events
        .iter()
        .rev()
        .map(|e| {
            let place = e
                .location
                .as_deref()
                .map(|l| format!(" &middot; {}", escape(l)))
                .unwrap_or_default();
            format!(
                "<li><div>{}</div><div class=\"muted\">{}{place}</div></li>",
                escape(if e.message.is_empty() {
                    e.status.as_str()
                } else {
                    &e.message
                }),
                e.at.format("%b %-d, %H:%M UTC")
            )
        })
        .collect();
    format!(
        "<div class=\"card parcel\"><h2>{title}</h2><span class=\"{class}\" data-status=\"{status}\">{label}</span>{estimate}<div class=\"muted\">{} {} &middot; {}{link}</div><ol>{events}</ol></div>",
        escape(&s.carrier),
        escape(&s.service),
        escape(&s.tracking_code),
        status = s.tracking_status.as_str(),
        label = escape(&s.tracking_status.as_str().replace('_', " ")),
    )
}

fn day(at: DateTime<Utc>) -> String {
    at.format("%A, %B %-d").to_string()
}

/// Where a customer can follow the parcel on the carrier's own site.
pub fn carrier_link(carrier: &str, code: &str) -> Option<String> {
    let base = match crate::carriers::canonical_carrier(carrier).as_str() {
        "usps" => "https://tools.usps.com/go/TrackConfirmAction?tLabels=",
        "ups" => "https://www.ups.com/track?tracknum=",
        "fedex" => "https://www.fedex.com/fedextrack/?trknbr=",
        "dhlexpress" => "https://www.dhl.com/global-en/home/tracking.html?tracking-id=",
        "canadapost" => {
            "https://www.canadapost-postescanada.ca/track-reperage/en#/search?searchFor="
        }
        _ => return None,
    };
    crate::carriers::valid_tracking_code(code).then(|| format!("{base}{code}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::tests::{new_order, now};
    use crate::domain::PaymentStatus;

    #[test]
    fn tokens_verify_only_for_their_order() {
        let a = OrderId::for_channel_order("shopify", "1");
        let b = OrderId::for_channel_order("shopify", "2");
        let token = link_token(b"secret", &a);
        assert!(link_token_matches(b"secret", &a, &token));
        assert!(!link_token_matches(b"secret", &b, &token));
        assert!(!link_token_matches(b"other", &a, &token));
        assert!(!link_token_matches(b"secret", &a, &token[..20]));
        assert!(!link_token_matches(b"secret", &a, "zz"));
        assert!(tracking_url("https://api.example/", b"secret", &a)
            .starts_with("https://api.example/track/ord_"));
    }

    #[test]
    fn the_page_shows_status_and_no_more_personal_data_than_needed() {
        let order = Order::place(new_order(PaymentStatus::Paid), now());
        let html = tracking_page(&order, "Atelier Nord");
        assert!(html.contains("Order received"));
        assert!(html.contains("Hi Priya"));
        assert!(html.contains("to Montréal"));
        assert!(!html.contains("Natarajan"), "no last name");
        assert!(!html.contains("Saint-Paul"), "no street");
        assert!(!html.contains("priya.n@example.com"), "no email");
        assert!(!html.contains("{{"));
        assert!(not_found_page("Atelier Nord").contains("Order not found"));
    }
}
