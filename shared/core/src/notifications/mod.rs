//! Customer emails: which words go with which order event, rendered as plain text and HTML from the
//! layout in `shared/templates/email.html`. Everything taken from an order is HTML-escaped.

use crate::domain::money::display_amount;
use crate::domain::{Cart, Order, Shipment};
use crate::messages::{Notification, NotificationEvent};

const LAYOUT: &str = include_str!("../../templates/email.html");

/// A request to a supplier: `sku` is down to `available` units, below its reorder point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReorderInfo<'a> {
    pub sku: &'a str,
    pub supplier_email: &'a str,
    pub reorder_point: u32,
    pub available: i64,
    pub on_hand: i64,
}

/// The email asking a supplier to restock a SKU (copied to nobody: the ops address hears about
/// it on the SKU's own timeline and in the sent-mail log).
pub fn render_reorder(info: &ReorderInfo<'_>, branding: &Branding) -> Email {
    let subject = format!(
        "Reorder request from {}: {}",
        branding.merchant_name, info.sku
    );
    let lines = [
        "Hello,".to_string(),
        format!(
            "{} would like to reorder SKU {}. Available stock has fallen to {} unit(s) ({} on hand), below the reorder point of {}.",
            branding.merchant_name, info.sku, info.available, info.on_hand, info.reorder_point
        ),
        format!(
            "Please reply to {} with a quantity and delivery date.",
            branding.ops_email
        ),
        format!("Thank you,\n{}", branding.merchant_name),
    ];
    let html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif\">{}</body></html>",
        lines
            .iter()
            .map(|l| format!("<p>{}</p>", escape(l).replace('\n', "<br>")))
            .collect::<String>()
    );
    Email {
        to: info.supplier_email.to_string(),
        subject,
        text: lines.join("\n\n") + "\n",
        html,
    }
}

/// Staff hear about every low-stock crossing too, with who was asked to restock.
pub fn render_low_stock_alert(info: &ReorderInfo<'_>, branding: &Branding) -> Email {
    let subject = format!(
        "[Low stock] {}: {} available, below the reorder point of {}",
        info.sku, info.available, info.reorder_point
    );
    let text = format!(
        "{} has {} unit(s) available ({} on hand) across all locations, below its reorder point of {}.\n\nA reorder request went to {}.\n",
        info.sku, info.available, info.on_hand, info.reorder_point, info.supplier_email
    );
    let html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif\"><p>{}</p></body></html>",
        escape(&text).replace("\n\n", "</p><p>")
    );
    Email {
        to: branding.ops_email.clone(),
        subject,
        text,
        html,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Who the emails come from, as customers see it, who hears about trouble, and where customers
/// follow their order.
#[derive(Debug, Clone)]
pub struct Branding {
    pub merchant_name: String,
    /// The merchant's operations address, for staff alerts.
    pub ops_email: String,
    /// Base URL of the public API, for tracking page links.
    pub public_base_url: String,
    /// Signs tracking page links (see `pages::link_token`).
    pub tracking_link_secret: Vec<u8>,
    pub logo_url: Option<LogoUrl>,
    pub brand_color: BrandColor,
}

/// An `https://` image URL without characters that could break out of an attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoUrl(String);

/// A `#rrggbb` color.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrandColor(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{0}")]
pub struct InvalidBranding(&'static str);

impl LogoUrl {
    pub fn parse(url: &str) -> Result<Self, InvalidBranding> {
        let safe = url.starts_with("https://")
            && url.len() <= 2048
            && !url.chars().any(|c| {
                c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '\'' | '`')
            });
        if safe {
            Ok(Self(url.to_string()))
        } else {
            Err(InvalidBranding(
                "the logo URL must be an https:// URL without quotes, brackets or spaces",
            ))
        }
    }
}

impl BrandColor {
    pub fn parse(color: &str) -> Result<Self, InvalidBranding> {
        let hex = color.strip_prefix('#').unwrap_or_default();
        if hex.len() == 6 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(Self(color.to_string()))
        } else {
            Err(InvalidBranding("the brand color must look like #1a2b3c"))
        }
    }
}

impl Branding {
    pub fn tracking_url(&self, order: &Order) -> String {
        crate::pages::tracking_url(&self.public_base_url, &self.tracking_link_secret, &order.id)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RenderError {
    #[error("{event} email needs a shipment, and the order has no shipment {shipment:?}")]
    MissingShipment {
        event: &'static str,
        shipment: Option<String>,
    },
}

struct Content {
    /// Who the email greets; `None` greets the customer by first name.
    greeting: Option<String>,
    subject: String,
    headline: String,
    message: String,
    details: Vec<String>,
    items: Vec<(String, u32)>,
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
        NotificationEvent::Refunded => refunded(order),
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

fn confirmed(order: &Order) -> Content {
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

fn shipped(order: &Order, shipment: &Shipment) -> Content {
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

fn payment_problem(order: &Order) -> Content {
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

fn refunded(order: &Order) -> Content {
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

fn backordered(order: &Order) -> Content {
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

fn delivered(order: &Order, shipment: &Shipment) -> Content {
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

fn out_for_delivery(order: &Order, shipment: &Shipment) -> Content {
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

fn exception(order: &Order, shipment: &Shipment) -> Content {
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

fn delayed(order: &Order, shipment: &Shipment) -> Content {
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

fn staff_alert(order: &Order, notification: &Notification) -> Content {
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

fn canceled(order: &Order) -> Content {
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

/// The one reminder a shopper gets about a checkout they left: what is in it and where to pick it
/// up again. `None` when the checkout has no email address to send it to.
pub fn render_cart_reminder(cart: &Cart, branding: &Branding) -> Option<Email> {
    let to = cart.email.clone()?;
    let content = Content {
        greeting: None,
        subject: format!(
            "You left something in your cart at {}",
            branding.merchant_name
        ),
        headline: "Still thinking it over?".into(),
        message: "Your cart is saved. Pick up where you left off whenever you are ready.".into(),
        details: vec![format!(
            "Cart total: {}",
            display_amount(cart.total, &cart.currency)
        )],
        items: cart
            .lines
            .iter()
            .map(|l| (l.title.clone(), l.quantity))
            .collect(),
    };
    let first_name = cart
        .customer_name
        .as_deref()
        .and_then(|n| n.split_whitespace().next())
        .unwrap_or("there");
    let frame = Frame {
        first_name,
        // Only a web link goes behind the button: the URL came from a webhook.
        link: cart
            .recovery_url
            .clone()
            .filter(|url| url.starts_with("https://"))
            .unwrap_or_else(|| branding.public_base_url.clone()),
        button: "Return to your cart",
        footer: "Your saved cart".into(),
    };
    Some(Email {
        to,
        subject: content.subject.clone(),
        text: text(&content, &frame, branding),
        html: html(&content, &frame, branding),
    })
}

/// What surrounds an email's content: who it greets, where its button leads, what its footer
/// names.
struct Frame<'a> {
    first_name: &'a str,
    link: String,
    button: &'a str,
    footer: String,
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

fn text(c: &Content, frame: &Frame<'_>, branding: &Branding) -> String {
    let mut out = format!("Hi {},\n\n{}\n", frame.first_name, c.message);
    for d in &c.details {
        out.push_str(&format!("{d}\n"));
    }
    out.push('\n');
    for (title, qty) in &c.items {
        out.push_str(&format!("  {qty} x {title}\n"));
    }
    out.push_str(&format!("\n{}: {}\n", frame.button, frame.link));
    out.push_str(&format!(
        "\n{} - {}\n",
        frame.footer, branding.merchant_name
    ));
    out
}

fn html(c: &Content, frame: &Frame<'_>, branding: &Branding) -> String {
    let details: String = c
        .details
        .iter()
        .map(|d| {
            format!(
                "<p style=\"margin:0 0 12px\"><strong>{}</strong></p>",
                escape(d)
            )
        })
        .collect();
    let items: String = c
        .items
        .iter()
        .map(|(title, qty)| {
            format!(
                "<tr><td style=\"padding:8px 0;border-bottom:1px solid #e4e4e7\">{}</td><td align=\"right\" style=\"padding:8px 0;border-bottom:1px solid #e4e4e7\">&times; {qty}</td></tr>",
                escape(title)
            )
        })
        .collect();
    // Each placeholder is replaced once, in order, and values are escaped first, so text from an
    // order can never inject markup or another placeholder.
    [
        ("{{subject}}", escape(&c.subject)),
        ("{{merchant}}", escape(&branding.merchant_name)),
        ("{{headline}}", escape(&c.headline)),
        ("{{first_name}}", escape(frame.first_name)),
        ("{{message}}", escape(&c.message)),
        ("{{details}}", details),
        ("{{items}}", items),
        ("{{link}}", escape(&frame.link)),
        ("{{brand_color}}", branding.brand_color.0.clone()),
        ("{{button}}", escape(frame.button)),
        (
            "{{logo}}",
            branding
                .logo_url
                .as_ref()
                .map(|l| format!("<img src=\"{}\" alt=\"\" height=\"32\" style=\"display:block;margin-bottom:8px\">", escape(&l.0)))
                .unwrap_or_default(),
        ),
        ("{{footer}}", escape(&frame.footer)),
    ]
    .iter()
    .fold(LAYOUT.to_string(), |page, (placeholder, value)| {
        fill(&page, placeholder, value)
    })
}

pub(crate) fn fill(page: &str, placeholder: &str, value: &str) -> String {
    let mut out = String::with_capacity(page.len() + value.len());
    let mut rest = page;
    while let Some(at) = rest.find(placeholder) {
        out.push_str(&rest[..at]);
        out.push_str(value);
        rest = &rest[at + placeholder.len()..];
    }
    out.push_str(rest);
    out
}

pub(crate) fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&#39;".to_string(),
            '{' => "&#123;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::tests::{new_order, now};
    use crate::domain::PaymentStatus;

    fn branding() -> Branding {
        Branding {
            merchant_name: "Atelier Nord".into(),
            ops_email: "ops@example.com".into(),
            public_base_url: "https://oms.example".into(),
            tracking_link_secret: b"links".to_vec(),
            logo_url: Some(LogoUrl::parse("https://cdn.example/logo.png").unwrap()),
            brand_color: BrandColor::parse("#0f766e").unwrap(),
        }
    }

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
    fn branding_is_applied_and_checked() {
        let order = Order::place(new_order(PaymentStatus::Paid), now());
        let email = render(
            &order,
            &Notification::order_confirmed(order.id.clone()),
            &branding(),
        )
        .unwrap();
        assert!(email.html.contains("src=\"https://cdn.example/logo.png\""));
        assert!(email.html.contains("background:#0f766e"));
        for bad in [
            "http://cdn.example/x.png",
            "https://x\" onload=\"y",
            "javascript:alert(1)",
        ] {
            assert!(LogoUrl::parse(bad).is_err(), "{bad}");
        }
        for bad in ["red", "#12345", "#12345g", "#123456;x:y"] {
            assert!(BrandColor::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn markup_from_orders_is_escaped() {
        let mut new = new_order(PaymentStatus::Paid);
        new.lines[0].title = "<script>alert(1)</script>{{items}}".into();
        let order = Order::place(new, now());
        let email = render(
            &order,
            &Notification::order_confirmed(order.id.clone()),
            &branding(),
        )
        .unwrap();
        assert!(!email.html.contains("<script>"));
        assert!(email.html.contains("&lt;script&gt;"));
    }

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
