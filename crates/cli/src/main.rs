//! The salesflow server binary.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;
use clap::{Parser, Subcommand};
use salesflow::config::{FileSettings, Settings};
use salesflow::{admin, bench, demo, server};
use salesflow_app::clock::SystemClock;

// A faster allocator for a server that allocates per row and per request.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "salesflow",
    version,
    about = "salesflow: run and measure your whole sales process"
)]
struct Cli {
    /// Database URL: sqlite://FILE (default sqlite://salesflow.db) or postgres://USER@HOST/DB.
    #[arg(long, env = "SALESFLOW_DATABASE_URL", global = true)]
    database_url: Option<String>,
    /// Config file (TOML); default ./salesflow.toml when present.
    #[arg(long, env = "SALESFLOW_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Log as JSON lines instead of text.
    #[arg(long, env = "SALESFLOW_LOG_JSON", global = true)]
    log_json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (UI, API and background jobs).
    Serve {
        /// Address to listen on (default 127.0.0.1:8080).
        #[arg(long, env = "SALESFLOW_LISTEN")]
        listen: Option<String>,
        /// Fill the demo company first if the database is empty.
        #[arg(long)]
        demo: bool,
        /// Mark cookies Secure (when served over HTTPS).
        #[arg(long, env = "SALESFLOW_SECURE_COOKIES")]
        secure_cookies: Option<bool>,
        /// The address people reach this server at, e.g. https://crm.example.com (default
        /// http://LISTEN); used in the embeddable web forms.
        #[arg(long, env = "SALESFLOW_PUBLIC_URL")]
        public_url: Option<String>,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Fill an empty database with the demo company.
    Demo {
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Operator commands.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Run background jobs that are due, then exit.
    Jobs,
    /// The event feed's consumers: list them with their lag, or replay one from a position.
    #[command(subcommand)]
    Consumers(salesflow::consumers::ConsumersCommand),
    /// Check the database: SQLite's integrity check, stock balances and invoices' paid amounts
    /// re-derived from their ledgers, documents stored by halves (fails on any finding).
    Check,
    /// Write a consistent copy of the SQLite database to FILE while the server keeps running,
    /// then check the copy (PostgreSQL: use pg_dump).
    Backup {
        /// Where the copy goes; it must not exist yet.
        file: std::path::PathBuf,
    },
    /// Import leads, contacts or accounts from a CSV file (streamed: any size).
    Import(salesflow::import::ImportArgs),
    /// Benchmark the real server on a generated data set.
    Bench(bench::BenchArgs),
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a user; the password is read from standard input.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, sales_manager, sales_rep, marketing, warehouse, finance or support.
        #[arg(long)]
        role: String,
        /// Team name (created when missing).
        #[arg(long)]
        team: Option<String>,
    },
    /// Print a new API token for a user.
    CreateToken {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "command line")]
        name: String,
        /// The token stops working after this many days (default: until revoked).
        #[arg(long)]
        expires_in_days: Option<i64>,
    },
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SALESFLOW_LOG")
        .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    init_logging(cli.log_json);
    let file = FileSettings::load(cli.config.as_deref())?;
    match cli.command {
        Command::Serve {
            listen,
            demo,
            secure_cookies,
            public_url,
        } => {
            let settings =
                Settings::resolve(cli.database_url, listen, secure_cookies, public_url, &file);
            server::serve(&settings, demo).await
        }
        Command::Bench(args) => bench::run(args).await,
        command => {
            let settings = Settings::resolve(cli.database_url, None, None, None, &file);
            let store = server::open_store(&settings.database_url, 4).await?;
            let app = server::app_with_mail(store.clone(), Arc::new(SystemClock), &settings)?;
            let result = match command {
                Command::Migrate => {
                    println!("database is up to date");
                    Ok(())
                }
                Command::Demo { seed } => {
                    let summary = demo::fill(&app, seed, jiff::Timestamp::now()).await?;
                    demo::print_summary(&summary);
                    Ok(())
                }
                Command::Admin(AdminCommand::CreateUser {
                    email,
                    name,
                    role,
                    team,
                }) => {
                    let password = admin::read_password()?;
                    admin::create_user(&app, &email, &name, &role, team.as_deref(), password).await
                }
                Command::Admin(AdminCommand::CreateToken {
                    email,
                    name,
                    expires_in_days,
                }) => admin::create_token(&app, &email, &name, expires_in_days).await,
                Command::Import(args) => salesflow::import::run(&app, args).await,
                Command::Backup { file } => salesflow::backup::run(&store, &file).await,
                Command::Check => salesflow::check::run(&store).await,
                Command::Consumers(command) => salesflow::consumers::run(&app, command).await,
                Command::Jobs => {
                    app.ensure_recurring_jobs().await.map_err(admin::describe)?;
                    let ran = app.drain_jobs("cli").await.map_err(admin::describe)?;
                    println!("ran {ran} job(s)");
                    Ok(())
                }
                Command::Serve { .. } | Command::Bench(_) => unreachable!("handled above"),
            };
            store.close().await;
            result
        }
    }
}
