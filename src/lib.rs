//! signin-insights: recompute the Microsoft Entra ID *Usage & insights* reports offline.
//!
//! Data flows one way: [`ingest`] turns export files into raw records and diagnostics,
//! [`normalize`] turns each raw record into a typed sign-in row, [`store`] writes rows to a
//! Hive-partitioned Parquet store (deduplicated, atomic), [`scan`] runs parallel group-bys over
//! its row groups, [`report`] builds the Graph-shaped models, and [`render`] turns models into
//! bytes. [`cli`] is a thin layer of clap commands on top; [`generate`] writes seeded synthetic
//! exports for the demo, the tests and the benchmarks.

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
