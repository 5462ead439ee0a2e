//! Report windows (SPEC section 2): `Dn` = (as-of - n x 24 h, as-of]; `--since` inclusive,
//! `--until` exclusive. As-of is the latest event time in the store unless given, because an
//! offline export must not be measured against the wall clock. The window belongs to the scan:
//! it prunes partitions and files, and [`run`](super::run) hands aggregates only the rows inside
//! it. It also carries the [`Zone`] that days are bucketed in and times shown in.

use crate::domain::{MICROS_PER_DAY, Zone};

/// The longest window a report is asked for: ten years of days. Reports that list every day of
/// their window allocate a row per day, so the bound is also a bound on memory.
pub const MAX_DAYS: i64 = 3660;

/// A half-open interval of UTC microseconds, `[start_us, end_us)`, the as-of it ends at, and
/// the zone its days are counted in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    pub start_us: i64,
    pub end_us: i64,
    pub as_of_us: i64,
    /// `D30`, or empty for an explicit range.
    pub period: String,
    pub zone: Zone,
    /// The end was given (`--as-of`), not taken from the latest event.
    pub as_of_given: bool,
}

/// How the user asked for a window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Period {
    Days(u32),
    Range { since: Option<i64>, until: Option<i64> },
}

impl Period {
    /// Parses `D7`, `d30`, `7d`.
    pub fn parse_days(s: &str) -> Option<Period> {
        let s = s.trim();
        let n = s.strip_prefix(['D', 'd']).or_else(|| s.strip_suffix(['D', 'd']))?;
        n.parse::<u32>().ok().filter(|&n| n > 0).map(Period::Days)
    }
}

impl Window {
    /// Resolves `period` against `as_of` (the given one, or the store's latest event time;
    /// `None` for an empty store); days are counted in `zone`.
    pub fn resolve(period: &Period, as_of: Option<i64>, zone: Zone) -> Window {
        let as_of = as_of.unwrap_or(0);
        match period {
            Period::Days(n) => Window {
                start_us: as_of.saturating_sub(i64::from(*n).saturating_mul(MICROS_PER_DAY)).saturating_add(1),
                end_us: as_of + 1,
                as_of_us: as_of,
                period: format!("D{n}"),
                zone,
                as_of_given: false,
            },
            Period::Range { since, until } => Window {
                start_us: since.unwrap_or(i64::MIN),
                end_us: until.unwrap_or(as_of + 1),
                as_of_us: as_of,
                period: String::new(),
                zone,
                as_of_given: false,
            },
        }
    }

    /// Everything up to and including `as_of`, in UTC: for tests and tools.
    pub fn all(as_of: i64) -> Window {
        Window::resolve(&Period::Range { since: None, until: None }, Some(as_of), Zone::UTC)
    }

    /// Every calendar day (of the window's zone) the window touches, oldest first; an
    /// open-ended window starts at `first_data`. At most the latest [`MAX_DAYS`] of them, so no
    /// window allocates a row per day without bound. `None` when it has no start.
    pub fn days(&self, first_data: Option<i64>) -> Option<std::ops::RangeInclusive<i64>> {
        let first = if self.start_us == i64::MIN { first_data? } else { self.zone.day_of(self.start_us) };
        let last = self.zone.day_of(self.end_us - 1);
        Some(first.max(last - MAX_DAYS + 1)..=last)
    }

    /// Why no report can be made over this window: it is empty or reversed; `None` when it is
    /// fine.
    pub fn problem(&self) -> Option<String> {
        let z = self.zone;
        (self.start_us != i64::MIN && self.start_us >= self.end_us).then(|| {
            format!(
                "the window is empty: it starts at {} and ends at {}",
                z.format(self.start_us),
                z.format(self.end_us)
            )
        })
    }

    /// Why a report that lists every day of its window cannot list this one's: longer than
    /// [`MAX_DAYS`]; `None` when it can.
    pub fn too_many_days(&self) -> Option<String> {
        if self.start_us == i64::MIN {
            return None;
        }
        let days = (i128::from(self.end_us) - i128::from(self.start_us)) / i128::from(MICROS_PER_DAY);
        (days > i128::from(MAX_DAYS)).then(|| {
            format!("the window spans {days} days; a report of every day covers at most {MAX_DAYS} (ten years)")
        })
    }

    /// The part of this window inside calendar day `day` of its zone (possibly empty): what a
    /// scan for one day's rows reads, so it opens that day's partitions only.
    pub fn on_day(&self, day: i64) -> Window {
        let (from, to) = (self.zone.day_start(day), self.zone.day_start(day + 1));
        Window {
            start_us: self.start_us.max(from),
            end_us: self.end_us.min(to).max(self.start_us.max(from)),
            ..self.clone()
        }
    }

    pub fn contains(&self, t: i64) -> bool {
        t >= self.start_us && t < self.end_us
    }

    /// One line for people: the window and the as-of it ends at, in words.
    pub fn describe(&self) -> String {
        self.words("event")
    }

    /// The window in words (SPEC 7): "30 days to 31 Oct 2026 23:59 UTC (the latest sign-in
    /// in the store)", "1 Oct 2026 00:00 UTC up to 20 Oct 2026 00:00 UTC". `latest` names what
    /// the as-of is the latest of. Minutes only: [`Window::bounds`] has the exact instants.
    pub fn words(&self, latest: &str) -> String {
        let z = self.zone;
        let at = |us: i64| z.describe(us);
        let source = if self.as_of_given {
            "as given by --as-of".to_string()
        } else {
            format!("the latest {latest} in the store")
        };
        if !self.period.is_empty() {
            let n = self.period.trim_start_matches('D');
            let days = if n == "1" { "1 day".to_string() } else { format!("{n} days") };
            return format!("{days} to {} ({source})", at(self.as_of_us));
        }
        let until_given = self.end_us != self.as_of_us.saturating_add(1);
        match (self.start_us == i64::MIN, until_given) {
            (true, false) => format!("everything up to {} ({source})", at(self.as_of_us)),
            (true, true) => format!("everything before {}", at(self.end_us)),
            (false, false) => format!("{} to {} ({source})", at(self.start_us), at(self.as_of_us)),
            (false, true) => format!("{} up to {}", at(self.start_us), at(self.end_us)),
        }
    }

    /// The exact window for machines (the JSON envelope's `@signinInsights.window`): the first
    /// instant inside it (`null` when open), the first instant after it, the as-of, and how it
    /// was asked for.
    pub fn bounds(&self) -> serde_json::Value {
        let z = self.zone;
        serde_json::json!({
            "period": if self.period.is_empty() { None } else { Some(self.period.as_str()) },
            "startDateTime": (self.start_us != i64::MIN).then(|| z.format(self.start_us)),
            "endDateTime": z.format(self.end_us),
            "asOfDateTime": z.format(self.as_of_us),
            "asOfGiven": self.as_of_given,
        })
    }
}

/// A note when an as-of taken from the data lies more than a day after `now_us` (this machine's
/// clock): one record with a wrong date moves every window that ends at the latest event.
pub fn future_as_of_note(latest: Option<i64>, now_us: i64, zone: Zone) -> Option<String> {
    let t = latest?;
    (t > now_us.saturating_add(MICROS_PER_DAY)).then(|| {
        format!(
            "the latest event is dated {}, after this machine's clock ({}): a record with a wrong date moves \
             every window that ends at it; give --as-of to set the end",
            zone.format(t),
            zone.format(now_us)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::parse_timestamp;

    #[test]
    fn days_window_is_left_open_right_closed() {
        let as_of = parse_timestamp("2024-05-08T12:00:00Z").unwrap();
        let w = Window::resolve(&Period::Days(7), Some(as_of), Zone::UTC);
        assert!(w.contains(as_of));
        assert!(!w.contains(parse_timestamp("2024-05-01T12:00:00Z").unwrap()));
        assert!(w.contains(parse_timestamp("2024-05-01T12:00:00.000001Z").unwrap()));
        assert_eq!(Period::parse_days("D30"), Some(Period::Days(30)));
        assert_eq!(Period::parse_days("7d"), Some(Period::Days(7)));
        assert_eq!(Period::parse_days("D0"), None);
    }

    #[test]
    fn empty_reversed_and_endless_windows_are_said_not_computed() {
        let as_of = parse_timestamp("2024-05-08T12:00:00Z").unwrap();
        let z = Zone::UTC;
        assert_eq!(Window::resolve(&Period::Days(30), Some(as_of), z).problem(), None);
        assert_eq!(Window::resolve(&Period::Days(3660), Some(as_of), z).too_many_days(), None);
        let long = Window::resolve(&Period::Days(u32::MAX), Some(as_of), z);
        assert_eq!(long.problem(), None, "long is not empty");
        assert!(long.too_many_days().unwrap().contains("at most 3660"), "no overflow: {long:?}");
        assert_eq!(long.days(None).unwrap().count(), 3660, "even so, never more rows than that");
        let t = |s| parse_timestamp(s);
        let reversed = Period::Range { since: t("2026-10-30"), until: t("2026-10-20") };
        let p = Window::resolve(&reversed, Some(as_of), z).problem().unwrap();
        assert!(p.contains("empty") && p.contains("2026-10-30T00:00:00Z"), "{p}");
        let open = Period::Range { since: None, until: t("2026-10-20") };
        assert_eq!(Window::resolve(&open, Some(as_of), z).problem(), None, "an open start is bounded by the data");
    }

    #[test]
    fn a_day_of_a_window_is_its_part_inside_that_day() {
        let t = |s| parse_timestamp(s).unwrap();
        let w = Window::resolve(&Period::Days(2), Some(t("2024-05-08T12:00:00Z")), Zone::UTC);
        let day = |s| crate::domain::time::parse_day(s).unwrap();
        // The first day is cut at the window's start, the last at its end.
        let first = w.on_day(day("2024-05-06"));
        assert_eq!((first.start_us, first.end_us), (w.start_us, t("2024-05-07T00:00:00Z")));
        let last = w.on_day(day("2024-05-08"));
        assert_eq!((last.start_us, last.end_us), (t("2024-05-08T00:00:00Z"), w.end_us));
        // A day outside the window is empty, and a zone moves the day's bounds.
        let outside = w.on_day(day("2024-05-01"));
        assert!(outside.start_us >= outside.end_us && !outside.contains(t("2024-05-01T12:00:00Z")));
        let ams = Window { zone: Zone::parse("Europe/Amsterdam").unwrap(), ..w.clone() }.on_day(day("2024-05-07"));
        assert_eq!((ams.start_us, ams.end_us), (t("2024-05-06T22:00:00Z"), t("2024-05-07T22:00:00Z")));
    }

    #[test]
    fn an_as_of_after_the_clock_is_noted() {
        let now = parse_timestamp("2026-11-29T08:00:00Z").unwrap();
        assert_eq!(future_as_of_note(None, now, Zone::UTC), None);
        assert_eq!(future_as_of_note(Some(now - MICROS_PER_DAY), now, Zone::UTC), None);
        // A day of slack for clocks and zones.
        assert_eq!(future_as_of_note(Some(now + MICROS_PER_DAY), now, Zone::UTC), None);
        let far = parse_timestamp("9999-12-31T23:59:59Z").unwrap();
        let note = future_as_of_note(Some(far), now, Zone::UTC).unwrap();
        assert!(note.contains("9999-12-31T23:59:59Z") && note.contains("--as-of"), "{note}");
    }
}
