//! Flow logs and replay (`docs/formats.md`, Flow logs and Replay object): every tuple form, the
//! documented Azure samples, malformed files with the exact error, and the replay's counting.

#[path = "support/collide.rs"]
mod collide;

use flowverify::flowlog::{parse_tuple, read_log, Format, Tuple};
use flowverify::replay::{judge, Change, Judgement, Replay};
use flowverify::verdict::DecidedBy;
use flowverify::{Decision, Flow, Inputs, Layer, Scenario};

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/data/flowlogs/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap()
}

fn tuples_of(name: &str, text: &str) -> Vec<Tuple> {
    let mut tuples = Vec::new();
    read_log(name, text, |t| tuples.push(*t)).unwrap();
    tuples
}

fn error_of(text: &str) -> String {
    read_log("PT1H.json", text, |_| {}).unwrap_err().to_string()
}

/// An NSG flow log of one record and one tuple list.
fn nsg(version: u32, tuples: &[&str]) -> String {
    let list: Vec<String> = tuples.iter().map(|t| format!("\"{t}\"")).collect();
    format!(
        r#"{{"records": [{{"time": "2018-11-13T12:00:35Z", "category": "NetworkSecurityGroupFlowEvent",
  "properties": {{"Version": {version}, "flows": [{{"rule": "UserRule_X", "flows": [{{"mac": "000D3AF87856",
  "flowTuples": [{}]}}]}}]}}}}]}}"#,
        list.join(",")
    )
}

/// A VNet flow log of one record and one tuple list.
fn vnet(tuples: &[&str]) -> String {
    let list: Vec<String> = tuples.iter().map(|t| format!("\"{t}\"")).collect();
    format!(
        r#"{{"records": [{{"flowLogVersion": 4, "category": "FlowLogFlowEvent",
  "flowRecords": {{"flows": [{{"aclID": "x", "flowGroups": [{{"rule": "R", "flowTuples": [{}]}}]}}]}}}}]}}"#,
        list.join(",")
    )
}

/// Inputs from a scenario text.
fn inputs(text: &str) -> Inputs {
    Scenario::from_json("s.json", text)
        .unwrap()
        .inputs("s.json")
        .unwrap()
}

/// A NIC NSG allowing inbound Tcp 443 and outbound nothing but the defaults.
fn web_nsg() -> Inputs {
    inputs(
        r#"{"version": 1, "nicNsg": {"name": "nsg-web", "securityRules": [
        {"name": "AllowHttps", "properties": {"priority": 100, "direction": "Inbound",
          "access": "Allow", "protocol": "Tcp", "sourceAddressPrefix": "*",
          "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "443"}},
        {"name": "DenyWebOut", "properties": {"priority": 100, "direction": "Outbound",
          "access": "Deny", "protocol": "*", "sourceAddressPrefix": "*",
          "sourcePortRange": "*", "destinationAddressPrefix": "198.51.100.0/24", "destinationPortRange": "*"}}]}}"#,
    )
}

#[test]
fn documented_nsg_v1_sample() {
    let tuples = tuples_of("nsg-v1.json", &fixture("nsg-v1.json"));
    assert_eq!(tuples.len(), 12);
    let first = tuples[0];
    assert_eq!(first.timestamp, 1487282421);
    assert_eq!(first.source.to_string(), "192.0.2.95");
    assert_eq!(first.destination.to_string(), "10.1.0.4");
    assert_eq!((first.source_port, first.destination_port), (51529, 5358));
    assert_eq!((first.protocol, first.decision), (6, Decision::Deny));
    assert_eq!((first.packets, first.bytes), (0, 0));
    let flow = first.flow().unwrap();
    assert_eq!(flow.local().to_string(), "10.1.0.4:5358");
    assert_eq!(flow.remote().to_string(), "192.0.2.95:51529");
    assert_eq!(
        tuples
            .iter()
            .filter(|t| t.decision == Decision::Deny)
            .count(),
        4
    );
    let udp = tuples.iter().find(|t| t.protocol == 17).unwrap();
    assert_eq!(udp.source.to_string(), "198.51.100.194");
}

#[test]
fn documented_nsg_v2_sample() {
    let text = fixture("nsg-v2.json");
    let mut replay = Replay::new();
    let summary = replay.read("nsg-v2.json", &text).unwrap();
    assert_eq!(
        (summary.records, summary.nsg_records, summary.tuples),
        (2, 2, 11)
    );
    let tuples = tuples_of("nsg-v2.json", &text);
    let continuing = tuples.iter().find(|t| t.source_port == 44931).unwrap();
    assert_eq!((continuing.packets, continuing.bytes), (54, 30986));
    assert_eq!(continuing.direction.as_str(), "Outbound");
    assert_eq!(
        continuing.flow().unwrap().local().to_string(),
        "10.5.16.4:44931"
    );
    // Against no NSG at all, everything is allowed: the 7 denied flows are newly allowed.
    let report = replay.verify(5, judge(&Inputs::new()));
    assert_eq!(
        (
            report.tuples,
            report.flows,
            report.unchanged,
            report.newly_denied,
            report.newly_allowed,
            report.not_verifiable
        ),
        (11, 11, 4, 0, 7, 0)
    );
    assert_eq!(report.groups.len(), 1);
    assert_eq!(report.groups[0].rule_name, None);
    assert_eq!(report.groups[0].decided_by.layer, Layer::None);
    assert_eq!(report.groups[0].examples.len(), 5);
    assert!(report.notes()[0].contains("only in the last NSG that processed it"));
}

#[test]
fn documented_vnet_v4_sample() {
    let text = fixture("vnet-v4.json");
    let tuples = tuples_of("vnet-v4.json", &text);
    assert_eq!(tuples.len(), 19);
    assert_eq!(tuples[0].timestamp, 1663146003599); // milliseconds
    assert_eq!(tuples[1].packets, 5);
    assert_eq!(tuples[1].bytes, 767 + 1580);
    assert_eq!(
        tuples
            .iter()
            .filter(|t| t.decision == Decision::Deny)
            .count(),
        9
    );
    let mut replay = Replay::new();
    replay.read("vnet-v4.json", &text).unwrap();
    assert_eq!(replay.logs().vnet_records, 1);
    // B and E of one connection are one flow: 10 tuples, 5 distinct allowed flows.
    let report = replay.verify(2, judge(&web_nsg()));
    assert_eq!((report.tuples, report.flows), (19, 14));
    // Inbound: 22, 119 and the high ports are denied by the defaults (unchanged); outbound:
    // allowed by the defaults (unchanged), none to 198.51.100.0/24.
    assert_eq!(report.unchanged, 14);
    assert!(!report.changed());
    assert!(report.notes().is_empty());
}

#[test]
fn every_tuple_form() {
    // NSG v1: 8 fields.
    let t = parse_tuple(
        Format::NsgV1,
        "1487282421,192.0.2.95,10.1.0.4,51529,5358,U,O,A",
    )
    .unwrap();
    assert_eq!(
        (t.protocol, t.decision, t.packets),
        (17, Decision::Allow, 0)
    );
    assert_eq!(t.flow().unwrap().local().to_string(), "192.0.2.95:51529");
    // NSG v2: empty counters on B, counters on C and E.
    let b = parse_tuple(
        Format::NsgV2,
        "1542110377,10.5.16.4,203.0.113.118,59831,443,T,O,A,B,,,,",
    )
    .unwrap();
    assert_eq!((b.packets, b.bytes), (0, 0));
    let e = parse_tuple(
        Format::NsgV2,
        "1542110379,10.5.16.4,203.0.113.117,59932,443,T,O,A,E,1,66,1,66",
    )
    .unwrap();
    assert_eq!((e.packets, e.bytes), (2, 132));
    // VNet v4: timestamps in seconds and in milliseconds; D is the denial.
    let s = parse_tuple(
        Format::VnetV4,
        "1493763938,185.170.185.105,10.2.0.4,35370,23,6,I,B,NX,,,,",
    )
    .unwrap();
    let ms = parse_tuple(
        Format::VnetV4,
        "1663145998065,101.33.218.153,10.0.0.6,55188,22,6,I,D,NX,0,0,0,0",
    )
    .unwrap();
    assert_eq!((s.timestamp, s.decision), (1493763938, Decision::Allow));
    assert_eq!((ms.timestamp, ms.decision), (1663145998065, Decision::Deny));
    assert!(!ms.encryption_drop);
    // IPv6.
    let v6 = parse_tuple(
        Format::VnetV4,
        "1663145998065,2001:db8::7,2001:db8::4,5000,443,6,I,C,NX,3,300,2,200",
    )
    .unwrap();
    let flow = v6.flow().unwrap();
    assert_eq!(flow.local().to_string(), "[2001:db8::4]:443");
    assert_eq!(flow.remote().to_string(), "[2001:db8::7]:5000");
    // ICMP (1 and 58): no ports.
    for (proto, src, dst) in [
        (1, "10.0.0.6", "10.0.0.7"),
        (58, "2001:db8::6", "2001:db8::7"),
    ] {
        let text = format!("1663145998065,{src},{dst},0,0,{proto},O,B,NX,,,,");
        let t = parse_tuple(Format::VnetV4, &text).unwrap();
        let flow = t.flow().unwrap();
        assert_eq!(flow.protocol().as_str(), "Icmp");
        assert_eq!(flow.local().port(), None);
        assert_eq!(flow.remote().to_string(), dst);
    }
    // Esp and Ah.
    let esp = parse_tuple(Format::VnetV4, "1,10.0.0.6,10.0.0.7,0,0,50,O,B,NX,,,,").unwrap();
    assert_eq!(esp.flow().unwrap().protocol().as_str(), "Esp");
    let ah = parse_tuple(Format::VnetV4, "1,10.0.0.6,10.0.0.7,,,51,O,B,NX,,,,").unwrap();
    assert_eq!(ah.flow().unwrap().protocol().as_str(), "Ah");
    // An unknown protocol number reads, but has no flow to verify.
    let gre = parse_tuple(Format::VnetV4, "1,10.0.0.6,10.0.0.7,0,0,47,O,B,NX,,,,").unwrap();
    assert_eq!(gre.protocol, 47);
    assert!(gre.flow().is_none());
    // A denial for encryption.
    let drop = parse_tuple(
        Format::VnetV4,
        "1,10.0.0.6,10.0.0.7,1,2,6,O,D,NX_NOT_ACCEPTED,,,,",
    )
    .unwrap();
    assert!(drop.encryption_drop);
}

#[test]
fn repeated_tuples_are_one_flow_with_summed_counters() {
    let record = |tuples: &str| {
        format!(
            r#"{{"category": "NetworkSecurityGroupFlowEvent", "properties": {{"Version": 2,
            "flows": [{{"rule": "R", "flows": [{{"mac": "M", "flowTuples": [{tuples}]}}]}}]}}}}"#
        )
    };
    let text = format!(
        r#"{{"records": [{}, {}]}}"#,
        record(
            r#""1,203.0.113.7,10.0.1.4,50000,22,T,I,A,B,,,,", "2,203.0.113.7,10.0.1.4,50000,22,T,I,A,C,10,1000,5,500""#
        ),
        record(
            r#""3,203.0.113.7,10.0.1.4,50000,22,T,I,A,E,1,100,1,100", "4,203.0.113.7,10.0.1.4,50000,22,T,I,D,B,,,,""#
        ),
    );
    let mut replay = Replay::new();
    replay.read("PT1H.json", &text).unwrap();
    assert_eq!((replay.tuples(), replay.flows()), (4, 2));
    let sorted = replay.sorted_flows();
    assert_eq!(sorted[0].0.decision, Decision::Allow);
    assert_eq!(
        (sorted[0].1.tuples, sorted[0].1.packets, sorted[0].1.bytes),
        (3, 17, 1700)
    );
    // The same 5-tuple logged allowed and denied is verified once.
    let mut calls = 0;
    let report = replay.verify(5, |flow: &Flow| {
        calls += 1;
        judge(&web_nsg())(flow)
    });
    assert_eq!(calls, 1);
    // Tcp 22 inbound is denied now: the allowed flow is newly denied, the denied one unchanged.
    assert_eq!(
        (report.flows, report.unchanged, report.newly_denied),
        (2, 1, 1)
    );
    let group = &report.groups[0];
    assert_eq!(group.change, Change::NewlyDenied);
    assert_eq!(
        group.rule_name.as_deref(),
        Some("defaultSecurityRules/DenyAllInBound")
    );
    assert_eq!(group.decided_by.layer, Layer::Nic);
    assert_eq!(group.decided_by.resource.as_deref(), Some("nsg-web"));
    assert_eq!((group.flows, group.packets, group.bytes), (1, 17, 1700));
    let json = report.to_json();
    assert_eq!(
        json,
        serde_json::json!({
            "tuples": 4, "flows": 2, "unchanged": 1, "newlyDenied": 1, "newlyAllowed": 0,
            "notVerifiable": 0,
            "groups": [{"change": "newlyDenied", "ruleName": "defaultSecurityRules/DenyAllInBound",
              "decidedBy": {"layer": "nic", "resource": "nsg-web"}, "flows": 1, "packets": 17,
              "bytes": 1700, "examples": [{"direction": "Inbound", "protocol": "Tcp",
              "local": "10.0.1.4:22", "remote": "203.0.113.7:50000"}]}]
        })
    );
}

#[test]
fn icmp_ports_are_ignored_and_unknown_protocols_are_not_verifiable() {
    let text = vnet(&[
        "1,10.0.0.6,10.0.0.7,0,0,1,O,B,NX,1,84,1,84",
        "2,10.0.0.6,10.0.0.7,8,0,1,O,E,NX,1,84,1,84",
        "3,10.0.0.6,10.0.0.7,0,0,47,O,B,NX,,,,",
        "4,10.0.0.6,10.0.0.7,0,0,47,O,E,NX,2,200,0,0",
        "5,10.0.0.6,10.0.0.8,0,0,132,O,B,NX,,,,",
        "6,10.0.0.6,10.0.0.7,1,2,6,O,D,NX_SW_NOT_READY,,,,",
    ]);
    let mut replay = Replay::new();
    replay.read("PT1H.json", &text).unwrap();
    let report = replay.verify(5, judge(&Inputs::new()));
    assert_eq!((report.tuples, report.flows), (6, 4));
    assert_eq!((report.unchanged, report.not_verifiable), (1, 3));
    assert_eq!(report.encryption_drops, 1);
    assert!(!report.changed());
    let notes = report.notes();
    assert!(notes
        .iter()
        .any(|n| n.starts_with("1 flows were denied for virtual network encryption")));
    assert!(notes
        .iter()
        .any(|n| n.starts_with("2 flows use a protocol FlowVerify does not verify")));
}

#[test]
fn examples_are_the_heaviest_flows_up_to_the_limit() {
    let text = nsg(
        2,
        &[
            "1,203.0.113.1,10.0.1.4,1000,22,T,I,A,E,1,10,0,0",
            "1,203.0.113.2,10.0.1.4,1000,22,T,I,A,E,9,90,0,0",
            "1,203.0.113.3,10.0.1.4,1000,22,T,I,A,E,5,50,0,0",
            "1,203.0.113.4,10.0.1.4,1000,443,T,I,D,B,,,,",
        ],
    );
    let mut replay = Replay::new();
    replay.read("PT1H.json", &text).unwrap();
    let report = replay.verify(2, judge(&web_nsg()));
    assert_eq!((report.newly_denied, report.newly_allowed), (3, 1));
    assert_eq!(report.groups.len(), 2);
    let denied = &report.groups[0];
    assert_eq!(denied.change, Change::NewlyDenied);
    let remotes: Vec<String> = denied
        .examples
        .iter()
        .map(|f| f.remote().ip().to_string())
        .collect();
    assert_eq!(remotes, ["203.0.113.2", "203.0.113.3"]);
    assert_eq!((denied.flows, denied.packets, denied.bytes), (3, 15, 150));
    let allowed = &report.groups[1];
    assert_eq!(allowed.change, Change::NewlyAllowed);
    assert_eq!(
        allowed.rule_name.as_deref(),
        Some("securityRules/AllowHttps")
    );
    assert_eq!(allowed.examples.len(), 1);
    assert!(report.changed());
    // A limit of 0 keeps no examples but still counts.
    let none = replay.verify(0, judge(&web_nsg()));
    assert!(none.groups.iter().all(|g| g.examples.is_empty()));
}

#[test]
fn any_verdict_function_plugs_in() {
    let text = nsg(1, &["1,203.0.113.1,10.0.1.4,1000,22,T,I,A"]);
    let mut replay = Replay::new();
    replay.read("PT1H.json", &text).unwrap();
    let report = replay.verify(5, |_: &Flow| Judgement {
        access: Decision::Deny,
        rule_name: Some("securityAdminRules/DenyAll".into()),
        decided_by: DecidedBy {
            layer: Layer::Admin,
            resource: Some("cfg".into()),
        },
        uncertain: true,
    });
    assert_eq!((report.newly_denied, report.uncertain), (1, 1));
    assert_eq!(report.to_json()["groups"][0]["decidedBy"]["layer"], "admin");
}

#[test]
fn malformed_files_name_the_file_record_and_tuple() {
    let path = "PT1H.json: records[0].properties.flows[0].flows[0].flowTuples[1]";
    let ok = "1,203.0.113.1,10.0.1.4,1000,22,T,I,A,B,,,,";
    let cases = [
        (
            "1,203.0.113.1,10.0.1.4,1000,22,T,I,A",
            "tuple '1,203.0.113.1,10.0.1.4,1000,22,T,I,A': the tuple has 8 comma-separated fields; an NSG flow log version 2 tuple has 13: timestamp,srcIP,dstIP,srcPort,dstPort,T|U,I|O,A|D,B|C|E,pktsOut,bytesOut,pktsIn,bytesIn",
        ),
        (
            "1,203.0.113.999,10.0.1.4,1000,22,T,I,A,B,,,,",
            "tuple '1,203.0.113.999,10.0.1.4,1000,22,T,I,A,B,,,,': source IP '203.0.113.999' is not an IP address",
        ),
        (
            "1,203.0.113.1,10.0.1.4,1000,70000,T,I,A,B,,,,",
            "tuple '1,203.0.113.1,10.0.1.4,1000,70000,T,I,A,B,,,,': destination port '70000' is not a number from 0 to 65535",
        ),
        (
            "1,203.0.113.1,10.0.1.4,-1,22,T,I,A,B,,,,",
            "tuple '1,203.0.113.1,10.0.1.4,-1,22,T,I,A,B,,,,': source port '-1' is not a number from 0 to 65535",
        ),
        (
            "1,203.0.113.1,10.0.1.4,1000,22,T,X,A,B,,,,",
            "tuple '1,203.0.113.1,10.0.1.4,1000,22,T,X,A,B,,,,': direction 'X' is not I (inbound) or O (outbound)",
        ),
        (
            "1,203.0.113.1,10.0.1.4,1000,22,T,I,Y,B,,,,",
            "tuple '1,203.0.113.1,10.0.1.4,1000,22,T,I,Y,B,,,,': decision 'Y' is not A (allowed) or D (denied)",
        ),
        (
            "1,203.0.113.1,10.0.1.4,1000,22,G,I,A,B,,,,",
            "tuple '1,203.0.113.1,10.0.1.4,1000,22,G,I,A,B,,,,': protocol 'G' is not T (Tcp) or U (Udp)",
        ),
        (
            "1,203.0.113.1,10.0.1.4,1000,22,T,I,A,B,x,,,",
            "tuple '1,203.0.113.1,10.0.1.4,1000,22,T,I,A,B,x,,,': packets sent 'x' is not a number",
        ),
        (
            "now,203.0.113.1,10.0.1.4,1000,22,T,I,A,B,,,,",
            "tuple 'now,203.0.113.1,10.0.1.4,1000,22,T,I,A,B,,,,': timestamp 'now' is not a number (seconds since 1970)",
        ),
        (
            "1,203.0.113.1,2001:db8::4,1000,22,T,I,A,B,,,,",
            "tuple '1,203.0.113.1,2001:db8::4,1000,22,T,I,A,B,,,,': source 203.0.113.1 and destination 2001:db8::4 are of different address families",
        ),
    ];
    for (tuple, message) in cases {
        assert_eq!(
            error_of(&nsg(2, &[ok, tuple])),
            format!("{path}: {message}")
        );
    }
    // VNet tuples.
    assert_eq!(
        error_of(&vnet(&["1,10.0.0.6,10.0.0.7,1,2,300,O,B,NX,,,,"])),
        "PT1H.json: records[0].flowRecords.flows[0].flowGroups[0].flowTuples[0]: tuple '1,10.0.0.6,10.0.0.7,1,2,300,O,B,NX,,,,': protocol '300' is not an IANA protocol number (0 to 255)"
    );
    assert_eq!(
        error_of(&vnet(&["1,10.0.0.6,10.0.0.7,1,2,6,O,A,NX,,,,"])),
        "PT1H.json: records[0].flowRecords.flows[0].flowGroups[0].flowTuples[0]: tuple '1,10.0.0.6,10.0.0.7,1,2,6,O,A,NX,,,,': flow state 'A' is not B (begin), C (continuing), E (end) or D (denied)"
    );
    // A tuple in a later record, list and group.
    let text = fixture("nsg-v1.json").replace("59046,3389,T,I,A", "59046,3389,T,Q,A");
    assert_eq!(
        read_log("nsg-v1.json", &text, |_| {}).unwrap_err().to_string(),
        "nsg-v1.json: records[2].properties.flows[1].flows[0].flowTuples[0]: tuple '1487282512,192.0.2.154,10.1.0.4,59046,3389,T,Q,A': direction 'Q' is not I (inbound) or O (outbound)"
    );
}

#[test]
fn malformed_files_give_the_exact_error() {
    assert_eq!(
        error_of("{\"records\": [\n  {\"category\": }\n]}"),
        "PT1H.json: line 2, column 16: expected value"
    );
    assert_eq!(
        error_of("{\"records\": ["),
        "PT1H.json: line 1, column 13: the text ends too early while parsing a list"
    );
    assert_eq!(
        error_of("  "),
        "PT1H.json: the flow log is empty: expected {\"records\": [...]} as Azure stores PT1H.json"
    );
    assert_eq!(
        error_of(r#"{"value": []}"#),
        "PT1H.json: line 1, column 13: the file has no 'records' list: an Azure flow log (PT1H.json) is {\"records\": [...]}"
    );
    assert_eq!(
        error_of(r#"[1, 2]"#),
        "PT1H.json: line 1, column 1: invalid type: sequence, expected an Azure flow log: {\"records\": [...]}"
    );
    assert_eq!(
        error_of(r#"{"records": [{"category": "NetworkSecurityGroupRuleCounter", "properties": {}}]}"#),
        "PT1H.json: records[0].category: category 'NetworkSecurityGroupRuleCounter' is not NetworkSecurityGroupFlowEvent (NSG flow log) or FlowLogFlowEvent (VNet flow log)"
    );
    assert_eq!(
        error_of(r#"{"records": [{"time": "x"}]}"#),
        "PT1H.json: records[0]: the record has no 'category': expected NetworkSecurityGroupFlowEvent (NSG flow log) or FlowLogFlowEvent (VNet flow log)"
    );
    assert_eq!(
        error_of(&nsg(3, &[])),
        "PT1H.json: records[0].properties.Version: NSG flow log version 3 is not supported: FlowVerify reads versions 1 and 2"
    );
    assert_eq!(
        error_of(r#"{"records": [{"category": "FlowLogFlowEvent", "flowLogVersion": 2, "flowRecords": {}}]}"#),
        "PT1H.json: records[0].flowLogVersion: flowLogVersion 2 is not supported: FlowVerify reads VNet flow logs of version 4"
    );
    assert_eq!(
        error_of(r#"{"records": [], "Records": []}"#),
        "PT1H.json: line 1, column 25: property 'records' is given twice in the top-level object \
         (first as 'records', then again as 'Records' here): JSON leaves its meaning open, so \
         FlowVerify does not pick one; remove one of them"
    );
    // The docs' version 1 sample nests a second {"records": [...]} inside the list.
    let nested = r#"{"records": [{"records": [{"category": "NetworkSecurityGroupFlowEvent"}]}]}"#;
    assert!(error_of(nested).starts_with("PT1H.json: records[0]: the record has no 'category'"));
}

#[test]
fn empty_lists_and_a_byte_order_mark_read() {
    let summary = read_log("PT1H.json", "\u{feff}{\"records\": []}", |_| {}).unwrap();
    assert_eq!((summary.records, summary.tuples), (0, 0));
    let text = r#"{"records": [{"category": "FlowLogFlowEvent", "flowLogVersion": 4,
        "flowRecords": {"flows": [{"aclID": "a", "flowGroups": null}]}}]}"#;
    let summary = read_log("PT1H.json", text, |_| {}).unwrap();
    assert_eq!(
        (summary.records, summary.vnet_records, summary.tuples),
        (1, 1, 0)
    );
}

/// A key given twice in one object is refused wherever it is, as in every other input: keys
/// FlowVerify reads, keys it ignores, in any case, inside values it skips and inside the parts
/// it reads later; the message is the one every input's reader gives, at the second key.
#[test]
fn a_key_given_twice_is_an_error_everywhere() {
    let twice = |text: &str| {
        let err = error_of(text);
        assert!(
            err.contains(" is given twice in ") && err.ends_with("remove one of them"),
            "{err}"
        );
        err
    };
    let log = nsg(2, &["1,203.0.113.1,10.0.1.4,1000,22,T,I,A,B,,,,"]);
    assert!(read_log("PT1H.json", &log, |_| {}).is_ok());
    // A key read (any case), at its line and column.
    assert_eq!(
        twice(&log.replace(r#""category""#, r#""category": "x", "Category""#)),
        "PT1H.json: line 1, column 73: property 'category' is given twice in the object at \
         records[0] (first as 'category', then again as 'Category' here): JSON leaves its \
         meaning open, so FlowVerify does not pick one; remove one of them"
    );
    // A key skipped, in a record and in a group.
    assert!(twice(&log.replace(r#""time""#, r#""time": 1, "time""#))
        .contains("property 'time' is given twice in the object at records[0] (first as 'time', then again here)"));
    assert_eq!(
        twice(&log.replace(r#""mac""#, r#""MAC": 1, "mac""#)),
        "PT1H.json: line 2, column 90: property 'MAC' is given twice in the object at \
         records[0].properties.flows[0].flows[0] (first as 'MAC', then again as 'mac' here): JSON \
         leaves its meaning open, so FlowVerify does not pick one; remove one of them"
    );
    // Read later (properties), and deep inside a value skipped.
    assert!(twice(&log.replace(r#""Version": 2"#, r#""Version": 2, "version": 2"#))
        .contains("in the object at records[0].properties (first as 'Version', then again as 'version' here)"));
    assert!(twice(&log.replace(
        r#""time": "2018-11-13T12:00:35Z""#,
        r#""extra": {"a": [{"b": 1, "b": 2}]}"#
    ))
    .contains("property 'b' is given twice in the object at records[0].extra.a[0]"));
    assert!(
        twice(&log.replace(r#""rule": "UserRule_X""#, r#""rule": {"x": 1, "X": 2}"#))
            .contains("in the object at records[0].properties.flows[0].rule")
    );
    // An NSG record's flowRecords and a VNet record's properties are not read, but checked.
    assert!(twice(&log.replace(
        r#""time""#,
        r#""flowRecords": {"flows": [], "flows": []}, "time""#
    ))
    .contains("in the object at records[0].flowRecords (first as 'flows'"));
    let v = vnet(&["1,10.0.0.6,10.0.0.7,1,2,6,O,B,NX,,,,"]);
    assert!(read_log("PT1H.json", &v, |_| {}).is_ok());
    assert!(twice(&v.replace(
        r#""flowLogVersion": 4"#,
        r#""flowLogVersion": 4, "properties": {"a": 1, "a": 1}"#
    ))
    .contains("in the object at records[0].properties (first as 'a', then again here)"));
    assert!(
        twice(&v.replace(r#""aclID": "x""#, r#""aclID": "x", "ACLID": "y""#))
            .contains("in the object at records[0].flowRecords.flows[0] (first as 'aclID'")
    );
    assert!(
        twice(&v.replace(r#""flows": ["#, r#""Flows": [], "flows": ["#)).contains(
            "in the object at records[0].flowRecords (first as 'Flows', then again as 'flows' here)"
        )
    );
    // A list of many keys (the sorted set beyond the first few) finds a twin too.
    let many: Vec<String> = (0..40).map(|i| format!("\"k{i}\": {i}")).collect();
    let text = log.replace(
        r#""time""#,
        &format!(r#"{}, "K39": 0, "time""#, many.join(", ")),
    );
    assert!(twice(&text).contains("property 'k39' is given twice in the object at records[0] (first as 'k39', then again as 'K39' here)"));
    assert!(read_log(
        "PT1H.json",
        &log.replace(r#""time""#, &format!(r#"{}, "time""#, many.join(", "))),
        |_| {}
    )
    .is_ok());
}

#[test]
fn a_vnet_tuple_of_the_wrong_length_says_a_vnet_flow_log() {
    assert_eq!(
        error_of(&vnet(&["1,10.0.0.6,10.0.0.7,1,2,6,O,B"])),
        "PT1H.json: records[0].flowRecords.flows[0].flowGroups[0].flowTuples[0]: tuple \
         '1,10.0.0.6,10.0.0.7,1,2,6,O,B': the tuple has 8 comma-separated fields; a VNet flow \
         log version 4 tuple has 13: timestamp,srcIP,dstIP,srcPort,dstPort,protocol,I|O,B|C|E|D,\
         encryption,pktsOut,bytesOut,pktsIn,bytesIn"
    );
}

/// The cost of gathering flows does not depend on which flows a log holds. IPv6 flows crafted
/// to fall in one bucket of the hash map replay used to keep its flows in (with one tag: each
/// insertion compared with every flow before it, 32.6 s for 131,072 such flows against 0.25 s
/// for random ones) cost what random flows do, counted in key comparisons ([`Replay::work`]);
/// so do flows in ascending or descending order. Each set is read 8 times over, so batches
/// are merged into flows already gathered.
#[test]
fn crafted_flows_cost_what_random_ones_do() {
    const N: usize = 16_384;
    let crafted = collide::crafted(N, 760_000, 7);
    assert_eq!(crafted.len(), N);
    let window = collide::window(collide::sum(&crafted[0]));
    assert!(
        crafted
            .iter()
            .all(|t| collide::window(collide::sum(t)) == window),
        "the crafted flows collide in the old hash map"
    );
    let random = collide::random(N, 11);
    let mut ascending = random.clone();
    ascending.sort_by_key(|t| (t.source, t.destination));
    let descending: Vec<Tuple> = ascending.iter().rev().copied().collect();
    let work = |tuples: &[Tuple]| {
        let mut replay = Replay::new();
        for _ in 0..8 {
            for t in tuples {
                replay.add(t).unwrap();
            }
        }
        replay.settle().unwrap();
        assert_eq!((replay.tuples(), replay.flows()), (8 * N as u64, N));
        replay.work()
    };
    // The crafted flows cost what random ones do within 2%; orders within 25% (a run in the
    // batch changes how the sort goes, not how much it can cost: O(n log n) at most).
    let baseline = work(&random);
    for (name, set, percent) in [
        ("crafted", &crafted, 102),
        ("ascending", &ascending, 125),
        ("descending", &descending, 125),
    ] {
        let cost = work(set);
        eprintln!("{name}: {cost} comparisons, random: {baseline}");
        assert!(
            cost * 100 <= baseline * percent,
            "{name}: {cost} comparisons against {baseline} for random flows"
        );
    }
}
