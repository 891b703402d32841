//! The orders export: RFC 4180 CSV (CRLF line ends, quotes where needed), UTF-8, one row per
//! line item with the order's fields on every row, under column names a Shopify user knows.
//! A cell that a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, a tab or
//! a carriage return) is written with a leading `'`, so it stays text.

use chrono::{DateTime, Utc};

use crate::domain::{Order, TrackingStatus};

/// The columns, in order (README, "Export order CSV").
pub const COLUMNS: &[&str] = &[
    "Name",
    "Email",
    "Financial Status",
    "Fulfillment Status",
    "Status",
    "Currency",
    "Subtotal",
    "Shipping",
    "Taxes",
    "Total",
    "Discount Amount",
    "Balance Due",
    "Shipping Method",
    "Created at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Lineitem sku",
    "Lineitem requires shipping",
    "Shipping Name",
    "Shipping Address1",
    "Shipping Address2",
    "Shipping City",
    "Shipping Zip",
    "Shipping Province",
    "Shipping Country",
    "Shipping Phone",
    "Notes",
    "Cancelled at",
    "Id",
    "Channel",
    "Channel Order Id",
    "Tracking codes",
];

/// Writes CSV rows of orders into any sink, the header first.
pub struct OrderCsv<W: std::io::Write> {
    writer: csv::Writer<CountingSink<W>>,
}

/// Counts what passes through, so a caller knows how big the export has grown.
struct CountingSink<W> {
    inner: W,
    written: usize,
}

impl<W: std::io::Write> std::io::Write for CountingSink<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl<W: std::io::Write> OrderCsv<W> {
    pub fn new(sink: W) -> Result<Self, csv::Error> {
        let mut csv = Self::continuing(sink);
        csv.writer.write_record(COLUMNS)?;
        Ok(csv)
    }

    /// Rows only, no header: the parts of an export after its first.
    pub fn continuing(sink: W) -> Self {
        let writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(CountingSink {
                inner: sink,
                written: 0,
            });
        Self { writer }
    }

    /// One row per line of the order.
    pub fn write(&mut self, order: &Order) -> Result<(), csv::Error> {
        for row in rows(order) {
            self.writer
                .write_record(row.iter().map(|cell| neutralized(cell).into_owned()))?;
        }
        Ok(())
    }

    /// Bytes handed to the sink so far (what the writer still buffers not counted).
    pub fn written(&self) -> usize {
        self.writer.get_ref().written
    }

    pub fn finish(self) -> Result<W, csv::Error> {
        self.writer
            .into_inner()
            .map(|sink| sink.inner)
            .map_err(|e| csv::Error::from(e.into_error()))
    }
}

/// A cell a spreadsheet would take for a formula, made text (a plain number, a negative
/// balance say, stays a number).
pub fn neutralized(cell: &str) -> std::borrow::Cow<'_, str> {
    let number = cell.parse::<rust_decimal::Decimal>().is_ok();
    if !number && cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S %z").to_string()
}

/// The order's rows, unescaped.
fn rows(order: &Order) -> Vec<Vec<String>> {
    let address = order.shipping_address.as_ref();
    let part = |f: fn(&crate::domain::Address) -> Option<&str>| {
        address.and_then(f).unwrap_or_default().to_string()
    };
    let cancelled_at = order
        .timeline
        .iter()
        .find(|e| e.kind == "canceled")
        .map(|e| time(e.at))
        .unwrap_or_default();
    let tracking = order
        .shipments
        .iter()
        .filter(|s| s.tracking_status != TrackingStatus::Cancelled)
        .map(|s| s.tracking_code.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    order
        .lines
        .iter()
        .map(|line| {
            vec![
                order.name.clone(),
                order.customer.email.clone(),
                order.payment_status.to_string(),
                order.fulfillment_status.to_string(),
                order.status.to_string(),
                order.currency.to_string(),
                order.totals.subtotal.to_string(),
                order.totals.shipping.to_string(),
                order.totals.tax.to_string(),
                order.totals.total.to_string(),
                order.totals.discounts.to_string(),
                order.balance_due.to_string(),
                order.shipping_method.clone().unwrap_or_default(),
                time(order.created_at),
                line.quantity.to_string(),
                line.title.clone(),
                line.unit_price.to_string(),
                line.sku.clone(),
                line.requires_shipping.to_string(),
                part(|a| Some(&a.name)),
                part(|a| Some(&a.line1)),
                part(|a| a.line2.as_deref()),
                part(|a| Some(&a.city)),
                part(|a| a.postal_code.as_deref()),
                part(|a| a.region.as_deref()),
                part(|a| Some(&a.country)),
                part(|a| a.phone.as_deref()),
                order.note.clone().unwrap_or_default(),
                cancelled_at.clone(),
                order.id.to_string(),
                order.channel.as_str().to_string(),
                order.channel_order_id.clone(),
                tracking.clone(),
            ]
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::order::tests::{new_order, now};
    use crate::domain::PaymentStatus;

    fn exported(order: &Order) -> String {
        let mut csv = OrderCsv::new(Vec::new()).unwrap();
        csv.write(order).unwrap();
        String::from_utf8(csv.finish().unwrap()).unwrap()
    }

    #[test]
    fn one_row_per_line_with_the_order_on_every_row_and_crlf() {
        let order = Order::place(new_order(PaymentStatus::Paid), now());
        let text = exported(&order);
        let rows: Vec<&str> = text.split_terminator("\r\n").collect();
        assert_eq!(rows.len(), 3, "header and two lines");
        assert!(rows[0].starts_with("Name,Email,Financial Status"));
        assert!(rows[1].starts_with("#2093,priya.n@example.com,paid,unfulfilled,open,CAD,56.00"));
        assert!(rows[2].contains(",1,Stoneware Bowl,28.00,BOWL,true,Priya Natarajan,"));
        assert!(rows[2].contains(",Montréal,H2Y 2A3,QC,CA,"), "UTF-8 as is");
        for row in &rows {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(row.as_bytes());
            assert_eq!(
                reader.records().next().unwrap().unwrap().len(),
                COLUMNS.len()
            );
        }
    }

    #[test]
    fn formulas_become_text_and_quotes_commas_and_newlines_are_quoted() {
        let mut order = Order::place(new_order(PaymentStatus::Paid), now());
        order.customer.email = "=HYPERLINK(\"http://evil\")@x.com".into();
        order.lines[0].title = "+1 towel, \"sage\"\nlinen".into();
        order.lines[1].title = "@SUM(A1)".into();
        order.note = Some("-2 off\tplease".into());
        let text = exported(&order);
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(&records[0][1], "'=HYPERLINK(\"http://evil\")@x.com");
        assert_eq!(&records[0][15], "'+1 towel, \"sage\"\nlinen");
        assert_eq!(&records[1][15], "'@SUM(A1)");
        assert_eq!(&records[0][27], "'-2 off\tplease");
        for cell in ["\tx", "\rx", "-1+A1", "+A1", "=1", "@x"] {
            assert!(neutralized(cell).starts_with('\''), "{cell:?}");
        }
        assert_eq!(neutralized("12.50"), "12.50");
        assert_eq!(
            neutralized("-32.19"),
            "-32.19",
            "a refund owed stays a number"
        );
    }
}
