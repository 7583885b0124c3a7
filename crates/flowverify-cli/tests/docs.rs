//! The command line against `docs/formats.md` and the README, run as users run it: every command
//! of `flowverify --help` has its section in `docs/formats.md`, every flag of a command's
//! `--help` is named there (the inputs' flags in Inputs) and every flag a section names is one
//! the command has; every command has its row in both tables of exit statuses; the README's
//! scenario checks, and its line is the one `docs/formats.md` shows. Each check fails when the
//! command line and the documents part.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

#[path = "../../flowverify/tests/support/markdown.rs"]
mod markdown;
mod support;
use markdown::{section, table_keys};
use support::flowverify;

const FORMATS: &str = include_str!("../../../docs/formats.md");
const README: &str = include_str!("../../../README.md");

/// The subcommands a `--help` lists (`help` aside).
fn subcommands(help: &str) -> Vec<String> {
    let Some((_, listed)) = help.split_once("Commands:\n") else {
        return Vec::new();
    };
    listed
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

/// Every command: `verify`, ..., `permalink encode`, `permalink decode`, ...
fn commands() -> Vec<String> {
    let top = flowverify(&["--help"]);
    assert_eq!(top.code, 0);
    let mut out = Vec::new();
    for name in subcommands(&top.stdout) {
        let help = flowverify(&[&name, "--help"]);
        let nested = subcommands(&help.stdout);
        if nested.is_empty() {
            out.push(name);
        } else {
            out.extend(nested.into_iter().map(|n| format!("{name} {n}")));
        }
    }
    assert!(out.len() >= 10, "{out:?}");
    out
}

/// A command's long flags from its `--help` (`--help` and `--version` aside): those under the
/// heading `Inputs:`, and the others.
fn flags(command: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut args: Vec<&str> = command.split(' ').collect();
    args.push("--help");
    let help = flowverify(&args);
    assert_eq!(help.code, 0, "flowverify {command} --help");
    let (mut inputs, mut own) = (BTreeSet::new(), BTreeSet::new());
    let mut heading = "";
    for line in help.stdout.lines() {
        if !line.starts_with(' ') && line.ends_with(':') {
            heading = line;
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let spec = line.trim_start();
        if !spec.starts_with('-') || indent > 6 {
            continue;
        }
        for word in spec.split([' ', ',']) {
            let Some(name) = word.strip_prefix("--") else {
                continue;
            };
            let name = name.split(['=', '<']).next().unwrap_or_default();
            if name.is_empty() || name == "help" || name == "version" {
                continue;
            }
            let flag = format!("--{name}");
            if heading == "Inputs:" {
                inputs.insert(flag);
            } else {
                own.insert(flag);
            }
        }
    }
    (inputs, own)
}

/// Whether `text` names `flag` (not as the start of a longer flag: `--source` in
/// `--source-port` does not count).
fn names(text: &str, flag: &str) -> bool {
    text.match_indices(flag).any(|(i, _)| {
        !text[i + flag.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-')
    })
}

/// The flags `text` names.
fn flags_named(text: &str) -> BTreeSet<String> {
    text.match_indices("--")
        .filter(|(i, _)| !text[..*i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '-'))
        .map(|(i, _)| {
            let name: String = text[i + 2..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '-')
                .collect();
            format!("--{name}")
        })
        .filter(|f| f[2..].starts_with(|c: char| c.is_ascii_lowercase()))
        .collect()
}

#[test]
fn every_command_and_flag_is_in_formats_md() {
    let inputs_section = section(FORMATS, "Inputs");
    let mut every_input = BTreeSet::new();
    for command in commands() {
        let text = section(FORMATS, &format!("flowverify {command}"));
        let (inputs, own) = flags(&command);
        for flag in &own {
            assert!(
                names(text, flag),
                "docs/formats.md, flowverify {command}, does not name {flag}"
            );
        }
        if !inputs.is_empty() {
            assert!(
                text.contains("[INPUTS]"),
                "docs/formats.md, flowverify {command}: its usage lacks [INPUTS]"
            );
            for flag in &inputs {
                assert!(
                    names(inputs_section, flag),
                    "docs/formats.md, Inputs, does not name {flag}"
                );
            }
            every_input.extend(inputs.iter().cloned());
        }
        let has: BTreeSet<String> = own.union(&inputs).cloned().collect();
        for flag in flags_named(text) {
            assert!(
                has.contains(&flag),
                "docs/formats.md, flowverify {command}, names {flag}, which the command lacks"
            );
        }
    }
    for flag in flags_named(inputs_section) {
        assert!(
            every_input.contains(&flag),
            "docs/formats.md, Inputs, names {flag}, which no command takes"
        );
    }
}

#[test]
fn every_command_has_its_exit_statuses_in_formats_md_and_the_readme() {
    let commands: BTreeSet<String> = commands().into_iter().collect();
    for (name, doc) in [("docs/formats.md", FORMATS), ("README.md", README)] {
        let rows: BTreeSet<String> = table_keys(section(doc, "Exit statuses"))
            .into_iter()
            .collect();
        assert_eq!(
            rows, commands,
            "{name}, Exit statuses: one row per command of `flowverify --help`"
        );
    }
}

#[test]
fn the_readmes_scenario_checks_as_formats_md_shows() {
    let json = section(README, "A scenario document")
        .split("```json\n")
        .nth(1)
        .and_then(|s| s.split("```").next())
        .expect("the README has a scenario in a json block");
    let dir = std::env::temp_dir().join(format!("flowverify-docs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path: PathBuf = dir.join("web.json");
    std::fs::write(&path, json).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_flowverify"))
        .current_dir(&dir)
        .args(["check", "web.json"])
        .output()
        .expect("run flowverify");
    let _ = std::fs::remove_dir_all(&dir);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.ends_with("2 passed, 0 failed, 0 skipped\n"),
        "{stdout}"
    );
    let first = stdout.lines().next().unwrap_or_default();
    assert!(
        section(FORMATS, "flowverify check").contains(first),
        "docs/formats.md, flowverify check, does not show the line check writes: {first}"
    );
}
