//! The headline figures of a hand-over (the HTML page's cards, the workbook's summary sheet):
//! a few numbers a reader takes in at a glance, each computed by the same engine as the report
//! that details it, and each saying what it counts.
//!
//! - interactive user sign-ins, and the shares that failed and were interrupted (as
//!   `failure-analysis` counts them), with the distinct users and applications;
//! - the multi-factor share of successful interactive sign-ins (as `mfa-summary`);
//! - the legacy-authentication share of same-tenant user sign-ins (as `legacy-auth`);
//! - credentials expired and expiring within 30 days of as-of (as `credentials`);
//! - AD FS relying parties ready to move (as `adfs`).
//!
//! A figure is left out when the store holds nothing it could count.

use super::breakdown::{self, Filter, Spec};
use super::{Request, adfs, auth_usage, credentials, latest_event};
use crate::domain::{EventType, Outcome, group_thousands};
use crate::error::Result;
use crate::store::manifest::Manifest;
use crate::store::{ADFS_SIGNINS, CREDENTIALS, RP_TRUSTS, SIGNINS, Store};

/// How a figure reads next to the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Plain,
    Good,
    Warn,
    Bad,
}

impl Tone {
    pub fn name(self) -> &'static str {
        match self {
            Tone::Plain => "plain",
            Tone::Good => "good",
            Tone::Warn => "warn",
            Tone::Bad => "bad",
        }
    }
}

/// One headline figure: `count`, or `count` of `of` shown as a share.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    /// A constant naming the figure (the page's `data-figure`).
    pub id: &'static str,
    pub label: &'static str,
    pub count: u64,
    pub of: Option<u64>,
    /// What is counted, in words.
    pub detail: String,
    pub tone: Tone,
}

impl Figure {
    /// The figure as a person reads it: "1,234" or "12.3 %" (a share of nothing is "n/a").
    pub fn value(&self) -> String {
        match self.of {
            None => thousands(self.count),
            Some(0) => "n/a".into(),
            Some(of) => format!("{:.1} %", self.count as f64 * 100.0 / of as f64),
        }
    }

    /// The share in 0..=1, if the figure is one.
    pub fn share(&self) -> Option<f64> {
        self.of.filter(|&of| of > 0).map(|of| self.count as f64 / of as f64)
    }
}

/// `n` with thousands separators.
pub fn thousands(n: u64) -> String {
    group_thousands(n as i64)
}

fn share(id: &'static str, label: &'static str, count: u64, of: u64, detail: String, tone: Tone) -> Figure {
    Figure { id, label, count, of: Some(of), detail, tone }
}

/// The headline figures over the sign-in window `signins` and the AD FS window `adfs`.
pub fn figures(store: &Store, manifest: &Manifest, signins: &Request, adfs_req: &Request) -> Result<Vec<Figure>> {
    let mut out = Vec::new();
    let has = |t: &str| !manifest.files(t).is_empty();
    if has(SIGNINS) {
        let interactive = [EventType::InteractiveUser];
        let spec = Spec { apps: true, ..Spec::default() };
        let all = breakdown::run(store, manifest, signins, &interactive, &spec)?;
        let (mut n, mut failed, mut interrupted, mut users, mut apps) = (0, 0, 0, 0, 0);
        if let Some(g) = all.first() {
            n = g.state.sign_ins();
            failed = g.state.count(Outcome::Failure);
            interrupted = g.state.count(Outcome::Interrupted);
            users = g.state.users.len() as u64;
            apps = g.state.apps.len() as u64;
        }
        let of_n =
            |k: u64, what: &str| format!("{} of {} interactive user sign-ins {what}", thousands(k), thousands(n));
        let tone = |k: u64| if k == 0 { Tone::Good } else { Tone::Bad };
        out.push(Figure {
            id: "sign-ins",
            label: "Interactive sign-ins",
            count: n,
            of: None,
            detail: "interactive user sign-ins in the sign-in window".into(),
            tone: Tone::Plain,
        });
        out.push(share("failed", "Failed", failed, n, of_n(failed, "failed (interrupts not counted)"), tone(failed)));
        let interrupts = of_n(interrupted, "asked the user to act (MFA, consent, a password change)");
        out.push(share(
            "interrupted",
            "Interrupted",
            interrupted,
            n,
            interrupts,
            if interrupted == 0 { Tone::Good } else { Tone::Warn },
        ));
        out.push(Figure {
            id: "users",
            label: "Users",
            count: users,
            of: None,
            detail: "distinct users who signed in interactively".into(),
            tone: Tone::Plain,
        });
        out.push(Figure {
            id: "apps",
            label: "Applications",
            count: apps,
            of: None,
            detail: "distinct applications signed in to interactively".into(),
            tone: Tone::Plain,
        });
        let (days, _) = auth_usage::mfa(store, manifest, signins)?;
        let total: u64 = days.iter().map(|d| d.total_sign_ins).sum();
        let multi: u64 = days.iter().map(|d| d.multi_factor_sign_ins).sum();
        let detail =
            format!("{} of {} successful interactive sign-ins were multi-factor", thousands(multi), thousands(total));
        let tone = if total > 0 && multi * 2 >= total { Tone::Good } else { Tone::Warn };
        out.push(share("mfa", "Multi-factor", multi, total, detail, tone));
        let same_tenant = Filter { same_tenant_only: true, ..Filter::default() };
        let users_only = &EventType::USERS;
        let count = |filter: Filter| -> Result<u64> {
            let spec = Spec { filter, ..Spec::default() };
            Ok(breakdown::run(store, manifest, signins, users_only, &spec)?.first().map_or(0, |g| g.state.sign_ins()))
        };
        let everything = count(same_tenant.clone())?;
        let legacy = count(Filter { legacy_only: true, ..same_tenant })?;
        let detail = format!(
            "{} of {} interactive and non-interactive user sign-ins (same tenant) used legacy authentication",
            thousands(legacy),
            thousands(everything)
        );
        out.push(share(
            "legacy",
            "Legacy authentication",
            legacy,
            everything,
            detail,
            if legacy == 0 { Tone::Good } else { Tone::Bad },
        ));
    }
    if has(CREDENTIALS) && latest_event(manifest).is_some() {
        let creds = credentials::compute(store, manifest, signins, &credentials::Filter::default())?;
        let expired = creds.iter().filter(|c| c.days_to_expiry.is_some_and(|d| d < 0)).count() as u64;
        let soon = creds.iter().filter(|c| c.days_to_expiry.is_some_and(|d| (0..=30).contains(&d))).count() as u64;
        out.push(Figure {
            id: "credentials-expiring",
            label: "Credentials expiring",
            count: soon,
            of: None,
            detail: format!(
                "within 30 days of as-of; {} already expired, of {} credentials",
                thousands(expired),
                thousands(creds.len() as u64)
            ),
            tone: if expired > 0 {
                Tone::Bad
            } else if soon > 0 {
                Tone::Warn
            } else {
                Tone::Good
            },
        });
    }
    if has(ADFS_SIGNINS) || has(RP_TRUSTS) {
        let rps = adfs::compute(store, manifest, adfs_req)?;
        let ready = rps.iter().filter(|r| r.migration_status == "ready").count() as u64;
        let detail = format!(
            "{} of {} AD FS relying parties ready to move to Entra ID{}",
            thousands(ready),
            thousands(rps.len() as u64),
            if has(RP_TRUSTS) { "" } else { " (no trust export: all need review)" }
        );
        out.push(share("adfs-ready", "AD FS ready", ready, rps.len() as u64, detail, Tone::Plain));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_a_person_reads_them() {
        let f = |count, of| Figure { id: "x", label: "x", count, of, detail: String::new(), tone: Tone::Plain };
        assert_eq!(f(1_234_567, None).value(), "1,234,567");
        assert_eq!(f(999, None).value(), "999");
        assert_eq!(f(1, Some(8)).value(), "12.5 %");
        assert_eq!(f(0, Some(0)).value(), "n/a");
        assert_eq!(f(0, Some(0)).share(), None);
        assert_eq!(thousands(1000), "1,000");
    }
}
