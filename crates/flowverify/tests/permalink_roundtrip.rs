//! Permalinks through the public API: round trips of generated scenarios, bounded inflation,
//! encoding refused where decoding would refuse, no data after the zlib stream, and no panic on
//! any input.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use flowverify::permalink::{self, PermalinkError, MAX_INFLATED};
use flowverify::scenario::{Expectation, FlowSpec, Scenario};
use flowverify::{Decision, Layer};
use miniz_oxide::deflate::compress_to_vec_zlib;
use proptest::prelude::*;
use serde_json::Value;

/// Any JSON value without floats (whose text form need not round-trip bit for bit).
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A slot's document: any JSON but `null` (which means "not set").
fn document() -> impl Strategy<Value = Value> {
    json_value().prop_filter("a slot holds a document", |v| !v.is_null())
}

fn expectation() -> impl Strategy<Value = Expectation> {
    (
        prop_oneof![Just(Decision::Allow), Just(Decision::Deny)],
        prop::option::of(".{1,20}"),
        prop::option::of(prop_oneof![
            Just(Layer::Admin),
            Just(Layer::Subnet),
            Just(Layer::Nic),
            Just(Layer::None)
        ]),
    )
        .prop_map(|(access, rule_name, layer)| Expectation {
            access,
            rule_name,
            layer,
        })
}

fn flow_spec() -> impl Strategy<Value = FlowSpec> {
    (
        ".{0,10}",
        ".{0,10}",
        ".{0,24}",
        ".{0,24}",
        prop::option::of(expectation()),
    )
        .prop_map(|(direction, protocol, local, remote, expect)| FlowSpec {
            direction,
            protocol,
            local,
            remote,
            expect,
        })
}

prop_compose! {
    fn scenario()(
        title in prop::option::of(".{0,30}"),
        subnet_nsg in prop::option::of(document()),
        nic_nsg in prop::option::of(document()),
        admin_rules in prop::collection::vec(document(), 0..3),
        effective_rules in prop::option::of(document()),
        nic in prop::option::of(document()),
        service_tags in prop::option::of(document()),
        virtual_network in prop::collection::vec(".{0,18}", 0..3),
        asgs in prop::collection::btree_map(".{0,10}", prop::collection::vec(".{0,15}", 0..3), 0..3),
        flows in prop::collection::vec(flow_spec(), 0..4),
        with_baseline in any::<bool>(),
    ) -> Scenario {
        let mut s = Scenario {
            version: 1,
            title,
            subnet_nsg,
            nic_nsg,
            admin_rules,
            effective_rules,
            nic,
            service_tags,
            virtual_network,
            asgs: asgs.into_iter().collect::<BTreeMap<_, _>>(),
            flows,
            baseline: None,
        };
        // A baseline: the inputs of the scenario itself, as "Set as baseline" keeps them.
        if with_baseline {
            s.baseline = Some(Box::new(s.slots_only()));
        }
        s
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn encode_then_decode_gives_the_scenario_back(s in scenario()) {
        let fragment = permalink::encode(&s).unwrap();
        prop_assert!(fragment.starts_with("v1."));
        prop_assert!(fragment[3..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        prop_assert_eq!(permalink::decode(&fragment).unwrap(), s.clone());
        let link = permalink::url("https://example.org/flowverify/?x=1#stale", &s).unwrap();
        prop_assert_eq!(permalink::decode(&link).unwrap(), s.clone());
        // and the scenario's own JSON forms agree
        prop_assert_eq!(Scenario::from_json("s.json", &s.to_json_pretty()).unwrap(), s);
    }

    #[test]
    fn decode_never_panics_on_any_string(text in ".{0,200}") {
        let _ = permalink::decode(&text);
        let _ = permalink::decode(&format!("v1.{text}"));
        let _ = permalink::decode(&format!("https://example.org/#v1.{text}"));
    }

    #[test]
    fn decode_never_panics_on_base64url_noise(text in "[A-Za-z0-9_-]{0,300}") {
        // Noise is never a valid zlib stream of a scenario.
        let result = permalink::decode(&format!("#v1.{text}"));
        prop_assert!(result.is_err());
    }

    #[test]
    fn decode_never_panics_on_any_zlib_payload(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let payload = URL_SAFE_NO_PAD.encode(compress_to_vec_zlib(&bytes, 6));
        match permalink::decode(&format!("v1.{payload}")) {
            Ok(_) | Err(PermalinkError::NotUtf8(_)) | Err(PermalinkError::NotAScenario(_)) => {}
            Err(other) => prop_assert!(false, "a valid zlib stream gave {other:?}"),
        }
    }

    #[test]
    fn bytes_after_the_stream_are_refused(s in scenario(), extra in prop::collection::vec(any::<u8>(), 1..40)) {
        let fragment = permalink::encode(&s).unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(&fragment[3..]).unwrap();
        bytes.extend_from_slice(&extra);
        let link = format!("v1.{}", URL_SAFE_NO_PAD.encode(&bytes));
        prop_assert_eq!(permalink::decode(&link), Err(PermalinkError::TrailingData(extra.len())));
    }

    #[test]
    fn decode_never_panics_on_raw_bytes_as_payload(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let payload = URL_SAFE_NO_PAD.encode(&bytes);
        let _ = permalink::decode(&format!("v1.{payload}"));
    }
}

#[test]
fn a_ten_mebibyte_zip_bomb_is_refused() {
    let scenario_like = format!(
        "{{\"version\":1,\"title\":\"{}\"}}",
        "A".repeat(10 * 1024 * 1024)
    );
    let payload = URL_SAFE_NO_PAD.encode(compress_to_vec_zlib(scenario_like.as_bytes(), 9));
    assert!(
        payload.len() < 64 * 1024,
        "the bomb is small: {}",
        payload.len()
    );
    let err = permalink::decode(&format!("https://example.org/#v1.{payload}")).unwrap_err();
    assert_eq!(err, PermalinkError::TooLarge);
    assert_eq!(
        err.to_string(),
        "the permalink's scenario is larger than 2 MiB once inflated: refused"
    );
}

#[test]
fn a_scenario_just_under_the_limit_is_accepted() {
    // A title that makes the compact JSON exactly MAX_INFLATED bytes long.
    let overhead = "{\"version\":1,\"title\":\"\"}".len();
    let mut s = Scenario::new();
    s.title = Some("x".repeat(MAX_INFLATED - overhead));
    assert_eq!(s.to_json_compact().len(), MAX_INFLATED);
    assert_eq!(
        permalink::decode(&permalink::encode(&s).unwrap()).unwrap(),
        s
    );
    // One byte more: decode refuses the link (written by hand), so encode refuses to write it.
    s.title = Some("x".repeat(MAX_INFLATED - overhead + 1));
    let json = s.to_json_compact();
    let by_hand = URL_SAFE_NO_PAD.encode(compress_to_vec_zlib(json.as_bytes(), 9));
    assert_eq!(
        permalink::decode(&format!("v1.{by_hand}")),
        Err(PermalinkError::TooLarge)
    );
    assert_eq!(
        permalink::encode(&s),
        Err(PermalinkError::TooLargeToEncode {
            bytes: MAX_INFLATED + 1
        })
    );
}

#[test]
fn encode_refuses_a_large_scenario_with_a_message_naming_its_size() {
    // Many rules, as a real NSG of a few thousand lines: about 3 MB of JSON.
    let rules: Vec<Value> = (0..20_000)
        .map(|i| {
            serde_json::json!({
                "name": format!("Rule{i}"),
                "properties": {"priority": 100 + i, "access": "Allow", "direction": "Inbound",
                               "protocol": "Tcp", "destinationPortRange": format!("{}", i % 65535)}
            })
        })
        .collect();
    let mut s = Scenario::new();
    s.subnet_nsg = Some(serde_json::json!({"name": "big", "properties": {"securityRules": rules}}));
    let size = s.to_json_compact().len();
    assert!(size > MAX_INFLATED, "{size}");
    let err = permalink::url("https://example.org/", &s).unwrap_err();
    assert_eq!(err, PermalinkError::TooLargeToEncode { bytes: size });
    let message = err.to_string();
    assert!(message.contains(&size.to_string()), "{message}");
    assert!(message.contains("2 MiB"), "{message}");
    assert!(message.starts_with(|c: char| c.is_lowercase()), "{message}");
}

#[test]
fn a_link_with_data_after_its_stream_is_refused() {
    let mut s = Scenario::new();
    s.title = Some("web".into());
    let fragment = permalink::encode(&s).unwrap();
    let mut bytes = URL_SAFE_NO_PAD.decode(&fragment[3..]).unwrap();
    bytes.extend_from_slice(b"\x00\x00");
    let err = permalink::decode(&format!(
        "https://example.org/#v1.{}",
        URL_SAFE_NO_PAD.encode(&bytes)
    ))
    .unwrap_err();
    assert_eq!(err, PermalinkError::TrailingData(2));
    let message = err.to_string();
    assert!(
        message.contains("after the end of its zlib stream"),
        "{message}"
    );
}

#[test]
fn every_malformed_link_gets_a_distinct_lowercase_message() {
    let zlib = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(compress_to_vec_zlib(bytes, 9));
    let cases = [
        "".to_string(),
        "https://example.org/flowverify/".to_string(),
        "just words".to_string(),
        "#v2.eJwDAAAAAAE".to_string(),
        "#v1.".to_string(),
        "v1.not base64!".to_string(),
        format!("v1.{}", URL_SAFE_NO_PAD.encode(b"not a zlib stream")),
        format!("v1.{}", zlib(&[0xff, 0xfe, 0x00])),
        format!("v1.{}", zlib(br#"{"version":1,"colour":"red"}"#)),
        format!(
            "v1.{}",
            URL_SAFE_NO_PAD
                .encode([compress_to_vec_zlib(br#"{"version":1}"#, 9), vec![0, 0]].concat())
        ),
    ];
    let mut seen: Vec<String> = Vec::new();
    for case in &cases {
        let message = permalink::decode(case).unwrap_err().to_string();
        assert!(
            message.starts_with(|c: char| c.is_lowercase() || c == '\''),
            "{case}: {message}"
        );
        let kind = message.split(':').next().unwrap_or_default().to_string();
        assert!(
            !seen.contains(&kind),
            "{case}: '{message}' repeats an earlier kind"
        );
        seen.push(kind);
    }
    let unknown = permalink::decode(&cases[8]).unwrap_err().to_string();
    assert!(unknown.contains("'colour'"), "{unknown}");
}
