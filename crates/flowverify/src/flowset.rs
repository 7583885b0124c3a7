//! Exact sets of flows: every (protocol, destination address, destination port, source
//! address, source port), IPv4 and IPv6, as one decision diagram over 292 variables, in the
//! order that keeps NSG-shaped sets small (protocol, then addresses before ports: ports first
//! was 15-40 times slower on generated NSG stacks).
//!
//! An IPv4 address is the 128-bit number `address << 96` with the family bit 0; an IPv6
//! address is itself with the family bit 1. Flows of Icmp, Esp and Ah have no ports: their port
//! fields are 0. The [`FlowSpace::universe`] holds exactly the valid encodings; the sets this
//! module makes for rules may hold invalid encodings too (that keeps each one small), so an
//! analysis starts from the universe and intersects.
//!
//! Rules become sets with the same meanings as [`crate::verify`]: tags, ASGs, `VirtualNetwork`,
//! the built-in `Internet`, effective rules' expanded prefixes. An entry whose membership no
//! input gives (an undefined tag, an ASG without members, a network group, a bare-number
//! prefix) matches nothing, and the flows it might have matched are the rule's *maybe* set:
//! where `verify` says uncertain.
//!
//! ```
//! use flowverify::flowset::FlowSpace;
//! use flowverify::{Flow, Inputs};
//! let mut space = FlowSpace::new();
//! let flow = Flow::parse("Inbound", "Tcp", "10.0.1.4:443", "203.0.113.7:50000").unwrap();
//! let one = space.flow(&flow);
//! assert!(space.contains(one, &flow));
//! assert_eq!(space.example(one, flow.direction()), Some(flow));
//! ```

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use crate::bdd::{Bdd, Set};
use crate::flow::{Endpoint, Flow};
use crate::inputs::Inputs;
use crate::model::{AddressEntry, AddressSide, Direction, PortSide, Protocol, Rule, RuleProtocol};
use crate::tags::{builtin_name, non_internet_v4, AZURE_HOST};

/// The first variable of the protocol (3 bits: Tcp 0, Udp 1, Icmp 2, Esp 3, Ah 4).
const PROTOCOL: u32 = 0;
/// The family bit: 0 IPv4, 1 IPv6.
const FAMILY: u32 = 3;
/// The destination address (128 bits).
const DESTINATION: u32 = 4;
/// The destination port (16 bits).
const DESTINATION_PORT: u32 = 132;
/// The source address (128 bits).
const SOURCE: u32 = 148;
/// The source port (16 bits).
const SOURCE_PORT: u32 = 276;
/// How many variables a flow has.
pub const VARIABLES: u32 = 292;

/// Which end of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum End {
    /// Where the packet comes from.
    Source,
    /// Where it goes.
    Destination,
}

impl End {
    fn address(self) -> u32 {
        match self {
            End::Source => SOURCE,
            End::Destination => DESTINATION,
        }
    }

    fn port(self) -> u32 {
        match self {
            End::Source => SOURCE_PORT,
            End::Destination => DESTINATION_PORT,
        }
    }
}

/// A box of flows (`interfaces.md` section 7): every flow whose protocol, source, source port,
/// destination and destination port are each among the listed values. Boxes of Icmp, Esp and
/// Ah have no ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowBox {
    /// The protocols.
    pub protocols: Vec<Protocol>,
    /// Source addresses, as CIDR blocks.
    pub source: Vec<IpNet>,
    /// Source ports (`None` for portless protocols).
    pub source_ports: Option<Vec<(u16, u16)>>,
    /// Destination addresses, as CIDR blocks.
    pub destination: Vec<IpNet>,
    /// Destination ports (`None` for portless protocols).
    pub destination_ports: Option<Vec<(u16, u16)>>,
}

/// The CIDR blocks that cover an address range of one family exactly (IPv4 values as 32-bit
/// numbers).
fn blocks(v6: bool, lo: u128, hi: u128) -> Vec<IpNet> {
    if v6 {
        ipnet::Ipv6Subnets::new(Ipv6Addr::from(lo), Ipv6Addr::from(hi), 0)
            .map(IpNet::V6)
            .collect()
    } else {
        let lo = u32::try_from(lo).unwrap_or(u32::MAX);
        let hi = u32::try_from(hi).unwrap_or(u32::MAX);
        ipnet::Ipv4Subnets::new(Ipv4Addr::from(lo), Ipv4Addr::from(hi), 0)
            .map(IpNet::V4)
            .collect()
    }
}

/// A rule as sets of flows: those it matches, and those it might match but for input that is
/// missing (where [`crate::verify`] would call a verdict that depends on it uncertain).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleSets {
    /// The flows the rule matches.
    pub matched: Set,
    /// The flows it does not match only for lack of input.
    pub maybe: Set,
}

/// The space of flows and the decision diagrams built in it.
#[derive(Debug, Clone)]
pub struct FlowSpace {
    bdd: Bdd,
    universe: Set,
    ported: Set,
    /// Tags already made into sets, by end and name in lowercase.
    tags: std::collections::HashMap<(End, String), Option<Set>>,
}

impl Default for FlowSpace {
    fn default() -> FlowSpace {
        FlowSpace::new()
    }
}

fn protocol_code(p: Protocol) -> u128 {
    match p {
        Protocol::Tcp => 0,
        Protocol::Udp => 1,
        Protocol::Icmp => 2,
        Protocol::Esp => 3,
        Protocol::Ah => 4,
    }
}

fn address_value(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)) << 96,
        IpAddr::V6(v6) => u128::from(v6),
    }
}

impl FlowSpace {
    /// A space with its universe built.
    pub fn new() -> FlowSpace {
        let mut bdd = Bdd::new();
        let protocols = bdd.range(PROTOCOL, 3, 0, 4);
        let ported = bdd.range(PROTOCOL, 3, 0, 1);
        let portless_protocol = bdd.range(PROTOCOL, 3, 2, 4);
        // Portless flows have 0 in both port fields.
        let no_dst_port = bdd.range(DESTINATION_PORT, 16, 0, 0);
        let no_src_port = bdd.range(SOURCE_PORT, 16, 0, 0);
        let zero_ports = bdd.and(no_dst_port, no_src_port);
        let portless = bdd.and(portless_protocol, zero_ports);
        let port_rule = bdd.or(ported, portless);
        // IPv4 addresses have their low 96 bits 0.
        let v4 = bdd.bit(FAMILY, false);
        let v6 = bdd.bit(FAMILY, true);
        let dst_low = bdd.range(DESTINATION + 32, 96, 0, 0);
        let src_low = bdd.range(SOURCE + 32, 96, 0, 0);
        let v4_low = bdd.and(dst_low, src_low);
        let v4_ok = bdd.and(v4, v4_low);
        let family_rule = bdd.or(v4_ok, v6);
        let valid = bdd.and(protocols, port_rule);
        let universe = bdd.and(valid, family_rule);
        // Tcp and Udp: the protocols with ports (sets are cut to the universe where they meet
        // it, not here: each primitive stays a small diagram).
        FlowSpace {
            bdd,
            universe,
            ported,
            tags: std::collections::HashMap::new(),
        }
    }

    /// Forgets the tag sets made so far (their definitions come from the inputs: another set
    /// of inputs may define them otherwise).
    pub fn forget_tags(&mut self) {
        self.tags.clear();
    }

    /// Every valid flow.
    pub fn universe(&self) -> Set {
        self.universe
    }

    /// The decision diagrams, for set operations.
    pub fn bdd(&mut self) -> &mut Bdd {
        &mut self.bdd
    }

    /// The flows of `protocol`.
    pub fn protocol(&mut self, protocol: Protocol) -> Set {
        let code = protocol_code(protocol);
        self.bdd.range(PROTOCOL, 3, code, code)
    }

    /// The flows whose `end` address is in `net`.
    pub fn address(&mut self, end: End, net: IpNet) -> Set {
        let (family, len) = match net {
            IpNet::V4(n) => (false, u32::from(n.prefix_len())),
            IpNet::V6(n) => (true, u32::from(n.prefix_len())),
        };
        let fam = self.bdd.bit(FAMILY, family);
        let prefix = self
            .bdd
            .prefix(end.address(), 128, address_value(net.network()), len);
        self.bdd.and(fam, prefix)
    }

    /// The flows whose `end` port is in `lo..=hi` (only Tcp and Udp flows have ports).
    pub fn port_range(&mut self, end: End, lo: u16, hi: u16) -> Set {
        let r = self
            .bdd
            .range(end.port(), 16, u128::from(lo), u128::from(hi));
        self.bdd.and(r, self.ported)
    }

    /// The flows a rule's port condition holds for: Tcp and Udp flows whose port is in the
    /// side; Icmp, Esp and Ah flows when the side covers every port.
    pub fn ports(&mut self, end: End, side: &PortSide) -> Set {
        if side.covers_all() {
            return Set::FULL;
        }
        let mut s = Set::EMPTY;
        for r in side.ranges() {
            let one = self.port_range(end, r.start(), r.end());
            s = self.bdd.or(s, one);
        }
        s
    }

    /// The flows a rule's protocol condition holds for.
    pub fn rule_protocol(&mut self, protocol: RuleProtocol) -> Set {
        match protocol {
            RuleProtocol::Any => Set::FULL,
            RuleProtocol::Only(p) => self.protocol(p),
        }
    }

    /// One address side of a rule: the flows it matches at `end`, and those it might match
    /// but for missing membership.
    fn side(&mut self, inputs: &Inputs, end: End, side: &AddressSide) -> (Set, Set) {
        if side.entries().is_empty() {
            return (Set::FULL, Set::EMPTY);
        }
        let mut known = Set::EMPTY;
        let mut unknown = Set::EMPTY;
        for entry in side.entries() {
            match self.entry(inputs, end, entry) {
                Some(s) => known = self.bdd.or(known, s),
                None => unknown = Set::FULL,
            }
        }
        (known, unknown)
    }

    /// The flows one address entry matches at `end`; `None` when no input says.
    fn entry(&mut self, inputs: &Inputs, end: End, entry: &AddressEntry) -> Option<Set> {
        match entry {
            AddressEntry::Any => Some(Set::FULL),
            AddressEntry::Prefix(net) => Some(self.address(end, *net)),
            AddressEntry::Expanded { prefixes, .. } => Some(self.nets(end, prefixes)),
            AddressEntry::Tag(name) => self.tag(inputs, end, name),
            AddressEntry::Asg(name) => inputs.asg_members(name).map(|ips| {
                let nets: Vec<IpNet> = ips.into_iter().map(IpNet::from).collect();
                self.nets(end, &nets)
            }),
            AddressEntry::NetworkGroup(_) | AddressEntry::BareNumber(_) => None,
        }
    }

    fn nets(&mut self, end: End, nets: &[IpNet]) -> Set {
        let mut s = Set::EMPTY;
        for net in nets {
            if net.prefix_len() == 0 {
                // 0.0.0.0/0 and ::/0 mean any address of either family.
                return Set::FULL;
            }
            let one = self.address(end, *net);
            s = self.bdd.or(s, one);
        }
        s
    }

    /// A service tag as [`crate::verify`] reads it: a supplied definition first, then the
    /// built-in `VirtualNetwork`, `AzureLoadBalancer` and `Internet`.
    /// The flows whose `end` address is in the tag `name` (a service tag of the inputs, or the
    /// built-in `VirtualNetwork`, `AzureLoadBalancer`, `Internet`); `None` when no input
    /// defines it.
    pub fn tag_of(&mut self, inputs: &Inputs, end: End, name: &str) -> Option<Set> {
        self.tag(inputs, end, name)
    }

    fn tag(&mut self, inputs: &Inputs, end: End, name: &str) -> Option<Set> {
        let key = (end, name.to_ascii_lowercase());
        if let Some(&known) = self.tags.get(&key) {
            return known;
        }
        let set = self.tag_set(inputs, end, name);
        self.tags.insert(key, set);
        set
    }

    fn tag_set(&mut self, inputs: &Inputs, end: End, name: &str) -> Option<Set> {
        if let Some(prefixes) = inputs.service_tags.get(name) {
            let prefixes = prefixes.to_vec();
            return Some(self.nets(end, &prefixes));
        }
        let host = IpNet::from(IpAddr::V4(AZURE_HOST));
        match builtin_name(name) {
            Some("VirtualNetwork") => {
                let mut nets = inputs.virtual_network.clone();
                nets.push(host);
                Some(self.nets(end, &nets))
            }
            Some("AzureLoadBalancer") => Some(self.address(end, host)),
            Some("Internet") => {
                let all_v4 = IpNet::V4(ipnet::Ipv4Net::new(Ipv4Addr::UNSPECIFIED, 0).ok()?);
                let mut v4 = self.address(end, all_v4);
                for block in non_internet_v4() {
                    let b = self.address(end, IpNet::V4(block));
                    v4 = self.bdd.diff(v4, b);
                }
                let global =
                    ipnet::Ipv6Net::new(Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0), 3).ok()?;
                let v6 = self.address(end, IpNet::V6(global));
                Some(self.bdd.or(v4, v6))
            }
            _ => None,
        }
    }

    /// A rule as sets of flows (its direction aside: analyses take one direction's rules). The
    /// space remembers the tags it has made into sets: call [`FlowSpace::forget_tags`] before
    /// using it with other inputs.
    pub fn rule(&mut self, inputs: &Inputs, rule: &Rule) -> RuleSets {
        let protocol = self.rule_protocol(rule.protocol);
        let sp = self.ports(End::Source, &rule.source_ports);
        let dp = self.ports(End::Destination, &rule.destination_ports);
        let (sk, su) = self.side(inputs, End::Source, &rule.source);
        let (dk, du) = self.side(inputs, End::Destination, &rule.destination);
        let ports = self.bdd.and(sp, dp);
        let base = self.bdd.and(protocol, ports);
        let both_known = self.bdd.and(sk, dk);
        let matched = self.bdd.and(base, both_known);
        let maybe = if su.is_empty() && du.is_empty() {
            Set::EMPTY
        } else {
            let s = self.bdd.or(sk, su);
            let d = self.bdd.or(dk, du);
            let sd = self.bdd.and(s, d);
            let wide = self.bdd.and(base, sd);
            self.bdd.diff(wide, matched)
        };
        RuleSets { matched, maybe }
    }

    /// The one flow `flow` (a port `*` stands for every port).
    pub fn flow(&mut self, flow: &Flow) -> Set {
        let protocol = self.protocol(flow.protocol());
        let ends = [
            (End::Source, flow.source()),
            (End::Destination, flow.destination()),
        ];
        let mut s = protocol;
        for (end, e) in ends {
            let a = self.address(end, IpNet::from(e.ip()));
            s = self.bdd.and(s, a);
            if flow.protocol().has_ports() {
                let p = match e.port() {
                    Some(p) => self.port_range(end, p, p),
                    None => self.port_range(end, 0, u16::MAX),
                };
                s = self.bdd.and(s, p);
            }
        }
        self.bdd.and(s, self.universe)
    }

    /// `set` as boxes (within the universe): disjoint, together exactly the set, addresses as
    /// CIDR blocks and ports as merged ranges.
    pub fn boxes(&mut self, set: Set) -> Vec<FlowBox> {
        let set = self.bdd.and(set, self.universe);
        let mut out = Vec::new();
        for (codes, after_protocol) in self.bdd.split(set, PROTOCOL, 3) {
            let protocols: Vec<Protocol> = codes
                .iter()
                .flat_map(|&(lo, hi)| lo..=hi)
                .filter_map(|c| match c {
                    0 => Some(Protocol::Tcp),
                    1 => Some(Protocol::Udp),
                    2 => Some(Protocol::Icmp),
                    3 => Some(Protocol::Esp),
                    4 => Some(Protocol::Ah),
                    _ => None,
                })
                .collect();
            // Protocols with ports and those without never share a box.
            let (ported, portless): (Vec<Protocol>, Vec<Protocol>) =
                protocols.into_iter().partition(|p| p.has_ports());
            for group in [ported, portless] {
                let Some(&first) = group.first() else {
                    continue;
                };
                let has_ports = first.has_ports();
                for (families, after_family) in self.bdd.split(after_protocol, FAMILY, 1) {
                    for family in families.iter().flat_map(|&(lo, hi)| lo..=hi) {
                        let v6 = family == 1;
                        self.boxes_from(after_family, &group, v6, has_ports, &mut out);
                    }
                }
            }
        }
        out
    }

    fn boxes_from(
        &self,
        rest: Set,
        protocols: &[Protocol],
        v6: bool,
        has_ports: bool,
        out: &mut Vec<FlowBox>,
    ) {
        let ports = |ranges: &[(u128, u128)]| -> Vec<(u16, u16)> {
            ranges
                .iter()
                .map(|&(lo, hi)| {
                    (
                        u16::try_from(lo).unwrap_or(u16::MAX),
                        u16::try_from(hi).unwrap_or(u16::MAX),
                    )
                })
                .collect()
        };
        // Address ranges come as the family's own numbers (IPv4: 32 bits).
        let cidrs = |ranges: &[(u128, u128)]| -> Vec<IpNet> {
            ranges
                .iter()
                .flat_map(|&(lo, hi)| blocks(v6, lo, hi))
                .collect()
        };
        for (dst, r1) in self.split_address(rest, DESTINATION, v6) {
            for (dport, r2) in self.bdd.split(r1, DESTINATION_PORT, 16) {
                for (src, r3) in self.split_address(r2, SOURCE, v6) {
                    for (sport, _) in self.bdd.split(r3, SOURCE_PORT, 16) {
                        out.push(FlowBox {
                            protocols: protocols.to_vec(),
                            source: cidrs(&src),
                            source_ports: has_ports.then(|| ports(&sport)),
                            destination: cidrs(&dst),
                            destination_ports: has_ports.then(|| ports(&dport)),
                        });
                    }
                }
            }
        }
    }

    /// The flows of one box.
    pub fn box_set(&mut self, b: &FlowBox) -> Set {
        let mut set = Set::EMPTY;
        for p in &b.protocols {
            let p = self.protocol(*p);
            set = self.bdd.or(set, p);
        }
        for (end, nets, ports) in [
            (End::Source, &b.source, &b.source_ports),
            (End::Destination, &b.destination, &b.destination_ports),
        ] {
            let mut a = Set::EMPTY;
            for n in nets {
                let s = self.address(end, *n);
                a = self.bdd.or(a, s);
            }
            set = self.bdd.and(set, a);
            if let Some(ports) = ports {
                let mut p = Set::EMPTY;
                for &(lo, hi) in ports {
                    let s = self.port_range(end, lo, hi);
                    p = self.bdd.or(p, s);
                }
                set = self.bdd.and(set, p);
            }
        }
        self.bdd.and(set, self.universe)
    }

    /// The addresses of a box in words: `any` (every address of the family), the name of a tag
    /// whose members they are exactly (`Internet`, `VirtualNetwork`, a service tag), or the
    /// CIDR blocks (the first few, then how many more).
    ///
    /// ```
    /// use flowverify::flowset::FlowSpace;
    /// use flowverify::Inputs;
    /// let mut space = FlowSpace::new();
    /// let inputs = Inputs::new();
    /// let any: Vec<ipnet::IpNet> = vec!["0.0.0.0/0".parse().unwrap()];
    /// assert_eq!(space.describe_addresses(&inputs, &any), "any");
    /// let one: Vec<ipnet::IpNet> = vec!["10.0.1.4/32".parse().unwrap()];
    /// assert_eq!(space.describe_addresses(&inputs, &one), "10.0.1.4");
    /// ```
    pub fn describe_addresses(&mut self, inputs: &Inputs, nets: &[IpNet]) -> String {
        const SHOWN: usize = 4;
        if nets.len() == 1 && nets[0].prefix_len() == 0 {
            return "any".to_string();
        }
        // A tag's members, in this family.
        let mut given = Set::EMPTY;
        for n in nets {
            let one = self.address(End::Source, *n);
            given = self.bdd.or(given, one);
        }
        let v6 = nets.first().is_some_and(|n| matches!(n, IpNet::V6(_)));
        let family = self.bdd.bit(FAMILY, v6);
        let mut names: Vec<String> = vec!["Internet".into(), "VirtualNetwork".into()];
        names.extend(inputs.service_tags.names().map(str::to_string));
        for name in names {
            if let Some(tag) = self.tag(inputs, End::Source, &name) {
                let in_family = self.bdd.and(tag, family);
                if !in_family.is_empty() && in_family == given {
                    return name;
                }
            }
        }
        let shown: Vec<String> = nets
            .iter()
            .take(SHOWN)
            .map(|n| match n {
                IpNet::V4(n) if n.prefix_len() == 32 => n.addr().to_string(),
                IpNet::V6(n) if n.prefix_len() == 128 => n.addr().to_string(),
                n => n.to_string(),
            })
            .collect();
        let mut text = shown.join(", ");
        if nets.len() > SHOWN {
            text.push_str(&format!(" and {} more blocks", nets.len() - SHOWN));
        }
        text
    }

    /// `rest` split at an address field: IPv6 addresses are 128 bits; IPv4 addresses are their
    /// 32 high bits (the low 96 are 0 in the universe and are passed over).
    fn split_address(&self, rest: Set, first: u32, v6: bool) -> Vec<(Vec<(u128, u128)>, Set)> {
        if v6 {
            return self.bdd.split(rest, first, 128);
        }
        let mut out = Vec::new();
        for (ranges, after) in self.bdd.split(rest, first, 32) {
            for (_, past_zeros) in self.bdd.split(after, first + 32, 96) {
                out.push((ranges.clone(), past_zeros));
            }
        }
        out
    }

    /// Whether `flow` (with numbered ports) is in `set`.
    pub fn contains(&self, set: Set, flow: &Flow) -> bool {
        let mut bits = vec![false; VARIABLES as usize];
        let mut put = |first: u32, width: u32, value: u128| {
            for i in 0..width {
                let bit = (value >> (width - 1 - i)) & 1 == 1;
                if let Some(b) = bits.get_mut((first + i) as usize) {
                    *b = bit;
                }
            }
        };
        put(PROTOCOL, 3, protocol_code(flow.protocol()));
        put(FAMILY, 1, u128::from(flow.source().ip().is_ipv6()));
        for (address, port, end) in [
            (DESTINATION, DESTINATION_PORT, flow.destination()),
            (SOURCE, SOURCE_PORT, flow.source()),
        ] {
            put(address, 128, address_value(end.ip()));
            put(port, 16, u128::from(end.port().unwrap_or(0)));
        }
        self.bdd.contains(set, &bits)
    }

    /// One flow of `set`, as a flow of `direction` (inbound, the destination is the local
    /// end; outbound, the source), or `None` when the set is empty. The flow is one a person
    /// would pick: Tcp before Udp before the rest, an ephemeral source port, a destination
    /// port other than 0, and no reserved or documentation address unless the set has no
    /// other (Batfish's choice of representative flows is the model).
    pub fn example(&mut self, set: Set, direction: Direction) -> Option<Flow> {
        let mut chosen = self.bdd.and(set, self.universe);
        if chosen.is_empty() {
            return None;
        }
        for preference in self.preferences() {
            let narrower = self.bdd.and(chosen, preference);
            if !narrower.is_empty() {
                chosen = narrower;
            }
        }
        self.decode(chosen, direction)
    }

    /// The preferences of [`FlowSpace::example`], in order.
    fn preferences(&mut self) -> Vec<Set> {
        let mut out = Vec::new();
        let ephemeral = self.port_range(End::Source, 49152, u16::MAX);
        let portless = self.bdd.range(PROTOCOL, 3, 2, 4);
        out.push(self.bdd.or(ephemeral, portless));
        let named_port = self.port_range(End::Destination, 1, u16::MAX);
        out.push(self.bdd.or(named_port, portless));
        let unusual: [&str; 12] = [
            "0.0.0.0/8",
            "127.0.0.0/8",
            "169.254.0.0/16",
            "192.0.2.0/24",
            "198.51.100.0/24",
            "203.0.113.0/24",
            "224.0.0.0/3",
            "::/8",
            "fe80::/10",
            "ff00::/8",
            "2001:db8::/32",
            "100::/64",
        ];
        for end in [End::Source, End::Destination] {
            let mut avoid = Set::EMPTY;
            for net in unusual {
                if let Ok(net) = net.parse::<IpNet>() {
                    let one = self.address(end, net);
                    avoid = self.bdd.or(avoid, one);
                }
            }
            out.push(self.bdd.not(avoid));
        }
        out
    }

    fn decode(&self, set: Set, direction: Direction) -> Option<Flow> {
        let bits = self.bdd.pick(set, VARIABLES)?;
        let read = |first: u32, width: u32| -> u128 {
            (0..width).fold(0u128, |acc, i| {
                (acc << 1) | u128::from(bits.get((first + i) as usize).copied().unwrap_or(false))
            })
        };
        let protocol = match read(PROTOCOL, 3) {
            0 => Protocol::Tcp,
            1 => Protocol::Udp,
            2 => Protocol::Icmp,
            3 => Protocol::Esp,
            _ => Protocol::Ah,
        };
        let v6 = read(FAMILY, 1) == 1;
        let ip = |value: u128| -> IpAddr {
            if v6 {
                IpAddr::V6(Ipv6Addr::from(value))
            } else {
                IpAddr::V4(Ipv4Addr::from(u32::try_from(value >> 96).unwrap_or(0)))
            }
        };
        let port = |first: u32| -> Option<u16> {
            protocol
                .has_ports()
                .then(|| u16::try_from(read(first, 16)).unwrap_or(0))
        };
        let destination = Endpoint::new(ip(read(DESTINATION, 128)), port(DESTINATION_PORT));
        let source = Endpoint::new(ip(read(SOURCE, 128)), port(SOURCE_PORT));
        match direction {
            Direction::Inbound => Flow::new(direction, protocol, destination, source).ok(),
            Direction::Outbound => Flow::new(direction, protocol, source, destination).ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_universe_holds_valid_flows_only() {
        let mut space = FlowSpace::new();
        let icmp = Flow::parse("Inbound", "Icmp", "10.0.1.4", "203.0.113.7").unwrap();
        let v6 = Flow::parse("Outbound", "Udp", "[2001:db8::4]:53", "[2001:db8::1]:5353").unwrap();
        for f in [icmp, v6] {
            let s = space.flow(&f);
            assert!(space.contains(space.universe(), &f));
            assert!(space.contains(s, &f));
            let u = space.universe();
            assert!(space.bdd().subset(s, u));
        }
        // Exactly one flow per point: no stray encodings.
        let one = space.flow(&icmp);
        assert_eq!(space.bdd().count(one, VARIABLES), 1);
    }

    #[test]
    fn boxes_give_the_set_back() {
        use crate::model::PortRange;
        let mut space = FlowSpace::new();
        let web: IpNet = "10.0.1.0/24".parse().unwrap();
        let partner: IpNet = "198.51.100.0/25".parse().unwrap();
        let v6: IpNet = "2001:db8::/64".parse().unwrap();
        let dst_web = space.address(End::Destination, web);
        let src_partner = space.address(End::Source, partner);
        let https = space.ports(
            End::Destination,
            &PortSide::from_ranges(vec![
                PortRange::new(443, 443).unwrap(),
                PortRange::new(8000, 8080).unwrap(),
            ]),
        );
        let tcp = space.protocol(Protocol::Tcp);
        let a = space.bdd().and(dst_web, src_partner);
        let a = space.bdd().and(a, https);
        let a = space.bdd().and(a, tcp);
        let icmp = space.protocol(Protocol::Icmp);
        let dst_v6 = space.address(End::Destination, v6);
        let b = space.bdd().and(icmp, dst_v6);
        let set = space.bdd().or(a, b);
        let boxes = space.boxes(set);
        assert_eq!(boxes.len(), 2, "{boxes:?}");
        let tcp_box = boxes
            .iter()
            .find(|b| b.protocols == [Protocol::Tcp])
            .unwrap();
        assert_eq!(tcp_box.destination, [web]);
        assert_eq!(tcp_box.source, [partner]);
        assert_eq!(
            tcp_box.destination_ports,
            Some(vec![(443, 443), (8000, 8080)])
        );
        assert_eq!(tcp_box.source_ports, Some(vec![(0, 65535)]));
        let icmp_box = boxes
            .iter()
            .find(|b| b.protocols == [Protocol::Icmp])
            .unwrap();
        assert_eq!(icmp_box.destination, [v6]);
        assert_eq!(icmp_box.source, ["::/0".parse::<IpNet>().unwrap()]);
        assert_eq!(icmp_box.destination_ports, None);
        // Rebuilt from its boxes, the set is the same.
        let mut rebuilt = Set::EMPTY;
        for b in &boxes {
            let one = space.box_set(b);
            rebuilt = space.bdd().or(rebuilt, one);
        }
        let u = space.universe();
        let set = space.bdd().and(set, u);
        assert_eq!(rebuilt, set);
    }

    #[test]
    fn internet_is_public_space() {
        let inputs = Inputs::new();
        let mut space = FlowSpace::new();
        let internet = space
            .tag(&inputs, End::Source, "Internet")
            .expect("built in");
        for (ip, public) in [
            ("203.0.113.7", true),
            ("10.1.2.3", false),
            ("172.31.0.1", false),
            ("2001:db8::1", true),
            ("fd00::1", false),
        ] {
            let flow = Flow::parse(
                "Inbound",
                "Tcp",
                "10.0.1.4:22",
                &format!(
                    "{}:5000",
                    if ip.contains(':') {
                        format!("[{ip}]")
                    } else {
                        ip.to_string()
                    }
                ),
            );
            let flow = match flow {
                Ok(f) => f,
                // An IPv6 source needs an IPv6 local end.
                Err(_) => Flow::parse(
                    "Inbound",
                    "Tcp",
                    "[2001:db8::4]:22",
                    &format!("[{ip}]:5000"),
                )
                .unwrap(),
            };
            assert_eq!(space.contains(internet, &flow), public, "{ip}");
        }
    }
}
