//! One direction's layers walked over every flow, once: for each layer (the admin
//! configurations in scope order, then the NSGs in the direction's order), each rule's sets
//! and the flows it is the first match of. A layer's first matches do not depend on how flows
//! got to it, so reachability ([`crate::reach`]) composes its regions from these walks and the
//! findings ([`crate::lint`]) read them, without walking twice.
//!
//! The walk is also where an analysis that outgrows the set engine's budget stops, naming the
//! rule it was at ([`TooLarge`]).

use std::fmt;

use crate::flowset::{FlowSpace, RuleSets, Trouble};
use crate::inputs::Inputs;
use crate::mdd::Set;
use crate::model::{Access, Direction, Rule};
use crate::verdict::Layer;

/// One layer's rules of a direction, in evaluation order: by priority, equal priorities in
/// input order.
#[derive(Debug, Clone)]
pub(crate) struct LayerRules<'a> {
    pub layer: Layer,
    pub resource: &'a str,
    pub rules: Vec<&'a Rule>,
}

fn ordered(rules: &[Rule], direction: Direction) -> Vec<&Rule> {
    let mut v: Vec<&Rule> = rules.iter().filter(|r| r.direction == direction).collect();
    v.sort_by_key(|r| r.priority);
    v
}

/// The layers a flow of `direction` meets, in order.
pub(crate) fn layers(inputs: &Inputs, direction: Direction) -> Vec<LayerRules<'_>> {
    let mut out: Vec<LayerRules> = inputs
        .admin_layers()
        .into_iter()
        .map(|c| LayerRules {
            layer: Layer::Admin,
            resource: &c.name,
            rules: ordered(&c.rules, direction),
        })
        .collect();
    for (layer, nsg) in inputs.nsg_chain(direction) {
        if let Some(nsg) = nsg {
            out.push(LayerRules {
                layer,
                resource: &nsg.name,
                rules: ordered(&nsg.rules, direction),
            });
        }
    }
    out
}

/// One layer walked over the flows of a universe: each rule's sets and the flows it is the
/// first match of, and the layer's outcome sets.
#[derive(Debug, Clone)]
pub(crate) struct Walked {
    pub sets: Vec<RuleSets>,
    /// Per rule: the flows it is the first match of.
    pub firsts: Vec<Set>,
    /// Per rule: the flows it might match but for missing input, no earlier rule matching.
    pub maybes: Vec<Set>,
    /// Flows whose first match denies, allows (hands over), always allows; flows no rule
    /// matches.
    pub deny: Set,
    pub allow: Set,
    pub always: Set,
    pub none: Set,
    /// Flows some rule might match but for missing input, no earlier rule matching.
    pub maybe: Set,
}

/// An analysis that needs more than the set engine may hold (`mdd::DEFAULT_LIMIT`): what it
/// was doing, and what to narrow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLarge {
    /// Where the budget ran out, in words ("walking rule securityRules/X of NIC NSG nsg-web,
    /// inbound: 4,000 source and 4,000 destination prefixes").
    pub at: String,
    /// What would make it smaller ("give --local", "one --direction", ...), in words.
    pub narrow: String,
}

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the analysis of every flow at once needs more than the set engine may hold \
             (about 400 MB): it ran out {}; {}",
            self.at, self.narrow
        )
    }
}

impl std::error::Error for TooLarge {}

/// What to narrow when an analysis of a stack is too large.
pub(crate) const NARROW: &str = "narrow it: the VM's own addresses (--local), one --direction, \
                                 or fewer rules (split the largest prefix lists)";

/// The words of `rule` for a [`TooLarge`]: its name, layer, resource and how large its sides
/// are.
pub(crate) fn rule_words(
    rule: &Rule,
    layer: Layer,
    resource: &str,
    direction: Direction,
) -> String {
    let at = crate::verdict::Place::new(layer, Some(resource));
    let entries = |side: &crate::model::AddressSide| -> usize {
        side.entries()
            .iter()
            .map(|e| match e {
                crate::model::AddressEntry::Expanded { prefixes, .. } => prefixes.len(),
                _ => 1,
            })
            .sum()
    };
    format!(
        "at rule {} of {at} ({}; {} source and {} destination entries)",
        crate::error::clip(&rule.reported_name()),
        direction.as_str().to_ascii_lowercase(),
        entries(&rule.source),
        entries(&rule.destination)
    )
}

/// Checks the space after a step: an exhausted space gives up with `at` (made only then).
pub(crate) fn check(space: &FlowSpace, at: impl FnOnce() -> String) -> Result<(), TooLarge> {
    match space.trouble() {
        None => Ok(()),
        Some(Trouble::Exhausted) => Err(TooLarge {
            at: at(),
            narrow: NARROW.to_string(),
        }),
        Some(Trouble::Unnamed) => Err(TooLarge {
            at: format!(
                "{} (a set the space was not made for: a defect, please report it)",
                at()
            ),
            narrow: NARROW.to_string(),
        }),
    }
}

/// Walks one layer over the flows of `within`: each rule's first matches, in order.
pub(crate) fn walk(
    space: &mut FlowSpace,
    inputs: &Inputs,
    layer: &LayerRules,
    direction: Direction,
    within: Set,
) -> Result<Walked, TooLarge> {
    let n = layer.rules.len();
    let mut w = Walked {
        sets: Vec::with_capacity(n),
        firsts: Vec::with_capacity(n),
        maybes: Vec::with_capacity(n),
        deny: Set::EMPTY,
        allow: Set::EMPTY,
        always: Set::EMPTY,
        none: within,
        maybe: Set::EMPTY,
    };
    // Each outcome's first matches, joined at the end.
    let mut outcomes: [Vec<Set>; 3] = Default::default();
    for rule in &layer.rules {
        let sets = space.rule(inputs, rule);
        let maybe = space.sets().and(w.none, sets.maybe);
        let (first, none) = space.sets().and_diff(w.none, sets.matched);
        check(space, || {
            rule_words(rule, layer.layer, layer.resource, direction)
        })?;
        w.none = none;
        if !first.is_empty() {
            outcomes[match rule.access {
                Access::Deny => 0,
                Access::Allow => 1,
                Access::AlwaysAllow => 2,
            }]
            .push(first);
        }
        w.sets.push(sets);
        w.firsts.push(first);
        w.maybes.push(maybe);
    }
    let [deny, allow, always] = outcomes.map(|sets| space.sets().or_all(&sets));
    w.maybe = space.sets().or_all(&w.maybes);
    (w.deny, w.allow, w.always) = (deny, allow, always);
    check(space, || {
        format!(
            "joining the first matches of {} {}",
            layer.layer.as_str(),
            crate::error::clip(layer.resource)
        )
    })?;
    Ok(w)
}

/// Every layer of `direction` walked over the flows of `within`.
pub(crate) fn walk_all(
    space: &mut FlowSpace,
    inputs: &Inputs,
    direction: Direction,
    within: Set,
) -> Result<Vec<Walked>, TooLarge> {
    layers(inputs, direction)
        .iter()
        .map(|l| walk(space, inputs, l, direction, within))
        .collect()
}
