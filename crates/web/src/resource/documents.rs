//! The catalogue and the quote-to-order documents on the web.

use salesflow_domain::delivery::Delivery;
use salesflow_domain::price_list::PriceList;
use salesflow_domain::product::Product;
use salesflow_domain::quote::Quote;
use salesflow_domain::sales_order::SalesOrder;

use super::{ColumnSpec, FieldKind, FieldSpec, WebResource, field, required};

const fn column(
    label: &'static str,
    field: &'static str,
    sort: Option<&'static str>,
) -> ColumnSpec {
    ColumnSpec { label, field, sort }
}

const YES_NO: &[&str] = &["true", "false"];

impl WebResource for Product {
    const PATH: &'static str = "products";
    const ONE: &'static str = "product";
    const TITLE: &'static str = "Products";
    const LABEL: &'static str = "Product";
    const FIELDS: &'static [FieldSpec] = &[
        required("sku", "SKU"),
        required("name", "Name"),
        field("description", "Description", FieldKind::LongText),
        field("unit", "Unit (pc, h, licence …)", FieldKind::Text),
        field("list_price", "List price", FieldKind::Text),
        field("currency", "Currency", FieldKind::Text),
        field("tax_category", "Tax category", FieldKind::Text),
        field("stockable", "Kept in stock", FieldKind::Choice(YES_NO)),
        field("category", "Product category", FieldKind::Text),
        field("active", "Offered (active)", FieldKind::Choice(YES_NO)),
        field("owner_id", "Owner", FieldKind::Owner),
    ];
    const COLUMNS: &'static [ColumnSpec] = &[
        column("SKU", "sku", Some("sku")),
        column("Name", "name", Some("name")),
        column("List price", "list_price", None),
        column("Currency", "currency", None),
        column("Tax", "tax_category", None),
        column("Active", "active", None),
    ];
}

const PRICE_MODES: &[&str] = &["exclusive", "inclusive"];

impl WebResource for Quote {
    const PATH: &'static str = "quotes";
    const ONE: &'static str = "quote";
    const TITLE: &'static str = "Quotes";
    const LABEL: &'static str = "Quote";
    const FIELDS: &'static [FieldSpec] = &[
        required("title", "Title"),
        field("opportunity_id", "Opportunity", FieldKind::Hidden),
        field("account_id", "Account", FieldKind::Account),
        field("contact_id", "Contact", FieldKind::Contact),
        field("currency", "Currency", FieldKind::Text),
        field("price_mode", "Prices", FieldKind::Choice(PRICE_MODES)),
        field("valid_until", "Valid until", FieldKind::Date),
        field(
            "lines",
            "Lines, one per row: 3 x SKU @ 100.00 -10% [standard] (price, discount and tax optional)",
            FieldKind::QuoteLines,
        ),
        field("terms", "Terms", FieldKind::LongText),
        field("comment", "Note on this revision", FieldKind::Text),
        field("owner_id", "Owner", FieldKind::Owner),
    ];
    const COLUMNS: &'static [ColumnSpec] = &[
        column("Quote", "name", Some("title")),
        column("Status", "status", None),
        column("Total", "total", None),
        column("Currency", "currency", None),
        column("Valid until", "valid_until", Some("valid_until")),
        column("Owner", "owner_id", None),
        column("Created", "created_at", Some("created_at")),
    ];
}

impl WebResource for PriceList {
    const PATH: &'static str = "price-lists";
    const MANY: &'static str = "price_lists";
    const ONE: &'static str = "price_list";
    const TITLE: &'static str = "Price lists";
    const LABEL: &'static str = "Price list";
    const FIELDS: &'static [FieldSpec] = &[
        required("name", "Name"),
        field("currency", "Currency", FieldKind::Text),
        field(
            "customer_group",
            "For customer group (blank: everyone)",
            FieldKind::Text,
        ),
        field("valid_from", "Valid from", FieldKind::Date),
        field("valid_to", "Valid until", FieldKind::Date),
        field(
            "prices",
            "Prices, one per row: SKU price",
            FieldKind::Prices,
        ),
        field("owner_id", "Owner", FieldKind::Owner),
    ];
    const COLUMNS: &'static [ColumnSpec] = &[
        column("Name", "name", Some("name")),
        column("Currency", "currency", None),
        column("Customer group", "customer_group", None),
        column("Valid from", "valid_from", None),
        column("Valid until", "valid_to", None),
    ];
}

impl WebResource for Delivery {
    const PATH: &'static str = "deliveries";
    const ONE: &'static str = "delivery";
    const TITLE: &'static str = "Deliveries";
    const LABEL: &'static str = "Delivery";
    const FIELDS: &'static [FieldSpec] = &[field("owner_id", "Owner", FieldKind::Owner)];
    const COLUMNS: &'static [ColumnSpec] = &[
        column("Delivery", "name", None),
        column("Status", "status", None),
        column("Carrier", "carrier", None),
        column("Tracking", "tracking", None),
        column("Created", "created_at", Some("created_at")),
    ];
}

impl WebResource for salesflow_domain::invoice::Invoice {
    const PATH: &'static str = "invoices";
    const ONE: &'static str = "invoice";
    const TITLE: &'static str = "Invoices";
    const LABEL: &'static str = "Invoice";
    const FIELDS: &'static [FieldSpec] = &[field("owner_id", "Owner", FieldKind::Owner)];
    const COLUMNS: &'static [ColumnSpec] = &[
        column("Invoice", "name", None),
        column("Status", "status", None),
        column("Total", "total", None),
        column("Currency", "currency", None),
        column("Due", "due_date", None),
        column("Created", "created_at", Some("created_at")),
    ];
}

impl WebResource for salesflow_domain::payment::Payment {
    const PATH: &'static str = "payments";
    const ONE: &'static str = "payment";
    const TITLE: &'static str = "Payments";
    const LABEL: &'static str = "Payment";
    const FIELDS: &'static [FieldSpec] = &[];
    const COLUMNS: &'static [ColumnSpec] = &[
        column("Payment", "name", None),
        column("Method", "method", None),
        column("Reference", "reference", None),
        column("Received", "received_on", None),
        column("Created", "created_at", Some("created_at")),
    ];
}

impl WebResource for SalesOrder {
    const PATH: &'static str = "orders";
    const MANY: &'static str = "orders";
    const ONE: &'static str = "order";
    const TITLE: &'static str = "Sales orders";
    const LABEL: &'static str = "Sales order";
    const FIELDS: &'static [FieldSpec] = &[field("owner_id", "Owner", FieldKind::Owner)];
    const COLUMNS: &'static [ColumnSpec] = &[
        column("Order", "name", Some("title")),
        column("Status", "status", None),
        column("Total", "total", None),
        column("Currency", "currency", None),
        column("Owner", "owner_id", None),
        column("Created", "created_at", Some("created_at")),
    ];
}
