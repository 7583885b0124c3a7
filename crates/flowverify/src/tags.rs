//! Service tags: the built-in `VirtualNetwork`, `AzureLoadBalancer` and `Internet`, and every
//! other tag from a service tags file the user supplies (`docs/semantics.md`, Tags and names).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use ipnet::{IpNet, Ipv4Net};

/// The address of the Azure host (DNS, DHCP, health probes): in `VirtualNetwork` and
/// `AzureLoadBalancer`.
pub const AZURE_HOST: Ipv4Addr = Ipv4Addr::new(168, 63, 129, 16);

/// IPv4 ranges that are not public internet space.
const NON_INTERNET_V4: [(Ipv4Addr, u8); 9] = [
    (Ipv4Addr::new(0, 0, 0, 0), 8),
    (Ipv4Addr::new(10, 0, 0, 0), 8),
    (Ipv4Addr::new(100, 64, 0, 0), 10),
    (Ipv4Addr::new(127, 0, 0, 0), 8),
    (Ipv4Addr::new(169, 254, 0, 0), 16),
    (Ipv4Addr::new(172, 16, 0, 0), 12),
    (Ipv4Addr::new(192, 168, 0, 0), 16),
    (Ipv4Addr::new(224, 0, 0, 0), 4),
    (Ipv4Addr::new(240, 0, 0, 0), 4),
];

/// The IPv4 blocks outside the built-in `Internet` tag (private, shared, loopback,
/// link-local, multicast and reserved space): `Internet` is IPv4 minus these, plus IPv6
/// `2000::/3`.
///
/// ```
/// let blocks: Vec<String> = flowverify::tags::non_internet_v4().map(|n| n.to_string()).collect();
/// assert!(blocks.contains(&"10.0.0.0/8".to_string()));
/// ```
pub fn non_internet_v4() -> impl Iterator<Item = Ipv4Net> {
    NON_INTERNET_V4
        .iter()
        .filter_map(|&(net, len)| Ipv4Net::new(net, len).ok())
}

/// Whether `ip` is in the built-in `Internet` tag: public IPv4 space, or IPv6 `2000::/3`.
///
/// ```
/// use flowverify::tags::is_internet;
/// assert!(is_internet("203.0.113.7".parse().unwrap()));
/// assert!(!is_internet("10.1.2.3".parse().unwrap()));
/// assert!(is_internet("2001:db8::1".parse().unwrap()));
/// assert!(!is_internet("fd00::1".parse().unwrap()));
/// ```
pub fn is_internet(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => !NON_INTERNET_V4.iter().any(|&(net, len)| {
            Ipv4Net::new(net, len)
                .map(|n| n.contains(&v4))
                .unwrap_or(false)
        }),
        IpAddr::V6(v6) => v6.segments()[0] & 0xe000 == 0x2000,
    }
}

/// The canonical name of a built-in tag (classic aliases included), if `name` is one.
pub fn builtin_name(name: &str) -> Option<&'static str> {
    match name.to_ascii_lowercase().as_str() {
        "virtualnetwork" | "virtual_network" => Some("VirtualNetwork"),
        "azureloadbalancer" | "azure_loadbalancer" => Some("AzureLoadBalancer"),
        "internet" => Some("Internet"),
        _ => None,
    }
}

/// A set of named tags with their prefixes, looked up case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ServiceTags {
    by_key: BTreeMap<String, (String, Vec<IpNet>)>,
}

impl ServiceTags {
    /// An empty set.
    pub fn new() -> ServiceTags {
        ServiceTags::default()
    }

    /// Adds (or replaces) a tag.
    pub fn insert(&mut self, name: &str, prefixes: Vec<IpNet>) {
        self.by_key
            .insert(name.to_ascii_lowercase(), (name.to_string(), prefixes));
    }

    /// The prefixes of `name`, any case.
    ///
    /// ```
    /// use flowverify::tags::ServiceTags;
    /// let mut tags = ServiceTags::new();
    /// tags.insert("Storage.WestUS", vec!["20.60.0.0/16".parse().unwrap()]);
    /// assert_eq!(tags.get("storage.westus").unwrap().len(), 1);
    /// assert!(tags.get("Storage").is_none());
    /// ```
    pub fn get(&self, name: &str) -> Option<&[IpNet]> {
        self.by_key
            .get(&name.to_ascii_lowercase())
            .map(|(_, p)| p.as_slice())
    }

    /// How many tags.
    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }

    /// Tag names in their original spelling, sorted case-insensitively.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.by_key.values().map(|(n, _)| n.as_str())
    }

    /// Adds every tag of `other`, replacing tags of the same name.
    pub fn extend(&mut self, other: &ServiceTags) {
        for (k, v) in &other.by_key {
            self.by_key.insert(k.clone(), v.clone());
        }
    }
}
