//! What a person types for an application, resolved to the ids the store knows (SPEC 7):
//! `--app` takes an appId, an exact display name, or part of one, ignoring case. An id or an
//! exact name wins over a part; a part may match several applications, and all of them are
//! counted (the caller lists them). Nothing at all is a usage error naming the nearest names.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use arrow_array::{Array, RecordBatch};

use crate::domain::EventType;
use crate::error::{Error, Result};
use crate::scan::{self, Aggregate, Columns, Merge, Selection, Window};
use crate::store::manifest::Manifest;
use crate::store::schema::{APP_DISPLAY_NAME, APP_ID, CREATED, ID, RESOURCE_DISPLAY_NAME, RESOURCE_ID};
use crate::store::{CREDENTIALS, SIGNINS, Store};

/// How `--app` matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    Id,
    Name,
    Part,
}

/// The applications `--app` stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Apps {
    /// Their appIds, lower-cased.
    pub ids: Vec<String>,
    /// (appId, the names it has been seen with) of each, for saying which were taken.
    pub named: Vec<(String, Vec<String>)>,
    pub how: How,
}

impl Apps {
    /// "OfficeHome (4765445b-…), Office 365 Exchange Online (00000002-…)", the first ten.
    pub fn listed(&self) -> String {
        let one = |(id, names): &(String, Vec<String>)| match names.first() {
            Some(n) => format!("{n} ({id})"),
            None => id.clone(),
        };
        let mut shown: Vec<String> = self.named.iter().take(10).map(one).collect();
        if self.named.len() > 10 {
            shown.push(format!("and {} more", self.named.len() - 10));
        }
        shown.join(", ")
    }
}

/// Every application the store knows: lower-cased appId -> (appId as written, its names), from
/// the sign-ins of any type and time and the credential inventory.
pub fn known_apps(store: &Store, manifest: &Manifest) -> Result<BTreeMap<String, (String, BTreeSet<String>)>> {
    struct Seen(BTreeMap<String, (String, BTreeSet<String>)>);
    impl Merge for Seen {
        fn merge(&mut self, other: Seen) {
            for (k, (id, names)) in other.0 {
                self.0.entry(k).or_insert_with(|| (id, BTreeSet::new())).1.extend(names);
            }
        }
    }
    impl Aggregate for Seen {
        type Output = BTreeMap<String, (String, BTreeSet<String>)>;
        fn update(&mut self, b: &RecordBatch, _: EventType) {
            let c = Columns(b);
            let (ids, names) = (c.dict(APP_ID), c.dict(APP_DISPLAY_NAME));
            // Each distinct (id, name) pair of the batch once, by dictionary key.
            let pairs: HashSet<(usize, Option<usize>)> =
                (0..b.num_rows()).filter_map(|i| Some((ids.key(i)?, names.key(i)))).collect();
            for (id_key, name_key) in pairs {
                if !ids.values.is_valid(id_key) {
                    continue;
                }
                let id = ids.values.value(id_key).trim();
                if id.is_empty() {
                    continue;
                }
                let entry = self.0.entry(id.to_lowercase()).or_insert_with(|| (id.to_string(), BTreeSet::new()));
                if let Some(n) = name_key.filter(|&k| names.values.is_valid(k)).map(|k| names.values.value(k).trim())
                    && !n.is_empty()
                {
                    entry.1.insert(n.to_string());
                }
            }
        }
        fn finish(self) -> Self::Output {
            self.0
        }
    }
    let mut known = BTreeMap::new();
    if let Some(latest) = crate::report::latest_event_in(manifest, SIGNINS) {
        let sel = Selection { table: SIGNINS, event_types: EventType::ALL.to_vec(), window: Window::all(latest) };
        known = scan::run(store, manifest, &sel, &[APP_ID, APP_DISPLAY_NAME], || Seen(BTreeMap::new()))?;
    }
    if !manifest.files(CREDENTIALS).is_empty() {
        for row in crate::store::credentials::load(store, manifest)? {
            let id = row.app_id.trim();
            if id.is_empty() {
                continue;
            }
            let entry = known.entry(id.to_lowercase()).or_insert_with(|| (id.to_string(), BTreeSet::new()));
            if let Some(n) = row.object_display_name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                entry.1.insert(n.to_string());
            }
        }
    }
    Ok(known)
}

/// The name of each application or resource the sign-ins of `sel` name, by lower-cased id: the
/// name of its latest sign-in as the app (`appDisplayName`), else as the resource
/// (`resourceDisplayName`). For labels beside ids a person reads (SPEC 7).
pub fn display_names(store: &Store, manifest: &Manifest, sel: &Selection) -> Result<HashMap<String, String>> {
    scan::latest::run_latest(store, manifest, sel, DisplayNames::COLUMNS, DisplayNames::default)
}

/// The aggregate behind [`display_names`], to run beside a report's own in one scan.
#[derive(Default)]
pub struct DisplayNames(HashMap<String, (Rank, String)>);

/// (is the app, time, sign-in id): an app's own name beats a resource's, then the latest
/// sign-in's (the greater sign-in id on a tie, as elsewhere).
type Rank = (bool, i64, String);

impl DisplayNames {
    /// The columns it reads.
    pub const COLUMNS: &'static [&'static str] =
        &[ID, CREATED, APP_ID, APP_DISPLAY_NAME, RESOURCE_ID, RESOURCE_DISPLAY_NAME];

    /// Lower-cased id -> (rank, name), the higher rank kept.
    fn offer(&mut self, id: &str, rank: Rank, name: &str) {
        match self.0.entry(id.trim().to_lowercase()) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert((rank, name.to_string()));
            }
            std::collections::hash_map::Entry::Occupied(mut o) if rank > o.get().0 => {
                o.insert((rank, name.to_string()));
            }
            std::collections::hash_map::Entry::Occupied(_) => {}
        }
    }
}

impl Merge for DisplayNames {
    fn merge(&mut self, other: DisplayNames) {
        for (id, (rank, name)) in other.0 {
            self.offer(&id, rank, &name);
        }
    }
}

impl scan::latest::Latests for DisplayNames {
    fn times(&self, into: &mut Vec<i64>) {
        into.extend(self.0.values().map(|((_, t, _), _)| *t));
    }
}

impl Aggregate for DisplayNames {
    type Output = HashMap<String, String>;

    fn update(&mut self, b: &RecordBatch, _: EventType) {
        let c = Columns(b);
        let (created, row_ids) = (c.times(CREATED), c.text(ID));
        for (is_app, id_col, name_col) in
            [(true, APP_ID, APP_DISPLAY_NAME), (false, RESOURCE_ID, RESOURCE_DISPLAY_NAME)]
        {
            let (ids, names) = (c.dict(id_col), c.dict(name_col));
            // Which dictionary entries can label or be labelled: not blank.
            let usable = |v: &arrow_array::StringArray| -> Vec<bool> {
                (0..v.len()).map(|k| v.is_valid(k) && !v.value(k).trim().is_empty()).collect()
            };
            let (id_ok, name_ok) = (usable(ids.values), usable(names.values));
            // The latest named row of each id of the batch.
            let best = ids.latest_by_key(created, row_ids, |i, k| id_ok[k] && names.key(i).is_some_and(|n| name_ok[n]));
            for (k, i) in best.into_iter().enumerate() {
                let Some(i) = i else { continue };
                let name = names.get(i).unwrap_or_default().trim();
                self.offer(ids.values.value(k), (is_app, created.value(i), row_ids.value(i).to_string()), name);
            }
        }
    }

    fn finish(self) -> Self::Output {
        self.0.into_iter().map(|(id, (_, name))| (id, name)).collect()
    }
}

/// The applications `given` stands for among `known` ([`known_apps`]): an appId, else every
/// application with that exact name, else every one whose name contains it (ignoring case).
pub fn resolve_app(known: &BTreeMap<String, (String, BTreeSet<String>)>, given: &str) -> Result<Apps> {
    let want = given.trim().to_lowercase();
    // Each app named by the names that matched first.
    let apps = |how: How, keys: Vec<&String>| Apps {
        ids: keys.iter().map(|k| (*k).clone()).collect(),
        named: keys
            .iter()
            .map(|k| {
                let (id, names) = &known[*k];
                let mut names: Vec<String> = names.iter().cloned().collect();
                names.sort_by_key(|n| !n.to_lowercase().contains(&want));
                (id.clone(), names)
            })
            .collect(),
        how,
    };
    if known.contains_key(&want) {
        return Ok(apps(How::Id, vec![known.get_key_value(&want).expect("present").0]));
    }
    let exact: Vec<&String> =
        known.iter().filter(|(_, (_, names))| names.iter().any(|n| n.to_lowercase() == want)).map(|(k, _)| k).collect();
    if !exact.is_empty() {
        return Ok(apps(How::Name, exact));
    }
    let part: Vec<&String> = known
        .iter()
        .filter(|(_, (_, names))| !want.is_empty() && names.iter().any(|n| n.to_lowercase().contains(&want)))
        .map(|(k, _)| k)
        .collect();
    if !part.is_empty() {
        return Ok(apps(How::Part, part));
    }
    Err(Error::Usage(format!(
        "--app {given:?}: no application in the store has that id or name{}",
        nearest(known, &want)
    )))
}

/// "; the store knows 24 applications; the nearest names: OfficeHome, …".
fn nearest(known: &BTreeMap<String, (String, BTreeSet<String>)>, want: &str) -> String {
    if known.is_empty() {
        return "; the store holds no sign-ins or credential inventory".into();
    }
    let most = (want.chars().count() / 3).max(1);
    let mut near: Vec<(usize, &str)> = known
        .values()
        .flat_map(|(_, names)| names.iter())
        .map(|n| (distance(want, &n.to_lowercase()), n.as_str()))
        .filter(|(d, _)| *d <= most)
        .collect();
    near.sort();
    near.dedup_by(|a, b| a.1 == b.1);
    let names: Vec<&str> = near.iter().take(5).map(|(_, n)| *n).collect();
    let listed = if names.is_empty() { String::new() } else { format!("; the nearest names: {}", names.join(", ")) };
    format!("; the store knows {} applications{listed}", known.len())
}

/// Edit distance between `a` and the closest part of `b` of its length or the whole of `b`
/// (what a person typing part of a UPN is nearest to).
pub fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // Levenshtein with a free start and end in `b` (a substring match).
    let mut prev: Vec<usize> = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev.into_iter().min().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> BTreeMap<String, (String, BTreeSet<String>)> {
        let mut k = BTreeMap::new();
        for (id, names) in [
            ("4765445B-32c6-49b0-83e6-1d93765276ca", &["OfficeHome"][..]),
            ("00000002-0000-0ff1-ce00-000000000000", &["Office 365 Exchange Online"][..]),
            ("aaaaaaaa-0000-0000-0000-000000000001", &["Payroll", "Payroll (old)"][..]),
            ("aaaaaaaa-0000-0000-0000-000000000002", &["payroll"][..]),
        ] {
            k.insert(id.to_lowercase(), (id.to_string(), names.iter().map(|n| n.to_string()).collect()));
        }
        k
    }

    #[test]
    fn an_id_then_an_exact_name_then_a_part() {
        let k = known();
        let by_id = resolve_app(&k, " 4765445b-32C6-49b0-83e6-1d93765276ca").unwrap();
        assert_eq!((by_id.how, by_id.ids.len()), (How::Id, 1));
        assert_eq!(by_id.listed(), "OfficeHome (4765445B-32c6-49b0-83e6-1d93765276ca)");
        let name = resolve_app(&k, "PAYROLL").unwrap();
        assert_eq!((name.how, name.ids.len()), (How::Name, 2), "two apps share the name: both");
        let part = resolve_app(&k, "office").unwrap();
        assert_eq!((part.how, part.ids.len()), (How::Part, 2));
        let old = resolve_app(&k, "(old)").unwrap();
        assert_eq!(old.ids, ["aaaaaaaa-0000-0000-0000-000000000001"], "a former name counts");
        let none = resolve_app(&k, "Ofice Hme").unwrap_err().to_string();
        assert!(none.contains("no application") && none.contains("nearest names: OfficeHome"), "{none}");
        assert!(resolve_app(&BTreeMap::new(), "x").unwrap_err().to_string().contains("holds no sign-ins"));
    }
}
