//! The naive reference of `report consents` and `report sensitive-operations` (SPEC 6.5): each
//! Graph audit record of the input read as a `serde_json::Value`, the operations listed again by
//! hand, written from the reports' documented rules, not from their code.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use serde_json::{Value, json};

use crate::naive::{Win, all_records, rfc3339};

pub struct Rec {
    id: String,
    t: i64,
    r: Value,
}

/// Every distinct audit record under `dir`.
pub fn load(dir: &Path) -> Vec<Rec> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for (r, _) in all_records(dir) {
        let (Some(id), Some(at)) = (r["id"].as_str(), r["activityDateTime"].as_str()) else { continue };
        if r.get("activityDisplayName").is_none() || !seen.insert(id.to_string()) {
            continue;
        }
        out.push(Rec { id: id.to_string(), t: rfc3339(at), r });
    }
    // Newest first.
    out.sort_by(|a, b| (b.t, &b.id).cmp(&(a.t, &a.id)));
    out
}

fn name(r: &Rec) -> String {
    let raw = r.r["activityDisplayName"].as_str().unwrap_or("");
    let dashes: String = raw.chars().map(|c| if c == '–' || c == '—' { '-' } else { c }).collect();
    dashes.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

fn targets(r: &Rec) -> Vec<Value> {
    r.r["targetResources"].as_array().cloned().unwrap_or_default()
}

/// The new value of the first modified property called `prop`, without its JSON quotes.
fn new_value(r: &Rec, prop: &str) -> Option<String> {
    for t in targets(r) {
        for p in t["modifiedProperties"].as_array().into_iter().flatten() {
            if p["displayName"].as_str().is_some_and(|d| d.eq_ignore_ascii_case(prop)) {
                let v = p["newValue"].as_str()?;
                return Some(match serde_json::from_str::<Value>(v) {
                    Ok(Value::String(s)) => s.trim().to_string(),
                    _ => v.trim().to_string(),
                });
            }
        }
    }
    None
}

fn scopes(v: &str) -> Vec<String> {
    let after = match v.rfind("=>") {
        Some(i) => &v[i + 2..],
        None => v,
    };
    let mut out: Vec<String> = Vec::new();
    for part in after.split("Scope:").skip(1) {
        let end = part.find([',', ']']).unwrap_or(part.len());
        for s in part[..end].split_whitespace() {
            if !out.contains(&s.to_string()) {
                out.push(s.to_string());
            }
        }
    }
    out
}

fn in_window<'a>(recs: &'a [Rec], w: &Win) -> impl Iterator<Item = &'a Rec> {
    recs.iter().filter(move |r| r.t >= w.start && r.t < w.end)
}

/// `report consents`.
pub fn consents(recs: &[Rec], w: &Win) -> Vec<Value> {
    in_window(recs, w)
        .filter(|r| name(r) == "consent to application")
        .map(|r| {
            let ts = targets(r);
            let app = ts.iter().find(|t| t["type"] == "ServicePrincipal").or(ts.first()).cloned().unwrap_or(Value::Null);
            let yes = |p: &str| new_value(r, p).is_some_and(|v| v.eq_ignore_ascii_case("true"));
            let s = new_value(r, "ConsentAction.Permissions").map(|p| scopes(&p)).unwrap_or_default();
            json!({
                "activityDateTime": w.ts(r.t), "result": text(&r.r["result"]), "appDisplayName": text(&app["displayName"]),
                "servicePrincipalId": text(&app["id"]),
                "consentType": if yes("ConsentContext.IsAdminConsent") { "admin" } else { "user" },
                "onBehalfOfAll": yes("ConsentContext.OnBehalfOfAll"),
                "permissions": if s.is_empty() { Value::Null } else { json!(s.join(" ")) },
                "initiatedByUser": text(&r.r["initiatedBy"]["user"]["userPrincipalName"]),
                "initiatedByApp": text(&r.r["initiatedBy"]["app"]["displayName"]),
                "correlationId": text(&r.r["correlationId"]), "id": r.id,
            })
        })
        .collect()
}

/// The key ids and types of a `KeyDescription` value.
fn keys(v: Option<&str>) -> Vec<(String, String)> {
    let v = v.unwrap_or("");
    v.split("KeyIdentifier=")
        .skip(1)
        .map(|k| {
            let id = k.split([',', ']']).next().unwrap_or("").trim().to_string();
            let kind = k.split("KeyType=").nth(1).and_then(|t| t.split([',', ']']).next()).unwrap_or("");
            (id, kind.trim().to_string())
        })
        .collect()
}

/// `report sensitive-operations`.
pub fn sensitive(recs: &[Rec], w: &Win) -> Vec<Value> {
    let kinds: [(&str, &[&str]); 4] = [
        (
            "credentials",
            &[
                "add service principal credentials",
                "update application - certificates and secrets management",
                "update service principal - certificates and secrets management",
            ],
        ),
        (
            "permissions",
            &[
                "add app role assignment to service principal",
                "add delegated permission grant",
                "consent to application",
            ],
        ),
        (
            "roles",
            &["add member to role", "add eligible member to role", "add scoped member to role", "add member to group"],
        ),
        (
            "federation",
            &[
                "set domain authentication",
                "set federation settings on domain",
                "add unverified domain",
                "add verified domain",
                "verify domain",
            ],
        ),
    ];
    let mut out = Vec::new();
    for r in in_window(recs, w) {
        let n = name(r);
        let Some((kind, _)) = kinds.iter().find(|(_, ops)| ops.contains(&n.as_str())) else { continue };
        let ts = targets(r);
        let first = ts.first().cloned().unwrap_or(Value::Null);
        let ty = text(&first["type"]);
        let user = ty.as_deref() == Some("User");
        if n == "add member to group" && ty.as_deref() != Some("ServicePrincipal") {
            continue;
        }
        let detail = match *kind {
            "credentials" => {
                let mut added = BTreeSet::new();
                for t in &ts {
                    for p in t["modifiedProperties"].as_array().into_iter().flatten() {
                        let old: Vec<String> = keys(p["oldValue"].as_str()).into_iter().map(|k| k.0).collect();
                        for (id, kind) in keys(p["newValue"].as_str()) {
                            if !old.contains(&id) {
                                added.insert(kind);
                            }
                        }
                    }
                }
                Some(if added.is_empty() {
                    "Other/not logged".to_string()
                } else {
                    added.into_iter().collect::<Vec<_>>().join(", ")
                })
            }
            "roles" => new_value(r, "Role.DisplayName").or_else(|| new_value(r, "Group.DisplayName")),
            "permissions" => new_value(r, "AppRole.Value")
                .or_else(|| new_value(r, "DelegatedPermissionGrant.Scope"))
                .or_else(|| new_value(r, "ConsentAction.Permissions").map(|p| scopes(&p).join(" ")))
                .filter(|s| !s.is_empty()),
            _ => text(&first["displayName"]),
        };
        out.push(json!({
            "activityDateTime": w.ts(r.t), "kind": kind,
            "activityDisplayName": r.r["activityDisplayName"].as_str().unwrap().trim(),
            "result": text(&r.r["result"]),
            "initiatedByUser": text(&r.r["initiatedBy"]["user"]["userPrincipalName"]),
            "initiatedByApp": text(&r.r["initiatedBy"]["app"]["displayName"]),
            "targetDisplayName": if user { Value::Null } else { json!(text(&first["displayName"])) },
            "targetUserPrincipalName": if user { json!(text(&first["userPrincipalName"])) } else { Value::Null },
            "targetUserDisplayName": if user { json!(text(&first["displayName"])) } else { Value::Null },
            "targetType": ty, "detail": detail, "correlationId": text(&r.r["correlationId"]), "id": r.id,
        }));
    }
    out
}
