use chrono::{TimeZone, Utc};
use oms_core::domain::{Address, Currency};
use oms_core::invoicing::{Billed, BilledLine, Buyer, Document, DocumentKind, Seller, TaxAtRate};

use super::*;

fn d(text: &str) -> rust_decimal::Decimal {
    text.parse().unwrap()
}

fn address() -> Address {
    Address {
        name: "Дмитрий Иванов".into(),
        line1: "ул. Тверская, 7".into(),
        line2: None,
        city: "Москва".into(),
        region: None,
        postal_code: Some("125009".into()),
        country: "RU".into(),
        phone: None,
    }
}

fn invoice(lines: usize) -> Document {
    let lines: Vec<BilledLine> = (0..lines)
        .map(|i| BilledLine {
            sku: format!("SKU-{i}"),
            title: format!("Κούπα {i}"),
            quantity: 1,
            unit_price: d("10.00"),
            net: d("10.00"),
        })
        .collect();
    let goods = d("10.00") * rust_decimal::Decimal::from(lines.len());
    Document {
        kind: DocumentKind::Invoice,
        series: "INV".into(),
        sequence: 7,
        number: "INV-000007".into(),
        issued_at: Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap(),
        order_id: "ord_1".into(),
        order_name: "#1007".into(),
        placed_at: Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
        currency: Currency::parse("EUR").unwrap(),
        seller: Seller {
            name: "Müller & Söhne GmbH".into(),
            address: vec!["Hauptstraße 1".into(), "10115 Berlin, DE".into()],
            vat_id: "DE123456789".into(),
        },
        buyer: Buyer {
            name: "Дмитрий Иванов".into(),
            email: "d@example.com".into(),
            address: Some(address()),
        },
        billed: Billed {
            part: "order".into(),
            delivery: Some("Standard".into()),
            lines,
            goods,
            shipping: d("0"),
            fees: d("0"),
            discounts: d("0"),
            taxes: vec![TaxAtRate {
                rate: d("19"),
                base: goods,
                amount: goods * d("0.19"),
            }],
            total: goods * d("1.19"),
        },
        reverses: None,
    }
}

#[test]
fn the_same_document_is_the_same_file() {
    let first = invoice_pdf(&invoice(3)).unwrap();
    let again = invoice_pdf(&invoice(3)).unwrap();
    assert!(first.starts_with(b"%PDF-"));
    assert_eq!(first, again, "no dates, no random ids");
    assert!(
        first.len() < 60_000,
        "the font is subset: {} bytes",
        first.len()
    );
}

#[test]
fn long_orders_run_over_several_pages() {
    let count = |pdf: &[u8]| {
        let text = String::from_utf8_lossy(pdf);
        let at = text.find("/Count ").expect("a page tree") + 7;
        text[at..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse::<u32>()
            .unwrap()
    };
    assert_eq!(count(&invoice_pdf(&invoice(3)).unwrap()), 1);
    assert!(count(&invoice_pdf(&invoice(120)).unwrap()) >= 3);
}

#[test]
fn a_packing_slip_is_drawn_with_or_without_a_barcode() {
    for name in ["#1007", "Заказ 7"] {
        let slip = PackingSlip {
            merchant: "Shop".into(),
            order_name: name.into(),
            placed_at: Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
            ship_from: None,
            ship_to: Some(address()),
            shipping_method: None,
            parcel: None,
            lines: vec![PackedLine {
                sku: "MUG".into(),
                title: "Mug".into(),
                quantity: 2,
            }],
            note: Some("Gift wrap please".into()),
        };
        assert!(packing_slip_pdf(&slip).unwrap().starts_with(b"%PDF-"));
    }
}
