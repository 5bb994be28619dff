//! `export selfeval|project-selfeval|unit-selfeval|monitoring`: the official forms of a unit's
//! year — 项目支出绩效自评表, 部门（单位）整体支出绩效自评表, 绩效监控情况表 — as XLSX, printable
//! HTML or CSV (`jixiao-report`, from the data `jixiao-app` gathers as known at the resolved log
//! head), or as JSON (`selfeval` and `monitoring`: the application's JSON report, unchanged;
//! the two single forms: the form data). This module picks the unit-year, writes the bytes to
//! the file or standard output, and says which log head they came from.
//! A failed export leaves no file behind: nothing is created before the report is complete.

use crate::admin::open_app;
use crate::cli::{ExportArgs, Format, ReportKind};
use crate::exit::{CliResult, Failure};
use crate::import::{app_failure, choose_stream};
use crate::progress;
use anyhow::Context as _;
use chrono::{DateTime, Utc};
use jixiao_app::export::{self, ExportFormat, ExportRequest};
use jixiao_app::forms::{Form, FormRequest};
use jixiao_domain::budget::ProjectCode;
use jixiao_store::KnownAt;
use std::io::Write;
use std::path::Path;

fn known_at(text: Option<&str>) -> CliResult<KnownAt> {
    let Some(text) = text else {
        return Ok(KnownAt::Now);
    };
    if let Ok(p) = text.parse::<u64>() {
        return Ok(KnownAt::Position(p));
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| KnownAt::RecordedAt(t.with_timezone(&Utc)))
        .map_err(|_| {
            Failure::usage(format!(
                "--known-at “{text}” 应为日志位置（整数）或 RFC 3339 时间 (a log position or an RFC 3339 time)"
            ))
        })
}

/// Run `export`.
pub fn run(db: &Path, args: &ExportArgs) -> CliResult {
    let app = open_app(db)?;
    let stream = choose_stream(&app, args.unit.as_deref(), args.year)?;
    let spinner = progress::spinner("计算报表 (computing the report)");
    let legacy_json = matches!(args.format, Format::Json)
        && matches!(args.kind, ReportKind::Selfeval | ReportKind::Monitoring)
        && args.known_at.is_none()
        && args.project.is_none();
    let (bytes, head_position, head_hash) = if legacy_json {
        let exported = app
            .export(&ExportRequest {
                stream,
                kind: match args.kind {
                    ReportKind::Monitoring => export::ReportKind::Monitoring,
                    _ => export::ReportKind::Selfeval,
                },
                format: ExportFormat::Json,
                as_of: args.as_of,
                profile: args.profile.clone(),
            })
            .map_err(app_failure)?;
        (exported.bytes, exported.head_position, exported.head_hash)
    } else {
        let request = FormRequest {
            stream,
            form: match args.kind {
                ReportKind::Selfeval => Form::SelfEvaluation,
                ReportKind::Monitoring => Form::Monitoring,
                ReportKind::ProjectSelfeval => Form::ProjectSelfEvaluation,
                ReportKind::UnitSelfeval => Form::UnitSelfEvaluation,
            },
            as_of: args.as_of,
            known: known_at(args.known_at.as_deref())?,
            profile: args.profile.clone(),
            project: args.project.clone().map(ProjectCode),
        };
        let format = match args.format {
            Format::Json => jixiao_report::Format::Json,
            Format::Csv => jixiao_report::Format::Csv,
            Format::Xlsx => jixiao_report::Format::Xlsx,
            Format::Html => jixiao_report::Format::Html,
        };
        let rendered =
            jixiao_report::export(&app, &request, format).map_err(|e| app_failure(e.into()))?;
        (rendered.bytes, rendered.head_position, rendered.head_hash)
    };
    spinner.finish_and_clear();
    match &args.output {
        Some(path) => {
            write_whole(path, &bytes)
                .with_context(|| format!("无法写入 {} (cannot write)", path.display()))?;
            eprintln!(
                "已导出 (exported) {}；日志头部位置 (head position) {}，哈希 (hash) {}",
                path.display(),
                head_position,
                head_hash
            );
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)?;
            out.flush()?;
        }
    }
    Ok(())
}

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

#[cfg(test)]
mod file_tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn an_export_path_with_dot_dot_writes_exactly_the_file_it_names_and_nothing_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        write_whole(&dir.path().join("sub/../表.xlsx"), b"bytes").unwrap();
        assert_eq!(
            names(dir.path()),
            vec!["sub".to_string(), "表.xlsx".to_string()]
        );
        assert!(names(&dir.path().join("sub")).is_empty());
        assert_eq!(std::fs::read(dir.path().join("表.xlsx")).unwrap(), b"bytes");
    }

    #[test]
    fn an_export_into_a_missing_directory_fails_and_leaves_no_partial_file() {
        let dir = tempfile::tempdir().unwrap();
        assert!(write_whole(&dir.path().join("missing/out.csv"), b"x").is_err());
        // A directory in place of the file: the rename fails, the partial file is removed.
        std::fs::create_dir(dir.path().join("out.csv")).unwrap();
        assert!(write_whole(&dir.path().join("out.csv"), b"x").is_err());
        assert_eq!(names(dir.path()), vec!["out.csv".to_string()]);
    }
}
