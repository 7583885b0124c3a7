//! Replay: the flows of Azure flow logs ([`crate::flowlog`]) verified against the inputs, to
//! see what a rule change would do to the traffic that really happened (`docs/semantics.md`,
//! Flow logs).
//!
//! Tuples are gathered into distinct **flows**: (direction, protocol, source, source port,
//! destination, destination port, logged decision), with their tuples, packets and bytes summed
//! (the ports of Icmp, Esp and Ah tuples are ignored). Memory grows with the distinct flows,
//! never with the tuples. Then each distinct flow is verified once, by a pluggable verdict
//! function ([`judge`] asks [`crate::verify_with`] without a trace), and compared with what Azure
//! logged: **unchanged**, **newly denied** (logged allowed, Deny now), **newly allowed** (logged
//! denied, Allow now) or **not verifiable** (a protocol FlowVerify does not model, or a VNet
//! flow log's denial for encryption). Changed flows are grouped by the change and the rule and
//! layer that now decide, with flow counts, packets and bytes, and a few example flows (the
//! heaviest).
//!
//! ```
//! use flowverify::replay::{judge, Change, Replay};
//! use flowverify::Scenario;
//! let scenario = Scenario::from_json("web.json", r#"{"version": 1,
//!   "nicNsg": {"name": "nsg-web", "securityRules": [{"name": "AllowHttps", "properties": {
//!     "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
//!     "sourceAddressPrefix": "Internet", "sourcePortRange": "*",
//!     "destinationAddressPrefix": "*", "destinationPortRange": "443"}}]}}"#).unwrap();
//! let inputs = scenario.inputs("web.json").unwrap();
//! let log = r#"{"records": [{"category": "NetworkSecurityGroupFlowEvent",
//!   "properties": {"Version": 2, "flows": [{"rule": "UserRule_AllowSsh", "flows": [{
//!     "mac": "000D3AF87856", "flowTuples": [
//!       "1542110402,203.0.113.7,10.0.1.4,50000,22,T,I,A,B,,,,",
//!       "1542110403,203.0.113.7,10.0.1.4,50000,22,T,I,A,E,5,500,4,400",
//!       "1542110404,203.0.113.8,10.0.1.4,50001,443,T,I,A,B,,,,"]}]}]}}]}"#;
//! let mut replay = Replay::new();
//! replay.read("PT1H.json", log).unwrap();
//! let report = replay.verify(5, judge(&inputs));
//! assert_eq!((report.tuples, report.flows, report.unchanged, report.newly_denied), (3, 2, 1, 1));
//! let group = &report.groups[0];
//! assert_eq!(group.change, Change::NewlyDenied);
//! assert_eq!(group.rule_name.as_deref(), Some("defaultSecurityRules/DenyAllInBound"));
//! assert_eq!((group.flows, group.packets, group.bytes), (1, 9, 900));
//! assert_eq!(report.to_json()["groups"][0]["examples"][0]["local"], "10.0.1.4:22");
//! ```

mod store;

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::net::IpAddr;

use rustc_hash::FxHashMap;
use serde_json::Value;

use crate::error::InputError;
use crate::evaluate::{verify_with, Options};
use crate::flow::{Endpoint, Flow};
use crate::flowlog::{protocol_of, read_log_with, LogSummary, Tuple};
use crate::inputs::Inputs;
use crate::model::Direction;
use crate::verdict::{DecidedBy, Decision, Layer, Verdict};
use store::{Key, Key4, Key6, Store};

/// How many tuples between two calls of [`Replay::read_with`]'s progress (a power of two).
const PROGRESS_EVERY: u64 = 1 << 16;

/// What replay needs of a verdict: the access, the deciding rule and layer, and whether it is
/// uncertain. Any verdict function can give it (the reference evaluator through [`judge`], or
/// compiled verdicts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// Allow or Deny.
    pub access: Decision,
    /// The deciding rule as IP flow verify names it (`securityRules/X`); `None` when nothing
    /// decided.
    pub rule_name: Option<String>,
    /// The deciding layer and resource.
    pub decided_by: DecidedBy,
    /// Whether a rule before the decision could not be evaluated for lack of input.
    pub uncertain: bool,
}

impl From<Verdict> for Judgement {
    fn from(verdict: Verdict) -> Judgement {
        Judgement {
            access: verdict.access,
            rule_name: verdict.rule_name,
            decided_by: verdict.decided_by,
            uncertain: verdict.uncertain,
        }
    }
}

/// The verdict function replay uses: the inputs compiled once ([`crate::compiled`], equal to
/// [`crate::verify_with`] without a trace, property-tested), then one lookup per flow.
///
/// ```
/// use flowverify::replay::judge;
/// use flowverify::{Decision, Flow, Inputs, Layer};
/// let inputs = Inputs::new();
/// let mut verdict_of = judge(&inputs);
/// let flow = Flow::parse("inbound", "tcp", "10.0.1.4:22", "203.0.113.7:50000").unwrap();
/// let j = verdict_of(&flow);
/// assert_eq!((j.access, j.decided_by.layer), (Decision::Allow, Layer::None));
/// ```
pub fn judge(inputs: &Inputs) -> impl FnMut(&Flow) -> Judgement {
    let compiled = crate::compiled::Compiled::new(inputs);
    move |flow| {
        let answer = compiled.verdict(flow);
        Judgement {
            access: answer.access,
            rule_name: answer.rule.map(|r| compiled.rule_name(r).to_string()),
            decided_by: DecidedBy {
                layer: answer.layer,
                resource: answer.rule.map(|r| compiled.resource(r).to_string()),
            },
            uncertain: answer.uncertain,
        }
    }
}

/// The verdict function of the reference evaluator itself ([`crate::verify_with`] without a
/// trace), to check [`judge`] against.
pub fn judge_by_reference(inputs: &Inputs) -> impl FnMut(&Flow) -> Judgement + '_ {
    move |flow| Judgement::from(verify_with(inputs, flow, Options { trace: false }))
}

/// A distinct flow of the logs: the tuple's fields without time and counters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LoggedFlow {
    /// Inbound or outbound.
    pub direction: Direction,
    /// The IANA protocol number.
    pub protocol: u8,
    /// The source address.
    pub source: IpAddr,
    /// The source port (0 for Icmp, Esp and Ah).
    pub source_port: u16,
    /// The destination address.
    pub destination: IpAddr,
    /// The destination port (0 for Icmp, Esp and Ah).
    pub destination_port: u16,
    /// What Azure decided.
    pub decision: Decision,
    /// Denied for encryption, not for a rule (VNet flow logs).
    pub encryption_drop: bool,
}

impl LoggedFlow {
    /// The distinct flow of a tuple.
    ///
    /// ```
    /// use flowverify::flowlog::{parse_tuple, Format};
    /// use flowverify::replay::LoggedFlow;
    /// let a = parse_tuple(Format::VnetV4, "1,10.0.0.6,10.0.0.7,0,0,1,O,B,NX,1,84,1,84").unwrap();
    /// let b = parse_tuple(Format::VnetV4, "2,10.0.0.6,10.0.0.7,7,9,1,O,E,NX,1,84,1,84").unwrap();
    /// assert_eq!(LoggedFlow::of(&a), LoggedFlow::of(&b)); // Icmp: ports ignored
    /// ```
    pub fn of(tuple: &Tuple) -> LoggedFlow {
        let portless = protocol_of(tuple.protocol).is_some_and(|p| !p.has_ports());
        let port = |p: u16| if portless { 0 } else { p };
        LoggedFlow {
            direction: tuple.direction,
            protocol: tuple.protocol,
            source: tuple.source,
            source_port: port(tuple.source_port),
            destination: tuple.destination,
            destination_port: port(tuple.destination_port),
            decision: tuple.decision,
            encryption_drop: tuple.encryption_drop,
        }
    }

    /// The flow to verify, or `None` when it cannot be verified (a protocol FlowVerify does not
    /// model, or a denial for encryption).
    pub fn flow(&self) -> Option<Flow> {
        if self.encryption_drop {
            return None;
        }
        let protocol = protocol_of(self.protocol)?;
        let end = |ip, port| Endpoint::new(ip, protocol.has_ports().then_some(port));
        let source = end(self.source, self.source_port);
        let destination = end(self.destination, self.destination_port);
        let (local, remote) = match self.direction {
            Direction::Inbound => (destination, source),
            Direction::Outbound => (source, destination),
        };
        Flow::new(self.direction, protocol, local, remote).ok()
    }

    /// A total order: direction, protocol, source, source port, destination, destination port,
    /// decision (the same flow logged allowed and denied are neighbours). The replay keeps its
    /// flows packed in this order (`store.rs`); the tests check it against this.
    #[cfg(test)]
    fn order_key(&self) -> (Direction, u8, IpAddr, u16, IpAddr, u16, bool, bool) {
        (
            self.direction,
            self.protocol,
            self.source,
            self.source_port,
            self.destination,
            self.destination_port,
            self.encryption_drop,
            self.decision == Decision::Deny,
        )
    }
}

/// What a distinct flow's tuples add up to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// How many tuples.
    pub tuples: u64,
    /// Packets, both ways, summed.
    pub packets: u64,
    /// Bytes, both ways, summed.
    pub bytes: u64,
}

/// The bytes of distinct flows one replay holds at most ([`Replay::with_budget`]): 1 GiB on the
/// command line (about 21 million IPv4 or 13 million IPv6 flows, with the batch of a quarter as
/// many not merged yet), 512 MiB in the page (its
/// WebAssembly memory also holds the file being read and is at most 4 GiB). Past it, reading
/// stops with an error that says to replay fewer logs at a time, never an abort.
#[cfg(not(target_arch = "wasm32"))]
pub const MEMORY_BUDGET: usize = 1 << 30;
/// The bytes of distinct flows one replay holds at most (see the native figure).
#[cfg(target_arch = "wasm32")]
pub const MEMORY_BUDGET: usize = 512 << 20;

/// The distinct flows of flow logs read so far, with their counts: memory grows with the
/// distinct flows (40 bytes per IPv4 flow, 64 per IPv6 one, and a batch of at most a quarter
/// as many), never with the tuples, and stays within a budget ([`MEMORY_BUDGET`]). Gathering
/// costs the same whichever flows a log holds (see [`Replay::work`]).
#[derive(Debug, Clone)]
pub struct Replay {
    v4: Store<Key4>,
    v6: Store<Key6>,
    tuples: u64,
    logs: LogSummary,
    budget: usize,
}

impl Default for Replay {
    fn default() -> Replay {
        Replay::with_budget(MEMORY_BUDGET)
    }
}

impl Replay {
    /// An empty replay, within [`MEMORY_BUDGET`].
    pub fn new() -> Replay {
        Replay::default()
    }

    /// An empty replay that holds at most `bytes` of distinct flows.
    ///
    /// ```
    /// use flowverify::replay::Replay;
    /// let log = |n: u32| {
    ///     let tuples: Vec<String> = (0..n)
    ///         .map(|i| format!("\"1,10.{}.{}.{},10.0.1.4,5000,443,T,I,A\"", i >> 16, i >> 8 & 255, i & 255))
    ///         .collect();
    ///     format!(r#"{{"records": [{{"category": "NetworkSecurityGroupFlowEvent", "properties": {{
    ///         "Version": 1, "flows": [{{"flows": [{{"flowTuples": [{}]}}]}}]}}}}]}}"#, tuples.join(","))
    /// };
    /// let mut small = Replay::with_budget(8 << 20);
    /// assert!(small.read("PT1H.json", &log(1000)).is_ok());
    /// let err = small.read("PT1H.json", &log(200_000)).unwrap_err().to_string();
    /// assert_eq!(err, "PT1H.json: records[0].properties.flows[0].flows[0].flowTuples[195607]: \
    ///     the flow logs hold more than 195,608 distinct flows, more than one replay keeps in memory \
    ///     (8 MiB): replay fewer logs at a time (a shorter period, or the logs of one NSG or network \
    ///     interface)");
    /// ```
    pub fn with_budget(bytes: usize) -> Replay {
        Replay {
            v4: Store::default(),
            v6: Store::default(),
            tuples: 0,
            logs: LogSummary::default(),
            budget: bytes,
        }
    }

    /// Adds one tuple. An error (in words) when the distinct flows would not fit in the
    /// replay's memory budget: the tuple is counted, but the replay is to be given up.
    pub fn add(&mut self, tuple: &Tuple) -> Result<(), String> {
        self.tuples += 1;
        let logged = LoggedFlow::of(tuple);
        let counts = Counts {
            tuples: 1,
            packets: tuple.packets,
            bytes: tuple.bytes,
        };
        let (added, other) = if let Some(key) = Key4::pack(&logged) {
            let room = self.budget.saturating_sub(self.v6.bytes());
            (self.v4.add(key, counts, room), self.v6.merged())
        } else if let Some(key) = Key6::pack(&logged) {
            let room = self.budget.saturating_sub(self.v4.bytes());
            (self.v6.add(key, counts, room), self.v4.merged())
        } else {
            return Ok(());
        };
        added.map_err(|full| too_many(full.distinct + other, self.budget))
    }

    /// Reads one flow log file ([`crate::flowlog::read_log`]) and adds its tuples. On an error the tuples
    /// before it have been added: stop there (the error names the file, record and tuple).
    pub fn read(&mut self, name: &str, text: &str) -> Result<LogSummary, InputError> {
        self.read_with(name, text, |_| {})
    }

    /// As [`Replay::read`], calling `progress` with the replay every 65,536 tuples (for a
    /// progress line).
    ///
    /// ```
    /// use flowverify::replay::Replay;
    /// let mut calls = 0;
    /// let summary = Replay::new().read_with("PT1H.json", r#"{"records": []}"#, |_| calls += 1).unwrap();
    /// assert_eq!((summary.records, calls), (0, 0));
    /// ```
    pub fn read_with(
        &mut self,
        name: &str,
        text: &str,
        mut progress: impl FnMut(&Replay),
    ) -> Result<LogSummary, InputError> {
        let summary = read_log_with(name, text, |t| {
            self.add(t)?;
            if self.tuples & (PROGRESS_EVERY - 1) == 0 {
                progress(self);
            }
            Ok(())
        })?;
        self.logs.add(&summary);
        Ok(summary)
    }

    /// Tuples added.
    pub fn tuples(&self) -> u64 {
        self.tuples
    }

    /// Distinct flows so far. Exact; counting costs a pass over the flows unless every batch
    /// is merged, so a progress line shows [`Replay::tuples`] instead.
    pub fn flows(&self) -> usize {
        if self.v4.settled() && self.v6.settled() {
            self.v4.merged() + self.v6.merged()
        } else {
            self.v4.view().iter().count() + self.v6.view().iter().count()
        }
    }

    /// What the files read held (records by kind, tuples).
    pub fn logs(&self) -> LogSummary {
        self.logs
    }

    /// The key comparisons made so far gathering the distinct flows: the work of reading
    /// beyond parsing. It depends on how many tuples and distinct flows the logs hold, not on
    /// which (no hash a log's author could make collide): a test compares crafted and random
    /// flows.
    pub fn work(&self) -> u64 {
        self.v4.work().saturating_add(self.v6.work())
    }

    /// The bytes the distinct flows take, as allocated.
    pub fn bytes(&self) -> usize {
        self.v4.bytes() + self.v6.bytes()
    }

    /// Merges the tuples gathered since the last merge: [`Replay::flows`] is then a count, and
    /// [`Replay::verify`] needs no copy of them. Optional. An error (in words) when they do not
    /// fit in the budget.
    pub fn settle(&mut self) -> Result<(), String> {
        let room = self.budget.saturating_sub(self.v6.bytes());
        let v4 = self.v4.merge(room);
        let room = self.budget.saturating_sub(self.v4.bytes());
        let v6 = self.v6.merge(room);
        match (v4, v6) {
            (Ok(()), Ok(())) => Ok(()),
            (Err(full), _) => Err(too_many(full.distinct + self.v6.merged(), self.budget)),
            (_, Err(full)) => Err(too_many(full.distinct + self.v4.merged(), self.budget)),
        }
    }

    /// Every distinct flow with its counts, in the fixed order, from views of both families.
    fn each<'v>(
        v4: &'v store::View<'_, Key4>,
        v6: &'v store::View<'_, Key6>,
    ) -> impl Iterator<Item = (LoggedFlow, Counts)> + 'v {
        let mut a = v4.iter().peekable();
        let mut b = v6.iter().peekable();
        std::iter::from_fn(move || {
            let four_first = match (a.peek(), b.peek()) {
                (Some(x), Some(y)) => x.0.head() <= y.0.head(),
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => return None,
            };
            if four_first {
                a.next().map(|(k, c)| (k.unpack(), c))
            } else {
                b.next().map(|(k, c)| (k.unpack(), c))
            }
        })
    }

    /// The distinct flows and their counts, in a fixed order (direction, protocol, source,
    /// source port, destination, destination port, decision). A copy of them all: for tests.
    pub fn sorted_flows(&self) -> Vec<(LoggedFlow, Counts)> {
        let (v4, v6) = (self.v4.view(), self.v6.view());
        Replay::each(&v4, &v6).collect()
    }

    /// Verifies every distinct flow once with `judge` (one call per distinct flow to verify;
    /// a flow logged both allowed and denied is verified once) and compares with the logged
    /// decisions. Each group keeps up to `limit` examples: its heaviest flows (packets, then
    /// tuples), in the fixed flow order among equals.
    ///
    /// Memory beyond the flows: the groups, and per group its `limit` heaviest flows so far.
    pub fn verify(&self, limit: usize, mut judge: impl FnMut(&Flow) -> Judgement) -> Report {
        let mut report = Report {
            tuples: self.tuples,
            logs: self.logs,
            ..Report::default()
        };
        let (v4, v6) = (self.v4.view(), self.v6.view());
        let mut index: FxHashMap<GroupKey, usize> = FxHashMap::default();
        let mut groups: Vec<(Group, BinaryHeap<Pick>)> = Vec::new();
        let mut last: Option<(Flow, Judgement)> = None;
        for (order, (logged, counts)) in Replay::each(&v4, &v6).enumerate() {
            report.flows += 1;
            let Some(flow) = logged.flow() else {
                report.not_verifiable += 1;
                if logged.encryption_drop {
                    report.encryption_drops += 1;
                }
                continue;
            };
            let judgement = match &last {
                Some((f, j)) if *f == flow => j.clone(),
                _ => {
                    let j = judge(&flow);
                    last = Some((flow, j.clone()));
                    j
                }
            };
            if judgement.uncertain {
                report.uncertain += 1;
            }
            let change = match (logged.decision, judgement.access) {
                (Decision::Allow, Decision::Deny) => Change::NewlyDenied,
                (Decision::Deny, Decision::Allow) => Change::NewlyAllowed,
                _ => {
                    report.unchanged += 1;
                    continue;
                }
            };
            match change {
                Change::NewlyDenied => report.newly_denied += 1,
                Change::NewlyAllowed => report.newly_allowed += 1,
            }
            let key = GroupKey {
                change,
                rule_name: judgement.rule_name,
                layer: judgement.decided_by.layer,
                resource: judgement.decided_by.resource,
            };
            let slot = match index.get(&key) {
                Some(&slot) => slot,
                None => {
                    groups.push((
                        Group {
                            change,
                            rule_name: key.rule_name.clone(),
                            decided_by: DecidedBy {
                                layer: key.layer,
                                resource: key.resource.clone(),
                            },
                            flows: 0,
                            packets: 0,
                            bytes: 0,
                            examples: Vec::new(),
                        },
                        BinaryHeap::new(),
                    ));
                    index.insert(key, groups.len() - 1);
                    groups.len() - 1
                }
            };
            let (group, heaviest) = &mut groups[slot];
            group.flows += 1;
            group.packets = group.packets.saturating_add(counts.packets);
            group.bytes = group.bytes.saturating_add(counts.bytes);
            let pick = Pick {
                rank: (
                    Reverse(counts.packets),
                    Reverse(counts.tuples),
                    order as u64,
                ),
            };
            if heaviest.len() < limit {
                heaviest.push(pick);
            } else if heaviest.peek().is_some_and(|worst| pick < *worst) {
                heaviest.pop();
                heaviest.push(pick);
            }
        }
        // The examples, heaviest first: their flows found again in a second pass in order.
        let mut wanted: Vec<(u64, usize, usize)> = Vec::new();
        let mut slots: Vec<Vec<Option<Flow>>> = Vec::with_capacity(groups.len());
        for (g, (_, heaviest)) in groups.iter_mut().enumerate() {
            let picks = std::mem::take(heaviest).into_sorted_vec();
            slots.push(vec![None; picks.len()]);
            wanted.extend(
                picks
                    .iter()
                    .enumerate()
                    .map(|(place, pick)| (pick.rank.2, g, place)),
            );
        }
        if !wanted.is_empty() {
            wanted.sort_unstable();
            let mut next = wanted.iter().peekable();
            for (order, (logged, _)) in Replay::each(&v4, &v6).enumerate() {
                while let Some(&&(at, g, place)) = next.peek() {
                    if at != order as u64 {
                        break;
                    }
                    if let Some(slot) = slots.get_mut(g).and_then(|s| s.get_mut(place)) {
                        *slot = logged.flow();
                    }
                    next.next();
                }
                if next.peek().is_none() {
                    break;
                }
            }
        }
        report.groups = groups
            .into_iter()
            .zip(slots)
            .map(|((mut group, _), examples)| {
                group.examples = examples.into_iter().flatten().collect();
                group
            })
            .collect();
        report.groups.sort_by(|a, b| {
            (
                a.change,
                std::cmp::Reverse(a.flows),
                &a.rule_name,
                a.decided_by.layer.as_str(),
            )
                .cmp(&(
                    b.change,
                    std::cmp::Reverse(b.flows),
                    &b.rule_name,
                    b.decided_by.layer.as_str(),
                ))
                .then_with(|| a.decided_by.resource.cmp(&b.decided_by.resource))
        });
        report
    }
}

impl Replay {
    /// What a change of the inputs does to the traffic of the logs: every distinct flow
    /// verified with `before` (the inputs as they were, e.g. a baseline) and with `after` (as
    /// they are now), in the shape of [`Replay::verify`]'s report with `before`'s access in the
    /// place of the logged decision: `unchanged` counts flows both allow or both deny,
    /// `newly_denied` flows `before` allows and `after` denies, `newly_allowed` the reverse,
    /// grouped by the rule that decides in `after`, with up to `limit` examples each.
    ///
    /// The logged decisions play no part here, so a flow is (direction, protocol, source,
    /// source port, destination, destination port): the same flow logged both allowed and
    /// denied counts once (its counts summed); `flows` may be fewer than [`Replay::verify`]'s.
    /// Flows that cannot be verified are counted as there. `before` and `after` are each
    /// called once per distinct flow to verify.
    ///
    /// ```
    /// use flowverify::replay::{judge, Change, Replay};
    /// use flowverify::Scenario;
    /// let nsg = |access: &str| Scenario::from_json("s.json", &format!(r#"{{"version": 1,
    ///   "nicNsg": {{"name": "nsg-web", "securityRules": [{{"name": "Https", "properties": {{
    ///     "priority": 100, "direction": "Inbound", "access": "{access}", "protocol": "Tcp",
    ///     "sourceAddressPrefix": "*", "sourcePortRange": "*",
    ///     "destinationAddressPrefix": "*", "destinationPortRange": "443"}}}}]}}}}"#))
    ///     .unwrap().inputs("s.json").unwrap();
    /// let log = r#"{"records": [{"category": "NetworkSecurityGroupFlowEvent",
    ///   "properties": {"Version": 2, "flows": [{"rule": "UserRule_Https", "flows": [{
    ///     "mac": "000D3AF87856", "flowTuples": [
    ///       "1542110403,203.0.113.7,10.0.1.4,50000,443,T,I,A,E,5,500,4,400",
    ///       "1542110404,203.0.113.8,10.0.1.4,50001,22,T,I,D,B,,,,"]}]}]}}]}"#;
    /// let mut replay = Replay::new();
    /// replay.read("PT1H.json", log).unwrap();
    /// let report = replay.compare(5, judge(&nsg("Allow")), judge(&nsg("Deny")));
    /// assert_eq!((report.flows, report.unchanged, report.newly_denied, report.newly_allowed), (2, 1, 1, 0));
    /// assert_eq!(report.groups[0].change, Change::NewlyDenied);
    /// assert_eq!(report.groups[0].rule_name.as_deref(), Some("securityRules/Https"));
    /// ```
    pub fn compare(
        &self,
        limit: usize,
        mut before: impl FnMut(&Flow) -> Judgement,
        after: impl FnMut(&Flow) -> Judgement,
    ) -> Report {
        let mut baseline = Replay::with_budget(self.budget);
        baseline.tuples = self.tuples;
        baseline.logs = self.logs;
        let (v4, v6) = (self.v4.view(), self.v6.view());
        baseline.v4.reserve(v4.iter().count());
        baseline.v6.reserve(v6.iter().count());
        // The flows come in order, and putting `before`'s access in the place of the decision
        // keeps them in order: a flow logged allowed and denied becomes one, its neighbour.
        let mut last: Option<(Flow, Decision)> = None;
        for (logged, counts) in Replay::each(&v4, &v6) {
            let mut key = logged;
            if let Some(flow) = logged.flow() {
                key.decision = match &last {
                    Some((f, access)) if *f == flow => *access,
                    _ => {
                        let access = before(&flow).access;
                        last = Some((flow, access));
                        access
                    }
                };
            }
            if let Some(k) = Key4::pack(&key) {
                baseline.v4.push_in_order(k, counts);
            } else if let Some(k) = Key6::pack(&key) {
                baseline.v6.push_in_order(k, counts);
            }
        }
        baseline.verify(limit, after)
    }
}

/// The error when the distinct flows outgrow the budget: how many, and what to do.
fn too_many(distinct: usize, budget: usize) -> String {
    format!(
        "the flow logs hold more than {} distinct flows, more than one replay keeps in memory \
         ({} MiB): replay fewer logs at a time (a shorter period, or the logs of one NSG or \
         network interface)",
        thousands(distinct as u64),
        budget >> 20
    )
}

/// A changed flow's place among its group's heaviest: fewer packets, then fewer tuples, then
/// later in the fixed order is worse (the greatest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Pick {
    rank: (Reverse<u64>, Reverse<u64>, u64),
}

/// The error when the logs read hold no flow tuple at all (an empty `records` list, records
/// without tuples): there is nothing to replay, as `check` has nothing to check without an
/// expectation. `names` are the files read; `records` how many records they held.
///
/// ```
/// use flowverify::replay::nothing_to_replay;
/// assert_eq!(
///     nothing_to_replay(&["PT1H.json".to_string()], 0),
///     "PT1H.json: nothing to replay: the flow log holds no flow tuple (0 records)"
/// );
/// assert_eq!(
///     nothing_to_replay(&["a.json".to_string(), "b.json".to_string()], 1),
///     "nothing to replay: the 2 flow log files (a.json, b.json) hold no flow tuple (1 record)"
/// );
/// ```
pub fn nothing_to_replay(names: &[String], records: u64) -> String {
    let records = format!(
        "{} record{}",
        thousands(records),
        if records == 1 { "" } else { "s" }
    );
    match names {
        [one] => format!("{one}: nothing to replay: the flow log holds no flow tuple ({records})"),
        _ => {
            const SHOWN: usize = 3;
            let mut list = names
                .iter()
                .take(SHOWN)
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ");
            if names.len() > SHOWN {
                list.push_str(", ...");
            }
            format!(
                "nothing to replay: the {} flow log files ({list}) hold no flow tuple ({records})",
                thousands(names.len() as u64)
            )
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct GroupKey {
    change: Change,
    rule_name: Option<String>,
    layer: Layer,
    resource: Option<String>,
}

/// How a flow's verdict differs from what Azure logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Change {
    /// Logged allowed, Deny now.
    NewlyDenied,
    /// Logged denied, Allow now.
    NewlyAllowed,
}

impl Change {
    /// `newlyDenied` or `newlyAllowed`, as the JSON says it.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::NewlyDenied => "newlyDenied",
            Change::NewlyAllowed => "newlyAllowed",
        }
    }

    /// `newly denied` or `newly allowed`.
    pub fn words(self) -> &'static str {
        match self {
            Change::NewlyDenied => "newly denied",
            Change::NewlyAllowed => "newly allowed",
        }
    }

    /// The words as a heading begins them: `Newly denied` or `Newly allowed`.
    ///
    /// ```
    /// use flowverify::replay::Change;
    /// assert_eq!(Change::NewlyAllowed.heading(), "Newly allowed");
    /// ```
    pub fn heading(self) -> &'static str {
        match self {
            Change::NewlyDenied => "Newly denied",
            Change::NewlyAllowed => "Newly allowed",
        }
    }
}

/// The changed flows of one change and deciding rule and layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Newly denied or newly allowed.
    pub change: Change,
    /// The rule that now decides (`None` when nothing decides).
    pub rule_name: Option<String>,
    /// The layer and resource that now decide.
    pub decided_by: DecidedBy,
    /// Distinct flows.
    pub flows: u64,
    /// Packets of their tuples, both ways.
    pub packets: u64,
    /// Bytes of their tuples, both ways.
    pub bytes: u64,
    /// Up to the limit's examples: the heaviest flows.
    pub examples: Vec<Flow>,
}

/// What a replay found (`docs/formats.md`, Replay object).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Tuples read.
    pub tuples: u64,
    /// Distinct flows (not-verifiable ones included).
    pub flows: u64,
    /// Flows whose verdict equals the logged decision.
    pub unchanged: u64,
    /// Flows logged allowed that are denied now.
    pub newly_denied: u64,
    /// Flows logged denied that are allowed now.
    pub newly_allowed: u64,
    /// Flows that cannot be verified (a protocol FlowVerify does not model, or denied for
    /// encryption).
    pub not_verifiable: u64,
    /// Of them, flows a VNet flow log says were denied for encryption.
    pub encryption_drops: u64,
    /// Verified flows whose verdict is uncertain (a rule before the decision could not be
    /// evaluated): their change or not is uncertain too.
    pub uncertain: u64,
    /// The changed flows, grouped: newly denied first, then by flow count.
    pub groups: Vec<Group>,
    /// What the files held.
    pub logs: LogSummary,
}

/// `n` with thousands separators, as the command line and the page print replay figures.
///
/// ```
/// use flowverify::replay::thousands;
/// assert_eq!(thousands(0), "0");
/// assert_eq!(thousands(999), "999");
/// assert_eq!(thousands(1000), "1,000");
/// assert_eq!(thousands(1_000_000), "1,000,000");
/// assert_eq!(thousands(1234567), "1,234,567");
/// ```
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Report {
    /// Whether some flow's verdict differs from its logged decision.
    pub fn changed(&self) -> bool {
        self.newly_denied + self.newly_allowed > 0
    }

    /// The replay object (`docs/formats.md`): `{tuples, flows, unchanged, newlyDenied,
    /// newlyAllowed, notVerifiable, groups: [{change, ruleName, decidedBy, flows, packets,
    /// bytes, examples}]}`, examples as scenario flows (`{direction, protocol, local,
    /// remote}`). The report's [`serde::Serialize`] writes the same object without building
    /// it (for a large `--limit`).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    /// What to keep in mind reading this report, in words: the flow logs' own caveats where
    /// they apply (NSG flow logs log an allowed flow only in the last NSG that processed it;
    /// stateless inbound TCP rules), uncertain verdicts, not-verifiable flows.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.logs.nsg_records > 0 {
            notes.push(
                "NSG flow logs log a denied flow in the NSG that denied it, but an allowed flow only in the last NSG that processed it: give the logs of every NSG of the target (the subnet's and the NIC's), or a flow allowed by one and denied by the other is missed"
                    .to_string(),
            );
            notes.push(
                "Azure applies non-default NSG rules to inbound TCP flows statelessly: such flows are never logged as ended (state E) and carry no packet or byte counts, so packets and bytes may be undercounted"
                    .to_string(),
            );
        }
        if self.encryption_drops > 0 {
            notes.push(format!(
                "{} flows were denied for virtual network encryption, not by a rule: counted as not verifiable",
                self.encryption_drops
            ));
        }
        let protocols = self.not_verifiable - self.encryption_drops;
        if protocols > 0 {
            notes.push(format!(
                "{protocols} flows use a protocol FlowVerify does not verify (only Tcp, Udp, Icmp, Esp and Ah): counted as not verifiable"
            ));
        }
        if self.uncertain > 0 {
            notes.push(format!(
                "{} flows have an uncertain verdict: a rule before the decision names something no input defines (verify one of them for the warning)",
                self.uncertain
            ));
        }
        notes
    }
}

/// The replay object (`docs/formats.md`), written as it goes (see [`Report::to_json`]).
impl serde::Serialize for Report {
    fn serialize<S: serde::Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = out.serialize_map(Some(7))?;
        map.serialize_entry("tuples", &self.tuples)?;
        map.serialize_entry("flows", &self.flows)?;
        map.serialize_entry("unchanged", &self.unchanged)?;
        map.serialize_entry("newlyDenied", &self.newly_denied)?;
        map.serialize_entry("newlyAllowed", &self.newly_allowed)?;
        map.serialize_entry("notVerifiable", &self.not_verifiable)?;
        map.serialize_entry("groups", &self.groups)?;
        map.end()
    }
}

/// One group of the replay object (`docs/formats.md`, Replay groups).
impl serde::Serialize for Group {
    fn serialize<S: serde::Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        struct Examples<'a>(&'a [Flow]);
        impl serde::Serialize for Examples<'_> {
            fn serialize<S: serde::Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
                out.collect_seq(self.0.iter().map(crate::ffi::flow))
            }
        }
        let mut map = out.serialize_map(Some(7))?;
        map.serialize_entry("change", self.change.as_str())?;
        map.serialize_entry("ruleName", &self.rule_name)?;
        let by = &self.decided_by;
        map.serialize_entry(
            "decidedBy",
            &crate::ffi::DecidedByJson::new(by.layer, by.resource.as_deref()),
        )?;
        map.serialize_entry("flows", &self.flows)?;
        map.serialize_entry("packets", &self.packets)?;
        map.serialize_entry("bytes", &self.bytes)?;
        map.serialize_entry("examples", &Examples(&self.examples))?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scenario;

    fn inputs(rules: &str) -> Inputs {
        let text = format!(
            r#"{{"version": 1, "nicNsg": {{"name": "nsg-web", "securityRules": [{rules}]}}}}"#
        );
        Scenario::from_json("s.json", &text)
            .unwrap()
            .inputs("s.json")
            .unwrap()
    }

    fn rule(name: &str, priority: u32, access: &str, port: &str) -> String {
        format!(
            r#"{{"name": "{name}", "properties": {{"priority": {priority}, "direction": "Inbound",
              "access": "{access}", "protocol": "Tcp", "sourceAddressPrefix": "*",
              "sourcePortRange": "*", "destinationAddressPrefix": "*",
              "destinationPortRange": "{port}"}}}}"#
        )
    }

    const LOG: &str = r#"{"records": [{"category": "NetworkSecurityGroupFlowEvent",
      "properties": {"Version": 2, "flows": [{"rule": "r", "flows": [{"mac": "00", "flowTuples": [
        "1,203.0.113.7,10.0.1.4,50000,443,T,I,A,E,5,500,4,400",
        "2,203.0.113.7,10.0.1.4,50000,443,T,I,D,B,,,,",
        "3,203.0.113.8,10.0.1.4,50001,22,T,I,D,B,,,,",
        "4,203.0.113.9,10.0.1.4,50002,80,T,I,A,E,1,10,1,10"]}]}]}}]}"#;

    /// The packed, batched flows come out as a plain ordered map of the flows would give them:
    /// both families, every field, repeats summed, across several merges.
    #[test]
    fn flows_come_out_summed_in_the_fixed_order() {
        use std::collections::BTreeMap;
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let mut replay = Replay::new();
        let mut reference: BTreeMap<_, (LoggedFlow, Counts)> = BTreeMap::new();
        for i in 0..300_000u64 {
            let v6 = next(3) == 0;
            let ip = |n: u64| -> IpAddr {
                if v6 {
                    format!("2001:db8::{n:x}").parse().unwrap()
                } else {
                    format!("10.0.{}.{}", n / 256, n % 256).parse().unwrap()
                }
            };
            let protocol = [6u8, 17, 1, 58, 50, 47][next(6) as usize];
            let decision = if next(4) == 0 {
                Decision::Deny
            } else {
                Decision::Allow
            };
            let tuple = Tuple {
                timestamp: i,
                source: ip(next(300)),
                destination: ip(next(20)),
                source_port: next(4) as u16,
                destination_port: [443, 22, 80][next(3) as usize],
                protocol,
                direction: if next(2) == 0 {
                    Direction::Inbound
                } else {
                    Direction::Outbound
                },
                decision,
                encryption_drop: decision == Decision::Deny && next(8) == 0,
                packets: next(5),
                bytes: next(500),
            };
            replay.add(&tuple).unwrap();
            let logged = LoggedFlow::of(&tuple);
            let entry = reference
                .entry(logged.order_key())
                .or_insert((logged, Counts::default()));
            entry.1.tuples += 1;
            entry.1.packets += tuple.packets;
            entry.1.bytes += tuple.bytes;
        }
        let expected: Vec<(LoggedFlow, Counts)> = reference.into_values().collect();
        assert!(expected.len() > 100_000, "{}", expected.len());
        assert_eq!(replay.flows(), expected.len());
        assert!(replay.sorted_flows() == expected, "unsettled");
        replay.settle().unwrap();
        assert!(replay.sorted_flows() == expected, "settled");
    }

    #[test]
    fn compare_counts_what_the_change_does_to_each_flow_once() {
        let before = inputs(
            &[
                rule("Https", 100, "Allow", "443"),
                rule("Web", 110, "Allow", "80"),
            ]
            .join(","),
        );
        let after = inputs(
            &[
                rule("Https", 100, "Deny", "443"),
                rule("Ssh", 110, "Allow", "22"),
                rule("Web", 120, "Allow", "80"),
            ]
            .join(","),
        );
        let mut replay = Replay::new();
        replay.read("PT1H.json", LOG).unwrap();
        // Section 8 counts the 443 flow twice (logged allowed and denied).
        assert_eq!(replay.verify(5, judge(&after)).flows, 4);
        let mut calls = 0;
        let mut judge_before = judge(&before);
        let report = replay.compare(
            5,
            |f: &Flow| {
                calls += 1;
                judge_before(f)
            },
            judge(&after),
        );
        assert_eq!(calls, 3, "each verifiable distinct flow judged once");
        assert_eq!(report.tuples, 4);
        assert_eq!(report.flows, 3);
        assert_eq!(report.unchanged, 1); // port 80: allowed both times
        assert_eq!(report.newly_denied, 1); // 443
        assert_eq!(report.newly_allowed, 1); // 22
        assert_eq!(report.not_verifiable, 0);
        let groups: Vec<(Change, Option<&str>, u64, u64, u64)> = report
            .groups
            .iter()
            .map(|g| {
                (
                    g.change,
                    g.rule_name.as_deref(),
                    g.flows,
                    g.packets,
                    g.bytes,
                )
            })
            .collect();
        assert_eq!(
            groups,
            [
                (Change::NewlyDenied, Some("securityRules/Https"), 1, 9, 900),
                (Change::NewlyAllowed, Some("securityRules/Ssh"), 1, 0, 0),
            ]
        );
        assert_eq!(
            crate::ffi::flow(&report.groups[0].examples[0])["local"],
            "10.0.1.4:443"
        );
        // The same inputs on both sides change nothing.
        let same = replay.compare(5, judge(&after), judge(&after));
        assert!(!same.changed());
        assert_eq!(same.unchanged, 3);
    }
}
