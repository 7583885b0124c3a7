//! Findings about the rules themselves, on every flow at once (`docs/semantics.md`, Lint): rules no
//! flow ever reaches in their own layer (`shadowed`), rules whose every flow an earlier layer
//! decides (`preempted`), risky services open to the Internet on the final verdict across all
//! layers (`exposure`), and names whose membership no input gives (`unresolved`). Default rules are
//! analysed like any rule but never reported (they cannot be changed). Exact: the sets are the
//! flows themselves, not samples.
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
//! let findings = lint(&inputs).unwrap();
//! let shadowed = findings.iter().find(|f| f.kind == Kind::Shadowed).unwrap();
//! assert_eq!(shadowed.rule.as_deref(), Some("securityRules/AllowSsh"));
//! assert_eq!(shadowed.blocking_rules, ["securityRules/DenyAllTcp"]);
//! assert_eq!(shadowed.different_access, Some(true));
//! ```

use std::net::IpAddr;

use ipnet::IpNet;

use crate::flow::Flow;
use crate::flowset::{End, FlowSpace};
use crate::inputs::Inputs;
use crate::mdd::Set;
use crate::model::{Access, AddressEntry, Direction, PortSide, Rule, RuleKind, RuleProtocol};
use crate::reach::{reach_in, Reach};
use crate::tags::{builtin_name, AZURE_HOST};
use crate::verdict::{Decision, Layer};
use crate::walk::{check, layers, rule_words, walk_all, LayerRules, TooLarge, Walked};

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A rule no flow ever reaches in its own layer.
    Shadowed,
    /// A rule whose every flow an earlier layer decides.
    Preempted,
    /// A rule that decides flows, but removing it changes the access of none.
    Redundant,
    /// A risky service reachable from the Internet.
    Exposure,
    /// A tag, ASG or network group whose membership no input gives.
    Unresolved,
}

impl Kind {
    /// `shadowed`, `preempted`, `redundant`, `exposure`, `unresolved`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Shadowed => "shadowed",
            Kind::Preempted => "preempted",
            Kind::Redundant => "redundant",
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
    /// A flow of the finding: exposure, one from the Internet that is allowed; shadowed,
    /// preempted and redundant, one the rule matches (where it would decide, when it would),
    /// whose trace shows the rule and what decides before it.
    pub example: Option<Flow>,
}

impl Kind {
    /// How much a finding of this kind matters, most first (exposures, then conflicts among
    /// shadowed rules, shadowed, preempted, redundant, unresolved): the order [`lint`] gives.
    fn rank(self, conflict: bool) -> u8 {
        match (self, conflict) {
            (Kind::Exposure, _) => 0,
            (Kind::Shadowed, true) => 1,
            (Kind::Shadowed, false) => 2,
            (Kind::Preempted, _) => 3,
            (Kind::Redundant, _) => 4,
            (Kind::Unresolved, _) => 5,
        }
    }
}

/// Names in words: `A`, `A and B`, `A, B and C`, `A, B, C and 4 more`.
fn names(list: &[String], shown: usize) -> String {
    let shown = shown.min(list.len());
    match (list, shown) {
        ([], _) => String::new(),
        ([one], _) => one.clone(),
        (_, n) if n == list.len() => {
            format!("{} and {}", list[..n - 1].join(", "), list[n - 1])
        }
        (_, n) => format!("{} and {} more", list[..n].join(", "), list.len() - n),
    }
}

impl Finding {
    /// How much it matters, 0 the most ([`by_severity`]'s order).
    pub fn severity(&self) -> u8 {
        self.kind.rank(self.conflict())
    }

    /// Whether it is a conflict: a shadowed rule one of whose blocking rules has the
    /// opposite access.
    pub fn conflict(&self) -> bool {
        self.kind == Kind::Shadowed && self.different_access == Some(true)
    }

    /// What to do about it, in one sentence.
    ///
    /// ```
    /// use flowverify::lint::{lint, Kind};
    /// use flowverify::Inputs;
    /// let findings = lint(&Inputs::new()).unwrap();
    /// // No NSG: every risky service is open to the Internet, the first one SSH.
    /// assert_eq!(findings[0].kind, Kind::Exposure);
    /// assert_eq!(findings[0].fix(), "Add a rule that denies Tcp 22 from the Internet (nothing filters it now).");
    /// ```
    pub fn fix(&self) -> String {
        let rule = self.rule.as_deref().unwrap_or("the rule");
        let others = names(&self.blocking_rules, 3);
        let decide = if self.blocking_rules.len() == 1 {
            "decides"
        } else {
            "decide"
        };
        match self.kind {
            Kind::Exposure => {
                let service = self.service.as_deref().unwrap_or("the service");
                if self.blocking_rules.is_empty() {
                    format!("Add a rule that denies {service} from the Internet (nothing filters it now).")
                } else {
                    format!(
                        "Narrow the source of {others} to the addresses that need {service}, or deny {service} from the Internet above it."
                    )
                }
            }
            Kind::Shadowed if self.conflict() => format!(
                "Move {rule} above {others} if it is meant to decide these flows; else delete it (now they are decided the other way)."
            ),
            Kind::Shadowed => {
                format!("Delete {rule}: {others} already {decide} its flows the same way.")
            }
            Kind::Preempted => format!(
                "It never matters because {others} {decide} first (an earlier layer): delete {rule}, or change what decides there."
            ),
            Kind::Redundant => format!("Delete {rule}: its flows keep their access without it."),
            Kind::Unresolved => "Give its membership in the inputs (service tags document, ASG membership), or the verdicts that depend on it stay uncertain.".to_string(),
        }
    }
}

/// Sorts findings by how much they matter: exposures, then conflicts among shadowed rules,
/// shadowed, preempted, redundant, unresolved; within each, their order (direction, layer,
/// rule). [`lint`] and [`lint_with`] give them so; callers that gather findings of their own
/// sort them with this.
pub fn by_severity(findings: &mut [Finding]) {
    findings.sort_by_key(Finding::severity);
}

pub use crate::model::RISKY;

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

/// Every finding on the inputs, both directions, the most serious first ([`by_severity`]).
pub fn lint(inputs: &Inputs) -> Result<Vec<Finding>, TooLarge> {
    // One space's atoms for both directions, made once; each direction's diagrams gone before
    // the next direction's are made.
    let space = FlowSpace::for_inputs(&[inputs]);
    let mut findings = unresolved(inputs);
    for direction in [Direction::Inbound, Direction::Outbound] {
        let mut reach = reach_in(space.clone(), inputs, direction, &[])?;
        findings.extend(findings_of(inputs, &mut reach)?);
    }
    by_severity(&mut findings);
    Ok(findings)
}

/// The findings of one direction on the inputs (those of [`lint_with`] for this reach, but
/// the names without members: see [`unresolved`]); `reach` is the [`reach`](crate::reach)
/// of every flow of its direction on the same inputs.
pub fn findings_of(inputs: &Inputs, reach: &mut Reach) -> Result<Vec<Finding>, TooLarge> {
    direction_findings(inputs, reach)
}

/// Every finding on the inputs for the directions of `reaches` (each the [`crate::reach::reach`] of its
/// direction on the same inputs): what a caller that shows reachability too computes once.
///
/// ```
/// use flowverify::lint::{lint_with, Kind, RISKY};
/// use flowverify::model::Direction;
/// use flowverify::reach::reach;
/// use flowverify::Inputs;
/// // No NSG at all: every risky service is open to the Internet.
/// let inputs = Inputs::new();
/// let mut reaches = [reach(&inputs, Direction::Inbound).unwrap()];
/// let findings = lint_with(&inputs, &mut reaches).unwrap();
/// assert_eq!(findings.len(), RISKY.len());
/// assert!(findings.iter().all(|f| f.kind == Kind::Exposure));
/// ```
pub fn lint_with(inputs: &Inputs, reaches: &mut [Reach]) -> Result<Vec<Finding>, TooLarge> {
    let mut findings = unresolved(inputs);
    findings.retain(|f| reaches.iter().any(|r| r.direction == f.direction));
    for reach in reaches.iter_mut() {
        findings.extend(direction_findings(inputs, reach)?);
    }
    by_severity(&mut findings);
    Ok(findings)
}

/// What the layers do to flows, as sets: which flows reach each layer, which flows end denied
/// when their evaluation continues at a layer (`deny_from[i]`: at layer `i`; `deny_from[len]`:
/// past the last layer, none), and which flows then meet a rule that might match them but for
/// missing input (`unsure_from`, alike).
struct Flowing {
    reaching: Vec<Set>,
    deny_from: Vec<Set>,
    unsure_from: Vec<Set>,
    /// The index of the first NSG layer (`len` when none).
    first_nsg: usize,
}

fn flowing(space: &mut FlowSpace, layers: &[LayerRules], walked: &[Walked]) -> Flowing {
    let n = layers.len();
    let first_nsg = layers
        .iter()
        .position(|l| l.layer != Layer::Admin)
        .unwrap_or(n);
    // Forwards: admin configurations pass on the flows none of their rules matched; an admin
    // Allow skips to the NSGs; every NSG passes on what it does not deny (or always allow).
    let mut reaching = Vec::with_capacity(n);
    let mut open = space.universe();
    let mut decided_by_admin = Set::EMPTY;
    for (i, w) in walked.iter().enumerate() {
        if i == first_nsg {
            let universe = space.universe();
            open = space.sets().diff(universe, decided_by_admin);
        }
        reaching.push(open);
        if i < first_nsg {
            let decided = space.sets().or(w.deny, w.always);
            let decided = space.sets().and(open, decided);
            decided_by_admin = space.sets().or(decided_by_admin, decided);
            open = space.sets().and(open, w.none);
        } else {
            let decided = space.sets().or(w.deny, w.always);
            open = space.sets().diff(open, decided);
        }
    }
    // Backwards: where continuing at each layer ends denied, and where it meets a rule that
    // might match.
    let mut deny_from = vec![Set::EMPTY; n + 1];
    let mut unsure_from = vec![Set::EMPTY; n + 1];
    for i in (first_nsg..n).rev() {
        let w = &walked[i];
        let later = space.sets().diff(deny_from[i + 1], w.always);
        deny_from[i] = space.sets().or(w.deny, later);
        let passing = space.sets().or(w.allow, w.none);
        let later = space.sets().and(passing, unsure_from[i + 1]);
        unsure_from[i] = space.sets().or(w.maybe, later);
    }
    let (at_nsgs, unsure_at_nsgs) = (deny_from[first_nsg], unsure_from[first_nsg]);
    for i in (0..first_nsg).rev() {
        let w = &walked[i];
        let handed = space.sets().and(w.allow, at_nsgs);
        let passed = space.sets().and(w.none, deny_from[i + 1]);
        let later = space.sets().or(handed, passed);
        deny_from[i] = space.sets().or(w.deny, later);
        let handed = space.sets().and(w.allow, unsure_at_nsgs);
        let passed = space.sets().and(w.none, unsure_from[i + 1]);
        let later = space.sets().or(handed, passed);
        unsure_from[i] = space.sets().or(w.maybe, later);
    }
    Flowing {
        reaching,
        deny_from,
        unsure_from,
        first_nsg,
    }
}

fn direction_findings(inputs: &Inputs, reach: &mut Reach) -> Result<Vec<Finding>, TooLarge> {
    let direction = reach.direction;
    let mut findings = Vec::new();
    let all_layers = layers(inputs, direction);
    // The reach's walks when it covers every flow; else every flow walked now.
    let walked: Vec<Walked> = match &reach.walks {
        Some(w) => w.clone(),
        None => {
            let universe = reach.space.universe();
            walk_all(&mut reach.space, inputs, direction, universe)?
        }
    };
    let flows = flowing(&mut reach.space, &all_layers, &walked);
    check(&reach.space, || {
        format!(
            "following the flows through the layers ({})",
            direction.as_str().to_ascii_lowercase()
        )
    })?;

    for (index, layer) in all_layers.iter().enumerate() {
        let w = &walked[index];
        for (i, rule) in layer.rules.iter().enumerate() {
            if rule.kind == RuleKind::Default {
                continue;
            }
            let place = |mut f: Finding| {
                f.layer = layer.layer;
                f.resource = Some(layer.resource.to_string());
                f.rule = Some(rule.reported_name());
                f
            };
            let (first, maybe) = (w.firsts[i], w.maybes[i]);
            // A finding's example: a flow of `of` (its trace shows the rule, and what decides
            // before it).
            let example = |space: &mut FlowSpace, mut f: Finding, of: Set| {
                let universe = space.universe();
                let of = space.sets().and(of, universe);
                f.example = space.example(of, direction);
                place(f)
            };
            if first.is_empty() && maybe.is_empty() {
                let f = shadowed(&mut reach.space, direction, layer, w, i);
                findings.push(example(&mut reach.space, f, w.sets[i].matched));
                continue;
            }
            let reaching = flows.reaching[index];
            let space = &mut reach.space;
            let reached = space.sets().and(first, reaching);
            let reached_maybe = space.sets().and(maybe, reaching);
            if reached.is_empty() && reached_maybe.is_empty() {
                if !first.is_empty() {
                    let f = preempted(reach, direction, rule, first);
                    findings.push(example(&mut reach.space, f, first));
                }
                continue;
            }
            // Redundant: only for rules whose own match is certain (a rule that might match
            // more for missing input could matter there).
            if !reached.is_empty() && w.sets[i].maybe.is_empty() {
                if let Some(f) = redundant(
                    &mut reach.space,
                    direction,
                    &all_layers,
                    &walked,
                    &flows,
                    index,
                    i,
                    reached,
                ) {
                    findings.push(example(&mut reach.space, f, reached));
                }
            }
            check(&reach.space, || {
                rule_words(rule, layer.layer, layer.resource, direction).replacen(
                    "at rule",
                    "checking rule",
                    1,
                )
            })?;
        }
    }

    if direction == Direction::Inbound {
        findings.extend(exposure(inputs, reach));
        check(&reach.space, || "looking for exposed services".to_string())?;
    }
    Ok(findings)
}

/// A shadowed rule: the earlier rules that decide its flows (first matches of its flows), cut
/// to one rule that matches all of them when there is one, preferring the opposite access.
fn shadowed(
    space: &mut FlowSpace,
    direction: Direction,
    layer: &LayerRules,
    w: &Walked,
    i: usize,
) -> Finding {
    let rule = layer.rules[i];
    let universe = space.universe();
    let matched = space.sets().and(w.sets[i].matched, universe);
    let opposite = |j: &usize| layer.rules[*j].access != rule.access;
    // One earlier rule that matches all its flows, the opposite access preferred; protocol
    // and ports compared first (a rule's flows are a product, so containment needs them).
    let mut single: Option<usize> = None;
    for j in 0..i {
        let candidate = layer.rules[j];
        if single.is_some() && !opposite(&j) {
            continue;
        }
        if !may_cover(candidate, rule) || !space.sets().subset(matched, w.sets[j].matched) {
            continue;
        }
        single = Some(j);
        if opposite(&j) {
            break;
        }
    }
    let chosen = match single {
        Some(j) => vec![j],
        None => {
            // The earlier rules that decide its flows, less those the others' whole matches
            // cover for, keeping one of opposite access (a conflict is worth naming).
            let mut deciders: Vec<usize> = Vec::new();
            // Its flows no decider found so far takes (first matches are disjoint).
            let mut left = matched;
            for j in 0..i {
                // The rules' own sets first: small, so a quick no for most rules.
                if w.firsts[j].is_empty()
                    || !may_meet(layer.rules[j], rule)
                    || !space.sets().intersects(matched, w.sets[j].matched)
                    || !space.sets().intersects(left, w.firsts[j])
                {
                    continue;
                }
                deciders.push(j);
                left = space.sets().diff(left, w.firsts[j]);
                if left.is_empty() {
                    break;
                }
            }
            // Greedily, in order: a rule goes when the ones kept before it and all after it
            // still match every flow (the unions of those after it made once, from the end).
            let pinned = deciders.iter().copied().find(opposite);
            if deciders.len() > 16 {
                deciders
            } else {
                let mut after = vec![Set::EMPTY; deciders.len() + 1];
                for k in (0..deciders.len()).rev() {
                    after[k] = space.sets().or(after[k + 1], w.sets[deciders[k]].matched);
                }
                let mut chosen = Vec::with_capacity(deciders.len());
                let mut kept = Set::EMPTY;
                for (k, &j) in deciders.iter().enumerate() {
                    let others = space.sets().or(kept, after[k + 1]);
                    if Some(j) == pinned || !space.sets().subset(matched, others) {
                        chosen.push(j);
                        kept = space.sets().or(kept, w.sets[j].matched);
                    }
                }
                chosen
            }
        }
    };
    let different = chosen.iter().any(opposite);
    let names: Vec<String> = chosen
        .iter()
        .map(|&j| layer.rules[j].reported_name())
        .collect();
    let mut f = finding(
        Kind::Shadowed,
        direction,
        format!(
            "{} never decides a flow: {} {} all its flows first{}",
            rule.reported_name(),
            names.join(", "),
            if names.len() == 1 { "matches" } else { "match" },
            if different {
                " (with the opposite access: a conflict)"
            } else {
                ""
            }
        ),
    );
    f.blocking_rules = names;
    f.different_access = Some(different);
    f
}

/// Whether `outer`'s protocol and ports hold all of `inner`'s: what `outer` matching every
/// flow `inner` matches needs (both matching some flow).
fn may_cover(outer: &Rule, inner: &Rule) -> bool {
    let protocol = match (outer.protocol, inner.protocol) {
        (RuleProtocol::Any, _) => true,
        (RuleProtocol::Only(a), RuleProtocol::Only(b)) => a == b,
        (RuleProtocol::Only(_), RuleProtocol::Any) => false,
    };
    protocol
        && ports_cover(&outer.source_ports, &inner.source_ports)
        && ports_cover(&outer.destination_ports, &inner.destination_ports)
}

/// Whether `a` and `b` may match a flow in common, by protocol and ports alone: `false`
/// proves they share none (a flow without ports meets a rule's ports only where they cover
/// every port, so disjoint ports leave none in common either). A cheap test before the sets'.
fn may_meet(a: &Rule, b: &Rule) -> bool {
    let protocol = match (a.protocol, b.protocol) {
        (RuleProtocol::Only(x), RuleProtocol::Only(y)) => x == y,
        _ => true,
    };
    let ports_meet = |x: &PortSide, y: &PortSide| {
        x.ranges().is_empty()
            || y.ranges().is_empty()
            || x.ranges().iter().any(|r| {
                y.ranges()
                    .iter()
                    .any(|q| r.start() <= q.end() && q.start() <= r.end())
            })
    };
    protocol
        && ports_meet(&a.source_ports, &b.source_ports)
        && ports_meet(&a.destination_ports, &b.destination_ports)
}

/// Whether every port of `inner` is in `outer`.
fn ports_cover(outer: &PortSide, inner: &PortSide) -> bool {
    if outer.covers_all() {
        return true;
    }
    if inner.ranges().is_empty() {
        return false;
    }
    inner.ranges().iter().all(|r| {
        // The ports from r's start on that outer covers without a gap.
        let mut next = u32::from(r.start());
        loop {
            let Some(step) = outer
                .ranges()
                .iter()
                .filter(|o| u32::from(o.start()) <= next && u32::from(o.end()) >= next)
                .map(|o| u32::from(o.end()) + 1)
                .max()
            else {
                return false;
            };
            if step > u32::from(r.end()) {
                return true;
            }
            next = step;
        }
    })
}

/// A preempted rule: the rules of earlier layers that decide the flows it would decide.
fn preempted(reach: &mut Reach, direction: Direction, rule: &Rule, first: Set) -> Finding {
    let mut deciders: Vec<String> = Vec::new();
    let mut undecided = first;
    for region in reach.regions.iter() {
        if undecided.is_empty() {
            break;
        }
        let both = reach.space.sets().and(region.flows, undecided);
        if both.is_empty() {
            continue;
        }
        undecided = reach.space.sets().diff(undecided, both);
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
    f.blocking_rules = deciders;
    f
}

/// Where flows decided in `layer` by a rule of access `access` go on: the access, and the
/// layer their evaluation continues at (none: it ends there).
type Path = (Access, Option<usize>);

fn path(flows: &Flowing, layer: usize, access: Access) -> Path {
    let next = match access {
        Access::Deny | Access::AlwaysAllow => None,
        Access::Allow if layer < flows.first_nsg => Some(flows.first_nsg),
        Access::Allow => Some(layer + 1),
    };
    (access, next)
}

/// Which of `set`, sent along `path`, end denied, and which then meet a rule that might match
/// them but for missing input.
fn after(space: &mut FlowSpace, flows: &Flowing, path: Path, set: Set) -> (Set, Set) {
    match path {
        (Access::Deny, None) => (set, Set::EMPTY),
        (_, None) => (Set::EMPTY, Set::EMPTY),
        (_, Some(next)) => {
            let denied = space.sets().and(set, flows.deny_from[next]);
            let unsure = space.sets().and(set, flows.unsure_from[next]);
            (denied, unsure)
        }
    }
}

/// A redundant rule: the flows it decides (`reached`) end with the same access when the
/// rules after it in its layer take them. `None` when removing it changes some flow's access.
#[allow(clippy::too_many_arguments)]
fn redundant(
    space: &mut FlowSpace,
    direction: Direction,
    layers: &[LayerRules],
    walked: &[Walked],
    flows: &Flowing,
    index: usize,
    i: usize,
    reached: Set,
) -> Option<Finding> {
    let layer = &layers[index];
    let w = &walked[index];
    let rule = layer.rules[i];
    let own = w.sets[i].matched;
    let own_path = path(flows, index, rule.access);
    let (now, unsure_now) = after(space, flows, own_path, reached);
    // Removing it changes no access exactly when each part of its flows that another rule
    // (or the next layer) would take ends denied just where it does now, and surely so: a
    // part sent along another path than now must meet, on neither path, a rule that might
    // match it but for missing input (that rule could decide it, one way or the other).
    let same = |space: &mut FlowSpace, other: Path, part: Set| {
        let (denied, unsure) = after(space, flows, other, part);
        let denied_now = space.sets().and(now, part);
        denied == denied_now
            && (other == own_path
                || (unsure.is_empty() && !space.sets().intersects(unsure_now, part)))
    };
    let mut remaining = reached;
    let mut takers: Vec<String> = Vec::new();
    for (j, later) in layer.rules.iter().enumerate().skip(i + 1) {
        if remaining.is_empty() {
            break;
        }
        if !may_meet(later, rule) {
            continue;
        }
        // A rule after it that might match some of its flows but for missing input (a
        // name without members) makes their fate without it uncertain: not reported. Asked
        // before whether the rule surely matches them, as its known part may be empty.
        if space.sets().intersects(remaining, w.sets[j].maybe) {
            return None;
        }
        // The rules' own sets first: small, so a quick no for most rules.
        if !space.sets().intersects(own, w.sets[j].matched)
            || !space.sets().intersects(remaining, w.sets[j].matched)
        {
            continue;
        }
        let (part, rest) = space.sets().and_diff(remaining, w.sets[j].matched);
        remaining = rest;
        if !same(space, path(flows, index, later.access), part) {
            return None;
        }
        takers.push(later.reported_name());
    }
    // No rule of the layer matches the rest: they go on to the next layer.
    if !remaining.is_empty() && !same(space, (Access::Allow, Some(index + 1)), remaining) {
        return None;
    }
    let mut f = finding(
        Kind::Redundant,
        direction,
        format!(
            "{} decides flows, but without it they keep their access: {} them the same",
            rule.reported_name(),
            match takers.len() {
                0 => "the next layers give".to_string(),
                1 => format!("{} gives", takers[0]),
                n => format!("{} give", names(&takers, n)),
            }
        ),
    );
    f.blocking_rules = takers;
    Some(f)
}

/// Risky services allowed from the Internet (its public addresses but Azure's platform
/// address, which the default rules let in) on the final verdict.
fn exposure(inputs: &Inputs, reach: &mut crate::reach::Reach) -> Vec<Finding> {
    let mut out = Vec::new();
    let space = &mut reach.space;
    let Some(internet) = space.tag_of(inputs, End::Source, "Internet") else {
        return out;
    };
    let host = space.nets(End::Source, &[IpNet::from(IpAddr::V4(AZURE_HOST))]);
    let from_internet = space.sets().diff(internet, host);
    let allowing: Vec<Set> = reach
        .regions
        .iter()
        .filter(|r| r.access == Decision::Allow)
        .map(|r| r.flows)
        .collect();
    let allowed = reach.space.sets().or_all(&allowing);
    for &(protocol, lo, hi) in RISKY {
        let space = &mut reach.space;
        let p = space.protocol(protocol);
        let ports = space.port_range(End::Destination, lo, hi);
        let service = space.sets().and(p, ports);
        let service = space.sets().and(service, from_internet);
        let open = space.sets().and(service, allowed);
        if open.is_empty() {
            continue;
        }
        let rules: Vec<String> = reach
            .regions
            .iter()
            .filter(|r| r.access == Decision::Allow)
            .filter(|r| reach.space.sets().intersects(r.flows, open))
            .filter_map(|r| r.rule_name.clone())
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

/// Tags, ASGs and network groups rules name whose membership no input gives (`unresolved`
/// findings, both directions).
pub fn unresolved(inputs: &Inputs) -> Vec<Finding> {
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
