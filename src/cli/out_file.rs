//! `--out FILE` of the commands that write a file (`html`): what may be written where. A regular
//! file is replaced atomically (a new file beside it, synced, renamed over it), so a reader never
//! sees half a page; a character device or a pipe is written through an open handle (nothing is
//! renamed over it); anything else (a folder, a symbolic link, a socket) is refused, and so is a
//! path inside the store, which an output must never overwrite.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::store::Store;

/// How an output path will be written.
#[derive(Debug, PartialEq, Eq)]
pub enum OutFile {
    /// A new or regular file: written beside it and renamed over it.
    Replace(PathBuf),
    /// A character device or a pipe: written through an open handle.
    Stream(PathBuf),
}

/// Checks `path` before any work is done: refused inside `store` and when it is neither absent,
/// a regular file, a character device nor a pipe.
pub fn check(path: &Path, store: &Store) -> Result<OutFile> {
    let refuse = |why: &str| Err(Error::Usage(format!("--out {}: {why}", path.display())));
    let name = match path.file_name() {
        Some(n) if !path.as_os_str().is_empty() => n,
        _ => return refuse("not a file name"),
    };
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Ok(parent) = parent.canonicalize() else { return refuse("its folder does not exist") };
    if let Ok(root) = store.root().canonicalize()
        && parent.join(name).starts_with(&root)
    {
        return refuse(&format!("inside the store {}; write it elsewhere", store.root().display()));
    }
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(OutFile::Replace(path.to_path_buf())),
        Err(e) => Err(Error::io(path, e)),
        Ok(m) if m.file_type().is_file() => Ok(OutFile::Replace(path.to_path_buf())),
        Ok(m) if is_stream(&m.file_type()) => Ok(OutFile::Stream(path.to_path_buf())),
        Ok(m) if m.file_type().is_symlink() => refuse("a symbolic link; give the file it points to"),
        Ok(m) if m.is_dir() => refuse("a folder; give a file name"),
        Ok(_) => refuse("not a regular file, a device or a pipe"),
    }
}

#[cfg(unix)]
fn is_stream(t: &fs::FileType) -> bool {
    use std::os::unix::fs::FileTypeExt;
    t.is_char_device() || t.is_fifo()
}

#[cfg(not(unix))]
fn is_stream(_: &fs::FileType) -> bool {
    false
}

impl OutFile {
    /// Writes `bytes`. A replaced file is written to a new, exclusively created file beside it
    /// (never an existing one, so no link planted there is followed), synced and renamed; on
    /// failure that file is removed.
    pub fn write(&self, bytes: &[u8]) -> Result<()> {
        match self {
            OutFile::Stream(path) => {
                let mut f = fs::OpenOptions::new().write(true).open(path).map_err(|e| Error::io(path, e))?;
                f.write_all(bytes).and_then(|_| f.flush()).map_err(|e| Error::io(path, e))
            }
            OutFile::Replace(path) => {
                let tmp = partial_name(path);
                let written = (|| {
                    let mut f = fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
                    f.write_all(bytes)?;
                    f.sync_all()
                })();
                if let Err(e) = written {
                    let _ = fs::remove_file(&tmp);
                    return Err(Error::io(&tmp, e));
                }
                fs::rename(&tmp, path).map_err(|e| {
                    let _ = fs::remove_file(&tmp);
                    Error::io(path, e)
                })
            }
        }
    }
}

/// `.<name>.<pid>-<nanos>.partial` beside `path`: unique, hidden, recognisable.
fn partial_name(path: &Path) -> PathBuf {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    path.with_file_name(format!(".{name}.{}-{nanos}.partial", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_new_and_regular_files_are_replaced_and_never_inside_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("store"));
        fs::create_dir_all(store.root()).unwrap();
        let out = dir.path().join("page.html");
        let plan = check(&out, &store).unwrap();
        assert_eq!(plan, OutFile::Replace(out.clone()));
        plan.write(b"one").unwrap();
        check(&out, &store).unwrap().write(b"two").unwrap();
        assert_eq!(fs::read(&out).unwrap(), b"two");
        let left: Vec<_> = fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left.len(), 2, "no partial file left: {left:?}");
        let e = |p: &Path| check(p, &store).unwrap_err().to_string();
        assert!(e(&store.root().join("manifest.json")).contains("inside the store"));
        assert!(e(&dir.path().join("store/../store/x.html")).contains("inside the store"));
        assert!(e(dir.path()).contains("a folder"));
        assert!(e(&dir.path().join("no/such/x.html")).contains("does not exist"));
        #[cfg(unix)]
        {
            let link = dir.path().join("link.html");
            std::os::unix::fs::symlink(&out, &link).unwrap();
            assert!(e(&link).contains("symbolic link"));
            // A link into the store through the folder is inside the store too.
            let into = dir.path().join("into");
            std::os::unix::fs::symlink(store.root(), &into).unwrap();
            assert!(e(&into.join("manifest.json")).contains("inside the store"));
            assert_eq!(check(Path::new("/dev/null"), &store).unwrap(), OutFile::Stream("/dev/null".into()));
        }
    }
}
