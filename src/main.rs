//! The `signin-insights` binary: parse, run, map the outcome to an exit code
//! (0 ok, 1 error, 2 usage, 3 ingest finished but some records were quarantined).

use std::process::ExitCode;

fn main() -> ExitCode {
    signin_insights::cli::main(std::env::args_os())
}
