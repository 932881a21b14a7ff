//! What an endpoint is checked for when saved: its URL (http or https, a host, no fragment)
//! and the event types it subscribes to, written `quote.sent`, `quote.*` or `*`. An event's
//! type is its record type and activity: `lead.created`, `sales_order.confirmed`,
//! `lead.sla_breached`.

use std::net::IpAddr;

/// The longest URL an endpoint may have.
pub const MAX_URL: usize = 2000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl {
    pub text: String,
    pub https: bool,
    /// The host without brackets: a name or an IP address.
    pub host: String,
    pub port: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("must be an http:// or https:// address")]
    Scheme,
    #[error("must name a host")]
    Host,
    #[error("has a port that is not a number from 1 to 65535")]
    Port,
    #[error("must not contain spaces, control characters or a #fragment")]
    Characters,
    #[error("is longer than 2000 characters")]
    TooLong,
}

impl WebhookUrl {
    pub fn parse(raw: &str) -> Result<Self, UrlError> {
        let text = raw.trim();
        if text.len() > MAX_URL {
            return Err(UrlError::TooLong);
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) || text.contains('#') {
            return Err(UrlError::Characters);
        }
        let lower = text.to_ascii_lowercase();
        let (https, rest) = if lower.starts_with("https://") {
            (true, &text[8..])
        } else if lower.starts_with("http://") {
            (false, &text[7..])
        } else {
            return Err(UrlError::Scheme);
        };
        let authority = rest.split(['/', '?']).next().unwrap_or_default();
        // Credentials in the URL are not sent anywhere else; only the host counts here.
        let host_port = authority.rsplit('@').next().unwrap_or_default();
        let (host, port) = split_port(host_port)?;
        if host.is_empty() || host.contains(['@', '[', ']']) {
            return Err(UrlError::Host);
        }
        Ok(Self {
            text: text.to_string(),
            https,
            host: host.trim_end_matches('.').to_ascii_lowercase(),
            port: port.unwrap_or(if https { 443 } else { 80 }),
        })
    }

    /// The host when it is written as an IP address (no name to resolve).
    pub fn literal_ip(&self) -> Option<IpAddr> {
        self.host.parse().ok().or_else(|| legacy_ipv4(&self.host))
    }
}

/// `host[:port]` or `[v6][:port]`.
fn split_port(host_port: &str) -> Result<(&str, Option<u16>), UrlError> {
    let (host, port) = if let Some(bracketed) = host_port.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']').ok_or(UrlError::Host)?;
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(UrlError::Host);
        }
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':').ok_or(UrlError::Host)?)),
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    let port = match port {
        None => None,
        Some(text) => Some(
            text.parse::<u16>()
                .ok()
                .filter(|p| *p != 0)
                .ok_or(UrlError::Port)?,
        ),
    };
    Ok((host, port))
}

/// Hosts that resolvers read as IPv4 though they are not dotted quads: `2130706433`,
/// `0x7f.1`, `0177.0.0.1` all reach 127.0.0.1. Read them the same way so they are judged.
fn legacy_ipv4(host: &str) -> Option<IpAddr> {
    let parts: Vec<u64> = host
        .split('.')
        .map(|part| {
            let lower = part.to_ascii_lowercase();
            if let Some(hex) = lower.strip_prefix("0x") {
                u64::from_str_radix(hex, 16).ok()
            } else if part.len() > 1 && part.starts_with('0') {
                u64::from_str_radix(&part[1..], 8).ok()
            } else {
                part.parse().ok()
            }
        })
        .collect::<Option<_>>()?;
    let (last, leading) = parts.split_last()?;
    if leading.len() > 3 || leading.iter().any(|p| *p > 255) {
        return None;
    }
    let room = 8 * (4 - leading.len() as u32);
    if *last >= 1u64 << room {
        return None;
    }
    let value = leading
        .iter()
        .fold(0u64, |acc, p| (acc << 8) | p)
        .checked_shl(room)?
        | last;
    Some(IpAddr::V4(std::net::Ipv4Addr::from(
        u32::try_from(value).ok()?,
    )))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an event type: write record.activity (quote.sent), record.* or *")]
pub struct EventTypeError(pub String);

/// Checks the subscribed types: at least one, each `*`, `record.*` or `record.activity`.
pub fn parse_event_types<S: AsRef<str>>(types: &[S]) -> Result<Vec<String>, EventTypeError> {
    let word = |w: &str| {
        !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit())
    };
    let mut out: Vec<String> = Vec::new();
    for raw in types {
        let t = raw.as_ref().trim();
        let valid = t == "*"
            || t.split_once('.').is_some_and(|(record, activity)| {
                word(record) && (activity == "*" || word(activity))
            });
        if !valid {
            return Err(EventTypeError(t.to_string()));
        }
        if !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    }
    if out.is_empty() {
        return Err(EventTypeError(String::new()));
    }
    Ok(out)
}

/// The type subscribers see for an event of `record` with `activity`.
pub fn event_type(record: &str, activity: &str) -> String {
    format!("{record}.{activity}")
}

/// Whether one of `subscribed` covers `event_type`.
pub fn subscribes<S: AsRef<str>>(subscribed: &[S], event_type: &str) -> bool {
    subscribed.iter().any(|pattern| {
        let pattern = pattern.as_ref();
        pattern == "*"
            || pattern == event_type
            || pattern
                .strip_suffix(".*")
                .is_some_and(|record| event_type.split_once('.').is_some_and(|(r, _)| r == record))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_split_into_host_and_port() {
        let u = WebhookUrl::parse(" https://Hooks.Example.com/in?x=1 ").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.https),
            ("hooks.example.com", 443, true)
        );
        let u = WebhookUrl::parse("http://user:pw@127.0.0.1:8080/a").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("127.0.0.1", 8080));
        assert_eq!(u.literal_ip(), Some("127.0.0.1".parse().unwrap()));
        let u = WebhookUrl::parse("http://[::1]:9000").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", 9000));
        assert_eq!(u.literal_ip(), Some("::1".parse().unwrap()));
        assert_eq!(
            WebhookUrl::parse("http://example.com.").unwrap().host,
            "example.com"
        );
    }

    #[test]
    fn bad_urls_say_what_is_wrong() {
        assert_eq!(WebhookUrl::parse("ftp://x.example"), Err(UrlError::Scheme));
        assert_eq!(WebhookUrl::parse("example.com/hook"), Err(UrlError::Scheme));
        assert_eq!(WebhookUrl::parse("https:///path"), Err(UrlError::Host));
        assert_eq!(
            WebhookUrl::parse("https://x.example:0/"),
            Err(UrlError::Port)
        );
        assert_eq!(
            WebhookUrl::parse("https://x.example:99999/"),
            Err(UrlError::Port)
        );
        assert_eq!(
            WebhookUrl::parse("https://x.example/a b"),
            Err(UrlError::Characters)
        );
        assert_eq!(
            WebhookUrl::parse("https://x.example/#f"),
            Err(UrlError::Characters)
        );
        assert_eq!(WebhookUrl::parse("http://[::1"), Err(UrlError::Host));
        let long = format!("https://x.example/{}", "a".repeat(MAX_URL));
        assert_eq!(WebhookUrl::parse(&long), Err(UrlError::TooLong));
    }

    #[test]
    fn numeric_spellings_of_an_address_are_recognised() {
        let ip = |url: &str| WebhookUrl::parse(url).unwrap().literal_ip();
        let loopback = Some("127.0.0.1".parse().unwrap());
        assert_eq!(ip("http://2130706433/"), loopback);
        assert_eq!(ip("http://0x7f.1/"), loopback);
        assert_eq!(ip("http://0177.0.0.1/"), loopback);
        assert_eq!(ip("http://127.1/"), loopback);
        assert_eq!(
            ip("http://169.254.43518/"),
            Some("169.254.169.254".parse().unwrap())
        );
        assert_eq!(ip("http://hooks.example.com/"), None);
        assert_eq!(ip("http://1.2.3.4.5/"), None);
        assert_eq!(ip("http://256.1.1.1/"), None);
    }

    #[test]
    fn event_types_match_exactly_by_record_or_all() {
        let subscribed = parse_event_types(&["quote.sent", "sales_order.*", "quote.sent"]).unwrap();
        assert_eq!(subscribed, ["quote.sent", "sales_order.*"]);
        assert!(subscribes(&subscribed, "quote.sent"));
        assert!(!subscribes(&subscribed, "quote.accepted"));
        assert!(subscribes(&subscribed, "sales_order.confirmed"));
        assert!(!subscribes(&subscribed, "sales_order_line.created"));
        assert!(subscribes(&["*"], &event_type("lead", "sla_breached")));
    }

    #[test]
    fn bad_event_types_are_refused() {
        for bad in [
            "",
            "quote",
            "Quote.sent",
            "quote.",
            ".sent",
            "quote.sent.x",
            "*.sent",
        ] {
            assert!(parse_event_types(&[bad]).is_err(), "{bad}");
        }
        assert!(parse_event_types::<&str>(&[]).is_err());
    }

    proptest::proptest! {
        /// Every numeric spelling of an IPv4 address names that address, so none slips past
        /// the guard as a "host name".
        #[test]
        fn every_numeric_spelling_names_the_same_address(bits: u32) {
            let ip = std::net::Ipv4Addr::from(bits);
            let [a, b, c, d] = ip.octets();
            let low16 = u32::from(c) << 8 | u32::from(d);
            let low24 = u32::from(b) << 16 | low16;
            for host in [
                format!("{bits}"),
                format!("0x{bits:x}"),
                format!("{a}.{low24}"),
                format!("{a}.{b}.{low16}"),
                format!("0{a:o}.0x{b:x}.{c}.{d}"),
            ] {
                let url = WebhookUrl::parse(&format!("http://{host}/")).unwrap();
                proptest::prop_assert_eq!(url.literal_ip(), Some(IpAddr::V4(ip)), "{}", host);
            }
        }
    }
}
