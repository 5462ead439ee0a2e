//! signin-insights: recompute the Microsoft Entra ID *Usage & insights* reports offline.
//!
//! Data flows one way: [`ingest`] turns export files into raw records and diagnostics,
//! [`normalize`] turns each raw record into a typed sign-in row, [`store`] writes rows to a
//! Hive-partitioned Parquet store (deduplicated, atomic), [`scan`] runs parallel group-bys over
//! its row groups, [`report`] builds the Graph-shaped models (every report is listed in
//! [`report::catalog`]), and [`render`] turns models into bytes. [`domain`] holds the values all
//! of them share; [`cli`] is a thin layer of clap commands on top; [`generate`] writes seeded
//! synthetic exports for the demo, the tests and the benchmarks. Imports only run down these
//! layers (`tests/tidy.rs` checks it).
//!
//! "SPEC n" in the code is section n of `docs/SPEC.md`, the contract this crate implements.

pub mod cli;
pub mod domain;
pub mod error;
pub mod generate;
pub mod ingest;
pub mod normalize;
pub mod render;
pub mod report;
pub mod scan;
pub mod store;

pub use error::{Error, Result};
