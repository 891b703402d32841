//! Invoices and credit notes: what an order is billed as, whole or split by delivery (one part
//! per parcel and one for what has not shipped), each part carrying exactly its lines and its
//! share of shipping, discounts, fees and tax, the parts adding up to the order to the cent.
//!
//! An issued document never changes. When the order no longer matches what was billed (an edit,
//! a parcel, another split), the documents in force are reversed by credit notes and new invoices
//! issued: `reissue` decides which, the store numbers them in one transaction.

mod allocate;
mod parts;

pub use parts::{bill, Split};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::{Address, Currency, Order};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    Invoice,
    CreditNote,
}

impl DocumentKind {
    pub fn title(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "Invoice",
            DocumentKind::CreditNote => "Credit note",
        }
    }
}

/// Who sells: the shop's legal name, address and VAT id, from configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seller {
    pub name: String,
    pub address: Vec<String>,
    pub vat_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Buyer {
    pub name: String,
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Address>,
}

/// One billed line: quantity, unit price excluding tax, and their product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BilledLine {
    pub sku: String,
    pub title: String,
    pub quantity: u32,
    pub unit_price: Decimal,
    pub net: Decimal,
}

/// The tax charged at one rate: the rate in percent, what it was charged on, and the amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxAtRate {
    pub rate: Decimal,
    pub base: Decimal,
    pub amount: Decimal,
}

/// What one document bills: its lines and its share of the order's other amounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Billed {
    /// `order` (the whole order), `parcel:<shipment id>` or `unshipped`.
    pub part: String,
    /// How these goods travel: the parcel's carrier, service and tracking code, or the order's
    /// shipping method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<String>,
    pub lines: Vec<BilledLine>,
    pub goods: Decimal,
    pub shipping: Decimal,
    pub fees: Decimal,
    pub discounts: Decimal,
    pub taxes: Vec<TaxAtRate>,
    pub total: Decimal,
}

impl Billed {
    /// The same part reversed: every amount negated, for a credit note.
    pub fn reversed(&self) -> Billed {
        let mut reversed = self.clone();
        for line in &mut reversed.lines {
            line.unit_price = -line.unit_price;
            line.net = -line.net;
        }
        for tax in &mut reversed.taxes {
            tax.base = -tax.base;
            tax.amount = -tax.amount;
        }
        reversed.goods = -reversed.goods;
        reversed.shipping = -reversed.shipping;
        reversed.fees = -reversed.fees;
        reversed.discounts = -reversed.discounts;
        reversed.total = -reversed.total;
        reversed
    }

    pub fn tax(&self) -> Decimal {
        self.taxes.iter().map(|t| t.amount).sum()
    }
}

/// An issued invoice or credit note, as it was issued: its PDF is drawn from this alone, so every
/// download has the same bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Document {
    pub kind: DocumentKind,
    pub series: String,
    pub sequence: u64,
    pub number: String,
    pub issued_at: DateTime<Utc>,
    pub order_id: String,
    pub order_name: String,
    pub placed_at: DateTime<Utc>,
    pub currency: Currency,
    pub seller: Seller,
    pub buyer: Buyer,
    pub billed: Billed,
    /// For a credit note: the number of the invoice it reverses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reverses: Option<String>,
}

impl Document {
    /// The invoice numbered `sequence` in `series` billing `billed` of `order` to its customer.
    pub fn invoice(
        order: &Order,
        seller: &Seller,
        billed: Billed,
        (series, sequence): (&str, u64),
        issued_at: DateTime<Utc>,
    ) -> Self {
        Document {
            kind: DocumentKind::Invoice,
            series: series.to_string(),
            sequence,
            number: document_number(series, sequence),
            issued_at,
            order_id: order.id.to_string(),
            order_name: order.name.clone(),
            placed_at: order.placed_at,
            currency: order.currency.clone(),
            seller: seller.clone(),
            buyer: Buyer {
                name: order.customer.name.clone(),
                email: order.customer.email.clone(),
                address: order.shipping_address.clone(),
            },
            billed,
            reverses: None,
        }
    }

    /// The credit note reversing this invoice in full, to the same buyer from the same seller.
    pub fn credit_note(&self, (series, sequence): (&str, u64), issued_at: DateTime<Utc>) -> Self {
        Document {
            kind: DocumentKind::CreditNote,
            series: series.to_string(),
            sequence,
            number: document_number(series, sequence),
            issued_at,
            billed: self.billed.reversed(),
            reverses: Some(self.number.clone()),
            ..self.clone()
        }
    }
}

/// A series' numbers as people read them: `INV-000042`.
pub fn document_number(series: &str, sequence: u64) -> String {
    format!("{series}-{sequence:06}")
}

/// What issuing asks for, given the documents in force (issued and not reversed): nothing when
/// they bill exactly what the order now is; otherwise credit notes for all of them and invoices
/// for every part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reissue {
    UpToDate,
    Issue {
        reverse: Vec<Document>,
        bill: Vec<Billed>,
    },
}

pub fn reissue(in_force: &[Document], wanted: Vec<Billed>) -> Reissue {
    let mut current: Vec<&Billed> = in_force.iter().map(|d| &d.billed).collect();
    current.sort_by(|a, b| a.part.cmp(&b.part));
    let mut sorted: Vec<&Billed> = wanted.iter().collect();
    sorted.sort_by(|a, b| a.part.cmp(&b.part));
    if !in_force.is_empty() && current == sorted {
        return Reissue::UpToDate;
    }
    Reissue::Issue {
        reverse: in_force.to_vec(),
        bill: wanted,
    }
}

#[cfg(test)]
mod tests;
