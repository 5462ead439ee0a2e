//! Timestamps: parsing every form the exports carry into UTC microseconds, and formatting them
//! back as Graph does (`YYYY-MM-DDTHH:MM:SSZ`, fraction only when non-zero).
//!
//! Events are stored in UTC. A [`Zone`] (`--tz ZONE`) is the zone that days are bucketed in and
//! that timestamps are shown in (with their offset, e.g. `+02:00`); UTC, as Graph reports them,
//! unless one is given. Data written by the generator is always UTC ([`format_timestamp_utc`]).

use chrono::{DateTime, Datelike, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Tz;

pub const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Parses an event time into UTC microseconds since the epoch.
///
/// Accepts ISO-8601 with `T` or a space, 0-9 fractional digits (truncated to microseconds),
/// `Z`, no zone (taken as UTC), or an offset `+HH:MM`, `+HHMM`, `+HH` and the malformed `-8:00`
/// seen in Microsoft's examples; the US-locale portal forms `M/D/YYYY[,] h:mm:ss[.fff] AM/PM`;
/// and Windows PowerShell's `ConvertTo-Json` form `/Date(<ms since the epoch>[+-HHMM])/` (the
/// offset there only says which zone the value was shown in; the milliseconds are UTC).
pub fn parse_timestamp(s: &str) -> Option<i64> {
    // Years 0001-9999 after the offset is applied: what Graph's format can show and read back.
    parse_any(s).filter(|us| (MIN_US..=MAX_US).contains(us))
}

const MIN_US: i64 = -62_135_596_800_000_000;
const MAX_US: i64 = 253_402_300_799_999_999;

fn parse_any(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() >= 10 && b[4] == b'-' {
        parse_iso(b)
    } else if let Some(inner) = s.strip_prefix("/Date(").and_then(|r| r.strip_suffix(")/")) {
        parse_dotnet_date(inner)
    } else if b.contains(&b'/') {
        parse_us_locale(s)
    } else {
        None
    }
}

fn parse_dotnet_date(inner: &str) -> Option<i64> {
    let split = inner.char_indices().skip(1).find(|&(_, c)| c == '+' || c == '-').map_or(inner.len(), |(i, _)| i);
    let (ms, zone) = inner.split_at(split);
    if !zone.is_empty() && (zone.len() != 5 || digits(&zone.as_bytes()[1..]).is_none()) {
        return None;
    }
    let ms: i64 = ms.parse().ok()?;
    // Years 0001-9999, as everywhere else.
    (-62_135_596_800_000..=253_402_300_799_999).contains(&ms).then(|| ms * 1000)
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    b.iter().try_fold(0u32, |acc, &d| acc.checked_mul(10)?.checked_add(u32::from(d - b'0')))
}

fn civil_micros(y: i32, mo: u32, d: u32, h: u32, mi: u32, sec: u32, micros: u32) -> Option<i64> {
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let date = NaiveDate::from_ymd_opt(y, mo, d)?;
    let days = i64::from(date.num_days_from_ce() - 719_163);
    let secs = i64::from(h * 3600 + mi * 60 + sec.min(59));
    Some(days * MICROS_PER_DAY + secs * 1_000_000 + i64::from(micros))
}

fn parse_iso(b: &[u8]) -> Option<i64> {
    let y = digits(&b[0..4])? as i32;
    let mo = digits(&b[5..7])?;
    if b[7] != b'-' {
        return None;
    }
    let d = digits(&b[8..10])?;
    let mut rest = &b[10..];
    let (mut h, mut mi, mut sec, mut micros) = (0, 0, 0, 0);
    if !rest.is_empty() {
        if !(rest[0] == b'T' || rest[0] == b't' || rest[0] == b' ') || rest.len() < 6 {
            return None;
        }
        h = digits(&rest[1..3])?;
        if rest[3] != b':' {
            return None;
        }
        mi = digits(&rest[4..6])?;
        rest = &rest[6..];
        if rest.first() == Some(&b':') {
            sec = digits(rest.get(1..3)?)?;
            rest = &rest[3..];
        }
        if rest.first() == Some(&b'.') || rest.first() == Some(&b',') {
            let n = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if n == 0 || n > 9 {
                return None;
            }
            let frac = &rest[1..1 + n];
            for i in 0..6 {
                micros = micros * 10 + frac.get(i).map_or(0, |c| u32::from(c - b'0'));
            }
            rest = &rest[1 + n..];
        }
    }
    let base = civil_micros(y, mo, d, h, mi, sec, micros)?;
    Some(base - parse_offset(rest)? * 1_000_000)
}

/// Offset in seconds east of UTC: empty or `Z` is 0.
fn parse_offset(b: &[u8]) -> Option<i64> {
    let b = b.trim_ascii();
    match b {
        [] | [b'Z'] | [b'z'] => Some(0),
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (h, m) = match rest.iter().position(|&c| c == b':') {
                Some(i) => (digits(&rest[..i])?, digits(&rest[i + 1..])?),
                None if rest.len() == 4 => (digits(&rest[..2])?, digits(&rest[2..])?),
                None if rest.len() <= 2 => (digits(rest)?, 0),
                None => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let secs = i64::from(h * 3600 + m * 60);
            Some(if *sign == b'-' { -secs } else { secs })
        }
        _ => None,
    }
}

/// `4/28/2021, 2:08:45.221 PM`, `12/12/2025 3:03:58 PM`, `1/9/2007 10:41:00 AM +01:00`,
/// `01/09/2007 09:41:00` (24-hour when no AM/PM).
fn parse_us_locale(s: &str) -> Option<i64> {
    let mut parts = s.split([' ', ',']).filter(|p| !p.is_empty());
    let date = parts.next()?;
    let mut dp = date.split('/');
    let mo = digits(dp.next()?.as_bytes())?;
    let d = digits(dp.next()?.as_bytes())?;
    let y = digits(dp.next()?.as_bytes())? as i32;
    if dp.next().is_some() || !(1000..=9999).contains(&y) {
        return None;
    }
    let time = parts.next().unwrap_or("0:00:00");
    let (hms, frac) = match time.split_once('.') {
        Some((a, f)) => (a, f),
        None => (time, ""),
    };
    let mut tp = hms.split(':');
    let mut h = digits(tp.next()?.as_bytes())?;
    let mi = digits(tp.next()?.as_bytes())?;
    let sec = tp.next().map_or(Some(0), |x| digits(x.as_bytes()))?;
    let mut micros = 0;
    if !frac.is_empty() {
        if frac.len() > 9 || !frac.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        for i in 0..6 {
            micros = micros * 10 + frac.as_bytes().get(i).map_or(0, |c| u32::from(c - b'0'));
        }
    }
    let mut offset = 0;
    for p in parts {
        match p {
            "AM" | "am" if (1..=12).contains(&h) => h %= 12,
            "PM" | "pm" if (1..=12).contains(&h) => h = h % 12 + 12,
            _ => offset = parse_offset(p.as_bytes())?,
        }
    }
    Some(civil_micros(y, mo, d, h, mi, sec, micros)? - offset * 1_000_000)
}

/// The zone days are bucketed in and times are shown in (`--tz`): UTC unless a zone is given.
/// A value, carried by the report window and by every [`Timestamp`] a report shows, never a
/// setting of the process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Zone(Option<Tz>);

impl Zone {
    pub const UTC: Zone = Zone(None);

    /// Parses a zone name (`Europe/Amsterdam`, `UTC`), ignoring case.
    pub fn parse(name: &str) -> Option<Zone> {
        let n = name.trim();
        n.parse::<Tz>()
            .ok()
            .or_else(|| chrono_tz::TZ_VARIANTS.iter().copied().find(|z| z.name().eq_ignore_ascii_case(n)))
            .map(|tz| Zone(Some(tz)))
    }

    /// The zone unless it is UTC.
    fn offset_zone(self) -> Option<Tz> {
        self.0.filter(|z| *z != Tz::UTC && *z != Tz::Etc__UTC)
    }

    /// The zone's name for people (`UTC` when none was given).
    pub fn name(self) -> String {
        self.0.map_or("UTC".into(), |z| z.name().to_string())
    }

    /// An instant shown in this zone.
    pub fn at(self, us: i64) -> Timestamp {
        Timestamp { us, zone: self }
    }

    /// Formats UTC microseconds as Graph does: `2024-05-01T12:34:56Z`, or with the fraction
    /// (trailing zeros trimmed) when it is not zero; in a zone other than UTC, the local time
    /// with its offset (`2024-05-01T14:34:56+02:00`).
    pub fn format(self, us: i64) -> String {
        let Some(tz) = self.offset_zone() else { return format_timestamp_utc(us) };
        let offset = offset_secs(tz, us);
        let local = us + offset * 1_000_000;
        let dt = DateTime::<Utc>::from_timestamp(local.div_euclid(1_000_000), 0).unwrap_or_default();
        let sign = if offset < 0 { '-' } else { '+' };
        let zone = format!("{sign}{:02}:{:02}", offset.abs() / 3600, offset.abs() % 3600 / 60);
        with_fraction(dt.format("%Y-%m-%dT%H:%M:%S").to_string(), local.rem_euclid(1_000_000), &zone)
    }

    /// The local time to the minute, `2024-05-01 14:34`, for a table a person reads (the
    /// caption names the zone).
    pub fn format_minutes(self, us: i64) -> String {
        let local = self.local_micros(us);
        let dt = DateTime::<Utc>::from_timestamp(local.div_euclid(1_000_000), 0).unwrap_or_default();
        dt.format("%Y-%m-%d %H:%M").to_string()
    }

    /// An instant in words for a caption: `31 Oct 2026 23:59 UTC` (the zone's name, or its
    /// offset where it has one).
    pub fn describe(self, us: i64) -> String {
        let local = self.local_micros(us);
        let dt = DateTime::<Utc>::from_timestamp(local.div_euclid(1_000_000), 0).unwrap_or_default();
        format!("{} {}", dt.format("%-d %b %Y %H:%M"), self.name())
    }

    /// The wall-clock microseconds of an instant in this zone: what a spreadsheet, which knows
    /// no zones, is given.
    pub fn local_micros(self, us: i64) -> i64 {
        self.offset_zone().map_or(us, |tz| us + offset_secs(tz, us) * 1_000_000)
    }

    /// The day (days since 1970-01-01 in the calendar) of a timestamp in this zone.
    pub fn day_of(self, us: i64) -> i64 {
        match self.offset_zone() {
            None => us.div_euclid(MICROS_PER_DAY),
            Some(tz) => (us + offset_secs(tz, us) * 1_000_000).div_euclid(MICROS_PER_DAY),
        }
    }

    /// The instant a day starts: local midnight (the first instant of the day where a clock
    /// change skips midnight).
    pub fn day_start(self, day: i64) -> i64 {
        let Some(tz) = self.offset_zone() else { return day * MICROS_PER_DAY };
        let date = DateTime::<Utc>::from_timestamp(day * 86_400, 0).unwrap_or_default().date_naive();
        let mut t = date.and_hms_opt(0, 0, 0).expect("midnight exists");
        for _ in 0..4 {
            if let Some(dt) = tz.from_local_datetime(&t).earliest() {
                return dt.timestamp() * 1_000_000;
            }
            t += chrono::Duration::minutes(30);
        }
        day * MICROS_PER_DAY - offset_secs(tz, day * MICROS_PER_DAY) * 1_000_000
    }

    /// Parses a time given on the command line: as [`parse_timestamp`], except that one without
    /// a zone (`2024-05-01`, `2024-05-01T08:00`) is local time in this zone.
    pub fn parse_local(self, s: &str) -> Option<i64> {
        let utc = parse_timestamp(s)?;
        let Some(tz) = self.offset_zone() else { return Some(utc) };
        let t = s.trim();
        let time_part = t.get(10..).unwrap_or("");
        let zoned = t.ends_with(['Z', 'z']) || time_part.contains(['+', '-']) || t.starts_with("/Date(");
        if zoned {
            return Some(utc);
        }
        let naive = DateTime::<Utc>::from_timestamp(utc.div_euclid(1_000_000), 0)?.naive_utc();
        let local = tz.from_local_datetime(&naive).earliest()?;
        Some(local.timestamp() * 1_000_000 + utc.rem_euclid(1_000_000))
    }
}

/// Seconds the zone is ahead of UTC at instant `us`.
fn offset_secs(tz: Tz, us: i64) -> i64 {
    let utc = DateTime::<Utc>::from_timestamp(us.div_euclid(1_000_000), 0).unwrap_or_default().naive_utc();
    i64::from(tz.offset_from_utc_datetime(&utc).fix().local_minus_utc())
}

fn with_fraction(base: String, frac: i64, zone: &str) -> String {
    if frac == 0 {
        format!("{base}{zone}")
    } else {
        let f = format!("{frac:06}");
        format!("{base}.{}{zone}", f.trim_end_matches('0'))
    }
}

/// UTC microseconds formatted as Graph does (`2024-05-01T12:34:56Z`, the fraction only when it
/// is not zero), whatever zone a report is shown in: for data, not for display.
pub fn format_timestamp_utc(us: i64) -> String {
    let dt = DateTime::<Utc>::from_timestamp(us.div_euclid(1_000_000), 0).unwrap_or_default();
    with_fraction(dt.format("%Y-%m-%dT%H:%M:%S").to_string(), us.rem_euclid(1_000_000), "Z")
}

/// An instant (UTC microseconds) and the zone it is shown in. Serialises as Graph writes times,
/// with the zone's offset when it is not UTC; reads every form the exports use (as UTC).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Timestamp {
    pub us: i64,
    pub zone: Zone,
}

impl Timestamp {
    /// An instant shown in UTC.
    pub fn utc(us: i64) -> Timestamp {
        Timestamp { us, zone: Zone::UTC }
    }

    /// The calendar day of the instant in its zone.
    pub fn day(self) -> i64 {
        self.zone.day_of(self.us)
    }
}

impl PartialOrd for Timestamp {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// By instant; the zone only breaks ties, so that the order agrees with equality.
impl Ord for Timestamp {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.us.cmp(&other.us).then_with(|| self.zone.name().cmp(&other.zone.name()))
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.zone.format(self.us))
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.zone.format(self.us))
    }
}

/// Reads every timestamp form the exports use (Graph's own examples carry `-8:00` offsets).
impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        parse_timestamp(&s)
            .map(Timestamp::utc)
            .ok_or_else(|| serde::de::Error::custom(format!("not a timestamp: {s:?}")))
    }
}

/// `YYYY-MM-DD` of a day number.
pub fn format_day(day: i64) -> String {
    let dt = DateTime::<Utc>::from_timestamp(day * 86_400, 0).unwrap_or_default();
    format!("{:04}-{:02}-{:02}", dt.year(), dt.month(), dt.day())
}

/// Parses `YYYY-MM-DD` into a day number.
pub fn parse_day(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    if b.len() != 10 {
        return None;
    }
    // The calendar date itself, whatever the zone.
    parse_iso(b).map(|us| us.div_euclid(MICROS_PER_DAY))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_forms() {
        let z = parse_timestamp("2020-03-13T19:15:41.6195833Z").unwrap();
        assert_eq!(format_timestamp_utc(z), "2020-03-13T19:15:41.619583Z");
        assert_eq!(parse_timestamp("2020-03-13T19:15:41Z").unwrap(), 1_584_126_941_000_000);
        assert_eq!(parse_timestamp("2020-03-13T19:15:41+00:00"), parse_timestamp("2020-03-13T19:15:41Z"));
        assert_eq!(parse_timestamp("2021-03-01T00:00:00-8:00"), parse_timestamp("2021-03-01T08:00:00Z"));
        assert_eq!(parse_timestamp("2021-03-01T05:30:00+0530"), parse_timestamp("2021-03-01T00:00:00Z"));
        assert_eq!(parse_timestamp("2021-03-01 00:00:00"), parse_timestamp("2021-03-01T00:00:00Z"));
        assert_eq!(parse_timestamp("2023-07-26 22:58:30.983201900"), parse_timestamp("2023-07-26T22:58:30.983201Z"));
        assert_eq!(parse_timestamp("2021-02-30T00:00:00Z"), None);
        assert_eq!(parse_timestamp("2021-03-01T00:00:00.Z"), None);
        assert_eq!(parse_timestamp("yesterday"), None);
    }

    #[test]
    fn us_locale_forms() {
        assert_eq!(parse_timestamp("4/28/2021, 2:08:45.221 PM"), parse_timestamp("2021-04-28T14:08:45.221Z"));
        assert_eq!(parse_timestamp("12/12/2025 3:03:58 PM"), parse_timestamp("2025-12-12T15:03:58Z"));
        assert_eq!(parse_timestamp("11/14/2025 12:48:53 AM"), parse_timestamp("2025-11-14T00:48:53Z"));
        assert_eq!(parse_timestamp("1/9/2007 10:41:00 AM +01:00"), parse_timestamp("2007-01-09T09:41:00Z"));
        assert_eq!(parse_timestamp("01/09/2007 09:41:00"), parse_timestamp("2007-01-09T09:41:00Z"));
    }

    #[test]
    fn powershell_dotnet_dates() {
        // 1609459200000 ms = 2021-01-01T00:00:00Z, whatever zone the suffix names.
        assert_eq!(parse_timestamp("/Date(1609459200000)/"), parse_timestamp("2021-01-01T00:00:00Z"));
        assert_eq!(parse_timestamp("/Date(1609459200123+0100)/"), parse_timestamp("2021-01-01T00:00:00.123Z"));
        assert_eq!(parse_timestamp("/Date(-86400000)/"), parse_timestamp("1969-12-31T00:00:00Z"));
        assert_eq!(parse_timestamp("/Date(12x)/"), None);
        assert_eq!(parse_timestamp("/Date(1+01)/"), None);
        assert_eq!(parse_timestamp("/Date(99999999999999999)/"), None);
        // Found by the fuzzer: a five-digit year would format as `+95895-...`, unreadable.
        assert_eq!(parse_timestamp("9/9/95895"), None);
        assert_eq!(parse_timestamp("9999-12-31T23:00:00-14:00"), None);
        assert!(parse_timestamp("9999-12-31T23:00:00Z").is_some());
    }

    #[test]
    fn formatting() {
        assert_eq!(Zone::UTC.format(0), "1970-01-01T00:00:00Z");
        assert_eq!(Zone::UTC.format(1_500_000), "1970-01-01T00:00:01.5Z");
        let late = parse_timestamp("2024-05-01T23:59:59.999999Z").unwrap();
        assert_eq!(format_day(Zone::UTC.day_of(late)), "2024-05-01");
        assert_eq!(parse_day("2024-05-01").map(format_day).as_deref(), Some("2024-05-01"));
    }

    #[test]
    fn zones_move_day_boundaries_and_show_offsets() {
        let t = |s| parse_timestamp(s).unwrap();
        let day = |s| parse_day(s).unwrap();
        let ktm = Zone::parse("asia/kathmandu").unwrap();
        assert_eq!(ktm.name(), "Asia/Kathmandu");
        // +05:45: 18:14 UTC is still the 24th there, 18:15 the 25th.
        assert_eq!(ktm.day_of(t("2026-10-24T18:14:59Z")), day("2026-10-24"));
        assert_eq!(ktm.day_of(t("2026-10-24T18:15:00Z")), day("2026-10-25"));
        assert_eq!(ktm.day_start(day("2026-10-25")), 1_792_865_700_000_000);
        assert_eq!(ktm.format(t("2026-10-24T18:15:00.25Z")), "2026-10-25T00:00:00.25+05:45");
        assert_eq!(ktm.parse_local("2026-10-25"), Some(1_792_865_700_000_000), "a date without a zone is local");
        assert_eq!(ktm.parse_local("2026-10-25T00:00:00Z"), Some(t("2026-10-25T00:00:00Z")), "a zoned one is not");
        // Amsterdam's clock goes back on 2026-10-25: that day is 25 hours long.
        let ams = Zone::parse("Europe/Amsterdam").unwrap();
        assert_eq!(ams.day_start(day("2026-10-25")), 1_792_879_200_000_000);
        assert_eq!(ams.day_start(day("2026-10-26")) - ams.day_start(day("2026-10-25")), 25 * 3_600_000_000);
        assert_eq!(ams.format(t("2026-10-25T00:30:00Z")), "2026-10-25T02:30:00+02:00");
        assert_eq!(ams.format(t("2026-10-25T01:30:00Z")), "2026-10-25T02:30:00+01:00", "the hour that repeats");
        // Where the clock skips midnight, the day starts at the first instant it has.
        let havana = Zone::parse("America/Havana").unwrap();
        assert_eq!(havana.day_start(day("2026-03-08")), 1_772_946_000_000_000);
        assert_eq!(havana.local_micros(t("2026-03-08T05:00:00Z")), t("2026-03-08T01:00:00Z"));
        // UTC and Etc/UTC show `Z`, whatever the name given.
        for utc in [Zone::UTC, Zone::parse("UTC").unwrap(), Zone::parse("Etc/UTC").unwrap()] {
            assert_eq!(utc.format(t("2026-10-25T01:30:00Z")), "2026-10-25T01:30:00Z");
            assert_eq!(utc.day_start(day("2026-10-25")), t("2026-10-25T00:00:00Z"));
        }
        assert_eq!(Zone::parse("Mars/Olympus"), None);
        assert_eq!(ktm.at(0).to_string(), "1970-01-01T05:30:00+05:30", "the offset of the time, not of today");
    }
}
