//! `make bench`: flow log import and replay throughput.
//!
//! A deterministic 1,000,000-tuple NSG flow log (version 2, about 70 MB, 100 records of 10,000
//! tuples) over about 50,000 distinct flows (a skewed pick, so some flows repeat often, as real
//! traffic does), replayed against the generated 100 admin + 1,000 subnet NSG + 1,000 NIC NSG
//! rule stack of `engine.rs`:
//! - import only (streamed into the distinct flows);
//! - import and replay with the reference evaluator (`replay::judge_by_reference`,
//!   `verify_with` without a trace), each distinct flow verified once;
//! - import and replay as `flowverify replay` does it, with compiled verdicts (`replay::judge`,
//!   compiling included);
//! - next to them, deflate at level 1 (what `gzip -1` does) of the same bytes: a yardstick
//!   that says how fast this machine is;
//! - import of 131,072 IPv6 flows from one /64 crafted to collide in the hash map replay used
//!   to keep its flows in (`tests/support/collide.rs`: 32.6 s then), and of 131,072 random ones
//!   of the same shape (0.25 s then): now the same, and the key comparisons of each
//!   (`Replay::work`) are printed.
//!
//! With `FLOWVERIFY_WRITE_LOG=1` the bench also writes the log to `/tmp/flowverify-1m.json`
//! and the three inputs to `/tmp/flowverify-bench-{subnet,nic,admin}.json`, for measuring the
//! command line (`/usr/bin/time -v flowverify replay --subnet-nsg ... /tmp/flowverify-1m.json`).

#[path = "../tests/support/collide.rs"]
mod collide;

use std::fmt::Write as _;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use flowverify::import::import;
use flowverify::replay::{judge, judge_by_reference, Replay};
use flowverify::{Inputs, Slot};
use serde_json::{json, Value};

/// A deterministic generator (xorshift), so every run measures the same documents.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn pick(options: &[&'static str], g: &mut Gen) -> &'static str {
    options[g.below(options.len() as u64) as usize]
}

fn prefix(g: &mut Gen) -> String {
    match g.below(6) {
        0 => "*".into(),
        1 => "VirtualNetwork".into(),
        2 => "Internet".into(),
        _ => format!("10.{}.{}.0/24", g.below(4), g.below(256)),
    }
}

fn port(g: &mut Gen) -> String {
    match g.below(4) {
        0 => "*".into(),
        1 => format!("{}", 1 + g.below(65000)),
        _ => {
            let a = 1 + g.below(60000);
            format!("{}-{}", a, a + g.below(2000))
        }
    }
}

/// An NSG as `az network nsg show` prints it: flattened rules, unused fields "" / null / [].
fn az_nsg(name: &str, rules: usize, g: &mut Gen) -> Value {
    let security_rules: Vec<Value> = (0..rules)
        .map(|i| {
            let dir = if i % 2 == 0 { "Inbound" } else { "Outbound" };
            let plural = g.below(3) == 0;
            json!({
                "access": if g.below(3) == 0 { "Deny" } else { "Allow" },
                "description": null,
                "destinationAddressPrefix": if plural { String::new() } else { prefix(g) },
                "destinationAddressPrefixes": if plural { vec![prefix(g), prefix(g)] } else { vec![] },
                "destinationApplicationSecurityGroups": null,
                "destinationPortRange": port(g),
                "destinationPortRanges": [],
                "direction": dir,
                "etag": "W/\"00000000-0000-0000-0000-000000000000\"",
                "id": format!("/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/{name}/securityRules/rule{i}"),
                "name": format!("rule{i}"),
                "priority": 100 + i / 2,
                "protocol": pick(&["Tcp", "Udp", "*"], g),
                "provisioningState": "Succeeded",
                "resourceGroup": "rg",
                "sourceAddressPrefix": prefix(g),
                "sourceAddressPrefixes": [],
                "sourcePortRange": "*",
                "sourcePortRanges": [],
                "type": "Microsoft.Network/networkSecurityGroups/securityRules"
            })
        })
        .collect();
    json!({
        "etag": "W/\"0\"",
        "id": format!("/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/{name}"),
        "location": "westeurope",
        "name": name,
        "provisioningState": "Succeeded",
        "resourceGroup": "rg",
        "securityRules": security_rules,
        "type": "Microsoft.Network/networkSecurityGroups"
    })
}

/// AVNM admin rules as the REST list returns them.
fn admin_rules(rules: usize, g: &mut Gen) -> Value {
    let value: Vec<Value> = (0..rules)
        .map(|i| {
            json!({
                "id": format!("/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/networkManagers/nm/securityAdminConfigurations/cfg/ruleCollections/rc/rules/admin{i}"),
                "type": "Microsoft.Network/networkManagers/securityAdminConfigurations/ruleCollections/rules",
                "name": format!("admin{i}"),
                "kind": "Custom",
                "properties": {
                    "protocol": pick(&["Tcp", "Udp", "Any"], g),
                    "sources": [{"addressPrefixType": "IPPrefix", "addressPrefix": format!("198.51.{}.0/24", g.below(256))}],
                    "destinations": [{"addressPrefixType": "IPPrefix", "addressPrefix": "*"}],
                    "sourcePortRanges": [],
                    "destinationPortRanges": [port(g)],
                    "access": pick(&["Allow", "Deny", "AlwaysAllow"], g),
                    "priority": 1 + i,
                    "direction": if i % 2 == 0 { "Inbound" } else { "Outbound" }
                }
            })
        })
        .collect();
    json!({ "value": value })
}

/// The generated inputs, as documents (to write them for the command line) and assembled.
fn big_inputs(g: &mut Gen) -> (Vec<(Slot, Value)>, Inputs) {
    let mut inputs = Inputs::new();
    inputs.virtual_network = vec!["10.0.0.0/14".parse().unwrap()];
    let docs = vec![
        (Slot::SubnetNsg, az_nsg("nsg-subnet", 1000, g)),
        (Slot::NicNsg, az_nsg("nsg-nic", 1000, g)),
        (Slot::AdminRules, admin_rules(100, g)),
    ];
    for (slot, doc) in &docs {
        let document = import(slot.key(), &doc.to_string()).expect("generated document imports");
        inputs
            .add(*slot, document)
            .expect("generated document fits its slot");
    }
    (docs, inputs)
}

const TUPLES: usize = 1_000_000;
const DISTINCT: u64 = 50_000;
const PER_RECORD: usize = 10_000;

/// One distinct flow's tuple text after the timestamp, without the state and counters:
/// `src,dst,sport,dport,T|U,I|O,A|D`.
fn distinct_flow(g: &mut Gen) -> String {
    let inbound = g.below(2) == 0;
    let proto = ["T", "U"][g.below(2) as usize];
    let local = format!("10.0.{}.{}", g.below(4), 4 + g.below(200));
    let remote = match g.below(3) {
        0 => format!("203.0.{}.{}", g.below(256), g.below(256)),
        1 => format!("198.51.{}.7", g.below(256)),
        _ => format!("10.{}.{}.9", g.below(4), g.below(256)),
    };
    let (service, ephemeral) = (
        pick(&["443", "80", "22", "3389", "53", "1433", "8080"], g).to_string(),
        (32768 + g.below(28000)).to_string(),
    );
    let decision = if g.below(4) == 0 { "D" } else { "A" };
    if inbound {
        format!("{remote},{local},{ephemeral},{service},{proto},I,{decision}")
    } else {
        format!("{local},{remote},{ephemeral},{service},{proto},O,{decision}")
    }
}

/// The 1,000,000-tuple log: records of 10,000 tuples each, flows picked with a skew (the
/// smaller of two uniform picks), states B, C and E with counters on C and E.
fn big_log(g: &mut Gen) -> String {
    let flows: Vec<String> = (0..DISTINCT).map(|_| distinct_flow(g)).collect();
    let mut text = String::with_capacity(75 << 20);
    text.push_str("{\"records\":[");
    for record in 0..TUPLES / PER_RECORD {
        if record > 0 {
            text.push(',');
        }
        write!(
            text,
            "{{\"time\":\"2024-01-01T{:02}:{:02}:00.0000000Z\",\"systemId\":\"00000000-0000-0000-0000-000000000000\",\"category\":\"NetworkSecurityGroupFlowEvent\",\"resourceId\":\"/SUBSCRIPTIONS/SUB/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/NSG-NIC\",\"operationName\":\"NetworkSecurityGroupFlowEvents\",\"properties\":{{\"Version\":2,\"flows\":[{{\"rule\":\"UserRule_rule0\",\"flows\":[{{\"mac\":\"000D3AF87856\",\"flowTuples\":[",
            record / 60,
            record % 60
        )
        .unwrap();
        for i in 0..PER_RECORD {
            if i > 0 {
                text.push(',');
            }
            let pick = g.below(DISTINCT).min(g.below(DISTINCT)) as usize;
            let flow = &flows[pick];
            let time = 1_704_067_200 + (record * 60 + i / 200) as u64;
            let denied = flow.ends_with('D');
            match (denied, g.below(3)) {
                (true, _) | (false, 0) => write!(text, "\"{time},{flow},B,,,,\""),
                (false, s) => write!(
                    text,
                    "\"{time},{flow},{},{},{},{},{}\"",
                    if s == 1 { "C" } else { "E" },
                    1 + g.below(40),
                    64 + g.below(60000),
                    1 + g.below(40),
                    64 + g.below(60000)
                ),
            }
            .unwrap();
        }
        text.push_str("]}]}]}}");
    }
    text.push_str("]}");
    text
}

fn benches(c: &mut Criterion) {
    let mut g = Gen(0x9e37_79b9_7f4a_7c15);
    let (docs, inputs) = big_inputs(&mut g);
    let log = big_log(&mut g);
    if std::env::var_os("FLOWVERIFY_WRITE_LOG").is_some() {
        std::fs::write("/tmp/flowverify-1m.json", &log).expect("write /tmp/flowverify-1m.json");
        for (slot, doc) in &docs {
            let name = match slot {
                Slot::SubnetNsg => "subnet",
                Slot::NicNsg => "nic",
                _ => "admin",
            };
            std::fs::write(
                format!("/tmp/flowverify-bench-{name}.json"),
                doc.to_string(),
            )
            .expect("write an input");
        }
        eprintln!(
            "wrote /tmp/flowverify-1m.json ({} bytes) and /tmp/flowverify-bench-{{subnet,nic,admin}}.json",
            log.len()
        );
    }
    let mut probe = Replay::new();
    probe
        .read("PT1H.json", &log)
        .expect("the generated log reads");
    let report = probe.verify(5, judge_by_reference(&inputs));
    let fast = probe.verify(5, judge(&inputs));
    assert_eq!(
        report, fast,
        "compiled verdicts replay exactly as the reference does"
    );
    eprintln!(
        "log: {} bytes, {} tuples, {} distinct flows; unchanged {}, newly denied {}, newly allowed {}, {} groups",
        log.len(),
        report.tuples,
        report.flows,
        report.unchanged,
        report.newly_denied,
        report.newly_allowed,
        report.groups.len()
    );

    let mut group = c.benchmark_group("replay");
    group.sample_size(10);
    group.throughput(Throughput::Elements(TUPLES as u64));
    group.bench_function("import 1M tuples (NSG v2, 70 MB)", |b| {
        b.iter(|| {
            let mut replay = Replay::new();
            replay.read("PT1H.json", black_box(&log)).unwrap();
            replay.flows()
        })
    });
    group.bench_function("import + replay 1M tuples, verify_with", |b| {
        b.iter(|| {
            let mut replay = Replay::new();
            replay.read("PT1H.json", black_box(&log)).unwrap();
            replay.verify(5, judge_by_reference(&inputs)).newly_denied
        })
    });
    group.bench_function("import + replay 1M tuples, compiled", |b| {
        b.iter(|| {
            let mut replay = Replay::new();
            replay.read("PT1H.json", black_box(&log)).unwrap();
            replay.verify(5, judge(&inputs)).newly_denied
        })
    });
    // A machine-independent yardstick: compressing the same bytes as `gzip -1` does (deflate
    // at level 1), on the same machine.
    group.bench_function(
        "yardstick: deflate level 1 (gzip -1) of the same log",
        |b| b.iter(|| miniz_oxide::deflate::compress_to_vec(black_box(log.as_bytes()), 1).len()),
    );
    group.finish();

    // Crafted and random IPv6 flows, as NSG flow log texts.
    const IPV6: usize = 131_072;
    let as_log = |tuples: &[flowverify::flowlog::Tuple]| {
        let list: Vec<String> = tuples
            .iter()
            .map(|t| format!("\"{}\"", collide::text(t)))
            .collect();
        format!(
            r#"{{"records":[{{"category":"NetworkSecurityGroupFlowEvent","properties":{{"Version":2,"flows":[{{"rule":"UserRule_Any","flows":[{{"mac":"000D3AF87856","flowTuples":[{}]}}]}}]}}}}]}}"#,
            list.join(",")
        )
    };
    let side = ((IPV6 as f64) * f64::from(1u32 << 25) * 1.1).sqrt() as usize;
    let crafted = as_log(&collide::crafted(IPV6, side, 7));
    let random = as_log(&collide::random(IPV6, 11));
    for (name, log) in [("crafted", &crafted), ("random", &random)] {
        let mut replay = Replay::new();
        replay.read("PT1H.json", log).unwrap();
        eprintln!(
            "{name} IPv6 log: {} bytes, {} distinct flows, {} key comparisons",
            log.len(),
            replay.flows(),
            replay.work()
        );
    }
    let mut group = c.benchmark_group("replay hash flooding");
    group.sample_size(10);
    group.throughput(Throughput::Elements(IPV6 as u64));
    for (name, log) in [
        ("import 131,072 crafted colliding IPv6 flows", &crafted),
        ("import 131,072 random IPv6 flows", &random),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut replay = Replay::new();
                replay.read("PT1H.json", black_box(log)).unwrap();
                replay.flows()
            })
        });
    }
    group.finish();
}

criterion_group!(replay, benches);
criterion_main!(replay);
