//! `import budget|ledger|template`: reading files (TOML/JSON fixtures, XLSX via calamine, CSV)
//! and appending what they hold, all or nothing.
//!
//! Invariants: nothing is written unless the whole file passed validation — the parsing rules
//! of [`crate::ledger`] and then the aggregate's own rules for every new event, decided on a
//! copy of the current state (exit 3 with a row-by-row report otherwise). Ids are derived
//! deterministically, so importing the same file again adds nothing.

use crate::admin::open_store;
use crate::cli::{LedgerArgs, TemplateKind};
use crate::demo::decide_all;
use crate::exit::{CliResult, Failure};
use crate::ledger::{self, Column, LedgerTarget, derived_uuid};
use crate::progress;
use anyhow::Context as _;
use calamine::{Data, Reader};
use jixiao_domain::aggregate::{Command, UnitYear};
use jixiao_domain::budget::Budget;
use jixiao_domain::event::{BudgetApproved, Event, TargetsApproved};
use jixiao_domain::fixture::{BudgetImport, JIAOZUO_2024_TOML};
use jixiao_store::model::MAX_EVENTS_PER_APPEND;
use jixiao_store::{EventMeta, ExpectedVersion, KnownAt, NewEvent, ReadFilter, Store, StreamId};
use std::path::Path;

/// Largest ledger or budget file read, in bytes.
pub const IMPORT_FILE_BYTES_MAX: u64 = 32 * 1024 * 1024;
/// Page size when looking for approved budgets in the log.
const SCAN_PAGE: usize = 1000;

/// The embedded 焦作 2024 fixture: its budget, its targets, and the commands approving them.
pub fn jiaozuo_fixture() -> CliResult<(BudgetApproved, Vec<TargetsApproved>, Vec<Command>)> {
    let import =
        BudgetImport::from_toml_str(JIAOZUO_2024_TOML).map_err(|e| anyhow::anyhow!("{e}"))?;
    approval(&import)
}

/// Validate an import and turn it into approval commands.
fn approval(
    import: &BudgetImport,
) -> CliResult<(BudgetApproved, Vec<TargetsApproved>, Vec<Command>)> {
    let events = import
        .into_events()
        .map_err(|e| Failure::validation(e.to_string()))?;
    let mut budget = None;
    let mut targets = Vec::new();
    let mut commands = Vec::new();
    for e in events {
        match e {
            Event::BudgetApproved(b) => {
                budget = Some(b.clone());
                commands.push(Command::ApproveBudget(b));
            }
            Event::TargetsApproved(t) => {
                targets.push(t.clone());
                commands.push(Command::ApproveTargets(t));
            }
            other => {
                return Err(Failure::from(anyhow::anyhow!(
                    "意外的导入事件 (unexpected event) {}",
                    other.event_type()
                )));
            }
        }
    }
    let budget = budget
        .ok_or_else(|| Failure::validation("导入文件没有预算批复 (no budget in the import)"))?;
    Ok((budget, targets, commands))
}

fn read_text(file: &Path) -> CliResult<String> {
    let bytes = read_bytes(file)?;
    Ok(String::from_utf8(bytes)
        .with_context(|| format!("无法读取 {}（须为 UTF-8） (cannot read)", file.display()))?)
}

fn read_bytes(file: &Path) -> CliResult<Vec<u8>> {
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

/// The text of a CSV file and whether it was in the legacy Chinese encoding.
#[derive(Debug)]
pub struct DecodedText {
    /// The text.
    pub text: String,
    /// True when the file was GBK/GB18030 rather than UTF-8.
    pub legacy: bool,
}

/// UTF-8 first (what "CSV UTF-8" and most tools write); otherwise GB18030, a superset of GBK,
/// which Chinese accounting software (and Excel's plain "CSV" on a Chinese Windows) writes.
/// Text that is neither, decoded without replacement characters, is refused: guessing would
/// import garbled 摘要 silently.
pub fn decode_csv(bytes: &[u8]) -> Result<DecodedText, String> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(DecodedText {
            text: text.to_string(),
            legacy: false,
        });
    }
    match encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Ok(DecodedText {
            text: text.into_owned(),
            legacy: true,
        }),
        None => Err(
            "文件既不是 UTF-8 也不是 GBK 编码，请在表格软件中另存为“CSV UTF-8” (neither UTF-8 nor GBK)"
                .to_string(),
        ),
    }
}

fn extension(file: &Path) -> String {
    file.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// `jixiao import budget FILE` (.toml or .json in the fixture format, or .xlsx from the template).
pub fn budget(db: &Path, file: &Path) -> CliResult {
    let import = match extension(file).as_str() {
        "toml" => BudgetImport::from_toml_str(&read_text(file)?),
        "json" => BudgetImport::from_json_str(&read_text(file)?),
        "xlsx" => Ok(crate::budget_xlsx::read(file)?),
        other => {
            return Err(Failure::usage(format!(
                "不支持的预算文件类型“.{other}”：请用 .toml、.json（格式见 fixtures/README.md）或由模板填写的 .xlsx (unsupported budget file type)"
            )));
        }
    }
    .map_err(|e| Failure::validation(e.to_string()))?;
    let mismatches = import.check();
    if !mismatches.is_empty() {
        let list: Vec<String> = mismatches.iter().map(ToString::to_string).collect();
        return Err(Failure::validation(format!(
            "预算与公开表格的合计不符，未写入任何数据 (published totals do not match; nothing written):\n{}",
            list.join("\n")
        )));
    }
    let (budget, _targets, commands) = approval(&import)?;
    let stream = StreamId::new(budget.unit.code.clone(), budget.fiscal_year);
    let store = open_store(db)?;
    let version = store
        .stream_version(&stream)
        .context("无法读取流版本 (cannot read stream)")?;
    if version > 0 {
        let existing = replay(&store, &stream)?;
        let same = existing
            .budget()
            .is_some_and(|b| b.approved_on == budget.approved_on && b.unit == budget.unit);
        if same {
            println!(
                "该单位 {} 年度预算已导入，无新增 (already imported; nothing added)",
                budget.fiscal_year
            );
            return Ok(());
        }
        return Err(Failure::validation(format!(
            "单位 {} 的 {} 年度已有记录，不能重复批复预算 (this unit's year already has events)",
            budget.unit.code, budget.fiscal_year
        )));
    }
    let mut state = UnitYear::new();
    let events = decide_all(&mut state, commands)
        .map_err(|f| Failure::validation(format!("{:#}", f.error)))?;
    let ids: Vec<uuid::Uuid> = (0..events.len())
        .map(|i| {
            derived_uuid(&[
                "jixiao-budget",
                &stream.unit,
                &stream.fiscal_year.to_string(),
                &i.to_string(),
            ])
        })
        .collect();
    append_all(&store, &stream, 0, events, &ids, "import-budget")?;
    println!(
        "已导入预算 (budget imported): {} {} 年度，{} 条预算行，{} 个项目",
        budget.unit.name,
        budget.fiscal_year,
        budget.lines.len(),
        budget.projects.len()
    );
    Ok(())
}

/// Replay one stream into the aggregate.
fn replay(store: &Store, stream: &StreamId) -> CliResult<UnitYear> {
    let events = store
        .read_stream(stream, KnownAt::Now)
        .context("读取事件失败 (cannot read stream)")?;
    Ok(UnitYear::replay(events.iter().map(|e| &e.event)))
}

/// Append `events` with their `ids` in batches the store accepts, starting at `version`.
fn append_all(
    store: &Store,
    stream: &StreamId,
    mut version: u64,
    events: Vec<Event>,
    ids: &[uuid::Uuid],
    request_id: &str,
) -> CliResult<u64> {
    let bar = progress::bar(events.len() as u64, "写入 (appending)");
    let mut written = 0u64;
    let mut pairs = events.into_iter().zip(ids.iter().copied()).peekable();
    while pairs.peek().is_some() {
        let batch = pairs
            .by_ref()
            .take(MAX_EVENTS_PER_APPEND)
            .map(|(e, id)| {
                let meta = EventMeta {
                    actor: "cli".to_string(),
                    request_id: request_id.to_string(),
                    recorded_at: None,
                };
                NewEvent::new(id, e, meta)
            })
            .collect::<Result<Vec<_>, _>>()
            .context("事件无效 (invalid event)")?;
        let n = batch.len() as u64;
        let appended = store
            .append(stream.clone(), ExpectedVersion::Exact(version), batch)
            .context("写入失败 (append failed)")?;
        version = appended.stream_version;
        written += n;
        bar.set_position(written);
    }
    bar.finish_and_clear();
    Ok(written)
}

/// Every stream with an approved budget, in log order.
fn budget_streams(store: &Store) -> CliResult<Vec<StreamId>> {
    let filter = ReadFilter {
        types: vec!["budget_approved".to_string()],
        ..ReadFilter::default()
    };
    let mut found = Vec::new();
    let mut from = 1;
    loop {
        let page = store
            .read_all(from, SCAN_PAGE, &filter)
            .context("读取日志失败 (read failed)")?;
        for e in &page.events {
            if !found.contains(&e.stream) {
                found.push(e.stream.clone());
            }
        }
        match page.next_position {
            Some(next) => from = next,
            None => break,
        }
    }
    Ok(found)
}

/// The stream a command works on: the one matching `--unit`/`--year`, or the only one.
pub fn choose_stream(store: &Store, unit: Option<&str>, year: Option<i32>) -> CliResult<StreamId> {
    let streams: Vec<StreamId> = budget_streams(store)?
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

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        // Shortest round-trip text of the number: 1234.5 → "1234.5", 45356 → "45356". The
        // ledger parser reads it as a decimal; no float arithmetic touches money.
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        // A date-formatted cell: its serial day number, which the date parser understands.
        Data::DateTime(dt) => dt.as_f64().to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#ERROR {e:?}"),
    }
}

/// Rows of text from an XLSX sheet (the first, or the one named).
pub fn read_xlsx(file: &Path, sheet: Option<&str>) -> CliResult<Vec<Vec<String>>> {
    let mut wb = calamine::open_workbook_auto(file)
        .with_context(|| format!("无法打开工作簿 {} (cannot open workbook)", file.display()))?;
    let name = match sheet {
        Some(s) => s.to_string(),
        None => wb
            .sheet_names()
            .first()
            .cloned()
            .ok_or_else(|| Failure::validation("工作簿中没有工作表 (no sheet)"))?,
    };
    let range = wb.worksheet_range(&name).map_err(|e| {
        Failure::validation(format!("无法读取工作表“{name}” (cannot read sheet): {e}"))
    })?;
    // Rows are reported as the spreadsheet numbers them: pad the rows and columns above and
    // left of the used range (calamine's range starts at the first non-empty cell).
    let start_row = range.start().map_or(0, |(r, _)| r as usize);
    let start_col = range.start().map_or(0, |(_, c)| c as usize);
    let mut rows: Vec<Vec<String>> = vec![Vec::new(); start_row.min(ledger::LEDGER_ROWS_MAX)];
    for row in range.rows() {
        let mut cells = vec![String::new(); start_col];
        cells.extend(row.iter().map(cell_text));
        rows.push(cells);
    }
    Ok(rows)
}

/// Rows of text from a CSV file (UTF-8, optional BOM; comma, or tab when the header has tabs).
pub fn read_csv(file: &Path) -> CliResult<Vec<Vec<String>>> {
    let bytes = read_bytes(file)?;
    let text = decode_csv(&bytes)
        .map_err(|problem| Failure::validation(format!("{}：{problem}", file.display())))?;
    if text.legacy {
        eprintln!(
            "提示：{} 不是 UTF-8，已按 GBK (GB18030) 编码读取 (read as GBK)",
            file.display()
        );
    }
    let text = text.text.trim_start_matches('\u{feff}');
    let first = text.lines().next().unwrap_or("");
    let delimiter = if first.contains('\t') && !first.contains(',') {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| {
            Failure::validation(format!("第{}行 CSV 格式错误 (malformed CSV): {e}", i + 1))
        })?;
        rows.push(rec.iter().map(str::to_string).collect());
        if rows.len() > ledger::LEDGER_ROWS_MAX + 1 {
            break;
        }
    }
    Ok(rows)
}

/// `jixiao import ledger FILE`.
pub fn ledger(db: &Path, args: &LedgerArgs) -> CliResult {
    let rows = match extension(&args.file).as_str() {
        "xlsx" | "xlsm" | "xls" | "ods" => read_xlsx(&args.file, args.sheet.as_deref())?,
        "csv" | "txt" | "tsv" => read_csv(&args.file)?,
        other => {
            return Err(Failure::usage(format!(
                "不支持的账目文件类型“.{other}”：请用 .xlsx 或 .csv (unsupported ledger file type)"
            )));
        }
    };
    let store = open_store(db)?;
    let stream = choose_stream(&store, args.unit.as_deref(), args.year)?;
    let state = replay(&store, &stream)?;
    let version = state.version();
    let budget_state = state
        .budget()
        .ok_or_else(|| Failure::usage("该年度尚未批复预算 (budget not approved)"))?;
    let budget = Budget::new(budget_state.lines.iter().map(|l| l.line.clone()).collect());
    let target = LedgerTarget {
        unit_code: &stream.unit,
        fiscal_year: stream.fiscal_year,
        resolver: &budget,
    };
    let entries = ledger::parse_ledger(&rows, &target).map_err(|rejected| {
        eprint!("{}", rejected.report());
        Failure::validation(rejected.to_string())
    })?;

    // Already imported (same derived id) → skipped; a voucher recorded under another id → rejected.
    let mut problems = Vec::new();
    let mut new_entries = Vec::new();
    let mut skipped = 0usize;
    for entry in entries {
        let voucher = entry.payment.voucher_no.as_deref().unwrap_or("");
        if let Some(recorded) = state.payment(&entry.payment.payment_id) {
            let changed = ledger::differences(&recorded.payment, &entry.payment);
            if changed.is_empty() {
                skipped += 1;
            } else {
                problems.push(ledger::RowProblem {
                    row: entry.row,
                    column: Some(Column::Voucher),
                    problem: format!(
                        "凭证号“{voucher}”已导入，但内容不同（{}）；更正请在系统中红冲后以新凭证号录入 (voucher already imported with different content)",
                        changed.join("；")
                    ),
                });
            }
        } else if state.payment_by_voucher(voucher).is_some() {
            problems.push(ledger::RowProblem {
                row: entry.row,
                column: Some(Column::Voucher),
                problem: format!("凭证号“{voucher}”已由其他方式录入本年度"),
            });
        } else {
            new_entries.push(entry);
        }
    }

    // The aggregate's own rules, decided on a copy of the state: all rows or none.
    let mut trial = state.clone();
    let profile = jixiao_domain::profile::ScoringProfile::builtin(
        jixiao_domain::profile::ScoringProfile::DEFAULT_ID,
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let ctx = jixiao_domain::aggregate::Context { profile: &profile };
    let mut events = Vec::new();
    for entry in &new_entries {
        match trial.handle(Command::RecordPayment(entry.payment.clone().into()), &ctx) {
            Ok(decided) => {
                for e in &decided {
                    trial.apply(e);
                }
                events.extend(decided);
            }
            Err(e) => problems.push(ledger::RowProblem {
                row: entry.row,
                column: None,
                problem: e.to_string(),
            }),
        }
    }
    if !problems.is_empty() {
        let rejected = ledger::LedgerRejected {
            problems,
            omitted: 0,
        };
        eprint!("{}", rejected.report());
        return Err(Failure::validation(rejected.to_string()));
    }
    if args.dry_run {
        println!(
            "校验通过（试运行，未写入） (valid; dry run): {} 行新增，{} 行已导入过",
            new_entries.len(),
            skipped
        );
        return Ok(());
    }
    if events.is_empty() {
        println!(
            "没有新增支出：{skipped} 行均已导入过 (nothing new; all rows were imported before)"
        );
        return Ok(());
    }
    let ids: Vec<uuid::Uuid> = new_entries.iter().map(|e| e.payment.payment_id).collect();
    let written = append_all(&store, &stream, version, events, &ids, "import-ledger")?;
    println!(
        "已导入 (imported) {written} 笔支出到 {stream}；{skipped} 行此前已导入，跳过 (skipped)"
    );
    Ok(())
}

/// `jixiao import template ledger|budget FILE`.
pub fn template(kind: TemplateKind, file: &Path, example: bool) -> CliResult {
    use rust_xlsxwriter::{Format, Workbook};
    if file.exists() {
        return Err(Failure::usage(format!(
            "目标文件已存在，不覆盖 (destination exists): {}",
            file.display()
        )));
    }
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = wb.add_worksheet();
    match kind {
        TemplateKind::Ledger => {
            sheet.set_name("账目").map_err(|e| anyhow::anyhow!("{e}"))?;
            let cols = [
                Column::Date,
                Column::Voucher,
                Column::Economic,
                Column::Project,
                Column::Amount,
                Column::Summary,
                Column::Function,
            ];
            for (i, c) in cols.iter().enumerate() {
                let col = u16::try_from(i).unwrap_or(0);
                sheet
                    .write_string_with_format(0, col, c.label(), &bold)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                sheet
                    .set_column_width(col, 16)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            }
            // The example lives on its own sheet: a row left in the ledger sheet would be
            // imported as a real payment.
            let notes = wb.add_worksheet();
            notes.set_name("说明").map_err(|e| anyhow::anyhow!("{e}"))?;
            let example = [
                "2024-01-15",
                "记-001",
                "30201",
                "",
                "1200.00",
                "购买办公用品",
                "",
            ];
            notes
                .write_string_with_format(
                    0,
                    0,
                    "示例（填写在「账目」工作表中，本表不导入） (example; fill in the 账目 sheet)",
                    &bold,
                )
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            for (i, (c, v)) in cols.iter().zip(example).enumerate() {
                let col = u16::try_from(i).unwrap_or(0);
                notes
                    .write_string_with_format(1, col, c.label(), &bold)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                notes
                    .write_string(2, col, v)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                notes
                    .set_column_width(col, 16)
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            }
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
            crate::budget_xlsx::write(file, example.as_ref())?;
            println!(
                "已生成预算模板 (budget template written): {}",
                file.display()
            );
            return Ok(());
        }
    }
    wb.save(file)
        .with_context(|| format!("无法写入 {} (cannot write)", file.display()))?;
    println!("已生成模板 (template written): {}", file.display());
    Ok(())
}
