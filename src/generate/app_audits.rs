//! Application-management audit events for the consent and sensitive-operation reports: consent
//! grants (admin and user, for all users or one), revoked consents, credentials added to
//! applications and service principals, application permissions and delegated grants, directory
//! role and group memberships (of users and of service principals), federation and domain
//! changes, and look-alikes the reports must leave out (`Add service principal`, `Update
//! application`). A Graph `directoryAudit` page, in the wording the service writes (an en dash
//! and a trailing space in the certificates operation, values as JSON text in
//! `modifiedProperties`), initiated by users or by applications.

use super::{Rng, World, js};
use crate::domain::MICROS_PER_DAY;
use crate::domain::time::format_timestamp_utc;

const APPS: &[(&str, &str)] = &[
    ("sp-expenses", "Contoso Expenses"),
    ("sp-signer", "Doc Signer"),
    ("sp-mailer", "Mailer"),
    ("sp-crm", "CRM Connector"),
];
const SCOPES: &[&str] = &["User.Read", "Mail.Read", "Mail.ReadWrite", "Files.Read", "offline_access", "openid"];
const ROLES: &[&str] = &["Global Administrator", "Application Administrator", "Security Reader"];
const OPERATIONS: &[&str] = &[
    "Consent to application",
    "Revoke consent",
    "Add service principal credentials",
    "Update application \u{2013} Certificates and secrets management ",
    "Add app role assignment to service principal",
    "Add delegated permission grant",
    "Add member to role",
    "Add member to group",
    "Set federation settings on domain",
    "Verify domain",
    "Add service principal",
    "Update application",
];

fn prop(name: &str, old: Option<&str>, new: &str) -> String {
    format!("{{\"displayName\":{},\"oldValue\":{},\"newValue\":{}}}", js(name), old.map_or("null".into(), js), js(new))
}

/// `n` events over `days` days ending at `end_us`, seeded.
pub fn events(world: &World, seed: u64, n: u64, days: u32, end_us: i64) -> Vec<String> {
    let mut rng = Rng::new(seed ^ 0x0A99_A0D1);
    let span = i64::from(days.max(1)) * MICROS_PER_DAY;
    (0..n)
        .map(|k| {
            let at = end_us - 1 - rng.below(span as u64) as i64;
            let op = *rng.pick(OPERATIONS);
            let actor = world.user(rng.below(world.users));
            let by_app = rng.chance(25);
            let initiated = if by_app {
                "{\"app\":{\"appId\":\"app-auto\",\"displayName\":\"Automation\",\"servicePrincipalId\":\"sp-auto\"},\"user\":null}".to_string()
            } else {
                format!(
                    "{{\"user\":{{\"id\":{},\"displayName\":null,\"userPrincipalName\":{},\"ipAddress\":\"203.0.113.9\"}}}}",
                    js(&actor.id),
                    js(&actor.upn)
                )
            };
            let (app_id, app_name) = *rng.pick(APPS);
            let sp = |props: &[String]| {
                format!(
                    "{{\"id\":\"{app_id}\",\"displayName\":{},\"type\":\"ServicePrincipal\",\"modifiedProperties\":[{}]}}",
                    js(app_name),
                    props.join(",")
                )
            };
            let mut scopes: Vec<&str> = SCOPES.iter().copied().filter(|_| rng.chance(40)).collect();
            if scopes.is_empty() {
                scopes.push("User.Read");
            }
            let targets = match op {
                "Consent to application" => {
                    let admin = rng.chance(50);
                    let all = admin && rng.chance(80);
                    let grant = format!(
                        "[] => [[Id: g{k}, ClientId: {app_id}, PrincipalId: , ResourceId: r-graph, ConsentType: {}, Scope: {}, CreatedDateTime: , LastModifiedDateTime: ]]; ",
                        if all { "AllPrincipals" } else { "Principal" },
                        scopes.join(" ")
                    );
                    let cap = |b: bool| if b { "\"True\"" } else { "\"False\"" };
                    sp(&[
                        prop("ConsentContext.IsAdminConsent", None, cap(admin)),
                        prop("ConsentContext.IsAppOnly", None, cap(false)),
                        prop("ConsentContext.OnBehalfOfAll", None, cap(all)),
                        prop("ConsentAction.Permissions", None, &format!("\"{grant}\"")),
                    ])
                }
                "Add service principal credentials" | "Update application \u{2013} Certificates and secrets management " => {
                    let kind = if rng.chance(50) { "AsymmetricX509Cert" } else { "Password" };
                    let old = "[KeyIdentifier=k-old,KeyType=Password,KeyUsage=Verify,DisplayName=old]";
                    let new = format!("[KeyIdentifier=k{k},KeyType={kind},KeyUsage=Verify,DisplayName=added]");
                    let keep_old = rng.chance(50);
                    let old_list = if keep_old { format!("[\"{old}\"]") } else { "[]".into() };
                    let new_list = if keep_old { format!("[\"{old}\",\"{new}\"]") } else { format!("[\"{new}\"]") };
                    sp(&[prop("KeyDescription", Some(&old_list), &new_list)])
                }
                "Add app role assignment to service principal" => format!(
                    "{{\"id\":\"sp-graph\",\"displayName\":\"Microsoft Graph\",\"type\":\"ServicePrincipal\",\"modifiedProperties\":[{}]}},{}",
                    prop("AppRole.Value", None, &format!("\"{}\"", scopes[0])),
                    sp(&[])
                ),
                "Add delegated permission grant" => format!(
                    "{{\"id\":\"sp-graph\",\"displayName\":\"Microsoft Graph\",\"type\":\"ServicePrincipal\",\"modifiedProperties\":[{}]}},{}",
                    prop("DelegatedPermissionGrant.Scope", None, &format!("\"{}\"", scopes.join(" "))),
                    sp(&[])
                ),
                "Add member to role" | "Add member to group" => {
                    let (key, value) = if op == "Add member to role" {
                        ("Role.DisplayName", *rng.pick(ROLES))
                    } else {
                        ("Group.DisplayName", "Sales")
                    };
                    let p = prop(key, None, &format!("\"{value}\""));
                    if rng.chance(50) {
                        sp(&[p])
                    } else {
                        let u = world.user(rng.below(world.users));
                        format!(
                            "{{\"id\":{},\"displayName\":{},\"type\":\"User\",\"userPrincipalName\":{},\"modifiedProperties\":[{p}]}}",
                            js(&u.id),
                            js(&u.display_name),
                            js(&u.upn)
                        )
                    }
                }
                "Set federation settings on domain" | "Verify domain" => {
                    "{\"id\":\"d-1\",\"displayName\":\"contoso.com\",\"type\":\"Other\",\"modifiedProperties\":[]}".to_string()
                }
                _ => sp(&[]),
            };
            format!(
                "{{\"id\":\"AppManagement_{k:06}\",\"category\":\"ApplicationManagement\",\"correlationId\":\"c-app-{k}\",\"result\":\"{}\",\"resultReason\":\"\",\"activityDisplayName\":{},\"activityDateTime\":\"{}\",\"loggedByService\":\"Core Directory\",\"operationType\":\"Assign\",\"initiatedBy\":{initiated},\"targetResources\":[{targets}],\"additionalDetails\":[]}}",
                if rng.chance(95) { "success" } else { "failure" },
                js(op),
                format_timestamp_utc(at),
            )
        })
        .collect()
}
