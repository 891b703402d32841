//! Draws the sandbox carrier's 4x6 inch shipping label as a one-page PDF, barcode included, with
//! the documents crate (`oms_documents::sheet`: pdf-writer and an embedded font, so a recipient
//! in any Latin, Greek or Cyrillic script prints as written).

use oms_documents::barcode;
use oms_documents::sheet::{Sheet, Weight};
use oms_documents::FontError;

/// What the label shows. The carrier decides the wording; this module only lays it out.
pub(super) struct Label<'a> {
    pub shipment_id: &'a str,
    pub carrier: &'a str,
    pub service: &'a str,
    pub postage: &'a str,
    pub delivery_days: Option<u32>,
    pub weight_oz: f64,
    pub reference: Option<&'a str>,
    pub ship_date: &'a str,
    pub from_lines: &'a [String],
    pub to_lines: &'a [String],
    pub tracking_code: &'a str,
}

/// 4x6 inches in PDF points.
const PAGE_WIDTH: f32 = 288.0;
const PAGE_HEIGHT: f32 = 432.0;
/// The printed border sits this far in from the page edge...
const BORDER_INSET: f32 = 6.0;
/// ...and text starts this far in, so nothing touches the border.
const CONTENT_LEFT: f32 = 14.0;
const CONTENT_RIGHT: f32 = PAGE_WIDTH - CONTENT_LEFT;

/// Renders the label as the bytes of a complete PDF file.
pub(super) fn render(label: &Label<'_>) -> Result<Vec<u8>, FontError> {
    let mut sheet = Sheet::with_page(PAGE_WIDTH, PAGE_HEIGHT)?;
    sheet.frame(
        BORDER_INSET,
        BORDER_INSET,
        PAGE_WIDTH - 2.0 * BORDER_INSET,
        PAGE_HEIGHT - 2.0 * BORDER_INSET,
        1.5,
    );
    draw_sender(&mut sheet, label);
    draw_postage_box(&mut sheet, label);
    draw_service_banner(&mut sheet, label);
    draw_recipient(&mut sheet, label);
    draw_details(&mut sheet, label);
    draw_tracking_barcode(&mut sheet, label);
    draw_sandbox_notice(&mut sheet, label);
    sheet.finish(None)
}

fn draw_sender(sheet: &mut Sheet, label: &Label<'_>) {
    sheet.text(CONTENT_LEFT, 412.0, 7.0, Weight::Bold, "FROM:");
    for (row, line) in label.from_lines.iter().take(6).enumerate() {
        let y = 401.0 - 10.0 * row as f32;
        sheet.text_within(CONTENT_LEFT, y, 8.0, Weight::Regular, line, 176.0);
    }
}

fn draw_postage_box(sheet: &mut Sheet, label: &Label<'_>) {
    let (x, y, w, h) = (196.0, 352.0, 74.0, 68.0);
    sheet.frame(x, y, w, h, 1.0);
    let inside = w - 10.0;
    sheet.text_within(x + 6.0, y + 48.0, 16.0, Weight::Bold, label.carrier, inside);
    sheet.text(x + 6.0, y + 37.0, 7.0, Weight::Regular, "POSTAGE PAID");
    let postage = format!("${}", label.postage);
    sheet.text_within(x + 6.0, y + 22.0, 12.0, Weight::Bold, &postage, inside);
    sheet.text(x + 6.0, y + 8.0, 7.0, Weight::Regular, "SANDBOX");
}

/// The black band with the service in white, as carriers print it, so the service is readable at a glance.
fn draw_service_banner(sheet: &mut Sheet, label: &Label<'_>) {
    let (y, height) = (308.0, 36.0);
    sheet.fill(
        BORDER_INSET,
        y,
        PAGE_WIDTH - 2.0 * BORDER_INSET,
        height,
        0.0,
    );
    let mut banner =
        format!("{} {}", label.carrier, spaced_service_name(label.service)).to_uppercase();
    if let Some(days) = label.delivery_days {
        let unit = if days == 1 { "DAY" } else { "DAYS" };
        banner.push_str(&format!("  {days} {unit}"));
    }
    // Long service names shrink the type rather than lose words, down to a still-legible 9 pt.
    let usable = CONTENT_RIGHT - CONTENT_LEFT;
    let at_16 = sheet.width(&banner, 16.0).max(1.0);
    let size = (16.0 * usable / at_16).clamp(9.0, 16.0);
    sheet.ink(1.0);
    sheet.text_within(CONTENT_LEFT, y + 12.0, size, Weight::Bold, &banner, usable);
    sheet.ink(0.0);
}

fn draw_recipient(sheet: &mut Sheet, label: &Label<'_>) {
    let width = CONTENT_RIGHT - CONTENT_LEFT - 8.0;
    sheet.text(CONTENT_LEFT, 292.0, 8.0, Weight::Bold, "SHIP TO:");
    for (row, line) in label.to_lines.iter().take(6).enumerate() {
        let y = 276.0 - 14.0 * row as f32;
        // The name goes first and bold, the way a sorter's eye expects it.
        let weight = if row == 0 {
            Weight::Bold
        } else {
            Weight::Regular
        };
        let line = line.to_uppercase();
        sheet.text_within(CONTENT_LEFT + 8.0, y, 12.0, weight, &line, width);
    }
    sheet.rule(BORDER_INSET, PAGE_WIDTH - BORDER_INSET, 198.0, 1.0);
}

fn draw_details(sheet: &mut Sheet, label: &Label<'_>) {
    let weight = format!(
        "WEIGHT: {:.1} OZ ({:.2} LB)",
        label.weight_oz,
        label.weight_oz / 16.0
    );
    sheet.text_within(CONTENT_LEFT, 186.0, 8.0, Weight::Regular, &weight, 150.0);
    let date = format!("SHIP DATE: {}", label.ship_date);
    let date_width = CONTENT_RIGHT - 170.0;
    sheet.text_within(170.0, 186.0, 8.0, Weight::Regular, &date, date_width);
    if let Some(reference) = label.reference {
        let reference = format!("REF: {reference}");
        let width = CONTENT_RIGHT - CONTENT_LEFT;
        sheet.text_within(CONTENT_LEFT, 176.0, 8.0, Weight::Regular, &reference, width);
    }
    sheet.rule(BORDER_INSET, PAGE_WIDTH - BORDER_INSET, 168.0, 1.0);
}

fn draw_tracking_barcode(sheet: &mut Sheet, label: &Label<'_>) {
    let heading = format!("{} TRACKING #", label.carrier).to_uppercase();
    sheet.text(CONTENT_LEFT, 154.0, 9.0, Weight::Bold, &heading);
    // Modules as wide as fit, capped so short codes don't turn into a wall of ink.
    barcode::draw(
        sheet,
        label.tracking_code,
        (CONTENT_LEFT, CONTENT_RIGHT),
        74.0,
        70.0,
        2.0,
    );
    sheet.text(
        CONTENT_LEFT + 8.0,
        58.0,
        11.0,
        Weight::Bold,
        label.tracking_code,
    );
    sheet.rule(BORDER_INSET, PAGE_WIDTH - BORDER_INSET, 44.0, 1.0);
}

fn draw_sandbox_notice(sheet: &mut Sheet, label: &Label<'_>) {
    sheet.text(
        CONTENT_LEFT,
        30.0,
        7.0,
        Weight::Bold,
        "SANDBOX LABEL - NOT VALID FOR POSTAGE",
    );
    let id = format!("SHIPMENT {}", label.shipment_id);
    let width = CONTENT_RIGHT - CONTENT_LEFT;
    sheet.text_within(CONTENT_LEFT, 18.0, 6.5, Weight::Regular, &id, width);
}

/// "GroundAdvantage" reads as "Ground Advantage" on paper; carrier service codes are camel case.
fn spaced_service_name(service: &str) -> String {
    let mut spaced = String::with_capacity(service.len() + 4);
    let mut previous_lower = false;
    for c in service.chars() {
        if c.is_uppercase() && previous_lower {
            spaced.push(' ');
        }
        previous_lower = c.is_lowercase();
        spaced.push(c);
    }
    spaced
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_codes_read_as_words() {
        assert_eq!(spaced_service_name("GroundAdvantage"), "Ground Advantage");
        assert_eq!(spaced_service_name("Priority"), "Priority");
    }

    /// The label is a real 4x6 page: poppler renders it, its text reads back (a Greek recipient
    /// as written), and the barcode on the picture reads back as the tracking code (as a
    /// warehouse scanner would read it). The PDF and its PNG stay in target/artifacts/documents/.
    #[test]
    fn the_label_renders_as_a_4x6_page_whose_barcode_scans_as_the_tracking_code() {
        let from = ["EXAMPLE STORE".to_string(), "1 DOCK ROAD".to_string()];
        let to = [
            "Ελένη Παπαδοπούλου".to_string(),
            "418 rue Saint-Paul O".to_string(),
        ];
        let pdf = render(&Label {
            shipment_id: "shp_render_check",
            carrier: "USPS",
            service: "GroundAdvantage",
            postage: "7.95",
            delivery_days: Some(2),
            weight_oz: 12.5,
            reference: Some("ord_render"),
            ship_date: "2026-11-22",
            from_lines: &from,
            to_lines: &to,
            tracking_code: "EZ100000000000000042",
        })
        .unwrap();
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../target/artifacts/documents");
        std::fs::create_dir_all(&dir).unwrap();
        let pdf_path = dir.join("label.pdf");
        std::fs::write(&pdf_path, &pdf).unwrap();
        let text = std::process::Command::new("pdftotext")
            .args(["-layout", "-enc", "UTF-8"])
            .arg(&pdf_path)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils; cargo xtask test installs it)");
        let text = String::from_utf8(text.stdout).unwrap();
        for expected in [
            "ΕΛΈΝΗ ΠΑΠΑΔΟΠΟΎΛΟΥ",
            "418 RUE SAINT-PAUL O",
            "USPS GROUND ADVANTAGE 2 DAYS",
            "$7.95",
            "EZ100000000000000042",
        ] {
            assert!(text.contains(expected), "{expected:?} not in:\n{text}");
        }
        let prefix = dir.join("label");
        let rendered = std::process::Command::new("pdftoppm")
            .args(["-png", "-r", "100", "-singlefile"])
            .arg(&pdf_path)
            .arg(&prefix)
            .status()
            .expect("pdftoppm (poppler-utils; cargo xtask test installs it)");
        assert!(rendered.success());
        let png = std::fs::read(dir.join("label.png")).unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        // IHDR: width and height, big-endian, at bytes 16..24. 4x6 inches at 100 dpi.
        let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
        let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
        assert_eq!((width, height), (400, 600));
        let scanned = std::process::Command::new("zbarimg")
            .args(["--quiet", "--raw", "-Scode128.enable"])
            .arg(dir.join("label.png"))
            .output()
            .expect("zbarimg (zbar-tools; cargo xtask test installs it)");
        assert_eq!(
            String::from_utf8_lossy(&scanned.stdout).trim(),
            "EZ100000000000000042"
        );
    }
}
