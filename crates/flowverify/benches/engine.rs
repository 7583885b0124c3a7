//! `make bench`: the engine's baseline numbers.
//! - importing a generated 1,000-rule `az network nsg show` document;
//! - one verdict against a 1,000-rule subnet NSG + 1,000-rule NIC NSG + 100 admin rules, with and
//!   without the trace;
//! - verdicts per second over 100,000 generated flows (printed as a throughput).
//!
//! Every flow at once (reach, lint, diff, search) is measured on every shape of stack in
//! `benches/analysis.rs`.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use flowverify::import::import;
use flowverify::{verify_with, Flow, Inputs, Options, Slot};
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

fn big_inputs(g: &mut Gen) -> Inputs {
    let mut inputs = Inputs::new();
    inputs.virtual_network = vec!["10.0.0.0/14".parse().unwrap()];
    let docs = [
        (Slot::SubnetNsg, az_nsg("nsg-subnet", 1000, g)),
        (Slot::NicNsg, az_nsg("nsg-nic", 1000, g)),
        (Slot::AdminRules, admin_rules(100, g)),
    ];
    for (slot, doc) in docs {
        let document = import(slot.key(), &doc.to_string()).expect("generated document imports");
        inputs
            .add(slot, document)
            .expect("generated document fits its slot");
    }
    inputs
}

fn flows(n: usize, g: &mut Gen) -> Vec<Flow> {
    (0..n)
        .map(|_| {
            let dir = if g.below(2) == 0 {
                "Inbound"
            } else {
                "Outbound"
            };
            let proto = ["Tcp", "Udp"][g.below(2) as usize];
            let local = format!(
                "10.0.{}.{}:{}",
                g.below(4),
                4 + g.below(200),
                1 + g.below(65000)
            );
            let remote = match g.below(3) {
                0 => format!(
                    "203.0.{}.{}:{}",
                    g.below(256),
                    g.below(256),
                    1 + g.below(65000)
                ),
                1 => format!("198.51.{}.7:{}", g.below(256), 1 + g.below(65000)),
                _ => format!(
                    "10.{}.{}.9:{}",
                    g.below(4),
                    g.below(256),
                    1 + g.below(65000)
                ),
            };
            Flow::parse(dir, proto, &local, &remote).expect("generated flow parses")
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let mut g = Gen(0x5eed_f10e);

    let nsg_text = az_nsg("nsg-big", 1000, &mut g).to_string();
    c.bench_function("import az NSG, 1,000 rules", |b| {
        b.iter(|| import("nsg.json", black_box(&nsg_text)).expect("imports"))
    });

    let inputs = big_inputs(&mut g);
    let sample = flows(1000, &mut g);
    let mut i = 0;
    c.bench_function(
        "verdict, 1,000+1,000 NSG rules + 100 admin, with trace",
        |b| {
            b.iter(|| {
                i = (i + 1) % sample.len();
                verify_with(&inputs, black_box(&sample[i]), Options { trace: true })
            })
        },
    );
    c.bench_function(
        "verdict, 1,000+1,000 NSG rules + 100 admin, no trace",
        |b| {
            b.iter(|| {
                i = (i + 1) % sample.len();
                verify_with(&inputs, black_box(&sample[i]), Options { trace: false })
            })
        },
    );

    let many = flows(100_000, &mut g);
    let mut group = c.benchmark_group("throughput");
    group.sample_size(10);
    group.throughput(Throughput::Elements(many.len() as u64));
    group.bench_function("100,000 flows, no trace", |b| {
        b.iter(|| {
            many.iter()
                .filter(|f| {
                    verify_with(&inputs, f, Options { trace: false }).access
                        == flowverify::Decision::Allow
                })
                .count()
        })
    });
    group.finish();
}

criterion_group!(engine, benches);
criterion_main!(engine);
