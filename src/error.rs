//! The library's error type. Every variant that concerns a file names it; record-level problems
//! are not errors but quarantine entries (see `ingest::Diagnostic`).

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong, for a caller to match on; more kinds may come, so a match needs a `_` arm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: parquet: {source}")]
    Parquet { path: PathBuf, source: parquet::errors::ParquetError },
    #[error("{path}: arrow: {source}")]
    Arrow { path: PathBuf, source: arrow_schema::ArrowError },
    #[error("{path}: not a readable file of the {table} table ({reason}); the store is damaged")]
    Schema { path: PathBuf, table: String, reason: String },
    #[error("{path}: invalid manifest: {reason}")]
    Manifest { path: PathBuf, reason: String },
    #[error("store {path} is locked by another ingest; wait for it to finish and try again")]
    Locked { path: PathBuf },
    #[error(
        "store {path} failed verification ({problems} problem(s)); run `signin-insights store verify` for details, or pass --no-verify to read it anyway"
    )]
    Unverified { path: PathBuf, problems: usize },
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Other(String),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
    pub fn parquet(path: impl Into<PathBuf>, source: parquet::errors::ParquetError) -> Self {
        Error::Parquet { path: path.into(), source }
    }
    pub fn arrow(path: impl Into<PathBuf>, source: arrow_schema::ArrowError) -> Self {
        Error::Arrow { path: path.into(), source }
    }

    /// A file that is not there (e.g. replaced by an ingest since the manifest was read).
    pub fn is_missing_file(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }
}
