//! Text between the encodings JavaScript strings come in (UTF-16, or Latin-1 when every character fits a byte) and the core's UTF-8, eight bytes at a time over ASCII.
//!
//! The npm package's text crosses the wasm boundary through these. Node encodes a string that is
//! not all ASCII to UTF-8 about ten times slower than it copies it out as UTF-16, and builds a
//! string from Latin-1 or UTF-16 bytes faster than it decodes UTF-8 with any non-ASCII in it; so
//! the conversions happen here, where a run of ASCII (almost all of a Segment body) is eight
//! bytes tested with one mask and then copied or widened.

const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// The index of the first non-ASCII byte of `bytes` at or after `from`, or `bytes.len()`.
fn next_non_ascii(bytes: &[u8], from: usize) -> usize {
    let mut at = from;
    while at + 8 <= bytes.len() {
        let word = u64::from_le_bytes(bytes[at..at + 8].try_into().expect("eight bytes"));
        let high = word & HIGH_BITS;
        if high != 0 {
            return at + (high.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while at < bytes.len() && bytes[at].is_ascii() {
        at += 1;
    }
    at
}

/// The length JavaScript gives `text` (`str.length`): one UTF-16 unit per character, two for a
/// character past U+FFFF. Counted on bytes: every byte that does not continue a character starts
/// one, and a 4-byte sequence (lead byte 0xF0 and up) is two units.
pub(crate) fn utf16_len(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut continuations = 0;
    let mut astral = 0;
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        if w & HIGH_BITS == 0 {
            continue;
        }
        // Per byte, bit 7 of `w << k` is bit 7 - k of the byte (the bits shifted in from the
        // byte below land under bit 7, which the mask drops).
        continuations += (w & !(w << 1) & HIGH_BITS).count_ones() as usize;
        astral += (w & (w << 1) & (w << 2) & (w << 3) & HIGH_BITS).count_ones() as usize;
    }
    for &b in words.remainder() {
        continuations += usize::from(b & 0xC0 == 0x80);
        astral += usize::from(b >= 0xF0);
    }
    bytes.len() - continuations + astral
}

/// Appends `text` as Latin-1 (one byte per character) and returns true, or returns false, with
/// `out` unspecified, when a character is past U+00FF.
pub(crate) fn push_latin1(text: &str, out: &mut Vec<u8>) -> bool {
    let bytes = text.as_bytes();
    out.reserve(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let end = next_non_ascii(bytes, at);
        out.extend_from_slice(&bytes[at..end]);
        if end == bytes.len() {
            break;
        }
        // U+0080..U+00FF are the two-byte sequences led by 0xC2 and 0xC3.
        let lead = bytes[end];
        if lead != 0xC2 && lead != 0xC3 {
            return false;
        }
        out.push(((lead & 0x03) << 6) | (bytes[end + 1] & 0x3F));
        at = end + 2;
    }
    true
}

/// Appends `text` as UTF-16 code units.
pub(crate) fn push_utf16(text: &str, out: &mut Vec<u16>) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let end = next_non_ascii(bytes, at);
        out.extend(bytes[at..end].iter().map(|&b| u16::from(b)));
        at = end;
        if let Some(c) = text[at..].chars().next() {
            out.extend_from_slice(c.encode_utf16(&mut [0; 2]));
            at += c.len_utf8();
        }
    }
}

/// `units` (a JavaScript string's UTF-16) as UTF-8, with each unpaired surrogate replaced by
/// U+FFFD, as `TextEncoder` does. `out` is cleared first and keeps its allocation.
pub(crate) fn utf8_from_utf16(units: &[u16], out: &mut String) {
    let mut bytes = std::mem::take(out).into_bytes();
    bytes.clear();
    bytes.reserve(units.len() + units.len() / 8);
    let mut at = 0;
    while at < units.len() {
        // Four ASCII units at a time: none has a bit above 0x7F.
        while at + 4 <= units.len() {
            let [a, b, c, d] = [units[at], units[at + 1], units[at + 2], units[at + 3]];
            if (a | b | c | d) >= 0x80 {
                break;
            }
            bytes.extend_from_slice(&[a as u8, b as u8, c as u8, d as u8]);
            at += 4;
        }
        let Some(&unit) = units.get(at) else { break };
        if unit < 0x80 {
            bytes.push(unit as u8);
            at += 1;
            continue;
        }
        let pair = (0xD800..0xDC00).contains(&unit) && at + 1 < units.len();
        let taken = if pair { 2 } else { 1 };
        let c = match char::decode_utf16(units[at..at + taken].iter().copied()).next() {
            Some(Ok(c)) => c,
            _ => char::REPLACEMENT_CHARACTER,
        };
        bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
        at += c.len_utf16(); // U+FFFD for an unpaired surrogate is one unit, as the surrogate was
    }
    *out = String::from_utf8(bytes).expect("ASCII bytes and whole characters are UTF-8");
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Text with ASCII runs of every length around the word size, Latin-1, BMP and astral characters.
    fn mixed_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            4 => "[ -~]{0,20}",
            1 => "[\u{80}-\u{FF}]{1,3}",
            1 => "[\u{100}-\u{D7FF}\u{E000}-\u{FFFF}]{1,2}",
            1 => "[\u{10000}-\u{10FFFF}]{1,2}",
        ];
        proptest::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn utf16_len_is_what_javascript_counts(text in mixed_text()) {
            prop_assert_eq!(utf16_len(&text), text.encode_utf16().count());
        }

        #[test]
        fn next_non_ascii_finds_the_first(text in mixed_text(), from in 0usize..40) {
            let bytes = text.as_bytes();
            let from = from.min(bytes.len());
            let expected = bytes[from..].iter().position(|b| !b.is_ascii()).map_or(bytes.len(), |i| from + i);
            prop_assert_eq!(next_non_ascii(bytes, from), expected);
        }

        #[test]
        fn latin1_is_one_byte_per_character_or_refused(text in mixed_text()) {
            let mut out = b"kept".to_vec();
            let fits = text.chars().all(|c| u32::from(c) <= 0xFF);
            prop_assert_eq!(push_latin1(&text, &mut out), fits);
            if fits {
                let expected: Vec<u8> = b"kept".iter().copied().chain(text.chars().map(|c| u32::from(c) as u8)).collect();
                prop_assert_eq!(out, expected);
            }
        }

        #[test]
        fn utf16_is_what_std_encodes(text in mixed_text()) {
            let mut out = vec![7u16];
            push_utf16(&text, &mut out);
            let expected: Vec<u16> = std::iter::once(7).chain(text.encode_utf16()).collect();
            prop_assert_eq!(out, expected);
        }

        #[test]
        fn utf8_from_utf16_round_trips_and_replaces_lone_surrogates(
            text in mixed_text(),
            noise in proptest::collection::vec((0usize..64, 0xD800u16..0xE000), 0..4),
        ) {
            let mut units: Vec<u16> = text.encode_utf16().collect();
            let mut out = String::from("stale");
            utf8_from_utf16(&units, &mut out);
            prop_assert_eq!(&out, &text);
            for (at, surrogate) in noise {
                units.insert(at.min(units.len()), surrogate);
            }
            utf8_from_utf16(&units, &mut out);
            prop_assert_eq!(out, String::from_utf16_lossy(&units));
        }
    }

    #[test]
    fn edges() {
        assert_eq!(utf16_len(""), 0);
        assert_eq!(utf16_len("é😀a"), 4);
        let mut out = Vec::new();
        assert!(push_latin1("ÿ\u{80}é", &mut out));
        assert_eq!(out, [0xFF, 0x80, 0xE9]);
        assert!(!push_latin1("Ā", &mut Vec::new()));
        let mut text = String::new();
        utf8_from_utf16(&[0xD83D], &mut text); // a high surrogate at the very end
        assert_eq!(text, "\u{FFFD}");
        utf8_from_utf16(&[0xDE00, 0x61, 0xD83D, 0xDE00], &mut text); // a lone low surrogate, then a pair
        assert_eq!(text, "\u{FFFD}a😀");
    }
}
