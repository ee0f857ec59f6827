//! Times as ISO 8601 UTC text (`2026-12-07T10:00:00.000Z`), without a date library: the console's records and the session's expiry.

/// `ms` since the epoch as `2026-12-07T10:00:00.000Z` (`millis`) or `2026-12-07T10:00:00Z`.
pub fn iso_time(ms: u64, millis: bool) -> String {
    let secs = ms / 1_000;
    let days = (secs / 86_400) as i64;
    let rest = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let time = format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
        rest / 3_600,
        rest % 3_600 / 60,
        rest % 60
    );
    if millis {
        format!("{time}.{:03}Z", ms % 1_000)
    } else {
        format!("{time}Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_across_eras_and_leap_days() {
        assert_eq!(iso_time(0, false), "1970-01-01T00:00:00Z");
        assert_eq!(iso_time(1_800_000_000_000, false), "2027-01-15T08:00:00Z");
        assert_eq!(iso_time(951_782_400_000, false), "2000-02-29T00:00:00Z");
        assert_eq!(
            iso_time(1_796_615_568_283, true),
            "2026-12-07T03:52:48.283Z"
        );
    }
}
