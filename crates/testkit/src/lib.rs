//! Test helpers: a real salesflow server on port 0 with a fresh database (SQLite, or
//! PostgreSQL when `SALESFLOW_TEST_BACKEND=postgres`), API and browser-session clients, users
//! in every role, and headless Chromium.

pub mod browser;
pub mod db;
pub mod einvoice;
pub mod http;
pub mod orders;
pub mod pdf;
pub mod smtp;

use std::sync::Arc;

use salesflow_app::clock::FixedClock;
use salesflow_app::ports::UserRecord;
use salesflow_app::users::NewUser;
use salesflow_app::{Actor, App};
use salesflow_domain::ids::TeamId;
use salesflow_domain::role::Role;
use salesflow_store::SqlStore;
use tokio::sync::watch;

pub use db::TestDb;
pub use http::{Api, Session};

pub const PASSWORD: &str = "correct horse battery staple";

/// A running server with its own database.
pub struct TestApp {
    pub base_url: String,
    pub app: App,
    pub store: SqlStore,
    pub clock: Arc<FixedClock>,
    pub db: TestDb,
    stop: watch::Sender<bool>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|app| app).await
    }

    /// A server whose application e-mails through the given SMTP sink.
    pub async fn spawn_with_mail(sink: &smtp::SmtpSink) -> Self {
        Self::spawn_with_smtp_url(&sink.url()).await
    }

    /// A server whose application e-mails through the SMTP server at `url` (which may refuse).
    pub async fn spawn_with_smtp_url(url: &str) -> Self {
        let mailer =
            salesflow::mail::SmtpMailer::new(url, "salesflow <crm@test.example>").expect("mailer");
        Self::spawn_with(move |app| app.with_mailer(Arc::new(mailer))).await
    }

    /// A server with these HTTP settings (trusted proxies, public URL, cookies).
    pub async fn spawn_with_web(web: salesflow_web::WebConfig) -> Self {
        Self::spawn_configured(|app| app, web).await
    }

    async fn spawn_with(configure: impl FnOnce(App) -> App) -> Self {
        Self::spawn_configured(configure, salesflow_web::WebConfig::default()).await
    }

    /// A server whose event feed nobody follows in the background: what requests leave to the
    /// feed's consumers stays undone until the test (or a report) catches up.
    pub async fn spawn_without_feed_follower() -> Self {
        Self::spawn_full(|app| app, salesflow_web::WebConfig::default(), false).await
    }

    async fn spawn_configured(
        configure: impl FnOnce(App) -> App,
        web: salesflow_web::WebConfig,
    ) -> Self {
        Self::spawn_full(configure, web, true).await
    }

    async fn spawn_full(
        configure: impl FnOnce(App) -> App,
        web: salesflow_web::WebConfig,
        follow_feed: bool,
    ) -> Self {
        let db = TestDb::create().await;
        let store = salesflow::server::open_store(&db.url, 8)
            .await
            .expect("open test database");
        let clock = Arc::new(FixedClock::new(jiff::Timestamp::now()));
        let app = configure(salesflow::server::app(store.clone(), clock.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("address"));
        let (stop, stop_rx) = watch::channel(false);
        let state = salesflow::server::state(app.clone(), web);
        // The feed follower runs as in `serve`: read models and notifications follow the log.
        if follow_feed {
            tokio::spawn(salesflow_app::feed::run_follower(
                app.clone(),
                "test".into(),
                stop_rx.clone(),
            ));
        }
        tokio::spawn(salesflow::server::serve_on(listener, state, stop_rx));
        Self {
            base_url,
            app,
            store,
            clock,
            db,
            stop,
        }
    }

    /// Waits until every consumer of the event feed has handled everything committed so far
    /// (notifications are written by one).
    pub async fn settle(&self) {
        for _ in 0..400 {
            let consumers = self.app.consumers().await.expect("consumers");
            if consumers.iter().all(|c| c.lag() == 0) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("the feed's consumers did not catch up within 10 s");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub async fn team(&self, name: &str) -> TeamId {
        self.app.create_team(None, name).await.expect("team").id
    }

    /// A user with the test password.
    pub async fn user(&self, role: Role, team: Option<TeamId>) -> UserRecord {
        let n = uuid::Uuid::now_v7().simple().to_string();
        let new = NewUser {
            email: format!("{}-{}@test.example", role.as_str(), &n[20..]),
            name: format!("{} {}", role.label(), &n[24..]),
            role,
            team_id: team,
            password: PASSWORD.into(),
        };
        self.app.create_user(None, new).await.expect("user")
    }

    /// Company details complete for EN 16931 e-invoices (VAT ID, register number, address,
    /// country), as an administrator enters them before invoicing; kept once saved.
    pub async fn company_ready(&self) {
        let (company, version) = self.app.company_settings().await.expect("company");
        if version > 0 {
            return; // entered already (a test may have left something out on purpose)
        }
        let admin = Self::actor(&self.user(Role::Admin, None).await);
        let complete = salesflow_app::quote_document::CompanySettings {
            name: "Test Sales GmbH".into(),
            address: "Teststraße 1\n10115 Berlin".into(),
            vat_id: "DE123456789".into(),
            registration_id: "HRB 12345 B".into(),
            country_code: "DE".into(),
            ..company
        };
        match self
            .app
            .save_company_settings(&admin, &complete, version)
            .await
        {
            // Another task of the same test got there first.
            Ok(_) | Err(salesflow_app::AppError::StaleVersion { .. }) => {}
            Err(e) => panic!("company settings: {e}"),
        }
    }

    pub fn actor(user: &UserRecord) -> Actor {
        Actor::of(user)
    }

    /// An API client authenticated as `user`.
    pub async fn api_as(&self, user: &UserRecord) -> Api {
        let (_, secret) = self
            .app
            .create_token(&Self::actor(user), user.id, "test", None)
            .await
            .expect("token");
        Api::new(&self.base_url, Some(secret))
    }

    /// An API client without credentials.
    pub fn anonymous(&self) -> Api {
        Api::new(&self.base_url, None)
    }

    /// A signed-in browser-like session (cookies, CSRF token).
    pub async fn session_as(&self, user: &UserRecord) -> Session {
        Session::login(&self.base_url, &user.email, PASSWORD)
            .await
            .expect("login")
    }

    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        self.store.close().await;
        self.db.drop().await;
    }
}
