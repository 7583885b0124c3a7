//! `flowverify replay`: Azure flow logs verified against the inputs (`docs/formats.md`,
//! flowverify replay).
//!
//! Each LOG is a file, a directory (every `*.json` regular file under it, at any depth, in
//! sorted path order: the storage account's `insights-logs-.../y=/m=/d=/h=/m=/macAddress=/PT1H.json`
//! tree as downloaded) or `-` (standard input). In a directory, a `*.json` that is not a regular
//! file (a named pipe, a socket, a device, a broken link) is skipped and named on standard error:
//! a pipe would never end, nobody asked for it by name. Files are read one at a time and dropped once their
//! tuples are counted: memory holds one file and the distinct flows. A progress line is drawn
//! on standard error only when it is a terminal.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use flowverify::replay::{judge, thousands, Group, Replay, Report};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::render::escape;
use crate::{files, read_inputs, Answer, Failure, InputArgs};

/// `flowverify replay`: exit 0 when no flow's verdict differs from its logged decision, 1 when
/// some do, 2 on bad input.
pub fn run(
    inputs: &InputArgs,
    logs: &[PathBuf],
    json: bool,
    limit: usize,
) -> Result<Answer, Failure> {
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
    let (paths, skipped) = log_files(logs)?;

    let progress = Progress::new(paths.len());
    let mut replay = Replay::new();
    for (index, path) in paths.iter().enumerate() {
        progress.file(index, path, &replay);
        let (name, text) = files::read_text(path).inspect_err(|_| progress.clear())?;
        replay
            .read_with(&name, &text, |r| progress.tuples(r))
            .inspect_err(|_| progress.clear())?;
    }
    if replay.tuples() == 0 {
        progress.clear();
        let names: Vec<String> = paths.iter().map(|p| files::name_of(p)).collect();
        return Err(flowverify::replay::nothing_to_replay(&names, replay.logs().records).into());
    }
    if let Err(e) = replay.settle() {
        progress.clear();
        let last = paths.last().map(|p| files::name_of(p)).unwrap_or_default();
        return Err(format!("{last}: after its last tuple: {e}").into());
    }
    progress.verifying(&replay);
    let report = replay.verify(limit, judge(&inputs));
    drop(replay);
    progress.clear();

    // Written as it is made, not built first: with a large --limit the examples alone are
    // as many as the changed flows. A write that fails is an error (exit 2), as for every
    // command.
    let files = paths.len();
    let status = u8::from(report.changed());
    Ok(Answer::Streamed(Box::new(move |out| {
        if json {
            flowverify::output::write_json_pretty(out, &report)?;
        } else {
            let mut out = std::io::BufWriter::new(out);
            write_text(&mut out, &report, files)?;
            out.flush()?;
        }
        // Named once the report is out (an error, exit 2, comes first on standard error).
        for (path, why) in &skipped {
            eprintln!(
                "warning: {}: skipped: {why}",
                escape(&path.display().to_string())
            );
        }
        Ok(status)
    })))
}

/// The `*.json` entries of directories that are not regular files, each with why.
type Skipped = Vec<(PathBuf, String)>;

/// The files to read: each LOG as given, a directory replaced by its `*.json` regular files at
/// any depth in sorted path order (symbolic links to directories are not followed; links to
/// files are); and the `*.json` entries skipped, which are not regular files.
fn log_files(logs: &[PathBuf]) -> Result<(Vec<PathBuf>, Skipped), String> {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    for log in logs {
        if files::is_stdin(log) || !log.is_dir() {
            out.push(log.clone());
            continue;
        }
        let mut found = Vec::new();
        let before = skipped.len();
        walk(log, &mut found, &mut skipped)?;
        if found.is_empty() {
            let mut message = format!(
                "{}: the directory holds no *.json file (flow logs are stored as .../PT1H.json)",
                log.display()
            );
            let passed: Vec<String> = skipped[before..]
                .iter()
                .map(|(path, why)| format!("{} ({why})", path.display()))
                .collect();
            if !passed.is_empty() {
                message.push_str(&format!(
                    "; skipped, not regular files: {}",
                    passed.join(", ")
                ));
            }
            return Err(message);
        }
        found.sort();
        out.extend(found);
    }
    skipped.sort();
    Ok((out, skipped))
}

/// Why a directory entry named `*.json` is not read, or `None` for a regular file (also through
/// a symbolic link).
fn not_regular(path: &Path) -> Option<String> {
    let metadata = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Some("a symbolic link to nothing".into())
        }
        Err(e) => return Some(format!("cannot be read: {}", e.to_string().to_lowercase())),
    };
    let kind = metadata.file_type();
    if kind.is_file() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Some("not a regular file but a named pipe (FIFO)".into());
        }
        if kind.is_socket() {
            return Some("not a regular file but a socket".into());
        }
        if kind.is_block_device() || kind.is_char_device() {
            return Some("not a regular file but a device".into());
        }
    }
    Some("not a regular file".into())
}

fn walk(dir: &Path, found: &mut Vec<PathBuf>, skipped: &mut Skipped) -> Result<(), String> {
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
            walk(&path, found, skipped)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
            && !path.is_dir()
        {
            match not_regular(&path) {
                None => found.push(path),
                Some(why) => skipped.push((path, why)),
            }
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

    // While reading, the line counts tuples: the distinct flows are counted once all are
    // merged (`Replay::flows` would cost a pass over them at each tick).
    fn file(&self, index: usize, path: &Path, replay: &Replay) {
        if let Some(bar) = &self.bar {
            bar.set_position(index as u64 + 1);
            bar.set_message(format!(
                "{}: {} tuples",
                escape(&files::name_of(path)),
                thousands(replay.tuples()),
            ));
        }
    }

    fn tuples(&self, replay: &Replay) {
        if let Some(bar) = &self.bar {
            let message = bar.message();
            let file = message.rsplit_once(": ").map_or("", |(f, _)| f).to_string();
            bar.set_message(format!("{file}: {} tuples", thousands(replay.tuples())));
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

/// The report in words: the figures, each group with its examples, then the notes.
fn write_text(out: &mut impl Write, report: &Report, files: usize) -> std::io::Result<()> {
    writeln!(
        out,
        "{} read from {}: {}",
        count(report.tuples, "tuple", "tuples"),
        count(files as u64, "file", "files"),
        count(report.flows, "distinct flow", "distinct flows"),
    )?;
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
        writeln!(out, "  {label:<16}{:>width$}  {meaning}", thousands(n))?;
    }
    if report.changed() {
        writeln!(out)?;
    } else if report.flows > report.not_verifiable {
        writeln!(
            out,
            "\nNo flow changed: every verified flow gets the verdict Azure logged."
        )?;
    } else {
        writeln!(out, "\nNo flow could be verified.")?;
    }
    for group in &report.groups {
        write_group(out, group)?;
    }
    let notes = report.notes();
    if !notes.is_empty() {
        writeln!(out, "\nnotes:")?;
        for note in notes {
            writeln!(out, "  - {note}")?;
        }
    }
    Ok(())
}

/// One group: its heading line, then its examples, one per line.
fn write_group(out: &mut impl Write, group: &Group) -> std::io::Result<()> {
    let change = group.change.heading();
    let at = crate::render::place(group.decided_by.layer, group.decided_by.resource.as_deref());
    let by = match &group.rule_name {
        Some(rule) => format!("by {} ({at})", escape(rule)),
        None => format!("({at})"),
    };
    writeln!(
        out,
        "{change} {by}: {}, {}, {}",
        count(group.flows, "flow", "flows"),
        count(group.packets, "packet", "packets"),
        count(group.bytes, "byte", "bytes"),
    )?;
    for flow in &group.examples {
        writeln!(
            out,
            "  {} {} {} -> {}",
            flow.direction(),
            flow.protocol(),
            flow.source(),
            flow.destination()
        )?;
    }
    let more = group.flows.saturating_sub(group.examples.len() as u64);
    if more > 0 {
        writeln!(out, "  ... and {} more", thousands(more))?;
    }
    Ok(())
}
