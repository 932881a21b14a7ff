//! salesflow's pure domain: types, validation and state machines.
//!
//! Nothing here performs I/O, reads a clock or generates ids: time and ids come in as
//! arguments, so every rule is a plain function that tests can call directly.

#[macro_use]
mod macros;

pub mod account;
pub mod activity;
pub mod analytics;
pub mod approval;
pub mod assignment;
pub mod authz;
pub mod calendar;
pub mod campaign;
pub mod changes;
pub mod contact;
pub mod conversion;
pub mod country;
pub mod deadline;
pub mod delivery;
pub mod error;
pub mod event;
#[cfg(test)]
mod fixtures;
pub mod handover;
pub mod ids;
pub mod import;
pub mod invoice;
pub mod lead;
pub mod line_item;
pub mod money;
#[cfg(test)]
mod money_properties;
pub mod opportunity;
pub mod payment;
pub mod pipeline;
pub mod price_list;
pub mod product;
pub mod qualification;
pub mod quote;
pub mod record;
pub mod role;
pub mod sales_order;
pub mod stage_history;
#[cfg(test)]
mod state_tables;
pub mod stock;
pub mod tax;
pub mod text;
pub mod web_form;
pub mod webhooks;

pub use error::{FieldError, ValidationErrors};
