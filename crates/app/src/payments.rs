//! Payment use cases: recording a payment, allocated to the customer's open invoices in one
//! transaction with their new paid amounts (what is left is the customer's credit).

use salesflow_domain::account::Account;
use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::ids::{InvoiceId, PaymentId};
use salesflow_domain::invoice::{Invoice, InvoiceStatus};
use salesflow_domain::payment::{Payment, PaymentInput, allocate};
use salesflow_domain::record::RecordMeta;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::ports::{Doc, DocumentWrite};
use crate::{Actor, App};

impl App {
    /// Records a payment and allocates it (see the module documentation).
    pub async fn record_payment(&self, actor: &Actor, input: &PaymentInput) -> AppResult<Payment> {
        actor.require(Resource::Invoice, Action::Create)?;
        let request = input.parse(self.config.default_currency, self.today())?;
        let account: Account =
            self.get(actor, request.account_id.0)
                .await
                .map_err(|e| match e {
                    AppError::NotFound => {
                        AppError::invalid("account_id", "unknown_account", "no such account")
                    }
                    other => other,
                })?;
        let named: Option<Vec<InvoiceId>> = request
            .invoices
            .as_ref()
            .map(|l| l.iter().map(|(id, _)| *id).collect());
        for id in named.iter().flatten() {
            let invoice: Invoice = self.get(actor, id.0).await.map_err(|e| match e {
                AppError::NotFound => {
                    AppError::invalid("invoices", "unknown_invoice", "no such invoice")
                }
                other => other,
            })?;
            if invoice.account_id != account.id {
                return Err(AppError::invalid(
                    "invoices",
                    "other_account",
                    format!(
                        "{} belongs to another account",
                        invoice.number.clone().unwrap_or_default()
                    ),
                ));
            }
        }
        let now = self.now();
        let meta = RecordMeta::new(account.meta.owner_id, account.meta.team_id, now);
        let payment_id = PaymentId(Uuid::now_v7());
        let build = |open: Vec<Invoice>| {
            let caps: Vec<(&Invoice, Option<i64>)> = open
                .iter()
                .map(|i| {
                    let cap = request
                        .invoices
                        .iter()
                        .flatten()
                        .find(|(id, _)| *id == i.id)
                        .and_then(|(_, c)| *c);
                    (i, cap)
                })
                .collect();
            let (allocations, credit) = allocate(request.money.minor, &caps);
            let mut write = DocumentWrite::default();
            for a in &allocations {
                if let Some(invoice) = open.iter().find(|i| i.id == a.invoice_id) {
                    let (paid, change) = invoice.paid_with(a.amount_minor, now);
                    write.events.push(self.event_for(actor, &paid, change));
                    write
                        .updates
                        .push((Doc::Invoice(Box::new(paid)), invoice.meta.version));
                }
            }
            let (payment, received) =
                Payment::received(payment_id, &request, allocations, credit, meta.clone());
            write.events.push(self.event_for(actor, &payment, received));
            write.inserts.push(Doc::Payment(Box::new(payment)));
            write
        };
        let written = self
            .store
            .write_payment(account.id, request.money.currency, named.as_deref(), &build)
            .await?;
        let mut orders = Vec::new();
        for (doc, _) in &written.updates {
            // Only a paid invoice can settle its order.
            if let Doc::Invoice(i) = doc
                && i.status == InvoiceStatus::Paid
                && !orders.contains(&i.order_id)
            {
                orders.push(i.order_id);
            }
        }
        for order in orders {
            self.settle_order(Some(actor), order).await?;
        }
        written
            .inserts
            .into_iter()
            .find_map(|d| match d {
                Doc::Payment(p) => Some(*p),
                _ => None,
            })
            .ok_or_else(|| AppError::Internal("payment not written".into()))
    }
}
