//! STIX 2.1 timestamps (`YYYY-MM-DDTHH:MM:SS[.s+]Z`, always UTC).
//!
//! Parsed strictly: uppercase `T` and `Z`, no offsets, calendar-valid dates. Kept to the
//! nanosecond; more than nine fractional digits are refused rather than silently rounded,
//! because two versions of an object must never collapse into one.

use std::fmt;

/// A point in time with nanosecond precision, as STIX and TAXII write it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    secs: i64,
    nanos: u32,
}

/// Why a string is not a STIX timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a STIX timestamp (YYYY-MM-DDTHH:MM:SS[.fraction]Z): {reason}")]
pub struct TimestampError {
    value: String,
    reason: &'static str,
}

impl Timestamp {
    pub const UNIX_EPOCH: Timestamp = Timestamp { secs: 0, nanos: 0 };

    /// Parses a STIX timestamp.
    pub fn parse(s: &str) -> Result<Self, TimestampError> {
        let err = |reason| TimestampError {
            value: truncate_for_error(s),
            reason,
        };
        let b = s.as_bytes();
        if b.len() < 20 {
            return Err(err("too short"));
        }
        let digits = |range: std::ops::Range<usize>| -> Option<u32> {
            let mut v = 0u32;
            for &c in &b[range] {
                if !c.is_ascii_digit() {
                    return None;
                }
                v = v * 10 + u32::from(c - b'0');
            }
            Some(v)
        };
        if b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
            return Err(err("wrong separators"));
        }
        let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
            digits(0..4),
            digits(5..7),
            digits(8..10),
            digits(11..13),
            digits(14..16),
            digits(17..19),
        ) else {
            return Err(err("non-digit in date or time"));
        };
        if year == 0 {
            return Err(err("year 0000 does not exist"));
        }
        if !(1..=12).contains(&month) {
            return Err(err("month out of range"));
        }
        if day == 0 || day > days_in_month(year, month) {
            return Err(err("day out of range"));
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(err("time out of range"));
        }
        let rest = &b[19..];
        let nanos = match rest {
            [b'Z'] => 0,
            [b'.', frac @ .., b'Z'] => {
                if frac.is_empty() {
                    return Err(err("empty fraction"));
                }
                if frac.len() > 9 {
                    return Err(err("more than nanosecond precision"));
                }
                let mut n = 0u32;
                for &c in frac {
                    if !c.is_ascii_digit() {
                        return Err(err("non-digit in fraction"));
                    }
                    n = n * 10 + u32::from(c - b'0');
                }
                n * 10u32.pow(9 - frac.len() as u32)
            }
            _ => return Err(err("must end in Z (UTC)")),
        };
        let days = days_from_civil(i64::from(year), month, day);
        let secs =
            days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
        Ok(Timestamp { secs, nanos })
    }

    /// From microseconds since the Unix epoch (how Renkei stores `date_added`).
    pub fn from_unix_micros(micros: i64) -> Self {
        Timestamp {
            secs: micros.div_euclid(1_000_000),
            nanos: (micros.rem_euclid(1_000_000) * 1000) as u32,
        }
    }

    /// Microseconds since the Unix epoch, truncating sub-microsecond digits.
    pub fn unix_micros(&self) -> i64 {
        self.secs * 1_000_000 + i64::from(self.nanos / 1000)
    }

    pub fn from_system_time(t: std::time::SystemTime) -> Self {
        match t.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => Timestamp {
                secs: d.as_secs() as i64,
                nanos: d.subsec_nanos(),
            },
            Err(e) => {
                let d = e.duration();
                let total = -(d.as_nanos() as i128);
                Timestamp {
                    secs: total.div_euclid(1_000_000_000) as i64,
                    nanos: total.rem_euclid(1_000_000_000) as u32,
                }
            }
        }
    }

    /// Fixed-width form with nine fractional digits: sorts as text in time order, so the
    /// stores can compare versions with plain string comparison.
    pub fn to_sortable(&self) -> String {
        self.format_with(9)
    }

    /// TAXII form of a server timestamp: always six fractional digits (microseconds).
    pub fn to_taxii_micros(&self) -> String {
        self.format_with(6)
    }

    /// The shortest of millisecond, microsecond or nanosecond precision that loses nothing.
    pub fn to_stix(&self) -> String {
        let digits = if self.nanos.is_multiple_of(1_000_000) {
            3
        } else if self.nanos.is_multiple_of(1000) {
            6
        } else {
            9
        };
        self.format_with(digits)
    }

    /// The RFC 2822 form RSS and HTTP dates use, in GMT, to the second:
    /// `Sun, 06 Dec 2026 01:02:03 GMT`.
    pub fn to_rfc2822(&self) -> String {
        const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let secs = self.unix_micros().div_euclid(1_000_000);
        let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let (y, m, d) = civil_from_days(days);
        format!(
            "{}, {d:02} {} {y} {:02}:{:02}:{:02} GMT",
            WEEKDAYS[days.rem_euclid(7) as usize],
            MONTHS[(m as usize).saturating_sub(1) % 12],
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }

    /// Formats without the `fmt` machinery: this runs once per stored record.
    fn format_with(&self, frac_digits: u32) -> String {
        fn digits(buf: &mut String, mut value: u64, width: usize) {
            let mut d = [b'0'; 9];
            for slot in d[..width].iter_mut().rev() {
                *slot = b'0' + (value % 10) as u8;
                value /= 10;
            }
            buf.extend(d[..width].iter().map(|b| char::from(*b)));
        }
        let days = self.secs.div_euclid(86_400);
        let sod = self.secs.rem_euclid(86_400) as u64;
        let (y, m, d) = civil_from_days(days);
        let mut buf = String::with_capacity(21 + frac_digits as usize);
        digits(&mut buf, y.clamp(0, 9999) as u64, 4);
        buf.push('-');
        digits(&mut buf, u64::from(m), 2);
        buf.push('-');
        digits(&mut buf, u64::from(d), 2);
        buf.push('T');
        digits(&mut buf, sod / 3600, 2);
        buf.push(':');
        digits(&mut buf, (sod / 60) % 60, 2);
        buf.push(':');
        digits(&mut buf, sod % 60, 2);
        buf.push('.');
        digits(
            &mut buf,
            u64::from(self.nanos / 10u32.pow(9 - frac_digits)),
            frac_digits as usize,
        );
        buf.push('Z');
        buf
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_stix())
    }
}

fn truncate_for_error(s: &str) -> String {
    s.chars().take(64).collect()
}

fn is_leap(y: u32) -> bool {
    (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400)
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian calendar).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_formats_round_trip() {
        for (input, stix) in [
            ("2016-04-06T20:03:48.000Z", "2016-04-06T20:03:48.000Z"),
            ("2016-04-06T20:03:48Z", "2016-04-06T20:03:48.000Z"),
            ("2016-04-06T20:03:48.123456Z", "2016-04-06T20:03:48.123456Z"),
            ("2016-04-06T20:03:48.1Z", "2016-04-06T20:03:48.100Z"),
            (
                "2016-04-06T20:03:48.123456789Z",
                "2016-04-06T20:03:48.123456789Z",
            ),
            ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z"),
            ("9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z"),
            ("2024-02-29T12:00:00Z", "2024-02-29T12:00:00.000Z"),
            ("1969-12-31T23:59:59.5Z", "1969-12-31T23:59:59.500Z"),
        ] {
            let t = Timestamp::parse(input).unwrap();
            assert_eq!(t.to_stix(), stix, "{input}");
            assert_eq!(Timestamp::parse(&t.to_sortable()).unwrap(), t);
        }
    }

    #[test]
    fn refuses_what_stix_does_not_allow() {
        for bad in [
            "2016-04-06 20:03:48Z",
            "2016-04-06t20:03:48Z",
            "2016-04-06T20:03:48z",
            "2016-04-06T20:03:48+00:00",
            "2016-04-06T20:03:48",
            "2016-04-06T20:03:48.Z",
            "2016-04-06T20:03:48.1234567891Z",
            "2016-13-06T20:03:48Z",
            "2023-02-29T20:03:48Z",
            "2016-04-31T20:03:48Z",
            "2016-04-06T24:00:00Z",
            "2016-04-06T20:60:00Z",
            "2016-04-06T20:03:60Z",
            "１２３４-04-06T20:03:48Z",
            "0000-01-01T00:00:00Z",
            "",
        ] {
            assert!(Timestamp::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sortable_form_orders_like_time() {
        let a = Timestamp::parse("2016-04-06T20:03:48.9Z").unwrap();
        let b = Timestamp::parse("2016-04-06T20:03:49Z").unwrap();
        assert!(a < b);
        assert!(a.to_sortable() < b.to_sortable());
    }

    #[test]
    fn micros_round_trip() {
        let t = Timestamp::parse("2026-11-22T03:43:24.123456Z").unwrap();
        assert_eq!(Timestamp::from_unix_micros(t.unix_micros()), t);
        assert_eq!(t.to_taxii_micros(), "2026-11-22T03:43:24.123456Z");
    }
}
