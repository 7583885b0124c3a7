//! Rule stacks shaped like production NSGs, for `make bench` and the tests that compare the set
//! engine with the evaluator on every shape. Each shape is a scenario document (the format the
//! command line and the page read) with one AVNM admin configuration, a subnet NSG and a NIC
//! NSG, in the JSON shapes Azure tools print; a seed makes it reproducible.
//!
//! Shared by path: `benches/analysis.rs`, `tests/shapes.rs` and the command line's whole-process
//! benchmark include this file (`#[path]`), so every figure is measured on the same documents.
#![allow(dead_code)]

use serde_json::{json, Value};

/// A deterministic generator (xorshift64*), so every run measures the same documents.
#[derive(Debug, Clone)]
pub struct Gen(u64);

impl Gen {
    /// A generator for `seed` (0 is replaced: xorshift never leaves 0).
    pub fn new(seed: u64) -> Gen {
        Gen(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// A number in `lo..=hi`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent` %.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<T: Copy>(&mut self, options: &[T]) -> T {
        options[self.below(options.len() as u64) as usize]
    }
}

/// The shapes of `make bench` (issue "Analysis at real sizes").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// The first benchmark's stack: half `*` and tags, otherwise one `/24` each.
    Simple,
    /// Mixed prefix lists: 1-4 prefixes per side, lengths /16 to /32 inside five /16s, 1-3
    /// ports per rule.
    Mixed,
    /// Host allow-lists: 10-100 scattered `/32` sources per rule, 1-5 ports.
    Hosts,
    /// Service tags as large as Azure's: 12 tags of 300 to 6,000 scattered public prefixes,
    /// rules naming them on either side.
    Tags,
    /// Effective rules (`az network nic list-effective-nsg`) with expanded prefixes, up to
    /// 4,000 per side.
    Effective,
    /// IPv6 prefix lists: 1-4 prefixes per side, /32 to /128 inside four /32s.
    Ipv6,
    /// Many application security groups: 10 + 10 per rule, their members given.
    Asgs,
    /// Interleaved overlapping Allow and Deny prefixes: nested blocks of one /16, alternating.
    Interleaved,
}

impl Shape {
    /// Every shape, in the order the benchmark reports them.
    pub const ALL: [Shape; 8] = [
        Shape::Simple,
        Shape::Mixed,
        Shape::Hosts,
        Shape::Tags,
        Shape::Effective,
        Shape::Ipv6,
        Shape::Asgs,
        Shape::Interleaved,
    ];

    /// The shape's name on the command line of the benchmark and in its table.
    pub fn name(self) -> &'static str {
        match self {
            Shape::Simple => "simple",
            Shape::Mixed => "mixed",
            Shape::Hosts => "hosts",
            Shape::Tags => "tags",
            Shape::Effective => "effective",
            Shape::Ipv6 => "ipv6",
            Shape::Asgs => "asgs",
            Shape::Interleaved => "interleaved",
        }
    }

    /// The shape named `name`.
    pub fn named(name: &str) -> Option<Shape> {
        Shape::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// How many rules a stack has: admin rules, and rules of each of the two NSGs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub admin: usize,
    pub nsg: usize,
}

impl Size {
    /// The benchmark's size: 100 admin + 1,000 + 1,000 rules.
    pub const BENCH: Size = Size {
        admin: 100,
        nsg: 1000,
    };
}

/// The five /16s the mixed and interleaved shapes draw from: private and public space.
const BLOCKS: [[u8; 2]; 5] = [[10, 1], [10, 2], [172, 16], [192, 168], [52, 160]];

fn v4(a: u32, len: u32) -> String {
    let masked = if len == 0 {
        0
    } else {
        a & (u32::MAX << (32 - len))
    };
    let ip = std::net::Ipv4Addr::from(masked);
    if len == 32 {
        ip.to_string()
    } else {
        format!("{ip}/{len}")
    }
}

fn v6(a: u128, len: u32) -> String {
    let masked = if len == 0 {
        0
    } else {
        a & (u128::MAX << (128 - len))
    };
    let ip = std::net::Ipv6Addr::from(masked);
    if len == 128 {
        ip.to_string()
    } else {
        format!("{ip}/{len}")
    }
}

/// A prefix of length /16-/32 inside one of [`BLOCKS`].
fn mixed_prefix(g: &mut Gen) -> String {
    let [a, b] = g.pick(&BLOCKS);
    let base = u32::from_be_bytes([a, b, 0, 0]);
    let len = g.between(16, 32) as u32;
    v4(base | (g.below(1 << 16) as u32), len)
}

/// A scattered public IPv4 address (not in 10/8, 172.16/12, 192.168/16, 100.64/10, 127/8,
/// 0/8, 169.254/16, 224/3).
fn public_v4(g: &mut Gen) -> u32 {
    loop {
        let a = g.next() as u32;
        let [x, y, ..] = a.to_be_bytes();
        let private = x == 10
            || x == 0
            || x == 127
            || x >= 224
            || (x == 172 && (16..32).contains(&y))
            || (x == 192 && y == 168)
            || (x == 100 && (64..128).contains(&y))
            || (x == 169 && y == 254);
        if !private {
            return a;
        }
    }
}

/// Well-known and application ports, as a real NSG names them.
const PORTS: [u16; 24] = [
    22, 25, 53, 80, 123, 135, 389, 443, 445, 636, 1433, 1521, 3306, 3389, 5432, 5671, 5986, 6379,
    8080, 8443, 9000, 9200, 27017, 30000,
];

fn port_item(g: &mut Gen) -> String {
    match g.below(10) {
        0..=5 => g.pick(&PORTS).to_string(),
        6..=7 => {
            let a = g.between(1024, 60000);
            format!("{}-{}", a, a + g.below(500))
        }
        _ => g.between(1, 65535).to_string(),
    }
}

fn ports(g: &mut Gen, lo: u64, hi: u64) -> Vec<String> {
    if g.chance(8) {
        return vec!["*".into()];
    }
    (0..g.between(lo, hi)).map(|_| port_item(g)).collect()
}

/// One NSG rule as the REST API returns it (`{name, properties}`).
#[allow(clippy::too_many_arguments)]
fn nsg_rule(
    nsg: &str,
    i: usize,
    direction: &str,
    access: &str,
    protocol: &str,
    sources: Vec<String>,
    destinations: Vec<String>,
    destination_ports: Vec<String>,
) -> Value {
    let mut properties = json!({
        "priority": 100 + i,
        "direction": direction,
        "access": access,
        "protocol": protocol,
        "sourcePortRange": "*",
    });
    let side = |p: &mut Value, one: &str, many: &str, asgs: &str, list: Vec<String>| {
        let (groups, prefixes): (Vec<String>, Vec<String>) =
            list.into_iter().partition(|s| s.starts_with("asg:"));
        if !groups.is_empty() {
            p[asgs] = groups
                .iter()
                .map(|a| json!({"id": format!("/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/applicationSecurityGroups/{}", &a[4..])}))
                .collect();
        } else if prefixes.len() == 1 {
            p[one] = json!(prefixes[0]);
        } else {
            p[many] = json!(prefixes);
        }
    };
    side(
        &mut properties,
        "sourceAddressPrefix",
        "sourceAddressPrefixes",
        "sourceApplicationSecurityGroups",
        sources,
    );
    side(
        &mut properties,
        "destinationAddressPrefix",
        "destinationAddressPrefixes",
        "destinationApplicationSecurityGroups",
        destinations,
    );
    if destination_ports.len() == 1 {
        properties["destinationPortRange"] = json!(destination_ports[0]);
    } else {
        properties["destinationPortRanges"] = json!(destination_ports);
    }
    json!({
        "name": format!("{nsg}-rule{i}"),
        "id": format!("/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/{nsg}/securityRules/{nsg}-rule{i}"),
        "properties": properties,
    })
}

/// What a shape puts in one rule: its access, protocol, sources, destinations and ports.
struct RuleBody {
    access: &'static str,
    protocol: &'static str,
    sources: Vec<String>,
    destinations: Vec<String>,
    ports: Vec<String>,
}

/// The generator of one shape: its tags, ASGs and how it draws a rule.
struct Draw {
    shape: Shape,
    tags: Vec<(String, Vec<String>)>,
    asgs: Vec<(String, Vec<String>)>,
}

fn protocol(g: &mut Gen) -> &'static str {
    g.pick(&["Tcp", "Tcp", "Tcp", "Udp", "*"])
}

fn access(g: &mut Gen, deny_percent: u64) -> &'static str {
    if g.chance(deny_percent) {
        "Deny"
    } else {
        "Allow"
    }
}

impl Draw {
    fn new(shape: Shape, g: &mut Gen) -> Draw {
        let mut tags = Vec::new();
        let mut asgs = Vec::new();
        if shape == Shape::Tags {
            // 12 tags of 300 to 6,000 scattered public prefixes (/16-/32, mostly long).
            for t in 0..12 {
                let count = g.between(300, 6000) as usize;
                let prefixes = (0..count)
                    .map(|_| {
                        v4(
                            public_v4(g),
                            g.pick(&[16, 20, 22, 24, 26, 27, 28, 29, 30, 31, 32]),
                        )
                    })
                    .collect();
                tags.push((format!("Service{t}.Region"), prefixes));
            }
        }
        if shape == Shape::Asgs {
            // 200 ASGs of 1-20 members in the VNet.
            for a in 0..200 {
                let members = (0..g.between(1, 20))
                    .map(|_| {
                        v4(
                            u32::from_be_bytes([10, 1, 0, 0]) | g.below(1 << 16) as u32,
                            32,
                        )
                    })
                    .collect();
                asgs.push((format!("asg-{a}"), members));
            }
        }
        Draw { shape, tags, asgs }
    }

    fn body(&self, g: &mut Gen, vm_side_inbound: bool) -> RuleBody {
        let any = || vec!["*".to_string()];
        match self.shape {
            Shape::Simple => {
                let prefix = |g: &mut Gen| match g.below(6) {
                    0 => "*".to_string(),
                    1 => "VirtualNetwork".to_string(),
                    2 => "Internet".to_string(),
                    _ => format!("10.{}.{}.0/24", g.below(4), g.below(256)),
                };
                let dst = if g.below(3) == 0 {
                    vec![prefix(g), prefix(g)]
                } else {
                    vec![prefix(g)]
                };
                let port = match g.below(4) {
                    0 => "*".to_string(),
                    1 => format!("{}", 1 + g.below(65000)),
                    _ => {
                        let a = 1 + g.below(60000);
                        format!("{}-{}", a, a + g.below(2000))
                    }
                };
                RuleBody {
                    access: if g.below(3) == 0 { "Deny" } else { "Allow" },
                    protocol: g.pick(&["Tcp", "Udp", "*"]),
                    sources: vec![prefix(g)],
                    destinations: dst,
                    ports: vec![port],
                }
            }
            Shape::Mixed => RuleBody {
                access: access(g, 30),
                protocol: protocol(g),
                sources: (0..g.between(1, 4)).map(|_| mixed_prefix(g)).collect(),
                destinations: (0..g.between(1, 4)).map(|_| mixed_prefix(g)).collect(),
                ports: ports(g, 1, 3),
            },
            Shape::Hosts => {
                // An allow-list of hosts to the VM's subnet (or the VM); remote hosts scattered
                // over public and private space.
                let hosts: Vec<String> = (0..g.between(10, 100))
                    .map(|_| {
                        if g.chance(50) {
                            v4(public_v4(g), 32)
                        } else {
                            v4(
                                u32::from_be_bytes([10, 0, 0, 0]) | g.below(1 << 24) as u32,
                                32,
                            )
                        }
                    })
                    .collect();
                let local = if g.chance(50) {
                    any()
                } else {
                    vec![v4(
                        u32::from_be_bytes([10, 1, 2, 0]) | g.below(256) as u32,
                        g.pick(&[24, 28, 32]),
                    )]
                };
                let (sources, destinations) = if vm_side_inbound {
                    (hosts, local)
                } else {
                    (local, hosts)
                };
                RuleBody {
                    access: access(g, 10),
                    protocol: g.pick(&["Tcp", "Tcp", "Udp"]),
                    sources,
                    destinations,
                    ports: ports(g, 1, 5),
                }
            }
            Shape::Tags => {
                let tag = |g: &mut Gen| {
                    self.tags[g.below(self.tags.len() as u64) as usize]
                        .0
                        .clone()
                };
                let other = |g: &mut Gen| match g.below(4) {
                    0 => "*".to_string(),
                    1 => "VirtualNetwork".to_string(),
                    _ => mixed_prefix(g),
                };
                let (sources, destinations) = if g.chance(50) {
                    (vec![tag(g)], vec![other(g)])
                } else {
                    (vec![other(g)], vec![tag(g)])
                };
                RuleBody {
                    access: access(g, 25),
                    protocol: protocol(g),
                    sources,
                    destinations,
                    ports: ports(g, 1, 3),
                }
            }
            Shape::Effective => unreachable!("effective stacks are drawn by effective_entry"),
            Shape::Ipv6 => {
                let blocks: [u128; 4] = [
                    0x2001_0db8_0000_0000 << 64,
                    0x2001_0db8_0001_0000 << 64,
                    0xfd00_0000_0000_0000 << 64,
                    0x2603_1030_0000_0000 << 64,
                ];
                let prefix = |g: &mut Gen| {
                    let base = g.pick(&blocks);
                    let low = (u128::from(g.next()) << 64 | u128::from(g.next())) >> 32;
                    v6(
                        base | low,
                        g.pick(&[32, 48, 56, 64, 64, 64, 96, 112, 120, 128, 128]),
                    )
                };
                RuleBody {
                    access: access(g, 30),
                    protocol: protocol(g),
                    sources: (0..g.between(1, 4)).map(|_| prefix(g)).collect(),
                    destinations: (0..g.between(1, 4)).map(|_| prefix(g)).collect(),
                    ports: ports(g, 1, 3),
                }
            }
            Shape::Asgs => {
                let groups = |g: &mut Gen| -> Vec<String> {
                    (0..10)
                        .map(|_| {
                            format!(
                                "asg:{}",
                                self.asgs[g.below(self.asgs.len() as u64) as usize].0
                            )
                        })
                        .collect()
                };
                RuleBody {
                    access: access(g, 25),
                    protocol: protocol(g),
                    sources: groups(g),
                    destinations: groups(g),
                    ports: ports(g, 1, 3),
                }
            }
            Shape::Interleaved => {
                // Nested blocks of one /16 (a few /16s), alternating Allow and Deny, so that
                // most rules overlap the ones before them.
                let [a, b] = g.pick(&BLOCKS[..2]);
                let base = u32::from_be_bytes([a, b, 0, 0]);
                let nested = |g: &mut Gen| {
                    let len = g.pick(&[16, 18, 20, 22, 24, 24, 26, 28, 30, 32]);
                    v4(base | g.below(1 << 16) as u32, len)
                };
                RuleBody {
                    access: if g.chance(50) { "Deny" } else { "Allow" },
                    protocol: protocol(g),
                    sources: (0..g.between(1, 3)).map(|_| nested(g)).collect(),
                    destinations: if g.chance(30) { any() } else { vec![nested(g)] },
                    ports: ports(g, 1, 3),
                }
            }
        }
    }
}

/// An NSG of `rules` rules, half inbound and half outbound, in the REST shape.
fn nsg(name: &str, rules: usize, draw: &Draw, g: &mut Gen) -> Value {
    let security_rules: Vec<Value> = (0..rules)
        .map(|i| {
            let inbound = i.is_multiple_of(2);
            let b = draw.body(g, inbound);
            nsg_rule(
                name,
                i,
                if inbound { "Inbound" } else { "Outbound" },
                b.access,
                b.protocol,
                b.sources,
                b.destinations,
                b.ports,
            )
        })
        .collect();
    json!({
        "name": name,
        "id": format!("/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/{name}"),
        "location": "westeurope",
        "properties": {"securityRules": security_rules},
        "type": "Microsoft.Network/networkSecurityGroups"
    })
}

/// AVNM admin rules as the REST list returns them: a shape's addresses, every access (admin
/// rules name no ASG: the ASG shape's admin rules are the mixed shape's).
fn admin_rules(rules: usize, draw: &Draw, g: &mut Gen) -> Value {
    let mixed = Draw {
        shape: Shape::Mixed,
        tags: Vec::new(),
        asgs: Vec::new(),
    };
    let draw = if draw.shape == Shape::Asgs {
        &mixed
    } else {
        draw
    };
    let value: Vec<Value> = (0..rules)
        .map(|i| {
            let inbound = i.is_multiple_of(2);
            let b = draw.body(g, inbound);
            let items = |list: Vec<String>| -> Vec<Value> {
                list.into_iter()
                    .filter(|s| !s.starts_with("asg:"))
                    .map(|p| {
                        let kind = if p.contains('.') && p.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) || p == "Internet" || p == "VirtualNetwork" {
                            "ServiceTag"
                        } else {
                            "IPPrefix"
                        };
                        json!({"addressPrefixType": kind, "addressPrefix": p})
                    })
                    .collect()
            };
            let mut sources = items(b.sources);
            let mut destinations = items(b.destinations);
            if sources.is_empty() {
                sources.push(json!({"addressPrefixType": "IPPrefix", "addressPrefix": "*"}));
            }
            if destinations.is_empty() {
                destinations.push(json!({"addressPrefixType": "IPPrefix", "addressPrefix": "*"}));
            }
            json!({
                "id": format!("/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/networkManagers/nm/securityAdminConfigurations/cfg/ruleCollections/rc/rules/admin{i}"),
                "type": "Microsoft.Network/networkManagers/securityAdminConfigurations/ruleCollections/rules",
                "name": format!("admin{i}"),
                "kind": "Custom",
                "properties": {
                    "protocol": match b.protocol { "*" => "Any", p => p },
                    "sources": sources,
                    "destinations": destinations,
                    "sourcePortRanges": [],
                    "destinationPortRanges": b.ports,
                    "access": g.pick(&["Allow", "Allow", "Deny", "AlwaysAllow"]),
                    "priority": 1 + i,
                    "direction": if inbound { "Inbound" } else { "Outbound" }
                }
            })
        })
        .collect();
    json!({ "value": value })
}

/// The effective rules of a NIC: the admin entry, the subnet NSG's and the NIC NSG's, rules
/// naming one of 40 tags with its expanded prefixes (as Azure expands a tag: the same list in
/// every rule that names it; 1 to 4,000 prefixes, most lists short).
fn effective(size: Size, g: &mut Gen) -> Value {
    let expansions: Vec<Vec<String>> = (0..40)
        .map(|_| {
            let count = match g.below(10) {
                0 => g.between(1000, 4000),
                1..=3 => g.between(50, 1000),
                _ => g.between(1, 50),
            };
            (0..count)
                .map(|_| {
                    if g.chance(60) {
                        v4(public_v4(g), g.pick(&[16, 20, 24, 28, 32]))
                    } else {
                        mixed_prefix(g)
                    }
                })
                .collect()
        })
        .collect();
    let expanded = |g: &mut Gen| -> (String, Vec<String>) {
        let t = g.below(expansions.len() as u64) as usize;
        (format!("Tag{t}"), expansions[t].clone())
    };
    let rule = |g: &mut Gen, prefix: &str, i: usize, admin: bool| -> Value {
        let inbound = i.is_multiple_of(2);
        let mut r = json!({
            "name": format!("{prefix}{i}"),
            "protocol": g.pick(&["Tcp", "Tcp", "Udp", "All"]),
            "sourcePortRange": "0-65535",
            "access": if admin { g.pick(&["Allow", "Deny", "AlwaysAllow"]) } else { access(g, 25) },
            "priority": if admin { 1 + i } else { 100 + i },
            "direction": if inbound { "Inbound" } else { "Outbound" },
        });
        let ports = ports(g, 1, 3);
        let ports: Vec<String> = ports
            .into_iter()
            .map(|p| match p.as_str() {
                "*" => "0-65535".to_string(),
                p if p.contains('-') => p.to_string(),
                p => format!("{p}-{p}"),
            })
            .collect();
        r["destinationPortRanges"] = json!(ports);
        r["destinationPortRange"] = json!(ports[0]);
        for side in ["source", "destination"] {
            let named = g.chance(70);
            if named {
                let (tag, prefixes) = expanded(g);
                r[format!("{side}AddressPrefix")] = json!(tag);
                r[format!(
                    "expanded{}AddressPrefix",
                    if side == "source" {
                        "Source"
                    } else {
                        "Destination"
                    }
                )] = json!(prefixes);
            } else {
                r[format!("{side}AddressPrefix")] = json!(mixed_prefix(g));
            }
        }
        r
    };
    let entry = |g: &mut Gen,
                 association: Value,
                 nsg: Option<&str>,
                 prefix: &str,
                 count: usize,
                 admin: bool|
     -> Value {
        let rules: Vec<Value> = (0..count).map(|i| rule(g, prefix, i, admin)).collect();
        json!({
            "networkSecurityGroup": nsg.map(|n| json!({"id": format!("/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/{n}")})),
            "association": association,
            "effectiveSecurityRules": rules,
        })
    };
    let admin = entry(
        g,
        json!({"networkManager": {"id": "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/networkManagers/nm"}}),
        None,
        "securityAdminRules/admin",
        size.admin,
        true,
    );
    let subnet = entry(
        g,
        json!({"subnet": {"id": "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/web"}}),
        Some("nsg-subnet"),
        "securityRules/subnet-rule",
        size.nsg,
        false,
    );
    let nic = entry(
        g,
        json!({"networkInterface": {"id": "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/nic-web"}}),
        Some("nsg-nic"),
        "securityRules/nic-rule",
        size.nsg,
        false,
    );
    json!({ "value": [admin, subnet, nic] })
}

/// The scenario document of `shape` at `size`, drawn from `seed`.
pub fn scenario(shape: Shape, size: Size, seed: u64) -> Value {
    let mut g = Gen::new(seed);
    let mut doc = json!({
        "version": 1,
        "title": format!("{} stack, {} admin + {} + {} rules, seed {seed}", shape.name(), size.admin, size.nsg, size.nsg),
        "virtualNetwork": ["10.0.0.0/14"],
    });
    if shape == Shape::Effective {
        doc["effectiveRules"] = effective(size, &mut g);
        return doc;
    }
    let draw = Draw::new(shape, &mut g);
    doc["adminRules"] = json!([admin_rules(size.admin, &draw, &mut g)]);
    doc["subnetNsg"] = nsg("nsg-subnet", size.nsg, &draw, &mut g);
    doc["nicNsg"] = nsg("nsg-nic", size.nsg, &draw, &mut g);
    if !draw.tags.is_empty() {
        let values: Vec<Value> = draw
            .tags
            .iter()
            .map(|(name, prefixes)| {
                json!({"name": name, "id": name, "properties": {
                    "changeNumber": 1, "region": "", "platform": "Azure", "systemService": name,
                    "addressPrefixes": prefixes}})
            })
            .collect();
        doc["serviceTags"] = json!({"changeNumber": 1, "cloud": "Public", "values": values});
    }
    if !draw.asgs.is_empty() {
        let asgs: serde_json::Map<String, Value> = draw
            .asgs
            .iter()
            .map(|(name, members)| (name.clone(), json!(members)))
            .collect();
        doc["asgs"] = Value::Object(asgs);
    }
    doc
}

/// Azure's extreme: a NIC NSG of `rules` rules, every one with `per_side` scattered `/32`
/// sources and destinations (Azure's limit is 4,000 per side).
pub fn extreme(rules: usize, per_side: usize, seed: u64) -> Value {
    let mut g = Gen::new(seed);
    let nsg = |name: &str, g: &mut Gen| {
        let security_rules: Vec<Value> = (0..rules)
            .map(|i| {
                let hosts = |g: &mut Gen| (0..per_side).map(|_| v4(public_v4(g), 32)).collect();
                nsg_rule(
                    name,
                    i,
                    if i % 2 == 0 { "Inbound" } else { "Outbound" },
                    access(g, 20),
                    "Tcp",
                    hosts(g),
                    hosts(g),
                    ports(g, 1, 3),
                )
            })
            .collect();
        json!({"name": name, "properties": {"securityRules": security_rules}})
    };
    json!({
        "version": 1,
        "title": format!("extreme: {rules} rules of {per_side} prefixes per side"),
        "nicNsg": nsg("nsg-nic", &mut g),
    })
}

/// The inputs of a generated scenario document (a generated document always reads and
/// imports).
pub fn inputs(doc: &Value) -> flowverify::Inputs {
    let text = doc.to_string();
    let scenario =
        flowverify::Scenario::from_json("stack.json", &text).expect("generated scenario reads");
    scenario
        .inputs("stack.json")
        .expect("generated scenario imports")
}

/// The one-rule change of the diff benchmark: the scenario with its NIC NSG's first inbound
/// rule's access turned (an effective stack: the subnet entry's).
pub fn one_rule_change(before: &Value) -> Value {
    let mut after = before.clone();
    let turn = |rule: &mut Value| {
        let access = if rule.get("properties").is_some() {
            &mut rule["properties"]["access"]
        } else {
            &mut rule["access"]
        };
        *access = json!(if access == "Allow" { "Deny" } else { "Allow" });
    };
    let rules = if after.pointer("/nicNsg").is_some() {
        after.pointer_mut("/nicNsg/properties/securityRules")
    } else {
        after.pointer_mut("/effectiveRules/value/1/effectiveSecurityRules")
    };
    if let Some(first) = rules
        .and_then(|r| r.as_array_mut())
        .and_then(|r| r.first_mut())
    {
        turn(first);
    }
    after
}
