//! Amounts, currencies and quote lines as people type them. Whatever parses must print back to
//! the same value; nothing may panic or overflow.
#![no_main]

use libfuzzer_sys::fuzz_target;
use salesflow_domain::money::{Currency, Money};
use salesflow_domain::quote::lines::parse_text_line;

fuzz_target!(|text: &str| {
    let _ = Currency::parse(text);
    for code in ["EUR", "JPY", "KWD"] {
        let currency = Currency::parse(code).expect("currency");
        if let Ok(money) = Money::parse(text, currency) {
            let again = Money::parse(&money.amount_text(), currency);
            assert_eq!(again, Ok(money), "{text:?} printed as {:?}", money.amount_text());
        }
    }
    for line in text.lines().take(32) {
        let _ = parse_text_line(1, line);
    }
});
