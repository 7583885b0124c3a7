//! `flowverify replay` (`docs/formats.md`, flowverify replay), run as users run it: exit status
//! 0/1/2, the JSON object, the text, a storage-account directory tree, standard input, and errors
//! that name the file, record and tuple.

use std::process::{Command, Stdio};

use serde_json::{json, Value};

mod support;
use support::{flowverify, flowverify_stdin, Scratch};

/// A NIC NSG that allows inbound Tcp 443 (and the default rules).
const NSG: &str = r#"{"name": "nsg-web", "securityRules": [
  {"name": "AllowHttps", "properties": {"priority": 100, "direction": "Inbound", "access": "Allow",
   "protocol": "Tcp", "sourceAddressPrefix": "*", "sourcePortRange": "*",
   "destinationAddressPrefix": "*", "destinationPortRange": "443"}}]}"#;

/// An NSG v2 flow log of one record holding `tuples`.
fn log(tuples: &[&str]) -> String {
    let list: Vec<String> = tuples.iter().map(|t| format!("\"{t}\"")).collect();
    format!(
        r#"{{"records": [{{"time": "2024-01-01T00:00:00Z", "category": "NetworkSecurityGroupFlowEvent",
  "properties": {{"Version": 2, "flows": [{{"rule": "UserRule_Any", "flows": [{{"mac": "000D3AF87856",
  "flowTuples": [{}]}}]}}]}}}}]}}"#,
        list.join(",")
    )
}

const HTTPS_ALLOWED: &str = "1704067200,203.0.113.7,10.0.1.4,50000,443,T,I,A,E,10,1000,8,800";
const SSH_DENIED: &str = "1704067201,203.0.113.7,10.0.1.4,50001,22,T,I,D,B,,,,";
const SSH_ALLOWED: &str = "1704067202,203.0.113.8,10.0.1.4,50002,22,T,I,A,C,3,300,2,200";
const RDP_ALLOWED: &str = "1704067203,203.0.113.9,10.0.1.4,50003,3389,T,I,A,B,,,,";

#[test]
fn nothing_changed_is_exit_0() {
    let s = Scratch::new("unchanged");
    let nsg = s.write("nsg.json", NSG);
    let file = s.write(
        "PT1H.json",
        log(&[HTTPS_ALLOWED, SSH_DENIED, HTTPS_ALLOWED]),
    );
    let run = flowverify(&["replay", "--nic-nsg", &nsg, &file]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(
        run.stderr, "",
        "no progress line when stderr is not a terminal"
    );
    assert_eq!(
        run.stdout,
        "3 tuples read from 1 file: 2 distinct flows\n\
         \x20 unchanged       2  verdict as logged\n\
         \x20 newly denied    0  logged allowed, denied now\n\
         \x20 newly allowed   0  logged denied, allowed now\n\
         \x20 not verifiable  0  a protocol FlowVerify does not model, or denied for encryption\n\
         \n\
         No flow changed: every verified flow gets the verdict Azure logged.\n\
         \n\
         notes:\n\
         \x20 - NSG flow logs log a denied flow in the NSG that denied it, but an allowed flow only in the last NSG that processed it: give the logs of every NSG of the target (the subnet's and the NIC's), or a flow allowed by one and denied by the other is missed\n\
         \x20 - Azure applies non-default NSG rules to inbound TCP flows statelessly: such flows are never logged as ended (state E) and carry no packet or byte counts, so packets and bytes may be undercounted\n"
    );
}

#[test]
fn changes_are_exit_1_with_the_json_object() {
    let s = Scratch::new("json");
    let nsg = s.write("nsg.json", NSG);
    let file = s.write(
        "PT1H.json",
        log(&[
            HTTPS_ALLOWED,
            SSH_DENIED,
            SSH_ALLOWED,
            SSH_ALLOWED,
            RDP_ALLOWED,
        ]),
    );
    let run = flowverify(&["replay", "--nic-nsg", &nsg, &file, "--json", "--limit", "1"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let value: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        value,
        json!({
            "tuples": 5, "flows": 4, "unchanged": 2, "newlyDenied": 2, "newlyAllowed": 0,
            "notVerifiable": 0,
            "groups": [{
                "change": "newlyDenied", "ruleName": "defaultSecurityRules/DenyAllInBound",
                "decidedBy": {"layer": "nic", "resource": "nsg-web"},
                "flows": 2, "packets": 10, "bytes": 1000,
                "examples": [{"direction": "Inbound", "protocol": "Tcp",
                              "local": "10.0.1.4:22", "remote": "203.0.113.8:50002"}]
            }]
        })
    );
}

#[test]
fn text_lists_the_groups_with_examples() {
    let s = Scratch::new("text");
    let nsg = s.write("nsg.json", NSG);
    let file = s.write(
        "PT1H.json",
        log(&[
            HTTPS_ALLOWED,
            SSH_ALLOWED,
            RDP_ALLOWED,
            "1,203.0.113.1,10.0.1.4,1,443,T,I,D,B,,,,",
        ]),
    );
    let run = flowverify(&["replay", "--nic-nsg", &nsg, &file, "--limit", "1"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let expected = "\
Newly denied by defaultSecurityRules/DenyAllInBound (NIC NSG nsg-web): 2 flows, 5 packets, 500 bytes
  Inbound Tcp 203.0.113.8:50002 -> 10.0.1.4:22
  ... and 1 more
Newly allowed by securityRules/AllowHttps (NIC NSG nsg-web): 1 flow, 0 packets, 0 bytes
  Inbound Tcp 203.0.113.1:1 -> 10.0.1.4:443
";
    assert!(run.stdout.contains(expected), "{}", run.stdout);
    assert!(run
        .stdout
        .starts_with("4 tuples read from 1 file: 4 distinct flows\n"));
    assert!(run
        .stdout
        .contains("  newly denied    2  logged allowed, denied now\n"));
}

#[test]
fn a_storage_account_tree_is_read_in_path_order() {
    let s = Scratch::new("tree");
    let nsg = s.write("nsg.json", NSG);
    let base = "logs/insights-logs-networksecuritygroupflowevent/resourceId=/SUBSCRIPTIONS/AAAA0A0A-BB1B-CC2C-DD3D-EEEEEE4E4E4E/RESOURCEGROUPS/RG-WEB/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG-WEB/y=2024/m=01/d=01";
    s.write(
        &format!("{base}/h=00/m=00/macAddress=000D3AF87856/PT1H.json"),
        log(&[HTTPS_ALLOWED, SSH_ALLOWED]),
    );
    s.write(
        &format!("{base}/h=01/m=00/macAddress=000D3AF87856/PT1H.json"),
        log(&[HTTPS_ALLOWED, SSH_ALLOWED]),
    );
    s.write(
        &format!("{base}/h=01/m=00/macAddress=000D3AF87856/notes.txt"),
        "not a log",
    );
    let run = flowverify(&["replay", "--nic-nsg", &nsg, &s.path("logs"), "--json"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let value: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        (value["tuples"].as_u64(), value["flows"].as_u64()),
        (Some(4), Some(2))
    );
    assert_eq!(value["groups"][0]["packets"], 10);

    // A bad tuple in the second hour is named by its file, record and tuple.
    let bad = s.write(
        &format!("{base}/h=01/m=00/macAddress=000D3AF87856/PT1H.json"),
        log(&[
            HTTPS_ALLOWED,
            "1,203.0.113.7,10.0.1.4,50000,443,T,I,A,E,1,2,3",
        ]),
    );
    let run = flowverify(&["replay", "--nic-nsg", &nsg, &s.path("logs")]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        format!("error: {bad}: records[0].properties.flows[0].flows[0].flowTuples[1]: tuple '1,203.0.113.7,10.0.1.4,50000,443,T,I,A,E,1,2,3': the tuple has 12 comma-separated fields; an NSG flow log version 2 tuple has 13: timestamp,srcIP,dstIP,srcPort,dstPort,T|U,I|O,A|D,B|C|E,pktsOut,bytesOut,pktsIn,bytesIn\n")
    );
}

#[test]
fn standard_input_is_a_log() {
    let s = Scratch::new("stdin");
    let nsg = s.write("nsg.json", NSG);
    let run = flowverify_stdin(
        &["replay", "--nic-nsg", &nsg, "-", "--json"],
        log(&[HTTPS_ALLOWED]),
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let value: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value["unchanged"], 1);
    assert_eq!(value["groups"], json!([]));

    let run = flowverify_stdin(
        &["replay", "-"],
        "{\"records\": [{\"category\": \"Audit\"}]}",
    );
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        "error: <stdin>: records[0].category: category 'Audit' is not NetworkSecurityGroupFlowEvent (NSG flow log) or FlowLogFlowEvent (VNet flow log)\n"
    );
}

#[test]
fn bad_input_is_exit_2() {
    let s = Scratch::new("bad");
    let nsg = s.write("nsg.json", NSG);
    let json = s.write("bad.json", "{\"records\": [\n  {\"category\": }\n]}");
    let run = flowverify(&["replay", &json]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        format!("error: {json}: line 2, column 16: expected value\n")
    );

    std::fs::create_dir_all(s.path("empty/sub")).unwrap();
    let run = flowverify(&["replay", &s.path("empty")]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        format!(
            "error: {}: the directory holds no *.json file (flow logs are stored as .../PT1H.json)\n",
            s.path("empty")
        )
    );

    let run = flowverify(&["replay", &s.path("missing.json")]);
    assert_eq!(run.code, 2);
    assert!(run
        .stderr
        .contains("missing.json: cannot read the file: no such file"));

    let run = flowverify_stdin(&["replay", "--nic-nsg", "-", "-"], "{}");
    assert_eq!(run.code, 2);
    assert!(run
        .stderr
        .contains("standard input ('-') is given more than once"));

    let run = flowverify(&["replay", "--nic-nsg", &nsg]);
    assert_eq!(run.code, 2, "a LOG is required");

    let run = flowverify(&["replay", "--limit", "x", &nsg]);
    assert_eq!(run.code, 2);
}

#[test]
fn the_documented_samples_replay() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../flowverify/tests/data/flowlogs"
    );
    let run = flowverify(&["replay", dir, "--json"]);
    // No inputs: every flow is allowed, so the logged denials are newly allowed.
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    let value: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(value["tuples"], 12 + 11 + 19);
    assert_eq!(value["newlyDenied"], 0);
    assert_eq!(value["newlyAllowed"], 4 + 7 + 9);
    assert_eq!(value["groups"][0]["examples"].as_array().unwrap().len(), 5);
}

/// A `*.json` in a folder that is not a regular file (a named pipe would never end) is skipped
/// and named on standard error; the regular files are replayed.
#[cfg(unix)]
#[test]
fn a_folder_reads_regular_files_only_and_names_what_it_skips() {
    use std::time::{Duration, Instant};
    let s = Scratch::new("fifo");
    let nsg = s.write("nsg.json", NSG);
    s.write("logs/h=00/PT1H.json", log(&[HTTPS_ALLOWED]));
    std::fs::create_dir_all(s.path("logs/h=01")).unwrap();
    let fifo = s.path("logs/h=01/PT1H.json");
    let c_path = std::ffi::CString::new(fifo.clone()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates the node.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o644) }, 0);
    std::os::unix::fs::symlink(s.path("nowhere.json"), s.path("logs/broken.json")).unwrap();

    let mut child = Command::new(env!("CARGO_BIN_EXE_flowverify"))
        .args(["replay", "--nic-nsg", &nsg, &s.path("logs")])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run flowverify");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("replay hangs on a named pipe in the folder");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().expect("output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.starts_with("1 tuple read from 1 file: 1 distinct flow\n"),
        "{stdout}"
    );
    assert_eq!(
        stderr,
        format!(
            "warning: {}: skipped: a symbolic link to nothing\n\
             warning: {fifo}: skipped: not a regular file but a named pipe (FIFO)\n",
            s.path("logs/broken.json")
        )
    );

    // Nothing but the pipe: the error (first on standard error, as every error) says what was
    // skipped.
    std::fs::remove_file(s.path("logs/h=00/PT1H.json")).unwrap();
    std::fs::remove_file(s.path("logs/broken.json")).unwrap();
    let run = flowverify(&["replay", &s.path("logs")]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        format!(
            "error: {}: the directory holds no *.json file (flow logs are stored as \
             .../PT1H.json); skipped, not regular files: {fifo} (not a regular file but a named \
             pipe (FIFO))\n",
            s.path("logs")
        )
    );
}

/// Logs with no tuple at all: nothing to replay is an error (exit 2), as nothing to check is.
#[test]
fn logs_without_tuples_are_exit_2() {
    let s = Scratch::new("no-tuples");
    let empty = s.write("PT1H.json", r#"{"records": []}"#);
    let run = flowverify(&["replay", &empty, "--json"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        format!(
            "error: {empty}: nothing to replay: the flow log holds no flow tuple (0 records)\n"
        )
    );
    let bare = s.write("b/PT1H.json", log(&[]));
    let run = flowverify(&["replay", &empty, &bare]);
    assert_eq!(run.code, 2);
    assert_eq!(
        run.stderr,
        format!("error: nothing to replay: the 2 flow log files ({empty}, {bare}) hold no flow tuple (1 record)\n")
    );
    // Tuples of protocols FlowVerify does not verify are tuples: read, counted, exit 0.
    let gre = s.write(
        "gre.json",
        r#"{"records": [{"category": "FlowLogFlowEvent", "flowLogVersion": 4, "flowRecords": {
          "flows": [{"flowGroups": [{"flowTuples": ["1,10.0.0.6,10.0.0.7,0,0,47,O,B,NX,,,,"]}]}]}}]}"#,
    );
    let run = flowverify(&["replay", &gre]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("No flow could be verified."),
        "{}",
        run.stdout
    );
}

/// A key given twice in a flow log is refused with the message every input gives.
#[test]
fn a_key_given_twice_in_a_log_is_exit_2() {
    let s = Scratch::new("twice");
    let file = s.write(
        "PT1H.json",
        log(&[HTTPS_ALLOWED]).replace(r#""mac": "#, r#""MAC": "x", "mac": "#),
    );
    let run = flowverify(&["replay", &file]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with(&format!("error: {file}: line 2, column 94: ")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(": property 'MAC' is given twice in the object at records[0].properties.flows[0].flows[0] (first as 'MAC', then again as 'mac' here)"), "{}", run.stderr);
}
