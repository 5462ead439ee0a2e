//! A dictionary builder for the low-cardinality text columns, cheaper per value than Arrow's
//! `StringDictionaryBuilder` on the ingest's hot path: a column with few distinct values (client
//! app, protocol, country, ...) finds its key by a linear scan of at most `LINEAR` values, compared
//! length first; a column with more (app ids, user agents, cities) by a hash table keyed by
//! XXH3. It finishes into the same `DictionaryArray<Int32Type>` of `Utf8` values.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::sync::Arc;

use arrow_array::builder::{BooleanBufferBuilder, StringBuilder};
use arrow_array::types::Int32Type;
use arrow_array::{DictionaryArray, Int32Array};
use arrow_schema::ArrowError;

/// Up to this many distinct values the key is found by a linear scan.
const LINEAR: usize = 16;

type Xxh3 = BuildHasherDefault<xxhash_rust::xxh3::Xxh3Default>;

pub struct Dict {
    keys: Vec<i32>,
    valid: BooleanBufferBuilder,
    nulls: usize,
    values: Vec<Box<str>>,
    index: HashMap<Box<str>, i32, Xxh3>,
}

impl std::fmt::Debug for Dict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dict").field("len", &self.keys.len()).field("values", &self.values.len()).finish()
    }
}

impl Default for Dict {
    fn default() -> Self {
        Dict::new()
    }
}

impl Dict {
    pub fn new() -> Self {
        Dict {
            keys: Vec::new(),
            valid: BooleanBufferBuilder::new(0),
            nulls: 0,
            values: Vec::new(),
            index: HashMap::default(),
        }
    }

    fn key(&mut self, v: &str) -> i32 {
        if self.values.len() <= LINEAR {
            // Length, then the last byte, before the whole text: values of one column often share
            // a length (ids, codes), seldom an ending, and a call to memcmp a candidate was 4% of
            // an ingest.
            let last = v.as_bytes().last();
            if let Some(i) =
                self.values.iter().position(|x| x.len() == v.len() && x.as_bytes().last() == last && **x == *v)
            {
                return i as i32;
            }
        } else if let Some(&k) = self.index.get(v) {
            return k;
        }
        let k = self.values.len() as i32;
        self.values.push(v.into());
        if self.values.len() > LINEAR {
            if self.index.is_empty() {
                for (i, x) in self.values.iter().enumerate() {
                    self.index.insert(x.clone(), i as i32);
                }
            } else {
                self.index.insert(v.into(), k);
            }
        }
        k
    }

    pub fn append_value(&mut self, v: &str) {
        let k = self.key(v);
        self.keys.push(k);
        self.valid.append(true);
    }

    pub fn append_null(&mut self) {
        self.keys.push(0);
        self.valid.append(false);
        self.nulls += 1;
    }

    pub fn append_option(&mut self, v: Option<&str>) {
        match v {
            Some(v) => self.append_value(v),
            None => self.append_null(),
        }
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The column so far, and an empty builder in its place.
    pub fn finish(&mut self) -> DictionaryArray<Int32Type> {
        let done = std::mem::take(self);
        done.build().expect("keys are indices of the values")
    }

    fn build(mut self) -> Result<DictionaryArray<Int32Type>, ArrowError> {
        let nulls = (self.nulls > 0).then(|| self.valid.finish().into());
        let keys = Int32Array::new(self.keys.into(), nulls);
        let mut values = StringBuilder::with_capacity(self.values.len(), self.values.iter().map(|v| v.len()).sum());
        for v in &self.values {
            values.append_value(v);
        }
        DictionaryArray::try_new(keys, Arc::new(values.finish()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;
    use arrow_array::cast::AsArray;

    #[test]
    fn keys_and_nulls_survive_the_switch_from_scan_to_hash() {
        let mut d = Dict::new();
        let mut expect = Vec::new();
        for i in 0..200 {
            let v = (i % 3 != 0).then(|| format!("v{}", (i * 7) % 41));
            d.append_option(v.as_deref());
            expect.push(v);
        }
        let a = d.finish();
        assert_eq!(a.len(), 200);
        assert_eq!(a.null_count(), 67);
        assert_eq!(a.values().len(), 41);
        let values = a.values().as_string::<i32>();
        for (i, e) in expect.iter().enumerate() {
            match e {
                None => assert!(a.is_null(i)),
                Some(e) => assert_eq!(values.value(a.keys().value(i) as usize), e),
            }
        }
        assert!(d.is_empty());
        d.append_value("again");
        assert_eq!(d.finish().values().len(), 1);
    }
}
