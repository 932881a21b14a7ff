//! Glyph widths of the two standard fonts used, read from their AFM files once.

use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Regular,
    Bold,
}

impl Face {
    /// The resource name used in page content.
    pub fn resource(self) -> &'static str {
        match self {
            Face::Regular => "F1",
            Face::Bold => "F2",
        }
    }

    pub fn base_font(self) -> &'static str {
        match self {
            Face::Regular => "Helvetica",
            Face::Bold => "Helvetica-Bold",
        }
    }
}

/// Widths in 1/1000 em for codes 0–255 of WinAnsiEncoding.
struct Widths([u16; 256]);

fn parse(afm: &str) -> Widths {
    // Codes outside ASCII are not numbered in the AFM (standard encoding); Latin-1 letters
    // get the width of a typical letter of their case, close enough for layout.
    let mut widths = [556u16; 256];
    widths[0xC0..=0xDE].fill(667);
    for line in afm.lines().filter(|l| l.starts_with("C ")) {
        let mut code = None;
        let mut width = None;
        for part in line.split(';').map(str::trim) {
            if let Some(c) = part.strip_prefix("C ") {
                code = c.trim().parse::<i32>().ok();
            } else if let Some(w) = part.strip_prefix("WX ") {
                width = w.trim().parse::<u16>().ok();
            }
        }
        if let (Some(c @ 32..=126), Some(w)) = (code, width) {
            widths[c as usize] = w;
        }
    }
    // WinAnsi has quotesingle and grave where the standard encoding has the curly quotes:
    // quotesingle is 191 in Helvetica and 238 in the bold face (told apart by '"').
    widths[39] = if widths[34] > 400 { 238 } else { 191 };
    widths[96] = 333;
    widths[0x80] = 556;
    Widths(widths)
}

fn widths(face: Face) -> &'static Widths {
    static REGULAR: OnceLock<Widths> = OnceLock::new();
    static BOLD: OnceLock<Widths> = OnceLock::new();
    match face {
        Face::Regular => REGULAR.get_or_init(|| parse(include_str!("../fonts/Helvetica.afm"))),
        Face::Bold => BOLD.get_or_init(|| parse(include_str!("../fonts/Helvetica-Bold.afm"))),
    }
}

/// The WinAnsi byte for a character; characters the encoding lacks print as '?'.
pub fn encode(c: char) -> u8 {
    match c {
        ' '..='~' => c as u8,
        '€' => 0x80,
        '\u{a0}'..='\u{ff}' => c as u32 as u8,
        '–' => 0x96,
        '—' => 0x97,
        '’' => 0x92,
        '“' => 0x93,
        '”' => 0x94,
        '•' => 0x95,
        _ => b'?',
    }
}

/// The width of `text` at `size` points.
pub fn text_width(text: &str, face: Face, size: f32) -> f32 {
    let w = widths(face);
    let units: u32 = text
        .chars()
        .map(|c| u32::from(w.0[encode(c) as usize]))
        .sum();
    units as f32 * size / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_come_from_the_metrics() {
        // Helvetica: space 278, 'M' 833, digits 556; bold 'M' 833, bold 'a' 556.
        assert_eq!(text_width(" ", Face::Regular, 1000.0), 278.0);
        assert_eq!(text_width("M", Face::Regular, 1000.0), 833.0);
        assert_eq!(text_width("0123", Face::Regular, 10.0), 22.24);
        assert!(text_width("Total", Face::Bold, 10.0) > text_width("Total", Face::Regular, 10.0));
        assert_eq!(encode('€'), 0x80);
        assert_eq!(encode('ü'), 0xFC);
        assert_eq!(encode('漢'), b'?');
    }
}
