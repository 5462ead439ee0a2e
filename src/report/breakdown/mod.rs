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

use arrow_array::{Array, RecordBatch, StringArray};

use super::Request;
use super::catalog::{Answer, Opt, Report};
use crate::domain::{EventType, Outcome, Zone};
use crate::error::{Error, Result};
use crate::scan::{self, Aggregate, Columns, DictText, Latest, Merge};

mod code;
mod dim;
mod rows;
use crate::store::schema::*;
use crate::store::{SIGNINS, Store, manifest::Manifest};
use code::{Coded, Item, Offsets, code, decode_lists, interned, lower, outcome_at, prompt_counts, user_key};
use dim::dim_names;
pub use dim::{Bucket, Dim, Filter, SYNC_ACCOUNT, Split, Val, client_app_name, is_legacy, is_prompt, is_risky};
pub use rows::{Fig, KeyedRow, KeyedRows, breakdown_rows, keys_of};

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
            Some(d) if d.iter().any(|d| d.is_list()) => {
                return Err(Error::Usage("--by method applies to `report auth-prompts`".into()));
            }
            Some(d) => d.clone(),
            None => {
                return Err(Error::Usage(format!("report breakdown needs --by DIM[,DIM...]; one of: {}", dim_names())));
            }
        };
        let spec = Spec { dims: dims.clone(), filter: q.options.filter.clone(), ..Spec::default() };
        let groups = run(q.store, q.manifest, &q.request, REPORT.event_types, &spec)?;
        let rows = breakdown_rows(&dims, groups, q.request.zone());
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
    /// Split each group's sign-ins (and users) into buckets by this too.
    pub split: Option<Split>,
    /// Count the [prompts](is_prompt) of each group's sign-ins.
    pub prompts: bool,
    /// A dictionary column whose value on each group's latest sign-in is kept.
    pub latest: Option<&'static str>,
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
        if let Some(split) = self.split {
            c.push(split.column());
        }
        if self.prompts {
            c.push(AUTH_STEPS);
        }
        c.extend(self.latest);
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
    /// Sign-ins and users per bucket: per [`Bucket`] of a policy's result with `Dim::Policy`,
    /// else per bucket of the spec's [`Split`].
    pub buckets: [u64; 4],
    pub bucket_users: [HashSet<u32>; 4],
    /// The latest policy result with `Dim::Policy`, else the latest value of the spec's
    /// `latest` column.
    pub latest_result: Latest<Option<String>>,
    /// Prompts and prompts whose step succeeded (with `Spec::prompts` or `Dim::Method`).
    pub prompts: u64,
    pub prompts_ok: u64,
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
        self.prompts += other.prompts;
        self.prompts_ok += other.prompts_ok;
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
        let mut offsets = Offsets::new(self.zone);
        let plain: Vec<Dim> = spec.dims.iter().copied().filter(|d| !d.is_list()).collect();
        let list_dim = spec.dims.iter().copied().find(|d| d.is_list());
        let coded: Vec<Coded> = plain.iter().map(|&d| code(d, batch, event_type, &mut offsets)).collect();
        let names: Vec<Option<DictOrText<'_>>> = plain
            .iter()
            .map(|d| match d.name_column() {
                Some(USER_DISPLAY_NAME) => Some(DictOrText::Text(c.text(USER_DISPLAY_NAME))),
                Some(col) => Some(DictOrText::Dict(c.dict(col))),
                None => None,
            })
            .collect();
        let name_slots = names.len() + usize::from(list_dim.is_some());
        // The entries of each stored list, decoded once per batch; keys indexed in `list_keys`.
        let mut list_keys: Vec<String> = Vec::new();
        let lists = list_dim.map(|dim| {
            let d = c.dict(dim.columns()[0]);
            let (decoded, keys) = decode_lists(dim, &d);
            list_keys = keys;
            (d, decoded)
        });
        // The spec's split, prompts and latest column, per dictionary key of the batch.
        let split = spec.split.map(|s| {
            let d = c.dict(s.column());
            let of_key: Vec<usize> =
                (0..d.values.len()).map(|k| s.bucket(d.values.is_valid(k).then(|| d.values.value(k)))).collect();
            (d, of_key, s.bucket(None))
        });
        let prompts = (spec.prompts && list_dim != Some(Dim::Method)).then(|| {
            let d = c.dict(AUTH_STEPS);
            let of_key: Vec<(u64, u64)> = (0..d.values.len())
                .map(|k| if d.values.is_valid(k) { prompt_counts(d.values.value(k)) } else { (0, 0) })
                .collect();
            (d, of_key)
        });
        let latest_col = spec.latest.map(|col| c.dict(col));
        // Pack the codes of a row into one integer where they fit (they nearly always do); each
        // distinct packed key (and policy) of the batch finds its group once.
        let bits: Vec<u32> = coded.iter().map(Coded::bits).collect();
        let packable = bits.iter().sum::<u32>() <= 128;
        let mut local: HashMap<(u128, usize), usize> = HashMap::new();
        let mut wide: HashMap<(Vec<u32>, usize), usize> = HashMap::new();
        let key_of = |i: usize, entry: Option<usize>| {
            let mut key: Vec<Val> = coded.iter().flat_map(|c| c.values[c.codes[i] as usize].iter().cloned()).collect();
            if let Some(p) = entry {
                key.push(Val::Text(list_keys[p].as_str().into()));
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
            let update = |st: &mut State, item: Option<&Item>| {
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
                let mut bucket = split.as_ref().map(|(d, of_key, null)| d.key(i).map_or(*null, |k| of_key[k]));
                if let Some((d, of_key)) = &prompts {
                    let (n, ok) = d.key(i).map_or((0, 0), |k| of_key[k]);
                    st.prompts += n;
                    st.prompts_ok += ok;
                }
                if let Some(d) = &latest_col {
                    st.latest_result.offer(t, id, || d.get(i).map(str::trim).map(str::to_string));
                }
                match (item, list_dim) {
                    (Some(p), Some(Dim::Policy)) => {
                        st.names[names.len()].offer(t, id, || Some(p.name.clone()).filter(|s| !s.is_empty()));
                        st.latest_result.offer(t, id, || Some(p.result.clone()));
                        bucket = Some(Bucket::of(&p.result) as usize);
                    }
                    (Some(p), _) => {
                        st.prompts += p.prompts;
                        st.prompts_ok += p.ok;
                    }
                    (None, _) => {}
                }
                if let Some(b) = bucket {
                    st.buckets[b] += 1;
                    if let Some(u) = user {
                        st.bucket_users[b].insert(u);
                    }
                }
            };
            match &lists {
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
/// order, then the policy id or method when a list dimension is asked; its `names` the display
/// names of those with one, in the same order (the policy's last).
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

/// Groups merged under new keys: `key` gives a group's new key, or `None` to leave it out.
/// Groups with one new key merge as the scan merges states (users and apps stay exact).
pub fn regroup(groups: Vec<Group>, key: impl Fn(&Group) -> Option<Vec<Val>>) -> Vec<Group> {
    let mut index: HashMap<Vec<Val>, usize> = HashMap::new();
    let mut out: Vec<Group> = Vec::new();
    for g in groups {
        let Some(k) = key(&g) else { continue };
        match index.get(&k) {
            Some(&i) => out[i].state.merge(g.state),
            None => {
                index.insert(k.clone(), out.len());
                out.push(Group { key: k, state: g.state });
            }
        }
    }
    out
}

/// Where the key of a plain dimension starts in a group's key built for `dims`.
pub fn key_at(dims: &[Dim], dim: Dim) -> Option<usize> {
    let mut at = 0;
    for d in dims.iter().filter(|d| !d.is_list()) {
        if *d == dim {
            return Some(at);
        }
        at += d.key_len();
    }
    None
}
