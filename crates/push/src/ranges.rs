//! A set of record ordinals kept as disjoint, coalesced half-open ranges.

use std::collections::BTreeMap;

/// Ordinals done so far for one source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RangeSet {
    /// start → end (exclusive); ranges never touch or overlap.
    map: BTreeMap<u64, u64>,
}

impl RangeSet {
    /// An empty set.
    pub fn new() -> RangeSet {
        RangeSet::default()
    }

    /// Adds `[start, end)`, merging with neighbours.
    pub fn insert(&mut self, mut start: u64, mut end: u64) {
        if start >= end {
            return;
        }
        // The common case, records done in order: the range that reaches `start` grows in place
        // when no other range starts within the new one.
        if self.map.range(start + 1..=end).next().is_none()
            && let Some((_, e)) = self.map.range_mut(..=start).next_back()
            && *e >= start
        {
            *e = (*e).max(end);
            return;
        }
        if let Some((&s, &e)) = self.map.range(..=start).next_back()
            && e >= start
        {
            start = s;
            end = end.max(e);
        }
        // Absorb the ranges that start inside [start, end].
        while let Some((&s, &e)) = self.map.range(start..=end).next() {
            self.map.remove(&s);
            end = end.max(e);
        }
        self.map.insert(start, end);
    }

    /// Whether `ordinal` is in the set.
    pub fn contains(&self, ordinal: u64) -> bool {
        self.map
            .range(..=ordinal)
            .next_back()
            .is_some_and(|(_, &e)| ordinal < e)
    }

    /// Whether the set is exactly `[0, n)` (or empty when `n` is 0).
    pub fn covers_prefix(&self, n: u64) -> bool {
        n == 0 || self.map.get(&0).is_some_and(|&e| e >= n)
    }

    /// The ranges in order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.map.iter().map(|(&s, &e)| (s, e))
    }

    /// Number of ordinals in the set.
    pub fn count(&self) -> u64 {
        self.iter().map(|(s, e)| e - s).sum()
    }

    /// Coalesces a list of ordinals into ranges (sorted input not required).
    pub fn from_ordinals(ordinals: impl IntoIterator<Item = u64>) -> RangeSet {
        let mut v: Vec<u64> = ordinals.into_iter().collect();
        v.sort_unstable();
        let mut set = RangeSet::new();
        let mut run: Option<(u64, u64)> = None;
        for o in v {
            run = match run {
                Some((s, e)) if o <= e => Some((s, e.max(o + 1))),
                Some((s, e)) => {
                    set.insert(s, e);
                    Some((o, o + 1))
                }
                None => Some((o, o + 1)),
            };
        }
        if let Some((s, e)) = run {
            set.insert(s, e);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_merges_and_contains() {
        let mut r = RangeSet::new();
        r.insert(10, 20);
        r.insert(30, 40);
        r.insert(20, 30);
        assert_eq!(r.iter().collect::<Vec<_>>(), vec![(10, 40)]);
        r.insert(0, 5);
        r.insert(3, 11);
        assert_eq!(r.iter().collect::<Vec<_>>(), vec![(0, 40)]);
        r.insert(50, 60);
        r.insert(45, 55);
        assert_eq!(r.iter().collect::<Vec<_>>(), vec![(0, 40), (45, 60)]);
        assert!(r.contains(0) && r.contains(39) && !r.contains(40) && r.contains(59));
        assert!(r.covers_prefix(40) && !r.covers_prefix(41));
        assert_eq!(r.count(), 55);
        let f = RangeSet::from_ordinals([5, 1, 2, 3, 9, 8]);
        assert_eq!(f.iter().collect::<Vec<_>>(), vec![(1, 4), (5, 6), (8, 10)]);
    }

    #[test]
    fn insert_agrees_with_a_set_of_ordinals() {
        // Pseudo-random ranges (xorshift) over a small space, so that every merge case occurs.
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut next = |m: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % m
        };
        for _ in 0..200 {
            let mut set = RangeSet::new();
            let mut model = std::collections::BTreeSet::new();
            for _ in 0..30 {
                let start = next(100);
                let end = start + next(6);
                set.insert(start, end);
                model.extend(start..end);
                let ranges: Vec<(u64, u64)> = set.iter().collect();
                assert!(ranges.windows(2).all(|w| w[0].1 < w[1].0), "{ranges:?}");
                assert!(ranges.iter().all(|(s, e)| s < e), "{ranges:?}");
                let ordinals: Vec<u64> = ranges.iter().flat_map(|&(s, e)| s..e).collect();
                assert_eq!(ordinals, model.iter().copied().collect::<Vec<_>>());
            }
        }
    }
}
