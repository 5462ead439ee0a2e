//! `report user USER` (SPEC 6.6): which user the input means, then everything the store knows
//! about them.
//!
//! USER is a UPN, a display name, a user id, or part of a UPN or display name, compared without
//! case. A user is one user id (their UPN may change, in case or otherwise); sign-ins without a
//! user id are theirs when their UPN is one of the user's. Exact matches win over partial ones;
//! more than one user left is a usage error listing them, so that a script never gets the wrong
//! person.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use arrow_array::{Array, BooleanArray, RecordBatch};
use serde_json::{Value, json};

use super::{Hit, Section, at, common, hits, how, outcomes, span, tally};
use crate::domain::{EventType, Zone};
use crate::error::{Error, Result};
use crate::report::catalog::{Answer, Caption, Opt, Query, Report};
use crate::scan::{self, Aggregate, Columns, Merge, Selection, Where, Window};
use crate::store::schema::*;
use crate::store::{AUDITS, SIGNINS, audits, registrations};

pub const TYPE_NAME: &str = "userInvestigation";

pub const REPORT: Report = Report {
    name: "user",
    graph_name: None,
    about: "Everything about one user (UPN, display name, id or part of one): sign-ins, apps, places, devices, MFA, audits.",
    title: "One user's sign-ins",
    table: SIGNINS,
    event_types: &EventType::USERS,
    options: &[Opt::Subject, Opt::EventTypes],
    run: |q| {
        let input = q.options.subject.clone().unwrap_or_default();
        let (user, held, searched) = resolve(q, &input)?;
        let sel = q.request.selection(SIGNINS, REPORT.event_types);
        let (found, opened, selected) = match held {
            Some(found) => (found, searched.0, searched.1),
            None => hits(q.store, q.manifest, &sel, &user.filter())?,
        };
        let zone = q.request.zone();
        let page = page(q, &user, &found, zone)?;
        let o = outcomes(&found);
        let who = if q.pseudonymized {
            "the user asked for".to_string()
        } else {
            format!("{} ({})", user.upn, user.name.as_deref().unwrap_or("no display name"))
        };
        let mut caption = format!(
            "; {who}: {} sign-ins, {} succeeded, {} interrupted, {} failed",
            o["total"], o["success"], o["interrupted"], o["failure"]
        );
        if found.is_empty() {
            caption.push_str(&format!(
                "; none in this window: their sign-ins in the store run from {} to {}",
                zone.at(user.first),
                zone.at(user.last)
            ));
        }
        let mut a = Answer::sections(TYPE_NAME, page.0, page.1)?.with_caption(Caption::WindowAnd(caption));
        a.scanned = Some((opened, selected));
        Ok(a)
    },
};

/// The user the input means: their ids and UPNs as stored (every spelling), for the filter.
#[derive(Debug, Default)]
pub struct User {
    /// Every stored spelling of the user id(s).
    pub ids: BTreeSet<String>,
    /// Every stored spelling of the UPN(s).
    pub upns: BTreeSet<String>,
    /// The latest UPN and display name.
    pub upn: String,
    pub name: Option<String>,
    /// Sign-ins in the store (any time) and their span.
    pub count: u64,
    pub first: i64,
    pub last: i64,
    latest: (i64, String),
    exact: bool,
}

impl User {
    fn lower_ids(&self) -> BTreeSet<String> {
        self.ids.iter().map(|i| i.to_lowercase()).collect()
    }
    fn lower_upns(&self) -> BTreeSet<String> {
        self.upns.iter().map(|u| u.to_lowercase()).collect()
    }

    /// Whether a sign-in is the user's: their user id, or no user id and one of their UPNs.
    fn owns(&self, h: &Hit) -> bool {
        match &h.user_id {
            Some(id) => self.ids.iter().any(|i| i.eq_ignore_ascii_case(id)),
            None => h.upn.as_ref().is_some_and(|u| self.upns.iter().any(|x| x.to_lowercase() == u.to_lowercase())),
        }
    }

    /// The user's sign-ins: their user id, or no user id and one of their UPNs. Row groups
    /// whose statistics hold none of their stored spellings are not opened.
    fn filter(&self) -> Where<'static> {
        let (ids, upns) = (self.lower_ids(), self.lower_upns());
        let keep = Arc::new(move |b: &RecordBatch| -> BooleanArray {
            let c = Columns(b);
            let (id, upn) = (c.text(USER_ID), c.text(USER_PRINCIPAL_NAME));
            (0..b.num_rows())
                .map(|i| {
                    Some(if id.is_valid(i) && !id.value(i).trim().is_empty() {
                        ids.contains(&id.value(i).trim().to_lowercase())
                    } else {
                        upn.is_valid(i) && upns.contains(&upn.value(i).trim().to_lowercase())
                    })
                })
                .collect()
        });
        let (ids, upns): (Vec<String>, Vec<String>) =
            (self.ids.iter().cloned().collect(), self.upns.iter().cloned().collect());
        let open = Box::new(move |rg: &crate::store::reader::RowGroup| {
            ids.iter().any(|i| rg.may_hold(USER_ID, i)) || upns.iter().any(|u| rg.may_hold(USER_PRINCIPAL_NAME, u))
        });
        Where { columns: &[USER_ID, USER_PRINCIPAL_NAME], keep, open }
    }
}

/// Per candidate user (user id lower-cased, else `upn:` and the UPN lower-cased).
struct Find {
    matcher: Matcher,
    users: BTreeMap<String, User>,
    /// The matching sign-ins, while there are at most [`HELD`] (else `None`: they are read
    /// again once the user is known).
    hits: Option<Vec<Hit>>,
}

/// How many matching sign-ins the search keeps to build the page from without a second scan.
const HELD: usize = 20_000;

impl Merge for Find {
    fn merge(&mut self, other: Find) {
        for (k, u) in other.users {
            let mine = self.users.entry(k).or_default();
            absorb(mine, u);
        }
        self.hits = match (self.hits.take(), other.hits) {
            (Some(mut a), Some(b)) if a.len() + b.len() <= HELD => {
                a.extend(b);
                Some(a)
            }
            _ => None,
        };
    }
}

fn absorb(mine: &mut User, u: User) {
    if mine.count == 0 {
        mine.first = u.first;
        mine.last = u.last;
    }
    mine.ids.extend(u.ids);
    mine.upns.extend(u.upns);
    if u.latest >= mine.latest {
        mine.latest = u.latest;
        mine.upn = u.upn;
        mine.name = u.name;
    }
    mine.first = mine.first.min(u.first);
    mine.last = mine.last.max(u.last);
    mine.count += u.count;
    mine.exact |= u.exact;
}

/// What the input is compared with, ignoring case: equal (an exact match) or a part.
#[derive(Clone)]
struct Matcher {
    /// The input lower-cased.
    needle: Arc<str>,
    finder: memchr::memmem::Finder<'static>,
}

impl Matcher {
    fn new(input: &str) -> Matcher {
        let needle: Arc<str> = Arc::from(input.trim().to_lowercase());
        let finder = memchr::memmem::Finder::new(needle.as_bytes()).into_owned();
        Matcher { needle, finder }
    }

    /// (equal, contains) of `value`, both ignoring case; `buf` is scratch space.
    fn test(&self, value: &str, buf: &mut Vec<u8>) -> (bool, bool) {
        if value.len() < self.needle.len() && value.is_ascii() {
            return (false, false);
        }
        buf.clear();
        if value.is_ascii() {
            buf.extend(value.bytes().map(|b| b.to_ascii_lowercase()));
        } else {
            buf.extend_from_slice(value.to_lowercase().as_bytes());
        }
        (buf[..] == *self.needle.as_bytes(), self.finder.find(buf).is_some())
    }

    /// Whether any of a row's id (exact only), UPN or display name matches.
    fn row(&self, id: Option<&str>, upn: Option<&str>, name: Option<&str>, buf: &mut Vec<u8>) -> (bool, bool) {
        let mut out = (false, false);
        if let Some(id) = id {
            out.0 |= self.test(id, buf).0;
        }
        for v in [upn, name].into_iter().flatten() {
            let (e, p) = self.test(v, buf);
            out = (out.0 | e, out.1 | p);
        }
        out
    }
}

fn get(a: &arrow_array::StringArray, i: usize) -> Option<&str> {
    a.is_valid(i).then(|| a.value(i).trim()).filter(|s: &&str| !s.is_empty())
}

impl Aggregate for Find {
    type Output = (BTreeMap<String, User>, Option<Vec<Hit>>);
    fn update(&mut self, batch: &RecordBatch, _: EventType) {
        if let Some(hits) = &mut self.hits {
            // The scan hands over only the rows that match.
            if hits.len() + batch.num_rows() <= HELD {
                super::push_hits(batch, hits);
            } else {
                self.hits = None;
            }
        }
        let c = Columns(batch);
        let (ids, upns, names, created, rid) =
            (c.text(USER_ID), c.text(USER_PRINCIPAL_NAME), c.text(USER_DISPLAY_NAME), c.times(CREATED), c.text(ID));
        let mut buf = Vec::new();
        for i in 0..batch.num_rows() {
            let (id, upn, name) = (get(ids, i), get(upns, i), get(names, i));
            let (exact, part) = self.matcher.row(id, upn, name, &mut buf);
            if !(exact || part) {
                continue;
            }
            let key = match (id, upn) {
                (Some(id), _) => id.to_lowercase(),
                (None, Some(upn)) => format!("upn:{}", upn.to_lowercase()),
                (None, None) => continue,
            };
            let t = created.value(i);
            let u = User {
                ids: id.map(str::to_string).into_iter().collect(),
                upns: upn.map(str::to_string).into_iter().collect(),
                upn: upn.or(id).unwrap_or_default().to_string(),
                name: name.map(str::to_string),
                count: 1,
                first: t,
                last: t,
                latest: (t, rid.value(i).to_string()),
                exact,
            };
            absorb(self.users.entry(key).or_default(), u);
        }
    }
    fn finish(self) -> (BTreeMap<String, User>, Option<Vec<Hit>>) {
        (self.users, self.hits)
    }
}

/// A user found, their sign-ins in the window if the search kept them, and the row groups the
/// search opened of those selected.
type Resolved = (User, Option<Vec<Hit>>, (usize, usize));

/// The one user `input` means, over all the store's user sign-ins of the asked event types;
/// with their sign-ins in the window when the search could keep them, and the row groups it
/// opened.
fn resolve(q: &Query<'_>, input: &str) -> Result<Resolved> {
    let input = input.trim();
    if input.is_empty() {
        return Err(Error::Usage("report user needs a user: a UPN, a display name, a user id or part of one".into()));
    }
    let latest = q.latest(SIGNINS).unwrap_or(0);
    let sel = Selection {
        table: SIGNINS,
        event_types: q.request.event_types_or(REPORT.event_types),
        window: Window::all(latest),
    };
    // Only the rows that match are decoded beyond the three columns compared.
    let matcher = Matcher::new(input);
    let m = matcher.clone();
    let keep = Arc::new(move |b: &RecordBatch| -> BooleanArray {
        let c = Columns(b);
        let (ids, upns, names) = (c.text(USER_ID), c.text(USER_PRINCIPAL_NAME), c.text(USER_DISPLAY_NAME));
        let mut buf = Vec::new();
        (0..b.num_rows())
            .map(|i| {
                let (e, p) = m.row(get(ids, i), get(upns, i), get(names, i), &mut buf);
                Some(e || p)
            })
            .collect()
    });
    let filter = Where {
        columns: &[USER_ID, USER_PRINCIPAL_NAME, USER_DISPLAY_NAME],
        keep,
        open: Box::new(|_: &crate::store::reader::RowGroup| true),
    };
    let make = || Find { matcher: matcher.clone(), users: BTreeMap::new(), hits: Some(Vec::new()) };
    let ((found, held), opened, selected) =
        scan::run_where(q.store, q.manifest, &sel, Some(&filter), &super::COLUMNS, make)?;
    // Sign-ins without a user id join the user whose UPN they carry.
    type Keyed = Vec<(String, User)>;
    let (mut by_id, by_upn): (Keyed, Keyed) = found.into_iter().partition(|(k, _)| !k.starts_with("upn:"));
    for (_, u) in by_upn {
        let lower: BTreeSet<String> = u.lower_upns();
        match by_id.iter_mut().find(|(_, m)| m.lower_upns().iter().any(|x| lower.contains(x))) {
            Some((_, m)) => absorb(m, u),
            None => by_id.push((String::new(), u)),
        }
    }
    let mut users: Vec<User> = by_id.into_iter().map(|(_, u)| u).collect();
    if users.iter().any(|u| u.exact) {
        users.retain(|u| u.exact);
    }
    users.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.upn.to_lowercase().cmp(&b.upn.to_lowercase())));
    match users.len() {
        1 => {
            let user = users.pop().expect("one user");
            let hits = held.map(|mut h| {
                let window = &q.request.window;
                h.retain(|h| window.contains(h.t) && user.owns(h));
                super::sort_hits(&mut h);
                h
            });
            Ok((user, hits, (opened, selected)))
        }
        // Under --pseudonymize the name searched for is not repeated.
        0 if q.pseudonymized => {
            Err(Error::Usage(format!("no user in the store matches the user (hidden){}", nearest(q, &sel, input)?)))
        }
        0 => Err(Error::Usage(format!("no user in the store matches {input:?}{}", nearest(q, &sel, input)?))),
        n if q.pseudonymized => Err(Error::Usage(format!(
            "the user (hidden) matches {n} users; give the exact UPN or user id (the names are not listed under --pseudonymize)"
        ))),
        n => {
            let list: Vec<String> = users
                .iter()
                .take(20)
                .map(|u| {
                    let id = u.ids.iter().next().map_or(String::new(), |i| format!(", id {i}"));
                    let name = u.name.as_deref().unwrap_or("no display name");
                    format!("{} ({name}{id}): {} sign-ins", u.upn, u.count)
                })
                .collect();
            // One line (a note cannot start lines of its own): the matches separated by `; `.
            let more = if n > 20 { format!("; ... and {} more", n - 20) } else { String::new() };
            Err(Error::Usage(format!(
                "{input:?} matches {n} users; give one of these UPNs or user ids: {}{more}",
                list.join("; ")
            )))
        }
    }
}

/// What `--user` means for a report that filters sign-ins by user (SPEC 7): the input itself
/// when it is a stored UPN or user id (what the filter compares), else the latest UPN of the
/// one user whose UPN, display name or id it names whole or in part, with that user described
/// for a note. No user, or several, is a usage error listing the nearest or the matches.
pub fn filter_value(q: &Query<'_>, input: &str) -> Result<(String, Option<String>)> {
    let (user, _, _) = resolve(q, input)?;
    let given = input.trim();
    let whole = user.ids.iter().chain(&user.upns).any(|v| v.eq_ignore_ascii_case(given));
    if whole {
        return Ok((given.to_string(), None));
    }
    let value =
        if user.upn.is_empty() { user.ids.iter().next().cloned().unwrap_or_default() } else { user.upn.clone() };
    let name = user.name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default();
    Ok((value.clone(), Some(format!("{value}{name}"))))
}

/// What the store holds instead: its users' sign-in span and the UPNs nearest to `input`.
fn nearest(q: &Query<'_>, sel: &Selection, input: &str) -> Result<String> {
    struct Upns(BTreeSet<String>);
    impl Merge for Upns {
        fn merge(&mut self, other: Upns) {
            self.0.extend(other.0);
        }
    }
    impl Aggregate for Upns {
        type Output = BTreeSet<String>;
        fn update(&mut self, b: &RecordBatch, _: EventType) {
            let upns = Columns(b).text(USER_PRINCIPAL_NAME);
            self.0.extend((0..b.num_rows()).filter(|&i| upns.is_valid(i)).map(|i| upns.value(i).trim().to_lowercase()));
        }
        fn finish(self) -> BTreeSet<String> {
            self.0
        }
    }
    let upns = scan::run(q.store, q.manifest, sel, &[USER_PRINCIPAL_NAME], || Upns(BTreeSet::new()))?;
    if upns.is_empty() {
        return Ok("; the store holds no user sign-ins".into());
    }
    let span = crate::report::span_in(q.manifest, SIGNINS)
        .map(|(a, b)| format!(" from {} to {}", q.request.zone().at(a), q.request.zone().at(b)))
        .unwrap_or_default();
    if q.pseudonymized {
        return Ok(format!("; the store holds sign-ins of {} users{span}", upns.len()));
    }
    // Near: at most a third of the input's characters to change (a typo, not another name).
    let want = input.to_lowercase();
    let most = (want.chars().count() / 3).max(1);
    let mut near: Vec<(usize, &String)> =
        upns.iter().map(|u| (crate::report::names::distance(&want, u), u)).filter(|(d, _)| *d <= most).collect();
    near.sort();
    let names: Vec<&str> = near.iter().take(5).map(|(_, u)| u.as_str()).collect();
    let nearest = if names.is_empty() { String::new() } else { format!("; the nearest UPNs: {}", names.join(", ")) };
    Ok(format!("; the store holds sign-ins of {} users{span}{nearest}", upns.len()))
}

/// The page: its head members and sections.
fn page(
    q: &Query<'_>,
    user: &User,
    found: &[Hit],
    zone: Zone,
) -> Result<(serde_json::Map<String, Value>, Vec<Section>)> {
    let latest = found.last();
    let (first, last) = span(found, zone);
    let mut head = serde_json::Map::new();
    head.insert("userPrincipalName".into(), json!(latest.and_then(|h| h.upn.clone()).unwrap_or(user.upn.clone())));
    head.insert("userDisplayName".into(), json!(latest.and_then(|h| h.user_name.clone()).or(user.name.clone())));
    head.insert("userId".into(), json!(user.ids.iter().next()));
    head.insert("userType".into(), json!(latest.and_then(|h| h.user_type.clone())));
    head.insert("homeTenantId".into(), json!(latest.and_then(|h| h.home_tenant.clone())));
    head.insert("userPrincipalNamesSeen".into(), json!(user.upns));
    head.insert("firstSignInDateTime".into(), first);
    head.insert("lastSignInDateTime".into(), last);
    head.insert("signIns".into(), outcomes(found));
    let mut sections = common(found, zone);
    let ips = tally(found, |h| h.ip.clone())
        .into_iter()
        .map(|(ip, g)| {
            json!({"ipAddress": ip, "signInCount": g.count, "failureCount": g.failures,
                   "countryOrRegion": found[g.latest].country, "firstSignInDateTime": at(zone, g.first),
                   "lastSignInDateTime": at(zone, g.last)})
        })
        .collect();
    let ip_headers: &'static [&'static str] =
        &["ipAddress", "countryOrRegion", "signInCount", "failureCount", "firstSignInDateTime", "lastSignInDateTime"];
    sections.insert(5, Section::new("ipAddresses", "IP addresses", ip_headers, ips));
    let failures = sections.pop().expect("failures last");
    sections.extend(how(found, zone));
    sections.push(failures);
    sections.push(registration(q, user)?);
    sections.push(audit_events(q, user, zone)?);
    Ok((head, sections))
}

/// The user's registration details, if the store holds them.
fn registration(q: &Query<'_>, user: &User) -> Result<Section> {
    let (ids, upns) = (user.lower_ids(), user.lower_upns());
    let rows: Vec<Value> = registrations::load(q.store, q.manifest)?
        .unwrap_or_default()
        .into_iter()
        .map(|s| s.registration)
        .filter(|r| ids.contains(&r.id.to_lowercase()) || upns.contains(&r.user_principal_name.to_lowercase()))
        .map(|r| {
            json!({
                "isMfaRegistered": r.is_mfa_registered, "isMfaCapable": r.is_mfa_capable,
                "isSsprRegistered": r.is_sspr_registered, "isPasswordlessCapable": r.is_passwordless_capable,
                "isAdmin": r.is_admin, "methodsRegistered": r.methods_registered.join(", "),
                "defaultMfaMethod": r.default_mfa_method.or(r.user_preferred_method_for_secondary_authentication),
                "lastUpdatedDateTime": r.last_updated_date_time,
            })
        })
        .collect();
    let headers: &'static [&'static str] = &[
        "isMfaRegistered",
        "isMfaCapable",
        "isSsprRegistered",
        "isPasswordlessCapable",
        "isAdmin",
        "methodsRegistered",
        "defaultMfaMethod",
        "lastUpdatedDateTime",
    ];
    Ok(Section::new("registration", "Registration details", headers, rows))
}

/// The audit events in the window that name the user as who did it or as its target, latest
/// first.
fn audit_events(q: &Query<'_>, user: &User, zone: Zone) -> Result<Section> {
    use audits::{
        ACTIVITY, ACTIVITY_DISPLAY_NAME, CATEGORY, INITIATED_BY_APP, INITIATED_BY_USER, INITIATED_BY_USER_ID, RESULT,
        TARGET_USER_ID, TARGET_USER_PRINCIPAL_NAME,
    };
    let (ids, upns) = (user.lower_ids(), user.lower_upns());
    let window = &q.request.window;
    let cols = [
        audits::ID,
        ACTIVITY,
        ACTIVITY_DISPLAY_NAME,
        CATEGORY,
        RESULT,
        INITIATED_BY_USER,
        INITIATED_BY_USER_ID,
        INITIATED_BY_APP,
        TARGET_USER_ID,
        TARGET_USER_PRINCIPAL_NAME,
    ];
    let mut rows: Vec<(i64, String, Value)> = Vec::new();
    for rg in crate::store::reader::row_groups(q.store, AUDITS, q.manifest.files(AUDITS))? {
        for b in rg.read(&cols)? {
            let c = Columns(&b);
            let times = c.times(ACTIVITY);
            let t = |n: &str, i: usize| super::text_of(&b, n, i);
            let is = |id: Option<String>, upn: Option<String>| {
                id.is_some_and(|i| ids.contains(&i.to_lowercase()))
                    || upn.is_some_and(|u| upns.contains(&u.to_lowercase()))
            };
            for i in 0..b.num_rows() {
                let at_us = times.value(i);
                if !window.contains(at_us) {
                    continue;
                }
                let by = is(t(INITIATED_BY_USER_ID, i), t(INITIATED_BY_USER, i));
                let target = is(t(TARGET_USER_ID, i), t(TARGET_USER_PRINCIPAL_NAME, i));
                if !(by || target) {
                    continue;
                }
                let role = match (by, target) {
                    (true, true) => "initiator and target",
                    (true, false) => "initiator",
                    _ => "target",
                };
                let id = t(audits::ID, i).unwrap_or_default();
                let v = json!({
                    "activityDateTime": at(zone, at_us), "activityDisplayName": t(ACTIVITY_DISPLAY_NAME, i),
                    "category": t(CATEGORY, i), "result": t(RESULT, i), "role": role,
                    "initiatedByUser": t(INITIATED_BY_USER, i), "initiatedByApp": t(INITIATED_BY_APP, i), "id": id,
                });
                rows.push((at_us, id, v));
            }
        }
    }
    rows.sort_by(|a, b| (b.0, &b.1).cmp(&(a.0, &a.1)));
    let headers: &'static [&'static str] = &[
        "activityDateTime",
        "activityDisplayName",
        "category",
        "result",
        "role",
        "initiatedByUser",
        "initiatedByApp",
        "id",
    ];
    Ok(Section::new(
        "auditEvents",
        "Audit events naming the user (latest first)",
        headers,
        rows.into_iter().map(|r| r.2).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::names::distance;

    #[test]
    fn distance_is_to_the_nearest_part() {
        assert_eq!(distance("zoe", "zoe.lindqvist@contoso.com"), 0);
        assert_eq!(distance("zoa", "zoe.lindqvist@contoso.com"), 1);
        assert_eq!(distance("lindkvist", "zoe.lindqvist@contoso.com"), 1);
    }

    #[test]
    fn matches_ignore_case_beyond_ascii() {
        let mut buf = Vec::new();
        assert_eq!(Matcher::new("łukasz").test("Łukasz Lindqvist", &mut buf), (false, true));
        assert_eq!(Matcher::new("ZOE@").test("zoe@contoso.com", &mut buf), (false, true));
        assert_eq!(Matcher::new("zoey").test("zoe", &mut buf), (false, false));
        assert_eq!(Matcher::new("Zoe Vance").test("zoe vance", &mut buf), (true, true));
        // An id matches exactly or not at all.
        let m = Matcher::new("8957008A");
        assert_eq!(m.row(Some("8957008a-31fd"), None, None, &mut buf), (false, false));
        assert_eq!(m.row(Some("8957008a"), None, None, &mut buf), (true, false));
    }
}
