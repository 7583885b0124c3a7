//! Writes a generated rule stack of `make bench` as a scenario document, to measure or
//! reproduce a figure by hand:
//!
//! ```sh
//! cargo run -q -p flowverify --example stack -- mixed 1 > mixed-1.json
//! cargo run -q -p flowverify --example stack -- hosts 7 100 1000 > hosts-7.json   # admin, NSG rules
//! cargo run -q -p flowverify --example stack -- extreme 1 1000 4000 > extreme.json  # rules, prefixes
//! flowverify lint --scenario mixed-1.json
//! ```

#[path = "../benches/support/shapes.rs"]
mod shapes;

use shapes::{Shape, Size};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize, default: usize| -> usize {
        args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default)
    };
    let seed = number(1, 1) as u64;
    let name = args.first().map(String::as_str).unwrap_or("mixed");
    let doc = if name == "extreme" {
        shapes::extreme(number(2, 1000), number(3, 4000), seed)
    } else {
        let Some(shape) = Shape::named(name) else {
            let names: Vec<&str> = Shape::ALL.iter().map(|s| s.name()).collect();
            eprintln!(
                "error: unknown shape '{name}' (one of {}, extreme)",
                names.join(", ")
            );
            std::process::exit(2);
        };
        let size = Size {
            admin: number(2, Size::BENCH.admin),
            nsg: number(3, Size::BENCH.nsg),
        };
        shapes::scenario(shape, size, seed)
    };
    println!("{doc}");
}
