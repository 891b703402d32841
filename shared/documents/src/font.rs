//! The one embedded font (DejaVu Sans: Latin, Greek and Cyrillic), subset to the glyphs a
//! document uses, so text is real, searchable and copyable, and the file stays small.

use std::collections::BTreeMap;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};
use subsetter::GlyphRemapper;
use ttf_parser::{Face, GlyphId};

const DEJAVU_SANS: &[u8] = include_bytes!("../fonts/DejaVuSans-subset.ttf");
const BASE_FONT: &[u8] = b"OMSDOC+DejaVuSans";

/// The PDF objects the font is written as.
pub struct FontRefs {
    pub font: Ref,
    pub cid_font: Ref,
    pub descriptor: Ref,
    pub file: Ref,
    pub to_unicode: Ref,
}

#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error("the embedded font cannot be read: {0}")]
    Parse(#[from] ttf_parser::FaceParsingError),
    #[error("the embedded font cannot be subset: {0}")]
    Subset(#[from] subsetter::Error),
}

/// The glyphs a document has drawn so far, numbered in the subset as they are first used.
pub struct FontUse {
    face: Face<'static>,
    remapper: GlyphRemapper,
    /// Subset glyph id to its advance (thousandths of the font size) and the character it draws.
    glyphs: BTreeMap<u16, (f32, char)>,
}

impl FontUse {
    pub fn new() -> Result<Self, FontError> {
        Ok(Self {
            face: Face::parse(DEJAVU_SANS, 0)?,
            remapper: GlyphRemapper::new(),
            glyphs: BTreeMap::new(),
        })
    }

    fn advance(&self, glyph: GlyphId) -> f32 {
        let advance = self.face.glyph_hor_advance(glyph).unwrap_or(0);
        f32::from(advance) * 1000.0 / f32::from(self.face.units_per_em())
    }

    /// How wide `text` is at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| self.advance(self.face.glyph_index(printable(c)).unwrap_or(GlyphId(0))))
            .sum::<f32>()
            * size
            / 1000.0
    }

    /// `text` as the two-byte glyph codes of the subset (`Identity-H`). A character the font has
    /// no glyph for (CJK among them) draws as the font's empty box.
    pub fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut codes = Vec::with_capacity(text.len() * 2);
        for c in text.chars().map(printable) {
            let glyph = self.face.glyph_index(c).unwrap_or(GlyphId(0));
            let code = self.remapper.remap(glyph.0);
            let advance = self.advance(glyph);
            self.glyphs.entry(code).or_insert((advance, c));
            codes.extend_from_slice(&code.to_be_bytes());
        }
        codes
    }

    /// Writes the subset font, its metrics and its map back to Unicode.
    pub fn write(self, pdf: &mut Pdf, refs: &FontRefs) -> Result<(), FontError> {
        let subset = subsetter::subset(DEJAVU_SANS, 0, &self.remapper)?;
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(&subset, 6);
        pdf.stream(refs.file, &compressed)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), subset.len() as i32);

        let scale = 1000.0 / f32::from(self.face.units_per_em());
        let bbox = self.face.global_bounding_box();
        let ascent = f32::from(self.face.ascender()) * scale;
        pdf.font_descriptor(refs.descriptor)
            .name(Name(BASE_FONT))
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(
                f32::from(bbox.x_min) * scale,
                f32::from(bbox.y_min) * scale,
                f32::from(bbox.x_max) * scale,
                f32::from(bbox.y_max) * scale,
            ))
            .italic_angle(0.0)
            .ascent(ascent)
            .descent(f32::from(self.face.descender()) * scale)
            .cap_height(
                self.face
                    .capital_height()
                    .map_or(ascent, |h| f32::from(h) * scale),
            )
            .stem_v(80.0)
            .font_file2(refs.file);

        let system = || SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        let count = self.remapper.num_gids();
        let widths: Vec<f32> = (0..count)
            .map(|code| self.glyphs.get(&code).map_or(0.0, |(w, _)| *w))
            .collect();
        let mut cid = pdf.cid_font(refs.cid_font);
        cid.subtype(CidFontType::Type2)
            .base_font(Name(BASE_FONT))
            .system_info(system())
            .font_descriptor(refs.descriptor)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        cid.widths().consecutive(0, widths);
        cid.finish();

        pdf.type0_font(refs.font)
            .base_font(Name(BASE_FONT))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(refs.cid_font)
            .to_unicode(refs.to_unicode);

        let mut cmap = UnicodeCmap::<u16>::new(Name(b"OMS-UCS"), system());
        for (code, (_, c)) in &self.glyphs {
            if *code != 0 {
                cmap.pair(*code, *c);
            }
        }
        pdf.cmap(refs.to_unicode, &cmap.finish());
        Ok(())
    }
}

/// Control characters (a tab or newline inside a name) print as a space.
fn printable(c: char) -> char {
    if c.is_control() {
        ' '
    } else {
        c
    }
}
