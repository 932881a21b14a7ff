//! An API client that tells an acknowledged answer from one that never arrived.

use std::time::Duration;

use serde_json::Value;

/// What came back: a status and body, or nothing (connection refused or cut, timeout).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: Option<u16>,
    pub retry_after: Option<String>,
    pub body: Value,
}

impl Answer {
    /// A 2xx: the server said it is done, so it must be there after any crash.
    pub fn acknowledged(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }

    pub fn is_server_error(&self) -> bool {
        self.status.is_some_and(|s| s >= 500)
    }
}

#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    pub base: String,
    token: String,
}

impl Api {
    pub fn new(base: &str, token: &str) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            http,
            base: base.to_string(),
            token: token.to_string(),
        }
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// The same client pointed at another server process.
    pub fn at(&self, base: &str) -> Self {
        Self {
            base: base.to_string(),
            ..self.clone()
        }
    }

    pub async fn get(&self, path: &str) -> Answer {
        let request = self.http.get(format!("{}{path}", self.base));
        self.send(request).await
    }

    pub async fn post(&self, path: &str, body: &Value, key: Option<&str>) -> Answer {
        let mut request = self.http.post(format!("{}{path}", self.base)).json(body);
        if let Some(key) = key {
            request = request.header("Idempotency-Key", key);
        }
        self.send(request).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Answer {
        let request = self.http.put(format!("{}{path}", self.base)).json(body);
        self.send(request).await
    }

    /// A customer's form on the portal (no token: the link is the credential).
    pub async fn portal_form(&self, url: &str, form: &[(&str, &str)]) -> Answer {
        let request = self.http.post(url).header("Origin", &self.base).form(form);
        self.send_as(request, false).await
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        self.send_as(request, true).await
    }

    async fn send_as(&self, request: reqwest::RequestBuilder, token: bool) -> Answer {
        let request = if token {
            request.bearer_auth(&self.token)
        } else {
            request
        };
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string);
                match response.bytes().await {
                    Ok(bytes) => Answer {
                        status: Some(status),
                        retry_after,
                        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                    },
                    // The body was cut off: the answer never fully arrived.
                    Err(_) => Answer {
                        status: None,
                        retry_after: None,
                        body: Value::Null,
                    },
                }
            }
            Err(_) => Answer {
                status: None,
                retry_after: None,
                body: Value::Null,
            },
        }
    }
}
