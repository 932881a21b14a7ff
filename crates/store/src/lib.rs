//! salesflow storage: the ports of `salesflow-app` on SQLite and PostgreSQL through one SQL
//! code path (sqlx `Any`, portable SQL with `$n` placeholders). The few statements that differ
//! by database live in `dialect`.

mod activities;
mod analytics;
mod backup;
mod board;
mod case_append;
pub mod check;
mod conversion;
mod db;
mod deadlines;
mod dialect;
mod documents;
mod error;
mod events;
pub mod feed;
mod forecast;
mod import;
mod jobs;
mod merge;
mod migrate;
mod milestones;
mod mining;
mod nodelay;
pub mod ownership;
mod payments;
mod pipelines;
mod projection;
mod receivables;
mod records;
mod rows;
mod seek;
mod sessions;
mod settings;
mod stock;
pub mod sums;
mod titles;
mod tokens;
mod users;
mod web_forms;
mod writer;

pub use db::{Backend, SqlStore, StoreOptions};
pub use records::Table;
pub use rows::Val;
pub use writer::Busy;
