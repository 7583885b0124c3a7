//! Atoms of a field: the coarsest partition of a field's values (the addresses of one family,
//! or the ports) in which every set the analyses name is a union of atoms.
//!
//! Rules name a handful of sets per field (prefixes, tags, ASG members, port ranges), and
//! values that no named set tells apart behave alike in every rule, so the decision diagrams
//! of [`crate::flowset`] encode an atom's number, not the value: a field of 4,000 hosts spread
//! over the whole IPv4 space costs 12 variables instead of 32, and a service tag of 6,000
//! scattered prefixes is one atom wherever no other set cuts it. (Atomic predicates, Yang and
//! Lam, 2013; Batfish and NDD number per-field atoms likewise.)
//!
//! An atom is a class of values, not always one interval: values belong to one atom exactly
//! when every named set holds both or neither. The classes are found exactly by refinement
//! (each set splits the atoms it covers part of), never by hashing. Atoms are numbered in the
//! order of their lowest value, so that the atoms of one interval are consecutive numbers and
//! the lowest atom of a set holds its lowest value.
//!
//! ```
//! use flowverify::atoms::Atoms;
//! // Ports: 22, 80-443 and 443, in 0-65535.
//! let atoms = Atoms::new(65535, &[vec![(22, 22)], vec![(80, 443)], vec![(443, 443)]]);
//! // 0-21 and 23-79 and 444-65535 are named by no set: one atom.
//! assert_eq!(atoms.len(), 4);
//! assert_eq!(atoms.atom(0), atoms.atom(50000));
//! let runs: Vec<_> = atoms.runs(atoms.atom(0)).collect();
//! assert_eq!(runs, [(0, 21), (23, 79), (444, 65535)]);
//! assert_eq!(atoms.atoms_of(&[(80, 443)]), Some(vec![2, 3]));
//! // 100-200 cuts an atom: not a union of atoms.
//! assert_eq!(atoms.atoms_of(&[(100, 200)]), None);
//! ```

/// The atoms of one field (see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Atoms {
    /// The largest value of the field.
    max: u128,
    /// The first value of each run (a maximal interval of one atom), ascending; the first is 0.
    starts: Vec<u128>,
    /// The atom of each run.
    run_atom: Vec<u32>,
    /// Each atom's runs (as indices of `starts`), ascending; flattened, with `offsets[a]..
    /// offsets[a + 1]` the runs of atom `a`.
    runs: Vec<u32>,
    offsets: Vec<u32>,
}

/// The position of the first of `sorted` that is not below `value` (as `partition_point`),
/// looked for from the start in growing steps: quick when it is near.
fn gallop(sorted: &[u128], value: u128) -> usize {
    let mut step = 1usize;
    let mut low = 0usize;
    while low + step < sorted.len() && sorted[low + step] < value {
        low += step;
        step *= 2;
    }
    let high = (low + step + 1).min(sorted.len());
    low + sorted[low..high].partition_point(|&s| s < value)
}

/// Sorted, merged inclusive intervals (overlapping and adjacent ones joined), within `0..=max`.
pub fn normalise(intervals: &[(u128, u128)], max: u128) -> Vec<(u128, u128)> {
    let mut v = intervals.to_vec();
    normalise_in_place(&mut v, max);
    v
}

/// [`normalise`] without a copy.
fn normalise_in_place(v: &mut Vec<(u128, u128)>, max: u128) {
    v.retain(|(lo, hi)| lo <= hi && *lo <= max);
    for r in v.iter_mut() {
        r.1 = r.1.min(max);
    }
    v.sort_unstable();
    let mut kept = 0usize;
    for i in 0..v.len() {
        let (lo, hi) = v[i];
        if kept > 0 && lo <= v[kept - 1].1.saturating_add(1) {
            v[kept - 1].1 = v[kept - 1].1.max(hi);
        } else {
            v[kept] = (lo, hi);
            kept += 1;
        }
    }
    v.truncate(kept);
}

impl Atoms {
    /// The atoms of the field `0..=max` in which each of `sets` (inclusive intervals, in any
    /// order, overlapping or not) is a union of atoms.
    pub fn new(max: u128, sets: &[Vec<(u128, u128)>]) -> Atoms {
        let sets: Vec<Vec<(u128, u128)>> = sets.iter().map(|s| normalise(s, max)).collect();
        Atoms::of_sets(max, &sets).0
    }

    /// [`Atoms::new`] for sets already normalised (sorted, merged, within `0..=max`, as
    /// [`normalise`] makes them), and the atoms of each set (ascending), in the order of
    /// `sets`.
    pub fn of_sets(max: u128, sets: &[Vec<(u128, u128)>]) -> (Atoms, Vec<Vec<u32>>) {
        // The elementary intervals: cut at every set's first value and after its last.
        let mut starts: Vec<u128> = vec![0];
        for set in sets {
            for &(lo, hi) in set {
                starts.push(lo);
                if hi < max {
                    starts.push(hi + 1);
                }
            }
        }
        starts.sort_unstable();
        starts.dedup();
        // Where each set's intervals fall among the elementary ones, found once: a set's
        // intervals are sorted, so each is searched for from where the last one ended.
        let spans: Vec<Vec<(u32, u32)>> = sets
            .iter()
            .map(|set| {
                let mut from = 0usize;
                set.iter()
                    .map(|&(lo, hi)| {
                        let first = from + gallop(&starts[from..], lo);
                        let end = if hi >= max {
                            starts.len()
                        } else {
                            first + gallop(&starts[first..], hi + 1)
                        };
                        from = end;
                        (first as u32, end as u32)
                    })
                    .collect()
            })
            .collect();
        // Refinement: each set moves the elementary intervals it covers to new classes, one
        // new class per class it touches (a class wholly inside the set just changes number).
        let mut class = vec![0u32; starts.len()];
        let mut classes: u32 = 1;
        let mut stamp = vec![0u32; 1];
        let mut renamed = vec![0u32; 1];
        for (round, set) in spans.iter().enumerate() {
            let round = round as u32 + 1;
            for &(first, end) in set {
                for c in &mut class[first as usize..end as usize] {
                    let old = *c as usize;
                    if stamp[old] != round {
                        stamp[old] = round;
                        renamed[old] = classes;
                        classes += 1;
                        stamp.push(0);
                        renamed.push(0);
                    }
                    *c = renamed[old];
                }
            }
        }
        drop((stamp, renamed));
        // Number the classes by their lowest value and join neighbouring intervals of one.
        let mut number = vec![u32::MAX; classes as usize];
        let mut atoms: u32 = 0;
        let mut run_starts: Vec<u128> = Vec::new();
        let mut run_atom: Vec<u32> = Vec::new();
        for (i, &c) in class.iter().enumerate() {
            let n = &mut number[c as usize];
            if *n == u32::MAX {
                *n = atoms;
                atoms += 1;
            }
            if run_atom.last() != Some(n) {
                run_starts.push(starts[i]);
                run_atom.push(*n);
            }
        }
        // Each set's atoms: those of the intervals it covers.
        let mut seen = vec![u32::MAX; atoms as usize];
        let ids: Vec<Vec<u32>> = spans
            .iter()
            .enumerate()
            .map(|(k, set)| {
                let mut mine = Vec::new();
                for &(first, end) in set {
                    for &c in &class[first as usize..end as usize] {
                        let a = number[c as usize];
                        if seen[a as usize] != k as u32 {
                            seen[a as usize] = k as u32;
                            mine.push(a);
                        }
                    }
                }
                mine.sort_unstable();
                mine
            })
            .collect();
        drop((class, spans));
        let mut counts = vec![0u32; atoms as usize + 1];
        for &a in &run_atom {
            counts[a as usize + 1] += 1;
        }
        let mut offsets = counts;
        for a in 1..offsets.len() {
            offsets[a] += offsets[a - 1];
        }
        let mut next = offsets.clone();
        let mut runs = vec![0u32; run_atom.len()];
        for (i, &a) in run_atom.iter().enumerate() {
            runs[next[a as usize] as usize] = i as u32;
            next[a as usize] += 1;
        }
        let made = Atoms {
            max,
            starts: run_starts,
            run_atom,
            runs,
            offsets,
        };
        (made, ids)
    }

    /// How many atoms there are (at least one).
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Never: a field has at least one atom.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The largest value of the field.
    pub fn max(&self) -> u128 {
        self.max
    }

    /// How many runs (maximal intervals of one atom) the field has.
    pub fn run_count(&self) -> usize {
        self.starts.len()
    }

    /// The atom holding `value` (values past the field's largest are in the last run's atom).
    pub fn atom(&self, value: u128) -> u32 {
        let run = self
            .starts
            .partition_point(|&s| s <= value)
            .saturating_sub(1);
        self.run_atom[run]
    }

    /// The run (by index) `i` as `(first, last)`.
    fn run(&self, i: u32) -> (u128, u128) {
        let i = i as usize;
        let last = self.starts.get(i + 1).map_or(self.max, |next| next - 1);
        (self.starts[i], last)
    }

    /// The values of atom `atom` as ascending intervals (none for a number that is no atom).
    pub fn runs(&self, atom: u32) -> impl Iterator<Item = (u128, u128)> + '_ {
        self.run_indices(atom).iter().map(|&i| self.run(i))
    }

    /// How many runs atom `atom` has.
    pub fn runs_of(&self, atom: u32) -> usize {
        self.run_indices(atom).len()
    }

    fn run_indices(&self, atom: u32) -> &[u32] {
        let a = atom as usize;
        match (self.offsets.get(a), self.offsets.get(a + 1)) {
            (Some(&from), Some(&to)) => &self.runs[from as usize..to as usize],
            _ => &[],
        }
    }

    /// The lowest value of atom `atom`.
    pub fn first(&self, atom: u32) -> u128 {
        self.runs(atom).next().map_or(0, |r| r.0)
    }

    /// The atoms whose union is exactly the values of `intervals`, ascending; `None` when the
    /// intervals cut an atom (they are no union of atoms: a set the atoms were not made for).
    pub fn atoms_of(&self, intervals: &[(u128, u128)]) -> Option<Vec<u32>> {
        let intervals = normalise(intervals, self.max);
        if intervals == [(0, self.max)] {
            return Some((0..self.len() as u32).collect());
        }
        let mut seen: Vec<(u32, u32)> = Vec::new();
        for (lo, hi) in intervals {
            let first = self.starts.partition_point(|&s| s < lo);
            if self.starts.get(first) != Some(&lo) {
                return None;
            }
            let end = if hi >= self.max {
                self.starts.len()
            } else {
                let e = self.starts.partition_point(|&s| s <= hi);
                if self.starts.get(e) != Some(&(hi + 1)) {
                    return None;
                }
                e
            };
            seen.extend(self.run_atom[first..end].iter().map(|&a| (a, 1)));
        }
        seen.sort_unstable();
        let mut atoms: Vec<u32> = Vec::new();
        let mut count = 0u32;
        for (i, &(a, _)) in seen.iter().enumerate() {
            count += 1;
            if seen.get(i + 1).map(|n| n.0) != Some(a) {
                // Every run of the atom must be inside.
                if count as usize != self.runs_of(a) {
                    return None;
                }
                atoms.push(a);
                count = 0;
            }
        }
        Some(atoms)
    }

    /// The values of the atoms `atoms` (any order), as ascending, merged intervals.
    pub fn values(&self, atoms: impl IntoIterator<Item = u32>) -> Vec<(u128, u128)> {
        let atoms: Vec<u32> = atoms.into_iter().collect();
        let runs: usize = atoms.iter().map(|&a| self.runs_of(a)).sum();
        if runs * 8 < self.starts.len() {
            // Few runs: gather and sort them.
            let mut all: Vec<(u128, u128)> = atoms.iter().flat_map(|&a| self.runs(a)).collect();
            all.sort_unstable();
            return normalise(&all, self.max);
        }
        // Many: read every run in order, keeping those of the atoms (no sort).
        let mut member = vec![false; self.len()];
        for &a in &atoms {
            if let Some(m) = member.get_mut(a as usize) {
                *m = true;
            }
        }
        let mut out: Vec<(u128, u128)> = Vec::new();
        for (i, (&start, &a)) in self.starts.iter().zip(&self.run_atom).enumerate() {
            if !member[a as usize] {
                continue;
            }
            let last = self.starts.get(i + 1).map_or(self.max, |next| next - 1);
            match out.last_mut() {
                Some(prev) if prev.1.checked_add(1) == Some(start) => prev.1 = last,
                _ => out.push((start, last)),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// Atoms are exactly the classes of values that every set holds alike, each set is a
        /// union of atoms, and atoms are numbered by their lowest value.
        #[test]
        fn atoms_are_the_classes_of_the_sets(
            sets in prop::collection::vec(prop::collection::vec((0u128..64, 0u128..64), 1..4), 0..6)
        ) {
            let sets: Vec<Vec<(u128, u128)>> = sets
                .into_iter()
                .map(|s| s.into_iter().map(|(a, b)| (a.min(b), a.max(b))).collect())
                .collect();
            let atoms = Atoms::new(63, &sets);
            let within = |set: &[(u128, u128)], v: u128| set.iter().any(|&(lo, hi)| lo <= v && v <= hi);
            let signature = |v: u128| -> Vec<bool> { sets.iter().map(|s| within(s, v)).collect() };
            for v in 0..64u128 {
                for w in 0..64u128 {
                    prop_assert_eq!(atoms.atom(v) == atoms.atom(w), signature(v) == signature(w));
                }
                let runs: Vec<_> = atoms.runs(atoms.atom(v)).collect();
                prop_assert!(within(&runs, v));
            }
            for s in &sets {
                let ids = atoms.atoms_of(s).expect("every set is a union of atoms");
                prop_assert_eq!(atoms.values(ids.clone()), normalise(s, 63));
            }
            // The atoms of each set, as made.
            let normalised: Vec<_> = sets.iter().map(|s| normalise(s, 63)).collect();
            let (again, ids) = Atoms::of_sets(63, &normalised);
            prop_assert_eq!(&again, &atoms);
            for (s, ids) in sets.iter().zip(ids) {
                prop_assert_eq!(Some(ids), atoms.atoms_of(s));
            }
            for a in 1..atoms.len() as u32 {
                prop_assert!(atoms.first(a - 1) < atoms.first(a));
            }
        }
    }

    #[test]
    fn a_set_that_cuts_an_atom_is_refused() {
        let atoms = Atoms::new(255, &[vec![(10, 19)], vec![(30, 39)]]);
        assert_eq!(atoms.len(), 3);
        assert_eq!(atoms.atoms_of(&[(10, 19)]), Some(vec![1]));
        assert_eq!(atoms.atoms_of(&[(10, 14)]), None);
        // 0-9 alone is part of the atom of 0-9, 20-29 and 40-255.
        assert_eq!(atoms.atoms_of(&[(0, 9)]), None);
        assert_eq!(
            atoms.atoms_of(&[(0, 9), (20, 29), (40, 255)]),
            Some(vec![0])
        );
        assert_eq!(atoms.atoms_of(&[(0, 255)]), Some(vec![0, 1, 2]));
    }

    #[test]
    fn wide_fields() {
        let atoms = Atoms::new(u128::MAX, &[vec![(u128::MAX - 1, u128::MAX)]]);
        assert_eq!(atoms.len(), 2);
        assert_eq!(atoms.atom(u128::MAX), 1);
        assert_eq!(
            atoms.runs(1).collect::<Vec<_>>(),
            [(u128::MAX - 1, u128::MAX)]
        );
        assert_eq!(Atoms::new(7, &[]).len(), 1);
    }
}
