//! The mail outbox for administrators: messages waiting, being retried or failed for good
//! (with the server's reason), a retry for each, and a purge of the failed ones. Sent messages
//! leave the outbox; each document's timeline says when its e-mail went.

use jiff::Timestamp;
use salesflow_domain::authz::{Action, Resource};
use uuid::Uuid;

use super::{MailJob, SEND_EMAIL};
use crate::error::{AppError, AppResult};
use crate::{Actor, App};

/// One message in the outbox.
#[derive(Debug, Clone)]
pub struct OutboxEntry {
    pub id: Uuid,
    pub to: String,
    /// What it is: "Quote", "Invoice", "Invoice reminder", "Reminder".
    pub about: &'static str,
    /// The page of the document it is about.
    pub document: Option<String>,
    /// `waiting`, `retrying` or `failed`.
    pub status: &'static str,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub queued_at: Timestamp,
}

fn describe(job: &MailJob) -> (&'static str, String, Option<String>) {
    match job {
        MailJob::Quote { quote_id, to } => {
            ("Quote", to.clone(), Some(format!("/quotes/{quote_id}")))
        }
        MailJob::Invoice { invoice_id, to } => (
            "Invoice",
            to.clone(),
            Some(format!("/invoices/{invoice_id}")),
        ),
        MailJob::InvoiceReminder { invoice_id, to, .. } => (
            "Invoice reminder",
            to.clone(),
            Some(format!("/invoices/{invoice_id}")),
        ),
        MailJob::Plain { mail } => ("Reminder", mail.to.clone(), None),
    }
}

impl App {
    /// The messages not sent yet or failed for good, newest first (administrators).
    pub async fn mail_outbox(&self, actor: &Actor) -> AppResult<Vec<OutboxEntry>> {
        actor.require(Resource::User, Action::Update)?;
        let jobs = self.store.jobs_of_kind(SEND_EMAIL, 200).await?;
        Ok(jobs
            .into_iter()
            .map(|job| {
                let parsed = MailJob::parse(&job.payload).ok();
                let (about, to, document) = parsed
                    .as_ref()
                    .map_or(("Message", String::new(), None), describe);
                let status = match (job.dead, job.attempts) {
                    (true, _) => "failed",
                    (false, 0) => "waiting",
                    (false, _) => "retrying",
                };
                OutboxEntry {
                    id: job.id,
                    to,
                    about,
                    document,
                    status,
                    attempts: job.attempts,
                    last_error: job.last_error,
                    queued_at: job.created_at,
                }
            })
            .collect())
    }

    /// Sends a waiting or failed message again now, from its first attempt.
    pub async fn retry_mail(&self, actor: &Actor, id: Uuid) -> AppResult<()> {
        actor.require(Resource::User, Action::Update)?;
        if self.mailer.is_none() {
            return Err(AppError::conflict("no_mail_server", super::NO_MAIL_SERVER));
        }
        match self.store.retry_job(SEND_EMAIL, id, self.now()).await? {
            true => Ok(()),
            false => Err(AppError::NotFound),
        }
    }

    /// Deletes the messages that failed for good; how many.
    pub async fn purge_failed_mail(&self, actor: &Actor) -> AppResult<u64> {
        actor.require(Resource::User, Action::Update)?;
        Ok(self.store.purge_dead_jobs(SEND_EMAIL).await?)
    }
}
