//! The same sign-in in the other shapes analysts have: a Log Analytics row and a
//! diagnostic-settings record, made from the Graph record so that every shape holds exactly the
//! same events (the format invariance test depends on it).

use std::collections::BTreeSet;
use std::io::Write;

use serde_json::{Map, Value, json};

/// Log Analytics table and diagnostic category of an event type.
fn table_of(event: &str) -> (&'static str, &'static str) {
    match event {
        "nonInteractiveUser" => ("AADNonInteractiveUserSignInLogs", "NonInteractiveUserSignInLogs"),
        "servicePrincipal" => ("AADServicePrincipalSignInLogs", "ServicePrincipalSignInLogs"),
        "managedIdentity" => ("AADManagedIdentitySignInLogs", "ManagedIdentitySignInLogs"),
        _ => ("SigninLogs", "SignInLogs"),
    }
}

fn pascal(key: &str) -> String {
    let mut c = key.chars();
    c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
}

fn text(v: &Value) -> Value {
    Value::String(v.to_string())
}

/// A Graph sign-in as a row of its Log Analytics table.
pub fn log_analytics(graph: &str, tenant: &str) -> String {
    let g: Map<String, Value> = serde_json::from_str(graph).expect("generated records are JSON objects");
    let event = g["signInEventTypes"][0].as_str().unwrap_or("interactiveUser").to_string();
    let (table, category) = table_of(&event);
    let app_only = matches!(event.as_str(), "servicePrincipal" | "managedIdentity");
    let status = g.get("status").cloned().unwrap_or(Value::Null);
    let mut row = Map::new();
    row.insert("TenantId".into(), json!("0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f"));
    row.insert("SourceSystem".into(), json!("Azure AD"));
    row.insert("TimeGenerated".into(), g["createdDateTime"].clone());
    row.insert("ResourceId".into(), json!(format!("/tenants/{tenant}/providers/Microsoft.aadiam")));
    row.insert("OperationName".into(), json!("Sign-in activity"));
    row.insert("Category".into(), json!(category));
    row.insert("ResultType".into(), json!(status["errorCode"].as_i64().map_or(String::new(), |c| c.to_string())));
    row.insert("ResultDescription".into(), json!(status["failureReason"].as_str().unwrap_or("")));
    row.insert("AADTenantId".into(), json!(tenant));
    for (k, v) in &g {
        let column = match k.as_str() {
            "status" | "signInEventTypes" => continue,
            // Only the user tables have these as columns.
            "createdDateTime" | "isInteractive" | "userId" | "userPrincipalName" | "userDisplayName" if app_only => {
                continue;
            }
            "resourceId" => "ResourceIdentity".to_string(),
            "ipAddress" => "IPAddress".to_string(),
            "location" => "LocationDetails".to_string(),
            "appliedConditionalAccessPolicies" => "ConditionalAccessPolicies".to_string(),
            "riskEventTypes_v2" => "RiskEventTypes_V2".to_string(),
            k => pascal(k),
        };
        // Objects and lists are JSON text except the dynamic columns of SigninLogs.
        let dynamic = table == "SigninLogs"
            && matches!(column.as_str(), "DeviceDetail" | "LocationDetails" | "ConditionalAccessPolicies");
        let value = if (v.is_object() || v.is_array()) && !dynamic { text(v) } else { v.clone() };
        row.insert(column, value);
    }
    match table {
        "SigninLogs" => {
            row.insert("Status".into(), status);
        }
        "AADNonInteractiveUserSignInLogs" => {
            row.insert("Status".into(), text(&status));
            row.insert("SignInEventTypes".into(), text(&json!([event])));
        }
        _ => {}
    }
    row.insert("Type".into(), json!(table));
    Value::Object(row).to_string()
}

/// A Graph sign-in as a diagnostic-settings record: the envelope, and the Graph object in
/// `properties` with its time written `+00:00` as those exports do.
pub fn diagnostic(graph: &str, tenant: &str) -> String {
    let mut g: Map<String, Value> = serde_json::from_str(graph).expect("generated records are JSON objects");
    let event = g["signInEventTypes"][0].as_str().unwrap_or("interactiveUser").to_string();
    let (_, category) = table_of(&event);
    let created = g["createdDateTime"].as_str().unwrap_or_default().to_string();
    if let Some(z) = created.strip_suffix('Z') {
        g.insert("createdDateTime".into(), json!(format!("{z}+00:00")));
    }
    let status = g.get("status").cloned().unwrap_or(Value::Null);
    let code = status["errorCode"].as_i64().unwrap_or_default();
    json!({
        "time": created,
        "resourceId": format!("/tenants/{tenant}/providers/Microsoft.aadiam"),
        "operationName": "Sign-in activity",
        "operationVersion": "1.0",
        "category": category,
        "tenantId": tenant,
        "resultType": code.to_string(),
        "resultSignature": "None",
        "resultDescription": status["failureReason"].clone(),
        "durationMs": 0,
        "callerIpAddress": g.get("ipAddress").cloned().unwrap_or(Value::Null),
        "correlationId": g.get("correlationId").cloned().unwrap_or(Value::Null),
        "identity": g.get("userDisplayName").cloned().unwrap_or(Value::Null),
        "Level": 4,
        "location": "NL",
        "properties": Value::Object(g),
    })
    .to_string()
}

/// `2026-10-30T13:04:05.1234567Z` -> `10/30/2026, 1:04:05.1234567 PM`, as the portal shows it
/// (with the whole fraction).
fn us_locale(iso: &str) -> String {
    let (date, time) = iso.trim_end_matches('Z').split_once('T').expect("ISO time");
    let mut d = date.split('-').map(|x| x.parse::<u32>().expect("digits"));
    let (y, m, day) = (d.next().expect("year"), d.next().expect("month"), d.next().expect("day"));
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let mut t = hms.split(':');
    let h: u32 = t.next().expect("hour").parse().expect("digits");
    let (mi, s) = (t.next().expect("minute"), t.next().expect("second"));
    let (h12, half) = match h {
        0 => (12, "AM"),
        1..=11 => (h, "AM"),
        12 => (12, "PM"),
        _ => (h - 12, "PM"),
    };
    format!("{m}/{day}/{y}, {h12}:{mi}:{s}.{frac} {half}")
}

/// Writes Log Analytics rows as the portal's CSV export. `rows` is called twice: once for the
/// header (the union of the columns), once for the cells, so memory stays flat.
pub fn write_csv<I: Iterator<Item = String>>(rows: impl Fn() -> I, w: &mut dyn Write) -> std::io::Result<()> {
    let mut columns = BTreeSet::new();
    for r in rows() {
        let row: Map<String, Value> = serde_json::from_str(&r).expect("rows are JSON objects");
        for (k, v) in &row {
            match k.as_str() {
                "Status" if v.is_object() => columns.insert("Status_dynamic".to_string()),
                "Status" => columns.insert("Status_string".to_string()),
                _ => columns.insert(k.clone()),
            };
        }
    }
    let columns: Vec<String> = columns.into_iter().collect();
    let header = |c: &String| match c.as_str() {
        "CreatedDateTime" | "TimeGenerated" => format!("{c} [UTC]"),
        _ => c.clone(),
    };
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(w);
    out.write_record(columns.iter().map(header))?;
    for r in rows() {
        let row: Map<String, Value> = serde_json::from_str(&r).expect("rows are JSON objects");
        let cells = columns.iter().map(|c| {
            let value = match c.as_str() {
                "Status_dynamic" => row.get("Status").filter(|v| v.is_object()),
                "Status_string" => row.get("Status").filter(|v| !v.is_object()),
                c => row.get(c),
            };
            match value {
                None | Some(Value::Null) => String::new(),
                Some(Value::Bool(b)) => if *b { "TRUE" } else { "FALSE" }.to_string(),
                Some(Value::String(s)) if c == "CreatedDateTime" || c == "TimeGenerated" => us_locale(s),
                Some(Value::String(s)) => s.clone(),
                Some(v) => v.to_string(),
            }
        });
        out.write_record(cells.collect::<Vec<_>>())?;
    }
    out.flush()
}
