//! The distinct flows of a replay, kept so that neither their cost nor their memory depends on
//! which flows a log holds.
//!
//! A hash map with a fixed hash lets whoever writes a log choose flows that all collide: every
//! insertion then compares with every flow before it (131,072 crafted IPv6 flows took 32.6 s
//! against 0.25 s for random ones). A keyed hash would not help in the page: WebAssembly has no
//! entropy to key it with. So the flows are kept sorted instead: tuples are gathered unsorted
//! in a batch, and a full batch is sorted (`sort_unstable_by`, O(n log n) comparisons in the
//! worst case, whatever the keys), its repeats summed, and merged into the sorted distinct
//! flows in one pass. A batch holds at least a quarter as many tuples as there are distinct
//! flows, so each merge's linear cost is shared by as many tuples: a few moves per tuple. The
//! comparisons are counted ([`Store::work`]), and a test shows crafted flows cost what random
//! ones do.
//!
//! A distinct flow is its tuple packed ([`Key4`], 16 bytes for IPv4; [`Key6`], 40 bytes for
//! IPv6) with its counts (24 bytes); the sorted order of the packed keys is the order of
//! [`LoggedFlow`]'s fields, so the flows come out in the replay's fixed order.

use std::cmp::Ordering;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{Counts, LoggedFlow};
use crate::model::Direction;
use crate::verdict::Decision;

/// The fewest tuples a batch gathers before it is merged.
const BATCH: usize = 1 << 16;

/// A distinct flow, packed so that comparing keys compares (direction, protocol, source, source
/// port, destination, destination port, encryption drop, denied) in that order.
pub(super) trait Key: Copy + Ord + std::fmt::Debug {
    /// The key of `flow`, or `None` when it belongs to the other family's store.
    fn pack(flow: &LoggedFlow) -> Option<Self>;
    /// The flow back.
    fn unpack(self) -> LoggedFlow;
    /// Direction and protocol: the first fields of the order, which decide between an IPv4
    /// and an IPv6 flow before the addresses do (IPv4 first, as [`IpAddr`] orders them).
    fn head(self) -> u16;
}

fn head(flow: &LoggedFlow) -> u16 {
    (u16::from(flow.direction == Direction::Outbound) << 8) | u16::from(flow.protocol)
}

fn flags(flow: &LoggedFlow) -> u8 {
    (u8::from(flow.encryption_drop) << 1) | u8::from(flow.decision == Decision::Deny)
}

/// Direction, protocol, encryption drop and decision of a key's `head` and `flags`.
fn unhead(head: u16, flags: u8) -> (Direction, u8, bool, Decision) {
    let direction = if head >> 8 == 0 {
        Direction::Inbound
    } else {
        Direction::Outbound
    };
    let decision = if flags & 1 == 0 {
        Decision::Allow
    } else {
        Decision::Deny
    };
    (direction, head as u8, flags & 2 != 0, decision)
}

/// An IPv4 flow: 16 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Key4 {
    head: u16,
    source: u32,
    source_port: u16,
    destination: u32,
    destination_port: u16,
    flags: u8,
}

impl Key for Key4 {
    fn pack(flow: &LoggedFlow) -> Option<Key4> {
        match (flow.source, flow.destination) {
            (IpAddr::V4(source), IpAddr::V4(destination)) => Some(Key4 {
                head: head(flow),
                source: source.into(),
                source_port: flow.source_port,
                destination: destination.into(),
                destination_port: flow.destination_port,
                flags: flags(flow),
            }),
            _ => None,
        }
    }

    fn unpack(self) -> LoggedFlow {
        let (direction, protocol, encryption_drop, decision) = unhead(self.head, self.flags);
        LoggedFlow {
            direction,
            protocol,
            source: IpAddr::V4(Ipv4Addr::from(self.source)),
            source_port: self.source_port,
            destination: IpAddr::V4(Ipv4Addr::from(self.destination)),
            destination_port: self.destination_port,
            decision,
            encryption_drop,
        }
    }

    fn head(self) -> u16 {
        self.head
    }
}

/// An IPv6 flow (or, only when a caller builds one by hand, a flow of two families): 40 bytes.
/// Addresses are two halves, high first, so that they compare as numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Key6 {
    head: u16,
    source: [u64; 2],
    source_port: u16,
    destination: [u64; 2],
    destination_port: u16,
    /// Encryption drop and denied (bits 1 and 0), and which address is an IPv4 one written as
    /// IPv4-mapped IPv6 (bits 2 and 3: never in a flow log, whose tuples have one family).
    flags: u8,
}

fn halves(ip: IpAddr) -> ([u64; 2], bool) {
    let (v6, mapped) = match ip {
        IpAddr::V4(v4) => (v4.to_ipv6_mapped(), true),
        IpAddr::V6(v6) => (v6, false),
    };
    let n = u128::from(v6);
    ([(n >> 64) as u64, n as u64], mapped)
}

fn whole(halves: [u64; 2], mapped: bool) -> IpAddr {
    let v6 = Ipv6Addr::from((u128::from(halves[0]) << 64) | u128::from(halves[1]));
    match v6.to_ipv4_mapped() {
        Some(v4) if mapped => IpAddr::V4(v4),
        _ => IpAddr::V6(v6),
    }
}

impl Key for Key6 {
    fn pack(flow: &LoggedFlow) -> Option<Key6> {
        if flow.source.is_ipv4() && flow.destination.is_ipv4() {
            return None;
        }
        let (source, source_mapped) = halves(flow.source);
        let (destination, destination_mapped) = halves(flow.destination);
        Some(Key6 {
            head: head(flow),
            source,
            source_port: flow.source_port,
            destination,
            destination_port: flow.destination_port,
            flags: flags(flow)
                | (u8::from(source_mapped) << 2)
                | (u8::from(destination_mapped) << 3),
        })
    }

    fn unpack(self) -> LoggedFlow {
        let (direction, protocol, encryption_drop, decision) = unhead(self.head, self.flags & 3);
        LoggedFlow {
            direction,
            protocol,
            source: whole(self.source, self.flags & 4 != 0),
            source_port: self.source_port,
            destination: whole(self.destination, self.flags & 8 != 0),
            destination_port: self.destination_port,
            decision,
            encryption_drop,
        }
    }

    fn head(self) -> u16 {
        self.head
    }
}

/// Adds `more` to `counts` (packets and bytes saturate: they are logged figures).
pub(super) fn add_counts(counts: &mut Counts, more: &Counts) {
    counts.tuples = counts.tuples.saturating_add(more.tuples);
    counts.packets = counts.packets.saturating_add(more.packets);
    counts.bytes = counts.bytes.saturating_add(more.bytes);
}

/// Sorts `entries` by key and sums the counts of equal keys, counting comparisons in `work`.
fn sort_and_sum<K: Key>(entries: &mut Vec<(K, Counts)>, work: &mut u64) {
    let mut comparisons = 0u64;
    entries.sort_unstable_by(|a, b| {
        comparisons += 1;
        a.0.cmp(&b.0)
    });
    let mut kept = 0usize;
    for read in 0..entries.len() {
        let entry = entries[read];
        if kept > 0 {
            comparisons += 1;
            if entries[kept - 1].0 == entry.0 {
                add_counts(&mut entries[kept - 1].1, &entry.1);
                continue;
            }
        }
        entries[kept] = entry;
        kept += 1;
    }
    entries.truncate(kept);
    *work = work.saturating_add(comparisons);
}

/// The distinct flows of one family: sorted and merged, and a batch not merged yet.
#[derive(Debug, Clone)]
pub(super) struct Store<K> {
    /// Distinct keys, ascending.
    sorted: Vec<(K, Counts)>,
    /// Tuples gathered since the last merge, in reading order.
    batch: Vec<(K, Counts)>,
    /// Key comparisons made so far.
    work: u64,
}

impl<K> Default for Store<K> {
    fn default() -> Store<K> {
        Store {
            sorted: Vec::new(),
            batch: Vec::new(),
            work: 0,
        }
    }
}

/// Why a store cannot take more flows: how many distinct flows it would hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Full {
    pub distinct: usize,
}

impl<K: Key> Store<K> {
    /// The bytes of one distinct flow.
    pub const ENTRY: usize = std::mem::size_of::<(K, Counts)>();

    /// How many tuples the batch gathers before it is merged.
    fn threshold(&self) -> usize {
        BATCH.max(self.sorted.len() / 4)
    }

    /// The bytes held: the sorted flows and the batch, as allocated.
    pub fn bytes(&self) -> usize {
        (self.sorted.capacity() + self.batch.capacity()) * Self::ENTRY
    }

    /// Key comparisons made so far.
    pub fn work(&self) -> u64 {
        self.work
    }

    /// Whether every flow is merged (the sorted flows are all of them).
    pub fn settled(&self) -> bool {
        self.batch.is_empty()
    }

    /// Distinct flows merged so far.
    pub fn merged(&self) -> usize {
        self.sorted.len()
    }

    /// Gathers one tuple's flow; merges the batch when it is full, within `room` bytes for this
    /// store (the budget less what the other store holds).
    pub fn add(&mut self, key: K, counts: Counts, room: usize) -> Result<(), Full> {
        if self.batch.len() == self.batch.capacity() {
            let want = self.threshold().saturating_sub(self.batch.len()).max(1);
            let bytes = (self.sorted.capacity() + self.batch.len() + want) * Self::ENTRY;
            if bytes > room || self.batch.try_reserve_exact(want).is_err() {
                return Err(Full {
                    distinct: self.sorted.len() + self.batch.len(),
                });
            }
        }
        self.batch.push((key, counts));
        if self.batch.len() >= self.threshold() {
            self.merge(room)?;
        }
        Ok(())
    }

    /// Merges the batch into the sorted flows, if the result and the next batch fit in `room`
    /// bytes; else leaves the store as it was and says how many distinct flows there would be.
    pub fn merge(&mut self, room: usize) -> Result<(), Full> {
        if self.batch.is_empty() {
            return Ok(());
        }
        sort_and_sum(&mut self.batch, &mut self.work);
        // How many of the batch's flows are new: the sorted flows grow by exactly that much.
        let (sorted, batch) = (&self.sorted, &self.batch);
        let (mut i, mut new, mut comparisons) = (0usize, 0usize, 0u64);
        for (key, _) in batch {
            loop {
                if i == sorted.len() {
                    new += 1;
                    break;
                }
                comparisons += 1;
                match sorted[i].0.cmp(key) {
                    Ordering::Less => i += 1,
                    Ordering::Equal => break,
                    Ordering::Greater => {
                        new += 1;
                        break;
                    }
                }
            }
        }
        self.work = self.work.saturating_add(comparisons);
        let old = self.sorted.len();
        let distinct = old + new;
        let next_batch = BATCH.max(distinct / 4).max(self.batch.capacity());
        let fits = (distinct.max(self.sorted.capacity()) + next_batch)
            .checked_mul(Self::ENTRY)
            .is_some_and(|bytes| bytes <= room);
        if !fits || self.sorted.try_reserve_exact(new).is_err() {
            return Err(Full { distinct });
        }
        // Merged from the back, in place: the sorted flows grow by `new` at the end, and each
        // flow moves up by the number of new flows before it, never over one not yet moved.
        if let Some(&filler) = self.batch.first() {
            self.sorted.resize(distinct, filler);
        }
        let (mut i, mut j, mut k) = (old, self.batch.len(), distinct);
        let mut comparisons = 0u64;
        while j > 0 {
            let b = self.batch[j - 1];
            let order = if i > 0 {
                comparisons += 1;
                self.sorted[i - 1].0.cmp(&b.0)
            } else {
                Ordering::Less
            };
            match order {
                Ordering::Greater => {
                    self.sorted[k - 1] = self.sorted[i - 1];
                    i -= 1;
                }
                Ordering::Equal => {
                    let mut entry = self.sorted[i - 1];
                    add_counts(&mut entry.1, &b.1);
                    self.sorted[k - 1] = entry;
                    i -= 1;
                    j -= 1;
                }
                Ordering::Less => {
                    self.sorted[k - 1] = b;
                    j -= 1;
                }
            }
            k -= 1;
        }
        self.work = self.work.saturating_add(comparisons);
        self.batch.clear();
        // The next batch's room was counted above; if it cannot be had now, the batch grows
        // as tuples come (and says so then).
        let _ = self.batch.try_reserve_exact(next_batch);
        Ok(())
    }

    /// Every distinct flow in key order, with its counts: the sorted flows merged with the
    /// batch (sorted and summed in a copy, so the store need not be settled).
    pub fn view(&self) -> View<'_, K> {
        let mut batch = self.batch.clone();
        let mut work = 0;
        sort_and_sum(&mut batch, &mut work);
        View {
            sorted: &self.sorted,
            batch,
        }
    }

    /// Appends a flow not less than any before it (summed with the last one when equal): for
    /// building a store from flows already in order.
    pub fn push_in_order(&mut self, key: K, counts: Counts) {
        match self.sorted.last_mut() {
            Some(last) if last.0 == key => add_counts(&mut last.1, &counts),
            _ => self.sorted.push((key, counts)),
        }
    }

    /// Room for `n` more flows pushed in order.
    pub fn reserve(&mut self, n: usize) {
        self.sorted.reserve_exact(n);
    }
}

/// A store's flows in key order (see [`Store::view`]).
#[derive(Debug)]
pub(super) struct View<'a, K> {
    sorted: &'a [(K, Counts)],
    batch: Vec<(K, Counts)>,
}

impl<K: Key> View<'_, K> {
    /// The flows, in key order, each once.
    pub fn iter(&self) -> Merge<'_, K> {
        Merge {
            a: self.sorted,
            b: &self.batch,
        }
    }
}

/// Two sorted lists of distinct keys merged, equal keys summed.
#[derive(Debug, Clone)]
pub(super) struct Merge<'a, K> {
    a: &'a [(K, Counts)],
    b: &'a [(K, Counts)],
}

impl<K: Key> Iterator for Merge<'_, K> {
    type Item = (K, Counts);

    fn next(&mut self) -> Option<(K, Counts)> {
        match (self.a.split_first(), self.b.split_first()) {
            (Some((&x, a)), Some((&y, b))) => match x.0.cmp(&y.0) {
                Ordering::Less => {
                    self.a = a;
                    Some(x)
                }
                Ordering::Greater => {
                    self.b = b;
                    Some(y)
                }
                Ordering::Equal => {
                    self.a = a;
                    self.b = b;
                    let mut sum = x;
                    add_counts(&mut sum.1, &y.1);
                    Some(sum)
                }
            },
            (Some((&x, a)), None) => {
                self.a = a;
                Some(x)
            }
            (None, Some((&y, b))) => {
                self.b = b;
                Some(y)
            }
            (None, None) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(source: &str, port: u16, destination: &str, decision: Decision) -> LoggedFlow {
        LoggedFlow {
            direction: Direction::Inbound,
            protocol: 6,
            source: source.parse().unwrap(),
            source_port: port,
            destination: destination.parse().unwrap(),
            destination_port: 443,
            decision,
            encryption_drop: false,
        }
    }

    #[test]
    fn keys_are_compact_and_give_the_flow_back() {
        assert_eq!(std::mem::size_of::<(Key4, Counts)>(), 40);
        assert_eq!(std::mem::size_of::<(Key6, Counts)>(), 64);
        let mut mixed = flow("203.0.113.7", 5, "2001:db8::4", Decision::Deny);
        mixed.encryption_drop = true;
        mixed.direction = Direction::Outbound;
        for f in [
            flow("203.0.113.7", 5, "10.0.1.4", Decision::Allow),
            flow("2001:db8::7", 65535, "2001:db8::4", Decision::Deny),
            flow("::ffff:1.2.3.4", 1, "2001:db8::4", Decision::Deny),
            mixed,
        ] {
            let back = Key4::pack(&f)
                .map(Key4::unpack)
                .or_else(|| Key6::pack(&f).map(Key6::unpack));
            assert_eq!(back, Some(f));
        }
    }

    #[test]
    fn merging_sums_repeats_and_keeps_the_order() {
        let mut store = Store::<Key4>::default();
        let one = Counts {
            tuples: 1,
            packets: 2,
            bytes: 3,
        };
        let keys: Vec<Key4> = (0..300u16)
            .map(|i| Key4::pack(&flow("10.0.0.1", i % 100, "10.0.1.4", Decision::Allow)).unwrap())
            .collect();
        for (n, key) in keys.iter().enumerate() {
            store.add(*key, one, usize::MAX).unwrap();
            // Merge every 7 tuples: the batch meets flows merged before it.
            if n % 7 == 6 {
                store.merge(usize::MAX).unwrap();
            }
        }
        assert!(!store.settled());
        let all: Vec<(Key4, Counts)> = store.view().iter().collect();
        assert_eq!(all.len(), 100);
        assert!(all.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(all.iter().all(|(_, c)| *c
            == Counts {
                tuples: 3,
                packets: 6,
                bytes: 9
            }));
        store.merge(usize::MAX).unwrap();
        assert!(store.settled());
        assert_eq!(store.view().iter().collect::<Vec<_>>(), all);
    }

    #[test]
    fn a_store_past_its_room_says_so_and_keeps_what_it_had() {
        let mut store = Store::<Key4>::default();
        let one = Counts::default();
        let room = (BATCH * 5 / 2) * Store::<Key4>::ENTRY;
        let mut full = None;
        for i in 0..(BATCH as u32 * 4) {
            let mut f = flow("10.0.0.1", 1, "10.0.1.4", Decision::Allow);
            f.source = IpAddr::V4(Ipv4Addr::from(i));
            if let Err(e) = store.add(Key4::pack(&f).unwrap(), one, room) {
                full = Some((i, e));
                break;
            }
        }
        let (at, full) = full.expect("the store fills up");
        assert_eq!(full.distinct, 2 * BATCH);
        assert_eq!(at as usize, 2 * BATCH - 1);
        assert!(store.bytes() <= room);
        assert_eq!(store.view().iter().count(), 2 * BATCH);
    }
}
