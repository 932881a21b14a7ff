//! How each owned record type appears on the web: its URL, names, form fields and list
//! columns. The API and UI handlers are generic over this trait.

use salesflow_app::entity::Entity;
use salesflow_domain::account::Account;
use salesflow_domain::activity::Activity;
use salesflow_domain::campaign::Campaign;
use salesflow_domain::contact::Contact;
use salesflow_domain::lead::Lead;
use salesflow_domain::opportunity::Opportunity;
use salesflow_domain::web_form::WebForm;

mod documents;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Email,
    Tel,
    LongText,
    Choice(&'static [&'static str]),
    /// A user id, picked from the users.
    Owner,
    /// An account id, picked from the accounts.
    Account,
    /// A contact id, picked from the contacts.
    Contact,
    /// A calendar date (YYYY-MM-DD).
    Date,
    /// A whole number in a range.
    Number,
    /// A pipeline id; chosen only when creating (stages change by moves).
    Pipeline,
    /// A date and time (UTC).
    DateTime,
    /// Set by the page (e.g. the record an activity is about), not typed by the user.
    Hidden,
    /// A campaign id, picked from the campaigns.
    Campaign,
    /// Opportunity line items, one per line (`2 x Licence @ 1200.00`).
    LineItems,
    /// Quote lines, one per line (`3 x SKU @ 100.00 -10% [standard]`).
    QuoteLines,
    /// Price list prices, one per line (`SKU 12.00`).
    Prices,
}

#[derive(Debug, Clone, Copy)]
pub struct FieldSpec {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub required: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    pub label: &'static str,
    pub field: &'static str,
    /// The sort key when the column can be sorted by.
    pub sort: Option<&'static str>,
}

const fn field(name: &'static str, label: &'static str, kind: FieldKind) -> FieldSpec {
    FieldSpec {
        name,
        label,
        kind,
        required: false,
    }
}

const fn required(name: &'static str, label: &'static str) -> FieldSpec {
    FieldSpec {
        name,
        label,
        kind: FieldKind::Text,
        required: true,
    }
}

pub trait WebResource: Entity + utoipa::ToSchema {
    /// URL segment, e.g. `leads`.
    const PATH: &'static str;
    /// JSON key of a list, e.g. `leads` (the path, unless that has a hyphen).
    const MANY: &'static str = Self::PATH;
    /// JSON key of one record, e.g. `lead`.
    const ONE: &'static str;
    const TITLE: &'static str;
    const LABEL: &'static str;
    const FIELDS: &'static [FieldSpec];
    /// List columns; the first links to the record.
    const COLUMNS: &'static [ColumnSpec];
}

impl WebResource for Lead {
    const PATH: &'static str = "leads";
    const ONE: &'static str = "lead";
    const TITLE: &'static str = "Leads";
    const LABEL: &'static str = "Lead";
    const FIELDS: &'static [FieldSpec] = &[
        field("first_name", "First name", FieldKind::Text),
        required("last_name", "Last name"),
        field("company", "Company", FieldKind::Text),
        field("title", "Job title", FieldKind::Text),
        field("email", "E-mail", FieldKind::Email),
        field("phone", "Phone", FieldKind::Tel),
        field("source", "Source", FieldKind::Choice(Lead::SOURCES)),
        field("campaign_id", "Campaign", FieldKind::Campaign),
        field("campaign", "Campaign code", FieldKind::Text),
        field("owner_id", "Owner", FieldKind::Owner),
        field("notes", "Notes", FieldKind::LongText),
    ];
    const COLUMNS: &'static [ColumnSpec] = &[
        ColumnSpec {
            label: "Name",
            field: "name",
            sort: Some("last_name"),
        },
        ColumnSpec {
            label: "Company",
            field: "company",
            sort: Some("company"),
        },
        ColumnSpec {
            label: "Status",
            field: "status",
            sort: Some("status"),
        },
        ColumnSpec {
            label: "Source",
            field: "source",
            sort: None,
        },
        ColumnSpec {
            label: "Owner",
            field: "owner_id",
            sort: None,
        },
        ColumnSpec {
            label: "Created",
            field: "created_at",
            sort: Some("created_at"),
        },
    ];
}

impl WebResource for Account {
    const PATH: &'static str = "accounts";
    const ONE: &'static str = "account";
    const TITLE: &'static str = "Accounts";
    const LABEL: &'static str = "Account";
    const FIELDS: &'static [FieldSpec] = &[
        required("name", "Name"),
        field("domain", "Web domain", FieldKind::Text),
        field("industry", "Industry", FieldKind::Text),
        field("phone", "Phone", FieldKind::Tel),
        field("street", "Street", FieldKind::Text),
        field("postal_code", "Postal code", FieldKind::Text),
        field("city", "City", FieldKind::Text),
        field("country", "Country", FieldKind::Text),
        field("owner_id", "Owner", FieldKind::Owner),
        field(
            "customer_group",
            "Customer group (price list)",
            FieldKind::Text,
        ),
        field("vat_id", "VAT ID", FieldKind::Text),
        field("notes", "Notes", FieldKind::LongText),
    ];
    const COLUMNS: &'static [ColumnSpec] = &[
        ColumnSpec {
            label: "Name",
            field: "name",
            sort: Some("name"),
        },
        ColumnSpec {
            label: "Domain",
            field: "domain",
            sort: None,
        },
        ColumnSpec {
            label: "Industry",
            field: "industry",
            sort: None,
        },
        ColumnSpec {
            label: "City",
            field: "city",
            sort: Some("city"),
        },
        ColumnSpec {
            label: "Owner",
            field: "owner_id",
            sort: None,
        },
        ColumnSpec {
            label: "Created",
            field: "created_at",
            sort: Some("created_at"),
        },
    ];
}

impl WebResource for Contact {
    const PATH: &'static str = "contacts";
    const ONE: &'static str = "contact";
    const TITLE: &'static str = "Contacts";
    const LABEL: &'static str = "Contact";
    const FIELDS: &'static [FieldSpec] = &[
        field("first_name", "First name", FieldKind::Text),
        required("last_name", "Last name"),
        field("account_id", "Account", FieldKind::Account),
        field("title", "Job title", FieldKind::Text),
        field("email", "E-mail", FieldKind::Email),
        field("phone", "Phone", FieldKind::Tel),
        field("owner_id", "Owner", FieldKind::Owner),
        field("notes", "Notes", FieldKind::LongText),
    ];
    const COLUMNS: &'static [ColumnSpec] = &[
        ColumnSpec {
            label: "Name",
            field: "name",
            sort: Some("last_name"),
        },
        ColumnSpec {
            label: "Title",
            field: "title",
            sort: None,
        },
        ColumnSpec {
            label: "E-mail",
            field: "email",
            sort: None,
        },
        ColumnSpec {
            label: "Phone",
            field: "phone",
            sort: None,
        },
        ColumnSpec {
            label: "Owner",
            field: "owner_id",
            sort: None,
        },
        ColumnSpec {
            label: "Created",
            field: "created_at",
            sort: Some("created_at"),
        },
    ];
}

impl WebResource for Opportunity {
    const PATH: &'static str = "opportunities";
    const ONE: &'static str = "opportunity";
    const TITLE: &'static str = "Opportunities";
    const LABEL: &'static str = "Opportunity";
    const FIELDS: &'static [FieldSpec] = &[
        required("name", "Name"),
        field("pipeline_id", "Pipeline", FieldKind::Pipeline),
        field("account_id", "Account", FieldKind::Account),
        field("contact_id", "Contact", FieldKind::Contact),
        field("amount", "Amount", FieldKind::Text),
        field("currency", "Currency", FieldKind::Text),
        field("close_date", "Expected close", FieldKind::Date),
        field("probability", "Probability %", FieldKind::Number),
        field("competitor", "Competitor", FieldKind::Text),
        field(
            "line_items",
            "Line items (2 x Licence @ 1200.00, or 2 x SKU for a product)",
            FieldKind::LineItems,
        ),
        field("owner_id", "Owner", FieldKind::Owner),
        field("notes", "Notes", FieldKind::LongText),
    ];
    const COLUMNS: &'static [ColumnSpec] = &[
        ColumnSpec {
            label: "Name",
            field: "name",
            sort: Some("name"),
        },
        ColumnSpec {
            label: "Stage",
            field: "stage_key",
            sort: None,
        },
        ColumnSpec {
            label: "Amount",
            field: "amount",
            sort: None,
        },
        ColumnSpec {
            label: "Expected close",
            field: "close_date",
            sort: Some("close_date"),
        },
        ColumnSpec {
            label: "Owner",
            field: "owner_id",
            sort: None,
        },
        ColumnSpec {
            label: "Created",
            field: "created_at",
            sort: Some("created_at"),
        },
    ];
}

const ACTIVITY_KINDS: &[&str] = &["call", "email", "meeting", "task", "note"];

impl WebResource for Activity {
    const PATH: &'static str = "activities";
    const ONE: &'static str = "activity";
    const TITLE: &'static str = "Activities";
    const LABEL: &'static str = "Activity";
    const FIELDS: &'static [FieldSpec] = &[
        field("kind", "Type", FieldKind::Choice(ACTIVITY_KINDS)),
        required("subject", "Subject"),
        field("due_at", "Due", FieldKind::DateTime),
        field("owner_id", "Owner", FieldKind::Owner),
        field("notes", "Notes", FieldKind::LongText),
        field("related_type", "About", FieldKind::Hidden),
        field("related_id", "About", FieldKind::Hidden),
    ];
    const COLUMNS: &'static [ColumnSpec] = &[
        ColumnSpec {
            label: "Subject",
            field: "name",
            sort: Some("subject"),
        },
        ColumnSpec {
            label: "Type",
            field: "kind",
            sort: None,
        },
        ColumnSpec {
            label: "Due",
            field: "due_at",
            sort: None,
        },
        ColumnSpec {
            label: "Status",
            field: "status",
            sort: Some("status"),
        },
        ColumnSpec {
            label: "Owner",
            field: "owner_id",
            sort: None,
        },
        ColumnSpec {
            label: "Created",
            field: "created_at",
            sort: Some("created_at"),
        },
    ];
}

/// Keeps the kinds offered in forms in step with the domain's.
#[cfg(test)]
#[test]
fn activity_kinds_match_the_domain() {
    let domain: Vec<&str> = salesflow_domain::activity::ActivityKind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(domain, ACTIVITY_KINDS);
}

const CHANNELS: &[&str] = &[
    "email",
    "event",
    "webinar",
    "advertising",
    "social",
    "partner",
    "other",
];
const CAMPAIGN_STATUSES: &[&str] = &["planned", "active", "completed"];
const YES_NO: &[&str] = &["true", "false"];

impl WebResource for Campaign {
    const PATH: &'static str = "campaigns";
    const ONE: &'static str = "campaign";
    const TITLE: &'static str = "Campaigns";
    const LABEL: &'static str = "Campaign";
    const FIELDS: &'static [FieldSpec] = &[
        required("name", "Name"),
        field("channel", "Channel", FieldKind::Choice(CHANNELS)),
        field("status", "Status", FieldKind::Choice(CAMPAIGN_STATUSES)),
        field("start_date", "Starts", FieldKind::Date),
        field("end_date", "Ends", FieldKind::Date),
        field("budget", "Budget", FieldKind::Text),
        field("currency", "Currency", FieldKind::Text),
        field("owner_id", "Owner", FieldKind::Owner),
        field("notes", "Notes", FieldKind::LongText),
    ];
    const COLUMNS: &'static [ColumnSpec] = &[
        ColumnSpec {
            label: "Name",
            field: "name",
            sort: Some("name"),
        },
        ColumnSpec {
            label: "Channel",
            field: "channel",
            sort: None,
        },
        ColumnSpec {
            label: "Status",
            field: "status",
            sort: Some("status"),
        },
        ColumnSpec {
            label: "Starts",
            field: "start_date",
            sort: None,
        },
        ColumnSpec {
            label: "Owner",
            field: "owner_id",
            sort: None,
        },
        ColumnSpec {
            label: "Created",
            field: "created_at",
            sort: Some("created_at"),
        },
    ];
}

impl WebResource for WebForm {
    const PATH: &'static str = "web-forms";
    const MANY: &'static str = "web_forms";
    const ONE: &'static str = "web_form";
    const TITLE: &'static str = "Web forms";
    const LABEL: &'static str = "Web form";
    const FIELDS: &'static [FieldSpec] = &[
        required("name", "Name"),
        field("campaign_id", "Campaign", FieldKind::Campaign),
        field("fields", "Fields (a * marks required)", FieldKind::Text),
        field("thank_you", "Thank-you text", FieldKind::LongText),
        field("active", "Active", FieldKind::Choice(YES_NO)),
        field("owner_id", "Leads go to", FieldKind::Owner),
    ];
    const COLUMNS: &'static [ColumnSpec] = &[
        ColumnSpec {
            label: "Name",
            field: "name",
            sort: Some("name"),
        },
        ColumnSpec {
            label: "Fields",
            field: "fields",
            sort: None,
        },
        ColumnSpec {
            label: "Active",
            field: "active",
            sort: None,
        },
        ColumnSpec {
            label: "Owner",
            field: "owner_id",
            sort: None,
        },
        ColumnSpec {
            label: "Created",
            field: "created_at",
            sort: Some("created_at"),
        },
    ];
}
