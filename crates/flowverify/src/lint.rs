//! Findings about the rules themselves, on every flow at once (`interfaces.md` section 7,
//! `lint`): rules no flow ever reaches in their own layer (`shadowed`), rules whose every flow
//! an earlier layer decides (`preempted`), risky services open to the Internet on the final
//! verdict across all layers (`exposure`), and names whose membership no input gives
//! (`unresolved`). Default rules are analysed like any rule but never reported (they cannot be
//! changed). Exact: the sets are the flows themselves, not samples.
//!
//! ```
//! use flowverify::import::import;
//! use flowverify::lint::{lint, Kind};
//! use flowverify::{Inputs, Slot};
//! let nsg = r#"{"name": "nsg-web", "securityRules": [
//!   {"name": "DenyAllTcp", "properties": {"priority": 100, "direction": "Inbound",
//!    "access": "Deny", "protocol": "Tcp", "sourceAddressPrefix": "*", "sourcePortRange": "*",
//!    "destinationAddressPrefix": "*", "destinationPortRange": "*"}},
//!   {"name": "AllowSsh", "properties": {"priority": 200, "direction": "Inbound",
//!    "access": "Allow", "protocol": "Tcp", "sourceAddressPrefix": "*", "sourcePortRange": "*",
//!    "destinationAddressPrefix": "*", "destinationPortRange": "22"}}]}"#;
//! let mut inputs = Inputs::new();
//! inputs.add(Slot::NicNsg, import("nsg.json", nsg).unwrap()).unwrap();
//! let findings = lint(&inputs);
//! let shadowed = findings.iter().find(|f| f.kind == Kind::Shadowed).unwrap();
//! assert_eq!(shadowed.rule.as_deref(), Some("securityRules/AllowSsh"));
//! assert_eq!(shadowed.blocking_rules, ["securityRules/DenyAllTcp"]);
//! assert_eq!(shadowed.different_access, Some(true));
//! ```

use std::net::IpAddr;

use ipnet::IpNet;

use crate::bdd::Set;
use crate::flow::Flow;
use crate::flowset::{End, FlowSpace};
use crate::inputs::Inputs;
use crate::model::{AddressEntry, Direction, Protocol, Rule, RuleKind};
use crate::reach::reach;
use crate::tags::{builtin_name, AZURE_HOST};
use crate::verdict::{Decision, Layer};

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A rule no flow ever reaches in its own layer.
    Shadowed,
    /// A rule whose every flow an earlier layer decides.
    Preempted,
    /// A risky service reachable from the Internet.
    Exposure,
    /// A tag, ASG or network group whose membership no input gives.
    Unresolved,
}

impl Kind {
    /// `shadowed`, `preempted`, `exposure`, `unresolved`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Shadowed => "shadowed",
            Kind::Preempted => "preempted",
            Kind::Exposure => "exposure",
            Kind::Unresolved => "unresolved",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// What it is about.
    pub kind: Kind,
    /// The direction.
    pub direction: Direction,
    /// The layer of the rule (or, for an exposure, none).
    pub layer: Layer,
    /// The NSG or admin configuration.
    pub resource: Option<String>,
    /// The rule, as `ruleName` names it.
    pub rule: Option<String>,
    /// What was found, in words.
    pub message: String,
    /// Shadowed: a smallest set of earlier rules found that match all its flows first;
    /// preempted and exposure: the rules that decide those flows.
    pub blocking_rules: Vec<String>,
    /// Shadowed: whether one of the blocking rules has the opposite access (a conflict).
    pub different_access: Option<bool>,
    /// Exposure: the service (`Tcp 22`).
    pub service: Option<String>,
    /// Exposure: an example flow from the Internet that is allowed.
    pub example: Option<Flow>,
}

/// The risky services `exposure` looks for (CIS Azure benchmark 7.1-7.4 and common database,
/// remote management and cache ports).
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

fn finding(kind: Kind, direction: Direction, message: String) -> Finding {
    Finding {
        kind,
        direction,
        layer: Layer::None,
        resource: None,
        rule: None,
        message,
        blocking_rules: Vec::new(),
        different_access: None,
        service: None,
        example: None,
    }
}

/// Every finding on the inputs, both directions.
pub fn lint(inputs: &Inputs) -> Vec<Finding> {
    let mut findings = unresolved(inputs);
    for direction in [Direction::Inbound, Direction::Outbound] {
        findings.extend(direction_findings(inputs, direction));
    }
    findings
}

/// One layer's rules of a direction, in evaluation order.
struct LayerRules<'a> {
    layer: Layer,
    resource: &'a str,
    rules: Vec<&'a Rule>,
}

fn ordered(rules: &[Rule], direction: Direction) -> Vec<&Rule> {
    let mut v: Vec<&Rule> = rules.iter().filter(|r| r.direction == direction).collect();
    v.sort_by_key(|r| r.priority);
    v
}

fn layers(inputs: &Inputs, direction: Direction) -> Vec<LayerRules<'_>> {
    let ordered = |rules| ordered(rules, direction);
    let mut out: Vec<LayerRules> = inputs
        .admin_layers()
        .into_iter()
        .map(|c| LayerRules {
            layer: Layer::Admin,
            resource: &c.name,
            rules: ordered(&c.rules),
        })
        .collect();
    for (layer, nsg) in inputs.nsg_chain(direction) {
        if let Some(nsg) = nsg {
            out.push(LayerRules {
                layer,
                resource: &nsg.name,
                rules: ordered(&nsg.rules),
            });
        }
    }
    out
}

fn direction_findings(inputs: &Inputs, direction: Direction) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut reach = reach(inputs, direction);
    let all_layers = layers(inputs, direction);
    let crate::reach::Reach { regions, space, .. } = &mut reach;
    let universe = space.universe();

    // Each rule as sets, once; then the flows that reach each layer, as the evaluator walks.
    let all_sets: Vec<Vec<crate::flowset::RuleSets>> = all_layers
        .iter()
        .map(|l| l.rules.iter().map(|r| space.rule(inputs, r)).collect())
        .collect();
    let reaching = reaching_sets(space, &all_layers, &all_sets);

    for (index, layer) in all_layers.iter().enumerate() {
        let sets = &all_sets[index];
        let mut remaining = universe;
        for (i, rule) in layer.rules.iter().enumerate() {
            let matched = space.bdd().and(sets[i].matched, universe);
            let first = space.bdd().and(remaining, matched);
            let maybe = space.bdd().and(remaining, sets[i].maybe);
            remaining = space.bdd().diff(remaining, first);
            if rule.kind == RuleKind::Default || matched.is_empty() {
                continue;
            }
            if first.is_empty() && maybe.is_empty() {
                // Shadowed: earlier rules of the layer match all its flows first.
                let (blocking, different) =
                    blocking_rules(space, &sets[..i], &layer.rules[..i], matched, rule);
                let names: Vec<String> = blocking.iter().map(|r| r.reported_name()).collect();
                let mut f = finding(
                    Kind::Shadowed,
                    direction,
                    format!(
                        "{} never decides a flow: {} match all its flows first{}",
                        rule.reported_name(),
                        names.join(", "),
                        if different {
                            " (with the opposite access: a conflict)"
                        } else {
                            ""
                        }
                    ),
                );
                f.layer = layer.layer;
                f.resource = Some(layer.resource.to_string());
                f.rule = Some(rule.reported_name());
                f.blocking_rules = names;
                f.different_access = Some(different);
                findings.push(f);
            } else if !first.is_empty() && index > 0 {
                let reached = space.bdd().and(first, reaching[index]);
                let reached_maybe = space.bdd().and(maybe, reaching[index]);
                if reached.is_empty() && reached_maybe.is_empty() {
                    // Preempted: an earlier layer decides every flow it would decide.
                    let mut deciders: Vec<String> = Vec::new();
                    let mut undecided = first;
                    for region in regions.iter() {
                        if undecided.is_empty() {
                            break;
                        }
                        let both = space.bdd().and(region.flows, undecided);
                        if both.is_empty() {
                            continue;
                        }
                        undecided = space.bdd().diff(undecided, both);
                        if let Some(name) = &region.rule_name {
                            if !deciders.contains(name) {
                                deciders.push(name.clone());
                            }
                        }
                    }
                    let mut f = finding(
                        Kind::Preempted,
                        direction,
                        format!(
                            "{} would decide flows, but an earlier layer decides every one of them ({})",
                            rule.reported_name(),
                            deciders.join(", ")
                        ),
                    );
                    f.layer = layer.layer;
                    f.resource = Some(layer.resource.to_string());
                    f.rule = Some(rule.reported_name());
                    f.blocking_rules = deciders;
                    findings.push(f);
                }
            }
        }
    }

    if direction == Direction::Inbound {
        findings.extend(exposure(inputs, &mut reach));
    }
    findings
}

/// The flows that reach each layer: admin configurations until a rule decides or hands the
/// flow over; NSGs until one denies.
fn reaching_sets(
    space: &mut FlowSpace,
    layers: &[LayerRules],
    all_sets: &[Vec<crate::flowset::RuleSets>],
) -> Vec<Set> {
    let mut out = Vec::with_capacity(layers.len());
    let mut open = space.universe();
    let mut admin_open = open;
    for (layer, sets) in layers.iter().zip(all_sets) {
        let here = if layer.layer == Layer::Admin {
            admin_open
        } else {
            open
        };
        out.push(here);
        let mut remaining = here;
        for (rule, sets) in layer.rules.iter().zip(sets) {
            let first = space.bdd().and(remaining, sets.matched);
            if first.is_empty() {
                continue;
            }
            remaining = space.bdd().diff(remaining, first);
            match (layer.layer, rule.access) {
                (_, crate::model::Access::Deny) | (_, crate::model::Access::AlwaysAllow) => {
                    open = space.bdd().diff(open, first);
                    admin_open = space.bdd().diff(admin_open, first);
                }
                (Layer::Admin, crate::model::Access::Allow) => {
                    admin_open = space.bdd().diff(admin_open, first);
                }
                _ => {}
            }
        }
    }
    out
}

/// A smallest set found of earlier rules that together match every flow of `matched`, one with
/// the opposite access first when there is one; and whether one has the opposite access.
fn blocking_rules<'a>(
    space: &mut FlowSpace,
    sets: &[crate::flowset::RuleSets],
    rules: &[&'a Rule],
    matched: Set,
    rule: &Rule,
) -> (Vec<&'a Rule>, bool) {
    let mut chosen: Vec<usize> = Vec::new();
    let mut uncovered = matched;
    // An opposite-access rule that covers part of it, first.
    let opposite = (0..rules.len()).find(|&j| {
        rules[j].access != rule.access && space.bdd().intersects(sets[j].matched, matched)
    });
    let order: Vec<usize> = opposite.into_iter().chain(0..rules.len()).collect();
    for j in order {
        if uncovered.is_empty() {
            break;
        }
        if chosen.contains(&j) {
            continue;
        }
        let part = space.bdd().and(uncovered, sets[j].matched);
        if !part.is_empty() {
            chosen.push(j);
            uncovered = space.bdd().diff(uncovered, part);
        }
    }
    // Drop the rules the others cover for.
    let mut k = 0;
    while k < chosen.len() {
        if Some(chosen[k]) == opposite {
            k += 1;
            continue;
        }
        let mut others = Set::EMPTY;
        for (n, &j) in chosen.iter().enumerate() {
            if n != k {
                others = space.bdd().or(others, sets[j].matched);
            }
        }
        if space.bdd().subset(matched, others) {
            chosen.remove(k);
        } else {
            k += 1;
        }
    }
    chosen.sort_unstable();
    let picked: Vec<&Rule> = chosen.iter().map(|&j| rules[j]).collect();
    let different = picked.iter().any(|r| r.access != rule.access);
    (picked, different)
}

/// Risky services allowed from the Internet (its public addresses but Azure's platform
/// address, which the default rules let in) on the final verdict.
fn exposure(inputs: &Inputs, reach: &mut crate::reach::Reach) -> Vec<Finding> {
    let mut out = Vec::new();
    let space = &mut reach.space;
    let Some(internet) = space.tag_of(inputs, End::Source, "Internet") else {
        return out;
    };
    let host = space.address(End::Source, IpNet::from(IpAddr::V4(AZURE_HOST)));
    let from_internet = space.bdd().diff(internet, host);
    let mut allowed = Set::EMPTY;
    for region in reach.regions.iter().filter(|r| r.access == Decision::Allow) {
        allowed = reach.space.bdd().or(allowed, region.flows);
    }
    for &(protocol, lo, hi) in RISKY {
        let space = &mut reach.space;
        let p = space.protocol(protocol);
        let ports = space.port_range(End::Destination, lo, hi);
        let service = space.bdd().and(p, ports);
        let service = space.bdd().and(service, from_internet);
        let open = space.bdd().and(service, allowed);
        if open.is_empty() {
            continue;
        }
        let rules: Vec<String> = reach
            .regions
            .iter()
            .filter(|r| r.access == Decision::Allow)
            .filter_map(|r| {
                let both = reach.space.bdd().and(r.flows, open);
                (!both.is_empty()).then(|| r.rule_name.clone()).flatten()
            })
            .collect();
        let name = if lo == hi {
            format!("{protocol} {lo}")
        } else {
            format!("{protocol} {lo}-{hi}")
        };
        let example = reach.space.example(open, Direction::Inbound);
        let mut f = finding(
            Kind::Exposure,
            Direction::Inbound,
            format!(
                "{name} is open to the Internet: allowed by {}",
                if rules.is_empty() {
                    "no rule (nothing filters it)".to_string()
                } else {
                    rules.join(", ")
                }
            ),
        );
        f.service = Some(name);
        f.blocking_rules = rules;
        f.example = example;
        out.push(f);
    }
    out
}

/// Tags, ASGs and network groups rules name whose membership no input gives.
fn unresolved(inputs: &Inputs) -> Vec<Finding> {
    let mut seen: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut all: Vec<(Layer, &str, &Rule)> = Vec::new();
    for c in inputs.admin_layers() {
        all.extend(c.rules.iter().map(|r| (Layer::Admin, c.name.as_str(), r)));
    }
    for (layer, nsg) in inputs.nsg_chain(Direction::Inbound) {
        if let Some(nsg) = nsg {
            all.extend(nsg.rules.iter().map(|r| (layer, nsg.name.as_str(), r)));
        }
    }
    for (layer, resource, rule) in all {
        for entry in rule
            .source
            .entries()
            .iter()
            .chain(rule.destination.entries())
        {
            let (what, name) = match entry {
                AddressEntry::Tag(t)
                    if inputs.service_tags.get(t).is_none() && builtin_name(t).is_none() =>
                {
                    ("service tag", t)
                }
                AddressEntry::Asg(a) if inputs.asg_members(a).is_none() => {
                    ("application security group", a)
                }
                AddressEntry::NetworkGroup(g) => ("network group", g),
                _ => continue,
            };
            let key = format!("{what}/{}", name.to_ascii_lowercase());
            if seen.contains(&key) {
                continue;
            }
            seen.push(key);
            let mut f = finding(
                Kind::Unresolved,
                rule.direction,
                format!(
                    "{what} '{}' (in {}) has no membership in the inputs: verdicts that depend on it are uncertain",
                    crate::error::clip(name),
                    rule.reported_name()
                ),
            );
            f.layer = layer;
            f.resource = Some(resource.to_string());
            f.rule = Some(rule.reported_name());
            out.push(f);
        }
    }
    out
}
