//! Every flow at once (`docs/formats.md`, The page's script interface, Reach object to Diff
//! object), as the page's analysis worker runs it: reachability, findings, search and the
//! comparison with a baseline, answered as the engine's JSON objects (for `window.flowverify`) or
//! as the Analysis area's HTML (for the page).
//!
//! This code runs only in the analysis worker (`src/bin/analysis_worker.rs`), a second
//! WebAssembly module the page loads when the analysis is first needed: the page's own module
//! never calls it, so none of it (nor the engine's flow sets) is in the first-load download.
//!
//! # Messages
//!
//! Both ways, a message is one JSON text.
//!
//! To the worker: `{"id": N, "kind": K, ...}` where K is
//! - `reach` (`scenario`, `direction`), `lint` (`scenario`), `search` (`scenario`, `query`),
//!   `diff` (`before`, `after`, optional `direction`): answered by one `result` (`value`: the
//!   object of `docs/formats.md`) or one `error` (`message`: the command line's text);
//! - `replay` (`scenario`, `logs`: the log files' texts): the replay object (see
//!   [`crate::replay`], which also has the page's replay, a job of its own worker);
//! - `verdicts` (`scenario`, `count`): a measurement for the page benchmark (`bench.mjs`):
//!   `count` flows drawn from the scenario's rules verified with the compiled verdicts
//!   (`flowverify::replay::judge`), answered with `{"verdicts", "compileMs", "verifyMs",
//!   "allowed"}`;
//! - `memory`: another measurement for the page benchmark: `{"bytes"}`, the worker's
//!   WebAssembly memory (it only grows: after a job, its peak);
//! - `page` (`workbench`: the page's work as autosaved, `query`: the search form or null,
//!   `widen`: about every local address rather than the VM's):
//!   answered by `progress` messages (`stage`, `done`, `total`) as it goes, a `view` message
//!   (`part`, `html`) per part of the Analysis area, then `done`;
//! - `cancel` (`of`: an id): a job runs to its end once started (a page whose job is stale
//!   terminates the worker and starts another); a job made of steps (a flow-log replay) reads
//!   messages between its steps and stops at a `cancel`.
//!
//! From the worker, first `{"id": 0, "kind": "ready"}`, then the answers, each with the `id`
//! of its request. Every message is a type of [`protocol`]: no other module reads or writes
//! their fields.

use std::fmt::Write as _;

use flowverify::grid::LocalSide;
use flowverify::lint::Finding;
use flowverify::model::Direction;
use flowverify::scenario::Scenario;
use flowverify::{ffi, Decision, Flow, Inputs};
use ipnet::IpNet;
use serde_json::{json, Value};

use crate::workbench::Workbench;
use protocol::{Answer, Request};

pub mod protocol;
mod views;
pub use views::{decider, esc, load_button, FINDINGS_SHOWN, GROUPS_SHOWN, ROWS_MORE, ROWS_SHOWN};
use views::{inputs_problem, too_large_html};

/// The parts of the Analysis area the `page` job fills (element `analysis-PART`).
pub const PARTS: [&str; 6] = [
    "scope", "overview", "reach", "findings", "search", "compare",
];

/// What the worker remembers between `page` jobs, so that a new search does not analyse the
/// same inputs again, nor a new baseline.
#[derive(Debug, Default)]
pub struct State {
    /// The inputs and local side of the last analysis (the work without title, flows and
    /// baseline) and its parts (scope, overview, reach, findings).
    inputs: Option<(Workbench, LocalSide, [String; 4])>,
    /// The baseline compared last, with the inputs, and the part.
    compare: Option<(Workbench, Option<Value>, String)>,
    /// The query searched last, with the inputs, and the part.
    search: Option<(Workbench, Value, String)>,
}

/// Handles one message `text`; `post` sends each answer.
pub fn handle(state: &mut State, text: &str, post: &mut dyn FnMut(String)) {
    let request = match Request::parse(text) {
        Ok(r) => r,
        Err(e) => return post(error(0, &e)),
    };
    let id = request.id();
    let outcome = match &request {
        Request::Reach {
            scenario,
            direction,
            ..
        } => reach_object(scenario, direction),
        Request::Lint { scenario, .. } => lint_object(scenario).map(|v| v.to_string()),
        Request::Search {
            scenario, query, ..
        } => search_object(scenario, query),
        Request::Diff {
            before,
            after,
            direction,
            ..
        } => diff_object(before, after, direction),
        Request::Replay { scenario, logs, .. } => {
            crate::replay::script_object(scenario, logs).map(|v| v.to_string())
        }
        Request::Verdicts {
            scenario, count, ..
        } => verdicts_object(scenario, count).map(|v| v.to_string()),
        Request::Memory { .. } => Ok(json!({"bytes": memory_bytes()}).to_string()),
        Request::Page {
            workbench,
            query,
            widen,
            ..
        } => return page(state, id, workbench, query, *widen, post),
        Request::Cancel { .. } => return,
    };
    post(match outcome {
        // The value is JSON already (written as it was made, never a `Value` tree: a reach
        // object is tens of megabytes).
        Ok(value) => protocol::result(id, value),
        Err(message) => error(id, &message),
    });
}

/// The `ready` message: the worker has started.
pub fn ready() -> String {
    Answer::Ready { id: 0 }.text()
}

fn error(id: u64, message: &str) -> String {
    Answer::Error { id, message }.text()
}

/// The inputs of a scenario document given as a value; `source` names it in errors.
fn inputs_of(source: &str, value: &Value) -> Result<Inputs, String> {
    let scenario = Scenario::from_value(source, value.clone()).map_err(|e| e.to_string())?;
    scenario.inputs(source).map_err(|e| e.to_string())
}

fn direction_of(value: &Value) -> Result<Direction, String> {
    let text = value.as_str().unwrap_or_default();
    text.parse::<Direction>().map_err(|e| e.to_string())
}

/// The local side `window.flowverify.reach` covers: the network interface document's
/// addresses when one is given, else any address (as `flowverify reach` without `--local`).
pub fn local_addresses(inputs: &Inputs) -> Vec<IpNet> {
    LocalSide::of(inputs, &[]).nets
}

/// JSON written by `write` (one of `ffi`'s writers), as text.
fn written(
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<String, String> {
    let mut out = Vec::new();
    write(&mut out).map_err(|e| e.to_string())?;
    String::from_utf8(out).map_err(|e| e.to_string())
}

/// `window.flowverify.reach(scenario, direction)`: the reach object (`docs/formats.md`, Reach
/// object), as JSON.
pub fn reach_object(scenario: &Value, direction: &Value) -> Result<String, String> {
    let direction = direction_of(direction)?;
    let inputs = inputs_of(crate::script::SOURCE, scenario)?;
    let local = local_addresses(&inputs);
    let reach =
        flowverify::reach::reach_within(&inputs, direction, &local).map_err(|e| e.to_string())?;
    written(ffi::reach_writer(reach).map_err(|e| e.to_string())?)
}

/// `window.flowverify.lint(scenario)`: `{"findings": [...]}`.
pub fn lint_object(scenario: &Value) -> Result<Value, String> {
    let inputs = inputs_of(crate::script::SOURCE, scenario)?;
    let findings = flowverify::lint::lint(&inputs).map_err(|e| e.to_string())?;
    Ok(ffi::findings(&findings))
}

/// `window.flowverify.search(scenario, query)`: `{"found": ..., "result", "flows"}`, as JSON.
pub fn search_object(scenario: &Value, query: &Value) -> Result<String, String> {
    let query = ffi::search_query(query)?;
    let inputs = inputs_of(crate::script::SOURCE, scenario)?;
    let found = flowverify::search::search(&inputs, &query).map_err(|e| format!("query: {e}"))?;
    let write = ffi::found_writer(inputs, found).map_err(|e| e.to_string())?;
    written(|out| write(out).map(|_| ()))
}

/// `window.flowverify.diff(before, after)`: `{"changes": [...]}`, both directions unless one
/// is given, as JSON.
pub fn diff_object(before: &Value, after: &Value, direction: &Value) -> Result<String, String> {
    let directions = match direction {
        Value::Null => vec![Direction::Inbound, Direction::Outbound],
        d => vec![direction_of(d)?],
    };
    let (old, new) = (inputs_of("before", before), inputs_of("after", after));
    let (old, new) = match (old, new) {
        (Ok(o), Ok(n)) => (o, n),
        (o, n) => {
            let errors: Vec<String> = [o.err(), n.err()].into_iter().flatten().collect();
            return Err(errors.join("\n"));
        }
    };
    let d = flowverify::diff::diff(&old, &new, &directions).map_err(|e| e.to_string())?;
    written(ffi::diff_writer(d).map_err(|e| e.to_string())?)
}

/// The bytes of the module's memory (WebAssembly memory only grows: after a job, its peak),
/// for the `memory` measurement of the page benchmark; 0 natively.
#[cfg(target_arch = "wasm32")]
fn memory_bytes() -> f64 {
    use wasm_bindgen::JsCast;
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map(|m| f64::from(js_sys::ArrayBuffer::from(m.buffer()).byte_length()))
        .unwrap_or(0.0)
}

#[cfg(not(target_arch = "wasm32"))]
fn memory_bytes() -> f64 {
    0.0
}

/// Milliseconds, for the `verdicts` measurement.
#[cfg(target_arch = "wasm32")]
fn clock() -> f64 {
    js_sys::Date::now()
}

#[cfg(not(target_arch = "wasm32"))]
fn clock() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// The `verdicts` measurement (for `bench.mjs`): `count` flows (at most 10,000,000) drawn as
/// the engine's compiled-verdict benchmark draws them (`benches/compiled.rs`: local
/// 10.0.0-3.x, remote from the Internet, 198.51.x.7 or 10.x), verified with the compiled
/// verdicts; the time to compile and to verify them all, in ms.
///
/// ```
/// use flowverify_web::analysis::verdicts_object;
/// let answer = verdicts_object(&serde_json::json!({"version": 1}), &serde_json::json!(1000)).unwrap();
/// assert_eq!((answer["verdicts"].as_u64(), answer["allowed"].as_u64()), (Some(1000), Some(1000)));
/// ```
pub fn verdicts_object(scenario: &Value, count: &Value) -> Result<Value, String> {
    let count = count.as_u64().unwrap_or(100_000).min(10_000_000);
    let inputs = inputs_of(crate::script::SOURCE, scenario)?;
    let mut state: u64 = 0x5eed_f10e;
    let mut below = |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let flows: Vec<Flow> = (0..count)
        .filter_map(|_| {
            let direction = if below(2) == 0 { "Inbound" } else { "Outbound" };
            let protocol = ["Tcp", "Udp"][below(2) as usize];
            let local = format!("10.0.{}.{}:{}", below(4), 4 + below(200), 1 + below(65000));
            let remote = match below(3) {
                0 => format!("203.0.{}.{}:{}", below(256), below(256), 1 + below(65000)),
                1 => format!("198.51.{}.7:{}", below(256), 1 + below(65000)),
                _ => format!("10.{}.{}.9:{}", below(4), below(256), 1 + below(65000)),
            };
            Flow::parse(direction, protocol, &local, &remote).ok()
        })
        .collect();
    let t0 = clock();
    let compiled = flowverify::compiled::Compiled::new(&inputs);
    let t1 = clock();
    let allowed = flows
        .iter()
        .filter(|f| compiled.verdict(f).access == Decision::Allow)
        .count();
    let t2 = clock();
    Ok(
        json!({"verdicts": flows.len(), "compileMs": t1 - t0, "verifyMs": t2 - t1, "allowed": allowed}),
    )
}

/// The work's inputs alone: what the analysis depends on (not the flows, title or baseline).
fn inputs_only(w: &Workbench) -> Workbench {
    Workbench {
        title: String::new(),
        flows: Vec::new(),
        selected: 0,
        baseline: None,
        ..w.clone()
    }
}

/// The `page` job: every part of the Analysis area, a part computed again only when what it
/// depends on changed.
fn page(
    state: &mut State,
    id: u64,
    workbench: &Value,
    query: &Value,
    widen: bool,
    post: &mut dyn FnMut(String),
) {
    let work = Workbench::from_value(workbench).unwrap_or_default();
    let query = match query {
        Value::Object(q) => Some(Value::Object(q.clone())),
        _ => None,
    };
    let scenario = work.to_scenario().scenario;
    let inputs = scenario.inputs(crate::script::SOURCE);
    let local = match (&inputs, widen) {
        (Ok(inputs), false) => {
            let flows: Vec<Flow> = scenario
                .flows
                .iter()
                .filter_map(|f| f.to_flow().ok())
                .collect();
            LocalSide::of(inputs, &flows)
        }
        _ => LocalSide::any(),
    };
    let inputs_key = inputs_only(&work);
    let view = |post: &mut dyn FnMut(String), part: &str, html: &str| {
        post(Answer::View { id, part, html }.text());
    };
    let fresh_inputs = state.inputs.as_ref().map(|(k, l, _)| (k, l)) != Some((&inputs_key, &local));
    let fresh_compare =
        state.compare.as_ref().map(|(k, b, _)| (k, b)) != Some((&inputs_key, &work.baseline));
    let fresh_search = query.is_some()
        && state.search.as_ref().map(|(k, q, _)| (k, Some(q)))
            != Some((&inputs_key, query.as_ref()));
    let total = 3 * u64::from(fresh_inputs) + u64::from(fresh_compare) + u64::from(fresh_search);
    let mut done = 0;
    let mut progress = |post: &mut dyn FnMut(String), stage: &str| {
        post(
            Answer::Progress {
                id,
                stage,
                done,
                total,
            }
            .text(),
        );
        done += 1;
    };
    if fresh_inputs {
        let parts = match &inputs {
            Ok(inputs) => {
                let mut steps = |stage: &str| progress(post, stage);
                analyse(inputs, &local, &mut steps)
            }
            Err(e) => {
                let problem = inputs_problem(&e.to_string());
                [String::new(), problem.clone(), problem.clone(), problem]
            }
        };
        state.inputs = Some((inputs_key.clone(), local, parts));
    }
    if let Some((_, _, parts)) = &state.inputs {
        for (part, html) in PARTS.iter().zip(parts) {
            view(post, part, html);
        }
    }
    if fresh_compare {
        progress(post, "comparison with the baseline");
        let html = compare_html(&scenario, inputs.as_ref().ok(), work.baseline.as_ref());
        state.compare = Some((inputs_key.clone(), work.baseline.clone(), html));
    }
    if let Some((_, _, html)) = &state.compare {
        view(post, "compare", html);
    }
    match query {
        Some(query) => {
            if fresh_search {
                progress(post, "search");
                let html = match &inputs {
                    Ok(inputs) => search_html(inputs, &query),
                    Err(e) => inputs_problem(&e.to_string()),
                };
                state.search = Some((inputs_key, query, html));
            }
            if let Some((_, _, html)) = &state.search {
                view(post, "search", html);
            }
        }
        None => view(post, "search", SEARCH_HINT),
    }
    post(
        Answer::Done {
            id,
            ok: None,
            message: None,
            tuples: None,
            flows: None,
        }
        .text(),
    );
}

/// The parts that depend on the inputs and the local side: the scope line, the Overview (a
/// grid per direction and the counts), Reachability and Findings. `step` hears each stage.
pub fn analyse(inputs: &Inputs, local: &LocalSide, step: &mut dyn FnMut(&str)) -> [String; 4] {
    // One space's atoms for both directions; each direction's findings read from its reach,
    // which goes before the next one's is made.
    let mut space = flowverify::flowset::FlowSpace::builder()
        .inputs(inputs)
        .nets(&local.nets)
        .build();
    let place = views::local_words(inputs, &mut space, local);
    let (mut grids, mut reach, mut counts) = (String::new(), String::new(), Vec::new());
    // Each finding with the rule its example's trace shows deciding (found in the reach).
    let mut findings: Result<Vec<(Finding, Option<String>)>, _> =
        Ok(flowverify::lint::unresolved(inputs)
            .into_iter()
            .map(|f| (f, None))
            .collect());
    for (direction, stage) in [
        (Direction::Inbound, "inbound"),
        (Direction::Outbound, "outbound"),
    ] {
        step(stage);
        // Every flow of the direction, for the findings (a rule is judged on all its flows);
        // then the VM's flows of it, for the picture and the table.
        let walked = flowverify::reach::reach_in(space.clone(), inputs, direction, &[]).and_then(
            |mut every| {
                let more = flowverify::lint::findings_of(inputs, &mut every)?;
                let more = more
                    .into_iter()
                    .map(|f| {
                        let decider = f.example.as_ref().and_then(|e| {
                            every
                                .regions
                                .iter()
                                .find(|r| every.space.contains(r.flows, e))
                                .and_then(|r| r.rule_name.clone())
                        });
                        (f, decider)
                    })
                    .collect::<Vec<_>>();
                Ok((every, more))
            },
        );
        match walked {
            Ok((every, more)) => {
                if let Ok(found) = &mut findings {
                    found.extend(more);
                }
                // The space was made for the VM's addresses: the cut is always possible.
                let Some(mut r) = every.narrowed(&local.nets) else {
                    continue;
                };
                let grid = flowverify::grid::grid(inputs, &mut r);
                grids.push_str(&views::grid_html(&grid, &r.regions, local, &place));
                counts.push((direction, r.regions.len()));
                reach.push_str(&views::reach_html(inputs, &mut r));
            }
            Err(e) => {
                let html = too_large_html(&e);
                grids.push_str(&html);
                reach.push_str(&html);
                findings = Err(e);
            }
        }
    }
    step("findings");
    let findings = findings.map(|mut f| {
        f.sort_by_key(|(f, _)| f.severity());
        f
    });
    let (findings_part, listed) = match &findings {
        Ok(f) => (
            views::findings_html(f),
            Some(f.iter().map(|(f, _)| f.clone()).collect::<Vec<_>>()),
        ),
        Err(e) => (too_large_html(e), None),
    };
    let overview = format!(
        "{}{grids}{}",
        views::counts_html(&counts, listed.as_deref()),
        views::LEGEND
    );
    [views::scope_html(&place), overview, reach, findings_part]
}

const SEARCH_HINT: &str = "<p class=\"help\">Give what the flow must match (an empty field \
    matches anything) and the verdict wanted: the search finds one such flow, or proves that \
    none exists.</p>";

/// The query of the search form: its fields by their long names, empty ones left out.
fn form_query(query: &Value) -> Value {
    let mut q = serde_json::Map::new();
    if let Value::Object(fields) = query {
        for (k, v) in fields {
            if v.as_str().is_some_and(|s| !s.trim().is_empty()) {
                q.insert(k.clone(), v.clone());
            }
        }
    }
    Value::Object(q)
}

/// The search form's result: `Found` with the flow and its verdict (loadable) and every flow
/// found, or `None` with the proof; a query that cannot be read says why.
pub fn search_html(inputs: &Inputs, query: &Value) -> String {
    let query = match ffi::search_query(&form_query(query)) {
        Ok(q) => q,
        Err(e) => {
            return format!(
                "<p class=\"note bad\" data-testid=\"search-error\">{}</p>",
                esc(&e)
            )
        }
    };
    let mut found = match flowverify::search::search(inputs, &query) {
        Ok(f) => f,
        Err(e) => {
            return format!(
                "<p class=\"note bad\" data-testid=\"search-error\">query: {}</p>",
                esc(&e.to_string())
            )
        }
    };
    let Some(example) = found.example() else {
        return format!(
            "<div class=\"search-result none\" data-testid=\"search-result\"><p>{}.</p></div>",
            esc(&query.none_words())
        );
    };
    let verdict = flowverify::verify(inputs, &example);
    let who = decider(
        verdict.rule_name.as_deref(),
        verdict.decided_by.layer,
        verdict.decided_by.resource.as_deref(),
    );
    let mut out = format!(
        "<div class=\"search-result found\" data-testid=\"search-result\"><p>Found: {} {} · {}</p>{}",
        verdict.access,
        esc(&example.to_string()),
        esc(&who),
        load_button(&example, "Load", verdict.rule_name.as_deref())
    );
    let direction = found.reach.direction;
    let words = found
        .reach
        .space
        .box_words(inputs, found.flows, direction, ROWS_SHOWN, false);
    out.push_str("<p class=\"help\">Every flow of the query with that verdict:</p><ul>");
    for (line, _) in &words.shown {
        let _ = write!(out, "<li>{}</li>", esc(&line.to_string()));
    }
    let more = words.total.saturating_sub(words.shown.len() as u128);
    if more > 0 {
        let _ = write!(out, "<li class=\"more\">and {more} more sets of flows</li>");
    }
    out.push_str("</ul></div>");
    out
}

/// The baseline of the work as a scenario (its `baseline` value read as the scenario document
/// reads it).
pub fn baseline_scenario(baseline: &Value) -> Result<Scenario, String> {
    // Built by hand, not with `json!` (which would bring a serializer of values into the
    // page's module).
    let mut doc = serde_json::Map::new();
    doc.insert("version".into(), Value::from(1));
    doc.insert("baseline".into(), baseline.clone());
    let scenario =
        Scenario::from_value("scenario", Value::Object(doc)).map_err(|e| e.to_string())?;
    Ok(scenario.baseline.map(|b| *b).unwrap_or_default())
}

/// The Compare view: what changed since the baseline, each change with both verdicts, its
/// flows in words and an example to load.
pub fn compare_html(
    scenario: &Scenario,
    inputs: Option<&Inputs>,
    baseline: Option<&Value>,
) -> String {
    let Some(baseline) = baseline else {
        return "<p class=\"help\">No baseline yet. \u{201c}Set as baseline\u{201d} keeps the current \
                inputs; after a change, this shows every flow whose verdict changed since then. The \
                baseline travels in the permalink and the downloaded scenario: the review of a change \
                request, in one link.</p>"
            .into();
    };
    let clear = "<button type=\"button\" class=\"button quiet\" data-action=\"clear-baseline\" \
                 data-testid=\"clear-baseline\">Clear the baseline</button>";
    let body = match (baseline_scenario(baseline), inputs) {
        (Err(e), _) => format!(
            "<p class=\"note bad\">The baseline cannot be read: {}</p>",
            esc(&e)
        ),
        (_, None) => {
            "<p class=\"note bad\">The inputs have an error: fix them to compare.</p>".into()
        }
        (Ok(before), Some(after)) => match before.inputs("baseline") {
            Err(e) => format!(
                "<p class=\"note bad\">The baseline cannot be read: {}</p>",
                esc(&e.to_string())
            ),
            Ok(old) => changes_html(&old, after),
        },
    };
    let _ = scenario;
    format!("<div class=\"compare-changes\" data-testid=\"compare-changes\">{body}</div>{clear}")
}

fn changes_html(before: &Inputs, after: &Inputs) -> String {
    let mut d =
        match flowverify::diff::diff(before, after, &[Direction::Inbound, Direction::Outbound]) {
            Ok(d) => d,
            Err(e) => return too_large_html(&e),
        };
    if d.changes.is_empty() {
        return "<p>No change since the baseline: every flow has the verdict it had.</p>".into();
    }
    let n = d.changes.len();
    let mut out = format!(
        "<p>{n} change{} since the baseline:</p><ul class=\"changes\">",
        if n == 1 { "" } else { "s" }
    );
    let side = |s: &flowverify::diff::Side| {
        format!(
            "{} by {}",
            s.access,
            decider(s.rule_name.as_deref(), s.layer, s.resource.as_deref())
        )
    };
    for c in d.changes.clone() {
        let listed = d
            .space
            .box_words(after, c.flows, c.direction, ROWS_SHOWN, false);
        let mut words: Vec<String> = listed.shown.iter().map(|(w, _)| w.to_string()).collect();
        let more = listed.total.saturating_sub(listed.shown.len() as u128);
        if more > 0 {
            words.push(format!("and {more} more sets of flows"));
        }
        let example = d.space.example(c.flows, c.direction);
        let _ = write!(
            out,
            "<li class=\"change {}\" data-testid=\"change\"><span>{}: was <strong>{}</strong>, now \
             <strong>{}</strong> · {}</span>{}</li>",
            c.after.access.as_str().to_ascii_lowercase(),
            c.direction,
            esc(&side(&c.before)),
            esc(&side(&c.after)),
            esc(&words.join("; ")),
            example
                .map(|e| load_button(&e, "Load", c.after.rule_name.as_deref()))
                .unwrap_or_default()
        );
    }
    out.push_str("</ul>");
    out
}

/// The Analysis area's frame: what it is about (with the control that widens it), the tabs,
/// and a panel per tab with where its part goes (the search form, the baseline's button, the
/// replay's drop zone).
pub fn frame() -> String {
    let field = |name: &str, label: &str, placeholder: &str| {
        format!(
            "<label class=\"field\"><span>{label}</span><input name=\"{name}\" \
             data-testid=\"search-{}\" type=\"text\" class=\"code\" autocomplete=\"off\" \
             spellcheck=\"false\" placeholder=\"{placeholder}\"></label>",
            kebab(name)
        )
    };
    let choice = |name: &str, label: &str, options: &[(&str, &str)]| {
        let options: String = options
            .iter()
            .map(|(v, t)| format!("<option value=\"{v}\">{t}</option>"))
            .collect();
        format!(
            "<label class=\"field\"><span>{label}</span><select name=\"{name}\" \
             data-testid=\"search-{name}\">{options}</select></label>"
        )
    };
    let form = [
        choice(
            "direction",
            "Direction",
            &[("Inbound", "Inbound"), ("Outbound", "Outbound")],
        ),
        choice(
            "protocol",
            "Protocol",
            &[
                ("", "Any"),
                ("Tcp", "Tcp"),
                ("Udp", "Udp"),
                ("Icmp", "Icmp"),
                ("Esp", "Esp"),
                ("Ah", "Ah"),
            ],
        ),
        field("source", "Source", "any: IPs, CIDRs, tags"),
        field("sourcePort", "Source port", "any: 80, 1024-65535"),
        field("destination", "Destination", "any: IPs, CIDRs, tags"),
        field("destinationPort", "Destination port", "any: 22, 3389"),
        choice(
            "access",
            "Verdict",
            &[("", "Either"), ("Allow", "Allow"), ("Deny", "Deny")],
        ),
        field("rule", "Deciding rule", "any: securityRules/AllowSsh"),
    ]
    .concat();
    let panel = |id: &str, title: &str, before: &str| {
        format!(
            "<section class=\"analysis-view\" role=\"tabpanel\" id=\"panel-{id}\" \
             aria-labelledby=\"tab-{id}\" tabindex=\"0\"{}>\
             <h3 class=\"sr-only\">{title}</h3>{before}\
             <div id=\"analysis-{id}\" class=\"analysis-part\"></div></section>",
            if id == TABS[0].0 { "" } else { " hidden" }
        )
    };
    let tabs: String = TABS
        .iter()
        .enumerate()
        .map(|(i, (id, title))| {
            format!(
                "<button type=\"button\" role=\"tab\" id=\"tab-{id}\" data-tab=\"{id}\" \
                 data-testid=\"analysis-tab\" aria-controls=\"panel-{id}\" aria-selected=\"{}\" \
                 tabindex=\"{}\">{title}</button>",
                i == 0,
                if i == 0 { 0 } else { -1 }
            )
        })
        .collect();
    let replay = crate::replay::FRAME.replacen(
        "<section class=\"analysis-view replay-view\" aria-labelledby=\"analysis-replay-heading\">",
        "<section class=\"analysis-view replay-view\" role=\"tabpanel\" id=\"panel-replay\" \
         aria-labelledby=\"tab-replay\" tabindex=\"0\" hidden>",
        1,
    );
    [
        "<p class=\"scope\"><strong id=\"analysis-scope\" data-testid=\"reach-heading\"></strong> \
         <label class=\"widen\"><input type=\"checkbox\" id=\"analysis-widen\" \
         data-testid=\"analysis-widen\"> every local address, not only the VM\u{2019}s</label></p>"
            .to_string(),
        format!("<div class=\"analysis-tabs\" role=\"tablist\" aria-label=\"Analysis\">{tabs}</div>"),
        panel("overview", "Overview", ""),
        panel("reach", "Reachability", "<p class=\"help\">Every flow, grouped by the rule that decides it: inbound to the VM, outbound from it.</p>"),
        panel("findings", "Findings", ""),
        panel(
            "search",
            "Search",
            &format!(
                "<form class=\"search-form\" data-testid=\"search-form\" aria-label=\"Search every flow\">{form}\
                 <button type=\"submit\" class=\"button\" data-testid=\"search-submit\">Search</button></form>"
            ),
        ),
        panel(
            "compare",
            "Compare",
            "<p><button type=\"button\" class=\"button\" data-action=\"set-baseline\" data-testid=\"set-baseline\">\
             Set as baseline</button> <span class=\"help\">keeps the current inputs to compare later versions with</span></p>",
        ),
        replay,
    ]
    .concat()
}

/// The Analysis area's tabs: id (`tab-ID`, `panel-ID`) and title, in their order.
pub const TABS: [(&str, &str); 6] = [
    ("overview", "Overview"),
    ("reach", "Reachability"),
    ("findings", "Findings"),
    ("search", "Search"),
    ("compare", "Compare"),
    ("replay", "Replay"),
];

/// `sourcePort` -> `source-port`.
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

/// A page's request to analyse `work` (the work as autosaved, JSON text) and search `query`
/// (the search form's fields, JSON text), if any; `widen`: about every local address, not
/// only the VM's.
pub fn page_request(id: u64, work: &str, query: Option<&str>, widen: bool) -> String {
    let work = if work.trim().is_empty() { "null" } else { work };
    format!(
        "{{\"id\":{id},\"kind\":\"page\",\"query\":{},\"widen\":{widen},\"workbench\":{work}}}",
        query.unwrap_or("null"),
    )
}

/// A script's request (`window.flowverify.reach` ...): `args` are the request's properties
/// with their JSON texts (`None`: the value has no JSON text, read as null).
pub fn script_request(id: u64, kind: &str, args: &[(&str, Option<String>)]) -> String {
    let mut out = format!("{{\"id\":{id},\"kind\":\"{kind}\"");
    for (key, text) in args {
        let _ = write!(out, ",\"{key}\":{}", text.as_deref().unwrap_or("null"));
    }
    out.push('}');
    out
}

/// The page's side of its worker: every new request supersedes the one before. A request
/// waits while another runs, unless that one has run for longer than [`Latest::PATIENCE`]: the
/// worker is then stopped (its work is stale) and a new one answers the new request.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Latest {
    /// The request the worker is busy with, and when it was posted (ms).
    running: Option<(u64, f64)>,
    /// The newest request, waiting for the worker.
    waiting: Option<(u64, String)>,
    /// The newest request's id.
    newest: u64,
}

/// What the page does with a request.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Post it now.
    Post(String),
    /// Keep it until the running request is answered.
    Wait,
    /// Stop the worker (its job is stale), start another and post it.
    Restart(String),
}

impl Latest {
    /// How long a stale job may run before its worker is stopped, in ms.
    pub const PATIENCE: f64 = 400.0;

    /// A new request `text` with `id` at time `now` (ms).
    ///
    /// ```
    /// use flowverify_web::analysis::{Latest, Step};
    /// let mut l = Latest::default();
    /// assert_eq!(l.submit(1, "a".into(), 0.0), Step::Post("a".into()));
    /// assert_eq!(l.submit(2, "b".into(), 100.0), Step::Wait);
    /// assert_eq!(l.submit(3, "c".into(), 200.0), Step::Wait);
    /// assert!(!l.wanted(1));
    /// assert_eq!(l.answered(1), Some("c".to_string())); // b never runs
    /// l.started(300.0); // "c" posted
    /// assert!(l.wanted(3));
    /// assert_eq!(l.submit(4, "d".into(), 1000.0), Step::Restart("d".into()));
    /// ```
    pub fn submit(&mut self, id: u64, text: String, now: f64) -> Step {
        self.newest = id;
        match self.running {
            None => {
                self.running = Some((id, now));
                Step::Post(text)
            }
            Some((_, since)) if now - since > Self::PATIENCE => {
                self.running = Some((id, now));
                self.waiting = None;
                Step::Restart(text)
            }
            Some(_) => {
                self.waiting = Some((id, text));
                Step::Wait
            }
        }
    }

    /// Whether an answer to `id` is still wanted (no newer request was made since).
    pub fn wanted(&self, id: u64) -> bool {
        id == self.newest
    }

    /// The worker finished request `id`; returns the request to post next, if one waits.
    pub fn answered(&mut self, id: u64) -> Option<String> {
        if self.running.is_some_and(|(r, _)| r != id) {
            return None;
        }
        self.running = None;
        let (next, text) = self.waiting.take()?;
        self.running = Some((next, f64::NAN));
        Some(text)
    }

    /// When the running request began (ms), to be set once it is posted.
    pub fn started(&mut self, now: f64) {
        if let Some((_, since)) = &mut self.running {
            if since.is_nan() {
                *since = now;
            }
        }
    }

    /// Whether a request is running.
    pub fn busy(&self) -> bool {
        self.running.is_some()
    }

    /// When the running request was posted (ms).
    pub fn since(&self) -> Option<f64> {
        self.running.map(|(_, since)| since)
    }

    /// The worker stopped (an error, or restarted): nothing runs any more.
    pub fn reset(&mut self) {
        self.running = None;
        self.waiting = None;
    }
}

/// Puts `example` (a flow as `ffi::flow` writes it) in the flow form: the selected flow
/// becomes it, unless that flow has an expectation (a test the user wrote): the example is
/// then added after the others. Returns the new selection, or `None` if `example` is not a flow.
///
/// ```
/// use flowverify_web::analysis::load_example;
/// use flowverify_web::workbench::FlowRow;
/// let mut rows = vec![FlowRow::default()];
/// let flow = r#"{"direction":"Inbound","protocol":"Tcp","local":"10.0.1.4:22","remote":"203.0.113.7:50000"}"#;
/// assert_eq!(load_example(&mut rows, 0, flow), Some(0));
/// assert_eq!(rows[0].local, "10.0.1.4:22");
/// ```
pub fn load_example(
    rows: &mut Vec<crate::workbench::FlowRow>,
    selected: usize,
    example: &str,
) -> Option<usize> {
    let value: Value = serde_json::from_str(example).ok()?;
    let text = |key: &str| value[key].as_str().map(str::to_string);
    let row = crate::workbench::FlowRow {
        direction: text("direction")?,
        protocol: text("protocol")?,
        local: text("local")?,
        remote: text("remote")?,
        ..Default::default()
    };
    match rows.get_mut(selected) {
        Some(current) if current.expect_access.trim().is_empty() => {
            *current = row;
            Some(selected)
        }
        _ => {
            rows.push(row);
            Some(rows.len() - 1)
        }
    }
}

#[cfg(test)]
mod tests;
