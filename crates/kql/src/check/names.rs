//! Column names interned per analysis: the checker compares, indexes and copies names as small
//! integers ([`Sym`]) instead of strings. Names from the query text and the input stream are
//! borrowed; generated names (`Column1`, `x1`, `percentile_a_50`) are copied into the arena.

use std::borrow::Cow;
use std::hash::Hasher;

use bumpalo::Bump;
use bumpalo::collections::Vec as ArenaVec;

use crate::fxhash::FxHasher;

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

/// The interner: every distinct name of one analysis, in order of first use, with an
/// open-addressing table (linear probing) over their hashes.
#[derive(Debug)]
pub(crate) struct Names<'a> {
    arena: &'a Bump,
    /// Text and hash of each symbol.
    list: ArenaVec<'a, (&'a str, u64)>,
    /// Per slot, the symbol + 1 of a name whose hash points there (0: free). The length is a
    /// power of two, at least twice the number of names.
    slots: &'a mut [u32],
}

fn hash(name: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(name.as_bytes());
    h.finish()
}

impl<'a> Names<'a> {
    /// An interner that knows the empty name, with room for `capacity` names.
    pub(crate) fn with_capacity(capacity: usize, arena: &'a Bump) -> Names<'a> {
        let mut names = Names {
            arena,
            list: ArenaVec::with_capacity_in(capacity, arena),
            slots: arena.alloc_slice_fill_copy((2 * capacity).next_power_of_two().max(16), 0),
        };
        names.intern(Cow::Borrowed(""));
        names
    }

    /// The symbol of the name with text `name` and hash `h`, or the free slot where it goes.
    fn find(&self, name: &str, h: u64) -> Result<Sym, usize> {
        let mask = self.slots.len() - 1;
        // the high bits of the product are the best mixed
        let mut i = (h >> 32) as usize & mask;
        loop {
            match self.slots[i] {
                0 => return Err(i),
                s => {
                    let (text, th) = self.list[s as usize - 1];
                    if th == h && text == name {
                        return Ok(Sym(s - 1));
                    }
                }
            }
            i = (i + 1) & mask;
        }
    }

    /// The symbol of `name`, added if new.
    pub(crate) fn intern(&mut self, name: Cow<'a, str>) -> Sym {
        let h = hash(&name);
        let slot = match self.find(&name, h) {
            Ok(sym) => return sym,
            Err(slot) => slot,
        };
        let text = match name {
            Cow::Borrowed(text) => text,
            Cow::Owned(text) => self.arena.alloc_str(&text),
        };
        let sym = Sym(self.list.len() as u32);
        self.list.push((text, h));
        self.slots[slot] = sym.0 + 1;
        if 2 * self.list.len() > self.slots.len() {
            self.grow();
        }
        sym
    }

    /// Doubles the table (the hashes are kept, the texts are not hashed again).
    fn grow(&mut self) {
        self.slots = self.arena.alloc_slice_fill_copy(2 * self.slots.len(), 0);
        let mask = self.slots.len() - 1;
        for (sym, &(_, h)) in self.list.iter().enumerate() {
            let mut i = (h >> 32) as usize & mask;
            while self.slots[i] != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = sym as u32 + 1;
        }
    }

    /// The symbol of `name` if some column or lookup used it before.
    pub(crate) fn get(&self, name: &str) -> Option<Sym> {
        self.find(name, hash(name)).ok()
    }

    /// The text of a symbol.
    pub(crate) fn text(&self, sym: Sym) -> &'a str {
        self.list[sym.index()].0
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
        let arena = Bump::new();
        let mut names = Names::with_capacity(4, &arena);
        let a = names.intern(Cow::Borrowed("a"));
        let b = names.intern(Cow::Owned("b".to_string()));
        assert_eq!(names.intern(Cow::Borrowed("a")), a);
        assert_eq!(names.get(""), Some(Sym::EMPTY));
        assert_eq!(names.get("b"), Some(b));
        assert_eq!(names.get("c"), None);
        assert_eq!(names.text(b), "b");
        // growing keeps every name findable
        let many: Vec<Sym> = (0..100)
            .map(|i| names.intern(Cow::Owned(format!("c{i}"))))
            .collect();
        for (i, sym) in many.iter().enumerate() {
            assert_eq!(names.get(&format!("c{i}")), Some(*sym));
        }
        assert_eq!(names.intern(Cow::Borrowed("a")), a);

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
