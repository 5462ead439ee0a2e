//! The dimensions of a breakdown (SPEC 6.1), the values of a group's key, and the filters.

use std::cmp::Ordering;

use arrow_array::{Array, RecordBatch};

use crate::domain::Outcome;
use crate::error::{Error, Result};
use crate::normalize::Steps;
use crate::scan::Columns;
use crate::store::schema::*;

/// A dimension of SPEC 6.1 (and the policy list, which only `ca-policies` groups by).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dim {
    App,
    Resource,
    User,
    ClientApp,
    Protocol,
    TokenType,
    Country,
    City,
    Ip,
    Os,
    Browser,
    TrustType,
    Compliant,
    Managed,
    CaStatus,
    Risk,
    RiskState,
    AuthRequirement,
    UserType,
    CrossTenant,
    HomeTenant,
    ResourceTenant,
    ErrorCode,
    Outcome,
    EventType,
    Day,
    Hour,
    /// Each policy of `appliedConditionalAccessPolicies`: a sign-in counts once for each.
    Policy,
    /// Each method the sign-in prompted for (`authenticationDetails` steps, SPEC 6.5): a
    /// sign-in counts once for each, with its prompts of that method.
    Method,
}

impl Dim {
    /// The dimensions `--by` accepts, in the SPEC's order.
    pub const ALL: [Dim; 27] = [
        Dim::App,
        Dim::Resource,
        Dim::User,
        Dim::ClientApp,
        Dim::Protocol,
        Dim::TokenType,
        Dim::Country,
        Dim::City,
        Dim::Ip,
        Dim::Os,
        Dim::Browser,
        Dim::TrustType,
        Dim::Compliant,
        Dim::Managed,
        Dim::CaStatus,
        Dim::Risk,
        Dim::RiskState,
        Dim::AuthRequirement,
        Dim::UserType,
        Dim::CrossTenant,
        Dim::HomeTenant,
        Dim::ResourceTenant,
        Dim::ErrorCode,
        Dim::Outcome,
        Dim::EventType,
        Dim::Day,
        Dim::Hour,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Dim::App => "app",
            Dim::Resource => "resource",
            Dim::User => "user",
            Dim::ClientApp => "client-app",
            Dim::Protocol => "protocol",
            Dim::TokenType => "token-type",
            Dim::Country => "country",
            Dim::City => "city",
            Dim::Ip => "ip",
            Dim::Os => "os",
            Dim::Browser => "browser",
            Dim::TrustType => "trust-type",
            Dim::Compliant => "compliant",
            Dim::Managed => "managed",
            Dim::CaStatus => "ca-status",
            Dim::Risk => "risk",
            Dim::RiskState => "risk-state",
            Dim::AuthRequirement => "auth-requirement",
            Dim::UserType => "user-type",
            Dim::CrossTenant => "cross-tenant",
            Dim::HomeTenant => "home-tenant",
            Dim::ResourceTenant => "resource-tenant",
            Dim::ErrorCode => "error-code",
            Dim::Outcome => "outcome",
            Dim::EventType => "event-type",
            Dim::Day => "day",
            Dim::Hour => "hour",
            Dim::Policy => "policy",
            Dim::Method => "method",
        }
    }

    /// The JSON members of its value, named after the Graph fields: the key's, then the
    /// display name's where the key is an id.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Dim::App => &["appId", "appDisplayName"],
            Dim::Resource => &["resourceId", "resourceDisplayName"],
            Dim::User => &["userPrincipalName", "userDisplayName"],
            Dim::ClientApp => &["clientAppUsed"],
            Dim::Protocol => &["authenticationProtocol"],
            Dim::TokenType => &["incomingTokenType"],
            Dim::Country => &["countryOrRegion"],
            Dim::City => &["countryOrRegion", "state", "city"],
            Dim::Ip => &["ipAddress"],
            Dim::Os => &["operatingSystem"],
            Dim::Browser => &["browser"],
            Dim::TrustType => &["trustType"],
            Dim::Compliant => &["isCompliant"],
            Dim::Managed => &["isManaged"],
            Dim::CaStatus => &["conditionalAccessStatus"],
            Dim::Risk => &["riskLevelDuringSignIn"],
            Dim::RiskState => &["riskState"],
            Dim::AuthRequirement => &["authenticationRequirement"],
            Dim::UserType => &["userType"],
            Dim::CrossTenant => &["crossTenantAccessType"],
            Dim::HomeTenant => &["homeTenantId"],
            Dim::ResourceTenant => &["resourceTenantId"],
            Dim::ErrorCode => &["errorCode"],
            Dim::Outcome => &["outcome"],
            Dim::EventType => &["signInEventType"],
            Dim::Day => &["date"],
            Dim::Hour => &["hour"],
            Dim::Policy => &["policyId", "policyDisplayName"],
            Dim::Method => &["authenticationMethod"],
        }
    }

    /// How many of [`fields`](Self::fields) are the key (the rest are display names).
    pub fn key_len(self) -> usize {
        match self {
            Dim::City => 3,
            _ => 1,
        }
    }

    /// The display name gathered for the key, if any: its column.
    pub(super) fn name_column(self) -> Option<&'static str> {
        match self {
            Dim::App => Some(APP_DISPLAY_NAME),
            Dim::Resource => Some(RESOURCE_DISPLAY_NAME),
            Dim::User => Some(USER_DISPLAY_NAME),
            _ => None,
        }
    }

    /// The dictionary column holding the dimension, for those that are one.
    pub(super) fn dict_column(self) -> Option<&'static str> {
        Some(match self {
            Dim::App => APP_ID,
            Dim::Resource => RESOURCE_ID,
            Dim::ClientApp => CLIENT_APP_USED,
            Dim::Protocol => AUTHENTICATION_PROTOCOL,
            Dim::TokenType => INCOMING_TOKEN_TYPE,
            Dim::Country => COUNTRY,
            Dim::Os => OPERATING_SYSTEM,
            Dim::Browser => BROWSER,
            Dim::TrustType => TRUST_TYPE,
            Dim::CaStatus => CONDITIONAL_ACCESS_STATUS,
            Dim::Risk => RISK_LEVEL,
            Dim::RiskState => RISK_STATE,
            Dim::AuthRequirement => AUTHENTICATION_REQUIREMENT,
            Dim::UserType => USER_TYPE,
            Dim::CrossTenant => CROSS_TENANT_ACCESS_TYPE,
            Dim::HomeTenant => HOME_TENANT_ID,
            Dim::ResourceTenant => RESOURCE_TENANT_ID,
            _ => return None,
        })
    }

    pub(super) fn columns(self) -> Vec<&'static str> {
        let mut c: Vec<&'static str> = self.dict_column().into_iter().chain(self.name_column()).collect();
        c.extend(match self {
            Dim::User => &[USER_PRINCIPAL_NAME, USER_ID][..],
            Dim::City => &[COUNTRY, STATE, CITY],
            Dim::Ip => &[IP_ADDRESS],
            Dim::Compliant => &[IS_COMPLIANT],
            Dim::Managed => &[IS_MANAGED],
            Dim::ErrorCode | Dim::Outcome => &[ERROR_CODE],
            Dim::Policy => &[CA_POLICIES],
            Dim::Method => &[AUTH_STEPS],
            _ => &[],
        });
        c
    }

    pub fn parse(s: &str) -> Option<Dim> {
        Dim::ALL.into_iter().find(|d| d.name().eq_ignore_ascii_case(s.trim()))
    }

    /// Whether a sign-in counts once per entry of a stored list (policy, method) rather than
    /// once.
    pub fn is_list(self) -> bool {
        matches!(self, Dim::Policy | Dim::Method)
    }

    /// A `--by` list: names separated by commas, each once.
    pub fn parse_list(s: &str) -> Result<Vec<Dim>> {
        Dim::parse_list_with(s, &[])
    }

    /// A `--by` list that may also name the list dimensions in `extra` (`auth-prompts --by
    /// method`); one of them at most.
    pub fn parse_list_with(s: &str, extra: &[Dim]) -> Result<Vec<Dim>> {
        let names = || {
            let mut n = dim_names();
            for d in extra {
                n.push_str(", ");
                n.push_str(d.name());
            }
            n
        };
        let mut dims: Vec<Dim> = Vec::new();
        for name in s.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let d = Dim::parse(name)
                .or_else(|| extra.iter().copied().find(|d| d.name().eq_ignore_ascii_case(name)))
                .ok_or_else(|| Error::Usage(format!("--by: unknown dimension {name:?}; one of: {}", names())))?;
            if dims.contains(&d) {
                return Err(Error::Usage(format!("--by: {name} given twice")));
            }
            dims.push(d);
        }
        if dims.is_empty() {
            return Err(Error::Usage(format!("--by needs one or more of: {}", names())));
        }
        Ok(dims)
    }
}

pub(super) fn dim_names() -> String {
    Dim::ALL.iter().map(|d| d.name()).collect::<Vec<_>>().join(", ")
}

/// A value of a key: nulls sort last, text by code points.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Val {
    Text(Box<str>),
    Int(i64),
    Bool(bool),
    Null,
}

impl Val {
    pub(super) fn text(s: Option<&str>) -> Val {
        s.map_or(Val::Null, |s| Val::Text(s.into()))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Text(s) => Some(s),
            _ => None,
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Val::Bool(_) => 0,
            Val::Int(_) => 1,
            Val::Text(_) => 2,
            Val::Null => 3,
        }
    }
}

impl Ord for Val {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Val::Text(a), Val::Text(b)) => a.cmp(b),
            (Val::Int(a), Val::Int(b)) => a.cmp(b),
            (Val::Bool(a), Val::Bool(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for Val {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The filters of SPEC 6.1; they combine.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// appIds, ignoring case.
    pub app: Option<Vec<String>>,
    /// UPN (ignoring case) or user id.
    pub user: Option<String>,
    /// `clientAppUsed`, ignoring case (`Unknown` is an empty one).
    pub client_app: Option<String>,
    /// `countryOrRegion`, ignoring case.
    pub country: Option<String>,
    pub ip: Option<String>,
    pub outcome: Option<Outcome>,
    pub error_code: Option<i32>,
    /// Only legacy clients: `clientAppUsed` neither `Browser` nor `Mobile Apps and Desktop
    /// clients` (SPEC 6.2).
    pub legacy_only: bool,
    /// Leave out cross-tenant sign-ins: home and resource tenant both known and different.
    pub same_tenant_only: bool,
    /// Only risky sign-ins: `riskLevelDuringSignIn` low, medium or high, or a `riskState`
    /// other than none (SPEC 6.5).
    pub risky_only: bool,
    /// Only sign-ins with at least one [prompt](is_prompt).
    pub prompted_only: bool,
    /// Leave out the directory synchronization account (its display name), as the prompts
    /// workbook does.
    pub no_sync_account: bool,
}

impl Filter {
    pub(super) fn columns(&self) -> Vec<&'static str> {
        let mut c = Vec::new();
        if self.app.is_some() {
            c.push(APP_ID);
        }
        if self.user.is_some() {
            c.extend([USER_PRINCIPAL_NAME, USER_ID]);
        }
        if self.client_app.is_some() || self.legacy_only {
            c.push(CLIENT_APP_USED);
        }
        if self.country.is_some() {
            c.push(COUNTRY);
        }
        if self.ip.is_some() {
            c.push(IP_ADDRESS);
        }
        if self.same_tenant_only {
            c.extend([HOME_TENANT_ID, RESOURCE_TENANT_ID]);
        }
        if self.risky_only {
            c.extend([RISK_LEVEL, RISK_STATE]);
        }
        if self.prompted_only {
            c.push(AUTH_STEPS);
        }
        if self.no_sync_account {
            c.push(USER_DISPLAY_NAME);
        }
        c
    }

    pub(super) fn is_empty(&self) -> bool {
        self.app.is_none()
            && self.user.is_none()
            && self.client_app.is_none()
            && self.country.is_none()
            && self.ip.is_none()
            && self.outcome.is_none()
            && self.error_code.is_none()
            && !self.legacy_only
            && !self.same_tenant_only
            && !self.risky_only
            && !self.prompted_only
            && !self.no_sync_account
    }

    /// Which rows of `batch` pass.
    pub(super) fn keep(&self, batch: &RecordBatch) -> Vec<bool> {
        let n = batch.num_rows();
        let c = Columns(batch);
        let mut keep = vec![true; n];
        let mut by_dict = |col: &str, ok: &dyn Fn(Option<&str>) -> bool| {
            let d = c.dict(col);
            let pass: Vec<bool> =
                (0..d.values.len()).map(|k| d.values.is_valid(k) && ok(Some(d.values.value(k)))).collect();
            let null_pass = ok(None);
            for (i, kept) in keep.iter_mut().enumerate() {
                *kept &= d.key(i).map_or(null_pass, |k| pass[k]);
            }
        };
        if let Some(app) = &self.app {
            by_dict(APP_ID, &|v| v.is_some_and(|v| crate::report::is_one_of(v, app)));
        }
        if let Some(want) = &self.client_app {
            by_dict(CLIENT_APP_USED, &|v| client_app_name(v).eq_ignore_ascii_case(want.trim()));
        }
        if self.legacy_only {
            by_dict(CLIENT_APP_USED, &|v| is_legacy(v));
        }
        if let Some(country) = &self.country {
            by_dict(COUNTRY, &|v| v.is_some_and(|v| v.eq_ignore_ascii_case(country.trim())));
        }
        if self.prompted_only {
            by_dict(AUTH_STEPS, &|v| v.is_some_and(|v| Steps::decode(v).any(|(m, _)| is_prompt(m))));
        }
        if let Some(ip) = &self.ip {
            let ips = c.text(IP_ADDRESS);
            for (i, kept) in keep.iter_mut().enumerate() {
                *kept &= ips.is_valid(i) && ips.value(i) == ip.trim();
            }
        }
        if let Some(user) = &self.user {
            let (upns, ids) = (c.text(USER_PRINCIPAL_NAME), c.text(USER_ID));
            let user = user.trim();
            for (i, kept) in keep.iter_mut().enumerate() {
                *kept &= (upns.is_valid(i) && upns.value(i).trim().eq_ignore_ascii_case(user))
                    || (ids.is_valid(i) && ids.value(i).eq_ignore_ascii_case(user));
            }
        }
        if self.outcome.is_some() || self.error_code.is_some() {
            let codes = c.ints(ERROR_CODE);
            for (i, kept) in keep.iter_mut().enumerate() {
                let code = codes.is_valid(i).then(|| codes.value(i));
                *kept &= self.outcome.is_none_or(|o| Outcome::of(code) == o);
                *kept &= self.error_code.is_none_or(|e| code == Some(e));
            }
        }
        if self.same_tenant_only {
            let (home, res) = (c.dict(HOME_TENANT_ID), c.dict(RESOURCE_TENANT_ID));
            for (i, kept) in keep.iter_mut().enumerate() {
                if let (Some(h), Some(r)) = (home.get(i), res.get(i)) {
                    *kept &= h.eq_ignore_ascii_case(r);
                }
            }
        }
        if self.risky_only {
            let (level, state) = (c.dict(RISK_LEVEL), c.dict(RISK_STATE));
            for (i, kept) in keep.iter_mut().enumerate() {
                *kept &= is_risky(level.get(i), state.get(i));
            }
        }
        if self.no_sync_account {
            let names = c.text(USER_DISPLAY_NAME);
            for (i, kept) in keep.iter_mut().enumerate() {
                *kept &= !(names.is_valid(i) && names.value(i).trim().eq_ignore_ascii_case(SYNC_ACCOUNT));
            }
        }
        keep
    }
}

/// The display name of the directory synchronization account.
pub const SYNC_ACCOUNT: &str = "On-Premises Directory Synchronization Service Account";

/// A prompt (SPEC 6.5): an `authenticationDetails` step whose method is not empty and not
/// "Previously satisfied".
pub fn is_prompt(method: &str) -> bool {
    let m = method.trim();
    !m.is_empty() && !m.eq_ignore_ascii_case("Previously satisfied")
}

/// A risky sign-in (SPEC 6.5): risk level low, medium or high, or a risk state other than none.
pub fn is_risky(level: Option<&str>, state: Option<&str>) -> bool {
    let level = level.map(str::trim).unwrap_or("");
    let state = state.map(str::trim).unwrap_or("");
    ["low", "medium", "high"].iter().any(|l| level.eq_ignore_ascii_case(l))
        || !(state.is_empty() || state.eq_ignore_ascii_case("none"))
}

/// A second split of a group's sign-ins, kept per group in its buckets (sign-ins and users).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    /// `authenticationRequirement`: single-factor, multi-factor, other or none.
    Requirement,
    /// `riskLevelDuringSignIn`: high, medium, low, other or none.
    RiskLevel,
}

impl Split {
    pub(super) fn column(self) -> &'static str {
        match self {
            Split::Requirement => AUTHENTICATION_REQUIREMENT,
            Split::RiskLevel => RISK_LEVEL,
        }
    }

    /// The bucket of a value.
    pub fn bucket(self, v: Option<&str>) -> usize {
        let v = v.map(str::trim).unwrap_or("");
        let order: &[&str] = match self {
            Split::Requirement => &["singleFactorAuthentication", "multiFactorAuthentication"],
            Split::RiskLevel => &["high", "medium", "low"],
        };
        order.iter().position(|o| v.eq_ignore_ascii_case(o)).unwrap_or(3)
    }
}

/// `clientAppUsed` as the reports show it: empty or missing is `Unknown` (SPEC 6.1).
pub fn client_app_name(v: Option<&str>) -> &str {
    match v.map(str::trim) {
        Some(s) if !s.is_empty() => s,
        _ => "Unknown",
    }
}

/// A legacy authentication client (SPEC 6.2): neither a browser nor a modern-auth client;
/// an unknown client counts as legacy.
pub fn is_legacy(client_app: Option<&str>) -> bool {
    let c = client_app_name(client_app);
    !(c.eq_ignore_ascii_case("Browser") || c.eq_ignore_ascii_case("Mobile Apps and Desktop clients"))
}

/// The result buckets of a policy (SPEC 6.4), in the order of the output's members.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bucket {
    Success,
    Failure,
    UserActionRequired,
    NotApplied,
}

impl Bucket {
    pub fn of(result: &str) -> Bucket {
        match result.trim() {
            r if r.eq_ignore_ascii_case("success") || r.eq_ignore_ascii_case("reportOnlySuccess") => Bucket::Success,
            r if r.eq_ignore_ascii_case("failure") || r.eq_ignore_ascii_case("reportOnlyFailure") => Bucket::Failure,
            r if r.eq_ignore_ascii_case("reportOnlyInterrupted") => Bucket::UserActionRequired,
            _ => Bucket::NotApplied,
        }
    }
}
