//! Configuration: command-line flags, then `SALESFLOW_*` environment variables (both through
//! clap), then an optional TOML file, then built-in defaults.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://salesflow.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_CONFIG_FILE: &str = "salesflow.toml";

/// Settings as they may appear in the config file; every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub database_url: Option<String>,
    pub listen: Option<String>,
    pub secure_cookies: Option<bool>,
    pub public_url: Option<String>,
    pub trusted_proxies: Option<String>,
    pub trusted_proxy_header: Option<String>,
    pub smtp_url: Option<String>,
    pub mail_from: Option<String>,
    pub max_connections: Option<u32>,
    pub log_format: Option<String>,
}

impl FileSettings {
    /// Reads `path`, or `salesflow.toml` in the working directory when it exists.
    pub fn load(path: Option<&Path>) -> Result<Self> {
        let path: PathBuf = match path {
            Some(p) => p.to_path_buf(),
            None if Path::new(DEFAULT_CONFIG_FILE).exists() => PathBuf::from(DEFAULT_CONFIG_FILE),
            None => return Ok(Self::default()),
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read config file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))
    }
}

/// The resolved settings of the server.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub listen: String,
    pub secure_cookies: bool,
    /// How people outside reach this server (links in embeddable forms, e-mails).
    pub public_url: String,
    /// Proxies (addresses or networks, comma-separated) trusted to name the client in
    /// `Forwarded` / `X-Forwarded-For`; empty: the TCP peer is the client.
    pub trusted_proxies: String,
    /// `x-forwarded-for` (default) or `forwarded`: the header the trusted proxies write.
    pub trusted_proxy_header: String,
    /// SMTP server for e-mail (reminders); none: no e-mail is sent.
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub max_connections: u32,
}

impl Settings {
    pub fn resolve(
        database_url: Option<String>,
        listen: Option<String>,
        secure_cookies: Option<bool>,
        public_url: Option<String>,
        file: &FileSettings,
    ) -> Self {
        let listen: String = listen
            .or_else(|| file.listen.clone())
            .unwrap_or_else(|| DEFAULT_LISTEN.into());
        Self {
            database_url: database_url
                .or_else(|| file.database_url.clone())
                .unwrap_or_else(|| DEFAULT_DATABASE_URL.into()),
            public_url: public_url
                .or_else(|| file.public_url.clone())
                .unwrap_or_else(|| format!("http://{listen}")),
            listen,
            trusted_proxies: std::env::var("SALESFLOW_TRUSTED_PROXIES")
                .ok()
                .or_else(|| file.trusted_proxies.clone())
                .unwrap_or_default(),
            trusted_proxy_header: std::env::var("SALESFLOW_TRUSTED_PROXY_HEADER")
                .ok()
                .or_else(|| file.trusted_proxy_header.clone())
                .unwrap_or_default(),
            smtp_url: std::env::var("SALESFLOW_SMTP_URL")
                .ok()
                .or_else(|| file.smtp_url.clone())
                .filter(|u| !u.is_empty()),
            mail_from: std::env::var("SALESFLOW_MAIL_FROM")
                .ok()
                .or_else(|| file.mail_from.clone())
                .unwrap_or_else(|| "salesflow <salesflow@localhost>".into()),
            secure_cookies: secure_cookies.or(file.secure_cookies).unwrap_or(false),
            max_connections: file.max_connections.unwrap_or(16),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_file_beat_defaults() {
        let file: FileSettings =
            toml::from_str("database_url = \"postgres://db/x\"\nlisten = \"0.0.0.0:9000\"")
                .unwrap();
        let s = Settings::resolve(Some("sqlite://flag.db".into()), None, None, None, &file);
        assert_eq!(s.database_url, "sqlite://flag.db");
        assert_eq!(s.listen, "0.0.0.0:9000");
        assert_eq!(s.public_url, "http://0.0.0.0:9000");
        let d = Settings::resolve(None, None, None, None, &FileSettings::default());
        assert_eq!(
            (d.database_url.as_str(), d.listen.as_str()),
            (DEFAULT_DATABASE_URL, DEFAULT_LISTEN)
        );
        assert!(toml::from_str::<FileSettings>("unknown = 1").is_err());
    }
}
