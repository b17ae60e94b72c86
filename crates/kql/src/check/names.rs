//! Column names interned per analysis: the checker compares, indexes and copies names as small
//! integers ([`Sym`]) instead of strings. Names from the query text and the input stream are
//! borrowed; only generated names (`Column1`, `x1`, `percentile_a_50`) are allocated.

use std::borrow::Cow;
use std::collections::hash_map::Entry;

use bumpalo::Bump;
use bumpalo::collections::Vec as ArenaVec;

use crate::fxhash::FxHashMap;

/// An interned name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Sym(u32);

impl Sym {
    /// The empty name (a missing name in the query).
    pub(crate) const EMPTY: Sym = Sym(0);

    /// Dense index of the name (0 for the empty name).
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

/// The interner: every distinct name of one analysis, in order of first use.
#[derive(Debug)]
pub(crate) struct Names<'a> {
    map: FxHashMap<Cow<'a, str>, Sym>,
    list: Vec<Cow<'a, str>>,
}

impl<'a> Names<'a> {
    /// An interner that knows the empty name, with room for `capacity` names.
    pub(crate) fn with_capacity(capacity: usize) -> Names<'a> {
        let mut names = Names {
            map: FxHashMap::with_capacity_and_hasher(capacity, Default::default()),
            list: Vec::with_capacity(capacity),
        };
        names.intern(Cow::Borrowed(""));
        names
    }

    /// The symbol of `name`, added if new.
    pub(crate) fn intern(&mut self, name: Cow<'a, str>) -> Sym {
        match self.map.entry(name) {
            Entry::Occupied(e) => *e.get(),
            Entry::Vacant(e) => {
                let sym = Sym(self.list.len() as u32);
                self.list.push(e.key().clone());
                e.insert(sym);
                sym
            }
        }
    }

    /// The symbol of `name` if some column or lookup used it before.
    pub(crate) fn get(&self, name: &str) -> Option<Sym> {
        self.map.get(name).copied()
    }

    /// The text of a symbol.
    pub(crate) fn text(&self, sym: Sym) -> &str {
        &self.list[sym.index()]
    }

    /// Number of names so far (every symbol's index is below it).
    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }
}

/// A map from symbols to small values, stored densely (symbols are small integers), in the
/// analysis arena.
#[derive(Debug)]
pub(crate) struct SymMap<'a> {
    slots: ArenaVec<'a, u32>,
}

impl<'a> SymMap<'a> {
    const NONE: u32 = u32::MAX;

    /// A map with room for symbols below `len` (it grows past that as needed).
    pub(crate) fn with_len(len: usize, arena: &'a Bump) -> SymMap<'a> {
        let mut slots = ArenaVec::with_capacity_in(len, arena);
        slots.resize(len, Self::NONE);
        SymMap { slots }
    }

    pub(crate) fn get(&self, sym: Sym) -> Option<u32> {
        self.slots
            .get(sym.index())
            .copied()
            .filter(|&v| v != Self::NONE)
    }

    pub(crate) fn contains(&self, sym: Sym) -> bool {
        self.get(sym).is_some()
    }

    pub(crate) fn insert(&mut self, sym: Sym, value: u32) {
        let i = sym.index();
        if i >= self.slots.len() {
            self.slots.resize(i + 1, Self::NONE);
        }
        self.slots[i] = value;
    }

    pub(crate) fn remove(&mut self, sym: Sym) {
        if let Some(slot) = self.slots.get_mut(sym.index()) {
            *slot = Self::NONE;
        }
    }
}

/// A set of small integers (column ids, symbol indexes) as a bit vector, in the analysis
/// arena.
#[derive(Debug)]
pub(crate) struct BitSet<'a> {
    words: ArenaVec<'a, u64>,
}

impl<'a> BitSet<'a> {
    /// A set with room for values below `len` (it grows past that as needed).
    pub(crate) fn with_len(len: usize, arena: &'a Bump) -> BitSet<'a> {
        let words = len.div_ceil(64);
        let mut set = ArenaVec::with_capacity_in(words, arena);
        set.resize(words, 0);
        BitSet { words: set }
    }

    pub(crate) fn contains(&self, i: usize) -> bool {
        self.words
            .get(i / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    /// Adds `i`; true if it was not there.
    pub(crate) fn insert(&mut self, i: usize) -> bool {
        let w = i / 64;
        if w >= self.words.len() {
            self.words.resize(w + 1, 0);
        }
        let bit = 1 << (i % 64);
        let added = self.words[w] & bit == 0;
        self.words[w] |= bit;
        added
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_maps_and_sets() {
        let mut names = Names::with_capacity(4);
        let a = names.intern(Cow::Borrowed("a"));
        let b = names.intern(Cow::Owned("b".to_string()));
        assert_eq!(names.intern(Cow::Borrowed("a")), a);
        assert_eq!(names.get(""), Some(Sym::EMPTY));
        assert_eq!(names.get("b"), Some(b));
        assert_eq!(names.get("c"), None);
        assert_eq!(names.text(b), "b");

        let arena = Bump::new();
        let mut m = SymMap::with_len(0, &arena);
        assert_eq!(m.get(b), None);
        m.insert(b, 7);
        assert_eq!(m.get(b), Some(7));
        assert!(!m.contains(a));
        m.remove(b);
        assert!(!m.contains(b));

        let mut s = BitSet::with_len(0, &arena);
        assert!(s.insert(130));
        assert!(!s.insert(130));
        assert!(s.contains(130) && !s.contains(129) && !s.contains(100_000));
    }
}
