//! Bounded resources, measured on the real binary (Linux): `check` streams, so its peak memory
//! does not grow with the number of flows (20,000 flows against a 1,000-rule NSG stay far under
//! 200 MB, text and `--json`), and an input that never ends (a device, a pipe) is refused after
//! 256 MiB without using more than that.
//!
//! Each child's peak resident set comes from `wait4`'s `rusage` for that child alone, so tests
//! running beside it do not disturb the figure. The figures are printed (`cargo test -- --nocapture`).

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

mod support;
use support::Scratch;

/// How one run of the binary ended: its exit code, its peak resident set and its time.
struct Ended {
    code: i32,
    peak_bytes: u64,
    elapsed: Duration,
}

/// Waits for the child `pid` with `wait4`, which reports the resources of that child alone.
fn wait_measured(pid: u32, started: Instant) -> Ended {
    let pid = libc::pid_t::try_from(pid).expect("a pid");
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain old data that wait4 fills in; `status` likewise.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4: {}", std::io::Error::last_os_error());
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    Ended {
        code,
        // Linux reports ru_maxrss in kilobytes.
        peak_bytes: u64::try_from(usage.ru_maxrss).unwrap_or(0) * 1024,
        elapsed: started.elapsed(),
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}

/// Runs the binary with `args`, stdout to `stdout` and stderr to `stderr`, and measures it.
fn run_measured(args: &[&str], stdout: Stdio, stderr: &Path) -> Ended {
    let started = Instant::now();
    // Reaped by wait4 in wait_measured, not by std.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(env!("CARGO_BIN_EXE_flowverify"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(File::create(stderr).expect("stderr file"))
        .spawn()
        .expect("run flowverify");
    // The Child is not waited for by std: wait4 reaps it.
    wait_measured(child.id(), started)
}

/// Writes a scenario with a 1,000-rule subnet NSG (Allow and Deny rules alternating, each for
/// one source address and one port) and `flows` inbound flows, each expected to meet the rule
/// of its port; `rule_of(k)` picks the rule flow `k` meets (and so how much of the NSG it walks).
///
/// Written piece by piece, never held whole: Linux carries a process's peak resident set into
/// the children it starts (across exec), so this process must stay small for the children's
/// figures to be their own.
fn write_big_scenario(path: &Path, flows: usize, rule_of: impl Fn(usize) -> usize) {
    let file = File::create(path).expect("create scenario");
    let mut out = std::io::BufWriter::new(file);
    let source = |i: usize| format!("198.51.{}.{}", i / 250, i % 250);
    let access = |i: usize| if i.is_multiple_of(2) { "Allow" } else { "Deny" };
    let head = r#"{"version":1,"title":"flows against a 1,000-rule NSG","virtualNetwork":["10.0.0.0/16"],"subnetNsg":{"name":"nsg-big","properties":{"securityRules":["#;
    out.write_all(head.as_bytes()).expect("write");
    fn w(out: &mut impl Write, value: &Value, sep: &str) {
        out.write_all(sep.as_bytes()).expect("write");
        serde_json::to_writer(&mut *out, value).expect("write");
    }
    for i in 0..1000 {
        let rule = json!({
            "name": format!("{}App{i}", access(i)),
            "properties": {
                "priority": 100 + i,
                "access": access(i),
                "direction": "Inbound",
                "protocol": "Tcp",
                "sourceAddressPrefix": format!("{}/32", source(i)),
                "sourcePortRange": "*",
                "destinationAddressPrefix": "10.0.1.0/24",
                "destinationPortRange": format!("{}", 10_000 + i)
            }
        });
        w(&mut out, &rule, if i == 0 { "" } else { "," });
    }
    for k in 0..flows {
        let i = rule_of(k);
        let flow = json!({
            "direction": "Inbound",
            "protocol": "Tcp",
            "local": format!("10.0.1.4:{}", 10_000 + i),
            "remote": format!("{}:{}", source(i), 1024 + k % 60_000),
            "expect": {
                "access": access(i),
                "ruleName": format!("securityRules/{}App{i}", access(i))
            }
        });
        w(
            &mut out,
            &flow,
            if k == 0 { "]}},\"flows\":[" } else { "," },
        );
    }
    out.write_all(b"]}").expect("write");
    out.flush().expect("flush");
}

/// The peak resident set of this process's memory (`VmHWM`): what a child started now inherits
/// as the floor of its own figure (see [`write_big_scenario`]).
fn own_peak_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

const LIMIT_BYTES: u64 = 200 * 1000 * 1000;

/// `check` of 20,000 flows against a 1,000-rule NSG: constant memory per flow, text and JSON.
#[test]
fn check_of_20000_flows_against_1000_rules_stays_under_200_mb() {
    let s = Scratch::new("check-20000");

    // Text: the flows meet rules all over the NSG (500 rules walked on average).
    let spread = s.dir.join("spread.json");
    write_big_scenario(&spread, 20_000, |k| (k * 7) % 1000);
    let spread_arg = spread.display().to_string();
    let out = s.dir.join("check.txt");
    let err = s.dir.join("check.err");
    let text = run_measured(
        &["check", &spread_arg],
        File::create(&out).expect("stdout file").into(),
        &err,
    );
    let stderr = std::fs::read_to_string(&err).expect("stderr");
    assert_eq!(text.code, 0, "{stderr}");
    eprintln!(
        "check, text, 20,000 flows x 1,000 rules: peak RSS {:.1} MB in {:.1?}",
        mb(text.peak_bytes),
        text.elapsed
    );

    // JSON Lines to a sink, each line with its full trace. Most flows meet one of the first 50
    // rules and every 40th walks to the end of the NSG (over 1,000 rules in its trace), so the
    // output stays a few hundred MB in a debug build; the largest result object is in it.
    let early = s.dir.join("early.json");
    write_big_scenario(&early, 20_000, |k| {
        if k % 40 == 0 {
            999 - k % 7
        } else {
            k % 50
        }
    });
    let early_arg = early.display().to_string();
    let json = run_measured(&["check", "--json", &early_arg], Stdio::null(), &err);
    let stderr = std::fs::read_to_string(&err).expect("stderr");
    assert_eq!(json.code, 0, "{stderr}");
    eprintln!(
        "check --json, 20,000 flows x 1,000 rules: peak RSS {:.1} MB in {:.1?}",
        mb(json.peak_bytes),
        json.elapsed
    );

    eprintln!(
        "(a child's figure is at least this test process's own peak, {:.1} MB, which Linux carries across exec)",
        mb(own_peak_bytes())
    );
    // Read the text output only now, not to grow this process before the runs.
    let stdout = std::fs::read_to_string(&out).expect("stdout");
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("PASS")).count(),
        20_000
    );
    assert_eq!(
        stdout.lines().last(),
        Some("20000 passed, 0 failed, 0 skipped")
    );
    for (what, ended) in [("text", &text), ("--json", &json)] {
        assert!(
            ended.peak_bytes < LIMIT_BYTES,
            "check {what}: peak RSS {:.1} MB",
            mb(ended.peak_bytes)
        );
    }
}

/// `check` of 100,000 flows (a 16 MB scenario) peaks within 4 times the scenario's size, as
/// every input should: the flows are read one at a time as the text is parsed, never held as
/// one JSON tree (which took over 10 times the size: 172 MB).
#[test]
fn check_of_100000_flows_peaks_within_4_times_its_size() {
    let s = Scratch::new("check-100000");
    let path = s.dir.join("big.json");
    write_big_scenario(&path, 100_000, |k| (k * 7) % 1000);
    let size = std::fs::metadata(&path).expect("the scenario").len();
    let arg = path.display().to_string();
    let err = s.dir.join("check.err");
    let out = s.dir.join("check.txt");
    let ended = run_measured(
        &["check", &arg],
        File::create(&out).expect("stdout file").into(),
        &err,
    );
    let stderr = std::fs::read_to_string(&err).expect("stderr");
    assert_eq!(ended.code, 0, "{stderr}");
    eprintln!(
        "check, 100,000 flows x 1,000 rules ({:.1} MB): peak RSS {:.1} MB in {:.1?}",
        mb(size),
        mb(ended.peak_bytes),
        ended.elapsed
    );
    let stdout = std::fs::read_to_string(&out).expect("stdout");
    assert_eq!(
        stdout.lines().last(),
        Some("100000 passed, 0 failed, 0 skipped")
    );
    assert!(
        ended.peak_bytes <= 4 * size,
        "peak RSS {:.1} MB for a {:.1} MB scenario",
        mb(ended.peak_bytes),
        mb(size)
    );
}

/// A pipe that never ends, on standard input: refused after 256 MiB, exit 2, memory bounded.
#[test]
fn an_endless_pipe_is_refused_after_256_mib() {
    let s = Scratch::new("endless");
    let err = s.dir.join("endless.err");
    let started = Instant::now();
    // Reaped by wait4 in wait_measured, not by std.
    #[allow(clippy::zombie_processes)]
    let mut child = Command::new(env!("CARGO_BIN_EXE_flowverify"))
        .args([
            "verify",
            "--subnet-nsg",
            "-",
            "--direction",
            "inbound",
            "--protocol",
            "tcp",
            "--local",
            "10.0.1.4:1",
            "--remote",
            "10.0.2.5:2",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(File::create(&err).expect("stderr file"))
        .spawn()
        .expect("run flowverify");
    let mut stdin = child.stdin.take().expect("a pipe to its stdin");
    // Spaces forever (valid JSON whitespace), until the reader hangs up.
    let writer = std::thread::spawn(move || {
        let chunk = vec![b' '; 1 << 16];
        let mut sent: u64 = 0;
        while stdin.write_all(&chunk).is_ok() {
            sent += chunk.len() as u64;
        }
        sent
    });
    let ended = wait_measured(child.id(), started);
    let sent = writer.join().expect("the writer ends");
    let stderr = std::fs::read_to_string(&err).expect("stderr");
    assert_eq!(ended.code, 2, "{stderr}");
    assert!(
        stderr.starts_with("error: <stdin>: the input is larger than 256 MiB"),
        "{stderr}"
    );
    assert!(sent <= (256 << 20) + (1 << 20), "read {sent} bytes");
    eprintln!(
        "endless pipe: refused after {:.1} MB sent, peak RSS {:.1} MB in {:.1?}",
        mb(sent),
        mb(ended.peak_bytes),
        ended.elapsed
    );
    assert!(
        ended.peak_bytes < 400 * 1000 * 1000,
        "peak RSS {:.1} MB",
        mb(ended.peak_bytes)
    );

    // /dev/zero, as a FILE argument: the same.
    let zero = run_measured(&["check", "/dev/zero"], Stdio::null(), &err);
    let stderr = std::fs::read_to_string(&err).expect("stderr");
    assert_eq!(zero.code, 2, "{stderr}");
    assert!(
        stderr.contains("/dev/zero: the input is larger than 256 MiB"),
        "{stderr}"
    );
    eprintln!(
        "/dev/zero: peak RSS {:.1} MB in {:.1?}",
        mb(zero.peak_bytes),
        zero.elapsed
    );
    assert!(zero.peak_bytes < 400 * 1000 * 1000);
}

/// A regular file over 256 MiB is refused by its size, without being read.
#[test]
fn a_file_over_256_mib_is_refused_unread() {
    let s = Scratch::new("sparse");
    let path = s.dir.join("huge.json");
    let file = File::create(&path).expect("create");
    // Sparse: no disk space used.
    file.set_len((256 << 20) + 1).expect("set_len");
    let arg = path.display().to_string();
    let err = s.dir.join("huge.err");
    let ended = run_measured(&["check", &arg], Stdio::null(), &err);
    let stderr = std::fs::read_to_string(&err).expect("stderr");
    assert_eq!(ended.code, 2, "{stderr}");
    assert!(
        stderr.contains("huge.json: the input is larger than 256 MiB"),
        "{stderr}"
    );
    assert!(
        ended.peak_bytes < 50 * 1000 * 1000,
        "peak RSS {:.1} MB",
        mb(ended.peak_bytes)
    );
}

/// Writes an NSG flow log (version 2) of `n` distinct inbound flows to port 443, one tuple each
/// (records of 10,000), piece by piece (see [`write_big_scenario`]).
fn write_distinct_log(path: &Path, n: u32) {
    let file = File::create(path).expect("create log");
    let mut out = std::io::BufWriter::new(file);
    out.write_all(b"{\"records\":[").expect("write");
    for i in 0..n {
        if i.is_multiple_of(10_000) {
            if i > 0 {
                out.write_all(b"]}]}]}},").expect("write");
            }
            out.write_all(b"{\"category\":\"NetworkSecurityGroupFlowEvent\",\"properties\":{\"Version\":2,\"flows\":[{\"rule\":\"UserRule_X\",\"flows\":[{\"mac\":\"000D3AF87856\",\"flowTuples\":[").expect("write");
        } else {
            out.write_all(b",").expect("write");
        }
        let [_, a, b, c] = i.to_be_bytes();
        write!(
            out,
            "\"1704067200,10.{a}.{b}.{c},10.200.0.4,{},443,T,I,A,E,3,300,2,200\"",
            1024 + i % 60_000
        )
        .expect("write");
    }
    out.write_all(b"]}]}]}}]}").expect("write");
    out.flush().expect("flush");
}

/// `replay` keeps a distinct flow in a few dozen bytes, and writes its report as it goes: the
/// peak memory beyond the file read stays within 100 bytes per distinct flow as text (the
/// flows were kept as a hash map of addresses: about 230), and within 250 with every flow an
/// example (`--json --limit` larger than the flows: the report was built as a JSON tree first,
/// about 2,000 bytes per flow).
#[test]
fn replay_memory_grows_with_distinct_flows_only() {
    const FLOWS: u32 = 400_000;
    let s = Scratch::new("replay-400000");
    let log = s.dir.join("PT1H.json");
    write_distinct_log(&log, FLOWS);
    let size = std::fs::metadata(&log).expect("the log").len();
    let nsg = s.dir.join("deny.json");
    std::fs::write(
        &nsg,
        r#"{"name": "nsg-deny", "securityRules": [{"name": "DenyHttps", "properties": {
          "priority": 100, "direction": "Inbound", "access": "Deny", "protocol": "Tcp",
          "sourceAddressPrefix": "*", "sourcePortRange": "*", "destinationAddressPrefix": "*",
          "destinationPortRange": "443"}}]}"#,
    )
    .expect("write the NSG");
    let (log_arg, nsg_arg) = (log.display().to_string(), nsg.display().to_string());
    let err = s.dir.join("replay.err");
    let out = s.dir.join("replay.txt");
    let text = run_measured(
        &["replay", "--nic-nsg", &nsg_arg, &log_arg],
        File::create(&out).expect("stdout file").into(),
        &err,
    );
    let stderr = std::fs::read_to_string(&err).expect("stderr");
    assert_eq!(text.code, 1, "{stderr}");
    let json = run_measured(
        &[
            "replay",
            "--nic-nsg",
            &nsg_arg,
            &log_arg,
            "--json",
            "--limit",
            "1000000000",
        ],
        Stdio::null(),
        &err,
    );
    let stderr = std::fs::read_to_string(&err).expect("stderr");
    assert_eq!(json.code, 1, "{stderr}");
    let per_flow = |ended: &Ended| ended.peak_bytes.saturating_sub(size) / u64::from(FLOWS);
    eprintln!(
        "replay of {FLOWS} distinct flows ({:.1} MB): text peak RSS {:.1} MB ({} bytes a flow beyond the file) in {:.1?}; --json, every flow an example: {:.1} MB ({} bytes a flow) in {:.1?}",
        mb(size),
        mb(text.peak_bytes),
        per_flow(&text),
        text.elapsed,
        mb(json.peak_bytes),
        per_flow(&json),
        json.elapsed
    );
    let stdout = std::fs::read_to_string(&out).expect("stdout");
    assert!(
        stdout.starts_with("400,000 tuples read from 1 file: 400,000 distinct flows\n"),
        "{stdout}"
    );
    assert!(
        per_flow(&text) <= 100,
        "text: {} bytes a flow",
        per_flow(&text)
    );
    assert!(
        per_flow(&json) <= 250,
        "--json: {} bytes a flow",
        per_flow(&json)
    );
}
