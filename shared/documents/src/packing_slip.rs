//! The packing slip that goes in the box: where it comes from and goes to, what is in it, and no
//! prices (a gift's recipient sees what they got, not what it cost).

use chrono::{DateTime, Utc};
use oms_core::domain::{Address, Order, Shipment};

use crate::barcode;
use crate::font::FontError;
use crate::sheet::{Sheet, Weight, BOTTOM, MARGIN, TOP, WIDTH};
use crate::text::{address_lines, date};

const RIGHT: f32 = WIDTH - MARGIN;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackedLine {
    pub sku: String,
    pub title: String,
    pub quantity: u32,
}

/// What one slip shows: the whole order, or one parcel of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackingSlip {
    pub merchant: String,
    pub order_name: String,
    pub placed_at: DateTime<Utc>,
    pub ship_from: Option<Address>,
    pub ship_to: Option<Address>,
    pub shipping_method: Option<String>,
    /// The parcel's carrier, service and tracking code, for one parcel's slip.
    pub parcel: Option<String>,
    pub lines: Vec<PackedLine>,
    pub note: Option<String>,
}

impl PackingSlip {
    /// The slip of `order`'s `parcel`, or of the whole order (every line) without one.
    pub fn new(
        merchant: &str,
        order: &Order,
        parcel: Option<&Shipment>,
        ship_from: Option<Address>,
    ) -> Self {
        let title = |sku: &str| {
            order
                .lines
                .iter()
                .find(|l| l.sku == sku)
                .map(|l| l.title.clone())
                .unwrap_or_default()
        };
        let lines = match parcel {
            Some(shipment) => shipment
                .lines
                .iter()
                .map(|l| PackedLine {
                    sku: l.sku.clone(),
                    title: title(&l.sku),
                    quantity: l.quantity,
                })
                .collect(),
            None => order
                .lines
                .iter()
                .map(|l| PackedLine {
                    sku: l.sku.clone(),
                    title: l.title.clone(),
                    quantity: l.quantity,
                })
                .collect(),
        };
        Self {
            merchant: merchant.to_string(),
            order_name: order.name.clone(),
            placed_at: order.placed_at,
            ship_from,
            ship_to: order.shipping_address.clone(),
            shipping_method: order.shipping_method.clone(),
            parcel: parcel
                .map(|s| format!("{} {}, tracking {}", s.carrier, s.service, s.tracking_code)),
            lines,
            note: order.note.clone().filter(|n| !n.trim().is_empty()),
        }
    }
}

pub fn packing_slip_pdf(slip: &PackingSlip) -> Result<Vec<u8>, FontError> {
    let mut sheet = Sheet::new()?;
    let mut y = TOP - 6.0;
    sheet.text(MARGIN, y, 15.0, Weight::Bold, &slip.merchant);
    sheet.text_right(RIGHT, y, 18.0, Weight::Bold, "Packing slip");
    y -= 20.0;
    sheet.text_right(
        RIGHT,
        y,
        10.0,
        Weight::Bold,
        &format!("Order {}", slip.order_name),
    );
    y -= 13.0;
    sheet.text_right(
        RIGHT,
        y,
        9.0,
        Weight::Regular,
        &format!("Ordered {}", date(slip.placed_at)),
    );
    barcode::draw(
        &mut sheet,
        &slip.order_name,
        (MARGIN, MARGIN + 180.0),
        y - 10.0,
        30.0,
        1.2,
    );
    y -= 60.0;

    sheet.text(MARGIN, y, 8.0, Weight::Bold, "SHIP FROM");
    sheet.text(WIDTH / 2.0, y, 8.0, Weight::Bold, "SHIP TO");
    y -= 13.0;
    let from = slip
        .ship_from
        .as_ref()
        .map(address_lines)
        .unwrap_or_default();
    let to = slip
        .ship_to
        .as_ref()
        .map(address_lines)
        .unwrap_or_else(|| vec!["Picked up, no address".to_string()]);
    let column = WIDTH / 2.0 - MARGIN - 10.0;
    for i in 0..from.len().max(to.len()) {
        if let Some(line) = from.get(i) {
            sheet.text_within(MARGIN, y, 9.5, Weight::Regular, line, column);
        }
        if let Some(line) = to.get(i) {
            sheet.text_within(WIDTH / 2.0, y, 9.5, Weight::Regular, line, column);
        }
        y -= 12.5;
    }
    y -= 10.0;
    let method = slip.shipping_method.as_deref().unwrap_or("Not stated");
    sheet.text(
        MARGIN,
        y,
        9.5,
        Weight::Regular,
        &format!("Shipping method: {method}"),
    );
    if let Some(parcel) = &slip.parcel {
        y -= 12.5;
        sheet.text_within(
            MARGIN,
            y,
            9.5,
            Weight::Regular,
            &format!("Parcel: {parcel}"),
            RIGHT - MARGIN,
        );
    }
    y -= 28.0;

    y = header(&mut sheet, y);
    for line in &slip.lines {
        if y < BOTTOM + 20.0 {
            sheet.new_page();
            y = header(&mut sheet, TOP);
        }
        // A box to tick, as pickers do.
        sheet.fill(MARGIN, y - 2.0, 9.0, 9.0, 0.0);
        sheet.fill(MARGIN + 1.0, y - 1.0, 7.0, 7.0, 1.0);
        sheet.text_within(MARGIN + 18.0, y, 9.5, Weight::Regular, &line.sku, 100.0);
        sheet.text_within(
            MARGIN + 130.0,
            y,
            9.5,
            Weight::Regular,
            &line.title,
            RIGHT - 60.0 - (MARGIN + 130.0),
        );
        sheet.text_right(RIGHT, y, 10.0, Weight::Bold, &line.quantity.to_string());
        y -= 16.0;
    }
    let units: u64 = slip.lines.iter().map(|l| u64::from(l.quantity)).sum();
    sheet.rule(MARGIN, RIGHT, y + 10.0, 0.5);
    sheet.text_right(
        RIGHT,
        y - 4.0,
        10.0,
        Weight::Bold,
        &format!("{units} items"),
    );
    if let Some(note) = &slip.note {
        y -= 30.0;
        if y < BOTTOM + 30.0 {
            sheet.new_page();
            y = TOP;
        }
        sheet.text(MARGIN, y, 8.0, Weight::Bold, "NOTE FROM THE CUSTOMER");
        y -= 13.0;
        for line in note.lines().take(8) {
            sheet.text_within(MARGIN, y, 9.5, Weight::Regular, line, RIGHT - MARGIN);
            y -= 12.5;
        }
    }
    sheet.finish(Some(&format!("Packing slip {}", slip.order_name)))
}

fn header(sheet: &mut Sheet, y: f32) -> f32 {
    sheet.fill(MARGIN - 4.0, y - 5.0, RIGHT - MARGIN + 8.0, 17.0, 0.92);
    sheet.text(MARGIN + 18.0, y, 8.5, Weight::Bold, "SKU");
    sheet.text(MARGIN + 130.0, y, 8.5, Weight::Bold, "Item");
    sheet.text_right(RIGHT, y, 8.5, Weight::Bold, "Qty");
    y - 20.0
}
