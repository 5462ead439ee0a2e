//! The naive reference for the authentication methods reports (SPEC 3.9), written apart from
//! the engine: `serde_json::Value` records, chrono times, `BTreeMap`s, and its own method names
//! for the spellings the generator writes (an unknown spelling stays itself).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde_json::{Value, json};

use crate::naive::{Win, all_records, rfc3339};

/// Log spelling -> id, for the spellings of the generator and of Graph's docs.
fn sign_in_method(name: &str) -> String {
    match name {
        "Password" => "password",
        "Windows Hello for Business" => "windowsHelloForBusiness",
        "FIDO2 security key" => "fido2SecurityKey",
        "Passkey (device-bound)" => "passKeyDeviceBound",
        "Passwordless phone sign-in" => "microsoftAuthenticatorPasswordless",
        "Mobile app notification" => "microsoftAuthenticatorPush",
        "Text message" => "sms",
        "OATH verification code" => "oneTimePasscode",
        "Phone call" => "mobilePhone",
        // The email one-time passcode, as the sign-in logs name it (Graph usageAuthMethod `email`).
        "Email verification code" => "email",
        other => other,
    }
    .to_string()
}

/// A successful interactive sign-in's requirement and the methods it used.
pub struct AuthRow {
    pub created_us: i64,
    pub requirement: Option<String>,
    /// `None` without authentication details.
    pub methods: Option<Vec<String>>,
}

/// The successful interactive sign-ins under `dir` (Graph records; first copy of an id wins).
pub fn sign_ins(dir: &Path) -> Vec<AuthRow> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (r, _) in all_records(dir) {
        let Some(id) = r.get("createdDateTime").and(r["id"].as_str()) else { continue };
        if r.get("Type").is_some() || !seen.insert(id.to_string()) {
            continue;
        }
        if r["signInEventTypes"][0].as_str() != Some("interactiveUser") || r["status"]["errorCode"].as_i64() != Some(0)
        {
            continue;
        }
        let steps = r["authenticationDetails"].as_array().cloned().unwrap_or_default();
        let methods = (!steps.is_empty()).then(|| {
            let mut used: Vec<String> = Vec::new();
            for s in steps {
                let m = s["authenticationMethod"].as_str().unwrap_or("").to_string();
                let by_claim =
                    s["authenticationStepResultDetail"].as_str().unwrap_or("").contains("claim in the token");
                if m.is_empty() || m == "Previously satisfied" || s["succeeded"] == json!(false) || by_claim {
                    continue;
                }
                if !used.contains(&m) {
                    used.push(m);
                }
            }
            used
        });
        out.push(AuthRow {
            created_us: rfc3339(r["createdDateTime"].as_str().expect("time")),
            requirement: r["authenticationRequirement"].as_str().map(str::to_string),
            methods,
        });
    }
    out
}

const GRAPH_USAGE_ORDER: [&str; 16] = [
    "password",
    "sms",
    "smsSignIn",
    "mobilePhone",
    "alternateMobilePhone",
    "officePhone",
    "microsoftAuthenticatorPush",
    "oneTimePasscode",
    "microsoftAuthenticatorPasswordless",
    "windowsHelloForBusiness",
    "fido2SecurityKey",
    "temporaryAccessPass",
    "macOsSecureEnclaveKey",
    "passKeyDeviceBound",
    "passKeySynced",
    "externalAuthMethod",
];

pub fn auth_usage(rows: &[AuthRow], w: &Win) -> Value {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.created_us >= w.start && r.created_us < w.end) {
        for m in r.methods.iter().flatten() {
            *counts.entry(sign_in_method(m)).or_default() += 1;
        }
    }
    let mut out: Vec<Value> = GRAPH_USAGE_ORDER
        .iter()
        .map(|m| json!({"authenticationMethod": m, "successActivityCount": counts.remove(*m).unwrap_or(0)}))
        .collect();
    let mut rest: Vec<(String, u64)> = counts.into_iter().collect();
    rest.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    out.extend(rest.into_iter().map(|(m, n)| json!({"authenticationMethod": m, "successActivityCount": n})));
    Value::Array(out)
}

/// Without ids; every day from the window's first to its last.
pub fn mfa(rows: &[AuthRow], w: &Win) -> Vec<Value> {
    let mut days: BTreeMap<i64, (u64, u64, u64)> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.created_us >= w.start && r.created_us < w.end) {
        let d = days.entry(w.day(r.created_us)).or_default();
        d.0 += 1;
        match r.requirement.as_deref() {
            Some("singleFactorAuthentication") => d.1 += 1,
            Some("multiFactorAuthentication") => d.2 += 1,
            _ => {}
        }
    }
    let first = if w.start == i64::MIN { days.keys().next().copied() } else { Some(w.day(w.start)) };
    let Some(first) = first else { return Vec::new() };
    (first..=w.day(w.end - 1))
        .map(|d| {
            let (t, s, m) = days.get(&d).copied().unwrap_or_default();
            json!({"createdDateTime": w.day_ts(d), "totalSignIns": t, "singleFactorSignIns": s, "multiFactorSignIns": m})
        })
        .collect()
}

/// The registration details under `dir`, one per user id (the last copy wins).
pub fn registrations(dir: &Path) -> Vec<Value> {
    let mut by_id = BTreeMap::new();
    for (r, _) in all_records(dir) {
        if r.get("isMfaRegistered").is_some() {
            by_id.insert(r["id"].as_str().expect("id").to_lowercase(), r);
        }
    }
    by_id.into_values().collect()
}

fn included(r: &Value, types: &str, roles: &str) -> bool {
    let t = r["userType"].as_str().unwrap_or("");
    let admin = r["isAdmin"] == json!(true);
    (types == "all" || t == types) && (roles == "all" || (roles == "admin") == admin)
}

pub fn by_feature(regs: &[Value], types: &str, roles: &str) -> Value {
    let users: Vec<&Value> = regs.iter().filter(|r| included(r, types, roles)).collect();
    let count = |flag: &str| users.iter().filter(|r| r[flag] == json!(true)).count();
    json!({
        "totalUserCount": users.len(),
        "userRegistrationFeatureCounts": [
            {"feature": "ssprRegistered", "userCount": count("isSsprRegistered")},
            {"feature": "ssprEnabled", "userCount": count("isSsprEnabled")},
            {"feature": "ssprCapable", "userCount": count("isSsprCapable")},
            {"feature": "passwordlessCapable", "userCount": count("isPasswordlessCapable")},
            {"feature": "mfaCapable", "userCount": count("isMfaCapable")},
        ],
        "userRoles": roles,
        "userTypes": types,
    })
}

pub fn by_method(regs: &[Value], types: &str, roles: &str) -> Value {
    let users: Vec<&Value> = regs.iter().filter(|r| included(r, types, roles)).collect();
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for u in &users {
        let mine: BTreeSet<&str> =
            u["methodsRegistered"].as_array().expect("list").iter().filter_map(Value::as_str).collect();
        for m in mine {
            *counts.entry(m.to_string()).or_default() += 1;
        }
    }
    let mut rows: Vec<(String, u64)> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    json!({
        "totalUserCount": users.len(),
        "userRegistrationMethodCounts": rows.iter().map(|(m, n)| json!({"authenticationMethod": m, "userCount": n})).collect::<Vec<_>>(),
        "userRoles": roles,
        "userTypes": types,
    })
}

/// Method phrase of the generator's reasons -> id.
fn audit_method(reason: &str) -> Option<&'static str> {
    if reason.contains("temporary access pass") {
        return Some("temporaryAccessPass");
    }
    let phrase = ["User registered ", "User failed to register ", "User successfully verified with "]
        .iter()
        .find_map(|p| reason.strip_prefix(p))?
        .trim_end_matches('.');
    Some(match phrase {
        "Authenticator app" => "microsoftAuthenticatorPush",
        "Phone" | "Mobile phone" => "mobilePhone",
        "Email" => "email",
        "Security questions" => "securityQuestion",
        "Alternate phone" => "alternateMobilePhone",
        "Office phone" => "officePhone",
        "FIDO2 security key" => "fido2SecurityKey",
        "Passkey (device-bound)" => "passKeyDeviceBound",
        "App password" => "appPassword",
        "Text message" => "sms",
        other => panic!("the reference does not know {other:?}"),
    })
}

/// A registration or reset event, or a password reset or change.
pub struct AuditEvent {
    pub at: i64,
    pub id: String,
    pub activity: String,
    pub success: bool,
    pub reason: String,
    pub method: Option<&'static str>,
    pub user: (String, String, String),
}

/// The audit events under `dir` these reports read, resets given their flow's method.
pub fn audit_events(dir: &Path) -> Vec<AuditEvent> {
    let mut seen = BTreeSet::new();
    let mut all = Vec::new();
    for (r, _) in all_records(dir) {
        if r.get("activityDisplayName").is_some() && seen.insert(r["id"].as_str().expect("id").to_string()) {
            all.push(r);
        }
    }
    all.sort_by_key(|r| {
        (rfc3339(r["activityDateTime"].as_str().expect("time")), r["id"].as_str().unwrap_or("").to_string())
    });
    let mut flow: HashMap<String, &'static str> = HashMap::new();
    let mut out = Vec::new();
    for r in all {
        let activity = r["activityDisplayName"].as_str().unwrap_or("").to_string();
        let reason = r["resultReason"].as_str().unwrap_or("").to_string();
        let corr = r["correlationId"].as_str().unwrap_or("").to_string();
        let mut method = audit_method(&reason);
        if activity == "Self-service password reset flow activity progress" {
            if let Some(m) = method {
                flow.insert(corr, m);
            }
            continue;
        }
        let counted = [
            "User registered security info",
            "Admin registered security info",
            "User canceled security info registration",
            "Reset password (self-service)",
            "Blocked from self-service password reset",
            "Reset password (by admin)",
            "Change password (self-service)",
        ];
        if !counted.contains(&activity.as_str()) {
            continue;
        }
        let reset = ["Reset password (self-service)", "Blocked from self-service password reset"];
        if method.is_none() && reset.contains(&activity.as_str()) {
            method = flow.get(&corr).copied();
        }
        let t = &r["targetResources"][0];
        let forced_failure = activity.starts_with("User canceled") || activity.starts_with("Blocked");
        out.push(AuditEvent {
            at: rfc3339(r["activityDateTime"].as_str().expect("time")),
            id: r["id"].as_str().expect("id").to_string(),
            success: r["result"] == json!("success") && !forced_failure,
            activity,
            reason,
            method,
            user: (
                t["id"].as_str().unwrap_or("").to_string(),
                t["userPrincipalName"].as_str().unwrap_or("").to_string(),
                t["displayName"].as_str().unwrap_or("").to_string(),
            ),
        });
    }
    out
}

fn feature(activity: &str) -> Option<&'static str> {
    match activity {
        "User registered security info"
        | "Admin registered security info"
        | "User canceled security info registration" => Some("registration"),
        "Reset password (self-service)" | "Blocked from self-service password reset" => Some("reset"),
        _ => None,
    }
}

/// `userEventsSummary`, newest first; `failures_only` filters as `--status failure`.
pub fn user_events(events: &[AuditEvent], w: &Win, failures_only: bool) -> Value {
    let mut rows: Vec<&AuditEvent> = events
        .iter()
        .filter(|e| e.at >= w.start && e.at < w.end && feature(&e.activity).is_some())
        .filter(|e| !failures_only || !e.success)
        .collect();
    rows.sort_by(|a, b| (b.at, &b.id).cmp(&(a.at, &a.id)));
    Value::Array(
        rows.iter()
            .map(|e| {
                json!({
                    "id": e.user.0,
                    "feature": feature(&e.activity),
                    "userPrincipalName": e.user.1,
                    "userDisplayName": e.user.2,
                    "isSuccess": e.success,
                    "authMethod": e.method.unwrap_or("unknownFutureValue"),
                    "failureReason": if e.success { "" } else { e.reason.as_str() },
                    "eventDateTime": w.ts(e.at),
                })
            })
            .collect(),
    )
}

/// `userRegistrationActivity`, without ids.
pub fn registration_activity(events: &[AuditEvent], w: &Win) -> Vec<Value> {
    let registration = [
        "windowsHelloForBusiness",
        "microsoftAuthenticatorPush",
        "email",
        "mobilePhone",
        "officePhone",
        "alternateMobilePhone",
        "securityQuestion",
        "softwareOneTimePasscode",
        "hardwareOneTimePasscode",
        "fido2SecurityKey",
        "temporaryAccessPass",
        "microsoftAuthenticatorPasswordless",
        "macOsSecureEnclaveKey",
        "passKeyDeviceBound",
        "passKeyDeviceBoundAuthenticator",
        "passKeyDeviceBoundWindowsHello",
        "externalAuthMethod",
    ];
    let reset = [
        "email",
        "mobilePhone",
        "officePhone",
        "alternateMobilePhone",
        "securityQuestion",
        "microsoftAuthenticatorPush",
        "sms",
        "oneTimePasscode",
    ];
    let mut counts: BTreeMap<(&str, &str), (u64, u64)> = BTreeMap::new();
    for e in events.iter().filter(|e| e.at >= w.start && e.at < w.end) {
        let Some(f) = feature(&e.activity) else { continue };
        let c = counts.entry((f, e.method.unwrap_or("unknownFutureValue"))).or_default();
        if e.success { c.0 += 1 } else { c.1 += 1 }
    }
    let mut out = Vec::new();
    for (f, listed) in [("registration", &registration[..]), ("reset", &reset[..])] {
        let mut methods: Vec<&str> = listed.to_vec();
        let mut extra: Vec<&str> =
            counts.keys().filter(|(cf, m)| *cf == f && !listed.contains(m)).map(|(_, m)| *m).collect();
        extra.sort();
        methods.extend(extra);
        for m in methods {
            let (ok, bad) = counts.get(&(f, m)).copied().unwrap_or_default();
            out.push(
                json!({"feature": f, "successfulActivityCount": ok, "failureActivityCount": bad, "authMethod": m}),
            );
        }
    }
    out
}

/// `userPasswordResetsAndChangesSummary`, without ids.
pub fn password_resets(events: &[AuditEvent], w: &Win) -> Vec<Value> {
    let mut days: BTreeMap<i64, [u64; 3]> = BTreeMap::new();
    for e in events.iter().filter(|e| e.success && e.at >= w.start && e.at < w.end) {
        let slot = match e.activity.as_str() {
            "Reset password (by admin)" => 0,
            "Reset password (self-service)" => 1,
            "Change password (self-service)" => 2,
            _ => continue,
        };
        days.entry(w.day(e.at)).or_default()[slot] += 1;
    }
    let first = if w.start == i64::MIN { events.iter().map(|e| w.day(e.at)).min() } else { Some(w.day(w.start)) };
    let Some(first) = first else { return Vec::new() };
    (first..=w.day(w.end - 1))
        .map(|d| {
            let [a, s, c] = days.get(&d).copied().unwrap_or_default();
            json!({
                "aggregatedDateTime": w.day_ts(d),
                "passwordResetsByAdminCount": a,
                "passwordResetsSelfServiceCount": s,
                "changePasswordSelfServiceCount": c,
            })
        })
        .collect()
}
