//! Printing verdicts and check results: readable text and JSON. No evaluation here.
//!
//! Text output never prints a control character of an input raw: names, resources, reasons and
//! warnings go through [`escape`], so a crafted rule name cannot rewrite the terminal line
//! (`\u{1b}[2K\rAllow` shows as such). JSON output is written by the engine's JSON writer,
//! which writes the same characters as `\uXXXX` escapes.

use flowverify::scenario::{Expectation, FlowSpec, Outcome};
use flowverify::verdict::{Condition, Field, LayerTrace, RuleTrace};
use flowverify::{Layer, Verdict};
use serde::Serialize;

/// Text with every character that could rewrite the terminal or reorder, break or hide the
/// text written visibly: the engine's one escape, which every text output goes through.
pub use flowverify::output::escape;

/// The result object (`docs/formats.md`, Result object) as indented JSON.
pub fn json(verdict: &Verdict) -> String {
    json_text(&flowverify::ffi::result(verdict))
}

/// `value` as indented JSON and a newline, through the engine's one JSON writer (which writes
/// the characters that [`escape`] escapes in text as `\uXXXX`): every `--json` output but
/// `check`'s lines, which [`write_check_json`] writes.
pub fn json_text(value: &serde_json::Value) -> String {
    let mut text = flowverify::output::json_pretty(value);
    text.push('\n');
    text
}

/// Where a decision was made, in the engine's words ([`flowverify::verdict::Place`]), escaped.
pub(crate) fn place(layer: Layer, resource: Option<&str>) -> String {
    escape(&flowverify::verdict::Place::new(layer, resource).to_string()).into_owned()
}

/// The flow as evaluated: `Inbound Tcp 10.0.2.5:1234 -> 10.0.1.4:3389`.
fn flow_line(verdict: &Verdict) -> String {
    let f = &verdict.flow;
    format!(
        "{} {} {} -> {}",
        f.direction(),
        f.protocol(),
        f.source(),
        f.destination()
    )
}

/// What follows the name of a rule read with a warning, in the trace.
const WARNED: &str = " [!]";

/// The readable verdict: the verdict line, the flow, uncertainty and warnings, then the trace as
/// one aligned table per layer.
pub fn verdict(verdict: &Verdict) -> String {
    let mut out = String::new();
    let at = place(
        verdict.decided_by.layer,
        verdict.decided_by.resource.as_deref(),
    );
    match &verdict.rule_name {
        Some(rule) => out.push_str(&format!("{}  {}  ({at})\n", verdict.access, escape(rule))),
        None => out.push_str(&format!("{}  ({at})\n", verdict.access)),
    }
    out.push_str(&format!("flow: {}\n", flow_line(verdict)));
    if verdict.uncertain {
        out.push_str(
            "uncertain: a rule before the decision could not be evaluated for lack of input\n",
        );
    }
    if !verdict.path.is_empty() {
        out.push_str("path:\n");
        for step in &verdict.path {
            out.push_str(&format!(
                "  {}: {}\n",
                place(step.layer, Some(&step.resource)),
                escape(&step.summary())
            ));
        }
    }
    if !verdict.blockers.is_empty() {
        out.push_str("blockers (each would have to let the flow through for it to be allowed):\n");
        for blocker in &verdict.blockers {
            out.push_str(&format!("  {}\n", escape(&blocker.to_string())));
        }
    }
    for warning in &verdict.warnings {
        out.push_str(&format!("warning: {}\n", escape(warning.text())));
    }
    for note in &verdict.notes {
        out.push_str(&format!("note: {}\n", escape(note.text())));
    }
    for layer in &verdict.trace {
        out.push('\n');
        out.push_str(&layer_table(layer));
    }
    out
}

/// One layer of the trace: a header with its decision, then one row per rule.
fn layer_table(layer: &LayerTrace) -> String {
    let mut out = format!(
        "{}: {}\n",
        place(layer.layer, Some(&layer.resource)),
        layer.decision.words(layer.layer)
    );
    let header: Vec<String> = ["PRIORITY", "RULE", "ACCESS"]
        .into_iter()
        .chain(Field::ALL.map(Field::heading))
        .chain(["REASON"])
        .map(str::to_string)
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
    if layer.rules.iter().any(|r| !r.warnings.is_empty()) {
        out.push_str(&format!(
            "  {}: read with a warning (see the warnings above)\n",
            WARNED.trim_start()
        ));
    }
    if layer
        .rules
        .iter()
        .any(|r| r.conditions.contains(&Condition::Unknown))
    {
        out.push_str("  ?: could not be evaluated (see the warnings above)\n");
    }
    out
}

fn rule_row(rule: &RuleTrace) -> Vec<String> {
    let reason = rule.reason_words();
    let mut name = escape(&rule.name).into_owned();
    if !rule.warnings.is_empty() {
        name.push_str(WARNED);
    }
    let mut row = vec![rule.priority.to_string(), name, rule.access.to_string()];
    // `✓`, `✗` or `?`: the engine's one mark per condition, as the page shows it.
    row.extend(rule.conditions().map(|(_, c)| c.mark().to_string()));
    row.push(escape(&reason).into_owned());
    row
}

/// `passed`, `failed` or `skipped`: the outcome in `check --json`.
fn outcome_word(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Passed => "passed",
        Outcome::Failed(_) => "failed",
        Outcome::Skipped => "skipped",
    }
}

/// One verified flow of `check`, borrowed while it is printed.
pub struct CheckRow<'a> {
    /// The scenario file.
    pub file: &'a str,
    /// The scenario's title.
    pub title: Option<&'a str>,
    /// The flow's index in the scenario.
    pub index: usize,
    /// The flow as written.
    pub spec: &'a FlowSpec,
    /// Its verdict.
    pub verdict: &'a Verdict,
    /// Whether it met its expectation.
    pub outcome: &'a Outcome,
}

/// `PASS  web.json  flows[0]  Inbound Tcp 10.0.1.4:443 <- 203.0.113.7:50000  Allow by ...`;
/// `FAIL ...  - why`; `SKIP ...  (no expectation)`. (`check` writes it with
/// [`write_check_line`].)
#[cfg(test)]
pub fn check_line(row: &CheckRow) -> String {
    let mut line = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write_check_line(&mut line, row);
    String::from_utf8(line).unwrap_or_default()
}

/// Writes a flow's line of `check` (no newline) straight to `out`, without building it first:
/// `PASS  web.json  flows[0]  Inbound Tcp 10.0.1.4:443 <- 203.0.113.7:50000  Allow by
/// securityRules/X (NIC NSG nsg-web)`; `FAIL ...  - why`; `SKIP ...  (no expectation)`; the
/// verdict followed by `  (uncertain)` when it is.
pub fn write_check_line(out: &mut impl std::io::Write, row: &CheckRow) -> std::io::Result<()> {
    // Piece by piece, without the formatting machinery where a piece is a plain string.
    let mut put = |text: &str| out.write_all(text.as_bytes());
    put(row.outcome.word())?;
    put("  ")?;
    put(&escape(row.file))?;
    put("  flows[")?;
    put(&row.index.to_string())?;
    put("]  ")?;
    let spec = row.spec;
    if [&spec.direction, &spec.protocol, &spec.local, &spec.remote]
        .iter()
        .all(|s| flowverify::output::is_plain(s))
    {
        // `FlowSpec::describe`, written out.
        for part in [
            &spec.direction,
            " ",
            &spec.protocol,
            " ",
            &spec.local,
            " ",
            spec.arrow(),
            " ",
            &spec.remote,
        ] {
            put(part)?;
        }
    } else {
        put(&escape(&spec.describe()))?;
    }
    put("  ")?;
    let verdict = row.verdict;
    put(verdict.access.as_str())?;
    if let Some(rule) = &verdict.rule_name {
        put(" by ")?;
        put(&escape(rule))?;
    }
    put(" (")?;
    let layer = verdict.decided_by.layer;
    put(layer.words())?;
    match verdict.decided_by.resource.as_deref() {
        Some(resource) if layer != Layer::None && !resource.is_empty() => {
            put(" ")?;
            put(&escape(resource))?;
        }
        _ => {}
    }
    put(")")?;
    if verdict.uncertain {
        put("  (uncertain)")?;
    }
    match row.outcome {
        Outcome::Failed(why) => {
            put("  - ")?;
            put(&escape(why))
        }
        Outcome::Skipped => put("  (no expectation)"),
        Outcome::Passed => Ok(()),
    }
}

/// Writes a verdict as its result object (`docs/formats.md`, Result object).
fn result_object<S: serde::Serializer>(verdict: &&Verdict, out: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&flowverify::ffi::result(verdict), out)
}

/// One line of `check --json` (JSON Lines): the flow, its expectation, its result object and
/// what became of the expectation.
#[derive(Serialize)]
struct CheckItem<'a> {
    file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    index: usize,
    direction: &'a str,
    protocol: &'a str,
    local: &'a str,
    remote: &'a str,
    expect: Option<&'a Expectation>,
    #[serde(serialize_with = "result_object")]
    result: &'a Verdict,
    /// `true` or `false` when an expectation was checked, `null` when the flow has none.
    pass: Option<bool>,
    /// `passed`, `failed` or `skipped`.
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

/// Writes `row` as one compact JSON object (no newline).
pub fn write_check_json(out: &mut impl std::io::Write, row: &CheckRow) -> serde_json::Result<()> {
    let item = CheckItem {
        file: row.file,
        title: row.title,
        index: row.index,
        direction: &row.spec.direction,
        protocol: &row.spec.protocol,
        local: &row.spec.local,
        remote: &row.spec.remote,
        expect: row.spec.expect.as_ref(),
        result: row.verdict,
        pass: match row.outcome {
            Outcome::Passed => Some(true),
            Outcome::Failed(_) => Some(false),
            Outcome::Skipped => None,
        },
        outcome: outcome_word(row.outcome),
        reason: match row.outcome {
            Outcome::Failed(why) => Some(why),
            _ => None,
        },
    };
    flowverify::output::write_json(out, &item)
}

/// A set's first boxes in words, one per line, and how many more there are.
fn push_box_words(out: &mut String, words: &flowverify::flowset::BoxWords) {
    for (line, _) in &words.shown {
        out.push_str(&format!("  {}\n", escape(&line.to_string())));
    }
    let more = words.total.saturating_sub(words.shown.len() as u128);
    if more > 0 {
        out.push_str(&format!(
            "  and {more} more sets of flows (--json lists them all)\n"
        ));
    }
}

/// `reach` in words: the direction's verdicts, allowed first, each with its deciding rule,
/// its flows as boxes in words ("Tcp 443 from Internet to 10.0.1.4") and an example flow.
pub fn reach(
    inputs: &flowverify::Inputs,
    reach: &mut flowverify::reach::Reach,
    local: &[ipnet::IpNet],
) -> String {
    const BOXES_SHOWN: usize = 8;
    let mut out = String::new();
    let target = if local.is_empty() {
        "any address".to_string()
    } else {
        reach.space.describe_addresses(inputs, local)
    };
    let to_or_from = match reach.direction {
        flowverify::model::Direction::Inbound => "to",
        flowverify::model::Direction::Outbound => "from",
    };
    out.push_str(&format!(
        "{} flows {to_or_from} {}: {}\n",
        reach.direction,
        escape(&target),
        match reach.regions.len() {
            1 => "1 verdict".to_string(),
            n => format!("{n} verdicts"),
        }
    ));
    let regions: Vec<_> = reach
        .reading_order()
        .into_iter()
        .map(|i| reach.regions[i].clone())
        .collect();
    for region in &regions {
        let at = place(region.layer, region.resource.as_deref());
        out.push('\n');
        match &region.rule_name {
            Some(rule) => out.push_str(&format!("{}  {}  ({at})", region.access, escape(rule))),
            None => out.push_str(&format!("{}  ({at})", region.access)),
        }
        if region.uncertain {
            out.push_str("  (uncertain: a rule before it lacks input)");
        }
        out.push('\n');
        let words =
            reach
                .space
                .box_words(inputs, region.flows, reach.direction, BOXES_SHOWN, false);
        push_box_words(&mut out, &words);
        if let Some(example) = reach.space.example(region.flows, reach.direction) {
            out.push_str(&format!("  e.g. {}\n", example));
        }
    }
    out
}

/// `lint` in words: one block per finding, then how many.
pub fn findings(findings: &[flowverify::lint::Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let at = match (&f.rule, f.layer) {
            (Some(_), layer) => format!(" ({})", place(layer, f.resource.as_deref())),
            _ => String::new(),
        };
        out.push_str(&format!(
            "{}  {}{at}: {}\n",
            f.kind.as_str(),
            f.direction,
            escape(&f.message)
        ));
        if let Some(e) = &f.example {
            out.push_str(&format!("  e.g. {}\n", e));
        }
        out.push_str(&format!("  fix: {}\n", escape(&f.fix())));
    }
    out.push_str(&match findings.len() {
        0 => "no findings\n".to_string(),
        1 => "1 finding\n".to_string(),
        n => format!("{n} findings\n"),
    });
    out
}

/// `diff` in words: each change with both verdicts, its flows and an example.
pub fn diff(inputs: &flowverify::Inputs, d: &mut flowverify::diff::Diff) -> String {
    const BOXES_SHOWN: usize = 6;
    let side = |s: &flowverify::diff::Side| {
        let at = place(s.layer, s.resource.as_deref());
        match &s.rule_name {
            Some(r) => format!("{} by {} ({at})", s.access, escape(r)),
            None => format!("{} ({at})", s.access),
        }
    };
    let mut out = String::new();
    for c in d.changes.clone() {
        out.push_str(&format!(
            "{}: {} -> {}\n",
            c.direction,
            side(&c.before),
            side(&c.after)
        ));
        let words = d
            .space
            .box_words(inputs, c.flows, c.direction, BOXES_SHOWN, false);
        push_box_words(&mut out, &words);
        if let Some(e) = d.space.example(c.flows, c.direction) {
            out.push_str(&format!("  e.g. {}\n", e));
        }
    }
    out.push_str(&match d.changes.len() {
        0 => "no flow changes\n".to_string(),
        1 => "1 change\n".to_string(),
        n => format!("{n} changes\n"),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowverify::model::Access;
    use flowverify::verdict::{DecidedBy, LayerDecision, Note, NoteKind, Warning, WarningKind};
    use flowverify::Decision;
    use serde_json::json;

    /// A rule of the trace: priority 200 and Deny when it matched, else 100 and Allow with its
    /// source and destination port failing.
    fn rule(name: &str, matched: bool, reason: Option<&str>) -> RuleTrace {
        use Condition::{Fails, Holds};
        let (priority, access, conditions) = if matched {
            (200, Access::Deny, [Holds; 5])
        } else {
            (100, Access::Allow, [Holds, Fails, Holds, Holds, Fails])
        };
        RuleTrace {
            name: name.to_string(),
            priority,
            access,
            matched,
            conditions,
            reason: reason.map(str::to_string),
            uncertain: false,
            warnings: Vec::new(),
        }
    }

    fn sample_with(name: &str, resource: &str, warning: &str) -> Verdict {
        Verdict {
            access: Decision::Deny,
            rule_name: Some(format!("securityRules/{name}")),
            decided_by: DecidedBy {
                layer: Layer::Subnet,
                resource: Some(resource.to_string()),
            },
            uncertain: true,
            warnings: vec![Warning::new(WarningKind::Missing, warning)],
            notes: Vec::new(),
            path: Vec::new(),
            blockers: Vec::new(),
            flow: flowverify::Flow::parse("Inbound", "Tcp", "10.0.1.4:3389", "10.0.2.5:1234")
                .unwrap(),
            trace: vec![LayerTrace {
                layer: Layer::Subnet,
                resource: resource.to_string(),
                decision: LayerDecision::Deny,
                rules: vec![
                    rule(
                        "securityRules/AllowHttpFromInternet",
                        false,
                        Some("source 10.0.2.5 is not in Internet"),
                    ),
                    rule(&format!("securityRules/{name}"), true, None),
                ],
            }],
        }
    }

    fn sample() -> Verdict {
        sample_with(
            "DenyRdpAll",
            "nsg-web-subnet",
            "service tag 'Sql' is not defined",
        )
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
        assert!(lines[8].ends_with("✓  ✓  ✓   ✓  ✓   Matched: this rule decides the layer"));
        // columns line up: the rule name column starts at the same place on every row
        let at = |l: &str, s: &str| l.find(s).map(|b| l[..b].chars().count());
        assert_eq!(at(lines[6], "RULE"), at(lines[7], "securityRules"));
        assert_eq!(at(lines[6], "REASON"), at(lines[8], "Matched"));
    }

    #[test]
    fn nothing_decided_says_so() {
        let mut v = sample();
        v.access = Decision::Allow;
        v.rule_name = None;
        v.decided_by.layer = Layer::None;
        v.decided_by.resource = None;
        assert!(verdict(&v)
            .starts_with("Allow  (nothing decided: no admin rule matched and there is no NSG)\n"));
    }

    #[test]
    fn a_crafted_name_cannot_rewrite_the_line() {
        let crafted = "\u{1b}[2K\rAllow";
        let v = sample_with(crafted, "nsg\r\u{1b}[1m", "rule \u{202e}x\n");
        let text = verdict(&v);
        assert!(!text.contains('\u{1b}') && !text.contains('\r') && !text.contains('\u{202e}'));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "Deny  securityRules/\\u{1b}[2K\\rAllow  (subnet NSG nsg\\r\\u{1b}[1m)"
        );
        assert_eq!(lines[3], "warning: rule \\u{202e}x\\n");
        assert!(lines[5].starts_with("subnet NSG nsg\\r\\u{1b}[1m: Deny"));
        assert!(
            lines[8].contains("securityRules/\\u{1b}[2K\\rAllow"),
            "{}",
            lines[8]
        );
        let spec = FlowSpec {
            direction: "Inbound".into(),
            protocol: "Tcp".into(),
            local: "10.0.1.4:3389".into(),
            remote: "10.0.2.5:1234".into(),
            expect: None,
        };
        for outcome in [
            Outcome::Passed,
            Outcome::Skipped,
            Outcome::Failed(format!("expected Allow, got Deny by {crafted}")),
        ] {
            let line = check_line(&CheckRow {
                file: "web\u{1b}.json",
                title: None,
                index: 0,
                spec: &spec,
                verdict: &v,
                outcome: &outcome,
            });
            assert!(!line.contains('\u{1b}') && !line.contains('\r'), "{line}");
            assert!(line.contains("web\\u{1b}.json"), "{line}");
            assert!(
                line.contains("Deny by securityRules/\\u{1b}[2K\\rAllow (subnet NSG"),
                "{line}"
            );
        }
    }

    #[test]
    fn check_lines_say_pass_fail_or_skip() {
        let v = sample();
        let spec = FlowSpec {
            direction: "Inbound".into(),
            protocol: "Tcp".into(),
            local: "10.0.1.4:3389".into(),
            remote: "10.0.2.5:1234".into(),
            expect: Some(Expectation::access(Decision::Deny)),
        };
        fn row_of<'a>(
            spec: &'a FlowSpec,
            verdict: &'a Verdict,
            outcome: &'a Outcome,
        ) -> CheckRow<'a> {
            CheckRow {
                file: "web.json",
                title: Some("Web"),
                index: 3,
                spec,
                verdict,
                outcome,
            }
        }
        let row = |outcome| row_of(&spec, &v, outcome);
        assert_eq!(
            check_line(&row(&Outcome::Passed)),
            "PASS  web.json  flows[3]  Inbound Tcp 10.0.1.4:3389 <- 10.0.2.5:1234  Deny by securityRules/DenyRdpAll (subnet NSG nsg-web-subnet)  (uncertain)"
        );
        assert!(check_line(&row(&Outcome::Skipped)).starts_with("SKIP  web.json  flows[3]"));
        assert!(check_line(&row(&Outcome::Skipped)).ends_with("  (no expectation)"));
        let failed = Outcome::Failed("expected Allow, got Deny".into());
        let fail = check_line(&row(&failed));
        assert!(fail.starts_with("FAIL  ") && fail.ends_with("  - expected Allow, got Deny"));

        // JSON Lines: one compact object, with the outcome; pass is null when skipped.
        for (outcome, pass, word) in [
            (Outcome::Passed, json!(true), "passed"),
            (Outcome::Failed("why".into()), json!(false), "failed"),
            (Outcome::Skipped, json!(null), "skipped"),
        ] {
            let mut out = Vec::new();
            write_check_json(&mut out, &row_of(&spec, &v, &outcome)).unwrap();
            let text = String::from_utf8(out).unwrap();
            assert!(!text.contains('\n'), "{text}");
            let item: serde_json::Value = serde_json::from_str(&text).unwrap();
            assert_eq!(item["file"], "web.json");
            assert_eq!(item["title"], "Web");
            assert_eq!(item["index"], 3);
            assert_eq!(item["local"], "10.0.1.4:3389");
            assert_eq!(item["expect"], "Deny");
            assert_eq!(item["result"]["ruleName"], "securityRules/DenyRdpAll");
            assert_eq!(item["pass"], pass);
            assert_eq!(item["outcome"], word);
            assert_eq!(item.get("reason").is_some(), word == "failed");
        }
    }

    #[test]
    fn unknown_conditions_show_a_question_mark_and_warned_rules_a_mark() {
        let mut v = sample();
        v.notes = vec![Note::new(
            NoteKind::NsgsNotApplied,
            "Azure answers NsgsNotAppliedOnNic",
        )];
        let first = &mut v.trace[0].rules[0];
        first.conditions = [
            Condition::Holds,
            Condition::Unknown,
            Condition::Holds,
            Condition::Holds,
            Condition::Unknown,
        ];
        first.uncertain = true;
        first.warnings = vec!["rule AllowHttpFromInternet: host bits".into()];
        let text = verdict(&v);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[4], "note: Azure answers NsgsNotAppliedOnNic");
        let row = lines
            .iter()
            .find(|l| l.contains("AllowHttpFromInternet"))
            .unwrap();
        assert!(
            row.contains("securityRules/AllowHttpFromInternet [!]"),
            "{row}"
        );
        assert!(row.contains("✓  ?  ✓   ✓  ?   Uncertain: source"), "{row}");
        assert!(text.contains("\n  [!]: read with a warning"), "{text}");
        assert!(text.contains("\n  ?: could not be evaluated"), "{text}");
        // Without either, no legend.
        let plain = verdict(&sample());
        assert!(!plain.contains("[!]") && !plain.contains("?:"), "{plain}");
    }
}
