//! The command line on hostile input and output (the issue "Exact and bounded on hostile
//! input"): a write that fails (a full disk, a closed pipe) is an error with exit 2 in every
//! command; a search flag given as an empty list, or a `--rule` naming no rule, is bad input;
//! ports asked of Icmp are warned about; names crafted to reorder or hide text (bidirectional
//! overrides and isolates, line separators, zero-width characters) never reach the output raw,
//! neither in JSON nor in text; and a permalink's baseline is checked like its inputs.

use std::fs::File;
use std::os::fd::{FromRawFd, OwnedFd};
use std::process::{Command, Stdio};

use serde_json::{json, Value};

mod support;
use support::{flowverify, Run, Scratch};

/// Runs the binary with its standard output going to `stdout`; returns the exit status and
/// standard error.
fn flowverify_into(args: &[&str], stdout: Stdio) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_flowverify"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .expect("run flowverify");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// `/dev/full`: every write fails with "no space left on device".
fn full_disk() -> Stdio {
    Stdio::from(
        File::options()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full"),
    )
}

/// The write end of a pipe whose read end is already closed: every write fails with a broken
/// pipe, as `flowverify ... | head -0` would (with no race: nobody ever reads).
fn closed_pipe() -> Stdio {
    let mut fds = [0; 2];
    // SAFETY: `pipe` fills the two descriptors; each is owned exactly once below.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0, "pipe");
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    Stdio::from(write)
}

/// One NSG rule in the REST shape.
fn rule(name: &str, properties: Value) -> Value {
    let mut props = json!({
        "protocol": "*", "sourcePortRange": "*", "destinationPortRange": "*",
        "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "direction": "Inbound",
    });
    if let (Some(base), Some(extra)) = (props.as_object_mut(), properties.as_object()) {
        for (k, v) in extra {
            if v.is_null() {
                base.remove(k);
            } else {
                base.insert(k.clone(), v.clone());
            }
        }
    }
    json!({"name": name, "properties": props})
}

fn nsg(name: &str, rules: Vec<Value>) -> Value {
    json!({"name": name, "properties": {"securityRules": rules}})
}

/// The characters that can make text display in another order than it is (bidirectional
/// embeddings, overrides, isolates and marks), break a line where none is seen (the line and
/// paragraph separators, NEL) or hide text (zero-width space, byte-order mark).
const HOSTILE: [char; 17] = [
    '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}', '\u{200e}', '\u{200f}', '\u{061c}', '\u{2028}', '\u{2029}', '\u{85}', '\u{200b}',
    '\u{feff}',
];

/// A rule name holding every hostile character.
fn crafted_rule() -> String {
    let mut name = String::from("Allow");
    name.extend(HOSTILE);
    name.push_str("Ssh");
    name
}

/// An NSG name holding an override and a zero-width space.
const CRAFTED_NSG: &str = "nsg\u{202e}bew\u{2028}\u{200b}1";

/// A scenario whose NIC NSG allows SSH by the crafted rule, has a rule the crafted rule
/// shadows (a lint finding naming both), and one flow expecting the crafted rule.
fn crafted_scenario() -> Value {
    json!({
        "version": 1,
        "title": "crafted \u{202e}title\u{2029}1",
        "nicNsg": nsg(CRAFTED_NSG, vec![
            rule(&crafted_rule(), json!({"priority": 100, "access": "Allow", "protocol": "Tcp",
                                         "destinationPortRange": "22"})),
            rule("AllowSshAgain", json!({"priority": 200, "access": "Allow", "protocol": "Tcp",
                                          "destinationPortRange": "22"})),
        ]),
        "flows": [{"direction": "Inbound", "protocol": "Tcp", "local": "10.0.1.4:22",
                   "remote": "203.0.113.7:50000",
                   "expect": {"access": "Allow", "ruleName": format!("securityRules/{}", crafted_rule())}}],
    })
}

/// Asserts that no hostile character is in `text` raw.
fn no_raw_hostile(what: &str, text: &str) {
    for c in HOSTILE {
        assert!(
            !text.contains(c),
            "{what}: U+{:04X} printed raw:\n{text}",
            u32::from(c)
        );
    }
}

/// Asserts JSON output: nothing hostile raw, each written `\uXXXX`, and the value read back
/// holds the crafted name exactly.
fn escaped_json(what: &str, text: &str) {
    no_raw_hostile(what, text);
    for c in HOSTILE {
        let written = format!("\\u{:04x}", u32::from(c));
        assert!(text.contains(&written), "{what}: no {written}:\n{text}");
    }
}

// ---------------------------------------------------------------- failed writes

/// Every command, with what it needs to print something.
fn every_command(s: &Scratch) -> Vec<Vec<String>> {
    let scenario = s.write_json("web.json", &crafted_scenario());
    let mut other = crafted_scenario();
    other["nicNsg"]["properties"]["securityRules"][0]["properties"]["destinationPortRange"] =
        json!("23");
    let other = s.write_json("other.json", &other);
    let nsg = s.write_json(
        "nsg.json",
        &nsg(
            "nsg-web",
            vec![rule(
                "AllowHttps",
                json!({"priority": 100, "access": "Allow", "protocol": "Tcp",
                                                  "destinationPortRange": "443"}),
            )],
        ),
    );
    let log = s.write(
        "PT1H.json",
        r#"{"records": [{"time": "2024-01-01T00:00:00Z", "category": "NetworkSecurityGroupFlowEvent",
  "properties": {"Version": 2, "flows": [{"rule": "UserRule_Any", "flows": [{"mac": "000D3AF87856",
  "flowTuples": ["1704067200,203.0.113.7,10.0.1.4,50000,443,T,I,A,E,10,1000,8,800"]}]}]}}]}"#,
    );
    let link = flowverify(&["permalink", "encode", &scenario])
        .code(0)
        .stdout
        .clone();
    let verify = |json: bool| {
        let mut args = vec![
            "verify",
            "--scenario",
            &scenario,
            "--direction",
            "inbound",
            "--protocol",
            "tcp",
            "--local",
            "10.0.1.4:22",
            "--remote",
            "203.0.113.7:50000",
        ];
        if json {
            args.push("--json");
        }
        args.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let own = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    vec![
        verify(false),
        verify(true),
        own(&["check", &scenario]),
        own(&["check", "--json", &scenario]),
        own(&["reach", "--scenario", &scenario, "--direction", "inbound"]),
        own(&[
            "reach",
            "--scenario",
            &scenario,
            "--direction",
            "inbound",
            "--json",
        ]),
        own(&["search", "--scenario", &scenario, "--direction", "inbound"]),
        own(&[
            "search",
            "--scenario",
            &scenario,
            "--direction",
            "inbound",
            "--json",
        ]),
        own(&["lint", "--scenario", &scenario]),
        own(&["lint", "--scenario", &scenario, "--json"]),
        own(&["diff", &scenario, &other]),
        own(&["diff", &scenario, &other, "--json"]),
        own(&["permalink", "encode", &scenario]),
        own(&["permalink", "decode", link.trim()]),
        own(&["assumptions"]),
        own(&["replay", "--nic-nsg", &nsg, &log]),
        own(&["replay", "--nic-nsg", &nsg, &log, "--json"]),
        own(&["--help"]),
        own(&["--version"]),
    ]
}

#[test]
fn a_full_disk_is_an_error_in_every_command() {
    let s = Scratch::new("full");
    for args in every_command(&s) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stderr) = flowverify_into(&args, full_disk());
        assert_eq!(code, 2, "{args:?}: exit {code}, stderr:\n{stderr}");
        assert!(
            stderr.starts_with("error: <stdout>: cannot write the output: ")
                && stderr.contains("no space left on the device"),
            "{args:?}:\n{stderr}"
        );
    }
}

#[test]
fn a_closed_pipe_is_an_error_in_every_command() {
    let s = Scratch::new("pipe");
    for args in every_command(&s) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stderr) = flowverify_into(&args, closed_pipe());
        assert_eq!(code, 2, "{args:?}: exit {code}, stderr:\n{stderr}");
        assert!(
            stderr.starts_with("error: <stdout>: cannot write the output: ")
                && stderr.contains("broken pipe"),
            "{args:?}:\n{stderr}"
        );
    }
}

#[test]
fn the_output_still_works_when_it_can_be_written() {
    // The same commands, to a pipe that is read: each ends as it did (the failed-write tests
    // above would pass for a command that could not write at all).
    let s = Scratch::new("written");
    for args in every_command(&s) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = flowverify(&args);
        assert!(
            matches!(run.code, 0 | 1) && !run.stdout.is_empty() && run.stderr.is_empty(),
            "{args:?}: exit {}\nstdout:\n{}\nstderr:\n{}",
            run.code,
            run.stdout,
            run.stderr
        );
    }
}

// ---------------------------------------------------------------- search arguments

/// A NIC NSG that allows SSH from the admin subnet.
fn ssh_nsg(s: &Scratch) -> String {
    s.write_json(
        "nsg.json",
        &nsg(
            "nsg-web",
            vec![rule(
                "AllowSsh",
                json!({"priority": 100, "access": "Allow", "protocol": "Tcp",
                       "sourceAddressPrefix": "10.10.0.0/24", "destinationPortRange": "22"}),
            )],
        ),
    )
}

#[test]
fn an_empty_list_in_a_search_flag_is_bad_input_not_any() {
    let s = Scratch::new("empty-lists");
    let nsg = ssh_nsg(&s);
    let search = |flag: &str, value: &str| {
        flowverify(&[
            "search",
            "--nic-nsg",
            &nsg,
            "--direction",
            "inbound",
            flag,
            value,
        ])
    };
    for (flag, value, says) in [
        (
            "--source",
            "",
            "'' is not an IP address, CIDR block, * or tag name",
        ),
        (
            "--source",
            ",",
            "'' is not an IP address, CIDR block, * or tag name",
        ),
        (
            "--source",
            " , ",
            "'' is not an IP address, CIDR block, * or tag name",
        ),
        (
            "--source",
            "10.10.0.0/24,,Internet",
            "'' is not an IP address, CIDR block, * or tag name",
        ),
        (
            "--destination",
            "10.0.1.4,",
            "'' is not an IP address, CIDR block, * or tag name",
        ),
        (
            "--destination-port",
            "",
            "port '' is not a number from 0 to 65535, a range A-B or *",
        ),
        (
            "--destination-port",
            "22,",
            "port '' is not a number from 0 to 65535, a range A-B or *",
        ),
        (
            "--source-port",
            ",",
            "port '' is not a number from 0 to 65535, a range A-B or *",
        ),
    ] {
        let run = search(flag, value);
        run.bad_input(&[&format!("'{value}' for '{flag}"), says]);
        assert_eq!(run.stdout, "", "{flag} {value:?}");
    }
    // Lists with every entry given still work.
    search("--source", "10.10.0.0/24, 10.20.0.0/24").code(0);
    search("--destination-port", "22,80-90").code(0);
}

#[test]
fn a_search_for_a_rule_the_inputs_do_not_have_is_bad_input_with_a_did_you_mean() {
    let s = Scratch::new("unknown-rule");
    let nsg = ssh_nsg(&s);
    let search = |rule: &str| {
        flowverify(&[
            "search",
            "--nic-nsg",
            &nsg,
            "--direction",
            "inbound",
            "--rule",
            rule,
        ])
    };
    let run = search("AlowSsh");
    run.bad_input(&[
        "command line: --rule: no rule of the inputs is named 'AlowSsh'",
        "did you mean 'securityRules/AllowSsh'?",
    ]);
    assert_eq!(run.stdout, "");
    search("securityRules/DenyAllInbund")
        .bad_input(&["did you mean 'defaultSecurityRules/DenyAllInBound'?"]);
    // Nothing close: the message says how rules are named.
    search("Zzzzzzzzzzzz").bad_input(&["'Zzzzzzzzzzzz'", "securityRules/NAME"]);
    search("").bad_input(&["--rule"]);
    // The rule's name as ruleName writes it, bare, or in another case, is found.
    for name in [
        "securityRules/AllowSsh",
        "AllowSsh",
        "allowssh",
        "DenyAllInBound",
    ] {
        let run = search(name);
        run.code(0);
        assert!(run.stdout.starts_with("Found:\n"), "{name}: {}", run.stdout);
    }
    // Admin rules are rules of the inputs too.
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/../../samples/web-tier.json");
    let admin = |rule: &str| {
        flowverify(&[
            "search",
            "--scenario",
            sample,
            "--direction",
            "inbound",
            "--rule",
            rule,
        ])
    };
    admin("AlwaysAllowMgmtSh")
        .bad_input(&["did you mean 'securityAdminRules/AlwaysAllowMgmtSsh'?"]);
    admin("securityAdminRules/AlwaysAllowMgmtSsh").code(0);
    // A rule that exists but decides no flow of the query: the proof of none, exit 1.
    let run = flowverify(&[
        "search",
        "--nic-nsg",
        &nsg,
        "--direction",
        "inbound",
        "--source",
        "203.0.113.0/24",
        "--rule",
        "AllowSsh",
    ]);
    run.code(1);
    assert!(run.stdout.starts_with("None: "), "{}", run.stdout);
}

#[test]
fn ports_asked_of_a_protocol_without_ports_are_warned_about() {
    let s = Scratch::new("icmp-ports");
    let nsg = ssh_nsg(&s);
    let search = |extra: &[&str]| {
        let mut args = vec!["search", "--nic-nsg", &nsg, "--direction", "inbound"];
        args.extend_from_slice(extra);
        flowverify(&args)
    };
    let run = search(&["--protocol", "icmp", "--destination-port", "22"]);
    run.code(1);
    assert!(run.stdout.starts_with("None: "), "{}", run.stdout);
    assert_eq!(
        run.stderr,
        "warning: command line: --destination-port: Icmp flows have no ports: no Icmp flow is \
         in a query that names ports (leave the ports out, or give *, to include them)\n"
    );
    let run = search(&["--protocol", "tcp,esp,ah", "--source-port", "1000-2000"]);
    run.code(0);
    assert!(
        run.stderr
            .contains("--source-port: Esp and Ah flows have no ports"),
        "{}",
        run.stderr
    );
    // No warning where nothing is lost: ports any, or only protocols with ports, or protocols
    // left to any.
    for extra in [
        &["--protocol", "icmp", "--destination-port", "*"][..],
        &["--protocol", "icmp", "--destination-port", "0-65535"],
        &["--protocol", "tcp,udp", "--destination-port", "22"],
        &["--destination-port", "22"],
    ] {
        let run = search(extra);
        assert_eq!(run.stderr, "", "{extra:?}");
    }
}

// ---------------------------------------------------------------- escaping

#[test]
fn json_output_escapes_what_would_reorder_or_hide_text() {
    let s = Scratch::new("json-escapes");
    let scenario = s.write_json("web.json", &crafted_scenario());
    let verify = flowverify(&[
        "verify",
        "--scenario",
        &scenario,
        "--direction",
        "inbound",
        "--protocol",
        "tcp",
        "--local",
        "10.0.1.4:22",
        "--remote",
        "203.0.113.7:50000",
        "--json",
    ]);
    verify.code(0);
    escaped_json("verify --json", &verify.stdout);
    let v = verify.json();
    assert_eq!(
        v["ruleName"],
        format!("securityRules/{}", crafted_rule()),
        "the name is kept exactly"
    );
    assert_eq!(v["decidedBy"]["resource"], CRAFTED_NSG);

    let check = flowverify(&["check", "--json", &scenario]);
    check.code(0);
    escaped_json("check --json", &check.stdout);
    assert_eq!(check.stdout.lines().count(), 1, "{}", check.stdout);
    let line: Value = serde_json::from_str(check.stdout.trim_end()).expect("a JSON line");
    assert_eq!(line["title"], "crafted \u{202e}title\u{2029}1");
    assert_eq!(
        line["expect"]["ruleName"],
        format!("securityRules/{}", crafted_rule())
    );

    let lint = flowverify(&["lint", "--scenario", &scenario, "--json"]);
    lint.code(1);
    escaped_json("lint --json", &lint.stdout);
    let findings = lint.json();
    assert!(
        findings["findings"].as_array().is_some_and(|f| f
            .iter()
            .any(|f| f["blockingRules"] == json!([format!("securityRules/{}", crafted_rule())]))),
        "{findings}"
    );

    let reach = flowverify(&[
        "reach",
        "--scenario",
        &scenario,
        "--direction",
        "inbound",
        "--json",
    ]);
    reach.code(0);
    escaped_json("reach --json", &reach.stdout);
    assert!(reach.json()["regions"]
        .as_array()
        .is_some_and(|r| r.iter().any(|r| r["decidedBy"]["resource"] == CRAFTED_NSG)));

    let search = flowverify(&[
        "search",
        "--scenario",
        &scenario,
        "--direction",
        "inbound",
        "--rule",
        &crafted_rule(),
        "--json",
    ]);
    search.code(0);
    escaped_json("search --json", &search.stdout);

    let mut other = crafted_scenario();
    other["nicNsg"]["properties"]["securityRules"][0]["properties"]["access"] = json!("Deny");
    let other = s.write_json("other.json", &other);
    let diff = flowverify(&["diff", &scenario, &other, "--json"]);
    diff.code(1);
    escaped_json("diff --json", &diff.stdout);

    let link = flowverify(&["permalink", "encode", &scenario]);
    link.code(0);
    let decoded = flowverify(&["permalink", "decode", link.stdout.trim()]);
    decoded.code(0);
    escaped_json("permalink decode", &decoded.stdout);
    assert_eq!(decoded.json(), crafted_scenario(), "decoded exactly");
}

#[test]
fn replay_json_escapes_them_too() {
    let s = Scratch::new("replay-escapes");
    // The crafted rule denies Tcp 443, which the log says was allowed: a newly denied group
    // named by the crafted rule, in the crafted NSG.
    let nsg = s.write_json(
        "nsg.json",
        &nsg(
            CRAFTED_NSG,
            vec![rule(
                &crafted_rule(),
                json!({"priority": 100, "access": "Deny", "protocol": "Tcp",
                       "destinationPortRange": "443"}),
            )],
        ),
    );
    let log = s.write(
        "PT1H.json",
        r#"{"records": [{"time": "2024-01-01T00:00:00Z", "category": "NetworkSecurityGroupFlowEvent",
  "properties": {"Version": 2, "flows": [{"rule": "UserRule_Any", "flows": [{"mac": "000D3AF87856",
  "flowTuples": ["1704067200,203.0.113.7,10.0.1.4,50000,443,T,I,A,E,10,1000,8,800"]}]}]}}]}"#,
    );
    let run = flowverify(&["replay", "--nic-nsg", &nsg, &log, "--json"]);
    run.code(1);
    escaped_json("replay --json", &run.stdout);
    let group = &run.json()["groups"][0];
    assert_eq!(
        group["ruleName"],
        format!("securityRules/{}", crafted_rule())
    );
    assert_eq!(group["decidedBy"]["resource"], CRAFTED_NSG);
}

#[test]
fn text_output_escapes_what_would_reorder_or_hide_text() {
    let s = Scratch::new("text-escapes");
    let scenario = s.write_json("web.json", &crafted_scenario());
    let hostile_in_text = |what: &str, run: &Run| {
        no_raw_hostile(what, &run.stdout);
        no_raw_hostile(what, &run.stderr);
        assert!(
            run.stdout.contains("Allow\\u{202a}\\u{202b}")
                && run.stdout.contains("\\u{200b}\\u{feff}Ssh"),
            "{what}:\n{}",
            run.stdout
        );
    };
    let verify = flowverify(&[
        "verify",
        "--scenario",
        &scenario,
        "--direction",
        "inbound",
        "--protocol",
        "tcp",
        "--local",
        "10.0.1.4:22",
        "--remote",
        "203.0.113.7:50000",
    ]);
    verify.code(0);
    hostile_in_text("verify", &verify);
    assert!(
        verify
            .stdout
            .lines()
            .next()
            .is_some_and(|l| l.ends_with("(NIC NSG nsg\\u{202e}bew\\u{2028}\\u{200b}1)")),
        "{}",
        verify.stdout
    );
    let check = flowverify(&["check", &scenario]);
    check.code(0);
    hostile_in_text("check", &check);
    let lint = flowverify(&["lint", "--scenario", &scenario]);
    lint.code(1);
    hostile_in_text("lint", &lint);
    let reach = flowverify(&["reach", "--scenario", &scenario, "--direction", "inbound"]);
    reach.code(0);
    hostile_in_text("reach", &reach);
    let search = flowverify(&[
        "search",
        "--scenario",
        &scenario,
        "--direction",
        "inbound",
        "--rule",
        &crafted_rule(),
    ]);
    search.code(0);
    hostile_in_text("search", &search);
    // An error quoting a crafted value is escaped alike.
    let bad = s.write_json(
        "bad.json",
        &json!({"version": 1, "virtualNetwork": [format!("10.0.0.0/8{}", crafted_rule())]}),
    );
    let run = flowverify(&["check", &bad]);
    run.bad_input(&["virtualNetwork[0]", "\\u{200b}\\u{feff}Ssh"]);
    no_raw_hostile("error", &run.stderr);
}

// ---------------------------------------------------------------- permalink baselines

#[test]
fn a_permalink_of_an_invalid_baseline_or_input_is_refused() {
    let s = Scratch::new("baseline");
    let good_nsg = nsg(
        "nsg-web",
        vec![rule(
            "AllowSsh",
            json!({"priority": 100, "access": "Allow", "protocol": "Tcp",
                   "destinationPortRange": "22"}),
        )],
    );
    let no_access = nsg(
        "nsg-old",
        vec![rule(
            "NoAccess",
            json!({"priority": 100, "protocol": "Tcp", "destinationPortRange": "22"}),
        )],
    );
    let cases = [
        (
            json!({"version": 1, "nicNsg": good_nsg,
                   "baseline": {"virtualNetwork": ["10.0.0.0/33"]}}),
            vec!["baseline.virtualNetwork[0]", "'10.0.0.0/33'"],
        ),
        (
            json!({"version": 1, "nicNsg": good_nsg, "baseline": {"nicNsg": no_access}}),
            vec!["baseline.nicNsg", "NoAccess", "access"],
        ),
        (
            json!({"version": 1, "nicNsg": good_nsg,
                   "baseline": {"asgs": {"asg-web": ["10.0.1.999"]}}}),
            vec!["baseline.asgs.asg-web[0]", "10.0.1.999"],
        ),
        // The inputs themselves, as the baseline is.
        (
            json!({"version": 1, "virtualNetwork": ["10.0.0.0/33"]}),
            vec!["virtualNetwork[0]", "'10.0.0.0/33'"],
        ),
        (
            json!({"version": 1, "subnetNsg": no_access}),
            vec!["subnetNsg", "NoAccess", "access"],
        ),
    ];
    for (i, (scenario, needles)) in cases.iter().enumerate() {
        let path = s.write_json(&format!("s{i}.json"), scenario);
        let mut with_file = needles.clone();
        let name = format!("s{i}.json: ");
        with_file.push(&name);
        let run = flowverify(&["permalink", "encode", &path]);
        run.bad_input(&with_file);
        assert_eq!(run.stdout, "", "{scenario}");
        // A link made elsewhere (by the engine alone, as another tool might) is refused when
        // decoded, with the same place and value.
        let parsed = flowverify::scenario::Scenario::from_json("s.json", &scenario.to_string())
            .expect("a scenario document");
        let link = flowverify::permalink::encode(&parsed).expect("a link");
        let run = flowverify(&["permalink", "decode", &link]);
        let mut with_link = needles.clone();
        with_link.push("permalink: ");
        run.bad_input(&with_link);
        assert_eq!(run.stdout, "", "{scenario}");
    }
    // A flow check would refuse, and every problem at once, each with its place.
    let path = s.write_json(
        "all.json",
        &json!({"version": 1,
                "flows": [{"direction": "Inbound", "protocol": "Tcp", "local": "10.0.1.4",
                           "remote": "203.0.113.7:50000"}],
                "baseline": {"virtualNetwork": ["10.0.0.0/33"], "subnetNsg": no_access}}),
    );
    let run = flowverify(&["permalink", "encode", &path]);
    run.bad_input(&[
        "all.json: flows[0]: local address 10.0.1.4 has no port",
        "all.json: baseline.subnetNsg.securityRules[0] (NoAccess).access: missing 'access'",
        "all.json: baseline.virtualNetwork[0]: '10.0.0.0/33'",
    ]);
    assert_eq!(run.stderr.lines().count(), 3, "{}", run.stderr);
    // A valid baseline still travels.
    let valid = json!({"version": 1, "nicNsg": good_nsg,
                       "baseline": {"nicNsg": good_nsg, "virtualNetwork": ["10.0.0.0/16"]}});
    let path = s.write_json("valid.json", &valid);
    let link = flowverify(&["permalink", "encode", &path]);
    link.code(0);
    let decoded = flowverify(&["permalink", "decode", link.stdout.trim()]);
    decoded.code(0);
    assert_eq!(decoded.json(), valid);
}

/// Reach in words prints what it shows, not what it lists: one rule of 4,000 IPv6 /128
/// sources (Azure's limit per side) is a line of four addresses and the count of the others,
/// made from the atoms (the old rendering went through every block of every box, quadratic).
#[test]
fn reach_in_words_is_as_long_as_what_it_shows() {
    let s = Scratch::new("reach-words");
    let sources: Vec<String> = (0..4000u32)
        .map(|i| format!("2001:db8:{:x}::{:x}", i / 7, i * 3 + 1))
        .collect();
    let scenario = json!({"version": 1, "nicNsg": nsg("nsg-web", vec![rule(
        "AllowSshFromHosts",
        json!({"priority": 100, "access": "Allow", "protocol": "Tcp",
               "sourceAddressPrefix": null, "sourceAddressPrefixes": sources,
               "destinationPortRange": "22"}),
    )])});
    let path = s.write_json("hosts.json", &scenario);
    let run = flowverify(&["reach", "--scenario", &path, "--direction", "inbound"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let allowed = run
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("Allow  securityRules/AllowSshFromHosts"))
        .nth(1)
        .expect("the rule's region is listed");
    assert!(
        allowed.starts_with("  Tcp 22 from 2001:db8::1, 2001:db8::4, 2001:db8::7, 2001:db8::a and 3996 more blocks to any"),
        "{allowed}"
    );
    assert!(run.stdout.len() < 8_000, "{} bytes", run.stdout.len());
    // The JSON lists them all, in one box.
    let json = flowverify(&[
        "reach",
        "--scenario",
        &path,
        "--direction",
        "inbound",
        "--json",
    ]);
    let regions = json.json()["regions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let ssh = regions
        .iter()
        .find(|r| r["ruleName"] == "securityRules/AllowSshFromHosts")
        .expect("listed");
    assert_eq!(ssh["flows"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        ssh["flows"][0]["source"].as_array().map(Vec::len),
        Some(4000)
    );
}

#[test]
fn json_that_would_list_too_much_is_refused_before_a_byte_is_written() {
    // Ten rules of 4,000 scattered IPv6 hosts, each on its own port: what DenyAllInBound
    // decides is, per port, every address but a rule's hosts (hundreds of thousands of blocks).
    let s = Scratch::new("too-long");
    let rules: Vec<serde_json::Value> = (0..10u32)
        .map(|r| {
            let sources: Vec<String> = (0..4000u32)
                .map(|i| {
                    format!(
                        "2001:db8:{:x}:{:x}::{:x}",
                        r,
                        i * 37 % 4096,
                        (i * 7919 + r) % 65536
                    )
                })
                .collect();
            rule(
                &format!("AllowHosts{r}"),
                json!({"priority": 100 + r, "access": "Allow", "protocol": "Tcp",
                       "sourceAddressPrefix": null, "sourceAddressPrefixes": sources,
                       "destinationPortRange": (1000 + r).to_string()}),
            )
        })
        .collect();
    let path = s.write_json(
        "hosts.json",
        &json!({"version": 1, "nicNsg": nsg("nsg-web", rules)}),
    );
    let json = flowverify(&[
        "reach",
        "--scenario",
        &path,
        "--direction",
        "inbound",
        "--json",
    ]);
    assert_eq!(json.code, 2, "{}", json.stderr);
    assert!(
        json.stdout.is_empty(),
        "{} bytes written",
        json.stdout.len()
    );
    assert!(
        json.stderr.contains("more than 2,000,000 address blocks")
            && json
                .stderr
                .contains("flows denied by defaultSecurityRules/DenyAllInBound of NIC NSG nsg-web")
            && json.stderr.contains("read the text form"),
        "{}",
        json.stderr
    );
    // The text form of the same answer is short, and whole.
    let text = flowverify(&["reach", "--scenario", &path, "--direction", "inbound"]);
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(text.stdout.contains("DenyAllInBound"), "{}", text.stdout);
    assert!(text.stdout.len() < 20_000, "{} bytes", text.stdout.len());
    // A search for those flows is as long; narrowed to one port of one prefix, it is written.
    let search = |extra: &[&str]| {
        let mut args = vec![
            "search",
            "--scenario",
            &path,
            "--direction",
            "inbound",
            "--access",
            "deny",
            "--json",
        ];
        args.extend_from_slice(extra);
        flowverify(&args)
    };
    let wide = search(&[]);
    assert_eq!(wide.code, 2, "{}", wide.stderr);
    assert!(wide.stderr.contains("the flows found"), "{}", wide.stderr);
    let narrow = search(&["--source", "2001:db8:1::/48", "--destination-port", "1001"]);
    assert_eq!(narrow.code, 0, "{}", narrow.stderr);
    let found: serde_json::Value = serde_json::from_str(&narrow.stdout).expect("JSON");
    assert_eq!(found["found"], true);
}
