//! The customer portal: what someone holding a quote's link may see and do without an
//! account. A link is bound to one document and purpose, expires and can be revoked; any
//! mismatch is "not found", so links cannot be probed.

use salesflow_domain::ids::SalesOrderId;
use salesflow_domain::opportunity::Opportunity;
use salesflow_domain::quote::{Quote, QuoteError, QuoteStatus};
use salesflow_domain::sales_order::{SalesOrder, Signature};
use uuid::Uuid;

use crate::App;
use crate::error::{AppError, AppResult};
use crate::ports::{Doc, DocumentWrite, RecordStore, Scope, StoreError};
use crate::quote_document::CompanySettings;
use crate::quotes::quote_error;

/// What the customer sees.
#[derive(Debug, Clone)]
pub struct PortalQuote {
    pub quote: Quote,
    pub account_name: String,
    pub company: CompanySettings,
    pub order: Option<SalesOrder>,
    /// Past its validity date (even before the expiry job has run).
    pub past_validity: bool,
}

/// A customer's answer as it arrives from the portal.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct PortalAnswer {
    /// Accept: the full name typed as signature.
    pub signed_name: Option<String>,
    /// Request changes: what to change. Decline: why.
    pub comment: Option<String>,
}

impl App {
    async fn linked_quote(&self, quote_id: Uuid, token: &str) -> AppResult<Quote> {
        let hash = crate::secret::hash_secret(token);
        let link = self
            .store
            .portal_link(&hash)
            .await?
            .filter(|l| {
                l.document_type == "quote"
                    && l.purpose == "quote"
                    && l.document_id == quote_id
                    && l.revoked_at.is_none()
                    && l.expires_at > self.now()
            })
            .ok_or(AppError::NotFound)?;
        RecordStore::<Quote>::get(self.store.as_ref(), link.document_id, Scope::All)
            .await?
            .filter(|q| !q.meta.archived)
            .ok_or(AppError::NotFound)
    }

    pub async fn portal_quote(&self, quote_id: Uuid, token: &str) -> AppResult<PortalQuote> {
        let quote = self
            .linked_quote(quote_id, token)
            .await?
            .as_shown_to_customer();
        let (account, _) = self.quote_recipient(&quote).await?;
        let (company, _) = self.company_settings().await?;
        let order = match quote.status {
            QuoteStatus::Accepted => self.store.order_of_quote(quote.id).await?,
            _ => None,
        };
        Ok(PortalQuote {
            past_validity: quote.past_validity(self.today()),
            account_name: account.details.name.to_string(),
            quote,
            company,
            order,
        })
    }

    pub async fn portal_pdf(&self, quote_id: Uuid, token: &str) -> AppResult<(String, Vec<u8>)> {
        let quote = self
            .linked_quote(quote_id, token)
            .await?
            .as_shown_to_customer();
        self.render_quote(&quote).await
    }

    pub async fn portal_request_changes(
        &self,
        quote_id: Uuid,
        token: &str,
        answer: &PortalAnswer,
        ip: Option<String>,
    ) -> AppResult<Quote> {
        self.customer_answer(quote_id, token, |quote, today, now| {
            let comment = answer.comment.as_deref().unwrap_or_default();
            quote.customer_requests_changes(comment, ip, today, now)
        })
        .await
    }

    pub async fn portal_decline(
        &self,
        quote_id: Uuid,
        token: &str,
        answer: &PortalAnswer,
        ip: Option<String>,
    ) -> AppResult<Quote> {
        self.customer_answer(quote_id, token, |quote, today, now| {
            let reason = answer.comment.as_deref().unwrap_or_default();
            quote.customer_declines(reason, ip, today, now)
        })
        .await
    }

    /// An answer that changes only the quote, saved with its event (no signed-in actor).
    async fn customer_answer(
        &self,
        quote_id: Uuid,
        token: &str,
        answer: impl FnOnce(
            &Quote,
            jiff::civil::Date,
            jiff::Timestamp,
        ) -> Result<(Quote, salesflow_domain::event::Change), QuoteError>,
    ) -> AppResult<Quote> {
        let quote = self.linked_quote(quote_id, token).await?;
        let (next, change) = answer(&quote, self.today(), self.now()).map_err(quote_error)?;
        let event = self.event_for_customer(&next, change);
        RecordStore::<Quote>::update(self.store.as_ref(), &next, quote.meta.version, &event)
            .await?;
        Ok(next)
    }

    /// The customer accepts: in one transaction the quote is accepted, the sales order is
    /// created with the quote's lines, terms and signature, and the opportunity is won.
    /// Accepting again (a second click, another tab) returns the same order.
    pub async fn portal_accept(
        &self,
        quote_id: Uuid,
        token: &str,
        answer: &PortalAnswer,
        ip: Option<String>,
    ) -> AppResult<(Quote, SalesOrder)> {
        let quote = self.linked_quote(quote_id, token).await?;
        if quote.status == QuoteStatus::Accepted {
            return self.accepted_order(quote).await;
        }
        let now = self.now();
        let name = answer.signed_name.as_deref().unwrap_or_default();
        let (accepted, change) = quote
            .customer_accepts(name, ip.clone(), self.today(), now)
            .map_err(quote_error)?;
        let opportunity = match quote.opportunity_id {
            Some(o) => {
                RecordStore::<Opportunity>::get(self.store.as_ref(), o.0, Scope::All).await?
            }
            None => None,
        };
        let pipeline = match &opportunity {
            Some(o) => self.store.pipeline(o.pipeline_id).await?,
            None => None,
        };
        let signature = Signature {
            name: name.trim().to_string(),
            ip,
            at: now,
        };
        let order_id = SalesOrderId(Uuid::now_v7());
        let quote_event = self.event_for_customer(&accepted, change);
        let build = |number: Option<String>| {
            let (order, created) = SalesOrder::from_accepted(
                order_id,
                number.unwrap_or_default(),
                &accepted,
                signature.clone(),
                now,
            );
            let mut write = DocumentWrite {
                updates: vec![(Doc::Quote(Box::new(accepted.clone())), quote.meta.version)],
                events: vec![quote_event.clone(), self.event_for_system(&order, created)],
                ..Default::default()
            };
            if let (Some(o), Some(p)) = (&opportunity, &pipeline)
                && let Some((won, change)) = o.won_by_order(p, accepted.net_amount(), now)
            {
                write.events.push(self.event_for_system(&won, change));
                write
                    .updates
                    .push((Doc::Opportunity(Box::new(won)), o.meta.version));
            }
            write.inserts.push(Doc::Order(Box::new(order)));
            write
        };
        match self
            .store
            .write_documents(Some("sales_order"), &build)
            .await
        {
            Ok(written) => match written.inserts.into_iter().next() {
                Some(Doc::Order(order)) => Ok((accepted, *order)),
                _ => Err(AppError::Internal("acceptance wrote no order".into())),
            },
            // Someone (another tab) got there first: answer with what they did.
            Err(StoreError::VersionConflict { .. }) | Err(StoreError::Unique(_)) => {
                let current = self.linked_quote(quote_id, token).await?;
                if current.status == QuoteStatus::Accepted {
                    self.accepted_order(current).await
                } else {
                    Err(AppError::conflict(
                        "quote_changed",
                        "the quote was changed meanwhile; reload the page",
                    ))
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn accepted_order(&self, quote: Quote) -> AppResult<(Quote, SalesOrder)> {
        let order = self
            .store
            .order_of_quote(quote.id)
            .await?
            .ok_or_else(|| AppError::Internal("accepted quote without its order".into()))?;
        Ok((quote, order))
    }
}
