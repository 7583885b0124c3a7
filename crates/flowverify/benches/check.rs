//! `make bench`: `flowverify check` at scale. A scenario of 100,000 flows against a 1,000-rule
//! subnet NSG (16 MB, the shape of the command line's resource test: each flow meets one rule,
//! spread over the whole NSG) read, verified and written line by line as `check` does it (the
//! text read into the scenario, the inputs compiled, each flow's verdict checked against its
//! expectation and its line written to a buffer), next to deflate at level 1 (what `gzip -1`
//! does) of the same text: the goal is within 3 times the yardstick.
//!
//! With `FLOWVERIFY_WRITE_SCENARIO=1` the bench also writes the scenario to
//! `/tmp/flowverify-check-100k.json`, for measuring the command line
//! (`/usr/bin/time -v flowverify check /tmp/flowverify-check-100k.json`).

use std::fmt::Write as _;
use std::io::Write as _;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use flowverify::scenario::{Outcome, Scenario, Tally};
use flowverify::Options;

const FLOWS: usize = 100_000;
const RULES: usize = 1_000;

/// The scenario's text: rules alternately Allow and Deny, each for one source address and one
/// destination port; flow `k` meets rule `7k mod 1000` and expects its access and name.
fn scenario() -> String {
    let source = |i: usize| format!("198.51.{}.{}", i / 250, i % 250);
    let access = |i: usize| if i.is_multiple_of(2) { "Allow" } else { "Deny" };
    let mut text = String::with_capacity(17 << 20);
    text.push_str(r#"{"version":1,"title":"100,000 flows against a 1,000-rule NSG","virtualNetwork":["10.0.0.0/16"],"subnetNsg":{"name":"nsg-big","properties":{"securityRules":["#);
    for i in 0..RULES {
        if i > 0 {
            text.push(',');
        }
        write!(
            text,
            r#"{{"name":"{a}App{i}","properties":{{"priority":{p},"access":"{a}","direction":"Inbound","protocol":"Tcp","sourceAddressPrefix":"{s}/32","sourcePortRange":"*","destinationAddressPrefix":"10.0.1.0/24","destinationPortRange":"{port}"}}}}"#,
            a = access(i),
            p = 100 + i,
            s = source(i),
            port = 10_000 + i
        )
        .unwrap();
    }
    text.push_str("]}},\"flows\":[");
    for k in 0..FLOWS {
        if k > 0 {
            text.push(',');
        }
        let i = (k * 7) % RULES;
        write!(
            text,
            r#"{{"direction":"Inbound","protocol":"Tcp","local":"10.0.1.4:{port}","remote":"{s}:{r}","expect":{{"access":"{a}","ruleName":"securityRules/{a}App{i}"}}}}"#,
            port = 10_000 + i,
            s = source(i),
            r = 1024 + k % 60_000,
            a = access(i)
        )
        .unwrap();
    }
    text.push_str("]}");
    text
}

/// What `check` does with a scenario's text: read it, verify and check every flow, and write
/// each flow's line (here to `out`); the tally.
fn check(text: &str, out: &mut Vec<u8>) -> Tally {
    let mut tally = Tally::default();
    let scenario = Scenario::from_json("big.json", text).expect("the scenario reads");
    // The text line needs no trace (`check --json` asks for one).
    let checks = scenario
        .into_checks("big.json", Options { trace: false })
        .expect("the flows read");
    out.clear();
    for check in checks {
        tally.add(&check.outcome);
        let verdict = &check.verdict;
        let _ = write!(
            out,
            "{}  big.json  flows[{}]  {}  {}",
            check.outcome.word(),
            check.index,
            check.spec,
            verdict.access
        );
        if let Some(rule) = &verdict.rule_name {
            let _ = write!(out, " by {rule}");
        }
        let _ = writeln!(
            out,
            " ({} {})",
            verdict.decided_by.layer.as_str(),
            verdict.decided_by.resource.as_deref().unwrap_or_default()
        );
        if let Outcome::Failed(why) = &check.outcome {
            let _ = writeln!(out, "  - {why}");
        }
    }
    tally
}

fn benches(c: &mut Criterion) {
    let text = scenario();
    if std::env::var_os("FLOWVERIFY_WRITE_SCENARIO").is_some() {
        std::fs::write("/tmp/flowverify-check-100k.json", &text)
            .expect("write /tmp/flowverify-check-100k.json");
        eprintln!(
            "wrote /tmp/flowverify-check-100k.json ({} bytes)",
            text.len()
        );
    }
    let mut out = Vec::new();
    let tally = check(&text, &mut out);
    assert_eq!(
        (tally.passed, tally.failed, tally.skipped),
        (FLOWS, 0, 0),
        "every flow meets its expectation"
    );
    eprintln!(
        "scenario: {} bytes, {FLOWS} flows, {RULES} rules; output {} bytes",
        text.len(),
        out.len()
    );

    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("check 100,000 flows x 1,000 rules (16 MB)", |b| {
        b.iter(|| check(black_box(&text), &mut out).passed)
    });
    // The yardstick: compressing the same bytes as `gzip -1` does, on the same machine.
    group.bench_function(
        "yardstick: deflate level 1 (gzip -1) of the same scenario",
        |b| b.iter(|| miniz_oxide::deflate::compress_to_vec(black_box(text.as_bytes()), 1).len()),
    );
    group.finish();
}

criterion_group!(check_bench, benches);
criterion_main!(check_bench);
