//! Reachability: every flow of a direction at once, partitioned into regions that share their
//! verdict (`docs/semantics.md`, Reach regions). For every flow in a region, [`crate::verify`]
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
//! let mut reach = reach(&inputs, Direction::Inbound).unwrap();
//! let https = reach.regions.iter()
//!     .find(|r| r.rule_name.as_deref() == Some("securityRules/AllowHttps"))
//!     .unwrap();
//! assert_eq!(https.access, Decision::Allow);
//! let example = reach.space.example(https.flows, Direction::Inbound).unwrap();
//! assert_eq!(example.destination().port(), Some(443));
//! ```

use crate::flowset::{End, FlowSpace};
use crate::inputs::Inputs;
use crate::mdd::Set;
use crate::model::{Access, Direction};
use crate::verdict::{Decision, Layer};
use crate::walk::{check, layers, walk_all, TooLarge, Walked};

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
    /// The layers walked over every flow (local end anywhere), when the regions cover every
    /// flow: what the findings read again ([`crate::lint::lint_with`]).
    pub(crate) walks: Option<Vec<Walked>>,
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

/// Partitions every flow of `direction` by verdict.
pub fn reach(inputs: &Inputs, direction: Direction) -> Result<Reach, TooLarge> {
    reach_within(inputs, direction, &[])
}

/// Partitions the flows of `direction` whose local end (inbound the destination, outbound the
/// source) is in `local` (empty: any address) by verdict.
pub fn reach_within(
    inputs: &Inputs,
    direction: Direction,
    local: &[ipnet::IpNet],
) -> Result<Reach, TooLarge> {
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
) -> Result<Reach, TooLarge> {
    let within = within(&mut space, direction, local);
    let walks = walk_all(&mut space, inputs, direction, within)?;
    let regions = regions_from(&mut space, inputs, direction, within, &walks)?;
    Ok(Reach {
        direction,
        regions,
        space,
        walks: local.is_empty().then_some(walks),
    })
}

impl Reach {
    /// The regions in the order every front end lists them: allowed before denied, certain
    /// before uncertain, otherwise as found (indices into [`Reach::regions`]).
    ///
    /// ```
    /// use flowverify::model::Direction;
    /// use flowverify::reach::reach;
    /// use flowverify::{Decision, Inputs};
    /// let r = reach(&Inputs::new(), Direction::Inbound).unwrap();
    /// let order = r.reading_order();
    /// assert_eq!(order.len(), r.regions.len());
    /// assert!(order.windows(2).all(|w| {
    ///     let (a, b) = (&r.regions[w[0]], &r.regions[w[1]]);
    ///     (a.access != Decision::Allow, a.uncertain) <= (b.access != Decision::Allow, b.uncertain)
    /// }));
    /// ```
    pub fn reading_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.regions.len()).collect();
        order.sort_by_key(|&i| {
            let r = &self.regions[i];
            (r.access != Decision::Allow, r.uncertain)
        });
        order
    }

    /// The same verdicts for the flows whose local end is in `local` only (every flow when
    /// empty): each region cut to those flows, the regions left empty dropped. What a caller
    /// that also needs every flow (the findings) does instead of a second walk. `None` when
    /// the space was not made for `local` (see [`crate::flowset::SpaceBuilder::nets`]).
    ///
    /// ```
    /// use flowverify::flowset::FlowSpace;
    /// use flowverify::model::Direction;
    /// use flowverify::reach::{reach, reach_in, reach_within};
    /// use flowverify::Inputs;
    /// let inputs = Inputs::new();
    /// let local = ["10.0.1.4/32".parse().unwrap()];
    /// let space = FlowSpace::builder().inputs(&inputs).nets(&local).build();
    /// let every = reach_in(space, &inputs, Direction::Inbound, &[]).unwrap();
    /// let narrowed = every.narrowed(&local).unwrap();
    /// let direct = reach_within(&inputs, Direction::Inbound, &local).unwrap();
    /// assert_eq!(narrowed.regions.len(), direct.regions.len());
    /// // A space made without those addresses cannot cut them.
    /// assert!(reach(&inputs, Direction::Inbound).unwrap().narrowed(&local).is_none());
    /// ```
    pub fn narrowed(mut self, local: &[ipnet::IpNet]) -> Option<Reach> {
        if local.is_empty() {
            return Some(self);
        }
        let end = match self.direction {
            Direction::Inbound => End::Destination,
            Direction::Outbound => End::Source,
        };
        let nets = self.space.try_nets(end, local)?;
        let space = &mut self.space;
        let universe = space.universe();
        let within = space.sets().and(universe, nets);
        self.regions = std::mem::take(&mut self.regions)
            .into_iter()
            .filter_map(|mut r| {
                r.flows = space.sets().and(r.flows, within);
                (!r.flows.is_empty()).then_some(r)
            })
            .collect();
        self.walks = None;
        Some(self)
    }
}

/// The flows of `direction` whose local end is in `local` (empty: every flow).
pub(crate) fn within(space: &mut FlowSpace, direction: Direction, local: &[ipnet::IpNet]) -> Set {
    let universe = space.universe();
    if local.is_empty() {
        return universe;
    }
    let end = match direction {
        Direction::Inbound => End::Destination,
        Direction::Outbound => End::Source,
    };
    let nets = space.nets(end, local);
    space.sets().and(universe, nets)
}

/// The regions of `direction` over the flows of `within`, composed from the walks of its
/// layers over those flows (`walks`, one per layer of [`crate::walk::layers`]).
///
/// The composition is the evaluator's, on sets: admin configurations in scope order (Deny and
/// AlwaysAllow decide, Allow hands over to the NSGs and ends the admin evaluation), then the
/// NSGs in the direction's order (a Deny decides; an Allow is carried to the next NSG, and the
/// last NSG's allowing rule is the one named). A layer's first matches are the walk's, cut to
/// the flows that reach it.
pub(crate) fn regions_from(
    space: &mut FlowSpace,
    inputs: &Inputs,
    direction: Direction,
    within: Set,
    walks: &[Walked],
) -> Result<Vec<Region>, TooLarge> {
    let all = layers(inputs, direction);
    let mut decided: Vec<(Decision, Decider, Set)> = Vec::new();
    let mut uncertain = Vec::new();

    // Flows no layer has decided; those handed over by an admin Allow are keyed by its rule.
    let mut open = within;
    let mut pending: Vec<Pending> = Vec::new();
    let first_nsg = all
        .iter()
        .position(|l| l.layer != Layer::Admin)
        .unwrap_or(all.len());
    for (index, (layer, w)) in all.iter().zip(walks).enumerate() {
        if index == first_nsg {
            // Every flow the admin layers did not decide reaches the NSGs.
            if !open.is_empty() {
                pending.push(Pending {
                    decider: None,
                    flows: open,
                });
            }
        }
        let admin = index < first_nsg;
        let reaching = if admin {
            open
        } else {
            let flows: Vec<Set> = pending.iter().map(|p| p.flows).collect();
            space.sets().or_all(&flows)
        };
        if reaching.is_empty() {
            continue;
        }
        let maybe = space.sets().and(w.maybe, reaching);
        uncertain.push(maybe);
        let mut next: Vec<Pending> = Vec::new();
        for (rule, first) in layer.rules.iter().zip(&w.firsts) {
            if first.is_empty() {
                continue;
            }
            let first = space.sets().and(*first, reaching);
            if first.is_empty() {
                continue;
            }
            let decider = Decider {
                rule: rule.reported_name(),
                layer: layer.layer,
                resource: layer.resource.to_string(),
            };
            match rule.access {
                Access::Deny => decided.push((Decision::Deny, decider, first)),
                // NSG rules are Allow or Deny; an AlwaysAllow there (an effective list's admin
                // rule out of place) decides at once, as it does in the evaluator.
                Access::AlwaysAllow => decided.push((Decision::Allow, decider, first)),
                Access::Allow if admin => pending.push(Pending {
                    decider: Some(decider),
                    flows: first,
                }),
                Access::Allow => next.push(Pending {
                    decider: Some(decider),
                    flows: first,
                }),
            }
        }
        if admin {
            open = space.sets().and(open, w.none);
        } else {
            // Flows no rule of this NSG matched keep their previous decider.
            let remaining = space.sets().and(w.none, reaching);
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
        check(space, || {
            format!(
                "composing the verdicts of {} {} ({})",
                layer.layer.as_str(),
                crate::error::clip(layer.resource),
                direction.as_str().to_ascii_lowercase()
            )
        })?;
    }
    if first_nsg == all.len() && !open.is_empty() {
        pending.push(Pending {
            decider: None,
            flows: open,
        });
    }
    let uncertain = space.sets().or_all(&uncertain);

    // Every flow still pending is allowed, by its decider (or by nothing).
    let mut regions = Vec::new();
    let mut push = |space: &mut FlowSpace, access, decider: Option<Decider>, flows: Set| {
        let (unsure, sure) = space.sets().and_diff(flows, uncertain);
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
    type Key = (Decision, Option<String>, Layer, Option<String>, bool);
    let mut index: std::collections::HashMap<Key, usize> = std::collections::HashMap::new();
    for r in regions {
        let key = (
            r.access,
            r.rule_name.clone(),
            r.layer,
            r.resource.clone(),
            r.uncertain,
        );
        match index.get(&key) {
            Some(&i) => merged[i].flows = space.sets().or(merged[i].flows, r.flows),
            None => {
                index.insert(key, merged.len());
                merged.push(r);
            }
        }
    }
    check(space, || {
        format!(
            "joining the verdicts ({})",
            direction.as_str().to_ascii_lowercase()
        )
    })?;
    Ok(merged)
}
