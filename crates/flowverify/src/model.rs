//! The one model every input shape is imported into, and that evaluation reads.
//!
//! Whatever a user pasted (REST body, `az` output, PowerShell, ARM template, effective rules),
//! the importers turn it into these types; the evaluator never sees JSON. Values are parsed
//! once, here, so a rule that cannot be understood is an input error, never a silent skip.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;

/// A word that is not one of those a field takes, e.g. `direction 'sideways' is not Inbound or
/// Outbound`: the error of every [`FromStr`] of the model's enums.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} '{}' is not {expected}", crate::error::clip(.text))]
pub struct WordError {
    what: &'static str,
    text: String,
    expected: &'static str,
}

impl WordError {
    /// An error for `text`, given as a `what` that takes `expected` (in words).
    pub(crate) fn new(what: &'static str, text: &str, expected: &'static str) -> WordError {
        WordError {
            what,
            text: text.trim().to_string(),
            expected,
        }
    }

    /// The text that was given.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// What was expected, in words (`Inbound or Outbound`).
    pub fn expected(&self) -> &'static str {
        self.expected
    }
}

/// Implements [`FromStr`] for a model enum through its `parse`.
macro_rules! from_str_by_parse {
    ($ty:ty, $what:literal, $expected:literal) => {
        impl FromStr for $ty {
            type Err = WordError;

            fn from_str(text: &str) -> Result<$ty, WordError> {
                <$ty>::parse(text).ok_or_else(|| WordError::new($what, text, $expected))
            }
        }
    };
}

from_str_by_parse!(Direction, "direction", "Inbound or Outbound");
from_str_by_parse!(Protocol, "protocol", "one of Tcp, Udp, Icmp, Esp, Ah");
from_str_by_parse!(
    RuleProtocol,
    "protocol",
    "one of Tcp, Udp, Icmp, Esp, Ah, * (any)"
);
from_str_by_parse!(Access, "access", "Allow, Deny or AlwaysAllow");

/// The direction of a flow, or of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    /// Traffic arriving at the target network interface.
    Inbound,
    /// Traffic leaving the target network interface.
    Outbound,
}

impl Direction {
    /// Parses `Inbound`/`Outbound` in any case (also `in`/`out`); `str::parse` gives the
    /// error in words.
    ///
    /// ```
    /// use flowverify::model::Direction;
    /// assert_eq!(Direction::parse("inbound"), Some(Direction::Inbound));
    /// assert_eq!(Direction::parse("sideways"), None);
    /// let err = "sideways".parse::<Direction>().unwrap_err();
    /// assert_eq!(err.to_string(), "direction 'sideways' is not Inbound or Outbound");
    /// ```
    pub fn parse(text: &str) -> Option<Direction> {
        // Compared in any case without a lowercase copy: `check` reads 100,000 flows.
        let text = text.trim();
        let is = |word: &str| text.eq_ignore_ascii_case(word);
        if is("inbound") || is("in") {
            Some(Direction::Inbound)
        } else if is("outbound") || is("out") {
            Some(Direction::Outbound)
        } else {
            None
        }
    }

    /// Azure's spelling: `Inbound` or `Outbound`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Inbound => "Inbound",
            Direction::Outbound => "Outbound",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The protocol of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// TCP: has ports.
    Tcp,
    /// UDP: has ports.
    Udp,
    /// ICMP (v4 or v6): no ports.
    Icmp,
    /// IPsec ESP: no ports.
    Esp,
    /// IPsec AH: no ports.
    Ah,
}

impl Protocol {
    /// Every protocol, in Azure's order.
    pub const ALL: [Protocol; 5] = [
        Protocol::Tcp,
        Protocol::Udp,
        Protocol::Icmp,
        Protocol::Esp,
        Protocol::Ah,
    ];

    /// Parses a flow protocol in any case.
    ///
    /// ```
    /// use flowverify::model::Protocol;
    /// assert_eq!(Protocol::parse("TCP"), Some(Protocol::Tcp));
    /// assert_eq!(Protocol::parse("*"), None);
    /// ```
    pub fn parse(text: &str) -> Option<Protocol> {
        // Compared in any case without a lowercase copy: `check` reads 100,000 flows.
        let text = text.trim();
        [
            Protocol::Tcp,
            Protocol::Udp,
            Protocol::Icmp,
            Protocol::Esp,
            Protocol::Ah,
        ]
        .into_iter()
        .find(|p| text.eq_ignore_ascii_case(p.as_str()))
    }

    /// Whether flows of this protocol carry ports (only Tcp and Udp do).
    pub fn has_ports(self) -> bool {
        matches!(self, Protocol::Tcp | Protocol::Udp)
    }

    /// The warning for a query (a search) that asks for `protocols` by name and for `ports` on
    /// one side: a flow without ports is in a set of ports only when the set covers every port,
    /// so a query for Icmp on port 22 holds no flow, and its "none" would look like an answer
    /// about Icmp. `None` when every protocol named has ports, or the ports cover all.
    ///
    /// ```
    /// use flowverify::model::{PortRange, PortSide, Protocol};
    /// let ssh = PortSide::from_ranges(vec![PortRange::parse("22").unwrap()]);
    /// assert_eq!(
    ///     Protocol::portless_warning(&[Protocol::Tcp, Protocol::Icmp], &ssh).unwrap(),
    ///     "Icmp flows have no ports: no Icmp flow is in a query that names ports (leave the \
    ///      ports out, or give *, to include them)"
    /// );
    /// let all = Protocol::portless_warning(&[Protocol::Icmp, Protocol::Esp, Protocol::Ah], &ssh);
    /// assert!(all.unwrap().starts_with("Icmp, Esp and Ah flows have no ports: no Icmp, Esp or Ah flow"));
    /// assert_eq!(Protocol::portless_warning(&[Protocol::Icmp], &PortSide::any()), None);
    /// assert_eq!(Protocol::portless_warning(&[Protocol::Udp], &ssh), None);
    /// ```
    pub fn portless_warning(protocols: &[Protocol], ports: &PortSide) -> Option<String> {
        if ports.covers_all() {
            return None;
        }
        let mut portless: Vec<&str> = Vec::new();
        for p in protocols.iter().filter(|p| !p.has_ports()) {
            if !portless.contains(&p.as_str()) {
                portless.push(p.as_str());
            }
        }
        let list = |and: &str| match portless.split_last() {
            Some((last, [])) => last.to_string(),
            Some((last, rest)) => format!("{} {and} {last}", rest.join(", ")),
            None => String::new(),
        };
        (!portless.is_empty()).then(|| {
            format!(
                "{} flows have no ports: no {} flow is in a query that names ports (leave the \
                 ports out, or give *, to include them)",
                list("and"),
                list("or")
            )
        })
    }

    /// Azure's spelling: `Tcp`, `Udp`, `Icmp`, `Esp`, `Ah`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "Tcp",
            Protocol::Udp => "Udp",
            Protocol::Icmp => "Icmp",
            Protocol::Esp => "Esp",
            Protocol::Ah => "Ah",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The protocol condition of a rule: any protocol, or one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RuleProtocol {
    /// `*`, `Any` or `All`: every protocol, Esp and Ah included.
    Any,
    /// Exactly this protocol.
    Only(Protocol),
}

impl RuleProtocol {
    /// Parses a rule's protocol in any case: `*`, `Any`, `All`, or a protocol.
    ///
    /// ```
    /// use flowverify::model::{Protocol, RuleProtocol};
    /// assert_eq!(RuleProtocol::parse("All"), Some(RuleProtocol::Any));
    /// assert_eq!(RuleProtocol::parse("udp"), Some(RuleProtocol::Only(Protocol::Udp)));
    /// ```
    pub fn parse(text: &str) -> Option<RuleProtocol> {
        match text.trim().to_ascii_lowercase().as_str() {
            "*" | "any" | "all" => Some(RuleProtocol::Any),
            other => Protocol::parse(other).map(RuleProtocol::Only),
        }
    }

    /// Whether a flow of `protocol` satisfies this condition.
    ///
    /// ```
    /// use flowverify::model::{Protocol, RuleProtocol};
    /// assert!(RuleProtocol::Any.contains(Protocol::Esp));
    /// assert!(!RuleProtocol::Only(Protocol::Tcp).contains(Protocol::Udp));
    /// ```
    pub fn contains(self, protocol: Protocol) -> bool {
        match self {
            RuleProtocol::Any => true,
            RuleProtocol::Only(p) => p == protocol,
        }
    }
}

impl fmt::Display for RuleProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleProtocol::Any => f.write_str("Any"),
            RuleProtocol::Only(p) => p.fmt(f),
        }
    }
}

/// What a rule does when it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Access {
    /// NSG: allowed at this level. Admin: admin evaluation stops and the NSGs decide.
    Allow,
    /// Denied; evaluation stops.
    Deny,
    /// Admin rules only: allowed, and the NSGs are not evaluated.
    AlwaysAllow,
}

impl Access {
    /// Parses `Allow`, `Deny` or `AlwaysAllow` in any case.
    ///
    /// ```
    /// use flowverify::model::Access;
    /// assert_eq!(Access::parse("alwaysallow"), Some(Access::AlwaysAllow));
    /// assert_eq!(Access::parse("permit"), None);
    /// ```
    pub fn parse(text: &str) -> Option<Access> {
        match text.trim().to_ascii_lowercase().as_str() {
            "allow" => Some(Access::Allow),
            "deny" => Some(Access::Deny),
            "alwaysallow" => Some(Access::AlwaysAllow),
            _ => None,
        }
    }

    /// Azure's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Allow => "Allow",
            Access::Deny => "Deny",
            Access::AlwaysAllow => "AlwaysAllow",
        }
    }
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An inclusive range of ports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PortRange {
    start: u16,
    end: u16,
}

impl PortRange {
    /// Every port, 0-65535.
    pub const ALL: PortRange = PortRange {
        start: 0,
        end: u16::MAX,
    };

    /// The range `start..=end`; `None` when `start > end`.
    pub fn new(start: u16, end: u16) -> Option<PortRange> {
        (start <= end).then_some(PortRange { start, end })
    }

    /// Parses `*`, `N` or `A-B` (spaces allowed around the parts).
    ///
    /// ```
    /// use flowverify::model::PortRange;
    /// assert_eq!(PortRange::parse("*"), Some(PortRange::ALL));
    /// assert_eq!(PortRange::parse("1000-2000").unwrap().end(), 2000);
    /// assert_eq!(PortRange::parse("70000"), None);
    /// assert_eq!(PortRange::parse("20-10"), None);
    /// ```
    pub fn parse(text: &str) -> Option<PortRange> {
        let text = text.trim();
        if text == "*" || text.eq_ignore_ascii_case("any") {
            return Some(PortRange::ALL);
        }
        let number = |s: &str| -> Option<u16> {
            let s = s.trim();
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            s.parse::<u16>().ok()
        };
        match text.split_once('-') {
            Some((a, b)) => PortRange::new(number(a)?, number(b)?),
            None => number(text).map(|p| PortRange { start: p, end: p }),
        }
    }

    /// The first port.
    pub fn start(self) -> u16 {
        self.start
    }

    /// The last port (inclusive).
    pub fn end(self) -> u16 {
        self.end
    }

    /// Whether `port` is in the range.
    ///
    /// ```
    /// use flowverify::model::PortRange;
    /// assert!(PortRange::parse("80-90").unwrap().contains(85));
    /// ```
    pub fn contains(self, port: u16) -> bool {
        self.start <= port && port <= self.end
    }
}

impl fmt::Display for PortRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == PortRange::ALL {
            f.write_str("*")
        } else if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}-{}", self.start, self.end)
        }
    }
}

/// One side's port condition: the union of its ranges; no ranges at all means any port.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PortSide {
    ranges: Vec<PortRange>,
}

impl PortSide {
    /// A side that matches any port.
    pub fn any() -> PortSide {
        PortSide { ranges: Vec::new() }
    }

    /// A side from its ranges (empty = any).
    pub fn from_ranges(ranges: Vec<PortRange>) -> PortSide {
        PortSide { ranges }
    }

    /// The ranges as given (empty = any).
    pub fn ranges(&self) -> &[PortRange] {
        &self.ranges
    }

    /// Whether the side matches `port`.
    pub fn contains(&self, port: u16) -> bool {
        self.ranges.is_empty() || self.ranges.iter().any(|r| r.contains(port))
    }

    /// Whether the side covers every port 0-65535 (the condition a portless flow must meet).
    ///
    /// ```
    /// use flowverify::model::{PortRange, PortSide};
    /// let halves = PortSide::from_ranges(vec![
    ///     PortRange::parse("0-1000").unwrap(),
    ///     PortRange::parse("1001-65535").unwrap(),
    /// ]);
    /// assert!(halves.covers_all());
    /// assert!(!PortSide::from_ranges(vec![PortRange::parse("22").unwrap()]).covers_all());
    /// ```
    pub fn covers_all(&self) -> bool {
        if self.ranges.is_empty() {
            return true;
        }
        let mut sorted = self.ranges.clone();
        sorted.sort();
        let mut next: u32 = 0; // first port not yet covered
        for r in sorted {
            if u32::from(r.start) > next {
                return false;
            }
            next = next.max(u32::from(r.end) + 1);
        }
        next > u32::from(u16::MAX)
    }
}

impl fmt::Display for PortSide {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ranges.is_empty() {
            return f.write_str("*");
        }
        for (i, r) in self.ranges.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            r.fmt(f)?;
        }
        Ok(())
    }
}

/// One entry of a rule's source or destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressEntry {
    /// `*`, `Any`, `0.0.0.0/0` or `::/0`: any address of either family.
    Any,
    /// An address or CIDR block (a single address is a /32 or /128).
    Prefix(IpNet),
    /// A service tag (`VirtualNetwork`, `Storage.WestUS`, ...) resolved at evaluation time.
    Tag(String),
    /// A tag whose prefixes the input already expanded (effective rules' `expanded*` lists,
    /// which are authoritative for that rule).
    Expanded {
        /// The tag or text the rule showed, for display.
        label: String,
        /// The prefixes it stands for.
        prefixes: Vec<IpNet>,
    },
    /// An application security group, by name (compared case-insensitively).
    Asg(String),
    /// An AVNM network group, by name: its members' prefixes are not in any input document.
    NetworkGroup(String),
    /// A bare number (`"789"`): Azure accepted and stored such prefixes, but how it matches
    /// them is undocumented. It matches no address, and a verdict that depends on it is
    /// uncertain (`docs/semantics.md`, Bare numbers).
    BareNumber(String),
}

impl AddressEntry {
    /// Parses an address prefix as Azure writes it: `*`/`Any`, `0.0.0.0/0`/`::/0`, an IP, a
    /// CIDR, a bare number (see [`AddressEntry::BareNumber`]), or otherwise a service tag name.
    /// `None` for text that looks like an address but is not a valid one (`10.0.0.300/24`,
    /// `10.0.0.0/33`, an IP range `10.0.0.1-10.0.0.9`), or that is not a possible tag name.
    ///
    /// ```
    /// use flowverify::model::AddressEntry;
    /// assert_eq!(AddressEntry::parse("0.0.0.0/0"), Some(AddressEntry::Any));
    /// assert!(matches!(AddressEntry::parse("10.1.0.0/16"), Some(AddressEntry::Prefix(_))));
    /// assert_eq!(AddressEntry::parse("Storage.WestUS"), Some(AddressEntry::Tag("Storage.WestUS".into())));
    /// assert_eq!(AddressEntry::parse("789"), Some(AddressEntry::BareNumber("789".into())));
    /// assert_eq!(AddressEntry::parse("10.0.0.0/33"), None);
    /// assert_eq!(AddressEntry::parse("10.0.0.1-10.0.0.9"), None);
    /// ```
    pub fn parse(text: &str) -> Option<AddressEntry> {
        let text = text.trim();
        if text == "*" || text.eq_ignore_ascii_case("any") {
            return Some(AddressEntry::Any);
        }
        if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
            return Some(AddressEntry::BareNumber(text.to_string()));
        }
        if ip_range(text).is_some() {
            return None;
        }
        if let Some(net) = parse_prefix(text) {
            return Some(if net.prefix_len() == 0 {
                AddressEntry::Any
            } else {
                AddressEntry::Prefix(net)
            });
        }
        // Anything with digits-and-dots or a colon was meant as an address: it is invalid.
        let looks_like_address = text.contains(':')
            || text.contains('/')
            || text.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        let tag_like = !text.is_empty()
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if looks_like_address || !tag_like {
            None
        } else {
            Some(AddressEntry::Tag(text.to_string()))
        }
    }
}

impl fmt::Display for AddressEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddressEntry::Any => f.write_str("*"),
            AddressEntry::Prefix(net) => match net {
                IpNet::V4(n) if n.prefix_len() == 32 => write!(f, "{}", n.addr()),
                IpNet::V6(n) if n.prefix_len() == 128 => write!(f, "{}", n.addr()),
                _ => write!(f, "{net}"),
            },
            AddressEntry::Tag(t) => f.write_str(&crate::error::clip(t)),
            AddressEntry::Expanded { label, .. } => f.write_str(&crate::error::clip(label)),
            AddressEntry::Asg(name) => write!(f, "asg {}", crate::error::clip(name)),
            AddressEntry::NetworkGroup(name) => {
                write!(f, "network group {}", crate::error::clip(name))
            }
            AddressEntry::BareNumber(n) => f.write_str(&crate::error::clip(n)),
        }
    }
}

/// The two ends of an IP range written `A-B` (`10.0.0.1-10.0.0.9`), which is not a form NSG
/// rules take; `None` for anything else.
///
/// ```
/// use flowverify::model::ip_range;
/// let (a, b) = ip_range("10.0.0.1 - 10.0.0.9").unwrap();
/// assert_eq!((a.to_string(), b.to_string()), ("10.0.0.1".into(), "10.0.0.9".into()));
/// assert_eq!(ip_range("Storage.West-US"), None);
/// ```
pub fn ip_range(text: &str) -> Option<(IpAddr, IpAddr)> {
    let (a, b) = text.split_once('-')?;
    let a: IpAddr = a.trim().parse().ok()?;
    let b: IpAddr = b.trim().parse().ok()?;
    Some((a, b))
}

/// Parses an IP address or CIDR block (host bits are allowed and cleared, as Azure does).
///
/// ```
/// use flowverify::model::parse_prefix;
/// assert_eq!(parse_prefix("10.0.0.5/24").unwrap().to_string(), "10.0.0.0/24");
/// assert_eq!(parse_prefix("2001:db8::1").unwrap().to_string(), "2001:db8::1/128");
/// assert!(parse_prefix("10.0.0").is_none());
/// ```
pub fn parse_prefix(text: &str) -> Option<IpNet> {
    let text = text.trim();
    if let Ok(net) = text.parse::<IpNet>() {
        return Some(net.trunc());
    }
    text.parse::<IpAddr>().ok().map(IpNet::from)
}

/// One side (source or destination) of a rule: matches when the address matches ANY entry;
/// no entries at all means any address.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AddressSide {
    entries: Vec<AddressEntry>,
}

impl AddressSide {
    /// A side matching any address.
    pub fn any() -> AddressSide {
        AddressSide::default()
    }

    /// A side from its entries (empty = any).
    pub fn from_entries(entries: Vec<AddressEntry>) -> AddressSide {
        AddressSide { entries }
    }

    /// The entries (empty = any).
    pub fn entries(&self) -> &[AddressEntry] {
        &self.entries
    }
}

impl fmt::Display for AddressSide {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.entries.is_empty() {
            return f.write_str("*");
        }
        for (i, e) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            e.fmt(f)?;
        }
        Ok(())
    }
}

/// Where a rule comes from, which decides how its name is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RuleKind {
    /// A user rule of an NSG: reported as `securityRules/<name>`.
    User,
    /// One of an NSG's default rules: reported as `defaultSecurityRules/<name>`.
    Default,
    /// An AVNM security admin rule: reported as `securityAdminRules/<name>`.
    Admin,
}

impl RuleKind {
    /// The prefix of the reported `ruleName`, slash included.
    pub fn prefix(self) -> &'static str {
        match self {
            RuleKind::User => "securityRules/",
            RuleKind::Default => "defaultSecurityRules/",
            RuleKind::Admin => "securityAdminRules/",
        }
    }
}

/// One security rule, NSG or admin, in the engine's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The bare rule name (no `securityRules/` prefix).
    pub name: String,
    /// User, default or admin rule.
    pub kind: RuleKind,
    /// Lower numbers are evaluated first.
    pub priority: u32,
    /// The direction it applies to.
    pub direction: Direction,
    /// What it does on a match.
    pub access: Access,
    /// Its protocol condition.
    pub protocol: RuleProtocol,
    /// Source addresses.
    pub source: AddressSide,
    /// Source ports.
    pub source_ports: PortSide,
    /// Destination addresses.
    pub destination: AddressSide,
    /// Destination ports.
    pub destination_ports: PortSide,
    /// For admin rules: the rule collection it belongs to, when the input says.
    pub collection: Option<String>,
    /// What importing the rule noticed but accepted (a misspelt property, host bits, a list in
    /// a single-value field, ...), each naming the rule, the property and the value. Every
    /// verdict that considers the rule repeats them, and its trace row is marked.
    pub warnings: Vec<String>,
}

impl Rule {
    /// The name as IP flow verify reports it: `securityRules/<name>`,
    /// `defaultSecurityRules/<name>` or `securityAdminRules/<name>`.
    pub fn reported_name(&self) -> String {
        format!("{}{}", self.kind.prefix(), self.name)
    }
}

/// A network security group: its user rules and its default rules, in input order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nsg {
    /// The NSG's name (or the best label the input offers).
    pub name: String,
    /// User and default rules, both directions, in the order the input listed them.
    pub rules: Vec<Rule>,
}

/// One security admin configuration: the rules of all its rule collections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminConfiguration {
    /// The configuration's name (or the best label the input offers).
    pub name: String,
    /// Admin rules, both directions, in input order.
    pub rules: Vec<Rule>,
}

/// The effective security rules of a network interface, split into the layers their
/// `association` places them in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EffectiveRules {
    /// Admin rules the list carried (association `networkManager`), if any.
    pub admin: Option<AdminConfiguration>,
    /// The subnet's NSG (association `subnet`), if any.
    pub subnet: Option<Nsg>,
    /// The network interface's NSG (association `networkInterface`), if any.
    pub nic: Option<Nsg>,
    /// The `tagMap` the list carried: tag name -> prefixes, as the platform expanded them.
    pub tag_map: Vec<(String, Vec<IpNet>)>,
}

/// What a network interface document tells: its private IPs and the ASGs they belong to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NetworkInterface {
    /// The interface's name.
    pub name: String,
    /// Private IPs of all its IP configurations.
    pub ips: Vec<IpAddr>,
    /// ASG name -> the interface's IPs that are members of it.
    pub asgs: Vec<(String, Vec<IpAddr>)>,
}

/// The risky services the `exposure` finding looks for (CIS Azure benchmark 7.1-7.4 and common
/// database, remote management and cache ports).
pub const RISKY: &[(Protocol, u16, u16)] = &[
    (Protocol::Tcp, 22, 22),
    (Protocol::Tcp, 3389, 3389),
    (Protocol::Tcp, 23, 23),
    (Protocol::Tcp, 21, 21),
    (Protocol::Tcp, 445, 445),
    (Protocol::Tcp, 135, 139),
    (Protocol::Tcp, 1433, 1433),
    (Protocol::Tcp, 3306, 3306),
    (Protocol::Tcp, 5432, 5432),
    (Protocol::Tcp, 5985, 5986),
    (Protocol::Tcp, 27017, 27017),
    (Protocol::Tcp, 6379, 6379),
    (Protocol::Tcp, 9200, 9200),
    (Protocol::Udp, 53, 53),
    (Protocol::Udp, 123, 123),
    (Protocol::Udp, 161, 161),
    (Protocol::Udp, 389, 389),
    (Protocol::Udp, 1900, 1900),
];
