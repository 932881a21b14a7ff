//! Quote, delivery note and invoice PDFs laid out from whatever text the records hold: long
//! words, any script, empty cells, many rows. The renderer must always produce a PDF.
#![no_main]

use libfuzzer_sys::fuzz_target;
use salesflow_documents::{Align, Column, Document, Table, render};

fuzz_target!(|text: &str| {
    let mut parts = text.split('\u{1f}').map(str::to_string);
    let mut next = || parts.next().unwrap_or_default();
    let lines = |s: String| s.lines().map(str::to_string).collect::<Vec<_>>();
    let sender = lines(next());
    let heading = next();
    let recipient = lines(next());
    let columns = vec![
        Column::new("Item", 245.0, Align::Left),
        Column::new("Qty", 60.0, Align::Right),
        Column::new("Price", 90.0, Align::Right),
        Column::new("Amount", 100.0, Align::Right),
    ];
    let cells = lines(next());
    let rows = cells.chunks(4).map(<[String]>::to_vec).collect();
    let document = Document {
        sender,
        heading,
        recipient,
        facts: vec![("Date".into(), next()), (next(), next())],
        table: Table { columns, rows },
        totals: vec![("Net".into(), next(), false), ("Total".into(), next(), true)],
        sections: vec![("Terms".into(), next()), (next(), next())],
        footer: next(),
    };
    let pdf = render(&document);
    assert!(pdf.starts_with(b"%PDF"), "not a PDF");
});
