//! Binary decision diagrams: exact sets of bit vectors, the representation the analyses of every
//! flow at once are built on (`interfaces.md` section 7).
//!
//! Reduced, ordered, hash-consed: every set has one node, so equality is `==` on [`Set`]. Nodes
//! live in one table of a [`Bdd`] manager, with a cache of operations already done: a
//! direct-mapped table, as BDD packages keep it (a slot holds the last operation that hashed
//! there; a miss only recomputes), so it costs no allocation per entry and stays bounded. Variables are
//! numbered from 0 (tested first) upwards; a field of `width` bits is a run of variables, most
//! significant bit first, so that a range or a prefix of the field is a small diagram.
//!
//! Why not a crate: the Rust BDD crates available did not serve (one traps at run time in
//! wasm32, another was two orders of magnitude slower on NSG-shaped sets); this is the few
//! hundred lines the analyses need.
//!
//! ```
//! use flowverify::bdd::Bdd;
//! let mut b = Bdd::new();
//! // 8-bit field at variables 0..8: the ports 20-25 and 24-30 of a toy protocol.
//! let x = b.range(0, 8, 20, 25);
//! let y = b.range(0, 8, 24, 30);
//! let both = b.and(x, y);
//! assert_eq!(both, b.range(0, 8, 24, 25));
//! let either = b.or(x, y);
//! assert_eq!(b.ranges(either, 0, 8), vec![(20, 30)]);
//! assert_eq!(b.count(either, 8), 11);
//! ```

use std::collections::HashMap;

/// A set, as a node of its manager's table. Two sets of one manager are equal exactly when
/// they hold the same bit vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Set(u32);

impl Set {
    /// The empty set.
    pub const EMPTY: Set = Set(0);
    /// The set of every bit vector.
    pub const FULL: Set = Set(1);

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self == Set::EMPTY
    }

    /// Whether the set holds every bit vector.
    pub fn is_full(self) -> bool {
        self == Set::FULL
    }
}

/// A decision node: if variable `var` is 0, the set continues at `low`, else at `high`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Node {
    var: u32,
    low: Set,
    high: Set,
}

/// The variable of the terminals: after every real variable.
const TERMINAL: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Op {
    And = 1,
    Or = 2,
    Diff = 3,
    /// Tests, cached as operations (result 1: true, 0: false).
    Intersects = 4,
    Subset = 5,
    /// `not(a)`, cached with `b` = 0.
    Not = 6,
}

/// One slot of the operation cache: `op(a, b) = result` (`op` 0: an empty slot).
#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    op: u32,
    a: u32,
    b: u32,
    result: u32,
}

/// The operation cache's first size (slots), and its largest: it grows with the node table.
const CACHE_MIN: usize = 1 << 12;
const CACHE_MAX: usize = 1 << 22;

/// The unique table's first size (slots; a power of two, kept at most half full).
const UNIQUE_MIN: usize = 1 << 12;
/// An empty slot of the unique table.
const VACANT: u64 = u64::MAX;

/// The most nodes a manager makes by default: 2^23 (about 8.4 million nodes, 230 MB with the
/// unique table and the cache at their largest). Past it every operation answers the empty set
/// and [`Bdd::exhausted`] says so: the caller reports that the analysis is too large rather
/// than exhausting the machine (see [`Bdd::with_limit`]).
pub const DEFAULT_LIMIT: usize = 1 << 23;

/// The manager: the node table, the unique table that makes each set one node, and the cache
/// of operations done.
#[derive(Debug, Clone)]
pub struct Bdd {
    nodes: Vec<Node>,
    /// Open addressing over node numbers, by the hash of `(var, low, high)`: each slot holds
    /// the hash's high 32 bits (compared first, so that a probe rarely reads a node) and the
    /// node's number.
    unique: Vec<u64>,
    cache: Vec<Entry>,
    limit: usize,
    exhausted: bool,
}

impl Default for Bdd {
    fn default() -> Bdd {
        Bdd::new()
    }
}

/// The hash of a node's content (for the unique table).
fn node_hash(var: u32, low: Set, high: Set) -> u64 {
    let h = (u64::from(low.0) << 32 | u64::from(high.0)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (h ^ u64::from(var).wrapping_mul(0xC2B2_AE3D_27D4_EB4F) ^ (h >> 29))
        .wrapping_mul(0x1656_67B1_9E37_79F9)
}

impl Bdd {
    /// A manager holding only the empty and the full set, with the default limit.
    pub fn new() -> Bdd {
        Bdd::with_limit(DEFAULT_LIMIT)
    }

    /// A manager that makes at most `limit` nodes (see [`DEFAULT_LIMIT`]).
    ///
    /// ```
    /// use flowverify::bdd::Bdd;
    /// let mut b = Bdd::with_limit(40);
    /// let x = b.range(0, 64, 12345, 1 << 40);
    /// assert!(b.exhausted() && x.is_empty());
    /// ```
    pub fn with_limit(limit: usize) -> Bdd {
        let terminal = |s| Node {
            var: TERMINAL,
            low: s,
            high: s,
        };
        Bdd {
            nodes: vec![terminal(Set::EMPTY), terminal(Set::FULL)],
            unique: vec![VACANT; UNIQUE_MIN],
            cache: vec![Entry::default(); CACHE_MIN],
            limit: limit.max(2),
            exhausted: false,
        }
    }

    /// How many nodes the table holds (the two terminals included): a measure of the work done.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the table holds only the terminals.
    pub fn is_empty(&self) -> bool {
        self.nodes.len() == 2
    }

    /// Whether an operation needed more nodes than the limit: every set made since is
    /// meaningless (empty), and the work must be given up.
    pub fn exhausted(&self) -> bool {
        self.exhausted
    }

    /// The bytes the manager holds (node table, unique table and cache).
    pub fn bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.unique.len() * std::mem::size_of::<u64>()
            + self.cache.len() * std::mem::size_of::<Entry>()
    }

    fn node(&self, s: Set) -> Node {
        self.nodes[s.0 as usize]
    }

    fn var(&self, s: Set) -> u32 {
        self.nodes[s.0 as usize].var
    }

    /// The one node for `(var, low, high)`, made if new; none when both branches are equal.
    /// Past the limit: the empty set, and the manager is exhausted.
    fn make(&mut self, var: u32, low: Set, high: Set) -> Set {
        if low == high {
            return low;
        }
        let hash = node_hash(var, low, high);
        let tag = hash >> 32;
        let mask = self.unique.len() - 1;
        let mut slot = hash as usize & mask;
        loop {
            let at = self.unique[slot];
            if at == VACANT {
                break;
            }
            if at >> 32 == tag {
                let index = at as u32;
                let n = self.nodes[index as usize];
                if n.var == var && n.low == low && n.high == high {
                    return Set(index);
                }
            }
            slot = (slot + 1) & mask;
        }
        if self.nodes.len() >= self.limit || self.exhausted {
            self.exhausted = true;
            return Set::EMPTY;
        }
        let s = Set(self.nodes.len() as u32);
        self.nodes.push(Node { var, low, high });
        self.unique[slot] = tag << 32 | u64::from(s.0);
        if self.nodes.len() * 2 > self.unique.len() {
            self.grow_unique();
        }
        if self.nodes.len() > self.cache.len() && self.cache.len() < CACHE_MAX {
            // Twice the slots, emptied: entries would hash elsewhere now.
            let size = self.cache.len() * 2;
            self.cache = vec![Entry::default(); size];
        }
        s
    }

    /// Twice the unique table's slots, every node placed again.
    fn grow_unique(&mut self) {
        let size = self.unique.len() * 2;
        let mask = size - 1;
        let mut unique = vec![VACANT; size];
        for (i, n) in self.nodes.iter().enumerate().skip(2) {
            let hash = node_hash(n.var, n.low, n.high);
            let mut slot = hash as usize & mask;
            while unique[slot] != VACANT {
                slot = (slot + 1) & mask;
            }
            unique[slot] = (hash >> 32) << 32 | i as u64;
        }
        self.unique = unique;
    }

    /// The cache slot of `op(a, b)`.
    fn slot(&self, op: Op, a: Set, b: Set) -> usize {
        let h = (u64::from(a.0) << 32 | u64::from(b.0))
            .wrapping_add(op as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (h >> 32) as usize & (self.cache.len() - 1)
    }

    /// The set of vectors whose variable `var` is `value`.
    ///
    /// ```
    /// use flowverify::bdd::{Bdd, Set};
    /// let mut b = Bdd::new();
    /// let on = b.bit(3, true);
    /// let off = b.bit(3, false);
    /// assert_eq!(b.or(on, off), Set::FULL);
    /// ```
    pub fn bit(&mut self, var: u32, value: bool) -> Set {
        if value {
            self.make(var, Set::EMPTY, Set::FULL)
        } else {
            self.make(var, Set::FULL, Set::EMPTY)
        }
    }

    fn cofactors(&self, s: Set, var: u32) -> (Set, Set) {
        let n = self.node(s);
        if n.var == var {
            (n.low, n.high)
        } else {
            (s, s)
        }
    }

    fn apply(&mut self, op: Op, a: Set, b: Set) -> Set {
        // Terminal cases.
        match op {
            Op::And => {
                if a.is_empty() || b.is_empty() {
                    return Set::EMPTY;
                }
                if a.is_full() || a == b {
                    return b;
                }
                if b.is_full() {
                    return a;
                }
            }
            Op::Or => {
                if a.is_full() || b.is_full() {
                    return Set::FULL;
                }
                if a.is_empty() || a == b {
                    return b;
                }
                if b.is_empty() {
                    return a;
                }
            }
            Op::Diff => {
                if a.is_empty() || b.is_full() || a == b {
                    return Set::EMPTY;
                }
                if b.is_empty() {
                    return a;
                }
                if a.is_full() {
                    return self.not(b);
                }
            }
            // Tests are not operations: `subset` and `intersects` answer them; `not` is its
            // own walk.
            Op::Intersects | Op::Subset | Op::Not => {}
        }
        // And and Or commute: one cache entry for both orders.
        let (a, b) = match op {
            Op::And | Op::Or if b < a => (b, a),
            _ => (a, b),
        };
        if let Some(known) = self.cached(op, a, b) {
            return Set(known);
        }
        let var = self.var(a).min(self.var(b));
        let (a0, a1) = self.cofactors(a, var);
        let (b0, b1) = self.cofactors(b, var);
        let low = self.apply(op, a0, b0);
        let high = self.apply(op, a1, b1);
        let s = self.make(var, low, high);
        self.remember(op, a, b, s.0);
        s
    }

    /// Both: `a ∩ b`.
    pub fn and(&mut self, a: Set, b: Set) -> Set {
        self.apply(Op::And, a, b)
    }

    /// Either: `a ∪ b`.
    pub fn or(&mut self, a: Set, b: Set) -> Set {
        self.apply(Op::Or, a, b)
    }

    /// `a` but not `b`: `a ∖ b`.
    pub fn diff(&mut self, a: Set, b: Set) -> Set {
        self.apply(Op::Diff, a, b)
    }

    /// The union of every set of `sets`, joined pairwise (sets of about the same size meet,
    /// rather than each being added to one growing union).
    ///
    /// ```
    /// use flowverify::bdd::Bdd;
    /// let mut b = Bdd::new();
    /// let parts: Vec<_> = (0..10).map(|i| b.range(0, 8, 10 * i, 10 * i + 4)).collect();
    /// let all = b.or_all(&parts);
    /// assert_eq!(b.count(all, 8), 50);
    /// ```
    pub fn or_all(&mut self, sets: &[Set]) -> Set {
        let mut level: Vec<Set> = sets.iter().copied().filter(|s| !s.is_empty()).collect();
        while level.len() > 1 {
            let next = level
                .chunks(2)
                .map(|pair| match pair {
                    [a, b] => self.or(*a, *b),
                    [a] => *a,
                    _ => Set::EMPTY,
                })
                .collect();
            level = next;
        }
        level.first().copied().unwrap_or(Set::EMPTY)
    }

    /// Both `a ∩ b` and `a ∖ b`, in one walk of the two diagrams.
    ///
    /// ```
    /// use flowverify::bdd::Bdd;
    /// let mut b = Bdd::new();
    /// let x = b.range(0, 8, 20, 40);
    /// let y = b.range(0, 8, 30, 50);
    /// let (both, rest) = b.and_diff(x, y);
    /// assert_eq!((both, rest), (b.range(0, 8, 30, 40), b.range(0, 8, 20, 29)));
    /// ```
    pub fn and_diff(&mut self, a: Set, b: Set) -> (Set, Set) {
        if a.is_empty() || b.is_empty() {
            return (Set::EMPTY, a);
        }
        if b.is_full() || a == b {
            return (a, Set::EMPTY);
        }
        if a.is_full() {
            return (b, self.not(b));
        }
        // The cache keys of `apply`: And in either order, Diff as given.
        let (and_a, and_b) = if b < a { (b, a) } else { (a, b) };
        if let (Some(both), Some(rest)) = (
            self.cached(Op::And, and_a, and_b),
            self.cached(Op::Diff, a, b),
        ) {
            return (Set(both), Set(rest));
        }
        let var = self.var(a).min(self.var(b));
        let (a0, a1) = self.cofactors(a, var);
        let (b0, b1) = self.cofactors(b, var);
        let (and0, diff0) = self.and_diff(a0, b0);
        let (and1, diff1) = self.and_diff(a1, b1);
        let both = self.make(var, and0, and1);
        let rest = self.make(var, diff0, diff1);
        self.remember(Op::And, and_a, and_b, both.0);
        self.remember(Op::Diff, a, b, rest.0);
        (both, rest)
    }

    /// Everything not in `a`.
    ///
    /// ```
    /// use flowverify::bdd::{Bdd, Set};
    /// let mut b = Bdd::new();
    /// let x = b.range(0, 4, 3, 9);
    /// let not_x = b.not(x);
    /// assert_eq!(b.and(x, not_x), Set::EMPTY);
    /// assert_eq!(b.ranges(not_x, 0, 4), vec![(0, 2), (10, 15)]);
    /// ```
    pub fn not(&mut self, a: Set) -> Set {
        if a.is_empty() {
            return Set::FULL;
        }
        if a.is_full() {
            return Set::EMPTY;
        }
        if let Some(known) = self.cached(Op::Not, a, Set::EMPTY) {
            return Set(known);
        }
        let n = self.node(a);
        let low = self.not(n.low);
        let high = self.not(n.high);
        let s = self.make(n.var, low, high);
        self.remember(Op::Not, a, Set::EMPTY, s.0);
        s
    }

    /// Whether `a ⊆ b`. A test, not an operation: it makes no node and stops at the first
    /// vector of `a` outside `b`.
    ///
    /// ```
    /// use flowverify::bdd::Bdd;
    /// let mut b = Bdd::new();
    /// let x = b.range(0, 8, 20, 25);
    /// let y = b.range(0, 8, 10, 30);
    /// assert!(b.subset(x, y) && !b.subset(y, x));
    /// ```
    pub fn subset(&mut self, a: Set, b: Set) -> bool {
        if a.is_empty() || b.is_full() || a == b {
            return true;
        }
        if b.is_empty() || a.is_full() {
            return false;
        }
        if let Some(known) = self.cached_test(Op::Subset, a, b) {
            return known;
        }
        let var = self.var(a).min(self.var(b));
        let (a0, a1) = self.cofactors(a, var);
        let (b0, b1) = self.cofactors(b, var);
        let holds = self.subset(a0, b0) && self.subset(a1, b1);
        self.cache_test(Op::Subset, a, b, holds);
        holds
    }

    /// Whether `a` and `b` share a vector. A test, not an operation: it makes no node and
    /// stops at the first shared vector.
    ///
    /// ```
    /// use flowverify::bdd::Bdd;
    /// let mut b = Bdd::new();
    /// let x = b.range(0, 8, 20, 25);
    /// let y = b.range(0, 8, 25, 30);
    /// let z = b.range(0, 8, 26, 30);
    /// assert!(b.intersects(x, y) && !b.intersects(x, z));
    /// ```
    pub fn intersects(&mut self, a: Set, b: Set) -> bool {
        if a.is_empty() || b.is_empty() {
            return false;
        }
        if a.is_full() || b.is_full() || a == b {
            return true;
        }
        let (a, b) = if b < a { (b, a) } else { (a, b) };
        if let Some(known) = self.cached_test(Op::Intersects, a, b) {
            return known;
        }
        let var = self.var(a).min(self.var(b));
        let (a0, a1) = self.cofactors(a, var);
        let (b0, b1) = self.cofactors(b, var);
        let holds = self.intersects(a0, b0) || self.intersects(a1, b1);
        self.cache_test(Op::Intersects, a, b, holds);
        holds
    }

    /// The cached result of `op(a, b)`, if its slot still holds it.
    fn cached(&self, op: Op, a: Set, b: Set) -> Option<u32> {
        let entry = self.cache[self.slot(op, a, b)];
        (entry.op == op as u32 && entry.a == a.0 && entry.b == b.0).then_some(entry.result)
    }

    /// Keeps `op(a, b) = result` in its slot (worked out now: the cache may have grown since
    /// the operation began).
    fn remember(&mut self, op: Op, a: Set, b: Set, result: u32) {
        let slot = self.slot(op, a, b);
        self.cache[slot] = Entry {
            op: op as u32,
            a: a.0,
            b: b.0,
            result,
        };
    }

    fn cached_test(&self, op: Op, a: Set, b: Set) -> Option<bool> {
        self.cached(op, a, b).map(|r| r == 1)
    }

    fn cache_test(&mut self, op: Op, a: Set, b: Set, holds: bool) {
        self.remember(op, a, b, u32::from(holds));
    }

    /// The vectors that agree with one of `a`'s outside variables `first..first + width`,
    /// whatever those variables hold: `∃ field. a`.
    ///
    /// ```
    /// use flowverify::bdd::{Bdd, Set};
    /// let mut b = Bdd::new();
    /// let low = b.range(0, 4, 0, 3);      // field A (vars 0-3) in 0-3
    /// let high = b.range(4, 4, 8, 15);    // field B (vars 4-7) in 8-15
    /// let both = b.and(low, high);
    /// assert_eq!(b.exists(both, 0, 4), high);
    /// assert_eq!(b.exists(both, 0, 8), Set::FULL);
    /// ```
    pub fn exists(&mut self, a: Set, first: u32, width: u32) -> Set {
        let mut memo = HashMap::new();
        self.exists_in(a, first, first.saturating_add(width), &mut memo)
    }

    fn exists_in(&mut self, a: Set, first: u32, end: u32, memo: &mut HashMap<Set, Set>) -> Set {
        let n = self.node(a);
        if n.var == TERMINAL || n.var >= end {
            return a;
        }
        if let Some(&s) = memo.get(&a) {
            return s;
        }
        let low = self.exists_in(n.low, first, end, memo);
        let high = self.exists_in(n.high, first, end, memo);
        let s = if n.var >= first {
            self.or(low, high)
        } else {
            self.make(n.var, low, high)
        };
        memo.insert(a, s);
        s
    }

    /// The field at variables `first..first + width` (most significant bit first) holds a value
    /// in `lo..=hi` (an empty range gives the empty set).
    pub fn range(&mut self, first: u32, width: u32, lo: u128, hi: u128) -> Set {
        let max = if width >= 128 {
            u128::MAX
        } else {
            (1u128 << width) - 1
        };
        if lo > hi || lo > max {
            return Set::EMPTY;
        }
        let hi = hi.min(max);
        // ≥ lo and ≤ hi, each built from the least significant bit up.
        let at_least = self.bound(first, width, lo, true);
        let at_most = self.bound(first, width, hi, false);
        self.and(at_least, at_most)
    }

    /// The field at `first..first + width` holds a value in one of `ranges` (inclusive, sorted,
    /// disjoint): one walk down the field's variables, however many ranges.
    ///
    /// ```
    /// use flowverify::bdd::Bdd;
    /// let mut b = Bdd::new();
    /// let x = b.ranges_set(0, 8, &[(3, 9), (20, 20), (200, 255)]);
    /// let three = [(3, 9), (20, 20), (200, 255)].map(|(lo, hi)| b.range(0, 8, lo, hi));
    /// assert_eq!(x, b.or_all(&three));
    /// assert_eq!(b.ranges(x, 0, 8), vec![(3, 9), (20, 20), (200, 255)]);
    /// ```
    pub fn ranges_set(&mut self, first: u32, width: u32, ranges: &[(u128, u128)]) -> Set {
        self.ranges_below(first, width, 0, 0, ranges)
    }

    /// [`Bdd::ranges_set`] for the values below the first `depth` bits of the field, which are
    /// `base`'s (`ranges` only those that meet them).
    fn ranges_below(
        &mut self,
        first: u32,
        width: u32,
        depth: u32,
        base: u128,
        ranges: &[(u128, u128)],
    ) -> Set {
        let free = width - depth;
        let span = if free >= 128 {
            u128::MAX
        } else {
            (1u128 << free) - 1
        };
        let top = base | span;
        // Only the ranges that meet base..=top.
        let from = ranges.partition_point(|r| r.1 < base);
        let to = ranges.partition_point(|r| r.0 <= top);
        let within = &ranges[from..to.max(from)];
        match within {
            [] => Set::EMPTY,
            [(lo, hi)] if *lo <= base && *hi >= top => Set::FULL,
            _ => {
                let half = 1u128 << (free - 1);
                let low = self.ranges_below(first, width, depth + 1, base, within);
                let high = self.ranges_below(first, width, depth + 1, base | half, within);
                self.make(first + depth, low, high)
            }
        }
    }

    /// `field ≥ value` (`ge`) or `field ≤ value`.
    fn bound(&mut self, first: u32, width: u32, value: u128, ge: bool) -> Set {
        let mut s = Set::FULL;
        for i in (0..width).rev() {
            let var = first + i;
            let shift = width - 1 - i;
            let bit = shift < 128 && (value >> shift) & 1 == 1;
            s = match (ge, bit) {
                // ≥: where value has 1, the field needs 1 and the rest ≥; where 0, a 1 is
                // already greater, a 0 needs the rest ≥.
                (true, true) => self.make(var, Set::EMPTY, s),
                (true, false) => self.make(var, s, Set::FULL),
                (false, true) => self.make(var, Set::FULL, s),
                (false, false) => self.make(var, s, Set::EMPTY),
            };
        }
        s
    }

    /// The field at `first..first + width` starts with the `len` most significant bits of
    /// `value` (a CIDR block: `value` is the address as a `width`-bit number).
    ///
    /// ```
    /// use flowverify::bdd::Bdd;
    /// let mut b = Bdd::new();
    /// let net = b.prefix(0, 32, u128::from(u32::from_be_bytes([10, 0, 0, 0])), 8);
    /// let lo = u128::from(u32::from_be_bytes([10, 0, 0, 0]));
    /// let hi = u128::from(u32::from_be_bytes([10, 255, 255, 255]));
    /// assert_eq!(net, b.range(0, 32, lo, hi));
    /// ```
    pub fn prefix(&mut self, first: u32, width: u32, value: u128, len: u32) -> Set {
        let len = len.min(width);
        let mut s = Set::FULL;
        for i in (0..len).rev() {
            let shift = width - 1 - i;
            let bit = shift < 128 && (value >> shift) & 1 == 1;
            s = if bit {
                self.make(first + i, Set::EMPTY, s)
            } else {
                self.make(first + i, s, Set::EMPTY)
            };
        }
        s
    }

    /// The values the field at `first..first + width` takes in `a`, whatever the other
    /// variables hold, as sorted, merged inclusive ranges.
    pub fn ranges(&mut self, a: Set, first: u32, width: u32) -> Vec<(u128, u128)> {
        // Project away everything but the field: one part, whose ranges are the answer.
        let before = self.exists(a, 0, first);
        let only = self.exists(before, first + width, TERMINAL - (first + width));
        let mut all: Vec<(u128, u128)> = self
            .split(only, first, width)
            .into_iter()
            .flat_map(|(ranges, _)| ranges)
            .collect();
        all.sort_unstable();
        merge(all)
    }

    /// `a` split at the field `first..first + width`: each part is the values of the field
    /// (sorted, merged ranges) that lead to one same rest of the set (the variables after the
    /// field), with that rest. The variables before the field must be decided already (`a` is
    /// a set whose diagram starts at `first` or later).
    ///
    /// ```
    /// use flowverify::bdd::{Bdd, Set};
    /// let mut b = Bdd::new();
    /// let low = b.range(0, 4, 0, 3);
    /// let odd_rest = b.range(4, 4, 1, 1);
    /// let x = b.and(low, odd_rest);
    /// let high = b.range(0, 4, 8, 15);
    /// let y = b.or(x, high);
    /// let parts = b.split(y, 0, 4);
    /// assert_eq!(parts.len(), 2);
    /// assert!(parts.contains(&(vec![(0, 3)], odd_rest)));
    /// assert!(parts.contains(&(vec![(8, 15)], Set::FULL)));
    /// ```
    pub fn split(&self, a: Set, first: u32, width: u32) -> Vec<(Vec<(u128, u128)>, Set)> {
        let mut raw: Vec<((u128, u128), Set)> = Vec::new();
        self.walk_split(a, first, width, 0, 0, &mut raw);
        let mut parts: Vec<(Vec<(u128, u128)>, Set)> = Vec::new();
        for (range, rest) in raw {
            match parts.iter_mut().find(|(_, r)| *r == rest) {
                Some((ranges, _)) => ranges.push(range),
                None => parts.push((vec![range], rest)),
            }
        }
        for (ranges, _) in &mut parts {
            ranges.sort_unstable();
            *ranges = merge(std::mem::take(ranges));
        }
        parts
    }

    fn walk_split(
        &self,
        s: Set,
        first: u32,
        width: u32,
        depth: u32,
        value: u128,
        out: &mut Vec<((u128, u128), Set)>,
    ) {
        if s.is_empty() {
            return;
        }
        let n = self.node(s);
        if depth == width || n.var >= first + width {
            // The rest of the field is free: every value below this point leads to `s`.
            let free = width - depth;
            let span = if free >= 128 {
                u128::MAX
            } else {
                (1u128 << free) - 1
            };
            let lo = if free >= 128 { 0 } else { value << free };
            out.push(((lo, lo | span), s));
            return;
        }
        let var = first + depth;
        let shifted = value << 1;
        if n.var == var {
            self.walk_split(n.low, first, width, depth + 1, shifted, out);
            self.walk_split(n.high, first, width, depth + 1, shifted | 1, out);
        } else {
            self.walk_split(s, first, width, depth + 1, shifted, out);
            self.walk_split(s, first, width, depth + 1, shifted | 1, out);
        }
    }

    /// How many vectors of `vars` variables (numbered from 0) `a` holds, saturating at
    /// `u128::MAX`.
    pub fn count(&self, a: Set, vars: u32) -> u128 {
        let mut memo = HashMap::new();
        self.count_from(a, 0, vars, &mut memo)
    }

    fn count_from(
        &self,
        a: Set,
        level: u32,
        vars: u32,
        memo: &mut HashMap<(Set, u32), u128>,
    ) -> u128 {
        let pow = |k: u32| -> u128 {
            if k >= 128 {
                u128::MAX
            } else {
                1u128 << k
            }
        };
        if a.is_empty() {
            return 0;
        }
        if a.is_full() {
            return pow(vars.saturating_sub(level));
        }
        if let Some(&c) = memo.get(&(a, level)) {
            return c;
        }
        let n = self.node(a);
        let skipped = pow(n.var.saturating_sub(level));
        let low = self.count_from(n.low, n.var + 1, vars, memo);
        let high = self.count_from(n.high, n.var + 1, vars, memo);
        let c = low.saturating_add(high).saturating_mul(skipped);
        memo.insert((a, level), c);
        c
    }

    /// One vector of `a` (the variables it leaves free are 0), as the values of its variables
    /// in order; `None` for the empty set.
    pub fn pick(&self, a: Set, vars: u32) -> Option<Vec<bool>> {
        if a.is_empty() {
            return None;
        }
        let mut out = vec![false; vars as usize];
        let mut s = a;
        while !s.is_full() {
            let n = self.node(s);
            if !n.low.is_empty() {
                s = n.low;
            } else {
                if let Some(v) = out.get_mut(n.var as usize) {
                    *v = true;
                }
                s = n.high;
            }
        }
        Some(out)
    }

    /// Whether the vector `bits` (variable `i` = `bits[i]`, missing variables 0) is in `a`.
    pub fn contains(&self, a: Set, bits: &[bool]) -> bool {
        let mut s = a;
        loop {
            if s.is_empty() {
                return false;
            }
            if s.is_full() {
                return true;
            }
            let n = self.node(s);
            let bit = bits.get(n.var as usize).copied().unwrap_or(false);
            s = if bit { n.high } else { n.low };
        }
    }
}

/// Sorted inclusive ranges with the adjacent and overlapping ones merged.
fn merge(sorted: Vec<(u128, u128)>) -> Vec<(u128, u128)> {
    let mut merged: Vec<(u128, u128)> = Vec::with_capacity(sorted.len());
    for (lo, hi) in sorted {
        match merged.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => merged.push((lo, hi)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The values of an 8-bit field at variables 0-7 that are in `s`, by brute force.
    fn members(b: &Bdd, s: Set) -> Vec<u8> {
        (0..=255u8)
            .filter(|v| {
                let bits: Vec<bool> = (0..8).map(|i| (v >> (7 - i)) & 1 == 1).collect();
                b.contains(s, &bits)
            })
            .collect()
    }

    fn interval(lo: u8, hi: u8) -> Vec<u8> {
        (lo..=hi).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn operations_agree_with_sets_of_numbers(a in 0u8..=255, b_ in 0u8..=255, c in 0u8..=255, d in 0u8..=255) {
            let (a, b_) = (a.min(b_), a.max(b_));
            let (c, d) = (c.min(d), c.max(d));
            let mut b = Bdd::new();
            let x = b.range(0, 8, a.into(), b_.into());
            let y = b.range(0, 8, c.into(), d.into());
            prop_assert_eq!(members(&b, x), interval(a, b_));
            let and = b.and(x, y);
            let or = b.or(x, y);
            let diff = b.diff(x, y);
            let not = b.not(x);
            let xs = interval(a, b_);
            let ys = interval(c, d);
            prop_assert_eq!(members(&b, and), xs.iter().copied().filter(|v| ys.contains(v)).collect::<Vec<_>>());
            prop_assert_eq!(members(&b, or), (0..=255u8).filter(|v| xs.contains(v) || ys.contains(v)).collect::<Vec<_>>());
            prop_assert_eq!(members(&b, diff), xs.iter().copied().filter(|v| !ys.contains(v)).collect::<Vec<_>>());
            prop_assert_eq!(members(&b, not), (0..=255u8).filter(|v| !xs.contains(v)).collect::<Vec<_>>());
            prop_assert_eq!(b.count(or, 8) as usize, members(&b, or).len());
            // Canonical: the same set is the same node, whichever way it was built.
            let again = b.or(y, x);
            prop_assert_eq!(or, again);
            let via_diff = b.diff(or, diff);
            let ys_part = b.and(or, y);
            prop_assert_eq!(via_diff, ys_part);
            // Ranges give the set back.
            let mut rebuilt = Set::EMPTY;
            for (lo, hi) in b.ranges(or, 0, 8) {
                let r = b.range(0, 8, lo, hi);
                rebuilt = b.or(rebuilt, r);
            }
            prop_assert_eq!(rebuilt, or);
            // A picked member is a member.
            if let Some(bits) = b.pick(or, 8) {
                prop_assert!(b.contains(or, &bits));
            } else {
                prop_assert!(or.is_empty());
            }
        }

        #[test]
        fn prefixes_are_ranges(value in any::<u16>(), len in 0u32..=16) {
            let mut b = Bdd::new();
            let p = b.prefix(0, 16, value.into(), len);
            let span = u16::MAX.checked_shr(len).unwrap_or(0);
            let lo = value & !span;
            let r = b.range(0, 16, lo.into(), (lo | span).into());
            prop_assert_eq!(p, r);
        }

        #[test]
        fn exists_forgets_a_field(a in 0u8..=15, b_ in 0u8..=15, c in 0u8..=15, d in 0u8..=15) {
            let mut b = Bdd::new();
            let x = b.range(0, 4, a.min(b_).into(), a.max(b_).into());
            let y = b.range(4, 4, c.min(d).into(), c.max(d).into());
            let xy = b.and(x, y);
            prop_assert_eq!(b.exists(xy, 0, 4), y);
            prop_assert_eq!(b.exists(xy, 4, 4), x);
            prop_assert_eq!(b.ranges(xy, 4, 4), vec![(u128::from(c.min(d)), u128::from(c.max(d)))]);
        }
    }

    #[test]
    fn wide_fields() {
        let mut b = Bdd::new();
        let all = b.range(0, 128, 0, u128::MAX);
        assert_eq!(all, Set::FULL);
        let v6 = b.prefix(0, 128, 0x2000u128 << 112, 3);
        assert_eq!(
            b.ranges(v6, 0, 128),
            vec![(0x2000u128 << 112, (0x4000u128 << 112) - 1)]
        );
        assert_eq!(b.count(v6, 128), 1u128 << 125);
        assert_eq!(b.range(0, 8, 9, 3), Set::EMPTY);
        assert_eq!(b.range(0, 8, 300, 400), Set::EMPTY);
    }
}
