//! Printable documents: invoices, credit notes and packing slips as PDF (and, through `sheet` and
//! `barcode`, the sandbox carrier's labels). Text is drawn with an
//! embedded, subset font (DejaVu Sans, see `fonts/LICENSE-DejaVu.txt`) so every Latin, Greek and
//! Cyrillic name prints as real text a reader can search and copy. Characters it has no glyph for
//! (Chinese, Japanese, Korean) print as an empty box; the order keeps them intact.
//!
//! The bytes depend only on the document: no creation date, no random id. An issued invoice is
//! drawn again, byte for byte, from its stored record.

pub mod barcode;
mod font;
mod invoice;
mod packing_slip;
pub mod sheet;
mod text;

pub use font::FontError;
pub use invoice::invoice_pdf;
pub use packing_slip::{packing_slip_pdf, PackedLine, PackingSlip};

#[cfg(test)]
mod tests;
