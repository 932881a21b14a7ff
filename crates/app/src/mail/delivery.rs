//! Sending one `MailJob`: the message is made now from the documents it names (their PDF, a
//! fresh customer link), sent, and the document's timeline records that it went — or, on the
//! last attempt, that it did not and why.

use salesflow_domain::changes::FieldChange;
use salesflow_domain::event::Change;
use salesflow_domain::invoice::Invoice;
use salesflow_domain::quote::Quote;
use uuid::Uuid;

use super::{Attachment, Mail, MailJob};
use crate::App;
use crate::error::{AppError, AppResult};
use crate::ports::{DocumentWrite, RecordStore, Scope};
use crate::quote_document::{Recipient, quote_document, quote_filename};

/// An event of a document about its e-mail: `emailed`, `email_failed` or `email_not_sent`.
pub(crate) fn mail_change(
    activity: &'static str,
    to: Option<&str>,
    reason: Option<&str>,
) -> Change {
    let field = |name: &str, value: Option<&str>| {
        value.map(|v| FieldChange {
            field: name.into(),
            old: None,
            new: Some(v.to_string()),
        })
    };
    Change::new(
        activity,
        [field("to", to), field("reason", reason)]
            .into_iter()
            .flatten()
            .collect(),
    )
}

fn text(e: AppError) -> String {
    e.to_string()
}

impl App {
    /// Sends the message `job` names; `last_attempt`: a failure is final and goes on the
    /// document's timeline.
    pub(crate) async fn deliver(&self, job: &MailJob, last_attempt: bool) -> Result<(), String> {
        let Some(mailer) = self.mailer.clone() else {
            return Err(super::NO_MAIL_SERVER.into());
        };
        let made = match job {
            MailJob::Plain { mail } => return mailer.send(mail).await,
            MailJob::Quote { quote_id, to } => self.quote_mail(*quote_id, to).await,
            MailJob::Invoice { invoice_id, to } => self.invoice_mail(*invoice_id, to).await,
            MailJob::InvoiceReminder {
                invoice_id,
                to,
                days,
            } => self.reminder_mail(*invoice_id, to, *days).await,
        };
        let (mail, record) = made.map_err(text)?;
        let sent = mailer.send(&mail).await;
        let change = match &sent {
            Ok(()) => Some(mail_change("emailed", Some(&mail.to), None)),
            Err(reason) if last_attempt => {
                Some(mail_change("email_failed", Some(&mail.to), Some(reason)))
            }
            Err(_) => None,
        };
        if let Some(change) = change
            && let Err(e) = self.record_mail_event(record, change).await
        {
            // The message went (or failed for good) either way: a retry would send it twice.
            tracing::warn!(error = %e, "e-mail sent but its timeline entry was not saved");
        }
        sent
    }

    async fn record_mail_event(&self, record: MailRecord, change: Change) -> AppResult<()> {
        let event = match &record {
            MailRecord::Quote(q) => self.event_for_system(q.as_ref(), change),
            MailRecord::Invoice(i) => self.event_for_system(i.as_ref(), change),
        };
        let build = |_: Option<String>| DocumentWrite {
            events: vec![event.clone()],
            ..Default::default()
        };
        self.store.write_documents(None, &build).await?;
        Ok(())
    }

    async fn quote_mail(&self, id: Uuid, to: &str) -> AppResult<(Mail, MailRecord)> {
        let quote = RecordStore::<Quote>::get(self.store.as_ref(), id, Scope::All)
            .await?
            .ok_or(AppError::NotFound)?;
        let (account, contact) = self.quote_recipient(&quote).await?;
        let (company, _) = self.company_settings().await?;
        let recipient = Recipient {
            account: &account,
            contact: contact.as_ref(),
        };
        let pdf = salesflow_documents::render(&quote_document(&quote, &recipient, &company));
        // A link of the message's own, next to the one the rep was shown (both stay valid).
        let (link, url) = self.new_portal_link(&quote);
        self.keep_link(link).await?;
        let mail = Mail {
            to: to.into(),
            subject: format!(
                "Quote {} from {}",
                quote.number.clone().unwrap_or_default(),
                company.name
            ),
            text: crate::quotes::quote_mail_text(&quote, &company, &url),
            attachments: vec![Attachment::pdf(&quote_filename(&quote), &pdf)],
        };
        Ok((mail, MailRecord::Quote(Box::new(quote))))
    }

    async fn invoice_mail(&self, id: Uuid, to: &str) -> AppResult<(Mail, MailRecord)> {
        let invoice = self.stored_invoice(id).await?;
        let (company, _) = self.company_settings().await?;
        let (name, pdf) = self.render_invoice(&invoice).await?;
        let (link, url) = self.new_invoice_link(&invoice);
        self.keep_link(link).await?;
        let mail = crate::invoice_portal::invoice_mail(&invoice, &company, to, &url, (&name, &pdf));
        Ok((mail, MailRecord::Invoice(Box::new(invoice))))
    }

    async fn reminder_mail(&self, id: Uuid, to: &str, days: i32) -> AppResult<(Mail, MailRecord)> {
        let invoice = self.stored_invoice(id).await?;
        let (company, _) = self.company_settings().await?;
        let (name, pdf) = self.render_invoice(&invoice).await?;
        let mail = Mail {
            to: to.into(),
            subject: format!(
                "Reminder: invoice {} is overdue",
                invoice.number.clone().unwrap_or_default()
            ),
            text: crate::receivables::reminder_text(&invoice, &company.name, days),
            attachments: vec![Attachment::pdf(&name, &pdf)],
        };
        Ok((mail, MailRecord::Invoice(Box::new(invoice))))
    }

    async fn stored_invoice(&self, id: Uuid) -> AppResult<Invoice> {
        RecordStore::<Invoice>::get(self.store.as_ref(), id, Scope::All)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// Stores a link without revoking the document's other links.
    async fn keep_link(&self, link: crate::ports::PortalLink) -> AppResult<()> {
        let build = |_: Option<String>| DocumentWrite {
            portal_link: Some(link.clone()),
            // Nothing is revoked: the link shown in the app keeps working too.
            first_link: true,
            ..Default::default()
        };
        self.store.write_documents(None, &build).await?;
        Ok(())
    }
}

/// The document a message was about, whose timeline records it.
enum MailRecord {
    Quote(Box<Quote>),
    Invoice(Box<Invoice>),
}
