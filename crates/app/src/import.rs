//! CSV import of leads, contacts, accounts and products: streamed in batches (bounded memory however
//! large the file), every row checked by the same rules as the forms, duplicates (e-mail,
//! phone, web domain) caught against the file so far and the database, contacts linked to
//! their account by id, name or domain. A dry run checks everything and writes nothing; both
//! report every rejected row with its reason, downloadable as CSV.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::io::Read;

use salesflow_domain::account::Account;
use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::contact::{Contact, ContactDetails};
use salesflow_domain::ids::{AccountId, ContactId, LeadId, ProductId};
use salesflow_domain::import::{
    ImportKind, Mapping, Preset, account_row, contact_row, lead_row, product_row, reason,
    web_domain,
};
use salesflow_domain::lead::Lead;
use salesflow_domain::product::{Product, ProductDetails};
use salesflow_domain::record::RecordMeta;
use salesflow_domain::text::search_key;
use uuid::Uuid;

use crate::assignment::{Assigned, Assigner};
use crate::csv_cells::{CsvOut, unguard};
use crate::error::{AppError, AppResult};
use crate::ports::{EventRecord, ImportRun, Scope, Upload};
use crate::{Actor, App};

/// Rows checked and written together.
const BATCH: usize = 5_000;
/// Rejected rows kept for the report's error list; the CSV keeps up to `MAX_REJECTED_CSV`.
const MAX_LISTED: usize = 200;
const MAX_REJECTED_CSV: u64 = 100_000;

#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub kind: ImportKind,
    pub preset: Preset,
    /// `(column header, field)` pairs chosen by hand; detected from the header when `None`.
    pub mapping: Option<Vec<(String, String)>>,
    pub dry_run: bool,
    pub file_name: String,
    /// New leads go where the assignment rules say (otherwise to the importer).
    pub assign: bool,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RowError {
    /// Line in the file (the header is line 1).
    pub line: u64,
    pub reason: String,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    #[schema(value_type = String, format = Uuid)]
    pub run_id: Uuid,
    #[schema(value_type = String)]
    pub kind: ImportKind,
    pub dry_run: bool,
    /// Data rows read.
    pub total: u64,
    /// Rows written (for a dry run: that would be written).
    pub imported: u64,
    pub rejected: u64,
    /// Of the rejected rows, how many were duplicates.
    pub duplicates: u64,
    /// The first rejected rows with their reasons; all of them are in the rejected CSV.
    pub errors: Vec<RowError>,
    /// More rows were rejected than the downloadable CSV keeps.
    pub rejected_truncated: bool,
    /// Each column of the file and the field it went to.
    pub mapping: Vec<(String, Option<String>)>,
}

/// How far an import has come, for progress bars.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub rows: u64,
    pub bytes: u64,
}

fn key_hash(kind: &str, value: &str) -> u64 {
    let mut h = DefaultHasher::new();
    (kind, value).hash(&mut h);
    h.finish()
}

/// A row on its way: its line, its cells, and either what it becomes or why not.
struct Row {
    line: u64,
    cells: Vec<String>,
    outcome: Result<Candidate, (String, bool)>,
}

enum Candidate {
    Lead(Box<salesflow_domain::lead::LeadDetails>),
    Contact(Box<ContactDetails>),
    Account(Box<salesflow_domain::account::AccountDetails>),
    Product(Box<ProductDetails>),
}

impl Candidate {
    /// The values that make a record a duplicate: e-mail and phone, or web domain.
    fn keys(&self) -> Vec<(&'static str, String)> {
        let mut keys = Vec::new();
        let (email, phone) = match self {
            Candidate::Lead(d) => (d.email.as_ref().map(|e| e.to_string()), d.phone.clone()),
            Candidate::Contact(d) => (d.email.as_ref().map(|e| e.to_string()), d.phone.clone()),
            Candidate::Account(d) => {
                if let Some(domain) = &d.domain {
                    keys.push(("domain", domain.clone()));
                }
                return keys;
            }
            Candidate::Product(d) => return vec![("sku", d.sku.clone())],
        };
        if let Some(email) = email {
            keys.push(("email", email));
        }
        if let Some(phone) = phone {
            keys.push(("phone", phone));
        }
        keys
    }
}

/// What a batch writes.
#[derive(Default)]
struct Writes {
    leads: Vec<Lead>,
    contacts: Vec<Contact>,
    accounts: Vec<Account>,
    products: Vec<Product>,
    events: Vec<EventRecord>,
}

struct Run<'a> {
    app: &'a App,
    actor: &'a Actor,
    /// Set when new leads go by the assignment rules.
    assigner: Option<Assigner>,
    mapping: Mapping,
    scope: Scope,
    seen: HashSet<u64>,
    /// Tax categories product rows may name.
    tax_keys: Vec<String>,
    rejected_csv: CsvOut<Vec<u8>>,
    report: ImportReport,
}

impl App {
    /// Imports a CSV file; see the module documentation.
    pub async fn import_csv<R: Read + Send>(
        &self,
        actor: &Actor,
        source: R,
        options: &ImportOptions,
        progress: &(dyn Fn(Progress) + Send + Sync),
    ) -> AppResult<ImportReport> {
        let resource = match options.kind {
            ImportKind::Leads => Resource::Lead,
            ImportKind::Contacts => Resource::Contact,
            ImportKind::Accounts => Resource::Account,
            ImportKind::Products => Resource::Product,
        };
        actor.require(resource, Action::Create)?;
        let tax_keys = match options.kind {
            ImportKind::Products => self.tax_keys().await?,
            _ => Vec::new(),
        };
        let scope = actor.scope(resource)?;
        let unreadable = |line: u64, e: csv::Error| {
            AppError::invalid("file", "unreadable_file", format!("line {line}: {e}"))
        };
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .has_headers(true)
            .from_reader(source);
        let headers: Vec<String> = reader
            .byte_headers()
            .map_err(|e| unreadable(1, e))?
            .iter()
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .collect();
        if headers.iter().all(|h| h.trim().is_empty()) {
            return Err(AppError::invalid(
                "file",
                "empty_file",
                "the file has no header row",
            ));
        }
        let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
        let mapping = match &options.mapping {
            Some(pairs) => Mapping::chosen(options.kind, &header_refs, pairs)?,
            None => Mapping::detect(options.kind, options.preset, &header_refs)?,
        };
        // Rows may have fewer or more cells than the header; they are written back as they came.
        let mut rejected_csv = CsvOut::flexible(Vec::new());
        rejected_csv.row(headers.iter().map(String::as_str).chain(["error"]))?;
        let assigner = match options.assign && options.kind == ImportKind::Leads {
            true => Some(self.assigner().await?),
            false => None,
        };
        let mut run = Run {
            app: self,
            actor,
            assigner,
            scope,
            seen: HashSet::new(),
            tax_keys,
            rejected_csv,
            report: ImportReport {
                run_id: Uuid::now_v7(),
                kind: options.kind,
                dry_run: options.dry_run,
                total: 0,
                imported: 0,
                rejected: 0,
                duplicates: 0,
                errors: Vec::new(),
                rejected_truncated: false,
                mapping: headers
                    .iter()
                    .zip(&mapping.columns)
                    .map(|(h, f)| (h.clone(), f.map(str::to_string)))
                    .collect(),
            },
            mapping,
        };
        let mut record = csv::ByteRecord::new();
        let mut batch: Vec<(u64, Vec<String>)> = Vec::with_capacity(BATCH);
        loop {
            let more = reader
                .read_byte_record(&mut record)
                .map_err(|e| unreadable(record.position().map_or(0, |p| p.line()), e))?;
            if more {
                let line = record.position().map_or(0, |p| p.line());
                // Files exported by salesflow carry a guard on formula-like cells: off again.
                let cells = record
                    .iter()
                    .map(|c| unguard(&String::from_utf8_lossy(c)).to_string())
                    .collect();
                batch.push((line, cells));
            }
            if batch.len() >= BATCH || (!more && !batch.is_empty()) {
                run.batch(std::mem::take(&mut batch), options.dry_run)
                    .await?;
                progress(Progress {
                    rows: run.report.total,
                    bytes: reader.position().byte(),
                });
            }
            if !more {
                break;
            }
        }
        let report = run.report;
        let rejected_csv = run.rejected_csv.finish()?;
        self.store
            .save_import_run(&ImportRun {
                id: report.run_id,
                user_id: actor.user_id,
                kind: options.kind.as_str().into(),
                file_name: options.file_name.chars().take(200).collect(),
                dry_run: options.dry_run,
                total: report.total as i64,
                imported: report.imported as i64,
                rejected: report.rejected as i64,
                rejected_csv: String::from_utf8_lossy(&rejected_csv).into_owned(),
                created_at: self.now(),
            })
            .await?;
        Ok(report)
    }

    /// Keeps an uploaded file for its user until the mapping is chosen.
    pub async fn save_upload(
        &self,
        actor: &Actor,
        file_name: &str,
        content: String,
    ) -> AppResult<Uuid> {
        if content.trim().is_empty() {
            return Err(AppError::invalid("file", "empty_file", "the file is empty"));
        }
        let upload = Upload {
            id: Uuid::now_v7(),
            user_id: actor.user_id,
            file_name: file_name.chars().take(200).collect(),
            content,
            created_at: self.now(),
        };
        self.store.save_upload(&upload).await?;
        Ok(upload.id)
    }

    /// An uploaded file, for the user who uploaded it.
    pub async fn upload(&self, actor: &Actor, id: Uuid) -> AppResult<Upload> {
        self.store
            .upload(id)
            .await?
            .filter(|u| u.user_id == actor.user_id)
            .ok_or(AppError::NotFound)
    }

    /// An import run's rejected rows as CSV, for the user who ran it (or an admin).
    pub async fn rejected_rows(&self, actor: &Actor, id: Uuid) -> AppResult<ImportRun> {
        let run = self.store.import_run(id).await?.ok_or(AppError::NotFound)?;
        if run.user_id != actor.user_id && actor.role != salesflow_domain::role::Role::Admin {
            return Err(AppError::NotFound);
        }
        Ok(run)
    }
}

impl Run<'_> {
    async fn batch(&mut self, rows: Vec<(u64, Vec<String>)>, dry_run: bool) -> AppResult<()> {
        self.report.total += rows.len() as u64;
        let accounts = self.resolve_accounts(&rows).await?;
        let mut rows: Vec<Row> = rows
            .into_iter()
            .map(|(line, cells)| {
                let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
                let outcome = self.candidate(&refs, &accounts);
                Row {
                    line,
                    cells,
                    outcome,
                }
            })
            .collect();
        self.reject_duplicates(&mut rows).await?;
        let mut owners = self.owners(&rows, dry_run).await?.into_iter();
        let mut writes = Writes::default();
        for row in rows {
            match row.outcome {
                Ok(candidate) => {
                    self.report.imported += 1;
                    if !dry_run {
                        let owner = owners.next().flatten();
                        self.build(candidate, owner, &mut writes);
                    }
                }
                Err((why, duplicate)) => self.reject(row.line, &row.cells, why, duplicate)?,
            }
        }
        if dry_run {
            return Ok(());
        }
        let store = &self.app.store;
        match self.mapping.kind {
            ImportKind::Leads => store.insert_leads(&writes.leads, &writes.events).await?,
            ImportKind::Contacts => {
                store
                    .insert_contacts(&writes.contacts, &writes.events)
                    .await?
            }
            ImportKind::Accounts => {
                store
                    .insert_accounts(&writes.accounts, &writes.events)
                    .await?
            }
            ImportKind::Products => {
                store
                    .insert_products(&writes.products, &writes.events)
                    .await?
            }
        }
        Ok(())
    }

    /// The accounts named in a batch of contact rows, by id, domain or lower-cased name.
    async fn resolve_accounts(
        &self,
        rows: &[(u64, Vec<String>)],
    ) -> AppResult<HashMap<String, Uuid>> {
        if self.mapping.kind != ImportKind::Contacts {
            return Ok(HashMap::new());
        }
        let (mut ids, mut names, mut domains) = (Vec::new(), Vec::new(), Vec::new());
        for (_, cells) in rows {
            let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
            let Some(value) = self.mapping.value(&refs, "account") else {
                continue;
            };
            if value.parse::<Uuid>().is_ok() {
                ids.push(value.to_string());
            } else {
                names.push(search_key(value));
                if value.contains('.') && !value.contains(' ') {
                    domains.push(web_domain(value));
                }
            }
        }
        if ids.is_empty() && names.is_empty() {
            return Ok(HashMap::new());
        }
        let scope = self.actor.scope(Resource::Account)?;
        let found = self
            .app
            .store
            .accounts_matching(&ids, &names, &domains, scope)
            .await?;
        let mut by_key = HashMap::new();
        for (id, name_key, domain) in found {
            by_key.insert(id.to_string(), id);
            by_key.entry(name_key).or_insert(id);
            if let Some(domain) = domain {
                by_key.entry(domain).or_insert(id);
            }
        }
        Ok(by_key)
    }

    fn candidate(
        &self,
        row: &[&str],
        accounts: &HashMap<String, Uuid>,
    ) -> Result<Candidate, (String, bool)> {
        let m = &self.mapping;
        let candidate = match m.kind {
            ImportKind::Leads => lead_row(m, row).map(|d| Candidate::Lead(Box::new(d))),
            ImportKind::Accounts => account_row(m, row).map(|d| Candidate::Account(Box::new(d))),
            ImportKind::Products => {
                product_row(m, row, self.app.config.default_currency, &self.tax_keys)
                    .map(|d| Candidate::Product(Box::new(d)))
            }
            ImportKind::Contacts => {
                let account = match m.value(row, "account") {
                    None => Ok(None),
                    Some(value) => accounts
                        .get(value)
                        .or_else(|| accounts.get(&web_domain(value)))
                        .or_else(|| accounts.get(&search_key(value)))
                        .map(|id| Some(id.to_string()))
                        .ok_or_else(|| {
                            format!("account: no account '{value}' (by id, name or web domain)")
                        }),
                };
                account.and_then(|account| {
                    ContactDetails::parse(&contact_row(m, row, account), None)
                        .map(|d| Candidate::Contact(Box::new(d)))
                        .map_err(|e| reason(&e))
                })
            }
        };
        candidate.map_err(|why| (why, false))
    }

    /// Rejects rows whose e-mail, phone or domain appeared earlier in the file or exists in a
    /// record the importer can see.
    async fn reject_duplicates(&mut self, rows: &mut [Row]) -> AppResult<()> {
        let mut wanted: HashMap<&'static str, Vec<String>> = HashMap::new();
        for row in rows.iter() {
            if let Ok(c) = &row.outcome {
                for (column, value) in c.keys() {
                    wanted.entry(column).or_default().push(value);
                }
            }
        }
        let mut existing: HashSet<(&'static str, String)> = HashSet::new();
        for (column, values) in wanted {
            for value in self
                .app
                .store
                .existing_values(self.mapping.kind, column, &values, self.scope)
                .await?
            {
                existing.insert((column, value));
            }
        }
        for row in rows.iter_mut() {
            let Ok(c) = &row.outcome else {
                continue;
            };
            let keys = c.keys();
            let clash = keys.iter().find_map(|(column, value)| {
                if existing.contains(&(*column, value.clone())) {
                    Some(format!(
                        "{column}: a {} with {value} already exists",
                        self.mapping.kind.singular()
                    ))
                } else if self.seen.contains(&key_hash(column, value)) {
                    Some(format!("{column}: {value} appears earlier in the file"))
                } else {
                    None
                }
            });
            match clash {
                Some(why) => row.outcome = Err((why, true)),
                None => {
                    for (column, value) in keys {
                        self.seen.insert(key_hash(column, &value));
                    }
                }
            }
        }
        Ok(())
    }

    fn reject(
        &mut self,
        line: u64,
        cells: &[String],
        why: String,
        duplicate: bool,
    ) -> AppResult<()> {
        self.report.rejected += 1;
        if duplicate {
            self.report.duplicates += 1;
        }
        if self.report.errors.len() < MAX_LISTED {
            self.report.errors.push(RowError {
                line,
                reason: why.clone(),
            });
        }
        if self.report.rejected <= MAX_REJECTED_CSV {
            self.rejected_csv
                .row(cells.iter().map(String::as_str).chain([why.as_str()]))?;
        } else {
            self.report.rejected_truncated = true;
        }
        Ok(())
    }

    /// Owners by the assignment rules for the good lead rows of a batch, in order (only when
    /// asked for; `None`: the importer).
    async fn owners(&self, rows: &[Row], dry_run: bool) -> AppResult<Vec<Option<Assigned>>> {
        let Some(assigner) = self.assigner.as_ref().filter(|_| !dry_run) else {
            return Ok(vec![]);
        };
        let leads: Vec<&salesflow_domain::lead::LeadDetails> = rows
            .iter()
            .filter_map(|r| match &r.outcome {
                Ok(Candidate::Lead(d)) => Some(&**d),
                _ => None,
            })
            .collect();
        self.app.assign(assigner, &leads).await
    }

    fn build(&self, candidate: Candidate, owner: Option<Assigned>, writes: &mut Writes) {
        let app = self.app;
        let (owner_id, team_id) = owner
            .map(|a| (a.owner, a.team))
            .unwrap_or((self.actor.user_id, self.actor.team_id));
        let meta = RecordMeta::new(owner_id, team_id, app.now());
        let id = Uuid::now_v7();
        match candidate {
            Candidate::Lead(details) => {
                let (lead, change) = Lead::new(LeadId(id), *details, meta);
                writes.events.push(app.event_for(self.actor, &lead, change));
                writes.leads.push(lead);
            }
            Candidate::Contact(details) => {
                let (contact, change) = Contact::new(ContactId(id), *details, meta);
                writes
                    .events
                    .push(app.event_for(self.actor, &contact, change));
                writes.contacts.push(contact);
            }
            Candidate::Account(details) => {
                let (account, change) = Account::new(AccountId(id), *details, meta);
                writes
                    .events
                    .push(app.event_for(self.actor, &account, change));
                writes.accounts.push(account);
            }
            Candidate::Product(details) => {
                let (product, change) = Product::new(ProductId(id), *details, meta);
                writes
                    .events
                    .push(app.event_for(self.actor, &product, change));
                writes.products.push(product);
            }
        }
    }
}
