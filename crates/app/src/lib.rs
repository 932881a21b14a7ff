//! salesflow's use cases. Both front ends (JSON API and HTML UI) call these functions, which
//! enforce authorization, so a rule holds everywhere or nowhere.

pub mod activities;
pub mod actor;
pub mod analytics;
pub mod assignment;
pub mod auth;
pub mod backtest;
pub mod cancellation;
pub mod catalogue;
pub mod clock;
pub mod convert;
pub mod csv_cells;
pub mod deadlines;
pub mod entity;
pub mod error;
pub mod events;
pub mod feed;
pub mod forecast;
pub mod fulfilment;
pub mod idempotency;
pub mod import;
pub mod invoice_portal;
pub mod invoices;
pub mod jobs;
pub mod leads;
pub mod list;
pub mod mail;
pub mod merge;
pub mod notifications;
pub mod opportunities;
pub mod payments;
pub mod pipelines;
pub mod portal;
pub mod ports;
pub mod preferences;
pub mod qualification;
pub mod quote_document;
pub mod quotes;
pub mod receivables;
pub mod records;
pub mod secret;
pub mod settings;
pub mod settlement;
pub mod stock;
pub mod token_cache;
pub mod ubl;
pub mod users;
pub mod warehouse;
pub mod web_forms;

pub use actor::Actor;
pub use error::{AppError, AppResult};

use std::sync::Arc;

/// Settings the use cases need; the binary fills them from flags, environment and file.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Sessions end after this much inactivity.
    pub session_idle: jiff::SignedDuration,
    /// Sessions end this long after login, however active.
    pub session_absolute: jiff::SignedDuration,
    /// Failed logins per account allowed inside `login_window` before refusing.
    pub login_max_failures: i64,
    pub login_window: jiff::SignedDuration,
    /// Failed logins per account from all client addresses together inside `login_window`
    /// before refusing: a backstop against guessing from many addresses, set well above
    /// `login_max_failures` so one attacker cannot lock the owner out.
    pub login_account_backstop: i64,
    /// Failed sign-ins one client address may cause over all accounts inside `login_window`.
    pub login_client_failures: u32,
    /// Currency of amounts entered without one.
    pub default_currency: salesflow_domain::money::Currency,
    /// How people reach the server (links in e-mails); empty: links are paths.
    pub public_url: String,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            session_idle: jiff::SignedDuration::from_hours(8),
            session_absolute: jiff::SignedDuration::from_hours(24 * 7),
            login_max_failures: 10,
            login_window: jiff::SignedDuration::from_mins(15),
            login_account_backstop: 50,
            login_client_failures: 30,
            default_currency: salesflow_domain::money::Currency::parse("EUR")
                .expect("EUR is a currency code"),
            public_url: String::new(),
        }
    }
}

/// The application: ports plus configuration. Cheap to clone.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn ports::Store>,
    pub clock: Arc<dyn clock::Clock>,
    pub config: AppConfig,
    pub(crate) tokens: Arc<token_cache::TokenCache>,
    pub(crate) settings: Arc<settings::SettingsCache>,
    /// Sends e-mail when SMTP is configured.
    pub mailer: Option<Arc<dyn mail::Mailer>>,
    pub(crate) passwords: Arc<auth::PasswordPool>,
    pub(crate) client_gate: Arc<auth::ClientGate>,
    /// Forecast simulations running at once: one per core.
    pub(crate) simulations: Arc<tokio::sync::Semaphore>,
    /// The feed's consumers with effects of their own.
    pub(crate) consumers: feed::Consumers,
}

impl App {
    pub fn new(
        store: Arc<dyn ports::Store>,
        clock: Arc<dyn clock::Clock>,
        config: AppConfig,
    ) -> Self {
        Self {
            store,
            clock,
            tokens: Arc::default(),
            settings: Arc::default(),
            mailer: None,
            passwords: Arc::new(auth::PasswordPool::for_this_machine()),
            client_gate: Arc::new(auth::ClientGate::new(auth::ClientLimits {
                failures: config.login_client_failures,
                window: config.login_window,
                in_flight: 4,
            })),
            simulations: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
            consumers: Arc::new(vec![
                Arc::new(notifications::HandoverNotifications),
                Arc::new(deadlines::DeadlineTimers),
            ]),
            config,
        }
    }

    /// This application, sending e-mail through `mailer`.
    pub fn with_mailer(self, mailer: Arc<dyn mail::Mailer>) -> Self {
        Self {
            mailer: Some(mailer),
            ..self
        }
    }

    /// The current time at the precision stored (microseconds), so a record reads back
    /// exactly as it was written.
    pub fn now(&self) -> jiff::Timestamp {
        let now = self.clock.now();
        jiff::Timestamp::from_microsecond(now.as_microsecond()).unwrap_or(now)
    }
}
