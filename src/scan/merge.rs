//! The states that aggregates are made of, and how two of them combine. Every state here
//! merges associatively and commutatively (counts add, sets unite, the latest of two is the
//! later by time then id), which is what lets a scan split the row groups among threads in any
//! order and still give the same digits.
//!
//! A report's state is a struct of these; [`merge_fields!`](crate::merge_fields) writes its
//! [`Merge`] from the list of its fields, so no report spells out a merge body.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasher, Hash};

use arrow_array::Array;

use super::DictText;

/// Two partial states of the same aggregate become one.
pub trait Merge {
    fn merge(&mut self, other: Self);
}

/// `impl Merge` for a struct by merging the listed fields; fields not listed (parameters the
/// aggregate was made with, such as its zone) are kept from `self`.
#[macro_export]
macro_rules! merge_fields {
    ($t:ty { $($field:tt),* $(,)? }) => {
        impl $crate::scan::Merge for $t {
            fn merge(&mut self, other: Self) {
                $( $crate::scan::Merge::merge(&mut self.$field, other.$field); )*
            }
        }
    };
}

impl Merge for u64 {
    fn merge(&mut self, other: u64) {
        *self += other;
    }
}

impl Merge for () {
    fn merge(&mut self, _: ()) {}
}

impl<T: Merge, const N: usize> Merge for [T; N] {
    fn merge(&mut self, other: Self) {
        for (mine, theirs) in self.iter_mut().zip(other) {
            mine.merge(theirs);
        }
    }
}

impl<A: Merge, B: Merge> Merge for (A, B) {
    fn merge(&mut self, other: Self) {
        self.0.merge(other.0);
        self.1.merge(other.1);
    }
}

/// Lists of rows concatenate (their order is fixed by the report's sort, never by the scan).
impl<T> Merge for Vec<T> {
    fn merge(&mut self, mut other: Vec<T>) {
        self.append(&mut other);
    }
}

impl<T: Hash + Eq, S: BuildHasher> Merge for HashSet<T, S> {
    fn merge(&mut self, other: HashSet<T, S>) {
        if self.len() < other.len() {
            let mine = std::mem::replace(self, other);
            self.extend(mine);
        } else {
            self.extend(other);
        }
    }
}

impl<K: Hash + Eq, V: Merge + Default, S: BuildHasher> Merge for HashMap<K, V, S> {
    fn merge(&mut self, other: HashMap<K, V, S>) {
        for (k, v) in other {
            self.entry(k).or_default().merge(v);
        }
    }
}

impl<K: Ord, V: Merge + Default> Merge for BTreeMap<K, V> {
    fn merge(&mut self, other: BTreeMap<K, V>) {
        for (k, v) in other {
            self.entry(k).or_default().merge(v);
        }
    }
}

/// The latest of a set of sign-ins by (created, id), with a value taken from it. Ties on time
/// go to the greater id in code-point order (SPEC 3), so the result does not depend on which
/// thread saw which sign-in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Latest<T> {
    pub at: Option<(i64, String)>,
    pub value: T,
}

impl<T> Latest<T> {
    /// True when (`t`, `id`) is later than the current latest: the caller then calls `set`.
    pub fn beats(&self, t: i64, id: &str) -> bool {
        match &self.at {
            None => true,
            Some((ct, cid)) => t > *ct || (t == *ct && id > cid.as_str()),
        }
    }

    /// Makes (`t`, `id`) the latest, reusing the text of the one it replaces (on rows sorted
    /// by time every row is a new latest: no allocation per row).
    pub fn set(&mut self, t: i64, id: &str, value: T) {
        match &mut self.at {
            Some((ct, cid)) => {
                *ct = t;
                cid.clear();
                cid.push_str(id);
            }
            None => self.at = Some((t, id.to_string())),
        }
        self.value = value;
    }

    /// Takes (`t`, `id`) and the value `value()` makes when they are the latest so far; the
    /// value is only made then.
    pub fn offer(&mut self, t: i64, id: &str, value: impl FnOnce() -> T) {
        if self.beats(t, id) {
            self.set(t, id, value());
        }
    }

    pub fn time(&self) -> Option<i64> {
        self.at.as_ref().map(|a| a.0)
    }

    pub fn id(&self) -> Option<&str> {
        self.at.as_ref().map(|a| a.1.as_str())
    }
}

impl<T> Merge for Latest<T> {
    fn merge(&mut self, other: Latest<T>) {
        if let Some((t, id)) = &other.at
            && self.beats(*t, id)
        {
            *self = other;
        }
    }
}

/// Groups rows by a text key into a `Vec` of states, looking each dictionary key up once per
/// batch instead of hashing every row.
pub struct Groups<S> {
    index: HashMap<String, usize>,
    pub states: Vec<S>,
}

impl<S> Default for Groups<S> {
    fn default() -> Self {
        Groups { index: HashMap::new(), states: Vec::new() }
    }
}

impl<S: Default> Groups<S> {
    /// The slot of `key`, made empty the first time.
    pub fn slot(&mut self, key: &str) -> usize {
        if let Some(&i) = self.index.get(key) {
            return i;
        }
        self.states.push(S::default());
        self.index.insert(key.to_string(), self.states.len() - 1);
        self.states.len() - 1
    }

    /// The state of `key`, made empty the first time.
    pub fn get_mut(&mut self, key: &str) -> &mut S {
        let slot = self.slot(key);
        &mut self.states[slot]
    }

    /// The group slot of each of `rows`, looking each dictionary key up once per batch
    /// (null keys go to the empty-string group).
    pub fn slots(&mut self, dict: &DictText<'_>, rows: impl IntoIterator<Item = usize>) -> Vec<usize> {
        let null_key = dict.values.len();
        let mut cache = vec![usize::MAX; null_key + 1];
        rows.into_iter()
            .map(|row| {
                let k = dict.key(row).unwrap_or(null_key);
                if cache[k] == usize::MAX {
                    cache[k] = self.slot(if k == null_key { "" } else { dict.values.value(k) });
                }
                cache[k]
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.states.len()
    }

    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// Consumes the groups as (key, state) pairs in key order (code points).
    pub fn into_sorted(self) -> Vec<(String, S)> {
        let mut states: Vec<Option<S>> = self.states.into_iter().map(Some).collect();
        let mut out: Vec<(String, S)> =
            self.index.into_iter().map(|(k, i)| (k, states[i].take().expect("each slot once"))).collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }
}

impl<S: Merge + Default> Merge for Groups<S> {
    fn merge(&mut self, other: Groups<S>) {
        let mut theirs: Vec<Option<S>> = other.states.into_iter().map(Some).collect();
        for (key, i) in other.index {
            let slot = self.slot(&key);
            self.states[slot].merge(theirs[i].take().expect("each slot once"));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{DictionaryArray, types::Int32Type};

    use super::*;

    #[test]
    fn the_latest_is_the_later_time_then_the_greater_id() {
        let mut l: Latest<&str> = Latest::default();
        assert!(l.beats(i64::MIN, ""));
        l.offer(10, "b", || "first");
        l.offer(10, "a", || panic!("an earlier id at the same time does not win, nor is its value made"));
        assert_eq!((l.time(), l.id(), l.value), (Some(10), Some("b"), "first"));
        l.offer(10, "c", || "greater id");
        assert_eq!(l.value, "greater id");
        l.offer(9, "z", || "earlier");
        assert_eq!(l.value, "greater id");
        // Merging in either order gives the same latest.
        let a = Latest { at: Some((5, "x".to_string())), value: 1 };
        let b = Latest { at: Some((5, "y".to_string())), value: 2 };
        let (mut ab, mut ba) = (a.clone(), b.clone());
        ab.merge(b.clone());
        ba.merge(a.clone());
        assert_eq!(ab, ba);
        assert_eq!(ab.value, 2);
        let mut empty = Latest::default();
        empty.merge(a.clone());
        assert_eq!(empty, a);
        let mut kept = a.clone();
        kept.merge(Latest::default());
        assert_eq!(kept, a);
    }

    #[test]
    fn groups_slot_dictionary_keys_once_and_merge_by_key() {
        let dict: DictionaryArray<Int32Type> = vec![Some("b"), None, Some("a"), Some("b"), None].into_iter().collect();
        let dict = Arc::new(dict);
        let text = DictText { keys: dict.keys(), values: dict.values().as_any().downcast_ref().unwrap() };
        let mut g: Groups<u64> = Groups::default();
        for s in g.slots(&text, 0..5) {
            g.states[s] += 1;
        }
        assert_eq!(g.len(), 3, "b, the null group and a");
        let mut other: Groups<u64> = Groups::default();
        *other.get_mut("a") += 10;
        *other.get_mut("c") += 100;
        g.merge(other);
        assert_eq!(g.into_sorted(), vec![("".into(), 2), ("a".into(), 11), ("b".into(), 2), ("c".into(), 100)]);
    }

    #[derive(Default, Debug, PartialEq)]
    struct Pair {
        n: u64,
        seen: HashSet<u32>,
        kept: u8,
    }
    merge_fields!(Pair { n, seen });

    #[test]
    fn merge_fields_merges_the_listed_fields_only() {
        let mut a = Pair { n: 1, seen: [1, 2].into(), kept: 7 };
        a.merge(Pair { n: 2, seen: [2, 3].into(), kept: 9 });
        assert_eq!(a, Pair { n: 3, seen: [1, 2, 3].into(), kept: 7 });
        let mut m: BTreeMap<&str, [u64; 2]> = [("x", [1, 2])].into();
        Merge::merge(&mut m, [("x", [10, 20]), ("y", [1, 1])].into());
        assert_eq!(m, [("x", [11, 22]), ("y", [1, 1])].into());
    }
}
