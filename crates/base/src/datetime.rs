//! The fixed head of an RFC 3339 datetime, `YYYY-MM-DDThh:mm:ss`, checked without a parser:
//! the shape nearly every record's datetime has. The push client's validation and the
//! emulator's storage both take it as a fast path before their parsers.

/// Whether `head` is `YYYY-MM-DDThh:mm:ss` with ASCII digits and every field in range: a date
/// that exists (leap years included), an hour up to 23, a minute and a second up to 59 (a leap
/// second is left to the caller's parser).
#[inline]
pub fn is_plain_head(head: &[u8; 19]) -> bool {
    const DIGITS: [usize; 14] = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];
    let digit = |at: usize| u32::from(head[at].wrapping_sub(b'0'));
    if head[4] != b'-'
        || head[7] != b'-'
        || head[10] != b'T'
        || head[13] != b':'
        || head[16] != b':'
    {
        return false;
    }
    // a plain loop: `Iterator::any` here was an outlined call per datetime in the emulator
    for at in DIGITS {
        if digit(at) > 9 {
            return false;
        }
    }
    let two = |at: usize| digit(at) * 10 + digit(at + 1);
    let year = two(0) * 100 + two(2);
    let (month, day) = (two(5), two(8));
    let (hour, minute, second) = (two(11), two(14), two(17));
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return false,
    };
    day != 0 && day <= days && hour <= 23 && minute <= 59 && second <= 59
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> bool {
        is_plain_head(text.as_bytes().try_into().expect("19 bytes"))
    }

    #[test]
    fn heads_in_range_and_out() {
        for ok in [
            "2026-01-01T00:00:00",
            "2024-02-29T23:59:59",
            "2000-02-29T12:30:45",
            "0000-12-31T00:00:00",
            "9999-04-30T00:00:00",
        ] {
            assert!(head(ok), "{ok}");
        }
        for bad in [
            "2026-02-29T00:00:00",
            "1900-02-29T00:00:00",
            "2026-04-31T00:00:00",
            "2026-00-10T00:00:00",
            "2026-13-10T00:00:00",
            "2026-01-00T00:00:00",
            "2026-01-01T24:00:00",
            "2026-01-01T00:60:00",
            "2026-01-01T00:00:60",
            "2026-01-01t00:00:00",
            "2026-01-01 00:00:00",
            "2026/01/01T00:00:00",
            "2026-0a-01T00:00:00",
            "+026-01-01T00:00:00",
        ] {
            assert!(!head(bad), "{bad}");
        }
    }
}
