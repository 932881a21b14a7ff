//! The salesflow binary's library: configuration, wiring of store and web, and the commands
//! (serve, migrate, admin, demo, bench). Only this crate wires `salesflow-web` and
//! `salesflow-store` together.

pub mod admin;
pub mod backup;
pub mod bench;
pub mod bench_analytics;
pub mod bench_board;
pub mod bench_cash;
pub mod bench_import;
pub mod bench_login;
pub mod check;
pub mod config;
pub mod consumers;
pub mod demo;
pub mod demo_activities;
pub mod demo_capture;
pub mod demo_cash;
pub mod demo_pipeline;
pub mod demo_quotes;
pub mod import;
pub mod mail;
pub mod server;
