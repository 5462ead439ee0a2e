//! Seeded AD FS sign-ins as Log Analytics `ADFSSignInLogs` rows: a handful of relying parties
//! (one of them Microsoft's own, which the report leaves out), users whose UPN case varies
//! between sign-ins, some sign-ins with only a user id, AD FS error codes, and relying parties
//! renamed over time.

use std::fmt::Write as _;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Rng, js};
use crate::domain::MICROS_PER_DAY;
use crate::domain::time::format_timestamp_utc;
use crate::error::{Error, Result};

/// (identifier, names over time).
const RELYING_PARTIES: &[(&str, &[&str])] = &[
    ("https://expenses.contoso.example/", &["Contoso Expenses", "Expenses (legacy)"]),
    ("https://hr.contoso.example", &["HR Portal"]),
    ("urn:federation:MicrosoftOnline", &["Microsoft Office 365 Identity Platform"]),
    ("https://wiki.contoso.example/adfs/ls", &["Wiki", "Wiki — Ünïcode"]),
    ("urn:contoso:payroll", &["=Payroll"]),
];

/// AD FS result codes (0 = success).
const RESULTS: &[(&str, &str)] = &[("0", ""), ("0", ""), ("0", ""), ("364", "MSIS7012"), ("30", "MSIS7066")];

/// Writes `n` AD FS sign-ins ending at `end_us` over `days` into `dir/adfs-signins.jsonl`.
pub fn write_adfs(seed: u64, n: u64, days: u32, end_us: i64, dir: &Path) -> Result<PathBuf> {
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let path = dir.join("adfs-signins.jsonl");
    let mut text = String::new();
    let span = i64::from(days.max(1)) * MICROS_PER_DAY;
    for k in 0..n {
        let mut rng = Rng::new(seed ^ 0xadf5 ^ k.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let t = end_us - rng.below(span as u64) as i64;
        let (rp, names) = *rng.pick(RELYING_PARTIES);
        let name = if t > end_us - span / 2 { names[names.len() - 1] } else { names[0] };
        let (code, reason) = *rng.pick(RESULTS);
        let user = rng.below(12);
        let upn = match rng.below(10) {
            0 => String::new(),
            1 => format!("User{user}@Contoso.Example"),
            _ => format!("user{user}@contoso.example"),
        };
        let _ = writeln!(
            text,
            "{{\"Id\":\"{}\",\"CreatedDateTime\":\"{}\",\"TimeGenerated\":\"{}\",\"Type\":\"ADFSSignInLogs\",\"Category\":\"ADFSSignInLogs\",\"ResourceIdentity\":{},\"ResourceDisplayName\":{},\"UserPrincipalName\":\"{upn}\",\"UserId\":\"u{user}\",\"ResultType\":\"{code}\",\"ResultDescription\":\"{reason}\",\"IsInteractive\":true,\"TokenIssuerType\":\"ADFederationServices\"}}",
            rng.uuid(),
            format_timestamp_utc(t),
            format_timestamp_utc(t),
            js(rp),
            js(name),
        );
    }
    let mut f = fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
    f.write_all(text.as_bytes()).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}
