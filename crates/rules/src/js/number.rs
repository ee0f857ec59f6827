//! Numbers as JavaScript writes them (`String(x)`) and reads them (`Number(text)`).

use serde_json::Number;

/// `String(x)` for a JSON number: JSON numbers are doubles in JavaScript, so a large integer is
/// first rounded as `JSON.parse` would round it.
pub(crate) fn number_to_string(n: &Number) -> String {
    // Integers a double holds exactly print as themselves (most numbers in events).
    const EXACT: u64 = 1 << 53;
    if let Some(i) = n.as_u64().filter(|i| *i <= EXACT) {
        return i.to_string();
    }
    if let Some(i) = n.as_i64().filter(|i| i.unsigned_abs() <= EXACT) {
        return i.to_string();
    }
    to_js_string(n.as_f64().unwrap_or(f64::NAN))
}

/// `Number.prototype.toString()` (ECMA-262 Number::toString with radix 10): the shortest digits
/// that read back as `x`, in plain notation for exponents -7 < n < 21, else `d.ddde±n`.
pub(crate) fn to_js_string(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    // serde_json writes the same shortest round-trip digits (`1e21`, `1.5e-7`, `100.0`); read
    // them back as digits and a decimal point position. (Rust's own `{:e}` would do too, at the
    // cost of core's float formatting in the wasm.)
    let written = serde_json::Number::from_f64(x.abs()).map_or_else(String::new, |n| n.to_string());
    let (mantissa, exponent) = written.split_once(['e', 'E']).unwrap_or((&written, "0"));
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    plain_as_written(&written, int, frac, x < 0.0)
        .unwrap_or_else(|| from_digits(x < 0.0, int, frac, exponent))
}

/// `Number::toString` from the shortest digits as serde_json wrote them: `int.frac` times ten to
/// the `exponent`.
fn from_digits(negative: bool, int: &str, frac: &str, exponent: &str) -> String {
    let all = format!("{int}{frac}");
    let leading = all.len() - all.trim_start_matches('0').len();
    let digits = all
        .trim_start_matches('0')
        .trim_end_matches('0')
        .to_string();
    let k = digits.len() as i64;
    // x = 0.d1d2…dk × 10^n
    let n = int.len() as i64 + exponent.parse::<i64>().unwrap_or(0) - leading as i64;
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        out.push_str(&digits[..n as usize]);
        out.push('.');
        out.push_str(&digits[n as usize..]);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        out.push_str(&digits[..1]);
        if k > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if n > 0 { '+' } else { '-' });
        out.push_str(&(n - 1).abs().to_string());
    }
    out
}

/// The common case without the digit arithmetic: serde_json wrote `x` (at least 1, under 1e21) in
/// plain notation, `int.frac` with no trailing zero but a lone `.0`, which JavaScript writes
/// alike, without the `.0`.
fn plain_as_written(written: &str, int: &str, frac: &str, negative: bool) -> Option<String> {
    let plain = written.len() == int.len() + frac.len() + usize::from(!frac.is_empty());
    if !plain || int.starts_with('0') || int.len() > 21 || frac.ends_with('0') && frac != "0" {
        return None;
    }
    let mut out = String::with_capacity(written.len() + 1);
    if negative {
        out.push('-');
    }
    out.push_str(int);
    if !frac.is_empty() && frac != "0" {
        out.push('.');
        out.push_str(frac);
    }
    Some(out)
}

/// `Number(text)` (ECMA-262 StringToNumber): surrounding white space ignored, empty is 0,
/// `Infinity`, `0x`/`0o`/`0b` integers, decimal literals; anything else is NaN.
pub(crate) fn string_to_number(text: &str) -> f64 {
    let s = super::js_trim(text);
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
    fn numbers_print_as_javascript_prints_them() {
        for (x, text) in [
            (1.0, "1"),
            (-0.0, "0"),
            (1.5, "1.5"),
            (123.456, "123.456"),
            (0.1, "0.1"),
            (1e21, "1e+21"),
            (1e20, "100000000000000000000"),
            (123456789012345680000.0, "123456789012345680000"),
            (1.5e-7, "1.5e-7"),
            (1e-6, "0.000001"),
            (0.000001234, "0.000001234"),
            (-2.5e30, "-2.5e+30"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (9007199254740993.0, "9007199254740992"),
        ] {
            assert_eq!(to_js_string(x), text, "{x:e}");
        }
    }

    #[test]
    fn plain_numbers_written_as_they_are_agree_with_the_digit_arithmetic() {
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut plain = 0;
        for i in 0..200_000 {
            let x = match i % 3 {
                0 => f64::from_bits(next()),
                1 => (next() % 10_000_000) as f64 / [1.0, 10.0, 100.0, 1000.0][i % 4],
                _ => (next() % 1000) as f64 * 10f64.powi((next() % 60) as i32 - 30),
            };
            if !x.is_finite() || x == 0.0 {
                continue;
            }
            let written = serde_json::Number::from_f64(x.abs()).unwrap().to_string();
            let (mantissa, exponent) = written.split_once(['e', 'E']).unwrap_or((&written, "0"));
            let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
            if let Some(fast) = plain_as_written(&written, int, frac, x < 0.0) {
                plain += 1;
                assert_eq!(fast, from_digits(x < 0.0, int, frac, exponent), "{x:e}");
            }
        }
        assert!(plain > 50_000, "only {plain} plain numbers tried");
    }

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
