//! Nothing panics on input: generated JSON built from Azure's vocabulary, mutated copies of
//! real documents, and cut-off text all give a document or an error that names its place.

use std::path::Path;

use flowverify::import::{import, import_value};
use flowverify::Place;
use proptest::prelude::*;
use serde_json::{Map, Value};

const KEYS: [&str; 48] = [
    "name",
    "id",
    "type",
    "kind",
    "apiVersion",
    "properties",
    "value",
    "values",
    "resources",
    "$schema",
    "contentVersion",
    "parameters",
    "variables",
    "securityRules",
    "defaultSecurityRules",
    "SecurityRules",
    "priority",
    "direction",
    "access",
    "protocol",
    "sourceAddressPrefix",
    "sourceAddressPrefixes",
    "destinationAddressPrefix",
    "destinationAddressPrefixes",
    "sourcePortRange",
    "sourcePortRanges",
    "destinationPortRange",
    "destinationPortRanges",
    "sourceApplicationSecurityGroups",
    "expandedSourceAddressPrefix",
    "sources",
    "destinations",
    "addressPrefix",
    "addressPrefixType",
    "effectiveSecurityRules",
    "association",
    "networkSecurityGroup",
    "subnet",
    "networkInterface",
    "networkManager",
    "tagMap",
    "ipConfigurations",
    "privateIPAddress",
    "applicationSecurityGroups",
    "changeNumber",
    "cloud",
    "responses",
    "body",
];

const TEXTS: [&str; 36] = [
    "",
    "*",
    "Any",
    "All",
    "Tcp",
    "udp",
    "Icmp",
    "Inbound",
    "outbound",
    "Allow",
    "Deny",
    "AlwaysAllow",
    "10.0.0.0/8",
    "10.0.0.0/33",
    "2001:db8::/32",
    "fd00::4",
    "0.0.0.0/0",
    "VirtualNetwork",
    "Internet",
    "80",
    "70000",
    "100-90",
    "1000-2000",
    "80, 443",
    "securityRules/x",
    "defaultSecurityRules/DenyAllInBound",
    "securityAdminRules/y",
    "[parameters('p')]",
    "[concat(parameters('n'), '/r')]",
    "[resourceId('a.b/c', 'x')]",
    "System.Collections.Generic.List`1[System.String]",
    "Microsoft.Network/networkSecurityGroups",
    "Microsoft.Network/networkSecurityGroups/securityRules",
    "Microsoft.Network/networkManagers/securityAdminConfigurations/ruleCollections/rules",
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/n",
    "IPPrefix",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-5i64..70000).prop_map(Value::from),
        (0.0f64..5000.0).prop_map(Value::from),
        proptest::sample::select(TEXTS.to_vec()).prop_map(|s| Value::String(s.to_string())),
        "[a-zA-Z0-9./*-]{0,12}".prop_map(Value::String),
    ]
}

fn key() -> impl Strategy<Value = String> {
    (proptest::sample::select(KEYS.to_vec()), any::<bool>()).prop_map(|(k, upper)| {
        if upper {
            k.to_ascii_uppercase()
        } else {
            k.to_string()
        }
    })
}

fn json() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key(), inner), 0..8)
                .prop_map(|entries| Value::Object(entries.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn documents() -> Vec<(String, String)> {
    let mut docs = Vec::new();
    let dirs = [
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/import"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/azure-rest-api-specs"),
    ];
    for dir in dirs {
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read the fixtures in {}: {e}", dir.display()));
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") {
                if let Ok(text) = std::fs::read_to_string(e.path()) {
                    docs.push((name, text));
                }
            }
        }
    }
    docs.sort();
    docs
}

/// Replaces the `pick`-th leaf or container (in walk order) of `doc` with `new`.
fn mutate(doc: &mut Value, pick: usize, new: Value) {
    fn walk(v: &mut Value, pick: usize, counter: &mut usize, new: &mut Option<Value>) {
        if new.is_none() {
            return;
        }
        if *counter == pick {
            if let Some(n) = new.take() {
                *v = n;
            }
            return;
        }
        *counter += 1;
        match v {
            Value::Array(items) => items.iter_mut().for_each(|i| walk(i, pick, counter, new)),
            Value::Object(map) => map.values_mut().for_each(|i| walk(i, pick, counter, new)),
            _ => {}
        }
    }
    let mut counter = 0;
    walk(doc, pick, &mut counter, &mut Some(new));
}

fn check_error(err: &flowverify::InputError) {
    assert!(!err.message().is_empty());
    let first = err.message().chars().next().unwrap_or('x');
    assert!(!first.is_ascii_uppercase(), "messages are lowercase: {err}");
    if let Place::Path(p) = err.place() {
        assert!(!p.is_empty(), "an empty path: {err}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn generated_documents_never_panic(doc in json()) {
        if let Err(e) = import_value("gen.json", &doc) {
            check_error(&e);
        }
    }

    #[test]
    fn mutated_real_documents_never_panic(which in any::<prop::sample::Index>(), pick in 0usize..400, new in json()) {
        let docs = documents();
        prop_assume!(!docs.is_empty());
        let (name, text) = &docs[which.index(docs.len())];
        let mut doc: Value = serde_json::from_str(text).unwrap();
        mutate(&mut doc, pick, new);
        if let Err(e) = import_value(name, &doc) {
            check_error(&e);
            prop_assert_eq!(e.source_name(), name.as_str());
        }
    }

    #[test]
    fn cut_off_text_gives_a_line_and_column(which in any::<prop::sample::Index>(), cut in any::<prop::sample::Index>()) {
        let docs = documents();
        prop_assume!(!docs.is_empty());
        let (name, text) = &docs[which.index(docs.len())];
        let mut at = cut.index(text.len().max(1));
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let cut_text = &text[..at];
        match import(name, cut_text) {
            Ok(_) => {}
            Err(e) => {
                check_error(&e);
                prop_assert!(
                    matches!(e.place(), Place::LineColumn { .. } | Place::Whole),
                    "a cut document is a syntax error or empty: {}", e
                );
            }
        }
    }
}
