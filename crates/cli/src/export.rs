//! `export selfeval|monitoring`: reports computed from the log, in JSON or CSV, each stating
//! the head position and hash of the log it was computed from.

use crate::cli::ExportArgs;
use crate::exit::{CliResult, Failure};
use std::path::Path;

/// Run `export`.
pub fn run(db: &Path, args: &ExportArgs) -> CliResult {
    let _ = (db, args);
    Err(Failure::usage("export: 尚未实现 (not yet available)"))
}
