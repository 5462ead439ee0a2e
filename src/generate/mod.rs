//! Seeded synthetic sign-in exports in every shape analysts have ([`Shape`]): Graph
//! `{"value":[...]}` pages, PowerShell-style pretty arrays (with BOM, several arrays back to
//! back), JSON lines, Log Analytics rows, diagnostic-settings records and the portal's CSV; and
//! beside them a credential inventory that fits ([`inventory`]), AD FS sign-ins ([`adfs`]), and
//! users' registrations with a month of registration and reset audit events ([`auth_methods`]).
//!
//! Realistic on purpose: all four event types, Zipf app popularity, apps renamed mid-period,
//! real AADSTS codes with their failure reasons, authentication details, credential key ids,
//! Unicode names, records of about 5 KB, and overlapping files (the same sign-in in two files),
//! so that demo, tests and benchmarks exercise what real exports do. Each record depends only
//! on the seed and its index, so the same seed gives the same sign-ins in every format.

pub mod adfs;
mod app_audits;
pub mod auth_methods;
pub mod catalog;
pub mod inventory;
mod shapes;

use std::fmt::Write as _;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::domain::MICROS_PER_DAY;
use crate::domain::time::{format_timestamp_utc, parse_timestamp};
use crate::error::{Error, Result};
use catalog::*;

/// The container shape of the generated files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Graph REST pages: `{"@odata.context":...,"value":[...],"@odata.nextLink":...}`.
    Graph,
    /// PowerShell `ConvertTo-Json` arrays, pretty, one per page, back to back; every other file has a BOM.
    Array,
    /// One compact record per line.
    Jsonl,
    /// Log Analytics / Sentinel rows as JSON lines: PascalCase columns, the table in `Type`,
    /// each table's column typing (JSON text in string columns, no `Status` and no
    /// `CreatedDateTime` in the service principal and managed identity tables).
    LogAnalytics,
    /// Diagnostic-settings records (`time`, `category`, ..., `properties` = the Graph object)
    /// in `{"records":[...]}` batches, one batch per page.
    Diagnostic,
    /// The Log Analytics portal's "Export to CSV" of those rows: UTF-8 BOM, CRLF, datetime
    /// columns suffixed ` [UTC]` in `M/D/YYYY, h:mm:ss.fffffff AM/PM` (the portal shows
    /// milliseconds; all seven digits are kept here so every shape holds the same instants),
    /// `Status_dynamic` / `Status_string`, `TRUE`/`FALSE`, JSON text in cells.
    Csv,
}

#[derive(Clone, Debug)]
pub struct GenOptions {
    pub records: u64,
    pub days: u32,
    pub seed: u64,
    pub shape: Shape,
    /// Records per file (before overlap).
    pub per_file: u64,
    /// Records per page or array.
    pub per_page: u64,
    /// Percent of each file's records repeated at the start of the next file.
    pub overlap_percent: u64,
    /// The latest possible event time, UTC microseconds.
    pub end_us: i64,
    pub gzip: bool,
    /// Report-only policy results written as `unknownFutureValue`, as Graph does for an export
    /// made without `Prefer: include-unknown-enum-members`.
    pub unknown_enum: bool,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            records: 10_000,
            days: 30,
            seed: 1,
            shape: Shape::Graph,
            per_file: 50_000,
            per_page: 1_000,
            overlap_percent: 2,
            end_us: parse_timestamp("2026-11-01T00:00:00Z").expect("constant"),
            gzip: false,
            unknown_enum: false,
        }
    }
}

/// What was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GenSummary {
    pub files: Vec<PathBuf>,
    /// Records written, counting overlapped ones twice.
    pub written: u64,
    /// Distinct sign-ins (`records`).
    pub distinct: u64,
    pub bytes: u64,
}

/// SplitMix64: small, fast, and stable across crate versions, so a seed means the same data
/// forever (golden files depend on it).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n.max(1))) >> 64) as u64
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn uuid(&mut self) -> String {
        let (a, b) = (self.next_u64(), self.next_u64());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }
}

/// Zipf(1.1) weights over `n` ranks, as cumulative thresholds.
fn zipf(n: usize) -> Vec<f64> {
    let mut acc = 0.0;
    let mut out: Vec<f64> = (0..n)
        .map(|i| {
            acc += 1.0 / ((i + 1) as f64).powf(1.1);
            acc
        })
        .collect();
    let total = acc;
    out.iter_mut().for_each(|x| *x /= total);
    out
}

fn zipf_pick(cdf: &[f64], rng: &mut Rng) -> usize {
    let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    cdf.partition_point(|&c| c < u).min(cdf.len() - 1)
}

fn weighted_error(rng: &mut Rng, column: usize) -> (i32, &'static str) {
    let weight = |e: &(i32, &str, u32, u32, u32)| match column {
        0 => e.2,
        1 => e.3,
        _ => e.4,
    };
    let total: u32 = ERRORS.iter().map(weight).sum();
    let mut x = rng.below(u64::from(total)) as u32;
    for e in ERRORS {
        if x < weight(e) {
            return (e.0, e.1);
        }
        x -= weight(e);
    }
    (ERRORS[0].0, ERRORS[0].1)
}

/// First-step methods of passwordless sign-ins, as the logs name them.
const PASSWORDLESS: &[&str] =
    &["Windows Hello for Business", "FIDO2 security key", "Passkey (device-bound)", "Passwordless phone sign-in"];

/// Second-factor methods, as the logs name them, weighted by repetition; every one is in the
/// curated table (`report::auth_methods`), so generated data never trips its warning (the
/// golden auth-methods case has a name no table knows).
const SECOND_FACTORS: &[&str] = &[
    "Mobile app notification",
    "Mobile app notification",
    "Mobile app notification",
    "Text message",
    "Text message",
    "OATH verification code",
    "Phone call",
    "Email verification code",
];

/// JSON string literal of `s`.
fn js(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialise")
}

/// A user of the generated tenant.
struct User {
    display_name: String,
    upn: String,
    id: String,
    guest: bool,
    device: String,
}

/// The world the sign-ins happen in: derived from the seed and the record count.
struct World {
    seed: u64,
    users: u64,
    app_cdf: Vec<f64>,
    start_us: i64,
    span_us: i64,
    tenant: String,
    unknown_enum: bool,
}

/// What a user sign-in says of tenants and risk (written after the user's fields).
struct Extra {
    home_tenant: Option<String>,
    cross_tenant: &'static str,
    risk: (&'static str, &'static str),
}

impl Default for Extra {
    fn default() -> Self {
        Extra { home_tenant: None, cross_tenant: "none", risk: ("none", "none") }
    }
}

/// The legacy authentication clients (`clientAppUsed`), an empty one among them.
const LEGACY_CLIENTS: &[&str] =
    &["Exchange ActiveSync", "IMAP4", "POP3", "Authenticated SMTP", "Other clients", "Exchange Web Services", ""];
/// `hidden`: the tenant's licence does not show the level, only the state says the sign-in was
/// risky; a state of `none` with a level: detected, nothing recorded for the user yet.
const RISK_LEVELS: &[&str] = &["low", "medium", "high", "hidden"];
const RISK_STATES: &[&str] = &["atRisk", "confirmedCompromised", "remediated", "dismissed", "none"];
/// The guests' home tenant (fabrikam).
const GUEST_TENANT: &str = "3f6e2c1a-9b8d-4e7f-a6c5-b4d3e2f1a0b9";

impl World {
    fn new(opts: &GenOptions) -> World {
        let span_us = i64::from(opts.days.max(1)) * MICROS_PER_DAY;
        World {
            seed: opts.seed,
            users: (opts.records / 40).clamp(12, 20_000),
            app_cdf: zipf(USER_APPS.len()),
            start_us: opts.end_us - span_us,
            span_us,
            tenant: Rng::new(opts.seed ^ 0x007e_4a47).uuid(),
            unknown_enum: opts.unknown_enum,
        }
    }

    /// Event time of record `k`: spread over the period, newest first (as Graph lists them),
    /// with a sub-second part of 7 digits like Graph's.
    fn time_of(&self, k: u64, n: u64) -> (i64, u32) {
        let mut rng = Rng::new(self.seed.wrapping_mul(31).wrapping_add(k) ^ 0x5eed);
        let slot = self.span_us / n.max(1) as i64;
        let t = self.start_us + self.span_us - (k as i64 + 1) * slot + rng.below(slot.max(1) as u64) as i64;
        (t, rng.below(10) as u32)
    }

    /// Record `k` of `n` as one compact JSON object.
    fn record(&self, k: u64, n: u64) -> String {
        let (t, seventh) = self.time_of(k, n);
        let mut rng = Rng::new(self.seed.rotate_left(17) ^ k.wrapping_mul(0x2545_F491_4F6C_DD1D));
        let id = rng.uuid();
        // Graph shows 7 fractional digits; the seventh is below what the store keeps.
        let whole_seconds = format_timestamp_utc(t.div_euclid(1_000_000) * 1_000_000);
        let created = format!("{}.{:06}{seventh}Z", whole_seconds.trim_end_matches('Z'), t.rem_euclid(1_000_000));
        let kind = match rng.below(100) {
            0..=29 => 0,  // interactiveUser
            30..=84 => 1, // nonInteractiveUser
            85..=96 => 2, // servicePrincipal
            _ => 3,       // managedIdentity
        };
        let mut r = String::with_capacity(6_000);
        let _ = write!(r, "{{\"id\":\"{id}\",\"createdDateTime\":\"{created}\"");
        let extra = match kind {
            0 | 1 => self.user_fields(&mut r, &mut rng, kind == 0, t),
            2 => {
                self.daemon_fields(&mut r, &mut rng);
                Extra::default()
            }
            _ => {
                self.managed_identity_fields(&mut r, &mut rng);
                Extra::default()
            }
        };
        let event = ["interactiveUser", "nonInteractiveUser", "servicePrincipal", "managedIdentity"][kind];
        let _ = write!(
            r,
            ",\"correlationId\":\"{}\",\"originalRequestId\":\"{id}\",\"uniqueTokenIdentifier\":\"{}\",\"signInEventTypes\":[\"{event}\"],\"resourceTenantId\":\"{t2}\",\"homeTenantId\":\"{home}\",\"homeTenantName\":\"{home_name}\",\"processingTimeInMilliseconds\":{},\"flaggedForReview\":false,\"isTenantRestricted\":false,\"isThroughGlobalSecureAccess\":false,\"crossTenantAccessType\":\"{cross}\",\"incomingTokenType\":\"none\",\"riskEventTypes_v2\":[],\"riskDetail\":\"none\",\"riskLevelAggregated\":\"{risk_level}\",\"riskLevelDuringSignIn\":\"{risk_level}\",\"riskState\":\"{risk_state}\",\"tokenIssuerType\":\"AzureAD\",\"tokenIssuerName\":\"\",\"sessionLifetimePolicies\":[],\"authenticationContextClassReferences\":[],\"tokenProtectionStatusDetails\":{{\"signInSessionStatus\":\"unbound\",\"signInSessionStatusCode\":1002}}}}",
            rng.uuid(),
            &id.replace('-', "")[..22],
            20 + rng.below(400),
            t2 = self.tenant,
            home = extra.home_tenant.as_deref().unwrap_or(&self.tenant),
            home_name = if extra.home_tenant.is_some() { "Fabrikam" } else { "Contoso" },
            cross = extra.cross_tenant,
            risk_level = extra.risk.0,
            risk_state = extra.risk.1,
        );
        r
    }

    /// User `u` of the world: the same person in every record and every export.
    fn user(&self, u: u64) -> User {
        let mut urng = Rng::new(self.seed ^ u.wrapping_mul(0x9E37_79B9));
        let (first, fa) = *urng.pick(FIRST_NAMES);
        let (last, la) = *urng.pick(LAST_NAMES);
        let id = urng.uuid();
        let guest = urng.chance(8);
        let upn = if guest {
            format!("{fa}.{la}{u}_fabrikam.com#EXT#@contoso.onmicrosoft.com")
        } else {
            format!("{fa}.{la}{u}@contoso.com")
        };
        User { display_name: format!("{first} {last}"), upn, id, guest, device: format!("{fa}-laptop") }
    }

    fn user_fields(&self, r: &mut String, rng: &mut Rng, interactive: bool, t: i64) -> Extra {
        // The workbook dimensions come from a generator of their own, so the other fields stay
        // as they were.
        let mut xrng = Rng::new(self.seed ^ (t as u64).wrapping_mul(0x0d1e_5eed_0003) ^ 0x7a11);
        let u = rng.below(self.users);
        let User { display_name, upn, id: user_id, guest, device } = self.user(u);
        let (app_id, name, renamed) = USER_APPS[zipf_pick(&self.app_cdf, rng)];
        let name = match renamed {
            Some(new) if t >= self.start_us + self.span_us / 2 => new,
            _ => name,
        };
        let (res_id, res_name) = *rng.pick(RESOURCES);
        let failed = rng.chance(if interactive { 18 } else { 9 });
        let (code, reason) = if failed { weighted_error(rng, if interactive { 0 } else { 1 }) } else { (0, "") };
        let (city, state, cc, lat, lon) = *rng.pick(CITIES);
        let (browser, os, agent) = *rng.pick(BROWSERS);
        let mfa = rng.chance(35);
        let ip = format!("{}.{}.{}.{}", 20 + rng.below(180), rng.below(256), rng.below(256), 1 + rng.below(254));
        let _ = write!(
            r,
            ",\"userDisplayName\":{},\"userPrincipalName\":{},\"userId\":\"{user_id}\",\"userType\":\"{}\",\"appId\":\"{app_id}\",\"appDisplayName\":{},\"appOwnerTenantId\":\"f8cdef31-a31e-4b4a-93e4-5f571e91255a\",\"ipAddress\":\"{ip}\",\"ipAddressFromResourceProvider\":null,\"clientAppUsed\":\"{}\",\"userAgent\":{},\"conditionalAccessStatus\":\"{}\",\"isInteractive\":{interactive},\"resourceDisplayName\":{},\"resourceId\":\"{res_id}\",\"resourceServicePrincipalId\":\"{}\",\"authenticationRequirement\":\"{}\",\"authenticationProtocol\":\"none\",\"clientCredentialType\":\"none\",\"signInIdentifier\":{},\"signInIdentifierType\":\"userPrincipalName\",\"servicePrincipalId\":\"\",\"servicePrincipalName\":null,\"servicePrincipalCredentialKeyId\":\"\",\"servicePrincipalCredentialThumbprint\":\"\",\"federatedCredentialId\":\"\",\"autonomousSystemNumber\":{},\"authenticationMethodsUsed\":[{}]",
            js(&display_name),
            js(&upn),
            if guest { "guest" } else { "member" },
            js(name),
            {
                let modern = if rng.chance(80) { "Browser" } else { "Mobile Apps and Desktop clients" };
                if xrng.chance(5) { *xrng.pick(LEGACY_CLIENTS) } else { modern }
            },
            js(agent),
            if code == 53003 {
                "failure"
            } else if rng.chance(60) {
                "success"
            } else {
                "notApplied"
            },
            js(res_name),
            rng.uuid(),
            if mfa { "multiFactorAuthentication" } else { "singleFactorAuthentication" },
            js(&upn),
            8000 + rng.below(60_000),
            if mfa { "\"Password\",\"Mobile app notification\"" } else { "\"Password\"" },
        );
        let status = if code == 0 {
            format!(
                "{{\"errorCode\":0,\"failureReason\":null,\"additionalDetails\":{}}}",
                if mfa && rng.chance(50) { "\"MFA requirement satisfied by claim in the token\"" } else { "null" }
            )
        } else {
            format!("{{\"errorCode\":{code},\"failureReason\":{},\"additionalDetails\":null}}", js(reason))
        };
        let _ = write!(
            r,
            ",\"status\":{status},\"deviceDetail\":{{\"deviceId\":\"{}\",\"displayName\":{},\"operatingSystem\":\"{os}\",\"browser\":\"{browser}\",\"isCompliant\":{},\"isManaged\":{},\"trustType\":\"{}\"}},\"location\":{{\"city\":{},\"state\":{},\"countryOrRegion\":\"{cc}\",\"geoCoordinates\":{{\"altitude\":null,\"latitude\":{lat},\"longitude\":{lon}}}}}",
            rng.uuid(),
            js(&device),
            rng.chance(70),
            rng.chance(70),
            if rng.chance(50) { "Azure AD joined" } else { "" },
            js(city),
            js(state),
        );
        let step_time = format_timestamp_utc(t);
        // The methods come from a generator of their own, so the other fields stay as they were.
        let mut mrng = Rng::new(self.seed ^ (t as u64).wrapping_mul(0x00a7_4e7d_0001));
        let primary = if code == 0 && mrng.chance(8) { *mrng.pick(PASSWORDLESS) } else { "Password" };
        let _ = write!(
            r,
            ",\"authenticationDetails\":[{{\"authenticationStepDateTime\":\"{step_time}\",\"authenticationMethod\":\"{primary}\",\"authenticationMethodDetail\":\"Password in the cloud\",\"succeeded\":{},\"authenticationStepResultDetail\":\"{}\",\"authenticationStepRequirement\":\"Primary authentication\"}}",
            code != 50126,
            if code == 50126 {
                "Invalid username or password or Invalid on-premise username or password."
            } else {
                "Correct password"
            },
        );
        if mfa {
            let _ = write!(
                r,
                ",{{\"authenticationStepDateTime\":\"{step_time}\",\"authenticationMethod\":\"{}\",\"authenticationMethodDetail\":null,\"succeeded\":true,\"authenticationStepResultDetail\":\"{}\",\"authenticationStepRequirement\":\"Multi-factor authentication\"}}",
                if rng.chance(50) { *mrng.pick(SECOND_FACTORS) } else { "Previously satisfied" },
                if rng.chance(50) {
                    "MFA successfully completed"
                } else {
                    "MFA requirement satisfied by claim in the token"
                },
            );
        }
        r.push_str("],\"authenticationProcessingDetails\":[{\"key\":\"Legacy TLS (TLS 1.0, 1.1, 3DES)\",\"value\":\"False\"},{\"key\":\"Oauth Scope Info\",\"value\":\"[\\\"openid\\\",\\\"profile\\\",\\\"email\\\",\\\"offline_access\\\"]\"},{\"key\":\"Is CAE Token\",\"value\":\"True\"}]");
        self.ca_policies(r, rng, &mut xrng, code);
        r.push_str(",\"networkLocationDetails\":[],\"mfaDetail\":null,\"managedServiceIdentity\":{\"msiType\":\"none\",\"associatedResourceId\":null,\"federatedTokenId\":null,\"federatedTokenIssuer\":null}");
        let risky = xrng.chance(3);
        Extra {
            // Most guests sign in from their home tenant (B2B collaboration); a few are this
            // tenant's own guests.
            home_tenant: (guest && xrng.chance(80)).then(|| GUEST_TENANT.to_string()),
            cross_tenant: if guest { "b2bCollaboration" } else { "none" },
            risk: if risky { (*xrng.pick(RISK_LEVELS), *xrng.pick(RISK_STATES)) } else { ("none", "none") },
        }
    }

    fn ca_policies(&self, r: &mut String, rng: &mut Rng, xrng: &mut Rng, code: i32) {
        let blocked = code == 53003;
        r.push_str(",\"appliedConditionalAccessPolicies\":[");
        for (i, (id, name)) in CA_POLICIES.iter().enumerate() {
            let result = if blocked && i == 1 {
                "failure"
            } else if rng.chance(40) {
                "success"
            } else {
                "notApplied"
            };
            if i > 0 {
                r.push(',');
            }
            let _ = write!(
                r,
                "{{\"id\":\"{id}\",\"displayName\":{},\"enforcedGrantControls\":[\"Mfa\"],\"enforcedSessionControls\":[],\"sessionControlsNotSatisfied\":[],\"result\":\"{result}\",\"conditionsSatisfied\":\"application,users\",\"conditionsNotSatisfied\":\"none\",\"includeRulesSatisfied\":[{{\"conditionalAccessCondition\":\"application\",\"ruleSatisfied\":\"appId\"}},{{\"conditionalAccessCondition\":\"users\",\"ruleSatisfied\":\"allUsers\"}}],\"excludeRulesSatisfied\":[],\"authenticationStrength\":null}}",
                js(name)
            );
        }
        // A policy in report-only mode: what it would have done.
        let (id, name) = REPORT_ONLY_POLICY;
        let result = if self.unknown_enum {
            "unknownFutureValue"
        } else if crate::domain::INTERRUPTS.contains(&code) {
            "reportOnlyInterrupted"
        } else {
            match xrng.below(10) {
                0..=3 => "reportOnlySuccess",
                4 => "reportOnlyFailure",
                5 => "reportOnlyInterrupted",
                _ => "reportOnlyNotApplied",
            }
        };
        let _ = write!(
            r,
            ",{{\"id\":\"{id}\",\"displayName\":{},\"enforcedGrantControls\":[\"Block\"],\"enforcedSessionControls\":[],\"result\":\"{result}\"}}",
            js(name)
        );
        r.push(']');
    }

    fn daemon_fields(&self, r: &mut String, rng: &mut Rng) {
        let (app_id, name, keys) = *rng.pick(DAEMON_APPS);
        let key = *rng.pick(keys);
        let (res_id, res_name) = *rng.pick(RESOURCES);
        let (code, reason) = if rng.chance(6) { weighted_error(rng, 2) } else { (0, "") };
        let status = if code == 0 {
            "{\"errorCode\":0,\"failureReason\":null,\"additionalDetails\":null}".to_string()
        } else {
            format!("{{\"errorCode\":{code},\"failureReason\":{},\"additionalDetails\":null}}", js(reason))
        };
        let _ = write!(
            r,
            ",\"userDisplayName\":null,\"userPrincipalName\":null,\"userId\":\"\",\"appId\":\"{app_id}\",\"appDisplayName\":{},\"ipAddress\":\"{}.{}.{}.{}\",\"isInteractive\":false,\"resourceDisplayName\":{},\"resourceId\":\"{res_id}\",\"servicePrincipalId\":\"{}\",\"servicePrincipalName\":{},\"servicePrincipalCredentialKeyId\":\"{key}\",\"servicePrincipalCredentialThumbprint\":\"\",\"clientCredentialType\":\"clientSecret\",\"authenticationProtocol\":\"none\",\"conditionalAccessStatus\":\"notApplied\",\"status\":{status},\"location\":{{\"city\":\"Amsterdam\",\"state\":\"Noord-Holland\",\"countryOrRegion\":\"NL\",\"geoCoordinates\":{{}}}},\"appliedConditionalAccessPolicies\":[],\"authenticationProcessingDetails\":[{{\"key\":\"Azure AD App Authentication Library\",\"value\":\"Family: MSAL Library: MSAL.NET 4.61.3 Platform: .NET\"}}],\"managedServiceIdentity\":{{\"msiType\":\"none\",\"associatedResourceId\":null}}",
            js(name),
            40 + rng.below(100),
            rng.below(256),
            rng.below(256),
            1 + rng.below(254),
            js(res_name),
            inventory::object_id(self.seed, "sp", app_id),
            js(name),
        );
    }

    fn managed_identity_fields(&self, r: &mut String, rng: &mut Rng) {
        let (app_id, name) = *rng.pick(MANAGED_IDENTITIES);
        let (res_id, res_name) = *rng.pick(RESOURCES);
        let _ = write!(
            r,
            ",\"userDisplayName\":null,\"userPrincipalName\":null,\"userId\":\"\",\"appId\":\"{app_id}\",\"appDisplayName\":{},\"ipAddress\":\"\",\"isInteractive\":false,\"resourceDisplayName\":{},\"resourceId\":\"{res_id}\",\"servicePrincipalId\":\"{}\",\"servicePrincipalName\":{},\"clientCredentialType\":\"managedIdentity\",\"status\":{{\"errorCode\":0,\"failureReason\":null,\"additionalDetails\":null}},\"appliedConditionalAccessPolicies\":[],\"managedServiceIdentity\":{{\"msiType\":\"systemAssigned\",\"associatedResourceId\":\"/subscriptions/0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e/resourceGroups/rg-prod/providers/Microsoft.Web/sites/{name}\",\"federatedTokenId\":null,\"federatedTokenIssuer\":null}}",
            js(name),
            js(res_name),
            inventory::object_id(self.seed, "sp", app_id),
            js(name),
        );
    }
}

/// Re-indents a compact JSON object the way Windows PowerShell's `ConvertTo-Json` does:
/// four spaces, and two spaces after each colon.
fn powershell_pretty(compact: &str, indent: usize, out: &mut String) {
    let mut depth = indent;
    let mut in_string = false;
    let mut escaped = false;
    let pad = |out: &mut String, d: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', d * 4));
    };
    let mut chars = compact.chars().peekable();
    while let Some(ch) = chars.next() {
        if in_string {
            out.push(ch);
            if escaped {
                escaped = false;
            } else if ch == '\\' {
                escaped = true;
            } else if ch == '"' {
                in_string = false;
            }
            continue;
        }
        match ch {
            '"' => {
                in_string = true;
                out.push(ch);
            }
            '{' | '[' => {
                out.push(ch);
                let close = if ch == '{' { '}' } else { ']' };
                if chars.peek() == Some(&close) {
                    out.push(chars.next().expect("peeked"));
                } else {
                    depth += 1;
                    pad(out, depth);
                }
            }
            '}' | ']' => {
                depth -= 1;
                pad(out, depth);
                out.push(ch);
            }
            ',' => {
                out.push(',');
                pad(out, depth);
            }
            ':' => out.push_str(":  "),
            _ => out.push(ch),
        }
    }
}

/// Writes the export files into `dir` (created if needed).
pub fn generate(opts: &GenOptions, dir: &Path) -> Result<GenSummary> {
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let world = World::new(opts);
    let n = opts.records;
    let per_file = opts.per_file.max(1);
    let files = n.div_ceil(per_file);
    let mut summary = GenSummary { distinct: n, ..GenSummary::default() };
    for f in 0..files {
        let first = f * per_file;
        let last = (first + per_file).min(n);
        // Overlap: the file also holds the first records of the next file.
        let extra = if f + 1 < files { (last - first) * opts.overlap_percent / 100 } else { 0 };
        let indices: Vec<u64> = (first..(last + extra).min(n)).collect();
        let ext = match opts.shape {
            Shape::Graph | Shape::Array | Shape::Diagnostic => "json",
            Shape::Jsonl | Shape::LogAnalytics => "jsonl",
            Shape::Csv => "csv",
        };
        let name = format!("signins-{:04}.{ext}{}", f + 1, if opts.gzip { ".gz" } else { "" });
        let path = dir.join(name);
        let file = fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
        let sink: Box<dyn Write> = if opts.gzip {
            Box::new(flate2::write::GzEncoder::new(file, flate2::Compression::fast()))
        } else {
            Box::new(file)
        };
        let mut w = BufWriter::with_capacity(1 << 20, sink);
        let bom = (opts.shape == Shape::Array && f % 2 == 0) || opts.shape == Shape::Csv;
        write_file(&world, opts, &indices, n, bom, &mut w).map_err(|e| Error::io(&path, e))?;
        w.flush().map_err(|e| Error::io(&path, e))?;
        drop(w);
        summary.written += indices.len() as u64;
        summary.bytes += fs::metadata(&path).map_err(|e| Error::io(&path, e))?.len();
        summary.files.push(path);
    }
    Ok(summary)
}

/// The files [`generate`] would write, one after the other, to `w` (a pipe into `ingest -`
/// builds a store of any size without the JSON on disk). Line shapes only, where files
/// concatenated are one valid export.
pub fn generate_stream(opts: &GenOptions, w: &mut dyn Write) -> Result<GenSummary> {
    if !matches!(opts.shape, Shape::Jsonl | Shape::LogAnalytics) || opts.gzip {
        return Err(Error::Usage(
            "generate --out - writes JSON lines only: --format jsonl or log-analytics, without --gzip".into(),
        ));
    }
    let world = World::new(opts);
    let n = opts.records;
    let per_file = opts.per_file.max(1);
    let mut summary = GenSummary { distinct: n, ..GenSummary::default() };
    let stdout = std::path::Path::new("<stdout>");
    for f in 0..n.div_ceil(per_file) {
        let first = f * per_file;
        let last = (first + per_file).min(n);
        // As `generate`: a file also holds the first records of the next one.
        let extra = if last < n { (last - first) * opts.overlap_percent / 100 } else { 0 };
        let indices: Vec<u64> = (first..(last + extra).min(n)).collect();
        write_file(&world, opts, &indices, n, false, w).map_err(|e| Error::io(stdout, e))?;
        summary.written += indices.len() as u64;
    }
    w.flush().map_err(|e| Error::io(stdout, e))?;
    Ok(summary)
}

fn write_file(
    world: &World,
    opts: &GenOptions,
    indices: &[u64],
    n: u64,
    bom: bool,
    w: &mut dyn Write,
) -> std::io::Result<()> {
    if bom {
        w.write_all(b"\xEF\xBB\xBF")?;
    }
    if opts.shape == Shape::Csv {
        let rows = || indices.iter().map(|&k| shapes::log_analytics(&world.record(k, n), &world.tenant));
        return shapes::write_csv(rows, w);
    }
    for (p, page) in indices.chunks(opts.per_page.max(1) as usize).enumerate() {
        match opts.shape {
            Shape::Jsonl => {
                for &k in page {
                    w.write_all(world.record(k, n).as_bytes())?;
                    w.write_all(b"\n")?;
                }
            }
            Shape::LogAnalytics => {
                for &k in page {
                    w.write_all(shapes::log_analytics(&world.record(k, n), &world.tenant).as_bytes())?;
                    w.write_all(b"\n")?;
                }
            }
            Shape::Csv => unreachable!("written whole above"),
            Shape::Diagnostic => {
                w.write_all(b"{\"records\":[")?;
                for (i, &k) in page.iter().enumerate() {
                    if i > 0 {
                        w.write_all(b",\n")?;
                    }
                    w.write_all(shapes::diagnostic(&world.record(k, n), &world.tenant).as_bytes())?;
                }
                w.write_all(b"]}\n")?;
            }
            Shape::Graph => {
                w.write_all(
                    b"{\"@odata.context\":\"https://graph.microsoft.com/beta/$metadata#auditLogs/signIns\",\"value\":[",
                )?;
                for (i, &k) in page.iter().enumerate() {
                    if i > 0 {
                        w.write_all(b",")?;
                    }
                    w.write_all(world.record(k, n).as_bytes())?;
                }
                writeln!(
                    w,
                    "],\"@odata.nextLink\":\"https://graph.microsoft.com/beta/auditLogs/signIns?$skiptoken={}\"}}",
                    world.seed * 1000 + p as u64
                )?;
            }
            Shape::Array => {
                let mut text = String::from("[\n");
                for (i, &k) in page.iter().enumerate() {
                    if i > 0 {
                        text.push_str(",\n");
                    }
                    text.push_str("    ");
                    powershell_pretty(&world.record(k, n), 1, &mut text);
                }
                text.push_str("\n]\n");
                w.write_all(text.as_bytes())?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_valid_json_and_deterministic() {
        let opts = GenOptions::default();
        let w = World::new(&opts);
        for k in 0..200 {
            let r = w.record(k, 200);
            let v: serde_json::Value = serde_json::from_str(&r).unwrap_or_else(|e| panic!("{e}: {r}"));
            assert!(v["id"].is_string());
            assert_eq!(r, World::new(&opts).record(k, 200));
            let mut pretty = String::new();
            powershell_pretty(&r, 0, &mut pretty);
            assert_eq!(serde_json::from_str::<serde_json::Value>(&pretty).unwrap(), v);
        }
    }
}
