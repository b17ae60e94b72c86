//! Buffers reused across requests: a batch's request body, inflated body, typed cells and
//! unescaped text are each one allocation of up to megabytes; taking them from here instead of
//! the allocator spares the page faults of fresh memory on every request. A pool keeps a few
//! buffers (as many as requests are usually handled at once) and none larger than a bound, so
//! an exceptional request does not pin its memory.

use std::sync::Mutex;

/// Buffers kept per pool.
const KEPT: usize = 4;
/// The largest buffer kept, in bytes of capacity.
const MAX_KEPT_BYTES: usize = 64 * 1024 * 1024;

/// A pool of empty vectors of `T`.
pub(crate) struct Pool<T> {
    free: Mutex<Vec<Vec<T>>>,
}

impl<T> Pool<T> {
    /// An empty pool.
    pub(crate) const fn new() -> Pool<T> {
        Pool {
            free: Mutex::new(Vec::new()),
        }
    }

    /// An empty vector with room for at least `capacity` items: a kept one when there is one.
    pub(crate) fn take(&self, capacity: usize) -> Vec<T> {
        let kept = self.free.lock().ok().and_then(|mut free| free.pop());
        match kept {
            Some(mut v) => {
                v.reserve(capacity);
                v
            }
            None => Vec::with_capacity(capacity),
        }
    }

    /// Gives `v` back, emptied; kept unless the pool is full or `v` is too large or empty.
    pub(crate) fn give(&self, mut v: Vec<T>) {
        let bytes = v.capacity().saturating_mul(std::mem::size_of::<T>());
        if bytes == 0 || bytes > MAX_KEPT_BYTES {
            return;
        }
        v.clear();
        if let Ok(mut free) = self.free.lock()
            && free.len() < KEPT
        {
            free.push(v);
        }
    }
}

impl Pool<u8> {
    /// A kept buffer as it was given back (its length and bytes left from its last use, to be
    /// overwritten: bytes within the length need no zeroing before being read into), or an
    /// empty one.
    pub(crate) fn take_filled(&self) -> Vec<u8> {
        self.free
            .lock()
            .ok()
            .and_then(|mut free| free.pop())
            .unwrap_or_default()
    }

    /// Gives `v` back as it is, for [`Pool::take_filled`]; kept unless the pool is full or `v`
    /// is too large or empty.
    pub(crate) fn give_filled(&self, v: Vec<u8>) {
        if v.capacity() == 0 || v.capacity() > MAX_KEPT_BYTES {
            return;
        }
        if let Ok(mut free) = self.free.lock()
            && free.len() < KEPT
        {
            free.push(v);
        }
    }
}

/// Request bodies as received (about the 1 MB limit) and unescaped text.
pub(crate) static BYTES: Pool<u8> = Pool::new();

/// Inflated request bodies (several MB each), given back with their length
/// ([`Pool::give_filled`]).
pub(crate) static INFLATED: Pool<u8> = Pool::new();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_given_buffer_is_taken_again_empty() {
        let pool: Pool<u8> = Pool::new();
        let mut v = pool.take(1000);
        assert!(v.capacity() >= 1000);
        v.extend_from_slice(b"abc");
        let ptr = v.as_ptr();
        pool.give(v);
        let again = pool.take(10);
        assert!(again.is_empty());
        assert_eq!(again.as_ptr(), ptr);
        assert!(again.capacity() >= 1000);
    }

    #[test]
    fn a_filled_buffer_is_taken_again_as_it_was() {
        let pool: Pool<u8> = Pool::new();
        assert!(pool.take_filled().is_empty());
        pool.give_filled(b"abc".to_vec());
        assert_eq!(pool.take_filled(), b"abc");
        pool.give_filled(Vec::new());
        pool.give_filled(Vec::with_capacity(MAX_KEPT_BYTES + 1));
        assert!(pool.free.lock().expect("lock").is_empty());
    }

    #[test]
    fn the_pool_keeps_a_bounded_number_of_bounded_buffers() {
        let pool: Pool<u8> = Pool::new();
        for _ in 0..KEPT + 3 {
            pool.give(Vec::with_capacity(16));
        }
        pool.give(Vec::new());
        assert_eq!(pool.free.lock().expect("lock").len(), KEPT);
        let pool: Pool<u8> = Pool::new();
        pool.give(Vec::with_capacity(MAX_KEPT_BYTES + 1));
        assert!(pool.free.lock().expect("lock").is_empty());
    }
}
