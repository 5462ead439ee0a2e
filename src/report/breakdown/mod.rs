//! Breakdown (SPEC 6.1): user sign-ins grouped by any combination of the stored dimensions, in
//! one parallel scan, with counts per outcome, exact distinct users and the last sign-in. The
//! workbook reports (`legacy-auth`, `failure-analysis`, `ca-policies`) are presets of this one
//! engine: a [`Spec`] (dimensions, filters, what else to gather) in, [`Group`]s out.
//!
//! Per batch each dimension turns its column(s) into a small code per row (a dictionary key, a
//! local index of a text value, a bucket), the codes of a row are packed into one integer, and
//! each distinct packed key of the batch is looked up in the aggregate's groups once. A row's
//! users and apps are interned once per batch, so the per-row work is a few integer operations
//! and a set insert.

use foldhash::{HashMap, HashMapExt, HashSet};
use std::sync::Arc;

use arrow_array::{Array, BooleanArray, Int32Array, RecordBatch, StringArray};

use super::Request;
use super::catalog::{Answer, Opt, Report};
use crate::domain::{EventType, MICROS_PER_DAY, Outcome, Zone};
use crate::error::{Error, Result};
use crate::normalize::Policies;
use crate::scan::{self, Aggregate, Columns, DictText, Latest, Merge};

mod dim;
mod rows;
use crate::store::schema::*;
use crate::store::{SIGNINS, Store, manifest::Manifest};
use dim::dim_names;
pub use dim::{Bucket, Dim, Filter, Val, client_app_name, is_legacy};
pub use rows::{BreakdownRow, BreakdownRows};

pub const TYPE_NAME: &str = "signInBreakdown";

pub const REPORT: Report = Report {
    name: "breakdown",
    graph_name: None,
    about: "User sign-ins grouped by any dimensions (--by app,country,outcome,...).",
    title: "Breakdown of user sign-ins",
    table: SIGNINS,
    event_types: &[EventType::InteractiveUser],
    options: &[
        Opt::ByDims,
        Opt::Top,
        Opt::EventTypes,
        Opt::AppFilter,
        Opt::UserFilter,
        Opt::ClientApp,
        Opt::Country,
        Opt::Ip,
        Opt::Outcome,
        Opt::ErrorCode,
    ],
    run: |q| {
        let dims = match &q.options.dims {
            Some(d) => d.clone(),
            None => {
                return Err(Error::Usage(format!("report breakdown needs --by DIM[,DIM...]; one of: {}", dim_names())));
            }
        };
        let spec = Spec { dims: dims.clone(), filter: q.options.filter.clone(), ..Spec::default() };
        let groups = run(q.store, q.manifest, &q.request, REPORT.event_types, &spec)?;
        let rows = BreakdownRows::new(&dims, groups, q.request.zone());
        Ok(Answer::rows(TYPE_NAME, rows).with_caption(super::catalog::Caption::WindowAnd(format!(
            ", by {}",
            dims.iter().map(|d| d.name()).collect::<Vec<_>>().join(", ")
        ))))
    },
};

/// What a preset asks of the engine.
#[derive(Clone, Debug, Default)]
pub struct Spec {
    pub dims: Vec<Dim>,
    pub filter: Filter,
    /// Gather the distinct applications of each group.
    pub apps: bool,
    /// Gather the failure reason of each group's latest sign-in.
    pub reason: bool,
}

impl Spec {
    fn columns(&self) -> Vec<&'static str> {
        let mut c = vec![ID, CREATED, ERROR_CODE, USER_PRINCIPAL_NAME, USER_ID];
        for d in &self.dims {
            c.extend(d.columns());
        }
        c.extend(self.filter.columns());
        if self.apps {
            c.push(APP_ID);
        }
        if self.reason {
            c.push(FAILURE_REASON);
        }
        c.sort();
        c.dedup();
        c
    }
}

/// One group's figures. Users and apps are ids of the aggregate's [`Interner`]s.
#[derive(Default)]
pub struct State {
    pub outcomes: [u64; 3],
    pub users: HashSet<u32>,
    pub apps: HashSet<u32>,
    pub last: Option<i64>,
    /// Display names of the key's ids (app, resource, user, policy), each from the latest
    /// sign-in of the group that has the key.
    pub names: Vec<Latest<Option<String>>>,
    pub reason: Latest<Option<String>>,
    /// `policy`: sign-ins and users per result bucket, and the latest result.
    pub buckets: [u64; 4],
    pub bucket_users: [HashSet<u32>; 4],
    pub latest_result: Latest<Option<String>>,
}

impl State {
    pub fn sign_ins(&self) -> u64 {
        self.outcomes.iter().sum()
    }
    pub fn count(&self, o: Outcome) -> u64 {
        self.outcomes[o as usize]
    }

    /// The same state with its user and app ids translated into another aggregate's.
    fn remap(mut self, users: &[u32], apps: &[u32]) -> State {
        let map = |set: HashSet<u32>, to: &[u32]| set.into_iter().map(|i| to[i as usize]).collect();
        self.users = map(std::mem::take(&mut self.users), users);
        self.apps = map(std::mem::take(&mut self.apps), apps);
        self.bucket_users = std::mem::take(&mut self.bucket_users).map(|b| map(b, users));
        self
    }
}

impl Merge for State {
    fn merge(&mut self, other: State) {
        self.outcomes.merge(other.outcomes);
        self.users.merge(other.users);
        self.apps.merge(other.apps);
        self.last = self.last.max(other.last);
        if self.names.len() < other.names.len() {
            self.names.resize_with(other.names.len(), Latest::default);
        }
        for (mine, theirs) in self.names.iter_mut().zip(other.names) {
            mine.merge(theirs);
        }
        self.reason.merge(other.reason);
        self.buckets.merge(other.buckets);
        for (mine, theirs) in self.bucket_users.iter_mut().zip(other.bucket_users) {
            mine.merge(theirs);
        }
        self.latest_result.merge(other.latest_result);
    }
}

/// A group: its key (one value per key field of each dimension) and figures.
pub struct Group {
    pub key: Vec<Val>,
    pub state: State,
}

/// Distinct texts as dense ids.
#[derive(Default)]
struct Interner {
    ids: HashMap<Arc<str>, u32>,
    texts: Vec<Arc<str>>,
}

impl Interner {
    fn id(&mut self, text: &str) -> u32 {
        if let Some(&i) = self.ids.get(text) {
            return i;
        }
        let t: Arc<str> = Arc::from(text);
        self.texts.push(t.clone());
        self.ids.insert(t, self.texts.len() as u32 - 1);
        self.texts.len() as u32 - 1
    }

    /// The id in `self` of each id of `other`.
    fn absorb(&mut self, other: &Interner) -> Vec<u32> {
        other.texts.iter().map(|t| self.id(t)).collect()
    }
}

struct Agg {
    spec: Arc<Spec>,
    zone: Zone,
    index: HashMap<Vec<Val>, usize>,
    groups: Vec<Group>,
    users: Interner,
    apps: Interner,
}

impl Agg {
    fn slot(&mut self, key: Vec<Val>) -> usize {
        if let Some(&i) = self.index.get(&key) {
            return i;
        }
        self.groups.push(Group { key: key.clone(), state: State::default() });
        self.index.insert(key, self.groups.len() - 1);
        self.groups.len() - 1
    }
}

impl Merge for Agg {
    fn merge(&mut self, other: Agg) {
        let users = self.users.absorb(&other.users);
        let apps = self.apps.absorb(&other.apps);
        for g in other.groups {
            let slot = self.slot(g.key);
            self.groups[slot].state.merge(g.state.remap(&users, &apps));
        }
    }
}

/// Per-row codes of one dimension in one batch, and the value of each code.
struct Coded {
    codes: Vec<u32>,
    values: Vec<Vec<Val>>,
}

impl Coded {
    fn bits(&self) -> u32 {
        (self.values.len().max(1) as u32).next_power_of_two().trailing_zeros().max(1)
    }
}

/// Codes of any values (text, numbers), each distinct value of the batch once.
fn code_values<K: Copy + Eq + std::hash::Hash>(
    n: usize,
    value: impl Fn(usize) -> K,
    make: impl Fn(K) -> Vec<Val>,
) -> Coded {
    let mut index: HashMap<K, u32> = HashMap::new();
    let mut values = Vec::new();
    let codes = (0..n)
        .map(|i| {
            let v = value(i);
            *index.entry(v).or_insert_with(|| {
                values.push(make(v));
                values.len() as u32 - 1
            })
        })
        .collect();
    Coded { codes, values }
}

fn code_dict(d: &DictText<'_>, n: usize, make: impl Fn(Option<&str>) -> Val) -> Coded {
    let null = d.values.len() as u32;
    let mut values: Vec<Vec<Val>> =
        (0..d.values.len()).map(|k| vec![make(d.values.is_valid(k).then(|| d.values.value(k)))]).collect();
    values.push(vec![make(None)]);
    let codes = (0..n).map(|i| d.key(i).map_or(null, |k| k as u32)).collect();
    Coded { codes, values }
}

fn code_bools(b: &BooleanArray, n: usize) -> Coded {
    let codes = (0..n).map(|i| if b.is_valid(i) { u32::from(b.value(i)) } else { 2 }).collect();
    Coded { codes, values: vec![vec![Val::Bool(false)], vec![Val::Bool(true)], vec![Val::Null]] }
}

/// The user a row is about: the UPN lower-cased, else the user id.
fn user_key<'a>(upns: &'a StringArray, ids: &'a StringArray, i: usize) -> Option<&'a str> {
    let upn = upns.is_valid(i).then(|| upns.value(i).trim()).filter(|s| !s.is_empty());
    upn.or_else(|| ids.is_valid(i).then(|| ids.value(i).trim()).filter(|s| !s.is_empty()))
}

fn lower(s: &str) -> Box<str> {
    if s.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) { s.to_lowercase().into() } else { s.into() }
}

/// The local offset of instants, computed once per quarter hour of UTC (exact: a slot whose
/// two ends have different offsets is computed row by row).
struct Offsets {
    zone: Zone,
    cache: HashMap<i64, Option<i64>>,
}

impl Offsets {
    const SLOT: i64 = 15 * 60 * 1_000_000;

    fn local(&mut self, us: i64) -> i64 {
        let zone = self.zone;
        let slot = us.div_euclid(Self::SLOT);
        let fixed = *self.cache.entry(slot).or_insert_with(|| {
            let a = zone.local_micros(slot * Self::SLOT) - slot * Self::SLOT;
            let b = zone.local_micros((slot + 1) * Self::SLOT - 1) - ((slot + 1) * Self::SLOT - 1);
            (a == b).then_some(a)
        });
        match fixed {
            Some(off) => us + off,
            None => zone.local_micros(us),
        }
    }
}

const HOUR_US: i64 = 3_600_000_000;

impl Agg {
    fn code(&self, dim: Dim, batch: &RecordBatch, event_type: EventType, offsets: &mut Offsets) -> Coded {
        let c = Columns(batch);
        let n = batch.num_rows();
        if let Some(col) = dim.dict_column() {
            let d = c.dict(col);
            return match dim {
                Dim::ClientApp => code_dict(&d, n, |v| Val::Text(client_app_name(v).into())),
                _ => code_dict(&d, n, |v| Val::text(v.map(str::trim).filter(|s| !s.is_empty()))),
            };
        }
        match dim {
            Dim::User => {
                let (upns, ids) = (c.text(USER_PRINCIPAL_NAME), c.text(USER_ID));
                code_values(n, |i| user_key(upns, ids, i), |v| vec![v.map_or(Val::Null, |v| Val::Text(lower(v)))])
            }
            Dim::Ip => {
                let ips = c.text(IP_ADDRESS);
                code_values(
                    n,
                    |i| ips.is_valid(i).then(|| ips.value(i).trim()).filter(|s| !s.is_empty()),
                    |v| vec![Val::text(v)],
                )
            }
            Dim::City => {
                let (co, st, ci) = (c.dict(COUNTRY), c.dict(STATE), c.dict(CITY));
                let k = |d: &DictText<'_>, i| d.key(i).map_or(0, |k| k as i64 + 1);
                let width = (st.values.len() as i64 + 1, ci.values.len() as i64 + 1);
                code_values(
                    n,
                    |i| Some((k(&co, i) * width.0 + k(&st, i)) * width.1 + k(&ci, i)),
                    |v| {
                        let v = v.unwrap_or(0);
                        let (a, rest) = (v / (width.0 * width.1), v % (width.0 * width.1));
                        let (b, cc) = (rest / width.1, rest % width.1);
                        let get = |d: &DictText<'_>, k: i64| {
                            Val::text((k > 0).then(|| d.values.value(k as usize - 1).trim()).filter(|s| !s.is_empty()))
                        };
                        vec![get(&co, a), get(&st, b), get(&ci, cc)]
                    },
                )
            }
            Dim::Compliant => code_bools(c.bools(IS_COMPLIANT), n),
            Dim::Managed => code_bools(c.bools(IS_MANAGED), n),
            Dim::ErrorCode => {
                let codes = c.ints(ERROR_CODE);
                code_values(
                    n,
                    |i| codes.is_valid(i).then(|| i64::from(codes.value(i))),
                    |v| vec![v.map_or(Val::Null, Val::Int)],
                )
            }
            Dim::Outcome => {
                let codes = c.ints(ERROR_CODE);
                let codes = (0..n).map(|i| outcome_at(codes, i) as u32).collect();
                Coded { codes, values: Outcome::ALL.iter().map(|o| vec![Val::Text(o.name().into())]).collect() }
            }
            Dim::EventType => Coded { codes: vec![0; n], values: vec![vec![Val::Text(event_type.as_str().into())]] },
            Dim::Day | Dim::Hour => {
                let created = c.times(CREATED);
                let bucket = |us: i64, offsets: &mut Offsets| {
                    let local = offsets.local(us);
                    if dim == Dim::Day {
                        local.div_euclid(MICROS_PER_DAY)
                    } else {
                        // The hour's first instant, so that a local hour lived twice (the clock
                        // going back) stays two hours.
                        us - local.rem_euclid(HOUR_US)
                    }
                };
                let buckets: Vec<i64> = (0..n).map(|i| bucket(created.value(i), offsets)).collect();
                code_values(n, |i| Some(buckets[i]), |v| vec![Val::Int(v.unwrap_or(0))])
            }
            _ => unreachable!("{dim:?} is a dictionary column or the policy list"),
        }
    }
}

fn outcome_at(codes: &Int32Array, i: usize) -> Outcome {
    Outcome::of(codes.is_valid(i).then(|| codes.value(i)))
}

/// The id of each row's text (`None` where it has none or the row is not kept), each distinct
/// text of the batch looked up in `interner` once.
fn interned<'a>(
    n: usize,
    kept: &dyn Fn(usize) -> bool,
    value: impl Fn(usize) -> Option<&'a str>,
    interner: &mut Interner,
    norm: impl Fn(&str) -> Box<str>,
) -> Vec<Option<u32>> {
    let mut index: HashMap<&str, u32> = HashMap::new();
    (0..n)
        .map(|i| {
            if !kept(i) {
                return None;
            }
            value(i).map(|v| *index.entry(v).or_insert_with(|| interner.id(&norm(v))))
        })
        .collect()
}

/// A policy of a stored list: its id's index in the batch, display name and result.
struct BatchPolicy {
    id: usize,
    name: String,
    result: String,
}

impl Aggregate for Agg {
    type Output = Vec<Group>;

    fn update(&mut self, batch: &RecordBatch, event_type: EventType) {
        let spec = self.spec.clone();
        let n = batch.num_rows();
        let keep = (!spec.filter.is_empty()).then(|| spec.filter.keep(batch));
        let kept = |i: usize| keep.as_ref().is_none_or(|k| k[i]);
        let c = Columns(batch);
        let (ids, created, codes) = (c.text(ID), c.times(CREATED), c.ints(ERROR_CODE));
        let (upns, user_ids) = (c.text(USER_PRINCIPAL_NAME), c.text(USER_ID));
        let users = interned(n, &kept, |i| user_key(upns, user_ids, i), &mut self.users, lower);
        let apps = if spec.apps {
            let d = c.dict(APP_ID);
            let value = |i| d.get(i).map(str::trim).filter(|s: &&str| !s.is_empty());
            interned(n, &kept, value, &mut self.apps, |v| v.to_ascii_lowercase().into())
        } else {
            Vec::new()
        };
        let reasons = spec.reason.then(|| c.dict(FAILURE_REASON));
        let mut offsets = Offsets { zone: self.zone, cache: HashMap::new() };
        let plain: Vec<Dim> = spec.dims.iter().copied().filter(|&d| d != Dim::Policy).collect();
        let coded: Vec<Coded> = plain.iter().map(|&d| self.code(d, batch, event_type, &mut offsets)).collect();
        let names: Vec<Option<DictOrText<'_>>> = plain
            .iter()
            .map(|d| match d.name_column() {
                Some(USER_DISPLAY_NAME) => Some(DictOrText::Text(c.text(USER_DISPLAY_NAME))),
                Some(col) => Some(DictOrText::Dict(c.dict(col))),
                None => None,
            })
            .collect();
        let name_slots = names.len() + usize::from(spec.dims.contains(&Dim::Policy));
        // The policies of each stored list, decoded once per batch; ids indexed in `policy_ids`.
        let mut policy_ids: Vec<String> = Vec::new();
        let policies = spec.dims.contains(&Dim::Policy).then(|| {
            let d = c.dict(CA_POLICIES);
            let mut index: HashMap<String, usize> = HashMap::new();
            let decoded: Vec<Vec<BatchPolicy>> = (0..d.values.len())
                .map(|k| {
                    let mut list: Vec<BatchPolicy> = Vec::new();
                    if d.values.is_valid(k) {
                        for (id, name, result) in Policies::decode(d.values.value(k)) {
                            let id = id.trim().to_ascii_lowercase();
                            if id.is_empty() {
                                continue;
                            }
                            let next = index.len();
                            let at = *index.entry(id.clone()).or_insert_with(|| {
                                policy_ids.push(id);
                                next
                            });
                            if list.iter().all(|p| p.id != at) {
                                list.push(BatchPolicy {
                                    id: at,
                                    name: name.trim().to_string(),
                                    result: result.trim().to_string(),
                                });
                            }
                        }
                    }
                    list
                })
                .collect();
            (d, decoded)
        });
        // Pack the codes of a row into one integer where they fit (they nearly always do); each
        // distinct packed key (and policy) of the batch finds its group once.
        let bits: Vec<u32> = coded.iter().map(Coded::bits).collect();
        let packable = bits.iter().sum::<u32>() <= 128;
        let mut local: HashMap<(u128, usize), usize> = HashMap::new();
        let mut wide: HashMap<(Vec<u32>, usize), usize> = HashMap::new();
        let key_of = |i: usize, policy: Option<usize>| {
            let mut key: Vec<Val> = coded.iter().flat_map(|c| c.values[c.codes[i] as usize].iter().cloned()).collect();
            if let Some(p) = policy {
                key.push(Val::Text(policy_ids[p].as_str().into()));
            }
            key
        };
        let mut slot_of = |agg: &mut Agg, i: usize, policy: Option<usize>| {
            let p = policy.unwrap_or(usize::MAX);
            if packable {
                let mut k = 0u128;
                for (c, b) in coded.iter().zip(&bits) {
                    k = (k << b) | u128::from(c.codes[i]);
                }
                *local.entry((k, p)).or_insert_with(|| agg.slot(key_of(i, policy)))
            } else {
                let k = coded.iter().map(|c| c.codes[i]).collect();
                *wide.entry((k, p)).or_insert_with(|| agg.slot(key_of(i, policy)))
            }
        };
        for i in (0..n).filter(|&i| kept(i)) {
            let t = created.value(i);
            let id = ids.value(i);
            let outcome = outcome_at(codes, i) as usize;
            let user = users[i];
            let app = apps.get(i).copied().flatten();
            let update = |st: &mut State, policy: Option<&BatchPolicy>| {
                st.outcomes[outcome] += 1;
                if let Some(u) = user {
                    st.users.insert(u);
                }
                if let Some(a) = app {
                    st.apps.insert(a);
                }
                st.last = st.last.max(Some(t));
                if st.names.len() < name_slots {
                    st.names.resize_with(name_slots, Latest::default);
                }
                for (slot, name) in names.iter().enumerate() {
                    if let Some(name) = name {
                        st.names[slot]
                            .offer(t, id, || name.get(i).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string));
                    }
                }
                if let Some(r) = &reasons {
                    st.reason.offer(t, id, || r.get(i).map(str::to_string));
                }
                if let Some(p) = policy {
                    st.names[names.len()].offer(t, id, || Some(p.name.clone()).filter(|s| !s.is_empty()));
                    st.latest_result.offer(t, id, || Some(p.result.clone()));
                    let b = Bucket::of(&p.result) as usize;
                    st.buckets[b] += 1;
                    if let Some(u) = user {
                        st.bucket_users[b].insert(u);
                    }
                }
            };
            match &policies {
                None => {
                    let slot = slot_of(self, i, None);
                    update(&mut self.groups[slot].state, None);
                }
                Some((d, decoded)) => {
                    if let Some(k) = d.key(i) {
                        for p in &decoded[k] {
                            let slot = slot_of(self, i, Some(p.id));
                            update(&mut self.groups[slot].state, Some(p));
                        }
                    }
                }
            }
        }
    }

    fn finish(self) -> Vec<Group> {
        self.groups
    }
}

/// A display-name column: dictionary-encoded or plain text.
enum DictOrText<'a> {
    Dict(DictText<'a>),
    Text(&'a StringArray),
}

impl<'a> DictOrText<'a> {
    fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            DictOrText::Dict(d) => d.get(i),
            DictOrText::Text(t) => t.is_valid(i).then(|| t.value(i)),
        }
    }
}

/// The groups of `spec` over the user sign-ins `req` selects (`default` event types unless
/// `--event-types`), unsorted. A group's key holds the key fields of the plain dimensions in
/// order, then the policy id when `Dim::Policy` is asked; its `names` the display names of
/// those with one, in the same order.
pub fn run(
    store: &Store,
    manifest: &Manifest,
    req: &Request,
    default: &[EventType],
    spec: &Spec,
) -> Result<Vec<Group>> {
    let sel = req.selection(SIGNINS, default);
    let cols = spec.columns();
    let spec = Arc::new(spec.clone());
    let zone = req.zone();
    scan::run(store, manifest, &sel, &cols, || Agg {
        spec: spec.clone(),
        zone,
        index: HashMap::new(),
        groups: Vec::new(),
        users: Interner::default(),
        apps: Interner::default(),
    })
}
