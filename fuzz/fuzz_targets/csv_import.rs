//! Any uploaded file, read the way the importer reads it: header detection for every kind and
//! preset, then every row turned into a lead or a product. Rejections are fine; panics are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use salesflow_domain::import::{ImportKind, Mapping, Preset, lead_row, product_row};
use salesflow_domain::money::Currency;

const KINDS: [ImportKind; 4] = [
    ImportKind::Leads,
    ImportKind::Contacts,
    ImportKind::Accounts,
    ImportKind::Products,
];
const PRESETS: [Preset; 4] = [Preset::Auto, Preset::Salesforce, Preset::Hubspot, Preset::Salesflow];

fuzz_target!(|data: &[u8]| {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(data);
    let Ok(headers) = reader.byte_headers() else {
        return;
    };
    let headers: Vec<String> = headers
        .iter()
        .map(|h| String::from_utf8_lossy(h).into_owned())
        .collect();
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let rows: Vec<Vec<String>> = reader
        .byte_records()
        .take(64)
        .filter_map(Result::ok)
        .map(|r| r.iter().map(|c| String::from_utf8_lossy(c).into_owned()).collect())
        .collect();
    let currency = Currency::parse("EUR").expect("EUR");
    let tax_keys = vec!["standard".to_string(), "reduced".to_string()];
    for kind in KINDS {
        for preset in PRESETS {
            let Ok(mapping) = Mapping::detect(kind, preset, &header_refs) else {
                continue;
            };
            for row in &rows {
                let cells: Vec<&str> = row.iter().map(String::as_str).collect();
                match kind {
                    ImportKind::Leads => drop(lead_row(&mapping, &cells)),
                    ImportKind::Products => {
                        drop(product_row(&mapping, &cells, currency, &tax_keys))
                    }
                    _ => drop(mapping.value(&cells, "name")),
                }
            }
        }
    }
});
