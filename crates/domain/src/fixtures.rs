//! Documents for unit tests: a small catalogue, quotes, and orders made from them.

use crate::ids::{ProductId, QuoteId, SalesOrderId, UserId};
use crate::money::Currency;
use crate::product::{Product, ProductDetails, ProductInput};
use crate::quote::lines::{self, Catalogue, LinesInput};
use crate::quote::{Quote, QuoteDetails, QuoteInput, QuoteStart};
use crate::record::RecordMeta;
use crate::sales_order::{SalesOrder, Signature};
use crate::tax::TaxSettings;
use jiff::Timestamp;
use jiff::civil::Date;
use uuid::Uuid;

pub(crate) fn eur() -> Currency {
    Currency::parse("EUR").unwrap()
}

pub(crate) fn now() -> Timestamp {
    "2026-03-02T10:00:00Z".parse().unwrap()
}

pub(crate) fn today() -> Date {
    "2026-03-02".parse().unwrap()
}

pub(crate) fn meta() -> RecordMeta {
    RecordMeta::new(UserId(Uuid::nil()), None, now())
}

pub(crate) fn product(sku: &str, price: &str, tax: &str) -> Product {
    let keys: Vec<String> = TaxSettings::default()
        .categories
        .into_iter()
        .map(|c| c.key)
        .collect();
    let input = ProductInput {
        sku: Some(sku.into()),
        name: Some(format!("{sku} name")),
        list_price: Some(price.into()),
        tax_category: Some(tax.into()),
        ..Default::default()
    };
    let details = ProductDetails::parse(&input, None, eur(), &keys).unwrap();
    // Ids from the SKU, so every catalogue() names the same products.
    let id = Uuid::from_u128(sku.bytes().fold(1, |h, b| h * 31 + u128::from(b)));
    Product::new(ProductId(id), details, meta()).0
}

pub(crate) fn catalogue() -> Catalogue {
    Catalogue {
        products: vec![
            product("LIC", "1200.00", "standard"),
            product("BOOK", "45.50", "reduced"),
            product("EXPORT", "300", "zero"),
        ],
        taxes: TaxSettings::default(),
        ..Default::default()
    }
}

pub(crate) fn start() -> QuoteStart {
    QuoteStart {
        today: today(),
        default_currency: eur(),
        opportunity: None,
    }
}

pub(crate) fn input(lines: &str) -> QuoteInput {
    QuoteInput {
        title: Some("Offer".into()),
        account_id: Some(Uuid::now_v7().to_string()),
        lines: Some(LinesInput::Text(lines.into())),
        ..Default::default()
    }
}

pub(crate) fn details(lines: &str) -> QuoteDetails {
    let input = input(lines);
    let drafts = lines::drafts(input.lines.as_ref().unwrap()).unwrap();
    QuoteDetails::parse(&input, None, &start(), Some(&drafts), &catalogue()).unwrap()
}

pub(crate) fn quote(lines: &str) -> Quote {
    Quote::create(QuoteId(Uuid::now_v7()), details(lines), None, None, meta()).0
}

/// The order a quote of `lines` becomes when accepted.
pub(crate) fn order(lines: &str) -> SalesOrder {
    let signature = Signature {
        name: "Test Signer".into(),
        at: now(),
        ip: None,
    };
    SalesOrder::from_accepted(
        SalesOrderId(Uuid::now_v7()),
        "SO-00001".into(),
        &quote(lines),
        signature,
        now(),
    )
    .0
}

/// VAT categories and rates for property tests: any standard rate, the usual ones, and the
/// zero-rated, exempt and reverse-charge categories.
pub(crate) fn arb_tax() -> impl proptest::strategy::Strategy<Value = (crate::tax::VatCode, u32)> {
    use crate::tax::VatCode;
    use proptest::prelude::*;
    prop_oneof![
        (Just(VatCode::S), 1u32..=2500),
        Just((VatCode::S, 1900)),
        Just((VatCode::S, 700)),
        Just((VatCode::Z, 0)),
        Just((VatCode::E, 0)),
        Just((VatCode::AE, 0)),
    ]
}
