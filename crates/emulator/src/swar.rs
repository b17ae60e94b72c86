//! Eight bytes at a time (SWAR): the test the emulator's JSON readers and writers share for
//! the bytes a JSON string cannot hold as they are.

const ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte of a word: `word & HIGH == 0` when all eight bytes are ASCII.
pub(crate) const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `word` (eight bytes read little-endian) that is below 0x20,
/// a quote or a backslash: zero when no byte is. Exact for the first such byte (a borrow
/// only carries into the bytes after it), so `trailing_zeros() / 8` is its index.
#[inline]
pub(crate) fn json_special(word: u64) -> u64 {
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    (word.wrapping_sub(ONES * 0x20) & !word & HIGH)
        | zero(word ^ (ONES * u64::from(b'"')))
        | zero(word ^ (ONES * u64::from(b'\\')))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_special_byte_is_found_exactly() {
        let special = |b: u8| b < 0x20 || b == b'"' || b == b'\\';
        let samples = [
            0u8, 0x1f, 0x20, b'!', b'"', b'#', b'[', b'\\', b']', 0x7f, 0x80, 0xff,
        ];
        for &a in &samples {
            for &b in &samples {
                for at in 0..8 {
                    let mut bytes = [b'x'; 8];
                    bytes[at] = a;
                    bytes[(at + 3) % 8] = b;
                    let found = json_special(u64::from_le_bytes(bytes));
                    let first = bytes.iter().position(|&c| special(c));
                    match first {
                        None => assert_eq!(found, 0, "{bytes:?}"),
                        Some(i) => assert_eq!(found.trailing_zeros() / 8, i as u32, "{bytes:?}"),
                    }
                }
            }
        }
    }
}
