//! Scenario documents (`docs/formats.md`, Scenario document): one JSON file holding every input of
//! a verification, as the user pasted it, and the flows to verify with their expected verdicts.
//!
//! The web page's permalink and "download scenario", and the command line's `--scenario` and
//! `check`, all read and write this one format.
//!
//! ```
//! use flowverify::scenario::Scenario;
//! let text = r#"{
//!   "version": 1,
//!   "title": "Web tier",
//!   "virtualNetwork": ["10.0.0.0/16"],
//!   "flows": [ { "direction": "Inbound", "protocol": "Tcp",
//!                "local": "10.0.1.4:443", "remote": "203.0.113.7:50000", "expect": "Allow" } ]
//! }"#;
//! let scenario = Scenario::from_json("web.json", text).unwrap();
//! assert_eq!(scenario.title.as_deref(), Some("Web tier"));
//! assert_eq!(scenario.flows[0].to_flow().unwrap().local().to_string(), "10.0.1.4:443");
//!
//! // A typo is an error that names the property.
//! let err = Scenario::from_json("web.json", r#"{"version": 1, "titel": "x"}"#).unwrap_err();
//! assert!(err.to_string().contains("'titel'"));
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::InputError;
use crate::evaluate::Options;
use crate::flow::Flow;
use crate::import::{import_value, Document};
use crate::inputs::{Inputs, Slot};
use crate::model::{parse_prefix, Direction};
use crate::verdict::{Decision, Layer, Verdict};

/// The scenario format version this code reads and writes.
pub const VERSION: u32 = 1;

/// The top-level properties of a scenario, in their canonical spelling.
const SCENARIO_KEYS: [&str; 12] = [
    "version",
    "title",
    "subnetNsg",
    "nicNsg",
    "adminRules",
    "effectiveRules",
    "nic",
    "serviceTags",
    "virtualNetwork",
    "asgs",
    "flows",
    "baseline",
];

/// The properties a `baseline` holds: the inputs of a previous version (the slot properties).
const BASELINE_KEYS: [&str; 8] = [
    "subnetNsg",
    "nicNsg",
    "adminRules",
    "effectiveRules",
    "nic",
    "serviceTags",
    "virtualNetwork",
    "asgs",
];

/// The properties of one flow.
const FLOW_KEYS: [&str; 5] = ["direction", "protocol", "local", "remote", "expect"];

/// The properties of an expectation object.
const EXPECT_KEYS: [&str; 3] = ["access", "ruleName", "layer"];

/// A scenario document: the inputs of one target, as pasted, and flows to verify.
///
/// Every property but `version` is optional. Slots hold the Azure documents exactly as pasted
/// (any supported shape); they are imported by [`Scenario::inputs`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Scenario {
    /// The format version: always 1.
    pub version: u32,
    /// A title for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The NSG of the target's subnet, as pasted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_nsg: Option<Value>,
    /// The NSG of the target's network interface, as pasted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nic_nsg: Option<Value>,
    /// AVNM security admin rules documents, highest scope first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub admin_rules: Vec<Value>,
    /// Effective security rules of the network interface.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_rules: Option<Value>,
    /// A network interface document (its IPs and ASG membership).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nic: Option<Value>,
    /// A service tags file or discovery API response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_tags: Option<Value>,
    /// Prefixes of the `VirtualNetwork` tag, as written (CIDRs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub virtual_network: Vec<String>,
    /// Application security group membership: name -> IPs, as written.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub asgs: BTreeMap<String, Vec<String>>,
    /// Flows to verify, each with an optional expected verdict.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<FlowSpec>,
    /// The inputs of a previous version (`docs/formats.md`, Scenario properties), which the page
    /// compares against: a scenario of slot properties only (no title, flows or baseline of its
    /// own).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_baseline"
    )]
    pub baseline: Option<Box<Scenario>>,
}

/// A baseline is written with its slot properties only.
fn serialize_baseline<S: serde::Serializer>(
    baseline: &Option<Box<Scenario>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let mut value = serde_json::to_value(baseline).map_err(serde::ser::Error::custom)?;
    if let Value::Object(map) = &mut value {
        map.retain(|k, _| BASELINE_KEYS.contains(&k.as_str()));
    }
    value.serialize(serializer)
}

impl Default for Scenario {
    fn default() -> Scenario {
        Scenario::new()
    }
}

impl Scenario {
    /// An empty scenario of the current version.
    pub fn new() -> Scenario {
        Scenario {
            version: VERSION,
            title: None,
            subnet_nsg: None,
            nic_nsg: None,
            admin_rules: Vec::new(),
            effective_rules: None,
            nic: None,
            service_tags: None,
            virtual_network: Vec::new(),
            asgs: BTreeMap::new(),
            flows: Vec::new(),
            baseline: None,
        }
    }

    /// The scenario's inputs as a baseline: its slot properties only (what "Set as baseline"
    /// keeps, to compare later versions against).
    ///
    /// ```
    /// use flowverify::scenario::Scenario;
    /// let mut s = Scenario::from_json("s.json", r#"{"version": 1, "title": "Web",
    ///   "virtualNetwork": ["10.0.0.0/16"]}"#).unwrap();
    /// s.baseline = Some(Box::new(s.slots_only()));
    /// s.virtual_network = vec!["10.1.0.0/16".into()];
    /// let json = s.to_json_compact();
    /// assert!(json.ends_with(r#""baseline":{"virtualNetwork":["10.0.0.0/16"]}}"#));
    /// assert_eq!(Scenario::from_json("s.json", &json).unwrap(), s);
    /// ```
    pub fn slots_only(&self) -> Scenario {
        Scenario {
            version: VERSION,
            title: None,
            subnet_nsg: self.subnet_nsg.clone(),
            nic_nsg: self.nic_nsg.clone(),
            admin_rules: self.admin_rules.clone(),
            effective_rules: self.effective_rules.clone(),
            nic: self.nic.clone(),
            service_tags: self.service_tags.clone(),
            virtual_network: self.virtual_network.clone(),
            asgs: self.asgs.clone(),
            flows: Vec::new(),
            baseline: None,
        }
    }

    /// The inputs of the baseline, when the scenario has one; errors name their place within
    /// `baseline` (`s.json: baseline.nicNsg...`).
    ///
    /// ```
    /// use flowverify::scenario::Scenario;
    /// let s = Scenario::from_json("s.json", r#"{"version": 1,
    ///   "baseline": {"virtualNetwork": ["10.0.0.0/33"]}}"#).unwrap();
    /// let err = s.baseline_inputs("s.json").unwrap().unwrap_err();
    /// assert!(err.to_string().starts_with("s.json: baseline.virtualNetwork[0]: "));
    /// assert!(Scenario::new().baseline_inputs("s.json").is_none());
    /// ```
    pub fn baseline_inputs(&self, source: &str) -> Option<Result<Inputs, InputError>> {
        self.baseline
            .as_ref()
            .map(|b| b.inputs(source).map_err(|e| e.within("baseline")))
    }

    /// Reads a scenario from its JSON text; `source` (a file name) names it in errors.
    ///
    /// Syntax errors give the line and column; property names are matched case-insensitively,
    /// and an unknown one is an error naming it (so a typo is never silently ignored);
    /// `version` must be 1.
    ///
    /// ```
    /// use flowverify::scenario::Scenario;
    /// let err = Scenario::from_json("s.json", "{\n  \"version\": 1,\n}").unwrap_err();
    /// assert!(err.to_string().starts_with("s.json: line 3, column 1: "));
    /// let err = Scenario::from_json("s.json", r#"{"version": 2}"#).unwrap_err();
    /// assert!(err.to_string().contains("version 2"));
    /// ```
    pub fn from_json(source: &str, text: &str) -> Result<Scenario, InputError> {
        // The flows are read one by one as the text is parsed, never held as one JSON tree (a
        // check of 100,000 flows): a flow of the usual shape is read straight into its spec;
        // any other is read as the whole text would be (a key given twice stops the reading
        // there) and made a spec by `FlowSpec::from_value`, whose error is reported where
        // `from_value` reports it (after the properties before the flows).
        let mut flows: Vec<FlowSpec> = Vec::new();
        let mut bad: Option<InputError> = None;
        let mut sink =
            |element: crate::json_text::Element<'_>| -> Result<(), crate::json_text::Stop> {
                let index = element.index;
                if index == 0 {
                    // A first element: the first reading, or the second one without comments.
                    flows.clear();
                    bad = None;
                }
                if let Some(flow) = FlowSpec::from_usual(element.raw) {
                    if bad.is_none() {
                        flows.push(flow);
                    }
                    return Ok(());
                }
                let written = format!("{}[{index}]", element.key);
                let value = crate::json_text::read_element(
                    source,
                    text,
                    element.raw,
                    element.offset,
                    &written,
                )?;
                let path = format!("flows[{index}]");
                if bad.is_none() {
                    match FlowSpec::from_value(source, &path, value) {
                        Ok(flow) => flows.push(flow),
                        Err(e) => bad = Some(e),
                    }
                }
                Ok(())
            };
        let value = crate::json_text::read_streaming(
            source,
            text,
            EMPTY,
            Some(crate::json_text::Stream {
                key: "flows",
                sink: &mut sink,
            }),
        )?;
        let streamed = match bad {
            Some(e) => Err(e),
            None => Ok(flows),
        };
        Scenario::from_value_with(source, value, Some(streamed))
    }

    /// Reads a scenario from a parsed JSON value (see [`Scenario::from_json`]).
    pub fn from_value(source: &str, value: Value) -> Result<Scenario, InputError> {
        Scenario::from_value_with(source, value, None)
    }

    /// As [`Scenario::from_value`]; `streamed` holds the flows read already when the value's
    /// `flows` list was streamed (and is left empty in it).
    fn from_value_with(
        source: &str,
        value: Value,
        streamed: Option<Result<Vec<FlowSpec>, InputError>>,
    ) -> Result<Scenario, InputError> {
        let map = match value {
            Value::Object(map) => map,
            other => {
                return Err(InputError::whole(
                    source,
                    format!(
                        "a scenario is a JSON object {{\"version\": 1, ...}}, but this is {}",
                        kind_of(&other)
                    ),
                ))
            }
        };
        let mut map = canonical_keys(source, "", map, &SCENARIO_KEYS)?;
        let version = match map.remove("version") {
            Some(v) => v,
            None => {
                let mut message =
                    "this is not a scenario document: it has no \"version\": 1 property"
                        .to_string();
                if let Some(other) = map.keys().find(|k| !SCENARIO_KEYS.contains(&k.as_str())) {
                    message.push_str(&format!(
                        " (it has '{other}'; an Azure document goes in a scenario slot such as \
                         \"subnetNsg\", or on the command line after --subnet-nsg, --nic-nsg, \
                         --admin-rules, --effective, --nic or --service-tags)"
                    ));
                }
                return Err(InputError::whole(source, message));
            }
        };
        if version.as_u64() != Some(u64::from(VERSION)) {
            return Err(InputError::at(
                source,
                "version",
                format!(
                    "version {} is not supported: this flowverify reads scenario version {VERSION}",
                    short_json(&version)
                ),
            ));
        }
        if let Some(unknown) = map.keys().find(|k| !SCENARIO_KEYS.contains(&k.as_str())) {
            return Err(InputError::at(
                source,
                unknown.clone(),
                format!(
                    "unknown property '{}' (a scenario has {})",
                    crate::error::clip(unknown),
                    SCENARIO_KEYS.join(", ")
                ),
            ));
        }

        let mut scenario = Scenario::new();
        scenario.title = optional(source, "title", map.remove("title"))?;
        scenario.subnet_nsg = slot_value(map.remove("subnetNsg"));
        scenario.nic_nsg = slot_value(map.remove("nicNsg"));
        scenario.effective_rules = slot_value(map.remove("effectiveRules"));
        scenario.nic = slot_value(map.remove("nic"));
        scenario.service_tags = slot_value(map.remove("serviceTags"));
        scenario.admin_rules = match map.remove("adminRules") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(docs)) => docs.into_iter().filter(|d| !d.is_null()).collect(),
            // One document given without the list: a list of one.
            Some(doc @ Value::Object(_)) => vec![doc],
            Some(other) => {
                return Err(InputError::at(
                    source,
                    "adminRules",
                    format!(
                        "expected a list of admin rules documents (highest scope first), found {}",
                        short_json(&other)
                    ),
                ))
            }
        };
        scenario.virtual_network =
            optional(source, "virtualNetwork", map.remove("virtualNetwork"))?.unwrap_or_default();
        scenario.asgs = optional(source, "asgs", map.remove("asgs"))?.unwrap_or_default();
        scenario.flows = match (map.remove("flows"), streamed) {
            (None | Some(Value::Null), _) => Vec::new(),
            (Some(Value::Array(_)), Some(streamed)) => streamed?,
            (Some(Value::Array(flows)), None) => flows
                .into_iter()
                .enumerate()
                .map(|(i, flow)| FlowSpec::from_value(source, &format!("flows[{i}]"), flow))
                .collect::<Result<_, _>>()?,
            (Some(other), _) => {
                return Err(InputError::at(
                    source,
                    "flows",
                    format!("expected a list of flows, found {}", short_json(&other)),
                ))
            }
        };
        scenario.baseline = match map.remove("baseline") {
            None | Some(Value::Null) => None,
            Some(Value::Object(slots)) => Some(Box::new(baseline(source, slots)?)),
            Some(other) => {
                return Err(InputError::at(
                    source,
                    "baseline",
                    format!(
                        "expected the inputs of a previous version (an object of slot properties such as \"nicNsg\"), found {}",
                        short_json(&other)
                    ),
                ))
            }
        };
        Ok(scenario)
    }

    /// The scenario as indented JSON (for files and display), written by the engine's one
    /// JSON writer ([`crate::output`]): a crafted name cannot reorder the text it is shown in.
    pub fn to_json_pretty(&self) -> String {
        crate::output::json_pretty(self)
    }

    /// The scenario as compact JSON (for permalinks), written as [`Scenario::to_json_pretty`].
    pub fn to_json_compact(&self) -> String {
        crate::output::json_compact(self)
    }

    /// The documents of every filled slot, in the order they are added to the inputs, each with
    /// its place in the scenario (`subnetNsg`, `adminRules[1]`, ...).
    pub fn slot_values(&self) -> Vec<(Slot, String, &Value)> {
        let mut out = Vec::new();
        fn single(slot: Slot, value: &Option<Value>) -> Option<(Slot, String, &Value)> {
            value.as_ref().map(|v| (slot, slot.key().to_string(), v))
        }
        out.extend(single(Slot::SubnetNsg, &self.subnet_nsg));
        out.extend(single(Slot::NicNsg, &self.nic_nsg));
        for (i, doc) in self.admin_rules.iter().enumerate() {
            out.push((Slot::AdminRules, format!("adminRules[{i}]"), doc));
        }
        out.extend(single(Slot::EffectiveRules, &self.effective_rules));
        out.extend(single(Slot::Nic, &self.nic));
        out.extend(single(Slot::ServiceTags, &self.service_tags));
        out
    }

    /// Imports the document of every filled slot, each on its own, so that a caller can show
    /// every slot's problem at once. Errors name `source` and start their place with the slot.
    pub fn imports(&self, source: &str) -> Vec<(Slot, Result<Document, InputError>)> {
        self.slot_values()
            .into_iter()
            .map(|(slot, place, value)| {
                let result =
                    import_value(source, value).map_err(|e| e.within(&place).with_source(source));
                (slot, result)
            })
            .collect()
    }

    /// The `virtualNetwork` prefixes, parsed; an error names the entry.
    pub fn virtual_network_prefixes(&self, source: &str) -> Result<Vec<IpNet>, InputError> {
        self.virtual_network
            .iter()
            .enumerate()
            .map(|(i, text)| {
                parse_cidr(text)
                    .map_err(|m| InputError::at(source, format!("virtualNetwork[{i}]"), m))
            })
            .collect()
    }

    /// The `asgs` membership, parsed; an error names the ASG and the entry.
    pub fn asg_members(&self, source: &str) -> Result<Vec<(String, Vec<IpAddr>)>, InputError> {
        self.asgs
            .iter()
            .map(|(name, ips)| {
                let parsed = ips
                    .iter()
                    .enumerate()
                    .map(|(i, ip)| {
                        parse_ip(ip)
                            .map_err(|m| InputError::at(source, format!("asgs.{name}[{i}]"), m))
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Ok((name.clone(), parsed))
            })
            .collect()
    }

    /// Builds the inputs of a verification: imports each slot's document (through
    /// [`import_value`] and [`Inputs::add`]) and parses `virtualNetwork` and `asgs`.
    /// Errors name `source` and put the slot first in the place, e.g.
    /// `web.json: subnetNsg.securityRules[2] (X).priority: ...`.
    ///
    /// ```
    /// use flowverify::scenario::Scenario;
    /// let s = Scenario::from_json("s.json", r#"{"version": 1, "virtualNetwork": ["10.0.0.0/33"]}"#).unwrap();
    /// let err = s.inputs("s.json").unwrap_err();
    /// assert!(err.to_string().starts_with("s.json: virtualNetwork[0]: '10.0.0.0/33'"));
    /// ```
    pub fn inputs(&self, source: &str) -> Result<Inputs, InputError> {
        let mut inputs = Inputs::new();
        for (slot, document) in self.imports(source) {
            inputs
                .add(slot, document?)
                .map_err(|e| e.with_source(source))?;
        }
        inputs.virtual_network = self.virtual_network_prefixes(source)?;
        inputs.asgs = self.asg_members(source)?;
        Ok(inputs)
    }

    /// The one verify-and-check loop every front end uses: the inputs assembled once, every
    /// flow read (an error names the first bad one before anything is verified), then, one
    /// flow at a time, its verdict and how it meets its expectation. The scenario is consumed:
    /// its documents are dropped once the inputs are built, and nothing is kept per flow, so a
    /// caller that writes each result as it comes uses constant memory per flow.
    ///
    /// ```
    /// use flowverify::scenario::{Outcome, Scenario};
    /// use flowverify::Options;
    /// let scenario = Scenario::from_json("s.json", r#"{"version": 1, "flows": [
    ///   {"direction": "Inbound", "protocol": "Tcp", "local": "10.0.1.4:22",
    ///    "remote": "203.0.113.7:5000", "expect": "Allow"},
    ///   {"direction": "Inbound", "protocol": "Udp", "local": "10.0.1.4:53",
    ///    "remote": "203.0.113.7:5000"}]}"#).unwrap();
    /// let checks = scenario.into_checks("s.json", Options::default()).unwrap();
    /// assert_eq!(checks.len(), 2);
    /// let outcomes: Vec<Outcome> = checks.map(|c| c.outcome).collect();
    /// assert_eq!(outcomes, [Outcome::Passed, Outcome::Skipped]);
    /// ```
    pub fn into_checks(mut self, source: &str, options: Options) -> Result<Checks, InputError> {
        let inputs = self.inputs(source)?;
        let flows = self.parsed_flows(source)?;
        let specs = std::mem::take(&mut self.flows);
        Ok(Checks {
            engine: Engine::new(inputs, flows.len(), options),
            flows: specs.into_iter().zip(flows).enumerate(),
            options,
        })
    }

    /// Every problem of the scenario that a verification would meet, each naming its place:
    /// each slot that cannot be imported, each bad `virtualNetwork` prefix, ASG member and
    /// flow, and the same in the `baseline`, whose places start with `baseline.`. Empty when
    /// the scenario, and its baseline, can be verified and compared.
    ///
    /// A permalink or a scenario file is read leniently, so that the page can show a slot's
    /// problem next to the text as typed; the command line's `permalink encode` and `decode`
    /// ask this, so that a link they make or read carries no input, current or baseline, that
    /// `check` or `diff` would refuse.
    ///
    /// ```
    /// use flowverify::scenario::Scenario;
    /// let s = Scenario::from_json("s.json", r#"{"version": 1, "virtualNetwork": ["10.0.0.0/8"],
    ///   "baseline": {"virtualNetwork": ["10.0.0.0/33"], "asgs": {"web": ["10.0.1.999"]}}}"#).unwrap();
    /// let problems: Vec<String> = s.problems("s.json").iter().map(|e| e.to_string()).collect();
    /// assert_eq!(problems.len(), 2);
    /// assert!(problems[0].starts_with("s.json: baseline.virtualNetwork[0]: '10.0.0.0/33'"));
    /// assert!(problems[1].starts_with("s.json: baseline.asgs.web[0]: "));
    /// assert!(Scenario::new().problems("s.json").is_empty());
    /// ```
    pub fn problems(&self, source: &str) -> Vec<InputError> {
        let mut problems = self.input_problems(source);
        for (i, flow) in self.flows.iter().enumerate() {
            if let Err(m) = flow.to_flow() {
                problems.push(InputError::at(source, format!("flows[{i}]"), m));
            }
        }
        if let Some(baseline) = &self.baseline {
            problems.extend(
                baseline
                    .input_problems(source)
                    .into_iter()
                    .map(|e| e.within("baseline")),
            );
        }
        problems
    }

    /// Every problem [`Scenario::inputs`] would stop at the first of.
    fn input_problems(&self, source: &str) -> Vec<InputError> {
        let mut problems = Vec::new();
        let mut inputs = Inputs::new();
        for (slot, document) in self.imports(source) {
            let added =
                document.and_then(|d| inputs.add(slot, d).map_err(|e| e.with_source(source)));
            problems.extend(added.err());
        }
        for (i, text) in self.virtual_network.iter().enumerate() {
            if let Err(m) = parse_cidr(text) {
                problems.push(InputError::at(source, format!("virtualNetwork[{i}]"), m));
            }
        }
        for (name, ips) in &self.asgs {
            for (i, ip) in ips.iter().enumerate() {
                if let Err(m) = parse_ip(ip) {
                    problems.push(InputError::at(source, format!("asgs.{name}[{i}]"), m));
                }
            }
        }
        problems
    }

    /// Every flow, parsed; an error names the flow (`flows[1]`) and the problem.
    pub fn parsed_flows(&self, source: &str) -> Result<Vec<Flow>, InputError> {
        self.flows
            .iter()
            .enumerate()
            .map(|(i, f)| {
                f.to_flow()
                    .map_err(|m| InputError::at(source, format!("flows[{i}]"), m))
            })
            .collect()
    }
}

/// The flows of a scenario being verified and checked, one at a time (see
/// [`Scenario::into_checks`]).
#[derive(Debug)]
pub struct Checks {
    engine: Engine,
    flows: std::iter::Enumerate<
        std::iter::Zip<std::vec::IntoIter<FlowSpec>, std::vec::IntoIter<Flow>>,
    >,
    options: Options,
}

/// How the flows of a check are verified: every verdict is the reference evaluator's
/// ([`crate::verify_with`]); without a trace and with enough flows to repay compiling, it is
/// built from compiled verdicts ([`crate::compiled::Compiled::verify`], equal field for field).
#[derive(Debug)]
enum Engine {
    Reference(Box<Inputs>),
    Compiled(Box<crate::compiled::Compiled>),
}

/// From how many flows a check without trace compiles its inputs (compiling costs about as
/// much as a few hundred verdicts of the reference evaluator).
const COMPILE_FROM: usize = 256;

impl Engine {
    fn new(inputs: Inputs, flows: usize, options: Options) -> Engine {
        if options.trace || flows < COMPILE_FROM {
            Engine::Reference(Box::new(inputs))
        } else {
            Engine::Compiled(Box::new(crate::compiled::Compiled::with_limit(
                inputs,
                crate::compiled::DEFAULT_LIMIT,
            )))
        }
    }

    fn inputs(&self) -> &Inputs {
        match self {
            Engine::Reference(inputs) => inputs,
            Engine::Compiled(compiled) => compiled.inputs(),
        }
    }

    fn verify(&self, flow: &Flow, options: Options) -> Verdict {
        match self {
            Engine::Reference(inputs) => crate::evaluate::verify_with(inputs, flow, options),
            Engine::Compiled(compiled) => compiled.verify(flow, options),
        }
    }
}

impl Checks {
    /// The assembled inputs the flows are verified against.
    pub fn inputs(&self) -> &Inputs {
        self.engine.inputs()
    }
}

impl Iterator for Checks {
    type Item = FlowCheck;

    fn next(&mut self) -> Option<FlowCheck> {
        let (index, (spec, flow)) = self.flows.next()?;
        let verdict = self.engine.verify(&flow, self.options);
        let outcome = spec.outcome(&verdict);
        Some(FlowCheck {
            index,
            spec,
            flow,
            verdict,
            outcome,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.flows.size_hint()
    }
}

impl ExactSizeIterator for Checks {}

/// One flow of a scenario, verified and checked.
#[derive(Debug, Clone)]
pub struct FlowCheck {
    /// Its place in the scenario's `flows` (0-based).
    pub index: usize,
    /// The flow as written, with its expectation.
    pub spec: FlowSpec,
    /// The flow as read.
    pub flow: Flow,
    /// Its verdict.
    pub verdict: Verdict,
    /// How the verdict meets the expectation.
    pub outcome: Outcome,
}

/// What checking one flow against its expectation found (`docs/formats.md`, flowverify check): a
/// flow without an expectation is skipped, never passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The verdict meets the expectation.
    Passed,
    /// The verdict differs: why, e.g. `expected Deny, got Allow by securityRules/X`.
    Failed(String),
    /// The flow has no expectation: nothing was checked.
    Skipped,
}

impl Outcome {
    /// `PASS`, `FAIL` or `SKIP`.
    pub fn word(&self) -> &'static str {
        match self {
            Outcome::Passed => "PASS",
            Outcome::Failed(_) => "FAIL",
            Outcome::Skipped => "SKIP",
        }
    }
}

/// The count of a check over many flows, and what it comes to: passing needs at least one
/// expectation checked and every checked one met.
///
/// ```
/// use flowverify::scenario::{Outcome, Tally, Standing};
/// let mut tally = Tally::default();
/// tally.add(&Outcome::Skipped);
/// assert_eq!(tally.standing(), Standing::NothingChecked);
/// tally.add(&Outcome::Passed);
/// assert_eq!(tally.standing(), Standing::Passed);
/// tally.add(&Outcome::Failed("expected Deny, got Allow".into()));
/// assert_eq!(tally.standing(), Standing::Failed);
/// assert_eq!(tally.to_string(), "1 passed, 1 failed, 1 skipped");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    /// Flows whose verdict met their expectation.
    pub passed: usize,
    /// Flows whose verdict differs from their expectation.
    pub failed: usize,
    /// Flows without an expectation.
    pub skipped: usize,
}

/// What a [`Tally`] comes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Standing {
    /// At least one expectation was checked, and all held.
    Passed,
    /// An expectation did not hold.
    Failed,
    /// No expectation was checked at all: nothing to check (an error, never a pass).
    NothingChecked,
}

impl Tally {
    /// Counts one outcome.
    pub fn add(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Passed => self.passed += 1,
            Outcome::Failed(_) => self.failed += 1,
            Outcome::Skipped => self.skipped += 1,
        }
    }

    /// What the count comes to.
    pub fn standing(&self) -> Standing {
        if self.failed > 0 {
            Standing::Failed
        } else if self.passed == 0 {
            Standing::NothingChecked
        } else {
            Standing::Passed
        }
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        )
    }
}

/// One flow of a scenario, as written: direction, protocol, local and remote endpoints, and
/// optionally the verdict expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlowSpec {
    /// `Inbound` or `Outbound` (any case).
    pub direction: String,
    /// `Tcp`, `Udp`, `Icmp`, `Esp` or `Ah` (any case).
    pub protocol: String,
    /// The target's endpoint: `IP:PORT`, `[IPv6]:PORT`, or an IP for portless protocols.
    pub local: String,
    /// The other endpoint, written like `local`.
    pub remote: String,
    /// The expected verdict, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<Expectation>,
}

impl FlowSpec {
    /// The spec of `flow`, in Azure's spelling, with no expectation.
    ///
    /// ```
    /// use flowverify::flow::Flow;
    /// use flowverify::scenario::FlowSpec;
    /// let flow = Flow::parse("inbound", "tcp", "10.0.1.4:443", "203.0.113.7:50000").unwrap();
    /// let spec = FlowSpec::from_flow(&flow);
    /// assert_eq!(spec.direction, "Inbound");
    /// assert_eq!(spec.to_flow().unwrap(), flow);
    /// ```
    pub fn from_flow(flow: &Flow) -> FlowSpec {
        FlowSpec {
            direction: flow.direction().as_str().to_string(),
            protocol: flow.protocol().as_str().to_string(),
            local: flow.local().to_string(),
            remote: flow.remote().to_string(),
            expect: None,
        }
    }

    /// The flow it describes, checked (see [`Flow::parse`]).
    ///
    /// ```
    /// use flowverify::scenario::FlowSpec;
    /// let spec = FlowSpec {
    ///     direction: "Outbound".into(), protocol: "Udp".into(),
    ///     local: "10.0.1.4:5000".into(), remote: "8.8.8.8:53".into(), expect: None,
    /// };
    /// assert_eq!(spec.to_flow().unwrap().destination().to_string(), "8.8.8.8:53");
    /// ```
    pub fn to_flow(&self) -> Result<Flow, String> {
        Flow::parse(&self.direction, &self.protocol, &self.local, &self.remote)
    }

    /// Checks `verdict` against the flow's expectation; [`Outcome::Skipped`] without one.
    ///
    /// ```
    /// use flowverify::scenario::{Expectation, FlowSpec, Outcome};
    /// use flowverify::{verify, Decision, Flow, Inputs};
    /// let flow = Flow::parse("Inbound", "Tcp", "10.0.1.4:22", "203.0.113.7:5000").unwrap();
    /// let mut spec = FlowSpec::from_flow(&flow);
    /// let verdict = verify(&Inputs::new(), &flow);
    /// assert_eq!(spec.outcome(&verdict), Outcome::Skipped);
    /// spec.expect = Some(Expectation::access(Decision::Allow));
    /// assert_eq!(spec.outcome(&verdict), Outcome::Passed);
    /// ```
    pub fn outcome(&self, verdict: &Verdict) -> Outcome {
        match &self.expect {
            None => Outcome::Skipped,
            Some(expect) => match expect.check(verdict) {
                Ok(()) => Outcome::Passed,
                Err(why) => Outcome::Failed(why),
            },
        }
    }

    /// The flow in words, as written: `Inbound Tcp 10.0.1.4:443 <- 203.0.113.7:50000`.
    pub fn describe(&self) -> String {
        self.to_string()
    }

    /// The arrow of [`FlowSpec::describe`], from the local endpoint to the remote one: `->`
    /// outbound, `<-` otherwise.
    pub fn arrow(&self) -> &'static str {
        match Direction::parse(&self.direction) {
            Some(Direction::Outbound) => "->",
            _ => "<-",
        }
    }

    /// A flow of the usual shape read straight from its JSON text: an object of the four
    /// strings and an optional `expect` (a string, null, or an object of strings and nulls),
    /// each key once in any case, and a valid expectation. `None` for anything else, which
    /// [`FlowSpec::from_value`] reads, or refuses with its error: for what this reads, the
    /// two give the same spec.
    fn from_usual(raw: &str) -> Option<FlowSpec> {
        use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};

        /// A key among `names` (in any case): its index.
        struct Known(&'static [&'static str]);
        impl<'de> DeserializeSeed<'de> for Known {
            type Value = Option<usize>;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
                d.deserialize_str(self)
            }
        }
        impl Visitor<'_> for Known {
            type Value = Option<usize>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<Option<usize>, E> {
                Ok(self.0.iter().position(|k| k.eq_ignore_ascii_case(key)))
            }
        }

        /// `expect`: null, a string, or an object of strings and nulls, each key once, read
        /// as [`Expectation::from_json_value`] reads them; an error for anything else.
        struct Expect;
        impl<'de> DeserializeSeed<'de> for Expect {
            type Value = Option<Expectation>;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
                d.deserialize_any(self)
            }
        }
        impl<'de> Visitor<'de> for Expect {
            type Value = Option<Expectation>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an expectation")
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let access = v.parse::<Decision>().map_err(E::custom)?;
                Ok(Some(Expectation::access(access)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                use serde::de::Error;
                let mut seen = [false; 3];
                let (mut access, mut rule_name, mut layer) = (None, None, None);
                while let Some(key) = map.next_key_seed(Known(&EXPECT_KEYS))? {
                    let Some(k) = key.filter(|&k| !seen[k]) else {
                        return Err(A::Error::custom("unusual"));
                    };
                    seen[k] = true;
                    let value: Option<String> = map.next_value()?;
                    match (k, value) {
                        (0, Some(s)) => {
                            access = Some(s.parse::<Decision>().map_err(A::Error::custom)?)
                        }
                        (1, Some(s)) => rule_name = Some(s).filter(|s| !s.is_empty()),
                        (2, Some(s)) => layer = Some(s.parse::<Layer>().map_err(A::Error::custom)?),
                        _ => {}
                    }
                }
                let access = access.ok_or_else(|| A::Error::custom("no access"))?;
                Ok(Some(Expectation {
                    access,
                    rule_name,
                    layer,
                }))
            }
        }

        struct Usual;
        impl<'de> Visitor<'de> for Usual {
            type Value = Option<FlowSpec>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a flow")
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Option<FlowSpec>, A::Error> {
                let mut texts: [Option<String>; 4] = Default::default();
                let mut expect: Option<Option<Expectation>> = None;
                while let Some(key) = map.next_key_seed(Known(&FLOW_KEYS))? {
                    match key {
                        Some(4) if expect.is_none() => expect = Some(map.next_value_seed(Expect)?),
                        Some(k) if k < 4 && texts[k].is_none() => {
                            texts[k] = Some(map.next_value()?);
                        }
                        _ => return Ok(None),
                    }
                }
                let [Some(direction), Some(protocol), Some(local), Some(remote)] = texts else {
                    return Ok(None);
                };
                let expect = expect.flatten();
                Ok(Some(FlowSpec {
                    direction,
                    protocol,
                    local,
                    remote,
                    expect,
                }))
            }
        }

        let mut de = serde_json::Deserializer::from_str(raw);
        let spec = de.deserialize_map(Usual).ok().flatten()?;
        de.end().ok()?;
        Some(spec)
    }

    fn from_value(source: &str, path: &str, value: Value) -> Result<FlowSpec, InputError> {
        let map = match value {
            Value::Object(map) => map,
            other => {
                return Err(InputError::at(
                    source,
                    path,
                    format!(
                        "a flow is an object {{\"direction\", \"protocol\", \"local\", \"remote\"}}, found {}",
                        short_json(&other)
                    ),
                ))
            }
        };
        let mut map = canonical_keys(source, path, map, &FLOW_KEYS)?;
        if let Some(unknown) = map.keys().find(|k| !FLOW_KEYS.contains(&k.as_str())) {
            return Err(InputError::at(
                source,
                format!("{path}.{unknown}"),
                format!(
                    "unknown property '{}' (a flow has {})",
                    crate::error::clip(unknown),
                    FLOW_KEYS.join(", ")
                ),
            ));
        }
        let mut text = |key: &str| -> Result<String, InputError> {
            let place = format!("{path}.{key}");
            match map.remove(key) {
                None | Some(Value::Null) => Err(InputError::at(
                    source,
                    path,
                    format!("the flow has no '{key}'"),
                )),
                Some(Value::String(s)) => Ok(s),
                Some(other) => Err(InputError::at(
                    source,
                    place,
                    format!("expected a string, found {}", short_json(&other)),
                )),
            }
        };
        let direction = text("direction")?;
        let protocol = text("protocol")?;
        let local = text("local")?;
        let remote = text("remote")?;
        let expect = match map.remove("expect") {
            None | Some(Value::Null) => None,
            Some(v) => Some(
                Expectation::from_json_value(&v)
                    .map_err(|(sub, m)| InputError::at(source, format!("{path}.expect{sub}"), m))?,
            ),
        };
        Ok(FlowSpec {
            direction,
            protocol,
            local,
            remote,
            expect,
        })
    }
}

/// The flow in words, as written ([`FlowSpec::describe`]), written without building it first
/// (`check` writes 100,000).
impl fmt::Display for FlowSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {}",
            self.direction,
            self.protocol,
            self.local,
            self.arrow(),
            self.remote
        )
    }
}

/// The verdict a flow is expected to get: `"Allow"`/`"Deny"`, or
/// `{ "access": ..., "ruleName": ..., "layer": ... }`.
///
/// `access` and `layer` are read in any case; `ruleName` is compared in any case, like every
/// name, prefix included (`securityRules/DenyRdp`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Value", into = "Value")]
pub struct Expectation {
    /// The expected access.
    pub access: Decision,
    /// The expected deciding rule, as IP flow verify names it.
    pub rule_name: Option<String>,
    /// The expected deciding layer.
    pub layer: Option<Layer>,
}

impl Expectation {
    /// An expectation on the access alone.
    pub fn access(access: Decision) -> Expectation {
        Expectation {
            access,
            rule_name: None,
            layer: None,
        }
    }

    /// Reads an expectation from its JSON form; an error gives the sub-path (`""`,
    /// `".access"`, ...) and a message.
    fn from_json_value(value: &Value) -> Result<Expectation, (String, String)> {
        // The place of a property (`.access`) is written only for an error: `check` reads
        // 100,000 expectations.
        let decision = |text: &str,
                        sub: &dyn Fn() -> String|
         -> Result<Decision, (String, String)> {
            text.parse::<Decision>().map_err(|e| {
                let mut message = e.to_string();
                if text.trim().eq_ignore_ascii_case("alwaysallow") {
                    message.push_str(" (a flow allowed by an AlwaysAllow admin rule gets Allow)");
                }
                (sub(), message)
            })
        };
        match value {
            Value::String(s) => Ok(Expectation::access(decision(s, &String::new)?)),
            Value::Object(map) => {
                let mut access = None;
                let mut rule_name = None;
                let mut layer = None;
                for (key, v) in map {
                    let canonical = EXPECT_KEYS
                        .iter()
                        .find(|k| k.eq_ignore_ascii_case(key))
                        .copied();
                    let sub = || format!(".{key}");
                    let string = |v: &Value| -> Result<Option<String>, (String, String)> {
                        match v {
                            Value::Null => Ok(None),
                            Value::String(s) => Ok(Some(s.clone())),
                            other => Err((
                                sub(),
                                format!("expected a string, found {}", short_json(other)),
                            )),
                        }
                    };
                    match canonical {
                        Some("access") => {
                            access = match string(v)? {
                                Some(s) => Some(decision(&s, &sub)?),
                                None => None,
                            }
                        }
                        Some("ruleName") => rule_name = string(v)?.filter(|s| !s.is_empty()),
                        Some(_) => {
                            layer = match string(v)? {
                                Some(s) => Some(
                                    s.parse::<Layer>().map_err(|e| (sub(), e.to_string()))?,
                                ),
                                None => None,
                            }
                        }
                        None => {
                            return Err((
                                sub(),
                                format!(
                                    "unknown property '{}' (an expectation has {})",
                                    crate::error::clip(key),
                                    EXPECT_KEYS.join(", ")
                                ),
                            ))
                        }
                    }
                }
                let access = access.ok_or_else(|| {
                    (
                        String::new(),
                        "the expectation has no 'access' (Allow or Deny)".to_string(),
                    )
                })?;
                Ok(Expectation {
                    access,
                    rule_name,
                    layer,
                })
            }
            other => Err((
                String::new(),
                format!(
                    "expected \"Allow\", \"Deny\" or {{\"access\", \"ruleName\", \"layer\"}}, found {}",
                    short_json(other)
                ),
            )),
        }
    }

    /// Whether `verdict` meets the expectation; if not, why, e.g.
    /// `expected Deny by securityRules/X, got Allow by defaultSecurityRules/AllowVnetInBound`.
    ///
    /// ```
    /// use flowverify::scenario::Expectation;
    /// use flowverify::verdict::{DecidedBy, Decision, Layer, Verdict};
    /// use flowverify::Flow;
    /// let verdict = Verdict {
    ///     access: Decision::Allow,
    ///     rule_name: Some("defaultSecurityRules/AllowVnetInBound".into()),
    ///     decided_by: DecidedBy { layer: Layer::Subnet, resource: Some("nsg".into()) },
    ///     uncertain: false,
    ///     warnings: vec![],
    ///     notes: vec![],
    ///     path: vec![],
    ///     blockers: vec![],
    ///     flow: Flow::parse("Inbound", "Tcp", "10.0.1.4:22", "10.0.2.5:1234").unwrap(),
    ///     trace: vec![],
    /// };
    /// assert!(Expectation::access(Decision::Allow).check(&verdict).is_ok());
    /// let deny = Expectation { access: Decision::Deny, rule_name: Some("securityRules/X".into()), layer: None };
    /// assert_eq!(
    ///     deny.check(&verdict).unwrap_err(),
    ///     "expected Deny by securityRules/X, got Allow by defaultSecurityRules/AllowVnetInBound"
    /// );
    /// ```
    pub fn check(&self, verdict: &Verdict) -> Result<(), String> {
        let access_ok = verdict.access == self.access;
        let rule_ok = self.rule_name.as_ref().is_none_or(|r| {
            verdict
                .rule_name
                .as_deref()
                .is_some_and(|have| have.eq_ignore_ascii_case(r))
        });
        let layer_ok = self.layer.is_none_or(|l| verdict.decided_by.layer == l);
        if access_ok && rule_ok && layer_ok {
            return Ok(());
        }
        let mut got = verdict.access.to_string();
        match &verdict.rule_name {
            Some(rule) => got.push_str(&format!(" by {rule}")),
            None if self.rule_name.is_some() => got.push_str(" with no deciding rule"),
            None => {}
        }
        if self.layer.is_some() {
            got.push_str(&format!(" at layer {}", verdict.decided_by.layer));
        }
        let mut message = format!("expected {self}, got {got}");
        if let (Some(want), Some(have)) = (&self.rule_name, &verdict.rule_name) {
            let bare = have.rsplit('/').next().unwrap_or(have);
            if !rule_ok && want.eq_ignore_ascii_case(bare) {
                message.push_str(&format!(
                    " (ruleName includes its prefix: write \"{have}\")"
                ));
            }
        }
        Err(message)
    }
}

impl fmt::Display for Expectation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.access)?;
        if let Some(rule) = &self.rule_name {
            write!(f, " by {rule}")?;
        }
        if let Some(layer) = self.layer {
            write!(f, " at layer {layer}")?;
        }
        Ok(())
    }
}

impl TryFrom<Value> for Expectation {
    type Error = String;

    fn try_from(value: Value) -> Result<Expectation, String> {
        Expectation::from_json_value(&value).map_err(|(sub, message)| {
            if sub.is_empty() {
                message
            } else {
                format!("expect{sub}: {message}")
            }
        })
    }
}

impl From<Expectation> for Value {
    fn from(e: Expectation) -> Value {
        if e.rule_name.is_none() && e.layer.is_none() {
            return Value::String(e.access.to_string());
        }
        let mut map = Map::new();
        map.insert("access".into(), Value::String(e.access.to_string()));
        if let Some(rule) = e.rule_name {
            map.insert("ruleName".into(), Value::String(rule));
        }
        if let Some(layer) = e.layer {
            map.insert("layer".into(), Value::String(layer.to_string()));
        }
        Value::Object(map)
    }
}

/// Parses a prefix of the `VirtualNetwork` tag: a CIDR (or a single address).
///
/// ```
/// use flowverify::scenario::parse_cidr;
/// assert_eq!(parse_cidr("10.0.0.0/16").unwrap().to_string(), "10.0.0.0/16");
/// assert_eq!(
///     parse_cidr("10.0.0.0/33").unwrap_err(),
///     "'10.0.0.0/33' is not an IP prefix (write a CIDR such as 10.0.0.0/16)"
/// );
/// ```
pub fn parse_cidr(text: &str) -> Result<IpNet, String> {
    parse_prefix(text)
        .ok_or_else(|| format!("'{text}' is not an IP prefix (write a CIDR such as 10.0.0.0/16)"))
}

/// Parses one IP address (an ASG member).
///
/// ```
/// use flowverify::scenario::parse_ip;
/// assert!(parse_ip("10.0.1.4").is_ok());
/// assert_eq!(parse_ip("10.0.1.400").unwrap_err(), "'10.0.1.400' is not an IP address");
/// ```
pub fn parse_ip(text: &str) -> Result<IpAddr, String> {
    text.trim()
        .parse::<IpAddr>()
        .map_err(|_| format!("'{text}' is not an IP address"))
}

/// Parses an ASG membership as the command line takes it: `NAME=IP[,IP...]`.
///
/// ```
/// use flowverify::scenario::parse_asg_assignment;
/// let (name, ips) = parse_asg_assignment("asg-web=10.0.1.4,10.0.1.5").unwrap();
/// assert_eq!((name.as_str(), ips.len()), ("asg-web", 2));
/// assert!(parse_asg_assignment("asg-web").is_err());
/// ```
pub fn parse_asg_assignment(text: &str) -> Result<(String, Vec<IpAddr>), String> {
    let (name, ips) = text
        .split_once('=')
        .ok_or_else(|| format!("'{text}' is not NAME=IP[,IP...]"))?;
    let name = name.trim();
    if name.is_empty() {
        return Err(format!("'{text}' has no ASG name before '='"));
    }
    let ips = ips
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(parse_ip)
        .collect::<Result<Vec<_>, _>>()?;
    if ips.is_empty() {
        return Err(format!("'{text}' lists no IP address after '='"));
    }
    Ok((name.to_string(), ips))
}

/// The message for an empty scenario text (read by the engine's one JSON reader, `json_text`:
/// line and column, the text found there, keys given twice refused).
const EMPTY: &str = "the document is empty: expected JSON";

/// Renames the keys of `map` that match one of `known` in another case to the canonical
/// spelling; a key given twice (in two spellings) is an error.
/// Reads a `baseline` object: slot properties only, read as a scenario's are.
fn baseline(source: &str, slots: Map<String, Value>) -> Result<Scenario, InputError> {
    let mut slots = canonical_keys(source, "baseline", slots, &BASELINE_KEYS)?;
    if let Some(other) = slots.keys().find(|k| !BASELINE_KEYS.contains(&k.as_str())) {
        return Err(InputError::at(
            source,
            format!("baseline.{other}"),
            format!(
                "'{}' is not part of a baseline (a baseline holds the inputs of a previous version: {})",
                crate::error::clip(other),
                BASELINE_KEYS.join(", ")
            ),
        ));
    }
    slots.insert("version".into(), Value::from(VERSION));
    Scenario::from_value(source, Value::Object(slots)).map_err(|e| match e.place() {
        crate::error::Place::Path(_) => e.within("baseline"),
        _ => e,
    })
}

fn canonical_keys(
    source: &str,
    path: &str,
    map: Map<String, Value>,
    known: &[&str],
) -> Result<Map<String, Value>, InputError> {
    let mut out = Map::new();
    for (key, value) in map {
        let canonical = known
            .iter()
            .find(|k| k.eq_ignore_ascii_case(&key))
            .map(|k| k.to_string())
            .unwrap_or_else(|| key.clone());
        if out.contains_key(&canonical) {
            let place = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            return Err(InputError::at(
                source,
                place,
                format!(
                    "property '{}' is given twice (as '{}' too)",
                    crate::error::clip(&key),
                    crate::error::clip(&canonical)
                ),
            ));
        }
        out.insert(canonical, value);
    }
    Ok(out)
}

/// A slot's value: `null` is "not set".
fn slot_value(value: Option<Value>) -> Option<Value> {
    value.filter(|v| !v.is_null())
}

/// Deserializes an optional property, naming it in errors; `null` is "not set".
fn optional<T: DeserializeOwned>(
    source: &str,
    path: &str,
    value: Option<Value>,
) -> Result<Option<T>, InputError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v)
            .map(Some)
            .map_err(|e| InputError::at(source, path, e.to_string())),
    }
}

/// What kind of JSON value this is, in words.
fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A value as JSON, shortened for messages.
fn short_json(value: &Value) -> String {
    match value {
        Value::Array(_) | Value::Object(_) => kind_of(value).to_string(),
        other => crate::error::clip(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Place;
    use crate::verdict::DecidedBy;

    /// Reading the flows one by one as the text is parsed (`from_json`) gives what reading the
    /// whole tree first gives: the same scenario, or the same error, for flows of the usual
    /// shape and every other (keys twice, in another case, unknown, missing, not strings,
    /// nested deep, bad expectations), comments, and errors elsewhere that come first.
    #[test]
    fn flows_read_one_by_one_are_read_as_the_whole_tree_reads_them() {
        let whole = |text: &str| {
            crate::json_text::read("s.json", text, EMPTY)
                .and_then(|v| Scenario::from_value("s.json", v))
        };
        let flow = r#"{"direction": "Inbound", "protocol": "Tcp", "local": "10.0.1.4:22", "remote": "203.0.113.7:5000"}"#;
        let with = |replace: &str, by: &str| flow.replace(replace, by);
        let deep = format!("{}1{}", "[".repeat(126), "]".repeat(126));
        let deeper = format!("{}1{}", "[".repeat(125), "]".repeat(125));
        let flows = [
            flow.to_string(),
            with("}", r#", "expect": "Allow"}"#),
            with(
                "}",
                r#", "EXPECT": {"access": "deny", "ruleName": "securityRules/X", "layer": "nic"}}"#,
            ),
            with("}", r#", "expect": null}"#),
            with("}", r#", "expect": {"access": "Deny", "ruleName": null}}"#),
            with("}", r#", "expect": {"access": "Deny", "Access": "Allow"}}"#),
            with("}", r#", "expect": {"access": "Deny", "access": "Allow"}}"#),
            with("}", r#", "expect": {"access": "Deny", "rule": "X"}}"#),
            with("}", r#", "expect": {"access": 5}}"#),
            with("}", r#", "expect": "Maybe"}"#),
            with("}", r#", "expect": "Allow", "expect": "Deny"}"#),
            with("}", r#", "expect": {"layer": {"a": 1, "a": 2}}}"#),
            with(r#""direction""#, r#""Direction""#),
            with(
                r#""protocol": "Tcp""#,
                r#""protocol": "Tcp", "Protocol": "Udp""#,
            ),
            with(r#""protocol": "Tcp""#, r#""protocol": 6"#),
            with(r#""protocol": "Tcp""#, r#""protocol": null"#),
            with(r#""protocol": "Tcp", "#, ""),
            with("}", r#", "port": 22}"#),
            with("}", r#", "x": 1, "x": 2}"#),
            with("}", &format!(r#", "x": {deep}}}"#)),
            with("}", &format!(r#", "x": {deeper}}}"#)),
            with(r#""local": "10.0.1.4:22""#, r#""local": "10.0.1.4:99999""#),
            r#""a flow""#.to_string(),
            "[]".to_string(),
            "{}".to_string(),
        ];
        let mut texts = Vec::new();
        for f in &flows {
            texts.push(format!(
                r#"{{"version": 1, "flows": [{flow}, {f}, {flow}]}}"#
            ));
            texts.push(format!(
                "{{\"version\": 1,\n \"flows\": [\n  {flow},\n  {f}\n ]}}"
            ));
            // Errors that come first: a missing version, a key twice after the flows, a later
            // syntax error, a comment (read a second time without it), flows of another case.
            texts.push(format!(r#"{{"flows": [{f}]}}"#));
            texts.push(format!(
                r#"{{"version": 1, "flows": [{f}], "title": "a", "Title": "b"}}"#
            ));
            texts.push(format!(
                r#"{{"version": 1, "flows": [{f}, {flow}, {f}], "title": }}"#
            ));
            texts.push(format!(
                "{{\"version\": 1, // c\n \"Flows\": [{f}, {flow}] /* d */}}"
            ));
            texts.push(format!(r#"{{"version": 1, "flows": [{f}], "Flows": []}}"#));
        }
        texts.push(r#"{"version": 1, "flows": null}"#.to_string());
        texts.push(r#"{"version": 1, "flows": {"a": 1}}"#.to_string());
        texts.push(r#"{"version": 1, "flows": []}"#.to_string());
        texts.push(r#"{"version": 1, "baseline": {"flows": [1]}}"#.to_string());
        for text in &texts {
            let one_by_one = Scenario::from_json("s.json", text);
            assert_eq!(one_by_one, whole(text), "{text}");
        }
        // The usual flows are read straight, the others not.
        assert!(FlowSpec::from_usual(&flows[2]).is_some());
        assert!(FlowSpec::from_usual(&flows[5]).is_none());
    }

    fn verdict(access: Decision, rule: Option<&str>, layer: Layer) -> Verdict {
        Verdict {
            access,
            rule_name: rule.map(String::from),
            decided_by: DecidedBy {
                layer,
                resource: Some("nsg".into()),
            },
            uncertain: false,
            warnings: vec![],
            notes: vec![],
            path: vec![],
            blockers: vec![],
            flow: Flow::parse("Inbound", "Tcp", "10.0.1.4:22", "10.0.2.5:1234").unwrap(),
            trace: vec![],
        }
    }

    #[test]
    fn reads_the_interface_example() {
        let text = r#"{
          "version": 1,
          "title": "Web tier, inbound",
          "subnetNsg": { "name": "nsg" },
          "adminRules": [ { "value": [] } ],
          "virtualNetwork": ["10.0.0.0/16"],
          "asgs": { "asg-web": ["10.0.1.4"] },
          "flows": [
            { "direction": "Inbound", "protocol": "Tcp", "local": "10.0.1.4:443",
              "remote": "203.0.113.7:50000", "expect": "Allow" },
            { "direction": "Outbound", "protocol": "Udp", "local": "10.0.1.4:5000",
              "remote": "8.8.8.8:53", "expect": { "access": "Deny", "ruleName": "securityRules/DenyDns" } }
          ]
        }"#;
        let s = Scenario::from_json("s.json", text).unwrap();
        assert_eq!(s.title.as_deref(), Some("Web tier, inbound"));
        assert_eq!(s.admin_rules.len(), 1);
        assert_eq!(s.flows.len(), 2);
        assert_eq!(
            s.flows[1].expect,
            Some(Expectation {
                access: Decision::Deny,
                rule_name: Some("securityRules/DenyDns".into()),
                layer: None
            })
        );
        assert_eq!(s.asgs["asg-web"], vec!["10.0.1.4".to_string()]);
        assert_eq!(s.virtual_network_prefixes("s.json").unwrap().len(), 1);
        let flows = s.parsed_flows("s.json").unwrap();
        assert_eq!(flows[1].destination().to_string(), "8.8.8.8:53");
    }

    #[test]
    fn round_trips_through_json() {
        let text = r#"{"version":1,"title":"t","nicNsg":{"a":[1,2]},"asgs":{"x":["10.0.0.1"]},
            "flows":[{"direction":"inbound","protocol":"tcp","local":"10.0.0.1:1","remote":"10.0.0.2:2",
            "expect":{"access":"deny","layer":"NIC"}}]}"#;
        let s = Scenario::from_json("s.json", text).unwrap();
        let again = Scenario::from_json("s.json", &s.to_json_compact()).unwrap();
        assert_eq!(s, again);
        let pretty = Scenario::from_json("s.json", &s.to_json_pretty()).unwrap();
        assert_eq!(s, pretty);
        // serde's own reading agrees with from_json on canonical output
        let via_serde: Scenario = serde_json::from_str(&s.to_json_compact()).unwrap();
        assert_eq!(via_serde, s);
        assert!(s
            .to_json_compact()
            .contains(r#""expect":{"access":"Deny","layer":"nic"}"#));
    }

    #[test]
    fn property_names_are_case_insensitive() {
        let s = Scenario::from_json(
            "s.json",
            r#"{"Version":1,"SubnetNSG":{"x":1},"FLOWS":[{"Direction":"Inbound","protocol":"Icmp","LOCAL":"10.0.0.1","remote":"10.0.0.2","Expect":{"Access":"allow","RULENAME":"securityRules/A"}}]}"#,
        )
        .unwrap();
        assert!(s.subnet_nsg.is_some());
        assert_eq!(
            s.flows[0]
                .expect
                .as_ref()
                .and_then(|e| e.rule_name.as_deref()),
            Some("securityRules/A")
        );
    }

    #[test]
    fn duplicate_spellings_are_an_error() {
        let err = Scenario::from_json("s.json", r#"{"version":1,"title":"a","Title":"b"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("given twice"), "{err}");
    }

    #[test]
    fn unknown_properties_are_named() {
        let err = Scenario::from_json("s.json", r#"{"version":1,"subnetNgs":{}}"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("s.json: subnetNgs: unknown property 'subnetNgs'"),
            "{err}"
        );
        let err = Scenario::from_json(
            "s.json",
            r#"{"version":1,"flows":[{"direction":"Inbound","protocol":"Tcp","local":"1.1.1.1:1","remote":"1.1.1.2:2","expected":"Allow"}]}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("s.json: flows[0].expected: unknown property 'expected'"),
            "{err}"
        );
        let err = Scenario::from_json(
            "s.json",
            r#"{"version":1,"flows":[{"direction":"Inbound","protocol":"Tcp","local":"1.1.1.1:1","remote":"1.1.1.2:2","expect":{"access":"Allow","rule":"x"}}]}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("s.json: flows[0].expect.rule: unknown property 'rule'"),
            "{err}"
        );
    }

    #[test]
    fn version_is_required_and_must_be_one() {
        let err = Scenario::from_json("s.json", r#"{"version":"1"}"#)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "s.json: version: version \"1\" is not supported: this flowverify reads scenario version 1"
        );
        let err = Scenario::from_json("s.json", r#"{"name":"nsg","properties":{}}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no \"version\": 1"), "{err}");
        assert!(err.contains("'name'"), "{err}");
    }

    #[test]
    fn syntax_errors_give_line_and_column() {
        let err =
            Scenario::from_json("s.json", "{\n  \"version\": 1,\n  \"title\": xyz\n}").unwrap_err();
        assert_eq!(
            err.place(),
            &Place::LineColumn {
                line: 3,
                column: 12
            }
        );
        assert_eq!(
            err.to_string(),
            "s.json: line 3, column 12: expected value near 'xyz'"
        );
        let err =
            Scenario::from_json("s.json", "{\n  \"version\": 1,\n  \"title\": tru\n}").unwrap_err();
        assert_eq!(
            err.place(),
            &Place::LineColumn {
                line: 3,
                column: 15
            }
        );
        let deep = "[".repeat(100_000);
        let err = Scenario::from_json("deep.json", &deep)
            .unwrap_err()
            .to_string();
        assert!(err.contains("nested too deeply"), "{err}");
        let err = Scenario::from_json("e.json", "  ").unwrap_err().to_string();
        assert_eq!(err, "e.json: the document is empty: expected JSON");
        let err = Scenario::from_json("a.json", "[1]")
            .unwrap_err()
            .to_string();
        assert!(err.contains("but this is an array"), "{err}");
    }

    #[test]
    fn type_errors_name_the_property() {
        let err = Scenario::from_json("s.json", r#"{"version":1,"title":5}"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("s.json: title: invalid type: integer `5`"),
            "{err}"
        );
        let err = Scenario::from_json(
            "s.json",
            r#"{"version":1,"flows":[{"direction":"Inbound","protocol":6,"local":"1.1.1.1:1","remote":"1.1.1.2:2"}]}"#,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(err, "s.json: flows[0].protocol: expected a string, found 6");
        let err = Scenario::from_json(
            "s.json",
            r#"{"version":1,"flows":[{"direction":"Inbound","protocol":"Tcp","remote":"1.1.1.2:2"}]}"#,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(err, "s.json: flows[0]: the flow has no 'local'");
        let err = Scenario::from_json("s.json", r#"{"version":1,"adminRules":"x"}"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("s.json: adminRules: expected a list"),
            "{err}"
        );
    }

    #[test]
    fn expectations_read_in_any_case_and_reject_nonsense() {
        let e: Expectation = serde_json::from_str(r#""dEnY""#).unwrap();
        assert_eq!(e, Expectation::access(Decision::Deny));
        let err = serde_json::from_str::<Expectation>(r#""Permit""#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("access 'Permit' is not Allow or Deny"),
            "{err}"
        );
        let err = serde_json::from_str::<Expectation>(r#"{"access":"AlwaysAllow"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("AlwaysAllow admin rule gets Allow"), "{err}");
        let err = serde_json::from_str::<Expectation>(r#"{"ruleName":"securityRules/X"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no 'access'"), "{err}");
        let err = serde_json::from_str::<Expectation>(r#"{"access":"Allow","layer":"vnet"}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("layer 'vnet'"), "{err}");
    }

    #[test]
    fn check_explains_mismatches() {
        let v = verdict(
            Decision::Allow,
            Some("defaultSecurityRules/AllowVnetInBound"),
            Layer::Nic,
        );
        assert!(Expectation::access(Decision::Allow).check(&v).is_ok());
        assert_eq!(
            Expectation::access(Decision::Deny).check(&v).unwrap_err(),
            "expected Deny, got Allow by defaultSecurityRules/AllowVnetInBound"
        );
        let by_layer = Expectation {
            access: Decision::Allow,
            rule_name: None,
            layer: Some(Layer::Subnet),
        };
        assert_eq!(
            by_layer.check(&v).unwrap_err(),
            "expected Allow at layer subnet, got Allow by defaultSecurityRules/AllowVnetInBound at layer nic"
        );
        let bare = Expectation {
            access: Decision::Allow,
            rule_name: Some("AllowVnetInBound".into()),
            layer: None,
        };
        let msg = bare.check(&v).unwrap_err();
        assert!(msg.contains("ruleName includes its prefix"), "{msg}");
        let other_case = Expectation {
            access: Decision::Allow,
            rule_name: Some("DEFAULTSECURITYRULES/allowvnetinbound".into()),
            layer: None,
        };
        assert!(other_case.check(&v).is_ok());
        let exact = Expectation {
            access: Decision::Allow,
            rule_name: Some("defaultSecurityRules/AllowVnetInBound".into()),
            layer: Some(Layer::Nic),
        };
        assert!(exact.check(&v).is_ok());
        let nothing = verdict(Decision::Allow, None, Layer::None);
        assert_eq!(
            exact.check(&nothing).unwrap_err(),
            "expected Allow by defaultSecurityRules/AllowVnetInBound at layer nic, got Allow with no deciding rule at layer none"
        );
    }

    #[test]
    fn flows_are_checked() {
        let spec = |local: &str, remote: &str, protocol: &str| FlowSpec {
            direction: "Inbound".into(),
            protocol: protocol.into(),
            local: local.into(),
            remote: remote.into(),
            expect: None,
        };
        assert!(spec("10.0.0.1:80", "10.0.0.2:1000", "tcp")
            .to_flow()
            .is_ok());
        let err = spec("10.0.0.1:80", "[2001:db8::1]:1000", "tcp")
            .to_flow()
            .unwrap_err();
        assert!(err.contains("different address families"), "{err}");
        let err = spec("10.0.0.1:80", "10.0.0.2:1000", "sctp")
            .to_flow()
            .unwrap_err();
        assert_eq!(err, "protocol 'sctp' is not one of Tcp, Udp, Icmp, Esp, Ah");
        let err = spec("10.0.0.1:99999", "10.0.0.2:1000", "tcp")
            .to_flow()
            .unwrap_err();
        assert!(err.starts_with("local: port '99999'"), "{err}");
        let mut s = Scenario::new();
        s.flows.push(spec("10.0.0.1:80", "10.0.0.2", "udp"));
        let err = s.parsed_flows("s.json").unwrap_err().to_string();
        assert!(
            err.starts_with("s.json: flows[0]: remote address 10.0.0.2 has no port"),
            "{err}"
        );
    }

    #[test]
    fn asgs_and_cidrs_name_the_entry() {
        let mut s = Scenario::new();
        s.asgs
            .insert("asg-web".into(), vec!["10.0.1.4".into(), "10.0.1.x".into()]);
        let err = s.asg_members("s.json").unwrap_err().to_string();
        assert_eq!(
            err,
            "s.json: asgs.asg-web[1]: '10.0.1.x' is not an IP address"
        );
        s.asgs.insert("asg-web".into(), vec!["10.0.1.4".into()]);
        assert_eq!(
            s.asg_members("s.json").unwrap(),
            vec![("asg-web".to_string(), vec!["10.0.1.4".parse().unwrap()])]
        );
        assert!(parse_asg_assignment("a=").is_err());
        assert!(parse_asg_assignment("=10.0.0.1").is_err());
        assert!(parse_asg_assignment("a=10.0.0.1,bad")
            .unwrap_err()
            .contains("'bad'"));
    }

    #[test]
    fn slots_are_listed_in_order_with_their_places() {
        let s = Scenario::from_json(
            "s.json",
            r#"{"version":1,"serviceTags":{},"adminRules":[{"a":1},null,{"b":2}],"subnetNsg":{},"nicNsg":null}"#,
        )
        .unwrap();
        let places: Vec<String> = s.slot_values().into_iter().map(|(_, p, _)| p).collect();
        assert_eq!(
            places,
            vec!["subnetNsg", "adminRules[0]", "adminRules[1]", "serviceTags"]
        );
        let single =
            Scenario::from_json("s.json", r#"{"version":1,"adminRules":{"a":1}}"#).unwrap();
        assert_eq!(single.admin_rules.len(), 1);
    }
}
