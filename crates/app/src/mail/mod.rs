//! E-mail: a port the binary fills with an SMTP client when SMTP is configured. Messages are
//! sent by the `send_email` job, enqueued in the same transaction as the change that causes
//! them, so a message is neither lost nor sent for a change that did not happen.
//!
//! A job names what to send by ids (`MailJob`), never the message itself: customer links are
//! bearer secrets and PDFs are customer data, so both are made when the message is sent and
//! never stored in the jobs table. Without a mail server nothing is queued; the document's
//! timeline says it was not e-mailed and why, and so do sends and deliveries that fail.

mod delivery;
pub mod outbox;

pub(crate) use delivery::mail_change;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ports::NewJob;

/// What one `send_email` job sends, by reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum MailJob {
    /// A sent quote: its PDF and a customer link of its own.
    Quote { quote_id: Uuid, to: String },
    /// A posted invoice or credit note: its PDF and a link to the customer's invoices.
    Invoice { invoice_id: Uuid, to: String },
    /// An overdue invoice's reminder with its PDF.
    InvoiceReminder {
        invoice_id: Uuid,
        to: String,
        days: i32,
    },
    /// A message that holds no secret and no attachment (a user's activity reminder).
    Plain { mail: Mail },
}

impl MailJob {
    /// The job that sends it (retried with backoff, up to 10 attempts).
    pub fn job(&self, now: jiff::Timestamp) -> NewJob {
        let id = uuid::Uuid::now_v7();
        NewJob {
            id,
            kind: SEND_EMAIL.into(),
            payload: serde_json::to_string(self).unwrap_or_default(),
            run_at: now,
            unique_key: format!("{SEND_EMAIL}:{id}"),
            max_attempts: 10,
        }
    }

    /// A stored payload: a `MailJob`, or a whole message queued by an earlier version.
    pub fn parse(payload: &str) -> Result<Self, String> {
        serde_json::from_str(payload)
            .or_else(|_| serde_json::from_str(payload).map(|mail| MailJob::Plain { mail }))
            .map_err(|e| format!("bad e-mail job: {e}"))
    }
}

/// Why a document was not e-mailed, for its timeline and the page that sent it.
pub const NO_MAIL_SERVER: &str = "no mail server is configured";

/// The job that sends one message.
pub const SEND_EMAIL: &str = "send_email";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

/// A file sent with a message (a quote's PDF, say), carried in the job as base64.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub filename: String,
    pub content_type: String,
    pub base64: String,
}

impl Attachment {
    pub fn pdf(filename: &str, bytes: &[u8]) -> Self {
        use base64::Engine as _;
        Self {
            filename: filename.into(),
            content_type: "application/pdf".into(),
            base64: base64::engine::general_purpose::STANDARD.encode(bytes),
        }
    }

    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD
            .decode(&self.base64)
            .map_err(|e| format!("attachment {}: {e}", self.filename))
    }
}

#[async_trait::async_trait]
pub trait Mailer: Send + Sync {
    async fn send(&self, mail: &Mail) -> Result<(), String>;
}
