//! Search: one flow inside a query that gets a wanted verdict, or the proof that none exists
//! (`docs/semantics.md`, Search; `docs/formats.md`, flowverify search). The search is exhaustive:
//! it works on the exact set of flows, so "none" is a proof, not a failure to find.
//!
//! ```
//! use flowverify::import::import;
//! use flowverify::model::{AddressSide, Direction, PortSide};
//! use flowverify::search::{search, Query};
//! use flowverify::{Decision, Inputs, Slot};
//! let nsg = r#"{"name": "nsg-web", "securityRules": [{"name": "AllowSsh", "properties": {
//!   "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
//!   "sourceAddressPrefix": "10.10.0.0/24", "sourcePortRange": "*",
//!   "destinationAddressPrefix": "*", "destinationPortRange": "22"}}]}"#;
//! let mut inputs = Inputs::new();
//! inputs.add(Slot::NicNsg, import("nsg.json", nsg).unwrap()).unwrap();
//! // Is SSH open from the Internet? Only from Azure's platform address, which the default
//! // rule AllowAzureLoadBalancerInBound lets in.
//! let query = Query {
//!     source: Query::addresses("Internet").unwrap(),
//!     destination_ports: Query::ports("22").unwrap(),
//!     access: Some(Decision::Allow),
//!     ..Query::new(Direction::Inbound)
//! };
//! let mut found = search(&inputs, &query).unwrap();
//! assert_eq!(found.example().unwrap().source().ip().to_string(), "168.63.129.16");
//! // From 203.0.113.0/24: none, and that is a proof.
//! let query = Query { source: Query::addresses("203.0.113.0/24").unwrap(), ..query };
//! assert!(search(&inputs, &query).unwrap().is_empty());
//! // From the admin subnet, yes.
//! let query = Query { source: Query::addresses("10.10.0.0/16").unwrap(), ..query };
//! let mut found = search(&inputs, &query).unwrap();
//! let example = found.example().unwrap();
//! assert_eq!(example.destination().port(), Some(22));
//! ```

use crate::flow::Flow;
use crate::flowset::{End, FlowSpace};
use crate::inputs::Inputs;
use crate::mdd::Set;
use crate::model::{AddressEntry, AddressSide, Direction, PortSide, Protocol};
use crate::reach::{reach_in, Reach};
use crate::verdict::Decision;
use crate::walk::TooLarge;

/// What to search for: flows of a direction within the given values, with the wanted verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The direction.
    pub direction: Direction,
    /// The protocols (empty: any).
    pub protocols: Vec<Protocol>,
    /// Source addresses (no entries: any).
    pub source: AddressSide,
    /// Source ports (no ranges: any).
    pub source_ports: PortSide,
    /// Destination addresses (no entries: any).
    pub destination: AddressSide,
    /// Destination ports (no ranges: any).
    pub destination_ports: PortSide,
    /// The wanted access (none: either).
    pub access: Option<Decision>,
    /// The wanted deciding rule, as `ruleName` names it or by its bare name.
    pub rule: Option<String>,
}

/// Why a query cannot be searched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// An address that is not an IP, a CIDR block, `*` or a tag name.
    #[error("'{0}' is not an IP address, CIDR block, * or tag name")]
    BadAddress(String),
    /// A tag no input defines.
    #[error("tag '{0}' is not defined by any input (give a service tags file that defines it)")]
    UnknownTag(String),
    /// A port that is not `N`, `A-B` or `*`.
    #[error("port '{0}' is not a number from 0 to 65535, a range A-B or *")]
    BadPort(String),
    /// The search needs more than the set engine may hold.
    #[error("{0}")]
    TooLarge(#[from] TooLarge),
}

impl Query {
    /// What a search that found nothing proves, in words (every front end's): `None: no
    /// inbound flow of the query is allowed by securityRules/AllowSsh; the search covers every
    /// flow, so this is a proof`.
    ///
    /// ```
    /// use flowverify::model::Direction;
    /// use flowverify::search::Query;
    /// use flowverify::Decision;
    /// let query = Query { access: Some(Decision::Deny), ..Query::new(Direction::Inbound) };
    /// assert_eq!(
    ///     query.none_words(),
    ///     "None: no inbound flow of the query is denied; the search covers every flow, so this is a proof"
    /// );
    /// ```
    pub fn none_words(&self) -> String {
        let participle = |a: Decision| match a {
            Decision::Allow => "allowed",
            Decision::Deny => "denied",
        };
        let what = match (self.access, &self.rule) {
            (Some(a), Some(r)) => format!("is {} by {r}", participle(a)),
            (Some(a), None) => format!("is {}", participle(a)),
            (None, Some(r)) => format!("is decided by {r}"),
            (None, None) => "exists".to_string(),
        };
        format!(
            "None: no {} flow of the query {what}; the search covers every flow, so this is a proof",
            self.direction.as_str().to_ascii_lowercase()
        )
    }

    /// Every flow of `direction`, either verdict.
    pub fn new(direction: Direction) -> Query {
        Query {
            direction,
            protocols: Vec::new(),
            source: AddressSide::any(),
            source_ports: PortSide::any(),
            destination: AddressSide::any(),
            destination_ports: PortSide::any(),
            access: None,
            rule: None,
        }
    }

    /// A comma-separated list of IPs, CIDR blocks, `*` and tag names.
    pub fn addresses(text: &str) -> Result<AddressSide, QueryError> {
        let mut entries = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match AddressEntry::parse(part) {
                Some(AddressEntry::Any) => return Ok(AddressSide::any()),
                Some(e @ (AddressEntry::Prefix(_) | AddressEntry::Tag(_))) => entries.push(e),
                _ => return Err(QueryError::BadAddress(crate::error::clip(part))),
            }
        }
        Ok(AddressSide::from_entries(entries))
    }

    /// A comma-separated list of ports `N`, `A-B` and `*`.
    pub fn ports(text: &str) -> Result<PortSide, QueryError> {
        let mut ranges = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let range = crate::model::PortRange::parse(part)
                .ok_or_else(|| QueryError::BadPort(crate::error::clip(part)))?;
            if range == crate::model::PortRange::ALL {
                return Ok(PortSide::any());
            }
            ranges.push(range);
        }
        Ok(PortSide::from_ranges(ranges))
    }
}

/// The flows a query found, with the reach they were found in.
#[derive(Debug, Clone)]
pub struct Found {
    /// Every flow of the query with the wanted verdict (empty: none exists).
    pub flows: Set,
    /// The reach of the query's direction: its space holds `flows`.
    pub reach: Reach,
}

impl Found {
    /// Whether no such flow exists.
    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    /// The flow a person would pick among those found.
    pub fn example(&mut self) -> Option<Flow> {
        self.reach.space.example(self.flows, self.reach.direction)
    }
}

/// Whether `name` (as `ruleName` writes it, or bare) names `rule_name`.
fn names(name: &str, rule_name: &str) -> bool {
    let name = name.trim();
    rule_name.eq_ignore_ascii_case(name)
        || rule_name
            .rsplit('/')
            .next()
            .is_some_and(|bare| bare.eq_ignore_ascii_case(name))
}

/// Searches every flow of the query's direction for those with the wanted verdict.
pub fn search(inputs: &Inputs, query: &Query) -> Result<Found, QueryError> {
    let mut builder = FlowSpace::builder()
        .inputs(inputs)
        .ports(&query.source_ports)
        .ports(&query.destination_ports);
    for entry in query
        .source
        .entries()
        .iter()
        .chain(query.destination.entries())
    {
        if let AddressEntry::Prefix(net) = entry {
            builder = builder.nets(&[*net]);
        }
    }
    let mut reach = reach_in(builder.build(), inputs, query.direction, &[])?;
    let space = &mut reach.space;
    let mut within = space.universe();
    if !query.protocols.is_empty() {
        let mut protocols = Set::EMPTY;
        for p in &query.protocols {
            let one = space.protocol(*p);
            protocols = space.sets().or(protocols, one);
        }
        within = space.sets().and(within, protocols);
    }
    for (end, side, ports) in [
        (End::Source, &query.source, &query.source_ports),
        (
            End::Destination,
            &query.destination,
            &query.destination_ports,
        ),
    ] {
        let addresses = addresses(space, inputs, end, side)?;
        let ports = space.ports(end, ports);
        within = space.sets().and(within, addresses);
        within = space.sets().and(within, ports);
    }
    let mut flows = Set::EMPTY;
    for region in &reach.regions {
        let wanted_access = query.access.is_none_or(|a| a == region.access);
        let wanted_rule = query.rule.as_deref().is_none_or(|name| {
            region
                .rule_name
                .as_deref()
                .is_some_and(|rule| names(name, rule))
        });
        if wanted_access && wanted_rule {
            let part = reach.space.sets().and(region.flows, within);
            flows = reach.space.sets().or(flows, part);
        }
    }
    crate::walk::check(&reach.space, || {
        "intersecting the query with the verdicts".to_string()
    })?;
    Ok(Found { flows, reach })
}

fn addresses(
    space: &mut FlowSpace,
    inputs: &Inputs,
    end: End,
    side: &AddressSide,
) -> Result<Set, QueryError> {
    if side.entries().is_empty() {
        return Ok(Set::FULL);
    }
    let mut set = Set::EMPTY;
    for entry in side.entries() {
        let one = match entry {
            AddressEntry::Prefix(net) => space.address(end, *net),
            AddressEntry::Tag(name) => space
                .tag_of(inputs, end, name)
                .ok_or_else(|| QueryError::UnknownTag(crate::error::clip(name)))?,
            _ => Set::FULL,
        };
        set = space.sets().or(set, one);
    }
    Ok(set)
}
