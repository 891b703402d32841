//! Customer emails: which words go with which order event, rendered as plain text and HTML from the
//! layout in `shared/templates/email.html`. Everything taken from an order is HTML-escaped.
//!
//! `order_email` renders an order event's email from the words in `order_content` (the order as a
//! whole) or `parcel_content` (one parcel), `cart_reminder` the email about a checkout left behind;
//! both are laid out by `layout` and carry the merchant's `branding`. `stock_emails` are the plain
//! reorder request and low-stock alert, `staff_emails` what staff asked to be told.

mod branding;
mod cart_reminder;
mod layout;
mod order_content;
mod order_email;
mod parcel_content;
mod staff_emails;
mod stock_emails;

pub use branding::{BrandColor, Branding, InvalidBranding, LogoUrl};
pub use cart_reminder::render_cart_reminder;
pub(crate) use layout::{escape, fill};
pub use order_email::{render, RenderError};
pub use staff_emails::render_export_ready;
pub use stock_emails::{render_low_stock_alert, render_reorder, ReorderInfo};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}
