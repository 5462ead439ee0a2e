//! One record, from its text to the store: read it as what it is (by `--kind`, or by its own
//! fields), then store it unless its id is already stored (a duplicate), collect it for a
//! snapshot table, or quarantine it with the reason.

use super::pipeline::{Shared, Writers};
use super::summary::Diagnostic;
use super::{IngestOptions, Kind};
use crate::error::Result;
use crate::normalize::{self, Record, normalize, read_record};
use crate::store::credentials::Sourced;
use crate::store::registrations::StoredRegistration;
use crate::store::rp_trusts::StoredTrust;
use crate::store::{ADFS_SIGNINS, AUDITS, SIGNINS};

/// Where a record came from.
#[derive(Clone, Copy)]
pub(crate) struct Place<'a> {
    pub input: usize,
    pub name: &'a String,
    pub line: u64,
    pub offset: u64,
    pub context: Option<&'a str>,
    /// Which row of a query API response.
    pub label: Option<&'a str>,
}

impl Place<'_> {
    pub(crate) fn refuse(&self, shared: &Shared, reason: String, bytes: &[u8]) -> Result<()> {
        shared.quarantine.add(
            Diagnostic {
                file: self.name.clone(),
                line: self.line,
                offset: self.offset,
                reason: match self.label {
                    Some(l) => format!("{l}: {reason}"),
                    None => reason,
                },
                record: String::from_utf8_lossy(&bytes[..bytes.len().min(1 << 20)]).into_owned(),
            },
            false,
        )
    }
}

/// Stores a sign-in unless its id is already in `table`.
#[allow(clippy::too_many_arguments)]
fn store_sign_in(
    table: &'static str,
    s: &normalize::SignIn<'_>,
    text: &str,
    at: &Place<'_>,
    shared: &Shared,
    writers: &mut Writers,
    stored: &mut u64,
    duplicates: &mut u64,
) -> Result<()> {
    if shared.dedupe.first_sighting(table, s.kind().as_str(), s.created_us, &s.id)? {
        writers.signins.append(table, s, text, at.name, at.line)?;
        *stored += 1;
    } else {
        *duplicates += 1;
    }
    Ok(())
}

/// Reads one record and stores, skips (duplicate), collects (snapshot tables) or quarantines it.
pub(crate) fn one_record(
    text: &str,
    at: &Place<'_>,
    opts: &IngestOptions,
    shared: &Shared,
    writers: &mut Writers,
    stored: &mut u64,
    duplicates: &mut u64,
) -> Result<()> {
    let record = match opts.kind {
        Kind::Auto => read_record(text, opts.hint, at.context),
        Kind::SignIns => normalize(text, opts.hint).map(Record::SignIn),
        Kind::Credentials => normalize::inventory::parse_object(text, at.context).map(Record::Inventory),
        Kind::RpTrusts => normalize::rp_trust::parse(text).map(Record::RpTrust),
        Kind::Registrations => normalize::registration::parse(text).map(Record::Registration),
        // A sign-in that names no table is taken as AD FS here.
        Kind::Adfs => match read_record(text, opts.hint, at.context) {
            Ok(Record::SignIn(s) | Record::AdfsSignIn(s)) => Ok(Record::AdfsSignIn(s)),
            Ok(_) => Err(normalize::Refusal("not an AD FS sign-in (--kind adfs)".into())),
            Err(e) => Err(e),
        },
        // A record that reads as nothing else is read as an audit record all the same.
        Kind::Audits => match read_record(text, None, at.context) {
            Ok(Record::Audit(a)) => Ok(Record::Audit(a)),
            Ok(_) => Err(normalize::Refusal("not an audit record (--kind audits)".into())),
            Err(_) => normalize::audit::parse(text, None).map(Record::Audit),
        },
    };
    match record {
        Ok(Record::SignIn(s)) => store_sign_in(SIGNINS, &s, text, at, shared, writers, stored, duplicates)?,
        Ok(Record::AdfsSignIn(s)) => store_sign_in(ADFS_SIGNINS, &s, text, at, shared, writers, stored, duplicates)?,
        Ok(Record::Audit(a)) => {
            if shared.dedupe.first_sighting(AUDITS, "", a.activity_us, &a.id)? {
                writers.audits.append(&a, text, at.name, at.line)?;
                *stored += 1;
            } else {
                *duplicates += 1;
            }
        }
        Ok(Record::RpTrust(trust)) => {
            let stored_trust = StoredTrust {
                name: trust.name,
                identifier: trust.identifiers.first().cloned().unwrap_or_default(),
                file: at.name.clone(),
                line: at.line,
                raw: text.to_string(),
            };
            shared.snapshots.trusts.push(at.input, stored_trust);
        }
        Ok(Record::Registration(registration)) => {
            let raw = opts.write.keep_raw.then(|| text.to_string());
            let stored = StoredRegistration { registration, file: at.name.clone(), line: at.line, raw };
            shared.snapshots.registrations.push(at.input, stored);
        }
        Ok(Record::Inventory(object)) => {
            let raw = opts.write.keep_raw.then(|| text.to_string());
            let sourced = Sourced { object, file: at.name.clone(), line: at.line, raw };
            shared.snapshots.inventory.push(at.input, sourced);
        }
        Err(refusal) => at.refuse(shared, refusal.0, text.as_bytes())?,
    }
    Ok(())
}
