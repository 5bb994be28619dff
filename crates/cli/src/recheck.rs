//! `jixiao recheck FILE…`: the 复核 of published self-evaluation tables from files or folders,
//! without a database. Reads each file's bytes (a folder: every XLSX/XLS/ODS/CSV/JSON file in
//! it, sorted by name), re-checks with `jixiao_app::recheck`, and prints a table per published
//! table on the terminal, or writes the verdict as CSV, XLSX (`jixiao_report::recheck`) or JSON.
//! What cannot be read is printed with its file, sheet and cell, and the rest goes on.

use crate::cli::{RecheckArgs, RecheckFormat};
use crate::exit::{CliResult, Failure};
use anyhow::Context;
use jixiao_app::recheck::{RECHECK_FILE_BYTES_MAX, ReadProblem, RecheckReport, recheck_files};
use jixiao_domain::Decimal;
use jixiao_domain::profile::{ScoreRounding, ScoringProfile};
use jixiao_domain::recheck::{RowStatus, TableVerdict};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Most files read from the command line and its folders together.
pub const RECHECK_FILES_MAX: usize = 2000;

/// Extensions read from a folder.
const EXTENSIONS: [&str; 7] = ["xlsx", "xlsm", "xls", "ods", "csv", "tsv", "json"];

fn profile(args: &RecheckArgs) -> CliResult<ScoringProfile> {
    let mut profile = if Path::new(&args.profile).is_file() {
        let text = std::fs::read_to_string(&args.profile)
            .with_context(|| format!("无法读取评分方案 {} (cannot read)", args.profile))?;
        ScoringProfile::from_toml_str(&text).map_err(|e| Failure::usage(e.to_string()))?
    } else {
        ScoringProfile::builtin(&args.profile).map_err(|e| Failure::usage(e.to_string()))?
    };
    if let Some(r) = &args.rounding {
        profile.score_rounding = ScoreRounding::parse(r).ok_or_else(|| {
            Failure::usage(format!(
                "--rounding 应为 cents、tenths 或 integer，而不是“{r}” (unknown rounding)"
            ))
        })?;
    }
    Ok(profile)
}

fn collect(paths: &[PathBuf], problems: &mut Vec<ReadProblem>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut inside: Vec<PathBuf> = match std::fs::read_dir(p) {
                Ok(entries) => entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|f| {
                        f.is_file()
                            && f.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                                EXTENSIONS.contains(&e.to_ascii_lowercase().as_str())
                            })
                    })
                    .collect(),
                Err(e) => {
                    problems.push(problem(p, format!("无法读取文件夹：{e}")));
                    continue;
                }
            };
            inside.sort();
            files.extend(inside);
        } else {
            files.push(p.clone());
        }
    }
    files.truncate(RECHECK_FILES_MAX);
    files
}

fn problem(path: &Path, message: String) -> ReadProblem {
    ReadProblem {
        file: path.display().to_string(),
        sheet: None,
        cell: None,
        message,
    }
}

/// Runs the command.
pub fn run(args: &RecheckArgs) -> CliResult {
    let profile = profile(args)?;
    let mut problems = Vec::new();
    let files = collect(&args.files, &mut problems);
    let mut contents = Vec::new();
    for f in &files {
        match std::fs::metadata(f) {
            Ok(m) if m.len() > RECHECK_FILE_BYTES_MAX => problems.push(problem(
                f,
                format!(
                    "文件过大：{} 字节，上限 {RECHECK_FILE_BYTES_MAX} 字节",
                    m.len()
                ),
            )),
            Ok(_) => match std::fs::read(f) {
                Ok(bytes) => contents.push((f.display().to_string(), bytes)),
                Err(e) => problems.push(problem(f, format!("无法读取：{e}"))),
            },
            Err(e) => problems.push(problem(f, format!("无法读取：{e}"))),
        }
    }
    let mut report = recheck_files(
        contents.iter().map(|(n, b)| (n.as_str(), b.as_slice())),
        &profile,
    );
    problems.append(&mut report.problems);
    report.problems = problems;
    let bytes = match args.format {
        RecheckFormat::Table => terminal(&report).into_bytes(),
        RecheckFormat::Json => {
            let mut b = serde_json::to_vec_pretty(&report)?;
            b.push(b'\n');
            b
        }
        RecheckFormat::Csv => jixiao_report::recheck::render_csv(&report)?,
        RecheckFormat::Xlsx => jixiao_report::recheck::render_xlsx(&report)?,
    };
    match &args.output {
        Some(path) => std::fs::write(path, &bytes)
            .with_context(|| format!("无法写入 {} (cannot write)", path.display()))?,
        None if args.format == RecheckFormat::Xlsx => {
            return Err(Failure::usage(
                "XLSX 须用 --output 指定文件 (xlsx needs --output)",
            ));
        }
        None => std::io::stdout().lock().write_all(&bytes)?,
    }
    if args.output.is_some() || args.format != RecheckFormat::Table {
        for p in &report.problems {
            eprintln!("未能读取：{p}");
        }
    }
    if report.tables.is_empty() {
        return Err(Failure::validation(
            "没有读到可复核的表 (no table could be read)",
        ));
    }
    Ok(())
}

/// Display width on a terminal: a CJK character takes two columns.
fn width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

fn pad(s: &str, w: usize) -> String {
    let mut out = s.to_string();
    for _ in width(s)..w {
        out.push(' ');
    }
    out
}

fn num(d: Option<Decimal>) -> String {
    d.map_or_else(|| "—".to_string(), |d| d.normalize().to_string())
}

fn status(s: RowStatus) -> &'static str {
    match s {
        RowStatus::Agrees => "相符",
        RowStatus::Differs => "不符",
        RowStatus::Unchecked => "未复核",
    }
}

fn table_text(out: &mut String, v: &TableVerdict, place: &str) {
    out.push_str(&format!(
        "\n== {}（{place}）\n   评分方案 {}，得分{}；所填总分 {}，规则总分 {}（{}）；{}\n",
        v.name,
        v.profile_id,
        v.rounding.name_zh(),
        num(v.published_total),
        v.rule_total.normalize(),
        v.rule_grade.name_zh(),
        if v.clean {
            "与规则相符".to_string()
        } else {
            format!("{}行不符", v.rows_differing)
        }
    ));
    let mut rows = vec![[
        "指标".to_string(),
        "年度指标值".into(),
        "实际完成值".into(),
        "分值".into(),
        "所填".into(),
        "规则(未舍入)".into(),
        "规则".into(),
        "结论".into(),
        "原因".into(),
    ]];
    let e = &v.execution;
    rows.push([
        "预算执行率".into(),
        "100%".into(),
        e.rate_percent.map_or("—".into(), |r| format!("{r:.2}%")),
        num(Some(e.weight)),
        num(e.published_score),
        num(e.rule_score_unrounded.map(|d| d.round_dp(6))),
        num(e.rule_score),
        status(e.status).into(),
        e.variants
            .iter()
            .map(|x| x.message_zh())
            .collect::<Vec<_>>()
            .join("；"),
    ]);
    for r in &v.rows {
        let mut why: Vec<String> = r
            .variants
            .iter()
            .map(|x| x.message_zh().to_string())
            .collect();
        if r.status == RowStatus::Unchecked {
            why.extend(r.notes.iter().cloned());
        }
        rows.push([
            r.name.clone(),
            r.target_text.clone(),
            r.actual_text.clone(),
            num(r.weight),
            num(r.published_score),
            num(r.rule_score_unrounded.map(|d| d.round_dp(6))),
            num(r.rule_score),
            status(r.status).into(),
            why.join("；"),
        ]);
    }
    let widths: Vec<usize> = (0..9)
        .map(|c| rows.iter().map(|r| width(&r[c])).max().unwrap_or(0).min(30))
        .collect();
    for r in &rows {
        let line: Vec<String> = r.iter().zip(&widths).map(|(s, w)| pad(s, *w)).collect();
        out.push_str("   ");
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    for f in &v.findings {
        out.push_str(&format!(
            "   {} {}\n",
            if f.is_notice() { "提示" } else { "问题" },
            f.message_zh()
        ));
    }
}

/// The report as text for a terminal.
pub fn terminal(report: &RecheckReport) -> String {
    let mut out = String::new();
    for t in &report.tables {
        let place = match (&t.sheet, t.first_row) {
            (Some(s), Some(r)) => format!("{}，工作表“{s}”，第{r}行起", t.file),
            (None, Some(r)) => format!("{}，第{r}行起", t.file),
            _ => t.file.clone(),
        };
        table_text(&mut out, &t.verdict, &place);
    }
    for p in &report.problems {
        out.push_str(&format!("\n未能读取：{p}"));
    }
    out.push_str(&format!(
        "\n\n共{}张表，{}张与规则相符，{}处未能读取\n",
        report.tables.len(),
        report.clean_tables(),
        report.problems.len()
    ));
    out
}
