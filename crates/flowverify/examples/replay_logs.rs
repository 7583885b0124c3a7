//! Generated flow logs for measuring `flowverify replay` with `/usr/bin/time -v` (its time and
//! peak memory), as the README's figures were taken:
//!
//! ```text
//! cargo run --release -p flowverify --example replay_logs -- distinct 10000000 /tmp/logs-10m
//! cargo run --release -p flowverify --example replay_logs -- crafted 131072 /tmp/crafted.json
//! cargo run --release -p flowverify --example replay_logs -- random 131072 /tmp/random.json
//! ```
//!
//! - `distinct N DIR`: N distinct IPv4 flows, one NSG flow log version 2 tuple each, in files of
//!   at most 2,000,000 tuples (`DIR/h=00/PT1H.json`, ...: each under the 256 MiB a file may be).
//! - `crafted N FILE`: N IPv6 flows from one /64 crafted to fall in one bucket of the hash map
//!   replay used to keep its flows in (`tests/support/collide.rs`).
//! - `random N FILE`: N IPv6 flows of the same shape, random.

#[path = "../tests/support/collide.rs"]
mod collide;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// The most tuples in one generated file.
const PER_FILE: u64 = 2_000_000;
/// Tuples per record.
const PER_RECORD: u64 = 10_000;

fn usage() -> ! {
    eprintln!("usage: replay_logs distinct|crafted|random N PATH");
    std::process::exit(2);
}

/// Writes `tuples` as one NSG flow log version 2 file, records of 10,000 tuples.
fn write_log(path: &Path, tuples: impl Iterator<Item = String>) -> std::io::Result<u64> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut out = BufWriter::new(File::create(path)?);
    out.write_all(b"{\"records\":[")?;
    let mut n = 0u64;
    for tuple in tuples {
        if n.is_multiple_of(PER_RECORD) {
            if n > 0 {
                out.write_all(b"]}]}]}},")?;
            }
            out.write_all(
                b"{\"time\":\"2024-01-01T00:00:00.0000000Z\",\"category\":\"NetworkSecurityGroupFlowEvent\",\"properties\":{\"Version\":2,\"flows\":[{\"rule\":\"UserRule_Any\",\"flows\":[{\"mac\":\"000D3AF87856\",\"flowTuples\":[",
            )?;
        } else {
            out.write_all(b",")?;
        }
        write!(out, "\"{tuple}\"")?;
        n += 1;
    }
    if n > 0 {
        out.write_all(b"]}]}]}}")?;
    }
    out.write_all(b"]}")?;
    out.flush()?;
    Ok(n)
}

/// Flow `i` of `distinct`: a source address from `i` (spread by an odd multiplier, so files
/// are not in the flows' order), to 10.200.0.4:443.
fn distinct_tuple(i: u64) -> String {
    let n = (i.wrapping_mul(0x9e37_79b1) & 0x00ff_ffff) as u32;
    let [_, a, b, c] = n.to_be_bytes();
    let port = 1024 + (i % 60_000);
    format!(
        "{},10.{a}.{b}.{c},10.200.0.4,{port},443,T,I,A,E,{},{},{},{}",
        1_704_067_200 + i / 1000,
        1 + i % 7,
        100 + i % 900,
        1 + i % 5,
        100 + i % 700
    )
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [kind, n, path] = args.as_slice() else {
        usage()
    };
    let n: u64 = n.parse().unwrap_or_else(|_| usage());
    let path = Path::new(path);
    match kind.as_str() {
        "distinct" => {
            let mut start = 0;
            let mut file = 0;
            while start < n {
                let end = (start + PER_FILE).min(n);
                let name = path.join(format!("h={file:02}/PT1H.json"));
                write_log(&name, (start..end).map(distinct_tuple))?;
                start = end;
                file += 1;
            }
            eprintln!(
                "{n} distinct flows in {file} files under {}",
                path.display()
            );
        }
        "crafted" => {
            // About side^2 / 2^25 flows can be found: 10% to spare.
            let side = ((n as f64 * (1u64 << 25) as f64 * 1.1).sqrt()) as usize;
            let tuples = collide::crafted(n as usize, side, 7);
            let window = collide::window(collide::sum(&tuples[0]));
            let all = tuples
                .iter()
                .all(|t| collide::window(collide::sum(t)) == window);
            let written = write_log(path, tuples.iter().map(collide::text))?;
            eprintln!(
                "{written} crafted flows (all in one bucket: {all}) in {}",
                path.display()
            );
        }
        "random" => {
            let tuples = collide::random(n as usize, 11);
            let written = write_log(path, tuples.iter().map(collide::text))?;
            eprintln!("{written} random flows in {}", path.display());
        }
        _ => usage(),
    }
    Ok(())
}
