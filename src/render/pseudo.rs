//! Keyed pseudonymisation of every output (`--pseudonymize KEYFILE`): user principal names,
//! user ids, user display names and IP addresses become HMAC-SHA256 tokens (`upn-…`, `user-…`,
//! `name-…`, `ip-…`). The same value under the same key always gives the same token, so two
//! reports can still be joined; without the key a token says nothing (it is not a plain hash
//! that could be looked up). UPNs and ids are compared ignoring case, so their tokens are too.
//!
//! Applied where rows become bytes: JSON by member name (anywhere in a record, also the original
//! sign-in and audit records the drill-down prints, `initiatedBy.user` and User targets), and
//! tables, CSV, XLSX and HTML by column header. The key travels as a value, in the render
//! [`Options`](super::Options) and the HTML page's inputs.

use std::fmt::Write as _;
use std::path::Path;

use hmac::{Hmac, KeyInit, Mac};
use serde_json::Value;
use sha2::Sha256;

use crate::domain::Cell;
use crate::error::{Error, Result};
use crate::report::Rows;

/// What a value is; the token names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Upn,
    UserId,
    Name,
    Ip,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Kind::Upn => "upn",
            Kind::UserId => "user",
            Kind::Name => "name",
            Kind::Ip => "ip",
        }
    }

    /// The kind of a JSON member or column header, ignoring case.
    pub fn of_field(name: &str) -> Option<Kind> {
        match name.to_ascii_lowercase().as_str() {
            "userprincipalname"
            | "signinidentifier"
            | "initiated_by_user"
            | "user"
            | "initiatedbyuser"
            | "userprincipalnamesseen"
            | "targetuserprincipalname" => Some(Kind::Upn),
            "userid" | "user_id" => Some(Kind::UserId),
            "userdisplayname" | "user_display_name" | "targetuserdisplayname" => Some(Kind::Name),
            "ipaddress" | "calleripaddress" | "ipaddressfromresourceprovider" | "ip_address" => Some(Kind::Ip),
            _ => None,
        }
    }
}

/// A key and the tokens it makes.
pub struct Pseudonymizer {
    key: Vec<u8>,
}

/// Bytes of a new key.
pub const KEY_BYTES: usize = 32;

/// A new random key as a key file's text (hex, one line).
pub fn new_key_text() -> Result<String> {
    let mut key = [0u8; KEY_BYTES];
    getrandom::fill(&mut key).map_err(|e| Error::Other(format!("no random numbers from the system: {e}")))?;
    let mut text = String::with_capacity(KEY_BYTES * 2 + 1);
    for b in key {
        let _ = write!(text, "{b:02x}");
    }
    text.push('\n');
    Ok(text)
}

impl Pseudonymizer {
    /// Reads a key file written by `signin-insights keygen` (hex; at least 16 bytes).
    pub fn load(path: &Path) -> Result<Pseudonymizer> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let hex = text.trim();
        let bad =
            || Error::Usage(format!("{}: not a key file (hex, as `signin-insights keygen` writes)", path.display()));
        if hex.len() < 32 || !hex.len().is_multiple_of(2) {
            return Err(bad());
        }
        let key = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
            .collect::<std::result::Result<Vec<u8>, _>>()
            .map_err(|_| bad())?;
        Ok(Pseudonymizer { key })
    }

    pub fn from_key(key: &[u8]) -> Pseudonymizer {
        Pseudonymizer { key: key.to_vec() }
    }

    /// The token of `value` as a `kind`; empty text stays empty.
    pub fn token(&self, kind: Kind, value: &str) -> String {
        let v = value.trim();
        if v.is_empty() {
            return value.to_string();
        }
        let v = match kind {
            Kind::Upn | Kind::UserId => v.to_lowercase(),
            Kind::Name | Kind::Ip => v.to_string(),
        };
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(kind.prefix().as_bytes());
        mac.update(&[0]);
        mac.update(v.as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut out = String::with_capacity(30);
        out.push_str(kind.prefix());
        out.push('-');
        for b in &digest[..12] {
            let _ = write!(out, "{b:02x}");
        }
        out
    }

    /// Replaces the personal members of a JSON document, at any depth. `user_ids` says the
    /// top-level `id` of the objects is a user's object id (`userRegistrationDetails`,
    /// `userEventsSummary`).
    pub fn json(&self, v: &mut Value, user_ids: bool) {
        match v {
            Value::Object(map) => {
                // `initiatedBy.user` and a User target name a user by `id` and `displayName`.
                let is_user = user_ids
                    || map
                        .get("type")
                        .or_else(|| map.get("Type"))
                        .and_then(Value::as_str)
                        .is_some_and(|t| t.eq_ignore_ascii_case("user"));
                for (k, child) in map.iter_mut() {
                    let kind = Kind::of_field(k).or(match k.as_str() {
                        "id" | "Id" if is_user => Some(Kind::UserId),
                        "displayName" | "DisplayName" if is_user => Some(Kind::Name),
                        _ => None,
                    });
                    match (kind, &mut *child) {
                        (Some(kind), Value::String(s)) => *s = self.token(kind, s),
                        (Some(kind), Value::Array(items)) => {
                            for item in items {
                                if let Value::String(s) = item {
                                    *s = self.token(kind, s);
                                }
                            }
                        }
                        (_, Value::Object(inner)) if k == "user" => {
                            let mut obj = Value::Object(std::mem::take(inner));
                            self.json(&mut obj, true);
                            *child = obj;
                        }
                        // JSON text inside a member (Log Analytics `InitiatedBy`, `TargetResources`).
                        (None, Value::String(s)) if s.starts_with(['{', '[']) => {
                            if let Ok(mut inner) = serde_json::from_str::<Value>(s) {
                                self.json(&mut inner, false);
                                *s = inner.to_string();
                            }
                        }
                        (_, child) => self.json(child, false),
                    }
                }
            }
            Value::Array(items) => {
                for item in items {
                    self.json(item, user_ids);
                }
            }
            _ => {}
        }
    }

    /// Replaces the cells of personal columns (by header).
    pub fn cells(&self, headers: &[&str], row: &mut [Cell]) {
        for (h, c) in headers.iter().zip(row.iter_mut()) {
            if let (Some(kind), Cell::Text(Some(t))) = (Kind::of_field(h), &mut *c) {
                *t = self.token(kind, t);
            }
        }
    }
}

/// The cells of `rows`, with the personal columns replaced when there is a key.
pub fn cells(p: Option<&Pseudonymizer>, rows: &dyn Rows) -> Vec<Vec<Cell>> {
    let headers = rows.headers();
    (0..rows.len())
        .map(|i| {
            let mut cells = rows.cells(i);
            if let Some(p) = p {
                p.cells(headers, &mut cells);
            }
            cells
        })
        .collect()
}

/// `v` with its personal members replaced when there is a key.
pub fn json(p: Option<&Pseudonymizer>, mut v: Value, user_ids: bool) -> Value {
    if let Some(p) = p {
        p.json(&mut v, user_ids);
    }
    v
}

/// A text value of `kind`, replaced when there is a key.
pub fn text(p: Option<&Pseudonymizer>, kind: Kind, v: &str) -> String {
    p.map_or_else(|| v.to_string(), |p| p.token(kind, v))
}

/// Whether the top-level `id` of a report's rows is a user's object id.
pub fn ids_are_users(context: &str) -> bool {
    context.ends_with("microsoft.graph.userRegistrationDetails)")
        || context.ends_with("microsoft.graph.userEventsSummary)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_keyed_stable_and_typed() {
        let a = Pseudonymizer::from_key(b"0123456789abcdef");
        let b = Pseudonymizer::from_key(b"fedcba9876543210");
        let t = a.token(Kind::Upn, "Ana@Contoso.example");
        assert!(t.starts_with("upn-") && t.len() == 4 + 24, "{t}");
        assert_eq!(t, a.token(Kind::Upn, "ana@contoso.example "), "UPNs ignore case");
        assert_ne!(t, b.token(Kind::Upn, "ana@contoso.example"), "another key, another token");
        assert_ne!(a.token(Kind::Name, "Ana"), a.token(Kind::Name, "ana"), "names keep case");
        assert_ne!(a.token(Kind::Ip, "10.0.0.1"), a.token(Kind::Name, "10.0.0.1"), "the kind is keyed in");
        assert_eq!(a.token(Kind::Ip, ""), "");
        // The personal members at any depth, in JSON text too; nothing else.
        let mut v: Value = serde_json::json!({
            "id": "s1", "appDisplayName": "Portal", "userPrincipalName": "ana@x", "ipAddress": "10.0.0.1",
            "initiatedBy": {"user": {"id": "u1", "displayName": "Ana", "userPrincipalName": "ana@x"}},
            "targetResources": [{"id": "u2", "type": "User", "displayName": "Bo"}, {"id": "g1", "type": "Group", "displayName": "G"}],
            "InitiatedBy": "{\"user\":{\"id\":\"u1\",\"ipAddress\":\"10.0.0.1\"}}"
        });
        a.json(&mut v, false);
        let s = v.to_string();
        for gone in ["ana@x", "10.0.0.1", "\"u1\"", "\"Ana\"", "\"u2\"", "\"Bo\""] {
            assert!(!s.contains(gone), "{gone} left in {s}");
        }
        for kept in ["\"s1\"", "Portal", "\"g1\"", "\"G\""] {
            assert!(s.contains(kept), "{kept} lost in {s}");
        }
        assert_eq!(v["userPrincipalName"], v["initiatedBy"]["user"]["userPrincipalName"], "joinable");
        let mut row = vec![Cell::text(Some("ana@x")), Cell::Int(Some(3)), Cell::text(Some("Portal"))];
        a.cells(&["userPrincipalName", "n", "appDisplayName"], &mut row);
        assert_eq!(row[0], Cell::Text(Some(a.token(Kind::Upn, "ana@x"))));
        assert_eq!(row[2], Cell::text(Some("Portal")));
    }
}
