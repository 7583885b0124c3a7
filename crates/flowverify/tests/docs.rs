//! The project's own documents against the code. `docs/semantics.md` has a ruling for every
//! finding kind and every point of the short statement (`assumptions.rs`), and states the
//! default rules, the built-in tags and the risky services as the engine has them.
//! `docs/formats.md` lists every property of the scenario document, the search query and the
//! engine's JSON objects (result, reach, search, lint, diff, replay), and no other; and every
//! `data-testid` the page uses or its tests ask for, and no other. Links between the documents
//! resolve. Each check fails when the code and the document part.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use flowverify::import::{import, Content};
use flowverify::lint::{lint, Kind};
use flowverify::model::{Direction, RuleKind, RISKY};
use flowverify::replay::{judge, Replay};
use flowverify::search::{search, Query};
use flowverify::{ffi, verify, Decision, Flow, Inputs, Scenario};
use serde_json::{json, Value};

#[path = "support/markdown.rs"]
mod markdown;
use markdown::{section, table_keys};

const SEMANTICS: &str = include_str!("../../../docs/semantics.md");
const FORMATS: &str = include_str!("../../../docs/formats.md");
const ARCHITECTURE: &str = include_str!("../../../ARCHITECTURE.md");

/// The repository's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The headings of a Markdown document: level and text (fenced code skipped).
fn headings(doc: &str) -> Vec<(usize, &str)> {
    let mut fenced = false;
    let mut out = Vec::new();
    for line in doc.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        let level = line.bytes().take_while(|&b| b == b'#').count();
        if level > 0 && line.as_bytes().get(level) == Some(&b' ') {
            out.push((level, line[level + 1..].trim()));
        }
    }
    out
}

/// GitHub's anchor of a heading: lowercase, punctuation dropped, spaces to hyphens.
fn anchor(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == ' ' || *c == '-' || *c == '_')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(doc: &str) -> BTreeSet<String> {
    headings(doc).iter().map(|(_, h)| anchor(h)).collect()
}

/// The list a message gives after `marker`, up to its closing parenthesis.
fn listed_after(message: &str, marker: &str) -> Vec<String> {
    let (_, rest) = message
        .split_once(marker)
        .unwrap_or_else(|| panic!("'{marker}' not in: {message}"));
    let list = rest.split(')').next().unwrap_or_default();
    list.split(", ").map(str::to_string).collect()
}

/// The keys of a JSON object.
fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .cloned()
        .collect()
}

/// The keys of every object of a list, together.
fn keys_of_all(list: &Value) -> BTreeSet<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .flat_map(keys)
        .collect()
}

/// The text of a section before its first subsection.
fn own_text(section: &str) -> &str {
    let mut offset = 0;
    let mut fenced = false;
    for line in section.split_inclusive('\n') {
        if line.starts_with("```") {
            fenced = !fenced;
        }
        if !fenced && line.starts_with('#') {
            return &section[..offset];
        }
        offset += line.len();
    }
    section
}

/// `produced` (what the code writes) equals the keys of the table of `docs/formats.md`,
/// `title` (its subsections aside).
fn documented_exactly(title: &str, produced: &BTreeSet<String>) {
    let documented: BTreeSet<String> = table_keys(own_text(section(FORMATS, title)))
        .into_iter()
        .collect();
    let missing: Vec<_> = produced.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(produced).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "docs/formats.md, {title}: the code writes {missing:?} that the table lacks, and the \
         table lists {extra:?} that the code does not write"
    );
}

// ----- docs/semantics.md -----

/// Every finding kind. A new kind fails to compile here until it is listed (and documented).
fn kinds() -> [Kind; 5] {
    let all = [
        Kind::Shadowed,
        Kind::Preempted,
        Kind::Redundant,
        Kind::Exposure,
        Kind::Unresolved,
    ];
    for kind in all {
        match kind {
            Kind::Shadowed
            | Kind::Preempted
            | Kind::Redundant
            | Kind::Exposure
            | Kind::Unresolved => {}
        }
    }
    all
}

#[test]
fn every_finding_kind_is_a_ruling_and_a_value_of_kind() {
    let titles: Vec<&str> = headings(SEMANTICS).iter().map(|(_, h)| *h).collect();
    let kind_row = FORMATS
        .lines()
        .find(|l| l.starts_with("| `kind` |"))
        .expect("docs/formats.md, Findings, has a row for kind");
    for kind in kinds() {
        let word = kind.as_str();
        assert!(
            titles.contains(&word),
            "docs/semantics.md has no ruling '### {word}'"
        );
        assert!(
            !section(SEMANTICS, word).trim().is_empty(),
            "docs/semantics.md, {word}, is empty"
        );
        assert!(
            kind_row.contains(&format!("`{word}`")),
            "docs/formats.md, Findings: kind does not list `{word}`"
        );
    }
}

#[test]
fn every_point_of_the_short_statement_rests_on_rulings() {
    let statement = section(SEMANTICS, "The short statement");
    let points: Vec<&str> = flowverify::assumptions::ASSUMES
        .iter()
        .chain(flowverify::assumptions::WARNS)
        .map(|p| p.title)
        .collect();
    for title in &points {
        let start = statement
            .find(&format!("- **{title}**:"))
            .unwrap_or_else(|| {
                panic!("docs/semantics.md, The short statement, has no bullet for '{title}'")
            });
        // The bullet, with its continuation lines.
        let bullet = &statement[start..];
        let bullet = &bullet[..bullet.find("\n- ").unwrap_or(bullet.len())];
        assert!(
            bullet.contains("](#"),
            "docs/semantics.md, The short statement: '{title}' names no ruling"
        );
    }
    // And no bullet for a point the engine does not state.
    for line in statement.lines().filter(|l| l.starts_with("- **")) {
        let title = line
            .trim_start_matches("- **")
            .split("**")
            .next()
            .unwrap_or_default();
        assert!(
            points.contains(&title),
            "docs/semantics.md, The short statement: '{title}' is no point of assumptions.rs"
        );
    }
}

#[test]
fn links_between_the_documents_resolve() {
    let targets = [
        ("semantics.md", anchors(SEMANTICS)),
        ("formats.md", anchors(FORMATS)),
    ];
    for (name, doc, prefix) in [
        ("docs/semantics.md", SEMANTICS, ""),
        ("docs/formats.md", FORMATS, ""),
        ("ARCHITECTURE.md", ARCHITECTURE, "docs/"),
    ] {
        for piece in doc.split("](").skip(1) {
            let link = piece.split(')').next().unwrap_or_default();
            let (file, fragment) = match link.split_once('#') {
                Some((file, fragment)) => (file, fragment),
                None => continue,
            };
            let own = if name == "docs/semantics.md" {
                "semantics.md"
            } else {
                "formats.md"
            };
            let file = if file.is_empty() { own } else { file };
            let Some(file) = file.strip_prefix(prefix) else {
                continue;
            };
            if let Some((_, known)) = targets.iter().find(|(t, _)| *t == file) {
                assert!(
                    known.contains(fragment),
                    "{name}: the link {link} goes to no heading"
                );
            }
        }
    }
}

#[test]
fn the_default_rules_are_the_engines() {
    let nsg = r#"{"name": "nsg", "securityRules": [{"name": "AllowHttps", "properties": {
        "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
        "sourceAddressPrefix": "*", "sourcePortRange": "*",
        "destinationAddressPrefix": "*", "destinationPortRange": "443"}}]}"#;
    let Content::Nsg(nsg) = import("nsg.json", nsg).unwrap().into_content() else {
        panic!("an NSG");
    };
    let engine: BTreeSet<Vec<String>> = nsg
        .rules
        .iter()
        .filter(|r| r.kind == RuleKind::Default)
        .map(|r| {
            vec![
                r.name.clone(),
                r.direction.to_string(),
                r.priority.to_string(),
                r.source.to_string(),
                r.destination.to_string(),
                r.access.to_string(),
            ]
        })
        .collect();
    let documented: BTreeSet<Vec<String>> = section(SEMANTICS, "Default rules")
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|cell| cell.trim().trim_matches('`').to_string())
                .collect()
        })
        .collect();
    assert_eq!(engine.len(), 6, "the engine adds six default rules");
    assert_eq!(
        documented, engine,
        "docs/semantics.md, Default rules: the table differs from the rules the importer adds"
    );
}

#[test]
fn the_built_in_tags_are_the_engines() {
    let internet = section(SEMANTICS, "Internet");
    let documented: BTreeSet<String> = table_keys(internet).into_iter().collect();
    let engine: BTreeSet<String> = flowverify::tags::non_internet_v4()
        .map(|n| n.to_string())
        .collect();
    assert_eq!(
        documented, engine,
        "docs/semantics.md, Internet: the blocks outside it differ from tags::non_internet_v4"
    );
    assert!(internet.contains("`2000::/3`"));
    let is = |ip: &str| flowverify::tags::is_internet(ip.parse().unwrap());
    assert!(is("2000::") && is("3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
    assert!(!is("1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff") && !is("4000::"));
    let host = format!("`{}/32`", flowverify::tags::AZURE_HOST);
    for tag in ["VirtualNetwork", "AzureLoadBalancer"] {
        assert!(
            section(SEMANTICS, tag).contains(&host),
            "docs/semantics.md, {tag}, does not give {host}"
        );
    }
}

#[test]
fn the_risky_services_are_the_engines() {
    let documented = table_keys(section(SEMANTICS, "exposure"));
    let engine: Vec<String> = RISKY
        .iter()
        .map(|&(protocol, lo, hi)| {
            if lo == hi {
                format!("{protocol} {lo}")
            } else {
                format!("{protocol} {lo}-{hi}")
            }
        })
        .collect();
    assert_eq!(
        documented, engine,
        "docs/semantics.md, exposure: the risky services differ from model::RISKY"
    );
}

// ----- docs/formats.md: the scenario document and the query -----

/// The message of a scenario that cannot be read.
fn scenario_error(text: &str) -> String {
    Scenario::from_json("s.json", text).unwrap_err().to_string()
}

#[test]
fn the_scenario_properties_are_the_engines() {
    let scenario = listed_after(
        &scenario_error(r#"{"version": 1, "zzz": 1}"#),
        "a scenario has ",
    );
    let documented = table_keys(section(FORMATS, "Scenario properties"));
    assert_eq!(
        documented, scenario,
        "docs/formats.md, Scenario properties: not the properties a scenario has, in order"
    );
    // A baseline holds the slot properties: `subnetNsg` to `asgs`.
    let baseline = listed_after(
        &scenario_error(r#"{"version": 1, "baseline": {"zzz": 1}}"#),
        "a previous version: ",
    );
    let from = documented.iter().position(|k| k == "subnetNsg").unwrap();
    let to = documented.iter().position(|k| k == "asgs").unwrap();
    assert_eq!(baseline, documented[from..=to]);

    let flow = listed_after(
        &scenario_error(r#"{"version": 1, "flows": [{"zzz": 1}]}"#),
        "a flow has ",
    );
    assert_eq!(table_keys(section(FORMATS, "Scenario flows")), flow);
    let expect = listed_after(
        &scenario_error(
            r#"{"version": 1, "flows": [{"direction": "Inbound", "protocol": "Tcp",
            "local": "10.0.1.4:22", "remote": "203.0.113.7:5000",
            "expect": {"access": "Allow", "zzz": 1}}]}"#,
        ),
        "an expectation has ",
    );
    assert_eq!(table_keys(section(FORMATS, "Expectations")), expect);
}

#[test]
fn the_minimal_scenario_of_formats_md_checks() {
    let scenario = section(FORMATS, "Scenario document");
    let json = scenario
        .split("```json\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("a scenario in a json block");
    let scenario = Scenario::from_json("minimal.json", json).unwrap();
    let checks = scenario
        .into_checks("minimal.json", flowverify::Options::default())
        .unwrap();
    let mut tally = flowverify::Tally::default();
    for check in checks {
        tally.add(&check.outcome);
    }
    assert_eq!(tally.to_string(), "2 passed, 0 failed, 0 skipped");
}

#[test]
fn the_search_query_is_the_engines() {
    let err = ffi::search_query(&json!({"direction": "Inbound", "zzz": 1})).unwrap_err();
    let query = listed_after(&err, "a query has ");
    let written = format!("`{{{}}}`", query.join(", "));
    assert!(
        section(FORMATS, "The page's script interface").contains(&written),
        "docs/formats.md, The page's script interface, does not give the query as {written}"
    );
}

#[test]
fn the_permalink_and_the_input_bounds_are_the_engines() {
    let permalink = section(FORMATS, "Permalink");
    assert!(permalink.contains(&format!("#{}<payload>", flowverify::permalink::PREFIX)));
    let mib = flowverify::permalink::MAX_INFLATED >> 20;
    assert!(permalink.contains(&format!("{mib} MiB")));
    let input = flowverify::text::MAX_INPUT_BYTES >> 20;
    assert!(section(FORMATS, "Command line").contains(&format!("{input} MiB")));
}

// ----- docs/formats.md: the JSON objects -----

/// An NSG rule (REST shape) of the inbound direction, any source port.
fn rule(name: &str, priority: u32, access: &str, source: &str, port: &str) -> Value {
    json!({"name": name, "properties": {"priority": priority, "direction": "Inbound",
        "access": access, "protocol": "Tcp", "sourceAddressPrefix": source,
        "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": port}})
}

/// Inputs with a finding of every kind: an admin Deny of RDP preempts the NSG's Allow of it;
/// a corporate SSH rule is shadowed by SSH from anywhere, which is an exposure; a Deny of
/// 8080 that the default rules would give anyway is redundant; a tag no input defines is
/// unresolved.
fn inputs() -> Inputs {
    let admin = json!({"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkManagers/nm/securityAdminConfigurations/cfg/ruleCollections/rc/rules/DenyRdp",
        "name": "DenyRdp", "kind": "Custom", "properties": {"protocol": "Tcp",
        "sources": [{"addressPrefixType": "IPPrefix", "addressPrefix": "*"}],
        "destinations": [{"addressPrefixType": "IPPrefix", "addressPrefix": "*"}],
        "sourcePortRanges": ["0-65535"], "destinationPortRanges": ["3389"],
        "access": "Deny", "priority": 10, "direction": "Inbound"}});
    let nsg = json!({"name": "nsg-web", "type": "Microsoft.Network/networkSecurityGroups",
        "properties": {"securityRules": [
            rule("AllowSshAll", 100, "Allow", "*", "22"),
            rule("AllowSshCorp", 200, "Allow", "10.0.0.0/8", "22"),
            rule("AllowRdp", 300, "Allow", "*", "3389"),
            rule("DenyWeb", 400, "Deny", "203.0.113.0/24", "8080"),
            rule("AllowMonitor", 500, "Allow", "AzureMonitor", "9999"),
            rule("AllowOdd", 600, "Allow", "10.0.0.5/24", "7000")]}});
    let scenario = json!({"version": 1, "adminRules": [{"value": [admin]}], "nicNsg": nsg});
    Scenario::from_value("s.json", scenario)
        .unwrap()
        .inputs("s.json")
        .unwrap()
}

#[test]
fn the_result_object_is_documented_exactly() {
    // Inbound Tcp 9999 from outside: AllowMonitor names an undefined tag (uncertain, unknown
    // source), AllowOdd was read with a warning (host bits), DenyAllInBound decides.
    let inputs = inputs();
    let flow = Flow::parse("Inbound", "Tcp", "10.0.1.4:9999", "198.51.100.7:50000").unwrap();
    let result = ffi::result(&verify(&inputs, &flow));
    assert_eq!(result["uncertain"], true, "{result}");
    documented_exactly("Result properties", &keys(&result));
    documented_exactly("decidedBy object", &keys(&result["decidedBy"]));
    documented_exactly("Path steps", &keys_of_all(&result["path"]));
    documented_exactly("Evaluated flow", &keys(&result["flow"]));
    documented_exactly("Trace layers", &keys_of_all(&result["trace"]));
    let rules: Value = result["trace"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|layer| layer["rules"].as_array().unwrap().clone())
        .collect();
    documented_exactly("Trace rules", &keys_of_all(&rules));
}

#[test]
fn the_reach_search_lint_and_diff_objects_are_documented_exactly() {
    let inputs = inputs();
    let mut reach = flowverify::reach::reach(&inputs, Direction::Inbound).unwrap();
    let reach = ffi::reach(&mut reach);
    documented_exactly("Reach object", &keys(&reach));
    documented_exactly("Regions", &keys_of_all(&reach["regions"]));
    let boxes: Value = reach["regions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["flows"].as_array().unwrap().clone())
        .collect();
    documented_exactly("Box properties", &keys_of_all(&boxes));

    let query = Query {
        destination_ports: Query::ports("22").unwrap(),
        access: Some(Decision::Allow),
        ..Query::new(Direction::Inbound)
    };
    let mut found = search(&inputs, &query).unwrap();
    documented_exactly("Search object", &keys(&ffi::found(&inputs, &mut found)));

    let findings = lint(&inputs).unwrap();
    let found_kinds: BTreeSet<&str> = findings.iter().map(|f| f.kind.as_str()).collect();
    let all: BTreeSet<&str> = kinds().iter().map(|k| k.as_str()).collect();
    assert_eq!(found_kinds, all, "the inputs have a finding of every kind");
    let lint = ffi::findings(&findings);
    documented_exactly("Lint object", &keys(&lint));
    documented_exactly("Findings", &keys_of_all(&lint["findings"]));

    let before = Inputs::new();
    let mut diff = flowverify::diff::diff(&before, &inputs, &[Direction::Inbound]).unwrap();
    let diff = ffi::diff(&mut diff);
    documented_exactly("Diff object", &keys(&diff));
    documented_exactly("Changes", &keys_of_all(&diff["changes"]));
    let sides: Value = diff["changes"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| [c["before"].clone(), c["after"].clone()])
        .collect();
    documented_exactly("Verdict sides", &keys_of_all(&sides));
}

#[test]
fn the_replay_object_is_documented_exactly() {
    let log = r#"{"records": [{"category": "NetworkSecurityGroupFlowEvent",
      "properties": {"Version": 2, "flows": [{"rule": "UserRule_AllowSsh", "flows": [{
        "mac": "000D3AF87856", "flowTuples": [
          "1542110402,203.0.113.7,10.0.1.4,50000,8080,T,I,A,B,,,,",
          "1542110404,203.0.113.8,10.0.1.4,50001,22,T,I,A,E,5,500,4,400"]}]}]}}]}"#;
    let mut replay = Replay::new();
    replay.read("PT1H.json", log).unwrap();
    let report = replay.verify(5, judge(&inputs())).to_json();
    documented_exactly("Replay object", &keys(&report));
    documented_exactly("Replay groups", &keys_of_all(&report["groups"]));
}

// ----- docs/formats.md: the page's test hooks -----

/// Every file under `dir` whose name ends with `ext`, `node_modules` aside.
fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.file_name().is_some_and(|n| n == "node_modules") {
            continue;
        }
        if path.is_dir() {
            files(&path, ext, out);
        } else if path.to_string_lossy().ends_with(ext) {
            out.push(path);
        }
    }
}

/// The string literals of a line of Rust (`"x"`, and `\"x\"` inside a literal of HTML).
fn literals(text: &str) -> Vec<String> {
    let text = text.replace("\\\"", "\"");
    text.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// Whether `id` can be a test id (made of lowercase letters, digits, hyphens, and `{}` for a
/// number).
fn is_id(id: &str) -> bool {
    !id.is_empty()
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '{' | '}'))
}

/// A test id with its number written `N` (`slot-admin-rules-2`, `slot-admin-rules-{}`).
fn normal(id: &str) -> String {
    let id = id.replace("{}", "N");
    match id.rsplit_once('-') {
        Some((stem, n)) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => {
            format!("{stem}-N")
        }
        _ => id,
    }
}

/// `sourcePort` as a search field's test id ends: `source-port`.
fn kebab(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_uppercase() {
            out.push('-');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The test ids the page's code makes: `data-testid` attributes with a literal (or an
/// expression holding one), the lists of `listed(class, test_id, ...)`, the flow form's
/// `Choice`/`TextInput` ids, the slots' ids and their file pickers (`{id}-file`), and the
/// search form's fields (`search-` and the field's name).
fn page_ids() -> BTreeSet<String> {
    let mut sources = Vec::new();
    files(&root().join("src"), ".rs", &mut sources);
    assert!(
        sources.len() > 10,
        "the page's sources are at {}",
        root().display()
    );
    let mut ids = BTreeSet::new();
    let mut slots = Vec::new();
    for path in &sources {
        let text = std::fs::read_to_string(path).unwrap();
        let plain = text.replace("\\\"", "\"");
        // `data-testid="x"`, `data-testid=\"x\"`, `data-testid=expr(... "x" ...)`.
        for piece in plain.split("data-testid=").skip(1) {
            let value = if let Some(rest) = piece.strip_prefix('"') {
                rest.split('"').next().map(str::to_string)
            } else {
                // An expression: up to the first space outside its parentheses.
                let mut depth = 0usize;
                let end = piece
                    .char_indices()
                    .find(|&(_, c)| {
                        match c {
                            '(' => depth += 1,
                            ')' => depth = depth.saturating_sub(1),
                            _ => {}
                        }
                        depth == 0 && (c.is_whitespace() || c == '>')
                    })
                    .map_or(piece.len(), |(i, _)| i);
                let expr = &piece[..end];
                expr.contains('(')
                    .then(|| literals(expr).into_iter().next())
                    .flatten()
            };
            // A template (`search-{}`) is made by a rule below.
            if let Some(id) = value.filter(|v| is_id(v) && !v.contains('{')) {
                ids.insert(normal(&id));
            }
        }
        // `listed("class", "test-id", ...)`.
        for piece in plain.split("listed(").skip(1) {
            let args: Vec<String> = literals(piece.split(')').next().unwrap_or_default());
            let head = piece.trim_start();
            if head.starts_with('"') {
                if let Some(id) = args.get(1).filter(|v| is_id(v)) {
                    ids.insert(id.clone());
                }
            }
        }
        for line in plain.lines() {
            if line.contains("<Choice") || line.contains("<TextInput") {
                for piece in line.split(" id=\"").skip(1) {
                    let id = piece.split('"').next().unwrap_or_default();
                    if is_id(id) {
                        ids.insert(id.to_string());
                    }
                }
            }
        }
        if path.ends_with("workbench.rs") {
            for literal in plain.lines().flat_map(literals) {
                if literal.starts_with("slot-") && is_id(&literal) {
                    slots.push(normal(&literal));
                }
            }
        }
        if path.ends_with("analysis.rs") && plain.contains("data-testid=\"search-{") {
            for call in ["field(", "choice("] {
                for piece in plain.split(call).skip(1) {
                    if let Some(name) = literals(piece).into_iter().next() {
                        if piece.trim_start().starts_with('"') && !name.contains(' ') {
                            ids.insert(format!("search-{}", kebab(&name)));
                        }
                    }
                }
            }
        }
    }
    let file_pickers = sources
        .iter()
        .any(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains("format!(\"{id}-file\")")));
    for slot in slots {
        if file_pickers {
            ids.insert(format!("{slot}-file"));
        }
        ids.insert(slot);
    }
    ids
}

/// The test ids the end-to-end tests and the page benchmark ask for.
fn e2e_ids() -> BTreeSet<String> {
    let mut scripts = Vec::new();
    files(&root().join("tests/e2e"), ".mjs", &mut scripts);
    assert!(!scripts.is_empty(), "the end-to-end tests are in tests/e2e");
    let mut ids = BTreeSet::new();
    for path in scripts {
        let text = std::fs::read_to_string(path).unwrap();
        for (marker, ends) in [
            ("getByTestId('", '\''),
            ("getByTestId(\"", '"'),
            ("[data-testid=", ']'),
        ] {
            for piece in text.split(marker).skip(1) {
                let id = piece.split(ends).next().unwrap_or_default();
                let id = id.trim_matches(['\'', '"']);
                if is_id(id) {
                    ids.insert(normal(id));
                }
            }
        }
    }
    ids
}

#[test]
fn every_test_id_of_the_page_is_documented_and_every_documented_one_exists() {
    let documented: BTreeSet<String> = table_keys(section(FORMATS, "The page's test hooks"))
        .iter()
        .map(|id| normal(id))
        .collect();
    let page = page_ids();
    let asked = e2e_ids();
    let undocumented: Vec<_> = page
        .union(&asked)
        .filter(|id| !documented.contains(*id))
        .collect();
    assert!(
        undocumented.is_empty(),
        "docs/formats.md, The page's test hooks, lacks {undocumented:?}"
    );
    let unknown: Vec<_> = documented
        .iter()
        .filter(|id| !page.contains(*id) && !asked.contains(*id))
        .collect();
    assert!(
        unknown.is_empty(),
        "docs/formats.md, The page's test hooks, lists {unknown:?}, which the page does not make"
    );
}
