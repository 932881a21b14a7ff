//! The client's address: the TCP peer, or — when the peer is a trusted proxy (a load
//! balancer in front of salesflow) — the address the proxies recorded in `Forwarded` or
//! `X-Forwarded-For`. Rate limits key on it, so behind a proxy they still tell clients apart,
//! and a client cannot forge its address by sending those headers itself.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;

use crate::AppState;

/// Which header the trusted proxies write the client into. Only that one is read: a header
/// the proxy merely passes on is the client's own word.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For` (nginx, HAProxy, cloud load balancers).
    #[default]
    XForwardedFor,
    /// `Forwarded: for=` (RFC 7239).
    Forwarded,
}

impl ForwardedHeader {
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "" | "x-forwarded-for" => Ok(Self::XForwardedFor),
            "forwarded" => Ok(Self::Forwarded),
            other => Err(format!(
                "'{other}' is neither x-forwarded-for nor forwarded"
            )),
        }
    }
}

/// The address a request comes from, as far as this server can trust it.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        Ok(Self(client_address(
            peer,
            &parts.headers,
            &state.config.trusted_proxies,
            state.config.forwarded_header,
        )))
    }
}

/// Walks the forwarding chain from the nearest hop back; the first address that is not a
/// trusted proxy is the client. Only hops appended by trusted proxies are believed.
pub fn client_address(
    peer: IpAddr,
    headers: &HeaderMap,
    trusted: &[IpNet],
    header: ForwardedHeader,
) -> IpAddr {
    // An IPv4 peer on an IPv6 socket arrives as ::ffff:a.b.c.d.
    let peer = peer.to_canonical();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let chain = forwarded_chain(headers, header);
    let mut client = peer;
    for hop in chain.iter().rev() {
        match hop {
            Some(ip) => {
                client = *ip;
                if !is_trusted(ip) {
                    break;
                }
            }
            // An unreadable hop (obfuscated or unknown): stop at the last address believed.
            None => break,
        }
    }
    client
}

/// The addresses in the configured header, oldest first; `None` for an entry that is not an
/// address.
fn forwarded_chain(headers: &HeaderMap, header: ForwardedHeader) -> Vec<Option<IpAddr>> {
    let values = |name: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    if header == ForwardedHeader::Forwarded {
        return values("forwarded")
            .iter()
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.trim().split_once('='))
                    .find(|(key, _)| key.eq_ignore_ascii_case("for"))
                    .and_then(|(_, value)| parse_node(value))
            })
            .collect();
    }
    values("x-forwarded-for")
        .iter()
        .map(|v| parse_node(v))
        .collect()
}

/// `192.0.2.1`, `"[2001:db8::1]:4711"`, `192.0.2.1:80` → the address.
fn parse_node(value: &str) -> Option<IpAddr> {
    let value = value.trim().trim_matches('"');
    if let Ok(ip) = value.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Some(rest) = value.strip_prefix('[') {
        return rest.split_once(']').and_then(|(ip, _)| ip.parse().ok());
    }
    value.parse::<SocketAddr>().ok().map(|s| s.ip())
}

/// Parses `trusted_proxies`: addresses or networks, comma- or space-separated.
pub fn parse_trusted_proxies(text: &str) -> Result<Vec<IpNet>, String> {
    text.split([',', ' '])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse::<IpNet>()
                .or_else(|_| t.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("not an address or network: {t}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, value.parse().unwrap());
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    const XFF: ForwardedHeader = ForwardedHeader::XForwardedFor;

    #[test]
    fn only_the_configured_header_is_read_and_mapped_peers_are_plain() {
        let trusted = parse_trusted_proxies("10.0.0.0/8").unwrap();
        // The proxy appends X-Forwarded-For; a Forwarded header is the client's own word.
        let h = headers(&[
            ("forwarded", "for=1.2.3.4"),
            ("x-forwarded-for", "198.51.100.9"),
        ]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &h, &trusted, XFF),
            ip("198.51.100.9")
        );
        let h = headers(&[
            ("forwarded", "for=198.51.100.9"),
            ("x-forwarded-for", "1.2.3.4"),
        ]);
        let rfc = ForwardedHeader::Forwarded;
        assert_eq!(
            client_address(ip("10.0.0.2"), &h, &trusted, rfc),
            ip("198.51.100.9")
        );
        // An IPv4 proxy seen on an IPv6 socket is still the trusted 10.0.0.2.
        let h = headers(&[("x-forwarded-for", "198.51.100.9")]);
        assert_eq!(
            client_address(ip("::ffff:10.0.0.2"), &h, &trusted, XFF),
            ip("198.51.100.9")
        );
        assert_eq!(ForwardedHeader::parse("Forwarded"), Ok(rfc));
        assert!(ForwardedHeader::parse("x-real-ip").is_err());
    }

    #[test]
    fn forwarded_headers_count_only_from_trusted_proxies() {
        let trusted = parse_trusted_proxies("10.0.0.0/8, 192.0.2.7").unwrap();
        let spoofed = headers(&[("x-forwarded-for", "198.51.100.9")]);
        assert_eq!(
            client_address(ip("203.0.113.5"), &spoofed, &trusted, XFF),
            ip("203.0.113.5")
        );
        assert_eq!(
            client_address(ip("192.0.2.7"), &spoofed, &trusted, XFF),
            ip("198.51.100.9")
        );
        // A client's own forged entry sits left of the one the proxy appended.
        let chain = headers(&[("x-forwarded-for", "1.2.3.4, 198.51.100.9, 10.1.1.1")]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &chain, &trusted, XFF),
            ip("198.51.100.9")
        );
        assert_eq!(
            client_address(ip("10.0.0.2"), &HeaderMap::new(), &trusted, XFF),
            ip("10.0.0.2")
        );
        assert_eq!(
            client_address(ip("203.0.113.5"), &spoofed, &[], XFF),
            ip("203.0.113.5"),
            "no trusted proxies: the peer"
        );
    }

    #[test]
    fn forwarded_rfc7239_wins_and_parses_ports_and_ipv6() {
        let trusted = parse_trusted_proxies("127.0.0.1").unwrap();
        let h = headers(&[
            (
                "forwarded",
                "for=192.0.2.60;proto=http, for=\"[2001:db8:cafe::17]:4711\"",
            ),
            ("x-forwarded-for", "198.51.100.1"),
        ]);
        assert_eq!(
            client_address(ip("127.0.0.1"), &h, &trusted, ForwardedHeader::Forwarded),
            ip("2001:db8:cafe::17")
        );
        let h = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(
            client_address(ip("127.0.0.1"), &h, &trusted, ForwardedHeader::Forwarded),
            ip("127.0.0.1")
        );
        assert!(parse_trusted_proxies("10.0.0.0/33").is_err());
        assert_eq!(parse_trusted_proxies(" ").unwrap(), vec![]);
    }
}
