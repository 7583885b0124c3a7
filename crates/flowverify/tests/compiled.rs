//! Compiled verdicts agree with the trace evaluator: random scenarios (IPv4 and IPv6, tags
//! defined and not, ASGs with and without membership, network groups, bare numbers, admin
//! configurations, effective rules with expanded prefixes, rules with warnings, no virtual
//! network prefixes, input notes) and random flows biased to the rules' boundaries (first and
//! last address of every prefix and its neighbours, first and last port of every range and
//! theirs, port `*`); every field of the answer is compared with `verify_with`, and the
//! verdict without trace `Compiled::verify` builds equals the reference's in full.

use std::net::IpAddr;

use flowverify::compiled::{Answer, Compiled};
use flowverify::model::{
    Access, AddressEntry, AddressSide, AdminConfiguration, Direction, EffectiveRules, Nsg,
    PortRange, PortSide, Protocol, Rule, RuleKind, RuleProtocol,
};
use flowverify::verdict::Warning;
use flowverify::{verify_with, Decision, Endpoint, Flow, Inputs, Layer, Options, Verdict};
use ipnet::IpNet;
use proptest::prelude::*;

const V4_POOL: [&str; 10] = [
    "10.0.1.4",
    "10.0.1.5",
    "10.0.2.4",
    "10.1.0.9",
    "203.0.113.7",
    "198.51.100.9",
    "168.63.129.16",
    "20.60.1.1",
    "0.0.0.0",
    "255.255.255.255",
];
const V6_POOL: [&str; 6] = [
    "2001:db8::4",
    "2001:db8::1:7",
    "fd00::4",
    "fd00::9",
    "::",
    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
];
const TAGS: [&str; 7] = [
    "VirtualNetwork",
    "Internet",
    "AzureLoadBalancer",
    "Storage",
    "Sql.WestUS",
    "internet",
    "AzureCloud",
];
const ASGS: [&str; 3] = ["asg-web", "asg-db", "asg-none"];

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn net() -> impl Strategy<Value = IpNet> {
    prop_oneof![
        3 => (prop::sample::select(V4_POOL.to_vec()), prop::sample::select(vec![0u8, 1, 8, 16, 24, 30, 31, 32]))
            .prop_map(|(a, len)| IpNet::new(ip(a), len).unwrap().trunc()),
        2 => (prop::sample::select(V6_POOL.to_vec()), prop::sample::select(vec![0u8, 3, 16, 32, 64, 127, 128]))
            .prop_map(|(a, len)| IpNet::new(ip(a), len).unwrap().trunc()),
    ]
}

fn entry() -> impl Strategy<Value = AddressEntry> {
    prop_oneof![
        1 => Just(AddressEntry::Any),
        6 => net().prop_map(AddressEntry::Prefix),
        3 => prop::sample::select(TAGS.to_vec()).prop_map(|t| AddressEntry::Tag(t.to_string())),
        2 => prop::sample::select(ASGS.to_vec()).prop_map(|a| AddressEntry::Asg(a.to_string())),
        1 => prop::collection::vec(net(), 0..3).prop_map(|prefixes| AddressEntry::Expanded {
            label: "Storage".into(),
            prefixes,
        }),
        1 => Just(AddressEntry::NetworkGroup("ng-web".into())),
        1 => Just(AddressEntry::BareNumber("789".into())),
    ]
}

fn side() -> impl Strategy<Value = AddressSide> {
    prop::collection::vec(entry(), 0..3).prop_map(AddressSide::from_entries)
}

fn ports() -> impl Strategy<Value = PortSide> {
    let range = prop_oneof![
        Just(PortRange::ALL),
        prop::sample::select(vec![0u16, 22, 80, 443, 3389, 50000, 65535])
            .prop_map(|p| PortRange::new(p, p).unwrap()),
        (0u16..40000, 0u16..30000)
            .prop_map(|(a, len)| PortRange::new(a, a.saturating_add(len)).unwrap()),
        Just(PortRange::new(0, 1000).unwrap()),
        Just(PortRange::new(1001, 65535).unwrap()),
    ];
    prop::collection::vec(range, 0..3).prop_map(PortSide::from_ranges)
}

fn protocol() -> impl Strategy<Value = RuleProtocol> {
    prop_oneof![
        2 => Just(RuleProtocol::Any),
        3 => prop::sample::select(Protocol::ALL.to_vec()).prop_map(RuleProtocol::Only),
    ]
}

/// A rule without name or priority (both are assigned to keep them unique).
fn rule_body(admin: bool) -> impl Strategy<Value = Rule> {
    let accesses = if admin {
        vec![Access::Allow, Access::Deny, Access::AlwaysAllow]
    } else {
        vec![Access::Allow, Access::Deny]
    };
    (
        prop::sample::select(vec![Direction::Inbound, Direction::Outbound]),
        prop::sample::select(accesses),
        protocol(),
        side(),
        ports(),
        side(),
        ports(),
        0u8..8,
    )
        .prop_map(
            move |(
                direction,
                access,
                protocol,
                source,
                source_ports,
                destination,
                destination_ports,
                warned,
            )| Rule {
                name: String::new(),
                kind: if admin {
                    RuleKind::Admin
                } else {
                    RuleKind::User
                },
                priority: 0,
                direction,
                access,
                protocol,
                source,
                source_ports,
                destination,
                destination_ports,
                collection: None,
                warnings: if warned == 0 {
                    vec!["rule read with a warning".into()]
                } else {
                    Vec::new()
                },
            },
        )
}

/// Rules with names; priorities from a small range, so that some are equal (input order then
/// decides).
fn rules(admin: bool, max: usize) -> impl Strategy<Value = Vec<Rule>> {
    let (lo, hi) = if admin { (1u32, 40u32) } else { (100, 140) };
    (
        prop::collection::vec(rule_body(admin), 0..max),
        prop::collection::vec(lo..hi, max),
    )
        .prop_map(|(mut rules, priorities)| {
            for (i, (r, p)) in rules.iter_mut().zip(priorities).enumerate() {
                r.priority = p;
                r.name = format!("r{i}-{p}");
            }
            rules
        })
}

fn default_rules() -> Vec<Rule> {
    let mk = |name: &str, priority, direction, access, src: &str, dst: &str| Rule {
        name: name.into(),
        kind: RuleKind::Default,
        priority,
        direction,
        access,
        protocol: RuleProtocol::Any,
        source: AddressSide::from_entries(vec![AddressEntry::parse(src).unwrap()]),
        source_ports: PortSide::any(),
        destination: AddressSide::from_entries(vec![AddressEntry::parse(dst).unwrap()]),
        destination_ports: PortSide::any(),
        collection: None,
        warnings: Vec::new(),
    };
    use Access::*;
    use Direction::*;
    vec![
        mk(
            "AllowVnetInBound",
            65000,
            Inbound,
            Allow,
            "VirtualNetwork",
            "VirtualNetwork",
        ),
        mk(
            "AllowAzureLoadBalancerInBound",
            65001,
            Inbound,
            Allow,
            "AzureLoadBalancer",
            "*",
        ),
        mk("DenyAllInBound", 65500, Inbound, Deny, "*", "*"),
        mk(
            "AllowVnetOutBound",
            65000,
            Outbound,
            Allow,
            "VirtualNetwork",
            "VirtualNetwork",
        ),
        mk(
            "AllowInternetOutBound",
            65001,
            Outbound,
            Allow,
            "*",
            "Internet",
        ),
        mk("DenyAllOutBound", 65500, Outbound, Deny, "*", "*"),
    ]
}

/// An NSG, most often with its default rules (without them, it may match no rule).
fn nsg(name: &'static str) -> impl Strategy<Value = Option<Nsg>> {
    prop::option::weighted(
        0.7,
        (rules(false, 14), prop::bool::weighted(0.85)).prop_map(move |(mut rules, defaults)| {
            if defaults {
                rules.extend(default_rules());
            }
            Nsg {
                name: name.into(),
                rules,
            }
        }),
    )
}

fn admin_config(i: usize) -> impl Strategy<Value = AdminConfiguration> {
    rules(true, 8).prop_map(move |rules| AdminConfiguration {
        name: format!("cfg{i}"),
        rules,
    })
}

fn effective() -> impl Strategy<Value = Option<EffectiveRules>> {
    prop::option::weighted(
        0.3,
        (
            prop::option::of(admin_config(9)),
            nsg("eff-subnet"),
            nsg("eff-nic"),
        )
            .prop_map(|(admin, subnet, nic)| EffectiveRules {
                admin,
                subnet,
                nic,
                tag_map: Vec::new(),
            }),
    )
}

fn inputs() -> impl Strategy<Value = Inputs> {
    (
        nsg("nsg-subnet"),
        nsg("nsg-nic"),
        prop::collection::vec(0usize..1, 0..3)
            .prop_flat_map(|v| (0..v.len()).map(admin_config).collect::<Vec<_>>()),
        effective(),
        0u8..3,
        any::<bool>(),
        any::<bool>(),
        0u8..4,
    )
        .prop_map(
            |(subnet_nsg, nic_nsg, admin, effective, vnet, storage, asgs, notes)| {
                let mut inputs = Inputs::new();
                inputs.subnet_nsg = subnet_nsg;
                inputs.nic_nsg = nic_nsg;
                inputs.admin = admin;
                inputs.effective = effective;
                inputs.virtual_network = match vnet {
                    0 => Vec::new(),
                    1 => vec!["10.0.0.0/16".parse().unwrap(), "fd00::/64".parse().unwrap()],
                    _ => vec!["10.0.1.0/24".parse().unwrap()],
                };
                if storage {
                    inputs
                        .service_tags
                        .insert("Storage", vec!["20.60.0.0/16".parse().unwrap()]);
                    // A file may redefine a built-in tag.
                    inputs
                        .service_tags
                        .insert("AzureLoadBalancer", vec!["10.0.2.0/24".parse().unwrap()]);
                }
                if asgs {
                    inputs.asgs = vec![
                        ("asg-web".into(), vec![ip("10.0.1.4"), ip("fd00::4")]),
                        ("ASG-DB".into(), vec![ip("10.0.2.4")]),
                    ];
                }
                if notes == 0 {
                    inputs.notes = vec!["doc.json: a note".into(), "doc.json: a note".into()];
                }
                inputs
            },
        )
}

/// Every address and port a rule of `inputs` has a boundary at, with its neighbours.
fn boundaries(inputs: &Inputs) -> (Vec<IpAddr>, Vec<IpAddr>, Vec<u16>) {
    let mut v4: Vec<IpAddr> = V4_POOL.iter().map(|a| ip(a)).collect();
    let mut v6: Vec<IpAddr> = V6_POOL.iter().map(|a| ip(a)).collect();
    let mut ports = vec![0u16, 1, 22, 80, 443, 65534, 65535];
    let add_net = |n: &IpNet, v4: &mut Vec<IpAddr>, v6: &mut Vec<IpAddr>| match n {
        IpNet::V4(n) => {
            let lo = u32::from(n.network());
            let hi = u32::from(n.broadcast());
            for x in [lo, hi, lo.wrapping_sub(1), hi.wrapping_add(1)] {
                v4.push(IpAddr::from(x.to_be_bytes()));
            }
        }
        IpNet::V6(n) => {
            let lo = u128::from(n.network());
            let hi = u128::from(n.broadcast());
            for x in [lo, hi, lo.wrapping_sub(1), hi.wrapping_add(1)] {
                v6.push(IpAddr::from(x.to_be_bytes()));
            }
        }
    };
    let mut layers: Vec<&[Rule]> = Vec::new();
    for c in inputs.admin_layers() {
        layers.push(&c.rules);
    }
    for d in [Direction::Inbound, Direction::Outbound] {
        for (_, nsg) in inputs.nsg_chain(d) {
            if let Some(nsg) = nsg {
                layers.push(&nsg.rules);
            }
        }
    }
    for n in &inputs.virtual_network {
        add_net(n, &mut v4, &mut v6);
    }
    for rule in layers.into_iter().flatten() {
        for side in [&rule.source, &rule.destination] {
            for e in side.entries() {
                match e {
                    AddressEntry::Prefix(n) => add_net(n, &mut v4, &mut v6),
                    AddressEntry::Expanded { prefixes, .. } => {
                        prefixes.iter().for_each(|n| add_net(n, &mut v4, &mut v6))
                    }
                    _ => {}
                }
            }
        }
        for side in [&rule.source_ports, &rule.destination_ports] {
            for r in side.ranges() {
                for p in [
                    r.start(),
                    r.end(),
                    r.start().wrapping_sub(1),
                    r.end().wrapping_add(1),
                ] {
                    ports.push(p);
                }
            }
        }
    }
    for a in [
        "168.63.129.15",
        "168.63.129.17",
        "9.255.255.255",
        "11.0.0.0",
        "1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        "4000::",
        "20.60.0.0",
        "10.0.2.255",
    ] {
        match ip(a) {
            x @ IpAddr::V4(_) => v4.push(x),
            x => v6.push(x),
        }
    }
    (v4, v6, ports)
}

/// A flow picked by `seed` from the boundaries of `inputs`.
fn flow_from(seed: u64, inputs: &Inputs) -> Flow {
    let (v4, v6, ports) = boundaries(inputs);
    let mut state = seed | 1;
    let mut next = move |n: usize| -> usize {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n.max(1) as u64) as usize
    };
    let direction = if next(2) == 0 {
        Direction::Inbound
    } else {
        Direction::Outbound
    };
    let protocol = Protocol::ALL[next(5)];
    let pool = if next(3) == 0 { &v6 } else { &v4 };
    let local = pool[next(pool.len())];
    let remote = pool[next(pool.len())];
    let end = |ip: IpAddr, next: &mut dyn FnMut(usize) -> usize| {
        if !protocol.has_ports() {
            return Endpoint::new(ip, None);
        }
        if next(7) == 0 {
            Endpoint::with_any_port(ip)
        } else {
            Endpoint::new(ip, Some(ports[next(ports.len())]))
        }
    };
    let local = end(local, &mut next);
    let remote = end(remote, &mut next);
    Flow::new(direction, protocol, local, remote).unwrap()
}

/// Every field of `answer` is the reference verdict's.
fn agrees(
    compiled: &Compiled,
    answer: Answer,
    reference: &Verdict,
    notes: &[Warning],
) -> Result<(), TestCaseError> {
    prop_assert_eq!(answer.access, reference.access);
    prop_assert_eq!(
        answer.rule.map(|r| compiled.rule_name(r).to_string()),
        reference.rule_name.clone()
    );
    prop_assert_eq!(answer.layer, reference.decided_by.layer);
    prop_assert_eq!(
        answer.rule.map(|r| compiled.resource(r).to_string()),
        reference.decided_by.resource.clone()
    );
    prop_assert_eq!(answer.uncertain, reference.uncertain);
    // Quiet is conservative (a rule naming `VirtualNetwork` without prefixes is not quiet even
    // when an earlier entry of its side matched), never wrong.
    if answer.quiet() {
        prop_assert_eq!(reference.warnings.as_slice(), notes);
    }
    Ok(())
}

fn note_warnings(inputs: &Inputs) -> Vec<Warning> {
    inputs
        .notes
        .iter()
        .map(|n| Warning::new(flowverify::verdict::WarningKind::Input, n.clone()))
        .collect()
}

const QUIET: Options = Options { trace: false };

proptest! {
    #![proptest_config(ProptestConfig { cases: 768, ..ProptestConfig::default() })]

    #[test]
    fn compiled_verdicts_agree_with_the_reference(
        inputs in inputs(),
        seeds in prop::collection::vec(any::<u64>(), 24),
    ) {
        let compiled = Compiled::new(&inputs);
        prop_assert!(compiled.is_compiled());
        let notes = note_warnings(&inputs);
        for seed in seeds {
            let flow = flow_from(seed, &inputs);
            let reference = verify_with(&inputs, &flow, QUIET);
            agrees(&compiled, compiled.verdict(&flow), &reference, &notes)?;
            // The whole verdict without trace, every field.
            prop_assert_eq!(compiled.verify(&flow, QUIET), reference);
        }
    }

    #[test]
    fn uncompiled_inputs_answer_the_same(
        inputs in inputs(),
        seeds in prop::collection::vec(any::<u64>(), 8),
        limit in 0usize..4096,
    ) {
        let compiled = Compiled::with_limit(inputs.clone(), limit);
        let notes = note_warnings(&inputs);
        for seed in seeds {
            let flow = flow_from(seed, &inputs);
            let reference = verify_with(&inputs, &flow, QUIET);
            agrees(&compiled, compiled.verdict(&flow), &reference, &notes)?;
            prop_assert_eq!(compiled.verify(&flow, QUIET), reference);
        }
    }

    #[test]
    fn the_trace_comes_from_the_reference(inputs in inputs(), seed in any::<u64>()) {
        let compiled = Compiled::new(&inputs);
        let flow = flow_from(seed, &inputs);
        let traced = Options { trace: true };
        prop_assert_eq!(compiled.verify(&flow, traced), verify_with(&inputs, &flow, traced));
    }

    #[test]
    fn any_address_never_panics(
        inputs in inputs(),
        d in any::<bool>(), p in 0usize..5,
        l in any::<[u8; 16]>(), r in any::<[u8; 16]>(),
        lp in any::<u16>(), rp in any::<u16>(), v6 in any::<bool>(),
    ) {
        let mk = |b: [u8; 16]| -> IpAddr {
            if v6 { IpAddr::from(b) } else { IpAddr::from([b[0], b[1], b[2], b[3]]) }
        };
        let protocol = Protocol::ALL[p];
        let ports = protocol.has_ports();
        let direction = if d { Direction::Inbound } else { Direction::Outbound };
        let flow = Flow::new(direction, protocol,
            Endpoint::new(mk(l), ports.then_some(lp)), Endpoint::new(mk(r), ports.then_some(rp))).unwrap();
        let compiled = Compiled::new(&inputs);
        let reference = verify_with(&inputs, &flow, QUIET);
        agrees(&compiled, compiled.verdict(&flow), &reference, &note_warnings(&inputs))?;
    }
}

#[test]
fn batch_answers_each_flow() {
    let mut inputs = Inputs::new();
    inputs.nic_nsg = Some(Nsg {
        name: "nsg".into(),
        rules: default_rules(),
    });
    inputs.virtual_network = vec!["10.0.0.0/16".parse().unwrap()];
    let compiled = Compiled::new(&inputs);
    let flows = [
        Flow::parse("Inbound", "Tcp", "10.0.1.4:22", "10.0.2.4:5000").unwrap(),
        Flow::parse("Inbound", "Tcp", "10.0.1.4:22", "203.0.113.7:5000").unwrap(),
        Flow::parse("Outbound", "Udp", "10.0.1.4:5000", "8.8.8.8:53").unwrap(),
    ];
    let mut out = Vec::new();
    compiled.verdicts(&flows, &mut out);
    let names: Vec<(Decision, &str, Layer)> = out
        .iter()
        .map(|a| (a.access, compiled.rule_name(a.rule.unwrap()), a.layer))
        .collect();
    assert_eq!(
        names,
        [
            (
                Decision::Allow,
                "defaultSecurityRules/AllowVnetInBound",
                Layer::Nic
            ),
            (
                Decision::Deny,
                "defaultSecurityRules/DenyAllInBound",
                Layer::Nic
            ),
            (
                Decision::Allow,
                "defaultSecurityRules/AllowInternetOutBound",
                Layer::Nic
            ),
        ]
    );
}

/// `check`'s loop compiles a scenario with many flows (and no trace): every verdict and
/// outcome is still the reference evaluator's.
#[test]
fn checks_of_many_flows_are_the_reference_verdicts() {
    use flowverify::scenario::Scenario;
    let rule = |name: &str, priority: u32, access: &str, src: &str, port: &str| {
        serde_json::json!({"name": name, "properties": {
            "priority": priority, "direction": "Inbound", "access": access, "protocol": "Tcp",
            "sourceAddressPrefix": src, "sourcePortRange": "*",
            "destinationAddressPrefix": "*", "destinationPortRange": port}})
    };
    let flows: Vec<serde_json::Value> = (0..600u32)
        .map(|i| {
            let expect = match i % 3 {
                0 => serde_json::json!("Allow"),
                1 => serde_json::json!({"access": "Deny", "ruleName": "securityRules/DenyRdp"}),
                _ => serde_json::Value::Null,
            };
            serde_json::json!({
                "direction": if i % 2 == 0 { "Inbound" } else { "Outbound" },
                "protocol": "Tcp",
                "local": format!("10.0.1.{}:{}", i % 250, [22, 80, 443, 3389][(i % 4) as usize]),
                "remote": if i % 5 == 0 { format!("10.0.2.{}:50000", i % 200) } else { format!("203.0.113.{}:*", i % 200) },
                "expect": expect,
            })
        })
        .collect();
    let scenario = serde_json::json!({
        "version": 1,
        "virtualNetwork": ["10.0.0.0/16"],
        "subnetNsg": {"name": "nsg-subnet", "securityRules": [
            rule("AllowWeb", 100, "Allow", "Internet", "80,443"),
            rule("AllowStorage", 110, "Allow", "Storage.WestUS", "443"),
            rule("DenyRdp", 120, "Deny", "*", "3389"),
        ]},
        "nicNsg": {"name": "nsg-nic", "securityRules": [rule("AllowAll", 100, "Allow", "*", "*")]},
        "flows": flows,
    });
    let scenario = Scenario::from_json("many.json", &scenario.to_string()).unwrap();
    let inputs = scenario.inputs("many.json").unwrap();
    let checks = scenario.into_checks("many.json", QUIET).unwrap();
    assert_eq!(checks.len(), 600);
    let mut uncertain = 0;
    for check in checks {
        let reference = verify_with(&inputs, &check.flow, QUIET);
        assert_eq!(check.outcome, check.spec.outcome(&reference));
        uncertain += usize::from(reference.uncertain);
        assert_eq!(check.verdict, reference, "flows[{}]", check.index);
    }
    assert!(
        uncertain > 0,
        "the port * flows meet a rule for some ports only"
    );
}
