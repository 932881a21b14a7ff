//! Accounts: the customer companies.

use crate::changes::{self, Fields};
use crate::error::ValidationErrors;
use crate::event::Change;
use crate::ids::AccountId;
use crate::record::{RecordMeta, merged};
use crate::text::{Name, optional_domain, optional_phone, optional_text};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AccountDetails {
    #[schema(value_type = String)]
    pub name: Name,
    /// Web domain, e.g. `example.com`; used to match contacts and find duplicates.
    pub domain: Option<String>,
    pub industry: Option<String>,
    pub phone: Option<String>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub notes: Option<String>,
    /// Picks the price list for this customer's quotes (e.g. `reseller`).
    pub customer_group: Option<String>,
    /// The customer's VAT identifier (BT-48), which reverse-charge and intra-community
    /// invoices must name.
    pub vat_id: Option<String>,
}

impl AccountDetails {
    /// The postal address as printed: street, postcode and city, country.
    pub fn address_lines(&self) -> Vec<String> {
        let city = [self.postal_code.as_deref(), self.city.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        [self.street.clone(), Some(city), self.country.clone()]
            .into_iter()
            .flatten()
            .filter(|l| !l.trim().is_empty())
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Account {
    #[schema(value_type = String, format = Uuid)]
    pub id: AccountId,
    #[serde(flatten)]
    pub details: AccountDetails,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

/// Raw account input. On update, a missing field keeps its value and "" clears it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountInput {
    pub name: Option<String>,
    pub domain: Option<String>,
    pub industry: Option<String>,
    pub phone: Option<String>,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub country: Option<String>,
    pub notes: Option<String>,
    /// Lower-cased; blank: none.
    pub customer_group: Option<String>,
    /// E.g. `DE123456789`; spaces, dots and dashes are dropped.
    pub vat_id: Option<String>,
    pub owner_id: Option<String>,
    pub version: Option<i64>,
}

impl AccountDetails {
    pub fn parse(
        input: &AccountInput,
        current: Option<&AccountDetails>,
    ) -> Result<Self, ValidationErrors> {
        let cur = |f: fn(&AccountDetails) -> Option<&str>| current.and_then(f);
        let mut errors = ValidationErrors::default();
        let name = errors.take(Name::parse(
            "name",
            merged(cur(|d| Some(d.name.as_str())), &input.name)
                .as_deref()
                .unwrap_or(""),
        ));
        let domain = errors.take(optional_domain(
            "domain",
            merged(cur(|d| d.domain.as_deref()), &input.domain).as_deref(),
        ));
        let phone = errors.take(optional_phone(
            "phone",
            merged(cur(|d| d.phone.as_deref()), &input.phone).as_deref(),
        ));
        let mut text = |field: &str, cur_value: Option<&str>, new: &Option<String>, max: usize| {
            errors.take(optional_text(field, merged(cur_value, new).as_deref(), max))
        };
        let industry = text(
            "industry",
            cur(|d| d.industry.as_deref()),
            &input.industry,
            Name::MAX,
        );
        let street = text(
            "street",
            cur(|d| d.street.as_deref()),
            &input.street,
            Name::MAX,
        );
        let postal_code = text(
            "postal_code",
            cur(|d| d.postal_code.as_deref()),
            &input.postal_code,
            20,
        );
        let city = text("city", cur(|d| d.city.as_deref()), &input.city, Name::MAX);
        let country = text(
            "country",
            cur(|d| d.country.as_deref()),
            &input.country,
            100,
        );
        let notes = text("notes", cur(|d| d.notes.as_deref()), &input.notes, 10_000);
        let customer_group = errors.take(crate::price_list::customer_group(
            "customer_group",
            merged(cur(|d| d.customer_group.as_deref()), &input.customer_group).as_deref(),
        ));
        let vat_id = errors.take(crate::tax::vat_id(
            "vat_id",
            merged(cur(|d| d.vat_id.as_deref()), &input.vat_id).as_deref(),
        ));
        match (
            name,
            domain,
            phone,
            industry,
            street,
            postal_code,
            city,
            country,
            notes,
            customer_group,
            vat_id,
        ) {
            (
                Some(name),
                Some(domain),
                Some(phone),
                Some(industry),
                Some(street),
                Some(postal_code),
                Some(city),
                Some(country),
                Some(notes),
                Some(customer_group),
                Some(vat_id),
            ) if errors.is_empty() => Ok(Self {
                name,
                domain,
                industry,
                phone,
                street,
                postal_code,
                city,
                country,
                notes,
                customer_group,
                vat_id,
            }),
            _ => Err(errors),
        }
    }
}

impl Fields for Account {
    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        let d = &self.details;
        vec![
            ("name", Some(d.name.to_string())),
            ("domain", d.domain.clone()),
            ("industry", d.industry.clone()),
            ("phone", d.phone.clone()),
            ("street", d.street.clone()),
            ("postal_code", d.postal_code.clone()),
            ("city", d.city.clone()),
            ("country", d.country.clone()),
            ("notes", d.notes.clone()),
            ("customer_group", d.customer_group.clone()),
            ("vat_id", d.vat_id.clone()),
            ("owner_id", Some(self.meta.owner_id.to_string())),
            ("archived", Some(self.meta.archived.to_string())),
        ]
    }
}

impl Account {
    pub fn new(id: AccountId, details: AccountDetails, meta: RecordMeta) -> (Self, Change) {
        let account = Self { id, details, meta };
        let change = Change::new("created", changes::created(&account));
        (account, change)
    }
}

impl crate::record::Mergeable for Account {
    fn merged_details(&self, other: &Account) -> AccountDetails {
        use crate::record::either;
        let (a, b) = (&self.details, &other.details);
        AccountDetails {
            name: a.name.clone(),
            domain: either(&a.domain, &b.domain),
            industry: either(&a.industry, &b.industry),
            phone: either(&a.phone, &b.phone),
            street: either(&a.street, &b.street),
            postal_code: either(&a.postal_code, &b.postal_code),
            city: either(&a.city, &b.city),
            country: either(&a.country, &b.country),
            notes: either(&a.notes, &b.notes),
            customer_group: either(&a.customer_group, &b.customer_group),
            vat_id: either(&a.vat_id, &b.vat_id),
        }
    }
}

impl crate::record::Owned for Account {
    type Details = AccountDetails;

    fn meta_mut(&mut self) -> &mut RecordMeta {
        &mut self.meta
    }

    fn with_details(&self, details: AccountDetails) -> Self {
        Self {
            details,
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_normalises_domain_and_reports_errors() {
        let input = AccountInput {
            name: Some("Acme".into()),
            domain: Some("https://www.ACME.com/".into()),
            ..Default::default()
        };
        assert_eq!(
            AccountDetails::parse(&input, None)
                .unwrap()
                .domain
                .as_deref(),
            Some("acme.com")
        );
        let bad = AccountInput {
            phone: Some("abc".into()),
            postal_code: Some("x".repeat(21)),
            ..Default::default()
        };
        let codes: Vec<_> = AccountDetails::parse(&bad, None)
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| e.code)
            .collect();
        assert_eq!(codes, ["required", "invalid_phone", "too_long"]);
    }
}
