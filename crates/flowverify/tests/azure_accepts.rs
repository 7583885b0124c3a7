//! The rulings of `docs/semantics.md`, Inputs Azure accepts, and inputs it never produces: never
//! refuse a document Azure produced, never answer confidently from one Azure would not have
//! produced. One test per ruling, on documents written for it (the real-world shapes among them: a
//! bare-number prefix NSG, an empty effective admin rules list, a flow port `*`).

use flowverify::import::{import, import_value, Content, Document, Shape};
use flowverify::model::AddressEntry;
use flowverify::scenario::Scenario;
use flowverify::verdict::{Condition, Field, NoteKind};
use flowverify::{verify, Decision, Flow, Inputs, Layer, Place, Slot, Verdict};
use serde_json::{json, Value};

/// An NSG (REST shape) holding `rules`, each a rule's `properties` plus `name`.
fn nsg(name: &str, rules: Vec<Value>) -> Value {
    let rules: Vec<Value> = rules
        .into_iter()
        .map(|mut r| {
            let name = r["name"].take();
            if let Some(o) = r.as_object_mut() {
                o.remove("name");
            }
            json!({"name": name, "properties": r})
        })
        .collect();
    json!({"name": name, "type": "Microsoft.Network/networkSecurityGroups",
           "properties": {"securityRules": rules}})
}

/// A user rule's properties: inbound, Tcp, any source port.
fn rule(name: &str, priority: u32, access: &str, source: &str, port: &str) -> Value {
    json!({"name": name, "priority": priority, "direction": "Inbound", "access": access,
           "protocol": "Tcp", "sourceAddressPrefix": source, "sourcePortRange": "*",
           "destinationAddressPrefix": "*", "destinationPortRange": port})
}

fn imported(value: &Value) -> Document {
    import_value("nsg.json", value).unwrap_or_else(|e| panic!("should import: {e}"))
}

fn inputs_with(slot: Slot, doc: Document) -> Inputs {
    let mut inputs = Inputs::new();
    inputs.add(slot, doc).unwrap();
    inputs
}

fn inbound(local: &str, remote: &str) -> Flow {
    Flow::parse("Inbound", "Tcp", local, remote).unwrap()
}

fn error_message(value: &Value) -> String {
    match import_value("nsg.json", value) {
        Ok(d) => panic!("expected an error, imported {}", d.describe()),
        Err(e) => e.to_string(),
    }
}

fn has_warning(verdict: &Verdict, phrase: &str) -> bool {
    verdict.warnings.iter().any(|w| w.text().contains(phrase))
}

#[test]
fn bare_number_prefixes_are_accepted_and_make_a_dependent_verdict_uncertain() {
    // Azure accepted and stored prefixes such as "789": accept, match nothing, say uncertain.
    let doc = imported(&nsg(
        "nsg-numbers",
        vec![
            rule("DenyOdd", 100, "Deny", "789", "22"),
            rule("AllowSsh", 200, "Allow", "*", "22"),
        ],
    ));
    let warnings = doc.warnings();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("securityRules[0] (DenyOdd)")
                && w.contains("'789' is a bare number")),
        "{warnings:?}"
    );
    let inputs = inputs_with(Slot::NicNsg, doc);

    // Port 22: DenyOdd would decide if 789 covered the source; the Allow is uncertain.
    let v = verify(&inputs, &inbound("10.0.1.4:22", "203.0.113.9:5000"));
    assert_eq!(v.access, Decision::Allow);
    assert_eq!(v.rule_name.as_deref(), Some("securityRules/AllowSsh"));
    assert!(v.uncertain);
    assert!(
        has_warning(&v, "'789' is a bare number"),
        "{:?}",
        v.warnings
    );
    let row = &v.trace[0].rules[0];
    use Condition::{Holds, Unknown};
    assert_eq!(row.conditions, [Holds, Unknown, Holds, Holds, Holds]);
    // In the result object: `unknown` lists it, and its flag is false.
    let json = flowverify::ffi::result(&v);
    let first = &json["trace"][0]["rules"][0];
    assert_eq!(first["unknown"], json!(["source"]));
    assert_eq!(first["sourceMatched"], false);
    assert!(
        !row.warnings.is_empty(),
        "the rule read with a warning is marked"
    );

    // Port 80: DenyOdd fails on its port anyway, so nothing is uncertain.
    let v = verify(&inputs, &inbound("10.0.1.4:80", "203.0.113.9:5000"));
    assert!(!v.uncertain, "{:?}", v.warnings);
}

#[test]
fn malformed_addresses_and_ip_ranges_stay_errors() {
    for bad in ["10.0.0.300/24", "10.0.0.0/33", "300.1.1.1"] {
        let e = error_message(&nsg("n", vec![rule("R", 100, "Allow", bad, "22")]));
        assert!(e.contains("is not a valid IP address or CIDR block"), "{e}");
    }
    let e = error_message(&nsg(
        "n",
        vec![rule("R", 100, "Allow", "10.0.0.1-10.0.0.6", "22")],
    ));
    assert!(
        e.ends_with(
            "address prefix '10.0.0.1-10.0.0.6' is an IP range; NSG and admin rules take IP \
             addresses, CIDR blocks or service tags, not ranges: write it as 10.0.0.1/32, \
             10.0.0.2/31, 10.0.0.4/31, 10.0.0.6/32"
        ),
        "{e}"
    );
    assert!(
        e.contains("securityRules[0] (R).sourceAddressPrefix: "),
        "{e}"
    );
}

#[test]
fn host_bits_are_cleared_with_a_warning_and_a_slash_zero_typo_matches_everything() {
    let doc = imported(&nsg(
        "n",
        vec![
            rule("HostBits", 100, "Deny", "10.0.0.5/24", "22"),
            rule("SlashZero", 200, "Deny", "192.0.2.7/0", "23"),
        ],
    ));
    let warnings = doc.warnings();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("'10.0.0.5/24' has host bits set: Azure reads it as 10.0.0.0/24")),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().any(
            |w| w.contains("'192.0.2.7/0' is a /0: it matches every address")
                && w.contains("192.0.2.7/32")
        ),
        "{warnings:?}"
    );
    let inputs = inputs_with(Slot::NicNsg, doc);
    let v = verify(&inputs, &inbound("10.0.1.4:22", "10.0.0.200:5000"));
    assert_eq!(v.rule_name.as_deref(), Some("securityRules/HostBits"));
    assert!(has_warning(&v, "has host bits set"));
    let v = verify(&inputs, &inbound("10.0.1.4:23", "198.51.100.1:5000"));
    assert_eq!(v.rule_name.as_deref(), Some("securityRules/SlashZero"));
    assert!(has_warning(&v, "is a /0"));
}

#[test]
fn a_list_in_a_single_value_field_is_read_as_the_list_with_a_warning() {
    let doc = imported(&nsg(
        "n",
        vec![rule("AllowWebAndRdp", 100, "Allow", "*", "80,3389")],
    ));
    let warnings = doc.warnings();
    assert!(
        warnings.iter().any(|w| w.contains(
            "destinationPortRange '80,3389' holds a comma-separated list: read as the list; \
             Azure expects one value in destinationPortRange and a list in destinationPortRanges"
        )),
        "{warnings:?}"
    );
    let inputs = inputs_with(Slot::NicNsg, doc);
    for port in [80, 3389] {
        let v = verify(
            &inputs,
            &inbound(&format!("10.0.1.4:{port}"), "203.0.113.9:5000"),
        );
        assert_eq!(v.rule_name.as_deref(), Some("securityRules/AllowWebAndRdp"));
    }
    // A list in a list field is Azure's own form: no warning.
    let mut plural = rule("R", 100, "Allow", "*", "80");
    plural["destinationPortRange"] = Value::Null;
    plural["destinationPortRanges"] = json!(["80", "3389"]);
    assert!(imported(&nsg("n", vec![plural])).warnings().is_empty());
}

fn admin_document(rule_properties: Value) -> Value {
    json!({"value": [{
        "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkManagers/nm/securityAdminConfigurations/cfg/ruleCollections/rc/rules/BlockRdp",
        "name": "BlockRdp", "type": "Microsoft.Network/networkManagers/securityAdminConfigurations/ruleCollections/rules",
        "kind": "Custom", "properties": rule_properties }]})
}

#[test]
fn misspelt_admin_rule_properties_are_warned_on_every_verdict_that_considers_the_rule() {
    // `destinationPortRange` (singular) and `source` are not admin rule properties: ignored,
    // so the rule denies every port from everywhere - never silently.
    let doc = import_value(
        "admin.json",
        &admin_document(json!({
            "priority": 10, "direction": "Inbound", "access": "Deny", "protocol": "Tcp",
            "source": [{"addressPrefix": "Internet", "addressPrefixType": "ServiceTag"}],
            "destinations": [], "sourcePortRanges": [], "destinationPortRange": "3389"})),
    )
    .unwrap();
    let warnings = doc.warnings();
    let singular = warnings
        .iter()
        .find(|w| w.contains("'destinationPortRange' is not a property of a security admin rule"))
        .unwrap_or_else(|| panic!("{warnings:?}"));
    assert!(
        singular.contains("did you mean 'destinationPortRanges'?"),
        "{singular}"
    );
    assert!(singular.contains("(BlockRdp)"), "{singular}");
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("'source' is not a property") && w.contains("'sources'")),
        "{warnings:?}"
    );
    let mut inputs = inputs_with(Slot::AdminRules, doc);
    inputs
        .add(
            Slot::NicNsg,
            imported(&nsg("n", vec![rule("AllowWeb", 100, "Allow", "*", "443")])),
        )
        .unwrap();
    let v = verify(&inputs, &inbound("10.0.1.4:443", "10.9.9.9:5000"));
    assert_eq!(v.access, Decision::Deny);
    assert_eq!(v.decided_by.layer, Layer::Admin);
    assert!(has_warning(&v, "'destinationPortRange' is not a property"));
    assert!(!v.trace[0].rules[0].warnings.is_empty());
    // Outbound flows never consider the inbound rule: no warning about it.
    let out = Flow::parse("Outbound", "Tcp", "10.0.1.4:5000", "10.9.9.9:443").unwrap();
    assert!(!has_warning(&verify(&inputs, &out), "is not a property"));
}

#[test]
fn duplicate_keys_are_input_errors_naming_the_key_and_both_places() {
    let text = "{\"name\": \"n\", \"properties\": {\"securityRules\": [\n  {\"name\": \"R\", \"properties\": {\"priority\": 100, \"direction\": \"Inbound\",\n    \"access\": \"Deny\",\n    \"access\": \"Allow\", \"protocol\": \"Tcp\", \"sourceAddressPrefix\": \"*\", \"sourcePortRange\": \"*\", \"destinationAddressPrefix\": \"*\", \"destinationPortRange\": \"22\"}}]}}";
    let e = import("nsg.json", text).unwrap_err();
    assert!(
        matches!(e.place(), Place::LineColumn { line: 4, .. }),
        "{e}"
    );
    assert!(
        e.message().starts_with(
            "property 'access' is given twice in the object at properties.securityRules[0].properties"
        ),
        "{e}"
    );
    // Spellings that differ only in case are the same property here.
    let e = import(
        "nsg.json",
        r#"{"name": "n", "securityRules": [], "SecurityRules": []}"#,
    )
    .unwrap_err();
    assert!(e.message().contains("again as 'SecurityRules'"), "{e}");
    // Also in a value built by a script (no text, so no line: the path).
    let e = import_value(
        "nsg.json",
        &json!({"name": "n", "a": {"Access": 1, "access": 2}}),
    )
    .unwrap_err();
    assert_eq!(e.place(), &Place::Path("a".into()));
    // A scenario's second `flows` would make `check` vacuous: refused.
    let e = Scenario::from_json(
        "s.json",
        r#"{"version": 1, "flows": [{"direction": "Inbound", "protocol": "Tcp", "local": "10.0.0.4:22", "remote": "10.0.0.5:1", "expect": "Deny"}], "flows": []}"#,
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("property 'flows' is given twice"),
        "{e}"
    );
}

#[test]
fn edited_and_extra_default_rules_are_evaluated_as_given_with_a_warning() {
    let mut doc = nsg("n", vec![rule("AllowWeb", 100, "Allow", "*", "443")]);
    doc["properties"]["defaultSecurityRules"] = json!([
        {"name": "DenyAllInBound", "properties": {"priority": 65500, "direction": "Inbound",
         "access": "Allow", "protocol": "*", "sourceAddressPrefix": "*", "sourcePortRange": "*",
         "destinationAddressPrefix": "*", "destinationPortRange": "*"}},
        {"name": "AllowEverythingInBound", "properties": {"priority": 65400, "direction": "Inbound",
         "access": "Allow", "protocol": "*", "sourceAddressPrefix": "*", "sourcePortRange": "*",
         "destinationAddressPrefix": "*", "destinationPortRange": "*"}}
    ]);
    let doc = imported(&doc);
    let warnings = doc.warnings();
    assert!(
        warnings.iter().any(|w| w.contains(
            "default rule DenyAllInBound differs from Azure's: access Allow (Azure's: Deny)"
        )),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().any(|w| w.contains(
            "'AllowEverythingInBound' is listed as a default rule, but Azure has no such default rule"
        )),
        "{warnings:?}"
    );
    let inputs = inputs_with(Slot::NicNsg, doc);
    let v = verify(&inputs, &inbound("10.0.1.4:22", "203.0.113.9:5000"));
    assert_eq!(v.access, Decision::Allow, "evaluated as given");
    assert!(has_warning(&v, "is listed as a default rule"));
    // Azure's own defaults give no warning.
    let plain = imported(&nsg("n", vec![rule("AllowWeb", 100, "Allow", "*", "443")]));
    assert!(plain.warnings().is_empty(), "{:?}", plain.warnings());
}

#[test]
fn documents_beyond_azures_limits_are_evaluated_with_a_warning() {
    let rules: Vec<Value> = (0..1001)
        .map(|i| rule(&format!("R{i}"), 100 + i, "Allow", "*", "443"))
        .collect();
    let doc = imported(&nsg("big", rules));
    assert!(
        doc.document_warnings()
            .iter()
            .any(|w| w.contains("NSG 'big' has 1001 security rules; Azure allows at most 1000")),
        "{:?}",
        doc.document_warnings()
    );
    let inputs = inputs_with(Slot::NicNsg, doc);
    let v = verify(&inputs, &inbound("10.0.1.4:443", "203.0.113.9:5000"));
    assert!(has_warning(&v, "has 1001 security rules"));

    let prefixes: Vec<String> = (0..4001)
        .map(|i| format!("10.{}.{}.0/24", i / 256, i % 256))
        .collect();
    let mut wide = rule("Wide", 100, "Allow", "*", "443");
    wide["sourceAddressPrefix"] = Value::Null;
    wide["sourceAddressPrefixes"] = json!(prefixes);
    let w = imported(&nsg("n", vec![wide])).warnings();
    assert!(
        w.iter()
            .any(|w| w.contains("4001 source address prefixes; Azure allows at most 4000")),
        "{w:?}"
    );

    let asgs: Vec<Value> = (0..11)
        .map(|i| json!({"id": format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/applicationSecurityGroups/asg{i}")}))
        .collect();
    let mut many = rule("ManyAsgs", 100, "Allow", "*", "443");
    many["destinationAddressPrefix"] = Value::Null;
    many["destinationApplicationSecurityGroups"] = json!(asgs);
    let w = imported(&nsg("n", vec![many])).warnings();
    assert!(
        w.iter()
            .any(|w| w.contains("names 11 application security groups; Azure allows at most 10")),
        "{w:?}"
    );
}

#[test]
fn duplicate_rule_names_are_errors_naming_both() {
    let e = error_message(&nsg(
        "n",
        vec![
            rule("AllowWeb", 100, "Allow", "*", "443"),
            rule("allowweb", 200, "Deny", "*", "80"),
        ],
    ));
    assert!(
        e.contains("two rules are named 'AllowWeb': securityRules[0] (AllowWeb) and securityRules[1] (allowweb)"),
        "{e}"
    );
    // Admin rules: unique within a rule collection.
    let rule_in = |collection: &str, priority: u32| {
        json!({"id": format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkManagers/nm/securityAdminConfigurations/cfg/ruleCollections/{collection}/rules/DenyRdp"),
               "name": "DenyRdp", "kind": "Custom",
               "properties": {"priority": priority, "direction": "Inbound", "access": "Deny", "protocol": "Tcp",
                              "sources": [], "destinations": [], "sourcePortRanges": [], "destinationPortRanges": ["3389"]}})
    };
    let ok = import_value(
        "a.json",
        &json!({"value": [rule_in("rc1", 10), rule_in("rc2", 20)]}),
    );
    assert!(ok.is_ok(), "{ok:?}");
    let e = import_value(
        "a.json",
        &json!({"value": [rule_in("rc1", 10), rule_in("rc1", 20)]}),
    )
    .unwrap_err();
    assert!(
        e.message()
            .contains("two rules are named 'DenyRdp' in rule collection rc1"),
        "{e}"
    );
}

#[test]
fn an_empty_effective_admin_rules_list_means_no_admin_rule_applies() {
    let doc = import("admin.json", r#"{"skipToken": "", "value": []}"#).unwrap();
    assert!(matches!(doc.shape(), Shape::EffectiveAdminRules(_)));
    assert!(
        doc.describe().contains("no admin rule applies"),
        "{}",
        doc.describe()
    );
    let Content::AdminRules(cfg) = doc.content() else {
        panic!("admin rules expected")
    };
    assert!(cfg.rules.is_empty());
    let mut inputs = inputs_with(Slot::AdminRules, doc);
    inputs
        .add(
            Slot::NicNsg,
            imported(&nsg("n", vec![rule("AllowWeb", 100, "Allow", "*", "443")])),
        )
        .unwrap();
    let v = verify(&inputs, &inbound("10.0.1.4:443", "203.0.113.9:5000"));
    assert_eq!(v.rule_name.as_deref(), Some("securityRules/AllowWeb"));
    assert_eq!(v.decided_by.layer, Layer::Nic);
}

#[test]
fn a_flow_port_star_matches_only_rules_that_cover_every_port() {
    let inputs = inputs_with(
        Slot::NicNsg,
        imported(&nsg(
            "n",
            vec![
                rule("DenySsh", 100, "Deny", "*", "22"),
                rule("AllowAll", 200, "Allow", "*", "*"),
            ],
        )),
    );
    let flow = inbound("10.0.1.4:*", "203.0.113.9:5000");
    assert_eq!(flow.local().to_string(), "10.0.1.4:*");
    let v = verify(&inputs, &flow);
    assert_eq!(v.rule_name.as_deref(), Some("securityRules/AllowAll"));
    assert!(v.uncertain, "DenySsh applies to some of the ports");
    assert!(
        has_warning(&v, "the flow's destination port is * (any port), and rule securityRules/DenySsh covers only destination ports 22"),
        "{:?}",
        v.warnings
    );
    let row = &v.trace[0].rules[0];
    assert_eq!(row.condition(Field::DestinationPort), Condition::Unknown);
    let json = flowverify::ffi::result(&v);
    assert_eq!(
        json["trace"][0]["rules"][0]["unknown"],
        json!(["destinationPort"])
    );
    assert_eq!(
        json["trace"][0]["rules"][0]["destinationPortMatched"],
        false
    );
    assert_eq!(json["flow"]["destination"], "10.0.1.4:*");
    // A deny that covers every port decides, certainly.
    let all = inputs_with(
        Slot::NicNsg,
        imported(&nsg(
            "n",
            vec![rule("DenyAll", 100, "Deny", "*", "0-65535")],
        )),
    );
    let v = verify(&all, &flow);
    assert_eq!((v.access, v.uncertain), (Decision::Deny, false));
    // Portless protocols take no port, not even `*`.
    assert!(Flow::parse("Inbound", "Icmp", "10.0.1.4:*", "10.0.0.5").is_err());
}

#[test]
fn a_target_without_nsgs_is_allowed_with_a_note_that_azure_answers_nsgs_not_applied() {
    let v = verify(&Inputs::new(), &inbound("10.0.1.4:22", "203.0.113.9:5000"));
    assert_eq!(v.access, Decision::Allow);
    assert!(
        v.notes
            .iter()
            .any(|n| n.kind() == NoteKind::NsgsNotApplied
                && n.text().contains("NsgsNotAppliedOnNic")),
        "{:?}",
        v.notes
    );
    let with_nsg = inputs_with(
        Slot::SubnetNsg,
        imported(&nsg("n", vec![rule("AllowWeb", 100, "Allow", "*", "443")])),
    );
    assert!(
        verify(&with_nsg, &inbound("10.0.1.4:22", "203.0.113.9:5000"))
            .notes
            .is_empty()
    );
}

#[test]
fn an_arm_deployment_request_body_imports_its_template_with_the_given_parameters() {
    let body = json!({"properties": {"mode": "Incremental",
        "parameters": {"sshSource": {"value": "198.51.100.0/24"}},
        "template": {
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0",
            "parameters": {"sshSource": {"type": "string", "defaultValue": "10.0.0.0/8"}},
            "resources": [{"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01",
                "name": "nsg-deployed", "location": "westeurope",
                "properties": {"securityRules": [{"name": "AllowSsh", "properties": {
                    "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
                    "sourceAddressPrefix": "[parameters('sshSource')]", "sourcePortRange": "*",
                    "destinationAddressPrefix": "*", "destinationPortRange": "22"}}]}}]}}});
    let doc = import_value("deploy.json", &body).unwrap();
    let Content::Nsg(nsg) = doc.content() else {
        panic!("an NSG expected: {}", doc.describe())
    };
    assert_eq!(nsg.name, "nsg-deployed");
    let ssh = nsg.rules.iter().find(|r| r.name == "AllowSsh").unwrap();
    assert_eq!(ssh.source.to_string(), "198.51.100.0/24");
    // A linked template cannot be read offline: said precisely.
    let linked = json!({"properties": {"mode": "Incremental", "templateLink": {"uri": "https://example.org/t.json"}}});
    let e = import_value("deploy.json", &linked).unwrap_err();
    assert!(e.message().contains("template is linked"), "{e}");
}

#[test]
fn avnm_security_user_configurations_are_named_for_what_they_are() {
    let user = json!({"value": [{
        "id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkManagers/nm/securityUserConfigurations/cfg/ruleCollections/rc/rules/r1",
        "name": "r1", "type": "Microsoft.Network/networkManagers/securityUserConfigurations/ruleCollections/rules",
        "properties": {"protocol": "Tcp", "direction": "Inbound", "sources": [], "destinations": [],
                       "sourcePortRanges": [], "destinationPortRanges": ["22"]}}]});
    let e = import_value("user.json", &user).unwrap_err();
    assert!(
        e.message().contains("AVNM security user configuration"),
        "{e}"
    );
    assert!(e.message().contains("evaluates them as NSG rules"), "{e}");
}

#[test]
fn long_values_are_clipped_in_every_message() {
    let word = "T".repeat(1_000_000);
    let doc = imported(&nsg(
        "n",
        vec![rule("AllowTagged", 100, "Allow", &word, "443")],
    ));
    let inputs = inputs_with(Slot::NicNsg, doc);
    let v = verify(&inputs, &inbound("10.0.1.4:443", "203.0.113.9:5000"));
    assert!(v.uncertain);
    let about_the_word = v
        .warnings
        .iter()
        .map(|w| w.text())
        .chain(v.trace[0].rules[0].reason.as_deref())
        .filter(|t| t.contains("TTTT"));
    assert_eq!(about_the_word.clone().count(), 2);
    for text in about_the_word {
        assert!(text.len() < 1_000, "{} bytes", text.len());
        assert!(text.contains("(1000000 characters)"), "{text}");
    }
    let e = error_message(&nsg(
        "n",
        vec![rule("R", 100, "Allow", "*", &"9".repeat(5000))],
    ));
    assert!(e.len() < 1_000 && e.contains("(5000 characters)"), "{e}");
    assert!(matches!(
        AddressEntry::parse(&word),
        Some(AddressEntry::Tag(_))
    ));
}
