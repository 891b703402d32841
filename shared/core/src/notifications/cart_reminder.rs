//! The reminder about a checkout the shopper left.

use super::layout::{html, text, Content, Frame};
use super::{Branding, Email};
use crate::domain::money::display_amount;
use crate::domain::Cart;

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
