//! The set engine's budget: an analysis that needs more than its space may hold gives up with
//! `TooLarge`, which names where it ran out and what to narrow, and never answers from a
//! space that ran out.

use flowverify::flowset::FlowSpace;
use flowverify::import::import;
use flowverify::mdd::Limit;
use flowverify::model::Direction;
use flowverify::reach::reach_in;
use flowverify::{Inputs, Slot, TooLarge};

/// An NSG of `n` rules, each allowing Tcp from its own /24 to its own port range.
fn inputs(n: usize) -> Inputs {
    let rules: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            serde_json::json!({"name": format!("Allow{i}"), "properties": {
                "priority": 100 + i, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
                "sourceAddressPrefix": format!("10.{}.{}.0/24", i / 256, i % 256),
                "sourcePortRange": "*", "destinationAddressPrefix": "*",
                "destinationPortRange": format!("{}-{}", 1000 + 10 * i, 1005 + 10 * i)}})
        })
        .collect();
    let nsg = serde_json::json!({"name": "nsg-web", "securityRules": rules}).to_string();
    let mut inputs = Inputs::new();
    inputs
        .add(Slot::NicNsg, import("nsg.json", &nsg).unwrap())
        .unwrap();
    inputs
}

fn tiny(inputs: &Inputs) -> FlowSpace {
    FlowSpace::builder()
        .inputs(inputs)
        .limit(Limit {
            nodes: 200,
            segments: 2_000,
        })
        .build()
}

#[test]
fn an_analysis_past_the_budget_names_where_it_ran_out_and_what_to_narrow() {
    let inputs = inputs(60);
    let err: TooLarge = reach_in(tiny(&inputs), &inputs, Direction::Inbound, &[])
        .expect_err("200 nodes cannot hold 60 rules' first matches");
    let text = err.to_string();
    assert!(
        text.starts_with(
            "the analysis of every flow at once needs more than the set engine may hold"
        ),
        "{text}"
    );
    assert!(
        text.contains("at rule securityRules/Allow")
            && text.contains("of NIC NSG nsg-web (inbound"),
        "{text}"
    );
    assert!(
        text.contains("--local") && text.contains("--direction"),
        "{text}"
    );
}

#[test]
fn within_the_budget_the_answer_is_the_same_as_with_more_room() {
    // Four rules fit in the tiny space; the regions are those of the default one.
    let inputs = inputs(4);
    let small = reach_in(tiny(&inputs), &inputs, Direction::Inbound, &[]).expect("fits");
    let large = flowverify::reach::reach(&inputs, Direction::Inbound).expect("fits");
    let names = |r: &flowverify::reach::Reach| -> Vec<(String, bool)> {
        r.regions
            .iter()
            .map(|g| (g.rule_name.clone().unwrap_or_default(), g.uncertain))
            .collect()
    };
    assert_eq!(names(&small), names(&large));
}
