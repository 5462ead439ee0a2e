//! Percentages as SPEC 3 defines them: 0-100 with two decimals, rounded half away from zero in
//! integer arithmetic (floating point gets some halves wrong: 1 of 32 is 3.13, not 3.12).

use serde::{Serialize, Serializer};

/// A percentage in hundredths, rounded half away from zero in integer arithmetic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Percent(pub u64);

impl Percent {
    /// `part` of `total` as a percentage with two decimals; 0 when `total` is 0.
    pub fn of(part: u64, total: u64) -> Percent {
        if total == 0 {
            return Percent(0);
        }
        let (p, t) = (u128::from(part), u128::from(total));
        Percent(((p * 20_000 + t) / (2 * t)) as u64)
    }

    /// `part / total` (not a percentage) with two decimals, rounded the same way: prompts per
    /// sign-in. 0 when `total` is 0.
    pub fn ratio(part: u64, total: u64) -> Percent {
        Percent::of(part, total.saturating_mul(100))
    }
}

impl std::fmt::Display for Percent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (whole, frac) = (self.0 / 100, self.0 % 100);
        match frac {
            0 => write!(f, "{whole}"),
            x if x % 10 == 0 => write!(f, "{whole}.{}", x / 10),
            x => write!(f, "{whole}.{x:02}"),
        }
    }
}

impl Serialize for Percent {
    /// A JSON number: `100`, `96.5`, `3.13`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.is_multiple_of(100) { s.serialize_u64(self.0 / 100) } else { s.serialize_f64(self.0 as f64 / 100.0) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_rounds_half_away_from_zero_exactly() {
        assert_eq!(Percent::of(1, 32).to_string(), "3.13"); // 3.125
        assert_eq!(Percent::of(1, 8).to_string(), "12.5");
        assert_eq!(Percent::of(2, 3).to_string(), "66.67");
        assert_eq!(Percent::of(1, 3).to_string(), "33.33");
        assert_eq!(Percent::of(5, 5).to_string(), "100");
        assert_eq!(Percent::of(0, 0).to_string(), "0");
        assert_eq!(Percent::of(1, 200).to_string(), "0.5");
        assert_eq!(Percent::of(1, 400).to_string(), "0.25");
        assert_eq!(Percent::of(1, 800).to_string(), "0.13"); // 0.125
        assert_eq!(serde_json::to_string(&Percent::of(5, 5)).unwrap(), "100");
        assert_eq!(serde_json::to_string(&Percent::of(1, 32)).unwrap(), "3.13");
        assert_eq!(Percent::ratio(5, 2).to_string(), "2.5");
        assert_eq!(Percent::ratio(7, 3).to_string(), "2.33");
        assert_eq!(Percent::ratio(1, 8).to_string(), "0.13"); // 0.125
        assert_eq!(Percent::ratio(4, 0).to_string(), "0");
    }
}
