//! The budget on answers that list sets of flows (the JSON of reach, search and diff, and the
//! page's script interface): how long one would be, known from the diagrams before a byte of it
//! is written, and the error past the budget.
//!
//! A set's diagram shares its parts; its boxes ([`crate::flowset::FlowBox`]) do not. The flows a
//! host allow-list leaves to `DenyAllInBound` are, per port of the list, every address but its
//! hosts: thousands of CIDR blocks, written again in each of thousands of boxes. On 1,000 rules
//! of 10-100 hosts that is 14 GB of JSON for one direction (`docs/design/sets.md`). The text form
//! names each box's first blocks and counts the rest, and stays short; a JSON answer that would
//! list more than [`LIMIT`] values is refused with [`TooLong`] instead of filling a disk or the
//! page's memory.

use std::fmt;

use crate::diff::Diff;
use crate::flowset::FlowSpace;
use crate::mdd::Set;
use crate::reach::Reach;
use crate::search::Found;

/// How many values (protocols, CIDR blocks, port ranges) one answer lists at most: about
/// 60 MB of pretty JSON, which the page's worker still writes within its memory budget.
pub const LIMIT: u128 = 2_000_000;

/// An answer that would list more than its budget of values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLong {
    /// The budget it went past.
    pub limit: u128,
    /// The part of the answer where it went past, in words ("the flows denied by
    /// defaultSecurityRules/DenyAllInBound of NIC NSG nsg-web").
    pub at: String,
}

impl fmt::Display for TooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the answer would list more than {} address blocks, port ranges and protocols, the \
             most FlowVerify writes as JSON at once (it went past them at {}). Ask about fewer \
             flows (search with a source, destination, protocol or ports), or read the text \
             form, which names each set's first blocks and counts the rest",
            thousands(self.limit),
            self.at
        )
    }
}

impl std::error::Error for TooLong {}

/// `n` with thousands separated by commas (as replay's figures are written).
fn thousands(n: u128) -> String {
    crate::replay::thousands(u64::try_from(n).unwrap_or(u64::MAX))
}

/// A part of an answer in words, made only when it is the longest of one too long.
type Words<'a> = Box<dyn FnOnce() -> String + 'a>;

/// Checks that the parts of an answer (each a set and its words) list at most `limit` values
/// together; stops counting at the part that goes past.
fn check<'a>(
    space: &mut FlowSpace,
    parts: impl IntoIterator<Item = (Set, Words<'a>)>,
    limit: u128,
) -> Result<(), TooLong> {
    let mut total = 0u128;
    for (set, words) in parts {
        total = total.saturating_add(space.listed_values(set, limit.saturating_sub(total)));
        if total > limit {
            return Err(TooLong { limit, at: words() });
        }
    }
    Ok(())
}

/// The words of a verdict's flows: "the flows denied by securityRules/X of NIC NSG nsg-web".
fn decided(
    access: crate::verdict::Decision,
    rule: Option<&str>,
    layer: crate::verdict::Layer,
    resource: Option<&str>,
) -> String {
    let participle = match access {
        crate::verdict::Decision::Allow => "allowed",
        crate::verdict::Decision::Deny => "denied",
    };
    match rule {
        Some(rule) => format!(
            "the flows {participle} by {} of {}",
            crate::error::clip(rule),
            crate::verdict::Place::new(layer, resource)
        ),
        None => format!("the flows {participle} with no rule deciding"),
    }
}

/// Checks the reach object of `reach` against `limit` values ([`LIMIT`] for answers).
///
/// ```
/// use flowverify::model::Direction;
/// use flowverify::{listing, reach, Inputs};
/// let mut r = reach::reach(&Inputs::new(), Direction::Inbound).unwrap();
/// assert!(listing::reach(&mut r, listing::LIMIT).is_ok());
/// let e = listing::reach(&mut r, 1).unwrap_err();
/// assert!(e.to_string().contains("no rule deciding"), "{e}");
/// ```
pub fn reach(reach: &mut Reach, limit: u128) -> Result<(), TooLong> {
    let parts = reach.regions.iter().map(|r| {
        let words: Words = Box::new(|| {
            decided(
                r.access,
                r.rule_name.as_deref(),
                r.layer,
                r.resource.as_deref(),
            )
        });
        (r.flows, words)
    });
    check(&mut reach.space, parts, limit)
}

/// Checks the search object of `found` against `limit` values.
pub fn found(found: &mut Found, limit: u128) -> Result<(), TooLong> {
    let parts: [(Set, Words); 1] = [(found.flows, Box::new(|| "the flows found".to_string()))];
    check(&mut found.reach.space, parts, limit)
}

/// Checks the diff object of `diff` against `limit` values.
pub fn diff(diff: &mut Diff, limit: u128) -> Result<(), TooLong> {
    let parts = diff.changes.iter().map(|c| {
        let words: Words = Box::new(|| {
            format!(
                "the {} flows that change from {} to {}",
                c.direction.as_str().to_ascii_lowercase(),
                c.before.access.as_str(),
                c.after.access.as_str()
            )
        });
        (c.flows, words)
    });
    check(&mut diff.space, parts, limit)
}
