//! Reachability: every flow of a direction at once, partitioned into regions that share their
//! verdict (`interfaces.md` section 7, `reach`). For every flow in a region, [`crate::verify`]
//! gives exactly the region's access, deciding rule, layer and uncertain flag; the property
//! tests check that against the evaluator flow by flow.
//!
//! The walk is the evaluator's, on sets: admin configurations in scope order (Deny and
//! AlwaysAllow decide, Allow hands over to the NSGs and ends the admin evaluation), then the
//! NSGs in the direction's order (a Deny decides; an Allow is carried to the next NSG, and the
//! last NSG's allowing rule is the one named). Uncertain flows are those a rule before their
//! decision might have matched but for missing input, in a layer they reach.
//!
//! ```
//! use flowverify::import::import;
//! use flowverify::model::Direction;
//! use flowverify::reach::reach;
//! use flowverify::{Decision, Inputs, Slot};
//! let nsg = r#"{"name": "nsg-web", "securityRules": [{"name": "AllowHttps", "properties": {
//!   "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
//!   "sourceAddressPrefix": "Internet", "sourcePortRange": "*",
//!   "destinationAddressPrefix": "*", "destinationPortRange": "443"}}]}"#;
//! let mut inputs = Inputs::new();
//! inputs.add(Slot::NicNsg, import("nsg.json", nsg).unwrap()).unwrap();
//! let mut reach = reach(&inputs, Direction::Inbound);
//! let https = reach.regions.iter()
//!     .find(|r| r.rule_name.as_deref() == Some("securityRules/AllowHttps"))
//!     .unwrap();
//! assert_eq!(https.access, Decision::Allow);
//! let example = reach.space.example(https.flows, Direction::Inbound).unwrap();
//! assert_eq!(example.destination().port(), Some(443));
//! ```

use crate::mdd::Set;
use crate::flowset::{End, FlowSpace};
use crate::inputs::Inputs;
use crate::model::{Access, Direction, Rule};
use crate::verdict::{Decision, Layer};

/// Flows that share their verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// Allow or Deny.
    pub access: Decision,
    /// The deciding rule as `ruleName` names it; absent when nothing decided.
    pub rule_name: Option<String>,
    /// The deciding layer.
    pub layer: Layer,
    /// The NSG or admin configuration that decided.
    pub resource: Option<String>,
    /// Whether `verify` marks these flows uncertain.
    pub uncertain: bool,
    /// The flows (never empty).
    pub flows: Set,
}

/// The regions of one direction, with the space their sets live in.
#[derive(Debug, Clone)]
pub struct Reach {
    /// The direction.
    pub direction: Direction,
    /// Disjoint, non-empty, together every flow.
    pub regions: Vec<Region>,
    /// The space the sets live in (for examples, boxes and further set operations).
    pub space: FlowSpace,
}

/// Who decides for flows still pending: the admin rule that handed them over, or the last NSG
/// rule that allowed them.
#[derive(Debug, Clone)]
struct Pending {
    decider: Option<Decider>,
    flows: Set,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Decider {
    rule: String,
    layer: Layer,
    resource: String,
}

/// One layer's rules of the direction, as the evaluator orders them: by priority, equal
/// priorities in input order.
fn ordered(rules: &[Rule], direction: Direction) -> Vec<&Rule> {
    let mut ordered: Vec<&Rule> = rules.iter().filter(|r| r.direction == direction).collect();
    ordered.sort_by_key(|r| r.priority);
    ordered
}

/// One layer walked over the flows that reach it: each rule with the flows it is the first
/// match of (only rules that are), the flows no rule matched, and the flows a rule before
/// their match might have matched but for missing input.
struct Walk<'a> {
    firsts: Vec<(&'a Rule, Set)>,
    remaining: Set,
    maybe: Set,
}

fn first_matches<'a>(
    space: &mut FlowSpace,
    inputs: &Inputs,
    rules: &'a [Rule],
    direction: Direction,
    reaching: Set,
) -> Walk<'a> {
    let mut walk = Walk {
        firsts: Vec::new(),
        remaining: reaching,
        maybe: Set::EMPTY,
    };
    let mut maybes = Vec::new();
    for rule in ordered(rules, direction) {
        if walk.remaining.is_empty() {
            break;
        }
        let sets = space.rule(inputs, rule);
        let maybe = space.sets().and(walk.remaining, sets.maybe);
        if !maybe.is_empty() {
            maybes.push(maybe);
        }
        let (first, remaining) = space.sets().and_diff(walk.remaining, sets.matched);
        if first.is_empty() {
            continue;
        }
        walk.remaining = remaining;
        walk.firsts.push((rule, first));
    }
    walk.maybe = space.sets().or_all(&maybes);
    walk
}

/// Partitions every flow of `direction` by verdict.
pub fn reach(inputs: &Inputs, direction: Direction) -> Reach {
    reach_within(inputs, direction, &[])
}

/// Partitions the flows of `direction` whose local end (inbound the destination, outbound the
/// source) is in `local` (empty: any address) by verdict.
pub fn reach_within(inputs: &Inputs, direction: Direction, local: &[ipnet::IpNet]) -> Reach {
    let space = FlowSpace::builder().inputs(inputs).nets(local).build();
    reach_in(space, inputs, direction, local)
}

/// [`reach_within`] in a space made by the caller, which must name the sets of `inputs` and
/// `local` (see [`crate::flowset::SpaceBuilder`]) and whatever the caller asks of it after.
pub fn reach_in(
    mut space: FlowSpace,
    inputs: &Inputs,
    direction: Direction,
    local: &[ipnet::IpNet],
) -> Reach {
    let regions = regions_in(&mut space, inputs, direction, local);
    Reach {
        direction,
        regions,
        space,
    }
}

/// The regions of `direction` (local end within `local`, empty: any) in an existing space, so
/// that the regions of two sets of inputs can be compared (see [`crate::diff`]).
pub fn regions_in(
    space: &mut FlowSpace,
    inputs: &Inputs,
    direction: Direction,
    local: &[ipnet::IpNet],
) -> Vec<Region> {
    space.forget_tags();
    let mut universe = space.universe();
    if !local.is_empty() {
        let end = match direction {
            Direction::Inbound => End::Destination,
            Direction::Outbound => End::Source,
        };
        let within = space.nets(end, local);
        universe = space.sets().and(universe, within);
    }
    let mut decided: Vec<(Decision, Decider, Set)> = Vec::new();
    let mut uncertain = Set::EMPTY;

    // Flows no layer has decided; those handed over by an admin Allow are keyed by its rule.
    let mut open = universe;
    let mut handed: Vec<Pending> = Vec::new();

    // 1. Admin configurations: a flow reaches one while it is open and not handed over.
    for config in inputs.admin_layers() {
        let walk = first_matches(space, inputs, &config.rules, direction, open);
        uncertain = space.sets().or(uncertain, walk.maybe);
        for (rule, first) in walk.firsts {
            open = space.sets().diff(open, first);
            let decider = Decider {
                rule: rule.reported_name(),
                layer: Layer::Admin,
                resource: config.name.clone(),
            };
            match rule.access {
                Access::Deny => decided.push((Decision::Deny, decider, first)),
                Access::AlwaysAllow => decided.push((Decision::Allow, decider, first)),
                Access::Allow => handed.push(Pending {
                    decider: Some(decider),
                    flows: first,
                }),
            }
        }
    }
    let mut pending = handed;
    if !open.is_empty() {
        pending.push(Pending {
            decider: None,
            flows: open,
        });
    }

    // 2. The NSGs in the direction's order: every pending flow reaches the next NSG.
    for (layer, nsg) in inputs.nsg_chain(direction) {
        let Some(nsg) = nsg else { continue };
        let flows: Vec<Set> = pending.iter().map(|p| p.flows).collect();
        let reaching = space.sets().or_all(&flows);
        let walk = first_matches(space, inputs, &nsg.rules, direction, reaching);
        uncertain = space.sets().or(uncertain, walk.maybe);
        let remaining = walk.remaining;
        let mut next: Vec<Pending> = Vec::new();
        for (rule, first) in walk.firsts {
            let decider = Decider {
                rule: rule.reported_name(),
                layer,
                resource: nsg.name.clone(),
            };
            match rule.access {
                Access::Deny => decided.push((Decision::Deny, decider, first)),
                // NSG rules are Allow or Deny; an AlwaysAllow here (an effective list's admin
                // rule out of place) decides at once, as it does in the evaluator.
                Access::AlwaysAllow => decided.push((Decision::Allow, decider, first)),
                Access::Allow => next.push(Pending {
                    decider: Some(decider),
                    flows: first,
                }),
            }
        }
        // Flows no rule of this NSG matched keep their previous decider.
        if !remaining.is_empty() {
            for p in &pending {
                let kept = space.sets().and(p.flows, remaining);
                if !kept.is_empty() {
                    next.push(Pending {
                        decider: p.decider.clone(),
                        flows: kept,
                    });
                }
            }
        }
        pending = next;
    }

    // 3. Every flow still pending is allowed, by its decider (or by nothing).
    let mut regions = Vec::new();
    let mut push = |space: &mut FlowSpace, access, decider: Option<Decider>, flows: Set| {
        let sure = space.sets().diff(flows, uncertain);
        let unsure = space.sets().and(flows, uncertain);
        for (set, uncertain) in [(sure, false), (unsure, true)] {
            if set.is_empty() {
                continue;
            }
            regions.push(Region {
                access,
                rule_name: decider.as_ref().map(|d| d.rule.clone()),
                layer: decider.as_ref().map_or(Layer::None, |d| d.layer),
                resource: decider.as_ref().map(|d| d.resource.clone()),
                uncertain,
                flows: set,
            });
        }
    };
    for (access, decider, flows) in decided {
        push(space, access, Some(decider), flows);
    }
    for p in pending {
        push(space, Decision::Allow, p.decider, p.flows);
    }
    // One region per verdict: regions of the same rule (an NSG allow carried from several
    // admin rules) merged.
    let mut merged: Vec<Region> = Vec::with_capacity(regions.len());
    for r in regions {
        match merged.iter_mut().find(|m| {
            m.access == r.access
                && m.rule_name == r.rule_name
                && m.layer == r.layer
                && m.resource == r.resource
                && m.uncertain == r.uncertain
        }) {
            Some(m) => m.flows = space.sets().or(m.flows, r.flows),
            None => merged.push(r),
        }
    }
    merged
}
