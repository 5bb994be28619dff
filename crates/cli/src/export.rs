//! `export selfeval|monitoring`: the year-end self-evaluation (部门整体 and every project) or the
//! 绩效监控 table of a unit's year, as JSON or CSV. The application layer computes the report
//! (`jixiao_app::export`, from the log as known at its head); this module picks the unit-year,
//! writes the bytes to the file or standard output, and says which log head they came from.
//! A failed export leaves no file behind: nothing is created before the report is complete.

use crate::admin::open_app;
use crate::cli::{ExportArgs, Format, ReportKind};
use crate::exit::CliResult;
use crate::import::{app_failure, choose_stream};
use crate::progress;
use anyhow::Context as _;
use jixiao_app::export::{self, ExportFormat, ExportRequest};
use std::io::Write;

/// Run `export`.
pub fn run(db: &Path, args: &ExportArgs) -> CliResult {
    let app = open_app(db)?;
    let stream = choose_stream(&app, args.unit.as_deref(), args.year)?;
    let spinner = progress::spinner("计算报表 (computing the report)");
    let exported = app
        .export(&ExportRequest {
            stream,
            kind: match args.kind {
                ReportKind::Selfeval => export::ReportKind::Selfeval,
                ReportKind::Monitoring => export::ReportKind::Monitoring,
            },
            format: match args.format {
                Format::Json => ExportFormat::Json,
                Format::Csv => ExportFormat::Csv,
            },
            as_of: args.as_of,
            profile: args.profile.clone(),
        })
        .map_err(app_failure)?;
    spinner.finish_and_clear();
    match &args.output {
        Some(path) => {
            write_whole(path, &exported.bytes)
                .with_context(|| format!("无法写入 {} (cannot write)", path.display()))?;
            eprintln!(
                "已导出 (exported) {}；日志头部位置 (head position) {}，哈希 (hash) {}",
                path.display(),
                exported.head_position,
                exported.head_hash
            );
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&exported.bytes)?;
            out.flush()?;
        }
    }
    Ok(())
}

use std::path::Path;

/// Writes `bytes` to `path` whole or not at all: into a sibling file first, renamed over `path`
/// once complete (a failed write removes it), so a failed export never leaves a partial file.
fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let partial = path.with_file_name(format!(".{name}.partial-{}", std::process::id()));
    let written = std::fs::write(&partial, bytes).and_then(|()| std::fs::rename(&partial, path));
    if written.is_err() {
        // Best effort: the partial file may not even exist.
        let _ = std::fs::remove_file(&partial);
    }
    written
}
