//! The outcome of a sign-in (SPEC 6.0): `success` when `errorCode == 0`, `interrupted` (the
//! workbooks' "pending user action") when the code is one of [`INTERRUPTS`], otherwise
//! `failure`; a missing code is a failure. The one list of interrupt codes is here.

use serde::Serialize;

/// The codes that interrupt a sign-in for something the user must do (MFA, consent, a password
/// change, ...): the superset the Microsoft workbooks use (SPEC 6.0).
pub const INTERRUPTS: [i32; 27] = [
    50058, 50140, 51006, 50059, 65001, 52004, 50055, 50144, 50072, 50074, 16000, 16001, 16003, 50127, 50125, 50129,
    50143, 81010, 81014, 81012, 29200, 50019, 50076, 50097, 50158, 165100, 50148,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    Success,
    Interrupted,
    Failure,
}

impl Outcome {
    pub const ALL: [Outcome; 3] = [Outcome::Success, Outcome::Interrupted, Outcome::Failure];

    /// The outcome of a sign-in with error code `code`.
    pub fn of(code: Option<i32>) -> Outcome {
        match code {
            Some(0) => Outcome::Success,
            Some(c) if INTERRUPTS.contains(&c) => Outcome::Interrupted,
            _ => Outcome::Failure,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Interrupted => "interrupted",
            Outcome::Failure => "failure",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.name().eq_ignore_ascii_case(s.trim()))
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each code of SPEC 6.0, written out again here rather than read from `INTERRUPTS`.
    #[test]
    fn every_interrupt_code_of_the_spec_and_nothing_else() {
        let spec = "50058, 50140, 51006, 50059, 65001, 52004, 50055, 50144, 50072, 50074, 16000, 16001, 16003, \
                    50127, 50125, 50129, 50143, 81010, 81014, 81012, 29200, 50019, 50076, 50097, 50158, 165100, 50148";
        let codes: Vec<i32> = spec.split(',').map(|c| c.trim().parse().unwrap()).collect();
        assert_eq!(codes.len(), 27);
        for c in &codes {
            assert_eq!(Outcome::of(Some(*c)), Outcome::Interrupted, "{c}");
        }
        let mut sorted = INTERRUPTS.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 27, "no code listed twice");
        // Codes next to them, and the usual failures, are failures.
        for c in [50126, 50053, 53003, 50057, 50056, 70044, 50075, 50077, 50141, 65002, 1, -1, 50073] {
            assert_eq!(Outcome::of(Some(c)), Outcome::Failure, "{c}");
        }
        assert_eq!(Outcome::of(Some(0)), Outcome::Success);
        assert_eq!(Outcome::of(None), Outcome::Failure, "a missing code is not a proven success");
        assert_eq!(Outcome::parse(" Interrupted"), Some(Outcome::Interrupted));
        assert_eq!(Outcome::parse("pending"), None);
    }
}
