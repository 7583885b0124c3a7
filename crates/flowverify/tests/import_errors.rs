//! Every value the importer cannot understand, and every rule Azure would refuse, is an error
//! that names the input, the place (a path naming the rule) and quotes the value.

use flowverify::import::{import_value, Content};
use flowverify::{InputError, Place};
use serde_json::{json, Value};

/// An `az network nsg show`-shaped NSG with two rules.
fn nsg() -> Value {
    json!({
        "name": "nsg-web", "type": "Microsoft.Network/networkSecurityGroups", "resourceGroup": "rg",
        "securityRules": [
            {"name": "AllowSsh", "priority": 100, "direction": "Inbound", "access": "Allow",
             "protocol": "Tcp", "sourceAddressPrefix": "10.0.0.0/8", "sourcePortRange": "*",
             "destinationAddressPrefix": "*", "destinationPortRange": "22"},
            {"name": "AllowWeb", "priority": 110, "direction": "Inbound", "access": "Allow",
             "protocol": "Tcp", "sourceAddressPrefix": "Internet", "sourcePortRange": "*",
             "destinationAddressPrefix": "", "destinationAddressPrefixes": ["10.0.1.0/24"],
             "destinationPortRange": null, "destinationPortRanges": ["80", "443"]}
        ]
    })
}

/// The NSG with rule `index`'s `key` set to `value` (`None` removes it).
fn nsg_with(index: usize, key: &str, value: Option<Value>) -> Value {
    let mut doc = nsg();
    if let Some(rule) = doc["securityRules"][index].as_object_mut() {
        match value {
            Some(v) => {
                rule.insert(key.to_string(), v);
            }
            None => {
                rule.remove(key);
            }
        }
    }
    doc
}

fn error(doc: &Value) -> InputError {
    match import_value("nsg.json", doc) {
        Ok(d) => panic!("expected an error, imported {}", d.describe()),
        Err(e) => e,
    }
}

fn path(e: &InputError) -> &str {
    match e.place() {
        Place::Path(p) => p,
        other => panic!("a path expected, got {other:?} ({e})"),
    }
}

#[track_caller]
fn assert_error(doc: Value, place: &str, message: &str) {
    let e = error(&doc);
    assert_eq!(e.source_name(), "nsg.json");
    assert_eq!(path(&e), place, "{e}");
    assert_eq!(e.message(), message, "{e}");
    assert_eq!(e.to_string(), format!("nsg.json: {place}: {message}"));
}

#[test]
fn the_base_document_imports() {
    let doc = import_value("nsg.json", &nsg()).unwrap();
    assert_eq!(
        doc.describe(),
        "az CLI NSG nsg-web: 2 rules + 6 default (added)"
    );
}

#[test]
fn bad_ports() {
    assert_error(
        nsg_with(1, "destinationPortRanges", Some(json!(["80", "70000"]))),
        "securityRules[1] (AllowWeb).destinationPortRanges[1]",
        "port '70000' is not a number from 0 to 65535 or a range A-B",
    );
    assert_error(
        nsg_with(0, "destinationPortRange", Some(json!("70000"))),
        "securityRules[0] (AllowSsh).destinationPortRange",
        "port '70000' is not a number from 0 to 65535 or a range A-B",
    );
    assert_error(
        nsg_with(0, "sourcePortRange", Some(json!("1024-"))),
        "securityRules[0] (AllowSsh).sourcePortRange",
        "port '1024-' is not a number from 0 to 65535 or a range A-B",
    );
    assert_error(
        nsg_with(0, "destinationPortRange", Some(json!("8080-80"))),
        "securityRules[0] (AllowSsh).destinationPortRange",
        "port range '8080-80' ends before it starts",
    );
    // Comma-separated strings are several entries; each is checked.
    assert_error(
        nsg_with(0, "destinationPortRange", Some(json!("22, 80, http"))),
        "securityRules[0] (AllowSsh).destinationPortRange",
        "port 'http' is not a number from 0 to 65535 or a range A-B",
    );
}

#[test]
fn bad_addresses() {
    assert_error(
        nsg_with(0, "sourceAddressPrefix", Some(json!("10.0.0.0/33"))),
        "securityRules[0] (AllowSsh).sourceAddressPrefix",
        "address prefix '10.0.0.0/33' is not a valid IP address or CIDR block",
    );
    assert_error(
        nsg_with(
            1,
            "destinationAddressPrefixes",
            Some(json!(["10.0.1.0/24", "10.0.300.0/24"])),
        ),
        "securityRules[1] (AllowWeb).destinationAddressPrefixes[1]",
        "address prefix '10.0.300.0/24' is not a valid IP address or CIDR block",
    );
    assert_error(
        nsg_with(0, "sourceAddressPrefix", Some(json!("my office"))),
        "securityRules[0] (AllowSsh).sourceAddressPrefix",
        "address prefix 'my office' is not an IP address, CIDR block or service tag name",
    );
    assert_error(
        nsg_with(
            0,
            "sourceApplicationSecurityGroups",
            Some(json!([{"name": "asg"}])),
        ),
        "securityRules[0] (AllowSsh).sourceApplicationSecurityGroups[0]",
        "an application security group reference needs an 'id', found an object",
    );
}

#[test]
fn bad_protocol_access_direction() {
    assert_error(
        nsg_with(0, "protocol", Some(json!("Tcpx"))),
        "securityRules[0] (AllowSsh).protocol",
        "protocol 'Tcpx' is not one of Tcp, Udp, Icmp, Esp, Ah, * (any)",
    );
    assert_error(
        nsg_with(0, "access", Some(json!("Permit"))),
        "securityRules[0] (AllowSsh).access",
        "access 'Permit' is not Allow or Deny",
    );
    assert_error(
        nsg_with(0, "access", Some(json!("AlwaysAllow"))),
        "securityRules[0] (AllowSsh).access",
        "access 'AlwaysAllow' is only valid in AVNM security admin rules; NSG rules are Allow or Deny",
    );
    assert_error(
        nsg_with(0, "direction", Some(json!("Sideways"))),
        "securityRules[0] (AllowSsh).direction",
        "direction 'Sideways' is not Inbound or Outbound",
    );
    assert_error(
        nsg_with(0, "protocol", Some(json!(6))),
        "securityRules[0] (AllowSsh).protocol",
        "protocol must be a string (one of Tcp, Udp, Icmp, Esp, Ah, * (any)), found a number '6'",
    );
}

#[test]
fn missing_fields() {
    for (key, expected) in [
        (
            "priority",
            "missing 'priority' (an integer from 100 to 4096)",
        ),
        ("direction", "missing 'direction' (Inbound or Outbound)"),
        ("access", "missing 'access' (Allow or Deny)"),
        (
            "protocol",
            "missing 'protocol' (one of Tcp, Udp, Icmp, Esp, Ah, * (any))",
        ),
    ] {
        assert_error(
            nsg_with(1, key, None),
            &format!("securityRules[1] (AllowWeb).{key}"),
            expected,
        );
        // null and "" are missing too.
        let e = error(&nsg_with(1, key, Some(Value::Null)));
        assert_eq!(e.message(), expected);
    }
    assert_error(
        nsg_with(0, "name", None),
        "securityRules[0]",
        "the rule has no 'name'",
    );
}

#[test]
fn priorities() {
    assert_error(
        nsg_with(0, "priority", Some(json!("high"))),
        "securityRules[0] (AllowSsh).priority",
        "priority 'high' is not an integer",
    );
    assert_error(
        nsg_with(0, "priority", Some(json!(100.5))),
        "securityRules[0] (AllowSsh).priority",
        "priority '100.5' is not an integer",
    );
    for bad in [99, 4097, 65000] {
        assert_error(
            nsg_with(0, "priority", Some(json!(bad))),
            "securityRules[0] (AllowSsh).priority",
            &format!("priority '{bad}' is outside 100-4096, the range of NSG security rules"),
        );
    }
    assert_error(
        nsg_with(0, "priority", Some(json!(-1))),
        "securityRules[0] (AllowSsh).priority",
        "priority '-1' is outside 100-4096, the range of NSG security rules",
    );
    // A string of digits is accepted.
    assert!(import_value("nsg.json", &nsg_with(0, "priority", Some(json!("4096")))).is_ok());
}

#[test]
fn duplicate_priorities_name_both_rules() {
    assert_error(
        nsg_with(1, "priority", Some(json!(100))),
        "securityRules[1] (AllowWeb).priority",
        "rules 'AllowSsh' (securityRules[0] (AllowSsh)) and 'AllowWeb' both have priority 100 \
         for Inbound traffic; priorities must be unique per direction in an NSG",
    );
    // The same priority in the other direction is fine.
    let mut doc = nsg_with(1, "priority", Some(json!(100)));
    doc["securityRules"][1]["direction"] = json!("Outbound");
    assert!(import_value("nsg.json", &doc).is_ok());
    // User and default rules share the space.
    let mut doc = nsg();
    doc["defaultSecurityRules"] = json!([{"name": "DenyAllInBound", "priority": 110, "direction": "Inbound",
        "access": "Deny", "protocol": "*", "sourceAddressPrefix": "*", "sourcePortRange": "*",
        "destinationAddressPrefix": "*", "destinationPortRange": "*"}]);
    assert_error(
        doc,
        "defaultSecurityRules[0] (DenyAllInBound).priority",
        "rules 'AllowWeb' (securityRules[1] (AllowWeb)) and 'DenyAllInBound' both have priority \
         110 for Inbound traffic; priorities must be unique per direction in an NSG",
    );
}

#[test]
fn default_rules_keep_their_priorities_and_aliases() {
    let mut doc = nsg();
    doc["defaultSecurityRules"] = json!([
        {"name": "DefaultInboundDenyAll", "priority": 65500, "direction": "Inbound", "access": "Deny",
         "protocol": "*", "sourceAddressPrefix": "*", "sourcePortRange": "*",
         "destinationAddressPrefix": "*", "destinationPortRange": "*"}
    ]);
    let doc = import_value("nsg.json", &doc).unwrap();
    assert_eq!(
        doc.describe(),
        "az CLI NSG nsg-web: 2 rules + 6 default (5 added)"
    );
    let Content::Nsg(nsg) = doc.content() else {
        panic!()
    };
    let names: Vec<&str> = nsg.rules[2..].iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "DefaultInboundDenyAll",
            "AllowVnetInBound",
            "AllowAzureLoadBalancerInBound",
            "AllowVnetOutBound",
            "AllowInternetOutBound",
            "DenyAllOutBound"
        ]
    );
}

#[test]
fn wrong_types() {
    assert_error(
        json!({"name": "n", "securityRules": {"a": 1}}),
        "securityRules",
        "expected a list of security rules, found an object",
    );
    assert_error(
        json!({"name": "n", "securityRules": [42]}),
        "securityRules[0]",
        "expected a security rule object, found a number",
    );
    assert_error(
        nsg_with(0, "sourcePortRanges", Some(json!([{"from": 1}]))),
        "securityRules[0] (AllowSsh).sourcePortRanges[0]",
        "expected a string or a list of strings, found an object",
    );
}

#[test]
fn powershell_depth_truncation_says_how_to_fix_it() {
    let doc = json!({"Name": "ps", "SecurityRules": [{"Name": "r", "Priority": 100, "Direction": "Inbound",
        "Access": "Allow", "Protocol": "Tcp",
        "SourceAddressPrefix": "System.Collections.Generic.List`1[System.String]"}]});
    assert_error(
        doc,
        "SecurityRules[0] (r).SourceAddressPrefix",
        "'System.Collections.Generic.List`1[System.String]' is a PowerShell type name, not a \
         value: ConvertTo-Json stopped at its default depth of 2; run the command again with \
         `| ConvertTo-Json -Depth 10`",
    );
}

#[test]
fn arm_expressions_that_cannot_be_evaluated() {
    let template = json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"prio": {"type": "int"}},
        "resources": [{"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01",
            "name": "nsg", "properties": {"securityRules": [{"name": "r", "properties": {
                "priority": "[parameters('prio')]", "direction": "Inbound", "access": "Allow",
                "protocol": "Tcp", "destinationPortRange": "22"}}]}}]
    });
    let e = error(&template);
    assert_eq!(path(&e), "resources[0] (nsg).securityRules[0] (r).priority");
    assert!(e.message().starts_with(
        "priority '[parameters('prio')]' is an ARM template expression that cannot be evaluated offline"
    ), "{e}");
    // A copy loop cannot be expanded.
    let copy = json!({"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01",
        "name": "nsg", "properties": {"copy": [{"name": "securityRules", "count": 3, "input": {}}]}});
    let e = error(&copy);
    assert_eq!(path(&e), "properties.copy", "{e}");
    assert!(
        e.message()
            .starts_with("the NSG's rules come from an ARM copy loop"),
        "{e}"
    );
}

fn admin(rules: Value) -> Value {
    json!({ "value": rules })
}

fn admin_rule(name: &str, rc: &str, priority: Value) -> Value {
    json!({
        "id": format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkManagers/nm/securityAdminConfigurations/cfg/ruleCollections/{rc}/rules/{name}"),
        "name": name, "type": "Microsoft.Network/networkManagers/securityAdminConfigurations/ruleCollections/rules",
        "kind": "Custom",
        "properties": {"priority": priority, "direction": "Inbound", "access": "Deny", "protocol": "Tcp",
            "sources": [{"addressPrefix": "*", "addressPrefixType": "IPPrefix"}], "destinations": [],
            "sourcePortRanges": [], "destinationPortRanges": ["22"]}
    })
}

#[test]
fn admin_rule_priorities() {
    for bad in [0, 4097] {
        assert_error(
            admin(json!([admin_rule("a", "rc", json!(bad))])),
            "value[0] (a).priority",
            &format!("priority '{bad}' is outside 1-4096, the range of security admin rules"),
        );
    }
    assert!(import_value("a.json", &admin(json!([admin_rule("a", "rc", json!(1))]))).is_ok());
    // Unique per direction within a collection; the same priority in another collection is fine.
    assert_error(
        admin(json!([
            admin_rule("a", "rc1", json!(10)),
            admin_rule("b", "rc1", json!(10))
        ])),
        "value[1] (b).priority",
        "rules 'a' (value[0] (a)) and 'b' both have priority 10 for Inbound traffic in rule \
         collection rc1; priorities must be unique per direction in a rule collection",
    );
    assert!(import_value(
        "a.json",
        &admin(json!([
            admin_rule("a", "rc1", json!(10)),
            admin_rule("b", "rc2", json!(10))
        ]))
    )
    .is_ok());
}

#[test]
fn admin_rule_values() {
    let mut r = admin_rule("a", "rc", json!(10));
    r["properties"]["access"] = json!("Permit");
    assert_error(
        admin(json!([r])),
        "value[0] (a).access",
        "access 'Permit' is not Allow, Deny or AlwaysAllow",
    );
    let mut r = admin_rule("a", "rc", json!(10));
    r["properties"]["destinationPortRanges"] = json!(["65536"]);
    assert_error(
        admin(json!([r])),
        "value[0] (a).destinationPortRanges[0]",
        "port '65536' is not a number from 0 to 65535 or a range A-B",
    );
    let mut r = admin_rule("a", "rc", json!(10));
    r["properties"]["sources"] =
        json!([{"addressPrefix": "10.0.0.0/33", "addressPrefixType": "IPPrefix"}]);
    assert_error(
        admin(json!([r])),
        "value[0] (a).sources[0].addressPrefix",
        "address prefix '10.0.0.0/33' is not a valid IP address or CIDR block",
    );
    let mut r = admin_rule("a", "rc", json!(10));
    r["properties"]["sources"] = json!([{"addressPrefixType": "IPPrefix"}]);
    assert_error(
        admin(json!([r])),
        "value[0] (a).sources[0].addressPrefix",
        "missing 'addressPrefix'",
    );
}

#[test]
fn not_inputs_and_unknown_documents() {
    let e = error(&json!({"access": "Deny", "ruleName": "securityRules/DenyRdp"}));
    assert_eq!(e.place(), &Place::Whole);
    assert!(e.message().starts_with("this is the result of IP flow verify (access 'Deny', ruleName 'securityRules/DenyRdp'), not an input"), "{e}");
    let e = error(
        &json!({"targetResourceId": "/x/vm1", "direction": "Inbound", "protocol": "TCP",
        "localIPAddress": "10.0.0.4", "localPort": "80", "remoteIPAddress": "1.2.3.4", "remotePort": "5000"}),
    );
    assert!(
        e.message()
            .starts_with("this is an IP flow verify request, not an input"),
        "{e}"
    );
    let e = error(&json!({"version": 1, "subnetNsg": {}, "flows": []}));
    assert!(
        e.message().starts_with("this is a FlowVerify scenario"),
        "{e}"
    );
    let e = error(
        &json!({"name": "vnet1", "type": "Microsoft.Network/virtualNetworks", "properties": {}}),
    );
    assert_eq!(
        e.message(),
        "expected a network security group, AVNM security admin rules, effective security rules, \
         a network interface or service tags, but this is a 'Microsoft.Network/virtualNetworks' resource (vnet1)"
    );
    let e = error(&json!({"foo": 1, "bar": [2]}));
    assert!(
        e.message()
            .ends_with("but found an object with keys bar, foo")
            || e.message()
                .ends_with("but found an object with keys foo, bar"),
        "{e}"
    );
    let e = error(&json!("just a string"));
    assert!(
        e.message().ends_with("but found a string 'just a string'"),
        "{e}"
    );
    // A bare empty list says nothing (`{"value": []}` is the empty effective admin rules list).
    let e = error(&json!([]));
    assert_eq!(e.message(), "the list is empty: there is nothing to import");
    let mixed =
        json!([nsg(), {"name": "nic", "ipConfigurations": [{"privateIPAddress": "10.0.0.4"}]}]);
    let e = error(&mixed);
    assert_eq!(e.message(), "the list mixes different things: item 0 is a network security group and item 1 is a network interface");
}

#[test]
fn admin_rules_of_several_configurations() {
    let mut b = admin_rule("b", "rc", json!(11));
    b["id"] =
        json!("/x/networkManagers/nm/securityAdminConfigurations/cfg2/ruleCollections/rc/rules/b");
    let e = error(&admin(json!([admin_rule("a", "rc", json!(10)), b])));
    assert_eq!(e.place(), &Place::Whole);
    assert_eq!(
        e.message(),
        "the document holds rules of 2 security admin configurations (cfg, cfg2); paste the rules \
         of each configuration as its own admin rules input, highest scope first"
    );
}

#[test]
fn effective_rules_errors() {
    let doc = json!({"value": [{"networkSecurityGroup": {"id": "/x/networkSecurityGroups/n"},
        "association": {"subnet": {"id": "/x/subnets/s"}},
        "effectiveSecurityRules": [{"name": "securityRules/r", "protocol": "Tcp", "sourcePortRange": "0-65535",
            "destinationPortRange": "80-80", "sourceAddressPrefix": "0.0.0.0/0", "destinationAddressPrefix": "Internet",
            "expandedDestinationAddressPrefix": ["1.0.0.0/8", "bogus"], "access": "Allow", "priority": 100, "direction": "Outbound"}]}]});
    assert_error(
        doc.clone(),
        "value[0].effectiveSecurityRules[0] (r).expandedDestinationAddressPrefix[1]",
        "expanded prefix 'bogus' is not a valid IP address or CIDR block",
    );
    // Effective rules take priorities as given (1-65535), but not beyond.
    let mut ok = doc.clone();
    ok["value"][0]["effectiveSecurityRules"][0]["expandedDestinationAddressPrefix"] = json!(null);
    ok["value"][0]["effectiveSecurityRules"][0]["priority"] = json!(65001);
    assert!(import_value("e.json", &ok).is_ok());
    ok["value"][0]["effectiveSecurityRules"][0]["priority"] = json!(70000);
    let e = error(&ok);
    assert_eq!(
        e.message(),
        "priority '70000' is outside 1-65535, the range of rules"
    );
}

#[test]
fn network_interface_errors() {
    assert_error(
        json!({"name": "nic1", "ipConfigurations": [{"name": "c", "privateIPAddress": "10.0.0.256"}]}),
        "ipConfigurations[0].privateIPAddress",
        "private IP address '10.0.0.256' is not an IP address",
    );
    let several = json!([
        {"name": "nic1", "ipConfigurations": [{"privateIPAddress": "10.0.0.4"}]},
        {"name": "nic2", "ipConfigurations": [{"privateIPAddress": "10.0.0.5"}]}
    ]);
    let e = error(&several);
    assert_eq!(
        e.message(),
        "the document holds 2 network interfaces (nic1, nic2); paste one of them, e.g. the output \
         of `az network nic show -g RESOURCE-GROUP -n nic1`"
    );
}

#[test]
fn service_tags_errors() {
    assert_error(
        json!({"changeNumber": 1, "cloud": "Public", "values": [{"name": "Sql", "properties": {"addressPrefixes": ["13.66.0.0/99"]}}]}),
        "values[0] (Sql).addressPrefixes[0]",
        "address prefix '13.66.0.0/99' is not a valid IP address or CIDR block",
    );
}
