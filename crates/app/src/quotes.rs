//! Quote use cases beyond the generic record ones: sending (with approval when the discount
//! is above the author's limit), approving, comparing revisions, the PDF, portal links and
//! the expiry job.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use salesflow_domain::account::Account;
use salesflow_domain::approval::ApprovalSettings;
use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::changes::FieldChange;
use salesflow_domain::contact::Contact;
use salesflow_domain::event::Change;
use salesflow_domain::opportunity::Opportunity;
use salesflow_domain::quote::diff::{RevisionDiff, diff};
use salesflow_domain::quote::lines::{self, drafts_from_items};
use salesflow_domain::quote::{OpportunityStart, Quote, QuoteError, QuoteInput, QuoteStart};
use salesflow_domain::role::Role;
use serde::Deserialize;
use uuid::Uuid;

use crate::entity::documents::QuoteContext;
use crate::error::{AppError, AppResult};
use crate::list::non_empty;
use crate::mail::MailJob;
use crate::ports::{Doc, DocumentWrite, PortalLink, RecordStore, Scope};
use crate::quote_document::{CompanySettings, Recipient, quote_document, quote_filename};
use crate::{Actor, App};

pub const APPROVAL: &str = "approval";
pub const EXPIRE_QUOTES: &str = "expire_quotes";
/// Portal links stay usable this long after the quote's validity date (to fetch the
/// signed copy).
const LINK_GRACE_DAYS: i64 = 90;

/// Sending a quote (the version the sender saw).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendQuote {
    pub version: i64,
}

/// A manager's decision on a quote waiting for approval.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteDecision {
    pub approve: bool,
    pub comment: Option<String>,
    pub version: i64,
}

/// What sending did.
#[derive(Debug, Clone)]
pub struct Sent {
    pub quote: Quote,
    /// The customer's link (shown once; only its hash is kept). None while waiting for
    /// approval.
    pub portal_url: Option<String>,
    /// Where the e-mail with the PDF goes (the quote's contact), if anywhere.
    pub emailed_to: Option<String>,
    /// Why it is not e-mailed (no mail server, no address of the contact).
    pub not_emailed: Option<String>,
}

pub(crate) fn quote_error(error: QuoteError) -> AppError {
    match error {
        QuoteError::Invalid(errors) => AppError::Invalid(errors),
        QuoteError::Closed(_) => AppError::conflict("quote_closed", error.to_string()),
        QuoteError::WrongStatus { .. } => AppError::conflict("wrong_status", error.to_string()),
        QuoteError::Expired(_) => AppError::conflict("quote_expired", error.to_string()),
        QuoteError::Superseded => AppError::conflict("quote_superseded", error.to_string()),
        QuoteError::OverLimit { .. } => {
            AppError::conflict("over_approval_limit", error.to_string())
        }
        QuoteError::NoLines => AppError::invalid("lines", "lines_required", error.to_string()),
    }
}

impl App {
    pub fn today(&self) -> Date {
        self.now().to_zoned(TimeZone::UTC).date()
    }

    pub async fn approval_settings(&self) -> AppResult<(ApprovalSettings, i64)> {
        self.settings_doc(APPROVAL).await
    }

    pub async fn save_approval_settings(
        &self,
        actor: &Actor,
        settings: &ApprovalSettings,
        version: i64,
    ) -> AppResult<i64> {
        // Managers approve discounts; only admins set how far anyone may go.
        if actor.role != Role::Admin {
            return Err(AppError::Forbidden);
        }
        settings.validate()?;
        self.save_settings_doc(actor, APPROVAL, Resource::Pipeline, settings, version)
            .await
    }

    pub async fn save_company_settings(
        &self,
        actor: &Actor,
        settings: &CompanySettings,
        version: i64,
    ) -> AppResult<i64> {
        settings.validate()?;
        self.save_settings_doc(
            actor,
            crate::quote_document::COMPANY,
            Resource::CompanySettings,
            settings,
            version,
        )
        .await
    }

    /// Where a new or edited quote starts from and what its lines are priced from.
    pub(crate) async fn quote_context(
        &self,
        actor: &Actor,
        input: &QuoteInput,
        current: Option<&Quote>,
    ) -> AppResult<QuoteContext> {
        let opportunity = match (current, non_empty(&input.opportunity_id)) {
            (None, Some(raw)) => {
                let id = raw.parse().map_err(|_| {
                    AppError::invalid("opportunity_id", "invalid_id", "must be an id")
                })?;
                let o: Opportunity = self.get(actor, id).await.map_err(|e| match e {
                    AppError::NotFound => AppError::invalid(
                        "opportunity_id",
                        "not_found",
                        "no such opportunity (or not visible to you)",
                    ),
                    other => other,
                })?;
                Some(OpportunityStart {
                    id: o.id,
                    name: o.details.name.to_string(),
                    account_id: o.details.account_id,
                    contact_id: o.details.contact_id,
                    currency: o.details.currency,
                    case_id: o.case_id,
                    lines: drafts_from_items(&o.details.line_items, o.details.currency),
                })
            }
            _ => None,
        };
        // A new quote's blank lines mean "the opportunity's".
        let blank = matches!(&input.lines, Some(lines::LinesInput::Text(t)) if t.trim().is_empty());
        let drafts = match &input.lines {
            Some(_) if blank && current.is_none() => opportunity.as_ref().map(|o| o.lines.clone()),
            Some(l) => Some(lines::drafts(l)?),
            None => opportunity.as_ref().map(|o| o.lines.clone()),
        };
        let account = non_empty(&input.account_id)
            .and_then(|raw| raw.parse::<Uuid>().ok())
            .or_else(|| current.map(|q| q.details.account_id.0))
            .or_else(|| opportunity.as_ref().and_then(|o| o.account_id.map(|a| a.0)));
        let customer_group = match account {
            Some(id) => RecordStore::<Account>::get(self.store.as_ref(), id, Scope::All)
                .await?
                .and_then(|a| a.details.customer_group),
            None => None,
        };
        let catalogue = self
            .catalogue_for(drafts.as_deref().unwrap_or(&[]), customer_group)
            .await?;
        Ok(QuoteContext {
            start: QuoteStart {
                today: self.today(),
                default_currency: self.config.default_currency,
                opportunity,
            },
            drafts,
            catalogue,
        })
    }

    pub(crate) async fn quote_recipient(
        &self,
        quote: &Quote,
    ) -> AppResult<(Account, Option<Contact>)> {
        let account: Account = RecordStore::<Account>::get(
            self.store.as_ref(),
            quote.details.account_id.0,
            Scope::All,
        )
        .await?
        .ok_or_else(|| AppError::Internal("quote without its account".into()))?;
        let contact = match quote.details.contact_id {
            Some(c) => RecordStore::<Contact>::get(self.store.as_ref(), c.0, Scope::All).await?,
            None => None,
        };
        Ok((account, contact))
    }

    /// The quote as PDF: (file name, bytes).
    pub async fn quote_pdf(&self, actor: &Actor, id: Uuid) -> AppResult<(String, Vec<u8>)> {
        let quote: Quote = self.get(actor, id).await?;
        self.render_quote(&quote).await
    }

    pub(crate) async fn render_quote(&self, quote: &Quote) -> AppResult<(String, Vec<u8>)> {
        let (account, contact) = self.quote_recipient(quote).await?;
        let (company, _) = self.company_settings().await?;
        let to = Recipient {
            account: &account,
            contact: contact.as_ref(),
        };
        let pdf = salesflow_documents::render(&quote_document(quote, &to, &company));
        Ok((quote_filename(quote), pdf))
    }

    /// Sends the quote: above the sender's discount limit it waits for approval instead.
    /// Sending numbers it (first time), supersedes the opportunity's other open quotes, moves
    /// the opportunity's amount to this quote's net total, makes a new portal link and
    /// e-mails the PDF with the link to the quote's contact — all in one transaction.
    pub async fn send_quote(
        &self,
        actor: &Actor,
        id: Uuid,
        request: &SendQuote,
    ) -> AppResult<Sent> {
        let quote: Quote = self
            .load_for_change(actor, id, Action::Update, Some(request.version))
            .await?;
        let now = self.now();
        let (approval, _) = self.approval_settings().await?;
        if let Some(change) = quote
            .request_approval_if_needed(approval.limit_bp(actor.role), self.today(), now)
            .map_err(quote_error)?
        {
            let quote = self.save_change(actor, quote, Some(change)).await?;
            return Ok(Sent {
                quote,
                portal_url: None,
                emailed_to: None,
                not_emailed: None,
            });
        }
        let (_, contact) = self.quote_recipient(&quote).await?;
        // The opportunity first, then its quotes: a send that commits in between moved the
        // opportunity's version on, so this one either sees that quote sent (and supersedes it)
        // or fails on the opportunity's version — never both sent.
        let opportunity = match quote.opportunity_id {
            Some(o) => {
                RecordStore::<Opportunity>::get(self.store.as_ref(), o.0, Scope::All).await?
            }
            None => None,
        };
        let others = match quote.opportunity_id {
            Some(o) => self.store.quotes_of_opportunity(o.0).await?,
            None => Vec::new(),
        };
        let (link, portal_url) = self.new_portal_link(&quote);
        let address = contact
            .as_ref()
            .and_then(|c| c.details.email.as_ref())
            .map(|e| e.to_string());
        // E-mailed only when it can be: otherwise the timeline and the answer say why not.
        let (emailed_to, not_emailed) = match (&address, &self.mailer) {
            (Some(to), Some(_)) => (Some(to.clone()), None),
            (Some(_), None) => (None, Some(crate::mail::NO_MAIL_SERVER)),
            (None, _) => (None, Some("the quote's contact has no e-mail address")),
        };
        let build = |number: Option<String>| {
            let (sent, change) = quote.sent(number, now);
            let mut write = DocumentWrite::default();
            write.events.push(self.event_for(actor, &sent, change));
            for other in others.iter().filter(|o| o.id != quote.id) {
                if let Some((next, change)) = other.supersede(quote.id, now) {
                    write.events.push(self.event_for(actor, &next, change));
                    write
                        .updates
                        .push((Doc::Quote(Box::new(next)), other.meta.version));
                }
            }
            // Every send writes the opportunity (or at least moves its version on), so two
            // quotes of one opportunity sent at once cannot both stay sent.
            if let Some(o) = &opportunity {
                match o.with_quoted_amount(sent.net_amount(), now) {
                    Some((next, change)) => {
                        write.events.push(self.event_for(actor, &next, change));
                        write
                            .updates
                            .push((Doc::Opportunity(Box::new(next)), o.meta.version));
                    }
                    None => write.guards.push(("opportunities", o.id.0, o.meta.version)),
                }
            }
            write.portal_link = Some(link.clone());
            // Links are made from the first send on: an unnumbered quote has none yet.
            write.first_link = quote.number.is_none();
            if let Some(to) = &emailed_to {
                // The message is made when it is sent: the job holds ids, no link, no PDF.
                let job = MailJob::Quote {
                    quote_id: quote.id.0,
                    to: to.clone(),
                };
                write.jobs.push(job.job(now));
            }
            if let (Some(reason), Some(_)) = (not_emailed, &address) {
                let change =
                    crate::mail::mail_change("email_not_sent", address.as_deref(), Some(reason));
                write.events.push(self.event_for(actor, &sent, change));
            }
            write
                .updates
                .insert(0, (Doc::Quote(Box::new(sent)), quote.meta.version));
            write
        };
        let series = quote.number.is_none().then_some("quote");
        let written = self.store.write_documents(series, &build).await?;
        let quote = match written.updates.into_iter().next() {
            Some((Doc::Quote(q), _)) => *q,
            _ => return Err(AppError::Internal("send wrote no quote".into())),
        };
        Ok(Sent {
            quote,
            portal_url: Some(portal_url),
            emailed_to,
            not_emailed: not_emailed.map(str::to_string),
        })
    }

    /// Approves or rejects a quote waiting for approval. Only managers and admins decide,
    /// and approving needs a limit that covers the quote's discount.
    pub async fn decide_quote(
        &self,
        actor: &Actor,
        id: Uuid,
        decision: &QuoteDecision,
    ) -> AppResult<Quote> {
        if !matches!(actor.role, Role::SalesManager | Role::Admin) {
            return Err(AppError::Forbidden);
        }
        let quote: Quote = self
            .load_for_change(actor, id, Action::Read, Some(decision.version))
            .await?;
        let (approval, _) = self.approval_settings().await?;
        let comment = decision.comment.clone().filter(|c| !c.trim().is_empty());
        let change = quote
            .decide(
                decision.approve,
                actor.user_id,
                approval.limit_bp(actor.role),
                comment,
                self.now(),
            )
            .map_err(quote_error)?;
        self.save_change(actor, quote, Some(change)).await
    }

    /// Line-level differences between two revisions of a quote.
    pub async fn quote_diff(
        &self,
        actor: &Actor,
        id: Uuid,
        from: u32,
        to: u32,
    ) -> AppResult<RevisionDiff> {
        let quote: Quote = self.get(actor, id).await?;
        let revision = |n: u32, field: &str| {
            quote.revision_of(n).ok_or_else(|| {
                AppError::invalid(
                    field,
                    "unknown_revision",
                    format!("the quote has revisions 1 to {}", quote.revision),
                )
            })
        };
        Ok(diff(&revision(from, "from")?, &revision(to, "to")?))
    }

    /// The order an accepted quote became, if the reader may see it.
    pub async fn order_of_quote(
        &self,
        actor: &Actor,
        quote: &Quote,
    ) -> AppResult<Option<salesflow_domain::sales_order::SalesOrder>> {
        if quote.status != salesflow_domain::quote::QuoteStatus::Accepted
            || !actor.can(Resource::SalesOrder, Action::Read)
        {
            return Ok(None);
        }
        let Some(order) = self.store.order_of_quote(quote.id).await? else {
            return Ok(None);
        };
        let scope = actor.scope(Resource::SalesOrder)?;
        Ok(
            RecordStore::<salesflow_domain::sales_order::SalesOrder>::get(
                self.store.as_ref(),
                order.id.0,
                scope,
            )
            .await?,
        )
    }

    /// A new customer link for the quote (only its hash is kept) and its address.
    pub(crate) fn new_portal_link(&self, quote: &Quote) -> (PortalLink, String) {
        let token = crate::secret::new_secret("");
        let now = self.now();
        let expires = quote
            .details
            .valid_until
            .checked_add(jiff::Span::new().days(LINK_GRACE_DAYS))
            .ok()
            .and_then(|d| d.to_zoned(TimeZone::UTC).ok())
            .map(|z| z.timestamp())
            .unwrap_or(now);
        let link = PortalLink {
            token_hash: crate::secret::hash_secret(&token),
            document_type: "quote".into(),
            document_id: quote.id.0,
            purpose: "quote".into(),
            created_at: now,
            expires_at: expires,
            revoked_at: None,
        };
        let url = format!(
            "{}/portal/quotes/{}/{token}",
            self.config.public_url.trim_end_matches('/'),
            quote.id
        );
        (link, url)
    }

    /// A fresh customer link for a quote the customer has (the earlier ones stop working),
    /// for a rep who needs to share it again.
    pub async fn renew_quote_link(&self, actor: &Actor, id: Uuid) -> AppResult<String> {
        let quote: Quote = self.get(actor, id).await?;
        actor.require(Resource::Quote, Action::Update)?;
        if !quote.status.with_customer() {
            return Err(AppError::conflict(
                "wrong_status",
                "only a sent quote has a customer link",
            ));
        }
        let (link, url) = self.new_portal_link(&quote);
        let change = Change::new(
            "portal_link_renewed",
            vec![FieldChange {
                field: "portal_link".into(),
                old: Some("replaced".into()),
                new: Some("new".into()),
            }],
        );
        let event = self.event_for(actor, &quote, change);
        let build = |_: Option<String>| DocumentWrite {
            portal_link: Some(link.clone()),
            events: vec![event.clone()],
            ..Default::default()
        };
        self.store.write_documents(None, &build).await?;
        Ok(url)
    }

    /// Makes the quote's portal links stop working.
    pub async fn revoke_quote_links(&self, actor: &Actor, id: Uuid) -> AppResult<u64> {
        let quote: Quote = self.get(actor, id).await?;
        actor.require(Resource::Quote, Action::Update)?;
        let change = Change::new(
            "portal_links_revoked",
            vec![FieldChange {
                field: "portal_link".into(),
                old: Some("active".into()),
                new: Some("revoked".into()),
            }],
        );
        let event = self.event_for(actor, &quote, change);
        Ok(self
            .store
            .revoke_portal_links(quote.id.0, self.now(), &event)
            .await?)
    }

    /// The job: quotes past their validity date expire (a batch per run).
    pub async fn expire_quotes(&self) -> AppResult<usize> {
        let quotes = self.store.quotes_past_validity(self.today(), 200).await?;
        let mut expired = 0;
        for quote in quotes {
            let Some((next, change)) = quote.expire(self.today(), self.now()) else {
                continue;
            };
            let event = self.event_for_system(&next, change);
            let build = |_: Option<String>| DocumentWrite {
                updates: vec![(Doc::Quote(Box::new(next.clone())), quote.meta.version)],
                events: vec![event.clone()],
                ..Default::default()
            };
            match self.store.write_documents(None, &build).await {
                Ok(_) => expired += 1,
                // Changed meanwhile (accepted, revised): the next run sees its new state.
                Err(crate::ports::StoreError::VersionConflict { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(expired)
    }
}

pub(crate) fn quote_mail_text(quote: &Quote, company: &CompanySettings, link: &str) -> String {
    format!(
        "Hello,\n\nplease find attached our quote {} \"{}\" (revision {}), valid until {}.\n\n\
         Total: {} {}\n\nView, accept or ask for changes online:\n{link}\n\nKind regards,\n{}\n",
        quote.number.clone().unwrap_or_default(),
        quote.details.title,
        quote.revision,
        quote.details.valid_until,
        quote.details.currency.code(),
        quote.total,
        company.name
    )
}
