//! A Code 128 barcode drawn as bars, so a warehouse scanner reads the order name off the slip.

use barcoders::sym::code128::Code128;

use crate::sheet::Sheet;

const MODULE: f32 = 1.0;

/// Draws `text` as Code 128 (character set B: printable ASCII) with its bottom left at
/// (`x`, `y`); nothing when `text` cannot be encoded (empty or not printable ASCII).
pub fn draw(sheet: &mut Sheet, text: &str, x: f32, y: f32, height: f32) {
    if text.is_empty() || !text.bytes().all(|b| (32..127).contains(&b)) {
        return;
    }
    let Ok(code) = Code128::new(format!("Ɓ{text}")) else {
        return;
    };
    let modules = code.encode();
    let mut run_start = None;
    for (i, module) in modules.iter().chain(std::iter::once(&0)).enumerate() {
        match (*module == 1, run_start) {
            (true, None) => run_start = Some(i),
            (false, Some(start)) => {
                let width = (i - start) as f32 * MODULE;
                sheet.fill(x + start as f32 * MODULE, y, width, height, 0.0);
                run_start = None;
            }
            _ => {}
        }
    }
}
