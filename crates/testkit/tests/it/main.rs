//! Integration tests: a real server on port 0 with a fresh database per test, driven over
//! HTTP. Run on SQLite by default and on PostgreSQL with `SALESFLOW_TEST_BACKEND=postgres`.

mod access;
mod access_documents;
mod activities;
mod assignment;
mod auth;
mod browser;
mod browser_quote;
mod cancellation;
mod capture;
mod concurrency;
mod fulfilment;
mod import;
mod invoices;
mod jobs;
mod merge;
mod ops;
mod payments;
mod pipeline;
mod posted_documents;
mod qualify;
mod quote_rules;
mod quote_to_order;
mod receivables;
mod records;
mod scenario_lead_to_won;
mod scenario_order_to_cash;
mod stock;
mod stock_random_ops;
mod store_story;
mod transitions_once;
mod ui;
mod ui_quotes;
mod ui_sales;
mod ui_settings;
mod visibility;
