//! Invariants that must hold for any rule set, checked with generated inputs: the evaluator
//! agrees with the reference evaluator; the verdict does not depend on the order rules appear
//! in; the first matching rule by priority decides; each direction walks the right NSG order;
//! nothing panics.

mod reference;

use std::net::IpAddr;

use flowverify::model::{
    Access, AddressEntry, AddressSide, AdminConfiguration, Direction, Nsg, PortRange, PortSide,
    Protocol, Rule, RuleKind, RuleProtocol,
};
use flowverify::scenario::{Expectation, FlowSpec, Outcome, Standing, Tally};
use flowverify::verdict::{Condition, Decision, Layer, LayerDecision, LayerOutcome};
use flowverify::{verify, verify_with, Endpoint, Flow, Inputs, Options};
use ipnet::IpNet;
use proptest::prelude::*;

const V4_POOL: [&str; 8] = [
    "10.0.1.4",
    "10.0.1.5",
    "10.0.2.4",
    "10.1.0.9",
    "203.0.113.7",
    "198.51.100.9",
    "168.63.129.16",
    "20.60.1.1",
];
const V6_POOL: [&str; 4] = ["2001:db8::4", "2001:db8::1:7", "fd00::4", "fd00::9"];
const TAGS: [&str; 5] = [
    "VirtualNetwork",
    "Internet",
    "AzureLoadBalancer",
    "Storage",
    "Sql.WestUS",
];
const ASGS: [&str; 3] = ["asg-web", "asg-db", "asg-none"];

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn entry() -> impl Strategy<Value = AddressEntry> {
    prop_oneof![
        1 => Just(AddressEntry::Any),
        4 => (prop::sample::select(V4_POOL.to_vec()), prop::sample::select(vec![8u8, 16, 24, 30, 32]))
            .prop_map(|(a, len)| AddressEntry::Prefix(IpNet::new(ip(a), len).unwrap().trunc())),
        2 => (prop::sample::select(V6_POOL.to_vec()), prop::sample::select(vec![16u8, 32, 64, 128]))
            .prop_map(|(a, len)| AddressEntry::Prefix(IpNet::new(ip(a), len).unwrap().trunc())),
        2 => prop::sample::select(TAGS.to_vec()).prop_map(|t| AddressEntry::Tag(t.to_string())),
        1 => prop::sample::select(ASGS.to_vec()).prop_map(|a| AddressEntry::Asg(a.to_string())),
        // An effective rule's expanded list: its prefixes belong to their own family, /0 and
        // host bits included.
        1 => prop::collection::vec(prop::sample::select(ODD_PREFIXES.to_vec()), 1..3)
            .prop_map(|p| AddressEntry::Expanded {
                label: "Expanded".into(),
                prefixes: p.iter().map(|n| n.parse().unwrap()).collect(),
            }),
    ]
}

/// Prefixes of either family as Azure may give them in a tag, `VirtualNetwork` or an expanded
/// list: `/0` of each family (with host bits too), host bits, ordinary blocks.
const ODD_PREFIXES: [&str; 8] = [
    "0.0.0.0/0",
    "::/0",
    "0.0.0.5/0",
    "10.0.1.7/24",
    "203.0.113.0/24",
    "fd00::/64",
    "2001:db8::1/16",
    "::5/0",
];

fn side() -> impl Strategy<Value = AddressSide> {
    prop::collection::vec(entry(), 0..3).prop_map(AddressSide::from_entries)
}

fn ports() -> impl Strategy<Value = PortSide> {
    let range = prop_oneof![
        Just(PortRange::ALL),
        prop::sample::select(vec![22u16, 80, 443, 3389, 50000])
            .prop_map(|p| PortRange::new(p, p).unwrap()),
        (0u16..40000, 0u16..30000)
            .prop_map(|(a, len)| PortRange::new(a, a.saturating_add(len)).unwrap()),
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
                warnings: Vec::new(),
            },
        )
}

/// Rules with distinct priorities (drawn from `lo..hi`) and names.
fn rules(admin: bool, max: usize) -> impl Strategy<Value = Vec<Rule>> {
    let (lo, hi) = if admin { (1u32, 4097u32) } else { (100, 4097) };
    (
        prop::collection::vec(rule_body(admin), 0..max),
        prop::collection::btree_set(lo..hi, max),
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

fn nsg(name: &'static str, max: usize) -> impl Strategy<Value = Option<Nsg>> {
    prop::option::weighted(
        0.8,
        rules(false, max).prop_map(move |mut rules| {
            rules.extend(default_rules());
            Nsg {
                name: name.into(),
                rules,
            }
        }),
    )
}

fn inputs() -> impl Strategy<Value = Inputs> {
    inputs_of(12, 6)
}

/// Inputs of at most `nsg_rules` rules per NSG and `admin_rules` per admin configuration.
fn inputs_of(nsg_rules: usize, admin_rules: usize) -> impl Strategy<Value = Inputs> {
    (
        nsg("nsg-subnet", nsg_rules),
        nsg("nsg-nic", nsg_rules),
        prop::collection::vec(rules(true, admin_rules), 0..3),
        prop::option::of(prop::collection::vec(
            prop::sample::select(ODD_PREFIXES.to_vec()),
            1..3,
        )),
        prop::option::of(prop::collection::vec(
            prop::sample::select(ODD_PREFIXES.to_vec()),
            1..3,
        )),
    )
        .prop_map(|(subnet_nsg, nic_nsg, admin, vnet, storage)| {
            let mut inputs = Inputs::new();
            inputs.subnet_nsg = subnet_nsg;
            inputs.nic_nsg = nic_nsg;
            inputs.admin = admin
                .into_iter()
                .enumerate()
                .map(|(i, rules)| AdminConfiguration {
                    name: format!("cfg{i}"),
                    rules,
                })
                .collect();
            // VirtualNetwork and the Storage tag: the usual blocks, or odd ones (`/0` of a
            // family, host bits), which belong to their own family everywhere.
            match vnet {
                Some(odd) if odd.len() == 1 => {
                    inputs.virtual_network = odd.iter().map(|n| n.parse().unwrap()).collect();
                }
                Some(_) => {
                    inputs.virtual_network =
                        vec!["10.0.0.0/16".parse().unwrap(), "fd00::/64".parse().unwrap()];
                }
                None => {}
            }
            match storage {
                Some(odd) if odd.len() == 1 => inputs
                    .service_tags
                    .insert("Storage", odd.iter().map(|n| n.parse().unwrap()).collect()),
                Some(_) => inputs
                    .service_tags
                    .insert("Storage", vec!["20.60.0.0/16".parse().unwrap()]),
                None => {}
            }
            inputs.asgs = vec![
                ("asg-web".into(), vec![ip("10.0.1.4"), ip("fd00::4")]),
                ("asg-db".into(), vec![ip("10.0.2.4")]),
            ];
            inputs
        })
}

fn flow() -> impl Strategy<Value = Flow> {
    (
        prop::sample::select(vec![Direction::Inbound, Direction::Outbound]),
        prop::sample::select(Protocol::ALL.to_vec()),
        any::<bool>(),
        0usize..8,
        0usize..8,
        prop::sample::select(vec![22u16, 80, 443, 3389, 50000, 0, 65535]),
        prop::sample::select(vec![22u16, 80, 443, 3389, 50000, 1024]),
        0u8..8,
    )
        .prop_map(|(direction, protocol, v6, l, r, lp, rp, star)| {
            let (l, r) = if v6 {
                (ip(V6_POOL[l % 4]), ip(V6_POOL[r % 4]))
            } else {
                (ip(V4_POOL[l]), ip(V4_POOL[r]))
            };
            let (lp, rp) = if protocol.has_ports() {
                (Some(lp), Some(rp))
            } else {
                (None, None)
            };
            // Now and then a port `*` (any port) on one side, as IP flow verify accepts.
            let end = |ip, port: Option<u16>, star: bool| match port {
                Some(_) if star => Endpoint::with_any_port(ip),
                p => Endpoint::new(ip, p),
            };
            Flow::new(
                direction,
                protocol,
                end(l, lp, star == 1),
                end(r, rp, star == 2),
            )
            .unwrap()
        })
}

fn layer_name(layer: Layer) -> &'static str {
    layer.as_str()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn agrees_with_the_reference_evaluator(inputs in inputs(), flow in flow()) {
        let v = verify(&inputs, &flow);
        let r = reference::answer(&inputs, &flow);
        prop_assert_eq!(v.access.as_str(), r.access);
        prop_assert_eq!(v.rule_name, r.rule_name);
        prop_assert_eq!(layer_name(v.decided_by.layer), r.layer);
    }

    #[test]
    fn trace_does_not_change_the_verdict(inputs in inputs(), flow in flow()) {
        let full = verify(&inputs, &flow);
        let quiet = verify_with(&inputs, &flow, Options { trace: false });
        prop_assert_eq!(full.access, quiet.access);
        prop_assert_eq!(full.rule_name, quiet.rule_name);
        prop_assert_eq!(full.decided_by, quiet.decided_by);
        prop_assert_eq!(full.uncertain, quiet.uncertain);
        prop_assert_eq!(full.warnings, quiet.warnings);
    }

    #[test]
    fn verdict_does_not_depend_on_rule_order(inputs in inputs(), flow in flow(), seed in any::<u64>()) {
        let mut shuffled = inputs.clone();
        let mut state = seed | 1;
        let mut shuffle = |rules: &mut Vec<Rule>| {
            for i in (1..rules.len()).rev() {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                rules.swap(i, (state % (i as u64 + 1)) as usize);
            }
        };
        if let Some(n) = shuffled.subnet_nsg.as_mut() { shuffle(&mut n.rules) }
        if let Some(n) = shuffled.nic_nsg.as_mut() { shuffle(&mut n.rules) }
        for c in shuffled.admin.iter_mut() { shuffle(&mut c.rules) }
        let a = verify(&inputs, &flow);
        let b = verify(&shuffled, &flow);
        prop_assert_eq!(a.access, b.access);
        prop_assert_eq!(a.rule_name, b.rule_name);
        prop_assert_eq!(a.decided_by, b.decided_by);
        prop_assert_eq!(a.trace, b.trace);
    }

    #[test]
    fn first_matching_rule_by_priority_decides_each_layer(inputs in inputs(), flow in flow()) {
        let v = verify(&inputs, &flow);
        for layer in &v.trace {
            let priorities: Vec<u32> = layer.rules.iter().map(|r| r.priority).collect();
            prop_assert!(priorities.windows(2).all(|w| w[0] <= w[1]), "not in priority order: {:?}", priorities);
            let (last, before) = match layer.rules.split_last() {
                Some(split) => split,
                None => { prop_assert_eq!(layer.decision, LayerDecision::NoMatch); continue; }
            };
            prop_assert!(before.iter().all(|r| !r.matched && r.reason.is_some()));
            prop_assert_eq!(last.matched, layer.decision != LayerDecision::NoMatch);
            for r in &layer.rules {
                let all = r.conditions.iter().all(|c| *c == Condition::Holds);
                prop_assert_eq!(all, r.matched);
                // An unknown condition makes the rule uncertain, never matched.
                if r.conditions.contains(&Condition::Unknown) {
                    prop_assert!(!r.matched);
                }
            }
        }
        if let Some(name) = &v.rule_name {
            let deciding = v.trace.iter().rev().find(|l| l.layer == v.decided_by.layer).unwrap();
            prop_assert_eq!(&deciding.rules.last().unwrap().name, name);
        }
    }

    #[test]
    fn each_direction_walks_its_nsg_order(inputs in inputs(), flow in flow()) {
        let v = verify(&inputs, &flow);
        let nsg_layers: Vec<Layer> = v.trace.iter().map(|l| l.layer).filter(|l| *l != Layer::Admin).collect();
        let expected: Vec<Layer> = match flow.direction() {
            Direction::Inbound => vec![Layer::Subnet, Layer::Nic],
            Direction::Outbound => vec![Layer::Nic, Layer::Subnet],
        };
        // The NSG layers seen are a prefix of the direction's order, skipping absent NSGs.
        let present: Vec<Layer> = expected.into_iter().filter(|l| match l {
            Layer::Subnet => inputs.subnet_layer().is_some(),
            _ => inputs.nic_layer().is_some(),
        }).collect();
        prop_assert!(present.starts_with(&nsg_layers), "{:?} vs {:?}", nsg_layers, present);
        // Admin layers always come first.
        let first_nsg = v.trace.iter().position(|l| l.layer != Layer::Admin).unwrap_or(v.trace.len());
        prop_assert!(v.trace[first_nsg..].iter().all(|l| l.layer != Layer::Admin));
    }

    #[test]
    fn evaluation_never_panics_on_any_flow(inputs in inputs(), d in any::<bool>(), p in 0usize..5,
                                           l in any::<[u8; 16]>(), r in any::<[u8; 16]>(),
                                           lp in any::<u16>(), rp in any::<u16>(), v6 in any::<bool>()) {
        let mk = |b: [u8; 16]| -> IpAddr {
            if v6 { IpAddr::from(b) } else { IpAddr::from([b[0], b[1], b[2], b[3]]) }
        };
        let protocol = Protocol::ALL[p];
        let ports = protocol.has_ports();
        let direction = if d { Direction::Inbound } else { Direction::Outbound };
        let flow = Flow::new(direction, protocol,
            Endpoint::new(mk(l), ports.then_some(lp)), Endpoint::new(mk(r), ports.then_some(rp))).unwrap();
        let v = verify(&inputs, &flow);
        // Serializable as the result object, always.
        let json = flowverify::ffi::result(&v);
        prop_assert!(json.get("access").is_some());
    }

    #[test]
    fn check_never_passes_what_it_did_not_check(
        inputs in inputs(),
        flows in prop::collection::vec((flow(), 0u8..4, any::<bool>()), 0..6),
    ) {
        let mut tally = Tally::default();
        let (mut with_expect, mut met) = (0, 0);
        for (flow, expect, upper) in flows {
            let verdict = verify(&inputs, &flow);
            let mut spec = FlowSpec::from_flow(&flow);
            spec.expect = match expect {
                0 => None,
                1 => Some(Expectation::access(Decision::Allow)),
                2 => Some(Expectation::access(Decision::Deny)),
                _ => Some(Expectation {
                    access: verdict.access,
                    rule_name: verdict.rule_name.clone().map(|r| if upper { r.to_uppercase() } else { r }),
                    layer: None,
                }),
            };
            let outcome = spec.outcome(&verdict);
            if let Some(e) = &spec.expect {
                with_expect += 1;
                let holds = e.access == verdict.access
                    && e.rule_name.as_ref().is_none_or(|r| {
                        verdict.rule_name.as_ref().is_some_and(|v| v.eq_ignore_ascii_case(r))
                    });
                met += usize::from(holds);
                prop_assert_eq!(outcome == Outcome::Passed, holds);
            } else {
                prop_assert_eq!(&outcome, &Outcome::Skipped);
            }
            tally.add(&outcome);
        }
        prop_assert_eq!(tally.passed, met);
        prop_assert_eq!(tally.passed + tally.failed, with_expect);
        match tally.standing() {
            Standing::Passed => prop_assert!(tally.passed > 0 && tally.failed == 0),
            Standing::Failed => prop_assert!(tally.failed > 0),
            Standing::NothingChecked => prop_assert_eq!(tally.passed + tally.failed, 0),
        }
    }

    #[test]
    fn the_path_walks_every_layer_and_blockers_are_its_denies(inputs in inputs(), flow in flow()) {
        let v = verify(&inputs, &flow);
        // Every layer the inputs have, in evaluation order.
        let mut layers: Vec<(Layer, String, &[Rule])> = inputs
            .admin_layers()
            .into_iter()
            .map(|c| (Layer::Admin, c.name.clone(), c.rules.as_slice()))
            .collect();
        for (layer, nsg) in inputs.nsg_chain(flow.direction()) {
            if let Some(nsg) = nsg {
                layers.push((layer, nsg.name.clone(), nsg.rules.as_slice()));
            }
        }
        prop_assert_eq!(v.path.len(), layers.len());
        for (step, (layer, resource, rules)) in v.path.iter().zip(&layers) {
            prop_assert_eq!(step.layer, *layer);
            prop_assert_eq!(&step.resource, resource);
            // What the layer decides on its own, by the reference evaluator.
            let own = reference::winner(&inputs, rules, &flow);
            prop_assert_eq!(step.rule.clone(), own.map(Rule::reported_name));
            let want = match (layer, own.map(|r| r.access)) {
                (_, None) => LayerOutcome::NoMatch,
                (_, Some(Access::Deny)) => LayerOutcome::Deny,
                (_, Some(Access::AlwaysAllow)) => LayerOutcome::AlwaysAllow,
                (Layer::Admin, Some(Access::Allow)) => LayerOutcome::PassToNsgs,
                (_, Some(Access::Allow)) => LayerOutcome::Allow,
            };
            prop_assert_eq!(step.outcome, want);
        }
        // The deciding layer: reached, and it names the verdict's rule; no layer after it is
        // reached; before it, only admin layers after an admin Allow are skipped.
        let deciding = v.path.iter().rposition(|s| s.reached && match v.decided_by.layer {
            Layer::None => false,
            layer => s.layer == layer
                && Some(&s.resource) == v.decided_by.resource.as_ref()
                && s.rule == v.rule_name,
        });
        match deciding {
            Some(d) => {
                prop_assert!(v.path[d + 1..].iter().all(|s| !s.reached), "{:?}", v.path);
                let mut passed = false;
                for s in &v.path[..d] {
                    prop_assert_eq!(s.reached, !(s.layer == Layer::Admin && passed));
                    passed |= s.reached && s.outcome == LayerOutcome::PassToNsgs;
                }
            }
            None => {
                prop_assert_eq!(v.decided_by.layer, Layer::None);
                prop_assert!(v.path.iter().all(|s| s.reached && s.outcome == LayerOutcome::NoMatch));
            }
        }
        let denies: Vec<String> = v.path.iter()
            .filter(|s| s.outcome == LayerOutcome::Deny)
            .filter_map(|s| s.rule.clone())
            .collect();
        match v.access {
            Decision::Deny => {
                let named: Vec<String> = v.blockers.iter().map(|b| b.rule.clone()).collect();
                prop_assert_eq!(&named, &denies);
                // Each with the place of its step.
                let places: Vec<(Layer, &str)> = v.path.iter()
                    .filter(|s| s.outcome == LayerOutcome::Deny && s.rule.is_some())
                    .map(|s| (s.layer, s.resource.as_str()))
                    .collect();
                let given: Vec<(Layer, &str)> = v.blockers.iter().map(|b| (b.layer, b.resource.as_str())).collect();
                prop_assert_eq!(given, places);
            }
            Decision::Allow => prop_assert!(v.blockers.is_empty()),
        }
    }
}

proptest! {
    // Each case builds the decision diagrams of both directions: fewer cases, same generators.
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn reach_regions_give_verify_s_verdict_for_every_flow(inputs in inputs(), flows in prop::collection::vec(flow(), 1..6)) {
        for direction in [Direction::Inbound, Direction::Outbound] {
            let reach = flowverify::reach::reach(&inputs, direction).unwrap();
            for flow in flows.iter().filter(|f| f.direction() == direction) {
                if flow.local().has_any_port() || flow.remote().has_any_port() {
                    continue;
                }
                let v = verify_with(&inputs, flow, Options { trace: false });
                let holding: Vec<_> = reach.regions.iter()
                    .filter(|r| reach.space.contains(r.flows, flow))
                    .collect();
                prop_assert_eq!(holding.len(), 1, "flow {} is in {} regions", flow.source(), holding.len());
                let r = holding[0];
                prop_assert_eq!(r.access, v.access);
                prop_assert_eq!(&r.rule_name, &v.rule_name);
                prop_assert_eq!(r.layer, v.decided_by.layer);
                prop_assert_eq!(&r.resource, &v.decided_by.resource);
                prop_assert_eq!(r.uncertain, v.uncertain, "uncertain for {:?}", flow);
            }
            // Each region is exactly its boxes, and its example verifies to it.
            let mut reach = reach;
            for region in reach.regions.clone() {
                let boxes = reach.space.boxes(region.flows);
                let mut rebuilt = flowverify::mdd::Set::EMPTY;
                for b in &boxes {
                    let one = reach.space.box_set(b).expect("a box of the space is named");
                    rebuilt = reach.space.sets().or(rebuilt, one);
                }
                prop_assert_eq!(rebuilt, region.flows);
                let example = reach.space.example(region.flows, direction).expect("regions are not empty");
                prop_assert_eq!(example.direction(), direction);
                let v = verify_with(&inputs, &example, Options { trace: false });
                prop_assert_eq!(v.access, region.access);
                prop_assert_eq!(&v.rule_name, &region.rule_name);
                prop_assert_eq!(v.uncertain, region.uncertain);
            }
        }
    }

    #[test]
    fn search_finds_what_verify_confirms_or_proves_there_is_none(
        inputs in inputs(),
        flows in prop::collection::vec(flow(), 1..8),
        direction in prop::sample::select(vec![Direction::Inbound, Direction::Outbound]),
        allow in any::<bool>(),
        port in prop::sample::select(vec!["*", "22", "80-443", "3389,50000"]),
    ) {
        use flowverify::search::{search, Query};
        let wanted = if allow { Decision::Allow } else { Decision::Deny };
        let query = Query {
            destination_ports: Query::ports(port).unwrap(),
            access: Some(wanted),
            ..Query::new(direction)
        };
        let mut found = search(&inputs, &query).unwrap();
        match found.example() {
            Some(example) => {
                let v = verify_with(&inputs, &example, Options { trace: false });
                prop_assert_eq!(v.access, wanted);
                prop_assert_eq!(example.direction(), direction);
                if let Some(p) = example.destination().port() {
                    prop_assert!(query.destination_ports.contains(p));
                }
            }
            None => {
                // A proof: no flow of the query gets the wanted access.
                for flow in flows.iter().filter(|f| f.direction() == direction) {
                    let port_in = match flow.destination().port() {
                        Some(p) => query.destination_ports.contains(p),
                        None => query.destination_ports.covers_all() && !flow.destination().has_any_port(),
                    };
                    if port_in && !flow.source().has_any_port() {
                        let v = verify_with(&inputs, flow, Options { trace: false });
                        prop_assert_ne!(v.access, wanted, "{:?} was missed", flow);
                    }
                }
            }
        }
    }
}

proptest! {
    // Lint walks every layer of both directions: fewer cases.
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn lint_reports_no_rule_shadowed_that_some_flow_first_matches(
        inputs in inputs(),
        flows in prop::collection::vec(flow(), 1..24),
    ) {
        use flowverify::lint::{lint, Kind};
        let findings = lint(&inputs).unwrap();
        for flow in flows.iter().filter(|f| !f.local().has_any_port() && !f.remote().has_any_port()) {
            let mut layers: Vec<(Layer, String, &[Rule])> = inputs
                .admin_layers()
                .into_iter()
                .map(|c| (Layer::Admin, c.name.clone(), c.rules.as_slice()))
                .collect();
            for (layer, nsg) in inputs.nsg_chain(flow.direction()) {
                if let Some(nsg) = nsg {
                    layers.push((layer, nsg.name.clone(), nsg.rules.as_slice()));
                }
            }
            for (layer, resource, rules) in layers {
                let Some(first) = reference::winner(&inputs, rules, flow) else { continue };
                let name = first.reported_name();
                prop_assert!(
                    !findings.iter().any(|f| f.kind == Kind::Shadowed
                        && f.direction == flow.direction()
                        && f.layer == layer
                        && f.resource.as_deref() == Some(resource.as_str())
                        && f.rule.as_deref() == Some(name.as_str())),
                    "{} is reported shadowed, but {:?} first-matches it", name, flow
                );
            }
        }
        for f in findings.iter().filter(|f| f.kind == Kind::Exposure) {
            let example = f.example.as_ref().expect("an exposure has an example");
            let v = verify_with(&inputs, example, Options { trace: false });
            prop_assert_eq!(v.access, Decision::Allow);
            prop_assert!(flowverify::tags::is_internet(example.remote().ip()));
        }
    }

    #[test]
    fn diff_regions_are_the_flows_whose_verdict_differs(
        before in inputs(),
        after in inputs(),
        flows in prop::collection::vec(flow(), 1..12),
    ) {
        let mut d = flowverify::diff::diff(&before, &after, &[Direction::Inbound, Direction::Outbound]).unwrap();
        for flow in flows.iter().filter(|f| !f.local().has_any_port() && !f.remote().has_any_port()) {
            let a = verify_with(&before, flow, Options { trace: false });
            let b = verify_with(&after, flow, Options { trace: false });
            let differs = a.access != b.access || a.rule_name != b.rule_name || a.decided_by.layer != b.decided_by.layer;
            let holding: Vec<_> = d.changes.iter()
                .filter(|c| c.direction == flow.direction() && d.space.contains(c.flows, flow))
                .collect();
            prop_assert_eq!(holding.len(), usize::from(differs), "{:?}", flow);
            if let Some(c) = holding.first() {
                prop_assert_eq!(c.before.access, a.access);
                prop_assert_eq!(&c.before.rule_name, &a.rule_name);
                prop_assert_eq!(c.after.access, b.access);
                prop_assert_eq!(&c.after.rule_name, &b.rule_name);
            }
        }
        // Every change's example changes as it says.
        for c in d.changes.clone() {
            let e = d.space.example(c.flows, c.direction).expect("changes are not empty");
            prop_assert_eq!(verify_with(&before, &e, Options { trace: false }).access, c.before.access);
            prop_assert_eq!(verify_with(&after, &e, Options { trace: false }).access, c.after.access);
        }
    }
}

/// Brute force over elementary flows: on small inputs, one flow for every combination of
/// elementary address and port classes (addresses grouped by which address entries of the
/// inputs hold them, by the simple reference evaluator's membership; ports by which port ranges
/// hold them), so that an answer about *every* flow can be checked flow by flow.
mod elementary {
    use super::*;
    use std::collections::BTreeMap;

    /// The boundaries of `net`: its first address and the one after its last.
    fn bounds(net: IpNet, out: &mut Vec<IpAddr>) {
        out.push(net.network());
        match net {
            IpNet::V4(n) => {
                if let Some(next) = u32::from(n.broadcast()).checked_add(1) {
                    out.push(IpAddr::V4(next.into()));
                }
            }
            IpNet::V6(n) => {
                if let Some(next) = u128::from(n.broadcast()).checked_add(1) {
                    out.push(IpAddr::V6(next.into()));
                }
            }
        }
    }

    /// Every rule of every layer, both directions.
    pub fn all_rules(inputs: &Inputs) -> Vec<&Rule> {
        let mut out: Vec<&Rule> = Vec::new();
        for c in inputs.admin_layers() {
            out.extend(&c.rules);
        }
        for nsg in [&inputs.subnet_nsg, &inputs.nic_nsg].into_iter().flatten() {
            out.extend(&nsg.rules);
        }
        out
    }

    /// One address per class: addresses are alike when the same entries hold them.
    pub fn addresses(inputs: &Inputs) -> Vec<IpAddr> {
        let mut entries: Vec<AddressEntry> = vec![
            AddressEntry::Tag("Internet".into()),
            AddressEntry::parse("168.63.129.16").unwrap(),
        ];
        let mut points: Vec<IpAddr> = vec![ip("0.0.0.0"), ip("::")];
        for rule in all_rules(inputs) {
            for e in rule
                .source
                .entries()
                .iter()
                .chain(rule.destination.entries())
            {
                if !entries.contains(e) {
                    entries.push(e.clone());
                }
                match e {
                    AddressEntry::Prefix(p) => bounds(*p, &mut points),
                    AddressEntry::Expanded { prefixes, .. } => {
                        prefixes.iter().for_each(|p| bounds(*p, &mut points))
                    }
                    _ => {}
                }
            }
        }
        for e in &entries {
            if let AddressEntry::Tag(t) = e {
                for p in inputs.service_tags.get(t).unwrap_or_default() {
                    bounds(*p, &mut points);
                }
            }
        }
        inputs
            .virtual_network
            .iter()
            .for_each(|p| bounds(*p, &mut points));
        for (_, members) in &inputs.asgs {
            for m in members {
                bounds(IpNet::from(*m), &mut points);
            }
        }
        for net in [
            "0.0.0.0/8",
            "10.0.0.0/8",
            "100.64.0.0/10",
            "127.0.0.0/8",
            "169.254.0.0/16",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "224.0.0.0/3",
            "2000::/3",
            "168.63.129.16/32",
        ] {
            bounds(net.parse().unwrap(), &mut points);
        }
        points.sort();
        points.dedup();
        let mut classes: BTreeMap<(bool, Vec<bool>), IpAddr> = BTreeMap::new();
        for p in points {
            let signature = entries
                .iter()
                .map(|e| reference::entry_has(inputs, e, p))
                .collect();
            classes.entry((p.is_ipv6(), signature)).or_insert(p);
        }
        classes.into_values().collect()
    }

    /// One port per class of the rules' port ranges (and `extra`).
    pub fn ports(inputs: &Inputs, extra: &[PortRange]) -> Vec<u16> {
        let mut ranges: Vec<PortRange> = extra.to_vec();
        for rule in all_rules(inputs) {
            ranges.extend(rule.source_ports.ranges());
            ranges.extend(rule.destination_ports.ranges());
        }
        let mut points: Vec<u16> = vec![0];
        for r in &ranges {
            points.push(r.start());
            if let Some(next) = r.end().checked_add(1) {
                points.push(next);
            }
        }
        points.sort_unstable();
        points.dedup();
        let mut classes: BTreeMap<Vec<bool>, u16> = BTreeMap::new();
        for p in points {
            classes
                .entry(ranges.iter().map(|r| r.contains(p)).collect())
                .or_insert(p);
        }
        classes.into_values().collect()
    }

    /// Every elementary flow of `direction`.
    pub fn flows(inputs: &Inputs, direction: Direction, extra_ports: &[PortRange]) -> Vec<Flow> {
        let addresses = addresses(inputs);
        let ports = ports(inputs, extra_ports);
        let mut out = Vec::new();
        for protocol in Protocol::ALL {
            for &src in &addresses {
                for &dst in addresses.iter().filter(|d| d.is_ipv6() == src.is_ipv6()) {
                    let pairs: Vec<(Option<u16>, Option<u16>)> = if protocol.has_ports() {
                        ports
                            .iter()
                            .flat_map(|&s| ports.iter().map(move |&d| (Some(s), Some(d))))
                            .collect()
                    } else {
                        vec![(None, None)]
                    };
                    for (sp, dp) in pairs {
                        let (s, d) = (Endpoint::new(src, sp), Endpoint::new(dst, dp));
                        let flow = match direction {
                            Direction::Inbound => Flow::new(direction, protocol, d, s),
                            Direction::Outbound => Flow::new(direction, protocol, s, d),
                        };
                        out.push(flow.unwrap());
                    }
                }
            }
        }
        out
    }

    /// The rules of each layer a flow of `direction` meets, with the layer and resource.
    pub fn layers(inputs: &Inputs, direction: Direction) -> Vec<(Layer, String, Vec<Rule>)> {
        let mut out: Vec<(Layer, String, Vec<Rule>)> = inputs
            .admin_layers()
            .into_iter()
            .map(|c| (Layer::Admin, c.name.clone(), c.rules.clone()))
            .collect();
        for (layer, nsg) in inputs.nsg_chain(direction) {
            if let Some(nsg) = nsg {
                out.push((layer, nsg.name.clone(), nsg.rules.clone()));
            }
        }
        out
    }

    /// Whether a rule names an entry whose membership no input gives (its match is unknown).
    pub fn unresolved(inputs: &Inputs, rule: &Rule) -> bool {
        rule.source
            .entries()
            .iter()
            .chain(rule.destination.entries())
            .any(|e| match e {
                AddressEntry::Tag(t) => {
                    inputs.service_tags.get(t).is_none()
                        && flowverify::tags::builtin_name(t).is_none()
                }
                AddressEntry::Asg(a) => inputs.asg_members(a).is_none(),
                AddressEntry::NetworkGroup(_) | AddressEntry::BareNumber(_) => true,
                _ => false,
            })
    }

    /// The inputs without one rule (by layer, resource and name).
    pub fn without(inputs: &Inputs, layer: Layer, resource: &str, name: &str) -> Inputs {
        let mut out = inputs.clone();
        let keep = |rules: &mut Vec<Rule>| rules.retain(|r| r.reported_name() != name);
        match layer {
            Layer::Admin => {
                for c in out.admin.iter_mut().filter(|c| c.name == resource) {
                    keep(&mut c.rules);
                }
            }
            _ => {
                for nsg in [&mut out.subnet_nsg, &mut out.nic_nsg]
                    .into_iter()
                    .flatten()
                {
                    if nsg.name == resource {
                        keep(&mut nsg.rules);
                    }
                }
            }
        }
        out
    }
}

proptest! {
    // Every elementary flow of both directions is verified per case: few cases, small inputs.
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn every_analysis_holds_for_every_elementary_flow(
        inputs in inputs_of(5, 3),
        allow in any::<bool>(),
        port in prop::sample::select(vec!["22", "80-443", "3389,50000"]),
    ) {
        use flowverify::lint::{lint_with, Kind};
        use flowverify::reach::reach;
        use flowverify::search::{search, Query};
        let query_ports = Query::ports(port).unwrap();
        let mut reaches = [reach(&inputs, Direction::Inbound).unwrap(), reach(&inputs, Direction::Outbound).unwrap()];
        let findings = lint_with(&inputs, &mut reaches).unwrap();
        for reach in &mut reaches {
            let direction = reach.direction;
            let flows = elementary::flows(&inputs, direction, query_ports.ranges());
            let verdicts: Vec<_> = flows.iter().map(|f| verify_with(&inputs, f, Options { trace: false })).collect();

            // Reach: each flow is in exactly one region, with its verdict.
            for (flow, v) in flows.iter().zip(&verdicts) {
                let holding: Vec<_> = reach.regions.iter().filter(|r| reach.space.contains(r.flows, flow)).collect();
                prop_assert_eq!(holding.len(), 1, "{:?}", flow);
                prop_assert_eq!((holding[0].access, &holding[0].rule_name, holding[0].uncertain), (v.access, &v.rule_name, v.uncertain));
            }

            // Search: "none" is a proof.
            let wanted = if allow { Decision::Allow } else { Decision::Deny };
            let query = Query { destination_ports: query_ports.clone(), access: Some(wanted), ..Query::new(direction) };
            let mut found = search(&inputs, &query).unwrap();
            if found.example().is_none() {
                for (flow, v) in flows.iter().zip(&verdicts) {
                    let in_query = flow.destination().port().is_some_and(|p| query.destination_ports.contains(p));
                    prop_assert!(!(in_query && v.access == wanted), "none, but {:?} is {:?}", flow, wanted);
                }
            }

            // Redundancy is asserted exactly where no rule of the direction names a name
            // without members (elsewhere a rule is reported only when removing it is sure).
            let clean_direction = elementary::layers(&inputs, direction)
                .iter()
                .all(|(_, _, rules)| !rules.iter().any(|r| elementary::unresolved(&inputs, r)));
            for (layer, resource, rules) in elementary::layers(&inputs, direction) {
                let firsts: Vec<Option<String>> = flows
                    .iter()
                    .map(|f| reference::winner(&inputs, &rules, f).map(|r| r.reported_name()))
                    .collect();
                let reported = |kind: Kind, name: &str| findings.iter().any(|f| f.kind == kind
                    && f.direction == direction && f.layer == layer
                    && f.resource.as_deref() == Some(resource.as_str()) && f.rule.as_deref() == Some(name));
                let clean_layer = !rules.iter().any(|r| elementary::unresolved(&inputs, r));
                for rule in rules.iter().filter(|r| r.direction == direction && r.kind != RuleKind::Default) {
                    let name = rule.reported_name();
                    let witness = firsts.iter().any(|w| w.as_deref() == Some(name.as_str()));
                    let matches_some = flows.iter().any(|f| reference::winner(&inputs, std::slice::from_ref(rule), f).is_some());
                    // Shadowed: exactly the rules that match flows but first-match none.
                    if reported(Kind::Shadowed, &name) {
                        prop_assert!(!witness, "{} is reported shadowed but first-matches a flow", name);
                    } else if clean_layer && matches_some {
                        prop_assert!(witness, "{} is not reported shadowed but first-matches no flow", name);
                    }
                    // Redundant: removing it changes no flow's access; a deciding rule not
                    // reported changes some.
                    let decides = flows.iter().zip(&verdicts).zip(&firsts).any(|((_, v), w)| {
                        w.as_deref() == Some(name.as_str())
                            && v.path.iter().any(|s| s.layer == layer && s.resource == resource && s.reached)
                    });
                    if reported(Kind::Redundant, &name) || (decides && clean_direction) {
                        let other = elementary::without(&inputs, layer, &resource, &name);
                        let changes = flows.iter().zip(&verdicts).any(|(f, v)| {
                            verify_with(&other, f, Options { trace: false }).access != v.access
                        });
                        prop_assert_eq!(!changes, reported(Kind::Redundant, &name), "{} redundant?", name);
                    }
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    /// The grid's cells agree with `verify` on every elementary flow: a flow of a cell has the
    /// cell's service, the access the cell says (allowed, denied, some of each), and is
    /// uncertain only where the cell is; each cell's example is one of its flows, and its
    /// deciders are the regions of its flows.
    #[test]
    fn every_grid_cell_holds_for_every_elementary_flow(inputs in inputs_of(5, 3)) {
        use flowverify::grid::{grid, CellAccess};
        for (direction, narrow) in [(Direction::Inbound, false), (Direction::Outbound, false), (Direction::Inbound, true)] {
            // The risky services' ports are columns of their own: elementary flows on them too.
            let risky: Vec<PortRange> = flowverify::model::RISKY.iter().filter_map(|&(_, lo, hi)| PortRange::new(lo, hi)).collect();
            let mut flows = elementary::flows(&inputs, direction, &risky);
            // Also about one local address only (the VM's): its cells hold its flows only.
            let local: Vec<IpNet> = if narrow { vec![IpNet::from(flows[0].local().ip())] } else { Vec::new() };
            flows.retain(|f| local.iter().all(|n| n.contains(&f.local().ip())));
            // The VM's flows cut from the reach of every flow (as the page does).
            let space = flowverify::flowset::FlowSpace::builder().inputs(&inputs).nets(&local).build();
            let mut reach = flowverify::reach::reach_in(space, &inputs, direction, &[]).unwrap().narrowed(&local).unwrap();
            let g = grid(&inputs, &mut reach);
            let verdicts: Vec<_> = flows.iter().map(|f| verify_with(&inputs, f, Options { trace: false })).collect();
            let width = g.services.len();
            for (i, cell) in g.cells.iter().enumerate() {
                let service = &g.services[i % width];
                let (mut allowed, mut denied, mut unsure) = (false, false, false);
                for (flow, v) in flows.iter().zip(&verdicts) {
                    if !reach.space.contains(cell.flows, flow) {
                        continue;
                    }
                    let port = flow.destination().port();
                    let shown = service.ports.starts_with(flow.protocol().as_str())
                        && match service.ports.split_once(' ').map(|(_, p)| p) {
                            Some(ports) if ports.starts_with(|c: char| c.is_ascii_digit()) => {
                                let (lo, hi) = ports.split_once('-').unwrap_or((ports, ports));
                                port.is_some_and(|p| lo.parse::<u16>().unwrap() <= p && p <= hi.parse::<u16>().unwrap())
                            }
                            _ => true,
                        };
                    prop_assert!(shown, "{:?} in column {}", flow, service.ports);
                    allowed |= v.access == Decision::Allow;
                    denied |= v.access == Decision::Deny;
                    unsure |= v.uncertain;
                }
                let expected = if unsure {
                    CellAccess::Uncertain
                } else {
                    match (allowed, denied) {
                        (true, false) => CellAccess::Allow,
                        (true, true) => CellAccess::Partly,
                        _ => CellAccess::Deny,
                    }
                };
                prop_assert_eq!(cell.access, expected, "{} / {}", g.remotes[i / width].label, service.label);
                if let Some(example) = &cell.example {
                    prop_assert!(reach.space.contains(cell.flows, example));
                    let v = verify_with(&inputs, example, Options { trace: false });
                    let by = if v.access == Decision::Allow { &cell.allowed_by } else { &cell.denied_by };
                    prop_assert!(by.iter().any(|&r| reach.regions[r].rule_name == v.rule_name), "{:?}", example);
                } else {
                    prop_assert!(!allowed && !denied);
                }
            }
        }
    }
}
