//! A seeded credential inventory that fits the generated sign-ins: Graph `applications` and
//! `servicePrincipals` pages whose credentials are the key ids the daemon sign-ins use (all but
//! one, which shows as "not in inventory"), plus credentials nobody uses, apps nobody signs in
//! to, expired and soon-expiring secrets, and a SAML signing certificate. Times are relative to
//! the generator's end time, so `--expiring-within` and `--expired` find something.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use super::catalog::{DAEMON_APPS, MANAGED_IDENTITIES, UNUSED_APPS, USER_APPS};
use super::{GenOptions, Rng, js};
use crate::domain::MICROS_PER_DAY;
use crate::domain::time::format_timestamp_utc;
use crate::error::{Error, Result};

/// The object id of an application (`"app"`) or service principal (`"sp"`) for an appId:
/// the same in the inventory and in the sign-ins' `servicePrincipalId`.
pub fn object_id(seed: u64, kind: &str, app_id: &str) -> String {
    let h = xxhash_rust::xxh3::xxh3_64(format!("{kind}|{app_id}").as_bytes());
    Rng::new(h ^ seed.wrapping_mul(0x9E37_79B9)).uuid()
}

/// Expiry offsets from the end time, in days, cycled through the credentials: expired long ago,
/// within a week, within a month, far out, just expired, two years, the 30-day edges.
const EXPIRY_DAYS: [i64; 8] = [200, 5, -40, 700, 29, -3, 20, 31];

struct Writer {
    rng: Rng,
    end_us: i64,
    next: usize,
}

impl Writer {
    /// `"startDateTime":...,"endDateTime":...` of the next credential.
    fn dates(&mut self) -> String {
        let days = EXPIRY_DAYS[self.next % EXPIRY_DAYS.len()];
        self.next += 1;
        let end = self.end_us + days * MICROS_PER_DAY + self.rng.below(20) as i64 * 3_600_000_000;
        let start = end - (365 + self.rng.below(365) as i64) * MICROS_PER_DAY;
        format!(
            "\"startDateTime\":\"{}\",\"endDateTime\":\"{}\"",
            format_timestamp_utc(start),
            format_timestamp_utc(end)
        )
    }

    fn secret(&mut self, key_id: &str, name: &str) -> String {
        let dates = self.dates();
        format!(
            "{{\"customKeyIdentifier\":null,\"displayName\":{},{dates},\"hint\":\"{}~\",\"keyId\":\"{key_id}\",\"secretText\":null}}",
            js(name),
            &key_id[..3]
        )
    }

    fn certificate(&mut self, key_id: &str, usage: &str, name: &str) -> String {
        let dates = self.dates();
        format!(
            "{{\"customKeyIdentifier\":\"{}\",\"displayName\":{},{dates},\"key\":null,\"keyId\":\"{key_id}\",\"type\":\"AsymmetricX509Cert\",\"usage\":\"{usage}\"}}",
            key_id.replace('-', "").to_ascii_uppercase(),
            js(name)
        )
    }
}

fn object(
    odata_type: &str,
    id: &str,
    app_id: &str,
    name: &str,
    extra: &str,
    keys: &[String],
    secrets: &[String],
) -> String {
    format!(
        "{{\"@odata.type\":\"#microsoft.graph.{odata_type}\",\"id\":\"{id}\",\"appId\":\"{app_id}\",\"displayName\":{}{extra},\"keyCredentials\":[{}],\"passwordCredentials\":[{}]}}",
        js(name),
        keys.join(","),
        secrets.join(",")
    )
}

/// Writes `applications.json` and `servicePrincipals.json` (Graph pages) into `dir`; returns
/// the files and the number of objects.
pub fn write_inventory(opts: &GenOptions, dir: &Path) -> Result<(Vec<PathBuf>, u64)> {
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let seed = opts.seed;
    let mut w = Writer { rng: Rng::new(seed ^ 0x1a7e_c0de), end_us: opts.end_us, next: 0 };
    let mut apps = Vec::new();
    let mut sps = Vec::new();
    let audience = ",\"signInAudience\":\"AzureADMyOrg\",\"createdDateTime\":\"2023-03-01T09:00:00Z\"";
    for (i, (app_id, name, keys)) in DAEMON_APPS.iter().enumerate() {
        let mut certs = Vec::new();
        let mut secrets = Vec::new();
        for (k, key) in keys.iter().enumerate() {
            // The last daemon's second key was deleted from the app: sign-ins still show it.
            if i + 1 == DAEMON_APPS.len() && k == 1 {
                continue;
            }
            if i == 2 {
                certs.push(w.certificate(key, "Verify", &format!("CN={name}")));
            } else {
                secrets.push(w.secret(key, &format!("{name} secret {}", k + 1)));
            }
        }
        if i % 2 == 0 {
            let spare = w.rng.uuid();
            secrets.push(w.secret(&spare, "rotated out"));
        }
        apps.push(object("application", &object_id(seed, "app", app_id), app_id, name, audience, &certs, &secrets));
        let sp_extra = ",\"servicePrincipalType\":\"Application\",\"accountEnabled\":true";
        sps.push(object("servicePrincipal", &object_id(seed, "sp", app_id), app_id, name, sp_extra, &[], &[]));
    }
    // Tenant-owned user apps: the first gets a SAML signing certificate on its service principal.
    let owned = USER_APPS.iter().filter(|(id, _, _)| id.starts_with("a1b2c3d4") || id.starts_with("7f4c5a2e"));
    for (j, (app_id, name, _)) in owned.enumerate() {
        let secrets = if j == 1 {
            let key = w.rng.uuid();
            vec![w.secret(&key, "portal")]
        } else {
            Vec::new()
        };
        apps.push(object("application", &object_id(seed, "app", app_id), app_id, name, audience, &[], &secrets));
        let certs = if j == 0 {
            let (sign, verify) = (w.rng.uuid(), w.rng.uuid());
            vec![w.certificate(&sign, "Sign", "CN=SAML signing"), w.certificate(&verify, "Verify", "CN=SAML signing")]
        } else {
            Vec::new()
        };
        let sp_extra = ",\"servicePrincipalType\":\"Application\",\"preferredSingleSignOnMode\":\"saml\"";
        sps.push(object("servicePrincipal", &object_id(seed, "sp", app_id), app_id, name, sp_extra, &certs, &[]));
    }
    for (app_id, name) in UNUSED_APPS {
        let key = w.rng.uuid();
        let secrets = vec![w.secret(&key, "legacy")];
        apps.push(object("application", &object_id(seed, "app", app_id), app_id, name, audience, &[], &secrets));
    }
    for (app_id, name) in MANAGED_IDENTITIES {
        let extra = ",\"servicePrincipalType\":\"ManagedIdentity\"";
        sps.push(object("servicePrincipal", &object_id(seed, "sp", app_id), app_id, name, extra, &[], &[]));
    }
    let mut files = Vec::new();
    for (name, context, objects) in
        [("applications.json", "applications", &apps), ("servicePrincipals.json", "servicePrincipals", &sps)]
    {
        let mut text = String::new();
        let _ =
            writeln!(text, "{{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#{context}\",\"value\":[");
        text.push_str(&objects.join(",\n"));
        text.push_str("\n]}\n");
        let path = dir.join(name);
        fs::write(&path, text).map_err(|e| Error::io(&path, e))?;
        files.push(path);
    }
    Ok((files, (apps.len() + sps.len()) as u64))
}
