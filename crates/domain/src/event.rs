//! Events: every state change and field change becomes one row of the append-only log.

use crate::changes::FieldChange;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The document types that appear in the event log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityType {
    User,
    Team,
    Account,
    Contact,
    Lead,
    ApiToken,
    Pipeline,
    Opportunity,
    Activity,
    Campaign,
    WebForm,
    Product,
    Quote,
    SalesOrder,
    PriceList,
    Delivery,
    Invoice,
    Payment,
    /// A settings document (company and bank details, taxes, the sales process's rules).
    Settings,
}

impl EntityType {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::User => "user",
            EntityType::Team => "team",
            EntityType::Account => "account",
            EntityType::Contact => "contact",
            EntityType::Lead => "lead",
            EntityType::ApiToken => "api_token",
            EntityType::Pipeline => "pipeline",
            EntityType::Opportunity => "opportunity",
            EntityType::Activity => "activity",
            EntityType::Campaign => "campaign",
            EntityType::WebForm => "web_form",
            EntityType::Product => "product",
            EntityType::Quote => "quote",
            EntityType::SalesOrder => "sales_order",
            EntityType::PriceList => "price_list",
            EntityType::Delivery => "delivery",
            EntityType::Invoice => "invoice",
            EntityType::Payment => "payment",
            EntityType::Settings => "settings",
        }
    }

    pub const ALL: [EntityType; 19] = [
        Self::User,
        Self::Team,
        Self::Account,
        Self::Contact,
        Self::Lead,
        Self::ApiToken,
        Self::Pipeline,
        Self::Opportunity,
        Self::Activity,
        Self::Campaign,
        Self::WebForm,
        Self::Product,
        Self::Quote,
        Self::SalesOrder,
        Self::PriceList,
        Self::Delivery,
        Self::Invoice,
        Self::Payment,
        Self::Settings,
    ];

    /// The page path segment of this kind of record (`/quotes/{id}`), where it has a page.
    pub fn page(self) -> Option<&'static str> {
        Some(match self {
            EntityType::Lead => "leads",
            EntityType::Account => "accounts",
            EntityType::Contact => "contacts",
            EntityType::Opportunity => "opportunities",
            EntityType::Activity => "activities",
            EntityType::Quote => "quotes",
            EntityType::SalesOrder => "orders",
            EntityType::Delivery => "deliveries",
            EntityType::Invoice => "invoices",
            _ => return None,
        })
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

impl fmt::Display for EntityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happened to one document, before the application adds who, when and the ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// A stable verb such as `created`, `updated`, `status_changed`, `archived`.
    pub activity: &'static str,
    pub from_state: Option<String>,
    pub to_state: Option<String>,
    pub fields: Vec<FieldChange>,
}

impl Change {
    pub fn new(activity: &'static str, fields: Vec<FieldChange>) -> Self {
        Self {
            activity,
            from_state: None,
            to_state: None,
            fields,
        }
    }

    pub fn transition(
        activity: &'static str,
        from: &str,
        to: &str,
        fields: Vec<FieldChange>,
    ) -> Self {
        Self {
            activity,
            from_state: Some(from.to_string()),
            to_state: Some(to.to_string()),
            fields,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::EntityType;

    #[test]
    fn entity_types_round_trip() {
        for e in EntityType::ALL {
            assert_eq!(EntityType::parse(e.as_str()), Some(e));
        }
        assert_eq!(EntityType::parse("nope"), None);
    }
}
