//! Draws the sandbox carrier's 4x6 inch shipping label as a one-page PDF, barcode included, without a PDF library.

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
const PAGE_WIDTH: f64 = 288.0;
const PAGE_HEIGHT: f64 = 432.0;
/// The printed border sits this far in from the page edge...
const BORDER_INSET: f64 = 6.0;
/// ...and text starts this far in, so nothing touches the border.
const CONTENT_LEFT: f64 = 14.0;
const CONTENT_RIGHT: f64 = PAGE_WIDTH - CONTENT_LEFT;

/// Renders the label as the bytes of a complete PDF file.
pub(super) fn render(label: &Label<'_>) -> Vec<u8> {
    let content = draw_label(label);
    let title = format!("Shipping label {}", label.shipment_id);
    assemble_pdf(&content.ops, &title)
}

fn draw_label(label: &Label<'_>) -> Canvas {
    let mut canvas = Canvas::default();
    canvas.line_width(1.5);
    canvas.stroke_rect(
        BORDER_INSET,
        BORDER_INSET,
        PAGE_WIDTH - 2.0 * BORDER_INSET,
        PAGE_HEIGHT - 2.0 * BORDER_INSET,
    );
    draw_sender(&mut canvas, label);
    draw_postage_box(&mut canvas, label);
    draw_service_banner(&mut canvas, label);
    draw_recipient(&mut canvas, label);
    draw_details(&mut canvas, label);
    draw_tracking_barcode(&mut canvas, label);
    draw_sandbox_notice(&mut canvas, label);
    canvas
}

fn draw_sender(canvas: &mut Canvas, label: &Label<'_>) {
    let width = 176.0;
    canvas.text(Font::Bold, 7.0, CONTENT_LEFT, 412.0, "FROM:");
    canvas.clip(CONTENT_LEFT, 347.0, width, 63.0);
    for (row, line) in label.from_lines.iter().take(6).enumerate() {
        let y = 401.0 - 10.0 * row as f64;
        canvas.text(
            Font::Regular,
            8.0,
            CONTENT_LEFT,
            y,
            &fit(line, 8.0, width, MIXED_CASE_EM),
        );
    }
    canvas.restore();
}

fn draw_postage_box(canvas: &mut Canvas, label: &Label<'_>) {
    let (x, y, w, h) = (196.0, 352.0, 74.0, 68.0);
    canvas.line_width(1.0);
    canvas.stroke_rect(x, y, w, h);
    canvas.clip(x, y, w, h);
    canvas.text(
        Font::Bold,
        16.0,
        x + 6.0,
        y + 48.0,
        &fit(label.carrier, 16.0, w - 8.0, CAPITALS_EM),
    );
    canvas.text(Font::Regular, 7.0, x + 6.0, y + 37.0, "POSTAGE PAID");
    let postage = format!("${}", label.postage);
    canvas.text(
        Font::Bold,
        12.0,
        x + 6.0,
        y + 22.0,
        &fit(&postage, 12.0, w - 8.0, MIXED_CASE_EM),
    );
    canvas.text(Font::Regular, 7.0, x + 6.0, y + 8.0, "SANDBOX");
    canvas.restore();
}

/// The black band with the service in white, as carriers print it, so the service is readable at a glance.
fn draw_service_banner(canvas: &mut Canvas, label: &Label<'_>) {
    let (y, height) = (308.0, 36.0);
    canvas.fill_rect(BORDER_INSET, y, PAGE_WIDTH - 2.0 * BORDER_INSET, height);
    canvas.fill_gray(1.0);
    let mut banner =
        format!("{} {}", label.carrier, spaced_service_name(label.service)).to_uppercase();
    if let Some(days) = label.delivery_days {
        let unit = if days == 1 { "DAY" } else { "DAYS" };
        banner.push_str(&format!("  {days} {unit}"));
    }
    // Long service names shrink the type rather than lose words, down to a still-legible 9 pt.
    let usable = CONTENT_RIGHT - CONTENT_LEFT;
    let chars = banner.chars().count().max(1) as f64;
    let size = (usable / (chars * CAPITALS_EM)).clamp(9.0, 16.0);
    canvas.text(
        Font::Bold,
        size,
        CONTENT_LEFT,
        y + 12.0,
        &fit(&banner, size, usable, CAPITALS_EM),
    );
    canvas.fill_gray(0.0);
}

fn draw_recipient(canvas: &mut Canvas, label: &Label<'_>) {
    let width = CONTENT_RIGHT - CONTENT_LEFT;
    canvas.text(Font::Bold, 8.0, CONTENT_LEFT, 292.0, "SHIP TO:");
    canvas.clip(CONTENT_LEFT, 200.0, width, 90.0);
    for (row, line) in label.to_lines.iter().take(6).enumerate() {
        let y = 276.0 - 14.0 * row as f64;
        // The name goes first and bold, the way a sorter's eye expects it.
        let font = if row == 0 { Font::Bold } else { Font::Regular };
        let line = latin_1_uppercase(line);
        canvas.text(
            font,
            12.0,
            CONTENT_LEFT + 8.0,
            y,
            &fit(&line, 12.0, width - 8.0, CAPITALS_EM),
        );
    }
    canvas.restore();
    canvas.line_width(1.0);
    canvas.line(BORDER_INSET, 198.0, PAGE_WIDTH - BORDER_INSET, 198.0);
}

fn draw_details(canvas: &mut Canvas, label: &Label<'_>) {
    let weight = format!(
        "WEIGHT: {:.1} OZ ({:.2} LB)",
        label.weight_oz,
        label.weight_oz / 16.0
    );
    canvas.text(
        Font::Regular,
        8.0,
        CONTENT_LEFT,
        186.0,
        &fit(&weight, 8.0, 150.0, MIXED_CASE_EM),
    );
    let date = format!("SHIP DATE: {}", label.ship_date);
    canvas.text(
        Font::Regular,
        8.0,
        170.0,
        186.0,
        &fit(&date, 8.0, CONTENT_RIGHT - 170.0, MIXED_CASE_EM),
    );
    if let Some(reference) = label.reference {
        let width = CONTENT_RIGHT - CONTENT_LEFT;
        let reference = format!("REF: {reference}");
        canvas.text(
            Font::Regular,
            8.0,
            CONTENT_LEFT,
            176.0,
            &fit(&reference, 8.0, width, MIXED_CASE_EM),
        );
    }
    canvas.line(BORDER_INSET, 168.0, PAGE_WIDTH - BORDER_INSET, 168.0);
}

fn draw_tracking_barcode(canvas: &mut Canvas, label: &Label<'_>) {
    let heading = format!("{} TRACKING #", label.carrier).to_uppercase();
    canvas.text(Font::Bold, 9.0, CONTENT_LEFT, 154.0, &heading);
    let (bars_bottom, bars_height) = (74.0, 70.0);
    if let Some(symbols) = code128::encode(label.tracking_code) {
        let widths = code128::element_widths(&symbols);
        canvas.barcode(&widths, bars_bottom, bars_height);
    }
    canvas.text(
        Font::Bold,
        11.0,
        CONTENT_LEFT + 8.0,
        58.0,
        label.tracking_code,
    );
    canvas.line(BORDER_INSET, 44.0, PAGE_WIDTH - BORDER_INSET, 44.0);
}

fn draw_sandbox_notice(canvas: &mut Canvas, label: &Label<'_>) {
    canvas.text(
        Font::Bold,
        7.0,
        CONTENT_LEFT,
        30.0,
        "SANDBOX LABEL - NOT VALID FOR POSTAGE",
    );
    let id = format!("SHIPMENT {}", label.shipment_id);
    let width = CONTENT_RIGHT - CONTENT_LEFT;
    canvas.text(
        Font::Regular,
        6.5,
        CONTENT_LEFT,
        18.0,
        &fit(&id, 6.5, width, MIXED_CASE_EM),
    );
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

/// Upper case where the capital still fits the font's Latin-1 range; `ÿ` would become `Ÿ`, which
/// WinAnsi can't show as Latin-1, and `ß` would become two letters, so those stay as they are.
fn latin_1_uppercase(text: &str) -> String {
    text.chars()
        .map(|c| {
            let mut upper = c.to_uppercase();
            match (upper.next(), upper.next()) {
                (Some(single), None) if u32::from(single) <= 0xFF => single,
                _ => c,
            }
        })
        .collect()
}

/// Average glyph advance in em, guessed generously since we carry no font metrics: mixed-case
/// Helvetica runs near 0.55, bold capitals near 0.72. The clipping paths catch what slips past.
const MIXED_CASE_EM: f64 = 0.6;
const CAPITALS_EM: f64 = 0.75;

/// Shortens text that would run past `width` points at `size`, given an average glyph width in em.
fn fit(text: &str, size: f64, width: f64, average_em: f64) -> String {
    let max_chars = (width / (size * average_em)).floor().max(4.0) as usize;
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let mut short: String = text.chars().take(max_chars - 3).collect();
    short.push_str("...");
    short
}

#[derive(Clone, Copy)]
enum Font {
    Regular,
    Bold,
}

impl Font {
    fn resource_name(self) -> &'static str {
        match self {
            Font::Regular => "F1",
            Font::Bold => "F2",
        }
    }
}

/// A page content stream under construction (PDF operators, origin bottom left, units in points).
#[derive(Default)]
struct Canvas {
    ops: Vec<u8>,
}

impl Canvas {
    fn op(&mut self, op: &str) {
        self.ops.extend_from_slice(op.as_bytes());
        self.ops.push(b'\n');
    }

    fn text(&mut self, font: Font, size: f64, x: f64, y: f64, text: &str) {
        let start = format!(
            "BT /{} {} Tf {} {} Td (",
            font.resource_name(),
            num(size),
            num(x),
            num(y)
        );
        self.ops.extend_from_slice(start.as_bytes());
        self.ops.extend_from_slice(&pdf_string_bytes(text));
        self.ops.extend_from_slice(b") Tj ET\n");
    }

    fn line_width(&mut self, width: f64) {
        self.op(&format!("{} w", num(width)));
    }

    fn fill_gray(&mut self, level: f64) {
        self.op(&format!("{} g", num(level)));
    }

    fn fill_rect(&mut self, x: f64, y: f64, w: f64, h: f64) {
        self.op(&format!("{} {} {} {} re f", num(x), num(y), num(w), num(h)));
    }

    fn stroke_rect(&mut self, x: f64, y: f64, w: f64, h: f64) {
        self.op(&format!("{} {} {} {} re S", num(x), num(y), num(w), num(h)));
    }

    fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64) {
        self.op(&format!(
            "{} {} m {} {} l S",
            num(x1),
            num(y1),
            num(x2),
            num(y2)
        ));
    }

    /// Saves the graphics state and clips to a rectangle; pair with `restore`.
    fn clip(&mut self, x: f64, y: f64, w: f64, h: f64) {
        self.op(&format!(
            "q {} {} {} {} re W n",
            num(x),
            num(y),
            num(w),
            num(h)
        ));
    }

    fn restore(&mut self) {
        self.op("Q");
    }

    /// Draws bars (even-indexed widths) as filled rectangles, centred between the content margins.
    /// The module is as wide as fits with a 10-module quiet zone each side, capped so short codes
    /// don't turn into a wall of ink.
    fn barcode(&mut self, widths: &[u8], bottom: f64, height: f64) {
        let modules: u32 = widths.iter().map(|&w| u32::from(w)).sum();
        let usable = CONTENT_RIGHT - CONTENT_LEFT;
        let module = (usable / f64::from(modules + 20)).min(2.0);
        let mut x = CONTENT_LEFT + (usable - module * f64::from(modules)) / 2.0;
        for (index, &width) in widths.iter().enumerate() {
            let w = module * f64::from(width);
            if index.is_multiple_of(2) {
                self.op(&format!(
                    "{} {} {} {} re",
                    num(x),
                    num(bottom),
                    num(w),
                    num(height)
                ));
            }
            x += w;
        }
        self.op("f");
    }
}

/// PDF numbers: at most three decimals, no trailing zeros, never "-0".
fn num(value: f64) -> String {
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    match text {
        "-0" | "" => "0".to_string(),
        other => other.to_string(),
    }
}

/// The bytes between `(` and `)` of a PDF literal string in WinAnsiEncoding: printable ASCII and
/// Latin-1 pass through (WinAnsi matches Latin-1 there), delimiters are escaped, anything else is `?`.
fn pdf_string_bytes(text: &str) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(text.len());
    for c in text.chars() {
        let byte = match u32::from(c) {
            code @ (0x20..=0x7E | 0xA0..=0xFF) => code as u8,
            _ => b'?',
        };
        if matches!(byte, b'(' | b')' | b'\\') {
            bytes.push(b'\\');
        }
        bytes.push(byte);
    }
    bytes
}

const CATALOG: usize = 1;
const PAGES: usize = 2;
const PAGE: usize = 3;
const FONT_REGULAR: usize = 4;
const FONT_BOLD: usize = 5;
const CONTENTS: usize = 6;
const INFO: usize = 7;

/// Wraps a content stream in the smallest complete PDF: catalog, one page, two standard fonts.
fn assemble_pdf(content: &[u8], title: &str) -> Vec<u8> {
    let mut pdf = PdfFile::new();
    pdf.object(
        CATALOG,
        format!("<< /Type /Catalog /Pages {PAGES} 0 R >>").as_bytes(),
    );
    pdf.object(
        PAGES,
        format!("<< /Type /Pages /Kids [{PAGE} 0 R] /Count 1 >>").as_bytes(),
    );
    let page = format!(
        "<< /Type /Page /Parent {PAGES} 0 R /MediaBox [0 0 {} {}] \
         /Resources << /Font << /F1 {FONT_REGULAR} 0 R /F2 {FONT_BOLD} 0 R >> >> \
         /Contents {CONTENTS} 0 R >>",
        num(PAGE_WIDTH),
        num(PAGE_HEIGHT)
    );
    pdf.object(PAGE, page.as_bytes());
    pdf.object(FONT_REGULAR, standard_font("Helvetica").as_bytes());
    pdf.object(FONT_BOLD, standard_font("Helvetica-Bold").as_bytes());
    pdf.stream(CONTENTS, content);
    let mut info = b"<< /Producer (OMS sandbox carrier) /Title (".to_vec();
    info.extend_from_slice(&pdf_string_bytes(title));
    info.extend_from_slice(b") >>");
    pdf.object(INFO, &info);
    pdf.finish(CATALOG, INFO)
}

/// One of the 14 standard fonts every reader has, so nothing needs embedding.
fn standard_font(base_font: &str) -> String {
    format!("<< /Type /Font /Subtype /Type1 /BaseFont /{base_font} /Encoding /WinAnsiEncoding >>")
}

/// Writes objects in number order and remembers where each starts, for the cross-reference table.
struct PdfFile {
    bytes: Vec<u8>,
    offsets: Vec<usize>,
}

impl PdfFile {
    fn new() -> Self {
        // The comment of high bytes tells transfer tools the file is binary.
        let bytes = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
        PdfFile {
            bytes,
            offsets: Vec::new(),
        }
    }

    fn object(&mut self, number: usize, body: &[u8]) {
        self.begin_object(number);
        self.bytes.extend_from_slice(body);
        self.bytes.extend_from_slice(b"\nendobj\n");
    }

    fn stream(&mut self, number: usize, data: &[u8]) {
        self.begin_object(number);
        self.bytes
            .extend_from_slice(format!("<< /Length {} >>\nstream\n", data.len()).as_bytes());
        self.bytes.extend_from_slice(data);
        self.bytes.extend_from_slice(b"\nendstream\nendobj\n");
    }

    fn begin_object(&mut self, number: usize) {
        // Numbers are implied by order in the xref table, so they must arrive as 1, 2, 3...
        debug_assert_eq!(number, self.offsets.len() + 1, "PDF objects out of order");
        self.offsets.push(self.bytes.len());
        self.bytes
            .extend_from_slice(format!("{number} 0 obj\n").as_bytes());
    }

    fn finish(mut self, root: usize, info: usize) -> Vec<u8> {
        let xref_offset = self.bytes.len();
        let size = self.offsets.len() + 1;
        let mut xref = format!("xref\n0 {size}\n0000000000 65535 f \n");
        for offset in &self.offsets {
            // Each entry is exactly 20 bytes, including the two-byte " \n" line end.
            xref.push_str(&format!("{offset:010} 00000 n \n"));
        }
        xref.push_str(&format!(
            "trailer\n<< /Size {size} /Root {root} 0 R /Info {info} 0 R >>\nstartxref\n{xref_offset}\n%%EOF\n"
        ));
        self.bytes.extend_from_slice(xref.as_bytes());
        self.bytes
    }
}

/// Code 128 symbologies, subsets B (printable ASCII) and C (digit pairs).
pub(super) mod code128 {
    /// Bar/space widths in modules for symbol values 0..=105, bar first; each sums to 11.
    pub(super) const PATTERNS: [&[u8; 6]; 106] = [
        b"212222", b"222122", b"222221", b"121223", b"121322", b"131222", b"122213", b"122312",
        b"132212", b"221213", b"221312", b"231212", b"112232", b"122132", b"122231", b"113222",
        b"123122", b"123221", b"223211", b"221132", b"221231", b"213212", b"223112", b"312131",
        b"311222", b"321122", b"321221", b"312212", b"322112", b"322211", b"212123", b"212321",
        b"232121", b"111323", b"131123", b"131321", b"112313", b"132113", b"132311", b"211313",
        b"231113", b"231311", b"112133", b"112331", b"132131", b"113123", b"113321", b"133121",
        b"313121", b"211331", b"231131", b"213113", b"213311", b"213131", b"311123", b"311321",
        b"331121", b"312113", b"312311", b"332111", b"314111", b"221411", b"431111", b"111224",
        b"111422", b"121124", b"121421", b"141122", b"141221", b"112214", b"112412", b"122114",
        b"122411", b"142112", b"142211", b"241211", b"221114", b"413111", b"241112", b"134111",
        b"111242", b"121142", b"121241", b"114212", b"124112", b"124211", b"411212", b"421112",
        b"421211", b"212141", b"214121", b"412121", b"111143", b"111341", b"131141", b"114113",
        b"114311", b"411113", b"411311", b"113141", b"114131", b"311141", b"411131", b"211412",
        b"211214", b"211232",
    ];
    /// The stop symbol is the one with seven elements (13 modules): it ends on the final bar.
    pub(super) const STOP_PATTERN: &[u8; 7] = b"2331112";

    pub(super) const CODE_C: u8 = 99;
    pub(super) const CODE_B: u8 = 100;
    pub(super) const START_B: u8 = 104;
    pub(super) const START_C: u8 = 105;
    pub(super) const STOP: u8 = 106;

    /// Symbol values for `text` (start, data, checksum, stop), switching to subset C for runs of
    /// digits long enough to save space; `None` if a character isn't printable ASCII.
    pub(super) fn encode(text: &str) -> Option<Vec<u8>> {
        let bytes = text.as_bytes();
        if !bytes.iter().all(|b| (0x20..=0x7E).contains(b)) {
            return None;
        }
        let leading = digit_run(bytes, 0);
        let mut in_c = leading >= 4 && leading.is_multiple_of(2);
        let mut symbols = vec![if in_c { START_C } else { START_B }];
        let mut i = 0;
        while i < bytes.len() {
            let run = digit_run(bytes, i);
            if in_c {
                if run >= 2 {
                    symbols.push((bytes[i] - b'0') * 10 + (bytes[i + 1] - b'0'));
                    i += 2;
                    continue;
                }
                symbols.push(CODE_B);
                in_c = false;
            }
            // A switch costs one symbol, so it pays for 4 digits at either end and 6 in the middle.
            let at_edge = i == 0 || i + run == bytes.len();
            if run >= if at_edge { 4 } else { 6 } {
                // An odd run puts its first digit in B so C gets whole pairs.
                if !run.is_multiple_of(2) {
                    symbols.push(bytes[i] - 0x20);
                    i += 1;
                }
                symbols.push(CODE_C);
                in_c = true;
                continue;
            }
            symbols.push(bytes[i] - 0x20);
            i += 1;
        }
        Some(finish(symbols))
    }

    /// Symbol values for `text` using subset B only; `None` if a character isn't printable ASCII.
    /// The label always uses `encode`; this plain form lets tests check the checksum by hand.
    #[cfg(test)]
    pub(super) fn encode_subset_b(text: &str) -> Option<Vec<u8>> {
        let mut symbols = vec![START_B];
        for &byte in text.as_bytes() {
            if !(0x20..=0x7E).contains(&byte) {
                return None;
            }
            symbols.push(byte - 0x20);
        }
        Some(finish(symbols))
    }

    /// Weighted sum mod 103: the start symbol counts once, then each data symbol times its position.
    pub(super) fn checksum(start_and_data: &[u8]) -> u8 {
        let sum: usize = start_and_data
            .iter()
            .enumerate()
            .map(|(position, &value)| position.max(1) * usize::from(value))
            .sum();
        (sum % 103) as u8
    }

    /// Alternating bar and space widths, in modules, for a full symbol sequence (bar first).
    pub(super) fn element_widths(symbols: &[u8]) -> Vec<u8> {
        let mut widths = Vec::with_capacity(symbols.len() * 6 + 1);
        for &symbol in symbols {
            let pattern: &[u8] = match PATTERNS.get(usize::from(symbol)) {
                Some(pattern) => &pattern[..],
                None => &STOP_PATTERN[..],
            };
            widths.extend(pattern.iter().map(|digit| digit - b'0'));
        }
        widths
    }

    fn finish(mut symbols: Vec<u8>) -> Vec<u8> {
        symbols.push(checksum(&symbols));
        symbols.push(STOP);
        symbols
    }

    fn digit_run(bytes: &[u8], from: usize) -> usize {
        bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::code128::*;
    use super::*;

    fn module_count(widths: &[u8]) -> usize {
        widths.iter().map(|&w| usize::from(w)).sum()
    }

    #[test]
    fn every_pattern_is_eleven_modules_and_the_stop_is_thirteen() {
        for (value, pattern) in PATTERNS.iter().enumerate() {
            let widths = element_widths(&[value as u8]);
            assert_eq!(module_count(&widths), 11, "symbol {value} {pattern:?}");
        }
        assert_eq!(module_count(&element_widths(&[STOP])), 13);
        let mut distinct: Vec<_> = PATTERNS.iter().collect();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), PATTERNS.len(), "patterns must be unique");
    }

    #[test]
    fn subset_b_checksum_matches_a_hand_computed_value() {
        let text = "EZ1000000000000000001";
        let symbols = encode_subset_b(text).unwrap();
        // Subset B value = ASCII - 32: E=37, Z=58, '1'=17, '0'=16. Positions start at 1 after the
        // start symbol (104): E@1, Z@2, '1'@3, '0'@4..=20, '1'@21.
        let zeros: usize = (4..=20).map(|position| 16 * position).sum();
        let sum = 104 + 37 + 58 * 2 + 17 * 3 + zeros + 17 * 21;
        assert_eq!(sum, 3929);
        assert_eq!(sum % 103, 15);
        assert_eq!(symbols.len(), 1 + text.len() + 2);
        assert_eq!(symbols[0], START_B);
        assert_eq!(symbols[symbols.len() - 2], 15);
        assert_eq!(symbols[symbols.len() - 1], STOP);
        let widths = element_widths(&symbols);
        assert_eq!(module_count(&widths), 11 * (symbols.len() - 1) + 13);
        // Bars and spaces alternate, starting and ending on a bar.
        assert_eq!(widths.len() % 2, 1);
    }

    #[test]
    fn tracking_codes_switch_to_subset_c_for_the_digits() {
        let symbols = encode("EZ100000000000000001").unwrap();
        // Start B, E, Z, Code C, then nine digit pairs: 10, 00 x7, 01.
        let mut expected = vec![START_B, 37, 58, CODE_C, 10, 0, 0, 0, 0, 0, 0, 0, 1];
        // Hand checksum, positions from 1 after the start: E@1, Z@2, Code C@3, 10@4, the 00s
        // @5..=11 add nothing, 01@12. 104 + 37 + 58*2 + 99*3 + 10*4 + 1*12 = 606; 606 mod 103 = 91.
        assert_eq!(104 + 37 + 58 * 2 + 99 * 3 + 10 * 4 + 12, 606);
        expected.extend([91, STOP]);
        assert_eq!(symbols, expected);
        assert_eq!(module_count(&element_widths(&symbols)), 11 * 14 + 13);
    }

    #[test]
    fn mixed_text_uses_the_cheapest_subsets() {
        // All digits, even length: start straight in C.
        assert_eq!(encode("1234").unwrap()[..3], [START_C, 12, 34]);
        // Odd run of digits: the first digit goes in B, the rest in C.
        assert_eq!(encode("12345").unwrap()[..5], [START_B, 17, CODE_C, 23, 45]);
        // Short digit runs stay in B.
        assert_eq!(encode("A12B").unwrap()[..5], [START_B, 33, 17, 18, 34]);
        // Back to B after digits in the middle.
        let symbols = encode("A123456B").unwrap();
        assert_eq!(symbols[..7], [START_B, 33, CODE_C, 12, 34, 56, CODE_B]);
        assert_eq!(symbols[7], 34);
        assert!(encode("caf\u{e9}").is_none());
    }

    #[test]
    fn strings_are_escaped_and_limited_to_latin_1() {
        assert_eq!(pdf_string_bytes(r"a(b)c\d"), br"a\(b\)c\\d".to_vec());
        assert_eq!(
            pdf_string_bytes("Caf\u{e9} \u{5317}\u{4eac}\n"),
            b"Caf\xE9 ???".to_vec()
        );
    }

    #[test]
    fn recipient_lines_are_upper_cased_within_latin_1() {
        assert_eq!(
            latin_1_uppercase("zo\u{eb} stra\u{df}e h\u{ff}"),
            "ZO\u{cb} STRA\u{df}E H\u{ff}"
        );
    }

    #[test]
    fn numbers_are_short_and_never_negative_zero() {
        assert_eq!(num(288.0), "288");
        assert_eq!(num(1.5), "1.5");
        assert_eq!(num(1.23456), "1.235");
        assert_eq!(num(-0.0001), "0");
    }

    #[test]
    fn xref_offsets_point_at_their_objects() {
        let pdf = assemble_pdf(b"0 0 m 1 1 l S", "t");
        // Offsets count bytes, so stay in bytes: the binary header comment isn't UTF-8.
        let startxref = pdf.windows(10).rposition(|w| w == b"startxref\n").unwrap();
        let tail = std::str::from_utf8(&pdf[startxref + 10..]).unwrap();
        let xref_at: usize = tail.lines().next().unwrap().parse().unwrap();
        let xref = std::str::from_utf8(&pdf[xref_at..]).unwrap();
        assert!(xref.starts_with("xref\n0 8\n0000000000 65535 f \n"));
        for (number, entry) in (1..).zip(xref.lines().skip(3).take(7)) {
            assert_eq!(
                entry.len(),
                19,
                "with its newline every entry is exactly 20 bytes"
            );
            let offset: usize = entry[..10].parse().unwrap();
            assert!(
                pdf[offset..].starts_with(format!("{number} 0 obj\n").as_bytes()),
                "object {number}"
            );
        }
    }

    /// The label is a real 4x6 page: poppler renders it, and the barcode on the picture reads
    /// back as the tracking code (as a warehouse scanner would read it).
    #[test]
    fn the_label_renders_as_a_4x6_page_whose_barcode_scans_as_the_tracking_code() {
        let from = ["EXAMPLE STORE".to_string(), "1 DOCK ROAD".to_string()];
        let to = [
            "PRIYA NATARAJAN".to_string(),
            "418 RUE SAINT-PAUL O".to_string(),
        ];
        let pdf = render(&Label {
            shipment_id: "shp_render_check",
            carrier: "USPS",
            service: "Priority",
            postage: "$7.95",
            delivery_days: Some(2),
            weight_oz: 12.5,
            reference: Some("ord_render"),
            ship_date: "2026-11-22",
            from_lines: &from,
            to_lines: &to,
            tracking_code: "EZ100000000000000042",
        });
        let dir = std::env::temp_dir().join(format!("label-render-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let pdf_path = dir.join("label.pdf");
        std::fs::write(&pdf_path, &pdf).unwrap();
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
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
