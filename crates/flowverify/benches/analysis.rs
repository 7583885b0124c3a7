//! `make bench`: every flow at once on stacks shaped like production (benches/support/shapes.rs),
//! in process: what the page's analysis does (reach of both directions, then the findings on
//! those reaches), the diff of a one-rule change, and a search, per shape. The whole-process
//! figures of the command line (import and output included, peak memory) are measured by
//! `crates/flowverify-cli/benches/stacks.rs`.
//!
//! `FLOWVERIFY_SHAPES=mixed,hosts` limits the shapes; `FLOWVERIFY_SEED` picks the seed (1 by
//! default, the one tuned for; the command line's benchmark reports untuned seeds too).

#[path = "support/shapes.rs"]
mod shapes;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use flowverify::model::Direction;
use flowverify::search::{search, Query};
use flowverify::Decision;
use shapes::{Shape, Size};

fn chosen() -> Vec<Shape> {
    match std::env::var("FLOWVERIFY_SHAPES") {
        Ok(list) => list.split(',').filter_map(Shape::named).collect(),
        Err(_) => Shape::ALL.to_vec(),
    }
}

fn benches(c: &mut Criterion) {
    let seed: u64 = std::env::var("FLOWVERIFY_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    for shape in chosen() {
        let doc = shapes::scenario(shape, Size::BENCH, seed);
        let inputs = shapes::inputs(&doc);
        let after = shapes::inputs(&shapes::one_rule_change(&doc));
        let mut group = c.benchmark_group(format!("analysis/{}", shape.name()));
        group.sample_size(10);
        // What the page's analysis does: reach of both directions, then lint on those reaches.
        group.bench_function("reach both directions + lint", |b| {
            b.iter(|| {
                let mut reaches = [Direction::Inbound, Direction::Outbound].map(|d| {
                    flowverify::reach::reach(black_box(&inputs), d).expect("within the budget")
                });
                flowverify::lint::lint_with(&inputs, &mut reaches)
                    .expect("within the budget")
                    .len()
            })
        });
        group.bench_function("diff of a one-rule change, both directions", |b| {
            b.iter(|| {
                flowverify::diff::diff(
                    black_box(&inputs),
                    black_box(&after),
                    &[Direction::Inbound, Direction::Outbound],
                )
                .expect("within the budget")
                .changes
                .len()
            })
        });
        group.bench_function("search: Tcp 22 allowed from the Internet", |b| {
            let query = Query {
                protocols: vec![flowverify::model::Protocol::Tcp],
                source: Query::addresses("Internet").expect("a tag"),
                destination_ports: Query::ports("22").expect("a port"),
                access: Some(Decision::Allow),
                ..Query::new(Direction::Inbound)
            };
            b.iter(|| {
                search(black_box(&inputs), &query)
                    .expect("within the budget")
                    .is_empty()
            })
        });
        group.finish();
    }
}

criterion_group!(analysis, benches);
criterion_main!(analysis);
