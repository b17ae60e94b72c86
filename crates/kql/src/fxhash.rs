//! A small, fast, non-cryptographic hasher (the FxHash scheme) for the analyser's internal maps
//! (keywords, built-in functions, column names and ids): keys are short and trusted, and SipHash
//! dominated the profile.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

/// FxHash: multiply-rotate over machine words.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().unwrap_or_default()));
        }
        let mut rest = chunks.remainder();
        if !rest.is_empty() {
            // the tail as a little-endian word padded with zeros, read 4, 2 and 1 bytes at a time
            let mut word = 0u64;
            let mut shift = 0;
            if let Some((four, tail)) = rest.split_first_chunk::<4>() {
                word = u64::from(u32::from_le_bytes(*four));
                shift = 32;
                rest = tail;
            }
            if let Some((two, tail)) = rest.split_first_chunk::<2>() {
                word |= u64::from(u16::from_le_bytes(*two)) << shift;
                shift += 16;
                rest = tail;
            }
            if let [b] = rest {
                word |= u64::from(*b) << shift;
            }
            self.add(word);
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// `HashMap` with [`FxHasher`].
pub(crate) type FxHashMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;
/// `HashSet` with [`FxHasher`].
pub(crate) type FxHashSet<T> = HashSet<T, BuildHasherDefault<FxHasher>>;

/// A fixed list of words with a set built on first use, for membership tests on hot paths
/// (keyword classes, documented function names).
pub(crate) struct WordSet {
    list: &'static [&'static str],
    set: OnceLock<FxHashSet<&'static str>>,
}

impl WordSet {
    /// The set of `list`.
    pub(crate) const fn new(list: &'static [&'static str]) -> WordSet {
        WordSet {
            list,
            set: OnceLock::new(),
        }
    }

    /// True if `word` is in the list.
    pub(crate) fn contains(&self, word: &str) -> bool {
        self.set
            .get_or_init(|| self.list.iter().copied().collect())
            .contains(word)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tails_are_padded_words() {
        let hash = |bytes: &[u8]| {
            let mut h = FxHasher::default();
            h.write(bytes);
            h.finish()
        };
        let mut word = FxHasher::default();
        word.add(u64::from_le_bytes([1, 2, 3, 4, 5, 6, 7, 0]));
        assert_eq!(hash(&[1, 2, 3, 4, 5, 6, 7]), word.finish());
        let mut two = FxHasher::default();
        two.add(u64::from_le_bytes([9, 9, 9, 9, 9, 9, 9, 9]));
        two.add(u64::from_le_bytes([1, 2, 3, 0, 0, 0, 0, 0]));
        assert_eq!(hash(&[9, 9, 9, 9, 9, 9, 9, 9, 1, 2, 3]), two.finish());
    }

    #[test]
    fn distinct_keys_stay_distinct() {
        let mut m: FxHashMap<String, usize> = FxHashMap::default();
        for i in 0..1000 {
            m.insert(format!("Column{i}"), i);
        }
        assert_eq!(m.len(), 1000);
        assert_eq!(m.get("Column999"), Some(&999));
    }
}
