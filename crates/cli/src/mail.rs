//! E-mail over SMTP (lettre): the `Mailer` the application uses when `smtp_url` is set.

use lettre::message::header::ContentType;
use lettre::message::{Attachment as LettreAttachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use salesflow_app::mail::{Mail, Mailer};

pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    /// `url`: `smtp://user:password@host:587` (STARTTLS), `smtps://…` (TLS), or
    /// `smtp://host:port?tls=none` for a local relay; `from`: `Name <address>`.
    pub fn new(url: &str, from: &str) -> anyhow::Result<Self> {
        let (url, plain) = match url.strip_suffix("?tls=none") {
            Some(base) => (base, true),
            None => (url, false),
        };
        let transport = if plain {
            let rest = url.trim_start_matches("smtp://");
            let (host, port) = rest.rsplit_once(':').unwrap_or((rest, "25"));
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                .port(
                    port.parse()
                        .map_err(|_| anyhow::anyhow!("bad SMTP port in {url}"))?,
                )
                .build()
        } else {
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map_err(|e| anyhow::anyhow!("bad SMTP URL: {e}"))?
                .build()
        };
        Ok(Self {
            transport,
            from: from
                .parse()
                .map_err(|e| anyhow::anyhow!("bad sender address '{from}': {e}"))?,
        })
    }
}

#[async_trait::async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, mail: &Mail) -> Result<(), String> {
        let to: Mailbox = mail.to.parse().map_err(|e| format!("bad recipient: {e}"))?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone());
        let message = if mail.attachments.is_empty() {
            builder.body(mail.text.clone())
        } else {
            let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(mail.text.clone()));
            for file in &mail.attachments {
                let kind = ContentType::parse(&file.content_type)
                    .map_err(|e| format!("attachment type: {e}"))?;
                parts = parts.singlepart(
                    LettreAttachment::new(file.filename.clone()).body(file.bytes()?, kind),
                );
            }
            builder.multipart(parts)
        }
        .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("SMTP: {e}"))
    }
}
