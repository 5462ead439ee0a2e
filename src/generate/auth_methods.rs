//! The authentication methods side of the generated tenant: every user's registration details
//! (a Graph `userRegistrationDetails` page) and a month of security-info registration, password
//! reset and change events (Graph `directoryAudit` pages), for the same users the sign-ins have.
//!
//! Synthetic, but in the shapes and wording docs/graph-schemas.md 3.6 documents: registration
//! reasons `User registered <method>.`, self-service reset flows whose progress events name the
//! verification method and share the reset's correlation id, admin resets that also write Core
//! Directory's `Reset user password` (which the reports must not count twice), cancelled
//! registrations and blocked resets, and unrelated directory events.

use std::fmt::Write as _;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{GenOptions, Rng, World, js};
use crate::domain::MICROS_PER_DAY;
use crate::domain::time::format_timestamp_utc;
use crate::error::{Error, Result};

/// (method id, probability in percent) of a user's registered methods.
const REGISTERED: &[(&str, u64)] = &[
    ("mobilePhone", 60),
    ("microsoftAuthenticatorPush", 55),
    ("softwareOneTimePasscode", 30),
    ("email", 25),
    ("windowsHelloForBusiness", 15),
    ("fido2SecurityKey", 8),
    ("passKeyDeviceBound", 6),
    ("alternateMobilePhone", 5),
    ("securityQuestion", 4),
    ("officePhone", 3),
    ("temporaryAccessPass", 2),
];

/// Methods that make a user MFA-registered, and passwordless-capable.
const STRONG: &[&str] = &[
    "mobilePhone",
    "microsoftAuthenticatorPush",
    "softwareOneTimePasscode",
    "windowsHelloForBusiness",
    "fido2SecurityKey",
    "passKeyDeviceBound",
    "alternateMobilePhone",
    "officePhone",
];
const PASSWORDLESS: &[&str] = &["windowsHelloForBusiness", "fido2SecurityKey", "passKeyDeviceBound"];

/// Method names as registration reasons write them.
const REGISTRATION_NAMES: &[&str] = &[
    "Authenticator app",
    "Authenticator app",
    "Phone",
    "Phone",
    "Email",
    "Security questions",
    "Alternate phone",
    "Office phone",
    "FIDO2 security key",
    "Passkey (device-bound)",
    "App password",
];

/// Verification methods as reset flow progress reasons write them.
const RESET_NAMES: &[&str] = &["Email", "Mobile phone", "Text message", "Security questions", "Authenticator app"];

/// Writes `registrations/userRegistrationDetails.json` and `audits/directoryAudits.json` into
/// `dir`; returns the two paths and the record counts.
pub fn write_auth_methods(opts: &GenOptions, dir: &Path) -> Result<Vec<(PathBuf, u64)>> {
    let world = World::new(opts);
    let mut out = Vec::new();
    let reg_dir = dir.join("registrations");
    fs::create_dir_all(&reg_dir).map_err(|e| Error::io(&reg_dir, e))?;
    let path = reg_dir.join("userRegistrationDetails.json");
    let mut text = String::from(
        "{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#reports/authenticationMethods/userRegistrationDetails\",\"value\":[",
    );
    let updated = format_timestamp_utc(opts.end_us - 3_600_000_000);
    for u in 0..world.users {
        if u > 0 {
            text.push_str(",\n");
        }
        registration(&world, u, &updated, &mut text);
    }
    text.push_str("]}\n");
    write(&path, &text)?;
    out.push((path, world.users));

    let audit_dir = dir.join("audits");
    fs::create_dir_all(&audit_dir).map_err(|e| Error::io(&audit_dir, e))?;
    let path = audit_dir.join("directoryAudits.json");
    let mut records = Vec::new();
    let flows = (world.users * 3 / 2).max(20);
    for k in 0..flows {
        events(&world, opts, k, &mut records);
    }
    let mut text = String::new();
    for (p, page) in records.chunks(500).enumerate() {
        text.push_str(
            "{\"@odata.context\":\"https://graph.microsoft.com/beta/$metadata#auditLogs/directoryAudits\",\"value\":[",
        );
        text.push_str(&page.join(","));
        let _ = writeln!(
            text,
            "],\"@odata.nextLink\":\"https://graph.microsoft.com/beta/auditLogs/directoryAudits?$skiptoken=a{p}\"}}"
        );
    }
    write(&path, &text)?;
    out.push((path, records.len() as u64));
    // Application management: what the consent and sensitive-operation reports read.
    let apps = super::app_audits::events(&world, opts.seed, (world.users / 2).max(12), opts.days, opts.end_us);
    let path = audit_dir.join("appManagementAudits.json");
    let text = format!(
        "{{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits\",\"value\":[{}]}}\n",
        apps.join(",\n")
    );
    write(&path, &text)?;
    out.push((path, apps.len() as u64));
    Ok(out)
}

fn write(path: &Path, text: &str) -> Result<()> {
    let mut f = fs::File::create(path).map_err(|e| Error::io(path, e))?;
    f.write_all(text.as_bytes()).map_err(|e| Error::io(path, e))
}

fn registration(world: &World, u: u64, updated: &str, out: &mut String) {
    let user = world.user(u);
    let mut rng = Rng::new(world.seed ^ u.wrapping_mul(0x5157_7A11) ^ 0x0e9);
    let methods: Vec<&str> = REGISTERED.iter().filter(|(_, p)| rng.chance(*p)).map(|(m, _)| *m).collect();
    let has = |list: &[&str]| methods.iter().any(|m| list.contains(m));
    let mfa_registered = has(STRONG);
    let mfa_capable = mfa_registered && rng.chance(95);
    let sspr_enabled = !user.guest && rng.chance(80);
    let sspr_registered = !methods.is_empty();
    let admin = rng.chance(5);
    let preferred = if methods.contains(&"microsoftAuthenticatorPush") {
        "push"
    } else if methods.contains(&"mobilePhone") {
        if rng.chance(50) { "sms" } else { "voiceMobile" }
    } else {
        ""
    };
    let list = |l: &[&str]| l.iter().map(|m| js(m)).collect::<Vec<_>>().join(",");
    let system = if preferred.is_empty() {
        String::new()
    } else {
        js(if preferred == "voiceMobile" { "sms" } else { preferred })
    };
    let _ = write!(
        out,
        "{{\"id\":\"{}\",\"userPrincipalName\":{},\"userDisplayName\":{},\"isAdmin\":{admin},\"isSsprRegistered\":{sspr_registered},\"isSsprEnabled\":{sspr_enabled},\"isSsprCapable\":{},\"isMfaRegistered\":{mfa_registered},\"isMfaCapable\":{mfa_capable},\"isPasswordlessCapable\":{},\"lastUpdatedDateTime\":\"{updated}\",\"methodsRegistered\":[{}],\"isSystemPreferredAuthenticationMethodEnabled\":true,\"systemPreferredAuthenticationMethods\":[{system}],\"userPreferredMethodForSecondaryAuthentication\":\"{preferred}\",\"userType\":\"{}\"}}",
        user.id,
        js(&user.upn),
        js(&user.display_name),
        sspr_enabled && sspr_registered,
        has(PASSWORDLESS),
        list(&methods),
        if user.guest { "guest" } else { "member" },
    );
}

/// One audit record.
struct Audit<'a> {
    id: String,
    at: i64,
    activity: &'a str,
    service: &'a str,
    category: &'a str,
    success: bool,
    reason: String,
    correlation: &'a str,
    /// (id, name, upn) of the user who acted.
    by: (&'a str, &'a str, &'a str),
    /// The user the event is about.
    target: Option<(&'a str, &'a str, &'a str)>,
}

impl Audit<'_> {
    fn json(&self) -> String {
        let (bid, bname, bupn) = self.by;
        let target = match self.target {
            Some((id, name, upn)) => format!(
                "{{\"id\":\"{id}\",\"displayName\":{},\"type\":\"User\",\"userPrincipalName\":{},\"groupType\":null,\"modifiedProperties\":[]}}",
                js(name),
                js(upn)
            ),
            None => String::new(),
        };
        format!(
            "{{\"id\":\"{}\",\"category\":\"{}\",\"correlationId\":\"{}\",\"result\":\"{}\",\"resultReason\":{},\"activityDisplayName\":{},\"activityDateTime\":\"{}\",\"loggedByService\":\"{}\",\"operationType\":\"Update\",\"initiatedBy\":{{\"user\":{{\"id\":\"{bid}\",\"displayName\":{},\"userPrincipalName\":{},\"ipAddress\":\"203.0.113.7\"}}}},\"userAgent\":\"\",\"targetResources\":[{target}],\"additionalDetails\":[]}}",
            self.id,
            self.category,
            self.correlation,
            if self.success { "success" } else { "failure" },
            js(&self.reason),
            js(self.activity),
            format_timestamp_utc(self.at),
            self.service,
            js(bname),
            js(bupn),
        )
    }
}

const AUTH_METHODS: &str = "Authentication Methods";
const SSPR: &str = "Self-service Password Management";
const CORE: &str = "Core Directory";

/// The records of flow `k`: a registration, a reset with its progress, an admin reset, a
/// change, or something the reports must ignore.
fn events(world: &World, opts: &GenOptions, k: u64, out: &mut Vec<String>) {
    let mut rng = Rng::new(world.seed.rotate_left(29) ^ k.wrapping_mul(0x0A0D_17E5));
    let span = i64::from(opts.days.max(1)) * MICROS_PER_DAY;
    let at = opts.end_us - 1 - rng.below(span as u64) as i64;
    let user = world.user(rng.below(world.users));
    let admin = world.user(rng.below(world.users));
    let correlation = rng.uuid();
    let me = (user.id.as_str(), user.display_name.as_str(), user.upn.as_str());
    let them = (admin.id.as_str(), admin.display_name.as_str(), admin.upn.as_str());
    // Ids as the service writes them: service, correlation id, a number unique in the flow.
    let n = std::cell::Cell::new(0u32);
    let id = |service: &str| {
        n.set(n.get() + 1);
        format!("{}_{}_{}", service.replace(' ', ""), correlation, n.get())
    };
    let base = |_: &mut Rng, activity, service, success, reason: String, at| Audit {
        id: id(service),
        at,
        activity,
        service,
        category: "UserManagement",
        success,
        reason,
        correlation: &correlation,
        by: me,
        target: Some(me),
    };
    let mut push = |a: Audit<'_>| out.push(a.json());
    match rng.below(100) {
        0..=39 => {
            let method = *rng.pick(REGISTRATION_NAMES);
            let ok = rng.chance(88);
            let reason =
                if ok { format!("User registered {method}.") } else { format!("User failed to register {method}.") };
            push(base(&mut rng, "User registered security info", AUTH_METHODS, ok, reason, at));
        }
        40..=44 => {
            let reason = "User canceled security info registration.".to_string();
            push(base(&mut rng, "User canceled security info registration", AUTH_METHODS, true, reason, at));
        }
        45..=49 => {
            let mut a = base(
                &mut rng,
                "Admin registered security info",
                AUTH_METHODS,
                true,
                "Admin registered temporary access pass method for user".into(),
                at,
            );
            a.by = them;
            push(a);
        }
        50..=69 => {
            // A self-service reset: progress steps, then the outcome (and Core Directory's write).
            let method = *rng.pick(RESET_NAMES);
            let steps = [
                ("User started the password reset process".to_string(), at - 90_000_000),
                (format!("User successfully verified with {method}"), at - 60_000_000),
            ];
            for (reason, t) in steps {
                push(base(&mut rng, "Self-service password reset flow activity progress", SSPR, true, reason, t));
            }
            let ok = rng.chance(85);
            let reason = if ok {
                "Successfully completed reset.".to_string()
            } else {
                "FuzzyPolicyViolationInvalidPassword".to_string()
            };
            push(base(&mut rng, "Reset password (self-service)", SSPR, ok, reason, at));
            if ok {
                let mut a = base(&mut rng, "Reset user password", CORE, true, String::new(), at);
                a.category = "UserManagement";
                push(a);
            }
        }
        70..=74 => {
            let reason = "User is blocked from self-service password reset for too many attempts".to_string();
            push(base(&mut rng, "Blocked from self-service password reset", SSPR, false, reason, at));
        }
        75..=84 => {
            for (activity, service) in [("Reset password (by admin)", SSPR), ("Reset user password", CORE)] {
                let mut a = base(&mut rng, activity, service, true, String::new(), at);
                a.by = them;
                push(a);
            }
        }
        85..=94 => {
            let ok = rng.chance(90);
            let reason = if ok { String::new() } else { "PasswordPolicyViolation".to_string() };
            push(base(&mut rng, "Change password (self-service)", SSPR, ok, reason, at));
        }
        _ => {
            let mut a = base(&mut rng, "Update user", CORE, true, String::new(), at);
            a.by = them;
            a.category = "UserManagement";
            push(a);
        }
    }
}
