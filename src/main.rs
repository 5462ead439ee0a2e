//! The `signin-insights` binary: parse, run, map the outcome to an exit code
//! (0 ok, 1 error, 2 usage, 3 ingest finished but some records were quarantined).

use std::process::ExitCode;

/// An ingest allocates and frees megabyte buffers all the time (batches, Parquet pages). glibc
/// returned them to the kernel and faulted them back in: a third of the ingest's CPU time was
/// in the kernel. jemalloc keeps freed pages for a while and reuses them (BENCHMARKS.md).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOC: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Freed pages are kept one second for reuse, then returned: bounded memory, few page faults.
/// jemalloc reads this symbol by name; exporting a name is the one unsafe thing the crate does.
#[cfg(not(target_env = "msvc"))]
#[allow(non_upper_case_globals, unsafe_code)]
#[unsafe(export_name = "_rjem_malloc_conf")]
pub static malloc_conf: &[u8] = b"dirty_decay_ms:1000,muzzy_decay_ms:0\0";

fn main() -> ExitCode {
    signin_insights::cli::main(std::env::args_os())
}
