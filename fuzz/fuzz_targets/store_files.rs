//! A tampered store: any manifest and any bytes in the file it names, through what every
//! command does to a store before and while it reads it (the manifest check, the quick check,
//! `store verify`, the schema check on each footer, a report scan, the ids an ingest loads).
//! Nothing may panic, hang, or read or write outside the store.
//!
//! Input: two bytes of manifest length (little endian), the manifest text, then the bytes of the
//! one Parquet file, written at the path of the manifest's first `signins` entry.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signin_insights::domain::EventType;
use signin_insights::report::{Request, apps};
use signin_insights::scan::Window;
use signin_insights::store::Store;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let n = usize::from(u16::from_le_bytes([data[0], data[1]])).min(data.len() - 2);
    let (manifest, file) = (&data[2..2 + n], &data[2 + n..]);
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path().join("store"));
    std::fs::create_dir_all(store.root()).expect("store folder");
    std::fs::write(store.manifest_path(), manifest).expect("manifest");
    let Ok(m) = store.manifest() else { return };
    if let Some(entry) = m.files("signins").first() {
        // Only a path the manifest check let through is written: inside the store.
        let path = store.file(&entry.path).expect("a checked path stays inside the store");
        assert!(path.starts_with(store.root()), "{}", path.display());
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(&path, file);
    }
    let _ = store.quick_check(&m);
    let _ = store.verify();
    let _ = store.id_hashes(&m);
    let as_of = m.files("signins").iter().map(|f| f.max_time_us).max().unwrap_or(0);
    let mut req = Request::new(Window::all(as_of));
    req.event_types = Some(EventType::ALL.to_vec());
    let _ = apps::compute(&store, &m, &req, apps::Sort::Total);
});
