//! Exact sets of flows: every (protocol, destination address, destination port, source
//! address, source port), IPv4 and IPv6, as one decision diagram, in the order that keeps
//! NSG-shaped sets small (protocol, family, then addresses before ports: ports first was 15-40
//! times slower on generated NSG stacks).
//!
//! A space is made for the sets it will name ([`SpaceBuilder`]: the inputs' prefixes, tags,
//! ASG members and port ranges, and any further addresses and ports an analysis asks about).
//! Each field is encoded by its [atom](crate::atoms) (the class of values no named set tells
//! apart), not by its value: an address field of a stack costs a dozen variables, not 128, and
//! a service tag of thousands of prefixes is a few atoms. Addresses have one partition per
//! family, shared by both ends; ports one, shared by both ends. A set the space was not made
//! for (a prefix cutting an atom) cannot be named: the space is then *unnamed* (see
//! [`FlowSpace::trouble`]), never silently approximated.
//!
//! Flows of Icmp, Esp and Ah have no ports: their port fields hold the atom of port 0. The
//! [`FlowSpace::universe`] holds exactly the valid encodings; the sets this module makes for
//! rules may hold invalid encodings too (that keeps each one small), so an analysis starts
//! from the universe and intersects.
//!
//! Rules become sets with the same meanings as [`crate::verify`]: tags, ASGs, `VirtualNetwork`,
//! the built-in `Internet`, effective rules' expanded prefixes. An entry whose membership no
//! input gives (an undefined tag, an ASG without members, a network group, a bare-number
//! prefix) matches nothing, and the flows it might have matched are the rule's *maybe* set:
//! where `verify` says uncertain. A prefix of a tag, of `VirtualNetwork` or of an effective
//! rule's expanded list belongs to its own family, `/0` included, as in `verify`.
//!
//! ```
//! use flowverify::flowset::FlowSpace;
//! use flowverify::Flow;
//! let flow = Flow::parse("Inbound", "Tcp", "10.0.1.4:443", "203.0.113.7:50000").unwrap();
//! let mut space = FlowSpace::builder().flow(&flow).build();
//! let one = space.flow(&flow).unwrap();
//! assert!(space.contains(one, &flow));
//! assert_eq!(space.example(one, flow.direction()), Some(flow));
//! ```

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::ops::ControlFlow;
use std::sync::Arc;

use ipnet::IpNet;

use crate::atoms::Atoms;
use crate::flow::{Endpoint, Flow};
use crate::inputs::Inputs;
use crate::mdd::{Mdd, Set};
use crate::model::{
    AddressEntry, AddressSide, Direction, PortSide, Protocol, Rule, RuleProtocol, RISKY,
};
use crate::tags::{builtin_name, non_internet_v4, AZURE_HOST};

/// The fields of a flow, in the order the diagrams test them: the protocol (Tcp 0, Udp 1,
/// Icmp 2, Esp 3, Ah 4), the family (0 IPv4, 1 IPv6), then the atoms of the destination
/// address, the destination port, the source address and the source port.
const PROTOCOL: u32 = 0;
const FAMILY: u32 = 1;
const DESTINATION: u32 = 2;
const DESTINATION_PORT: u32 = 3;
const SOURCE: u32 = 4;
const SOURCE_PORT: u32 = 5;

/// The largest IPv4 and IPv6 address and port, as field values.
const V4_MAX: u128 = u32::MAX as u128;
const V6_MAX: u128 = u128::MAX;
const PORT_MAX: u128 = u16::MAX as u128;

/// Addresses that make an unusual example (reserved, documentation, multicast): an example
/// avoids them when its set allows.
const UNUSUAL: [&str; 12] = [
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

/// Ports an example prefers: an ephemeral source port, a destination port other than 0.
const EPHEMERAL: (u16, u16) = (49152, u16::MAX);
const NAMED_PORT: (u16, u16) = (1, u16::MAX);

/// Which end of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum End {
    /// Where the packet comes from.
    Source,
    /// Where it goes.
    Destination,
}

/// A box of flows (`docs/formats.md`, Flow sets): every flow whose protocol, source, source port,
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

/// A box as the space holds it: its protocols, family, and each field's atoms (ranges of
/// atom numbers; ports `None` for portless protocols).
struct AtomBox<'a> {
    protocols: &'a [Protocol],
    v6: bool,
    source: &'a [(u32, u32)],
    source_ports: Option<&'a [(u32, u32)]>,
    destination: &'a [(u32, u32)],
    destination_ports: Option<&'a [(u32, u32)]>,
}

/// An [`AtomBox`] kept.
struct OwnedAtomBox {
    protocols: Vec<Protocol>,
    v6: bool,
    source: Vec<(u32, u32)>,
    source_ports: Option<Vec<(u32, u32)>>,
    destination: Vec<(u32, u32)>,
    destination_ports: Option<Vec<(u32, u32)>>,
}

impl OwnedAtomBox {
    fn of(b: &AtomBox) -> OwnedAtomBox {
        OwnedAtomBox {
            protocols: b.protocols.to_vec(),
            v6: b.v6,
            source: b.source.to_vec(),
            source_ports: b.source_ports.map(<[_]>::to_vec),
            destination: b.destination.to_vec(),
            destination_ports: b.destination_ports.map(<[_]>::to_vec),
        }
    }
}

/// A box in words, field by field; its `Display` is the line every front end shows (`Tcp 443
/// from Internet to 10.0.1.4`, `Udp all but 53 from any IPv4 port 53 to 10.0.1.0/24`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoxLine {
    /// The protocols: `Tcp`, `Tcp/Udp`.
    pub protocols: String,
    /// The destination ports when not all (`443`, `80,443`, `all but 22, 3389`); `None` for
    /// every port, or none (Icmp, Esp, Ah).
    pub ports: Option<String>,
    /// The source addresses: a tag, `any IPv4`, CIDR blocks and how many more.
    pub source: String,
    /// The source ports when not all.
    pub source_ports: Option<String>,
    /// The destination addresses.
    pub destination: String,
}

impl std::fmt::Display for BoxLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.protocols)?;
        if let Some(p) = &self.ports {
            write!(f, " {p}")?;
        }
        write!(f, " from {}", self.source)?;
        if let Some(p) = &self.source_ports {
            write!(f, " port {p}")?;
        }
        write!(f, " to {}", self.destination)
    }
}

/// Ports in words: `22`, `80,443`, `1024-65535`; a list that leaves out fewer ranges than it
/// holds is said by what it leaves out, `all but 22, 80, 443`.
///
/// ```
/// use flowverify::flowset::ports_words;
/// assert_eq!(ports_words(&[(80, 80), (443, 443)]), "80,443");
/// assert_eq!(ports_words(&[(0, 21), (23, 79), (81, 65535)]), "all but 22, 80");
/// ```
pub fn ports_words(values: &[(u16, u16)]) -> String {
    let range = |&(lo, hi): &(u16, u16)| {
        if lo == hi {
            lo.to_string()
        } else {
            format!("{lo}-{hi}")
        }
    };
    let mut missing = Vec::new();
    let mut next: u32 = 0;
    for &(lo, hi) in values {
        if u32::from(lo) > next {
            missing.push((next as u16, lo - 1));
        }
        next = u32::from(hi) + 1;
    }
    if next <= u32::from(u16::MAX) {
        missing.push((next as u16, u16::MAX));
    }
    if !missing.is_empty() && missing.len() < values.len() {
        let parts: Vec<String> = missing.iter().map(range).collect();
        return format!("all but {}", parts.join(", "));
    }
    let parts: Vec<String> = values.iter().map(range).collect();
    parts.join(",")
}

/// The first boxes of a set in words, each with an example flow if asked, and how many boxes
/// the set has ([`FlowSpace::box_words`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoxWords {
    /// The boxes shown: their words and an example flow (when asked).
    pub shown: Vec<(BoxLine, Option<Flow>)>,
    /// How many boxes the set has in all.
    pub total: u128,
}

/// Visits the boxes of the protocol parts of a set (see [`FlowSpace::boxes`]): split field by
/// field (destination, its port, source, its port), the values of a field that lead to one
/// same rest together.
fn walk_boxes(
    sets: &Mdd,
    parts: Vec<(Vec<Protocol>, Set)>,
    mut visit: impl FnMut(&AtomBox) -> ControlFlow<()>,
) {
    for (group, after_protocol) in parts {
        let has_ports = group.first().is_some_and(|p| p.has_ports());
        for (families, after_family) in sets.split(after_protocol, FAMILY) {
            for family in families.iter().flat_map(|&(lo, hi)| lo..=hi) {
                let v6 = family == 1;
                for (dst, r1) in sets.split(after_family, DESTINATION) {
                    for (dport, r2) in sets.split(r1, DESTINATION_PORT) {
                        for (src, r3) in sets.split(r2, SOURCE) {
                            for (sport, _) in sets.split(r3, SOURCE_PORT) {
                                let b = AtomBox {
                                    protocols: &group,
                                    v6,
                                    source: &src,
                                    source_ports: has_ports.then_some(sport.as_slice()),
                                    destination: &dst,
                                    destination_ports: has_ports.then_some(dport.as_slice()),
                                };
                                if visit(&b).is_break() {
                                    return;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The CIDR blocks of an address range of one family, lazily.
fn blocks_iter(v6: bool, lo: u128, hi: u128) -> impl Iterator<Item = IpNet> {
    let (a, b) = if v6 {
        (
            Some(ipnet::Ipv6Subnets::new(Ipv6Addr::from(lo), Ipv6Addr::from(hi), 0).map(IpNet::V6)),
            None,
        )
    } else {
        let lo = u32::try_from(lo).unwrap_or(u32::MAX);
        let hi = u32::try_from(hi).unwrap_or(u32::MAX);
        (
            None,
            Some(ipnet::Ipv4Subnets::new(Ipv4Addr::from(lo), Ipv4Addr::from(hi), 0).map(IpNet::V4)),
        )
    };
    a.into_iter().flatten().chain(b.into_iter().flatten())
}

/// How many CIDR blocks a list shows before "and N more blocks".
const BLOCKS_SHOWN: usize = 4;

/// The tags a box's addresses may be named by: the built-in `Internet` and `VirtualNetwork`,
/// then the inputs' service tags.
fn tag_names(inputs: &Inputs) -> Vec<String> {
    let mut names: Vec<String> = vec!["Internet".into(), "VirtualNetwork".into()];
    names.extend(inputs.service_tags.names().map(str::to_string));
    names
}

/// The atom ranges `0..=last` leaves out of `ids`.
fn complement(ids: &[(u32, u32)], last: u32) -> IdRanges {
    let mut out = Vec::new();
    let mut next = 0u32;
    for &(lo, hi) in ids {
        if lo > next {
            out.push((next, lo - 1));
        }
        next = hi.saturating_add(1);
    }
    if next <= last && ids.last().is_none_or(|&(_, hi)| hi < last) {
        out.push((next, last));
    }
    out
}

/// How many CIDR blocks cover the ranges `values` of a family exactly (counted, not made).
fn count_blocks(v6: bool, values: &[(u128, u128)]) -> u128 {
    let width: u32 = if v6 { 128 } else { 32 };
    let mut blocks = 0u128;
    for &(lo, hi) in values {
        let mut at = lo;
        loop {
            // The largest block starting at `at` that ends at `hi` or before.
            let align = if at == 0 {
                width
            } else {
                at.trailing_zeros().min(width)
            };
            let span = hi - at;
            let fits = if span == u128::MAX {
                128
            } else {
                127 - (span + 1).leading_zeros()
            };
            let size = align.min(fits).min(width);
            blocks += 1;
            let step = if size >= 128 {
                return blocks;
            } else {
                1u128 << size
            };
            match at.checked_add(step) {
                Some(next) if next <= hi => at = next,
                _ => break,
            }
        }
    }
    blocks
}

/// Address ranges of a family in words: their first CIDR blocks (an address alone without its
/// length), then how many more.
fn nets_words(v6: bool, values: &[(u128, u128)]) -> String {
    blocks_words(
        values.iter().flat_map(|&(lo, hi)| blocks_iter(v6, lo, hi)),
        count_blocks(v6, values),
    )
}

/// The first of `blocks` in words (an address alone without its length), then how many more
/// of `total`.
fn blocks_words(blocks: impl Iterator<Item = IpNet>, total: u128) -> String {
    let shown: Vec<String> = blocks
        .take(BLOCKS_SHOWN)
        .map(|n| match n {
            IpNet::V4(n) if n.prefix_len() == 32 => n.addr().to_string(),
            IpNet::V6(n) if n.prefix_len() == 128 => n.addr().to_string(),
            n => n.to_string(),
        })
        .collect();
    let mut text = shown.join(", ");
    let more = total.saturating_sub(shown.len() as u128);
    if more > 0 {
        text.push_str(&format!(" and {more} more blocks"));
    }
    text
}

/// The values of atom ranges as a box shows them (CIDR blocks, port ranges), each worked out
/// once per listing: boxes repeat the same ones (every source port, one source list under
/// many destinations).
#[derive(Debug, Default)]
struct BoxValues {
    addresses: HashMap<(bool, IdRanges), Vec<IpNet>>,
    ports: HashMap<IdRanges, Vec<(u16, u16)>>,
}

/// What [`FlowSpace::listed_values`] has counted: per diagram node and field, its boxes and
/// the values they list (up to the cap, past which it stops); per atom set, its CIDR blocks
/// or port ranges.
#[derive(Default)]
struct Listing {
    cap: u128,
    memo: HashMap<(Set, u32, bool, bool), (u128, u128)>,
    blocks: HashMap<(bool, IdRanges), u128>,
    ports: HashMap<IdRanges, u128>,
}

/// Ranges of atom numbers (inclusive, ascending).
type IdRanges = Vec<(u32, u32)>;

/// The values of the atoms in `ranges` (of atom numbers) of `atoms`.
fn values_of(atoms: &Atoms, ranges: &[(u32, u32)]) -> Vec<(u128, u128)> {
    let last = u32::try_from(atoms.len())
        .unwrap_or(u32::MAX)
        .saturating_sub(1);
    if ranges == [(0, last)] {
        return vec![(0, atoms.max())];
    }
    atoms.values(ranges.iter().flat_map(|&(lo, hi)| lo..=hi))
}

impl BoxValues {
    fn cidrs(&mut self, atoms: &Atoms, v6: bool, ranges: &[(u32, u32)]) -> Vec<IpNet> {
        self.addresses
            .entry((v6, ranges.to_vec()))
            .or_insert_with(|| {
                values_of(atoms, ranges)
                    .iter()
                    .flat_map(|&(lo, hi)| blocks(v6, lo, hi))
                    .collect()
            })
            .clone()
    }

    fn ports(&mut self, atoms: &Atoms, ranges: &[(u32, u32)]) -> Vec<(u16, u16)> {
        self.ports
            .entry(ranges.to_vec())
            .or_insert_with(|| {
                values_of(atoms, ranges)
                    .iter()
                    .map(|&(lo, hi)| {
                        (
                            u16::try_from(lo).unwrap_or(u16::MAX),
                            u16::try_from(hi).unwrap_or(u16::MAX),
                        )
                    })
                    .collect()
            })
            .clone()
    }
}

/// Address values of one family: IPv4 as 32-bit numbers, IPv6 as 128-bit numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
struct Families {
    v4: Vec<(u128, u128)>,
    v6: Vec<(u128, u128)>,
}

impl Families {
    fn add(&mut self, net: IpNet) {
        match net {
            IpNet::V4(n) => self.v4.push((
                u128::from(u32::from(n.network())),
                u128::from(u32::from(n.broadcast())),
            )),
            IpNet::V6(n) => self
                .v6
                .push((u128::from(n.network()), u128::from(n.broadcast()))),
        }
    }

    fn of(nets: &[IpNet]) -> Families {
        let mut f = Families::default();
        for &n in nets {
            f.add(n);
        }
        f.normalised()
    }

    /// Sorted and merged in each family (see [`crate::atoms::normalise`]): one way to write
    /// each set, the way the atoms read it.
    fn normalised(self) -> Families {
        Families {
            v4: crate::atoms::normalise(&self.v4, V4_MAX),
            v6: crate::atoms::normalise(&self.v6, V6_MAX),
        }
    }

    fn all() -> Families {
        Families {
            v4: vec![(0, V4_MAX)],
            v6: vec![(0, V6_MAX)],
        }
    }
}

/// The built-in `Internet` tag's addresses: public IPv4, and IPv6 `2000::/3`.
fn internet() -> Families {
    let mut v4 = vec![(0u128, V4_MAX)];
    for block in non_internet_v4() {
        let (lo, hi) = (
            u128::from(u32::from(block.network())),
            u128::from(u32::from(block.broadcast())),
        );
        v4 = v4
            .into_iter()
            .flat_map(|(a, b)| {
                let mut kept = Vec::new();
                if a < lo {
                    kept.push((a, b.min(lo - 1)));
                }
                if b > hi {
                    kept.push((a.max(hi + 1), b));
                }
                if b < lo || a > hi {
                    kept = vec![(a, b)];
                }
                kept
            })
            .collect();
    }
    Families {
        v4,
        v6: vec![(0x2000u128 << 112, (0x4000u128 << 112) - 1)],
    }
    .normalised()
}

/// The addresses of a service tag as [`crate::verify`] reads it: a supplied definition first,
/// then the built-in `VirtualNetwork`, `AzureLoadBalancer` and `Internet`; `None` when no
/// input defines it.
fn tag_addresses(inputs: &Inputs, name: &str) -> Option<Families> {
    if let Some(prefixes) = inputs.service_tags.get(name) {
        return Some(Families::of(prefixes));
    }
    let host = IpNet::from(IpAddr::V4(AZURE_HOST));
    match builtin_name(name) {
        Some("VirtualNetwork") => {
            let mut nets = inputs.virtual_network.clone();
            nets.push(host);
            Some(Families::of(&nets))
        }
        Some("AzureLoadBalancer") => Some(Families::of(&[host])),
        Some("Internet") => Some(internet()),
        _ => None,
    }
}

/// The addresses an address entry names; `None` when no input gives its membership.
fn entry_addresses(inputs: &Inputs, entry: &AddressEntry) -> Option<Families> {
    match entry {
        AddressEntry::Any => Some(Families::all()),
        AddressEntry::Prefix(net) => Some(Families::of(&[*net])),
        AddressEntry::Expanded { prefixes, .. } => Some(Families::of(prefixes)),
        AddressEntry::Tag(name) => tag_addresses(inputs, name),
        AddressEntry::Asg(name) => inputs.asg_members(name).map(|ips| {
            let nets: Vec<IpNet> = ips.into_iter().map(IpNet::from).collect();
            Families::of(&nets)
        }),
        AddressEntry::NetworkGroup(_) | AddressEntry::BareNumber(_) => None,
    }
}

/// A rule side as the space names it: the addresses of its prefixes, expanded lists and ASGs
/// as one set (a side is only ever used whole, so hosts listed together are one atom), its
/// tags each by name (a tag is a set of its own), and whether an entry's membership is
/// unknown.
struct SideParts<'a> {
    addresses: Families,
    tags: Vec<&'a str>,
    unknown: bool,
}

fn side_parts<'a>(inputs: &Inputs, side: &'a AddressSide) -> SideParts<'a> {
    let mut parts = SideParts {
        addresses: Families::default(),
        tags: Vec::new(),
        unknown: false,
    };
    for entry in side.entries() {
        match entry {
            AddressEntry::Tag(name) => parts.tags.push(name),
            AddressEntry::Any => {
                parts.addresses = Families::all();
            }
            _ => match entry_addresses(inputs, entry) {
                Some(f) => {
                    parts.addresses.v4.extend(f.v4);
                    parts.addresses.v6.extend(f.v6);
                }
                None => parts.unknown = true,
            },
        }
    }
    parts.addresses = parts.addresses.normalised();
    parts
}

fn port_values(side: &PortSide) -> Vec<(u128, u128)> {
    side.ranges()
        .iter()
        .map(|r| (u128::from(r.start()), u128::from(r.end())))
        .collect()
}

/// The sets a space must be able to name, gathered before it is made (see the module
/// documentation): every address set and port set of the inputs, and the further addresses
/// and ports an analysis will ask about.
///
/// ```
/// use flowverify::flowset::{End, FlowSpace, Trouble};
/// let net: ipnet::IpNet = "10.0.1.0/24".parse().unwrap();
/// let mut space = FlowSpace::builder().nets(&[net]).build();
/// let web = space.address(End::Source, net);
/// assert!(!web.is_empty() && space.trouble().is_none());
/// // A block the space was not made for cannot be named.
/// space.address(End::Source, "10.0.1.0/25".parse().unwrap());
/// assert_eq!(space.trouble(), Some(Trouble::Unnamed));
/// ```
#[derive(Debug, Clone, Default)]
pub struct SpaceBuilder {
    /// The address sets, each with its fingerprint (each counts once).
    addresses: Vec<(u128, Families)>,
    seen: HashSet<u128>,
    ports: Vec<Vec<(u128, u128)>>,
    /// The most the space's diagrams may hold (the default: [`crate::mdd::DEFAULT_LIMIT`]).
    limit: Option<crate::mdd::Limit>,
}

/// A fingerprint of an address set as given (two 64-bit hashes of its content): the same set
/// written the same way has the same one, so the space finds the atoms its builder worked out.
/// Sets are compared whole after their fingerprints: a crafted collision costs a numbering
/// anew, never a wrong set.
fn fingerprint(f: &Families) -> u128 {
    use std::hash::{Hash, Hasher};
    let half = |seed: u64| {
        let mut h = rustc_hash::FxHasher::default();
        seed.hash(&mut h);
        f.hash(&mut h);
        h.finish()
    };
    u128::from(half(0x5151_f00d)) << 64 | u128::from(half(0xa7c3_9e21))
}

impl SpaceBuilder {
    fn addresses(&mut self, f: Families) {
        if f.v4.is_empty() && f.v6.is_empty() {
            return;
        }
        let print = fingerprint(&f);
        if self.seen.insert(print) {
            self.addresses.push((print, f));
        }
    }

    /// Every set `inputs` name: each rule's addresses and ports, every service tag, the
    /// built-in tags, ASG members.
    pub fn inputs(mut self, inputs: &Inputs) -> SpaceBuilder {
        let mut ports_seen: HashSet<Vec<(u128, u128)>> = HashSet::new();
        for rule in inputs.rules() {
            for side in [&rule.source, &rule.destination] {
                self.addresses(side_parts(inputs, side).addresses);
            }
            for side in [&rule.source_ports, &rule.destination_ports] {
                let values = port_values(side);
                if !values.is_empty() && ports_seen.insert(values.clone()) {
                    self.ports.push(values);
                }
            }
        }
        // Every tag, also those no rule names (boxes are named by the tag they equal).
        let mut names: Vec<String> = vec!["Internet".into(), "VirtualNetwork".into()];
        names.push("AzureLoadBalancer".into());
        names.extend(inputs.service_tags.names().map(str::to_string));
        for name in names {
            if let Some(f) = tag_addresses(inputs, &name) {
                self.addresses(f);
            }
        }
        self
    }

    /// The most the space's diagrams may hold: past it an analysis gives up with
    /// [`crate::TooLarge`] (see [`crate::mdd::DEFAULT_LIMIT`]).
    pub fn limit(mut self, limit: crate::mdd::Limit) -> SpaceBuilder {
        self.limit = Some(limit);
        self
    }

    /// One set of addresses (its prefixes of either family).
    pub fn nets(mut self, nets: &[IpNet]) -> SpaceBuilder {
        self.addresses(Families::of(nets));
        self
    }

    /// One set of ports.
    pub fn ports(mut self, side: &PortSide) -> SpaceBuilder {
        let values = port_values(side);
        if !values.is_empty() {
            self.ports.push(values);
        }
        self
    }

    /// The addresses and ports of one flow.
    pub fn flow(mut self, flow: &Flow) -> SpaceBuilder {
        for e in [flow.source(), flow.destination()] {
            self.addresses(Families::of(&[IpNet::from(e.ip())]));
            if let Some(p) = e.port() {
                self.ports.push(vec![(u128::from(p), u128::from(p))]);
            }
        }
        self
    }

    /// The space: atoms of every set added, and the sets every space names (the built-in
    /// tags, the unusual addresses and preferred ports of examples, the risky services).
    pub fn build(mut self) -> FlowSpace {
        self.addresses(internet());
        self.addresses(Families::of(&[IpNet::from(IpAddr::V4(AZURE_HOST))]));
        for net in UNUSUAL {
            if let Ok(net) = net.parse::<IpNet>() {
                self.addresses(Families::of(&[net]));
            }
        }
        for (lo, hi) in [EPHEMERAL, NAMED_PORT] {
            self.ports.push(vec![(u128::from(lo), u128::from(hi))]);
        }
        for &(_, lo, hi) in RISKY {
            self.ports.push(vec![(u128::from(lo), u128::from(hi))]);
        }
        // Each family's sets apart, then each set's atoms found by its fingerprint.
        let mut v4_given = Vec::new();
        let mut v6_given = Vec::new();
        let mut prints = Vec::with_capacity(self.addresses.len());
        for (print, f) in self.addresses {
            prints.push((print, !f.v4.is_empty(), !f.v6.is_empty()));
            if !f.v4.is_empty() {
                v4_given.push(f.v4);
            }
            if !f.v6.is_empty() {
                v6_given.push(f.v6);
            }
        }
        let (v4, v6) = (&v4_given, &v6_given);
        let (v4, v4_ids) = Atoms::of_sets(V4_MAX, v4);
        let (v6, v6_ids) = Atoms::of_sets(V6_MAX, v6);
        let (mut v4_ids, mut v6_ids) = (v4_ids.into_iter(), v6_ids.into_iter());
        let (mut v4_sets, mut v6_sets) = (v4_given.into_iter(), v6_given.into_iter());
        let mut numbered = rustc_hash::FxHashMap::default();
        for (print, has_v4, has_v6) in prints {
            let take = |has: bool, ids: &mut std::vec::IntoIter<Vec<u32>>| {
                has.then(|| ids.next())
                    .flatten()
                    .map_or_else(Vec::new, |ids| id_ranges(&ids))
            };
            let given = |has: bool, sets: &mut std::vec::IntoIter<Vec<(u128, u128)>>| {
                has.then(|| sets.next()).flatten().unwrap_or_default()
            };
            let f = Families {
                v4: given(has_v4, &mut v4_sets),
                v6: given(has_v6, &mut v6_sets),
            };
            let ids = [take(has_v4, &mut v4_ids), take(has_v6, &mut v6_ids)];
            numbered.insert(print, (f, Some(ids)));
        }
        let limit = self.limit.unwrap_or(crate::mdd::DEFAULT_LIMIT);
        let mut space = FlowSpace::with_atoms(v4, v6, Atoms::new(PORT_MAX, &self.ports), limit);
        space.given = Arc::new(numbered);
        space
    }
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

/// Sorted atom numbers as sorted, merged ranges.
fn id_ranges(ids: &[u32]) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> = Vec::new();
    for &id in ids {
        match out.last_mut() {
            Some(last) if last.1 + 1 == id => last.1 = id,
            _ => out.push((id, id)),
        }
    }
    out
}

/// Address sets numbered, by fingerprint: the set, and its atoms (as ranges of atom numbers)
/// in each family, or `None` when it is no union of atoms.
type Numbered = rustc_hash::FxHashMap<u128, (Families, Option<AtomRanges>)>;

/// The atoms of an address set in each family (IPv4, IPv6), as ranges of atom numbers.
type AtomRanges = [IdRanges; 2];

/// What went wrong in a space, to be reported instead of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trouble {
    /// The decision diagrams needed more nodes than the manager's limit.
    Exhausted,
    /// A set was asked for that the space was not made for (a caller's mistake, never the
    /// input's).
    Unnamed,
}

/// The space of flows and the decision diagrams built in it.
#[derive(Debug, Clone)]
pub struct FlowSpace {
    sets: Mdd,
    /// The atoms, shared by the clones of a space (a space made once serves both directions).
    v4: Arc<Atoms>,
    v6: Arc<Atoms>,
    ports: Arc<Atoms>,
    /// The atoms of the sets the builder was given, by fingerprint (shared likewise).
    given: Arc<Numbered>,
    universe: Set,
    ported: Set,
    /// Tags already made into sets, by end and name in lowercase.
    tags: HashMap<(End, String), Option<Set>>,
    /// Address sets numbered since (see `given`).
    numbered: Numbered,
    /// The sets of [`FlowSpace::preferences`], once made.
    preferences: Option<Vec<Set>>,
    /// Address atoms in words (see [`FlowSpace::atom_words`]), once worked out.
    address_words: HashMap<(bool, IdRanges), (String, bool)>,
    unnamed: bool,
}

impl Default for FlowSpace {
    fn default() -> FlowSpace {
        FlowSpace::new()
    }
}

fn protocol_code(p: Protocol) -> u32 {
    match p {
        Protocol::Tcp => 0,
        Protocol::Udp => 1,
        Protocol::Icmp => 2,
        Protocol::Esp => 3,
        Protocol::Ah => 4,
    }
}

impl FlowSpace {
    /// A space for no inputs: it names only what every space names (see
    /// [`SpaceBuilder::build`]).
    pub fn new() -> FlowSpace {
        FlowSpace::builder().build()
    }

    /// The builder of a space (see [`SpaceBuilder`]).
    pub fn builder() -> SpaceBuilder {
        SpaceBuilder::default()
    }

    /// A space for every set that each of `inputs` names.
    pub fn for_inputs(inputs: &[&Inputs]) -> FlowSpace {
        inputs
            .iter()
            .fold(FlowSpace::builder(), |b, i| b.inputs(i))
            .build()
    }

    fn with_atoms(v4: Atoms, v6: Atoms, ports: Atoms, limit: crate::mdd::Limit) -> FlowSpace {
        let count = |a: &Atoms| u32::try_from(a.len()).unwrap_or(u32::MAX);
        let address = count(&v4).max(count(&v6));
        let port = count(&ports);
        let mut sets = Mdd::with_limit(&[5, 2, address, port, address, port], limit);
        let ported = sets.range(PROTOCOL, 0, 1);
        let portless_protocol = sets.range(PROTOCOL, 2, 4);
        // Ported flows hold atoms of ports (a field holds more values than it has atoms).
        let mut valid_ports = ported;
        for field in [DESTINATION_PORT, SOURCE_PORT] {
            let valid = sets.range(field, 0, port - 1);
            valid_ports = sets.and(valid_ports, valid);
        }
        // Portless flows hold the atom of port 0, the first.
        let mut zero_ports = Set::FULL;
        for field in [DESTINATION_PORT, SOURCE_PORT] {
            let zero = sets.range(field, 0, 0);
            zero_ports = sets.and(zero_ports, zero);
        }
        let portless = sets.and(portless_protocol, zero_ports);
        let port_rule = sets.or(valid_ports, portless);
        let mut family_rule = Set::EMPTY;
        for (v6, atoms) in [(0, &v4), (1, &v6)] {
            let mut s = sets.range(FAMILY, v6, v6);
            for field in [DESTINATION, SOURCE] {
                let valid = sets.range(field, 0, count(atoms) - 1);
                s = sets.and(s, valid);
            }
            family_rule = sets.or(family_rule, s);
        }
        let universe = sets.and(port_rule, family_rule);
        FlowSpace {
            sets,
            v4: Arc::new(v4),
            v6: Arc::new(v6),
            ports: Arc::new(ports),
            given: Arc::new(Numbered::default()),
            universe,
            ported,
            tags: HashMap::new(),
            numbered: rustc_hash::FxHashMap::default(),
            preferences: None,
            address_words: HashMap::new(),
            unnamed: false,
        }
    }

    /// What went wrong, if anything: every set made since is meaningless and the analysis
    /// must be given up (see [`Trouble`]).
    pub fn trouble(&self) -> Option<Trouble> {
        if self.sets.exhausted() {
            Some(Trouble::Exhausted)
        } else if self.unnamed {
            Some(Trouble::Unnamed)
        } else {
            None
        }
    }

    /// Forgets the tag sets made so far (their definitions come from the inputs: another set
    /// of inputs may define them otherwise).
    pub fn forget_tags(&mut self) {
        self.tags.clear();
        self.address_words.clear();
    }

    /// Every valid flow.
    pub fn universe(&self) -> Set {
        self.universe
    }

    /// The decision diagrams, for set operations.
    pub fn sets(&mut self) -> &mut Mdd {
        &mut self.sets
    }

    /// The sets `sets` of `from` (a clone of this space, or of the space it was cloned from)
    /// made in this space: what an analysis keeps of a space it is done with, whose other
    /// nodes then go with it.
    pub fn keep(&mut self, from: &FlowSpace, sets: &[Set]) -> Vec<Set> {
        let mut memo = rustc_hash::FxHashMap::default();
        sets.iter()
            .map(|&s| self.sets.transfer(&from.sets, s, &mut memo))
            .collect()
    }

    /// How many atoms the addresses of each family and the ports have: the size of the space.
    pub fn atoms(&self) -> (usize, usize, usize) {
        (self.v4.len(), self.v6.len(), self.ports.len())
    }

    /// The flows of `protocol`.
    pub fn protocol(&mut self, protocol: Protocol) -> Set {
        let code = protocol_code(protocol);
        self.sets.range(PROTOCOL, code, code)
    }

    fn family_atoms(&self, v6: bool) -> &Atoms {
        if v6 {
            &self.v6
        } else {
            &self.v4
        }
    }

    /// The atoms of `f` in each family, as ranges of atom numbers; `None` when `f` is no union
    /// of atoms.
    fn number(&mut self, f: &Families) -> Option<AtomRanges> {
        let print = fingerprint(f);
        for map in [&*self.given, &self.numbered] {
            if let Some((given, known)) = map.get(&print) {
                if given == f {
                    return known.clone();
                }
            }
        }
        let number = |atoms: &Atoms, values: &[(u128, u128)]| -> Option<Vec<(u32, u32)>> {
            if values.is_empty() {
                return Some(Vec::new());
            }
            atoms.atoms_of(values).map(|ids| id_ranges(&ids))
        };
        let ids = number(&self.v4, &f.v4)
            .zip(number(&self.v6, &f.v6))
            .map(|(a, b)| [a, b]);
        self.numbered.insert(print, (f.clone(), ids.clone()));
        ids
    }

    /// The flows whose `end` address is in `f`; `None` when `f` is no union of atoms.
    fn addresses(&mut self, end: End, f: &Families) -> Option<Set> {
        let ids = self.number(f)?;
        Some(self.atom_set(end, &ids))
    }

    /// The flows whose `end` address is one of the atoms `ids` (per family).
    fn atom_set(&mut self, end: End, ids: &AtomRanges) -> Set {
        let mut s = Set::EMPTY;
        for (v6, ranges) in [(0, &ids[0]), (1, &ids[1])] {
            if ranges.is_empty() {
                continue;
            }
            let within = self.sets.ranges_set(end.address(), ranges);
            let family = self.sets.range(FAMILY, v6, v6);
            let one = self.sets.and(family, within);
            s = self.sets.or(s, one);
        }
        s
    }

    /// [`FlowSpace::addresses`], and a set the space was not made for marks it unnamed.
    fn named(&mut self, end: End, f: &Families) -> Set {
        match self.addresses(end, f) {
            Some(s) => s,
            None => {
                self.unnamed = true;
                Set::EMPTY
            }
        }
    }

    /// The flows whose `end` address is in `net` (a set the space was not made for marks it
    /// unnamed: see [`FlowSpace::trouble`]).
    pub fn address(&mut self, end: End, net: IpNet) -> Set {
        self.named(end, &Families::of(&[net]))
    }

    /// The flows whose `end` address is in one of `nets` (a set the space was not made for
    /// marks it unnamed).
    pub fn nets(&mut self, end: End, nets: &[IpNet]) -> Set {
        self.named(end, &Families::of(nets))
    }

    /// The flows whose `end` address is in one of `nets`, or `None` when the space was not made
    /// for them (see [`SpaceBuilder::nets`]).
    pub fn try_nets(&mut self, end: End, nets: &[IpNet]) -> Option<Set> {
        self.addresses(end, &Families::of(nets))
    }

    /// The port values `lo..=hi` as atoms, as ranges of atom numbers; `None` when they cut an
    /// atom.
    fn port_ids(&self, values: &[(u128, u128)]) -> Option<Vec<(u32, u32)>> {
        self.ports.atoms_of(values).map(|ids| id_ranges(&ids))
    }

    /// The flows whose `end` port is in `lo..=hi` (only Tcp and Udp flows have ports); `None`
    /// when the space was not made for these ports.
    fn try_port_range(&mut self, end: End, lo: u16, hi: u16) -> Option<Set> {
        let ids = self.port_ids(&[(u128::from(lo), u128::from(hi))])?;
        let r = self.sets.ranges_set(end.port(), &ids);
        Some(self.sets.and(r, self.ported))
    }

    /// The flows whose `end` port is in `lo..=hi` (only Tcp and Udp flows have ports; a range
    /// the space was not made for marks it unnamed).
    pub fn port_range(&mut self, end: End, lo: u16, hi: u16) -> Set {
        match self.try_port_range(end, lo, hi) {
            Some(s) => s,
            None => {
                self.unnamed = true;
                Set::EMPTY
            }
        }
    }

    /// The flows a rule's port condition holds for: Tcp and Udp flows whose port is in the
    /// side; Icmp, Esp and Ah flows when the side covers every port.
    pub fn ports(&mut self, end: End, side: &PortSide) -> Set {
        if side.covers_all() {
            return Set::FULL;
        }
        match self.port_ids(&port_values(side)) {
            Some(ids) => {
                let r = self.sets.ranges_set(end.port(), &ids);
                self.sets.and(r, self.ported)
            }
            None => {
                self.unnamed = true;
                Set::EMPTY
            }
        }
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
        let parts = side_parts(inputs, side);
        let mut known = vec![self.named(end, &parts.addresses)];
        let mut unknown = parts.unknown;
        for name in parts.tags {
            match self.tag(inputs, end, name) {
                Some(s) => known.push(s),
                None => unknown = true,
            }
        }
        let unknown = if unknown { Set::FULL } else { Set::EMPTY };
        (self.sets.or_all(&known), unknown)
    }

    /// The flows whose `end` address is on an address side (a rule's source or destination,
    /// or any list of entries): those it holds, and those it might hold but for missing input
    /// (every flow when a tag, group or ASG of it has no members in the inputs).
    pub fn address_side(&mut self, inputs: &Inputs, end: End, side: &AddressSide) -> (Set, Set) {
        self.side(inputs, end, side)
    }

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
        let set = tag_addresses(inputs, name).map(|f| self.named(end, &f));
        self.tags.insert(key, set);
        set
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
        let ports = self.sets.and(sp, dp);
        let base = self.sets.and(protocol, ports);
        let both_known = self.sets.and(sk, dk);
        let matched = self.sets.and(base, both_known);
        let maybe = if su.is_empty() && du.is_empty() {
            Set::EMPTY
        } else {
            let s = self.sets.or(sk, su);
            let d = self.sets.or(dk, du);
            let sd = self.sets.and(s, d);
            let wide = self.sets.and(base, sd);
            self.sets.diff(wide, matched)
        };
        RuleSets { matched, maybe }
    }

    /// The one flow `flow` (a port `*` stands for every port); `None` when the space was not
    /// made for its addresses and ports (see [`SpaceBuilder::flow`]).
    pub fn flow(&mut self, flow: &Flow) -> Option<Set> {
        let protocol = self.protocol(flow.protocol());
        let ends = [
            (End::Source, flow.source()),
            (End::Destination, flow.destination()),
        ];
        let mut s = protocol;
        for (end, e) in ends {
            let a = self.addresses(end, &Families::of(&[IpNet::from(e.ip())]))?;
            s = self.sets.and(s, a);
            if flow.protocol().has_ports() {
                let p = match e.port() {
                    Some(p) => self.try_port_range(end, p, p)?,
                    None => self.ported,
                };
                s = self.sets.and(s, p);
            }
        }
        Some(self.sets.and(s, self.universe))
    }

    /// `set` as boxes (within the universe): disjoint, together exactly the set, addresses as
    /// CIDR blocks and ports as merged ranges. Boxes can be many: [`FlowSpace::for_each_box`]
    /// visits them one at a time, and [`FlowSpace::count_boxes`] counts them without making
    /// them.
    pub fn boxes(&mut self, set: Set) -> Vec<FlowBox> {
        let mut out = Vec::new();
        self.for_each_box(set, |b| {
            out.push(b.clone());
            ControlFlow::Continue(())
        });
        out
    }

    /// The protocol parts of `set` (within the universe): its protocols that lead to one same
    /// rest, apart for those with ports and those without (they never share a box), each with
    /// that rest.
    fn protocol_parts(&mut self, set: Set) -> Vec<(Vec<Protocol>, Set)> {
        let set = self.sets.and(set, self.universe);
        let mut out = Vec::new();
        for (codes, after_protocol) in self.sets.split(set, PROTOCOL) {
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
            let (ported, portless): (Vec<Protocol>, Vec<Protocol>) =
                protocols.into_iter().partition(|p| p.has_ports());
            for group in [ported, portless] {
                if !group.is_empty() {
                    out.push((group, after_protocol));
                }
            }
        }
        out
    }

    /// Visits the boxes of `set` (those of [`FlowSpace::boxes`], in the same order) until
    /// `visit` breaks: memory does not grow with their number.
    pub fn for_each_box(&mut self, set: Set, mut visit: impl FnMut(&FlowBox) -> ControlFlow<()>) {
        let mut values = BoxValues::default();
        let parts = self.protocol_parts(set);
        let (v4, v6, ports) = (&self.v4, &self.v6, &self.ports);
        walk_boxes(&self.sets, parts, |b| {
            let addresses = if b.v6 { v6 } else { v4 };
            let flow_box = FlowBox {
                protocols: b.protocols.to_vec(),
                source: values.cidrs(addresses, b.v6, b.source),
                source_ports: b.source_ports.map(|p| values.ports(ports, p)),
                destination: values.cidrs(addresses, b.v6, b.destination),
                destination_ports: b.destination_ports.map(|p| values.ports(ports, p)),
            };
            visit(&flow_box)
        });
    }

    /// The first `limit` boxes of `set` in words (`Tcp 443 from Internet to 10.0.1.4`: ports
    /// only when not all, addresses named as a tag when they are exactly one, `any IPv4` or
    /// `any IPv6` where a box's family shows nowhere else, else the first CIDR blocks and how
    /// many more), each with an example flow of `direction` when `examples` (else `None`), and
    /// how many boxes there are. Made from the atoms: a box of thousands of blocks costs no
    /// more than a short one.
    pub fn box_words(
        &mut self,
        inputs: &Inputs,
        set: Set,
        direction: Direction,
        limit: usize,
        examples: bool,
    ) -> BoxWords {
        let mut atom_boxes: Vec<OwnedAtomBox> = Vec::new();
        let parts = self.protocol_parts(set);
        walk_boxes(&self.sets, parts, |b| {
            if atom_boxes.len() == limit {
                return ControlFlow::Break(());
            }
            atom_boxes.push(OwnedAtomBox::of(b));
            ControlFlow::Continue(())
        });
        let mut shown = Vec::with_capacity(atom_boxes.len());
        for b in &atom_boxes {
            let words = self.atom_box_words(inputs, b);
            let example = if examples {
                let flows = self.atom_box_set(b);
                self.example(flows, direction)
            } else {
                None
            };
            shown.push((words, example));
        }
        BoxWords {
            shown,
            total: self.count_boxes(set),
        }
    }

    /// A box of atoms in words (see [`FlowSpace::box_words`]).
    fn atom_box_words(&mut self, inputs: &Inputs, b: &OwnedAtomBox) -> BoxLine {
        let protocols: Vec<&str> = b.protocols.iter().map(|p| p.as_str()).collect();
        let protocols = protocols.join("/");
        let ports = |space: &FlowSpace, p: &Option<Vec<(u32, u32)>>| -> Option<String> {
            let values = values_of(&space.ports, p.as_ref()?);
            if values == [(0, PORT_MAX)] {
                return None;
            }
            let values: Vec<(u16, u16)> = values
                .iter()
                .map(|&(lo, hi)| {
                    let port = |v: u128| u16::try_from(v).unwrap_or(u16::MAX);
                    (port(lo), port(hi))
                })
                .collect();
            Some(ports_words(&values))
        };
        let all = |space: &FlowSpace, ids: &[(u32, u32)]| {
            let last = u32::try_from(space.family_atoms(b.v6).len()).unwrap_or(u32::MAX) - 1;
            ids == [(0, last)]
        };
        // `any` alone where the other end's blocks show the family, else `any IPv4` or `any
        // IPv6` (a tag or another `any` shows no family: the lines of two families would
        // read alike).
        let family = if b.v6 { "any IPv6" } else { "any IPv4" };
        let source = (!all(self, &b.source)).then(|| self.atom_words(inputs, b.v6, &b.source));
        let destination =
            (!all(self, &b.destination)).then(|| self.atom_words(inputs, b.v6, &b.destination));
        let any = |other: &Option<(String, bool)>| match other {
            Some((_, true)) => "any".to_string(),
            _ => family.to_string(),
        };
        let source_words = source
            .as_ref()
            .map_or_else(|| any(&destination), |(w, _)| w.clone());
        let destination_words = destination
            .as_ref()
            .map_or_else(|| any(&source), |(w, _)| w.clone());
        BoxLine {
            protocols,
            ports: ports(self, &b.destination_ports),
            source: source_words,
            source_ports: ports(self, &b.source_ports),
            destination: destination_words,
        }
    }

    /// Addresses given as atoms in words: the tag they are exactly, or their first CIDR blocks
    /// and how many more; and whether they are blocks (which show their family).
    fn atom_words(&mut self, inputs: &Inputs, v6: bool, ids: &[(u32, u32)]) -> (String, bool) {
        let key = (v6, ids.to_vec());
        if let Some(known) = self.address_words.get(&key) {
            return known.clone();
        }
        let words = self.atom_words_anew(inputs, v6, ids);
        self.address_words.insert(key, words.clone());
        words
    }

    fn atom_words_anew(&mut self, inputs: &Inputs, v6: bool, ids: &[(u32, u32)]) -> (String, bool) {
        let given = self.family_set(v6, ids);
        if let Some(name) = self.tag_named(inputs, given, v6) {
            return (name, false);
        }
        let atoms = self.family_atoms(v6);
        let runs: usize = ids
            .iter()
            .flat_map(|&(lo, hi)| lo..=hi)
            .map(|a| atoms.runs_of(a))
            .sum();
        if runs * 2 > atoms.run_count() {
            // Most of the family: said by what it leaves out, when that is short.
            let last = u32::try_from(atoms.len()).unwrap_or(u32::MAX) - 1;
            let rest = complement(ids, last);
            let rest_set = self.family_set(v6, &rest);
            let family = if v6 { "any IPv6" } else { "any IPv4" };
            if let Some(names) = self.tags_making(inputs, rest_set, v6, 3) {
                return (format!("{family} except {}", names.join(", ")), true);
            }
            let values = values_of(self.family_atoms(v6), &rest);
            if count_blocks(v6, &values) <= BLOCKS_SHOWN as u128 {
                return (format!("{family} except {}", nets_words(v6, &values)), true);
            }
        }
        let values = values_of(self.family_atoms(v6), ids);
        (nets_words(v6, &values), true)
    }

    /// The flows whose source address is one of the atoms `ids` of a family.
    fn family_set(&mut self, v6: bool, ids: &[(u32, u32)]) -> Set {
        let mut numbered: AtomRanges = [Vec::new(), Vec::new()];
        numbered[usize::from(v6)] = ids.to_vec();
        self.atom_set(End::Source, &numbered)
    }

    /// At most `most` tags (built in or of the inputs) whose members in this family together
    /// are exactly `given`'s source addresses, none inside another.
    fn tags_making(
        &mut self,
        inputs: &Inputs,
        given: Set,
        v6: bool,
        most: usize,
    ) -> Option<Vec<String>> {
        if let Some(name) = self.tag_named(inputs, given, v6) {
            return Some(vec![name]);
        }
        let family = self.sets.range(FAMILY, u32::from(v6), u32::from(v6));
        let mut inside: Vec<(String, Set)> = Vec::new();
        for name in tag_names(inputs) {
            let Some(tag) = self.tag(inputs, End::Source, &name) else {
                continue;
            };
            let tag = self.sets.and(tag, family);
            if tag.is_empty() || !self.sets.subset(tag, given) {
                continue;
            }
            if inside.iter().any(|(_, t)| self.sets.subset(tag, *t)) {
                continue;
            }
            inside.retain(|(_, t)| !self.sets.subset(*t, tag));
            inside.push((name, tag));
            if inside.len() > most {
                return None;
            }
        }
        let parts: Vec<Set> = inside.iter().map(|(_, t)| *t).collect();
        let union = self.sets.or_all(&parts);
        (!inside.is_empty() && union == given).then(|| inside.into_iter().map(|(n, _)| n).collect())
    }

    /// The name of the tag (built in or of the inputs) whose members in this family are
    /// exactly `given`'s source addresses.
    fn tag_named(&mut self, inputs: &Inputs, given: Set, v6: bool) -> Option<String> {
        let v6 = u32::from(v6);
        let family = self.sets.range(FAMILY, v6, v6);
        for name in tag_names(inputs) {
            if let Some(tag) = self.tag(inputs, End::Source, &name) {
                let in_family = self.sets.and(tag, family);
                if !in_family.is_empty() && in_family == given {
                    return Some(name);
                }
            }
        }
        None
    }

    /// The flows of a box of atoms.
    fn atom_box_set(&mut self, b: &OwnedAtomBox) -> Set {
        let mut set = Set::EMPTY;
        for p in &b.protocols {
            let p = self.protocol(*p);
            set = self.sets.or(set, p);
        }
        let numbered = |space: &mut FlowSpace, end: End, ids: &[(u32, u32)]| {
            let mut both: AtomRanges = [Vec::new(), Vec::new()];
            both[usize::from(b.v6)] = ids.to_vec();
            space.atom_set(end, &both)
        };
        for (end, ids, ports) in [
            (End::Source, &b.source, &b.source_ports),
            (End::Destination, &b.destination, &b.destination_ports),
        ] {
            let a = numbered(self, end, ids);
            set = self.sets.and(set, a);
            if let Some(ports) = ports {
                let p = self.sets.ranges_set(end.port(), ports);
                let p = self.sets.and(p, self.ported);
                set = self.sets.and(set, p);
            }
        }
        self.sets.and(set, self.universe)
    }

    /// How many boxes [`FlowSpace::boxes`] gives for `set`, without making them.
    ///
    /// ```
    /// use flowverify::flowset::FlowSpace;
    /// use flowverify::Inputs;
    /// let mut space = FlowSpace::for_inputs(&[&Inputs::new()]);
    /// let every = space.universe();
    /// // Tcp and Udp, Icmp, Esp and Ah; IPv4 and IPv6.
    /// assert_eq!(space.count_boxes(every), space.boxes(every).len() as u128);
    /// assert_eq!(space.count_boxes(every), 4);
    /// ```
    pub fn count_boxes(&mut self, set: Set) -> u128 {
        let mut memo: HashMap<(Set, u32), u128> = HashMap::new();
        let mut total = 0u128;
        for (_, after_protocol) in self.protocol_parts(set) {
            for (families, after_family) in self.sets.split(after_protocol, FAMILY) {
                let count = self.count_from(after_family, DESTINATION, &mut memo);
                let values = families
                    .iter()
                    .map(|&(lo, hi)| u128::from(hi - lo) + 1)
                    .sum::<u128>();
                total = total.saturating_add(count.saturating_mul(values));
            }
        }
        total
    }

    /// How many values the boxes of `set` list together (each box's protocols, CIDR blocks and
    /// port ranges, as [`FlowSpace::boxes`] makes them), counted from the diagrams without
    /// making a box, exactly up to `cap` (past it, some number above `cap`): what writing them
    /// costs, known before it is written. Boxes share their parts; their listing does not, and
    /// the complement of a long host list written in each of thousands of boxes is gigabytes.
    ///
    /// ```
    /// use flowverify::flowset::FlowSpace;
    /// use flowverify::Inputs;
    /// let mut space = FlowSpace::for_inputs(&[&Inputs::new()]);
    /// let every = space.universe();
    /// let listed = |b: &flowverify::flowset::FlowBox| {
    ///     b.protocols.len() + b.source.len() + b.destination.len()
    ///         + b.source_ports.as_ref().map_or(0, Vec::len)
    ///         + b.destination_ports.as_ref().map_or(0, Vec::len)
    /// };
    /// let made: usize = space.boxes(every).iter().map(listed).sum();
    /// assert_eq!(space.listed_values(every, u128::MAX), made as u128);
    /// assert!(space.listed_values(every, 3) > 3);
    /// ```
    pub fn listed_values(&mut self, set: Set, cap: u128) -> u128 {
        let mut count = Listing {
            cap,
            ..Listing::default()
        };
        let mut total = 0u128;
        for (group, after_protocol) in self.protocol_parts(set) {
            let ported = group.first().is_some_and(|p| p.has_ports());
            for (families, after_family) in self.sets.split(after_protocol, FAMILY) {
                for family in families.iter().flat_map(|&(lo, hi)| lo..=hi) {
                    let v6 = family == 1;
                    let (boxes, values) =
                        self.listed_from(after_family, DESTINATION, v6, ported, &mut count);
                    let protocols = boxes.saturating_mul(group.len() as u128);
                    total = total.saturating_add(values).saturating_add(protocols);
                    if total > cap {
                        return total;
                    }
                }
            }
        }
        total
    }

    /// The boxes of `rest` over the fields from `field` on, and the values they list there.
    fn listed_from(
        &self,
        rest: Set,
        field: u32,
        v6: bool,
        ported: bool,
        count: &mut Listing,
    ) -> (u128, u128) {
        if field > SOURCE_PORT {
            return (1, 0);
        }
        let key = (rest, field, v6, ported);
        if let Some(&c) = count.memo.get(&key) {
            return c;
        }
        let (mut boxes, mut values) = (0u128, 0u128);
        for (ids, next) in self.sets.split(rest, field) {
            let here = match field {
                DESTINATION | SOURCE => {
                    let atoms = if v6 { &self.v6 } else { &self.v4 };
                    *count
                        .blocks
                        .entry((v6, ids.clone()))
                        .or_insert_with(|| count_blocks(v6, &values_of(atoms, &ids)))
                }
                _ if ported => *count
                    .ports
                    .entry(ids.clone())
                    .or_insert_with(|| values_of(&self.ports, &ids).len() as u128),
                _ => 0,
            };
            let (b, v) = self.listed_from(next, field + 1, v6, ported, count);
            boxes = boxes.saturating_add(b);
            values = values
                .saturating_add(here.saturating_mul(b))
                .saturating_add(v);
            if values > count.cap {
                // Past the cap, a lower bound is all anyone asks (sums only grow).
                break;
            }
        }
        count.memo.insert(key, (boxes, values));
        (boxes, values)
    }

    /// The boxes of `rest` over the fields from `field` on.
    fn count_from(&self, rest: Set, field: u32, memo: &mut HashMap<(Set, u32), u128>) -> u128 {
        if field > SOURCE_PORT {
            return 1;
        }
        if let Some(&c) = memo.get(&(rest, field)) {
            return c;
        }
        let c = self
            .sets
            .split(rest, field)
            .iter()
            .map(|(_, next)| self.count_from(*next, field + 1, memo))
            .fold(0u128, u128::saturating_add);
        memo.insert((rest, field), c);
        c
    }

    /// The flows of one box; `None` when the space was not made for its addresses or ports
    /// (a box of this space's sets always is).
    pub fn box_set(&mut self, b: &FlowBox) -> Option<Set> {
        let mut set = Set::EMPTY;
        for p in &b.protocols {
            let p = self.protocol(*p);
            set = self.sets.or(set, p);
        }
        for (end, nets, ports) in [
            (End::Source, &b.source, &b.source_ports),
            (End::Destination, &b.destination, &b.destination_ports),
        ] {
            let a = self.addresses(end, &Families::of(nets))?;
            set = self.sets.and(set, a);
            if let Some(ports) = ports {
                let values: Vec<(u128, u128)> = ports
                    .iter()
                    .map(|&(lo, hi)| (u128::from(lo), u128::from(hi)))
                    .collect();
                let ids = self.port_ids(&values)?;
                let p = self.sets.ranges_set(end.port(), &ids);
                let p = self.sets.and(p, self.ported);
                set = self.sets.and(set, p);
            }
        }
        Some(self.sets.and(set, self.universe))
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
        if nets.len() == 1 && nets[0].prefix_len() == 0 {
            return "any".to_string();
        }
        // A tag's members, in this family (numbered afresh: a box's list is not worth keeping).
        let f = Families::of(nets);
        let numbered = self
            .v4
            .atoms_of(&f.v4)
            .zip(self.v6.atoms_of(&f.v6))
            .map(|(a, b)| [id_ranges(&a), id_ranges(&b)]);
        if let Some(ids) = numbered {
            let given = self.atom_set(End::Source, &ids);
            let v6 = nets.first().is_some_and(|n| matches!(n, IpNet::V6(_)));
            if let Some(name) = self.tag_named(inputs, given, v6) {
                return name;
            }
        }
        blocks_words(nets.iter().copied(), nets.len() as u128)
    }

    /// The fields of `flow` in this space: its protocol, family and atoms.
    fn values(&self, flow: &Flow) -> [u32; 6] {
        let address = |ip: IpAddr| -> u32 {
            match ip {
                IpAddr::V4(a) => self.v4.atom(u128::from(u32::from(a))),
                IpAddr::V6(a) => self.v6.atom(u128::from(a)),
            }
        };
        let port = |e: Endpoint| self.ports.atom(u128::from(e.port().unwrap_or(0)));
        let (src, dst) = (flow.source(), flow.destination());
        [
            protocol_code(flow.protocol()),
            u32::from(src.ip().is_ipv6()),
            address(dst.ip()),
            port(dst),
            address(src.ip()),
            port(src),
        ]
    }

    /// Whether `flow` (with numbered ports) is in `set`.
    pub fn contains(&self, set: Set, flow: &Flow) -> bool {
        self.sets.contains(set, &self.values(flow))
    }

    /// One flow of `set`, as a flow of `direction` (inbound, the destination is the local
    /// end; outbound, the source), or `None` when the set is empty. The flow is one a person
    /// would pick: Tcp before Udp before the rest, an ephemeral source port, a destination
    /// port other than 0, and no reserved or documentation address unless the set has no
    /// other (Batfish's choice of representative flows is the model); then the lowest address
    /// and port.
    pub fn example(&mut self, set: Set, direction: Direction) -> Option<Flow> {
        let mut chosen = self.sets.and(set, self.universe);
        if chosen.is_empty() {
            return None;
        }
        for preference in self.preferences() {
            let narrower = self.sets.and(chosen, preference);
            if !narrower.is_empty() {
                chosen = narrower;
            }
        }
        self.decode(chosen, direction)
    }

    /// The preferences of [`FlowSpace::example`], in order (made once per space).
    fn preferences(&mut self) -> Vec<Set> {
        if let Some(made) = &self.preferences {
            return made.clone();
        }
        let mut out = Vec::new();
        let portless = self.sets.range(PROTOCOL, 2, 4);
        for (end, (lo, hi)) in [(End::Source, EPHEMERAL), (End::Destination, NAMED_PORT)] {
            let ports = self.port_range(end, lo, hi);
            out.push(self.sets.or(ports, portless));
        }
        let unusual: Vec<IpNet> = UNUSUAL.iter().filter_map(|n| n.parse().ok()).collect();
        for end in [End::Source, End::Destination] {
            let avoid = self.nets(end, &unusual);
            out.push(self.sets.not(avoid));
        }
        self.preferences = Some(out.clone());
        out
    }

    fn decode(&self, set: Set, direction: Direction) -> Option<Flow> {
        let values = self.sets.pick(set)?;
        let field = |f: u32| values.get(f as usize).copied().unwrap_or(0);
        let protocol = match field(PROTOCOL) {
            0 => Protocol::Tcp,
            1 => Protocol::Udp,
            2 => Protocol::Icmp,
            3 => Protocol::Esp,
            _ => Protocol::Ah,
        };
        let v6 = field(FAMILY) == 1;
        let ip = |f: u32| -> IpAddr {
            let value = self.family_atoms(v6).first(field(f));
            if v6 {
                IpAddr::V6(Ipv6Addr::from(value))
            } else {
                IpAddr::V4(Ipv4Addr::from(u32::try_from(value).unwrap_or(0)))
            }
        };
        let port = |f: u32| -> Option<u16> {
            protocol
                .has_ports()
                .then(|| u16::try_from(self.ports.first(field(f))).unwrap_or(0))
        };
        let destination = Endpoint::new(ip(DESTINATION), port(DESTINATION_PORT));
        let source = Endpoint::new(ip(SOURCE), port(SOURCE_PORT));
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
        let icmp = Flow::parse("Inbound", "Icmp", "10.0.1.4", "203.0.113.7").unwrap();
        let v6 = Flow::parse("Outbound", "Udp", "[2001:db8::4]:53", "[2001:db8::1]:5353").unwrap();
        let mut space = FlowSpace::builder().flow(&icmp).flow(&v6).build();
        for f in [icmp, v6] {
            let s = space.flow(&f).unwrap();
            assert!(space.contains(space.universe(), &f));
            assert!(space.contains(s, &f));
            let u = space.universe();
            assert!(space.sets().subset(s, u));
        }
        // Exactly one flow per point: no stray encodings.
        let one = space.flow(&icmp).unwrap();
        assert_eq!(space.sets().count(one), 1);
    }

    #[test]
    fn boxes_give_the_set_back() {
        use crate::model::PortRange;
        let web: IpNet = "10.0.1.0/24".parse().unwrap();
        let partner: IpNet = "198.51.100.0/25".parse().unwrap();
        let v6: IpNet = "2001:db8::/64".parse().unwrap();
        let https_side = PortSide::from_ranges(vec![
            PortRange::new(443, 443).unwrap(),
            PortRange::new(8000, 8080).unwrap(),
        ]);
        let mut space = FlowSpace::builder()
            .nets(&[web])
            .nets(&[partner])
            .nets(&[v6])
            .ports(&https_side)
            .build();
        let dst_web = space.address(End::Destination, web);
        let src_partner = space.address(End::Source, partner);
        let https = space.ports(End::Destination, &https_side);
        let tcp = space.protocol(Protocol::Tcp);
        let a = space.sets().and(dst_web, src_partner);
        let a = space.sets().and(a, https);
        let a = space.sets().and(a, tcp);
        let icmp = space.protocol(Protocol::Icmp);
        let dst_v6 = space.address(End::Destination, v6);
        let b = space.sets().and(icmp, dst_v6);
        let set = space.sets().or(a, b);
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
            let one = space.box_set(b).unwrap();
            rebuilt = space.sets().or(rebuilt, one);
        }
        let u = space.universe();
        let set = space.sets().and(set, u);
        assert_eq!(rebuilt, set);
    }

    #[test]
    fn internet_is_public_space() {
        let inputs = Inputs::new();
        let mut space = FlowSpace::for_inputs(&[&inputs]);
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
            let flow = if ip.contains(':') {
                Flow::parse(
                    "Inbound",
                    "Tcp",
                    "[2001:db8::4]:22",
                    &format!("[{ip}]:5000"),
                )
            } else {
                Flow::parse("Inbound", "Tcp", "10.0.1.4:22", &format!("{ip}:5000"))
            }
            .unwrap();
            assert_eq!(space.contains(internet, &flow), public, "{ip}");
        }
    }

    #[test]
    fn a_prefix_of_a_tag_belongs_to_its_family() {
        // `/0` in VirtualNetwork or a service tag covers its own family only, as in verify.
        let mut inputs = Inputs::new();
        inputs.virtual_network = vec!["::/0".parse().unwrap()];
        let mut space = FlowSpace::for_inputs(&[&inputs]);
        let vnet = space
            .tag(&inputs, End::Source, "VirtualNetwork")
            .expect("built in");
        let v4 = Flow::parse("Inbound", "Tcp", "10.0.1.4:22", "10.9.9.9:5000").unwrap();
        let v6 = Flow::parse("Inbound", "Tcp", "[fd00::4]:22", "[fd00::9]:5000").unwrap();
        assert!(!space.contains(vnet, &v4));
        assert!(space.contains(vnet, &v6));
    }

    proptest::proptest! {
        /// Blocks are counted as many as ipnet makes.
        #[test]
        fn blocks_are_counted_as_made(lo in 0u32..u32::MAX, len in 0u32..100_000, v6 in proptest::bool::ANY) {
            let (lo, hi) = if v6 {
                let lo = u128::from(lo) << 90;
                (lo, lo + (u128::from(len) << 80) + 12345)
            } else {
                (u128::from(lo), u128::from(lo.saturating_add(len)))
            };
            let made = blocks(v6, lo, hi).len() as u128;
            proptest::prop_assert_eq!(count_blocks(v6, &[(lo, hi)]), made);
        }
    }

    #[test]
    fn whole_families_and_complements() {
        assert_eq!(count_blocks(false, &[(0, u128::from(u32::MAX))]), 1);
        assert_eq!(count_blocks(true, &[(0, u128::MAX)]), 1);
        assert_eq!(count_blocks(true, &[(1, u128::MAX)]), 128);
        assert_eq!(complement(&[(0, 3), (7, 9)], 12), vec![(4, 6), (10, 12)]);
        assert_eq!(complement(&[(2, 12)], 12), vec![(0, 1)]);
        assert_eq!(complement(&[], 5), vec![(0, 5)]);
    }

    #[test]
    fn a_set_the_space_was_not_made_for_is_refused() {
        let mut space = FlowSpace::new();
        assert_eq!(space.try_port_range(End::Source, 1000, 2000), None);
        // The preferred ports and the risky services are always named.
        assert!(space.try_port_range(End::Destination, 22, 22).is_some());
        assert_eq!(space.trouble(), None);
        assert_eq!(
            space.address(End::Source, "10.1.2.0/24".parse().unwrap()),
            Set::EMPTY
        );
        assert_eq!(space.trouble(), Some(Trouble::Unnamed));
        let mut space = FlowSpace::new();
        let rule_side = PortSide::from_ranges(vec![crate::model::PortRange::new(7, 9).unwrap()]);
        assert_eq!(space.ports(End::Source, &rule_side), Set::EMPTY);
        assert_eq!(space.trouble(), Some(Trouble::Unnamed));
    }
}
