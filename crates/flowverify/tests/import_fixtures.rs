//! Every document in `tests/data/azure-rest-api-specs` (verbatim `x-ms-examples` files of the Azure REST API
//! specs) imports with the rules it holds, or, when it is not an input, says so.

use std::path::{Path, PathBuf};

use flowverify::import::{import, Content, Document, Origin, Shape, TagsFormat};
use flowverify::model::{Access, AddressEntry, Direction, Nsg, Protocol, RuleKind, RuleProtocol};
use flowverify::{InputError, Place};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/azure-rest-api-specs")
}

fn load(name: &str) -> Result<Document, InputError> {
    let path = fixtures_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()));
    import(name, &text)
}

/// The fixtures that are inputs, and those that are not (with a phrase their error must hold).
const INPUTS: &[&str] = &[
    "NetworkInterfaceEffectiveNSGList.2024-07-01.json",
    "NetworkManagerAdminRuleGet.2024-05-01.json",
    "NetworkManagerAdminRuleList.2024-07-01.json",
    "NetworkManagerEffectiveSecurityAdminRulesList.2024-07-01.json",
    "NetworkSecurityGroupGet.2024-05-01.json",
    "ServiceTagsList.2024-05-01.json",
];
const NOT_INPUTS: &[(&str, &str)] = &[
    (
        "NetworkWatcherIpFlowVerify.2024-07-01.json",
        "this is the result of IP flow verify (access 'Allow', ruleName 'Rule1'), not an input",
    ),
    (
        "NetworkWatcherNetworkConfigurationDiagnostic.2024-05-01.json",
        "this is the result of NSG diagnostics",
    ),
    (
        "docs-excerpt.az-network-watcher-run-configuration-diagnostic.output.json",
        "this is the result of NSG diagnostics",
    ),
    (
        "NetworkManagerAdminRuleCollectionGet.2024-07-01.json",
        "this is a security admin rule collection testRuleCollection, which holds no rules; paste its rules instead",
    ),
];

#[test]
fn every_fixture_is_classified_here() {
    let mut found: Vec<String> = std::fs::read_dir(fixtures_dir())
        .expect("the fixtures directory")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    found.sort();
    let mut listed: Vec<String> = INPUTS
        .iter()
        .map(|s| s.to_string())
        .chain(NOT_INPUTS.iter().map(|(s, _)| s.to_string()))
        .collect();
    listed.sort();
    assert_eq!(
        found, listed,
        "a fixture was added or removed: classify it here"
    );
}

#[test]
fn every_input_fixture_imports() {
    for name in INPUTS {
        let doc = load(name).unwrap_or_else(|e| panic!("{name} should import: {e}"));
        assert_eq!(doc.source(), *name);
        assert!(
            matches!(
                doc.shape(),
                Shape::Nsg(Origin::RestExample)
                    | Shape::AdminRules(Origin::RestExample)
                    | Shape::EffectiveAdminRules(Origin::RestExample)
                    | Shape::EffectiveRules(Origin::RestExample)
                    | Shape::ServiceTags(_)
            ),
            "{name}: {:?}",
            doc.shape()
        );
    }
}

#[test]
fn non_input_fixtures_say_what_they_are() {
    for (name, phrase) in NOT_INPUTS {
        let err = load(name).expect_err(name);
        assert_eq!(err.source_name(), *name);
        assert_eq!(err.place(), &Place::Whole, "{name}");
        assert!(
            err.message().starts_with(phrase),
            "{name}: {}",
            err.message()
        );
    }
}

fn names(nsg: &Nsg) -> Vec<(RuleKind, &str)> {
    nsg.rules
        .iter()
        .map(|r| (r.kind, r.name.as_str()))
        .collect()
}

const DEFAULT_NAMES: [&str; 6] = [
    "AllowVnetInBound",
    "AllowAzureLoadBalancerInBound",
    "DenyAllInBound",
    "AllowVnetOutBound",
    "AllowInternetOutBound",
    "DenyAllOutBound",
];

#[test]
fn network_security_group_get() {
    let doc = load("NetworkSecurityGroupGet.2024-05-01.json").unwrap();
    assert_eq!(
        doc.describe(),
        "REST example NSG testnsg: 1 rule + 6 default"
    );
    let Content::Nsg(nsg) = doc.content() else {
        panic!("not an NSG")
    };
    assert_eq!(nsg.name, "testnsg");
    let mut expected = vec![(RuleKind::User, "rule1")];
    expected.extend(DEFAULT_NAMES.iter().map(|n| (RuleKind::Default, *n)));
    assert_eq!(names(nsg), expected);
    let rule1 = &nsg.rules[0];
    assert_eq!(rule1.priority, 130);
    assert_eq!(rule1.direction, Direction::Inbound);
    assert_eq!(rule1.access, Access::Allow);
    assert_eq!(rule1.protocol, RuleProtocol::Any);
    assert_eq!(rule1.destination_ports.to_string(), "80");
    assert_eq!(rule1.source.entries(), &[AddressEntry::Any]);
    let deny = &nsg.rules[3];
    assert_eq!((deny.priority, deny.access), (65500, Access::Deny));
    assert_eq!(
        nsg.rules[1].source.entries(),
        &[AddressEntry::Tag("VirtualNetwork".into())]
    );
}

#[test]
fn effective_nsg_list() {
    let doc = load("NetworkInterfaceEffectiveNSGList.2024-07-01.json").unwrap();
    assert_eq!(
        doc.describe(),
        "effective rules of nic1: subnet and NIC NSG test-nsg (3 rules)"
    );
    let Content::EffectiveRules(eff) = doc.content() else {
        panic!("not effective rules")
    };
    // The entry names networkManager, subnet and networkInterface with NSG rules only: the NSG
    // is evaluated at both levels, and there are no admin rules.
    assert!(eff.admin.is_none());
    assert!(eff.tag_map.is_empty());
    let subnet = eff.subnet.as_ref().expect("subnet layer");
    let nic = eff.nic.as_ref().expect("nic layer");
    assert_eq!(subnet, nic);
    assert_eq!(subnet.name, "test-nsg");
    let given = [
        (RuleKind::User, "rule1"),
        (RuleKind::User, "default-allow-rdp"),
        (RuleKind::Default, "AllowInternetOutBound"),
    ];
    assert_eq!(names(subnet)[..3], given[..]);
    // The five other defaults are added.
    assert_eq!(subnet.rules.len(), 8);
    let mut added: Vec<&str> = subnet.rules[3..].iter().map(|r| r.name.as_str()).collect();
    added.sort();
    let mut expected: Vec<&str> = DEFAULT_NAMES
        .iter()
        .copied()
        .filter(|n| *n != "AllowInternetOutBound")
        .collect();
    expected.sort();
    assert_eq!(added, expected);

    let rule1 = &subnet.rules[0];
    assert_eq!(rule1.priority, 234);
    assert_eq!(rule1.protocol, RuleProtocol::Only(Protocol::Tcp));
    assert_eq!(rule1.source_ports.to_string(), "456");
    assert_eq!(rule1.destination_ports.to_string(), "6579");
    assert_eq!(rule1.source.to_string(), "0.0.0.0");
    let rdp = &subnet.rules[1];
    assert_eq!(rdp.destination.entries(), &[AddressEntry::Any]);
    assert!(rdp.source_ports.covers_all());
    let internet = &subnet.rules[2];
    assert_eq!(internet.protocol, RuleProtocol::Any);
    match internet.destination.entries() {
        [AddressEntry::Expanded { label, prefixes }] => {
            assert_eq!(label, "Internet");
            let shown: Vec<String> = prefixes.iter().map(ToString::to_string).collect();
            assert_eq!(shown, ["32.0.0.0/3", "4.0.0.0/6", "2.0.0.0/7", "1.0.0.0/8"]);
        }
        other => panic!("expanded destination expected, got {other:?}"),
    }
}

fn admin_rules(doc: &Document) -> &flowverify::model::AdminConfiguration {
    match doc.content() {
        Content::AdminRules(cfg) => cfg,
        other => panic!("admin rules expected, got {other:?}"),
    }
}

#[test]
fn admin_rule_get_and_list() {
    for name in [
        "NetworkManagerAdminRuleGet.2024-05-01.json",
        "NetworkManagerAdminRuleList.2024-07-01.json",
    ] {
        let doc = load(name).unwrap();
        assert_eq!(
            doc.shape(),
            Shape::AdminRules(Origin::RestExample),
            "{name}"
        );
        assert_eq!(
            doc.describe(),
            "REST example AVNM admin rules myTestSecurityConfig: 1 rule in 1 collection"
        );
        let cfg = admin_rules(&doc);
        assert_eq!(cfg.name, "myTestSecurityConfig");
        assert_eq!(cfg.rules.len(), 1);
        let r = &cfg.rules[0];
        assert_eq!(r.name, "SampleAdminRule");
        assert_eq!(r.kind, RuleKind::Admin);
        assert_eq!(r.collection.as_deref(), Some("testRuleCollection"));
        assert_eq!(
            (r.priority, r.direction, r.access),
            (1, Direction::Inbound, Access::Deny)
        );
        assert_eq!(r.protocol, RuleProtocol::Only(Protocol::Tcp));
        assert_eq!(r.source.entries(), &[AddressEntry::Any]);
        assert_eq!(r.destination.entries(), &[AddressEntry::Any]);
        assert!(r.source_ports.covers_all());
        assert_eq!(r.destination_ports.to_string(), "22");
        assert_eq!(r.reported_name(), "securityAdminRules/SampleAdminRule");
    }
}

#[test]
fn effective_security_admin_rules_list() {
    let doc = load("NetworkManagerEffectiveSecurityAdminRulesList.2024-07-01.json").unwrap();
    assert_eq!(doc.shape(), Shape::EffectiveAdminRules(Origin::RestExample));
    assert_eq!(
        doc.describe(),
        "REST example AVNM effective admin rules myTestSecurityConfig: 1 rule in 1 collection"
    );
    let cfg = admin_rules(&doc);
    assert_eq!(cfg.rules.len(), 1);
    let r = &cfg.rules[0];
    // A `kind: Default` rule is imported like any other.
    assert_eq!(r.name, "SampleAdminRule");
    assert_eq!(r.collection.as_deref(), Some("testRuleCollection"));
    assert_eq!((r.priority, r.access), (1, Access::Deny));
    assert_eq!(r.destination_ports.to_string(), "22");
}

#[test]
fn service_tags_discovery_api() {
    let doc = load("ServiceTagsList.2024-05-01.json").unwrap();
    assert_eq!(doc.shape(), Shape::ServiceTags(TagsFormat::DiscoveryApi));
    assert_eq!(doc.describe(), "service tags (Public, 5 tags)");
    let Content::ServiceTags(tags) = doc.content() else {
        panic!("not tags")
    };
    let names: Vec<&str> = tags.names().collect();
    assert_eq!(
        names,
        [
            "ApiManagement",
            "ApiManagement.AustraliaCentral",
            "AppService",
            "ServiceBus",
            "ServiceBus.EastUS2"
        ]
    );
    assert_eq!(tags.get("apimanagement").map(<[_]>::len), Some(3));
    assert_eq!(tags.get("ServiceBus.EastUS2").map(<[_]>::len), Some(2));
}
