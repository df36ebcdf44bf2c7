//! The network policy (SSRF guard): which URLs the capture may fetch, decided on the
//! addresses a host actually resolves to.
//!
//! Captured pages are hostile: a listing can redirect to `http://169.254.169.254/` or a
//! name can resolve to `10.0.0.5`. So:
//! - only `http` and `https`; the URL is parsed by the WHATWG rules of the `url` crate,
//!   which turns every numeric spelling (`2130706433`, `0x7f.1`, `0177.0.0.1`, `127.1`)
//!   into the canonical IPv4 address before we look at it;
//! - names `localhost`, `*.localhost` (with or without a trailing dot) are refused
//!   without resolving;
//! - every other name is resolved once, and refused if ANY address is forbidden;
//! - the capture then connects only to the addresses returned here
//!   ([`CheckedTarget::addrs`]), so a second DNS answer (rebinding) is never used.
//!
//! Forbidden: everything that is not globally routable unicast — loopback, RFC 1918,
//! link-local (incl. cloud metadata 169.254.169.254), CGNAT, multicast, broadcast,
//! documentation, benchmarking, reserved, unspecified; IPv6 outside 2000::/3, ULA,
//! link/site-local, and the IPv6 forms that embed an IPv4 address (mapped, compatible,
//! NAT64, 6to4) are judged by that IPv4 address; Teredo is refused outright. An
//! explicit allow-list (host names, addresses, CIDRs) lets internal hosts through.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::str::FromStr;
use std::sync::Arc;

use serde::Serialize;
use url::{Host, Url};

use crate::error::{Error, ErrorCode, Result};

/// Why an address is not allowed. `Public` is the only allowed class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressClass {
    Public,
    Unspecified,
    Loopback,
    Private,
    LinkLocal,
    SharedCgnat,
    Multicast,
    Broadcast,
    Documentation,
    Benchmarking,
    Reserved,
    UniqueLocal,
    SiteLocal,
    /// Teredo tunnels (2001::/32): the real endpoint is hidden, so refused.
    Tunnel,
}

impl AddressClass {
    pub fn is_public(self) -> bool {
        self == AddressClass::Public
    }
}

impl fmt::Display for AddressClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            AddressClass::Public => "public",
            AddressClass::Unspecified => "unspecified",
            AddressClass::Loopback => "loopback",
            AddressClass::Private => "private",
            AddressClass::LinkLocal => "link-local",
            AddressClass::SharedCgnat => "shared (CGNAT)",
            AddressClass::Multicast => "multicast",
            AddressClass::Broadcast => "broadcast",
            AddressClass::Documentation => "documentation",
            AddressClass::Benchmarking => "benchmarking",
            AddressClass::Reserved => "reserved",
            AddressClass::UniqueLocal => "unique-local",
            AddressClass::SiteLocal => "site-local",
            AddressClass::Tunnel => "tunnel (Teredo)",
        };
        f.write_str(s)
    }
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    (u32::from(ip) & mask) == (u32::from(Ipv4Addr::from(net)) & mask)
}

fn in_v6(ip: Ipv6Addr, net: Ipv6Addr, prefix: u32) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - prefix)
    };
    (u128::from(ip) & mask) == (u128::from(net) & mask)
}

/// Classifies an IPv4 address (IANA special-purpose registry).
pub fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    use AddressClass::*;
    const TABLE: &[([u8; 4], u32, AddressClass)] = &[
        ([255, 255, 255, 255], 32, Broadcast),
        ([0, 0, 0, 0], 8, Unspecified),
        ([10, 0, 0, 0], 8, Private),
        ([100, 64, 0, 0], 10, SharedCgnat),
        ([127, 0, 0, 0], 8, Loopback),
        ([169, 254, 0, 0], 16, LinkLocal),
        ([172, 16, 0, 0], 12, Private),
        ([192, 0, 0, 0], 24, Reserved), // IETF protocol assignments
        ([192, 0, 2, 0], 24, Documentation),
        ([192, 31, 196, 0], 24, Reserved), // AS112
        ([192, 52, 193, 0], 24, Reserved), // AMT
        ([192, 88, 99, 0], 24, Reserved),  // 6to4 relay anycast (deprecated)
        ([192, 168, 0, 0], 16, Private),
        ([192, 175, 48, 0], 24, Reserved), // direct delegation AS112
        ([198, 18, 0, 0], 15, Benchmarking),
        ([198, 51, 100, 0], 24, Documentation),
        ([203, 0, 113, 0], 24, Documentation),
        ([224, 0, 0, 0], 4, Multicast),
        ([240, 0, 0, 0], 4, Reserved),
    ];
    TABLE
        .iter()
        .find(|(net, p, _)| in_v4(ip, *net, *p))
        .map(|(_, _, c)| *c)
        .unwrap_or(Public)
}

/// The IPv4 address embedded in an IPv6 address by mapping, compatibility, NAT64 or
/// 6to4, if any.
pub fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let v = u128::from(ip);
    let low32 = Ipv4Addr::from((v & 0xffff_ffff) as u32);
    if in_v6(ip, Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96) {
        return Some(low32); // ::ffff:a.b.c.d
    }
    if in_v6(ip, Ipv6Addr::UNSPECIFIED, 96) && v > 1 {
        return Some(low32); // ::a.b.c.d (deprecated "compatible")
    }
    if in_v6(ip, Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96) {
        return Some(low32); // NAT64 well-known prefix
    }
    if in_v6(ip, Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16) {
        return Some(Ipv4Addr::from(((v >> 80) & 0xffff_ffff) as u32)); // 6to4
    }
    None
}

/// Classifies an IPv6 address; forms embedding IPv4 are judged by the IPv4 address,
/// except that an embedded public address in a deprecated form stays reserved.
pub fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    use AddressClass::*;
    if ip.is_unspecified() {
        return Unspecified;
    }
    if ip.is_loopback() {
        return Loopback;
    }
    if let Some(v4) = embedded_v4(ip) {
        let c = classify_v4(v4);
        if !c.is_public() {
            return c;
        }
        // ::a.b.c.d is deprecated (RFC 4291) and no resolver should hand it out.
        return if in_v6(ip, Ipv6Addr::UNSPECIFIED, 96) {
            Reserved
        } else {
            Public
        };
    }
    const TABLE: &[(Ipv6Addr, u32, AddressClass)] = &[
        (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48, Private), // local-use NAT64
        (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64, Reserved),    // discard-only
        (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 32, Tunnel),     // Teredo
        (Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, 0), 48, Benchmarking),
        (
            Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0),
            32,
            Documentation,
        ),
        (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23, Reserved), // IETF protocol assignments
        (
            Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0),
            20,
            Documentation,
        ),
        (Ipv6Addr::new(0x5f00, 0, 0, 0, 0, 0, 0, 0), 16, Reserved), // SRv6 SIDs
        (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7, UniqueLocal),
        (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, LinkLocal),
        (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10, SiteLocal),
        (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8, Multicast),
    ];
    if let Some((_, _, c)) = TABLE.iter().find(|(net, p, _)| in_v6(ip, *net, *p)) {
        return *c;
    }
    // Only 2000::/3 is allocated for global unicast; everything else is reserved.
    if in_v6(ip, Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0), 3) {
        Public
    } else {
        Reserved
    }
}

pub fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

/// An address block, `10.0.0.0/8` or `fd00::/8` (a bare address is a /32 or /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    pub addr: IpAddr,
    pub prefix: u8,
}

impl IpNet {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(n), IpAddr::V4(a)) => in_v4(a, n.octets(), u32::from(self.prefix)),
            (IpAddr::V6(n), IpAddr::V6(a)) => in_v6(a, n, u32::from(self.prefix)),
            _ => false,
        }
    }
}

impl FromStr for IpNet {
    type Err = Error;
    fn from_str(s: &str) -> Result<IpNet> {
        let bad = || {
            Error::new(
                ErrorCode::InvalidUrl,
                format!("not an address or CIDR: {s:?}"),
            )
        };
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr = canonical(a.trim().parse::<IpAddr>().map_err(|_| bad())?);
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p.trim().parse::<u8>().map_err(|_| bad())?,
            None => max,
        };
        if prefix > max {
            return Err(bad());
        }
        Ok(IpNet { addr, prefix })
    }
}

/// `::ffff:a.b.c.d` is the IPv4 address a.b.c.d for every purpose here.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// Resolves host names. The system resolver is the default; tests inject their own.
pub trait Resolve: Send + Sync {
    /// All addresses of `host`. Blocking is fine: the capture runs this off the
    /// async executor.
    fn resolve(&self, host: &str) -> std::io::Result<Vec<IpAddr>>;
}

/// `getaddrinfo` through the standard library.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, host: &str) -> std::io::Result<Vec<IpAddr>> {
        Ok((host, 0u16).to_socket_addrs()?.map(|s| s.ip()).collect())
    }
}

/// Which URLs a capture may fetch. The default refuses every non-public address.
#[derive(Clone)]
pub struct NetworkPolicy {
    allow_hosts: Vec<String>,
    allow_nets: Vec<IpNet>,
    resolver: Arc<dyn Resolve>,
}

impl fmt::Debug for NetworkPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NetworkPolicy")
            .field("allow_hosts", &self.allow_hosts)
            .field("allow_nets", &self.allow_nets)
            .finish()
    }
}

impl Default for NetworkPolicy {
    fn default() -> Self {
        NetworkPolicy {
            allow_hosts: Vec::new(),
            allow_nets: Vec::new(),
            resolver: Arc::new(SystemResolver),
        }
    }
}

/// A URL that passed the policy, with the only addresses the capture may connect to.
#[derive(Debug, Clone)]
pub struct CheckedTarget {
    pub url: Url,
    /// Host as written in the URL (no brackets for IPv6), for `Host` and SNI.
    pub host: Host<String>,
    pub port: u16,
    pub tls: bool,
    pub addrs: Vec<SocketAddr>,
}

fn normalize_host(h: &str) -> String {
    h.trim_end_matches('.').to_ascii_lowercase()
}

impl NetworkPolicy {
    /// Lets an entry through: a host name (`intranet.example`), an address
    /// (`10.1.2.3`) or a CIDR (`10.1.0.0/16`, `127.0.0.1/32`).
    pub fn allow(mut self, entry: &str) -> Result<NetworkPolicy> {
        let e = entry.trim();
        if let Ok(net) = e
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpNet>()
        {
            self.allow_nets.push(net);
        } else if !e.is_empty() && !e.contains(['/', ' ', ':']) {
            self.allow_hosts.push(normalize_host(e));
        } else {
            return Err(Error::new(
                ErrorCode::InvalidUrl,
                format!("allow-list entry {entry:?} is not a host, address or CIDR"),
            ));
        }
        Ok(self)
    }

    /// Replaces the resolver (tests; a DNS-over-HTTPS resolver later).
    pub fn with_resolver(mut self, resolver: Arc<dyn Resolve>) -> NetworkPolicy {
        self.resolver = resolver;
        self
    }

    /// True if the allow-list covers `ip`.
    pub fn ip_allowed_explicitly(&self, ip: IpAddr) -> bool {
        self.allow_nets.iter().any(|n| n.contains(ip))
    }

    /// Checks one address: allowed if public or on the allow-list.
    pub fn check_ip(&self, ip: IpAddr) -> Result<()> {
        let class = classify(ip);
        if class.is_public() || self.ip_allowed_explicitly(ip) {
            Ok(())
        } else {
            Err(Error::new(
                ErrorCode::PolicyRefused,
                format!("address {ip} is {class}; the network policy refuses it"),
            ))
        }
    }

    /// Parses and checks a URL without resolving names (fast pre-check for input
    /// validation); [`check_url`](Self::check_url) is the real gate.
    pub fn parse_url(&self, raw: &str) -> Result<Url> {
        let url = Url::parse(raw.trim())
            .map_err(|e| Error::new(ErrorCode::InvalidUrl, format!("{raw:?} is not a URL: {e}")))?;
        match url.scheme() {
            "http" | "https" => {}
            s => {
                return Err(Error::new(
                    ErrorCode::SchemeNotAllowed,
                    format!("only http and https can be captured, not {s}:"),
                ));
            }
        }
        if !url.username().is_empty() || url.password().is_some() {
            // Credentials in URLs end up in the WARC and in logs; refuse them.
            return Err(Error::new(
                ErrorCode::InvalidUrl,
                "URLs with a user name or password are not captured",
            ));
        }
        match url.host() {
            None => Err(Error::new(
                ErrorCode::InvalidUrl,
                format!("{raw:?} has no host"),
            )),
            Some(Host::Domain(d)) => {
                let d = normalize_host(d);
                if d.is_empty() {
                    return Err(Error::new(
                        ErrorCode::InvalidUrl,
                        format!("{raw:?} has no host"),
                    ));
                }
                if (d == "localhost" || d.ends_with(".localhost")) && !self.allow_hosts.contains(&d)
                {
                    return Err(Error::new(
                        ErrorCode::PolicyRefused,
                        format!("host {d} is a localhost name; the network policy refuses it"),
                    ));
                }
                Ok(url)
            }
            Some(Host::Ipv4(ip)) => self.check_ip(IpAddr::V4(ip)).map(|_| url.clone()),
            Some(Host::Ipv6(ip)) => self.check_ip(IpAddr::V6(ip)).map(|_| url.clone()),
        }
    }

    /// Parses, resolves and checks a URL. Blocking (DNS); run it off the executor.
    pub fn check_url(&self, raw: &str) -> Result<CheckedTarget> {
        let url = self.parse_url(raw)?;
        let port = url
            .port_or_known_default()
            .ok_or_else(|| Error::new(ErrorCode::InvalidUrl, format!("{raw:?} has no port")))?;
        let tls = url.scheme() == "https";
        let host = url
            .host()
            .map(|h| h.to_owned())
            .ok_or_else(|| Error::new(ErrorCode::InvalidUrl, format!("{raw:?} has no host")))?;
        let addrs: Vec<IpAddr> = match &host {
            Host::Ipv4(ip) => vec![IpAddr::V4(*ip)],
            Host::Ipv6(ip) => vec![IpAddr::V6(*ip)],
            Host::Domain(d) => {
                let name = normalize_host(d);
                let resolved = self.resolver.resolve(&name).map_err(|e| {
                    Error::new(ErrorCode::DnsFailed, format!("cannot resolve {name}: {e}"))
                })?;
                if resolved.is_empty() {
                    return Err(Error::new(
                        ErrorCode::DnsFailed,
                        format!("{name} has no address"),
                    ));
                }
                if !self.allow_hosts.contains(&name) {
                    for ip in &resolved {
                        self.check_ip(*ip).map_err(|e| {
                            Error::new(
                                ErrorCode::PolicyRefused,
                                format!("host {name} resolves to {}", e.message),
                            )
                        })?;
                    }
                }
                resolved
            }
        };
        let mut addrs: Vec<SocketAddr> = addrs
            .into_iter()
            .map(|ip| SocketAddr::new(canonical(ip), port))
            .collect();
        addrs.dedup();
        Ok(CheckedTarget {
            url,
            host,
            port,
            tls,
            addrs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    struct Fake(HashMap<&'static str, Vec<&'static str>>);
    impl Resolve for Fake {
        fn resolve(&self, host: &str) -> std::io::Result<Vec<IpAddr>> {
            self.0
                .get(host)
                .map(|v| v.iter().map(|s| s.parse().unwrap()).collect())
                .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "NXDOMAIN"))
        }
    }

    #[test]
    fn classification_table() {
        use AddressClass::*;
        let table: &[(&str, AddressClass)] = &[
            ("8.8.8.8", Public),
            ("1.1.1.1", Public),
            ("14.225.0.1", Public), // a Vietnamese public address
            ("0.0.0.0", Unspecified),
            ("0.1.2.3", Unspecified),
            ("127.0.0.1", Loopback),
            ("127.255.255.254", Loopback),
            ("10.0.0.1", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("172.32.0.1", Public),
            ("192.168.1.1", Private),
            ("169.254.169.254", LinkLocal),
            ("100.64.0.1", SharedCgnat),
            ("100.127.255.255", SharedCgnat),
            ("100.128.0.1", Public),
            ("224.0.0.1", Multicast),
            ("239.255.255.250", Multicast),
            ("255.255.255.255", Broadcast),
            ("240.0.0.1", Reserved),
            ("192.0.0.8", Reserved),
            ("192.0.2.1", Documentation),
            ("198.51.100.7", Documentation),
            ("203.0.113.9", Documentation),
            ("198.18.0.1", Benchmarking),
            ("198.19.255.255", Benchmarking),
            ("::", Unspecified),
            ("::1", Loopback),
            ("::ffff:127.0.0.1", Loopback),
            ("::ffff:10.1.2.3", Private),
            ("::ffff:8.8.8.8", Public),
            ("::127.0.0.1", Loopback),
            ("::8.8.8.8", Reserved),
            ("64:ff9b::a9fe:a9fe", LinkLocal), // NAT64 of 169.254.169.254
            ("64:ff9b::808:808", Public),
            ("64:ff9b:1::1", Private),
            ("2002:7f00:1::1", Loopback),  // 6to4 of 127.0.0.1
            ("2002:c0a8:101::1", Private), // 6to4 of 192.168.1.1
            ("2002:808:808::1", Public),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", Tunnel),
            ("2001:db8::1", Documentation),
            ("2001:2::1", Benchmarking),
            ("3fff::1", Documentation),
            ("fc00::1", UniqueLocal),
            ("fd12:3456::1", UniqueLocal),
            ("fe80::1", LinkLocal),
            ("febf::1", LinkLocal),
            ("fec0::1", SiteLocal),
            ("ff02::1", Multicast),
            ("100::1", Reserved),
            ("4000::1", Reserved),
            ("2404:6800:4005::200e", Public),
            ("2001:4860:4860::8888", Public),
        ];
        for (ip, want) in table {
            assert_eq!(classify(ip.parse().unwrap()), *want, "{ip}");
        }
    }

    #[test]
    fn numeric_host_forms_are_normalised_then_refused() {
        let p = NetworkPolicy::default();
        for u in [
            "http://2130706433/",
            "http://0x7f000001/",
            "http://0x7f.0.0.1/",
            "http://0177.0.0.1/",
            "http://127.1/",
            "http://127.0.1/",
            "http://0/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://[::1]:8080/",
            "http://[0:0:0:0:0:0:0:1]/",
            "http://169.254.169.254/latest/meta-data/",
            "http://0xa9fea9fe/",
            "http://LOCALHOST/",
            "http://localhost./",
            "http://foo.localhost/",
            "http://[fe80::1]/",
            "http://[64:ff9b::a9fe:a9fe]/",
        ] {
            let e = p.parse_url(u).unwrap_err();
            assert_eq!(e.code, ErrorCode::PolicyRefused, "{u}: {e}");
        }
        for u in [
            "file:///etc/passwd",
            "ftp://example.com/",
            "gopher://x/",
            "javascript:alert(1)",
        ] {
            assert_eq!(
                p.parse_url(u).unwrap_err().code,
                ErrorCode::SchemeNotAllowed,
                "{u}"
            );
        }
        for u in [
            "http://[fe80::1%25eth0]/",
            "http://",
            "not a url",
            "http://u:p@example.com/",
        ] {
            assert_eq!(
                p.parse_url(u).unwrap_err().code,
                ErrorCode::InvalidUrl,
                "{u}"
            );
        }
    }

    #[test]
    fn names_are_judged_by_every_resolved_address() {
        let fake = Fake(HashMap::from([
            ("shop.example", vec!["93.184.216.34"]),
            ("evil.example", vec!["10.0.0.1"]),
            ("mixed.example", vec!["93.184.216.34", "127.0.0.1"]),
            ("v6.example", vec!["2606:2800:220:1::1", "fd00::1"]),
            ("intranet.example", vec!["10.9.9.9"]),
        ]));
        let p = NetworkPolicy::default()
            .with_resolver(Arc::new(fake))
            .allow("intranet.example")
            .unwrap();
        let ok = p.check_url("https://SHOP.example./x?y#z").unwrap();
        assert_eq!(ok.addrs, vec!["93.184.216.34:443".parse().unwrap()]);
        assert!(ok.tls);
        for u in [
            "http://evil.example/",
            "http://mixed.example/",
            "http://v6.example/",
        ] {
            assert_eq!(
                p.check_url(u).unwrap_err().code,
                ErrorCode::PolicyRefused,
                "{u}"
            );
        }
        assert_eq!(
            p.check_url("http://nx.example/").unwrap_err().code,
            ErrorCode::DnsFailed
        );
        assert_eq!(
            p.check_url("http://intranet.example/").unwrap().addrs.len(),
            1
        );
    }

    #[test]
    fn allow_list_by_cidr_and_mapped_forms() {
        let p = NetworkPolicy::default()
            .allow("127.0.0.1/32")
            .unwrap()
            .allow("fd00::/8")
            .unwrap();
        assert!(p.check_url("http://127.0.0.1:8080/").is_ok());
        assert!(p.check_url("http://[::ffff:127.0.0.1]:8080/").is_ok());
        assert!(p.check_url("http://[fd00::5]/").is_ok());
        assert_eq!(
            p.check_url("http://127.0.0.2/").unwrap_err().code,
            ErrorCode::PolicyRefused
        );
        assert!(NetworkPolicy::default().allow("10.0.0.0/33").is_err());
        assert!(NetworkPolicy::default().allow("http://x/").is_err());
    }

    proptest! {
        #[test]
        fn url_parsing_never_panics(s in "\\PC{0,80}") {
            let p = NetworkPolicy::default().with_resolver(Arc::new(Fake(HashMap::new())));
            let _ = p.check_url(&s);
            let _ = p.check_url(&format!("http://{s}/"));
        }

        #[test]
        fn classification_never_panics_and_mapped_agrees(a in any::<u32>(), b in any::<u128>()) {
            let v4 = Ipv4Addr::from(a);
            prop_assert_eq!(classify_v6(v4.to_ipv6_mapped()), classify_v4(v4));
            let _ = classify_v6(Ipv6Addr::from(b));
            let _ = format!("{}/{}", Ipv6Addr::from(b), a % 200).parse::<IpNet>();
        }
    }
}
