//! What a change does to every flow (`docs/semantics.md`, Diff changes): the flows whose
//! access, deciding rule or deciding layer differs between two sets of inputs, as regions with
//! both verdicts. Exact: both partitions live in one space and are intersected.
//!
//! ```
//! use flowverify::diff::diff;
//! use flowverify::import::import;
//! use flowverify::model::Direction;
//! use flowverify::{Decision, Inputs, Slot};
//! let nsg = |port: &str| format!(r#"{{"name": "nsg", "securityRules": [{{"name": "AllowWeb",
//!   "properties": {{"priority": 100, "direction": "Inbound", "access": "Allow",
//!   "protocol": "Tcp", "sourceAddressPrefix": "*", "sourcePortRange": "*",
//!   "destinationAddressPrefix": "*", "destinationPortRange": "{port}"}}}}]}}"#);
//! let mut before = Inputs::new();
//! before.add(Slot::NicNsg, import("before.json", &nsg("443")).unwrap()).unwrap();
//! let mut after = Inputs::new();
//! after.add(Slot::NicNsg, import("after.json", &nsg("443,8443")).unwrap()).unwrap();
//! let mut changes = diff(&before, &after, &[Direction::Inbound]).unwrap();
//! // Changes of access come first: here one, Tcp 8443 opened.
//! let opened = &changes.changes[0];
//! let access_changes = changes.changes.iter().filter(|c| c.before.access != c.after.access);
//! assert_eq!(access_changes.count(), 1);
//! assert_eq!((opened.before.access, opened.after.access), (Decision::Deny, Decision::Allow));
//! let example = changes.space.example(opened.flows, Direction::Inbound).unwrap();
//! assert_eq!(example.destination().port(), Some(8443));
//! ```

use crate::flowset::FlowSpace;
use crate::inputs::Inputs;
use crate::mdd::Set;
use crate::model::Direction;
use crate::reach::{regions_from, Region};
use crate::verdict::{Decision, Layer};
use crate::walk::{layers, walk, TooLarge, Walked};

/// One side of a change: the verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    /// Allow or Deny.
    pub access: Decision,
    /// The deciding rule.
    pub rule_name: Option<String>,
    /// The deciding layer.
    pub layer: Layer,
    /// The NSG or admin configuration that decided.
    pub resource: Option<String>,
}

impl Side {
    fn of(region: &Region) -> Side {
        Side {
            access: region.access,
            rule_name: region.rule_name.clone(),
            layer: region.layer,
            resource: region.resource.clone(),
        }
    }
}

/// Flows whose verdict changed one same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The direction.
    pub direction: Direction,
    /// Their verdict before.
    pub before: Side,
    /// Their verdict after.
    pub after: Side,
    /// The flows (never empty).
    pub flows: Set,
}

/// Every change between two sets of inputs, with the space their sets live in.
#[derive(Debug, Clone)]
pub struct Diff {
    /// The changes, those of access first.
    pub changes: Vec<Change>,
    /// The space the sets live in.
    pub space: FlowSpace,
}

/// Whether two sets of inputs give every rule the same sets: the same tags, virtual network
/// prefixes and ASG members.
fn same_definitions(a: &Inputs, b: &Inputs) -> bool {
    a.service_tags == b.service_tags
        && a.virtual_network == b.virtual_network
        && a.asgs == b.asgs
        && a.nics == b.nics
}

/// The flows whose access, deciding rule or deciding layer differs between `before` and
/// `after`, in each of `directions`. A layer the change leaves as it was (the same rules, the
/// same definitions of the names they use) is walked once for both.
pub fn diff(before: &Inputs, after: &Inputs, directions: &[Direction]) -> Result<Diff, TooLarge> {
    // Each direction in a space of its own, its changes kept in the answer's: the work of one
    // direction is gone before the next begins.
    let made = FlowSpace::for_inputs(&[before, after]);
    let mut kept = made.clone();
    let mut all: Vec<Change> = Vec::new();
    let same = same_definitions(before, after);
    for &direction in directions {
        let mut space = made.clone();
        let mut changes = Vec::new();
        let universe = space.universe();
        let old_layers = layers(before, direction);
        let mut old_walks: Vec<Walked> = Vec::with_capacity(old_layers.len());
        for layer in &old_layers {
            old_walks.push(walk(&mut space, before, layer, direction, universe)?);
        }
        let old = regions_from(&mut space, before, direction, universe, &old_walks)?;
        space.forget_tags();
        let mut new_walks: Vec<Walked> = Vec::new();
        for layer in &layers(after, direction) {
            let reused = old_layers.iter().position(|o| {
                same && o.layer == layer.layer
                    && o.resource == layer.resource
                    && o.rules == layer.rules
            });
            new_walks.push(match reused {
                Some(i) => old_walks[i].clone(),
                None => walk(&mut space, after, layer, direction, universe)?,
            });
        }
        let new = regions_from(&mut space, after, direction, universe, &new_walks)?;
        let key = |r: &Region| (r.access, r.rule_name.clone(), r.layer);
        for b in &new {
            // Only the part of `b` that had another verdict before is split by the old regions
            // (a small change leaves most of every region as it was).
            let mut same = Set::EMPTY;
            for a in old.iter().filter(|a| key(a) == key(b)) {
                same = space.sets().or(same, a.flows);
            }
            let changed = space.sets().diff(b.flows, same);
            if changed.is_empty() {
                continue;
            }
            for a in &old {
                if key(a) == key(b) || !space.sets().intersects(a.flows, changed) {
                    continue;
                }
                let flows = space.sets().and(a.flows, changed);
                let (before, after) = (Side::of(a), Side::of(b));
                // Regions differ by their uncertain flag too: one change per pair of verdicts.
                match changes.iter_mut().find(|c: &&mut Change| {
                    c.direction == direction && c.before == before && c.after == after
                }) {
                    Some(c) => c.flows = space.sets().or(c.flows, flows),
                    None => changes.push(Change {
                        direction,
                        before,
                        after,
                        flows,
                    }),
                }
            }
        }
        crate::walk::check(&space, || "comparing the verdicts".to_string())?;
        let sets: Vec<Set> = changes.iter().map(|c| c.flows).collect();
        for (c, flows) in changes.iter_mut().zip(kept.keep(&space, &sets)) {
            c.flows = flows;
        }
        all.extend(changes);
    }
    crate::walk::check(&kept, || "keeping the changes".to_string())?;
    all.sort_by_key(|c| (c.before.access == c.after.access, c.direction));
    Ok(Diff {
        changes: all,
        space: kept,
    })
}
