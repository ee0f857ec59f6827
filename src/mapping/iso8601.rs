//! Reading an ISO-8601 / RFC 3339 date-time with an offset into Unix milliseconds.
//!
//! Accepted: RFC 3339 (`2024-03-04T15:32:56.409Z`, `…+01:00`; any one character between date and
//! time; any number of fraction digits; `Z` in either case), and ISO-8601 calendar date-times in
//! extended or basic form (`2024-03-04T15:32:56Z`, `20240304T153256.409+0100`, `…T15:32+01`,
//! `20240304T15Z`, a fraction on the last time unit given, with `.` or `,`). An offset is required. A
//! leap second (`:60`) counts as the last millisecond before it, only where one can occur (the
//! last second of a month, UTC). Digits past milliseconds are dropped, not rounded. Week and
//! ordinal dates (`2024-W10-1`, `2024-064`) are not read.

/// Milliseconds since the Unix epoch, or `None` when `text` is not such a date-time.
pub(crate) fn parse(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    rfc3339(b).or_else(|| iso8601(b))
}

/// `YYYY-MM-DD?hh:mm:ss[.f+](Z|±hh:mm)`, `?` being any one byte.
fn rfc3339(b: &[u8]) -> Option<i64> {
    let mut at = Cursor { b, i: 0 };
    let year = at.digits(4)?;
    at.literal(b'-')?;
    let month = at.digits(2)?;
    at.literal(b'-')?;
    let day = at.digits(2)?;
    at.i += 1; // any separator
    let hour = at.digits(2)?;
    at.literal(b':')?;
    let minute = at.digits(2)?;
    at.literal(b':')?;
    let second = at.digits(2)?;
    let fraction_ms = if at.peek() == Some(b'.') {
        at.i += 1;
        at.fraction_ms()?
    } else {
        0
    };
    let offset_minutes = at.offset(true)?;
    at.end()?;
    instant(Parts {
        year,
        month,
        day,
        hour,
        minute,
        second,
        fraction_ms,
        offset_minutes,
    })
}

/// ISO-8601 calendar date-time, extended (`-`, `:`) or basic, hours with optional minutes and
/// seconds, a fraction on the last unit given.
fn iso8601(b: &[u8]) -> Option<i64> {
    let mut at = Cursor { b, i: 0 };
    let year = at.digits(4)?;
    let extended = at.peek() == Some(b'-');
    let separator = |at: &mut Cursor, byte: u8| if extended { at.literal(byte) } else { Some(()) };
    separator(&mut at, b'-')?;
    let month = at.digits(2)?;
    separator(&mut at, b'-')?;
    let day = at.digits(2)?;
    at.literal(b'T')?;
    let hour = at.digits(2)?;
    let mut minute = 0;
    let mut second = 0;
    // The units given so far (1: hours, 2: minutes, 3: seconds), for where a fraction applies.
    let mut units = 1;
    let next_unit = |at: &Cursor| {
        at.peek() == Some(b':') || (!extended && at.peek().is_some_and(|c| c.is_ascii_digit()))
    };
    if next_unit(&at) {
        separator(&mut at, b':')?;
        minute = at.digits(2)?;
        units = 2;
    } else if extended && !matches!(at.peek(), Some(b'.' | b',')) {
        return None; // the extended form gives at least hours and minutes
    }
    if units == 2 && next_unit(&at) {
        separator(&mut at, b':')?;
        second = at.digits(2)?;
        units = 3;
    }
    let mut fraction_ms = 0;
    if matches!(at.peek(), Some(b'.' | b',')) {
        at.i += 1;
        // A fraction of an hour or a minute becomes minutes, seconds and milliseconds.
        let (numerator, denominator) = at.fraction()?;
        let unit_ms: i64 = match units {
            1 => 3_600_000,
            2 => 60_000,
            _ => 1_000,
        };
        let ms = numerator * unit_ms / denominator;
        match units {
            1 => {
                minute = (ms / 60_000) as u32;
                second = (ms / 1000 % 60) as u32;
            }
            2 => second = (ms / 1000) as u32,
            _ => {}
        }
        fraction_ms = if units == 3 { ms } else { ms % 1000 } as u32;
    }
    let offset_minutes = at.offset(false)?;
    at.end()?;
    instant(Parts {
        year,
        month,
        day,
        hour,
        minute,
        second,
        fraction_ms,
        offset_minutes,
    })
}

struct Parts {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    fraction_ms: u32,
    /// East of UTC, in minutes.
    offset_minutes: i32,
}

/// The instant the parts name, checked: a real date (year 0 included: its instant may still be
/// in year 1 UTC; the caller keeps years 1–9999), hours 0–23, minutes 0–59, seconds 0–59, or 60
/// where a leap second can be.
fn instant(p: Parts) -> Option<i64> {
    let leap = p.second == 60;
    let valid = (1..=12).contains(&p.month)
        && (1..=days_in_month(p.year, p.month)).contains(&p.day)
        && p.hour <= 23
        && p.minute <= 59
        && p.second <= 60;
    if !valid {
        return None;
    }
    let days = days_from_civil(p.year as i64, p.month, p.day);
    let seconds = if leap { 59 } else { p.second };
    let local = days * 86_400 + i64::from(p.hour * 3600 + p.minute * 60 + seconds);
    let utc = local - i64::from(p.offset_minutes) * 60;
    if leap {
        // A leap second stands in for the last instant before it, and only at the end of a
        // month in UTC: 23:59:60Z on its last day.
        let (y, m, d) = civil_from_days(utc.div_euclid(86_400));
        if utc.rem_euclid(86_400) != 86_399 || d != days_in_month(y as u32, m) {
            return None;
        }
        return Some(utc * 1000 + 999);
    }
    Some(utc * 1000 + i64::from(p.fraction_ms))
}

fn is_leap_year(year: u32) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_index = i64::from((month + 9) % 12);
    let day_of_year = (153 * month_index + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The proleptic Gregorian date of a count of days since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A position in the text being read.
struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn literal(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.i += 1)
    }

    /// Exactly `n` ASCII digits.
    fn digits(&mut self, n: usize) -> Option<u32> {
        let digits = self.b.get(self.i..self.i + n)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.i += n;
        Some(digits.iter().fold(0, |v, d| v * 10 + u32::from(d - b'0')))
    }

    /// One or more digits after a decimal mark, as milliseconds (digits past them dropped).
    fn fraction_ms(&mut self) -> Option<u32> {
        let (numerator, denominator) = self.fraction()?;
        Some((numerator * 1000 / denominator) as u32)
    }

    /// One or more digits after a decimal mark as a fraction, its first nine digits kept.
    fn fraction(&mut self) -> Option<(i64, i64)> {
        let start = self.i;
        let (mut numerator, mut denominator) = (0i64, 1i64);
        while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
            if self.i - start < 9 {
                numerator = numerator * 10 + i64::from(d - b'0');
                denominator *= 10;
            }
            self.i += 1;
        }
        (self.i > start).then_some((numerator, denominator))
    }

    /// `Z`, or `±hh:mm`; with `rfc3339` also `z`, and without it also `±hh` and `±hhmm`. Minutes
    /// east of UTC.
    fn offset(&mut self, rfc3339: bool) -> Option<i32> {
        match self.peek()? {
            b'Z' => {
                self.i += 1;
                Some(0)
            }
            b'z' if rfc3339 => {
                self.i += 1;
                Some(0)
            }
            sign @ (b'+' | b'-') => {
                self.i += 1;
                let hours = self.digits(2)?;
                let minutes = match self.peek() {
                    None if !rfc3339 => 0,
                    Some(b':') => {
                        self.i += 1;
                        self.digits(2)?
                    }
                    Some(_) if !rfc3339 => self.digits(2)?,
                    _ => return None, // RFC 3339 writes `±hh:mm`
                };
                // RFC 3339 offsets go to 23 hours; ISO-8601's (as the time crate reads them) to 25.
                if hours > if rfc3339 { 23 } else { 25 } || minutes > 59 {
                    return None;
                }
                let minutes = (hours * 60 + minutes) as i32;
                Some(if sign == b'-' { -minutes } else { minutes })
            }
            _ => None,
        }
    }

    fn at_end(&self) -> bool {
        self.i >= self.b.len()
    }

    fn end(&self) -> Option<()> {
        self.at_end().then_some(())
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn the_forms_it_reads() {
        let at = |t| parse(t);
        let base = Some(1_709_566_376_409);
        assert_eq!(at("2024-03-04T15:32:56.409Z"), base);
        assert_eq!(at("2024-03-04t15:32:56.409z"), base);
        assert_eq!(at("2024-03-04 15:32:56.409Z"), base);
        assert_eq!(at("2024-03-04T16:32:56.409999+01:00"), base);
        assert_eq!(at("20240304T153256.409Z"), base);
        assert_eq!(at("20240304T163256,409+0100"), base);
        assert_eq!(at("2024-03-04T16:32:56.409+01:00"), base);
        assert_eq!(at("2024-03-04T15:32Z"), Some(1_709_566_320_000));
        assert_eq!(at("20240304T15Z"), Some(1_709_564_400_000));
        assert_eq!(at("2024-03-04T15.5Z"), Some(1_709_566_200_000));
        assert_eq!(at("2024-03-04T15:32.5Z"), Some(1_709_566_350_000));
        assert_eq!(at("2016-12-31T23:59:60Z"), Some(1_483_228_799_999));
        assert_eq!(at("0001-01-01T00:00:00Z"), Some(-62_135_596_800_000));
        assert_eq!(at("9999-12-31T23:59:59.999Z"), Some(253_402_300_799_999));
        assert_eq!(at("1969-12-31T23:59:59.9995Z"), Some(-1));
        // RFC 3339 offsets stop at 23 hours; ISO-8601 ones (as the time crate reads them) at 25.
        assert_eq!(at("2024-03-04T15:32:56+24:00"), Some(1_709_479_976_000));
    }

    #[test]
    fn what_it_refuses() {
        for text in [
            "2024-03-04T15:32:56",
            "2024-03-04",
            "2024-02-30T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-03-04T24:00:00Z",
            "2024-03-04T15:60:00Z",
            "2024-03-04T15:32:56.Z",
            "2024-03-04T15:32:56+26:00",
            "2024-03-04T15:32:60Z",
            "2024-03-04T15:32:56Zx",
            "2024-W10-1T00:00:00Z",
            "2024-064T00:00:00Z",
            "2024-03-04T153256Z",
            "2024-03-04T15Z",
            "",
            "now",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
