//! `import budget|ledger|template`: reading the files (TOML/JSON fixtures, XLSX, CSV) and
//! handing their content to the application layer, which validates and appends it all or
//! nothing (`jixiao_app::import`); this module only reads files, picks the unit-year, reports
//! progress and maps failures to exit codes.
//!
//! Invariants: nothing is written unless the whole file passed validation — the parsing rules
//! of `jixiao_app::ledger` and then the aggregate's own rules for every new event (exit 3 with
//! a row-by-row report otherwise). Ids are derived deterministically, so importing the same
//! file again adds nothing.

use crate::admin::open_app;
use crate::cli::{LedgerArgs, TemplateKind};
use crate::exit::{CliResult, Failure};
use crate::progress;
use anyhow::Context as _;
use jixiao_app::budget_file::{BudgetFileError, BudgetFileKind};
use jixiao_app::import::LedgerError;
use jixiao_app::table::{self, IMPORT_FILE_BYTES_MAX, TableKind};
use jixiao_app::{Actor, App, AppError};
use jixiao_domain::fixture::{BudgetImport, JIAOZUO_2024_TOML};
use jixiao_store::StreamId;
use std::path::Path;

/// A file's bytes, refusing files over [`IMPORT_FILE_BYTES_MAX`].
pub fn read_bytes(file: &Path) -> CliResult<Vec<u8>> {
    let meta = std::fs::metadata(file)
        .with_context(|| format!("无法读取 {} (cannot read)", file.display()))?;
    if meta.len() > IMPORT_FILE_BYTES_MAX {
        return Err(Failure::validation(format!(
            "文件超过 {} MiB (file too large)",
            IMPORT_FILE_BYTES_MAX >> 20
        )));
    }
    Ok(
        std::fs::read(file)
            .with_context(|| format!("无法读取 {} (cannot read)", file.display()))?,
    )
}

fn extension(file: &Path) -> String {
    file.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// An application error as a CLI failure: bad input exits 3 with every field listed.
pub fn app_failure(e: AppError) -> Failure {
    use jixiao_app::ErrorKind;
    let mut message = e.detail.clone();
    for f in &e.errors {
        message.push_str(&format!("\n  {}：{}", f.field, f.message_zh));
    }
    match e.kind {
        ErrorKind::Invalid | ErrorKind::Rejected | ErrorKind::Conflict | ErrorKind::TooLarge => {
            Failure::validation(message)
        }
        ErrorKind::NotFound => Failure::usage(message),
        ErrorKind::Unavailable | ErrorKind::Internal => Failure::from(anyhow::anyhow!(message)),
    }
}

/// Who the CLI writes as.
fn cli_actor(run: &str) -> Actor {
    Actor {
        name: "cli".to_string(),
        request_id: run.to_string(),
    }
}

/// `jixiao import budget FILE` (.toml or .json in the fixture format, or .xlsx from the
/// template): read and imported by `App::import_budget_file`, the path the web page and the
/// API take too.
pub fn budget(db: &Path, file: &Path) -> CliResult {
    let name = file.to_string_lossy();
    let Some(kind) = BudgetFileKind::of_file_name(&name) else {
        return Err(Failure::usage(format!(
            "不支持的预算文件类型“.{}”：请用 .toml、.json（格式见 fixtures/README.md）或由模板填写的 .xlsx (unsupported budget file type)",
            extension(file)
        )));
    };
    let bytes = read_bytes(file)?;
    let app = open_app(db)?;
    match app.import_budget_file(kind, &bytes, None, false, &cli_actor("import-budget")) {
        Ok(done) if done.written.as_ref().is_none_or(|w| w.replayed) => println!(
            "该单位 {} 年度预算已导入，无新增 (already imported; nothing added)",
            done.preview.fiscal_year
        ),
        Ok(done) => println!(
            "已导入预算 (budget imported): {} {} 年度，{} 条预算行，{} 个项目",
            done.preview.unit_name,
            done.preview.fiscal_year,
            done.preview.lines.len(),
            done.preview.projects.len()
        ),
        Err(BudgetFileError::Rejected(problems)) => {
            let list: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
            return Err(Failure::validation(format!(
                "{}：预算文件有 {} 处问题，未写入任何数据 (refused; nothing written):\n{}",
                file.display(),
                problems.len(),
                list.join("\n")
            )));
        }
        Err(e @ BudgetFileError::Exists { .. }) => return Err(Failure::validation(e.to_string())),
        Err(BudgetFileError::App(e)) => return Err(app_failure(e)),
    }
    Ok(())
}

/// The stream a command works on: the one matching `--unit`/`--year`, or the only one.
pub fn choose_stream(app: &App, unit: Option<&str>, year: Option<i32>) -> CliResult<StreamId> {
    let streams: Vec<StreamId> = app
        .budget_streams()
        .map_err(app_failure)?
        .into_iter()
        .filter(|s| unit.is_none_or(|u| s.unit == u) && year.is_none_or(|y| s.fiscal_year == y))
        .collect();
    match streams.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(Failure::usage(
            "数据库中没有匹配的已批复预算，请先导入预算或检查 --unit/--year (no matching approved budget)",
        )),
        many => Err(Failure::usage(format!(
            "有多个单位/年度，请用 --unit 和 --year 指定 (several unit years): {}",
            many.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// `jixiao import ledger FILE`.
pub fn ledger(db: &Path, args: &LedgerArgs) -> CliResult {
    let ext = extension(&args.file);
    let kind = TableKind::of_extension(&ext).ok_or_else(|| {
        Failure::usage(format!(
            "不支持的账目文件类型“.{ext}”：请用 .xlsx 或 .csv (unsupported ledger file type)"
        ))
    })?;
    let bytes = read_bytes(&args.file)?;
    let table = table::read_table(kind, &bytes, args.sheet.as_deref())
        .map_err(|e| Failure::validation(format!("{}：{e}", args.file.display())))?;
    if table.legacy_encoding {
        eprintln!(
            "提示：{} 不是 UTF-8，已按 GBK (GB18030) 编码读取 (read as GBK)",
            args.file.display()
        );
    }
    let app = open_app(db)?;
    let stream = choose_stream(&app, args.unit.as_deref(), args.year)?;
    let bar = progress::bar(0, "写入 (appending)");
    let outcome = app.import_ledger(
        &stream,
        &table.rows,
        args.dry_run,
        &cli_actor("import-ledger"),
        &mut |written, total| {
            bar.set_length(total as u64);
            bar.set_position(written as u64);
        },
    );
    bar.finish_and_clear();
    let outcome = match outcome {
        Ok(o) => o,
        Err(LedgerError::Rejected(rejected)) => {
            eprint!("{}", rejected.report());
            return Err(Failure::validation(rejected.to_string()));
        }
        Err(LedgerError::NoBudget) => {
            return Err(Failure::usage("该年度尚未批复预算 (budget not approved)"));
        }
        Err(LedgerError::App(e)) => return Err(app_failure(e)),
    };
    if args.dry_run {
        println!(
            "校验通过（试运行，未写入） (valid; dry run): {} 行新增，{} 行已导入过",
            outcome.new_payments, outcome.skipped
        );
    } else if outcome.written == 0 {
        println!(
            "没有新增支出：{} 行均已导入过 (nothing new; all rows were imported before)",
            outcome.skipped
        );
    } else {
        println!(
            "已导入 (imported) {} 笔支出到 {stream}；{} 行此前已导入，跳过 (skipped)",
            outcome.written, outcome.skipped
        );
    }
    Ok(())
}

/// `jixiao import template ledger|budget FILE`.
pub fn template(kind: TemplateKind, file: &Path, example: bool) -> CliResult {
    if file.exists() {
        return Err(Failure::usage(format!(
            "目标文件已存在，不覆盖 (destination exists): {}",
            file.display()
        )));
    }
    match kind {
        TemplateKind::Ledger => {
            let bytes =
                jixiao_report::templates::ledger_template().map_err(|e| anyhow::anyhow!("{e}"))?;
            std::fs::write(file, bytes)
                .with_context(|| format!("无法写入 {} (cannot write)", file.display()))?;
        }
        TemplateKind::Budget => {
            let example = if example {
                Some(
                    BudgetImport::from_toml_str(JIAOZUO_2024_TOML)
                        .map_err(|e| anyhow::anyhow!("{e}"))?,
                )
            } else {
                None
            };
            let bytes = jixiao_report::templates::budget_template(example.as_ref())
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            std::fs::write(file, bytes)
                .with_context(|| format!("无法写入 {} (cannot write)", file.display()))?;
            println!(
                "已生成预算模板 (budget template written): {}",
                file.display()
            );
            return Ok(());
        }
    }
    println!("已生成模板 (template written): {}", file.display());
    Ok(())
}

#[cfg(test)]
mod file_tests {
    use super::*;

    #[test]
    fn a_file_over_the_import_limit_is_refused_with_exit_code_3_before_it_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("ledger.csv");
        // Sparse: the size is declared, no disk is used.
        std::fs::File::create(&big)
            .unwrap()
            .set_len(IMPORT_FILE_BYTES_MAX + 1)
            .unwrap();
        let refused = read_bytes(&big).expect_err("refused");
        assert_eq!(refused.code, crate::exit::VALIDATION);
        assert!(refused.error.to_string().contains("file too large"));
    }

    #[test]
    fn a_path_that_climbs_out_to_a_missing_file_is_a_clear_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/../../no-such-dir/../ledger.csv");
        let refused = read_bytes(&path).expect_err("refused");
        assert!(
            refused.error.to_string().contains("cannot read"),
            "{}",
            refused.error
        );
        assert!(refused.error.to_string().contains("ledger.csv"));
    }
}
