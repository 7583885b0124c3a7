//! `flowverify replay`: Azure flow logs verified against the inputs (`interfaces.md` section 8).
//!
//! Each LOG is a file, a directory (every `*.json` file under it, at any depth, in sorted path
//! order: the storage account's `insights-logs-.../y=/m=/d=/h=/m=/macAddress=/PT1H.json` tree
//! as downloaded) or `-` (standard input). Files are read one at a time and dropped once their
//! tuples are counted: memory holds one file and the distinct flows. A progress line is drawn
//! on standard error only when it is a terminal.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use flowverify::replay::{judge, thousands, Group, Replay, Report};
use flowverify::Layer;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::render::escape;
use crate::{files, read_inputs, Failure, InputArgs, Outcome};

/// `flowverify replay`: exit 0 when no flow's verdict differs from its logged decision, 1 when
/// some do, 2 on bad input.
pub fn run(
    inputs: &InputArgs,
    logs: &[PathBuf],
    json: bool,
    limit: usize,
) -> Result<Outcome, Failure> {
    let input_files = [
        &inputs.scenario,
        &inputs.subnet_nsg,
        &inputs.nic_nsg,
        &inputs.effective,
        &inputs.nic,
        &inputs.service_tags,
    ]
    .into_iter()
    .flatten()
    .chain(&inputs.admin_rules)
    .chain(logs);
    files::stdin_at_most_once(input_files.map(PathBuf::as_path))?;
    let inputs = read_inputs(inputs)?;
    let paths = log_files(logs)?;

    let progress = Progress::new(paths.len());
    let mut replay = Replay::new();
    for (index, path) in paths.iter().enumerate() {
        progress.file(index, path, &replay);
        let (name, text) = files::read_text(path).inspect_err(|_| progress.clear())?;
        replay
            .read_with(&name, &text, |r| progress.tuples(r))
            .inspect_err(|_| progress.clear())?;
    }
    progress.verifying(&replay);
    let report = replay.verify(limit, judge(&inputs));
    progress.clear();

    let stdout = if json {
        let mut text = serde_json::to_string_pretty(&report.to_json()).unwrap_or_default();
        text.push('\n');
        text
    } else {
        text(&report, paths.len())
    };
    Ok(Outcome {
        stdout,
        status: u8::from(report.changed()),
    })
}

/// The files to read: each LOG as given, a directory replaced by its `*.json` files at any
/// depth in sorted path order (symbolic links to directories are not followed).
fn log_files(logs: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    for log in logs {
        if files::is_stdin(log) || !log.is_dir() {
            out.push(log.clone());
            continue;
        }
        let mut found = Vec::new();
        walk(log, &mut found)?;
        if found.is_empty() {
            return Err(format!(
                "{}: the directory holds no *.json file (flow logs are stored as .../PT1H.json)",
                log.display()
            ));
        }
        found.sort();
        out.extend(found);
    }
    Ok(out)
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        format!(
            "{}: cannot read the directory: {}",
            dir.display(),
            e.to_string().to_lowercase()
        )
    })?;
    for entry in entries {
        let entry = entry.map_err(|e| {
            format!(
                "{}: cannot read the directory: {}",
                dir.display(),
                e.to_string().to_lowercase()
            )
        })?;
        let path = entry.path();
        let kind = entry
            .file_type()
            .map_err(|e| format!("{}: {}", path.display(), e.to_string().to_lowercase()))?;
        if kind.is_dir() {
            walk(&path, found)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
            && !path.is_dir()
        {
            found.push(path);
        }
    }
    Ok(())
}

/// The progress line: drawn only when standard error is a terminal.
struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    fn new(files: usize) -> Progress {
        if !std::io::stderr().is_terminal() {
            return Progress { bar: None };
        }
        let bar = ProgressBar::with_draw_target(Some(files as u64), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} replay: file {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        Progress { bar: Some(bar) }
    }

    fn file(&self, index: usize, path: &Path, replay: &Replay) {
        if let Some(bar) = &self.bar {
            bar.set_position(index as u64 + 1);
            bar.set_message(format!(
                "{}: {} tuples, {} distinct flows",
                escape(&files::name_of(path)),
                thousands(replay.tuples()),
                thousands(replay.flows() as u64)
            ));
        }
    }

    fn tuples(&self, replay: &Replay) {
        if let Some(bar) = &self.bar {
            let message = bar.message();
            let file = message.split(": ").next().unwrap_or_default().to_string();
            bar.set_message(format!(
                "{file}: {} tuples, {} distinct flows",
                thousands(replay.tuples()),
                thousands(replay.flows() as u64)
            ));
        }
    }

    fn verifying(&self, replay: &Replay) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!(
                "verifying {} distinct flows",
                thousands(replay.flows() as u64)
            ));
        }
    }

    fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// `N thing` or `N things`.
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

/// Where a verdict was decided, in words (as `verify` prints it).
fn place(layer: Layer, resource: Option<&str>) -> String {
    let what = match layer {
        Layer::Admin => "admin rules",
        Layer::Subnet => "subnet NSG",
        Layer::Nic => "NIC NSG",
        Layer::None => return "nothing decides: no admin rule matched and there is no NSG".into(),
    };
    match resource {
        Some(r) if !r.is_empty() => format!("{what} {}", escape(r)),
        _ => what.to_string(),
    }
}

/// The report in words: the figures, each group with its examples, then the notes.
fn text(report: &Report, files: usize) -> String {
    let mut out = format!(
        "{} read from {}: {}\n",
        count(report.tuples, "tuple", "tuples"),
        count(files as u64, "file", "files"),
        count(report.flows, "distinct flow", "distinct flows"),
    );
    let rows = [
        ("unchanged", report.unchanged, "verdict as logged"),
        (
            "newly denied",
            report.newly_denied,
            "logged allowed, denied now",
        ),
        (
            "newly allowed",
            report.newly_allowed,
            "logged denied, allowed now",
        ),
        (
            "not verifiable",
            report.not_verifiable,
            "a protocol FlowVerify does not model, or denied for encryption",
        ),
    ];
    let width = rows
        .iter()
        .map(|(_, n, _)| thousands(*n).len())
        .max()
        .unwrap_or(1);
    for (label, n, meaning) in rows {
        out.push_str(&format!(
            "  {label:<16}{:>width$}  {meaning}\n",
            thousands(n)
        ));
    }
    if report.changed() {
        out.push('\n');
    } else if report.flows > report.not_verifiable {
        out.push_str("\nNo flow changed: every verified flow gets the verdict Azure logged.\n");
    } else {
        out.push_str("\nNo flow could be verified.\n");
    }
    for group in &report.groups {
        out.push_str(&group_text(group));
    }
    let notes = report.notes();
    if !notes.is_empty() {
        out.push_str("\nnotes:\n");
        for note in notes {
            out.push_str(&format!("  - {note}\n"));
        }
    }
    out
}

/// One group: its heading line, then its examples, one per line.
fn group_text(group: &Group) -> String {
    let change = match group.change {
        flowverify::replay::Change::NewlyDenied => "Newly denied",
        flowverify::replay::Change::NewlyAllowed => "Newly allowed",
    };
    let at = place(group.decided_by.layer, group.decided_by.resource.as_deref());
    let by = match &group.rule_name {
        Some(rule) => format!("by {} ({at})", escape(rule)),
        None => format!("({at})"),
    };
    let mut out = format!(
        "{change} {by}: {}, {}, {}\n",
        count(group.flows, "flow", "flows"),
        count(group.packets, "packet", "packets"),
        count(group.bytes, "byte", "bytes"),
    );
    for flow in &group.examples {
        out.push_str(&format!(
            "  {} {} {} -> {}\n",
            flow.direction(),
            flow.protocol(),
            flow.source(),
            flow.destination()
        ));
    }
    let more = group.flows.saturating_sub(group.examples.len() as u64);
    if more > 0 {
        out.push_str(&format!("  ... and {} more\n", thousands(more)));
    }
    out
}
