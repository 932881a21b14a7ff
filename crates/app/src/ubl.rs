//! EN 16931 e-invoices in UBL 2.1 syntax: an invoice (`Invoice`, type 380) or credit note
//! (`CreditNote`, type 381) with seller, buyer, VAT breakdown, totals and lines, amounts from
//! the same integer totals as every other view of the document.

use jiff::civil::Date;
use salesflow_domain::FieldError;
use salesflow_domain::account::Account;
use salesflow_domain::country;
use salesflow_domain::invoice::{Invoice, InvoiceKind};
use salesflow_domain::money::{Currency, Money};
use salesflow_domain::quote::lines::QuoteLine;
use salesflow_domain::quote::totals::PriceMode;
use salesflow_domain::tax::{VatCode, rate_text};
use std::fmt::Write as _;

use crate::quote_document::CompanySettings;

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The standard exemption text and VATEX code of a category whose breakdown needs one
/// (BR-AE-10, BR-IC-10, BR-G-10, BR-O-10); exempt (E) takes the configured reason.
fn standard_exemption(code: VatCode) -> Option<(&'static str, &'static str)> {
    match code {
        VatCode::AE => Some(("Reverse charge", "VATEX-EU-AE")),
        VatCode::K => Some(("Intra-community supply", "VATEX-EU-IC")),
        VatCode::G => Some(("Export outside the EU", "VATEX-EU-G")),
        VatCode::O => Some(("Not subject to VAT", "VATEX-EU-O")),
        VatCode::S | VatCode::Z | VatCode::E => None,
    }
}

/// Categories whose lines need the seller's VAT identifier (BR-S-02, BR-Z-02, BR-E-02,
/// BR-AE-02, BR-IC-02, BR-G-02).
const NEED_SELLER_VAT: &[VatCode] = &[
    VatCode::S,
    VatCode::Z,
    VatCode::E,
    VatCode::AE,
    VatCode::K,
    VatCode::G,
];

/// What an e-invoice of this document still lacks by EN 16931's rules, as field errors
/// (none: complete). Checked before posting, so every posted invoice's UBL is valid.
pub fn missing_for_einvoice(
    invoice: &Invoice,
    seller: &CompanySettings,
    buyer: &Account,
    delivery_date: Option<Date>,
) -> Vec<FieldError> {
    let codes: Vec<VatCode> = invoice.lines.iter().map(|l| l.tax_code).collect();
    let has = |code: VatCode| codes.contains(&code);
    let mut missing = Vec::new();
    let mut need = |field: &str, code: &'static str, message: String| {
        missing.push(FieldError::new(field, code, message));
    };
    if seller.vat_id.trim().is_empty() && codes.iter().any(|c| NEED_SELLER_VAT.contains(c)) {
        need(
            "seller_vat_id",
            "einvoice_needs_seller_vat_id",
            "the company's VAT ID is needed on e-invoices (Settings → Quotes and taxes)".into(),
        );
    }
    if country::iso_code(&seller.country_code).is_none() {
        need(
            "seller_country",
            "invalid_country",
            format!(
                "the company's country '{}' is not a country code such as DE",
                seller.country_code
            ),
        );
    }
    let buyer_country = buyer.details.country.as_deref().unwrap_or_default();
    if country::iso_code(buyer_country).is_none() {
        need(
            "buyer_country",
            "invalid_country",
            format!(
                "the customer's country must be a country code (DE) or name (Germany); it is '{buyer_country}'"
            ),
        );
    }
    if (has(VatCode::AE) || has(VatCode::K)) && buyer.details.vat_id.is_none() {
        need(
            "buyer_vat_id",
            "einvoice_needs_buyer_vat_id",
            "reverse charge and intra-community supplies need the customer's VAT ID (on the account)".into(),
        );
    }
    if has(VatCode::K) && delivery_date.is_none() {
        need(
            "delivery_date",
            "einvoice_needs_delivery_date",
            "an intra-community supply is invoiced with its delivery date: invoice it per shipment or once the order has shipped".into(),
        );
    }
    // Not subject to VAT carries no VAT ID, so the seller is identified by its register number
    // (BR-CO-26).
    if has(VatCode::O) && seller.registration_id.trim().is_empty() {
        need(
            "seller_registration_id",
            "einvoice_needs_seller_registration_id",
            "supplies not subject to VAT name the company register number (Settings → Quotes and taxes)".into(),
        );
    }
    if has(VatCode::O) && codes.iter().any(|c| *c != VatCode::O) {
        need(
            "lines",
            "not_subject_mixed",
            "lines not subject to VAT (O) cannot share an invoice with other tax categories".into(),
        );
    }
    missing
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
    /// Legal registration identifier (BT-30).
    registration: Option<&'a str>,
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

    /// A VAT category; `exemption` (code, text) only where the breakdown needs one.
    fn tax_category(
        &mut self,
        wrapper: &str,
        code: VatCode,
        rate_bp: u32,
        exemption: Option<(Option<&str>, &str)>,
    ) {
        self.open(wrapper);
        self.tag("cbc:ID", code.as_str());
        // Not subject to VAT has no rate at all (BR-O-05, BR-48).
        if code != VatCode::O {
            self.tag("cbc:Percent", &rate_text(rate_bp));
        }
        if let Some((reason_code, reason)) = exemption {
            if let Some(reason_code) = reason_code {
                self.tag("cbc:TaxExemptionReasonCode", reason_code);
            }
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
        if let Some(id) = p.registration.filter(|r| !r.trim().is_empty()) {
            self.tag("cbc:CompanyID", id);
        }
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

/// The exemption of one breakdown row: every distinct reason its lines give (EN 16931 allows
/// one row per category, so two exemption reasons are joined, never dropped), else the
/// standard text; none for categories that must not have one (S, Z).
fn exemption_of(
    invoice: &Invoice,
    code: VatCode,
    rate_bp: u32,
) -> Option<(Option<&'static str>, String)> {
    if matches!(code, VatCode::S | VatCode::Z) {
        return None;
    }
    let mut reasons: Vec<&str> = Vec::new();
    for line in invoice
        .lines
        .iter()
        .filter(|l| l.tax_code == code && l.tax_rate_bp == rate_bp)
    {
        if let Some(reason) = line
            .exemption_reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            && !reasons.contains(&reason)
        {
            reasons.push(reason);
        }
    }
    let standard = standard_exemption(code);
    let text = match (reasons.is_empty(), standard) {
        (false, _) => reasons.join("; "),
        (true, Some((text, _))) => text.to_string(),
        (true, None) => "Exempt from VAT".to_string(),
    };
    Some((standard.map(|(_, vatex)| vatex), text))
}

/// The posted invoice or credit note as UBL 2.1 XML (complete when `missing_for_einvoice`
/// found nothing: posting checks it). `delivery_date` is when the goods left (BT-72).
pub fn ubl_xml(
    invoice: &Invoice,
    seller: &CompanySettings,
    buyer: &Account,
    delivery_date: Option<Date>,
) -> String {
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
    // Not subject to VAT: no VAT identifier of either party (BR-O-02).
    let not_subject = invoice.lines.iter().any(|l| l.tax_code == VatCode::O);
    let seller_country = country::iso_code(&seller.country_code).unwrap_or_default();
    let supplier = Party {
        name: &seller.name,
        registration: Some(seller.registration_id.as_str()),
        street: street.as_deref(),
        city: city.as_deref(),
        zone: None,
        country: seller_country,
        vat: Some(seller.vat_id.as_str()).filter(|_| !not_subject),
    };
    w.party("cac:AccountingSupplierParty", &supplier);
    let b = &buyer.details;
    let buyer_country =
        country::iso_code(b.country.as_deref().unwrap_or_default()).unwrap_or_default();
    let customer = Party {
        name: b.name.as_str(),
        registration: None,
        street: b.street.as_deref(),
        city: b.city.as_deref(),
        zone: b.postal_code.as_deref(),
        country: buyer_country,
        vat: b.vat_id.as_deref().filter(|_| !not_subject),
    };
    w.party("cac:AccountingCustomerParty", &customer);
    // When and where the goods went (BT-72, BT-80): the customer's address.
    if let Some(day) = delivery_date {
        w.open("cac:Delivery");
        w.tag("cbc:ActualDeliveryDate", &day.to_string());
        w.open("cac:DeliveryLocation");
        w.open("cac:Address");
        w.open("cac:Country");
        w.tag("cbc:IdentificationCode", buyer_country);
        w.close("cac:Country");
        w.close("cac:Address");
        w.close("cac:DeliveryLocation");
        w.close("cac:Delivery");
    }
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
        let exemption = exemption_of(invoice, s.code, s.rate_bp);
        w.tax_category(
            "cac:TaxCategory",
            s.code,
            s.rate_bp,
            exemption
                .as_ref()
                .map(|(code, text)| (*code, text.as_str())),
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
            line.tax_code,
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
