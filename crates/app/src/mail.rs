//! E-mail: a port the binary fills with an SMTP client when SMTP is configured. Messages are
//! sent by the `send_email` job, enqueued in the same transaction as the change that causes
//! them, so a message is neither lost nor sent for a change that did not happen.

use serde::{Deserialize, Serialize};

use crate::ports::NewJob;

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

impl Mail {
    /// The job that sends this message (retried with backoff, up to 10 attempts).
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
}
