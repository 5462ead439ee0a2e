//! `report cross-tenant` (SPEC 6.5, the "Cross-tenant access activity" workbook): sign-ins across
//! the tenant boundary, inbound (users of other tenants into ours) and outbound (our users into
//! other tenants), per external tenant and `crossTenantAccessType`. And which tenant is "ours".

use std::collections::BTreeMap;

use serde::Serialize;

use super::super::Tabular;
use super::super::breakdown::{self, Dim, Filter, Group, Spec, Val, key_at, regroup};
use super::super::catalog::{Answer, Caption, Opt, Report};
use crate::domain::{Cell, EventType, Outcome, Timestamp, Zone};
use crate::store::SIGNINS;

pub const TYPE_NAME: &str = "crossTenantSignInSummary";

pub const REPORT: Report = Report {
    name: "cross-tenant",
    graph_name: None,
    about: "Sign-ins across the tenant boundary: inbound (other tenants' users) and outbound (ours), per tenant.",
    title: "Cross-tenant sign-ins",
    table: SIGNINS,
    event_types: &[EventType::InteractiveUser],
    options: &[Opt::Tenant, Opt::Top, Opt::EventTypes, Opt::AppFilter, Opt::UserFilter],
    run: |q| {
        let filter =
            Filter { app: q.options.filter.app.clone(), user: q.options.filter.user.clone(), ..Filter::default() };
        let dims = vec![Dim::HomeTenant, Dim::ResourceTenant, Dim::CrossTenant];
        let spec = Spec { dims, filter, apps: true, ..Spec::default() };
        let groups = breakdown::run(q.store, q.manifest, &q.request, REPORT.event_types, &spec)?;
        let (local, how) = match &q.options.tenant {
            Some(t) => (Some(t.trim().to_ascii_lowercase()), "given with --tenant"),
            None => (local_tenant(&groups, 0, 1), "the tenant every sign-in names as its home or resource tenant"),
        };
        let Some(local) = local else {
            let caption = "; no sign-in names a home or resource tenant (homeTenantId, resourceTenantId), so \
                           none can be placed inside or outside the tenant"
                .to_string();
            return Ok(Answer::rows(TYPE_NAME, Vec::<CrossTenant>::new()).with_caption(Caption::WindowAnd(caption)));
        };
        let (rows, totals) = rows(groups, &local, q.request.zone());
        let caption = format!(
            "; our tenant {local} ({how}); inbound: a user from another tenant (homeTenantId), outbound: our user \
             into another tenant's resource (resourceTenantId); {} inbound, {} outbound, {} within the tenant",
            totals.inbound, totals.outbound, totals.within_tenant
        );
        Ok(Answer::rows(TYPE_NAME, rows).with_caption(Caption::WindowAnd(caption)).with_totals(&totals))
    },
};

/// The tenant whose logs these are, from groups keyed by home tenant (at `home`) and resource
/// tenant (at `resource`): every sign-in of a tenant's export names it as one or the other, so
/// it is the tenant named by the most sign-ins; ties go to the tenant that is the resource of
/// more, then to the smaller id. `None` when no sign-in names a tenant.
pub fn local_tenant(groups: &[Group], home: usize, resource: usize) -> Option<String> {
    let mut score: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for g in groups {
        let n = g.state.sign_ins();
        let h = g.key[home].as_str().map(str::to_ascii_lowercase);
        let r = g.key[resource].as_str().map(str::to_ascii_lowercase);
        if let Some(h) = &h {
            score.entry(h.clone()).or_default().0 += n;
        }
        if let Some(r) = &r {
            let s = score.entry(r.clone()).or_default();
            s.1 += n;
            if h.as_ref() != Some(r) {
                s.0 += n;
            }
        }
    }
    // The largest score; among equals, the first (smallest) id, hence `>` and not `>=`.
    let mut best: Option<(&String, (u64, u64))> = None;
    for (t, s) in &score {
        if best.is_none_or(|(_, b)| *s > b) {
            best = Some((t, *s));
        }
    }
    best.map(|(t, _)| t.clone())
}

/// Leaves out the groups whose resource tenant is known and not `local` (sign-ins of our
/// users into other tenants), for presets counted by the tenant's own policies.
pub fn inside_tenant(groups: Vec<Group>, dims: &[Dim], local: Option<&str>, keep: usize) -> Vec<Group> {
    let at = key_at(dims, Dim::ResourceTenant).expect("grouped by resource tenant");
    regroup(groups, |g| {
        let outbound = match (local, g.key[at].as_str()) {
            (Some(l), Some(r)) => !r.eq_ignore_ascii_case(l),
            _ => false,
        };
        (!outbound).then(|| g.key[..keep].to_vec())
    })
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub local_tenant_id: String,
    pub inbound: u64,
    pub outbound: u64,
    pub within_tenant: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CrossTenant {
    /// `inbound` or `outbound`.
    pub direction: String,
    pub external_tenant_id: String,
    pub cross_tenant_access_type: Option<String>,
    pub sign_in_count: u64,
    pub success_count: u64,
    pub failure_count: u64,
    pub user_count: u64,
    pub app_count: u64,
    pub last_sign_in_date_time: Option<Timestamp>,
}

impl Tabular for CrossTenant {
    fn headers() -> &'static [&'static str] {
        &[
            "direction",
            "externalTenantId",
            "crossTenantAccessType",
            "signIns",
            "success",
            "failure",
            "users",
            "apps",
            "lastSignInDateTime",
        ]
    }
    fn cells(&self) -> Vec<Cell> {
        let n = |v: u64| Cell::Int(Some(v as i64));
        vec![
            Cell::text(Some(&self.direction)),
            Cell::text(Some(&self.external_tenant_id)),
            Cell::text(self.cross_tenant_access_type.as_deref()),
            n(self.sign_in_count),
            n(self.success_count),
            n(self.failure_count),
            n(self.user_count),
            n(self.app_count),
            Cell::Time(self.last_sign_in_date_time),
        ]
    }
}

/// One row per (direction, external tenant, access type): inbound when the home tenant is
/// known and not ours, else outbound when the resource tenant is known and not ours; by
/// signInCount desc, then direction, tenant and access type (null last).
fn rows(groups: Vec<Group>, local: &str, zone: Zone) -> (Vec<CrossTenant>, Totals) {
    let mut totals = Totals { local_tenant_id: local.to_string(), ..Totals::default() };
    let other = |v: &Val| v.as_str().map(str::to_ascii_lowercase).filter(|t| t != local);
    for g in &groups {
        let n = g.state.sign_ins();
        match (other(&g.key[0]), other(&g.key[1])) {
            (Some(_), _) => totals.inbound += n,
            (None, Some(_)) => totals.outbound += n,
            (None, None) => totals.within_tenant += n,
        }
    }
    let merged = regroup(groups, |g| match (other(&g.key[0]), other(&g.key[1])) {
        (Some(home), _) => Some(vec![Val::Text("inbound".into()), Val::Text(home.into()), g.key[2].clone()]),
        (None, Some(res)) => Some(vec![Val::Text("outbound".into()), Val::Text(res.into()), g.key[2].clone()]),
        (None, None) => None,
    });
    let mut rows: Vec<CrossTenant> = merged
        .into_iter()
        .map(|g| {
            let s = &g.state;
            let success = s.count(Outcome::Success);
            CrossTenant {
                direction: g.key[0].as_str().unwrap_or_default().to_string(),
                external_tenant_id: g.key[1].as_str().unwrap_or_default().to_string(),
                cross_tenant_access_type: g.key[2].as_str().map(str::to_string),
                sign_in_count: s.sign_ins(),
                success_count: success,
                failure_count: s.sign_ins() - success,
                user_count: s.users.len() as u64,
                app_count: s.apps.len() as u64,
                last_sign_in_date_time: s.last.map(|t| zone.at(t)),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.sign_in_count.cmp(&a.sign_in_count).then_with(|| {
            (&a.direction, &a.external_tenant_id, a.cross_tenant_access_type.is_none(), &a.cross_tenant_access_type)
                .cmp(&(
                    &b.direction,
                    &b.external_tenant_id,
                    b.cross_tenant_access_type.is_none(),
                    &b.cross_tenant_access_type,
                ))
        })
    });
    (rows, totals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::breakdown::State;

    fn group(home: Option<&str>, res: Option<&str>, n: u64) -> Group {
        let t = |v: Option<&str>| v.map_or(Val::Null, |v| Val::Text(v.into()));
        Group { key: vec![t(home), t(res)], state: State { outcomes: [n, 0, 0], ..State::default() } }
    }

    #[test]
    fn the_local_tenant_is_the_one_every_sign_in_names() {
        // 5 within A, 3 from B into A (inbound), 2 from A into C (outbound): A is in all 10.
        let g = vec![group(Some("A"), Some("a"), 5), group(Some("b"), Some("a"), 3), group(Some("a"), Some("c"), 2)];
        assert_eq!(local_tenant(&g, 0, 1).as_deref(), Some("a"));
        // Only B into A: both are named by 3; A is the resource of more.
        assert_eq!(local_tenant(&[group(Some("b"), Some("a"), 3)], 0, 1).as_deref(), Some("a"));
        // A tie in both: the smaller id.
        let g = vec![group(Some("d"), None, 2), group(Some("c"), None, 2)];
        assert_eq!(local_tenant(&g, 0, 1).as_deref(), Some("c"));
        assert_eq!(local_tenant(&[group(None, None, 4)], 0, 1), None);
    }
}
