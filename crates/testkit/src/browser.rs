//! Headless Chromium through chromedriver (Debian `chromium` + `chromium-driver`). Where they
//! are missing, browser tests print a notice and skip.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};

pub struct Browser {
    pub client: Client,
    driver: Child,
}

fn find(candidates: &[&str]) -> Option<String> {
    candidates
        .iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(|p| p.to_string())
}

/// Skips a browser test with a notice, or fails it where browsers are required (CI).
fn unavailable(why: &str) -> Option<Browser> {
    if std::env::var("SALESFLOW_REQUIRE_BROWSER").is_ok_and(|v| v == "1") {
        panic!("{why}, and SALESFLOW_REQUIRE_BROWSER=1");
    }
    eprintln!("NOTICE: {why}; browser test skipped (install Debian chromium and chromium-driver)");
    None
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session, or `None` with a printed notice.
    pub async fn start() -> Option<Browser> {
        let Some(driver_path) = find(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"])
        else {
            return unavailable("chromedriver not found");
        };
        let Some(chromium) = find(&["/usr/bin/chromium", "/usr/bin/chromium-browser"]) else {
            return unavailable("chromium not found");
        };
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").ok()?;
            l.local_addr().ok()?.port()
        };
        let Ok(mut driver) = Command::new(driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        else {
            return unavailable("chromedriver did not start");
        };
        let mut caps = serde_json::Map::new();
        let profile = std::env::temp_dir().join(format!(
            "salesflow-chromium-{}",
            uuid::Uuid::now_v7().simple()
        ));
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-quic",
                         "--window-size=1280,900", format!("--user-data-dir={}", profile.display())]
            }),
        );
        for _ in 0..50 {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
            {
                Ok(client) => return Some(Browser { client, driver }),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        let _ = driver.kill();
        unavailable("headless Chromium did not start")
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
