//! HTTP clients for tests: the JSON API with a bearer token, and a cookie session that fills
//! in CSRF tokens the way the browser would.

use reqwest::{Client, Method, StatusCode};
use scraper::{Html, Selector};
use serde_json::Value;

pub struct Api {
    base: String,
    token: Option<String>,
    client: Client,
}

/// Status, headers and parsed JSON body (Null when not JSON).
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub json: Value,
    pub text: String,
}

impl Reply {
    /// The first error code of an error body.
    pub fn code(&self) -> &str {
        self.json["errors"][0]["code"].as_str().unwrap_or("")
    }
}

async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap_or_default();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        json,
        text,
    }
}

impl Api {
    /// The bearer token this client sends.
    pub fn token(&self) -> Option<String> {
        self.token.clone()
    }

    pub fn new(base: &str, token: Option<String>) -> Self {
        Self {
            base: base.into(),
            token,
            client: Client::new(),
        }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        reply(request.send().await.expect("request")).await
    }

    /// POSTs a non-JSON body (a CSV file, say).
    pub async fn post_raw(&self, path: &str, content_type: &str, body: &[u8]) -> Reply {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body.to_vec());
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        reply(request.send().await.expect("request")).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Reply {
        self.call(Method::PATCH, path, Some(body)).await
    }

    /// The activities of a record's events (`…/{id}/events`), oldest first.
    pub async fn activities(&self, events_path: &str) -> Vec<String> {
        let reply = self.get(events_path).await;
        let mut list: Vec<String> = reply.json["events"]
            .as_array()
            .map(|events| {
                events
                    .iter()
                    .filter_map(|e| e["activity"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        list.reverse();
        list
    }

    /// POSTs and insists on success; the body's `key` member.
    pub async fn ok(&self, path: &str, body: &Value, key: &str) -> Value {
        let r = self.post(path, body).await;
        assert!(r.status.is_success(), "{path}: {} {}", r.status, r.text);
        r.json[key].clone()
    }
}

/// A signed-in browser session: cookies kept, CSRF token read from pages.
pub struct Session {
    pub base: String,
    pub client: Client,
    pub csrf: String,
}

/// The value of `input[name=csrf]` (or the body's data-csrf) on a page.
pub fn csrf_of(html: &str) -> Option<String> {
    let doc = Html::parse_document(html);
    let input = Selector::parse("input[name=csrf]").expect("selector");
    let body = Selector::parse("body[data-csrf]").expect("selector");
    doc.select(&input)
        .next()
        .and_then(|e| e.value().attr("value").map(str::to_string))
        .or_else(|| {
            doc.select(&body)
                .next()
                .and_then(|e| e.value().attr("data-csrf").map(str::to_string))
        })
        .filter(|t| !t.is_empty())
}

pub fn new_browser_client() -> Client {
    browser_client_builder().build().expect("client")
}

/// A browser-like client whose connections come from `address` (any 127.0.0.0/8 address
/// reaches a server on 127.0.0.1), to act as several clients in one test.
pub fn new_browser_client_from(address: std::net::IpAddr) -> Client {
    browser_client_builder()
        .local_address(address)
        .build()
        .expect("client")
}

fn browser_client_builder() -> reqwest::ClientBuilder {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
}

impl Session {
    /// Signs in through the login form; fails with the login page's status when refused.
    pub async fn login(base: &str, email: &str, password: &str) -> Result<Session, StatusCode> {
        let client = new_browser_client();
        let page = client
            .get(format!("{base}/login"))
            .send()
            .await
            .expect("login page")
            .text()
            .await
            .unwrap_or_default();
        let form_csrf = csrf_of(&page).expect("login form has a CSRF token");
        let response = client
            .post(format!("{base}/login"))
            .form(&[
                ("csrf", form_csrf.as_str()),
                ("email", email),
                ("password", password),
                ("next", "/"),
            ])
            .send()
            .await
            .expect("login post");
        if response.status() != StatusCode::SEE_OTHER {
            return Err(response.status());
        }
        let home = client
            .get(format!("{base}/"))
            .send()
            .await
            .expect("home")
            .text()
            .await
            .unwrap_or_default();
        let csrf = csrf_of(&home).expect("signed-in pages carry the CSRF token");
        Ok(Session {
            base: base.into(),
            client,
            csrf,
        })
    }

    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("get");
        (r.status(), r.text().await.unwrap_or_default())
    }

    /// Posts a form with the session's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = vec![("csrf", self.csrf.as_str())];
        form.extend_from_slice(fields);
        self.client
            .post(format!("{}{path}", self.base))
            .form(&form)
            .send()
            .await
            .expect("post")
    }
}
