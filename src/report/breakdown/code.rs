//! Per batch, what the engine groups by: each dimension as a small code per row ([`code`]),
//! the users and apps as dense ids ([`interned`]), and the entries of each distinct stored list
//! (policies, prompts) decoded once ([`decode_lists`]).

use foldhash::{HashMap, HashMapExt};

use arrow_array::{Array, BooleanArray, Int32Array, RecordBatch, StringArray};

use super::{Dim, Interner, Val, client_app_name, is_prompt};
use crate::domain::{EventType, MICROS_PER_DAY, Outcome, Zone};
use crate::normalize::{Policies, Steps};
use crate::scan::{Columns, DictText};
use crate::store::schema::*;

/// Per-row codes of one dimension in one batch, and the value of each code.
pub(super) struct Coded {
    pub(super) codes: Vec<u32>,
    pub(super) values: Vec<Vec<Val>>,
}

impl Coded {
    pub(super) fn bits(&self) -> u32 {
        (self.values.len().max(1) as u32).next_power_of_two().trailing_zeros().max(1)
    }
}

/// Codes of any values (text, numbers), each distinct value of the batch once.
pub(super) fn code_values<K: Copy + Eq + std::hash::Hash>(
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

pub(super) fn code_dict(d: &DictText<'_>, n: usize, make: impl Fn(Option<&str>) -> Val) -> Coded {
    let null = d.values.len() as u32;
    let mut values: Vec<Vec<Val>> =
        (0..d.values.len()).map(|k| vec![make(d.values.is_valid(k).then(|| d.values.value(k)))]).collect();
    values.push(vec![make(None)]);
    let codes = (0..n).map(|i| d.key(i).map_or(null, |k| k as u32)).collect();
    Coded { codes, values }
}

pub(super) fn code_bools(b: &BooleanArray, n: usize) -> Coded {
    let codes = (0..n).map(|i| if b.is_valid(i) { u32::from(b.value(i)) } else { 2 }).collect();
    Coded { codes, values: vec![vec![Val::Bool(false)], vec![Val::Bool(true)], vec![Val::Null]] }
}

/// The user a row is about: the UPN lower-cased, else the user id.
pub(super) fn user_key<'a>(upns: &'a StringArray, ids: &'a StringArray, i: usize) -> Option<&'a str> {
    let upn = upns.is_valid(i).then(|| upns.value(i).trim()).filter(|s| !s.is_empty());
    upn.or_else(|| ids.is_valid(i).then(|| ids.value(i).trim()).filter(|s| !s.is_empty()))
}

pub(super) fn lower(s: &str) -> Box<str> {
    if s.bytes().any(|b| b.is_ascii_uppercase() || !b.is_ascii()) { s.to_lowercase().into() } else { s.into() }
}

/// The local offset of instants, computed once per quarter hour of UTC (exact: a slot whose
/// two ends have different offsets is computed row by row).
pub(super) struct Offsets {
    zone: Zone,
    cache: HashMap<i64, Option<i64>>,
}

impl Offsets {
    pub(super) fn new(zone: Zone) -> Offsets {
        Offsets { zone, cache: HashMap::new() }
    }
}

impl Offsets {
    const SLOT: i64 = 15 * 60 * 1_000_000;

    pub(super) fn local(&mut self, us: i64) -> i64 {
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

pub(super) const HOUR_US: i64 = 3_600_000_000;

/// The codes of one dimension in a batch.
pub(super) fn code(dim: Dim, batch: &RecordBatch, event_type: EventType, offsets: &mut Offsets) -> Coded {
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

pub(super) fn outcome_at(codes: &Int32Array, i: usize) -> Outcome {
    Outcome::of(codes.is_valid(i).then(|| codes.value(i)))
}

/// The id of each row's text (`None` where it has none or the row is not kept), each distinct
/// text of the batch looked up in `interner` once.
pub(super) fn interned<'a>(
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

/// An entry of a stored list: its key's index in the batch, and for a policy its display
/// name and result, for a method the sign-in's prompts of it and how many succeeded.
pub(super) struct Item {
    pub(super) id: usize,
    pub(super) name: String,
    pub(super) result: String,
    pub(super) prompts: u64,
    pub(super) ok: u64,
}

/// The prompts of stored steps and how many succeeded.
pub(super) fn prompt_counts(steps: &str) -> (u64, u64) {
    Steps::decode(steps)
        .filter(|(m, _)| is_prompt(m))
        .fold((0, 0), |(n, ok), (_, s)| (n + 1, ok + u64::from(s == Some(true))))
}

/// The entries of each distinct stored list of `dim` (policy or method) in a batch, and the
/// keys they index.
pub(super) fn decode_lists(dim: Dim, d: &DictText<'_>) -> (Vec<Vec<Item>>, Vec<String>) {
    let mut keys: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut at = |key: String, keys: &mut Vec<String>| {
        let next = index.len();
        *index.entry(key.clone()).or_insert_with(|| {
            keys.push(key);
            next
        })
    };
    let lists = (0..d.values.len())
        .map(|k| {
            let mut list: Vec<Item> = Vec::new();
            if !d.values.is_valid(k) {
                return list;
            }
            let text = d.values.value(k);
            if dim == Dim::Method {
                for (method, ok) in Steps::decode(text).filter(|(m, _)| is_prompt(m)) {
                    let id = at(method.trim().to_string(), &mut keys);
                    let item = match list.iter_mut().find(|p| p.id == id) {
                        Some(item) => item,
                        None => {
                            list.push(Item { id, name: String::new(), result: String::new(), prompts: 0, ok: 0 });
                            list.last_mut().expect("just pushed")
                        }
                    };
                    item.prompts += 1;
                    item.ok += u64::from(ok == Some(true));
                }
                return list;
            }
            for (id, name, result) in Policies::decode(text) {
                let id = id.trim().to_ascii_lowercase();
                if id.is_empty() {
                    continue;
                }
                let id = at(id, &mut keys);
                // A policy counts once per sign-in (its first entry).
                if list.iter().all(|p| p.id != id) {
                    let (name, result) = (name.trim().to_string(), result.trim().to_string());
                    list.push(Item { id, name, result, prompts: 0, ok: 0 });
                }
            }
            list
        })
        .collect();
    (lists, keys)
}
