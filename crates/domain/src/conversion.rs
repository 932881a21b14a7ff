//! What a converted lead becomes: the account, contact and opportunity inputs made from it,
//! and the company domain used to find an existing account.

use crate::account::AccountInput;
use crate::contact::ContactInput;
use crate::lead::Lead;

/// Mail providers whose domain says nothing about the company.
const FREE_MAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "yahoo.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "proton.me",
    "protonmail.com",
];

/// The company web domain of a lead's e-mail address, unless it is a free-mail provider.
pub fn company_domain(lead: &Lead) -> Option<String> {
    let email = lead.details.email.as_ref()?;
    let domain = email.domain().to_lowercase();
    (!domain.is_empty() && !FREE_MAIL.contains(&domain.as_str())).then_some(domain)
}

/// The account name for a lead: its company, or the person when there is none.
pub fn account_name(lead: &Lead) -> String {
    lead.details
        .company
        .clone()
        .unwrap_or_else(|| lead.details.full_name())
}

pub fn account_input(lead: &Lead) -> AccountInput {
    AccountInput {
        name: Some(account_name(lead)),
        domain: company_domain(lead),
        phone: lead.details.phone.clone(),
        ..Default::default()
    }
}

pub fn contact_input(lead: &Lead, account_id: &str) -> ContactInput {
    let d = &lead.details;
    ContactInput {
        account_id: Some(account_id.to_string()),
        first_name: d.first_name.clone(),
        last_name: Some(d.last_name.to_string()),
        title: d.title.clone(),
        email: d.email.as_ref().map(ToString::to_string),
        phone: d.phone.clone(),
        notes: d.notes.clone(),
        ..Default::default()
    }
}

/// The default name of the opportunity a lead converts into.
pub fn opportunity_name(account: &str) -> String {
    format!("{account} — new business")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{LeadId, UserId};
    use crate::lead::{LeadDetails, LeadInput, LeadSource};
    use crate::record::RecordMeta;
    use jiff::Timestamp;
    use uuid::Uuid;

    fn lead(email: &str, company: Option<&str>) -> Lead {
        let input = LeadInput {
            first_name: Some("Ada".into()),
            last_name: Some("Lovelace".into()),
            email: Some(email.into()),
            company: company.map(Into::into),
            ..Default::default()
        };
        let details = LeadDetails::parse(&input, None, LeadSource::Manual).unwrap();
        Lead::new(
            LeadId(Uuid::nil()),
            details,
            RecordMeta::new(UserId(Uuid::nil()), None, Timestamp::UNIX_EPOCH),
        )
        .0
    }

    #[test]
    fn company_domain_skips_free_mail() {
        assert_eq!(
            company_domain(&lead("ada@Engines.example", None)).as_deref(),
            Some("engines.example")
        );
        assert_eq!(company_domain(&lead("ada@gmail.com", None)), None);
        assert_eq!(account_name(&lead("a@b.example", None)), "Ada Lovelace");
        assert_eq!(
            account_input(&lead("a@b.example", Some("Engines")))
                .name
                .as_deref(),
            Some("Engines")
        );
    }
}
