//! Emails about stock running low: the reorder request to a supplier and the alert to staff.

use super::layout::escape;
use super::{Branding, Email};

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
