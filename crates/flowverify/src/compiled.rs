//! Compiled verdicts: the assembled inputs compiled once into lookup tables, then each flow's
//! verdict (access, deciding rule, layer, uncertain) answered from them without walking the
//! rules.
//!
//! For each direction, every layer the flow meets (admin configurations highest scope first,
//! then the NSGs in the direction's order) has its rules of that direction put in evaluation
//! order (priority, equal priorities in input order), each rule one bit; a layer starts on a
//! 64-bit word. For each field of a flow (protocol, source and destination address per address
//! family, source and destination port) a sorted table of elementary intervals maps every value
//! to the bitset of the rules whose condition on that field holds for it; bitsets are shared
//! between intervals and fields (one pool, deduplicated). A verdict is five binary searches and
//! then, layer by layer, the AND of the five bitsets word by word: the first set bit is the
//! layer's first matching rule. Uncertainty is found the same way: a rule is undetermined when
//! each of its conditions holds or could not be evaluated (a side naming something no input
//! defines, static per rule; a port condition against a flow port `*`), which is a second AND
//! of the same words with two static bitsets; an undetermined rule before the first match of a
//! reached layer makes the verdict uncertain, exactly as [`crate::evaluate`] decides.
//!
//! The trace is never compiled: [`Compiled::verify`] asks the reference evaluator
//! ([`crate::verify_with`]) for it when it is wanted. Without a trace, the [`Verdict`] is built
//! from the compiled answer when its warnings are only the inputs' notes ([`Answer::quiet`]);
//! when a rule the flow meets carries a warning, raises one (`VirtualNetwork` without
//! prefixes), is undetermined, or an NSG matches no rule, the reference evaluator writes the
//! verdict, so that every field is the reference's. Inputs whose tables would exceed the memory
//! limit ([`Compiled::with_limit`]) are not compiled: every answer then comes from the
//! reference evaluator ([`Compiled::is_compiled`] says which).

use std::collections::HashMap;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::evaluate::{verify_with, Options, NO_NSG_NOTE};
use crate::flow::{Endpoint, Flow};
use crate::inputs::Inputs;
use crate::model::{Access, AddressEntry, AddressSide, Direction, PortSide, Protocol, Rule};
use crate::tags::{builtin_name, non_internet_v4, AZURE_HOST};
use crate::verdict::{DecidedBy, Decision, Layer, Note, NoteKind, Verdict, Warning, WarningKind};

/// The default limit on the tables' memory: 256 MiB (both directions together).
pub const DEFAULT_LIMIT: usize = 256 << 20;

/// A rule of the compiled inputs: resolve it with [`Compiled::rule_name`] and
/// [`Compiled::resource`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RuleId(u32);

impl RuleId {
    /// Its place among the compiled rules (admin configurations, then the NSGs, inbound rules
    /// before outbound ones).
    ///
    /// ```
    /// use flowverify::compiled::Compiled;
    /// use flowverify::Flow;
    /// # let scenario = flowverify::Scenario::from_json("s.json", r#"{"version": 1,
    /// #   "nicNsg": {"name": "nsg", "securityRules": []}}"#).unwrap();
    /// # let inputs = scenario.inputs("s.json").unwrap();
    /// let compiled = Compiled::new(&inputs);
    /// let flow = Flow::parse("Inbound", "Tcp", "10.0.1.4:22", "203.0.113.7:5000").unwrap();
    /// let rule = compiled.verdict(&flow).rule.unwrap();
    /// assert!(rule.index() < compiled.rule_count());
    /// ```
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The verdict on one flow, as compiled verdicts answer it: small and `Copy`, no allocation.
/// Every field is what [`crate::verify`] reports for the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Answer {
    /// `Allow` or `Deny`.
    pub access: Decision,
    /// The deciding rule (its name: [`Compiled::rule_name`]); `None` when nothing decided.
    pub rule: Option<RuleId>,
    /// The deciding layer ([`Layer::None`] when nothing decided).
    pub layer: Layer,
    /// Whether a rule before the decision could not be evaluated for lack of input.
    pub uncertain: bool,
    quiet: bool,
}

impl Answer {
    /// Whether the verdict's warnings are only the inputs' notes: no rule the flow met carries
    /// or raises a warning, none is undetermined, and every NSG reached matched a rule.
    ///
    /// ```
    /// use flowverify::compiled::Compiled;
    /// use flowverify::{Flow, Inputs};
    /// let flow = Flow::parse("Inbound", "Tcp", "10.0.1.4:22", "203.0.113.7:5000").unwrap();
    /// assert!(Compiled::new(&Inputs::new()).verdict(&flow).quiet());
    /// ```
    pub fn quiet(&self) -> bool {
        self.quiet
    }
}

/// What the compiled inputs know of one rule.
#[derive(Debug, Clone)]
struct RuleInfo {
    /// The name as IP flow verify reports it.
    name: String,
    access: Access,
    layer: Layer,
    /// Index into `Compiled::resources`.
    resource: u32,
}

/// One layer a flow of a direction meets, with where its rules are.
#[derive(Debug, Clone)]
struct Stage {
    layer: Layer,
    /// The rule of the stage's first bit.
    first_rule: u32,
    /// How many rules.
    rules: u32,
    /// The stage's words in the bitsets: `first_word..end_word`.
    first_word: usize,
    end_word: usize,
}

/// A sorted table of elementary intervals: `starts[i]` is the first value of interval `i`
/// (`starts[0]` is 0), `sets[i]` the pool offset of its bitset.
#[derive(Debug, Clone, Default)]
struct Table<K> {
    starts: Vec<K>,
    sets: Vec<u32>,
}

impl<K: Copy + Ord> Table<K> {
    fn find(&self, key: K) -> usize {
        let i = self.starts.partition_point(|&s| s <= key);
        self.sets
            .get(i.wrapping_sub(1))
            .map_or(0, |&offset| offset as usize)
    }
}

/// The lookup tables of one direction. Every offset is into `pool`, of a bitset of `words`
/// words; offset 0 is the empty set.
#[derive(Debug, Clone, Default)]
struct Tables {
    words: usize,
    pool: Vec<u64>,
    protocol: [u32; 5],
    source_ports: Table<u16>,
    destination_ports: Table<u16>,
    source_v4: Table<u32>,
    source_v6: Table<u128>,
    destination_v4: Table<u32>,
    destination_v6: Table<u128>,
    /// Rules whose port condition covers every port (what a portless flow, and a flow port
    /// `*`, needs).
    source_all_ports: u32,
    destination_all_ports: u32,
    /// Rules with a side entry no input defines: such a side is never known to fail.
    source_missing: u32,
    destination_missing: u32,
    /// Rules that put a warning on the verdict when met (their own, or `VirtualNetwork`
    /// without prefixes).
    flagged: u32,
}

/// The inputs of a verification, compiled for verdicts without trace.
///
/// ```
/// use flowverify::compiled::Compiled;
/// use flowverify::{verify_with, Decision, Flow, Layer, Options, Scenario};
/// let scenario = Scenario::from_json("s.json", r#"{"version": 1,
///   "nicNsg": {"name": "nsg-web", "securityRules": [{"name": "AllowHttps", "properties": {
///     "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
///     "sourceAddressPrefix": "Internet", "sourcePortRange": "*",
///     "destinationAddressPrefix": "*", "destinationPortRange": "443"}}]}}"#).unwrap();
/// let inputs = scenario.inputs("s.json").unwrap();
/// let compiled = Compiled::new(&inputs);
/// let flow = Flow::parse("Inbound", "Tcp", "10.0.1.4:443", "203.0.113.7:50000").unwrap();
/// let answer = compiled.verdict(&flow);
/// assert_eq!(answer.access, Decision::Allow);
/// assert_eq!(answer.layer, Layer::Nic);
/// assert_eq!(compiled.rule_name(answer.rule.unwrap()), "securityRules/AllowHttps");
/// assert_eq!(compiled.resource(answer.rule.unwrap()), "nsg-web");
/// // The whole verdict, equal to the reference evaluator's:
/// let quiet = Options { trace: false };
/// assert_eq!(compiled.verify(&flow, quiet), verify_with(&inputs, &flow, quiet));
/// ```
#[derive(Debug, Clone)]
pub struct Compiled {
    inputs: Inputs,
    rules: Vec<RuleInfo>,
    resources: Vec<String>,
    /// The stages of each direction, Inbound then Outbound.
    stages: [Vec<Stage>; 2],
    /// The tables of each direction; `None` when they would exceed the limit.
    tables: Option<Box<[Tables; 2]>>,
    /// The inputs' notes, as every verdict's first warnings.
    note_warnings: Vec<Warning>,
    notes: Vec<Note>,
}

fn direction_index(direction: Direction) -> usize {
    match direction {
        Direction::Inbound => 0,
        Direction::Outbound => 1,
    }
}

fn protocol_index(protocol: Protocol) -> usize {
    match protocol {
        Protocol::Tcp => 0,
        Protocol::Udp => 1,
        Protocol::Icmp => 2,
        Protocol::Esp => 3,
        Protocol::Ah => 4,
    }
}

impl Compiled {
    /// Compiles `inputs` (cloned) with the [`DEFAULT_LIMIT`] on the tables' memory. Never
    /// fails: inputs beyond the limit are answered by the reference evaluator.
    ///
    /// ```
    /// use flowverify::compiled::Compiled;
    /// use flowverify::Inputs;
    /// assert!(Compiled::new(&Inputs::new()).is_compiled());
    /// ```
    pub fn new(inputs: &Inputs) -> Compiled {
        Compiled::with_limit(inputs.clone(), DEFAULT_LIMIT)
    }

    /// Compiles `inputs`, taking them, with at most `limit` bytes of tables; beyond it the
    /// inputs are kept uncompiled and every answer comes from the reference evaluator.
    ///
    /// ```
    /// use flowverify::compiled::Compiled;
    /// use flowverify::{Decision, Flow, Inputs};
    /// let compiled = Compiled::with_limit(Inputs::new(), 0);
    /// assert!(!compiled.is_compiled());
    /// let flow = Flow::parse("Inbound", "Tcp", "10.0.1.4:22", "203.0.113.7:5000").unwrap();
    /// assert_eq!(compiled.verdict(&flow).access, Decision::Allow);
    /// ```
    pub fn with_limit(inputs: Inputs, limit: usize) -> Compiled {
        let mut rules = Vec::new();
        let mut resources = Vec::new();
        let mut ordered: [Vec<Vec<&Rule>>; 2] = [Vec::new(), Vec::new()];
        let mut stages: [Vec<Stage>; 2] = [Vec::new(), Vec::new()];
        for direction in [Direction::Inbound, Direction::Outbound] {
            let d = direction_index(direction);
            let mut layers: Vec<(Layer, &str, &[Rule])> = inputs
                .admin_layers()
                .into_iter()
                .map(|c| (Layer::Admin, c.name.as_str(), c.rules.as_slice()))
                .collect();
            for (layer, nsg) in inputs.nsg_chain(direction) {
                if let Some(nsg) = nsg {
                    layers.push((layer, nsg.name.as_str(), nsg.rules.as_slice()));
                }
            }
            let mut word = 0usize;
            for (layer, resource, layer_rules) in layers {
                let mut these: Vec<&Rule> = layer_rules
                    .iter()
                    .filter(|r| r.direction == direction)
                    .collect();
                these.sort_by_key(|r| r.priority);
                let resource_index = u32::try_from(resources.len()).unwrap_or(u32::MAX);
                resources.push(resource.to_string());
                let first_rule = u32::try_from(rules.len()).unwrap_or(u32::MAX);
                rules.extend(these.iter().map(|r| RuleInfo {
                    name: r.reported_name(),
                    access: r.access,
                    layer,
                    resource: resource_index,
                }));
                let words = these.len().div_ceil(64);
                stages[d].push(Stage {
                    layer,
                    first_rule,
                    rules: u32::try_from(these.len()).unwrap_or(u32::MAX),
                    first_word: word,
                    end_word: word + words,
                });
                word += words;
                ordered[d].push(these);
            }
        }
        let fits = u32::try_from(rules.len()).is_ok();
        let mut budget = limit / 8;
        let tables = if fits {
            let inbound = compile(&inputs, &stages[0], &ordered[0], &mut budget);
            let outbound = compile(&inputs, &stages[1], &ordered[1], &mut budget);
            match (inbound, outbound) {
                (Some(i), Some(o)) => Some(Box::new([i, o])),
                _ => None,
            }
        } else {
            None
        };
        let note_warnings = inputs
            .notes
            .iter()
            .map(|n| Warning::new(WarningKind::Input, n.clone()))
            .collect();
        let mut notes = Vec::new();
        if inputs.subnet_layer().is_none() && inputs.nic_layer().is_none() {
            notes.push(Note::new(NoteKind::NsgsNotApplied, NO_NSG_NOTE));
        }
        drop(ordered);
        Compiled {
            inputs,
            rules,
            resources,
            stages,
            tables,
            note_warnings,
            notes,
        }
    }

    /// The inputs compiled.
    ///
    /// ```
    /// use flowverify::compiled::Compiled;
    /// use flowverify::Inputs;
    /// assert_eq!(Compiled::new(&Inputs::new()).inputs(), &Inputs::new());
    /// ```
    pub fn inputs(&self) -> &Inputs {
        &self.inputs
    }

    /// Whether the tables were built (false when they would have exceeded the limit: answers
    /// then come from the reference evaluator).
    ///
    /// ```
    /// use flowverify::compiled::Compiled;
    /// use flowverify::Inputs;
    /// assert!(Compiled::new(&Inputs::new()).is_compiled());
    /// ```
    pub fn is_compiled(&self) -> bool {
        self.tables.is_some()
    }

    /// The bytes the tables take (0 when not compiled).
    ///
    /// ```
    /// use flowverify::compiled::Compiled;
    /// use flowverify::Inputs;
    /// assert!(Compiled::new(&Inputs::new()).table_bytes() < 4096);
    /// ```
    pub fn table_bytes(&self) -> usize {
        self.tables.as_ref().map_or(0, |t| {
            t.iter()
                .map(|t| {
                    t.pool.len() * 8
                        + (t.source_ports.starts.len() + t.destination_ports.starts.len()) * 6
                        + (t.source_v4.starts.len() + t.destination_v4.starts.len()) * 8
                        + (t.source_v6.starts.len() + t.destination_v6.starts.len()) * 20
                })
                .sum()
        })
    }

    /// How many rules were compiled (every rule of every layer, both directions).
    ///
    /// ```
    /// use flowverify::compiled::Compiled;
    /// use flowverify::Inputs;
    /// assert_eq!(Compiled::new(&Inputs::new()).rule_count(), 0);
    /// ```
    pub fn rule_count(&self) -> usize {
        self.rules.len()
    }

    /// The rule's name as IP flow verify reports it (`securityRules/DenyRdp`); empty for a
    /// handle of other compiled inputs beyond this one's rules.
    ///
    /// ```
    /// use flowverify::compiled::Compiled;
    /// use flowverify::Flow;
    /// # let scenario = flowverify::Scenario::from_json("s.json", r#"{"version": 1,
    /// #   "nicNsg": {"name": "nsg", "securityRules": []}}"#).unwrap();
    /// # let inputs = scenario.inputs("s.json").unwrap();
    /// let compiled = Compiled::new(&inputs);
    /// let flow = Flow::parse("Inbound", "Tcp", "10.0.1.4:22", "203.0.113.7:5000").unwrap();
    /// let rule = compiled.verdict(&flow).rule.unwrap();
    /// assert_eq!(compiled.rule_name(rule), "defaultSecurityRules/DenyAllInBound");
    /// ```
    pub fn rule_name(&self, rule: RuleId) -> &str {
        self.rules.get(rule.index()).map_or("", |r| r.name.as_str())
    }

    /// The NSG or admin configuration the rule belongs to (`decidedBy.resource`); empty for a
    /// handle beyond this one's rules.
    ///
    /// ```
    /// use flowverify::compiled::Compiled;
    /// use flowverify::{Flow, Layer};
    /// # let scenario = flowverify::Scenario::from_json("s.json", r#"{"version": 1,
    /// #   "subnetNsg": {"name": "nsg-subnet", "securityRules": []}}"#).unwrap();
    /// # let inputs = scenario.inputs("s.json").unwrap();
    /// let compiled = Compiled::new(&inputs);
    /// let flow = Flow::parse("Inbound", "Tcp", "10.0.1.4:22", "203.0.113.7:5000").unwrap();
    /// let answer = compiled.verdict(&flow);
    /// assert_eq!(answer.layer, Layer::Subnet);
    /// assert_eq!(compiled.resource(answer.rule.unwrap()), "nsg-subnet");
    /// ```
    pub fn resource(&self, rule: RuleId) -> &str {
        self.rules
            .get(rule.index())
            .and_then(|r| self.resources.get(r.resource as usize))
            .map_or("", String::as_str)
    }

    /// The verdict on `flow`: access, deciding rule, layer and uncertainty, as
    /// [`crate::verify`] reports them, from the tables (no allocation).
    ///
    /// ```
    /// use flowverify::compiled::Compiled;
    /// use flowverify::{Decision, Flow, Layer};
    /// # let scenario = flowverify::Scenario::from_json("s.json", r#"{"version": 1,
    /// #   "nicNsg": {"name": "nsg", "securityRules": [{"name": "AllowStorage", "properties": {
    /// #     "priority": 100, "direction": "Outbound", "access": "Allow", "protocol": "Tcp",
    /// #     "sourceAddressPrefix": "*", "sourcePortRange": "*",
    /// #     "destinationAddressPrefix": "Storage.WestUS", "destinationPortRange": "443"}}]}}"#).unwrap();
    /// # let inputs = scenario.inputs("s.json").unwrap();
    /// // A rule naming a service tag no input defines makes the verdict uncertain:
    /// let compiled = Compiled::new(&inputs);
    /// let flow = Flow::parse("Outbound", "Tcp", "10.0.1.4:50000", "20.60.1.1:443").unwrap();
    /// let answer = compiled.verdict(&flow);
    /// assert!(answer.uncertain && !answer.quiet());
    /// assert_eq!(compiled.rule_name(answer.rule.unwrap()), "defaultSecurityRules/AllowInternetOutBound");
    /// ```
    pub fn verdict(&self, flow: &Flow) -> Answer {
        match &self.tables {
            Some(tables) => {
                let d = direction_index(flow.direction());
                self.lookup(&tables[d], &self.stages[d], flow)
                    .unwrap_or_else(|| self.by_reference(flow))
            }
            None => self.by_reference(flow),
        }
    }

    /// The verdicts on `flows`, in order, appended to `out` (cleared first).
    ///
    /// ```
    /// use flowverify::compiled::Compiled;
    /// use flowverify::{Decision, Flow, Inputs};
    /// let flows = [Flow::parse("Inbound", "Udp", "10.0.1.4:53", "8.8.8.8:5000").unwrap()];
    /// let mut out = Vec::new();
    /// Compiled::new(&Inputs::new()).verdicts(&flows, &mut out);
    /// assert_eq!(out[0].access, Decision::Allow);
    /// ```
    pub fn verdicts(&self, flows: &[Flow], out: &mut Vec<Answer>) {
        out.clear();
        out.reserve(flows.len());
        out.extend(flows.iter().map(|f| self.verdict(f)));
    }

    /// The whole verdict on `flow`, equal to [`crate::verify_with`]`(inputs, flow, options)`:
    /// with a trace, from the reference evaluator; without, built from [`Compiled::verdict`]
    /// when the answer is [quiet](Answer::quiet), else from the reference evaluator.
    ///
    /// ```
    /// use flowverify::compiled::Compiled;
    /// use flowverify::{verify_with, Flow, Inputs, Options};
    /// let inputs = Inputs::new();
    /// let compiled = Compiled::new(&inputs);
    /// let flow = Flow::parse("Outbound", "Tcp", "10.0.1.4:5000", "203.0.113.7:443").unwrap();
    /// for trace in [false, true] {
    ///     let options = Options { trace };
    ///     assert_eq!(compiled.verify(&flow, options), verify_with(&inputs, &flow, options));
    /// }
    /// ```
    pub fn verify(&self, flow: &Flow, options: Options) -> Verdict {
        if options.trace || self.tables.is_none() {
            return verify_with(&self.inputs, flow, options);
        }
        let answer = self.verdict(flow);
        if !answer.quiet {
            return verify_with(&self.inputs, flow, options);
        }
        let (rule_name, resource) = match answer.rule {
            Some(rule) => (
                Some(self.rule_name(rule).to_string()),
                Some(self.resource(rule).to_string()),
            ),
            None => (None, None),
        };
        Verdict {
            access: answer.access,
            rule_name,
            decided_by: DecidedBy {
                layer: answer.layer,
                resource,
            },
            uncertain: answer.uncertain,
            warnings: self.note_warnings.clone(),
            notes: self.notes.clone(),
            path: Vec::new(),
            blockers: Vec::new(),
            flow: *flow,
            trace: Vec::new(),
        }
    }

    /// The answer of the reference evaluator, its rule found among the compiled ones.
    fn by_reference(&self, flow: &Flow) -> Answer {
        let v = verify_with(&self.inputs, flow, Options { trace: false });
        let d = direction_index(flow.direction());
        let rule = v.rule_name.as_deref().and_then(|name| {
            self.stages[d]
                .iter()
                .filter(|s| s.layer == v.decided_by.layer)
                .flat_map(|s| s.first_rule..s.first_rule.saturating_add(s.rules))
                .find(|&i| {
                    self.rules.get(i as usize).is_some_and(|r| {
                        r.name == name
                            && self.resources.get(r.resource as usize).map(String::as_str)
                                == v.decided_by.resource.as_deref()
                    })
                })
                .map(RuleId)
        });
        Answer {
            access: v.access,
            rule,
            layer: v.decided_by.layer,
            uncertain: v.uncertain,
            quiet: v.warnings.len() == self.note_warnings.len(),
        }
    }

    /// The answer from the tables of the flow's direction; `None` only if the tables are
    /// inconsistent (never, by construction).
    fn lookup(&self, t: &Tables, stages: &[Stage], flow: &Flow) -> Option<Answer> {
        let source = flow.source();
        let destination = flow.destination();
        let (source_ports, any_source_port) =
            port_set(&t.source_ports, t.source_all_ports, &source);
        let (destination_ports, any_destination_port) =
            port_set(&t.destination_ports, t.destination_all_ports, &destination);
        let address = |v4: &Table<u32>, v6: &Table<u128>, ip: IpAddr| match ip {
            IpAddr::V4(ip) => v4.find(u32::from(ip)),
            IpAddr::V6(ip) => v6.find(u128::from(ip)),
        };
        let set = |offset: usize| t.pool.get(offset..offset + t.words);
        let rows = Rows {
            protocol: set(t.protocol[protocol_index(flow.protocol())] as usize)?,
            source_port: set(source_ports)?,
            destination_port: set(destination_ports)?,
            source: set(address(&t.source_v4, &t.source_v6, source.ip()))?,
            destination: set(address(
                &t.destination_v4,
                &t.destination_v6,
                destination.ip(),
            ))?,
            source_missing: set(t.source_missing as usize)?,
            destination_missing: set(t.destination_missing as usize)?,
            flagged: set(t.flagged as usize)?,
            any_source_port: if any_source_port { !0 } else { 0 },
            any_destination_port: if any_destination_port { !0 } else { 0 },
        };

        let mut decided: Option<(Decision, u32)> = None;
        let mut handed_over: Option<u32> = None;
        let mut last_allow: Option<u32> = None;
        let mut uncertain = false;
        let mut quiet = true;
        for stage in stages {
            if stage.layer == Layer::Admin && handed_over.is_some() {
                continue;
            }
            let scan = rows.scan(stage.first_word, stage.end_word)?;
            uncertain |= scan.unsure;
            quiet &= !scan.flagged;
            let Some(bit) = scan.hit else {
                if stage.layer != Layer::Admin {
                    quiet = false;
                }
                continue;
            };
            let offset = u32::try_from(bit - stage.first_word * 64).ok()?;
            let rule = stage.first_rule.checked_add(offset)?;
            let access = self.rules.get(rule as usize)?.access;
            match (stage.layer, access) {
                (_, Access::Deny) => decided = Some((Decision::Deny, rule)),
                (_, Access::AlwaysAllow) => decided = Some((Decision::Allow, rule)),
                (Layer::Admin, Access::Allow) => handed_over = Some(rule),
                (_, Access::Allow) => last_allow = Some(rule),
            }
            if decided.is_some() {
                break;
            }
        }
        let (access, rule) = match decided {
            Some((access, rule)) => (access, Some(rule)),
            None => (Decision::Allow, last_allow.or(handed_over)),
        };
        let layer = match rule {
            Some(rule) => self.rules.get(rule as usize)?.layer,
            None => Layer::None,
        };
        Some(Answer {
            access,
            rule: rule.map(RuleId),
            layer,
            uncertain,
            quiet: quiet && !uncertain,
        })
    }
}

/// The pool offset of the port bitset for an endpoint, and whether its port is `*`: a
/// portless flow and a port `*` need a rule covering every port (for `*`, any other rule is
/// undetermined, not failed).
fn port_set(table: &Table<u16>, all_ports: u32, end: &Endpoint) -> (usize, bool) {
    match end.port() {
        Some(port) => (table.find(port), false),
        None => (all_ports as usize, end.has_any_port()),
    }
}

/// The bitsets of one flow's values.
struct Rows<'a> {
    protocol: &'a [u64],
    source_port: &'a [u64],
    destination_port: &'a [u64],
    source: &'a [u64],
    destination: &'a [u64],
    source_missing: &'a [u64],
    destination_missing: &'a [u64],
    flagged: &'a [u64],
    any_source_port: u64,
    any_destination_port: u64,
}

/// What one layer's scan found.
struct Scan {
    /// The first matching rule's bit.
    hit: Option<usize>,
    /// An undetermined rule came before the match (or, with no match, anywhere).
    unsure: bool,
    /// A flagged rule was met (before the match, or the match itself).
    flagged: bool,
}

impl Rows<'_> {
    fn scan(&self, from: usize, to: usize) -> Option<Scan> {
        let p = self.protocol.get(from..to)?;
        let n = p.len();
        let sp = self.source_port.get(from..to)?;
        let dp = self.destination_port.get(from..to)?;
        let s = self.source.get(from..to)?;
        let d = self.destination.get(from..to)?;
        let sm = self.source_missing.get(from..to)?;
        let dm = self.destination_missing.get(from..to)?;
        let fl = self.flagged.get(from..to)?;
        if sp.len() != n
            || dp.len() != n
            || s.len() != n
            || d.len() != n
            || sm.len() != n
            || dm.len() != n
            || fl.len() != n
        {
            return None;
        }
        let mut unsure = false;
        let mut flagged = false;
        for i in 0..n {
            let matched = p[i] & sp[i] & dp[i] & s[i] & d[i];
            let open = p[i]
                & (sp[i] | self.any_source_port)
                & (dp[i] | self.any_destination_port)
                & (s[i] | sm[i])
                & (d[i] | dm[i]);
            if matched != 0 {
                let bit = matched.trailing_zeros();
                let before = (1u64 << bit) - 1;
                return Some(Scan {
                    hit: Some((from + i) * 64 + bit as usize),
                    unsure: unsure || open & before != 0,
                    flagged: flagged || fl[i] & (before | (1u64 << bit)) != 0,
                });
            }
            unsure |= open != 0;
            flagged |= fl[i] != 0;
        }
        Some(Scan {
            hit: None,
            unsure,
            flagged,
        })
    }
}

/// What one side of a rule covers: inclusive ranges per address family, and whether it names
/// something no input defines, or raises the `VirtualNetwork` warning.
#[derive(Default)]
struct SideCover {
    v4: Vec<(u128, u128)>,
    v6: Vec<(u128, u128)>,
    missing: bool,
    warns: bool,
}

impl SideCover {
    fn all(&mut self) {
        self.v4.push((0, u128::from(u32::MAX)));
        self.v6.push((0, u128::MAX));
    }

    fn net(&mut self, net: &IpNet) {
        match net {
            IpNet::V4(n) => self.v4.push((
                u128::from(u32::from(n.network())),
                u128::from(u32::from(n.broadcast())),
            )),
            IpNet::V6(n) => self
                .v6
                .push((u128::from(n.network()), u128::from(n.broadcast()))),
        }
    }

    fn ip(&mut self, ip: IpAddr) {
        match ip {
            IpAddr::V4(ip) => {
                let v = u128::from(u32::from(ip));
                self.v4.push((v, v));
            }
            IpAddr::V6(ip) => {
                let v = u128::from(ip);
                self.v6.push((v, v));
            }
        }
    }

    /// What `side` covers, as [`crate::evaluate`] matches it.
    fn of(side: &AddressSide, inputs: &Inputs) -> SideCover {
        let mut cover = SideCover::default();
        if side.entries().is_empty() {
            cover.all();
        }
        for entry in side.entries() {
            match entry {
                AddressEntry::Any => cover.all(),
                AddressEntry::Prefix(net) => cover.net(net),
                AddressEntry::Expanded { prefixes, .. } => {
                    prefixes.iter().for_each(|n| cover.net(n))
                }
                AddressEntry::Tag(name) => cover.tag(name, inputs),
                AddressEntry::Asg(name) => match inputs.asg_members(name) {
                    Some(members) => members.into_iter().for_each(|ip| cover.ip(ip)),
                    None => cover.missing = true,
                },
                AddressEntry::NetworkGroup(_) | AddressEntry::BareNumber(_) => cover.missing = true,
            }
        }
        cover
    }

    /// A service tag: a supplied definition first, then the built-in ones.
    fn tag(&mut self, name: &str, inputs: &Inputs) {
        if let Some(prefixes) = inputs.service_tags.get(name) {
            prefixes.iter().for_each(|n| self.net(n));
            return;
        }
        match builtin_name(name) {
            Some("VirtualNetwork") => {
                self.warns |= inputs.virtual_network.is_empty();
                self.ip(IpAddr::V4(AZURE_HOST));
                inputs.virtual_network.iter().for_each(|n| self.net(n));
            }
            Some("AzureLoadBalancer") => self.ip(IpAddr::V4(AZURE_HOST)),
            Some("Internet") => {
                let mut blocked: Vec<(u128, u128)> = non_internet_v4()
                    .map(|n| {
                        (
                            u128::from(u32::from(n.network())),
                            u128::from(u32::from(n.broadcast())),
                        )
                    })
                    .collect();
                blocked.sort_unstable();
                let mut next = 0u128;
                for (lo, hi) in blocked {
                    if lo > next {
                        self.v4.push((next, lo - 1));
                    }
                    next = next.max(hi + 1);
                }
                if next <= u128::from(u32::MAX) {
                    self.v4.push((next, u128::from(u32::MAX)));
                }
                // 2000::/3
                self.v6.push((0x2000u128 << 112, (0x4000u128 << 112) - 1));
            }
            _ => self.missing = true,
        }
    }
}

/// Builds the tables of one direction's stages; `None` when the pool would exceed `budget`
/// words (the budget left is written back).
fn compile(
    inputs: &Inputs,
    stages: &[Stage],
    ordered: &[Vec<&Rule>],
    budget: &mut usize,
) -> Option<Tables> {
    let words = stages.last().map_or(0, |s| s.end_word);
    let mut pool = Pool {
        words,
        data: Vec::new(),
        ids: HashMap::new(),
        budget: *budget,
    };
    let empty = vec![0u64; words];
    pool.intern(&empty)?;

    // Every rule with its bit.
    let placed: Vec<(usize, &Rule)> = stages
        .iter()
        .zip(ordered)
        .flat_map(|(stage, rules)| {
            rules
                .iter()
                .enumerate()
                .map(move |(i, r)| (stage.first_word * 64 + i, *r))
        })
        .collect();

    let mut protocol = [0u32; 5];
    for p in Protocol::ALL {
        let set = bits(
            words,
            placed
                .iter()
                .filter(|(_, r)| r.protocol.contains(p))
                .map(|p| p.0),
        );
        protocol[protocol_index(p)] = pool.intern(&set)?;
    }
    let all_ports = |side: fn(&Rule) -> &PortSide| {
        bits(
            words,
            placed
                .iter()
                .filter(|(_, r)| side(r).covers_all())
                .map(|p| p.0),
        )
    };
    let source_all_ports = pool.intern(&all_ports(|r| &r.source_ports))?;
    let destination_all_ports = pool.intern(&all_ports(|r| &r.destination_ports))?;

    let port_ranges = |side: fn(&Rule) -> &PortSide| -> Vec<(usize, u128, u128)> {
        let mut out = Vec::new();
        for (bit, rule) in &placed {
            let ranges = side(rule).ranges();
            let mut these: Vec<(u128, u128)> = if ranges.is_empty() {
                vec![(0, u128::from(u16::MAX))]
            } else {
                ranges
                    .iter()
                    .map(|r| (u128::from(r.start()), u128::from(r.end())))
                    .collect()
            };
            merge(&mut these);
            out.extend(these.into_iter().map(|(lo, hi)| (*bit, lo, hi)));
        }
        out
    };
    let (sp_starts, sp_sets) =
        pool.table(port_ranges(|r| &r.source_ports), u128::from(u16::MAX))?;
    let (dp_starts, dp_sets) =
        pool.table(port_ranges(|r| &r.destination_ports), u128::from(u16::MAX))?;

    let mut sides = Vec::with_capacity(placed.len());
    for (bit, rule) in &placed {
        sides.push((
            *bit,
            SideCover::of(&rule.source, inputs),
            SideCover::of(&rule.destination, inputs),
        ));
    }
    let source_missing = pool.intern(&bits(
        words,
        sides.iter().filter(|s| s.1.missing).map(|s| s.0),
    ))?;
    let destination_missing = pool.intern(&bits(
        words,
        sides.iter().filter(|s| s.2.missing).map(|s| s.0),
    ))?;
    let flagged = bits(
        words,
        placed
            .iter()
            .zip(&sides)
            .filter(|((_, r), s)| !r.warnings.is_empty() || s.1.warns || s.2.warns)
            .map(|(p, _)| p.0),
    );
    let flagged = pool.intern(&flagged)?;

    let address_ranges = |source: bool, v6: bool| -> Vec<(usize, u128, u128)> {
        let mut out = Vec::new();
        for (bit, s, d) in &sides {
            let cover = if source { s } else { d };
            let mut these = if v6 {
                cover.v6.clone()
            } else {
                cover.v4.clone()
            };
            merge(&mut these);
            out.extend(these.into_iter().map(|(lo, hi)| (*bit, lo, hi)));
        }
        out
    };
    let v4_max = u128::from(u32::MAX);
    let (s4_starts, s4_sets) = pool.table(address_ranges(true, false), v4_max)?;
    let (s6_starts, s6_sets) = pool.table(address_ranges(true, true), u128::MAX)?;
    let (d4_starts, d4_sets) = pool.table(address_ranges(false, false), v4_max)?;
    let (d6_starts, d6_sets) = pool.table(address_ranges(false, true), u128::MAX)?;

    *budget = pool.budget;
    let narrow16 = |s: Vec<u128>| s.into_iter().map(|v| v as u16).collect();
    let narrow32 = |s: Vec<u128>| s.into_iter().map(|v| v as u32).collect();
    Some(Tables {
        words,
        pool: pool.data,
        protocol,
        source_ports: Table {
            starts: narrow16(sp_starts),
            sets: sp_sets,
        },
        destination_ports: Table {
            starts: narrow16(dp_starts),
            sets: dp_sets,
        },
        source_v4: Table {
            starts: narrow32(s4_starts),
            sets: s4_sets,
        },
        source_v6: Table {
            starts: s6_starts,
            sets: s6_sets,
        },
        destination_v4: Table {
            starts: narrow32(d4_starts),
            sets: d4_sets,
        },
        destination_v6: Table {
            starts: d6_starts,
            sets: d6_sets,
        },
        source_all_ports,
        destination_all_ports,
        source_missing,
        destination_missing,
        flagged,
    })
}

/// A bitset of `words` words with the bits of `placed` set.
fn bits(words: usize, placed: impl Iterator<Item = usize>) -> Vec<u64> {
    let mut set = vec![0u64; words];
    for bit in placed {
        if let Some(w) = set.get_mut(bit / 64) {
            *w |= 1u64 << (bit % 64);
        }
    }
    set
}

/// Sorts inclusive ranges and merges those that overlap or touch.
fn merge(ranges: &mut Vec<(u128, u128)>) {
    ranges.sort_unstable();
    let mut out: Vec<(u128, u128)> = Vec::with_capacity(ranges.len());
    for &(lo, hi) in ranges.iter() {
        match out.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    *ranges = out;
}

/// The bitsets of one direction, deduplicated.
struct Pool {
    words: usize,
    data: Vec<u64>,
    ids: HashMap<Vec<u64>, u32>,
    /// Words still allowed.
    budget: usize,
}

impl Pool {
    /// The offset of `set` in the pool, adding it if new; `None` beyond the budget.
    fn intern(&mut self, set: &[u64]) -> Option<u32> {
        if let Some(&offset) = self.ids.get(set) {
            return Some(offset);
        }
        // The data, and the key kept for deduplication.
        let cost = 2 * self.words.max(1);
        self.budget = self.budget.checked_sub(cost)?;
        let offset = u32::try_from(self.data.len()).ok()?;
        self.data.extend_from_slice(set);
        self.ids.insert(set.to_vec(), offset);
        Some(offset)
    }

    /// The elementary intervals of `ranges` (bit, first, last; each rule's ranges disjoint
    /// and not touching) over `0..=max`: the first value of each and its bitset's offset,
    /// neighbours with equal sets merged.
    fn table(
        &mut self,
        ranges: Vec<(usize, u128, u128)>,
        max: u128,
    ) -> Option<(Vec<u128>, Vec<u32>)> {
        let mut events: Vec<(u128, usize, bool)> = Vec::with_capacity(ranges.len() * 2);
        for (bit, lo, hi) in ranges {
            events.push((lo, bit, true));
            if hi < max {
                events.push((hi + 1, bit, false));
            }
        }
        events.sort_unstable_by_key(|e| e.0);
        let mut current = vec![0u64; self.words];
        let mut starts = Vec::new();
        let mut sets: Vec<u32> = Vec::new();
        let mut i = 0;
        let mut at = 0u128;
        loop {
            while let Some(&(position, bit, on)) = events.get(i) {
                if position != at {
                    break;
                }
                if let Some(w) = current.get_mut(bit / 64) {
                    if on {
                        *w |= 1u64 << (bit % 64);
                    } else {
                        *w &= !(1u64 << (bit % 64));
                    }
                }
                i += 1;
            }
            let offset = self.intern(&current)?;
            if sets.last() != Some(&offset) {
                starts.push(at);
                sets.push(offset);
            }
            match events.get(i) {
                Some(&(position, _, _)) => at = position,
                None => break,
            }
        }
        Some((starts, sets))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_joins_touching_ranges() {
        let mut r = vec![(5, 9), (0, 4), (20, 30), (25, 26), (u128::MAX, u128::MAX)];
        merge(&mut r);
        assert_eq!(r, [(0, 9), (20, 30), (u128::MAX, u128::MAX)]);
    }

    #[test]
    fn tables_find_every_interval() {
        let mut pool = Pool {
            words: 1,
            data: Vec::new(),
            ids: HashMap::new(),
            budget: 1000,
        };
        pool.intern(&[0]).unwrap();
        let (starts, sets) = pool
            .table(vec![(0, 10, 20), (1, 15, 65535), (2, 0, 65535)], 65535)
            .unwrap();
        let table = Table {
            starts: starts.into_iter().map(|s| s as u16).collect(),
            sets,
        };
        let at = |k: u16| pool.data[table.find(k)];
        assert_eq!(at(0), 0b100);
        assert_eq!(at(9), 0b100);
        assert_eq!(at(10), 0b101);
        assert_eq!(at(15), 0b111);
        assert_eq!(at(20), 0b111);
        assert_eq!(at(21), 0b110);
        assert_eq!(at(65535), 0b110);
    }
}
