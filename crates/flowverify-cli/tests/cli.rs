//! The `flowverify` command line, run as users run it: exit status 0/1/2, readable and JSON
//! output, permalinks, and an `error: FILE: PLACE: message` naming the offending value for
//! every kind of bad input.

use std::process::{Command, Stdio};

use serde_json::{json, Value};

mod support;
use support::{flowverify, flowverify_stdin, Run, Scratch};

/// One NSG rule in the REST shape (`properties` nested).
fn rule(name: &str, properties: Value) -> Value {
    let mut props = json!({
        "protocol": "*",
        "sourcePortRange": "*",
        "destinationPortRange": "*",
        "sourceAddressPrefix": "*",
        "destinationAddressPrefix": "*",
        "direction": "Inbound",
        "provisioningState": "Succeeded"
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
    json!({
        "name": name,
        "id": format!("/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/nsg/securityRules/{name}"),
        "properties": props
    })
}

/// An NSG in the REST shape of `NetworkSecurityGroupGet` (no default rules: the engine adds them).
fn nsg(name: &str, rules: Vec<Value>) -> Value {
    json!({
        "name": name,
        "id": format!("/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/{name}"),
        "type": "Microsoft.Network/networkSecurityGroups",
        "location": "westus",
        "properties": {
            "provisioningState": "Succeeded",
            "securityRules": rules
        }
    })
}

/// The subnet NSG of the examples: HTTPS from the internet allowed, RDP denied.
fn web_subnet_nsg() -> Value {
    nsg(
        "nsg-web-subnet",
        vec![
            rule(
                "AllowHttpsFromInternet",
                json!({"protocol": "Tcp", "destinationPortRange": "443",
                       "sourceAddressPrefix": "Internet", "access": "Allow", "priority": 100}),
            ),
            rule(
                "DenyRdpAll",
                json!({"destinationPortRange": "3389", "access": "Deny", "priority": 200}),
            ),
        ],
    )
}

/// A NIC NSG that allows everything inbound from the virtual network on 8080.
fn web_nic_nsg() -> Value {
    nsg(
        "nsg-web-nic",
        vec![rule(
            "AllowAppPort",
            json!({"protocol": "Tcp", "destinationPortRange": "8080",
                   "sourceAddressPrefix": "VirtualNetwork", "access": "Allow", "priority": 300}),
        )],
    )
}

fn inbound(local: &str, remote: &str) -> Vec<String> {
    [
        "--direction",
        "inbound",
        "--protocol",
        "tcp",
        "--local",
        local,
        "--remote",
        remote,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn run_with(mut args: Vec<String>, more: &[String]) -> Run {
    args.extend(more.iter().cloned());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    flowverify(&refs)
}

fn verify_args(inputs: &[&str], local: &str, remote: &str) -> Vec<String> {
    let mut args = vec!["verify".to_string()];
    args.extend(inputs.iter().map(|s| s.to_string()));
    args.extend(inbound(local, remote));
    args
}

// ---------------------------------------------------------------- verify

#[test]
fn verify_prints_an_allow_verdict_with_the_deciding_rule() {
    let s = Scratch::new("allow");
    let subnet = s.write_json("subnet.json", &web_subnet_nsg());
    let run = run_with(
        verify_args(
            &["--subnet-nsg", &subnet],
            "10.0.1.4:443",
            "203.0.113.7:50000",
        ),
        &[],
    );
    run.ok();
    let first = run.stdout.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        "Allow  securityRules/AllowHttpsFromInternet  (subnet NSG nsg-web-subnet)"
    );
    assert!(run.stdout.contains("subnet NSG nsg-web-subnet: Allow"));
}

#[test]
fn verify_prints_a_deny_verdict_and_the_trace_table() {
    let s = Scratch::new("deny");
    let subnet = s.write_json("subnet.json", &web_subnet_nsg());
    let run = flowverify(&[
        "verify",
        "--subnet-nsg",
        &subnet,
        "--direction",
        "INBOUND",
        "--protocol",
        "Tcp",
        "--local",
        "10.0.1.4:3389",
        "--remote",
        "10.0.2.5:1234",
    ]);
    run.ok();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "Deny  securityRules/DenyRdpAll  (subnet NSG nsg-web-subnet)"
    );
    let https = lines
        .iter()
        .find(|l| l.contains("securityRules/AllowHttpsFromInternet"))
        .expect("the HTTPS rule is in the trace");
    assert!(https.trim_start().starts_with("100"), "{https}");
    assert!(https.contains('✗'), "{https}");
    assert!(https.contains("Allow"), "{https}");
    let rdp = lines
        .iter()
        .find(|l| l.contains("securityRules/DenyRdpAll") && l.contains("200"))
        .expect("the RDP rule is in the trace");
    assert!(
        rdp.contains("Matched: this rule decides the layer") && !rdp.contains('✗'),
        "{rdp}"
    );
    assert!(lines.iter().any(|l| l.contains("PRIORITY")
        && l.contains(" P ")
        && l.contains(" SP ")
        && l.contains(" DP ")));
}

#[test]
fn verify_json_prints_the_result_object() {
    let s = Scratch::new("json");
    let subnet = s.write_json("subnet.json", &web_subnet_nsg());
    let run = run_with(
        verify_args(
            &["--subnet-nsg", &subnet, "--json"],
            "10.0.1.4:3389",
            "10.0.2.5:1234",
        ),
        &[],
    );
    run.ok();
    let v = run.json();
    assert_eq!(v["access"], "Deny");
    assert_eq!(v["ruleName"], "securityRules/DenyRdpAll");
    assert_eq!(v["decidedBy"]["layer"], "subnet");
    assert_eq!(v["decidedBy"]["resource"], "nsg-web-subnet");
    assert_eq!(v["uncertain"], false);
    assert!(v["warnings"].is_array());
    assert_eq!(v["flow"]["direction"], "Inbound");
    assert_eq!(v["flow"]["protocol"], "Tcp");
    assert_eq!(v["flow"]["source"], "10.0.2.5:1234");
    assert_eq!(v["flow"]["destination"], "10.0.1.4:3389");
    let rules = v["trace"][0]["rules"].as_array().expect("trace rules");
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[0]["name"], "securityRules/AllowHttpsFromInternet");
    assert_eq!(rules[0]["matched"], false);
    assert_eq!(rules[0]["sourceMatched"], false);
    assert_eq!(rules[0]["destinationPortMatched"], false);
    assert!(rules[0]["reason"].is_string());
    assert_eq!(rules[1]["matched"], true);
    assert_eq!(v["trace"][0]["decision"], "Deny");
}

#[test]
fn verify_reports_the_last_nsg_when_both_allow_and_uses_vnet() {
    let s = Scratch::new("both");
    let subnet = s.write_json("subnet.json", &web_subnet_nsg());
    let nic = s.write_json("nic.json", &web_nic_nsg());
    // From inside the virtual network on 8080: the subnet NSG allows by its default rule, the
    // NIC NSG by its own; the NIC NSG's rule is reported.
    let run = run_with(
        verify_args(
            &[
                "--subnet-nsg",
                &subnet,
                "--nic-nsg",
                &nic,
                "--vnet",
                "10.0.0.0/16",
                "--json",
            ],
            "10.0.1.4:8080",
            "10.0.2.5:1234",
        ),
        &[],
    );
    run.ok();
    let v = run.json();
    assert_eq!(v["access"], "Allow");
    assert_eq!(v["ruleName"], "securityRules/AllowAppPort");
    assert_eq!(v["decidedBy"]["layer"], "nic");
    assert_eq!(v["trace"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        v["trace"][0]["rules"]
            .as_array()
            .and_then(|r| r.last())
            .map(|r| &r["name"]),
        Some(&json!("defaultSecurityRules/AllowVnetInBound"))
    );

    // Without --vnet, the VirtualNetwork tag is only the Azure host: denied by default, with a
    // warning saying how to give the prefixes.
    let run = run_with(
        verify_args(
            &["--subnet-nsg", &subnet, "--json"],
            "10.0.1.4:8080",
            "10.0.2.5:1234",
        ),
        &[],
    );
    let v = run.ok().json();
    assert_eq!(v["ruleName"], "defaultSecurityRules/DenyAllInBound");
    assert!(v["warnings"].as_array().is_some_and(|w| w
        .iter()
        .any(|w| w.as_str().is_some_and(|w| w.contains("--vnet")))));
}

#[test]
fn verify_with_no_input_allows_and_says_nothing_decided() {
    let run = flowverify(&[
        "verify",
        "--direction",
        "outbound",
        "--protocol",
        "icmp",
        "--local",
        "2001:db8::4",
        "--remote",
        "2001:db8::9",
    ]);
    run.ok();
    assert!(
        run.stdout.starts_with("Allow  (nothing decided"),
        "{}",
        run.stdout
    );
}

#[test]
fn verify_scenario_slots_are_replaced_or_added_to_by_flags() {
    let s = Scratch::new("scenario-flags");
    let deny_all = nsg(
        "nsg-deny-all",
        vec![rule(
            "DenyEverything",
            json!({"access": "Deny", "priority": 100}),
        )],
    );
    let scenario = json!({
        "version": 1,
        "title": "flags",
        "subnetNsg": deny_all,
        "nicNsg": web_nic_nsg(),
        "asgs": { "asg-app": ["10.0.1.4"] }
    });
    let path = s.write_json("scenario.json", &scenario);
    let flow = ("10.0.1.4:8080", "10.0.2.5:1234");

    let run = run_with(
        verify_args(&["--scenario", &path, "--json"], flow.0, flow.1),
        &[],
    );
    assert_eq!(run.ok().json()["ruleName"], "securityRules/DenyEverything");

    // --subnet-nsg replaces the scenario's subnet NSG; --vnet adds the prefixes.
    let subnet = s.write_json("subnet.json", &web_subnet_nsg());
    let run = run_with(
        verify_args(
            &[
                "--scenario",
                &path,
                "--subnet-nsg",
                &subnet,
                "--vnet",
                "10.0.0.0/16",
                "--json",
            ],
            flow.0,
            flow.1,
        ),
        &[],
    );
    let v = run.ok().json();
    assert_eq!(v["access"], "Allow");
    assert_eq!(v["ruleName"], "securityRules/AllowAppPort");
}

#[test]
fn verify_asg_flag_gives_membership() {
    let s = Scratch::new("asg");
    let nic = nsg(
        "nsg-asg",
        vec![rule(
            "AllowToAsg",
            json!({"protocol": "Tcp", "destinationPortRange": "22", "access": "Allow",
            "priority": 100, "destinationAddressPrefix": null,
            "destinationApplicationSecurityGroups": [
                {"id": "/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/applicationSecurityGroups/asg-ssh"}
            ]}),
        )],
    );
    let path = s.write_json("nic.json", &nic);
    let run = run_with(
        verify_args(
            &[
                "--nic-nsg",
                &path,
                "--asg",
                "asg-ssh=10.0.1.4,10.0.1.5",
                "--json",
            ],
            "10.0.1.5:22",
            "203.0.113.7:40000",
        ),
        &[],
    );
    let v = run.ok().json();
    assert_eq!(v["ruleName"], "securityRules/AllowToAsg");
    assert_eq!(v["uncertain"], false);

    // Without membership the rule cannot match and the verdict is uncertain.
    let run = run_with(
        verify_args(
            &["--nic-nsg", &path, "--json"],
            "10.0.1.5:22",
            "203.0.113.7:40000",
        ),
        &[],
    );
    let v = run.ok().json();
    assert_eq!(v["access"], "Deny");
    assert_eq!(v["uncertain"], true);
}

// ---------------------------------------------------------------- check

fn check_scenario(flows: Value) -> Value {
    json!({
        "version": 1,
        "title": "Web tier, inbound",
        "subnetNsg": web_subnet_nsg(),
        "virtualNetwork": ["10.0.0.0/16"],
        "flows": flows
    })
}

#[test]
fn check_passes_when_every_expectation_is_met() {
    let s = Scratch::new("check-pass");
    let path = s.write_json(
        "web.json",
        &check_scenario(json!([
            { "direction": "Inbound", "protocol": "Tcp", "local": "10.0.1.4:443",
              "remote": "203.0.113.7:50000", "expect": "allow" },
            { "direction": "Inbound", "protocol": "Tcp", "local": "10.0.1.4:3389",
              "remote": "10.0.2.5:1234",
              "expect": { "access": "Deny", "ruleName": "securityRules/DenyRdpAll", "layer": "subnet" } },
            { "direction": "Outbound", "protocol": "Udp", "local": "10.0.1.4:5000",
              "remote": "8.8.8.8:53" }
        ])),
    );
    let run = flowverify(&["check", &path]);
    run.ok();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", run.stdout);
    assert!(
        lines[0].starts_with("PASS") && lines[0].contains("flows[0]"),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("web.json"), "{}", lines[0]);
    assert!(
        lines[1].contains("securityRules/DenyRdpAll"),
        "{}",
        lines[1]
    );
    // A flow without `expect` is skipped, never passed.
    assert!(
        lines[2].starts_with("SKIP")
            && lines[2].contains("flows[2]")
            && lines[2].contains("no expectation"),
        "{}",
        lines[2]
    );
    assert_eq!(lines[3], "2 passed, 0 failed, 1 skipped");
}

#[test]
fn check_fails_with_status_1_and_says_why() {
    let s = Scratch::new("check-fail");
    let good = s.write_json(
        "good.json",
        &check_scenario(json!([
            { "direction": "Inbound", "protocol": "Tcp", "local": "10.0.1.4:443",
              "remote": "203.0.113.7:50000", "expect": "Allow" }
        ])),
    );
    let bad = s.write_json(
        "bad.json",
        &check_scenario(json!([
            { "direction": "Inbound", "protocol": "Tcp", "local": "10.0.1.4:8080",
              "remote": "10.0.2.5:1234",
              "expect": { "access": "Deny", "ruleName": "securityRules/DenyRdpAll" } }
        ])),
    );
    let run = flowverify(&["check", &good, &bad]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let fail = run
        .stdout
        .lines()
        .find(|l| l.starts_with("FAIL"))
        .expect("a FAIL line");
    assert!(
        fail.contains("bad.json") && fail.contains("flows[0]"),
        "{fail}"
    );
    assert!(
        fail.contains(
            "expected Deny by securityRules/DenyRdpAll, got Allow by defaultSecurityRules/AllowVnetInBound"
        ),
        "{fail}"
    );
    assert_eq!(
        run.last_line(),
        "1 passed, 1 failed, 0 skipped",
        "{}",
        run.stdout
    );

    // --json: JSON Lines, one object per flow with its file, index, flow, expectation, result,
    // pass and outcome.
    let run = flowverify(&["check", "--json", &good, &bad]);
    assert_eq!(run.code, 1);
    let items = run.json_lines();
    assert_eq!(items.len(), 2, "{}", run.stdout);
    assert_eq!(items[0]["file"], good.as_str());
    assert_eq!(items[0]["index"], 0);
    assert_eq!(items[0]["direction"], "Inbound");
    assert_eq!(items[0]["local"], "10.0.1.4:443");
    assert_eq!(items[0]["expect"], "Allow");
    assert_eq!(items[0]["result"]["access"], "Allow");
    assert_eq!(items[0]["pass"], true);
    assert_eq!(items[1]["pass"], false);
    assert_eq!(items[1]["expect"]["ruleName"], "securityRules/DenyRdpAll");
    assert_eq!(
        items[1]["result"]["ruleName"],
        "defaultSecurityRules/AllowVnetInBound"
    );
    assert_eq!(items[0]["outcome"], "passed");
    assert_eq!(items[1]["outcome"], "failed");
    assert!(items[1]["reason"]
        .as_str()
        .is_some_and(|r| r.starts_with("expected Deny by securityRules/DenyRdpAll")));
}

// ---------------------------------------------------------------- permalinks

#[test]
fn permalink_encode_and_decode_round_trip() {
    let s = Scratch::new("permalink");
    let scenario = check_scenario(json!([
        { "direction": "Inbound", "protocol": "Tcp", "local": "10.0.1.4:443",
          "remote": "203.0.113.7:50000", "expect": "Allow" }
    ]));
    let path = s.write_json("web.json", &scenario);
    let run = flowverify(&["permalink", "encode", &path]);
    run.ok();
    let fragment = run.stdout.trim().to_string();
    assert!(fragment.starts_with("v1."), "{fragment}");

    let run = flowverify(&[
        "permalink",
        "encode",
        &path,
        "--base",
        "https://example.org/fv/#old",
    ]);
    run.ok();
    let link = run.stdout.trim().to_string();
    assert_eq!(link, format!("https://example.org/fv/#{fragment}"));

    for form in [link.clone(), format!("#{fragment}"), fragment.clone()] {
        let run = flowverify(&["permalink", "decode", &form]);
        run.ok();
        assert_eq!(run.json(), scenario, "decoding {form}");
    }

    // The decoded scenario is itself a valid scenario for check.
    let decoded = flowverify(&["permalink", "decode", &link]);
    let again = s.write("decoded.json", decoded.stdout);
    let run = flowverify(&["check", &again]);
    run.ok();
    assert_eq!(run.last_line(), "1 passed, 0 failed, 0 skipped");
}

// ---------------------------------------------------------------- bad input: exit 2

#[test]
fn invalid_json_gives_line_and_column() {
    let s = Scratch::new("bad-json");
    let path = s.write(
        "nsg.json",
        "{\n  \"name\": \"nsg\",\n  \"properties\": { oops }\n}\n",
    );
    run_with(
        verify_args(&["--subnet-nsg", &path], "10.0.1.4:1", "10.0.2.5:2"),
        &[],
    )
    .bad_input(&["nsg.json", "line 3, column", "oops"]);
    let scenario = s.write("s.json", "{\n  \"version\": 1,\n  \"title\": oops\n}\n");
    flowverify(&["check", &scenario]).bad_input(&["s.json", "line 3, column 12", "oops"]);
}

#[test]
fn an_unrecognised_document_is_named() {
    let s = Scratch::new("unrecognised");
    let path = s.write_json("what.json", &json!({"hello": "world", "answer": 42}));
    run_with(
        verify_args(&["--subnet-nsg", &path], "10.0.1.4:1", "10.0.2.5:2"),
        &[],
    )
    .bad_input(&["what.json", "hello"]);
}

#[test]
fn a_document_of_the_wrong_kind_for_its_slot_is_refused() {
    let s = Scratch::new("wrong-slot");
    let tags = s.write_json(
        "tags.json",
        &json!({"changeNumber": 1, "cloud": "Public", "values": [
            {"name": "Storage", "id": "Storage", "properties": {"addressPrefixes": ["20.0.0.0/8"]}}
        ]}),
    );
    run_with(
        verify_args(&["--subnet-nsg", &tags], "10.0.1.4:1", "10.0.2.5:2"),
        &[],
    )
    .bad_input(&["tags.json", "subnetNsg expects a network security group"]);
}

#[test]
fn a_bad_cidr_is_named_with_its_rule() {
    let s = Scratch::new("bad-cidr");
    let doc = nsg(
        "nsg",
        vec![rule(
            "AllowBadCidr",
            json!({"sourceAddressPrefix": "10.0.0.0/33", "access": "Allow", "priority": 100}),
        )],
    );
    let path = s.write_json("nsg.json", &doc);
    run_with(
        verify_args(&["--subnet-nsg", &path], "10.0.1.4:1", "10.0.2.5:2"),
        &[],
    )
    .bad_input(&["nsg.json", "AllowBadCidr", "10.0.0.0/33"]);
    // In a scenario slot the place starts with the slot.
    let scenario = s.write_json("web.json", &json!({"version": 1, "subnetNsg": doc}));
    run_with(
        verify_args(&["--scenario", &scenario], "10.0.1.4:1", "10.0.2.5:2"),
        &[],
    )
    .bad_input(&["web.json: subnetNsg.", "AllowBadCidr", "10.0.0.0/33"]);
    // In virtualNetwork, and on the command line.
    let scenario = s.write_json(
        "vnet.json",
        &json!({"version": 1, "virtualNetwork": ["10.0.0.0/16", "10.1.0.0/99"]}),
    );
    flowverify(&["check", &scenario]).bad_input(&["vnet.json", "virtualNetwork[1]", "10.1.0.0/99"]);
    run_with(
        verify_args(&["--vnet", "300.0.0.0/8"], "10.0.1.4:1", "10.0.2.5:2"),
        &[],
    )
    .bad_input(&["--vnet", "300.0.0.0/8"]);
    let scenario = s.write_json(
        "asg.json",
        &json!({"version": 1, "asgs": {"asg-web": ["10.0.1.444"]}}),
    );
    flowverify(&["check", &scenario]).bad_input(&["asg.json", "asgs.asg-web[0]", "10.0.1.444"]);
    run_with(
        verify_args(&["--asg", "asg-web=10.0.1.444"], "10.0.1.4:1", "10.0.2.5:2"),
        &[],
    )
    .bad_input(&["--asg", "10.0.1.444"]);
}

#[test]
fn a_bad_port_is_named() {
    let s = Scratch::new("bad-port");
    let doc = nsg(
        "nsg",
        vec![rule(
            "AllowBadPort",
            json!({"destinationPortRange": "70000", "access": "Allow", "priority": 100}),
        )],
    );
    let path = s.write_json("nsg.json", &doc);
    run_with(
        verify_args(&["--nic-nsg", &path], "10.0.1.4:1", "10.0.2.5:2"),
        &[],
    )
    .bad_input(&["nsg.json", "AllowBadPort", "70000"]);
    run_with(verify_args(&[], "10.0.1.4:99999", "10.0.2.5:2"), &[])
        .bad_input(&["--local", "99999"]);
    let scenario = s.write_json(
        "flows.json",
        &json!({"version": 1, "flows": [
            {"direction": "Inbound", "protocol": "Tcp", "local": "10.0.1.4:1", "remote": "10.0.2.5:65536"}
        ]}),
    );
    flowverify(&["check", &scenario]).bad_input(&["flows.json", "flows[0]", "65536"]);
}

#[test]
fn a_bad_protocol_is_named() {
    let s = Scratch::new("bad-protocol");
    let doc = nsg(
        "nsg",
        vec![rule(
            "AllowSctp",
            json!({"protocol": "Sctp", "access": "Allow", "priority": 100}),
        )],
    );
    let path = s.write_json("nsg.json", &doc);
    run_with(
        verify_args(&["--subnet-nsg", &path], "10.0.1.4:1", "10.0.2.5:2"),
        &[],
    )
    .bad_input(&["nsg.json", "AllowSctp", "Sctp"]);
    flowverify(&[
        "verify",
        "--direction",
        "inbound",
        "--protocol",
        "sctp",
        "--local",
        "10.0.1.4:1",
        "--remote",
        "10.0.2.5:2",
    ])
    .bad_input(&["--protocol", "sctp"]);
    flowverify(&[
        "verify",
        "--direction",
        "upward",
        "--protocol",
        "tcp",
        "--local",
        "10.0.1.4:1",
        "--remote",
        "10.0.2.5:2",
    ])
    .bad_input(&["--direction", "upward"]);
}

#[test]
fn a_bad_access_value_is_named() {
    let s = Scratch::new("bad-access");
    let doc = nsg(
        "nsg",
        vec![rule(
            "PermitWeb",
            json!({"access": "Permit", "priority": 100}),
        )],
    );
    let path = s.write_json("nsg.json", &doc);
    run_with(
        verify_args(&["--subnet-nsg", &path], "10.0.1.4:1", "10.0.2.5:2"),
        &[],
    )
    .bad_input(&["nsg.json", "PermitWeb", "Permit"]);
    // An expected access in a scenario, too.
    let scenario = s.write_json(
        "expect.json",
        &json!({"version": 1, "flows": [
            {"direction": "Inbound", "protocol": "Tcp", "local": "10.0.1.4:1",
             "remote": "10.0.2.5:2", "expect": "Permit"}
        ]}),
    );
    flowverify(&["check", &scenario]).bad_input(&["expect.json", "flows[0].expect", "Permit"]);
}

#[test]
fn a_missing_priority_is_named() {
    let s = Scratch::new("no-priority");
    let doc = nsg("nsg", vec![rule("NoPriority", json!({"access": "Allow"}))]);
    let path = s.write_json("nsg.json", &doc);
    run_with(
        verify_args(&["--subnet-nsg", &path], "10.0.1.4:1", "10.0.2.5:2"),
        &[],
    )
    .bad_input(&["nsg.json", "NoPriority", "priority"]);
}

#[test]
fn mixed_address_families_are_refused() {
    let s = Scratch::new("families");
    run_with(verify_args(&[], "10.0.1.4:1", "[2001:db8::5]:2"), &[]).bad_input(&[
        "command line",
        "10.0.1.4",
        "2001:db8::5",
        "address families",
    ]);
    let scenario = s.write_json(
        "mixed.json",
        &json!({"version": 1, "flows": [
            {"direction": "Outbound", "protocol": "Icmp", "local": "2001:db8::4", "remote": "8.8.8.8"}
        ]}),
    );
    flowverify(&["check", &scenario]).bad_input(&[
        "mixed.json",
        "flows[0]",
        "2001:db8::4",
        "8.8.8.8",
    ]);
}

#[test]
fn deeply_nested_json_is_refused_without_a_crash() {
    let s = Scratch::new("deep");
    let deep = "[".repeat(100_000);
    let path = s.write("deep.json", &deep);
    run_with(
        verify_args(&["--subnet-nsg", &path], "10.0.1.4:1", "10.0.2.5:2"),
        &[],
    )
    .bad_input(&["deep.json"]);
    flowverify(&["check", &path]).bad_input(&["deep.json", "line 1, column", "nested too deeply"]);
    let nested_object = format!(
        "{{\"version\": 1, \"subnetNsg\": {}",
        "{\"a\":".repeat(100_000)
    );
    let path = s.write("deep-scenario.json", nested_object);
    flowverify(&["check", &path]).bad_input(&["deep-scenario.json", "nested too deeply"]);
}

#[test]
fn a_missing_file_says_so_with_its_path() {
    let s = Scratch::new("missing");
    let missing = s.dir.join("no-such-nsg.json").display().to_string();
    run_with(
        verify_args(&["--subnet-nsg", &missing], "10.0.1.4:1", "10.0.2.5:2"),
        &[],
    )
    .bad_input(&[&missing, "no such file"]);
    flowverify(&["check", &missing]).bad_input(&[&missing, "no such file"]);
    flowverify(&["permalink", "encode", &missing]).bad_input(&[&missing, "no such file"]);
}

#[test]
fn an_unknown_scenario_property_is_named() {
    let s = Scratch::new("unknown-prop");
    let path = s.write_json(
        "typo.json",
        &json!({"version": 1, "titel": "web", "flows": []}),
    );
    flowverify(&["check", &path]).bad_input(&["typo.json", "titel", "unknown property"]);
    let path = s.write_json(
        "typo-flow.json",
        &json!({"version": 1, "flows": [
            {"direction": "Inbound", "protocol": "Tcp", "local": "10.0.1.4:1",
             "remote": "10.0.2.5:2", "expected": "Allow"}
        ]}),
    );
    flowverify(&["check", &path]).bad_input(&["typo-flow.json", "flows[0].expected", "'expected'"]);
    run_with(
        verify_args(&["--scenario", &path], "10.0.1.4:1", "10.0.2.5:2"),
        &[],
    )
    .bad_input(&["typo-flow.json", "'expected'"]);
    let path = s.write_json("v2.json", &json!({"version": 2}));
    flowverify(&["check", &path]).bad_input(&["v2.json", "version 2"]);
}

#[test]
fn a_malformed_permalink_is_explained() {
    flowverify(&["permalink", "decode", "v1.ab*d"]).bad_input(&["base64url", "'*'", "offset 2"]);
    flowverify(&["permalink", "decode", "https://example.org/fv/"])
        .bad_input(&["https://example.org/fv/", "fragment"]);
    flowverify(&["permalink", "decode", "#v2.abcd"]).bad_input(&["'v2'", "not supported"]);
    flowverify(&["permalink", "decode", "v1.aGVsbG8gd29ybGQ"]).bad_input(&["zlib"]);
    flowverify(&["permalink", "decode", "v1."]).bad_input(&["no payload"]);
}

#[test]
fn usage_errors_exit_2() {
    flowverify(&[]).bad_input(&[]);
    flowverify(&["check"]).bad_input(&["SCENARIO.json"]);
    flowverify(&["verify", "--direction", "inbound"]).bad_input(&["--protocol"]);
    flowverify(&["frobnicate"]).bad_input(&["frobnicate"]);
    let help = flowverify(&["verify", "--help"]);
    help.ok();
    assert!(help.stdout.contains("--subnet-nsg") && help.stdout.contains("--admin-rules"));
}

#[test]
fn check_reports_bad_files_but_still_checks_the_good_ones() {
    let s = Scratch::new("mixed-files");
    let good = s.write_json(
        "good.json",
        &check_scenario(json!([
            { "direction": "Inbound", "protocol": "Tcp", "local": "10.0.1.4:443",
              "remote": "203.0.113.7:50000", "expect": "Allow" }
        ])),
    );
    let missing = s.dir.join("gone.json").display().to_string();
    let run = flowverify(&["check", &good, &missing]);
    run.bad_input(&["gone.json", "no such file"]);
    assert_eq!(
        run.last_line(),
        "1 passed, 0 failed, 0 skipped",
        "{}",
        run.stdout
    );
}

#[test]
fn utf16_files_from_windows_powershell_are_read() {
    let s = Scratch::new("utf16");
    let text = serde_json::to_string(&web_subnet_nsg()).expect("json");
    let mut bytes = vec![0xff, 0xfe];
    for unit in text.encode_utf16() {
        bytes.extend(unit.to_le_bytes());
    }
    let path = s.write("nsg-utf16.json", bytes);
    let run = run_with(
        verify_args(
            &["--subnet-nsg", &path, "--json"],
            "10.0.1.4:3389",
            "10.0.2.5:1234",
        ),
        &[],
    );
    assert_eq!(run.ok().json()["ruleName"], "securityRules/DenyRdpAll");
    let latin1 = s.write(
        "latin1.json",
        b"{\"version\": 1, \"title\": \"caf\xe9\"}".as_slice(),
    );
    flowverify(&["check", &latin1]).bad_input(&["latin1.json", "0xe9", "not UTF-8"]);
}

// ---------------------------------------------------------------- check: what counts

/// A flow of the check scenario, with `expect` when given.
fn flow(local: &str, remote: &str, expect: Option<Value>) -> Value {
    let mut f =
        json!({ "direction": "Inbound", "protocol": "Tcp", "local": local, "remote": remote });
    if let Some(e) = expect {
        f["expect"] = e;
    }
    f
}

#[test]
fn check_counts_flows_without_expect_as_skipped_never_passed() {
    let s = Scratch::new("skipped");
    let mixed = s.write_json(
        "mixed.json",
        &check_scenario(json!([
            flow("10.0.1.4:443", "203.0.113.7:50000", Some(json!("Allow"))),
            flow("10.0.1.4:3389", "10.0.2.5:1234", None),
            flow("10.0.1.4:3389", "10.0.2.6:1234", None),
        ])),
    );
    let run = flowverify(&["check", &mixed]);
    run.ok();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", run.stdout);
    assert!(lines[0].starts_with("PASS  "), "{}", lines[0]);
    assert!(lines[1].starts_with("SKIP  ") && lines[1].contains("flows[1]"));
    assert!(
        lines[1].contains("Deny by securityRules/DenyRdpAll"),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with("SKIP  ") && lines[2].contains("flows[2]"));
    assert_eq!(lines[3], "1 passed, 0 failed, 2 skipped");

    // A failure among skipped flows still fails the run.
    let failing = s.write_json(
        "failing.json",
        &check_scenario(json!([
            flow("10.0.1.4:3389", "10.0.2.5:1234", None),
            flow("10.0.1.4:443", "203.0.113.7:50000", Some(json!("Deny"))),
        ])),
    );
    let run = flowverify(&["check", &failing]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.last_line(), "0 passed, 1 failed, 1 skipped");

    // Nothing but skipped flows: nothing was checked, so it is an error (exit 2), not a pass.
    let unchecked = s.write_json(
        "unchecked.json",
        &check_scenario(json!([flow("10.0.1.4:443", "203.0.113.7:50000", None)])),
    );
    let run = flowverify(&["check", &unchecked]);
    run.bad_input(&[
        "unchecked.json",
        "nothing to check",
        "no flow has an 'expect'",
    ]);
    assert_eq!(
        run.last_line(),
        "0 passed, 0 failed, 1 skipped",
        "{}",
        run.stdout
    );
    let other = s.write_json(
        "other.json",
        &check_scenario(json!([flow("10.0.1.4:22", "203.0.113.7:50000", None)])),
    );
    let run = flowverify(&["check", &unchecked, &other]);
    run.bad_input(&["nothing to check: no flow has an 'expect'"]);
    assert_eq!(run.last_line(), "0 passed, 0 failed, 2 skipped");
    let run = flowverify(&["check", "--json", &unchecked]);
    run.bad_input(&["nothing to check"]);
    let items = run.json_lines();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["outcome"], "skipped");
    assert_eq!(items[0]["pass"], Value::Null);

    // With one checked flow elsewhere, the skipped ones do not matter.
    let run = flowverify(&["check", &unchecked, &mixed]);
    run.ok();
    assert_eq!(run.last_line(), "1 passed, 0 failed, 3 skipped");
}

#[test]
fn check_refuses_a_scenario_without_flows() {
    let s = Scratch::new("no-flows");
    let empty = s.write_json("empty.json", &check_scenario(json!([])));
    flowverify(&["check", &empty])
        .bad_input(&["empty.json: the scenario has no flows: nothing to check"]);
    let no_key = s.write_json("no-key.json", &json!({"version": 1, "title": "nothing"}));
    flowverify(&["check", &no_key]).bad_input(&["no-key.json", "has no flows"]);
    // Beside a good file: the good one is checked and printed, the run still fails with 2.
    let good = s.write_json(
        "good.json",
        &check_scenario(json!([flow(
            "10.0.1.4:443",
            "203.0.113.7:50000",
            Some(json!("Allow"))
        )])),
    );
    let run = flowverify(&["check", &good, &empty]);
    run.bad_input(&["empty.json", "has no flows"]);
    assert_eq!(run.last_line(), "1 passed, 0 failed, 0 skipped");
}

#[test]
fn check_json_is_one_object_per_line() {
    let s = Scratch::new("json-lines");
    let path = s.write_json(
        "web.json",
        &check_scenario(json!([
            flow("10.0.1.4:443", "203.0.113.7:50000", Some(json!("Allow"))),
            flow(
                "10.0.1.4:3389",
                "10.0.2.5:1234",
                Some(json!({"access": "Deny", "ruleName": "securityRules/DenyRdpAll"}))
            ),
            flow("10.0.1.4:8080", "10.0.2.5:1234", None),
        ])),
    );
    let run = flowverify(&["check", "--json", &path]);
    run.ok();
    assert!(!run.stdout.trim_start().starts_with('['), "{}", run.stdout);
    let items = run.json_lines();
    assert_eq!(items.len(), 3);
    for (i, item) in items.iter().enumerate() {
        assert_eq!(item["index"], i);
        assert_eq!(item["file"], path.as_str());
        assert_eq!(item["title"], "Web tier, inbound");
        // The whole result object, trace included.
        assert!(item["result"]["access"].is_string());
        assert!(item["result"]["trace"]
            .as_array()
            .is_some_and(|t| !t.is_empty()));
    }
    assert_eq!(items[1]["result"]["ruleName"], "securityRules/DenyRdpAll");
    let outcomes: Vec<&Value> = items.iter().map(|i| &i["outcome"]).collect();
    assert_eq!(
        outcomes,
        [&json!("passed"), &json!("passed"), &json!("skipped")]
    );
    let passes: Vec<&Value> = items.iter().map(|i| &i["pass"]).collect();
    assert_eq!(passes, [&json!(true), &json!(true), &Value::Null]);
}

#[test]
fn check_stops_with_an_error_when_its_output_is_closed() {
    let s = Scratch::new("closed-pipe");
    let flows: Vec<Value> = (0..3000)
        .map(|i| {
            flow(
                "10.0.1.4:443",
                &format!("203.0.113.7:{}", 1024 + i),
                Some(json!("Allow")),
            )
        })
        .collect();
    let path = s.write_json("many.json", &check_scenario(Value::Array(flows)));
    let mut child = Command::new(env!("CARGO_BIN_EXE_flowverify"))
        .args(["check", &path])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run flowverify");
    // Read one line, then close the pipe, as `| head -1` does.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 4];
    std::io::Read::read_exact(&mut stdout, &mut first).expect("a first line");
    assert_eq!(&first, b"PASS");
    drop(stdout);
    let output = child.wait_with_output().expect("flowverify ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    // An unfinished check never succeeds, and says why, as every failed write does.
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(
        stderr,
        "error: <stdout>: cannot write the output: the reader closed it (broken pipe)\n"
    );
}

// ---------------------------------------------------------------- standard input, links

#[test]
fn a_dash_reads_standard_input() {
    let s = Scratch::new("stdin");
    let nsg = serde_json::to_string(&web_subnet_nsg()).expect("json");
    let mut args = verify_args(
        &["--subnet-nsg", "-", "--json"],
        "10.0.1.4:3389",
        "10.0.2.5:1234",
    );
    args.truncate(args.len());
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = flowverify_stdin(&refs, &nsg);
    assert_eq!(run.ok().json()["ruleName"], "securityRules/DenyRdpAll");

    // Errors name standard input.
    let run = flowverify_stdin(&refs, "{ oops");
    run.bad_input(&["<stdin>", "line 1"]);

    // check - reads a scenario.
    let scenario = serde_json::to_string(&check_scenario(json!([flow(
        "10.0.1.4:443",
        "203.0.113.7:50000",
        Some(json!("Allow"))
    )])))
    .expect("json");
    let run = flowverify_stdin(&["check", "-"], &scenario);
    run.ok();
    assert!(
        run.stdout.starts_with("PASS  <stdin>  flows[0]"),
        "{}",
        run.stdout
    );
    assert_eq!(run.last_line(), "1 passed, 0 failed, 0 skipped");
    // Beside files.
    let file = s.write("web.json", &scenario);
    let run = flowverify_stdin(&["check", &file, "-"], &scenario);
    run.ok();
    assert_eq!(run.last_line(), "2 passed, 0 failed, 0 skipped");

    // Standard input can be read once only.
    flowverify_stdin(&["check", "-", "-"], &scenario)
        .bad_input(&["standard input", "more than once"]);
    flowverify_stdin(
        &[
            "verify",
            "--subnet-nsg",
            "-",
            "--nic-nsg",
            "-",
            "--direction",
            "inbound",
            "--protocol",
            "tcp",
            "--local",
            "10.0.1.4:1",
            "--remote",
            "10.0.2.5:2",
        ],
        &nsg,
    )
    .bad_input(&["more than once"]);

    // permalink encode - too.
    let run = flowverify_stdin(&["permalink", "encode", "-"], &scenario);
    assert!(run.ok().stdout.starts_with("v1."));
}

#[test]
fn permalink_decode_reads_the_link_from_stdin_or_a_file() {
    let s = Scratch::new("link-stdin");
    let scenario = check_scenario(json!([flow(
        "10.0.1.4:443",
        "203.0.113.7:50000",
        Some(json!("Allow"))
    )]));
    let path = s.write_json("web.json", &scenario);
    let link = flowverify(&[
        "permalink",
        "encode",
        &path,
        "--base",
        "https://example.org/",
    ]);
    let link = link.ok().stdout.clone();
    assert!(link.ends_with('\n'));

    // `-`: the link on standard input, with its newline and spaces around.
    let run = flowverify_stdin(&["permalink", "decode", "-"], format!("  {link}\n"));
    assert_eq!(run.ok().json(), scenario);
    // `@FILE`: the link in a file, even as Windows PowerShell writes it (UTF-16 with a BOM, CRLF).
    let file = s.write("link.txt", &link);
    let run = flowverify(&["permalink", "decode", &format!("@{file}")]);
    assert_eq!(run.ok().json(), scenario);
    let mut utf16 = vec![0xff, 0xfe];
    for unit in format!("{}\r\n", link.trim()).encode_utf16() {
        utf16.extend(unit.to_le_bytes());
    }
    let file = s.write("link-utf16.txt", utf16);
    let run = flowverify(&["permalink", "decode", &format!("@{file}")]);
    assert_eq!(run.ok().json(), scenario);

    // Problems name where the link came from.
    let missing = s.dir.join("no-link.txt").display().to_string();
    flowverify(&["permalink", "decode", &format!("@{missing}")])
        .bad_input(&[&missing, "no such file"]);
    flowverify_stdin(&["permalink", "decode", "-"], "").bad_input(&["permalink is empty"]);
    flowverify_stdin(&["permalink", "decode", "-"], "https://example.org/")
        .bad_input(&["fragment"]);
}

#[test]
fn permalink_encode_refuses_a_scenario_its_link_could_not_hold() {
    let s = Scratch::new("big-link");
    // A valid scenario (encode refuses an invalid one first), large by its rules' descriptions.
    let rules: Vec<Value> = (0..3_000)
        .map(|i| {
            rule(
                &format!("AllowPort{i}"),
                json!({"protocol": "Tcp", "destinationPortRange": format!("{}", 1 + i),
                       "access": "Allow", "priority": 100 + i,
                       "description": format!("{i} {}", "x".repeat(800))}),
            )
        })
        .collect();
    let scenario = json!({"version": 1, "subnetNsg": nsg("big", rules)});
    let path = s.write_json("big.json", &scenario);
    let size = serde_json::to_string(&scenario).expect("json").len();
    assert!(size > 2 * 1024 * 1024, "{size}");
    let run = flowverify(&["permalink", "encode", &path]);
    run.bad_input(&["big.json", "2 MiB", "as compact JSON"]);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    flowverify(&[
        "permalink",
        "encode",
        &path,
        "--base",
        "https://example.org/",
    ])
    .bad_input(&["big.json", "2 MiB"]);
}

// ---------------------------------------------------------------- encodings, limits, escapes

#[test]
fn utf16_without_a_byte_order_mark_is_named() {
    let s = Scratch::new("utf16-nobom");
    let text = serde_json::to_string(&web_subnet_nsg()).expect("json");
    let mut bytes = Vec::new();
    for unit in text.encode_utf16() {
        bytes.extend(unit.to_le_bytes());
    }
    let path = s.write("nsg-utf16-nobom.json", &bytes);
    run_with(
        verify_args(&["--subnet-nsg", &path], "10.0.1.4:3389", "10.0.2.5:1234"),
        &[],
    )
    .bad_input(&[
        "nsg-utf16-nobom.json",
        "looks like UTF-16",
        "without a byte-order mark",
        "Out-File -Encoding utf8",
    ]);
    // A NUL byte in UTF-8 text never reaches the JSON parser.
    let path = s.write(
        "nul.json",
        b"{\"version\": 1,\n \"title\": \"a\0b\"}".as_slice(),
    );
    flowverify(&["check", &path]).bad_input(&["nul.json", "line 2", "NUL byte"]);
    // UTF-8 with a byte-order mark is read.
    let mut bom = vec![0xef, 0xbb, 0xbf];
    bom.extend(text.as_bytes());
    let path = s.write("nsg-bom.json", bom);
    run_with(
        verify_args(
            &["--subnet-nsg", &path, "--json"],
            "10.0.1.4:3389",
            "10.0.2.5:1234",
        ),
        &[],
    )
    .ok();
}

#[test]
fn an_endless_device_is_refused_after_256_mib() {
    let started = std::time::Instant::now();
    run_with(
        verify_args(&["--subnet-nsg", "/dev/zero"], "10.0.1.4:1", "10.0.2.5:2"),
        &[],
    )
    .bad_input(&["/dev/zero", "larger than 256 MiB", "refused"]);
    flowverify(&["check", "/dev/zero"]).bad_input(&["/dev/zero", "larger than 256 MiB"]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn control_characters_in_names_are_shown_escaped() {
    let s = Scratch::new("escapes");
    let crafted = "\u{1b}[2K\rAllow";
    let doc = nsg(
        "nsg\u{202e}web",
        vec![rule(
            crafted,
            json!({"destinationPortRange": "3389", "access": "Deny", "priority": 200}),
        )],
    );
    let path = s.write_json("nsg.json", &doc);
    let run = run_with(
        verify_args(&["--subnet-nsg", &path], "10.0.1.4:3389", "10.0.2.5:1234"),
        &[],
    );
    run.ok();
    for raw in ['\u{1b}', '\r', '\u{202e}'] {
        assert!(
            !run.stdout.contains(raw),
            "{raw:?} printed raw:\n{}",
            run.stdout
        );
    }
    let first = run.stdout.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        "Deny  securityRules/\\u{1b}[2K\\rAllow  (subnet NSG nsg\\u{202e}web)"
    );
    assert!(run
        .stdout
        .lines()
        .any(|l| l.contains("securityRules/\\u{1b}[2K\\rAllow")
            && l.contains("Matched: this rule decides the layer")));

    // check's line, and its FAIL reason quoting the expectation.
    let scenario = s.write_json(
        "web.json",
        &json!({"version": 1, "subnetNsg": doc, "flows": [
            flow("10.0.1.4:3389", "10.0.2.5:1234", Some(json!({"access": "Deny", "ruleName": format!("securityRules/{crafted}")}))),
            flow("10.0.1.4:3389", "10.0.2.5:1234", Some(json!({"access": "Allow", "ruleName": "securityRules/\u{1b}]0;x\u{7}"}))),
        ]}),
    );
    let run = flowverify(&["check", &scenario]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        !run.stdout.contains('\u{1b}')
            && !run.stdout.contains('\r')
            && !run.stdout.contains('\u{7}')
    );
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[0].starts_with("PASS  ")
            && lines[0].contains("Deny by securityRules/\\u{1b}[2K\\rAllow"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("FAIL  ") && lines[1].contains("\\u{1b}]0;x\\u{7}"),
        "{}",
        lines[1]
    );
    // JSON keeps the name exactly (escaped by JSON itself).
    let run = flowverify(&["check", "--json", &scenario]);
    assert_eq!(
        run.json_lines()[0]["result"]["ruleName"],
        format!("securityRules/{crafted}")
    );

    // Error messages on stderr too.
    let bad = s.write_json(
        "bad.json",
        &nsg(
            "nsg",
            vec![rule(
                "Deny\u{1b}[31mX",
                json!({"access": "Permit", "priority": 100}),
            )],
        ),
    );
    let run = run_with(
        verify_args(&["--subnet-nsg", &bad], "10.0.1.4:1", "10.0.2.5:2"),
        &[],
    );
    run.bad_input(&["bad.json", "Deny\\u{1b}[31mX"]);
    assert!(!run.stderr.contains('\u{1b}'), "{}", run.stderr);
    // And usage errors, which quote what was typed (ANSI sequences are dropped, the rest is
    // escaped).
    let run = flowverify(&[
        "verify",
        "--direction",
        "in\rx\u{1b}[2K\u{202e}",
        "--protocol",
        "tcp",
        "--local",
        "10.0.1.4:1",
        "--remote",
        "10.0.2.5:2",
    ]);
    run.bad_input(&["--direction", "in\\rx"]);
    for raw in ['\u{1b}', '\r', '\u{202e}'] {
        assert!(!run.stderr.contains(raw), "{}", run.stderr);
    }
}

#[test]
fn assumptions_print_the_engines_one_statement() {
    let run = flowverify(&["assumptions", "--markdown"]);
    assert_eq!(run.ok().stdout, flowverify::assumptions::markdown());
    let plain = flowverify(&["assumptions"]);
    assert!(plain
        .ok()
        .stdout
        .starts_with("What FlowVerify assumes\n\n- Order."));
    assert!(plain.stdout.contains("What FlowVerify warns about"));
    assert!(!plain.stdout.contains('`'));
}

#[test]
fn verify_reports_the_path_and_the_blockers() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/../../samples/web-tier.json");
    let args = |port: &str, json: bool| {
        let mut a = vec![
            "verify".to_string(),
            "--scenario".into(),
            sample.into(),
            "--direction".into(),
            "inbound".into(),
            "--protocol".into(),
            "tcp".into(),
            "--local".into(),
            format!("10.0.1.4:{port}"),
            "--remote".into(),
            "203.0.113.7:50000".into(),
        ];
        if json {
            a.push("--json".into());
        }
        a
    };
    let run = |a: Vec<String>| flowverify(&a.iter().map(String::as_str).collect::<Vec<_>>());
    // RDP: the admin configuration denies; both NSGs would deny too.
    let v = run(args("3389", true)).ok().json();
    let path = v["path"].as_array().unwrap();
    let layers: Vec<&str> = path.iter().map(|s| s["layer"].as_str().unwrap()).collect();
    assert_eq!(layers, ["admin", "subnet", "nic"]);
    let reached: Vec<bool> = path
        .iter()
        .map(|s| s["reached"].as_bool().unwrap())
        .collect();
    assert_eq!(reached, [true, false, false]);
    assert_eq!(path[0]["outcome"], "Deny");
    assert_eq!(path[0]["rule"], v["ruleName"]);
    let denies: Vec<&Value> = path
        .iter()
        .filter(|s| s["outcome"] == "Deny")
        .map(|s| &s["rule"])
        .collect();
    assert_eq!(
        v["blockers"].as_array().unwrap().iter().collect::<Vec<_>>(),
        denies
    );
    assert!(v["notes"].as_array().unwrap().is_empty());
    let text = run(args("3389", false)).ok().stdout.clone();
    assert!(
        text.contains("subnet NSG nsg-web-subnet: not reached; would deny: "),
        "{text}"
    );
    assert!(
        text.contains("blockers (each would have to let the flow through")
            && text.contains("\n  defaultSecurityRules/DenyAllInBound (NIC NSG nsg-web-nic)\n"),
        "{text}"
    );
    // HTTPS: allowed through every layer, no blockers; the NIC NSG names the rule.
    let v = run(args("443", true)).ok().json();
    assert_eq!(v["access"], "Allow");
    assert!(v["blockers"].as_array().unwrap().is_empty());
    let path = v["path"].as_array().unwrap();
    assert!(path.iter().all(|s| s["reached"] == true), "{path:?}");
    assert_eq!(path.last().unwrap()["rule"], v["ruleName"]);
}

#[test]
fn a_port_star_is_any_port_and_can_make_the_verdict_uncertain() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/../../samples/web-tier.json");
    let run = flowverify(&[
        "verify",
        "--scenario",
        sample,
        "--direction",
        "inbound",
        "--protocol",
        "tcp",
        "--local",
        "10.0.1.4:*",
        "--remote",
        "203.0.113.7:50000",
        "--json",
    ]);
    let v = run.ok().json();
    assert_eq!(v["flow"]["destination"], "10.0.1.4:*");
    assert_eq!(v["uncertain"], true, "{v}");
    assert!(
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("port is * (any port)")),
        "{v}"
    );
    let text = flowverify(&[
        "verify",
        "--scenario",
        sample,
        "--direction",
        "inbound",
        "--protocol",
        "tcp",
        "--local",
        "10.0.1.4:*",
        "--remote",
        "[2001:db8::1]:*",
    ]);
    text.bad_input(&["different address families"]);
}

#[test]
fn reach_lists_every_verdict_of_a_direction_with_examples_that_verify_to_it() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/../../samples/web-tier.json");
    let text = flowverify(&[
        "reach",
        "--scenario",
        sample,
        "--direction",
        "inbound",
        "--local",
        "10.0.1.4",
    ]);
    let out = &text.ok().stdout;
    assert!(out.starts_with("Inbound flows to 10.0.1.4: "), "{out}");
    assert!(
        out.contains("Allow  securityRules/AllowHttpsFromAny  (NIC NSG nsg-web-nic)\n  Tcp 443 from any to 10.0.1.4\n"),
        "{out}"
    );
    assert!(out.contains("Tcp 8080 from Internet to 10.0.1.4"), "{out}");
    let json = flowverify(&[
        "reach",
        "--scenario",
        sample,
        "--direction",
        "inbound",
        "--local",
        "10.0.1.4",
        "--json",
    ])
    .ok()
    .json();
    assert_eq!(json["direction"], "Inbound");
    let regions = json["regions"].as_array().unwrap();
    assert!(regions.len() >= 5, "{json}");
    for region in regions {
        let example = &region["example"];
        let verdict = flowverify(&[
            "verify",
            "--scenario",
            sample,
            "--direction",
            example["direction"].as_str().unwrap(),
            "--protocol",
            example["protocol"].as_str().unwrap(),
            "--local",
            example["local"].as_str().unwrap(),
            "--remote",
            example["remote"].as_str().unwrap(),
            "--json",
        ])
        .ok()
        .json();
        assert_eq!(verdict["access"], region["access"], "{region}");
        assert_eq!(verdict["ruleName"], region["ruleName"], "{region}");
        assert_eq!(verdict["uncertain"], region["uncertain"], "{region}");
        assert!(example["local"].as_str().unwrap().starts_with("10.0.1.4"));
        for b in region["flows"].as_array().unwrap() {
            assert!(b["protocols"].as_array().is_some_and(|p| !p.is_empty()));
            assert!(b["destination"].as_array().is_some_and(|d| !d.is_empty()));
        }
    }
}

#[test]
fn search_finds_a_flow_or_proves_there_is_none() {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/../../samples/web-tier.json");
    let base = [
        "search",
        "--scenario",
        sample,
        "--direction",
        "inbound",
        "--destination",
        "10.0.1.4",
    ];
    let with = |extra: &[&str]| {
        let mut args: Vec<&str> = base.to_vec();
        args.extend_from_slice(extra);
        flowverify(&args)
    };
    // SSH from the management subnet: allowed, by the admin AlwaysAllow.
    let found = with(&[
        "--source",
        "10.10.0.0/24",
        "--destination-port",
        "22",
        "--access",
        "allow",
        "--json",
    ]);
    let v = found.ok().json();
    assert_eq!(v["found"], true);
    assert_eq!(
        v["result"]["ruleName"],
        "securityAdminRules/AlwaysAllowMgmtSsh"
    );
    assert_eq!(v["result"]["access"], "Allow");
    assert!(v["flows"].as_array().is_some_and(|f| !f.is_empty()));
    // SSH over Tcp from a public range: none, a proof, exit 1.
    let none = with(&[
        "--protocol",
        "tcp",
        "--source",
        "203.0.113.0/24",
        "--destination-port",
        "22",
        "--access",
        "allow",
    ]);
    assert_eq!(none.code, 1, "{}", none.stderr);
    assert!(
        none.stdout
            .starts_with("None: no inbound flow of the query is allowed"),
        "{}",
        none.stdout
    );
    // With a rule too: the access in words ("allowed by", once "allow by").
    let by_rule = with(&[
        "--protocol",
        "tcp",
        "--source",
        "203.0.113.0/24",
        "--destination-port",
        "22",
        "--access",
        "allow",
        "--rule",
        "securityAdminRules/AlwaysAllowMgmtSsh",
    ]);
    assert_eq!(
        by_rule.stdout,
        "None: no inbound flow of the query is allowed by securityAdminRules/AlwaysAllowMgmtSsh; \
         the search covers every flow, so this is a proof\n"
    );
    let json = with(&[
        "--protocol",
        "tcp",
        "--source",
        "203.0.113.0/24",
        "--destination-port",
        "22",
        "--access",
        "allow",
        "--json",
    ]);
    assert_eq!(json.code, 1);
    assert_eq!(json.json(), json!({"found": false, "flows": []}));
    // A bare rule name works as well as ruleName.
    let by_rule = with(&["--rule", "DenyHttpFromInternet"]);
    assert!(
        by_rule
            .ok()
            .stdout
            .starts_with("Found:\nDeny  securityRules/DenyHttpFromInternet"),
        "{}",
        by_rule.stdout
    );
    // An unknown tag is bad input.
    with(&["--source", "NoSuchTag"]).bad_input(&["tag 'NoSuchTag' is not defined"]);
}

#[test]
fn lint_reports_shadowed_rules_and_exposures() {
    let s = Scratch::new("lint");
    let doc = nsg(
        "nsg-web",
        vec![
            rule(
                "DenyTcp",
                json!({"priority": 100, "access": "Deny", "protocol": "Tcp",
                       "sourceAddressPrefix": "*", "destinationPortRange": "*"}),
            ),
            rule(
                "AllowSsh",
                json!({"priority": 200, "access": "Allow", "protocol": "Tcp",
                       "sourceAddressPrefix": "*", "destinationPortRange": "22"}),
            ),
            rule(
                "AllowDns",
                json!({"priority": 300, "access": "Allow", "protocol": "Udp",
                       "sourceAddressPrefix": "Internet", "destinationPortRange": "53"}),
            ),
        ],
    );
    let path = s.write_json("nsg.json", &doc);
    let run = flowverify(&["lint", "--nic-nsg", &path, "--json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let findings = run.json();
    let items = findings["findings"].as_array().unwrap();
    let shadowed = items
        .iter()
        .find(|f| f["kind"] == "shadowed")
        .unwrap_or_else(|| panic!("{findings}"));
    assert_eq!(shadowed["rule"], "securityRules/AllowSsh");
    assert_eq!(shadowed["blockingRules"], json!(["securityRules/DenyTcp"]));
    assert_eq!(shadowed["differentAccess"], true);
    let dns = items
        .iter()
        .find(|f| f["kind"] == "exposure")
        .unwrap_or_else(|| panic!("{findings}"));
    assert_eq!(dns["service"], "Udp 53");
    assert_eq!(dns["allowingRules"], json!(["securityRules/AllowDns"]));
    assert_eq!(dns["example"]["protocol"], "Udp");
    let text = flowverify(&["lint", "--nic-nsg", &path]);
    assert_eq!(text.code, 1);
    assert!(
        text.stdout.contains(
            "shadowed  Inbound (NIC NSG nsg-web): securityRules/AllowSsh never decides a flow"
        ),
        "{}",
        text.stdout
    );
    assert!(text.stdout.ends_with("findings\n"), "{}", text.stdout);
}

#[test]
fn diff_says_what_a_change_opens() {
    let s = Scratch::new("diff");
    let scenario = |port: &str| {
        json!({"version": 1, "nicNsg": nsg("nsg-web", vec![rule(
            "AllowWeb",
            json!({"priority": 100, "access": "Allow", "protocol": "Tcp",
                   "sourceAddressPrefix": "Internet", "destinationPortRange": port}),
        )])})
    };
    let before = s.write_json("before.json", &scenario("443"));
    let after = s.write_json("after.json", &scenario("443,3389"));
    let run = flowverify(&["diff", &before, &after, "--json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let v = run.json();
    let first = &v["changes"][0];
    assert_eq!(first["direction"], "Inbound");
    assert_eq!(first["before"]["access"], "Deny");
    assert_eq!(first["after"]["access"], "Allow");
    assert_eq!(first["after"]["ruleName"], "securityRules/AllowWeb");
    assert_eq!(
        first["example"]["local"]
            .as_str()
            .map(|l| l.ends_with(":3389")),
        Some(true)
    );
    let text = flowverify(&["diff", &before, &after, "--direction", "inbound"]);
    assert_eq!(text.code, 1);
    assert!(
        text.stdout.starts_with("Inbound: Deny by defaultSecurityRules/DenyAllInBound (NIC NSG nsg-web) -> Allow by securityRules/AllowWeb (NIC NSG nsg-web)\n  Tcp 3389 from ")
            && text.stdout.contains("\n  Tcp 3389 from Internet to any IPv6\n"),
        "{}",
        text.stdout
    );
    let same = flowverify(&["diff", &before, &before]);
    assert_eq!(same.code, 0);
    assert_eq!(same.stdout, "no flow changes\n");

    // One scenario with a baseline: the baseline is the before.
    let mut reviewed = scenario("443,3389");
    reviewed["baseline"] = json!({"nicNsg": scenario("443")["nicNsg"].clone()});
    let reviewed = s.write_json("reviewed.json", &reviewed);
    let alone = flowverify(&["diff", &reviewed, "--json"]);
    assert_eq!(alone.code, 1, "{}", alone.stderr);
    assert_eq!(alone.json(), v);
    let none = flowverify(&["diff", &after]);
    assert_eq!(none.code, 2);
    assert!(
        none.stderr
            .contains("after.json: this scenario has no \"baseline\" to compare with"),
        "{}",
        none.stderr
    );
}
