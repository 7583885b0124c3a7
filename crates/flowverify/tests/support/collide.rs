//! IPv6 flows crafted to collide in the hash map replay used to keep its distinct flows in
//! (`FxHashMap<LoggedFlow, Counts>`), and random flows of the same shape, to show that replay
//! now costs the same for both (tests/flowlog.rs, benches/replay.rs, examples/replay_logs.rs).
//!
//! FxHash adds each word it is given and multiplies by a constant: the hash of a flow is a sum
//! of one term per field (modulo 2^64), and the standard hash map (hashbrown) places a key by
//! bits 38 and up of that sum and tells keys apart by bits 31 to 37 (FxHash rotates the sum by
//! 26 at the end). Flows whose sums agree in bits 31 to 55 all fall in one bucket of a table of
//! up to 2^18 buckets with one tag: each insertion compares with every flow before it. With the
//! other fields fixed, the sum is `h0 + a(source) + b(destination)`: for each source, the
//! destinations whose `b` lands the sum in the wanted window are found by a binary search among
//! the sorted `b`s (meet in the middle).

#![allow(dead_code)]

use std::hash::{Hash, Hasher};
use std::net::{IpAddr, Ipv6Addr};

use flowverify::flowlog::Tuple;
use flowverify::model::Direction;
use flowverify::replay::LoggedFlow;
use flowverify::Decision;
use rustc_hash::FxHasher;

/// The bits of FxHash's sum that place and tell apart a key in a table of up to 2^18 buckets.
pub const WINDOW_LOW: u32 = 31;
/// One past the highest such bit.
pub const WINDOW_HIGH: u32 = 56;

/// A deterministic generator (xorshift).
pub struct Gen(pub u64);

impl Gen {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// An address of `/64` `prefix` (its high 64 bits) with `low` as its interface identifier.
pub fn address(prefix: u64, low: u64) -> IpAddr {
    IpAddr::V6(Ipv6Addr::from((u128::from(prefix) << 64) | u128::from(low)))
}

/// The sources' /64 and the destinations' /64.
pub const SOURCES: u64 = 0x2001_0db8_0000_0001;
/// See [`SOURCES`].
pub const DESTINATIONS: u64 = 0x2001_0db8_0000_0002;

/// The tuple of an inbound Tcp flow from `source` to `destination` port 443, logged allowed.
pub fn tuple(source: IpAddr, destination: IpAddr) -> Tuple {
    Tuple {
        timestamp: 1_704_067_200,
        source,
        destination,
        source_port: 50000,
        destination_port: 443,
        protocol: 6,
        direction: Direction::Inbound,
        decision: Decision::Allow,
        encryption_drop: false,
        packets: 0,
        bytes: 0,
    }
}

/// FxHash's sum for the tuple's distinct flow (before its final rotation).
pub fn sum(tuple: &Tuple) -> u64 {
    let mut hasher = FxHasher::default();
    LoggedFlow::of(tuple).hash(&mut hasher);
    hasher.finish().rotate_right(26)
}

/// The bits of the sum in the window.
pub fn window(sum: u64) -> u64 {
    (sum >> WINDOW_LOW) & ((1 << (WINDOW_HIGH - WINDOW_LOW)) - 1)
}

/// `n` distinct flows whose sums all agree in the window, from `side` sources and `side`
/// destinations (about `side * side / 2^25` flows can be found: `side` must be large enough).
pub fn crafted(n: usize, side: usize, seed: u64) -> Vec<Tuple> {
    let mut g = Gen(seed | 1);
    let mask = (1u64 << WINDOW_HIGH) - 1;
    let s0 = address(SOURCES, 0);
    let d0 = address(DESTINATIONS, 0);
    let h0 = sum(&tuple(s0, d0));
    let sources: Vec<u64> = (0..side).map(|_| g.next()).collect();
    let mut destinations: Vec<(u64, u64)> = (0..side)
        .map(|_| {
            let low = g.next();
            let b = sum(&tuple(s0, address(DESTINATIONS, low))).wrapping_sub(h0) & mask;
            (b, low)
        })
        .collect();
    destinations.sort_unstable();
    let target = 0u64;
    let mut out = Vec::with_capacity(n);
    for &source in &sources {
        let a = sum(&tuple(address(SOURCES, source), d0)).wrapping_sub(h0);
        let x = h0.wrapping_add(a) & mask;
        // b in [start, start + 2^31) modulo 2^56.
        let start = (target << WINDOW_LOW).wrapping_sub(x) & mask;
        let end = start + (1 << WINDOW_LOW);
        let ranges = if end <= mask + 1 {
            [(start, end), (0, 0)]
        } else {
            [(start, mask + 1), (0, end - (mask + 1))]
        };
        for (from, to) in ranges {
            let first = destinations.partition_point(|&(b, _)| b < from);
            for &(b, low) in &destinations[first..] {
                if b >= to {
                    break;
                }
                out.push(tuple(address(SOURCES, source), address(DESTINATIONS, low)));
                if out.len() == n {
                    return out;
                }
            }
        }
    }
    out
}

/// `n` flows of the same shape with random interface identifiers.
pub fn random(n: usize, seed: u64) -> Vec<Tuple> {
    let mut g = Gen(seed | 1);
    (0..n)
        .map(|_| tuple(address(SOURCES, g.next()), address(DESTINATIONS, g.next())))
        .collect()
}

/// A tuple as an NSG flow log version 2 writes it.
pub fn text(t: &Tuple) -> String {
    format!(
        "{},{},{},{},{},T,I,A,B,,,,",
        t.timestamp, t.source, t.destination, t.source_port, t.destination_port
    )
}
