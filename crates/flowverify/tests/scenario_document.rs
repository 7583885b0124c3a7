//! Scenario documents through the public API: the interface's example, strict property names,
//! building inputs from pasted documents (errors placed in their slot), and expectations
//! checked against real verdicts.

use flowverify::scenario::{Expectation, FlowSpec, Scenario};
use flowverify::{verify, Decision, Layer, Place};
use serde_json::{json, Value};

/// Every slot and list of `docs/formats.md`, Scenario properties, and flows with both forms of
/// `expect` (the slots hold placeholders: only the scenario's own shape is read here).
const INTERFACE_EXAMPLE: &str = r#"{
  "version": 1,
  "title": "Web tier, inbound",
  "subnetNsg": { "...": "an NSG document" },
  "nicNsg": { "...": "an NSG document" },
  "adminRules": [ { "...": "AVNM admin rules document, highest scope first" } ],
  "effectiveRules": { "...": "effective security rules of a NIC" },
  "nic": { "...": "a network interface document (its IPs and ASG membership)" },
  "serviceTags": { "...": "ServiceTags_Public_*.json or the discovery API response" },
  "virtualNetwork": ["10.0.0.0/16"],
  "asgs": { "asg-web": ["10.0.1.4"] },
  "flows": [
    { "direction": "Inbound", "protocol": "Tcp", "local": "10.0.1.4:443",
      "remote": "203.0.113.7:50000", "expect": "Allow" },
    { "direction": "Outbound", "protocol": "Udp", "local": "10.0.1.4:5000",
      "remote": "8.8.8.8:53", "expect": { "access": "Deny", "ruleName": "securityRules/DenyDns" } }
  ]
}"#;

fn rest_rule(name: &str, props: Value) -> Value {
    let mut p = json!({
        "protocol": "*", "sourcePortRange": "*", "destinationPortRange": "*",
        "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "direction": "Inbound"
    });
    if let (Some(base), Some(extra)) = (p.as_object_mut(), props.as_object()) {
        for (k, v) in extra {
            base.insert(k.clone(), v.clone());
        }
    }
    json!({ "name": name, "properties": p })
}

fn rest_nsg(name: &str, rules: Vec<Value>) -> Value {
    json!({
        "name": name,
        "id": format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/{name}"),
        "type": "Microsoft.Network/networkSecurityGroups",
        "location": "westus",
        "properties": { "securityRules": rules }
    })
}

fn web_nsg() -> Value {
    rest_nsg(
        "nsg-web",
        vec![
            rest_rule(
                "AllowHttps",
                json!({"protocol": "Tcp", "destinationPortRange": "443", "access": "Allow",
                       "sourceAddressPrefix": "Internet", "priority": 100}),
            ),
            rest_rule(
                "DenyDns",
                json!({"protocol": "Udp", "destinationPortRange": "53", "access": "Deny",
                       "direction": "Outbound", "priority": 100}),
            ),
        ],
    )
}

#[test]
fn the_interface_example_reads_and_round_trips() {
    let s = Scenario::from_json("example.json", INTERFACE_EXAMPLE).unwrap();
    assert_eq!(s.version, 1);
    assert_eq!(s.title.as_deref(), Some("Web tier, inbound"));
    assert_eq!(s.slot_values().len(), 6);
    assert_eq!(s.virtual_network, vec!["10.0.0.0/16".to_string()]);
    assert_eq!(s.flows.len(), 2);
    assert_eq!(
        s.flows[0].expect,
        Some(Expectation::access(Decision::Allow))
    );
    assert_eq!(
        s.flows[1]
            .expect
            .as_ref()
            .and_then(|e| e.rule_name.as_deref()),
        Some("securityRules/DenyDns")
    );
    let again = Scenario::from_json("again.json", &s.to_json_pretty()).unwrap();
    assert_eq!(again, s);
    // Writing keeps the interface's property names and shapes.
    let written: Value = serde_json::from_str(&s.to_json_compact()).unwrap();
    let original: Value = serde_json::from_str(INTERFACE_EXAMPLE).unwrap();
    assert_eq!(written, original);
}

#[test]
fn an_empty_scenario_writes_only_its_version() {
    assert_eq!(Scenario::new().to_json_compact(), r#"{"version":1}"#);
    let s = Scenario::from_json("s.json", r#"{"version": 1}"#).unwrap();
    assert_eq!(s, Scenario::new());
}

#[test]
fn typos_are_errors_that_name_the_property() {
    let cases = [
        (
            r#"{"version":1,"virtualNetworks":[]}"#,
            "s.json: virtualNetworks: unknown property 'virtualNetworks'",
        ),
        (
            r#"{"version":1,"flows":[{"direction":"Inbound","protocol":"Tcp","local":"10.0.0.1:1","remote":"10.0.0.2:2","expct":"Allow"}]}"#,
            "s.json: flows[0].expct: unknown property 'expct'",
        ),
        (
            r#"{"version":1,"flows":[{"direction":"Inbound","protocol":"Tcp","local":"10.0.0.1:1","remote":"10.0.0.2:2","expect":{"access":"Allow","rulename ":"x"}}]}"#,
            "s.json: flows[0].expect.rulename : unknown property 'rulename '",
        ),
    ];
    for (text, start) in cases {
        let err = Scenario::from_json("s.json", text).unwrap_err().to_string();
        assert!(err.starts_with(start), "{err}");
    }
    // The derived serde reading is just as strict.
    let err = serde_json::from_str::<Scenario>(r#"{"version":1,"titel":"x"}"#).unwrap_err();
    assert!(err.to_string().contains("titel"), "{err}");
    // Inside the pasted documents unknown properties are normal.
    let s = Scenario::from_json(
        "s.json",
        r#"{"version":1,"subnetNsg":{"whatever":{"deeply":[1,2,{"x":null}]}}}"#,
    )
    .unwrap();
    assert_eq!(
        s.subnet_nsg,
        Some(json!({"whatever":{"deeply":[1,2,{"x":null}]}}))
    );
}

#[test]
fn versions_other_than_1_are_refused_clearly() {
    for (text, expected) in [
        (r#"{"version":2}"#, "s.json: version: version 2 is not supported: this flowverify reads scenario version 1"),
        (r#"{"version":1.5}"#, "s.json: version: version 1.5 is not supported: this flowverify reads scenario version 1"),
        (r#"{"title":"no version"}"#, "s.json: this is not a scenario document: it has no \"version\": 1 property"),
    ] {
        assert_eq!(Scenario::from_json("s.json", text).unwrap_err().to_string(), expected);
    }
}

#[test]
fn syntax_errors_have_a_line_and_column() {
    let err = Scenario::from_json("s.json", "{\"version\": 1,\n \"flows\": [,]}").unwrap_err();
    assert_eq!(
        err.place(),
        &Place::LineColumn {
            line: 2,
            column: 12
        }
    );
    assert_eq!(err.source_name(), "s.json");
}

#[test]
fn virtual_network_and_asgs_go_into_the_inputs() {
    let s = Scenario::from_json(
        "s.json",
        r#"{"version":1,"virtualNetwork":["10.0.0.0/16","2001:db8::/48"],"asgs":{"asg-web":["10.0.1.4","10.0.1.5"]}}"#,
    )
    .unwrap();
    let inputs = s.inputs("s.json").unwrap();
    let prefixes: Vec<String> = inputs
        .virtual_network
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(prefixes, vec!["10.0.0.0/16", "2001:db8::/48"]);
    assert_eq!(inputs.asg_members("ASG-WEB").map(|m| m.len()), Some(2));
}

#[test]
fn slots_are_imported_and_flows_verified_against_expectations() {
    let mut s = Scenario::new();
    s.subnet_nsg = Some(web_nsg());
    s.virtual_network = vec!["10.0.0.0/16".into()];
    s.flows = vec![
        FlowSpec {
            direction: "Inbound".into(),
            protocol: "Tcp".into(),
            local: "10.0.1.4:443".into(),
            remote: "203.0.113.7:50000".into(),
            expect: Some(Expectation {
                access: Decision::Allow,
                rule_name: Some("securityRules/AllowHttps".into()),
                layer: Some(Layer::Subnet),
            }),
        },
        FlowSpec {
            direction: "outbound".into(),
            protocol: "udp".into(),
            local: "10.0.1.4:5000".into(),
            remote: "8.8.8.8:53".into(),
            expect: Some(Expectation {
                access: Decision::Deny,
                rule_name: Some("securityRules/DenyDns".into()),
                layer: None,
            }),
        },
        FlowSpec {
            direction: "Inbound".into(),
            protocol: "Tcp".into(),
            local: "10.0.1.4:22".into(),
            remote: "10.0.2.5:40000".into(),
            expect: Some(Expectation::access(Decision::Deny)),
        },
    ];
    let inputs = s.inputs("web.json").unwrap();
    assert_eq!(
        inputs.subnet_nsg.as_ref().map(|n| n.name.as_str()),
        Some("nsg-web")
    );
    let flows = s.parsed_flows("web.json").unwrap();
    let verdicts: Vec<_> = flows.iter().map(|f| verify(&inputs, f)).collect();
    assert!(s.flows[0]
        .expect
        .as_ref()
        .unwrap()
        .check(&verdicts[0])
        .is_ok());
    assert!(s.flows[1]
        .expect
        .as_ref()
        .unwrap()
        .check(&verdicts[1])
        .is_ok());
    // From inside the virtual network, SSH is allowed by the default rule: the expectation fails
    // and says why.
    let why = s.flows[2]
        .expect
        .as_ref()
        .unwrap()
        .check(&verdicts[2])
        .unwrap_err();
    assert_eq!(
        why,
        "expected Deny, got Allow by defaultSecurityRules/AllowVnetInBound"
    );
}

#[test]
fn errors_in_a_slot_name_the_file_and_start_with_the_slot() {
    let bad = rest_nsg(
        "nsg-bad",
        vec![rest_rule(
            "BadPort",
            json!({"destinationPortRange": "70000", "access": "Allow", "priority": 100}),
        )],
    );
    let mut s = Scenario::new();
    s.admin_rules = vec![];
    s.nic_nsg = Some(bad.clone());
    let err = s.inputs("web.json").unwrap_err();
    assert_eq!(err.source_name(), "web.json");
    let text = err.to_string();
    assert!(text.starts_with("web.json: nicNsg."), "{text}");
    assert!(text.contains("BadPort") && text.contains("70000"), "{text}");

    // A document of the wrong kind for its slot.
    let mut s = Scenario::new();
    s.service_tags = Some(web_nsg());
    let text = s.inputs("web.json").unwrap_err().to_string();
    assert!(
        text.starts_with("web.json: serviceTags expects a service tags file"),
        "{text}"
    );

    // Every slot's problem can be shown at once.
    let mut s = Scenario::new();
    s.subnet_nsg = Some(bad.clone());
    s.nic_nsg = Some(web_nsg());
    s.admin_rules = vec![json!({"not": "admin rules"})];
    let imports = s.imports("web.json");
    assert_eq!(imports.len(), 3);
    assert!(imports[0].1.is_err());
    assert!(imports[1].1.is_ok());
    let admin = imports[2].1.as_ref().unwrap_err().to_string();
    assert!(admin.starts_with("web.json: adminRules[0]"), "{admin}");
}

#[test]
fn bad_flows_are_named_by_index() {
    let s = Scenario::from_json(
        "s.json",
        r#"{"version":1,"flows":[
            {"direction":"Inbound","protocol":"Tcp","local":"10.0.0.1:1","remote":"10.0.0.2:2"},
            {"direction":"Inbound","protocol":"Icmp","local":"10.0.0.1","remote":"[2001:db8::2]"}
        ]}"#,
    )
    .unwrap();
    let err = s.parsed_flows("s.json").unwrap_err().to_string();
    assert!(
        err.starts_with("s.json: flows[1]: local 10.0.0.1 and remote 2001:db8::2"),
        "{err}"
    );
}

#[test]
fn a_baseline_holds_the_previous_inputs_and_travels_in_the_permalink() {
    let text = json!({
        "version": 1,
        "title": "Web tier",
        "nicNsg": web_nsg(),
        "virtualNetwork": ["10.0.0.0/16"],
        "baseline": {"NicNsg": rest_nsg("nsg-old", vec![]), "virtualNetwork": ["10.0.0.0/16"]}
    })
    .to_string();
    let scenario = Scenario::from_json("s.json", &text).unwrap();
    let baseline = scenario.baseline.as_deref().expect("the baseline is read");
    assert_eq!(baseline.nic_nsg.as_ref().unwrap()["name"], "nsg-old");
    assert!(baseline.title.is_none() && baseline.flows.is_empty());
    let before = scenario.baseline_inputs("s.json").unwrap().unwrap();
    assert_eq!(before.nic_nsg.as_ref().unwrap().name, "nsg-old");

    // Written with its slot properties only, read back the same, through a permalink too.
    let written: Value = serde_json::from_str(&scenario.to_json_compact()).unwrap();
    assert_eq!(
        written["baseline"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["nicNsg", "virtualNetwork"]
    );
    let link = flowverify::permalink::url("http://127.0.0.1:8080/", &scenario).unwrap();
    assert_eq!(flowverify::permalink::decode(&link).unwrap(), scenario);
}

#[test]
fn a_baseline_is_inputs_only_and_its_errors_say_so() {
    let err = |v: Value| {
        Scenario::from_json("s.json", &v.to_string())
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        err(json!({"version": 1, "baseline": {"flows": []}})),
        "s.json: baseline.flows: 'flows' is not part of a baseline (a baseline holds the inputs \
         of a previous version: subnetNsg, nicNsg, adminRules, effectiveRules, nic, serviceTags, \
         virtualNetwork, asgs)"
    );
    assert!(err(json!({"version": 1, "baseline": [1]})).starts_with("s.json: baseline: expected"));
    assert!(err(json!({"version": 1, "baseline": {"asgs": {"a": [7]}}}))
        .starts_with("s.json: baseline.asgs"));
    let s = Scenario::from_json(
        "s.json",
        &json!({"version": 1, "baseline": {"nicNsg": {"securityRules": 3}}}).to_string(),
    )
    .unwrap();
    let e = s
        .baseline_inputs("s.json")
        .unwrap()
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("s.json: baseline.nicNsg"), "{e}");
}
