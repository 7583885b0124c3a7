//! Flow logs replayed in the page (`docs/formats.md`, Replay object): the traffic Azure logged
//! verified against the inputs, as the analysis worker runs it (the page's own module never
//! calls this: it is in the analysis module only).
//!
//! # Messages
//!
//! The page's replay has a worker of its own (Cancel stops it and the next replay starts
//! another), to which it posts a JS object `{request, files}`: `request` the JSON text
//! `{"id", "kind": "replay", "workbench", "files": [{"name", "size"}], "again"}` and `files`
//! the `File` objects, read one after the other in the worker (never copied through the page).
//! `again: true` (and no files) verifies the logs read last against the work as it is now.
//! Answers: `progress` (`stage`, `done` and `total` in bytes), one `view` (`part: "replay"`,
//! `html`), then `done` (`ok`, and the figures: `tuples`, `flows`). The worker keeps the logs'
//! distinct flows (not their text) for `again`.
//!
//! `window.flowverify.replay(scenario, logTexts)` is an ordinary script request
//! (`{"kind": "replay", "scenario", "logs": [text...]}`, see [`crate::analysis`]), answered with
//! the replay object of `docs/formats.md`.

use std::fmt::Write as _;

use flowverify::replay::{judge, thousands, Change, Group, Replay, Report};
use flowverify::scenario::Scenario;
use flowverify::Inputs;
use serde_json::Value;

use crate::analysis::protocol::Answer;
use crate::analysis::{baseline_scenario, decider, esc, load_button};
use crate::workbench::Workbench;

/// The Replay view's frame (the last of the Analysis area's views; `ui/replay.rs` wires it).
pub const FRAME: &str = "<section class=\"analysis-view replay-view\" aria-labelledby=\"analysis-replay-heading\">\
<h3 id=\"analysis-replay-heading\">Replay flow logs</h3>\
<p class=\"help\">Azure NSG or virtual network flow logs (<span class=\"code\">PT1H.json</span> files, or \
the folder downloaded from the storage account): what the current inputs decide for the traffic Azure \
logged. Read in this browser, never sent anywhere.</p>\
<div class=\"drop-zone\" id=\"replay-drop\" data-testid=\"replay-drop\">\
<p>Drop flow log files or folders here, or \
<label class=\"button\">Choose files<input type=\"file\" class=\"sr-only\" multiple \
accept=\".json,application/json\" data-testid=\"replay-files\"></label> \
<label class=\"button\">Choose a folder<input type=\"file\" class=\"sr-only\" webkitdirectory \
data-testid=\"replay-folder\"></label></p></div>\
<div class=\"replay-run\" id=\"replay-run\" hidden>\
<progress id=\"replay-progress\" data-testid=\"replay-progress\" value=\"0\" max=\"1\"></progress> \
<span id=\"replay-stage\"></span> \
<button type=\"button\" class=\"button quiet\" data-action=\"replay-cancel\" data-testid=\"replay-cancel\">Cancel</button></div>\
<p id=\"replay-status\" class=\"replay-status\" data-testid=\"replay-status\" role=\"status\" aria-live=\"polite\"></p>\
<div id=\"analysis-replay\" class=\"analysis-part\"></div></section>";

/// How many example flows each group of the page shows (and the script interface returns, as
/// the command line's default `--limit`).
pub const EXAMPLES: usize = 5;

/// What the replay worker keeps between jobs: the distinct flows of the logs read last.
#[derive(Debug, Default)]
pub struct State {
    held: Option<Held>,
}

#[derive(Debug)]
struct Held {
    replay: Replay,
    files: usize,
}

/// `window.flowverify.replay(scenario, logTexts)`: the replay object (`--limit 5`), each
/// text named `logs[N]` in errors.
///
/// ```
/// use flowverify_web::replay::script_object;
/// let log = r#"{"records": [{"category": "NetworkSecurityGroupFlowEvent", "properties": {
///   "Version": 2, "flows": [{"rule": "r", "flows": [{"mac": "00", "flowTuples": [
///   "1542110402,203.0.113.7,10.0.1.4,50000,22,T,I,A,B,,,,"]}]}]}}]}"#;
/// let scenario = serde_json::json!({"version": 1, "nicNsg": {"name": "nsg", "securityRules": []}});
/// let report = script_object(&scenario, &serde_json::json!([log])).unwrap();
/// assert_eq!((report["tuples"].as_u64(), report["newlyDenied"].as_u64()), (Some(1), Some(1)));
/// let err = script_object(&scenario, &serde_json::json!([log.replace(",T,I,", ",X,I,")])).unwrap_err();
/// assert!(err.starts_with("logs[0]: records[0].properties.flows[0].flows[0].flowTuples[0]: "), "{err}");
/// ```
pub fn script_object(scenario: &Value, logs: &Value) -> Result<Value, String> {
    let texts = match logs {
        Value::Array(items) if items.iter().all(Value::is_string) => items,
        _ => return Err("logs: an array of the log files' texts (strings)".into()),
    };
    let scenario =
        Scenario::from_value(crate::script::SOURCE, scenario.clone()).map_err(|e| e.to_string())?;
    let inputs = scenario
        .inputs(crate::script::SOURCE)
        .map_err(|e| e.to_string())?;
    let mut replay = Replay::new();
    for (i, text) in texts.iter().enumerate() {
        let text = text.as_str().unwrap_or_default();
        replay
            .read(&format!("logs[{i}]"), text)
            .map_err(|e| e.to_string())?;
    }
    Ok(replay.verify(EXAMPLES, judge(&inputs)).to_json())
}

/// An upper bound of the tuples in a log's text: every tuple is a JSON string, so at most half
/// its quotes (for the progress bar: bytes read are estimated from tuples read).
fn tuples_at_most(text: &str) -> u64 {
    let quotes = text.bytes().filter(|&b| b == b'"').count() as u64;
    (quotes / 2).max(1)
}

/// The page's replay job (see the module's documentation): `read(i)` gives the bytes of the
/// request's file `i`; `post` sends each answer.
pub fn page_job(
    state: &mut State,
    request: &str,
    read: &mut dyn FnMut(usize) -> Result<Vec<u8>, String>,
    post: &mut dyn FnMut(String),
) {
    let job: Job = serde_json::from_str(request).unwrap_or_default();
    let id = job.id;
    let view = |post: &mut dyn FnMut(String), html: &str| {
        post(
            Answer::View {
                id,
                part: "replay",
                html,
            }
            .text(),
        );
    };
    if !job.again {
        state.held = None;
        let files: Vec<(String, u64)> = job.files.into_iter().map(|f| (f.name, f.size)).collect();
        let total: u64 = files.iter().map(|(_, size)| size).sum::<u64>().max(1);
        let mut replay = Replay::new();
        let mut before = 0u64;
        for (i, (name, size)) in files.iter().enumerate() {
            let stage = format!("reading {} (file {} of {})", name, i + 1, files.len());
            let progress = |post: &mut dyn FnMut(String), done: u64| {
                post(
                    Answer::Progress {
                        id,
                        stage: &stage,
                        done: done.min(total),
                        total,
                    }
                    .text(),
                );
            };
            progress(post, before);
            let text = read(i).and_then(|bytes| {
                flowverify::text::decode(bytes).map_err(|e| format!("{name}: {e}"))
            });
            let text = match text {
                Ok(text) => text,
                Err(e) => return failed(id, post, &e),
            };
            let most = tuples_at_most(&text);
            let start = replay.tuples();
            let read = replay.read_with(name, &text, |r| {
                let within = (r.tuples() - start).min(most) * size / most;
                progress(post, before + within);
            });
            if let Err(e) = read {
                return failed(id, post, &e.to_string());
            }
            before += size;
        }
        let stage = format!(
            "verifying {} distinct flows",
            thousands(replay.flows() as u64)
        );
        post(
            Answer::Progress {
                id,
                stage: &stage,
                done: total,
                total,
            }
            .text(),
        );
        state.held = Some(Held {
            replay,
            files: files.len(),
        });
    }
    let Some(held) = &state.held else {
        return failed(id, post, "no flow logs were read yet");
    };
    let work = Workbench::from_value(&job.workbench).unwrap_or_default();
    let (html, figures) = report_html(held, &work);
    view(post, &html);
    post(
        Answer::Done {
            id,
            ok: Some(true),
            message: None,
            tuples: figures.as_ref().map(|f| f.tuples),
            flows: figures.as_ref().map(|f| f.flows),
        }
        .text(),
    );
}

/// The page's replay request (see the module's documentation).
#[derive(Debug, Default, serde::Deserialize)]
struct Job {
    #[serde(default)]
    id: u64,
    /// The work as autosaved.
    #[serde(default)]
    workbench: Value,
    /// The files to read, by name and size, in order.
    #[serde(default)]
    files: Vec<LogFile>,
    /// Replay the logs read last against the work again (no file is read).
    #[serde(default)]
    again: bool,
}

/// A flow-log file of a [`Job`].
#[derive(Debug, serde::Deserialize)]
struct LogFile {
    #[serde(default)]
    name: String,
    #[serde(default)]
    size: u64,
}

/// The job failed: the error in the view (the engine's text: file, record, tuple), then `done`.
fn failed(id: u64, post: &mut dyn FnMut(String), message: &str) {
    let html = format!(
        "<p class=\"note bad\" data-testid=\"replay-error\">The flow logs cannot be replayed: {}</p>",
        esc(message)
    );
    post(
        Answer::View {
            id,
            part: "replay",
            html: &html,
        }
        .text(),
    );
    post(
        Answer::Done {
            id,
            ok: Some(false),
            message: Some(message),
            tuples: None,
            flows: None,
        }
        .text(),
    );
}

/// The inputs of the work and of its baseline (if it has one).
type Versions = (Result<Inputs, String>, Option<Result<Inputs, String>>);

fn versions(work: &Workbench) -> Versions {
    let scenario = work.to_scenario().scenario;
    let now = scenario
        .inputs(crate::script::SOURCE)
        .map_err(|e| e.to_string());
    let before = work.baseline.as_ref().map(|b| {
        baseline_scenario(b).and_then(|s| s.inputs("baseline").map_err(|e| e.to_string()))
    });
    (now, before)
}

/// The replay's view: the figures, the caveats, a table per change; then, with a baseline,
/// what the change since the baseline does to the same traffic.
fn report_html(held: &Held, work: &Workbench) -> (String, Option<Report>) {
    let (now, before) = versions(work);
    let inputs = match now {
        Ok(inputs) => inputs,
        Err(e) => {
            return (
                format!(
                "<p class=\"note bad\" data-testid=\"replay-error\">The inputs have an error: fix \
                     them to replay the logs ({} tuples read are kept). {}</p>",
                thousands(held.replay.tuples()),
                esc(&e)
            ),
                None,
            )
        }
    };
    let report = held.replay.verify(EXAMPLES, judge(&inputs));
    let mut out = String::new();
    let files = held.files;
    let _ = write!(
        out,
        "<p class=\"replay-summary\" data-testid=\"replay-summary\">{} file{} replayed against the \
         current inputs: <strong>{}</strong> tuples, <strong>{}</strong> flows: {} unchanged, \
         <strong>{}</strong> newly denied, <strong>{}</strong> newly allowed, {} not verifiable.</p>",
        thousands(files as u64),
        if files == 1 { "" } else { "s" },
        thousands(report.tuples),
        thousands(report.flows),
        thousands(report.unchanged),
        thousands(report.newly_denied),
        thousands(report.newly_allowed),
        thousands(report.not_verifiable),
    );
    let notes = report.notes();
    if !notes.is_empty() {
        out.push_str("<ul class=\"replay-notes help\" data-testid=\"replay-notes\">");
        for note in &notes {
            let _ = write!(out, "<li>{}</li>", esc(note));
        }
        out.push_str("</ul>");
    }
    out.push_str(&groups_html(&report.groups, "replay-group", "the logs"));
    match before {
        None => out.push_str(
            "<p class=\"help\">With a baseline (Compare: \u{201c}Set as baseline\u{201d}), this also \
             shows what the change since the baseline does to this traffic.</p>",
        ),
        Some(Err(e)) => {
            let _ = write!(
                out,
                "<p class=\"note bad\">The baseline cannot be read: {}</p>",
                esc(&e)
            );
        }
        Some(Ok(old)) => {
            let change = held
                .replay
                .compare(EXAMPLES, judge(&old), judge(&inputs));
            out.push_str(&compare_html(&change));
        }
    }
    (out, Some(report))
}

/// What the change since the baseline does to the logged traffic.
fn compare_html(change: &Report) -> String {
    let mut out = String::from("<section class=\"replay-compare\" data-testid=\"replay-compare\">");
    let _ = write!(
        out,
        "<h4>The change since the baseline, on this traffic</h4><p data-testid=\"replay-compare-summary\">\
         Of <strong>{}</strong> flows, <strong>{}</strong> change access: <strong>{}</strong> \
         newly denied (the baseline allows them), <strong>{}</strong> newly allowed (the baseline \
         denies them); {} keep their access, {} not verifiable.</p>",
        thousands(change.flows),
        thousands(change.newly_denied + change.newly_allowed),
        thousands(change.newly_denied),
        thousands(change.newly_allowed),
        thousands(change.unchanged),
        thousands(change.not_verifiable),
    );
    if change.changed() {
        out.push_str(&groups_html(
            &change.groups,
            "replay-compare-group",
            "the baseline",
        ));
    } else {
        out.push_str(
            "<p>No logged flow changes access: the change does not touch this traffic.</p>",
        );
    }
    out.push_str("</section>");
    out
}

/// A table per change (newly denied, newly allowed): one row per deciding rule with its flows,
/// packets and bytes, and examples to load. `than` says what the verdict is compared with.
fn groups_html(groups: &[Group], testid: &str, than: &str) -> String {
    let mut out = String::new();
    for change in [Change::NewlyDenied, Change::NewlyAllowed] {
        let rows: Vec<&Group> = groups.iter().filter(|g| g.change == change).collect();
        if rows.is_empty() {
            continue;
        }
        let flows: u64 = rows.iter().map(|g| g.flows).sum();
        let (now, was) = match change {
            Change::NewlyDenied => ("Deny", "allowed"),
            Change::NewlyAllowed => ("Allow", "denied"),
        };
        let _ = write!(
            out,
            "<h5 class=\"replay-change {}\">{}: {} flow{} ({was} in {than}, {now} now)</h5>\
             <div class=\"table-scroll\"><table class=\"replay-groups\"><thead><tr><th scope=\"col\">Now decided by</th>\
             <th scope=\"col\" class=\"num\">Flows</th><th scope=\"col\" class=\"num\">Packets</th>\
             <th scope=\"col\" class=\"num\">Bytes</th><th scope=\"col\">Examples</th></tr></thead><tbody>",
            now.to_ascii_lowercase(),
            change.heading(),
            thousands(flows),
            if flows == 1 { "" } else { "s" },
        );
        for g in rows {
            let who = decider(
                g.rule_name.as_deref(),
                g.decided_by.layer,
                g.decided_by.resource.as_deref(),
            );
            let examples: String = g
                .examples
                .iter()
                .map(|f| {
                    format!(
                        "<li>{}</li>",
                        load_button(f, &short(f), g.rule_name.as_deref())
                    )
                })
                .collect();
            let _ = write!(
                out,
                "<tr data-testid=\"{testid}\" class=\"{}\"><td class=\"code\">{}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{}</td><td class=\"num\">{}</td><td><ul class=\"examples\">{examples}</ul></td></tr>",
                change.as_str(),
                esc(&who),
                thousands(g.flows),
                thousands(g.packets),
                thousands(g.bytes),
            );
        }
        out.push_str("</tbody></table></div>");
    }
    out
}

/// An example flow, short: `Inbound Tcp 203.0.113.7:50000 → 10.0.1.4:22` (source to
/// destination, as the log has it).
fn short(flow: &flowverify::Flow) -> String {
    format!(
        "{} {} {} \u{2192} {}",
        flow.direction(),
        flow.protocol(),
        flow.source(),
        flow.destination()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const LOG: &str = r#"{"records": [{"category": "NetworkSecurityGroupFlowEvent",
      "properties": {"Version": 2, "flows": [{"rule": "r", "flows": [{"mac": "00", "flowTuples": [
        "1,203.0.113.7,10.0.1.4,50000,443,T,I,D,B,,,,",
        "2,203.0.113.8,10.0.1.4,50001,22,T,I,A,B,,,,",
        "3,203.0.113.9,10.0.1.4,50002,80,T,I,D,B,,,,"]}]}]}}]}"#;

    fn nsg(https: &str) -> Value {
        json!({"name": "nsg-web", "securityRules": [
            {"name": "Https", "properties": {"priority": 100, "access": https, "direction": "Inbound",
              "protocol": "Tcp", "sourceAddressPrefix": "*", "sourcePortRange": "*",
              "destinationAddressPrefix": "*", "destinationPortRange": "443"}}]})
    }

    fn work(https: &str, baseline: Option<&str>) -> Value {
        let mut scenario = json!({"version": 1, "nicNsg": nsg(https)});
        if let Some(b) = baseline {
            scenario["baseline"] = json!({"nicNsg": nsg(b)});
        }
        let s = Scenario::from_value("s", scenario).unwrap();
        serde_json::to_value(Workbench::from_scenario(&s)).unwrap()
    }

    fn run(state: &mut State, request: Value, files: &[&str]) -> Vec<Value> {
        let mut out = Vec::new();
        let mut read = |i: usize| Ok(files[i].as_bytes().to_vec());
        page_job(state, &request.to_string(), &mut read, &mut |a| {
            out.push(serde_json::from_str(&a).unwrap())
        });
        out
    }

    fn html(answers: &[Value]) -> String {
        answers
            .iter()
            .find(|a| a["kind"] == "view")
            .and_then(|a| a["html"].as_str())
            .unwrap()
            .to_string()
    }

    #[test]
    fn the_page_job_reads_the_files_then_verifies_and_keeps_the_flows() {
        let mut state = State::default();
        let files = json!([{"name": "a/PT1H.json", "size": LOG.len()}]);
        let answers = run(
            &mut state,
            json!({"id": 3, "kind": "replay", "workbench": work("Allow", None), "files": files}),
            &[LOG],
        );
        let kinds: Vec<&str> = answers
            .iter()
            .map(|a| a["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds, ["progress", "progress", "view", "done"]);
        assert!(answers[0]["stage"]
            .as_str()
            .unwrap()
            .starts_with("reading a/PT1H.json (file 1 of 1)"));
        assert_eq!(answers[1]["done"], answers[1]["total"]);
        let page = html(&answers);
        assert!(
            page.contains("<strong>3</strong> tuples, <strong>3</strong> flows: 1 unchanged, <strong>1</strong> newly denied, <strong>1</strong> newly allowed, 0 not verifiable"),
            "{page}"
        );
        assert!(page.contains("data-testid=\"replay-group\""), "{page}");
        assert!(page.contains("defaultSecurityRules/DenyAllInBound (NIC NSG nsg-web)"));
        assert!(
            page.contains("data-flow=\""),
            "examples load into the flow form"
        );
        assert!(page.contains("Set as baseline"));
        assert_eq!(answers[3]["tuples"], 3);
        // Again, against changed inputs with a baseline: no file is read.
        let answers = run(
            &mut state,
            json!({"id": 4, "kind": "replay", "again": true, "workbench": work("Deny", Some("Allow"))}),
            &[],
        );
        let page = html(&answers);
        assert!(
            page.contains("flows: 2 unchanged, <strong>1</strong> newly denied, <strong>0</strong> newly allowed"),
            "{page}"
        );
        assert!(page.contains("data-testid=\"replay-compare\""), "{page}");
        assert!(page.contains("Of <strong>3</strong> flows, <strong>1</strong> change access: <strong>1</strong> newly denied"), "{page}");
        assert!(
            page.contains("data-testid=\"replay-compare-group\""),
            "{page}"
        );
    }

    #[test]
    fn a_bad_tuple_is_the_engines_error_naming_file_record_and_tuple() {
        let mut state = State::default();
        let bad = LOG.replace(",T,I,D,", ",T,Q,D,");
        let files = json!([{"name": "x/PT1H.json", "size": bad.len()}]);
        let answers = run(
            &mut state,
            json!({"id": 1, "kind": "replay", "workbench": work("Allow", None), "files": files}),
            &[&bad],
        );
        let page = html(&answers);
        assert!(
            page.contains(
                "x/PT1H.json: records[0].properties.flows[0].flows[0].flowTuples[0]: tuple"
            ),
            "{page}"
        );
        assert_eq!(answers.last().unwrap()["ok"], false);
        // Nothing is held: "again" says so.
        let answers = run(
            &mut state,
            json!({"id": 2, "kind": "replay", "again": true, "workbench": work("Allow", None)}),
            &[],
        );
        assert!(html(&answers).contains("no flow logs were read yet"));
    }
}
