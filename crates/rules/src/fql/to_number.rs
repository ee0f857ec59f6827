//! `Number(text)` as JavaScript reads it, for FQL literals: read when a subscription is compiled, so it stays in the rules crate (built for size), not in its hot path.

use crate::js::js_trim;

/// `Number(text)` (ECMA-262 StringToNumber): surrounding white space ignored, empty is 0,
/// `Infinity`, `0x`/`0o`/`0b` integers, decimal literals; anything else is NaN.
pub fn string_to_number(text: &str) -> f64 {
    let s = js_trim(text);
    if s.is_empty() {
        return 0.0;
    }
    for (prefix, radix) in [
        ("0x", 16),
        ("0X", 16),
        ("0o", 8),
        ("0O", 8),
        ("0b", 2),
        ("0B", 2),
    ] {
        if let Some(digits) = s.strip_prefix(prefix) {
            return parse_radix(digits, radix);
        }
    }
    let (negative, unsigned) = match s.as_bytes()[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let magnitude = if unsigned == "Infinity" {
        f64::INFINITY
    } else if is_decimal_literal(unsigned) {
        parse_decimal(unsigned)
    } else {
        f64::NAN
    };
    if negative {
        -magnitude
    } else {
        magnitude
    }
}

/// A decimal literal ([`is_decimal_literal`]) rounded to the nearest double, read by serde_json
/// once written as a JSON number (`.5` as `0.5`, `007` as `7`, `1.` as `1`). Beyond the largest
/// double it is Infinity, as in JavaScript.
fn parse_decimal(literal: &str) -> f64 {
    let (number, exponent) = match literal.find(['e', 'E']) {
        Some(at) => (&literal[..at], &literal[at..]),
        None => (literal, ""),
    };
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    let int = int.trim_start_matches('0');
    let json = format!(
        "{}{}{frac}{exponent}",
        if int.is_empty() { "0" } else { int },
        if frac.is_empty() { "" } else { "." }
    );
    serde_json::from_str::<f64>(&json).unwrap_or(f64::INFINITY)
}

/// `digits [. digits] [e [+-] digits]` or `. digits [e …]`.
fn is_decimal_literal(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut i = 0;
    let int_digits = count_digits(&bytes[i..]);
    i += int_digits;
    let mut frac_digits = 0;
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = count_digits(&bytes[i..]);
        i += frac_digits;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_digits = count_digits(&bytes[i..]);
        if exp_digits == 0 {
            return false;
        }
        i += exp_digits;
    }
    i == bytes.len()
}

fn count_digits(bytes: &[u8]) -> usize {
    bytes.iter().take_while(|b| b.is_ascii_digit()).count()
}

/// An unsigned integer in base 2, 8 or 16, rounded to the nearest double (ties to even).
fn parse_radix(digits: &str, radix: u32) -> f64 {
    if digits.is_empty() {
        return f64::NAN;
    }
    let bits_per_digit = radix.trailing_zeros();
    // The value's bits, most significant first, without leading zeros.
    let mut bits: Vec<bool> = Vec::new();
    for c in digits.chars() {
        let Some(d) = c.to_digit(radix) else {
            return f64::NAN;
        };
        for shift in (0..bits_per_digit).rev() {
            let bit = (d >> shift) & 1 == 1;
            if bit || !bits.is_empty() {
                bits.push(bit);
            }
        }
    }
    if bits.len() <= 64 {
        return bits.iter().fold(0u64, |acc, b| (acc << 1) | u64::from(*b)) as f64;
    }
    // Keep 53 significant bits and round on the rest.
    let mut mantissa = bits[..53]
        .iter()
        .fold(0u64, |acc, b| (acc << 1) | u64::from(*b));
    let half = bits[53];
    let sticky = bits[54..].iter().any(|b| *b);
    if half && (sticky || mantissa & 1 == 1) {
        mantissa += 1;
    }
    let exponent = (bits.len() - 53) as i32;
    if exponent > 1023 {
        return f64::INFINITY;
    }
    mantissa as f64 * 2f64.powi(exponent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_reads_as_javascript_reads_it() {
        for (text, x) in [
            ("5", 5.0),
            (" 5\n", 5.0),
            ("", 0.0),
            ("  ", 0.0),
            ("1.", 1.0),
            (".5", 0.5),
            ("-.5e1", -5.0),
            ("+3", 3.0),
            ("0x1F", 31.0),
            ("0b101", 5.0),
            ("0o17", 15.0),
            ("Infinity", f64::INFINITY),
            ("-Infinity", f64::NEG_INFINITY),
            ("1e3", 1000.0),
            ("007", 7.0),
            ("1e400", f64::INFINITY),
            ("1e-400", 0.0),
            ("0.1", 0.1),
            ("123456789012345678901234567890", 1.2345678901234568e29),
            ("9007199254740993", 9007199254740992.0),
        ] {
            assert_eq!(string_to_number(text), x, "{text:?}");
        }
        for text in [
            "abc", "1e", "inf", "nan", "-0x1", "0x", ".", "1 2", "--1", "1_000", "e5",
        ] {
            assert!(string_to_number(text).is_nan(), "{text:?}");
        }
        assert_eq!(
            string_to_number("0x1fffffffffffff1"),
            0x1fffffffffffff1u64 as f64
        );
        assert_eq!(
            string_to_number(&format!("0x{}", "f".repeat(20))),
            2f64.powi(80)
        );
    }
}
