//! Converting a qualified lead in one step into account + contact + opportunity, reusing an
//! existing account (same web domain or name) and contact (same e-mail) when there is one.
//! Everything is written in one transaction; the opportunity continues the lead's case.

use salesflow_domain::account::{Account, AccountDetails};
use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::contact::{Contact, ContactDetails};
use salesflow_domain::conversion;
use salesflow_domain::ids::{AccountId, ContactId, OpportunityId};
use salesflow_domain::lead::{Conversion, Lead, TransitionError};
use salesflow_domain::opportunity::{Opportunity, OpportunityDetails, OpportunityInput};
use salesflow_domain::record::RecordMeta;
use serde::Deserialize;
use uuid::Uuid;

use crate::entity::Entity;
use crate::error::{AppError, AppResult};
use crate::ports::{ConversionWrite, EventRecord};
use crate::{Actor, App};

/// How to convert a lead. Everything is optional: by default an existing account and contact
/// are reused when found, otherwise created, and an opportunity is opened.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConvertLead {
    pub version: i64,
    /// Use this account instead of finding or creating one.
    pub account_id: Option<String>,
    /// Use this contact instead of finding or creating one.
    pub contact_id: Option<String>,
    /// Open an opportunity (default true).
    pub create_opportunity: Option<bool>,
    pub opportunity_name: Option<String>,
    /// Decimal amount of the opportunity.
    pub amount: Option<String>,
    pub currency: Option<String>,
    /// YYYY-MM-DD.
    pub close_date: Option<String>,
    /// The pipeline (default pipeline when omitted).
    pub pipeline_id: Option<String>,
}

/// What a conversion produced.
#[derive(Debug, Clone)]
pub struct Converted {
    pub lead: Lead,
    pub account: Account,
    pub account_created: bool,
    pub contact: Contact,
    pub contact_created: bool,
    pub opportunity: Option<Opportunity>,
}

fn chosen_id(field: &str, raw: &Option<String>) -> AppResult<Option<Uuid>> {
    match raw.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| AppError::invalid(field, "invalid_id", "must be an id")),
    }
}

impl App {
    pub async fn convert_lead(
        &self,
        actor: &Actor,
        id: Uuid,
        request: &ConvertLead,
    ) -> AppResult<Converted> {
        let lead: Lead = self
            .load_for_change(actor, id, Action::Update, Some(request.version))
            .await?;
        let with_opportunity = request.create_opportunity.unwrap_or(true);
        actor.require(Resource::Account, Action::Read)?;
        actor.require(Resource::Contact, Action::Read)?;
        if with_opportunity {
            actor.require(Resource::Opportunity, Action::Create)?;
        }
        if salesflow_domain::lead::next_status(
            lead.status,
            salesflow_domain::lead::LeadAction::Convert,
        )
        .is_none()
        {
            let e = TransitionError::NotAllowed {
                from: lead.status,
                action: salesflow_domain::lead::LeadAction::Convert,
            };
            return Err(AppError::conflict("transition_not_allowed", e.to_string()));
        }
        let now = self.now();
        // New records belong to the lead's owner, so the whole sale stays with them.
        let meta = RecordMeta::new(lead.meta.owner_id, lead.meta.team_id, now);
        let mut events: Vec<EventRecord> = Vec::new();

        let (account, account_created) = match chosen_id("account_id", &request.account_id)? {
            Some(id) => (
                self.get::<Account>(actor, id).await.map_err(|_| {
                    AppError::invalid("account_id", "unknown_account", "no account with this id")
                })?,
                false,
            ),
            None => {
                let scope = actor.scope(Resource::Account)?;
                let domain = conversion::company_domain(&lead);
                let name = conversion::account_name(&lead);
                match self
                    .store
                    .find_account(domain.as_deref(), Some(&name), scope)
                    .await?
                {
                    Some(found) => (found, false),
                    None => {
                        actor.require(Resource::Account, Action::Create)?;
                        let details =
                            AccountDetails::parse(&conversion::account_input(&lead), None)?;
                        let (account, change) =
                            Account::new(AccountId(Uuid::now_v7()), details, meta.clone());
                        events.push(self.event_for(actor, &account, change));
                        (account, true)
                    }
                }
            }
        };
        // A contact belongs to the opportunity's account (or to none).
        let fits = |c: &Contact| c.details.account_id.is_none_or(|a| a == account.id);
        let (contact, contact_created) = match chosen_id("contact_id", &request.contact_id)? {
            Some(id) => {
                let chosen = self.get::<Contact>(actor, id).await.map_err(|_| {
                    AppError::invalid("contact_id", "unknown_contact", "no contact with this id")
                })?;
                if !fits(&chosen) {
                    return Err(AppError::invalid(
                        "contact_id",
                        "contact_not_at_account",
                        "the contact works at another account",
                    ));
                }
                (chosen, false)
            }
            None => {
                let scope = actor.scope(Resource::Contact)?;
                let found = match &lead.details.email {
                    Some(email) => self
                        .store
                        .find_contact(email.as_str(), scope)
                        .await?
                        .filter(fits),
                    None => None,
                };
                match found {
                    Some(found) => (found, false),
                    None => {
                        actor.require(Resource::Contact, Action::Create)?;
                        let input = conversion::contact_input(&lead, &account.id.to_string());
                        let details = ContactDetails::parse(&input, None)?;
                        let (contact, change) =
                            Contact::new(ContactId(Uuid::now_v7()), details, meta.clone());
                        events.push(self.event_for(actor, &contact, change));
                        (contact, true)
                    }
                }
            }
        };
        let opportunity = if with_opportunity {
            let pipeline = self
                .pipeline_for_new(request.pipeline_id.as_deref())
                .await?;
            let input = OpportunityInput {
                name: Some(
                    request
                        .opportunity_name
                        .clone()
                        .filter(|n| !n.trim().is_empty())
                        .unwrap_or_else(|| {
                            conversion::opportunity_name(account.details.name.as_str())
                        }),
                ),
                account_id: Some(account.id.to_string()),
                contact_id: Some(contact.id.to_string()),
                amount: request.amount.clone(),
                currency: request.currency.clone(),
                close_date: request.close_date.clone(),
                ..Default::default()
            };
            let details = OpportunityDetails::parse(
                &input,
                None,
                self.config.default_currency,
                pipeline.first_stage().probability,
            )?;
            let (opportunity, change) = Opportunity::new(
                OpportunityId(Uuid::now_v7()),
                details,
                &pipeline,
                None,
                Some(lead.id),
                Some(lead.case_id()),
                meta.clone(),
            )?;
            events.push(self.event_for(actor, &opportunity, change));
            Some(opportunity)
        } else {
            None
        };
        let links = Conversion {
            account_id: account.id,
            contact_id: contact.id,
            opportunity_id: opportunity.as_ref().map(|o| o.id),
        };
        let (converted, change) = lead
            .convert(links, now)
            .map_err(|e| AppError::conflict("transition_not_allowed", e.to_string()))?;
        events.push(self.event_for(actor, &converted, change));
        self.store
            .save_conversion(ConversionWrite {
                lead: &converted,
                lead_version: lead.meta.version,
                account: account_created.then_some(&account),
                contact: contact_created.then_some(&contact),
                opportunity: opportunity.as_ref(),
                events: &events,
            })
            .await?;
        Ok(Converted {
            lead: converted,
            account,
            account_created,
            contact,
            contact_created,
            opportunity,
        })
    }
}
