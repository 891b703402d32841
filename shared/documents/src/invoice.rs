//! An invoice or credit note as a printed page: who sells and who buys, the lines, and the
//! totals with the tax at each rate, in the order's currency.

use oms_core::invoicing::{Document, DocumentKind};

use crate::font::FontError;
use crate::sheet::{Sheet, Weight, BOTTOM, MARGIN, TOP, WIDTH};
use crate::text::{address_lines, amount, date};

const RIGHT: f32 = WIDTH - MARGIN;
/// Right edges of the quantity, unit price and amount columns.
const QTY: f32 = 360.0;
const UNIT: f32 = 450.0;
const SKU_WIDTH: f32 = 120.0;

pub fn invoice_pdf(document: &Document) -> Result<Vec<u8>, FontError> {
    let mut sheet = Sheet::new()?;
    let currency = &document.currency;
    let mut y = heading(&mut sheet, document);

    y = table_header(&mut sheet, y);
    for line in &document.billed.lines {
        if y < BOTTOM + 20.0 {
            sheet.new_page();
            y = table_header(&mut sheet, TOP);
        }
        sheet.text_within(MARGIN, y, 9.0, Weight::Regular, &line.sku, SKU_WIDTH - 6.0);
        sheet.text_within(
            MARGIN + SKU_WIDTH,
            y,
            9.0,
            Weight::Regular,
            &line.title,
            QTY - 40.0 - (MARGIN + SKU_WIDTH),
        );
        sheet.text_right(QTY, y, 9.0, Weight::Regular, &line.quantity.to_string());
        sheet.text_right(
            UNIT,
            y,
            9.0,
            Weight::Regular,
            &amount(line.unit_price, currency),
        );
        sheet.text_right(RIGHT, y, 9.0, Weight::Regular, &amount(line.net, currency));
        y -= 15.0;
    }
    sheet.rule(MARGIN, RIGHT, y + 9.0, 0.5);

    let billed = &document.billed;
    let mut totals: Vec<(String, String, Weight)> = vec![(
        "Goods".into(),
        amount(billed.goods, currency),
        Weight::Regular,
    )];
    if !billed.discounts.is_zero() {
        totals.push((
            "Discounts".into(),
            amount(-billed.discounts, currency),
            Weight::Regular,
        ));
    }
    totals.push((
        "Shipping".into(),
        amount(billed.shipping, currency),
        Weight::Regular,
    ));
    if !billed.fees.is_zero() {
        totals.push((
            "Fees".into(),
            amount(billed.fees, currency),
            Weight::Regular,
        ));
    }
    let net = billed.total - billed.tax();
    totals.push((
        "Total excluding tax".into(),
        amount(net, currency),
        Weight::Regular,
    ));
    for tax in &billed.taxes {
        totals.push((
            format!("Tax {} % on {}", tax.rate, amount(tax.base, currency)),
            amount(tax.amount, currency),
            Weight::Regular,
        ));
    }
    if billed.taxes.is_empty() {
        totals.push((
            "Tax".into(),
            amount(billed.tax(), currency),
            Weight::Regular,
        ));
    }
    totals.push((
        format!("Total ({currency})"),
        amount(billed.total, currency),
        Weight::Bold,
    ));
    y -= 10.0;
    if y < BOTTOM + 16.0 * totals.len() as f32 {
        sheet.new_page();
        y = TOP;
    }
    for (label, value, weight) in totals {
        let size = if weight == Weight::Bold { 11.0 } else { 9.5 };
        sheet.text_right(UNIT, y, size, weight, &label);
        sheet.text_right(RIGHT, y, size, weight, &value);
        y -= 16.0;
    }
    if document.kind == DocumentKind::CreditNote {
        y -= 8.0;
        if let Some(reversed) = &document.reverses {
            let note = format!("This credit note cancels invoice {reversed} in full.");
            sheet.text(MARGIN, y.max(BOTTOM), 9.0, Weight::Regular, &note);
        }
    }
    sheet.finish(Some(&format!(
        "{} {}",
        document.kind.title(),
        document.number
    )))
}

/// Seller, document facts and buyer; returns where the lines start.
fn heading(sheet: &mut Sheet, document: &Document) -> f32 {
    let seller = &document.seller;
    let mut y = TOP - 6.0;
    sheet.text(MARGIN, y, 15.0, Weight::Bold, &seller.name);
    y -= 16.0;
    for line in &seller.address {
        sheet.text(MARGIN, y, 9.0, Weight::Regular, line);
        y -= 12.0;
    }
    sheet.text(
        MARGIN,
        y,
        9.0,
        Weight::Regular,
        &format!("VAT ID {}", seller.vat_id),
    );

    let mut right_y = TOP - 6.0;
    sheet.text_right(RIGHT, right_y, 18.0, Weight::Bold, document.kind.title());
    right_y -= 20.0;
    let mut facts = vec![
        ("Number", document.number.clone()),
        ("Issue date", date(document.issued_at)),
        ("Order", document.order_name.clone()),
        ("Order date", date(document.placed_at)),
    ];
    if let Some(reversed) = &document.reverses {
        facts.push(("Reverses invoice", reversed.clone()));
    }
    for (label, value) in facts {
        sheet.text_right(RIGHT - 110.0, right_y, 9.0, Weight::Regular, label);
        sheet.text_right(RIGHT, right_y, 9.0, Weight::Bold, &value);
        right_y -= 13.0;
    }

    y = y.min(right_y) - 24.0;
    sheet.text(MARGIN, y, 8.0, Weight::Bold, "CUSTOMER");
    sheet.text(WIDTH / 2.0, y, 8.0, Weight::Bold, "DELIVERY");
    y -= 13.0;
    let buyer = &document.buyer;
    let mut lines = match &buyer.address {
        Some(address) => address_lines(address),
        None => vec![buyer.name.clone()],
    };
    if lines.first() != Some(&buyer.name) {
        lines.insert(0, buyer.name.clone());
    }
    lines.push(buyer.email.clone());
    let delivery = document
        .billed
        .delivery
        .clone()
        .unwrap_or_else(|| "Not shipped".to_string());
    let delivery_top = y;
    for line in &lines {
        sheet.text_within(
            MARGIN,
            y,
            9.5,
            Weight::Regular,
            line,
            WIDTH / 2.0 - MARGIN - 10.0,
        );
        y -= 12.5;
    }
    sheet.text_within(
        WIDTH / 2.0,
        delivery_top,
        9.5,
        Weight::Regular,
        &delivery,
        RIGHT - WIDTH / 2.0,
    );
    y - 20.0
}

fn table_header(sheet: &mut Sheet, y: f32) -> f32 {
    sheet.fill(MARGIN - 4.0, y - 5.0, RIGHT - MARGIN + 8.0, 17.0, 0.92);
    sheet.text(MARGIN, y, 8.5, Weight::Bold, "SKU");
    sheet.text(MARGIN + SKU_WIDTH, y, 8.5, Weight::Bold, "Description");
    sheet.text_right(QTY, y, 8.5, Weight::Bold, "Qty");
    sheet.text_right(UNIT, y, 8.5, Weight::Bold, "Unit price excl. tax");
    sheet.text_right(RIGHT, y, 8.5, Weight::Bold, "Amount");
    y - 20.0
}
