//! Numbers as JavaScript writes them (`String(x)`) and reads them (`Number(text)`).

use serde_json::Number;

/// `String(x)` for a JSON number: JSON numbers are doubles in JavaScript, so a large integer is
/// first rounded as `JSON.parse` would round it.
pub fn number_to_string(n: &Number) -> String {
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
pub fn to_js_string(x: f64) -> String {
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
}
