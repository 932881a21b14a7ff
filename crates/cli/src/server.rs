//! Wiring: open the store, build the application and serve HTTP with graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, Result};
use salesflow_app::clock::{Clock, SystemClock};
use salesflow_app::{App, AppConfig};
use salesflow_store::{SqlStore, StoreOptions};
use salesflow_web::{AppState, WebConfig};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::Settings;

/// Connects and applies pending migrations.
pub async fn open_store(url: &str, max_connections: u32) -> Result<SqlStore> {
    let store = SqlStore::connect(
        url,
        &StoreOptions {
            max_connections,
            ..Default::default()
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("cannot open the database at {}: {e}", redact(url)))?;
    let ran = store
        .migrate()
        .await
        .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
    if ran > 0 {
        tracing::info!(ran, "database migrated");
    }
    Ok(store)
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            let user = credentials.split(':').next().unwrap_or("");
            format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..])
        }
        _ => url.to_string(),
    }
}

pub fn app(store: SqlStore, clock: Arc<dyn Clock>) -> App {
    App::new(Arc::new(store), clock, AppConfig::default())
}

/// The application with e-mail when SMTP is configured.
pub fn app_with_mail(store: SqlStore, clock: Arc<dyn Clock>, settings: &Settings) -> Result<App> {
    let mut app = app(store, clock);
    app.config.public_url = settings.public_url.clone();
    Ok(match &settings.smtp_url {
        Some(url) => app.with_mailer(Arc::new(crate::mail::SmtpMailer::new(
            url,
            &settings.mail_from,
        )?)),
        None => app,
    })
}

pub fn state(app: App, web: WebConfig) -> AppState {
    AppState {
        app,
        config: Arc::new(web),
        metrics: salesflow_web::install_metrics(),
    }
}

/// Serves until `shutdown` turns true, then finishes in-flight requests.
pub async fn serve_on(
    listener: TcpListener,
    state: AppState,
    mut shutdown: watch::Receiver<bool>,
) -> Result<()> {
    let router = salesflow_web::router(state);
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        let _ = shutdown.wait_for(|stop| *stop).await;
    })
    .await
    .context("HTTP server failed")
}

/// `salesflow serve`: HTTP server plus the in-process job worker.
pub async fn serve(settings: &Settings, demo: bool) -> Result<()> {
    let store = open_store(&settings.database_url, settings.max_connections).await?;
    let app = app_with_mail(store.clone(), Arc::new(SystemClock), settings)?;
    if settings.smtp_url.is_some() {
        tracing::info!("e-mail is sent over SMTP");
    }
    if demo {
        crate::demo::fill_if_empty(&app).await?;
    }
    let (stop_tx, stop_rx) = watch::channel(false);
    let instance = format!("worker-{}", uuid::Uuid::now_v7());
    let worker = tokio::spawn(salesflow_app::jobs::run_worker(
        app.clone(),
        instance.clone(),
        stop_rx.clone(),
    ));
    let follower = tokio::spawn(salesflow_app::feed::run_follower(
        app.clone(),
        instance,
        stop_rx.clone(),
    ));
    let trusted_proxies =
        salesflow_web::client_addr::parse_trusted_proxies(&settings.trusted_proxies)
            .map_err(|e| anyhow::anyhow!("trusted_proxies: {e}"))?;
    let forwarded_header =
        salesflow_web::client_addr::ForwardedHeader::parse(&settings.trusted_proxy_header)
            .map_err(|e| anyhow::anyhow!("trusted_proxy_header: {e}"))?;
    let listener = TcpListener::bind(&settings.listen)
        .await
        .with_context(|| format!("cannot listen on {}", settings.listen))?;
    let address = listener.local_addr()?;
    tracing::info!(%address, database = store.backend_kind().name(), "salesflow is listening");
    println!(
        "salesflow is running at http://{address}  (database: {})",
        redact(&settings.database_url)
    );
    if app.needs_setup().await.unwrap_or(false) {
        println!(
            "No user exists yet: open http://{address}/setup to create the first administrator,"
        );
        println!("or run `salesflow admin create-user --role admin --email … --name …`.");
    }
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    serve_on(
        listener,
        state(
            app,
            WebConfig {
                secure_cookies: settings.secure_cookies,
                public_url: settings.public_url.clone(),
                trusted_proxies,
                forwarded_header,
            },
        ),
        stop_rx,
    )
    .await?;
    let _ = worker.await;
    let _ = follower.await;
    store.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("signal handler");
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            super::redact("postgres://app:secret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(
            super::redact("sqlite://salesflow.db"),
            "sqlite://salesflow.db"
        );
    }
}
