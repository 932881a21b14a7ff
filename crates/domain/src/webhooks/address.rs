//! The SSRF guard's rule: which addresses a webhook may not reach unless an admin allows them.
//! It is applied to the literal host when an endpoint is saved and to every resolved address
//! when a delivery connects, so a name that later resolves inside the network is refused too.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

/// Why an address is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Loopback,
    Private,
    LinkLocal,
    /// Cloud instance metadata services (AWS, GCP, Azure, Alibaba, Oracle).
    Metadata,
    /// Carrier-grade NAT space (100.64.0.0/10), internal on most clouds.
    SharedAddressSpace,
    Unspecified,
    Multicast,
    Broadcast,
    /// Ranges that are never public: documentation, benchmarking, reserved, 6to4 relay.
    Reserved,
}

impl Refusal {
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Loopback => "loopback",
            Refusal::Private => "private",
            Refusal::LinkLocal => "link_local",
            Refusal::Metadata => "metadata",
            Refusal::SharedAddressSpace => "shared_address_space",
            Refusal::Unspecified => "unspecified",
            Refusal::Multicast => "multicast",
            Refusal::Broadcast => "broadcast",
            Refusal::Reserved => "reserved",
        }
    }
}

/// Addresses of metadata services that are not already inside a refused range.
const METADATA_V4: [Ipv4Addr; 2] = [
    Ipv4Addr::new(169, 254, 169, 254),
    Ipv4Addr::new(100, 100, 100, 200),
];

/// Why `ip` is not a public address a webhook may reach; `None` when it is.
pub fn refusal(ip: IpAddr) -> Option<Refusal> {
    match ip {
        IpAddr::V4(v4) => refusal_v4(v4),
        IpAddr::V6(v6) => refusal_v6(v6),
    }
}

fn refusal_v4(ip: Ipv4Addr) -> Option<Refusal> {
    let [a, b, c, _] = ip.octets();
    Some(if METADATA_V4.contains(&ip) {
        Refusal::Metadata
    } else if ip.is_loopback() {
        Refusal::Loopback
    } else if ip.is_private() {
        Refusal::Private
    } else if ip.is_link_local() {
        Refusal::LinkLocal
    } else if a == 100 && (64..128).contains(&b) {
        Refusal::SharedAddressSpace
    } else if ip.is_unspecified() || a == 0 {
        Refusal::Unspecified
    } else if ip.is_multicast() {
        Refusal::Multicast
    } else if ip.is_broadcast() {
        Refusal::Broadcast
    } else if ip.is_documentation()
        || a >= 240
        || (a == 198 && (b & 0xfe) == 18)
        || (a == 192 && b == 0 && c == 0)
        || (a == 192 && b == 88 && c == 99)
    {
        Refusal::Reserved
    } else {
        return None;
    })
}

fn refusal_v6(ip: Ipv6Addr) -> Option<Refusal> {
    // An IPv4 address written as IPv6 reaches the IPv4 host: judge that one.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return refusal_v4(v4);
    }
    let first = ip.segments()[0];
    Some(if ip.is_loopback() {
        Refusal::Loopback
    } else if ip.is_unspecified() {
        Refusal::Unspecified
    } else if ip == Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x254) {
        Refusal::Metadata
    } else if (first & 0xfe00) == 0xfc00 {
        // fc00::/7 unique local addresses: the private ranges of IPv6.
        Refusal::Private
    } else if (first & 0xffc0) == 0xfe80 {
        Refusal::LinkLocal
    } else if ip.is_multicast() {
        Refusal::Multicast
    } else if first == 0x2001 && ip.segments()[1] == 0x0db8 || first == 0x2002 || first == 0x0064 {
        // Documentation, 6to4 (wraps any IPv4 address) and NAT64 (64:ff9b::/96 and friends).
        Refusal::Reserved
    } else {
        return None;
    })
}

/// The admin's explicit exceptions: networks (CIDR) a webhook may reach although they are
/// internal, e.g. an ERP in the office network.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowList(Vec<IpNet>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an IP address or network (e.g. 10.1.2.0/24 or 192.0.2.7)")]
pub struct AllowListError(pub String);

impl AllowList {
    /// Parses addresses and networks; a bare address is a network of one.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, AllowListError> {
        entries
            .iter()
            .map(|entry| {
                let text = entry.as_ref().trim();
                text.parse::<IpNet>()
                    .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
                    .map(|net| net.trunc())
                    .map_err(|_| AllowListError(text.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        self.0.iter().any(|net| net.contains(&ip))
    }

    pub fn entries(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }
}

/// Whether a webhook may connect to `ip`: a public address, or one the admin allowed.
pub fn check(ip: IpAddr, allowed: &AllowList) -> Result<(), Refusal> {
    match refusal(ip) {
        Some(reason) if !allowed.allows(ip) => Err(reason),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn why(text: &str) -> Option<Refusal> {
        refusal(text.parse().unwrap())
    }

    #[test]
    fn internal_addresses_are_refused_with_their_reason() {
        assert_eq!(why("127.0.0.1"), Some(Refusal::Loopback));
        assert_eq!(why("127.8.9.10"), Some(Refusal::Loopback));
        assert_eq!(why("::1"), Some(Refusal::Loopback));
        assert_eq!(why("10.0.0.1"), Some(Refusal::Private));
        assert_eq!(why("172.16.5.4"), Some(Refusal::Private));
        assert_eq!(why("172.31.255.255"), Some(Refusal::Private));
        assert_eq!(why("192.168.1.1"), Some(Refusal::Private));
        assert_eq!(why("fd12:3456::1"), Some(Refusal::Private));
        assert_eq!(why("169.254.169.254"), Some(Refusal::Metadata));
        assert_eq!(why("100.100.100.200"), Some(Refusal::Metadata));
        assert_eq!(why("fd00:ec2::254"), Some(Refusal::Metadata));
        assert_eq!(why("169.254.1.1"), Some(Refusal::LinkLocal));
        assert_eq!(why("fe80::1"), Some(Refusal::LinkLocal));
        assert_eq!(why("100.64.0.1"), Some(Refusal::SharedAddressSpace));
        assert_eq!(why("0.0.0.0"), Some(Refusal::Unspecified));
        assert_eq!(why("0.1.2.3"), Some(Refusal::Unspecified));
        assert_eq!(why("::"), Some(Refusal::Unspecified));
        assert_eq!(why("224.0.0.1"), Some(Refusal::Multicast));
        assert_eq!(why("ff02::1"), Some(Refusal::Multicast));
        assert_eq!(why("255.255.255.255"), Some(Refusal::Broadcast));
        assert_eq!(why("192.0.2.10"), Some(Refusal::Reserved));
        assert_eq!(why("198.18.0.1"), Some(Refusal::Reserved));
        assert_eq!(why("240.0.0.1"), Some(Refusal::Reserved));
        assert_eq!(why("2001:db8::1"), Some(Refusal::Reserved));
    }

    #[test]
    fn ipv4_hidden_in_ipv6_is_judged_as_ipv4() {
        assert_eq!(why("::ffff:127.0.0.1"), Some(Refusal::Loopback));
        assert_eq!(why("::ffff:169.254.169.254"), Some(Refusal::Metadata));
        assert_eq!(why("::ffff:10.1.1.1"), Some(Refusal::Private));
        assert_eq!(why("2002:7f00:1::"), Some(Refusal::Reserved));
        assert_eq!(why("64:ff9b::a00:1"), Some(Refusal::Reserved));
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "93.184.216.34",
            "2606:4700:4700::1111",
            "2a00:1450:4001:82b::200e",
        ] {
            assert_eq!(why(ip), None, "{ip}");
        }
    }

    #[test]
    fn the_allow_list_opens_exactly_its_networks() {
        let allowed = AllowList::parse(&["127.0.0.1", "10.1.2.0/24"]).unwrap();
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(check(ip("127.0.0.1"), &allowed), Ok(()));
        assert_eq!(check(ip("::ffff:127.0.0.1"), &allowed), Ok(()));
        assert_eq!(check(ip("127.0.0.2"), &allowed), Err(Refusal::Loopback));
        assert_eq!(check(ip("10.1.2.200"), &allowed), Ok(()));
        assert_eq!(check(ip("10.1.3.1"), &allowed), Err(Refusal::Private));
        assert_eq!(
            check(ip("169.254.169.254"), &AllowList::default()),
            Err(Refusal::Metadata)
        );
        assert_eq!(check(ip("8.8.8.8"), &AllowList::default()), Ok(()));
        assert_eq!(allowed.entries(), ["127.0.0.1/32", "10.1.2.0/24"]);
    }

    #[test]
    fn a_bad_allow_list_entry_is_named() {
        assert_eq!(
            AllowList::parse(&["10.0.0.0/8", "intranet"]),
            Err(AllowListError("intranet".into()))
        );
        assert!(AllowList::parse(&["10.0.0.0/33"]).is_err());
    }
}
