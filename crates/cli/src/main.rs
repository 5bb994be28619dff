//! The `jixiao` binary: operators' entry point (serve, import, export, events, verify, rebuild,
//! backup/restore, users, migrate). Thin: parses the command line and dispatches to modules.

mod config;
mod ledger;

fn main() {}
