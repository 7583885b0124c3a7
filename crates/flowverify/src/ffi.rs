//! The JSON shapes of the engine's answers (`interfaces.md` sections 4 and 4a), apart from the
//! Rust types, as cedar-policy keeps its `ffi` module apart from its API: the command line's
//! `--json`, `check --json` and the page's `window.flowverify` all write these, and nothing
//! else in the engine knows a JSON field name.
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

use serde::Serialize;
use serde_json::Value;

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
    decided_by: DecidedByObject<'v>,
    uncertain: bool,
    warnings: Vec<String>,
    notes: Vec<String>,
    path: Vec<StepObject<'v>>,
    blockers: &'v [String],
    flow: FlowObject,
    trace: Vec<LayerObject<'v>>,
}

#[derive(Debug, Serialize)]
struct DecidedByObject<'v> {
    layer: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource: Option<&'v str>,
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
        decided_by: DecidedByObject {
            layer: layer_word(verdict.decided_by.layer),
            resource: verdict.decided_by.resource.as_deref(),
        },
        uncertain: verdict.uncertain,
        warnings: verdict.warnings.iter().map(ToString::to_string).collect(),
        notes: verdict.notes.iter().map(ToString::to_string).collect(),
        path: verdict.path.iter().map(step_object).collect(),
        blockers: &verdict.blockers,
        flow,
        trace: verdict.trace.iter().map(layer_object).collect(),
    }
}

/// The result object of `verdict` (`interfaces.md` sections 4 and 4a), as a JSON value.
pub fn result(verdict: &Verdict) -> Value {
    let object = result_object(verdict, flow_object(&verdict.flow));
    serde_json::to_value(object).unwrap_or(Value::Null)
}

/// The result object of `verdict` as compact JSON text, written straight to `out` (no
/// intermediate value: `check --json` writes one per flow).
pub fn write_result<W: std::io::Write>(out: W, verdict: &Verdict) -> serde_json::Result<()> {
    serde_json::to_writer(out, &result_object(verdict, flow_object(&verdict.flow)))
}

/// A box of flows as `interfaces.md` section 7 writes it.
fn box_object(b: &crate::flowset::FlowBox) -> Value {
    let ports = |ranges: &[(u16, u16)]| -> Vec<String> {
        ranges
            .iter()
            .map(|&(lo, hi)| {
                if lo == hi {
                    lo.to_string()
                } else {
                    format!("{lo}-{hi}")
                }
            })
            .collect()
    };
    let mut object = serde_json::Map::new();
    object.insert(
        "protocols".into(),
        b.protocols.iter().map(|p| p.as_str()).collect(),
    );
    object.insert(
        "source".into(),
        b.source.iter().map(ToString::to_string).collect(),
    );
    if let Some(p) = &b.source_ports {
        object.insert("sourcePorts".into(), ports(p).into());
    }
    object.insert(
        "destination".into(),
        b.destination.iter().map(ToString::to_string).collect(),
    );
    if let Some(p) = &b.destination_ports {
        object.insert("destinationPorts".into(), ports(p).into());
    }
    Value::Object(object)
}

/// A set of flows as boxes (`interfaces.md` section 7).
pub fn boxes(space: &mut crate::flowset::FlowSpace, set: crate::mdd::Set) -> Value {
    space.boxes(set).iter().map(box_object).collect()
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

/// The `reach` object of `interfaces.md` section 7: the direction and its regions, each with
/// its verdict, its flows as boxes and an example flow.
pub fn reach(reach: &mut crate::reach::Reach) -> Value {
    let mut regions = Vec::with_capacity(reach.regions.len());
    for region in &reach.regions {
        let boxes = reach.space.boxes(region.flows);
        let example = reach.space.example(region.flows, reach.direction);
        let mut decided_by = serde_json::Map::new();
        decided_by.insert("layer".into(), region.layer.as_str().into());
        if let Some(r) = &region.resource {
            decided_by.insert("resource".into(), r.as_str().into());
        }
        let mut object = serde_json::Map::new();
        object.insert("access".into(), region.access.as_str().into());
        if let Some(rule) = &region.rule_name {
            object.insert("ruleName".into(), rule.as_str().into());
        }
        object.insert("decidedBy".into(), Value::Object(decided_by));
        object.insert("uncertain".into(), region.uncertain.into());
        object.insert("flows".into(), boxes.iter().map(box_object).collect());
        if let Some(example) = example {
            object.insert("example".into(), self::flow(&example));
        }
        regions.push(Value::Object(object));
    }
    serde_json::json!({
        "direction": reach.direction.as_str(),
        "regions": regions,
    })
}

/// The `lint` object of `interfaces.md` section 7: `{"findings": [...]}`.
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

/// The `search` object of `interfaces.md` section 7 for what was found:
/// `{"found": true, "result": <result object of the example>, "flows": [box...]}` or
/// `{"found": false, "flows": []}`.
pub fn found(inputs: &crate::Inputs, found: &mut crate::search::Found) -> Value {
    match found.example() {
        Some(example) => serde_json::json!({
            "found": true,
            "result": result(&crate::verify(inputs, &example)),
            "flows": boxes(&mut found.reach.space, found.flows),
        }),
        None => serde_json::json!({"found": false, "flows": []}),
    }
}

/// A search query from its JSON object (`interfaces.md` section 6a): the `search` options by
/// their long names, `{direction, protocol, source, sourcePort, destination, destinationPort,
/// access, rule}`, each a string as on the command line (`protocol` also a list); only
/// `direction` is required. Errors name the property and quote the value.
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
    const KEYS: [&str; 8] = [
        "direction",
        "protocol",
        "source",
        "sourcePort",
        "destination",
        "destinationPort",
        "access",
        "rule",
    ];
    let Some(object) = query.as_object() else {
        return Err("query: expected an object of search options".into());
    };
    if let Some(unknown) = object.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(format!(
            "query: unknown property '{}' (a query has {})",
            crate::error::clip(unknown),
            KEYS.join(", ")
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

/// The `diff` object of `interfaces.md` section 7: `{"changes": [...]}`, each change with both
/// verdicts, its flows as boxes and an example.
pub fn diff(diff: &mut crate::diff::Diff) -> Value {
    let side = |s: &crate::diff::Side| {
        let mut decided_by = serde_json::Map::new();
        decided_by.insert("layer".into(), s.layer.as_str().into());
        if let Some(r) = &s.resource {
            decided_by.insert("resource".into(), r.as_str().into());
        }
        let mut o = serde_json::Map::new();
        o.insert("access".into(), s.access.as_str().into());
        if let Some(r) = &s.rule_name {
            o.insert("ruleName".into(), r.as_str().into());
        }
        o.insert("decidedBy".into(), Value::Object(decided_by));
        Value::Object(o)
    };
    let mut changes = Vec::with_capacity(diff.changes.len());
    for c in &diff.changes {
        let mut o = serde_json::Map::new();
        o.insert("direction".into(), c.direction.as_str().into());
        o.insert("before".into(), side(&c.before));
        o.insert("after".into(), side(&c.after));
        o.insert("flows".into(), boxes(&mut diff.space, c.flows));
        if let Some(e) = diff.space.example(c.flows, c.direction) {
            o.insert("example".into(), flow(&e));
        }
        changes.push(Value::Object(o));
    }
    serde_json::json!({ "changes": changes })
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
