//! Places a [`Document`] on A4 pages: header, address blocks, the line table (repeating its
//! header on every page), totals, sections and a footer with page numbers.

use crate::fonts::{Face, text_width};
use crate::pdf::{self, A4, Page};
use crate::{Align, Document, Table};

const LEFT: f32 = 50.0;
const RIGHT: f32 = A4.0 - 50.0;
const TOP: f32 = A4.1 - 48.0;
const BOTTOM: f32 = 70.0;
const BODY: f32 = 9.0;
const LEADING: f32 = 12.0;

/// Splits text into lines no wider than `width`, breaking at spaces (or inside a word
/// that is wider than a whole line).
fn wrap(text: &str, face: Face, size: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if text_width(&candidate, face, size) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            for c in word.chars() {
                if text_width(&format!("{line}{c}"), face, size) > width && !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                line.push(c);
            }
        }
        lines.push(line);
    }
    lines
}

struct Cursor {
    pages: Vec<Page>,
    y: f32,
}

impl Cursor {
    fn page(&mut self) -> &mut Page {
        self.pages.last_mut().expect("a page is always open")
    }

    /// Starts a new page when `height` does not fit; returns whether it did.
    fn ensure(&mut self, height: f32) -> bool {
        if self.y - height >= BOTTOM {
            return false;
        }
        self.pages.push(Page::default());
        self.y = TOP;
        true
    }

    fn right(&mut self, x_right: f32, face: Face, size: f32, text: &str) {
        let x = x_right - text_width(text, face, size);
        let y = self.y;
        self.page().text(x, y, face, size, text);
    }
}

fn table_header(c: &mut Cursor, table: &Table) {
    let y = c.y;
    c.page().band(LEFT, y - 5.0, RIGHT - LEFT, 17.0, 0.92);
    let mut x = LEFT + 4.0;
    for col in &table.columns {
        match col.align {
            Align::Left => {
                let y = c.y;
                c.page().text(x, y, Face::Bold, 8.0, &col.title);
            }
            Align::Right => c.right(x + col.width - 8.0, Face::Bold, 8.0, &col.title),
        }
        x += col.width;
    }
    c.y -= 20.0;
}

fn draw_table(c: &mut Cursor, table: &Table) {
    table_header(c, table);
    for row in &table.rows {
        let cells: Vec<Vec<String>> = table
            .columns
            .iter()
            .zip(row)
            .map(|(col, text)| match col.align {
                Align::Left => wrap(text, Face::Regular, BODY, col.width - 10.0),
                Align::Right => vec![text.clone()],
            })
            .collect();
        let height = cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * LEADING + 4.0;
        if c.ensure(height) {
            table_header(c, table);
        }
        let mut x = LEFT + 4.0;
        for (col, lines) in table.columns.iter().zip(&cells) {
            for (i, line) in lines.iter().enumerate() {
                let y = c.y - i as f32 * LEADING;
                match col.align {
                    Align::Left => c.page().text(x, y, Face::Regular, BODY, line),
                    Align::Right => {
                        let w = text_width(line, Face::Regular, BODY);
                        c.page()
                            .text(x + col.width - 8.0 - w, y, Face::Regular, BODY, line);
                    }
                }
            }
            x += col.width;
        }
        c.y -= height;
        let y = c.y + LEADING - 3.0;
        c.page().rule(LEFT, RIGHT, y, 0.3, 0.8);
    }
}

fn draw_blocks(c: &mut Cursor, doc: &Document) {
    for (i, line) in doc.sender.iter().enumerate() {
        let (face, size) = if i == 0 {
            (Face::Bold, 13.0)
        } else {
            (Face::Regular, 8.0)
        };
        let y = c.y;
        c.page().text(LEFT, y, face, size, line);
        c.y -= if i == 0 { 15.0 } else { 10.0 };
    }
    c.y = c.y.min(TOP - 70.0) - 10.0;
    let y = c.y;
    c.page().text(LEFT, y, Face::Bold, 18.0, &doc.heading);
    c.y -= 30.0;
    let top = c.y;
    for (i, line) in doc.recipient.iter().enumerate() {
        let face = if i == 0 { Face::Bold } else { Face::Regular };
        let y = top - i as f32 * LEADING;
        c.page().text(LEFT, y, face, 10.0, line);
    }
    for (i, (label, value)) in doc.facts.iter().enumerate() {
        let y = top - i as f32 * LEADING;
        c.page().text(340.0, y, Face::Regular, BODY, label);
        c.y = y;
        c.right(RIGHT, Face::Bold, BODY, value);
    }
    let rows = doc.recipient.len().max(doc.facts.len()) as f32;
    c.y = top - rows * LEADING - 18.0;
}

fn draw_totals(c: &mut Cursor, totals: &[(String, String, bool)]) {
    c.y -= 6.0;
    for (label, value, strong) in totals {
        c.ensure(LEADING + 4.0);
        let face = if *strong { Face::Bold } else { Face::Regular };
        let size = if *strong { 10.5 } else { BODY };
        if *strong {
            let y = c.y + LEADING - 2.0;
            c.page().rule(330.0, RIGHT, y, 0.6, 0.2);
        }
        let y = c.y;
        c.page().text(340.0, y, face, size, label);
        c.right(RIGHT, face, size, value);
        c.y -= LEADING + if *strong { 4.0 } else { 0.0 };
    }
}

fn draw_sections(c: &mut Cursor, sections: &[(String, String)]) {
    for (title, body) in sections {
        c.y -= 10.0;
        c.ensure(2.0 * LEADING);
        let y = c.y;
        c.page().text(LEFT, y, Face::Bold, 10.0, title);
        c.y -= LEADING + 2.0;
        for line in wrap(body, Face::Regular, BODY, RIGHT - LEFT) {
            c.ensure(LEADING);
            let y = c.y;
            c.page().text(LEFT, y, Face::Regular, BODY, &line);
            c.y -= LEADING;
        }
    }
}

/// The document as a PDF file.
pub fn render(doc: &Document) -> Vec<u8> {
    let mut c = Cursor {
        pages: vec![Page::default()],
        y: TOP,
    };
    draw_blocks(&mut c, doc);
    draw_table(&mut c, &doc.table);
    draw_totals(&mut c, &doc.totals);
    draw_sections(&mut c, &doc.sections);
    let count = c.pages.len();
    for (i, page) in c.pages.iter_mut().enumerate() {
        page.rule(LEFT, RIGHT, 48.0, 0.4, 0.7);
        for (n, line) in wrap(&doc.footer, Face::Regular, 7.0, 400.0)
            .iter()
            .take(2)
            .enumerate()
        {
            page.text(LEFT, 38.0 - n as f32 * 9.0, Face::Regular, 7.0, line);
        }
        let number = format!("Page {} of {count}", i + 1);
        let w = text_width(&number, Face::Regular, 7.0);
        page.text(RIGHT - w, 38.0, Face::Regular, 7.0, &number);
    }
    pdf::write(&c.pages, &doc.heading)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Column;

    fn doc(rows: usize) -> Document {
        Document {
            sender: vec!["Acme GmbH".into(), "Street 1, Berlin".into()],
            heading: "Quote Q-00001".into(),
            recipient: vec!["Globex (Ümlaut) Ltd".into()],
            facts: vec![("Valid until".into(), "2026-04-01".into())],
            table: Table {
                columns: vec![
                    Column::new("Description", 300.0, Align::Left),
                    Column::new("Net", 195.0, Align::Right),
                ],
                rows: (0..rows)
                    .map(|i| {
                        vec![
                            format!(
                                "Line {i} with a long description that wraps over the column edge"
                            ),
                            "1.00".into(),
                        ]
                    })
                    .collect(),
            },
            totals: vec![("Total".into(), "EUR 1.00".into(), true)],
            sections: vec![("Terms".into(), "Net 30 days.".into())],
            footer: "Acme GmbH · VAT DE123".into(),
        }
    }

    #[test]
    fn wraps_at_spaces_and_inside_overlong_words() {
        let lines = wrap("alpha beta gamma", Face::Regular, 10.0, 60.0);
        assert_eq!(lines, vec!["alpha beta", "gamma"]);
        let long = wrap(&"x".repeat(40), Face::Regular, 10.0, 50.0);
        assert!(
            long.len() > 1
                && long
                    .iter()
                    .all(|l| text_width(l, Face::Regular, 10.0) <= 50.0)
        );
    }

    #[test]
    fn renders_a_well_formed_pdf_and_continues_long_tables() {
        let one = render(&doc(3));
        let text = String::from_utf8_lossy(&one);
        assert!(text.starts_with("%PDF-1.7"));
        assert!(text.trim_end().ends_with("%%EOF"));
        assert!(text.contains("/Count 1 "));
        assert!(text.contains("(Quote Q-00001)"));
        assert!(text.contains("(Globex \\(\\334mlaut\\) Ltd)"));
        // The cross-reference table points at each object's start.
        let xref_at: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert!(one[xref_at..].starts_with(b"xref"));
        let many = String::from_utf8_lossy(&render(&doc(120))).to_string();
        let pages = many.matches("/Type /Page ").count();
        assert!(pages > 1);
        assert!(many.contains(&format!("/Count {pages} ")));
        assert!(many.contains(&format!("(Page {pages} of {pages})")));
        // The table header repeats on every page the table continues on.
        let headers = many.matches("(Description)").count();
        assert!(headers > 1 && headers <= pages);
    }
}
