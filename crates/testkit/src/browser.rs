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

    /// Signs in through the login form and waits for the start page.
    pub async fn sign_in(
        &self,
        base_url: &str,
        email: &str,
        password: &str,
    ) -> Result<(), fantoccini::error::CmdError> {
        use fantoccini::Locator;
        let c = &self.client;
        c.goto(&format!("{base_url}/login")).await?;
        c.find(Locator::Css("input[name=email]"))
            .await?
            .send_keys(email)
            .await?;
        c.find(Locator::Css("input[name=password]"))
            .await?
            .send_keys(password)
            .await?;
        c.find(Locator::Css("button[type=submit]"))
            .await?
            .click()
            .await?;
        c.wait().for_element(Locator::Css(".tiles")).await?;
        Ok(())
    }

    /// Drags `item` onto `target` with real mouse events, in small steps as a hand would.
    pub async fn drag(
        &self,
        item: fantoccini::elements::Element,
        target: fantoccini::elements::Element,
    ) -> Result<(), fantoccini::error::CmdError> {
        use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
        let step = Duration::from_millis(150);
        let mouse = MouseActions::new("mouse".into())
            .then(PointerAction::MoveToElement {
                element: item,
                duration: None,
                x: 0.0,
                y: 0.0,
            })
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::MoveBy {
                duration: Some(step),
                x: 8.0,
                y: 8.0,
            })
            .then(PointerAction::MoveToElement {
                element: target.clone(),
                duration: Some(step),
                x: 0.0,
                y: -10.0,
            })
            .then(PointerAction::MoveToElement {
                element: target,
                duration: Some(step),
                x: 0.0,
                y: 0.0,
            })
            .pause(step)
            .then(PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            });
        self.client.perform_actions(mouse).await
    }

    /// Waits until the text of the element at `css` satisfies `done`; returns the last text.
    pub async fn wait_for_text(
        &self,
        css: &str,
        done: impl Fn(&str) -> bool,
    ) -> Result<String, fantoccini::error::CmdError> {
        let mut text = String::new();
        for _ in 0..100 {
            if let Ok(element) = self.client.find(fantoccini::Locator::Css(css)).await {
                text = element.text().await.unwrap_or_default();
                if done(&text) {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(text)
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
