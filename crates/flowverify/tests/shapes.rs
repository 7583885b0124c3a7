//! Every analysis on small stacks of every production shape of `make bench` (mixed prefix
//! lists, host allow-lists, large service tags, effective rules with expanded prefixes, IPv6,
//! ASGs, interleaved Allow and Deny), checked flow by flow against the evaluator: each flow
//! drawn at the edges of the rules' own prefixes and ports is in exactly one region, with
//! `verify`'s verdict; every region's, finding's and change's example verifies to what it
//! says. Seeds 1 to 6 of each shape (the benchmark's tuned seed and five others).

#[path = "../benches/support/shapes.rs"]
mod shapes;

use std::net::IpAddr;

use flowverify::model::{AddressEntry, Direction, Protocol};
use flowverify::{verify_with, Decision, Endpoint, Flow, Inputs, Options};
use ipnet::IpNet;
use shapes::{Gen, Shape, Size};

const SMALL: Size = Size { admin: 6, nsg: 40 };

/// Addresses at the edges of the inputs' prefixes (first, last, and the ones beside them).
fn edge_addresses(inputs: &Inputs) -> Vec<IpAddr> {
    let mut nets: Vec<IpNet> = inputs.virtual_network.clone();
    for r in inputs.rules() {
        for e in r.source.entries().iter().chain(r.destination.entries()) {
            match e {
                AddressEntry::Prefix(n) => nets.push(*n),
                AddressEntry::Expanded { prefixes, .. } => nets.extend(prefixes.iter().take(3)),
                AddressEntry::Tag(t) => nets.extend(
                    inputs
                        .service_tags
                        .get(t)
                        .unwrap_or_default()
                        .iter()
                        .take(3),
                ),
                AddressEntry::Asg(a) => nets.extend(
                    inputs
                        .asg_members(a)
                        .unwrap_or_default()
                        .into_iter()
                        .take(3)
                        .map(IpNet::from),
                ),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    for n in nets {
        match n {
            IpNet::V4(n) => {
                let (lo, hi) = (u32::from(n.network()), u32::from(n.broadcast()));
                for a in [lo.wrapping_sub(1), lo, hi, hi.wrapping_add(1)] {
                    out.push(IpAddr::V4(a.into()));
                }
            }
            IpNet::V6(n) => {
                let (lo, hi) = (u128::from(n.network()), u128::from(n.broadcast()));
                for a in [lo.wrapping_sub(1), lo, hi, hi.wrapping_add(1)] {
                    out.push(IpAddr::V6(a.into()));
                }
            }
        }
    }
    out.extend(
        ["203.0.113.7", "168.63.129.16", "10.0.1.4", "2001:db8::4"]
            .map(|a| a.parse::<IpAddr>().unwrap()),
    );
    out.sort();
    out.dedup();
    out
}

/// Ports at the edges of the inputs' port ranges.
fn edge_ports(inputs: &Inputs) -> Vec<u16> {
    let mut out = vec![0, 22, 443, 49152, 65535];
    for r in inputs.rules() {
        for p in r
            .destination_ports
            .ranges()
            .iter()
            .chain(r.source_ports.ranges())
        {
            out.extend([
                p.start().saturating_sub(1),
                p.start(),
                p.end(),
                p.end().saturating_add(1),
            ]);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// `count` flows of either direction drawn from the edges.
fn flows(inputs: &Inputs, g: &mut Gen, count: usize) -> Vec<Flow> {
    let addresses = edge_addresses(inputs);
    let ports = edge_ports(inputs);
    let mut out = Vec::with_capacity(count);
    while out.len() < count {
        let a = addresses[g.below(addresses.len() as u64) as usize];
        let same: Vec<&IpAddr> = addresses
            .iter()
            .filter(|b| b.is_ipv6() == a.is_ipv6())
            .collect();
        let b = *same[g.below(same.len() as u64) as usize];
        let protocol = g.pick(&[Protocol::Tcp, Protocol::Tcp, Protocol::Udp, Protocol::Icmp]);
        let port = |g: &mut Gen| {
            protocol
                .has_ports()
                .then(|| ports[g.below(ports.len() as u64) as usize])
        };
        let direction = g.pick(&[Direction::Inbound, Direction::Outbound]);
        let (local, remote) = (Endpoint::new(a, port(g)), Endpoint::new(b, port(g)));
        if let Ok(f) = Flow::new(direction, protocol, local, remote) {
            out.push(f);
        }
    }
    out
}

#[test]
fn every_analysis_agrees_with_verify_on_every_shape() {
    for shape in Shape::ALL {
        for seed in 1..=6u64 {
            let doc = shapes::scenario(shape, SMALL, seed);
            let inputs = shapes::inputs(&doc);
            let after = shapes::inputs(&shapes::one_rule_change(&doc));
            let mut g = Gen::new(seed * 7919);
            let sample = flows(&inputs, &mut g, 150);
            let at = format!("{} seed {seed}", shape.name());

            let mut reaches = [Direction::Inbound, Direction::Outbound]
                .map(|d| flowverify::reach::reach(&inputs, d).expect("within the budget"));
            for reach in &mut reaches {
                for flow in sample.iter().filter(|f| f.direction() == reach.direction) {
                    let v = verify_with(&inputs, flow, Options { trace: false });
                    let holding: Vec<_> = reach
                        .regions
                        .iter()
                        .filter(|r| reach.space.contains(r.flows, flow))
                        .collect();
                    assert_eq!(
                        holding.len(),
                        1,
                        "{at}: {flow:?} in {} regions",
                        holding.len()
                    );
                    let r = holding[0];
                    assert_eq!(
                        (r.access, &r.rule_name, r.layer, r.uncertain),
                        (v.access, &v.rule_name, v.decided_by.layer, v.uncertain),
                        "{at}: {flow:?}"
                    );
                }
                for region in reach.regions.clone() {
                    let e = reach
                        .space
                        .example(region.flows, reach.direction)
                        .expect("not empty");
                    let v = verify_with(&inputs, &e, Options { trace: false });
                    assert_eq!(
                        (v.access, &v.rule_name, v.uncertain),
                        (region.access, &region.rule_name, region.uncertain),
                        "{at}: example {e:?}"
                    );
                    // What the JSON of the region lists, counted before it is made.
                    let mut made = 0u128;
                    reach.space.for_each_box(region.flows, |b| {
                        made += (b.protocols.len()
                            + b.source.len()
                            + b.destination.len()
                            + b.source_ports.as_ref().map_or(0, Vec::len)
                            + b.destination_ports.as_ref().map_or(0, Vec::len))
                            as u128;
                        std::ops::ControlFlow::Continue(())
                    });
                    assert_eq!(
                        reach.space.listed_values(region.flows, u128::MAX),
                        made,
                        "{at}"
                    );
                }
            }

            let findings =
                flowverify::lint::lint_with(&inputs, &mut reaches).expect("within the budget");
            for f in findings
                .iter()
                .filter(|f| f.kind == flowverify::lint::Kind::Exposure)
            {
                let e = f.example.as_ref().expect("an exposure has an example");
                let v = verify_with(&inputs, e, Options { trace: false });
                assert_eq!(v.access, Decision::Allow, "{at}: exposure {e:?}");
                assert!(
                    flowverify::tags::is_internet(e.remote().ip()),
                    "{at}: {e:?}"
                );
            }

            let mut d =
                flowverify::diff::diff(&inputs, &after, &[Direction::Inbound, Direction::Outbound])
                    .expect("within the budget");
            for c in d.changes.clone() {
                let e = d
                    .space
                    .example(c.flows, c.direction)
                    .expect("changes are not empty");
                let before = verify_with(&inputs, &e, Options { trace: false });
                let now = verify_with(&after, &e, Options { trace: false });
                assert_eq!(
                    (before.access, &before.rule_name),
                    (c.before.access, &c.before.rule_name),
                    "{at}: {e:?}"
                );
                assert_eq!(
                    (now.access, &now.rule_name),
                    (c.after.access, &c.after.rule_name),
                    "{at}: {e:?}"
                );
            }
            for flow in &sample {
                let a = verify_with(&inputs, flow, Options { trace: false });
                let b = verify_with(&after, flow, Options { trace: false });
                let differs = a.access != b.access
                    || a.rule_name != b.rule_name
                    || a.decided_by.layer != b.decided_by.layer;
                let holding = d
                    .changes
                    .iter()
                    .filter(|c| c.direction == flow.direction() && d.space.contains(c.flows, flow))
                    .count();
                assert_eq!(holding, usize::from(differs), "{at}: {flow:?}");
            }
        }
    }
}
