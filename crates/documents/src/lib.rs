//! Printable documents as PDF, written directly: A4 pages, the standard Helvetica fonts
//! (no font embedding, so files stay small and need nothing from the system), text laid out
//! with the fonts' real glyph widths, long tables continued on following pages.
//!
//! The layout is described by [`Document`]; the quote, order and (later) invoice views
//! fill one in and call [`render`].

mod fonts;
mod layout;
mod pdf;

pub use layout::render;

/// A business document as the layout needs it: all text already formatted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    /// The issuing company, first line bold.
    pub sender: Vec<String>,
    /// Big title, e.g. "Quote Q-00012".
    pub heading: String,
    /// The customer's address block.
    pub recipient: Vec<String>,
    /// Label/value pairs printed beside the recipient (date, validity, currency …).
    pub facts: Vec<(String, String)>,
    pub table: Table,
    /// Label/value rows under the table, right-aligned; `true` makes a row bold.
    pub totals: Vec<(String, String, bool)>,
    /// Titled paragraphs after the totals (terms, tax notes, signature).
    pub sections: Vec<(String, String)>,
    /// Small print at the bottom of every page.
    pub footer: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub title: String,
    /// Share of the table width, in points (A4 text width is 495).
    pub width: f32,
    pub align: Align,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<String>>,
}

impl Column {
    pub fn new(title: &str, width: f32, align: Align) -> Self {
        Self {
            title: title.into(),
            width,
            align,
        }
    }
}
