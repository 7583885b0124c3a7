//! Per-field decision diagrams: exact sets of tuples of small numbers (a flow's fields, each
//! numbered by its [atom](crate::atoms)), the representation the analyses of every flow at once
//! are built on (`docs/design/sets.md`).
//!
//! A node tests one field and sends each range of its values to a child: its *segments*, the
//! values from a start up to the next segment's start. Rules are products of per-field sets,
//! so a rule is one node per field with two or three segments, and the sets the analyses make
//! (first matches, regions) are shared, reduced diagrams of a few thousand nodes: a field is
//! crossed in one step, where a binary decision diagram would take one node per bit (NDD,
//! NSDI 2025, labels a field's edges with its sets likewise).
//!
//! A field of more than 2^[`DIGIT_BITS`] values is tested one digit (a byte) of its value at a
//! time, most significant first: sets that differ in a few values of a wide field then share
//! every other sub-node, where one wide node would be copied whole.
//!
//! Reduced and hash-consed: segments cover the whole field, neighbouring segments lead to
//! different children, a node has two segments or more (a field every value of which leads to
//! the same child is skipped), and every node is made once, so equal sets are the same
//! [`Set`]. Fields are tested in their order (0 first). The node table, the unique table
//! (open addressing over node numbers) and the cache of operations (direct-mapped: a slot
//! holds the last operation that hashed there) are separate pieces, as in BDD packages.
//!
//! ```
//! use flowverify::mdd::{Mdd, Set};
//! // Two fields: 0 of 100 values, 1 of 10.
//! let mut m = Mdd::new(&[100, 10]);
//! let x = m.range(0, 20, 25);
//! let y = m.range(0, 24, 30);
//! assert_eq!(m.and(x, y), m.range(0, 24, 25));
//! let either = m.or(x, y);
//! assert_eq!(m.split(either, 0), vec![(vec![(20, 30)], Set::FULL)]);
//! let odd = m.ranges_set(1, &[(1, 1), (3, 3), (5, 5), (7, 7), (9, 9)]);
//! let both = m.and(either, odd);
//! assert_eq!(m.count(both), 11 * 5);
//! assert_eq!(m.pick(both), Some(vec![20, 1]));
//! ```

/// A set, as a node of its manager's table. Two sets of one manager are equal exactly when
/// they hold the same tuples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Set(u32);

impl Set {
    /// The empty set.
    pub const EMPTY: Set = Set(0);
    /// The set of every tuple.
    pub const FULL: Set = Set(1);

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self == Set::EMPTY
    }

    /// Whether the set holds every tuple.
    pub fn is_full(self) -> bool {
        self == Set::FULL
    }
}

/// The values `start..` (up to the next segment's start) of a node's field lead to `child`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    start: u32,
    child: Set,
}

/// A node: its level, and where its segments are in the segment table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Node {
    level: u32,
    first: u32,
    len: u32,
}

/// The level of the terminals: after every real level.
const TERMINAL: u32 = u32::MAX;

/// The bits of a digit: a field of more than 2^DIGIT_BITS values is tested one digit at a
/// time, most significant first (see the module documentation).
pub const DIGIT_BITS: u32 = 8;

/// Where a field's digits are: its levels `first..first + digits`, each of `1 << bits`
/// values but the first, which has `top`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Digits {
    first: u32,
    digits: u32,
    bits: u32,
    top: u32,
}

impl Digits {
    /// How many values one value of digit `i` stands for.
    fn span(self, i: u32) -> u64 {
        1u64 << (self.bits * (self.digits - 1 - i))
    }

    /// How many values the field holds (its digits' combinations).
    fn capacity(self) -> u64 {
        u64::from(self.top) * self.span(0)
    }

    /// Digit `i` of `value`.
    fn digit(self, value: u32, i: u32) -> u32 {
        let shift = self.bits * (self.digits - 1 - i);
        let d = u64::from(value) >> shift;
        if i == 0 {
            d as u32
        } else {
            (d & ((1 << self.bits) - 1)) as u32
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    And = 1,
    Or = 2,
    Diff = 3,
    Intersects = 4,
    Subset = 5,
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
/// The unique table's first size (a power of two, kept at most half full).
const UNIQUE_MIN: usize = 1 << 12;
/// An empty slot of the unique table.
const VACANT: u64 = u64::MAX;

/// How much a manager may hold by default: 2^25 segments and 2^23 nodes, about 400 MB at
/// most with the unique table and the cache. Past it every operation answers the empty set
/// and [`Mdd::exhausted`] says so: the analysis reports that its input is too large rather
/// than exhausting the machine (see [`Mdd::with_limit`]).
pub const DEFAULT_LIMIT: Limit = Limit {
    nodes: 1 << 23,
    segments: 1 << 25,
};

/// The most a manager may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Nodes.
    pub nodes: usize,
    /// Segments of every node together.
    pub segments: usize,
}

/// The manager: the fields' sizes, the node table with its segments, the unique table that
/// makes each set one node, and the cache of operations done.
#[derive(Debug, Clone)]
pub struct Mdd {
    /// Each field's digits.
    fields: Vec<Digits>,
    /// How many values each level has.
    levels: Vec<u32>,
    nodes: Vec<Node>,
    /// Each node's hash (the unique table grows without hashing segments again).
    hashes: Vec<u64>,
    /// The segments of every node, their starts and children apart: a level has at most 256
    /// values (wider fields are tested a digit at a time), so a start is a byte.
    starts: Vec<u8>,
    children: Vec<Set>,
    /// Open addressing over node numbers by the hash of their content: each slot holds the
    /// hash's high 32 bits (compared first) and the node's number.
    unique: Vec<u64>,
    cache: Vec<Entry>,
    /// Segments of nodes being made (a stack: an operation pushes its result's segments,
    /// its recursive calls push and pop theirs above them).
    scratch: Vec<Segment>,
    /// The same for [`Mdd::and_diff`], which makes two nodes at once.
    pairs: Vec<(u32, Set, Set)>,
    limit: Limit,
    exhausted: bool,
}

/// Fx-style mixing of one more word into a hash.
fn mix(h: u64, word: u64) -> u64 {
    (h.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95)
}

fn node_hash(level: u32, segments: &[Segment]) -> u64 {
    let mut h = mix(0, u64::from(level));
    for s in segments {
        h = mix(h, u64::from(s.start) << 32 | u64::from(s.child.0));
    }
    h ^ h >> 31
}

impl Mdd {
    /// A manager of tuples whose field `i` takes the values `0..sizes[i]` (each at least 1),
    /// with the default limit.
    pub fn new(sizes: &[u32]) -> Mdd {
        Mdd::with_limit(sizes, DEFAULT_LIMIT)
    }

    /// A manager whose fields of more than `2^bits` values are tested `bits` bits at a time
    /// (1 to 8: a level has at most 256 values; see [`DIGIT_BITS`]).
    pub fn with_digits(sizes: &[u32], bits: u32, limit: Limit) -> Mdd {
        let bits = bits.clamp(1, 8);
        let mut fields = Vec::with_capacity(sizes.len());
        let mut levels = Vec::new();
        for &size in sizes {
            let size = size.max(1);
            let needed = 32 - (size - 1).leading_zeros();
            let digits = needed.div_ceil(bits).max(1);
            let d = Digits {
                first: levels.len() as u32,
                digits,
                bits,
                top: ((u64::from(size) - 1) >> (bits * (digits - 1))) as u32 + 1,
            };
            levels.push(d.top);
            for _ in 1..digits {
                levels.push(1 << bits);
            }
            fields.push(d);
        }
        let terminal = Node {
            level: TERMINAL,
            first: 0,
            len: 0,
        };
        Mdd {
            fields,
            levels,
            nodes: vec![terminal, terminal],
            hashes: vec![0, 0],
            starts: Vec::new(),
            children: Vec::new(),
            unique: vec![VACANT; UNIQUE_MIN],
            cache: vec![Entry::default(); CACHE_MIN],
            scratch: Vec::new(),
            pairs: Vec::new(),
            limit,
            exhausted: false,
        }
    }

    /// A manager that holds at most `limit`.
    ///
    /// ```
    /// use flowverify::mdd::{Limit, Mdd};
    /// let mut m = Mdd::with_limit(&[1000, 1000], Limit { nodes: 4, segments: 100 });
    /// let parts: Vec<_> = (0..10).map(|i| {
    ///     let a = m.range(0, 10 * i, 10 * i + 5);
    ///     let b = m.range(1, i, 2 * i);
    ///     m.and(a, b)
    /// }).collect();
    /// let all = m.or_all(&parts);
    /// assert!(m.exhausted() && all.is_empty());
    /// ```
    pub fn with_limit(sizes: &[u32], limit: Limit) -> Mdd {
        Mdd::with_digits(sizes, DIGIT_BITS, limit)
    }

    fn digits(&self, field: u32) -> Digits {
        self.fields.get(field as usize).copied().unwrap_or(Digits {
            first: TERMINAL,
            digits: 1,
            bits: 1,
            top: 1,
        })
    }

    /// How many values field `field` holds: at least the size it was made with (a field
    /// tested a digit at a time holds every combination of its digits).
    pub fn capacity(&self, field: u32) -> u64 {
        self.digits(field).capacity()
    }

    /// How many fields a tuple has.
    pub fn fields(&self) -> u32 {
        self.fields.len() as u32
    }

    /// How many values level `level` has.
    fn level_size(&self, level: u32) -> u32 {
        self.levels.get(level as usize).copied().unwrap_or(1)
    }

    /// How many nodes the table holds (the two terminals included): a measure of the work done.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the table holds only the terminals.
    pub fn is_empty(&self) -> bool {
        self.nodes.len() == 2
    }

    /// Whether an operation needed more than the limit: every set made since is meaningless
    /// (empty), and the work must be given up.
    pub fn exhausted(&self) -> bool {
        self.exhausted
    }

    /// The bytes the manager holds (nodes, segments, unique table and cache).
    pub fn bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.hashes.capacity() * std::mem::size_of::<u64>()
            + self.starts.capacity()
            + self.children.capacity() * std::mem::size_of::<Set>()
            + self.unique.len() * std::mem::size_of::<u64>()
            + self.cache.len() * std::mem::size_of::<Entry>()
    }

    fn node(&self, s: Set) -> Node {
        self.nodes[s.0 as usize]
    }

    fn level(&self, s: Set) -> u32 {
        self.nodes[s.0 as usize].level
    }

    /// Segment `i` of node `n`.
    fn segment(&self, n: Node, i: u32) -> Segment {
        let at = (n.first + i) as usize;
        Segment {
            start: u32::from(self.starts[at]),
            child: self.children[at],
        }
    }

    /// Whether node `n`'s segments are `segments`.
    fn segments_are(&self, n: Node, segments: &[Segment]) -> bool {
        let range = n.first as usize..(n.first + n.len) as usize;
        n.len as usize == segments.len()
            && self.children[range.clone()]
                .iter()
                .zip(&self.starts[range])
                .zip(segments)
                .all(|((&c, &st), seg)| c == seg.child && u32::from(st) == seg.start)
    }

    /// Pushes a segment on the scratch stack, joined to the one before it (from `base`) when
    /// they lead to the same child.
    fn push(&mut self, base: usize, start: u32, child: Set) {
        if self.scratch.len() > base && self.scratch[self.scratch.len() - 1].child == child {
            return;
        }
        self.scratch.push(Segment { start, child });
    }

    /// The one node testing `level` with the segments `scratch[base..]` (popped): made if
    /// new; none when there is one segment. Past the limit: the empty set, and the manager is
    /// exhausted.
    fn make(&mut self, level: u32, base: usize) -> Set {
        if self.scratch.len() - base == 1 {
            let child = self.scratch[base].child;
            self.scratch.truncate(base);
            return child;
        }
        let hash = node_hash(level, &self.scratch[base..]);
        let tag = hash >> 32;
        let mask = self.unique.len() - 1;
        let mut slot = hash as usize & mask;
        loop {
            let at = self.unique[slot];
            if at == VACANT {
                break;
            }
            if at >> 32 == tag {
                let n = self.nodes[at as u32 as usize];
                if n.level == level && self.segments_are(n, &self.scratch[base..]) {
                    self.scratch.truncate(base);
                    return Set(at as u32);
                }
            }
            slot = (slot + 1) & mask;
        }
        let len = self.scratch.len() - base;
        if self.exhausted
            || self.nodes.len() >= self.limit.nodes
            || self.children.len() + len > self.limit.segments
        {
            self.exhausted = true;
            self.scratch.truncate(base);
            return Set::EMPTY;
        }
        let node = Node {
            level,
            first: self.children.len() as u32,
            len: len as u32,
        };
        for seg in &self.scratch[base..] {
            // A level has at most 256 values.
            self.starts.push(seg.start as u8);
            self.children.push(seg.child);
        }
        self.scratch.truncate(base);
        let s = Set(self.nodes.len() as u32);
        self.nodes.push(node);
        self.hashes.push(hash);
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
        for (i, &hash) in self.hashes.iter().enumerate().skip(2) {
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

    /// The tuples whose field `field` is in `lo..=hi` (empty when `lo > hi`; `hi` past the
    /// field's values is its last).
    pub fn range(&mut self, field: u32, lo: u32, hi: u32) -> Set {
        self.ranges_set(field, &[(lo, hi)])
    }

    /// The tuples whose field `field` is in one of `ranges` (inclusive, sorted, disjoint).
    ///
    /// ```
    /// use flowverify::mdd::Mdd;
    /// let mut m = Mdd::new(&[256]);
    /// let x = m.ranges_set(0, &[(3, 9), (10, 20), (200, 255)]);
    /// assert_eq!(m.split(x, 0)[0].0, vec![(3, 20), (200, 255)]);
    /// ```
    pub fn ranges_set(&mut self, field: u32, ranges: &[(u32, u32)]) -> Set {
        let d = self.digits(field);
        if d.first == TERMINAL {
            return Set::EMPTY;
        }
        let last = d.capacity() - 1;
        let ranges: Vec<(u64, u64)> = ranges
            .iter()
            .map(|&(lo, hi)| (u64::from(lo), u64::from(hi).min(last)))
            .filter(|(lo, hi)| lo <= hi)
            .collect();
        self.ranges_below(d, 0, 0, &ranges)
    }

    /// [`Mdd::ranges_set`] from digit `digit` on, for the values `base..` its digits span
    /// (`ranges`: sorted, disjoint).
    fn ranges_below(&mut self, d: Digits, digit: u32, base: u64, ranges: &[(u64, u64)]) -> Set {
        let level = d.first + digit;
        let size = u64::from(self.level_size(level));
        let span = d.span(digit);
        let top = base + size * span - 1;
        let from = ranges.partition_point(|r| r.1 < base);
        let to = ranges.partition_point(|r| r.0 <= top);
        let within = &ranges[from..to.max(from)];
        match within {
            [] => return Set::EMPTY,
            [(lo, hi)] if *lo <= base && *hi >= top => return Set::FULL,
            _ => {}
        }
        let at = self.scratch.len();
        let mut v = 0u64;
        let mut k = 0usize;
        while v < size {
            let lo = base + v * span;
            let hi = lo + span - 1;
            while k < within.len() && within[k].1 < lo {
                k += 1;
            }
            let Some(&(rlo, rhi)) = within.get(k) else {
                self.push(at, v as u32, Set::EMPTY);
                break;
            };
            if rlo > hi {
                // No range until the digit value of the next range's start.
                self.push(at, v as u32, Set::EMPTY);
                v = (rlo - base) / span;
                continue;
            }
            if rlo <= lo && rhi >= hi {
                // Every digit value the range covers whole.
                self.push(at, v as u32, Set::FULL);
                v = ((rhi - base + 1) / span).min(size);
                continue;
            }
            let child = self.ranges_below(d, digit + 1, lo, &within[k..]);
            self.push(at, v as u32, child);
            v += 1;
        }
        self.make(level, at)
    }

    /// `s`'s node, and whether it tests `level` (else every value of the level leads to `s`).
    fn view(&self, s: Set, level: u32) -> (Node, bool) {
        let n = self.node(s);
        (n, n.level == level)
    }

    /// The child of `s` in segment `i` of its view at the level (`tests`: whether `s` tests
    /// the level), and the last value of that segment.
    fn at(&self, s: Set, n: Node, tests: bool, i: u32, last: u32) -> (Set, u32) {
        if !tests {
            return (s, last);
        }
        let seg = self.segment(n, i);
        let end = if i + 1 < n.len {
            self.segment(n, i + 1).start - 1
        } else {
            last
        };
        (seg.child, end)
    }

    fn apply(&mut self, op: Op, a: Set, b: Set) -> Set {
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
        let level = self.level(a).min(self.level(b));
        let last = self.level_size(level) - 1;
        let (na, ta) = self.view(a, level);
        let (nb, tb) = self.view(b, level);
        let base = self.scratch.len();
        let (mut i, mut j) = (0u32, 0u32);
        let mut start = 0u32;
        loop {
            let (ca, ea) = self.at(a, na, ta, i, last);
            let (cb, eb) = self.at(b, nb, tb, j, last);
            let child = self.apply(op, ca, cb);
            self.push(base, start, child);
            let end = ea.min(eb);
            if end == last {
                break;
            }
            start = end + 1;
            if ea == end {
                i += 1;
            }
            if eb == end {
                j += 1;
            }
        }
        let s = self.make(level, base);
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
    /// use flowverify::mdd::Mdd;
    /// let mut m = Mdd::new(&[256]);
    /// let parts: Vec<_> = (0..10).map(|i| m.range(0, 10 * i, 10 * i + 4)).collect();
    /// let all = m.or_all(&parts);
    /// assert_eq!(m.count(all), 50);
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
    /// use flowverify::mdd::Mdd;
    /// let mut m = Mdd::new(&[256]);
    /// let x = m.range(0, 20, 40);
    /// let y = m.range(0, 30, 50);
    /// let (both, rest) = m.and_diff(x, y);
    /// assert_eq!((both, rest), (m.range(0, 30, 40), m.range(0, 20, 29)));
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
        let level = self.level(a).min(self.level(b));
        let last = self.level_size(level) - 1;
        let (na, ta) = self.view(a, level);
        let (nb, tb) = self.view(b, level);
        let base = self.pairs.len();
        let (mut i, mut j) = (0u32, 0u32);
        let mut start = 0u32;
        loop {
            let (ca, ea) = self.at(a, na, ta, i, last);
            let (cb, eb) = self.at(b, nb, tb, j, last);
            let (both, rest) = self.and_diff(ca, cb);
            self.pairs.push((start, both, rest));
            let end = ea.min(eb);
            if end == last {
                break;
            }
            start = end + 1;
            if ea == end {
                i += 1;
            }
            if eb == end {
                j += 1;
            }
        }
        let mut made = [Set::EMPTY; 2];
        for (k, out) in made.iter_mut().enumerate() {
            let at = self.scratch.len();
            for p in base..self.pairs.len() {
                let (start, both, rest) = self.pairs[p];
                self.push(at, start, if k == 0 { both } else { rest });
            }
            *out = self.make(level, at);
        }
        self.pairs.truncate(base);
        let [both, rest] = made;
        self.remember(Op::And, and_a, and_b, both.0);
        self.remember(Op::Diff, a, b, rest.0);
        (both, rest)
    }

    /// Everything not in `a`.
    ///
    /// ```
    /// use flowverify::mdd::{Mdd, Set};
    /// let mut m = Mdd::new(&[16]);
    /// let x = m.range(0, 3, 9);
    /// let not_x = m.not(x);
    /// assert_eq!(m.and(x, not_x), Set::EMPTY);
    /// assert_eq!(m.split(not_x, 0)[0].0, vec![(0, 2), (10, 15)]);
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
        let base = self.scratch.len();
        for i in 0..n.len {
            let seg = self.segment(n, i);
            let child = self.not(seg.child);
            self.push(base, seg.start, child);
        }
        let s = self.make(n.level, base);
        self.remember(Op::Not, a, Set::EMPTY, s.0);
        s
    }

    /// The set `a` of manager `from` (whose fields are this one's) made in this manager: what
    /// an analysis keeps of a manager it is done with (the rest of its nodes go with it).
    ///
    /// ```
    /// use flowverify::mdd::Mdd;
    /// let mut work = Mdd::new(&[256, 16]);
    /// let x = work.range(0, 10, 20);
    /// let y = work.range(1, 3, 3);
    /// let xy = work.and(x, y);
    /// let mut kept = Mdd::new(&[256, 16]);
    /// let copy = kept.transfer(&work, xy, &mut Default::default());
    /// assert_eq!(kept.count(copy), 11);
    /// assert_eq!(kept.len(), 4);
    /// ```
    pub fn transfer(
        &mut self,
        from: &Mdd,
        a: Set,
        memo: &mut rustc_hash::FxHashMap<Set, Set>,
    ) -> Set {
        if a.is_empty() || a.is_full() {
            return a;
        }
        if let Some(&done) = memo.get(&a) {
            return done;
        }
        let n = from.node(a);
        let children: Vec<Segment> = (0..n.len).map(|i| from.segment(n, i)).collect();
        let base = self.scratch.len();
        for seg in children {
            let child = self.transfer(from, seg.child, memo);
            self.push(base, seg.start, child);
        }
        let s = self.make(n.level, base);
        memo.insert(a, s);
        s
    }

    /// Whether `a ⊆ b` (`subset`) or whether `a` and `b` share a tuple: a test, not an
    /// operation, that makes no node and stops at the first answer.
    fn test(&mut self, op: Op, a: Set, b: Set) -> bool {
        match op {
            Op::Subset => {
                if a.is_empty() || b.is_full() || a == b {
                    return true;
                }
                if b.is_empty() || a.is_full() {
                    return false;
                }
            }
            _ => {
                if a.is_empty() || b.is_empty() {
                    return false;
                }
                if a.is_full() || b.is_full() || a == b {
                    return true;
                }
            }
        }
        let (a, b) = match op {
            Op::Intersects if b < a => (b, a),
            _ => (a, b),
        };
        if let Some(known) = self.cached(op, a, b) {
            return known == 1;
        }
        let level = self.level(a).min(self.level(b));
        let last = self.level_size(level) - 1;
        let (na, ta) = self.view(a, level);
        let (nb, tb) = self.view(b, level);
        let (mut i, mut j) = (0u32, 0u32);
        // Subset holds unless a part fails; intersects fails unless a part holds.
        let every = op == Op::Subset;
        let mut holds = every;
        loop {
            let (ca, ea) = self.at(a, na, ta, i, last);
            let (cb, eb) = self.at(b, nb, tb, j, last);
            if self.test(op, ca, cb) != every {
                holds = !every;
                break;
            }
            let end = ea.min(eb);
            if end == last {
                break;
            }
            if ea == end {
                i += 1;
            }
            if eb == end {
                j += 1;
            }
        }
        self.remember(op, a, b, u32::from(holds));
        holds
    }

    /// Whether `a ⊆ b`. A test, not an operation: it makes no node and stops at the first
    /// tuple of `a` outside `b`.
    ///
    /// ```
    /// use flowverify::mdd::Mdd;
    /// let mut m = Mdd::new(&[256]);
    /// let x = m.range(0, 20, 25);
    /// let y = m.range(0, 10, 30);
    /// assert!(m.subset(x, y) && !m.subset(y, x));
    /// ```
    pub fn subset(&mut self, a: Set, b: Set) -> bool {
        self.test(Op::Subset, a, b)
    }

    /// Whether `a` and `b` share a tuple. A test, not an operation: it makes no node and
    /// stops at the first tuple in both.
    ///
    /// ```
    /// use flowverify::mdd::Mdd;
    /// let mut m = Mdd::new(&[256]);
    /// let x = m.range(0, 20, 25);
    /// let y = m.range(0, 25, 30);
    /// let z = m.range(0, 26, 30);
    /// assert!(m.intersects(x, y) && !m.intersects(x, z));
    /// ```
    pub fn intersects(&mut self, a: Set, b: Set) -> bool {
        self.test(Op::Intersects, a, b)
    }

    /// `a` split at field `field`: each part is the values of the field (sorted ranges) that
    /// lead to one same rest of the set, with that rest (empty rests left out), parts in the
    /// order of their lowest value. The fields before `field` must be decided already (`a`
    /// tests `field` first, or a later field).
    ///
    /// ```
    /// use flowverify::mdd::{Mdd, Set};
    /// let mut m = Mdd::new(&[16, 16]);
    /// let low = m.range(0, 0, 3);
    /// let odd_rest = m.range(1, 1, 1);
    /// let x = m.and(low, odd_rest);
    /// let high = m.range(0, 8, 15);
    /// let y = m.or(x, high);
    /// assert_eq!(m.split(y, 0), vec![(vec![(0, 3)], odd_rest), (vec![(8, 15)], Set::FULL)]);
    /// ```
    pub fn split(&self, a: Set, field: u32) -> Vec<(Vec<(u32, u32)>, Set)> {
        let d = self.digits(field);
        let mut raw: Vec<(u64, u64, Set)> = Vec::new();
        if d.first != TERMINAL {
            self.split_below(a, d, 0, 0, &mut raw);
        }
        let mut parts: Vec<(Vec<(u32, u32)>, Set)> = Vec::new();
        let mut index: rustc_hash::FxHashMap<Set, usize> = rustc_hash::FxHashMap::default();
        for (lo, hi, rest) in raw {
            let range = (lo as u32, hi.min(u64::from(u32::MAX)) as u32);
            match index.get(&rest) {
                Some(&k) => {
                    let ranges = &mut parts[k].0;
                    match ranges.last_mut() {
                        Some(last) if u64::from(last.1) + 1 == lo => last.1 = range.1,
                        _ => ranges.push(range),
                    }
                }
                None => {
                    index.insert(rest, parts.len());
                    parts.push((vec![range], rest));
                }
            }
        }
        parts
    }

    /// The values of the field from digit `digit` on (`base..`, as far as the digits reach)
    /// with the rest of `a` each leads to, in order of value.
    fn split_below(
        &self,
        a: Set,
        d: Digits,
        digit: u32,
        base: u64,
        out: &mut Vec<(u64, u64, Set)>,
    ) {
        if a.is_empty() {
            return;
        }
        let level = d.first + digit;
        let span = d.span(digit);
        let size = u64::from(self.level_size(level));
        let n = self.node(a);
        if n.level != level {
            if n.level < d.first + d.digits {
                // A later digit is tested: each value of this one leads there alike.
                for v in 0..size {
                    self.split_below(a, d, digit + 1, base + v * span, out);
                }
            } else {
                // No digit from here on is tested: every value below leads to `a`.
                out.push((base, base + size * span - 1, a));
            }
            return;
        }
        let last = self.level_size(level) - 1;
        for i in 0..n.len {
            let (child, end) = self.at(a, n, true, i, last);
            if child.is_empty() {
                continue;
            }
            let start = u64::from(self.segment(n, i).start);
            let end = u64::from(end);
            let within = digit + 1 < d.digits && self.level(child) < d.first + d.digits;
            if within {
                for v in start..=end {
                    self.split_below(child, d, digit + 1, base + v * span, out);
                }
            } else {
                out.push((base + start * span, base + (end + 1) * span - 1, child));
            }
        }
    }

    /// How many tuples `a` holds (saturating at `u128::MAX`; each field counted to its
    /// [capacity](Mdd::capacity)).
    pub fn count(&self, a: Set) -> u128 {
        let mut memo = std::collections::HashMap::new();
        self.count_from(a, 0, &mut memo)
    }

    /// The tuples of `a` counted over the levels from `from` on.
    fn count_from(
        &self,
        a: Set,
        from: u32,
        memo: &mut std::collections::HashMap<(Set, u32), u128>,
    ) -> u128 {
        let free = |m: &Mdd, from: u32, to: u32| -> u128 {
            (from..to).fold(1u128, |acc, l| {
                acc.saturating_mul(u128::from(m.level_size(l)))
            })
        };
        if a.is_empty() {
            return 0;
        }
        if a.is_full() {
            return free(self, from, self.levels.len() as u32);
        }
        if let Some(&c) = memo.get(&(a, from)) {
            return c;
        }
        let n = self.node(a);
        let last = self.level_size(n.level) - 1;
        let mut sum = 0u128;
        for i in 0..n.len {
            let (child, end) = self.at(a, n, true, i, last);
            let width = u128::from(end - self.segment(n, i).start) + 1;
            let below = self.count_from(child, n.level + 1, memo);
            sum = sum.saturating_add(width.saturating_mul(below));
        }
        let c = sum.saturating_mul(free(self, from, n.level));
        memo.insert((a, from), c);
        c
    }

    /// The field and digit of a level.
    fn field_of(&self, level: u32) -> Option<(usize, Digits)> {
        let f = self
            .fields
            .partition_point(|d| d.first <= level)
            .checked_sub(1)?;
        Some((f, self.fields[f]))
    }

    /// The lowest tuple of `a` (fields compared in order; fields `a` leaves free are 0), as
    /// the values of its fields; `None` for the empty set.
    pub fn pick(&self, a: Set) -> Option<Vec<u32>> {
        if a.is_empty() {
            return None;
        }
        let mut out = vec![0u64; self.fields.len()];
        let mut s = a;
        while !s.is_full() {
            let n = self.node(s);
            // Reduced: every child but EMPTY holds a tuple.
            let seg = (0..n.len)
                .map(|i| self.segment(n, i))
                .find(|seg| !seg.child.is_empty())?;
            if let Some((f, d)) = self.field_of(n.level) {
                out[f] += u64::from(seg.start) * d.span(n.level - d.first);
            }
            s = seg.child;
        }
        Some(out.into_iter().map(|v| v as u32).collect())
    }

    /// Whether the tuple `values` (field `i` = `values[i]`, missing fields 0) is in `a`.
    pub fn contains(&self, a: Set, values: &[u32]) -> bool {
        let mut s = a;
        loop {
            if s.is_empty() {
                return false;
            }
            if s.is_full() {
                return true;
            }
            let n = self.node(s);
            let v = match self.field_of(n.level) {
                Some((f, d)) => d.digit(values.get(f).copied().unwrap_or(0), n.level - d.first),
                None => 0,
            };
            let range = n.first as usize..(n.first + n.len) as usize;
            let starts = &self.starts[range.clone()];
            let i = starts
                .partition_point(|&start| u32::from(start) <= v)
                .saturating_sub(1);
            s = self.children[range][i];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The tuples of two fields of 12 and 5 values that are in `s`, by brute force.
    fn members(m: &Mdd, s: Set) -> Vec<(u32, u32)> {
        (0..12)
            .flat_map(|x| (0..5).map(move |y| (x, y)))
            .filter(|&(x, y)| m.contains(s, &[x, y]))
            .collect()
    }

    /// A product of a range of each of two fields.
    type Product = ((u32, u32), (u32, u32));

    /// A random set of two fields: a union of products of ranges.
    fn product_union() -> impl Strategy<Value = Vec<Product>> {
        prop::collection::vec(((0u32..12, 0u32..12), (0u32..5, 0u32..5)), 0..5)
    }

    fn build(m: &mut Mdd, parts: &[Product]) -> Set {
        let mut s = Set::EMPTY;
        for &((a, b), (c, d)) in parts {
            let x = m.range(0, a.min(b), a.max(b));
            let y = m.range(1, c.min(d), c.max(d));
            let p = m.and(x, y);
            s = m.or(s, p);
        }
        s
    }

    fn brute(parts: &[Product]) -> Vec<(u32, u32)> {
        (0..12)
            .flat_map(|x| (0..5).map(move |y| (x, y)))
            .filter(|&(x, y)| {
                parts.iter().any(|&((a, b), (c, d))| {
                    a.min(b) <= x && x <= a.max(b) && c.min(d) <= y && y <= c.max(d)
                })
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// Fields tested whole (8 bits), and a digit of 1 or 2 bits at a time.
        #[test]
        fn operations_agree_with_sets_of_tuples(
            p in product_union(),
            q in product_union(),
            bits in prop::sample::select(vec![1u32, 2, 8]),
        ) {
            let mut m = Mdd::with_digits(&[12, 5], bits, DEFAULT_LIMIT);
            let x = build(&mut m, &p);
            let y = build(&mut m, &q);
            let (xs, ys) = (brute(&p), brute(&q));
            prop_assert_eq!(members(&m, x), xs.clone());
            let all = |f: &dyn Fn(&(u32, u32)) -> bool| -> Vec<(u32, u32)> {
                (0..12).flat_map(|a| (0..5).map(move |b| (a, b))).filter(|t| f(t)).collect()
            };
            let and = m.and(x, y);
            let or = m.or(x, y);
            let diff = m.diff(x, y);
            let not = m.not(x);
            prop_assert_eq!(members(&m, and), all(&|t| xs.contains(t) && ys.contains(t)));
            prop_assert_eq!(members(&m, or), all(&|t| xs.contains(t) || ys.contains(t)));
            prop_assert_eq!(members(&m, diff), all(&|t| xs.contains(t) && !ys.contains(t)));
            prop_assert_eq!(members(&m, not), all(&|t| !xs.contains(t)));
            prop_assert_eq!(m.and_diff(x, y), (and, diff));
            prop_assert_eq!(m.subset(x, y), xs.iter().all(|t| ys.contains(t)));
            prop_assert_eq!(m.intersects(x, y), xs.iter().any(|t| ys.contains(t)));
            prop_assert_eq!(m.count(or) as usize, members(&m, or).len());
            // Canonical: the same set is the same node, whichever way it was built.
            let again = m.or(y, x);
            prop_assert_eq!(or, again);
            let via_diff = m.diff(or, diff);
            let ys_part = m.and(or, y);
            prop_assert_eq!(via_diff, ys_part);
            // The lowest member is picked.
            prop_assert_eq!(m.pick(or).map(|v| (v[0], v[1])), members(&m, or).first().copied());
            // Split gives the set back, part by part.
            let mut rebuilt = Set::EMPTY;
            for (ranges, rest) in m.split(or, 0) {
                let field = m.ranges_set(0, &ranges);
                let part = m.and(field, rest);
                rebuilt = m.or(rebuilt, part);
            }
            prop_assert_eq!(rebuilt, or);
        }
    }

    #[test]
    fn wide_fields_and_edges() {
        let mut m = Mdd::new(&[u32::MAX, 1]);
        // Tested a byte at a time, the field holds every 32-bit value.
        assert_eq!(m.capacity(0), 1 << 32);
        let all = m.range(0, 0, u32::MAX);
        assert_eq!(all, Set::FULL);
        let top = m.range(0, u32::MAX - 1, u32::MAX - 1);
        assert_eq!(m.count(top), 1);
        assert_eq!(m.pick(top), Some(vec![u32::MAX - 1, 0]));
        assert_eq!(
            m.split(top, 0),
            vec![(vec![(u32::MAX - 1, u32::MAX - 1)], Set::FULL)]
        );
        assert_eq!(m.range(0, 9, 3), Set::EMPTY);
        assert_eq!(m.ranges_set(0, &[]), Set::EMPTY);
        let not_top = m.not(top);
        assert_eq!(m.count(not_top), (1u128 << 32) - 1);
        assert!(m.contains(top, &[u32::MAX - 1]) && !m.contains(top, &[0]));
        // 300 values: two digits, the first of two values.
        let mut m = Mdd::new(&[300]);
        assert_eq!(m.capacity(0), 512);
        let x = m.ranges_set(0, &[(5, 5), (250, 260), (299, 299)]);
        assert_eq!(m.split(x, 0)[0].0, vec![(5, 5), (250, 260), (299, 299)]);
        assert_eq!(m.count(x), 13);
    }
}
