//! Hand-derived scenarios for the every-flow-at-once analyses (`docs/semantics.md`, Every flow
//! at once): `reach`, `search`, `lint` and `diff`. Every expected value below was worked out by hand
//! from the rules and `docs/semantics.md` (the derivation is the comment above each
//! test) and is written as a literal; nothing is computed by the code under test. Each region
//! that a test names is also checked against `verify`, with flows chosen by hand inside and
//! outside it, and every region's example must verify to the region's own verdict.
//!
//! Conventions: the target's NIC is 10.0.1.4 (IPv6 fd00:10::4) unless a test says otherwise;
//! `198.51.100.9` and `2a01:111::1` are Internet addresses; inbound flows are written
//! `Inbound PROTOCOL LOCAL REMOTE` (local = destination), outbound `Outbound PROTOCOL LOCAL
//! REMOTE` (local = source).

use flowverify::diff::diff;
use flowverify::ffi;
use flowverify::lint::lint;
use flowverify::model::Direction;
use flowverify::reach::{reach, reach_within, Reach, Region};
use flowverify::scenario::Scenario;
use flowverify::search::{search, QueryError};
use flowverify::{verify, Flow, Inputs};
use ipnet::IpNet;
use serde_json::{json, Value};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The built-in `Internet` tag's IPv4 part as CIDR blocks: every IPv4 address outside
/// 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.168/16, 224/4 and 240/4, split
/// into the largest aligned blocks (the same 51 blocks Azure's effective rules expand
/// `Internet` to).
const INTERNET_V4: [&str; 51] = [
    "1.0.0.0/8",
    "2.0.0.0/7",
    "4.0.0.0/6",
    "8.0.0.0/7",
    "11.0.0.0/8",
    "12.0.0.0/6",
    "16.0.0.0/4",
    "32.0.0.0/3",
    "64.0.0.0/3",
    "96.0.0.0/6",
    "100.0.0.0/10",
    "100.128.0.0/9",
    "101.0.0.0/8",
    "102.0.0.0/7",
    "104.0.0.0/5",
    "112.0.0.0/5",
    "120.0.0.0/6",
    "124.0.0.0/7",
    "126.0.0.0/8",
    "128.0.0.0/3",
    "160.0.0.0/5",
    "168.0.0.0/8",
    "169.0.0.0/9",
    "169.128.0.0/10",
    "169.192.0.0/11",
    "169.224.0.0/12",
    "169.240.0.0/13",
    "169.248.0.0/14",
    "169.252.0.0/15",
    "169.255.0.0/16",
    "170.0.0.0/7",
    "172.0.0.0/12",
    "172.32.0.0/11",
    "172.64.0.0/10",
    "172.128.0.0/9",
    "173.0.0.0/8",
    "174.0.0.0/7",
    "176.0.0.0/4",
    "192.0.0.0/9",
    "192.128.0.0/11",
    "192.160.0.0/13",
    "192.169.0.0/16",
    "192.170.0.0/15",
    "192.172.0.0/14",
    "192.176.0.0/12",
    "192.192.0.0/10",
    "193.0.0.0/8",
    "194.0.0.0/7",
    "196.0.0.0/6",
    "200.0.0.0/5",
    "208.0.0.0/4",
];

/// The inputs of a scenario document, read as the command line reads `--scenario`.
fn inputs(document: Value) -> Inputs {
    Scenario::from_value("scenario.json", document)
        .unwrap()
        .inputs("scenario.json")
        .unwrap()
}

/// Puts `text` in `single`, or as a list in `plural` when it holds commas.
fn put(properties: &mut Value, single: &str, plural: &str, text: &str) {
    if text.contains(',') {
        properties[plural] = text.split(',').collect::<Vec<_>>().into();
    } else {
        properties[single] = text.into();
    }
}

/// An NSG rule (REST shape), source port `*`; `spec` is `[direction, access, protocol, source,
/// destination, destination ports]`, a comma making a list.
fn nsg_rule(name: &str, priority: u32, spec: [&str; 6]) -> Value {
    let [direction, access, protocol, source, destination, ports] = spec;
    let mut p = json!({"priority": priority, "direction": direction, "access": access,
                       "protocol": protocol, "sourcePortRange": "*"});
    put(
        &mut p,
        "sourceAddressPrefix",
        "sourceAddressPrefixes",
        source,
    );
    put(
        &mut p,
        "destinationAddressPrefix",
        "destinationAddressPrefixes",
        destination,
    );
    put(
        &mut p,
        "destinationPortRange",
        "destinationPortRanges",
        ports,
    );
    json!({"name": name, "properties": p})
}

/// An NSG document (REST shape).
fn nsg(name: &str, rules: Vec<Value>) -> Value {
    json!({
        "name": name,
        "id": format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/{name}"),
        "type": "Microsoft.Network/networkSecurityGroups",
        "properties": {"securityRules": rules}
    })
}

/// An AVNM security admin rule of configuration `config` (the REST list shape), any source
/// port and destination; `spec` is `[direction, access, protocol, source, destination ports]`.
fn admin_rule(config: &str, name: &str, priority: u32, spec: [&str; 5]) -> Value {
    let [direction, access, protocol, source, ports] = spec;
    json!({
        "id": format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkManagers/nm/securityAdminConfigurations/{config}/ruleCollections/rc/rules/{name}"),
        "name": name,
        "kind": "Custom",
        "properties": {
            "protocol": protocol,
            "sources": [{"addressPrefixType": "IPPrefix", "addressPrefix": source}],
            "destinations": [{"addressPrefixType": "IPPrefix", "addressPrefix": "*"}],
            "sourcePortRanges": ["0-65535"],
            "destinationPortRanges": ports.split(',').collect::<Vec<_>>(),
            "access": access,
            "priority": priority,
            "direction": direction
        }
    })
}

/// A flow written `DIRECTION PROTOCOL LOCAL REMOTE`.
fn flow(text: &str) -> Flow {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [direction, protocol, local, remote] = parts[..] else {
        panic!("a flow is DIRECTION PROTOCOL LOCAL REMOTE: {text}");
    };
    Flow::parse(direction, protocol, local, remote).unwrap()
}

/// The result object (`verify --json`) of one flow.
fn verdict(inputs: &Inputs, text: &str) -> Value {
    ffi::result(&verify(inputs, &flow(text)))
}

/// A verdict as the fields every analysis shares: access, ruleName, decidedBy, uncertain.
fn decided(access: &str, rule: &str, layer: &str, resource: &str, uncertain: bool) -> Value {
    json!({"access": access, "ruleName": rule,
           "decidedBy": {"layer": layer, "resource": resource}, "uncertain": uncertain})
}

/// Those fields of a result object or reach region.
fn decision(v: &Value) -> Value {
    json!({"access": v["access"], "ruleName": v["ruleName"], "decidedBy": v["decidedBy"],
           "uncertain": v["uncertain"]})
}

/// Those fields of a typed region.
fn region_decision(r: &Region) -> Value {
    let mut by = json!({"layer": r.layer.as_str()});
    if let Some(resource) = &r.resource {
        by["resource"] = resource.as_str().into();
    }
    json!({"access": r.access.as_str(), "ruleName": r.rule_name, "decidedBy": by,
           "uncertain": r.uncertain})
}

/// The reach of a direction, typed and as the command line's JSON.
fn reach_both(inputs: &Inputs, direction: Direction) -> (Reach, Value) {
    let mut r = reach(inputs, direction).expect("within the budget");
    let json = ffi::reach(&mut r);
    (r, json)
}

/// The one region of `reach` with that verdict.
fn region<'a>(reach: &'a Value, want: &Value) -> &'a Value {
    let regions = reach["regions"].as_array().unwrap();
    let found: Vec<&Value> = regions.iter().filter(|r| decision(r) == *want).collect();
    assert_eq!(
        found.len(),
        1,
        "one region {want}; regions: {:#?}",
        regions.iter().map(decision).collect::<Vec<_>>()
    );
    found[0]
}

/// Whether `reach` has a region with that deciding rule.
fn has_rule(reach: &Value, rule: &str) -> bool {
    reach["regions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["ruleName"] == rule)
}

/// The flow (chosen by hand) is in exactly one region, that region has the expected verdict,
/// and `verify` gives the flow that same verdict.
fn assert_in_region(inputs: &Inputs, reach: &Reach, text: &str, want: &Value) {
    let f = flow(text);
    let holding: Vec<&Region> = reach
        .regions
        .iter()
        .filter(|r| reach.space.contains(r.flows, &f))
        .collect();
    assert_eq!(holding.len(), 1, "{text} must be in exactly one region");
    assert_eq!(region_decision(holding[0]), *want, "region of {text}");
    assert_eq!(decision(&verdict(inputs, text)), *want, "verify {text}");
}

/// Every region's example verifies to the region's verdict.
fn assert_examples_verify(inputs: &Inputs, reach: &Value) {
    for region in reach["regions"].as_array().unwrap() {
        let e = &region["example"];
        let text = format!(
            "{} {} {} {}",
            e["direction"].as_str().unwrap(),
            e["protocol"].as_str().unwrap(),
            e["local"].as_str().unwrap(),
            e["remote"].as_str().unwrap()
        );
        assert_eq!(
            decision(&verdict(inputs, &text)),
            decision(region),
            "example {text}"
        );
    }
}

/// The findings of `lint` as JSON, without their `message`, `fix` and `example` (checked
/// apart), in a fixed order.
fn findings(inputs: &Inputs) -> Vec<Value> {
    let all = ffi::findings(&lint(inputs).unwrap());
    let mut out: Vec<Value> = all["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let mut f = f.clone();
            let o = f.as_object_mut().unwrap();
            o.remove("message");
            o.remove("fix");
            o.remove("example");
            f
        })
        .collect();
    out.sort_by_key(Value::to_string);
    out
}

/// `expected` in the order [`findings`] uses.
fn sorted(expected: Value) -> Vec<Value> {
    let mut v = expected.as_array().unwrap().clone();
    v.sort_by_key(Value::to_string);
    v
}

/// The one finding of that kind (with its message and example).
fn finding(inputs: &Inputs, kind: &str) -> Value {
    let all = ffi::findings(&lint(inputs).unwrap());
    let of_kind: Vec<Value> = all["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == kind)
        .cloned()
        .collect();
    assert_eq!(of_kind.len(), 1, "one {kind} finding: {all:#}");
    of_kind[0].clone()
}

/// A flow object (`{direction, protocol, local, remote}`) as `DIRECTION PROTOCOL LOCAL REMOTE`.
fn flow_text(e: &Value) -> String {
    format!(
        "{} {} {} {}",
        e["direction"].as_str().unwrap(),
        e["protocol"].as_str().unwrap(),
        e["local"].as_str().unwrap(),
        e["remote"].as_str().unwrap()
    )
}

/// The `search` answer as the command line's JSON.
fn search_json(inputs: &Inputs, query: Value) -> Value {
    let query = ffi::search_query(&query).unwrap();
    let mut found = search(inputs, &query).unwrap();
    ffi::found(inputs, &mut found)
}

/// A box of Tcp flows from any source port.
fn tcp_box(source: &[&str], destination: &[&str], ports: &[&str]) -> Value {
    json!({"protocols": ["Tcp"], "source": source, "sourcePorts": ["0-65535"],
           "destination": destination, "destinationPorts": ports})
}

fn net(text: &str) -> IpNet {
    text.parse().unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// 1. A rule shadowed by one earlier rule
// ---------------------------------------------------------------------------------------------

// NIC NSG nsg-one, inbound:
//   100 DenyTcpFromInternet   Deny  Tcp Internet -> * port *
//   200 AllowSshFromInternet  Allow Tcp Internet -> * port 22
//   300 DenyHttpFromInternet  Deny  Tcp Internet -> * port 80
// Every flow of 200 (Tcp 22 from Internet) and of 300 (Tcp 80 from Internet) is a Tcp flow
// from Internet, so 100 matches it first: both are shadowed by 100 alone. 200 allows and 100
// denies: differentAccess true (a conflict); 300 and 100 both deny: false. 100 itself decides
// flows and is not redundant (without it Tcp 22 from Internet would be allowed by 200).
// Nothing risky is allowed from the Internet, so there is no exposure either.
#[test]
fn a_rule_shadowed_by_one_earlier_rule() {
    let inputs = inputs(json!({"version": 1, "nicNsg": nsg("nsg-one", vec![
        nsg_rule("DenyTcpFromInternet", 100, ["Inbound", "Deny", "Tcp", "Internet", "*", "*"]),
        nsg_rule("AllowSshFromInternet", 200, ["Inbound", "Allow", "Tcp", "Internet", "*", "22"]),
        nsg_rule("DenyHttpFromInternet", 300, ["Inbound", "Deny", "Tcp", "Internet", "*", "80"]),
    ])}));

    assert_eq!(
        findings(&inputs),
        sorted(json!([
            {"kind": "shadowed", "direction": "Inbound", "layer": "nic", "resource": "nsg-one",
             "rule": "securityRules/AllowSshFromInternet",
             "blockingRules": ["securityRules/DenyTcpFromInternet"], "differentAccess": true},
            {"kind": "shadowed", "direction": "Inbound", "layer": "nic", "resource": "nsg-one",
             "rule": "securityRules/DenyHttpFromInternet",
             "blockingRules": ["securityRules/DenyTcpFromInternet"], "differentAccess": false},
        ]))
    );
    // The conflict comes first, each with its fix and an example its rule matches, which the
    // blocking rule decides.
    let all = lint(&inputs).unwrap();
    assert_eq!(
        all.iter().map(|f| f.fix()).collect::<Vec<_>>(),
        [
            "Move securityRules/AllowSshFromInternet above securityRules/DenyTcpFromInternet if it \
             is meant to decide these flows; else delete it (now they are decided the other way).",
            "Delete securityRules/DenyHttpFromInternet: securityRules/DenyTcpFromInternet already \
             decides its flows the same way.",
        ]
    );
    for f in &all {
        let example = f.example.as_ref().expect("a shadowed rule's example");
        let v = flowverify::verify(&inputs, example);
        assert_eq!(
            v.rule_name.as_deref(),
            Some("securityRules/DenyTcpFromInternet")
        );
        let port = if f.different_access == Some(true) {
            22
        } else {
            80
        };
        assert_eq!(example.local().port(), Some(port), "{f:?}");
    }

    // The shadowed rules decide nothing: no region names them.
    let (r, json) = reach_both(&inputs, Direction::Inbound);
    assert!(!has_rule(&json, "securityRules/AllowSshFromInternet"));
    assert!(!has_rule(&json, "securityRules/DenyHttpFromInternet"));
    let deny_tcp = decided(
        "Deny",
        "securityRules/DenyTcpFromInternet",
        "nic",
        "nsg-one",
        false,
    );
    // The whole region: Tcp from Internet, any port, to any address of the family.
    assert_eq!(
        region(&json, &deny_tcp)["flows"],
        json!([
            tcp_box(&INTERNET_V4, &["0.0.0.0/0"], &["0-65535"]),
            tcp_box(&["2000::/3"], &["::/0"], &["0-65535"]),
        ])
    );
    for text in [
        "Inbound Tcp 10.0.1.4:22 198.51.100.9:50000",
        "Inbound Tcp 10.0.1.4:80 198.51.100.9:50000",
        "Inbound Tcp [fd00:10::4]:22 [2a01:111::1]:50000",
    ] {
        assert_in_region(&inputs, &r, text, &deny_tcp);
    }
    // Outside it: Udp from the Internet, and Tcp from a private address.
    let deny_all = decided(
        "Deny",
        "defaultSecurityRules/DenyAllInBound",
        "nic",
        "nsg-one",
        false,
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Udp 10.0.1.4:53 198.51.100.9:50000",
        &deny_all,
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp 10.0.1.4:22 10.9.0.5:50000",
        &deny_all,
    );
    assert_examples_verify(&inputs, &json);
}

// ---------------------------------------------------------------------------------------------
// 2. A rule shadowed by a union of earlier rules
// ---------------------------------------------------------------------------------------------

// NIC NSG nsg-union, inbound:
//   100 DenySshFromLowHalf   Deny  Tcp 10.0.0.0/9   -> * port 22
//   110 DenySshFromHighHalf  Deny  Tcp 10.128.0.0/9 -> * port 22
//   200 AllowSshFromTen      Allow Tcp 10.0.0.0/8   -> * port 22
// 10.0.0.0/8 is exactly 10.0.0.0/9 + 10.128.0.0/9: neither earlier rule covers 200 alone,
// together they do. blockingRules names both; they deny and 200 allows: differentAccess true.
// Neither Deny is redundant: without either, its half would be allowed by 200.
#[test]
fn a_rule_shadowed_by_a_union_of_earlier_rules() {
    let inputs = inputs(json!({"version": 1, "nicNsg": nsg("nsg-union", vec![
        nsg_rule("DenySshFromLowHalf", 100, ["Inbound", "Deny", "Tcp", "10.0.0.0/9", "*", "22"]),
        nsg_rule("DenySshFromHighHalf", 110, ["Inbound", "Deny", "Tcp", "10.128.0.0/9", "*", "22"]),
        nsg_rule("AllowSshFromTen", 200, ["Inbound", "Allow", "Tcp", "10.0.0.0/8", "*", "22"]),
    ])}));

    assert_eq!(
        findings(&inputs),
        sorted(json!([
            {"kind": "shadowed", "direction": "Inbound", "layer": "nic", "resource": "nsg-union",
             "rule": "securityRules/AllowSshFromTen",
             "blockingRules": ["securityRules/DenySshFromLowHalf", "securityRules/DenySshFromHighHalf"],
             "differentAccess": true},
        ]))
    );

    let (r, json) = reach_both(&inputs, Direction::Inbound);
    assert!(!has_rule(&json, "securityRules/AllowSshFromTen"));
    let low = decided(
        "Deny",
        "securityRules/DenySshFromLowHalf",
        "nic",
        "nsg-union",
        false,
    );
    let high = decided(
        "Deny",
        "securityRules/DenySshFromHighHalf",
        "nic",
        "nsg-union",
        false,
    );
    assert_eq!(
        region(&json, &low)["flows"],
        json!([tcp_box(&["10.0.0.0/9"], &["0.0.0.0/0"], &["22"])])
    );
    assert_eq!(
        region(&json, &high)["flows"],
        json!([tcp_box(&["10.128.0.0/9"], &["0.0.0.0/0"], &["22"])])
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp 10.0.1.4:22 10.127.255.255:50000",
        &low,
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp 10.0.1.4:22 10.128.0.0:50000",
        &high,
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp 10.0.1.4:23 10.128.0.1:50000",
        &decided(
            "Deny",
            "defaultSecurityRules/DenyAllInBound",
            "nic",
            "nsg-union",
            false,
        ),
    );
    assert_examples_verify(&inputs, &json);
}

// ---------------------------------------------------------------------------------------------
// 3. A partly shadowed rule
// ---------------------------------------------------------------------------------------------

// NIC NSG nsg-part, inbound, VirtualNetwork 10.0.0.0/16:
//   100 DenySshFromLowHalf  Deny  Tcp 10.0.0.0/9 -> * port 22
//   200 AllowSshFromTen     Allow Tcp 10.0.0.0/8 -> * port 22
// 100 takes only half of 200's flows; from 10.128.0.0/9, 200 decides: not shadowed. Not
// redundant either: without it 10.128.0.0/9 (outside the virtual network) falls to
// DenyAllInBound. And 100 is not redundant (200 would allow its flows). No finding at all.
#[test]
fn a_partly_shadowed_rule_is_not_reported() {
    let inputs = inputs(json!({"version": 1, "virtualNetwork": ["10.0.0.0/16"],
    "nicNsg": nsg("nsg-part", vec![
        nsg_rule("DenySshFromLowHalf", 100, ["Inbound", "Deny", "Tcp", "10.0.0.0/9", "*", "22"]),
        nsg_rule("AllowSshFromTen", 200, ["Inbound", "Allow", "Tcp", "10.0.0.0/8", "*", "22"]),
    ])}));

    assert_eq!(findings(&inputs), Vec::<Value>::new());

    let (r, json) = reach_both(&inputs, Direction::Inbound);
    let allow = decided(
        "Allow",
        "securityRules/AllowSshFromTen",
        "nic",
        "nsg-part",
        false,
    );
    let deny = decided(
        "Deny",
        "securityRules/DenySshFromLowHalf",
        "nic",
        "nsg-part",
        false,
    );
    // The part 200 still decides: exactly the upper half of 10/8, port 22.
    assert_eq!(
        region(&json, &allow)["flows"],
        json!([tcp_box(&["10.128.0.0/9"], &["0.0.0.0/0"], &["22"])])
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp 10.0.1.4:22 10.200.0.5:50000",
        &allow,
    );
    assert_in_region(&inputs, &r, "Inbound Tcp 10.0.1.4:22 10.1.2.3:50000", &deny);
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp 10.0.1.4:23 10.200.0.5:50000",
        &decided(
            "Deny",
            "defaultSecurityRules/DenyAllInBound",
            "nic",
            "nsg-part",
            false,
        ),
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp 10.0.1.4:23 10.0.2.5:50000",
        &decided(
            "Allow",
            "defaultSecurityRules/AllowVnetInBound",
            "nic",
            "nsg-part",
            false,
        ),
    );
    assert_examples_verify(&inputs, &json);
}

// ---------------------------------------------------------------------------------------------
// 4. A NSG rule preempted by an admin Deny
// ---------------------------------------------------------------------------------------------

// Admin configuration cfg-hub: 10 DenyTelnet Deny Tcp * -> * port 23 (inbound).
// NIC NSG nsg-web-nic: 100 AllowTelnetFromVnet Allow Tcp VirtualNetwork -> * port 23.
// 100 is the first match in its NSG for Tcp 23 from the virtual network, but every one of
// those flows is denied by the admin rule before the NSGs: preempted, decided by
// securityAdminRules/DenyTelnet. The admin rule is not redundant (without it the NSG would
// allow Telnet from the virtual network). The admin region holds every Tcp 23 flow, of both
// families (its sources and destinations are `*`).
#[test]
fn an_nsg_rule_preempted_by_an_admin_deny() {
    let inputs = inputs(json!({"version": 1, "virtualNetwork": ["10.0.0.0/16"],
    "adminRules": [{"value": [
        admin_rule("cfg-hub", "DenyTelnet", 10, ["Inbound", "Deny", "Tcp", "*", "23"]),
    ]}],
    "nicNsg": nsg("nsg-web-nic", vec![
        nsg_rule("AllowTelnetFromVnet", 100, ["Inbound", "Allow", "Tcp", "VirtualNetwork", "*", "23"]),
    ])}));

    assert_eq!(
        findings(&inputs),
        sorted(json!([
            {"kind": "preempted", "direction": "Inbound", "layer": "nic", "resource": "nsg-web-nic",
             "rule": "securityRules/AllowTelnetFromVnet",
             "decidingRules": ["securityAdminRules/DenyTelnet"]},
        ]))
    );

    let (r, json) = reach_both(&inputs, Direction::Inbound);
    assert!(!has_rule(&json, "securityRules/AllowTelnetFromVnet"));
    let admin = decided(
        "Deny",
        "securityAdminRules/DenyTelnet",
        "admin",
        "cfg-hub",
        false,
    );
    assert_eq!(
        region(&json, &admin)["flows"],
        json!([
            tcp_box(&["0.0.0.0/0"], &["0.0.0.0/0"], &["23"]),
            tcp_box(&["::/0"], &["::/0"], &["23"]),
        ])
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp 10.0.1.4:23 10.0.2.5:50000",
        &admin,
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp 10.0.1.4:23 198.51.100.9:50000",
        &admin,
    );
    // Port 22 from the virtual network: no admin rule matches; the NSG's default allows it.
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp 10.0.1.4:22 10.0.2.5:50000",
        &decided(
            "Allow",
            "defaultSecurityRules/AllowVnetInBound",
            "nic",
            "nsg-web-nic",
            false,
        ),
    );
    // The path shows the NSG rule that would have allowed, not reached.
    let v = verdict(&inputs, "Inbound Tcp 10.0.1.4:23 10.0.2.5:50000");
    assert_eq!(
        v["path"],
        json!([
            {"layer": "admin", "resource": "cfg-hub", "reached": true, "outcome": "Deny",
             "rule": "securityAdminRules/DenyTelnet"},
            {"layer": "nic", "resource": "nsg-web-nic", "reached": false, "outcome": "Allow",
             "rule": "securityRules/AllowTelnetFromVnet"},
        ])
    );
    assert_eq!(v["blockers"], json!(["securityAdminRules/DenyTelnet"]));
    assert_examples_verify(&inputs, &json);
}

// ---------------------------------------------------------------------------------------------
// 5. SSH open through every layer
// ---------------------------------------------------------------------------------------------

// Admin cfg-hub: 10 AllowSsh Allow Tcp * port 22 (hands Tcp 22 to the NSGs).
// Subnet NSG nsg-subnet: 100 AllowSshInbound Allow Tcp Internet -> * port 22.
// NIC NSG nsg-nic: 100 AllowSshFromInternet Allow Tcp Internet -> * port 22.
// Tcp 22 from the Internet passes all three: allowed, and as every NSG allows, the rule named
// is the last NSG's (inbound: the NIC's). So:
// - reach: one region Allow securityRules/AllowSshFromInternet (nic) = Tcp 22 from Internet
//   (IPv4 public space; IPv6 2000::/3) to any address of the same family;
// - lint: exposure Tcp 22, allowing rule securityRules/AllowSshFromInternet; and the admin
//   Allow is redundant (without it no admin rule matches and the NSGs decide just the same);
//   the NSG rules are not (without either one, the Internet's Tcp 22 meets DenyAllInBound);
// - search allow Tcp 22 from Internet: found, the set found is that whole region.
#[test]
fn ssh_open_through_all_layers() {
    let inputs = inputs(json!({"version": 1, "virtualNetwork": ["10.0.0.0/16"],
    "adminRules": [{"value": [
        admin_rule("cfg-hub", "AllowSsh", 10, ["Inbound", "Allow", "Tcp", "*", "22"]),
    ]}],
    "subnetNsg": nsg("nsg-subnet", vec![
        nsg_rule("AllowSshInbound", 100, ["Inbound", "Allow", "Tcp", "Internet", "*", "22"]),
    ]),
    "nicNsg": nsg("nsg-nic", vec![
        nsg_rule("AllowSshFromInternet", 100, ["Inbound", "Allow", "Tcp", "Internet", "*", "22"]),
    ])}));

    assert_eq!(
        findings(&inputs),
        sorted(json!([
            {"kind": "redundant", "direction": "Inbound", "layer": "admin", "resource": "cfg-hub",
             "rule": "securityAdminRules/AllowSsh"},
            {"kind": "exposure", "direction": "Inbound", "layer": "none", "service": "Tcp 22",
             "allowingRules": ["securityRules/AllowSshFromInternet"]},
        ]))
    );
    let exposure = finding(&inputs, "exposure");
    let example = flow_text(&exposure["example"]);
    let v = verdict(&inputs, &example);
    assert_eq!(
        decision(&v),
        decided(
            "Allow",
            "securityRules/AllowSshFromInternet",
            "nic",
            "nsg-nic",
            false
        )
    );
    assert_eq!(v["flow"]["protocol"], "Tcp");
    assert!(v["flow"]["destination"].as_str().unwrap().ends_with(":22"));
    let source: std::net::SocketAddr = v["flow"]["source"].as_str().unwrap().parse().unwrap();
    assert!(flowverify::tags::is_internet(source.ip()), "{source}");
    assert_ne!(source.ip().to_string(), "168.63.129.16");

    let (r, json) = reach_both(&inputs, Direction::Inbound);
    let open = decided(
        "Allow",
        "securityRules/AllowSshFromInternet",
        "nic",
        "nsg-nic",
        false,
    );
    let boxes = json!([
        tcp_box(&INTERNET_V4, &["0.0.0.0/0"], &["22"]),
        tcp_box(&["2000::/3"], &["::/0"], &["22"]),
    ]);
    assert_eq!(region(&json, &open)["flows"], boxes);
    // The text output names the tag for these sources.
    let mut space = r.space.clone();
    let v4: Vec<IpNet> = INTERNET_V4.iter().map(|n| net(n)).collect();
    assert_eq!(space.describe_addresses(&inputs, &v4), "Internet");
    assert_eq!(
        space.describe_addresses(&inputs, &[net("2000::/3")]),
        "Internet"
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp 10.0.1.4:22 198.51.100.9:50000",
        &open,
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp [fd00:10::4]:22 [2a01:111::1]:50000",
        &open,
    );
    // Outside it: another port from the Internet, SSH from a private address.
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp 10.0.1.4:23 198.51.100.9:50000",
        &decided(
            "Deny",
            "defaultSecurityRules/DenyAllInBound",
            "subnet",
            "nsg-subnet",
            false,
        ),
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp 10.0.1.4:22 192.168.1.5:50000",
        &decided(
            "Deny",
            "defaultSecurityRules/DenyAllInBound",
            "subnet",
            "nsg-subnet",
            false,
        ),
    );
    let path = verdict(&inputs, "Inbound Tcp 10.0.1.4:22 198.51.100.9:50000")["path"].clone();
    assert_eq!(
        path,
        json!([
            {"layer": "admin", "resource": "cfg-hub", "reached": true, "outcome": "PassToNsgs",
             "rule": "securityAdminRules/AllowSsh"},
            {"layer": "subnet", "resource": "nsg-subnet", "reached": true, "outcome": "Allow",
             "rule": "securityRules/AllowSshInbound"},
            {"layer": "nic", "resource": "nsg-nic", "reached": true, "outcome": "Allow",
             "rule": "securityRules/AllowSshFromInternet"},
        ])
    );
    assert_examples_verify(&inputs, &json);

    let found = search_json(
        &inputs,
        json!({"direction": "Inbound", "protocol": "Tcp", "source": "Internet",
               "destinationPort": "22", "access": "Allow"}),
    );
    assert_eq!(found["found"], true);
    assert_eq!(decision(&found["result"]), open);
    assert_eq!(found["flows"], boxes);
    let example = &found["result"]["flow"];
    let again = verdict(
        &inputs,
        &format!(
            "Inbound Tcp {} {}",
            example["destination"].as_str().unwrap(),
            example["source"].as_str().unwrap()
        ),
    );
    assert_eq!(decision(&again), open);
}

// ---------------------------------------------------------------------------------------------
// 6. SSH blocked by the subnet NSG although the NIC NSG allows it
// ---------------------------------------------------------------------------------------------

// Subnet NSG nsg-subnet: 100 DenySshFromInternet Deny Tcp Internet -> * port 22.
// NIC NSG nsg-nic: 100 AllowSshFromInternet Allow Tcp Internet -> * port 22.
// Inbound, the subnet NSG comes first: Tcp 22 from the Internet is denied there, so
// - reach: region Deny securityRules/DenySshFromInternet (subnet) = Tcp 22 from Internet;
// - lint: no exposure; the NIC rule is preempted (every flow it would decide, the subnet's
//   Deny decides first). The subnet rule is not redundant: without it, Tcp 22 from
//   168.63.129.16 (an Internet address) would pass the subnet by AllowAzureLoadBalancerInBound
//   and be allowed by the NIC rule;
// - search allow Tcp 22 from Internet: none (a proof).
#[test]
fn ssh_blocked_by_the_subnet_nsg_although_the_nic_nsg_allows_it() {
    let inputs = inputs(json!({"version": 1, "virtualNetwork": ["10.0.0.0/16"],
    "subnetNsg": nsg("nsg-subnet", vec![
        nsg_rule("DenySshFromInternet", 100, ["Inbound", "Deny", "Tcp", "Internet", "*", "22"]),
    ]),
    "nicNsg": nsg("nsg-nic", vec![
        nsg_rule("AllowSshFromInternet", 100, ["Inbound", "Allow", "Tcp", "Internet", "*", "22"]),
    ])}));

    assert_eq!(
        findings(&inputs),
        sorted(json!([
            {"kind": "preempted", "direction": "Inbound", "layer": "nic", "resource": "nsg-nic",
             "rule": "securityRules/AllowSshFromInternet",
             "decidingRules": ["securityRules/DenySshFromInternet"]},
        ]))
    );

    let (r, json) = reach_both(&inputs, Direction::Inbound);
    let blocked = decided(
        "Deny",
        "securityRules/DenySshFromInternet",
        "subnet",
        "nsg-subnet",
        false,
    );
    assert_eq!(
        region(&json, &blocked)["flows"],
        json!([
            tcp_box(&INTERNET_V4, &["0.0.0.0/0"], &["22"]),
            tcp_box(&["2000::/3"], &["::/0"], &["22"]),
        ])
    );
    assert!(!has_rule(&json, "securityRules/AllowSshFromInternet"));
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp 10.0.1.4:22 198.51.100.9:50000",
        &blocked,
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp 10.0.1.4:22 168.63.129.16:50000",
        &blocked,
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp [fd00:10::4]:22 [2a01:111::1]:50000",
        &blocked,
    );
    // Outside it: SSH from the virtual network passes both NSGs' defaults.
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp 10.0.1.4:22 10.0.2.5:50000",
        &decided(
            "Allow",
            "defaultSecurityRules/AllowVnetInBound",
            "nic",
            "nsg-nic",
            false,
        ),
    );
    let v = verdict(&inputs, "Inbound Tcp 10.0.1.4:22 198.51.100.9:50000");
    assert_eq!(
        v["path"],
        json!([
            {"layer": "subnet", "resource": "nsg-subnet", "reached": true, "outcome": "Deny",
             "rule": "securityRules/DenySshFromInternet"},
            {"layer": "nic", "resource": "nsg-nic", "reached": false, "outcome": "Allow",
             "rule": "securityRules/AllowSshFromInternet"},
        ])
    );
    assert_eq!(v["blockers"], json!(["securityRules/DenySshFromInternet"]));
    assert_examples_verify(&inputs, &json);

    let none = search_json(
        &inputs,
        json!({"direction": "Inbound", "protocol": "Tcp", "source": "Internet",
               "destinationPort": "22", "access": "Allow"}),
    );
    assert_eq!(none, json!({"found": false, "flows": []}));
    // The same query for Deny finds the region.
    let denied = search_json(
        &inputs,
        json!({"direction": "Inbound", "protocol": "Tcp", "source": "Internet",
               "destinationPort": "22", "access": "Deny"}),
    );
    assert_eq!(denied["found"], true);
    assert_eq!(decision(&denied["result"]), blocked);
}

// ---------------------------------------------------------------------------------------------
// 7. IPv6
// ---------------------------------------------------------------------------------------------

// NIC NSG nsg-v6, VirtualNetwork 10.0.0.0/16 and fd00:10::/48, inbound:
//   100 AllowHttpsFromPartner  Allow Tcp 2001:db8:1::/48 -> fd00:10::/64 port 443
//   150 AllowSshFromV6Internet Allow Tcp 2000::/3        -> *            port 22
//   200 DenyFromV6Internet     Deny  *   2000::/3        -> *            port *
// Regions: 100 exactly its own box; 150 exactly its own box (port 22 is not 443, nothing
// earlier takes part of it); 200 the rest from 2000::/3.
// Lint: exposure Tcp 22 (2000::/3 is Internet), allowed by 150. 200 is redundant: without it
// its flows (from 2000::/3, neither virtual network nor Azure's platform address) meet
// DenyAllInBound and stay denied. 100 and 150 are not (without them, 200 denies).
// Search: no Udp from 2000::/3 is allowed (a proof); Https from 2001:db8::/32 is found, and
// the flows found are exactly rule 100's box.
#[test]
fn ipv6_rules_regions_and_boxes() {
    let inputs = inputs(
        json!({"version": 1, "virtualNetwork": ["10.0.0.0/16", "fd00:10::/48"],
        "nicNsg": nsg("nsg-v6", vec![
            nsg_rule("AllowHttpsFromPartner", 100, ["Inbound", "Allow", "Tcp", "2001:db8:1::/48", "fd00:10::/64", "443"]),
            nsg_rule("AllowSshFromV6Internet", 150, ["Inbound", "Allow", "Tcp", "2000::/3", "*", "22"]),
            nsg_rule("DenyFromV6Internet", 200, ["Inbound", "Deny", "*", "2000::/3", "*", "*"]),
        ])}),
    );

    assert_eq!(
        findings(&inputs),
        sorted(json!([
            {"kind": "redundant", "direction": "Inbound", "layer": "nic", "resource": "nsg-v6",
             "rule": "securityRules/DenyFromV6Internet",
             "decidingRules": ["defaultSecurityRules/DenyAllInBound"]},
            {"kind": "exposure", "direction": "Inbound", "layer": "none", "service": "Tcp 22",
             "allowingRules": ["securityRules/AllowSshFromV6Internet"]},
        ]))
    );
    let exposure = finding(&inputs, "exposure");
    let example = flow_text(&exposure["example"]);
    let v = verdict(&inputs, &example);
    assert_eq!(
        decision(&v),
        decided(
            "Allow",
            "securityRules/AllowSshFromV6Internet",
            "nic",
            "nsg-v6",
            false
        )
    );
    let source: std::net::SocketAddr = v["flow"]["source"].as_str().unwrap().parse().unwrap();
    assert!(source.is_ipv6(), "{source}");

    let (r, json) = reach_both(&inputs, Direction::Inbound);
    let partner = decided(
        "Allow",
        "securityRules/AllowHttpsFromPartner",
        "nic",
        "nsg-v6",
        false,
    );
    let ssh = decided(
        "Allow",
        "securityRules/AllowSshFromV6Internet",
        "nic",
        "nsg-v6",
        false,
    );
    let deny = decided(
        "Deny",
        "securityRules/DenyFromV6Internet",
        "nic",
        "nsg-v6",
        false,
    );
    let partner_box = json!([tcp_box(&["2001:db8:1::/48"], &["fd00:10::/64"], &["443"])]);
    assert_eq!(region(&json, &partner)["flows"], partner_box);
    assert_eq!(
        region(&json, &ssh)["flows"],
        json!([tcp_box(&["2000::/3"], &["::/0"], &["22"])])
    );
    // The Deny region holds IPv6 flows only, all from 2000::/3.
    for b in region(&json, &deny)["flows"].as_array().unwrap() {
        for s in strings(&b["source"]) {
            assert!(net("2000::/3").contains(&net(&s)), "{s}");
        }
    }
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp [fd00:10::4]:443 [2001:db8:1::7]:50000",
        &partner,
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp [fd00:10::4]:443 [2001:db8:2::7]:50000",
        &deny,
    );
    // Outside fd00:10::/64, the partner's Https is denied.
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp [fd00:10:0:1::4]:443 [2001:db8:1::7]:50000",
        &deny,
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp [fd00:10::4]:22 [2a01:111::1]:50000",
        &ssh,
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp [fd00:20::4]:22 [2001:db8:2::7]:50000",
        &ssh,
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Udp [fd00:10::4]:22 [2a01:111::1]:50000",
        &deny,
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Udp [fd00:10::4]:53 [fd00:10::9]:50000",
        &decided(
            "Allow",
            "defaultSecurityRules/AllowVnetInBound",
            "nic",
            "nsg-v6",
            false,
        ),
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp [fd00:10::4]:22 [fd00:99::9]:50000",
        &decided(
            "Deny",
            "defaultSecurityRules/DenyAllInBound",
            "nic",
            "nsg-v6",
            false,
        ),
    );
    assert_examples_verify(&inputs, &json);

    let none = search_json(
        &inputs,
        json!({"direction": "Inbound", "protocol": "Udp", "source": "2000::/3", "access": "Allow"}),
    );
    assert_eq!(none, json!({"found": false, "flows": []}));
    let found = search_json(
        &inputs,
        json!({"direction": "Inbound", "source": "2001:db8::/32", "destinationPort": "443",
               "access": "Allow"}),
    );
    assert_eq!(found["found"], true);
    assert_eq!(decision(&found["result"]), partner);
    assert_eq!(found["flows"], partner_box);
}

// ---------------------------------------------------------------------------------------------
// 8. Service tags, and a tag with no definition
// ---------------------------------------------------------------------------------------------

// Outbound, NIC NSG nsg-tags, VirtualNetwork 10.0.0.0/16, service tags file defining
// Storage.WestEurope = 20.60.0.0/22, 52.239.136.0/22 (and nothing else):
//   100 AllowStorageHttps  Allow Tcp * -> Storage.WestEurope port 443
//   150 DenyCosmosHttps    Deny  Tcp * -> AzureCosmosDB      port 443   (not defined anywhere)
//   200 DenyInternetOut    Deny  *   * -> Internet           port *
// - AllowStorageHttps decides Tcp 443 to the two Storage prefixes, certain (nothing before it).
// - Every other Tcp 443 flow reaches DenyCosmosHttps, which might match it: those verdicts
//   are uncertain (e.g. Tcp 443 to 93.184.216.34: DenyInternetOut, uncertain; to 10.0.2.5:
//   AllowVnetOutBound, uncertain). Flows of other ports never meet an unknown: certain.
// - lint: one finding, unresolved, naming the tag and the rule; AllowStorageHttps is not
//   redundant (without it DenyInternetOut denies Storage, a public range).
// - search allow to Storage.WestEurope: exactly rule 100's box; a query naming AzureCosmosDB
//   is an error (no input defines it).
#[test]
fn service_tags_and_a_tag_without_definition() {
    let inputs = inputs(json!({"version": 1, "virtualNetwork": ["10.0.0.0/16"],
    "serviceTags": {"changeNumber": "212", "cloud": "Public", "values": [
        {"name": "Storage.WestEurope", "id": "Storage.WestEurope",
         "properties": {"region": "westeurope", "systemService": "AzureStorage",
                        "addressPrefixes": ["20.60.0.0/22", "52.239.136.0/22"]}}
    ]},
    "nicNsg": nsg("nsg-tags", vec![
        nsg_rule("AllowStorageHttps", 100, ["Outbound", "Allow", "Tcp", "*", "Storage.WestEurope", "443"]),
        nsg_rule("DenyCosmosHttps", 150, ["Outbound", "Deny", "Tcp", "*", "AzureCosmosDB", "443"]),
        nsg_rule("DenyInternetOut", 200, ["Outbound", "Deny", "*", "*", "Internet", "*"]),
    ])}));

    assert_eq!(
        findings(&inputs),
        sorted(json!([
            {"kind": "unresolved", "direction": "Outbound", "layer": "nic", "resource": "nsg-tags",
             "rule": "securityRules/DenyCosmosHttps"},
        ]))
    );
    let unresolved = finding(&inputs, "unresolved");
    assert!(
        unresolved["message"]
            .as_str()
            .unwrap()
            .contains("'AzureCosmosDB'"),
        "{unresolved}"
    );

    let (r, json) = reach_both(&inputs, Direction::Outbound);
    let storage = decided(
        "Allow",
        "securityRules/AllowStorageHttps",
        "nic",
        "nsg-tags",
        false,
    );
    let storage_box = json!([tcp_box(
        &["0.0.0.0/0"],
        &["20.60.0.0/22", "52.239.136.0/22"],
        &["443"]
    )]);
    assert_eq!(region(&json, &storage)["flows"], storage_box);
    // The text output names the tag for those destinations.
    let mut space = r.space.clone();
    assert_eq!(
        space.describe_addresses(&inputs, &[net("20.60.0.0/22"), net("52.239.136.0/22")]),
        "Storage.WestEurope"
    );
    assert_eq!(
        space.describe_addresses(&inputs, &[net("20.60.0.0/22")]),
        "20.60.0.0/22"
    );

    let internet_sure = decided(
        "Deny",
        "securityRules/DenyInternetOut",
        "nic",
        "nsg-tags",
        false,
    );
    let internet_unsure = decided(
        "Deny",
        "securityRules/DenyInternetOut",
        "nic",
        "nsg-tags",
        true,
    );
    let vnet_unsure = decided(
        "Allow",
        "defaultSecurityRules/AllowVnetOutBound",
        "nic",
        "nsg-tags",
        true,
    );
    assert_in_region(
        &inputs,
        &r,
        "Outbound Tcp 10.0.1.4:50000 20.60.1.1:443",
        &storage,
    );
    assert_in_region(
        &inputs,
        &r,
        "Outbound Tcp 10.0.1.4:50000 52.239.139.255:443",
        &storage,
    );
    assert_in_region(
        &inputs,
        &r,
        "Outbound Tcp 10.0.1.4:50000 20.60.1.1:80",
        &internet_sure,
    );
    assert_in_region(
        &inputs,
        &r,
        "Outbound Udp 10.0.1.4:50000 93.184.216.34:53",
        &internet_sure,
    );
    assert_in_region(
        &inputs,
        &r,
        "Outbound Tcp 10.0.1.4:50000 93.184.216.34:443",
        &internet_unsure,
    );
    assert_in_region(
        &inputs,
        &r,
        "Outbound Tcp 10.0.1.4:50000 52.239.140.0:443",
        &internet_unsure,
    );
    assert_in_region(
        &inputs,
        &r,
        "Outbound Tcp 10.0.1.4:50000 10.0.2.5:443",
        &vnet_unsure,
    );
    assert_in_region(
        &inputs,
        &r,
        "Outbound Tcp 10.0.1.4:50000 10.0.2.5:80",
        &decided(
            "Allow",
            "defaultSecurityRules/AllowVnetOutBound",
            "nic",
            "nsg-tags",
            false,
        ),
    );
    // The uncertain verdict says which tag is missing.
    let v = verdict(&inputs, "Outbound Tcp 10.0.1.4:50000 93.184.216.34:443");
    assert!(
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("AzureCosmosDB")),
        "{v:#}"
    );
    // Every uncertain region holds only Tcp 443 flows (those that meet the unknown rule).
    let uncertain: Vec<&Value> = json["regions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["uncertain"] == true)
        .collect();
    assert!(!uncertain.is_empty());
    for region in uncertain {
        for b in region["flows"].as_array().unwrap() {
            assert_eq!(b["protocols"], json!(["Tcp"]), "{region:#}");
            assert_eq!(b["destinationPorts"], json!(["443"]), "{region:#}");
        }
    }
    assert_examples_verify(&inputs, &json);

    let found = search_json(
        &inputs,
        json!({"direction": "Outbound", "destination": "Storage.WestEurope", "access": "Allow"}),
    );
    assert_eq!(found["found"], true);
    assert_eq!(decision(&found["result"]), storage);
    assert_eq!(found["flows"], storage_box);
    let query =
        ffi::search_query(&json!({"direction": "Outbound", "destination": "AzureCosmosDB"}))
            .unwrap();
    assert_eq!(
        search(&inputs, &query).unwrap_err(),
        QueryError::UnknownTag("AzureCosmosDB".into())
    );
}

// ---------------------------------------------------------------------------------------------
// 9. Application security groups
// ---------------------------------------------------------------------------------------------

// The NIC document (REST shape) gives 10.0.1.4 as a member of asg-web; the `asgs` input gives
// asg-admin = 10.20.0.4, 10.20.0.5 (outside the virtual network 10.0.0.0/16); asg-jump has no
// membership anywhere. NIC NSG nsg-asg, inbound:
//   100 AllowSshFromAdmins  Allow Tcp asg-admin -> asg-web port 22
//   110 AllowHttpsToWeb     Allow Tcp Internet  -> asg-web port 443
//   120 DenyRdpFromJump     Deny  Tcp asg-jump  -> *       port 3389
// Reach within the NIC's address (10.0.1.4, as the command line defaults to):
// - SSH from 10.20.0.4/31 (the two members) allowed by 100; Https from Internet by 110;
// - Tcp 3389 reaches 120, which might match any source: every Tcp 3389 verdict uncertain.
// Lint: unresolved asg-jump; 100 and 110 are not redundant (without them DenyAllInBound).
#[test]
fn application_security_groups_from_the_nic_document_and_the_asgs_input() {
    let asg = |name: &str| json!({"id": format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/applicationSecurityGroups/{name}")});
    let inputs = inputs(json!({"version": 1, "virtualNetwork": ["10.0.0.0/16"],
    "asgs": {"asg-admin": ["10.20.0.4", "10.20.0.5"]},
    "nic": {"name": "vm-web-nic",
            "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/vm-web-nic",
            "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {
                "privateIPAddress": "10.0.1.4", "privateIPAddressVersion": "IPv4",
                "applicationSecurityGroups": [asg("asg-web")]}}]}},
    "nicNsg": nsg("nsg-asg", vec![
        json!({"name": "AllowSshFromAdmins", "properties": {"priority": 100,
            "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
            "sourcePortRange": "*", "destinationPortRange": "22",
            "sourceApplicationSecurityGroups": [asg("asg-admin")],
            "destinationApplicationSecurityGroups": [asg("asg-web")]}}),
        json!({"name": "AllowHttpsToWeb", "properties": {"priority": 110,
            "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
            "sourceAddressPrefix": "Internet", "sourcePortRange": "*",
            "destinationPortRange": "443",
            "destinationApplicationSecurityGroups": [asg("asg-web")]}}),
        json!({"name": "DenyRdpFromJump", "properties": {"priority": 120,
            "direction": "Inbound", "access": "Deny", "protocol": "Tcp",
            "sourcePortRange": "*", "destinationAddressPrefix": "*",
            "destinationPortRange": "3389",
            "sourceApplicationSecurityGroups": [asg("asg-jump")]}}),
    ])}));

    assert_eq!(
        findings(&inputs),
        sorted(json!([
            {"kind": "unresolved", "direction": "Inbound", "layer": "nic", "resource": "nsg-asg",
             "rule": "securityRules/DenyRdpFromJump"},
        ]))
    );
    let unresolved = finding(&inputs, "unresolved");
    assert!(
        unresolved["message"]
            .as_str()
            .unwrap()
            .contains("'asg-jump'"),
        "{unresolved}"
    );

    let local = [net("10.0.1.4/32")];
    let mut r = reach_within(&inputs, Direction::Inbound, &local).expect("within the budget");
    let json = ffi::reach(&mut r);
    let ssh = decided(
        "Allow",
        "securityRules/AllowSshFromAdmins",
        "nic",
        "nsg-asg",
        false,
    );
    let https = decided(
        "Allow",
        "securityRules/AllowHttpsToWeb",
        "nic",
        "nsg-asg",
        false,
    );
    assert_eq!(
        region(&json, &ssh)["flows"],
        json!([tcp_box(&["10.20.0.4/31"], &["10.0.1.4/32"], &["22"])])
    );
    assert_eq!(
        region(&json, &https)["flows"],
        json!([tcp_box(&INTERNET_V4, &["10.0.1.4/32"], &["443"])])
    );
    // Every region is about the NIC's own address.
    for region in json["regions"].as_array().unwrap() {
        for b in region["flows"].as_array().unwrap() {
            assert_eq!(b["destination"], json!(["10.0.1.4/32"]), "{region:#}");
        }
    }
    let deny_all = decided(
        "Deny",
        "defaultSecurityRules/DenyAllInBound",
        "nic",
        "nsg-asg",
        false,
    );
    assert_in_region(&inputs, &r, "Inbound Tcp 10.0.1.4:22 10.20.0.5:50000", &ssh);
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp 10.0.1.4:22 10.20.0.6:50000",
        &deny_all,
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp 10.0.1.4:443 198.51.100.9:50000",
        &https,
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp 10.0.1.4:3389 10.0.2.5:50000",
        &decided(
            "Allow",
            "defaultSecurityRules/AllowVnetInBound",
            "nic",
            "nsg-asg",
            true,
        ),
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp 10.0.1.4:3389 198.51.100.9:50000",
        &decided(
            "Deny",
            "defaultSecurityRules/DenyAllInBound",
            "nic",
            "nsg-asg",
            true,
        ),
    );
    assert_examples_verify(&inputs, &json);
    // 10.0.1.5 is not a member of asg-web: SSH from the admins is denied there.
    assert_eq!(
        decision(&verdict(&inputs, "Inbound Tcp 10.0.1.5:22 10.20.0.5:50000")),
        deny_all
    );
}

// ---------------------------------------------------------------------------------------------
// 10. Effective rules
// ---------------------------------------------------------------------------------------------

// `az network nic list-effective-nsg` of nic-app: subnet NSG nsg-app-subnet and NIC NSG
// nsg-app-nic, VirtualNetwork 10.1.0.0/16, no service tags file. Both NSGs have
//   100 AllowHttpsFromFrontDoor Allow Tcp AzureFrontDoor.Backend -> 0.0.0.0/0 port 443-443
// with the tag expanded to 147.243.0.0/16 and 2a01:111:2050::/44 (authoritative: no
// unresolved tag, nothing uncertain); the NIC NSG also
//   200 DenySshFromAll Deny Tcp 0.0.0.0/0 -> 0.0.0.0/0 port 22-22
// and the default rules come from the import (Azure's fixed six).
// - Https from the two expanded prefixes passes both NSGs: allowed, named by the NIC's rule;
//   from anywhere else public, the subnet's DenyAllInBound.
// - SSH from the virtual network passes the subnet (AllowVnetInBound) and meets the NIC's
//   DenySshFromAll.
// - lint: nothing (nothing risky open, no unknown name, every user rule changes something).
#[test]
fn effective_rules_with_expanded_prefixes() {
    let rule =
        |name: &str, priority: u32, access: &str, source: &str, expanded: Value, port: &str| {
            json!({"name": name, "protocol": "Tcp",
               "sourcePortRange": "0-65535", "destinationPortRange": port,
               "sourcePortRanges": ["0-65535"], "destinationPortRanges": [port],
               "sourceAddressPrefix": source, "destinationAddressPrefix": "0.0.0.0/0",
               "sourceAddressPrefixes": [source], "destinationAddressPrefixes": ["0.0.0.0/0"],
               "expandedSourceAddressPrefix": expanded, "expandedDestinationAddressPrefix": null,
               "access": access, "priority": priority, "direction": "Inbound"})
        };
    let front_door = || {
        rule(
            "securityRules/AllowHttpsFromFrontDoor",
            100,
            "Allow",
            "AzureFrontDoor.Backend",
            json!(["147.243.0.0/16", "2a01:111:2050::/44"]),
            "443-443",
        )
    };
    let ids = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network";
    let inputs = inputs(json!({"version": 1, "virtualNetwork": ["10.1.0.0/16"],
    "effectiveRules": {"value": [
        {"networkSecurityGroup": {"id": format!("{ids}/networkSecurityGroups/nsg-app-subnet")},
         "association": {"subnet": {"id": format!("{ids}/virtualNetworks/vnet-app/subnets/snet-app")}},
         "effectiveSecurityRules": [front_door()]},
        {"networkSecurityGroup": {"id": format!("{ids}/networkSecurityGroups/nsg-app-nic")},
         "association": {"networkInterface": {"id": format!("{ids}/networkInterfaces/nic-app")}},
         "effectiveSecurityRules": [
            front_door(),
            rule("securityRules/DenySshFromAll", 200, "Deny", "0.0.0.0/0", Value::Null, "22-22"),
         ]}
    ]}}));

    assert_eq!(findings(&inputs), Vec::<Value>::new());

    let (r, json) = reach_both(&inputs, Direction::Inbound);
    let front = decided(
        "Allow",
        "securityRules/AllowHttpsFromFrontDoor",
        "nic",
        "nsg-app-nic",
        false,
    );
    assert_eq!(
        region(&json, &front)["flows"],
        json!([
            tcp_box(&["147.243.0.0/16"], &["0.0.0.0/0"], &["443"]),
            tcp_box(&["2a01:111:2050::/44"], &["::/0"], &["443"]),
        ])
    );
    assert!(json["regions"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["uncertain"] == false));
    let subnet_deny = decided(
        "Deny",
        "defaultSecurityRules/DenyAllInBound",
        "subnet",
        "nsg-app-subnet",
        false,
    );
    let ssh_deny = decided(
        "Deny",
        "securityRules/DenySshFromAll",
        "nic",
        "nsg-app-nic",
        false,
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp 10.1.0.4:443 147.243.10.20:50000",
        &front,
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp [fd00::4]:443 [2a01:111:2050::9]:50000",
        &front,
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp 10.1.0.4:443 147.244.0.1:50000",
        &subnet_deny,
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp [fd00::4]:443 [2a01:111:2060::9]:50000",
        &subnet_deny,
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp 10.1.0.4:22 147.243.10.20:50000",
        &subnet_deny,
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp 10.1.0.4:22 10.1.2.3:50000",
        &ssh_deny,
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp 10.1.0.4:80 10.1.2.3:50000",
        &decided(
            "Allow",
            "defaultSecurityRules/AllowVnetInBound",
            "nic",
            "nsg-app-nic",
            false,
        ),
    );
    let v = verdict(&inputs, "Inbound Tcp 10.1.0.4:22 10.1.2.3:50000");
    assert_eq!(
        v["path"],
        json!([
            {"layer": "subnet", "resource": "nsg-app-subnet", "reached": true, "outcome": "Allow",
             "rule": "defaultSecurityRules/AllowVnetInBound"},
            {"layer": "nic", "resource": "nsg-app-nic", "reached": true, "outcome": "Deny",
             "rule": "securityRules/DenySshFromAll"},
        ])
    );
    assert_examples_verify(&inputs, &json);

    let none = search_json(
        &inputs,
        json!({"direction": "Inbound", "source": "147.244.0.0/16", "destinationPort": "443",
               "access": "Allow"}),
    );
    assert_eq!(none, json!({"found": false, "flows": []}));
}

// ---------------------------------------------------------------------------------------------
// 11. Diff
// ---------------------------------------------------------------------------------------------

// Before, NIC NSG nsg-web, inbound:
//   100 AllowHttps   Allow Tcp * -> * port 443
//   200 DenyAltHttp  Deny  Tcp * -> * port 8080-8090
// After: AllowHttps's ports become 443 and 8080. Exactly the Tcp 8080 flows change (any
// address of either family, any source port): before Deny by DenyAltHttp, after Allow by
// AllowHttps. Nothing else changes, in either direction. The after scenario carries the
// before as its `baseline`, as the page saves it. A scenario against itself: no change.
#[test]
fn diff_of_a_change_that_opens_one_port() {
    let web = |https: &str| {
        nsg(
            "nsg-web",
            vec![
                nsg_rule(
                    "AllowHttps",
                    100,
                    ["Inbound", "Allow", "Tcp", "*", "*", https],
                ),
                nsg_rule(
                    "DenyAltHttp",
                    200,
                    ["Inbound", "Deny", "Tcp", "*", "*", "8080-8090"],
                ),
            ],
        )
    };
    let before = inputs(json!({"version": 1, "nicNsg": web("443")}));
    let scenario = Scenario::from_value(
        "after.json",
        json!({"version": 1, "nicNsg": web("443,8080"), "baseline": {"nicNsg": web("443")}}),
    )
    .unwrap();
    let after = scenario.inputs("after.json").unwrap();
    let baseline = scenario.baseline_inputs("after.json").unwrap().unwrap();
    assert_eq!(baseline, before);

    let both = [Direction::Inbound, Direction::Outbound];
    let mut d = diff(&baseline, &after, &both).expect("within the budget");
    let mut changes = ffi::diff(&mut d)["changes"].clone();
    assert_eq!(changes.as_array().unwrap().len(), 1, "{changes:#}");
    let example = changes[0]
        .as_object_mut()
        .unwrap()
        .remove("example")
        .unwrap();
    assert_eq!(
        changes,
        json!([{
            "direction": "Inbound",
            "before": {"access": "Deny", "ruleName": "securityRules/DenyAltHttp",
                       "decidedBy": {"layer": "nic", "resource": "nsg-web"}},
            "after": {"access": "Allow", "ruleName": "securityRules/AllowHttps",
                      "decidedBy": {"layer": "nic", "resource": "nsg-web"}},
            "flows": [
                tcp_box(&["0.0.0.0/0"], &["0.0.0.0/0"], &["8080"]),
                tcp_box(&["::/0"], &["::/0"], &["8080"]),
            ]
        }])
    );
    let deny = decided("Deny", "securityRules/DenyAltHttp", "nic", "nsg-web", false);
    let allow = decided("Allow", "securityRules/AllowHttps", "nic", "nsg-web", false);
    let e = flow_text(&example);
    assert!(e.contains(":8080 "), "{e}");
    assert_eq!(decision(&verdict(&before, &e)), deny);
    assert_eq!(decision(&verdict(&after, &e)), allow);
    // Chosen by hand: 8080 changed; 8081 and 443 did not.
    for (text, old, new) in [
        (
            "Inbound Tcp 10.0.1.4:8080 198.51.100.9:50000",
            &deny,
            &allow,
        ),
        (
            "Inbound Tcp [fd00:10::4]:8080 [2a01:111::1]:1234",
            &deny,
            &allow,
        ),
        ("Inbound Tcp 10.0.1.4:8081 198.51.100.9:50000", &deny, &deny),
        (
            "Inbound Tcp 10.0.1.4:443 198.51.100.9:50000",
            &allow,
            &allow,
        ),
    ] {
        assert_eq!(decision(&verdict(&before, text)), *old, "before {text}");
        assert_eq!(decision(&verdict(&after, text)), *new, "after {text}");
    }

    // Unchanged pairs: nothing.
    assert!(diff(&before, &before, &both).unwrap().changes.is_empty());
    assert!(diff(&after, &after, &both).unwrap().changes.is_empty());
    assert_eq!(
        ffi::diff(&mut diff(&after, &after, &both).unwrap()),
        json!({"changes": []})
    );
}

// ---------------------------------------------------------------------------------------------
// 12. Redundant rules, and rules that are not
// ---------------------------------------------------------------------------------------------

// NIC NSG nsg-red, VirtualNetwork 10.0.0.0/16, inbound:
//   100 DenyTelnetFromPartner      Deny  Tcp 198.51.100.0/24 -> * port 23
//   110 AllowVnetHttp              Allow Tcp VirtualNetwork  -> VirtualNetwork port 80
//   120 DenyRdpFromVnet            Deny  Tcp 10.0.0.0/16     -> * port 3389
//   130 AllowHttpsFromPartner      Allow Tcp 198.18.0.0/24   -> * port 443
//   140 AllowHttpsFromPartnerRange Allow Tcp 198.18.0.0/15   -> * port 443
// Redundant (each decides flows, and without it the same access follows):
// - 100: its flows (from outside the virtual network) meet DenyAllInBound: still denied;
// - 110: its flows meet AllowVnetInBound (same tags on both sides): still allowed;
// - 130: its flows meet 140: still allowed.
// Not redundant:
// - 120: without it, Rdp from 10.0.0.0/16 to the virtual network meets AllowVnetInBound;
// - 140: without it, Https from 198.18.1.0-198.19.255.255 meets DenyAllInBound.
#[test]
fn redundant_rules_and_rules_that_are_not() {
    let rules = |skip: &str| {
        let all = vec![
            nsg_rule(
                "DenyTelnetFromPartner",
                100,
                ["Inbound", "Deny", "Tcp", "198.51.100.0/24", "*", "23"],
            ),
            nsg_rule(
                "AllowVnetHttp",
                110,
                [
                    "Inbound",
                    "Allow",
                    "Tcp",
                    "VirtualNetwork",
                    "VirtualNetwork",
                    "80",
                ],
            ),
            nsg_rule(
                "DenyRdpFromVnet",
                120,
                ["Inbound", "Deny", "Tcp", "10.0.0.0/16", "*", "3389"],
            ),
            nsg_rule(
                "AllowHttpsFromPartner",
                130,
                ["Inbound", "Allow", "Tcp", "198.18.0.0/24", "*", "443"],
            ),
            nsg_rule(
                "AllowHttpsFromPartnerRange",
                140,
                ["Inbound", "Allow", "Tcp", "198.18.0.0/15", "*", "443"],
            ),
        ];
        let kept: Vec<Value> = all.into_iter().filter(|r| r["name"] != skip).collect();
        inputs(json!({"version": 1, "virtualNetwork": ["10.0.0.0/16"],
                      "nicNsg": nsg("nsg-red", kept)}))
    };
    let inputs = rules("");

    assert_eq!(
        findings(&inputs),
        sorted(json!([
            {"kind": "redundant", "direction": "Inbound", "layer": "nic", "resource": "nsg-red",
             "rule": "securityRules/DenyTelnetFromPartner",
             "decidingRules": ["defaultSecurityRules/DenyAllInBound"]},
            {"kind": "redundant", "direction": "Inbound", "layer": "nic", "resource": "nsg-red",
             "rule": "securityRules/AllowVnetHttp",
             "decidingRules": ["defaultSecurityRules/AllowVnetInBound"]},
            {"kind": "redundant", "direction": "Inbound", "layer": "nic", "resource": "nsg-red",
             "rule": "securityRules/AllowHttpsFromPartner",
             "decidingRules": ["securityRules/AllowHttpsFromPartnerRange"]},
        ]))
    );

    // A redundant rule still decides flows: it has its region.
    let (r, json) = reach_both(&inputs, Direction::Inbound);
    let partner = decided(
        "Allow",
        "securityRules/AllowHttpsFromPartner",
        "nic",
        "nsg-red",
        false,
    );
    let range = decided(
        "Allow",
        "securityRules/AllowHttpsFromPartnerRange",
        "nic",
        "nsg-red",
        false,
    );
    assert_eq!(
        region(&json, &partner)["flows"],
        json!([tcp_box(&["198.18.0.0/24"], &["0.0.0.0/0"], &["443"])])
    );
    assert_eq!(
        region(&json, &range)["flows"],
        json!([tcp_box(
            &[
                "198.18.1.0/24",
                "198.18.2.0/23",
                "198.18.4.0/22",
                "198.18.8.0/21",
                "198.18.16.0/20",
                "198.18.32.0/19",
                "198.18.64.0/18",
                "198.18.128.0/17",
                "198.19.0.0/16"
            ],
            &["0.0.0.0/0"],
            &["443"]
        )])
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp 10.0.1.4:443 198.18.0.7:50000",
        &partner,
    );
    assert_in_region(
        &inputs,
        &r,
        "Inbound Tcp 10.0.1.4:443 198.19.3.7:50000",
        &range,
    );
    assert_examples_verify(&inputs, &json);

    // Removing each rule, checked with verify on a flow it decides.
    let rdp = "Inbound Tcp 10.0.1.4:3389 10.0.2.5:50000";
    let https = "Inbound Tcp 10.0.1.4:443 198.18.0.7:50000";
    let telnet = "Inbound Tcp 10.0.1.4:23 198.51.100.9:50000";
    let http = "Inbound Tcp 10.0.1.4:80 10.0.2.5:50000";
    let wide = "Inbound Tcp 10.0.1.4:443 198.19.3.7:50000";
    let vnet_allow = decided(
        "Allow",
        "defaultSecurityRules/AllowVnetInBound",
        "nic",
        "nsg-red",
        false,
    );
    let deny_all = decided(
        "Deny",
        "defaultSecurityRules/DenyAllInBound",
        "nic",
        "nsg-red",
        false,
    );
    assert_eq!(
        decision(&verdict(&inputs, rdp)),
        decided(
            "Deny",
            "securityRules/DenyRdpFromVnet",
            "nic",
            "nsg-red",
            false
        )
    );
    assert_eq!(
        decision(&verdict(&rules("DenyRdpFromVnet"), rdp)),
        vnet_allow
    );
    assert_eq!(
        decision(&verdict(&rules("AllowHttpsFromPartner"), https)),
        range
    );
    assert_eq!(
        decision(&verdict(&rules("DenyTelnetFromPartner"), telnet)),
        deny_all
    );
    assert_eq!(
        decision(&verdict(&rules("AllowVnetHttp"), http)),
        vnet_allow
    );
    assert_eq!(
        decision(&verdict(&rules("AllowHttpsFromPartnerRange"), wide)),
        deny_all
    );

    // Removing a redundant rule changes deciding rules only; removing one that is not
    // changes some access.
    let both = [Direction::Inbound, Direction::Outbound];
    for name in [
        "DenyTelnetFromPartner",
        "AllowVnetHttp",
        "AllowHttpsFromPartner",
    ] {
        let d = diff(&inputs, &rules(name), &both).unwrap();
        assert!(!d.changes.is_empty(), "{name}");
        assert!(
            d.changes.iter().all(|c| c.before.access == c.after.access),
            "{name}"
        );
    }
    for name in ["DenyRdpFromVnet", "AllowHttpsFromPartnerRange"] {
        let d = diff(&inputs, &rules(name), &both).unwrap();
        assert!(
            d.changes.iter().any(|c| c.before.access != c.after.access),
            "{name}"
        );
    }
}

/// A rule is not redundant when, without it, its flows would meet a rule that might match them
/// but for missing input: their verdict would be uncertain, so "removing it changes no access"
/// is not known. In one layer, and across layers.
#[test]
fn a_rule_whose_removal_would_make_verdicts_uncertain_is_not_redundant() {
    let same_layer = inputs(json!({"version": 1, "virtualNetwork": ["10.0.0.0/16"],
    "nicNsg": nsg("nsg-p", vec![
        nsg_rule("AllowVnetHttps", 100, ["Inbound", "Allow", "Tcp", "VirtualNetwork", "VirtualNetwork", "443"]),
        nsg_rule("DenyFromSql", 110, ["Inbound", "Deny", "Tcp", "Sql", "*", "443"]),
    ])}));
    let without = inputs(json!({"version": 1, "virtualNetwork": ["10.0.0.0/16"],
    "nicNsg": nsg("nsg-p", vec![
        nsg_rule("DenyFromSql", 110, ["Inbound", "Deny", "Tcp", "Sql", "*", "443"]),
    ])}));
    let flow = Flow::parse("Inbound", "Tcp", "10.0.1.4:443", "10.0.2.5:50000").unwrap();
    let v = verify(&without, &flow);
    assert_eq!(
        (v.rule_name.as_deref(), v.uncertain),
        (Some("defaultSecurityRules/AllowVnetInBound"), true)
    );
    let redundant = |inputs: &Inputs| -> Vec<String> {
        lint(inputs)
            .expect("within the budget")
            .iter()
            .filter(|f| f.kind == flowverify::lint::Kind::Redundant)
            .filter_map(|f| f.rule.clone())
            .collect()
    };
    assert!(!redundant(&same_layer).contains(&"securityRules/AllowVnetHttps".to_string()));

    // Across layers, outbound (NIC NSG first, then the subnet NSG): the NIC's `DenyHttpsOut`
    // decides Tcp 443 to 10.9.0.0/16; without it the NIC's default AllowVnetOutBound lets
    // those flows on to the subnet NSG, whose `AllowToSql` (tag Sql, not given) comes before
    // its `DenyHttpsOutToo`: Deny either way if Sql holds none of them, but not known.
    let later_layer = |with_deny: bool| {
        let mut nic = vec![];
        if with_deny {
            nic.push(nsg_rule(
                "DenyHttpsOut",
                100,
                ["Outbound", "Deny", "Tcp", "*", "10.9.0.0/16", "443"],
            ));
        }
        inputs(json!({"version": 1, "virtualNetwork": ["10.0.0.0/8"],
        "nicNsg": nsg("nsg-nic", nic),
        "subnetNsg": nsg("nsg-subnet", vec![
            nsg_rule("AllowToSql", 100, ["Outbound", "Allow", "Tcp", "*", "Sql", "443"]),
            nsg_rule("DenyHttpsOutToo", 110, ["Outbound", "Deny", "Tcp", "*", "10.9.0.0/16", "443"]),
        ])}))
    };
    let flow = Flow::parse("Outbound", "Tcp", "10.0.1.4:50000", "10.9.0.7:443").unwrap();
    let v = verify(&later_layer(false), &flow);
    assert_eq!(
        (v.rule_name.as_deref(), v.uncertain),
        (Some("securityRules/DenyHttpsOutToo"), true)
    );
    let v = verify(&later_layer(true), &flow);
    assert_eq!(
        (v.rule_name.as_deref(), v.uncertain),
        (Some("securityRules/DenyHttpsOut"), false)
    );
    assert!(!redundant(&later_layer(true)).contains(&"securityRules/DenyHttpsOut".to_string()));
    // With the tag given (holding none of those addresses), it is redundant: the flows go on
    // to the subnet NSG, whose DenyHttpsOutToo denies them too.
    let mut known = later_layer(true);
    known
        .service_tags
        .insert("Sql", vec![net("203.0.113.0/24")]);
    assert!(redundant(&known).contains(&"securityRules/DenyHttpsOut".to_string()));
    let mut known = same_layer;
    known
        .service_tags
        .insert("Sql", vec![net("203.0.113.0/24")]);
    assert!(redundant(&known).contains(&"securityRules/AllowVnetHttps".to_string()));

    // The other way round: with the rule, its flows meet a rule that might match them, and
    // without it they would not. Inbound, the subnet NSG's `AllowSsh` hands Tcp 22 on to the
    // NIC NSG, where `AllowSshFromSql` (tag Sql, not given) comes before `DenySshToo`: Deny,
    // uncertain (Sql might hold the source). Without `AllowSsh`, the subnet's `DenySsh` denies
    // them for sure: the access may change, so it is not redundant.
    let handed_on = |with_allow: bool| {
        let mut subnet = vec![nsg_rule(
            "DenySsh",
            200,
            ["Inbound", "Deny", "Tcp", "*", "*", "22"],
        )];
        if with_allow {
            subnet.insert(
                0,
                nsg_rule("AllowSsh", 100, ["Inbound", "Allow", "Tcp", "*", "*", "22"]),
            );
        }
        inputs(json!({"version": 1, "virtualNetwork": ["10.0.0.0/16"],
        "subnetNsg": nsg("nsg-subnet", subnet),
        "nicNsg": nsg("nsg-nic", vec![
            nsg_rule("AllowSshFromSql", 100, ["Inbound", "Allow", "Tcp", "Sql", "*", "22"]),
            nsg_rule("DenySshToo", 200, ["Inbound", "Deny", "Tcp", "*", "*", "22"]),
        ])}))
    };
    let flow = Flow::parse("Inbound", "Tcp", "10.0.1.4:22", "203.0.113.9:50000").unwrap();
    let v = verify(&handed_on(true), &flow);
    assert_eq!(
        (v.rule_name.as_deref(), v.uncertain),
        (Some("securityRules/DenySshToo"), true)
    );
    let v = verify(&handed_on(false), &flow);
    assert_eq!(
        (v.rule_name.as_deref(), v.uncertain),
        (Some("securityRules/DenySsh"), false)
    );
    assert!(!redundant(&handed_on(true)).contains(&"securityRules/AllowSsh".to_string()));
    // With the tag known to hold no address at all, it is redundant (DenySsh then gives its
    // flows the same Deny, for sure).
    let mut known = handed_on(true);
    known.service_tags.insert("Sql", vec![]);
    assert!(redundant(&known).contains(&"securityRules/AllowSsh".to_string()));
}
