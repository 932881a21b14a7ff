//! CSV import rules: which columns go to which fields (detected from the header with presets
//! for Salesforce and HubSpot export files, or chosen by hand), and how one row becomes a
//! lead, contact or account input. Rows are parsed by the same rules as forms and the API.

use crate::account::{AccountDetails, AccountInput};
use crate::contact::ContactInput;
use crate::error::ValidationErrors;
use crate::lead::{LeadDetails, LeadInput, LeadSource};
use crate::money::Currency;
use crate::product::{ProductDetails, ProductInput};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    Leads,
    Contacts,
    Accounts,
    Products,
}

string_enum!(ImportKind {
    Leads => "leads", Contacts => "contacts", Accounts => "accounts", Products => "products",
});

/// Where the file comes from, for detecting its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// Any of the known header names.
    Auto,
    Salesforce,
    Hubspot,
    /// salesflow's own CSV export.
    Salesflow,
}

string_enum!(Preset { Auto => "auto", Salesforce => "salesforce", Hubspot => "hubspot", Salesflow => "salesflow" });

/// The fields a kind of record takes from a file. `account` (contacts) names the account by
/// name, web domain or id.
pub fn targets(kind: ImportKind) -> &'static [&'static str] {
    match kind {
        ImportKind::Leads => &[
            "first_name",
            "last_name",
            "company",
            "title",
            "email",
            "phone",
            "source",
            "campaign",
            "notes",
        ],
        ImportKind::Contacts => &[
            "first_name",
            "last_name",
            "title",
            "email",
            "phone",
            "account",
            "notes",
        ],
        ImportKind::Accounts => &[
            "name",
            "domain",
            "industry",
            "phone",
            "street",
            "postal_code",
            "city",
            "country",
            "vat_id",
            "notes",
        ],
        ImportKind::Products => &[
            "sku",
            "name",
            "description",
            "unit",
            "list_price",
            "currency",
            "tax_category",
            "stockable",
            "category",
            "active",
        ],
    }
}

/// The field every row must have.
pub fn required_target(kind: ImportKind) -> &'static str {
    match kind {
        ImportKind::Leads | ImportKind::Contacts => "last_name",
        ImportKind::Accounts => "name",
        ImportKind::Products => "sku",
    }
}

type Aliases = &'static [(&'static str, &'static [&'static str])];

/// Standard column names of Salesforce report and data-export files (lower case).
fn salesforce(kind: ImportKind) -> Aliases {
    match kind {
        ImportKind::Leads => &[
            ("first_name", &["first name", "firstname"]),
            ("last_name", &["last name", "lastname"]),
            ("company", &["company", "company / account"]),
            ("title", &["title"]),
            ("email", &["email"]),
            ("phone", &["phone"]),
            ("source", &["lead source", "leadsource"]),
            ("notes", &["description"]),
        ],
        ImportKind::Contacts => &[
            ("first_name", &["first name", "firstname"]),
            ("last_name", &["last name", "lastname"]),
            ("title", &["title"]),
            ("email", &["email"]),
            ("phone", &["phone"]),
            ("account", &["account name", "account"]),
            ("notes", &["description"]),
        ],
        ImportKind::Accounts => &[
            ("name", &["account name", "name"]),
            ("domain", &["website"]),
            ("industry", &["industry"]),
            ("phone", &["phone"]),
            ("street", &["billing street", "billingstreet"]),
            (
                "postal_code",
                &[
                    "billing zip/postal code",
                    "billing postal code",
                    "billingpostalcode",
                ],
            ),
            ("city", &["billing city", "billingcity"]),
            ("country", &["billing country", "billingcountry"]),
            ("notes", &["description"]),
        ],
        ImportKind::Products => &[
            (
                "sku",
                &[
                    "product code",
                    "productcode",
                    "stock keeping unit",
                    "stockkeepingunit",
                ],
            ),
            ("name", &["product name", "name"]),
            ("description", &["product description", "description"]),
            (
                "unit",
                &["quantity unit of measure", "quantityunitofmeasure"],
            ),
            ("list_price", &["list price", "unit price", "unitprice"]),
            (
                "currency",
                &["currency", "product currency", "currencyisocode"],
            ),
            ("category", &["product family", "family"]),
            ("active", &["active", "isactive"]),
        ],
    }
}

/// Standard column names of HubSpot contact and company exports (lower case).
fn hubspot(kind: ImportKind) -> Aliases {
    match kind {
        ImportKind::Leads => &[
            ("first_name", &["first name"]),
            ("last_name", &["last name"]),
            ("company", &["company name", "associated company"]),
            ("title", &["job title"]),
            ("email", &["email"]),
            ("phone", &["phone number", "mobile phone number"]),
            ("source", &["original source", "original traffic source"]),
            ("notes", &["message"]),
        ],
        ImportKind::Contacts => &[
            ("first_name", &["first name"]),
            ("last_name", &["last name"]),
            ("title", &["job title"]),
            ("email", &["email"]),
            ("phone", &["phone number", "mobile phone number"]),
            ("account", &["company name", "associated company"]),
            ("notes", &["message"]),
        ],
        ImportKind::Accounts => &[
            ("name", &["company name", "name"]),
            ("domain", &["company domain name", "website url"]),
            ("industry", &["industry"]),
            ("phone", &["phone number"]),
            ("street", &["street address"]),
            ("postal_code", &["postal code"]),
            ("city", &["city"]),
            ("country", &["country/region", "country"]),
            ("notes", &["description", "about us"]),
        ],
        ImportKind::Products => &[
            ("sku", &["sku", "product sku"]),
            ("name", &["name", "product name"]),
            ("description", &["description", "product description"]),
            ("list_price", &["unit price", "price"]),
            ("currency", &["currency"]),
            ("category", &["product type", "product category"]),
        ],
    }
}

/// salesflow's own export headers: the field names themselves (contacts name their account
/// by id).
fn own(kind: ImportKind, header: &str) -> Option<&'static str> {
    if kind == ImportKind::Contacts && header == "account_id" {
        return Some("account");
    }
    targets(kind).iter().copied().find(|t| *t == header)
}

fn normalise(header: &str) -> String {
    header.trim().trim_start_matches('\u{feff}').to_lowercase()
}

fn lookup(kind: ImportKind, preset: Preset, header: &str) -> Option<&'static str> {
    let h = normalise(header);
    let find = |aliases: Aliases| {
        aliases
            .iter()
            .find(|(_, names)| names.contains(&h.as_str()))
            .map(|(field, _)| *field)
    };
    match preset {
        Preset::Salesforce => find(salesforce(kind)),
        Preset::Hubspot => find(hubspot(kind)),
        Preset::Salesflow => own(kind, &h),
        Preset::Auto => own(kind, &h)
            .or_else(|| find(salesforce(kind)))
            .or_else(|| find(hubspot(kind))),
    }
}

/// Which field each column goes to (`None`: ignored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub kind: ImportKind,
    pub columns: Vec<Option<&'static str>>,
}

impl Mapping {
    /// Detects the mapping from a header row; each field is taken by its first column.
    pub fn detect(
        kind: ImportKind,
        preset: Preset,
        headers: &[&str],
    ) -> Result<Self, ValidationErrors> {
        let mut columns: Vec<Option<&'static str>> = Vec::with_capacity(headers.len());
        for h in headers {
            let field = lookup(kind, preset, h).filter(|f| !columns.contains(&Some(*f)));
            columns.push(field);
        }
        Self::checked(kind, columns)
    }

    /// A mapping chosen by hand: `(header, field)` pairs; an empty field ignores the column.
    pub fn chosen(
        kind: ImportKind,
        headers: &[&str],
        pairs: &[(String, String)],
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let mut columns: Vec<Option<&'static str>> = vec![None; headers.len()];
        for (header, field) in pairs {
            let field = field.trim();
            if field.is_empty() {
                continue;
            }
            let Some(target) = targets(kind).iter().copied().find(|t| *t == field) else {
                errors.add(
                    "mapping",
                    "unknown_field",
                    format!("'{field}' is not a field of {kind}"),
                );
                continue;
            };
            match headers.iter().position(|h| h.trim() == header.trim()) {
                Some(_) if columns.contains(&Some(target)) => {
                    errors.add(
                        "mapping",
                        "duplicate_field",
                        format!("two columns go to '{target}'"),
                    );
                }
                Some(i) => columns[i] = Some(target),
                None => errors.add(
                    "mapping",
                    "unknown_column",
                    format!("the file has no column '{header}'"),
                ),
            }
        }
        errors.into_result()?;
        Self::checked(kind, columns)
    }

    fn checked(
        kind: ImportKind,
        columns: Vec<Option<&'static str>>,
    ) -> Result<Self, ValidationErrors> {
        let required = required_target(kind);
        if !columns.contains(&Some(required)) {
            return Err(ValidationErrors::single(
                "mapping",
                "required_column",
                format!(
                    "no column goes to '{required}', which every {} needs",
                    kind.singular()
                ),
            ));
        }
        Ok(Self { kind, columns })
    }

    /// The value of `field` in a row.
    pub fn value<'a>(&self, row: &[&'a str], field: &str) -> Option<&'a str> {
        self.columns
            .iter()
            .position(|c| *c == Some(field))
            .and_then(|i| row.get(i).copied())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }
}

impl ImportKind {
    pub fn singular(self) -> &'static str {
        match self {
            ImportKind::Leads => "lead",
            ImportKind::Contacts => "contact",
            ImportKind::Accounts => "account",
            ImportKind::Products => "product",
        }
    }
}

/// Lead sources as other systems name them, mapped to ours; anything unknown is `other`.
pub fn lead_source(raw: &str) -> LeadSource {
    let v = raw.trim().to_lowercase().replace(['-', ' '], "_");
    if let Ok(source) = v.parse::<LeadSource>() {
        return source;
    }
    match v.as_str() {
        "web" | "website" | "organic_search" | "direct_traffic" => LeadSource::WebForm,
        "phone_inquiry" | "phone" => LeadSource::ColdCall,
        "partner_referral" => LeadSource::Partner,
        "employee_referral" | "external_referral" | "referrals" | "word_of_mouth" => {
            LeadSource::Referral
        }
        "trade_show" | "seminar___internal" | "seminar___partner" | "seminar" | "offline" => {
            LeadSource::Event
        }
        "advertisement" | "paid_search" | "paid_social" | "social_media" => LeadSource::Advertising,
        "purchased_list" => LeadSource::Import,
        _ => LeadSource::Other,
    }
}

/// Why a row was rejected: every bad field in one line, e.g. "email: not an address".
pub fn reason(errors: &ValidationErrors) -> String {
    errors
        .0
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

fn text(mapping: &Mapping, row: &[&str], field: &str) -> Option<String> {
    mapping.value(row, field).map(str::to_string)
}

/// A lead from a row (source `import` unless the file says otherwise).
pub fn lead_row(mapping: &Mapping, row: &[&str]) -> Result<LeadDetails, String> {
    let input = LeadInput {
        first_name: text(mapping, row, "first_name"),
        last_name: text(mapping, row, "last_name"),
        company: text(mapping, row, "company"),
        title: text(mapping, row, "title"),
        email: text(mapping, row, "email"),
        phone: text(mapping, row, "phone"),
        source: mapping
            .value(row, "source")
            .map(|s| lead_source(s).as_str().to_string()),
        campaign: text(mapping, row, "campaign"),
        notes: text(mapping, row, "notes"),
        ..Default::default()
    };
    LeadDetails::parse(&input, None, LeadSource::Import).map_err(|e| reason(&e))
}

/// A product from a row, with the company's currency and tax category keys as defaults.
pub fn product_row(
    mapping: &Mapping,
    row: &[&str],
    currency: Currency,
    tax_keys: &[String],
) -> Result<ProductDetails, String> {
    let input = ProductInput {
        sku: text(mapping, row, "sku"),
        name: text(mapping, row, "name"),
        description: text(mapping, row, "description"),
        unit: text(mapping, row, "unit"),
        list_price: text(mapping, row, "list_price"),
        currency: text(mapping, row, "currency"),
        tax_category: text(mapping, row, "tax_category"),
        stockable: text(mapping, row, "stockable"),
        category: text(mapping, row, "category"),
        active: text(mapping, row, "active"),
        ..Default::default()
    };
    ProductDetails::parse(&input, None, currency, tax_keys).map_err(|e| reason(&e))
}

/// A contact from a row; `account` is the already resolved account id, if any.
pub fn contact_row(mapping: &Mapping, row: &[&str], account: Option<String>) -> ContactInput {
    ContactInput {
        account_id: account,
        first_name: text(mapping, row, "first_name"),
        last_name: text(mapping, row, "last_name"),
        title: text(mapping, row, "title"),
        email: text(mapping, row, "email"),
        phone: text(mapping, row, "phone"),
        notes: text(mapping, row, "notes"),
        ..Default::default()
    }
}

/// An account from a row; a website like `https://www.acme.example/about` becomes its domain.
pub fn account_row(mapping: &Mapping, row: &[&str]) -> Result<AccountDetails, String> {
    let input = AccountInput {
        name: text(mapping, row, "name"),
        domain: mapping.value(row, "domain").map(web_domain),
        industry: text(mapping, row, "industry"),
        phone: text(mapping, row, "phone"),
        street: text(mapping, row, "street"),
        postal_code: text(mapping, row, "postal_code"),
        city: text(mapping, row, "city"),
        country: text(mapping, row, "country"),
        vat_id: text(mapping, row, "vat_id"),
        notes: text(mapping, row, "notes"),
        ..Default::default()
    };
    AccountDetails::parse(&input, None).map_err(|e| reason(&e))
}

/// "https://www.Acme.example/about" → "acme.example".
pub fn web_domain(raw: &str) -> String {
    let raw = raw.trim();
    let without_scheme = raw.split_once("://").map_or(raw, |(_, rest)| rest);
    let host = without_scheme.split(['/', '?', '#']).next().unwrap_or("");
    host.trim_start_matches("www.").to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salesforce_and_hubspot_headers_are_recognised() {
        let sf = [
            "First Name",
            "Last Name",
            "Company",
            "Email",
            "Lead Source",
            "Rating",
        ];
        let m = Mapping::detect(ImportKind::Leads, Preset::Salesforce, &sf).unwrap();
        assert_eq!(
            m.columns,
            [
                Some("first_name"),
                Some("last_name"),
                Some("company"),
                Some("email"),
                Some("source"),
                None
            ]
        );
        let hs = [
            "\u{feff}First Name",
            "Last Name",
            "Email",
            "Company Name",
            "Phone Number",
        ];
        let m = Mapping::detect(ImportKind::Contacts, Preset::Auto, &hs).unwrap();
        assert_eq!(
            m.value(&["a", "b", "c", " Acme ", ""], "account"),
            Some("Acme")
        );
        assert_eq!(m.value(&["a", "b", "c", " Acme ", ""], "phone"), None);
        assert!(Mapping::detect(ImportKind::Accounts, Preset::Auto, &["Website"]).is_err());
    }

    #[test]
    fn chosen_mappings_are_checked() {
        let headers = ["Surname", "Mail"];
        let pairs = |p: &[(&str, &str)]| -> Vec<(String, String)> {
            p.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        let m = Mapping::chosen(
            ImportKind::Leads,
            &headers,
            &pairs(&[("Surname", "last_name"), ("Mail", "email")]),
        )
        .unwrap();
        assert_eq!(m.columns, [Some("last_name"), Some("email")]);
        for bad in [
            pairs(&[("Surname", "password")]),
            pairs(&[("Nope", "last_name")]),
            pairs(&[("Surname", "last_name"), ("Mail", "last_name")]),
            pairs(&[("Mail", "email")]),
        ] {
            assert!(
                Mapping::chosen(ImportKind::Leads, &headers, &bad).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn rows_become_records_or_say_why_not() {
        let m = Mapping::detect(
            ImportKind::Leads,
            Preset::Auto,
            &["last_name", "email", "source"],
        )
        .unwrap();
        let lead = lead_row(&m, &["Hopper", "GRACE@navy.example", "Trade Show"]).unwrap();
        assert_eq!(
            (lead.source, lead.email.unwrap().as_str().to_string()),
            (LeadSource::Event, "grace@navy.example".into())
        );
        let why = lead_row(&m, &["", "nope", ""]).unwrap_err();
        assert!(why.starts_with("last_name: is required; email:"), "{why}");
        assert_eq!(
            web_domain("https://www.Acme.example/about?x"),
            "acme.example"
        );
        assert_eq!(lead_source("Partner Referral"), LeadSource::Partner);
        assert_eq!(lead_source("something new"), LeadSource::Other);
    }
}
