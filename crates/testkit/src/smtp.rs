//! A small SMTP server for tests: it speaks enough SMTP for a real client (EHLO, MAIL, RCPT,
//! DATA, RSET, NOOP, QUIT) and keeps every message it receives.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// One received message: envelope and the raw data (headers and body).
#[derive(Debug, Clone, Default)]
pub struct Received {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

#[derive(Clone)]
pub struct SmtpSink {
    pub port: u16,
    messages: Arc<Mutex<Vec<Received>>>,
}

impl SmtpSink {
    pub async fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind SMTP sink");
        let port = listener.local_addr().expect("address").port();
        let messages: Arc<Mutex<Vec<Received>>> = Arc::default();
        let store = messages.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let _ = session(socket, store).await;
                });
            }
        });
        SmtpSink { port, messages }
    }

    /// `smtp://127.0.0.1:PORT?tls=none`
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    pub fn messages(&self) -> Vec<Received> {
        self.messages.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

async fn session(
    socket: tokio::net::TcpStream,
    store: Arc<Mutex<Vec<Received>>>,
) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read).lines();
    write.write_all(b"220 sink ready\r\n").await?;
    let mut current = Received::default();
    while let Some(line) = lines.next_line().await? {
        let upper = line.to_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            b"250-sink\r\n250 8BITMIME\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            current = Received {
                from: line[10..].trim().to_string(),
                ..Default::default()
            };
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            current.to.push(line[8..].trim().to_string());
            b"250 OK\r\n"
        } else if upper == "DATA" {
            write.write_all(b"354 go on\r\n").await?;
            let mut data = String::new();
            while let Some(l) = lines.next_line().await? {
                if l == "." {
                    break;
                }
                data.push_str(
                    l.strip_prefix('.')
                        .filter(|_| l.starts_with(".."))
                        .unwrap_or(&l),
                );
                data.push('\n');
            }
            current.data = data;
            if let Ok(mut m) = store.lock() {
                m.push(std::mem::take(&mut current));
            }
            b"250 OK queued\r\n"
        } else if upper == "QUIT" {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"250 OK\r\n"
        };
        write.write_all(reply).await?;
    }
    Ok(())
}

impl Received {
    /// The decoded body of the attachment called `filename`, if the message carries it.
    pub fn attachment(&self, filename: &str) -> Option<Vec<u8>> {
        use base64::Engine as _;
        let start = self.data.find(&format!("filename=\"{filename}\""))?;
        let rest = &self.data[start..];
        let body_start = rest.find("\n\n")? + 2;
        let encoded: String = rest[body_start..]
            .lines()
            .take_while(|l| !l.starts_with("--") && !l.trim().is_empty())
            .map(str::trim)
            .collect();
        base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()
    }
}

/// The first address in `body` that starts with `prefix` (a portal path up to its token), with
/// the token that follows it.
pub fn link_after(body: &str, prefix: &str) -> Option<String> {
    let start = body.find(prefix)?;
    let token: String = body[start + prefix.len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    (!token.is_empty()).then(|| format!("{prefix}{token}"))
}
