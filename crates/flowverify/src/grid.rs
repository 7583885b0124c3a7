//! What is open, at a glance (`docs/semantics.md`, The grid): one direction's reachability
//! as a grid whose rows are the remote sides that matter (Internet, VirtualNetwork,
//! AzureLoadBalancer, the tags, groups and prefixes the rules name, and every other address)
//! and whose columns are services (the risky services of the exposure list, the well-known
//! ports the rules name, then every other Tcp port, every other Udp port, Icmp). Each cell is
//! the final access of its flows (allow, deny, partly, or uncertain when some of them are),
//! with the rules that decide them and an example flow.
//!
//! Exact: a cell is the set of its flows, intersected with the reach's regions; the tests check
//! each cell's access against [`crate::verify`] on its flows.
//!
//! ```
//! use flowverify::grid::{grid, CellAccess};
//! use flowverify::import::import;
//! use flowverify::model::Direction;
//! use flowverify::reach::reach;
//! use flowverify::{Inputs, Slot};
//! let nsg = r#"{"name": "nsg-web", "securityRules": [{"name": "AllowHttps", "properties": {
//!   "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
//!   "sourceAddressPrefix": "Internet", "sourcePortRange": "*",
//!   "destinationAddressPrefix": "*", "destinationPortRange": "443"}}]}"#;
//! let mut inputs = Inputs::new();
//! inputs.add(Slot::NicNsg, import("nsg.json", nsg).unwrap()).unwrap();
//! let mut reach = reach(&inputs, Direction::Inbound).unwrap();
//! let g = grid(&inputs, &mut reach);
//! let https = g.cell("Internet", "HTTPS").unwrap();
//! assert_eq!(https.access, CellAccess::Allow);
//! assert_eq!(g.cell("Internet", "SSH").unwrap().access, CellAccess::Deny);
//! ```

use std::collections::HashMap;

use ipnet::IpNet;

use crate::flow::Flow;
use crate::flowset::End;
use crate::inputs::Inputs;
use crate::mdd::Set;
use crate::model::{AddressEntry, AddressSide, Direction, Protocol, RuleProtocol, RISKY};
use crate::reach::Reach;
use crate::verdict::Decision;

/// Named remote sides shown besides the built-in tags (the most named first); the rest are
/// in "other addresses" or the rows that hold them.
pub const NAMED_REMOTES: usize = 10;
/// Well-known ports the rules name shown as columns of their own (the most named first).
pub const NAMED_PORTS: usize = 6;
/// How many deciding rules a cell names for each access (and whether there are more).
pub const CELL_RULES: usize = 3;

/// The final access of a cell's flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CellAccess {
    /// Every flow of the cell is allowed.
    Allow,
    /// Some are allowed, some denied.
    Partly,
    /// Every one is denied.
    Deny,
    /// The verdict of some of them depends on input that is missing.
    Uncertain,
}

impl CellAccess {
    /// `allow`, `partly`, `deny`, `uncertain`.
    pub fn as_str(self) -> &'static str {
        match self {
            CellAccess::Allow => "allow",
            CellAccess::Partly => "partly",
            CellAccess::Deny => "deny",
            CellAccess::Uncertain => "uncertain",
        }
    }

    /// In words, for a cell's label: `allowed`, `partly allowed`, `denied`, `uncertain`.
    ///
    /// ```
    /// use flowverify::grid::CellAccess;
    /// assert_eq!(CellAccess::Partly.words(), "partly allowed");
    /// ```
    pub fn words(self) -> &'static str {
        match self {
            CellAccess::Allow => "allowed",
            CellAccess::Partly => "partly allowed",
            CellAccess::Deny => "denied",
            CellAccess::Uncertain => "uncertain",
        }
    }

    /// The mark a cell shows beside its colour: `✓`, `◐`, `✗`, `?`.
    pub fn mark(self) -> &'static str {
        match self {
            CellAccess::Allow => "✓",
            CellAccess::Partly => "◐",
            CellAccess::Deny => "✗",
            CellAccess::Uncertain => "?",
        }
    }
}

impl std::fmt::Display for CellAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A row: a remote side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remote {
    /// As shown: the tag, group or prefix as the rules write it, or `other addresses`.
    pub label: String,
    /// How many rule entries of the direction name it (0 for the built-in rows).
    pub named: usize,
    /// The flows whose remote end is in it (in the reach's space).
    flows: Set,
}

/// A column: a service (a protocol and destination ports).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// As shown: `SSH`, `HTTPS`, `Tcp 8443`, `other Tcp`, `other Udp`, `Icmp`.
    pub label: String,
    /// The protocol and ports in full: `Tcp 22`, `Tcp 135-139`, `Tcp, other ports`.
    pub ports: String,
    /// One of the risky services of the exposure list.
    pub risky: bool,
    flows: Set,
}

/// One cell: the flows from (inbound) or to (outbound) a remote side for one service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    /// Their final access.
    pub access: CellAccess,
    /// The regions (indices into the reach's regions) that allow some of them, the first
    /// [`CELL_RULES`].
    pub allowed_by: Vec<usize>,
    /// The regions that deny some of them, the first [`CELL_RULES`].
    pub denied_by: Vec<usize>,
    /// Whether more regions than those listed decide some of them.
    pub more: bool,
    /// A flow of the cell decided by its first decider: an allowed one when there is one,
    /// else a denied one.
    pub example: Option<Flow>,
    /// The cell's flows (of the reach's local side; empty when the row's addresses cannot be
    /// the remote end).
    pub flows: Set,
}

/// One direction's grid ([`grid`]).
#[derive(Debug, Clone)]
pub struct Grid {
    /// The direction.
    pub direction: Direction,
    /// The rows.
    pub remotes: Vec<Remote>,
    /// The columns.
    pub services: Vec<Service>,
    /// The cells, row by row.
    pub cells: Vec<Cell>,
    /// How many remote sides the rules name beyond those shown.
    pub remotes_left: usize,
}

impl Grid {
    /// The cell of row `remote` and column `service`, by their labels.
    pub fn cell(&self, remote: &str, service: &str) -> Option<&Cell> {
        let r = self.remotes.iter().position(|x| x.label == remote)?;
        let s = self.services.iter().position(|x| x.label == service)?;
        self.cells.get(r * self.services.len() + s)
    }

    /// The rows with their cells.
    pub fn rows(&self) -> impl Iterator<Item = (&Remote, &[Cell])> {
        let width = self.services.len().max(1);
        self.remotes.iter().zip(self.cells.chunks(width))
    }
}

/// The common name of a service on these ports, when it has one.
///
/// ```
/// use flowverify::grid::service_name;
/// use flowverify::model::Protocol;
/// assert_eq!(service_name(Protocol::Tcp, 3389, 3389), Some("RDP"));
/// assert_eq!(service_name(Protocol::Udp, 3389, 3389), None);
/// ```
pub fn service_name(protocol: Protocol, lo: u16, hi: u16) -> Option<&'static str> {
    use Protocol::{Tcp, Udp};
    Some(match (protocol, lo, hi) {
        (Tcp, 21, 21) => "FTP",
        (Tcp, 22, 22) => "SSH",
        (Tcp, 23, 23) => "Telnet",
        (Tcp, 25, 25) => "SMTP",
        (Tcp | Udp, 53, 53) => "DNS",
        (Tcp, 80, 80) => "HTTP",
        (Udp, 123, 123) => "NTP",
        (Tcp, 135, 139) => "RPC/NetBIOS",
        (Udp, 161, 161) => "SNMP",
        (Tcp | Udp, 389, 389) => "LDAP",
        (Tcp, 443, 443) => "HTTPS",
        (Tcp, 445, 445) => "SMB",
        (Tcp, 1433, 1433) => "SQL Server",
        (Udp, 1900, 1900) => "SSDP",
        (Tcp, 3306, 3306) => "MySQL",
        (Tcp, 3389, 3389) => "RDP",
        (Tcp, 5432, 5432) => "PostgreSQL",
        (Tcp, 5985, 5986) => "WinRM",
        (Tcp, 6379, 6379) => "Redis",
        (Tcp, 8080, 8080) => "HTTP 8080",
        (Tcp, 9200, 9200) => "Elasticsearch",
        (Tcp, 27017, 27017) => "MongoDB",
        _ => return None,
    })
}

/// `Tcp 22`, `Tcp 135-139`.
fn ports_words(protocol: Protocol, lo: u16, hi: u16) -> String {
    if lo == hi {
        format!("{protocol} {lo}")
    } else {
        format!("{protocol} {lo}-{hi}")
    }
}

/// The remote end of a direction's flows.
fn remote_end(direction: Direction) -> End {
    match direction {
        Direction::Inbound => End::Source,
        Direction::Outbound => End::Destination,
    }
}

/// The built-in rows, in their order.
const BUILT_IN: [&str; 3] = ["Internet", "VirtualNetwork", "AzureLoadBalancer"];

/// The remote-side entries the direction's rules name, the most named first (ties: the first
/// named first), with how many entries name each; the built-in tags and `*` aside.
fn named_remotes(inputs: &Inputs, direction: Direction) -> Vec<(String, AddressEntry, usize)> {
    let mut counted: Vec<(String, AddressEntry, usize)> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for rule in inputs.rules().filter(|r| r.direction == direction) {
        let side = match direction {
            Direction::Inbound => &rule.source,
            Direction::Outbound => &rule.destination,
        };
        for entry in side.entries() {
            let label = match entry {
                AddressEntry::Tag(t) | AddressEntry::Asg(t) => t.clone(),
                AddressEntry::Prefix(net) if net.prefix_len() > 0 => net.to_string(),
                AddressEntry::Expanded { label, .. } => label.clone(),
                _ => continue,
            };
            if BUILT_IN.iter().any(|b| b.eq_ignore_ascii_case(&label)) {
                continue;
            }
            let key = label.to_ascii_lowercase();
            match at.get(&key) {
                Some(&i) => counted[i].2 += 1,
                None => {
                    at.insert(key, counted.len());
                    counted.push((label, entry.clone(), 1));
                }
            }
        }
    }
    // Stable: ties keep the order they were first named in.
    counted.sort_by_key(|c| std::cmp::Reverse(c.2));
    counted
}

/// The well-known destination ports (below 49152, single ports) the direction's rules name
/// that the risky services do not cover, the most named first.
fn named_ports(inputs: &Inputs, direction: Direction) -> Vec<(Protocol, u16)> {
    let mut counted: Vec<((Protocol, u16), usize)> = Vec::new();
    for rule in inputs.rules().filter(|r| r.direction == direction) {
        let protocols: &[Protocol] = match rule.protocol {
            RuleProtocol::Only(Protocol::Udp) => &[Protocol::Udp],
            RuleProtocol::Only(Protocol::Tcp) | RuleProtocol::Any => &[Protocol::Tcp],
            _ => continue,
        };
        for range in rule.destination_ports.ranges() {
            let (lo, hi) = (range.start(), range.end());
            if lo != hi || lo == 0 || lo >= 49152 {
                continue;
            }
            for &p in protocols {
                if RISKY
                    .iter()
                    .any(|&(rp, a, b)| rp == p && a <= lo && lo <= b)
                {
                    continue;
                }
                match counted.iter_mut().find(|(k, _)| *k == (p, lo)) {
                    Some((_, n)) => *n += 1,
                    None => counted.push(((p, lo), 1)),
                }
            }
        }
    }
    counted.sort_by_key(|c| std::cmp::Reverse(c.1));
    counted.into_iter().map(|(k, _)| k).collect()
}

/// The grid of `reach` (made on `inputs`): rows, columns and every cell (see the module's
/// documentation). Rows whose addresses cannot be a remote end of the reach's flows are
/// left out, as are empty rows.
pub fn grid(inputs: &Inputs, reach: &mut Reach) -> Grid {
    let direction = reach.direction;
    let end = remote_end(direction);
    let space = &mut reach.space;
    let universe = space.universe();

    // Rows.
    let mut remotes: Vec<Remote> = Vec::new();
    for name in BUILT_IN {
        if let Some(flows) = space.tag_of(inputs, end, name) {
            remotes.push(Remote {
                label: name.to_string(),
                named: 0,
                flows,
            });
        }
    }
    // The Internet row leaves out Azure's platform address (AzureLoadBalancer, a row of its
    // own, which the default rules let in), as the exposure findings do.
    if let [internet, .., balancer] = remotes.as_mut_slice() {
        if internet.label == BUILT_IN[0] && balancer.label == BUILT_IN[2] {
            internet.flows = space.sets().diff(internet.flows, balancer.flows);
        }
    }
    let named = named_remotes(inputs, direction);
    let mut shown = 0;
    let mut left = 0;
    for (label, entry, count) in named {
        if shown == NAMED_REMOTES {
            left += 1;
            continue;
        }
        let side = AddressSide::from_entries(vec![entry]);
        let (flows, unknown) = space.address_side(inputs, end, &side);
        if !unknown.is_empty() && flows.is_empty() {
            // A name without members: the findings say so; no row can show it.
            continue;
        }
        remotes.push(Remote {
            label,
            named: count,
            flows,
        });
        shown += 1;
    }
    let covered: Vec<Set> = remotes.iter().map(|r| r.flows).collect();
    let covered = space.sets().or_all(&covered);
    let other = space.sets().diff(universe, covered);
    remotes.push(Remote {
        label: "other addresses".to_string(),
        named: 0,
        flows: other,
    });

    // Columns.
    let mut services: Vec<Service> = Vec::new();
    let mut listed: HashMap<Protocol, Vec<Set>> = HashMap::new();
    let mut column = |space: &mut crate::flowset::FlowSpace,
                      protocol: Protocol,
                      lo: u16,
                      hi: u16,
                      risky: bool| {
        let p = space.protocol(protocol);
        let ports = space.port_range(End::Destination, lo, hi);
        let flows = space.sets().and(p, ports);
        listed.entry(protocol).or_default().push(flows);
        let ports = ports_words(protocol, lo, hi);
        let label = service_name(protocol, lo, hi).map_or_else(|| ports.clone(), str::to_string);
        services.push(Service {
            label,
            ports,
            risky,
            flows,
        });
    };
    for &(protocol, lo, hi) in RISKY {
        column(space, protocol, lo, hi, true);
    }
    for (protocol, port) in named_ports(inputs, direction).into_iter().take(NAMED_PORTS) {
        column(space, protocol, port, port, false);
    }
    for protocol in [Protocol::Tcp, Protocol::Udp] {
        let all = space.protocol(protocol);
        let named = listed.get(&protocol).cloned().unwrap_or_default();
        let named = space.sets().or_all(&named);
        let flows = space.sets().diff(all, named);
        services.push(Service {
            label: format!("other {protocol}"),
            ports: format!("{protocol}, every other port"),
            risky: false,
            flows,
        });
    }
    let icmp = space.protocol(Protocol::Icmp);
    services.push(Service {
        label: "Icmp".to_string(),
        ports: "Icmp".to_string(),
        risky: false,
        flows: icmp,
    });

    // What the regions say, gathered once.
    let regions: Vec<(Decision, bool, Set)> = reach
        .regions
        .iter()
        .map(|r| (r.access, r.uncertain, r.flows))
        .collect();
    let space = &mut reach.space;
    let allowing: Vec<Set> = regions
        .iter()
        .filter(|r| r.0 == Decision::Allow)
        .map(|r| r.2)
        .collect();
    let allowed = space.sets().or_all(&allowing);
    let unsure: Vec<Set> = regions.iter().filter(|r| r.1).map(|r| r.2).collect();
    let unsure = space.sets().or_all(&unsure);
    // The flows the reach is about (its local side), which its regions cover.
    let every: Vec<Set> = regions.iter().map(|r| r.2).collect();
    let domain = space.sets().or_all(&every);
    // The regions that meet each row and each column: a cell's deciders are among those that
    // meet both.
    let meeting = |space: &mut crate::flowset::FlowSpace, of: Set| -> Vec<bool> {
        regions
            .iter()
            .map(|r| space.sets().intersects(r.2, of))
            .collect()
    };
    let by_column: Vec<Vec<bool>> = services.iter().map(|s| meeting(space, s.flows)).collect();
    let mut cells = Vec::with_capacity(remotes.len() * services.len());
    for remote in &remotes {
        let row = space.sets().and(remote.flows, domain);
        let by_row = meeting(space, row);
        for (service, by_column) in services.iter().zip(&by_column) {
            let candidates = |a: Decision| -> Vec<usize> {
                (0..regions.len())
                    .filter(|&i| regions[i].0 == a && by_row[i] && by_column[i])
                    .collect()
            };
            let flows = space.sets().and(row, service.flows);
            let open = space.sets().and(flows, allowed);
            let shut = space.sets().diff(flows, allowed);
            let access = if space.sets().intersects(flows, unsure) {
                CellAccess::Uncertain
            } else {
                match (open.is_empty(), shut.is_empty()) {
                    (false, true) => CellAccess::Allow,
                    (false, false) => CellAccess::Partly,
                    _ => CellAccess::Deny,
                }
            };
            let allowing = candidates(Decision::Allow);
            let (allowed_by, more_allow) = deciders(space, open, &allowing, &regions);
            let denying = candidates(Decision::Deny);
            let (denied_by, more_deny) = deciders(space, shut, &denying, &regions);
            // An example of the first decider named (allowing when one is).
            let first = match (allowed_by.first(), denied_by.first()) {
                (Some(&i), _) => Some((open, i)),
                (None, Some(&i)) => Some((shut, i)),
                _ => None,
            };
            let example = first.and_then(|(part, i)| {
                let of_first = space.sets().and(part, regions[i].2);
                space.example(of_first, direction)
            });
            cells.push(Cell {
                access,
                allowed_by,
                denied_by,
                more: more_allow || more_deny,
                example,
                flows,
            });
        }
    }
    Grid {
        direction,
        remotes,
        services,
        cells,
        remotes_left: left,
    }
}

/// The first [`CELL_RULES`] regions of `candidates` (indices into `regions`, in their order)
/// that hold flows of `part`, and whether more do.
fn deciders(
    space: &mut crate::flowset::FlowSpace,
    part: Set,
    candidates: &[usize],
    regions: &[(Decision, bool, Set)],
) -> (Vec<usize>, bool) {
    let mut found = Vec::new();
    if part.is_empty() {
        return (found, false);
    }
    for &i in candidates {
        if space.sets().intersects(part, regions[i].2) {
            if found.len() == CELL_RULES {
                return (found, true);
            }
            found.push(i);
        }
    }
    (found, false)
}

/// Where the local addresses of an analysis come from ([`LocalSide`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalSource {
    /// The network interface document's addresses.
    Nic,
    /// The local addresses of the flows given (no network interface document).
    Flows,
    /// Any address: neither gives one, or the user widened the analysis.
    Any,
}

/// The local addresses an analysis of the VM is about, and where they come from: the network
/// interface document's addresses, else the local addresses of the flows given, else any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalSide {
    /// The addresses (empty: any).
    pub nets: Vec<IpNet>,
    /// Where they come from.
    pub source: LocalSource,
}

impl LocalSide {
    /// The VM's side of `inputs` and `flows` (see the type's documentation).
    ///
    /// ```
    /// use flowverify::grid::{LocalSide, LocalSource};
    /// use flowverify::{Flow, Inputs};
    /// let flow = Flow::parse("Inbound", "Tcp", "10.0.1.4:443", "203.0.113.7:5000").unwrap();
    /// let local = LocalSide::of(&Inputs::new(), &[flow]);
    /// assert_eq!(local.nets, ["10.0.1.4/32".parse().unwrap()]);
    /// assert_eq!(local.source, LocalSource::Flows);
    /// assert_eq!(LocalSide::of(&Inputs::new(), &[]).source, LocalSource::Any);
    /// ```
    pub fn of(inputs: &Inputs, flows: &[Flow]) -> LocalSide {
        let mut nets: Vec<IpNet> = inputs
            .nics
            .iter()
            .flat_map(|n| n.ips.iter().map(|ip| IpNet::from(*ip)))
            .collect();
        let mut source = LocalSource::Nic;
        if nets.is_empty() {
            nets = flows.iter().map(|f| IpNet::from(f.local().ip())).collect();
            source = LocalSource::Flows;
        }
        nets.sort();
        nets.dedup();
        if nets.is_empty() {
            source = LocalSource::Any;
        }
        LocalSide { nets, source }
    }

    /// Any local address.
    pub fn any() -> LocalSide {
        LocalSide {
            nets: Vec::new(),
            source: LocalSource::Any,
        }
    }

    /// Where they come from, in words: `the network interface's addresses`, `the local
    /// addresses of the flows`, `any local address`.
    pub fn words(&self) -> &'static str {
        match (self.source, self.nets.len()) {
            (LocalSource::Nic, 1) => "the network interface's address",
            (LocalSource::Nic, _) => "the network interface's addresses",
            (LocalSource::Flows, 1) => "the local address of the flows",
            (LocalSource::Flows, _) => "the local addresses of the flows",
            (LocalSource::Any, _) => "any local address",
        }
    }
}
