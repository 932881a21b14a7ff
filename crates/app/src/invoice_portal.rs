//! The customer's invoices on the portal. Posting an invoice or credit note makes a link for it
//! (256 random bits, only the hash kept, bound to that document and the purpose "invoices",
//! valid for a year) and — when its contact has an e-mail address and SMTP is set up — e-mails
//! the PDF with the link, in the posting's transaction. The link shows the customer's posted
//! invoices and credit notes with what is paid and open; anything else is "not found".

use jiff::SignedDuration;
use salesflow_domain::account::Account;
use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::contact::Contact;
use salesflow_domain::event::Change;
use salesflow_domain::invoice::{Invoice, InvoiceKind};
use salesflow_domain::money::Money;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::mail::{Attachment, Mail};
use crate::ports::{DocumentWrite, PortalLink, RecordStore, Scope};
use crate::quote_document::CompanySettings;
use crate::{Actor, App};

const LINK_LIFETIME: SignedDuration = SignedDuration::from_hours(24 * 365);
/// The customer's most recent documents shown.
const SHOWN: u32 = 100;

/// What the customer sees.
#[derive(Debug, Clone)]
pub struct PortalInvoices {
    pub company: CompanySettings,
    pub account_name: String,
    /// The document the link was sent with.
    pub linked: Invoice,
    /// The customer's posted invoices and credit notes, newest first.
    pub invoices: Vec<Invoice>,
}

impl App {
    /// A new link for a posted document, and its address.
    pub(crate) fn new_invoice_link(&self, invoice: &Invoice) -> (PortalLink, String) {
        let token = crate::secret::new_secret("");
        let now = self.now();
        let link = PortalLink {
            token_hash: crate::secret::hash_secret(&token),
            document_type: "invoice".into(),
            document_id: invoice.id.0,
            purpose: "invoices".into(),
            created_at: now,
            expires_at: now.checked_add(LINK_LIFETIME).unwrap_or(now),
            revoked_at: None,
        };
        let url = format!(
            "{}/portal/invoices/{}/{token}",
            self.config.public_url.trim_end_matches('/'),
            invoice.id
        );
        (link, url)
    }

    /// A customer link for a posted document, to share by hand (e-mail not set up, or sent
    /// elsewhere): finance and admins. The document's other links keep working.
    pub async fn share_invoice_link(&self, actor: &Actor, id: Uuid) -> AppResult<String> {
        let invoice: Invoice = self.get(actor, id).await?;
        actor.require(Resource::Invoice, Action::Create)?;
        if !invoice.status.is_posted() {
            return Err(AppError::conflict(
                "not_posted",
                "only a posted invoice has a customer link",
            ));
        }
        let (link, url) = self.new_invoice_link(&invoice);
        let change = Change::new("portal_link_created", vec![]);
        let event = self.event_for(actor, &invoice, change);
        let build = |_: Option<String>| DocumentWrite {
            portal_link: Some(link.clone()),
            // Nothing is revoked: links already sent keep working.
            first_link: true,
            events: vec![event.clone()],
            ..Default::default()
        };
        self.store.write_documents(None, &build).await?;
        Ok(url)
    }

    /// The e-mail address a posted document goes to: its contact's.
    pub(crate) async fn invoice_recipient(&self, invoice: &Invoice) -> AppResult<Option<String>> {
        let Some(contact) = invoice.contact_id else {
            return Ok(None);
        };
        Ok(
            RecordStore::<Contact>::get(self.store.as_ref(), contact.0, Scope::All)
                .await?
                .and_then(|c| c.details.email.map(|e| e.to_string())),
        )
    }

    async fn linked_invoice(&self, id: Uuid, token: &str) -> AppResult<Invoice> {
        let hash = crate::secret::hash_secret(token);
        self.store
            .portal_link(&hash)
            .await?
            .filter(|l| {
                l.document_type == "invoice"
                    && l.purpose == "invoices"
                    && l.document_id == id
                    && l.revoked_at.is_none()
                    && l.expires_at > self.now()
            })
            .ok_or(AppError::NotFound)?;
        RecordStore::<Invoice>::get(self.store.as_ref(), id, Scope::All)
            .await?
            .filter(|i| i.status.is_posted())
            .ok_or(AppError::NotFound)
    }

    pub async fn portal_invoices(&self, id: Uuid, token: &str) -> AppResult<PortalInvoices> {
        let linked = self.linked_invoice(id, token).await?;
        let account =
            RecordStore::<Account>::get(self.store.as_ref(), linked.account_id.0, Scope::All)
                .await?
                .ok_or(AppError::NotFound)?;
        let invoices = self
            .store
            .posted_invoices_of_account(linked.account_id, SHOWN)
            .await?;
        let (company, _) = self.company_settings().await?;
        Ok(PortalInvoices {
            company,
            account_name: account.details.name.to_string(),
            linked,
            invoices,
        })
    }

    /// The PDF of one of the customer's posted documents, through a link to any of them.
    pub async fn portal_invoice_pdf(
        &self,
        id: Uuid,
        token: &str,
        which: Uuid,
    ) -> AppResult<(String, Vec<u8>)> {
        let linked = self.linked_invoice(id, token).await?;
        let wanted = RecordStore::<Invoice>::get(self.store.as_ref(), which, Scope::All)
            .await?
            .filter(|i| i.status.is_posted() && i.account_id == linked.account_id)
            .ok_or(AppError::NotFound)?;
        self.render_invoice(&wanted).await
    }
}

/// The message a posted document is sent with.
pub(crate) fn invoice_mail(
    invoice: &Invoice,
    company: &CompanySettings,
    to: &str,
    url: &str,
    pdf: (&str, &[u8]),
) -> Mail {
    let number = invoice.number.clone().unwrap_or_default();
    let (what, body) = match invoice.kind {
        InvoiceKind::Invoice => (
            "Invoice",
            format!(
                "please find attached our invoice {number} over {} {}, due on {}.",
                invoice.currency.code(),
                Money::new(invoice.totals.payable_minor, invoice.currency).amount_text(),
                invoice.due_date.map(|d| d.to_string()).unwrap_or_default()
            ),
        ),
        InvoiceKind::CreditNote => (
            "Credit note",
            format!(
                "please find attached our credit note {number}, which corrects invoice {}.",
                invoice.credit_of_number.clone().unwrap_or_default()
            ),
        ),
    };
    Mail {
        to: to.into(),
        subject: format!("{what} {number} from {}", company.name),
        text: format!(
            "Hello,\n\n{body}\n\nYour invoices and what is still open: {url}\n\nKind regards,\n{}\n",
            company.name
        ),
        attachments: vec![Attachment::pdf(pdf.0, pdf.1)],
    }
}
