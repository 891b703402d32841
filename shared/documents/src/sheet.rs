//! Pages (A4 unless told) drawn with the embedded font: text at a position (regular or bold, left
//! or right aligned, black or a gray), rules, lines, boxes; written as one PDF whose bytes depend
//! only on what was drawn (no dates, no random ids), so the same document always gives the same
//! file.

use pdf_writer::types::TextRenderingMode;
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str};

use crate::font::{FontError, FontRefs, FontUse};

pub const WIDTH: f32 = 595.28;
pub const HEIGHT: f32 = 841.89;
pub const MARGIN: f32 = 48.0;
/// Where a page's content stops, leaving room for the footer.
pub const BOTTOM: f32 = MARGIN + 24.0;
pub const TOP: f32 = HEIGHT - MARGIN;

const FONT: Name = Name(b"F1");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

pub struct Sheet {
    font: FontUse,
    pages: Vec<Content>,
    size: (f32, f32),
    /// The gray text is drawn in (0 black).
    ink: f32,
}

impl Sheet {
    /// A4 pages.
    pub fn new() -> Result<Self, FontError> {
        Self::with_page(WIDTH, HEIGHT)
    }

    /// Pages `width` by `height` points (a 4x6 inch label: 288 by 432).
    pub fn with_page(width: f32, height: f32) -> Result<Self, FontError> {
        Ok(Self {
            font: FontUse::new()?,
            pages: vec![Content::new()],
            size: (width, height),
            ink: 0.0,
        })
    }

    /// Text drawn from now on is `gray` (0 black, 1 white).
    pub fn ink(&mut self, gray: f32) {
        self.ink = gray;
    }

    pub fn new_page(&mut self) {
        self.pages.push(Content::new());
    }

    fn page(&mut self) -> &mut Content {
        self.pages.last_mut().expect("a sheet always has a page")
    }

    pub fn width(&self, text: &str, size: f32) -> f32 {
        self.font.width(text, size)
    }

    /// Draws `text` with its baseline starting at (`x`, `y`), cut to `max` points wide (ending in
    /// an ellipsis when it was cut).
    pub fn text_within(&mut self, x: f32, y: f32, size: f32, weight: Weight, text: &str, max: f32) {
        let fitted = self.fit(text, size, max);
        self.text(x, y, size, weight, &fitted);
    }

    /// `text` cut to fit `max` points, ending in an ellipsis when it was cut.
    fn fit(&self, text: &str, size: f32, max: f32) -> String {
        if self.width(text, size) <= max {
            return text.to_string();
        }
        let mut fitted: String = text.to_string();
        while !fitted.is_empty() && self.width(&format!("{fitted}…"), size) > max {
            fitted.pop();
        }
        format!("{}…", fitted.trim_end())
    }

    /// Draws `text` with its baseline starting at (`x`, `y`).
    pub fn text(&mut self, x: f32, y: f32, size: f32, weight: Weight, text: &str) {
        let codes = self.font.encode(text);
        let ink = self.ink;
        let page = self.page();
        page.set_fill_gray(ink);
        page.set_stroke_gray(ink);
        page.begin_text();
        page.set_font(FONT, size);
        if weight == Weight::Bold {
            // One font file: bold is the regular outline drawn with a stroke around it.
            page.set_text_rendering_mode(TextRenderingMode::FillStroke);
            page.set_line_width(size * 0.035);
        }
        page.set_text_matrix([1.0, 0.0, 0.0, 1.0, x, y]);
        page.show(Str(&codes));
        if weight == Weight::Bold {
            page.set_text_rendering_mode(TextRenderingMode::Fill);
        }
        page.end_text();
        page.set_fill_gray(0.0);
        page.set_stroke_gray(0.0);
    }

    /// Draws `text` so that it ends at `right`.
    pub fn text_right(&mut self, right: f32, y: f32, size: f32, weight: Weight, text: &str) {
        let x = right - self.width(text, size);
        self.text(x, y, size, weight, text);
    }

    /// A horizontal line from `x1` to `x2`.
    pub fn rule(&mut self, x1: f32, x2: f32, y: f32, thickness: f32) {
        let page = self.page();
        page.set_line_width(thickness);
        page.move_to(x1, y);
        page.line_to(x2, y);
        page.stroke();
    }

    /// The outline of a box.
    pub fn frame(&mut self, x: f32, y: f32, width: f32, height: f32, thickness: f32) {
        let page = self.page();
        page.set_line_width(thickness);
        page.rect(x, y, width, height);
        page.stroke();
    }

    /// A filled box, `gray` from 0 (black) to 1 (white).
    pub fn fill(&mut self, x: f32, y: f32, width: f32, height: f32, gray: f32) {
        let page = self.page();
        page.set_fill_gray(gray);
        page.rect(x, y, width, height);
        page.fill_nonzero();
        page.set_fill_gray(0.0);
    }

    /// The PDF, every page footed with `footer` and "page i of n" when there is one.
    pub fn finish(mut self, footer: Option<&str>) -> Result<Vec<u8>, FontError> {
        let count = self.pages.len();
        for i in (0..count).filter(|_| footer.is_some()) {
            let footer = footer.unwrap_or_default();
            let label = format!("{footer} · page {} of {count}", i + 1);
            let codes = self.font.encode(&label);
            let page = &mut self.pages[i];
            page.set_fill_gray(0.4);
            page.begin_text();
            page.set_font(FONT, 8.0);
            page.set_text_matrix([1.0, 0.0, 0.0, 1.0, MARGIN, MARGIN]);
            page.show(Str(&codes));
            page.end_text();
            page.set_fill_gray(0.0);
        }

        let mut pdf = Pdf::new();
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let refs = FontRefs {
            font: Ref::new(3),
            cid_font: Ref::new(4),
            descriptor: Ref::new(5),
            file: Ref::new(6),
            to_unicode: Ref::new(7),
        };
        let page_ref = |i: usize| Ref::new(8 + 2 * i as i32);
        let content_ref = |i: usize| Ref::new(9 + 2 * i as i32);
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree)
            .kids((0..count).map(page_ref))
            .count(count as i32);
        for (i, content) in self.pages.into_iter().enumerate() {
            let mut page = pdf.page(page_ref(i));
            page.media_box(Rect::new(0.0, 0.0, self.size.0, self.size.1))
                .parent(tree)
                .contents(content_ref(i));
            page.resources().fonts().pair(FONT, refs.font);
            page.finish();
            let stream = miniz_oxide::deflate::compress_to_vec_zlib(&content.finish(), 6);
            pdf.stream(content_ref(i), &stream)
                .filter(Filter::FlateDecode);
        }
        self.font.write(&mut pdf, &refs)?;
        Ok(pdf.finish())
    }
}
