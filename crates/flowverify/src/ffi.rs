//! The JSON shapes of the engine's answers (`docs/formats.md`, Result object and after), apart from
//! the Rust types, as cedar-policy keeps its `ffi` module apart from its API: the command line's
//! `--json`, `check --json` and the page's `window.flowverify` all write these, and nothing else in
//! the engine knows a JSON field name.
//!
//! ```
//! use flowverify::{ffi, verify, Flow, Inputs};
//! let flow = Flow::parse("Inbound", "Tcp", "10.0.1.4:443", "203.0.113.7:50000").unwrap();
//! let json = ffi::result(&verify(&Inputs::new(), &flow));
//! assert_eq!(json["access"], "Allow");
//! assert_eq!(json["decidedBy"]["layer"], "none");
//! assert_eq!(json["flow"]["destination"], "10.0.1.4:443");
//! assert!(json["notes"][0].as_str().unwrap().contains("NsgsNotAppliedOnNic"));
//! ```

use std::cell::RefCell;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::flowset::FlowSpace;
use crate::mdd::Set;
use crate::model::Direction;

use crate::flow::Flow;
use crate::verdict::{
    Condition, Field, Layer, LayerDecision, LayerOutcome, LayerTrace, RuleTrace, Step, Verdict,
};

/// The result object of one verdict.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultObject<'v> {
    access: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_name: Option<&'v str>,
    decided_by: DecidedByJson<'v>,
    uncertain: bool,
    warnings: Vec<String>,
    notes: Vec<String>,
    path: Vec<StepObject<'v>>,
    blockers: Vec<&'v str>,
    flow: FlowObject,
    trace: Vec<LayerObject<'v>>,
}

#[derive(Debug, Serialize)]
struct StepObject<'v> {
    layer: &'static str,
    resource: &'v str,
    reached: bool,
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<&'v str>,
}

#[derive(Debug, Serialize)]
struct FlowObject {
    direction: &'static str,
    protocol: &'static str,
    source: String,
    destination: String,
}

#[derive(Debug, Serialize)]
struct LayerObject<'v> {
    layer: &'static str,
    resource: &'v str,
    decision: &'static str,
    rules: Vec<RuleObject<'v>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleObject<'v> {
    name: &'v str,
    priority: u32,
    access: &'static str,
    matched: bool,
    protocol_matched: bool,
    source_matched: bool,
    source_port_matched: bool,
    destination_matched: bool,
    destination_port_matched: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'v str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    uncertain: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    unknown: Vec<&'static str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    warnings: &'v [String],
}

fn layer_word(layer: Layer) -> &'static str {
    layer.as_str()
}

fn outcome_word(outcome: LayerOutcome) -> &'static str {
    match outcome {
        LayerOutcome::Allow => "Allow",
        LayerOutcome::Deny => "Deny",
        LayerOutcome::AlwaysAllow => "AlwaysAllow",
        LayerOutcome::PassToNsgs => "PassToNsgs",
        LayerOutcome::NoMatch => "NoMatch",
    }
}

fn decision_word(decision: LayerDecision) -> &'static str {
    match decision {
        LayerDecision::Allow => "Allow",
        LayerDecision::Deny => "Deny",
        LayerDecision::AlwaysAllow => "AlwaysAllow",
        LayerDecision::NoMatch => "NoMatch",
    }
}

fn flow_object(flow: &Flow) -> FlowObject {
    FlowObject {
        direction: flow.direction().as_str(),
        protocol: flow.protocol().as_str(),
        source: flow.source().to_string(),
        destination: flow.destination().to_string(),
    }
}

fn step_object(step: &Step) -> StepObject<'_> {
    StepObject {
        layer: layer_word(step.layer),
        resource: &step.resource,
        reached: step.reached,
        outcome: outcome_word(step.outcome),
        rule: step.rule.as_deref(),
    }
}

fn rule_object(rule: &RuleTrace) -> RuleObject<'_> {
    let holds = |field| rule.condition(field) == Condition::Holds;
    RuleObject {
        name: &rule.name,
        priority: rule.priority,
        access: rule.access.as_str(),
        matched: rule.matched,
        protocol_matched: holds(Field::Protocol),
        source_matched: holds(Field::Source),
        source_port_matched: holds(Field::SourcePort),
        destination_matched: holds(Field::Destination),
        destination_port_matched: holds(Field::DestinationPort),
        reason: rule.reason.as_deref(),
        uncertain: rule.uncertain,
        unknown: Field::ALL
            .into_iter()
            .filter(|&f| rule.condition(f) == Condition::Unknown)
            .map(Field::key)
            .collect(),
        warnings: &rule.warnings,
    }
}

fn layer_object(layer: &LayerTrace) -> LayerObject<'_> {
    LayerObject {
        layer: layer_word(layer.layer),
        resource: &layer.resource,
        decision: decision_word(layer.decision),
        rules: layer.rules.iter().map(rule_object).collect(),
    }
}

fn result_object<'v>(verdict: &'v Verdict, flow: FlowObject) -> ResultObject<'v> {
    ResultObject {
        access: verdict.access.as_str(),
        rule_name: verdict.rule_name.as_deref(),
        decided_by: DecidedByJson::new(
            verdict.decided_by.layer,
            verdict.decided_by.resource.as_deref(),
        ),
        uncertain: verdict.uncertain,
        warnings: verdict.warnings.iter().map(ToString::to_string).collect(),
        notes: verdict.notes.iter().map(ToString::to_string).collect(),
        path: verdict.path.iter().map(step_object).collect(),
        blockers: verdict.blockers.iter().map(|b| b.rule.as_str()).collect(),
        flow,
        trace: verdict.trace.iter().map(layer_object).collect(),
    }
}

/// The result object of `verdict` (`docs/formats.md`, Result object), as a JSON value.
pub fn result(verdict: &Verdict) -> Value {
    let object = result_object(verdict, flow_object(&verdict.flow));
    serde_json::to_value(object).unwrap_or(Value::Null)
}

/// The result object of `verdict` as compact JSON text, written straight to `out` (no
/// intermediate value: `check --json` writes one per flow).
pub fn write_result<W: std::io::Write>(out: W, verdict: &Verdict) -> serde_json::Result<()> {
    serde_json::to_writer(out, &result_object(verdict, flow_object(&verdict.flow)))
}

/// A box of flows as `docs/formats.md`, Flow sets, writes it: `{protocols, source, sourcePorts,
/// destination, destinationPorts}` (no ports for portless protocols).
struct BoxJson<'a>(&'a crate::flowset::FlowBox);

/// A port range as a box writes it: `N` or `A-B`.
fn port_text(&(lo, hi): &(u16, u16)) -> String {
    if lo == hi {
        lo.to_string()
    } else {
        format!("{lo}-{hi}")
    }
}

impl Serialize for BoxJson<'_> {
    fn serialize<S: Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        let b = self.0;
        let fields = 3 + usize::from(b.source_ports.is_some()) * 2;
        let mut map = out.serialize_map(Some(fields))?;
        map.serialize_entry(
            "protocols",
            &b.protocols.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
        )?;
        map.serialize_entry("source", &Texts(&b.source))?;
        if let Some(p) = &b.source_ports {
            map.serialize_entry("sourcePorts", &p.iter().map(port_text).collect::<Vec<_>>())?;
        }
        map.serialize_entry("destination", &Texts(&b.destination))?;
        if let Some(p) = &b.destination_ports {
            map.serialize_entry(
                "destinationPorts",
                &p.iter().map(port_text).collect::<Vec<_>>(),
            )?;
        }
        map.end()
    }
}

/// A list written as the strings its items display as.
struct Texts<'a, T: std::fmt::Display>(&'a [T]);

impl<T: std::fmt::Display> Serialize for Texts<'_, T> {
    fn serialize<S: Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        out.collect_seq(self.0.iter().map(ToString::to_string))
    }
}

/// A set of flows as its boxes, written one at a time as they are made: memory does not grow
/// with their number (a region can have hundreds of thousands).
struct BoxesJson<'a, 's> {
    space: &'a RefCell<&'s mut FlowSpace>,
    set: Set,
}

impl Serialize for BoxesJson<'_, '_> {
    fn serialize<S: Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        let mut seq = out.serialize_seq(None)?;
        let mut failed = None;
        self.space.borrow_mut().for_each_box(self.set, |b| {
            match seq.serialize_element(&BoxJson(b)) {
                Ok(()) => std::ops::ControlFlow::Continue(()),
                Err(e) => {
                    failed = Some(e);
                    std::ops::ControlFlow::Break(())
                }
            }
        });
        match failed {
            Some(e) => Err(e),
            None => seq.end(),
        }
    }
}

/// A set of flows as boxes (`docs/formats.md`, Flow sets).
pub fn boxes(space: &mut FlowSpace, set: Set) -> Value {
    let space = RefCell::new(space);
    serde_json::to_value(BoxesJson { space: &space, set }).unwrap_or(Value::Null)
}

/// A flow as a scenario writes it: `{direction, protocol, local, remote}`.
pub fn flow(flow: &Flow) -> Value {
    serde_json::json!({
        "direction": flow.direction().as_str(),
        "protocol": flow.protocol().as_str(),
        "local": flow.local().to_string(),
        "remote": flow.remote().to_string(),
    })
}

/// Who decided, as every object writes it (a result, a region, a change's side, a replay's
/// group): `{"layer", "resource"}`.
#[derive(Debug, Serialize)]
pub(crate) struct DecidedByJson<'a> {
    layer: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource: Option<&'a str>,
}

impl<'a> DecidedByJson<'a> {
    /// The layer and resource that decided.
    pub(crate) fn new(layer: Layer, resource: Option<&'a str>) -> DecidedByJson<'a> {
        DecidedByJson {
            layer: layer_word(layer),
            resource,
        }
    }
}

/// The `reach` object (`docs/formats.md`, Reach object): the direction and its regions, each
/// with its verdict, its flows as boxes (written as they are made) and an example flow.
struct ReachJson<'a, 's> {
    direction: Direction,
    regions: &'a [crate::reach::Region],
    space: RefCell<&'s mut FlowSpace>,
}

impl Serialize for ReachJson<'_, '_> {
    fn serialize<S: Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        let mut map = out.serialize_map(Some(2))?;
        map.serialize_entry("direction", self.direction.as_str())?;
        map.serialize_entry("regions", &RegionsJson(self))?;
        map.end()
    }
}

struct RegionsJson<'r, 'a, 's>(&'r ReachJson<'a, 's>);

impl Serialize for RegionsJson<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        let reach = self.0;
        let mut seq = out.serialize_seq(Some(reach.regions.len()))?;
        for region in reach.regions {
            let example = reach
                .space
                .borrow_mut()
                .example(region.flows, reach.direction);
            seq.serialize_element(&RegionJson {
                region,
                example: example.as_ref(),
                flows: BoxesJson {
                    space: &reach.space,
                    set: region.flows,
                },
            })?;
        }
        seq.end()
    }
}

struct RegionJson<'a, 'b, 's> {
    region: &'a crate::reach::Region,
    example: Option<&'a Flow>,
    flows: BoxesJson<'b, 's>,
}

impl Serialize for RegionJson<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        let r = self.region;
        let mut map = out.serialize_map(None)?;
        map.serialize_entry("access", r.access.as_str())?;
        if let Some(rule) = &r.rule_name {
            map.serialize_entry("ruleName", rule)?;
        }
        map.serialize_entry(
            "decidedBy",
            &DecidedByJson::new(r.layer, r.resource.as_deref()),
        )?;
        map.serialize_entry("uncertain", &r.uncertain)?;
        map.serialize_entry("flows", &self.flows)?;
        if let Some(e) = self.example {
            map.serialize_entry("example", &flow(e))?;
        }
        map.end()
    }
}

/// The `reach` object (`docs/formats.md`, Reach object): the direction and its regions, each
/// with its verdict, its flows as boxes and an example flow.
pub fn reach(reach: &mut crate::reach::Reach) -> Value {
    let json = ReachJson {
        direction: reach.direction,
        regions: &reach.regions,
        space: RefCell::new(&mut reach.space),
    };
    serde_json::to_value(json).unwrap_or(Value::Null)
}

/// The writer of `reach`'s object, once it is known to list at most [`crate::listing::LIMIT`]
/// values (else why not): the one way a front end streams it. It writes what [`reach`] makes
/// (pretty, escaped as [`crate::output`] escapes), its boxes as they are made: memory does not
/// grow with the number of boxes.
pub fn reach_writer(
    mut reach: crate::reach::Reach,
) -> Result<impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>, crate::listing::TooLong> {
    crate::listing::reach(&mut reach, crate::listing::LIMIT)?;
    Ok(move |out: &mut dyn std::io::Write| write_reach(out, &mut reach))
}

fn write_reach(
    out: &mut dyn std::io::Write,
    reach: &mut crate::reach::Reach,
) -> std::io::Result<()> {
    let json = ReachJson {
        direction: reach.direction,
        regions: &reach.regions,
        space: RefCell::new(&mut reach.space),
    };
    crate::output::write_json_pretty(out, &json)
}

/// The `lint` object (`docs/formats.md`, Lint object): `{"findings": [...]}`.
pub fn findings(findings: &[crate::lint::Finding]) -> Value {
    let items: Vec<Value> = findings
        .iter()
        .map(|f| {
            let mut o = serde_json::Map::new();
            o.insert("kind".into(), f.kind.as_str().into());
            o.insert("direction".into(), f.direction.as_str().into());
            o.insert("layer".into(), f.layer.as_str().into());
            if let Some(r) = &f.resource {
                o.insert("resource".into(), r.as_str().into());
            }
            if let Some(r) = &f.rule {
                o.insert("rule".into(), r.as_str().into());
            }
            o.insert("message".into(), f.message.as_str().into());
            o.insert("fix".into(), f.fix().into());
            if !f.blocking_rules.is_empty() {
                let key = match f.kind {
                    crate::lint::Kind::Shadowed => "blockingRules",
                    crate::lint::Kind::Exposure => "allowingRules",
                    _ => "decidingRules",
                };
                o.insert(
                    key.into(),
                    f.blocking_rules.iter().map(String::as_str).collect(),
                );
            }
            if let Some(d) = f.different_access {
                o.insert("differentAccess".into(), d.into());
            }
            if let Some(s) = &f.service {
                o.insert("service".into(), s.as_str().into());
            }
            if let Some(e) = &f.example {
                o.insert("example".into(), flow(e));
            }
            Value::Object(o)
        })
        .collect();
    serde_json::json!({ "findings": items })
}

/// The `search` object (`docs/formats.md`, Search object) for what was found:
/// `{"found": true, "result": <result object of the example>, "flows": [box...]}` or
/// `{"found": false, "flows": []}`.
struct FoundJson<'a, 's> {
    result: Option<Value>,
    flows: BoxesJson<'a, 's>,
}

impl Serialize for FoundJson<'_, '_> {
    fn serialize<S: Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        let mut map = out.serialize_map(None)?;
        map.serialize_entry("found", &self.result.is_some())?;
        match &self.result {
            Some(result) => {
                map.serialize_entry("result", result)?;
                map.serialize_entry("flows", &self.flows)?;
            }
            None => map.serialize_entry("flows", &[(); 0])?,
        }
        map.end()
    }
}

/// The `search` object for what was found (see [`found_writer`]).
pub fn found(inputs: &crate::Inputs, found: &mut crate::search::Found) -> Value {
    let result = found
        .example()
        .map(|example| result(&crate::verify(inputs, &example)));
    let space = RefCell::new(&mut found.reach.space);
    let json = FoundJson {
        result,
        flows: BoxesJson {
            space: &space,
            set: found.flows,
        },
    };
    serde_json::to_value(json).unwrap_or(Value::Null)
}

/// The writer of the `search` object (`docs/formats.md`, Search object) for what was found
/// (`{"found": true, "result": <result object of the example>, "flows": [box...]}` or
/// `{"found": false, "flows": []}`), once it is known to list at most
/// [`crate::listing::LIMIT`] values; it writes the boxes as they are made and answers whether
/// something was found.
pub fn found_writer(
    inputs: crate::Inputs,
    mut found: crate::search::Found,
) -> Result<impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<bool>, crate::listing::TooLong>
{
    crate::listing::found(&mut found, crate::listing::LIMIT)?;
    Ok(move |out: &mut dyn std::io::Write| write_found(out, &inputs, &mut found))
}

fn write_found(
    out: &mut dyn std::io::Write,
    inputs: &crate::Inputs,
    found: &mut crate::search::Found,
) -> std::io::Result<bool> {
    let result = found
        .example()
        .map(|example| result(&crate::verify(inputs, &example)));
    let any = result.is_some();
    let space = RefCell::new(&mut found.reach.space);
    let json = FoundJson {
        result,
        flows: BoxesJson {
            space: &space,
            set: found.flows,
        },
    };
    crate::output::write_json_pretty(out, &json)?;
    Ok(any)
}

/// The properties of a search query ([`search_query`]): the `search` flags by their long names.
pub const SEARCH_QUERY_KEYS: [&str; 8] = [
    "direction",
    "protocol",
    "source",
    "sourcePort",
    "destination",
    "destinationPort",
    "access",
    "rule",
];

/// A search query from its JSON object (`docs/formats.md`, The page's script interface): the
/// `search` options by their long names, `{direction, protocol, source, sourcePort, destination,
/// destinationPort, access, rule}`, each a string as on the command line (`protocol` also a list);
/// only `direction` is required. Errors name the property and quote the value.
///
/// ```
/// use flowverify::ffi::search_query;
/// let q = search_query(&serde_json::json!({"direction": "inbound", "protocol": "Tcp",
///     "destinationPort": "22", "access": "allow"})).unwrap();
/// assert_eq!(q.protocols.len(), 1);
/// let err = search_query(&serde_json::json!({"direction": "up"})).unwrap_err();
/// assert_eq!(err, "query.direction: direction 'up' is not Inbound or Outbound");
/// let err = search_query(&serde_json::json!({"direction": "Inbound", "port": "22"})).unwrap_err();
/// assert!(err.starts_with("query: unknown property 'port'"), "{err}");
/// ```
pub fn search_query(query: &Value) -> Result<crate::search::Query, String> {
    use crate::search::Query;
    let Some(object) = query.as_object() else {
        return Err("query: expected an object of search options".into());
    };
    if let Some(unknown) = object
        .keys()
        .find(|k| !SEARCH_QUERY_KEYS.contains(&k.as_str()))
    {
        return Err(format!(
            "query: unknown property '{}' (a query has {})",
            crate::error::clip(unknown),
            SEARCH_QUERY_KEYS.join(", ")
        ));
    }
    let text = |key: &str| -> Result<Option<String>, String> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Array(items)) => {
                let mut parts = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Value::String(s) => parts.push(s.clone()),
                        Value::Number(n) => parts.push(n.to_string()),
                        other => {
                            return Err(format!("query.{key}: expected text, found {other}"));
                        }
                    }
                }
                Ok(Some(parts.join(",")))
            }
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(other) => Err(format!("query.{key}: expected text, found {other}")),
        }
    };
    let bad = |key: &str, e: &dyn std::fmt::Display| format!("query.{key}: {e}");
    let direction = text("direction")?.ok_or("query.direction: the direction is required")?;
    let mut query = Query::new(direction.parse().map_err(|e| bad("direction", &e))?);
    if let Some(list) = text("protocol")? {
        for p in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            query
                .protocols
                .push(p.parse().map_err(|e| bad("protocol", &e))?);
        }
    }
    if let Some(t) = text("source")? {
        query.source = Query::addresses(&t).map_err(|e| bad("source", &e))?;
    }
    if let Some(t) = text("destination")? {
        query.destination = Query::addresses(&t).map_err(|e| bad("destination", &e))?;
    }
    if let Some(t) = text("sourcePort")? {
        query.source_ports = Query::ports(&t).map_err(|e| bad("sourcePort", &e))?;
    }
    if let Some(t) = text("destinationPort")? {
        query.destination_ports = Query::ports(&t).map_err(|e| bad("destinationPort", &e))?;
    }
    if let Some(t) = text("access")? {
        query.access = Some(t.parse().map_err(|e| bad("access", &e))?);
    }
    query.rule = text("rule")?.filter(|r| !r.trim().is_empty());
    Ok(query)
}

/// One side of a change: `{"access", "ruleName", "decidedBy"}`.
struct SideJson<'a>(&'a crate::diff::Side);

impl Serialize for SideJson<'_> {
    fn serialize<S: Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        let s = self.0;
        let mut map = out.serialize_map(None)?;
        map.serialize_entry("access", s.access.as_str())?;
        if let Some(r) = &s.rule_name {
            map.serialize_entry("ruleName", r)?;
        }
        map.serialize_entry(
            "decidedBy",
            &DecidedByJson::new(s.layer, s.resource.as_deref()),
        )?;
        map.end()
    }
}

/// The `diff` object (`docs/formats.md`, Diff object): `{"changes": [...]}`, each change with
/// both verdicts, its flows as boxes (written as they are made) and an example.
struct DiffJson<'a, 's> {
    changes: &'a [crate::diff::Change],
    space: RefCell<&'s mut FlowSpace>,
}

impl Serialize for DiffJson<'_, '_> {
    fn serialize<S: Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        let mut map = out.serialize_map(Some(1))?;
        map.serialize_entry("changes", &ChangesJson(self))?;
        map.end()
    }
}

struct ChangesJson<'r, 'a, 's>(&'r DiffJson<'a, 's>);

impl Serialize for ChangesJson<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        let d = self.0;
        let mut seq = out.serialize_seq(Some(d.changes.len()))?;
        for c in d.changes {
            let example = d.space.borrow_mut().example(c.flows, c.direction);
            seq.serialize_element(&ChangeJson {
                change: c,
                example: example.as_ref(),
                flows: BoxesJson {
                    space: &d.space,
                    set: c.flows,
                },
            })?;
        }
        seq.end()
    }
}

struct ChangeJson<'a, 'b, 's> {
    change: &'a crate::diff::Change,
    example: Option<&'a Flow>,
    flows: BoxesJson<'b, 's>,
}

impl Serialize for ChangeJson<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, out: S) -> Result<S::Ok, S::Error> {
        let c = self.change;
        let mut map = out.serialize_map(None)?;
        map.serialize_entry("direction", c.direction.as_str())?;
        map.serialize_entry("before", &SideJson(&c.before))?;
        map.serialize_entry("after", &SideJson(&c.after))?;
        map.serialize_entry("flows", &self.flows)?;
        if let Some(e) = self.example {
            map.serialize_entry("example", &flow(e))?;
        }
        map.end()
    }
}

/// The `diff` object (`docs/formats.md`, Diff object): `{"changes": [...]}`, each change with
/// both verdicts, its flows as boxes and an example.
pub fn diff(diff: &mut crate::diff::Diff) -> Value {
    let json = DiffJson {
        changes: &diff.changes,
        space: RefCell::new(&mut diff.space),
    };
    serde_json::to_value(json).unwrap_or(Value::Null)
}

/// The writer of [`diff`]'s object (pretty, escaped, its boxes as they are made), once it is
/// known to list at most [`crate::listing::LIMIT`] values.
pub fn diff_writer(
    mut diff: crate::diff::Diff,
) -> Result<impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>, crate::listing::TooLong> {
    crate::listing::diff(&mut diff, crate::listing::LIMIT)?;
    Ok(move |out: &mut dyn std::io::Write| write_diff(out, &mut diff))
}

fn write_diff(out: &mut dyn std::io::Write, diff: &mut crate::diff::Diff) -> std::io::Result<()> {
    let json = DiffJson {
        changes: &diff.changes,
        space: RefCell::new(&mut diff.space),
    };
    crate::output::write_json_pretty(out, &json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::import;
    use crate::{verify, Inputs, Slot};

    fn keys(value: &Value) -> Vec<&str> {
        value
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    #[test]
    fn the_result_object_has_section_4_fields_in_order_and_4a_additions() {
        let nsg = r#"{"name": "nsg", "securityRules": [{"name": "DenySsh", "properties": {
            "priority": 100, "direction": "Inbound", "access": "Deny", "protocol": "Tcp",
            "sourceAddressPrefix": "Sql", "sourcePortRange": "*",
            "destinationAddressPrefix": "*", "destinationPortRange": "22"}}]}"#;
        let mut inputs = Inputs::new();
        inputs
            .add(Slot::SubnetNsg, import("nsg.json", nsg).unwrap())
            .unwrap();
        let flow = Flow::parse("Inbound", "Tcp", "10.0.1.4:22", "203.0.113.7:5000").unwrap();
        let json = result(&verify(&inputs, &flow));
        assert_eq!(
            keys(&json),
            [
                "access",
                "ruleName",
                "decidedBy",
                "uncertain",
                "warnings",
                "notes",
                "path",
                "blockers",
                "flow",
                "trace"
            ]
        );
        assert_eq!(json["ruleName"], "defaultSecurityRules/DenyAllInBound");
        assert_eq!(json["uncertain"], true);
        assert_eq!(
            keys(&json["path"][0]),
            ["layer", "resource", "reached", "outcome", "rule"]
        );
        assert_eq!(json["path"][0]["outcome"], "Deny");
        assert_eq!(json["blockers"][0], "defaultSecurityRules/DenyAllInBound");
        assert_eq!(
            keys(&json["flow"]),
            ["direction", "protocol", "source", "destination"]
        );
        assert_eq!(
            keys(&json["trace"][0]),
            ["layer", "resource", "decision", "rules"]
        );
        let first = &json["trace"][0]["rules"][0];
        assert_eq!(
            keys(first),
            [
                "name",
                "priority",
                "access",
                "matched",
                "protocolMatched",
                "sourceMatched",
                "sourcePortMatched",
                "destinationMatched",
                "destinationPortMatched",
                "reason",
                "uncertain",
                "unknown"
            ]
        );
        assert_eq!(first["unknown"], serde_json::json!(["source"]));
        assert_eq!(first["sourceMatched"], false);
        let mut text = Vec::new();
        write_result(&mut text, &verify(&inputs, &flow)).unwrap();
        assert_eq!(serde_json::from_slice::<Value>(&text).unwrap(), json);
    }
}
