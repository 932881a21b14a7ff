//! Invoice use cases: posting (number from the gapless series, then immutable), credit notes
//! for posted invoices, the PDF and the UBL e-invoice. Drafts are made by the order steps
//! (confirmation or shipment, by the order's invoice policy).

use salesflow_documents::{Align, Column, Document, Table};
use salesflow_domain::account::Account;
use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::delivery::Delivery;
use salesflow_domain::ids::InvoiceId;
use salesflow_domain::invoice::{Invoice, InvoiceError, InvoiceKind, InvoiceStatus};
use salesflow_domain::money::Money;
use salesflow_domain::quote::lines::quantity_text;
use salesflow_domain::sales_order::{OrderStatus, SalesOrder};
use salesflow_domain::tax::rate_text;
use serde::Deserialize;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::ports::{Doc, DocumentWrite, RecordStore, Scope};
use crate::quote_document::{CompanySettings, exemption_notes};
use crate::{Actor, App};

/// Posting an invoice or credit note (the version seen).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostInvoice {
    pub version: i64,
}

/// A posted invoice, the customer's link to their invoices, and where it was e-mailed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Posted {
    pub invoice: Invoice,
    pub portal_url: String,
    pub emailed_to: Option<String>,
    /// Why it is not e-mailed (no mail server, no address of the contact).
    pub not_emailed: Option<String>,
}

fn invoice_error(e: InvoiceError) -> AppError {
    let text = e.to_string();
    match e {
        InvoiceError::NotDraft(_) => AppError::conflict("invoice_posted", text),
        InvoiceError::NotPosted => AppError::conflict("not_posted", text),
        InvoiceError::TooLarge => AppError::invalid("lines", "amount_too_large", text),
    }
}

impl App {
    /// Posts a draft: the next number of its series, issue and due dates; then it is final.
    /// In the same transaction the customer's portal link is made and, when the contact has
    /// an address and SMTP is set up, the PDF is e-mailed with it.
    pub async fn post_invoice(
        &self,
        actor: &Actor,
        id: Uuid,
        request: &PostInvoice,
    ) -> AppResult<Posted> {
        let invoice: Invoice = self
            .load_for_change(actor, id, Action::Update, Some(request.version))
            .await?;
        if invoice.status != InvoiceStatus::Draft {
            return Err(invoice_error(InvoiceError::NotDraft(
                invoice.status.as_str(),
            )));
        }
        let (settings, _) = self.fulfilment_settings().await?;
        let (company, account) = self.invoice_parties(&invoice).await?;
        // A posted invoice's e-invoice must be valid: what EN 16931 still needs is named now.
        let delivered = self.delivery_date(&invoice).await?;
        let missing = crate::ubl::missing_for_einvoice(&invoice, &company, &account, delivered);
        if !missing.is_empty() {
            return Err(AppError::Invalid(salesflow_domain::ValidationErrors(
                missing,
            )));
        }
        let address = self.invoice_recipient(&invoice).await?;
        let (emailed_to, not_emailed) = match (&address, &self.mailer) {
            (Some(to), Some(_)) => (Some(to.clone()), None),
            (Some(_), None) => (None, Some(crate::mail::NO_MAIL_SERVER)),
            (None, _) => (None, Some("the invoice's contact has no e-mail address")),
        };
        let (link, portal_url) = self.new_invoice_link(&invoice);
        let (today, now) = (self.today(), self.now());
        let series = match invoice.kind {
            InvoiceKind::Invoice => "invoice",
            InvoiceKind::CreditNote => "credit_note",
        };
        let build = |number: Option<String>| match invoice.post(
            number.unwrap_or_default(),
            today,
            settings.payment_days,
            now,
        ) {
            Ok((posted, change)) => {
                // The message is made when it is sent: the job holds ids, no link, no PDF.
                let jobs = emailed_to
                    .iter()
                    .map(|to| {
                        crate::mail::MailJob::Invoice {
                            invoice_id: posted.id.0,
                            to: to.clone(),
                        }
                        .job(now)
                    })
                    .collect();
                let mut events = vec![self.event_for(actor, &posted, change)];
                if let (Some(reason), Some(_)) = (not_emailed, &address) {
                    let change = crate::mail::mail_change(
                        "email_not_sent",
                        address.as_deref(),
                        Some(reason),
                    );
                    events.push(self.event_for(actor, &posted, change));
                }
                DocumentWrite {
                    events,
                    updates: vec![(Doc::Invoice(Box::new(posted)), invoice.meta.version)],
                    portal_link: Some(link.clone()),
                    // Posted once: the document's only link.
                    first_link: true,
                    jobs,
                    ..Default::default()
                }
            }
            // Checked above; an empty write changes nothing.
            Err(_) => DocumentWrite::default(),
        };
        let written = self.store.write_documents(Some(series), &build).await?;
        match written.updates.into_iter().next() {
            Some((Doc::Invoice(i), _)) => {
                self.settle_order(Some(actor), i.order_id).await?;
                Ok(Posted {
                    invoice: *i,
                    portal_url,
                    emailed_to,
                    not_emailed: not_emailed.map(str::to_string),
                })
            }
            _ => Err(AppError::conflict(
                "invoice_posted",
                "the invoice was posted meanwhile",
            )),
        }
    }

    /// A draft credit note for the whole of a posted invoice; at most one per invoice.
    pub async fn credit_invoice(&self, actor: &Actor, id: Uuid) -> AppResult<Invoice> {
        actor.require(Resource::Invoice, Action::Create)?;
        let invoice: Invoice = self.get(actor, id).await?;
        let (note, change) = invoice
            .credit_note(InvoiceId(Uuid::now_v7()), self.now())
            .map_err(invoice_error)?;
        let event = self.event_for(actor, &note, change);
        let build = |_: Option<String>| DocumentWrite {
            inserts: vec![Doc::Invoice(Box::new(note.clone()))],
            events: vec![event.clone()],
            ..Default::default()
        };
        match self.store.write_documents(None, &build).await {
            Ok(_) => Ok(note),
            // A credit note credits the whole invoice: the credited amount can never exceed
            // what was invoiced, however many requests race (a unique index decides).
            Err(crate::ports::StoreError::Unique(_)) => Err(AppError::conflict(
                "already_credited",
                "the invoice already has a credit note for its whole amount",
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// An order's invoices and credit notes that the reader may see, oldest first.
    pub async fn invoices_of_order(
        &self,
        actor: &Actor,
        order: &salesflow_domain::sales_order::SalesOrder,
    ) -> AppResult<Vec<Invoice>> {
        if !actor.can(Resource::Invoice, Action::Read) {
            return Ok(Vec::new());
        }
        let scope = actor.scope(Resource::Invoice)?;
        let invoices = self.store.invoices_of_order(order.id).await?;
        Ok(invoices
            .into_iter()
            .filter(|i| scope.covers(&i.meta))
            .collect())
    }

    /// When the invoiced goods left (EN 16931's actual delivery date): the shipment's day for
    /// an invoice per shipment; for an invoice of the whole order, the last shipment's day once
    /// all have shipped; none before.
    async fn delivery_date(&self, invoice: &Invoice) -> AppResult<Option<jiff::civil::Date>> {
        let day = |at: jiff::Timestamp| at.to_zoned(jiff::tz::TimeZone::UTC).date();
        // A credit note corrects its invoice's supply: that delivery's date.
        if let Some(original) = invoice.credit_of {
            let credited = RecordStore::<Invoice>::get(self.store.as_ref(), original.0, Scope::All)
                .await?
                .filter(|i| i.credit_of.is_none());
            if let Some(credited) = credited {
                return Box::pin(self.delivery_date(&credited)).await;
            }
        }
        if let Some(id) = invoice.delivery_id {
            let delivery =
                RecordStore::<Delivery>::get(self.store.as_ref(), id.0, Scope::All).await?;
            return Ok(delivery.and_then(|d| d.shipped_at).map(day));
        }
        let order =
            RecordStore::<SalesOrder>::get(self.store.as_ref(), invoice.order_id.0, Scope::All)
                .await?;
        let shipped = order.is_some_and(|o| {
            matches!(
                o.status,
                OrderStatus::Shipped | OrderStatus::Invoiced | OrderStatus::Paid
            )
        });
        if !shipped {
            return Ok(None);
        }
        let deliveries = self.store.deliveries_of_order(invoice.order_id).await?;
        Ok(deliveries
            .iter()
            .filter_map(|d| d.shipped_at)
            .max()
            .map(day))
    }

    async fn invoice_parties(&self, invoice: &Invoice) -> AppResult<(CompanySettings, Account)> {
        let account =
            RecordStore::<Account>::get(self.store.as_ref(), invoice.account_id.0, Scope::All)
                .await?
                .ok_or_else(|| AppError::Internal("invoice without its account".into()))?;
        let (company, _) = self.company_settings().await?;
        Ok((company, account))
    }

    /// The posted invoice or credit note as an EN 16931 UBL 2.1 e-invoice.
    pub async fn invoice_ubl(&self, actor: &Actor, id: Uuid) -> AppResult<(String, String)> {
        let invoice: Invoice = self.get(actor, id).await?;
        if !invoice.status.is_posted() {
            return Err(invoice_error(InvoiceError::NotPosted));
        }
        let (company, account) = self.invoice_parties(&invoice).await?;
        let delivered = self.delivery_date(&invoice).await?;
        let name = format!("{}.xml", invoice.number.clone().unwrap_or_default());
        Ok((
            name,
            crate::ubl::ubl_xml(&invoice, &company, &account, delivered),
        ))
    }

    /// The invoice as PDF: (file name, bytes).
    pub async fn invoice_pdf(&self, actor: &Actor, id: Uuid) -> AppResult<(String, Vec<u8>)> {
        let invoice: Invoice = self.get(actor, id).await?;
        self.render_invoice(&invoice).await
    }

    pub(crate) async fn render_invoice(&self, invoice: &Invoice) -> AppResult<(String, Vec<u8>)> {
        let invoice = invoice.clone();
        let (company, account) = self.invoice_parties(&invoice).await?;
        let doc = invoice_document(&invoice, &company, &account);
        Ok((pdf_name(&invoice), salesflow_documents::render(&doc)))
    }
}

/// `invoice-INV-00001.pdf`, `credit-note-CN-00001.pdf`, `invoice-draft.pdf`.
fn pdf_name(invoice: &Invoice) -> String {
    let name = invoice.number.clone().unwrap_or_else(|| "draft".into());
    format!("{}-{name}.pdf", invoice.kind.as_str().replace('_', "-"))
}

fn invoice_document(i: &Invoice, company: &CompanySettings, account: &Account) -> Document {
    let money = |minor| Money::new(minor, i.currency).amount_text();
    let mut sender = vec![company.name.clone()];
    sender.extend(
        company
            .address
            .lines()
            .map(str::to_string)
            .filter(|l| !l.trim().is_empty()),
    );
    let mut recipient = vec![account.details.name.to_string()];
    recipient.extend(account.details.address_lines());
    let what = match i.kind {
        InvoiceKind::Invoice => "Invoice",
        InvoiceKind::CreditNote => "Credit note",
    };
    let number = i.number.clone().unwrap_or_else(|| "(draft)".into());
    let mut facts = vec![
        (what.to_string(), number.clone()),
        ("Order".to_string(), i.order_number.clone()),
        (
            "Date".to_string(),
            i.issue_date
                .map(|d| d.to_string())
                .unwrap_or_else(|| "—".into()),
        ),
    ];
    if let Some(due) = i.due_date {
        facts.push(("Due".into(), due.to_string()));
    }
    if let Some(original) = &i.credit_of_number {
        facts.push(("Corrects invoice".into(), original.clone()));
    }
    if !company.vat_id.is_empty() {
        facts.push(("Our VAT ID".into(), company.vat_id.clone()));
    }
    let rows = i
        .lines
        .iter()
        .map(|l| {
            vec![
                l.description.clone(),
                format!("{} {}", quantity_text(l.quantity_milli), l.unit),
                money(l.unit_price_minor),
                if l.discount_bp > 0 {
                    format!("{} %", rate_text(l.discount_bp))
                } else {
                    String::new()
                },
                format!("{} %", rate_text(l.tax_rate_bp)),
                money(l.amounts.net_minor),
            ]
        })
        .collect();
    let t = &i.totals;
    let mut totals = vec![("Net total".to_string(), money(t.tax_exclusive_minor), false)];
    for s in &t.breakdown {
        totals.push((
            format!(
                "Tax {} % ({}) on {}",
                rate_text(s.rate_bp),
                s.code,
                money(s.taxable_minor)
            ),
            money(s.tax_minor),
            false,
        ));
    }
    if t.rounding_minor != 0 {
        totals.push(("Rounding".into(), money(t.rounding_minor), false));
    }
    totals.push((
        format!("Total {}", i.currency.code()),
        money(t.payable_minor),
        true,
    ));
    let mut sections = Vec::new();
    let notes = exemption_notes(&i.lines);
    if !notes.is_empty() {
        sections.push(("Tax notes".to_string(), notes.join("\n")));
    }
    if let Some(due) = i.due_date {
        sections.push((
            "Payment".to_string(),
            format!(
                "Please pay {} {} by {due}, quoting {number}.",
                i.currency.code(),
                money(t.payable_minor)
            ),
        ));
    }
    Document {
        sender,
        heading: format!("{what} {number}"),
        recipient,
        facts,
        table: Table {
            columns: vec![
                Column::new("Item", 205.0, Align::Left),
                Column::new("Qty", 50.0, Align::Right),
                Column::new("Unit price", 70.0, Align::Right),
                Column::new("Disc.", 45.0, Align::Right),
                Column::new("Tax", 45.0, Align::Right),
                Column::new("Net", 80.0, Align::Right),
            ],
            rows,
        },
        totals,
        sections,
        footer: company.footer.clone(),
    }
}
