//! EN 16931 e-invoices in UBL 2.1 syntax: an invoice (`Invoice`, type 380) or credit note
//! (`CreditNote`, type 381) with seller, buyer, VAT breakdown, totals and lines, amounts from
//! the same integer totals as every other view of the document.

use salesflow_domain::account::Account;
use salesflow_domain::invoice::{Invoice, InvoiceKind};
use salesflow_domain::money::{Currency, Money};
use salesflow_domain::quote::lines::QuoteLine;
use salesflow_domain::quote::totals::PriceMode;
use salesflow_domain::tax::rate_text;
use std::fmt::Write as _;

use crate::quote_document::CompanySettings;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A country name or code as ISO 3166-1 alpha-2 (the common names; else `fallback`).
pub fn country_code(raw: Option<&str>, fallback: &str) -> String {
    let raw = raw.map(str::trim).unwrap_or("");
    if raw.len() == 2 && raw.bytes().all(|b| b.is_ascii_alphabetic()) {
        return raw.to_ascii_uppercase();
    }
    let known = [
        ("germany", "DE"),
        ("deutschland", "DE"),
        ("austria", "AT"),
        ("österreich", "AT"),
        ("switzerland", "CH"),
        ("france", "FR"),
        ("spain", "ES"),
        ("italy", "IT"),
        ("netherlands", "NL"),
        ("belgium", "BE"),
        ("poland", "PL"),
        ("sweden", "SE"),
        ("denmark", "DK"),
        ("united kingdom", "GB"),
        ("uk", "GB"),
        ("ireland", "IE"),
        ("united states", "US"),
        ("usa", "US"),
        ("portugal", "PT"),
        ("finland", "FI"),
    ];
    let lower = raw.to_lowercase();
    known
        .iter()
        .find(|(name, _)| *name == lower)
        .map_or_else(|| fallback.to_string(), |(_, code)| code.to_string())
}

/// UN/ECE recommendation 20 unit code for a unit as typed on the product.
fn unit_code(unit: &str) -> &'static str {
    match unit.trim().to_lowercase().as_str() {
        "h" | "hour" | "hours" | "hr" => "HUR",
        "day" | "days" | "d" => "DAY",
        "kg" => "KGM",
        "m" => "MTR",
        "l" | "litre" | "liter" => "LTR",
        _ => "C62",
    }
}

/// A seller or buyer as the e-invoice names it.
struct Party<'a> {
    name: &'a str,
    street: Option<&'a str>,
    city: Option<&'a str>,
    zone: Option<&'a str>,
    country: &'a str,
    vat: Option<&'a str>,
}

struct Writer {
    xml: String,
    currency: Currency,
}

impl Writer {
    fn amount(&self, minor: i64) -> String {
        Money::new(minor, self.currency).amount_text()
    }

    fn tag(&mut self, name: &str, value: &str) {
        let _ = write!(self.xml, "<{name}>{}</{name}>", escape(value));
    }

    fn money(&mut self, name: &str, minor: i64) {
        let value = self.amount(minor);
        let code = self.currency.code();
        let _ = write!(self.xml, "<{name} currencyID=\"{code}\">{value}</{name}>");
    }

    fn open(&mut self, name: &str) {
        let _ = write!(self.xml, "<{name}>");
    }

    fn close(&mut self, name: &str) {
        let _ = write!(self.xml, "</{name}>");
    }

    fn tax_category(&mut self, wrapper: &str, code: &str, rate_bp: u32, reason: Option<&str>) {
        self.open(wrapper);
        self.tag("cbc:ID", code);
        self.tag("cbc:Percent", &rate_text(rate_bp));
        if let Some(reason) = reason {
            self.tag("cbc:TaxExemptionReason", reason);
        }
        self.open("cac:TaxScheme");
        self.tag("cbc:ID", "VAT");
        self.close("cac:TaxScheme");
        self.close(wrapper);
    }

    fn party(&mut self, wrapper: &str, p: &Party) {
        self.open(wrapper);
        self.open("cac:Party");
        self.open("cac:PostalAddress");
        if let Some(s) = p.street.filter(|s| !s.is_empty()) {
            self.tag("cbc:StreetName", s);
        }
        if let Some(c) = p.city.filter(|s| !s.is_empty()) {
            self.tag("cbc:CityName", c);
        }
        if let Some(z) = p.zone.filter(|s| !s.is_empty()) {
            self.tag("cbc:PostalZone", z);
        }
        self.open("cac:Country");
        self.tag("cbc:IdentificationCode", p.country);
        self.close("cac:Country");
        self.close("cac:PostalAddress");
        if let Some(vat) = p.vat.filter(|v| !v.is_empty()) {
            self.open("cac:PartyTaxScheme");
            self.tag("cbc:CompanyID", vat);
            self.open("cac:TaxScheme");
            self.tag("cbc:ID", "VAT");
            self.close("cac:TaxScheme");
            self.close("cac:PartyTaxScheme");
        }
        self.open("cac:PartyLegalEntity");
        self.tag("cbc:RegistrationName", p.name);
        self.close("cac:PartyLegalEntity");
        self.close("cac:Party");
        self.close(wrapper);
    }
}

/// The net unit price of a line (tax-inclusive quotes store gross prices).
fn net_unit_price(line: &QuoteLine, mode: PriceMode) -> i64 {
    match mode {
        PriceMode::Exclusive => line.unit_price_minor,
        PriceMode::Inclusive => {
            let gross = i128::from(line.unit_price_minor);
            let net = (gross * 10_000 * 2 + i128::from(10_000 + line.tax_rate_bp))
                / (2 * i128::from(10_000 + line.tax_rate_bp));
            i64::try_from(net).unwrap_or(line.unit_price_minor)
        }
    }
}

/// The posted invoice or credit note as UBL 2.1 XML.
pub fn ubl_xml(invoice: &Invoice, seller: &CompanySettings, buyer: &Account) -> String {
    let credit = invoice.kind == InvoiceKind::CreditNote;
    let (root, namespace, type_tag, type_code, line_tag, quantity_tag) = if credit {
        (
            "CreditNote",
            "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
            "cbc:CreditNoteTypeCode",
            "381",
            "cac:CreditNoteLine",
            "cbc:CreditedQuantity",
        )
    } else {
        (
            "Invoice",
            "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
            "cbc:InvoiceTypeCode",
            "380",
            "cac:InvoiceLine",
            "cbc:InvoicedQuantity",
        )
    };
    let currency = invoice.currency.code().to_string();
    let mut w = Writer {
        xml: String::new(),
        currency: invoice.currency,
    };
    let _ = write!(
        w.xml,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root} xmlns=\"{namespace}\" \
         xmlns:cac=\"urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2\" \
         xmlns:cbc=\"urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2\">"
    );
    w.tag("cbc:CustomizationID", "urn:cen.eu:en16931:2017");
    w.tag("cbc:ID", invoice.number.as_deref().unwrap_or("DRAFT"));
    let issue = invoice
        .issue_date
        .map(|d| d.to_string())
        .unwrap_or_default();
    w.tag("cbc:IssueDate", &issue);
    if let Some(due) = invoice.due_date.filter(|_| !credit) {
        w.tag("cbc:DueDate", &due.to_string());
    }
    w.tag(type_tag, type_code);
    if let Some(terms) = &invoice.terms {
        w.tag("cbc:Note", terms);
    }
    w.tag("cbc:DocumentCurrencyCode", &currency);
    w.tag("cbc:BuyerReference", &invoice.order_number);
    w.open("cac:OrderReference");
    w.tag("cbc:ID", &invoice.order_number);
    w.close("cac:OrderReference");
    if let Some(original) = &invoice.credit_of_number {
        w.open("cac:BillingReference");
        w.open("cac:InvoiceDocumentReference");
        w.tag("cbc:ID", original);
        w.close("cac:InvoiceDocumentReference");
        w.close("cac:BillingReference");
    }
    let mut address = seller
        .address
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty());
    let street = address.next().map(str::to_string);
    let city = address.next().map(str::to_string);
    let supplier = Party {
        name: &seller.name,
        street: street.as_deref(),
        city: city.as_deref(),
        zone: None,
        country: &seller.country_code,
        vat: Some(&seller.vat_id),
    };
    w.party("cac:AccountingSupplierParty", &supplier);
    let b = &buyer.details;
    let buyer_country = country_code(b.country.as_deref(), &seller.country_code);
    let customer = Party {
        name: b.name.as_str(),
        street: b.street.as_deref(),
        city: b.city.as_deref(),
        zone: b.postal_code.as_deref(),
        country: &buyer_country,
        vat: None,
    };
    w.party("cac:AccountingCustomerParty", &customer);
    if !credit && !seller.footer.is_empty() {
        w.open("cac:PaymentTerms");
        w.tag("cbc:Note", &seller.footer);
        w.close("cac:PaymentTerms");
    }
    let t = &invoice.totals;
    w.open("cac:TaxTotal");
    w.money("cbc:TaxAmount", t.tax_minor);
    for s in &t.breakdown {
        w.open("cac:TaxSubtotal");
        w.money("cbc:TaxableAmount", s.taxable_minor);
        w.money("cbc:TaxAmount", s.tax_minor);
        let reason = invoice
            .lines
            .iter()
            .find(|l| l.tax_code == s.code && l.tax_rate_bp == s.rate_bp)
            .and_then(|l| l.exemption_reason.clone());
        w.tax_category(
            "cac:TaxCategory",
            s.code.as_str(),
            s.rate_bp,
            reason.as_deref(),
        );
        w.close("cac:TaxSubtotal");
    }
    w.close("cac:TaxTotal");
    w.open("cac:LegalMonetaryTotal");
    w.money("cbc:LineExtensionAmount", t.line_net_minor);
    w.money("cbc:TaxExclusiveAmount", t.tax_exclusive_minor);
    w.money("cbc:TaxInclusiveAmount", t.tax_inclusive_minor);
    if t.rounding_minor != 0 {
        w.money("cbc:PayableRoundingAmount", t.rounding_minor);
    }
    w.money("cbc:PayableAmount", t.payable_minor);
    w.close("cac:LegalMonetaryTotal");
    for (i, line) in invoice.lines.iter().enumerate() {
        w.open(line_tag);
        w.tag("cbc:ID", &(i + 1).to_string());
        let quantity = salesflow_domain::quote::lines::quantity_text(line.quantity_milli);
        let _ = write!(
            w.xml,
            "<{quantity_tag} unitCode=\"{}\">{quantity}</{quantity_tag}>",
            unit_code(&line.unit)
        );
        w.money("cbc:LineExtensionAmount", line.amounts.net_minor);
        w.open("cac:Item");
        w.tag("cbc:Name", &line.description);
        if let Some(sku) = &line.sku {
            w.open("cac:SellersItemIdentification");
            w.tag("cbc:ID", sku);
            w.close("cac:SellersItemIdentification");
        }
        w.tax_category(
            "cac:ClassifiedTaxCategory",
            line.tax_code.as_str(),
            line.tax_rate_bp,
            None,
        );
        w.close("cac:Item");
        w.open("cac:Price");
        w.money("cbc:PriceAmount", net_unit_price(line, invoice.price_mode));
        w.close("cac:Price");
        w.close(line_tag);
    }
    let _ = writeln!(w.xml, "</{root}>");
    w.xml
}
