//! Accounts receivable: what customers owe by how overdue it is, days sales outstanding, and the
//! job that reminds customers of overdue invoices by e-mail with the invoice attached.

use jiff::civil::Date;
use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::changes::FieldChange;
use salesflow_domain::contact::Contact;
use salesflow_domain::event::Change;
use salesflow_domain::invoice::Invoice;
use salesflow_domain::money::{Currency, Money, MoneyTotal};
use serde::Serialize;

use crate::error::AppResult;
use crate::mail::MailJob;
use crate::ports::{RecordStore, Scope};
use crate::{Actor, App};

pub const INVOICE_REMINDERS: &str = "invoice_reminders";
/// Days between two reminders of the same invoice.
const REMIND_AGAIN_AFTER: i64 = 7;
/// The period days sales outstanding is measured over.
const DSO_DAYS: i64 = 90;

/// Outstanding amounts of one currency (decimal strings) by days past due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Aging {
    pub currency: String,
    pub current: String,
    pub days_1_30: String,
    pub days_31_60: String,
    pub days_61_90: String,
    pub over_90: String,
    pub total: String,
    pub total_minor: i128,
    pub open_invoices: i64,
    /// Outstanding ÷ invoiced in the last 90 days × 90, one decimal; none without sales.
    pub days_sales_outstanding: Option<String>,
}

fn before(day: Date, days: i64) -> Date {
    day.checked_sub(jiff::Span::new().days(days)).unwrap_or(day)
}

impl App {
    pub async fn receivables(&self, actor: &Actor) -> AppResult<Vec<Aging>> {
        actor.require(Resource::Invoice, Action::Read)?;
        let scope = actor.scope(Resource::Invoice)?;
        let today = self.today();
        let rows = self.store.aging(today, scope).await?;
        let sales = self
            .store
            .invoiced_since(before(today, DSO_DAYS), scope)
            .await?;
        let mut currencies: Vec<String> = rows.iter().map(|r| r.currency.clone()).collect();
        currencies.dedup();
        Ok(currencies
            .into_iter()
            .filter_map(|code| {
                let currency: Currency = code.parse().ok()?;
                let sum = |bucket: &str| -> i128 {
                    rows.iter()
                        .filter(|r| r.currency == code && r.bucket == bucket)
                        .map(|r| r.outstanding_minor)
                        .sum()
                };
                let text = |minor| MoneyTotal::new(minor, currency).amount_text();
                let total: i128 = ["current", "1_30", "31_60", "61_90", "over_90"]
                    .iter()
                    .map(|b| sum(b))
                    .sum();
                let invoiced = sales
                    .iter()
                    .find(|(c, _)| *c == code)
                    .map_or(0, |(_, t)| *t);
                let dso = (invoiced > 0).then(|| {
                    let tenths = total * i128::from(DSO_DAYS) * 10 / invoiced;
                    format!("{}.{}", tenths / 10, tenths % 10)
                });
                Some(Aging {
                    current: text(sum("current")),
                    days_1_30: text(sum("1_30")),
                    days_31_60: text(sum("31_60")),
                    days_61_90: text(sum("61_90")),
                    over_90: text(sum("over_90")),
                    total: text(total),
                    total_minor: total,
                    open_invoices: rows
                        .iter()
                        .filter(|r| r.currency == code)
                        .map(|r| r.invoices)
                        .sum(),
                    days_sales_outstanding: dso,
                    currency: code,
                })
            })
            .collect())
    }

    /// The job: overdue invoices get a reminder (at most weekly), e-mailed with the invoice
    /// when the invoice's contact has an address and SMTP is set up.
    pub async fn send_invoice_reminders(&self) -> AppResult<usize> {
        let today = self.today();
        let overdue = self
            .store
            .overdue_invoices(today, before(today, REMIND_AGAIN_AFTER - 1), 100)
            .await?;
        let mut sent = 0;
        for invoice in overdue {
            let email = match invoice.contact_id {
                Some(c) => RecordStore::<Contact>::get(self.store.as_ref(), c.0, Scope::All)
                    .await?
                    .and_then(|c| c.details.email.map(|e| e.to_string())),
                None => None,
            };
            let days = invoice
                .due_date
                .and_then(|d| (today - d).get_days().checked_add(0))
                .unwrap_or(0);
            // The message is made when it is sent: the job holds ids, no PDF.
            let mail = match (&email, &self.mailer) {
                (Some(to), Some(_)) => Some(
                    MailJob::InvoiceReminder {
                        invoice_id: invoice.id.0,
                        to: to.clone(),
                        days,
                    }
                    .job(self.now()),
                ),
                _ => None,
            };
            let change = Change::new(
                "reminder_sent",
                vec![FieldChange {
                    field: "days_overdue".into(),
                    old: None,
                    new: Some(days.to_string()),
                }],
            );
            let event = self.event_for_system(&invoice, change);
            self.store
                .mark_invoice_reminded(&invoice, today, &event, mail.as_ref())
                .await?;
            sent += 1;
        }
        Ok(sent)
    }
}

pub(crate) fn reminder_text(invoice: &Invoice, company: &str, days: i32) -> String {
    format!(
        "Hello,\n\nour invoice {} of {} over {} {} was due on {} and is {days} days overdue. \
         {} {} are still open.\n\nPlease transfer the amount, quoting the invoice number. If you \
         have paid in the meantime, thank you and please ignore this message.\n\nKind regards,\n{company}\n",
        invoice.number.clone().unwrap_or_default(),
        invoice
            .issue_date
            .map(|d| d.to_string())
            .unwrap_or_default(),
        invoice.currency.code(),
        invoice.total,
        invoice.due_date.map(|d| d.to_string()).unwrap_or_default(),
        invoice.currency.code(),
        Money::new(invoice.outstanding_minor(), invoice.currency).amount_text(),
    )
}
