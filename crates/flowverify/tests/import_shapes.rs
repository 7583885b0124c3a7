//! Every input shape, from hand-written documents in `tests/data/import/` shaped like what
//! `az`, PowerShell, ARM templates and the REST API emit.

use std::net::IpAddr;
use std::path::Path;

use flowverify::import::{import, import_value, Content, Document, Origin, Shape, TagsFormat};
use flowverify::model::{
    Access, AddressEntry, AdminConfiguration, Direction, EffectiveRules, NetworkInterface, Nsg,
    Protocol, Rule, RuleKind, RuleProtocol,
};
use flowverify::{Inputs, Place, Slot};

fn text(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/import")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn load(name: &str) -> Document {
    import(name, &text(name)).unwrap_or_else(|e| panic!("{name} should import: {e}"))
}

fn nsg(doc: &Document) -> &Nsg {
    match doc.content() {
        Content::Nsg(n) => n,
        other => panic!("an NSG expected, got {other:?}"),
    }
}

fn admin(doc: &Document) -> &AdminConfiguration {
    match doc.content() {
        Content::AdminRules(a) => a,
        other => panic!("admin rules expected, got {other:?}"),
    }
}

fn rule<'a>(rules: &'a [Rule], name: &str) -> &'a Rule {
    rules
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no rule {name}"))
}

fn user_names(nsg: &Nsg) -> Vec<&str> {
    nsg.rules
        .iter()
        .filter(|r| r.kind == RuleKind::User)
        .map(|r| r.name.as_str())
        .collect()
}

fn defaults(nsg: &Nsg) -> usize {
    nsg.rules
        .iter()
        .filter(|r| r.kind == RuleKind::Default)
        .count()
}

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

#[test]
fn az_nsg_show_with_empty_null_and_list_fields() {
    let doc = load("az-nsg-show.json");
    assert_eq!(doc.shape(), Shape::Nsg(Origin::AzCli));
    assert_eq!(doc.describe(), "az CLI NSG nsg-web: 4 rules + 6 default");
    let nsg = nsg(&doc);
    assert_eq!(nsg.name, "nsg-web");
    assert_eq!(
        user_names(nsg),
        [
            "AllowHttpsFromInternet",
            "AllowSshFromBastion",
            "AllowDnsOut",
            "DenyRdp"
        ]
    );
    assert_eq!(defaults(nsg), 6);
    assert_eq!(nsg.rules.len(), 10);

    // destinationAddressPrefix null + an ASG; destinationPortRange null + plural ports.
    let https = rule(&nsg.rules, "AllowHttpsFromInternet");
    assert_eq!(
        https.source.entries(),
        &[AddressEntry::Tag("Internet".into())]
    );
    assert_eq!(
        https.destination.entries(),
        &[AddressEntry::Asg("asg-web".into())]
    );
    assert_eq!(https.destination_ports.to_string(), "443,8443");
    assert_eq!(https.protocol, RuleProtocol::Only(Protocol::Tcp));
    // sourceAddressPrefix "" + plural prefixes.
    let ssh = rule(&nsg.rules, "AllowSshFromBastion");
    assert_eq!(ssh.source.to_string(), "10.0.250.0/26, 10.0.251.0/26");
    assert_eq!(ssh.destination.to_string(), "VirtualNetwork");
    let dns = rule(&nsg.rules, "AllowDnsOut");
    assert_eq!(dns.direction, Direction::Outbound);
    assert_eq!(dns.destination.to_string(), "168.63.129.16, 10.0.0.4");
    let rdp = rule(&nsg.rules, "DenyRdp");
    assert_eq!(
        (rdp.priority, rdp.access, rdp.protocol),
        (4096, Access::Deny, RuleProtocol::Any)
    );
    let deny_all = rule(&nsg.rules, "DenyAllOutBound");
    assert_eq!(
        deny_all.reported_name(),
        "defaultSecurityRules/DenyAllOutBound"
    );
}

#[test]
fn az_nsg_rule_list_is_one_nsg_with_defaults_added() {
    let doc = load("az-nsg-rule-list.json");
    assert_eq!(
        doc.describe(),
        "az CLI NSG nsg-web: 4 rules + 6 default (added)"
    );
    let nsg = nsg(&doc);
    assert_eq!(nsg.name, "nsg-web", "named after the rules' ids");
    // The same rules as `az network nsg show`, and the same defaults.
    let shown = load("az-nsg-show.json");
    assert_eq!(nsg.rules, self::nsg(&shown).rules);
}

#[test]
fn several_nsgs_are_an_error_that_says_how_to_pick_one() {
    let err = import("az-nsg-list.json", &text("az-nsg-list.json")).unwrap_err();
    assert_eq!(err.place(), &Place::Whole);
    assert_eq!(
        err.message(),
        "the document holds 3 network security groups (nsg-web, nsg-db, nsg-app); paste one of \
         them, e.g. the output of `az network nsg show -g rg-web -n nsg-web`"
    );
    let err = import("arm-several-nsgs.json", &text("arm-several-nsgs.json")).unwrap_err();
    assert!(
        err.message()
            .starts_with("the document holds 3 network security groups (nsg-a, nsg-b, nsg-c)"),
        "{err}"
    );
    // `{value: [...]}` with several, and a list of exactly one, which is fine.
    let list: serde_json::Value = serde_json::from_str(&text("az-nsg-list.json")).unwrap();
    let wrapped = serde_json::json!({ "value": list });
    assert!(import_value("w.json", &wrapped)
        .unwrap_err()
        .message()
        .contains("3 network security groups"));
    let one = serde_json::json!({ "value": [list[1].clone()] });
    let doc = import_value("one.json", &one).unwrap();
    assert_eq!(self::nsg(&doc).name, "nsg-db");
}

#[test]
fn powershell_nsg() {
    let doc = load("powershell-nsg.json");
    assert_eq!(doc.shape(), Shape::Nsg(Origin::PowerShell));
    assert_eq!(doc.describe(), "PowerShell NSG nsg-ps: 3 rules + 6 default");
    let nsg = nsg(&doc);
    assert_eq!(
        user_names(nsg),
        ["AllowHttp", "AllowSqlFromApp", "DenyIcmpOut"]
    );
    let http = rule(&nsg.rules, "AllowHttp");
    assert_eq!(http.destination.to_string(), "10.1.0.0/24, 10.1.1.0/24");
    assert_eq!(http.destination_ports.to_string(), "80,8080-8090");
    assert!(http.source_ports.covers_all());
    let sql = rule(&nsg.rules, "AllowSqlFromApp");
    assert_eq!(
        sql.destination.entries(),
        &[AddressEntry::Asg("asg-sql".into())]
    );
    let icmp = rule(&nsg.rules, "DenyIcmpOut");
    assert_eq!(icmp.protocol, RuleProtocol::Only(Protocol::Icmp));
    assert_eq!(icmp.direction, Direction::Outbound);
}

#[test]
fn arm_template_inline_child_and_nested_rules() {
    let doc = load("arm-nsg-template.json");
    assert_eq!(doc.shape(), Shape::Nsg(Origin::ArmTemplate));
    assert_eq!(
        doc.describe(),
        "ARM template NSG nsg-arm: 5 rules + 6 default (added)"
    );
    let nsg = nsg(&doc);
    assert_eq!(nsg.name, "nsg-arm", "the name parameter's defaultValue");
    assert_eq!(
        user_names(nsg),
        [
            "Tests-Ranges",
            "Web-to-Db",
            "AllowSshFromBastion",
            "DenyTelnet",
            "AllowHttpsOut"
        ]
    );
    let ranges = rule(&nsg.rules, "Tests-Ranges");
    assert_eq!(ranges.source.to_string(), "10.0.0.0/16, 10.1.0.0/16");
    assert_eq!(ranges.source_ports.to_string(), "80,81");
    assert_eq!(ranges.destination_ports.to_string(), "90,91");
    // ASGs named inside ARM expressions, directly and through a variable.
    let web_to_db = rule(&nsg.rules, "Web-to-Db");
    assert_eq!(
        web_to_db.source.entries(),
        &[AddressEntry::Asg("asg-web".into())]
    );
    assert_eq!(
        web_to_db.destination.entries(),
        &[AddressEntry::Asg("asg-db".into())]
    );
    // A priority and a prefix list from parameters and variables.
    let ssh = rule(&nsg.rules, "AllowSshFromBastion");
    assert_eq!(ssh.priority, 150);
    assert_eq!(ssh.source.to_string(), "10.0.250.0/26, 10.0.251.0/26");
    // A nested child resource and a top-level child resource named with format().
    assert_eq!(
        rule(&nsg.rules, "DenyTelnet").destination_ports.to_string(),
        "23"
    );
    let out = rule(&nsg.rules, "AllowHttpsOut");
    assert_eq!((out.direction, out.priority), (Direction::Outbound, 200));
}

#[test]
fn arm_child_rules_alone_make_one_nsg() {
    let doc = load("arm-nsg-child-rules-only.json");
    assert_eq!(
        doc.describe(),
        "ARM template NSG nsg-existing: 2 rules + 6 default (added)"
    );
    let nsg = nsg(&doc);
    assert_eq!(user_names(nsg), ["AllowHttp", "DenyFtp"]);
    assert_eq!(
        rule(&nsg.rules, "DenyFtp").destination_ports.to_string(),
        "20-21"
    );
}

#[test]
fn az_admin_rules_of_two_collections_form_one_configuration() {
    let doc = load("az-admin-rules.json");
    assert_eq!(doc.shape(), Shape::AdminRules(Origin::AzCli));
    assert_eq!(
        doc.describe(),
        "az CLI AVNM admin rules cfg-corp: 4 rules in 2 collections"
    );
    let cfg = admin(&doc);
    assert_eq!(cfg.name, "cfg-corp");
    let got: Vec<(&str, Option<&str>, u32)> = cfg
        .rules
        .iter()
        .map(|r| (r.name.as_str(), r.collection.as_deref(), r.priority))
        .collect();
    assert_eq!(
        got,
        [
            ("DenyHighRiskPortsInbound", Some("rc-high-risk"), 10),
            ("DenySshFromInternet", Some("rc-high-risk"), 20),
            ("AlwaysAllowMonitoring", Some("rc-exceptions"), 5),
            ("DenySshFromInternet", Some("rc-exceptions"), 20),
        ]
    );
    assert!(cfg.rules.iter().all(|r| r.kind == RuleKind::Admin));
    let high_risk = &cfg.rules[0];
    assert_eq!(
        high_risk.destination_ports.to_string(),
        "20-21,23,135,445,3389"
    );
    assert_eq!(
        high_risk.source.entries(),
        &[AddressEntry::Tag("Internet".into())]
    );
    assert!(
        high_risk.source_ports.ranges().is_empty(),
        "empty list = any"
    );
    let monitoring = &cfg.rules[2];
    assert_eq!(monitoring.access, Access::AlwaysAllow);
    assert_eq!(monitoring.protocol, RuleProtocol::Any);
    assert_eq!(monitoring.source.to_string(), "10.200.0.0/24, 10.200.1.10");
    assert_eq!(
        monitoring.destination.entries(),
        &[AddressEntry::NetworkGroup("ng-prod".into())]
    );
    assert!(
        cfg.rules[1].destination.entries().is_empty(),
        "empty destinations = any"
    );
}

#[test]
fn powershell_admin_rule() {
    let doc = load("powershell-admin-rule.json");
    assert_eq!(doc.shape(), Shape::AdminRules(Origin::PowerShell));
    assert_eq!(
        doc.describe(),
        "PowerShell AVNM admin rules cfg-corp: 1 rule in 1 collection"
    );
    let r = &admin(&doc).rules[0];
    assert_eq!(r.name, "DenyRdp");
    assert_eq!(r.collection.as_deref(), Some("rc-high-risk"));
    assert_eq!(r.source.entries(), &[AddressEntry::Any]);
    assert_eq!(
        r.destination.entries(),
        &[AddressEntry::Tag("VirtualNetwork".into())]
    );
    assert_eq!((r.priority, r.access), (30, Access::Deny));
}

#[test]
fn arm_admin_rules() {
    let doc = load("arm-admin-rules.json");
    assert_eq!(doc.shape(), Shape::AdminRules(Origin::ArmTemplate));
    assert_eq!(
        doc.describe(),
        "ARM template AVNM admin rules cfg-arm: 3 rules in 2 collections"
    );
    let cfg = admin(&doc);
    let got: Vec<(&str, Option<&str>)> = cfg
        .rules
        .iter()
        .map(|r| (r.name.as_str(), r.collection.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            ("DenyRdpFromInternet", Some("rc-deny")),
            ("AllowRdpFromJumpHosts", Some("rc-allow")),
            ("AllowIcmpOut", Some("rc-allow")),
        ]
    );
    let icmp = &cfg.rules[2];
    assert!(icmp.source.entries().is_empty() && icmp.destination.entries().is_empty());
    assert_eq!(icmp.protocol, RuleProtocol::Only(Protocol::Icmp));
}

#[test]
fn a_rule_collection_alone_holds_no_rules() {
    let err = import("rc.json", &text("az-rule-collection.json")).unwrap_err();
    assert_eq!(err.place(), &Place::Whole);
    assert!(err.message().starts_with(
        "this is a security admin rule collection rc-high-risk, which holds no rules; paste its rules instead"
    ), "{err}");
}

fn effective(doc: &Document) -> &EffectiveRules {
    match doc.content() {
        Content::EffectiveRules(e) => e,
        other => panic!("effective rules expected, got {other:?}"),
    }
}

#[test]
fn az_effective_rules_with_expanded_prefixes_admin_and_tag_map() {
    let doc = load("az-effective-rules.json");
    assert_eq!(doc.shape(), Shape::EffectiveRules(Origin::Rest));
    assert_eq!(
        doc.describe(),
        "effective rules of nic-web-01: admin nm-corp (2 rules), subnet NSG nsg-snet-web (8 \
         rules), NIC NSG nsg-nic-web-01 (7 rules), tag map (3 tags)"
    );
    let eff = effective(&doc);
    let admin = eff.admin.as_ref().expect("admin layer");
    assert_eq!(admin.name, "nm-corp");
    let names: Vec<&str> = admin.rules.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["DenyHighRiskPortsInbound", "AlwaysAllowMonitoring"]);
    assert_eq!(admin.rules[1].access, Access::AlwaysAllow);

    let subnet = eff.subnet.as_ref().expect("subnet layer");
    assert_eq!(subnet.name, "nsg-snet-web");
    assert_eq!(
        subnet.rules.len(),
        8,
        "the six defaults were there: none added"
    );
    let https = rule(&subnet.rules, "AllowHttpsFromInternet");
    assert_eq!(https.kind, RuleKind::User);
    assert_eq!(https.destination_ports.to_string(), "443");
    match https.source.entries() {
        [AddressEntry::Expanded { label, prefixes }] => {
            assert_eq!(label, "Internet");
            assert_eq!(prefixes.len(), 21);
        }
        other => panic!("expanded source expected, got {other:?}"),
    }
    let ssh = rule(&subnet.rules, "AllowSshFromBastion");
    assert_eq!(ssh.source.to_string(), "10.0.250.0/26, 10.0.251.0/26");
    match ssh.destination.entries() {
        [AddressEntry::Expanded { label, prefixes }] => {
            assert_eq!(label, "VirtualNetwork");
            assert_eq!(prefixes.len(), 2);
        }
        other => panic!("expanded destination expected, got {other:?}"),
    }
    let deny_all = rule(&subnet.rules, "DenyAllInBound");
    assert_eq!(deny_all.kind, RuleKind::Default);
    assert_eq!(deny_all.destination.entries(), &[AddressEntry::Any]);

    let nic = eff.nic.as_ref().expect("nic layer");
    assert_eq!(nic.name, "nsg-nic-web-01");
    assert_eq!(
        rule(&nic.rules, "DenyOutboundSmtp")
            .destination_ports
            .to_string(),
        "25"
    );

    let mut tags: Vec<&str> = eff.tag_map.iter().map(|(t, _)| t.as_str()).collect();
    tags.sort();
    assert_eq!(tags, ["AzureLoadBalancer", "Internet", "VirtualNetwork"]);

    // The tag map feeds the inputs' service tags.
    let mut inputs = Inputs::new();
    inputs.add(Slot::EffectiveRules, doc.clone()).unwrap();
    assert_eq!(
        inputs.service_tags.get("internet").map(<[_]>::len),
        Some(21)
    );
    assert_eq!(
        inputs.subnet_layer().map(|n| n.name.as_str()),
        Some("nsg-snet-web")
    );
}

#[test]
fn powershell_effective_rules() {
    let doc = load("powershell-effective-rules.json");
    assert_eq!(doc.shape(), Shape::EffectiveRules(Origin::PowerShell));
    let eff = effective(&doc);
    assert!(eff.subnet.is_none() && eff.admin.is_none());
    let nic = eff.nic.as_ref().expect("nic layer");
    assert_eq!(nic.name, "nsg-ps");
    assert_eq!(nic.rules.len(), 7, "2 given + 5 defaults added");
    let web = rule(&nic.rules, "AllowWeb");
    assert_eq!(web.destination_ports.to_string(), "80");
    let vnet = rule(&nic.rules, "AllowVnetInBound");
    assert_eq!(vnet.kind, RuleKind::Default);
    assert!(matches!(
        vnet.source.entries(),
        [AddressEntry::Expanded { .. }]
    ));
    assert!(matches!(vnet.destination.entries(), [AddressEntry::Tag(_)]));
}

fn nic(doc: &Document) -> &NetworkInterface {
    match doc.content() {
        Content::NetworkInterface(n) => n,
        other => panic!("a network interface expected, got {other:?}"),
    }
}

#[test]
fn network_interfaces() {
    let doc = load("rest-nic.json");
    assert_eq!(doc.shape(), Shape::NetworkInterface(Origin::Rest));
    assert_eq!(
        doc.describe(),
        "network interface nic-web-01: 10.0.1.4, fd00:db8:deca::4, ASGs asg-web, asg-monitored"
    );
    let n = nic(&doc);
    assert_eq!(n.ips, [ip("10.0.1.4"), ip("fd00:db8:deca::4")]);
    assert_eq!(
        n.asgs,
        [
            (
                "asg-web".to_string(),
                vec![ip("10.0.1.4"), ip("fd00:db8:deca::4")]
            ),
            ("asg-monitored".to_string(), vec![ip("10.0.1.4")]),
        ]
    );

    let doc = load("az-nic-show.json");
    assert_eq!(doc.shape(), Shape::NetworkInterface(Origin::AzCli));
    assert_eq!(
        doc.describe(),
        "network interface nic-db-01: 10.0.2.4, ASGs asg-db"
    );
    let mut inputs = Inputs::new();
    inputs.add(Slot::Nic, doc).unwrap();
    assert_eq!(inputs.asg_members("ASG-DB"), Some(vec![ip("10.0.2.4")]));
}

#[test]
fn service_tags_download_format() {
    let doc = load("ServiceTags_Public_20250106.json");
    assert_eq!(doc.shape(), Shape::ServiceTags(TagsFormat::Download));
    assert_eq!(doc.describe(), "service tags (Public, 4 tags)");
    let Content::ServiceTags(tags) = doc.content() else {
        panic!("not tags")
    };
    assert_eq!(tags.get("Storage").map(<[_]>::len), Some(3));
    assert_eq!(tags.get("storage.westus").map(<[_]>::len), Some(2));
    assert_eq!(
        tags.get("AzureCloud.centralfrance").map(<[_]>::len),
        Some(2)
    );
    assert!(tags.get("Sql").is_none());
}

#[test]
fn property_names_in_any_case() {
    let doc = import(
        "shout.json",
        r#"{"NAME": "n", "SECURITYRULES": [{"NAME": "r", "PRIORITY": 100, "DIRECTION": "inbound",
            "ACCESS": "allow", "PROTOCOL": "TCP", "DESTINATIONPORTRANGE": "80"}]}"#,
    )
    .unwrap();
    let n = nsg(&doc);
    assert_eq!(n.rules[0].destination_ports.to_string(), "80");
    assert!(n.rules[0].source.entries().is_empty(), "nothing set = any");
}

#[test]
fn rest_nsg_body_without_envelope_and_single_rule_resource() {
    let fixture: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/data/azure-rest-api-specs/NetworkSecurityGroupGet.2024-05-01.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let body = &fixture["responses"]["200"]["body"];
    let doc = import_value("body.json", body).unwrap();
    assert_eq!(doc.describe(), "REST NSG testnsg: 1 rule + 6 default");
    let one_rule = &body["properties"]["securityRules"][0];
    let doc = import_value("rule.json", one_rule).unwrap();
    assert_eq!(
        doc.describe(),
        "REST NSG testnsg: 1 rule + 6 default (added)"
    );
}

#[test]
fn bicep_symbolic_resources_and_nested_deployment() {
    let template = serde_json::json!({
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "languageVersion": "2.0",
        "contentVersion": "1.0.0.0",
        "resources": {
            "deploy": {
                "type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "nsgs",
                "properties": {
                    "mode": "Incremental",
                    "expressionEvaluationOptions": {"scope": "inner"},
                    "parameters": {"name": {"value": "nsg-bicep"}},
                    "template": {
                        "parameters": {"name": {"type": "string"}},
                        "resources": [{
                            "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01",
                            "name": "[parameters('name')]",
                            "properties": {"securityRules": [{"name": "AllowWeb", "properties": {
                                "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
                                "sourceAddressPrefix": "*", "sourcePortRange": "*",
                                "destinationAddressPrefix": "*", "destinationPortRange": "443"}}]}
                        }]
                    }
                }
            }
        }
    });
    let doc = import_value("main.json", &template).unwrap();
    assert_eq!(
        doc.describe(),
        "ARM template NSG nsg-bicep: 1 rule + 6 default (added)"
    );
}

#[test]
fn an_expanded_zero_prefix_means_any_address_of_either_family() {
    let doc = import_value(
        "eff.json",
        &serde_json::json!({ "value": [ {
            "networkSecurityGroup": { "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg-v6" },
            "association": { "networkInterface": { "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/nic" } },
            "effectiveSecurityRules": [ {
                "name": "securityRules/AllowAnySource", "protocol": "All",
                "sourcePortRange": "0-65535", "destinationPortRange": "443-443",
                "sourceAddressPrefix": "0.0.0.0/0", "expandedSourceAddressPrefix": ["0.0.0.0/0"],
                "destinationAddressPrefix": "0.0.0.0/0",
                "access": "Allow", "priority": 100, "direction": "Inbound" } ] } ] }),
    )
    .unwrap();
    let eff = effective(&doc);
    let allow = rule(&eff.nic.as_ref().unwrap().rules, "AllowAnySource");
    assert!(allow.source.entries().is_empty(), "{:?}", allow.source);
}

#[test]
fn a_rule_that_sets_no_side_is_read_as_any_with_a_warning_every_verdict_repeats() {
    // `sourceAddressPrefixs` is misspelt: the rule sets no source at all, which Azure refuses.
    let doc = import_value(
        "nsg.json",
        &serde_json::json!({
            "type": "Microsoft.Network/networkSecurityGroups", "name": "nsg-typo",
            "properties": { "securityRules": [ { "name": "AllowPartner", "properties": {
                "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
                "sourceAddressPrefixs": ["198.51.100.0/24"], "sourcePortRange": "*",
                "destinationAddressPrefix": "*", "destinationPortRange": "443" } } ] }
        }),
    )
    .unwrap();
    assert_eq!(doc.warnings().len(), 2, "{:?}", doc.warnings());
    let misspelt = doc.warnings()[0].clone();
    assert!(
        misspelt.starts_with(
            "nsg.json: securityRules[0] (AllowPartner).properties: 'sourceAddressPrefixs' is not a property of an NSG security rule"
        ),
        "{misspelt}"
    );
    assert!(
        misspelt.contains("did you mean 'sourceAddressPrefixes'?"),
        "{misspelt}"
    );
    let warning = doc.warnings()[1].clone();
    assert!(
        warning.starts_with(
            "nsg.json: securityRules[0] (AllowPartner): the rule sets no source address"
        ),
        "{warning}"
    );
    assert!(warning.contains("sourceAddressPrefixes"), "{warning}");
    assert!(doc.document_warnings().is_empty());

    let mut inputs = Inputs::new();
    inputs.add(Slot::NicNsg, doc).unwrap();
    let flow =
        flowverify::Flow::parse("Inbound", "Tcp", "10.0.1.4:443", "203.0.113.9:5000").unwrap();
    let verdict = flowverify::verify(&inputs, &flow);
    assert_eq!(
        verdict.rule_name.as_deref(),
        Some("securityRules/AllowPartner")
    );
    assert!(
        verdict.warnings.iter().any(|w| w.text() == warning)
            && verdict.warnings.iter().any(|w| w.text() == misspelt),
        "{:?}",
        verdict.warnings
    );
    let row = &verdict.trace[0].rules[0];
    assert_eq!(row.warnings, [misspelt.clone(), warning.clone()]);
    // A verdict that does not consider the rule does not repeat its warnings.
    let outbound =
        flowverify::Flow::parse("Outbound", "Tcp", "10.0.1.4:443", "203.0.113.9:5000").unwrap();
    let verdict = flowverify::verify(&inputs, &outbound);
    assert!(
        !verdict.warnings.iter().any(|w| w.text() == warning),
        "{:?}",
        verdict.warnings
    );

    // Documents Azure tools print set every side: no warning.
    for name in [
        "az-nsg-show.json",
        "powershell-nsg.json",
        "arm-nsg-template.json",
    ] {
        assert!(
            load(name).warnings().is_empty(),
            "{name}: {:?}",
            load(name).warnings()
        );
    }
}
