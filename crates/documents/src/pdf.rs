//! The PDF file format itself: numbered objects, a cross-reference table and a trailer.
//! Only what these documents need: pages, content streams and the two standard fonts.

use crate::fonts::{Face, encode};
use std::fmt::Write as _;

/// Drawing operations of one page, in PDF content-stream syntax.
#[derive(Default)]
pub struct Page {
    ops: String,
}

fn literal(text: &str) -> String {
    let mut out = String::from("(");
    for c in text.chars() {
        match encode(c) {
            b'(' => out.push_str("\\("),
            b')' => out.push_str("\\)"),
            b'\\' => out.push_str("\\\\"),
            b @ 32..=126 => out.push(b as char),
            b => {
                let _ = write!(out, "\\{b:03o}");
            }
        }
    }
    out.push(')');
    out
}

impl Page {
    /// Text with its baseline starting at (x, y), in points from the bottom left.
    pub fn text(&mut self, x: f32, y: f32, face: Face, size: f32, text: &str) {
        let _ = writeln!(
            self.ops,
            "BT /{} {size:.1} Tf {x:.2} {y:.2} Td {} Tj ET",
            face.resource(),
            literal(text)
        );
    }

    /// A horizontal rule.
    pub fn rule(&mut self, x1: f32, x2: f32, y: f32, width: f32, grey: f32) {
        let _ = writeln!(
            self.ops,
            "{grey:.2} G {width:.2} w {x1:.2} {y:.2} m {x2:.2} {y:.2} l S"
        );
    }

    /// A filled grey rectangle (table header band).
    pub fn band(&mut self, x: f32, y: f32, w: f32, h: f32, grey: f32) {
        let _ = writeln!(self.ops, "{grey:.2} g {x:.2} {y:.2} {w:.2} {h:.2} re f 0 g");
    }
}

pub const A4: (f32, f32) = (595.28, 841.89);

/// Serialises pages into a complete PDF file.
pub fn write(pages: &[Page], title: &str) -> Vec<u8> {
    let mut out: Vec<u8> = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets: Vec<usize> = Vec::new();
    let mut object = |out: &mut Vec<u8>, body: &[u8]| {
        offsets.push(out.len());
        let n = offsets.len();
        out.extend_from_slice(format!("{n} 0 obj\n").as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    };
    // 1 catalog, 2 page tree, 3–4 fonts, 5 info, then a page and its content per page.
    let first_page = 6;
    let kids: Vec<String> = (0..pages.len())
        .map(|i| format!("{} 0 R", first_page + 2 * i))
        .collect();
    object(&mut out, b"<< /Type /Catalog /Pages 2 0 R >>");
    object(
        &mut out,
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        )
        .as_bytes(),
    );
    for face in [Face::Regular, Face::Bold] {
        object(
            &mut out,
            format!(
                "<< /Type /Font /Subtype /Type1 /BaseFont /{} /Encoding /WinAnsiEncoding >>",
                face.base_font()
            )
            .as_bytes(),
        );
    }
    object(
        &mut out,
        format!("<< /Title {} /Producer (salesflow) >>", literal(title)).as_bytes(),
    );
    for (i, page) in pages.iter().enumerate() {
        let content = first_page + 2 * i + 1;
        object(
            &mut out,
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {} {}] /Contents {content} 0 R \
                 /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> >>",
                A4.0, A4.1
            )
            .as_bytes(),
        );
        let mut stream = format!("<< /Length {} >>\nstream\n", page.ops.len()).into_bytes();
        stream.extend_from_slice(page.ops.as_bytes());
        stream.extend_from_slice(b"\nendstream");
        object(&mut out, &stream);
    }
    let xref = out.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1);
    for offset in &offsets {
        let _ = writeln!(table, "{offset:010} 00000 n ");
    }
    let _ = write!(
        table,
        "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        offsets.len() + 1
    );
    out.extend_from_slice(table.as_bytes());
    out
}
