//! The one integration-test binary: command-line behaviour, golden outputs, and properties
//! that prove every parallel report equal to a deliberately naive reference.

mod cli;
mod golden;
mod graph_shapes;
mod hardening;
mod html;
mod investigate;
mod naive;
mod naive_audit_ops;
mod naive_auth;
mod naive_workbooks;
mod people;
mod portable_sql;
mod props;
mod scale;
mod shapes;
#[cfg(feature = "sql")]
mod sql;
mod tidy;
mod util;
