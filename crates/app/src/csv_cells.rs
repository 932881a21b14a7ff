//! The one way salesflow writes CSV: every cell a spreadsheet would run as a formula gets a
//! leading `'` (OWASP's CSV-injection guard), and the importer takes that guard off again, so
//! an exported file imports unchanged (a `+49 …` phone stays `+49 …`).

use std::borrow::Cow;
use std::io::Write;

use crate::error::{AppError, AppResult};

/// What a formula cell starts with in Excel, LibreOffice or Google Sheets.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The cell as written to a file: guarded when a spreadsheet would evaluate it.
pub fn guard(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// The cell as read from a file: a guard written by [`guard`] is taken off.
pub fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

/// A CSV writer whose every cell goes through [`guard`].
pub struct CsvOut<W: Write> {
    inner: csv::Writer<W>,
    flexible: bool,
}

fn writer<W: Write>(out: W, flexible: bool) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .flexible(flexible)
        .from_writer(out)
}

impl<W: Write> CsvOut<W> {
    pub fn new(out: W) -> Self {
        Self {
            inner: writer(out, false),
            flexible: false,
        }
    }

    /// Rows may differ in length (rejected import rows are written back as they came).
    pub fn flexible(out: W) -> Self {
        Self {
            inner: writer(out, true),
            flexible: true,
        }
    }

    pub fn row<I, S>(&mut self, cells: I) -> AppResult<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let guarded: Vec<String> = cells
            .into_iter()
            .map(|c| guard(c.as_ref()).into_owned())
            .collect();
        self.inner
            .write_record(&guarded)
            .map_err(|e| AppError::Internal(format!("csv: {e}")))
    }

    /// Flushes and hands back what was written to.
    pub fn finish(self) -> AppResult<W> {
        self.inner
            .into_inner()
            .map_err(|e| AppError::Internal(format!("csv: {e}")))
    }
}

impl CsvOut<Vec<u8>> {
    /// Takes what was written so far (for streaming a long file in pieces).
    pub fn take(&mut self) -> AppResult<Vec<u8>> {
        let full = std::mem::replace(&mut self.inner, writer(Vec::new(), self.flexible));
        full.into_inner()
            .map_err(|e| AppError::Internal(format!("csv: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_guarded_and_the_guard_comes_off_on_import() {
        for cell in ["=1+1", "+49 30 1234567", "-5", "@SUM(A1)", "\tx", "\rx"] {
            let written = guard(cell);
            assert!(written.starts_with('\''), "{cell:?}");
            assert_eq!(unguard(&written), cell);
        }
        for cell in ["plain", "it's", "'quoted", "", "1-2"] {
            assert_eq!(guard(cell), cell);
            assert_eq!(unguard(cell), cell);
        }
    }

    #[test]
    fn the_writer_guards_every_cell_and_streams_in_pieces() {
        let mut out = CsvOut::new(Vec::new());
        out.row(["name", "phone"]).unwrap();
        out.row(["=HYPERLINK(\"x\")", "+49 30"]).unwrap();
        let first = out.take().unwrap();
        out.row(["b", "c"]).unwrap();
        let rest = out.finish().unwrap();
        let text = String::from_utf8(first).unwrap() + &String::from_utf8(rest).unwrap();
        assert_eq!(
            text,
            "name,phone\n\"'=HYPERLINK(\"\"x\"\")\",'+49 30\nb,c\n"
        );
    }
}
