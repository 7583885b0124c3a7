//! Printing verdicts and check results: readable text and JSON. No evaluation here.

use flowverify::scenario::FlowSpec;
use flowverify::verdict::{LayerDecision, LayerTrace, RuleTrace};
use flowverify::{Layer, Verdict};
use serde_json::{json, Value};

/// The result object (`interfaces.md` section 4) as indented JSON.
pub fn json(verdict: &Verdict) -> String {
    let mut text = serde_json::to_string_pretty(verdict).unwrap_or_default();
    text.push('\n');
    text
}

/// Where a decision was made, in words: `subnet NSG nsg-web`, `admin rules cfg`, ...
fn place(layer: Layer, resource: Option<&str>) -> String {
    let what = match layer {
        Layer::Admin => "admin rules",
        Layer::Subnet => "subnet NSG",
        Layer::Nic => "NIC NSG",
        Layer::None => return "nothing decided: no admin rule matched and there is no NSG".into(),
    };
    match resource {
        Some(r) if !r.is_empty() => format!("{what} {r}"),
        _ => what.to_string(),
    }
}

/// The verdict on one line: `Deny by securityRules/X (subnet NSG nsg)`.
fn summary(verdict: &Verdict) -> String {
    let at = place(
        verdict.decided_by.layer,
        verdict.decided_by.resource.as_deref(),
    );
    match &verdict.rule_name {
        Some(rule) => format!("{} by {rule} ({at})", verdict.access),
        None => format!("{} ({at})", verdict.access),
    }
}

/// The flow as evaluated: `Inbound Tcp 10.0.2.5:1234 -> 10.0.1.4:3389`.
fn flow_line(verdict: &Verdict) -> String {
    let f = &verdict.flow;
    format!(
        "{} {} {} -> {}",
        f.direction, f.protocol, f.source, f.destination
    )
}

fn decision(d: LayerDecision) -> &'static str {
    match d {
        LayerDecision::Allow => "Allow",
        LayerDecision::Deny => "Deny",
        LayerDecision::AlwaysAllow => "AlwaysAllow",
        LayerDecision::NoMatch => "no rule matched",
    }
}

fn mark(flag: bool) -> &'static str {
    if flag {
        "✓"
    } else {
        "✗"
    }
}

/// The readable verdict: the verdict line, the flow, uncertainty and warnings, then the trace as
/// one aligned table per layer.
pub fn verdict(verdict: &Verdict) -> String {
    let mut out = String::new();
    let at = place(
        verdict.decided_by.layer,
        verdict.decided_by.resource.as_deref(),
    );
    match &verdict.rule_name {
        Some(rule) => out.push_str(&format!("{}  {rule}  ({at})\n", verdict.access)),
        None => out.push_str(&format!("{}  ({at})\n", verdict.access)),
    }
    out.push_str(&format!("flow: {}\n", flow_line(verdict)));
    if verdict.uncertain {
        out.push_str(
            "uncertain: a rule before the decision could not be evaluated for lack of input\n",
        );
    }
    for warning in &verdict.warnings {
        out.push_str(&format!("warning: {warning}\n"));
    }
    for layer in &verdict.trace {
        out.push('\n');
        out.push_str(&layer_table(layer));
    }
    out
}

/// One layer of the trace: a header with its decision, then one row per rule.
fn layer_table(layer: &LayerTrace) -> String {
    let then = match (layer.layer, layer.decision) {
        (Layer::Admin, LayerDecision::Allow) => " (the NSGs decide)",
        (Layer::Admin, LayerDecision::NoMatch) => " (next configuration, then the NSGs)",
        _ => "",
    };
    let mut out = format!(
        "{}: {}{then}\n",
        place(layer.layer, Some(&layer.resource)),
        decision(layer.decision)
    );
    let header: Vec<String> = [
        "PRIORITY", "RULE", "ACCESS", "P", "S", "SP", "D", "DP", "REASON",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut rows = vec![header];
    rows.extend(layer.rules.iter().map(rule_row));
    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in &rows {
        let mut line = String::from("  ");
        for (c, cell) in row.iter().enumerate() {
            line.push_str(cell);
            if c + 1 < row.len() {
                let width = widths.get(c).copied().unwrap_or(0);
                line.push_str(&" ".repeat(width.saturating_sub(cell.chars().count()) + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn rule_row(rule: &RuleTrace) -> Vec<String> {
    let reason = match (&rule.reason, rule.matched) {
        (_, true) => "matched".to_string(),
        (Some(r), false) if rule.uncertain => format!("uncertain: {r}"),
        (Some(r), false) => r.clone(),
        (None, false) if rule.uncertain => "uncertain: missing input".to_string(),
        (None, false) => "did not match".to_string(),
    };
    vec![
        rule.priority.to_string(),
        rule.name.clone(),
        rule.access.clone(),
        mark(rule.protocol_matched).to_string(),
        mark(rule.source_matched).to_string(),
        mark(rule.source_port_matched).to_string(),
        mark(rule.destination_matched).to_string(),
        mark(rule.destination_port_matched).to_string(),
        reason,
    ]
}

/// One verified flow of `check`.
pub struct CheckRow {
    /// The scenario file.
    pub file: String,
    /// The scenario's title.
    pub title: Option<String>,
    /// The flow's index in the scenario.
    pub index: usize,
    /// The flow as written.
    pub spec: FlowSpec,
    /// Its verdict.
    pub verdict: Verdict,
    /// Whether it met its expectation, and if not why.
    pub outcome: Result<(), String>,
}

/// `PASS  web.json  flows[0]  Inbound Tcp 10.0.1.4:443 <- 203.0.113.7:50000  Allow by ...`.
pub fn check_line(row: &CheckRow) -> String {
    let status = if row.outcome.is_ok() { "PASS" } else { "FAIL" };
    let mut line = format!(
        "{status}  {}  flows[{}]  {}  {}",
        row.file,
        row.index,
        row.spec.describe(),
        summary(&row.verdict)
    );
    if row.verdict.uncertain {
        line.push_str("  (uncertain)");
    }
    match (&row.outcome, &row.spec.expect) {
        (Err(why), _) => line.push_str(&format!("  - {why}")),
        (Ok(()), None) => line.push_str("  (no expectation)"),
        (Ok(()), Some(_)) => {}
    }
    line
}

/// `check --json`: one object per flow.
pub fn check_json(rows: &[CheckRow]) -> String {
    let items: Vec<Value> = rows
        .iter()
        .map(|row| {
            let mut item = json!({
                "file": row.file,
                "index": row.index,
                "direction": row.spec.direction,
                "protocol": row.spec.protocol,
                "local": row.spec.local,
                "remote": row.spec.remote,
                "expect": row.spec.expect,
                "result": row.verdict,
                "pass": row.outcome.is_ok(),
            });
            if let Value::Object(map) = &mut item {
                if let Some(title) = &row.title {
                    map.insert("title".into(), json!(title));
                }
                if let Err(why) = &row.outcome {
                    map.insert("reason".into(), json!(why));
                }
            }
            item
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&items).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowverify::verdict::{DecidedBy, Decision, FlowSummary};

    fn rule(name: &str, matched: bool, reason: Option<&str>) -> RuleTrace {
        RuleTrace {
            name: name.into(),
            priority: if matched { 200 } else { 100 },
            access: if matched { "Deny" } else { "Allow" }.into(),
            matched,
            protocol_matched: true,
            source_matched: matched,
            source_port_matched: true,
            destination_matched: true,
            destination_port_matched: matched,
            reason: reason.map(String::from),
            uncertain: false,
        }
    }

    fn sample() -> Verdict {
        Verdict {
            access: Decision::Deny,
            rule_name: Some("securityRules/DenyRdpAll".into()),
            decided_by: DecidedBy {
                layer: Layer::Subnet,
                resource: Some("nsg-web-subnet".into()),
            },
            uncertain: true,
            warnings: vec!["service tag 'Sql' is not defined".into()],
            flow: FlowSummary {
                direction: "Inbound".into(),
                protocol: "Tcp".into(),
                source: "10.0.2.5:1234".into(),
                destination: "10.0.1.4:3389".into(),
            },
            trace: vec![LayerTrace {
                layer: Layer::Subnet,
                resource: "nsg-web-subnet".into(),
                decision: LayerDecision::Deny,
                rules: vec![
                    rule(
                        "securityRules/AllowHttpFromInternet",
                        false,
                        Some("source 10.0.2.5 is not in Internet"),
                    ),
                    rule("securityRules/DenyRdpAll", true, None),
                ],
            }],
        }
    }

    #[test]
    fn readable_verdict_has_the_verdict_first_and_an_aligned_trace() {
        let text = verdict(&sample());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "Deny  securityRules/DenyRdpAll  (subnet NSG nsg-web-subnet)"
        );
        assert_eq!(lines[1], "flow: Inbound Tcp 10.0.2.5:1234 -> 10.0.1.4:3389");
        assert!(lines[2].starts_with("uncertain"));
        assert_eq!(lines[3], "warning: service tag 'Sql' is not defined");
        assert_eq!(lines[5], "subnet NSG nsg-web-subnet: Deny");
        assert!(lines[6].contains("PRIORITY") && lines[6].contains("REASON"));
        assert!(lines[7].contains("✓  ✗  ✓   ✓  ✗   source 10.0.2.5 is not in Internet"));
        assert!(lines[8].ends_with("✓  ✓  ✓   ✓  ✓   matched"));
        // columns line up: the rule name column starts at the same place on every row
        let at = |l: &str, s: &str| l.find(s).map(|b| l[..b].chars().count());
        assert_eq!(at(lines[6], "RULE"), at(lines[7], "securityRules"));
        assert_eq!(at(lines[6], "REASON"), at(lines[8], "matched"));
    }

    #[test]
    fn nothing_decided_says_so() {
        let mut v = sample();
        v.access = Decision::Allow;
        v.rule_name = None;
        v.decided_by = DecidedBy {
            layer: Layer::None,
            resource: None,
        };
        assert!(verdict(&v)
            .starts_with("Allow  (nothing decided: no admin rule matched and there is no NSG)\n"));
    }
}
