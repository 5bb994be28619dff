//! The forms of the seed year (焦作 2024 imported, then a year of facts recorded through the
//! application): the XLSX read back with calamine against the evaluation the application
//! computes, the HTML and CSV against the XLSX, byte-identical re-exports, and an export as
//! known at a past position equal to the one made then.

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use jixiao_app::forms::{Form, FormRequest, PROJECT_TITLE, UNIT_TITLE};
use jixiao_app::import::{Approval, BudgetImported};
use jixiao_app::{Actor, App, AppConfig, ErrorKind, Item};
use jixiao_domain::aggregate::{Command, RecordPayment};
use jixiao_domain::budget::{LineId, ProjectCode};
use jixiao_domain::evaluation::Evaluation;
use jixiao_domain::event::{
    ActivityHeld, DeviationCause, DeviationExplained, IndicatorAssessed, Likelihood,
    MonitoringReportFiled, MonitoringRow,
};
use jixiao_domain::indicator::{IndicatorId, QualGrade, Scope};
use jixiao_domain::money::Yuan;
use jixiao_domain::profile::ScoringProfile;
use jixiao_report::{Format, grid};
use jixiao_store::{KnownAt, Store, StoreOptions, StreamId};
use rust_decimal_macros::dec;
use std::io::Cursor;
use uuid::Uuid;

const PROJECT: &str = "410800240000000053204";
const PROJECT_LINE: &str = "P-410800240000000053204-30201";
/// An explanation with markup in it: the HTML must print it, not run it.
const EXECUTION_EXPLANATION: &str = "部分合作活动延期至次年 <script>alert(1)</script> & 'x'";
const ACTIVITIES_EXPLANATION: &str = "第三场活动因专家日程调整未能举办，明年一季度补办。";

struct Year {
    app: App,
    stream: StreamId,
    _dir: tempfile::TempDir,
}

fn date(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, m, d).unwrap()
}

fn actor() -> Actor {
    Actor {
        name: "tester".to_string(),
        request_id: "forms".to_string(),
    }
}

fn payment(line: &str, on: NaiveDate, amount_yuan: rust_decimal::Decimal) -> Command {
    Command::RecordPayment(RecordPayment {
        payment_id: Uuid::new_v4(),
        paid_on: on,
        line_id: LineId(line.to_string()),
        economic_code: None,
        function_code: None,
        project_code: None,
        amount_yuan: Yuan::new(amount_yuan).unwrap(),
        voucher_no: None,
        summary: "支出".to_string(),
    })
}

fn write(app: &App, stream: &StreamId, commands: Vec<Command>) {
    let items: Vec<Item> = commands
        .into_iter()
        .map(|command| Item::new(Uuid::new_v4(), command))
        .collect();
    let profile = ScoringProfile::builtin(ScoringProfile::DEFAULT_ID).unwrap();
    app.import(stream, items, &actor(), &profile, &mut |_, _| {})
        .expect("the seed facts are accepted");
}

/// The seed year: the budget and targets of 焦作 2024, payments, two activities, an assessment,
/// explanations and a filed 1-7月 report.
fn seed_year() -> Year {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(StoreOptions::new(dir.path().join("forms.db"))).unwrap();
    let app = App::new(
        store,
        AppConfig {
            business_today: Some(date(12, 31)),
            ..AppConfig::default()
        },
    );
    let approval = Approval::jiaozuo_2024().unwrap();
    assert!(matches!(
        app.import_budget(&approval, &actor()).unwrap(),
        BudgetImported::Written(_)
    ));
    let stream = approval.stream();
    let project = ProjectCode(PROJECT.to_string());
    let unit_line = approval.budget.lines[0].line_id.0.clone();
    let activity = |on: NaiveDate, invited: u32, participants: u32| {
        Command::HoldActivity(ActivityHeld {
            activity_id: Uuid::new_v4(),
            project_code: project.clone(),
            held_on: on,
            title: "科技合作交流活动".to_string(),
            invited,
            participants,
            evidence: Vec::new(),
        })
    };
    write(
        &app,
        &stream,
        vec![
            payment(PROJECT_LINE, date(3, 15), dec!(60000)),
            payment(PROJECT_LINE, date(6, 20), dec!(45000.5)),
            payment(&unit_line, date(4, 1), dec!(1500)),
            activity(date(4, 10), 12, 9),
            activity(date(9, 12), 10, 8),
            Command::FileMonitoringReport(MonitoringReportFiled {
                as_of: date(7, 31),
                filed_on: date(8, 5),
                expected_full_year_yuan: Yuan::new(dec!(700000)).unwrap(),
                rows: vec![MonitoringRow {
                    scope: Scope::Project(project.clone()),
                    indicator_id: IndicatorId("P-OUT-02".to_string()),
                    value_so_far: "1次".to_string(),
                    expected_full_year: "3次".to_string(),
                    deviation_cause: Some(DeviationCause::Staffing),
                    likelihood: Likelihood::Possible,
                    explanation: "下半年集中举办".to_string(),
                }],
            }),
            Command::AssessIndicator(IndicatorAssessed {
                scope: Scope::Project(project.clone()),
                indicator_id: IndicatorId("P-OUT-03".to_string()),
                assessed_on: date(12, 20),
                grade: Some(QualGrade::Achieved),
                score: None,
                actual_value: None,
                actual_text: "良好".to_string(),
                note: String::new(),
                band_position: None,
                evidence: Vec::new(),
            }),
            Command::ExplainDeviation(DeviationExplained {
                scope: Scope::Project(project.clone()),
                indicator_id: None,
                explanation: EXECUTION_EXPLANATION.to_string(),
                explained_on: date(12, 28),
            }),
            Command::ExplainDeviation(DeviationExplained {
                scope: Scope::Project(project.clone()),
                indicator_id: Some(IndicatorId("P-OUT-02".to_string())),
                explanation: ACTIVITIES_EXPLANATION.to_string(),
                explained_on: date(12, 28),
            }),
        ],
    );
    Year {
        app,
        stream,
        _dir: dir,
    }
}

fn request(y: &Year, form: Form, known: KnownAt) -> FormRequest {
    FormRequest {
        stream: y.stream.clone(),
        form,
        as_of: Some(date(12, 31)),
        known,
        profile: ScoringProfile::DEFAULT_ID.to_string(),
        project: None,
    }
}

fn export(y: &Year, form: Form, format: Format, known: KnownAt) -> Vec<u8> {
    jixiao_report::export(&y.app, &request(y, form, known), format)
        .expect("the form renders")
        .bytes
}

/// The evaluations the application serves for the year (the JSON evaluation's source).
fn evaluations(y: &Year) -> (Evaluation, Evaluation) {
    let profile = ScoringProfile::builtin(ScoringProfile::DEFAULT_ID).unwrap();
    let ev = y
        .app
        .evaluation(&y.stream, Some(date(12, 31)), KnownAt::Now, &profile)
        .unwrap();
    let project = ev
        .projects
        .iter()
        .find(|(code, _)| code.0 == PROJECT)
        .map(|(_, e)| e.clone())
        .expect("the seed project is evaluated");
    (ev.unit.expect("the unit is evaluated"), project)
}

fn workbook(bytes: &[u8]) -> Xlsx<Cursor<Vec<u8>>> {
    Xlsx::new(Cursor::new(bytes.to_vec())).expect("the XLSX opens")
}

/// Every row of a sheet as the forms print it (numbers with 2 decimals, percentages with %).
fn sheet_rows(book: &mut Xlsx<Cursor<Vec<u8>>>, name: &str, cols: usize) -> Vec<Vec<Data>> {
    let range = book.worksheet_range(name).expect("the sheet exists");
    let (rows, _) = range.end().map_or((0, 0), |(r, c)| (r + 1, c + 1));
    (0..rows)
        .map(|r| {
            (0..cols as u32)
                .map(|c| range.get_value((r, c)).cloned().unwrap_or(Data::Empty))
                .collect()
        })
        .collect()
}

fn text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Empty => String::new(),
        other => panic!("expected text, found {other:?}"),
    }
}

fn num(d: &Data) -> f64 {
    match d {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("expected a number, found {other:?}"),
    }
}

/// The double a decimal is written as.
fn double(d: rust_decimal::Decimal) -> f64 {
    d.to_string().parse().unwrap()
}

fn row_starting(rows: &[Vec<Data>], first: &str) -> usize {
    rows.iter()
        .position(|r| matches!(&r[0], Data::String(s) if s == first))
        .unwrap_or_else(|| panic!("no row starts with {first}"))
}

#[test]
fn the_project_form_in_xlsx_holds_every_value_of_the_evaluation_in_its_own_cell() {
    let y = seed_year();
    let (_, e) = evaluations(&y);
    let bytes = export(&y, Form::ProjectSelfEvaluation, Format::Xlsx, KnownAt::Now);
    let mut book = workbook(&bytes);
    let names = book.sheet_names();
    assert_eq!(names.len(), 1, "one sheet per project: {names:?}");
    let rows = sheet_rows(&mut book, &names[0], 9);

    assert_eq!(text(&rows[0][0]), PROJECT_TITLE);
    let name_row = row_starting(&rows, "项目名称");
    assert_eq!(text(&rows[name_row][1]), "科技合作及基础运转经费");
    assert_eq!(text(&rows[name_row][4]), "项目编码");
    // The 20-digit code is text, every digit kept.
    assert_eq!(rows[name_row][5], Data::String(PROJECT.to_string()));
    let dept_row = row_starting(&rows, "主管部门");
    assert_eq!(text(&rows[dept_row][5]), "焦作市产业技术科学院");

    // Funds block: 年初预算数, 全年预算数, 全年执行数, 分值, 执行率, 得分 in their own cells.
    let x = &e.execution;
    let total = row_starting(&rows, "年度资金总额");
    assert_eq!(num(&rows[total][3]), double(x.initial_yuan.wan_rounded()));
    assert_eq!(num(&rows[total][4]), double(x.adjusted_yuan.wan_rounded()));
    assert_eq!(num(&rows[total][5]), double(x.executed_yuan.wan_rounded()));
    assert_eq!(num(&rows[total][6]), double(x.weight));
    assert_eq!(
        num(&rows[total][7]),
        double(x.rate_percent.unwrap() / dec!(100))
    );
    assert_eq!(num(&rows[total][8]), double(x.score));
    for (offset, label) in ["其中：当年财政拨款", "　　　上年结转资金", "　　　其他资金"]
        .iter()
        .enumerate()
    {
        let r = total + 1 + offset;
        assert_eq!(text(&rows[r][0]), *label);
        assert_eq!(text(&rows[r][6]), grid::DASH, "{label}: 分值 is a dash");
        assert_eq!(text(&rows[r][8]), grid::DASH, "{label}: 得分 is a dash");
    }
    // The explanation recorded for the low execution rate is in the funds block.
    let explained = row_starting(&rows, "执行率偏低原因说明");
    assert_eq!(text(&rows[explained][3]), EXECUTION_EXPLANATION);

    // Indicator block: every indicator, each value in its own cell, flags apart.
    let head = row_starting(&rows, "一级指标");
    let headings: Vec<String> = rows[head].iter().map(text).collect();
    assert_eq!(
        headings,
        [
            "一级指标",
            "二级指标",
            "三级指标",
            "年度指标值",
            "实际完成值",
            "分值",
            "得分",
            "偏差原因分析及改进措施",
            "系统提示"
        ]
    );
    let mut level1 = String::new();
    let mut level2 = String::new();
    for (i, ind) in e.indicators.iter().enumerate() {
        let r = &rows[head + 1 + i];
        // Merged 一级/二级 cells hold their value in the first row of the range.
        if !matches!(r[0], Data::Empty) {
            level1 = text(&r[0]);
        }
        if !matches!(r[1], Data::Empty) {
            level2 = text(&r[1]);
        }
        assert_eq!(level1, ind.level1.name_zh(), "row {i}");
        assert_eq!(level2, ind.level2, "row {i}");
        assert_eq!(text(&r[2]), ind.name);
        assert_eq!(text(&r[3]), ind.target_text);
        assert_eq!(text(&r[4]), ind.actual_text);
        assert_eq!(num(&r[5]), double(ind.weight), "{}", ind.name);
        assert_eq!(num(&r[6]), double(ind.score), "{}", ind.name);
        assert_eq!(
            text(&r[7]),
            ind.explanation.clone().unwrap_or_default(),
            "{}: only the unit's explanation",
            ind.name
        );
        let flags = text(&r[8]);
        for f in &ind.flags {
            assert!(flags.contains(f.message_zh()), "{}: {flags}", ind.name);
            assert!(!text(&r[7]).contains(f.message_zh()));
        }
    }
    let graded = e
        .indicators
        .iter()
        .position(|i| i.name == "运转质量")
        .unwrap();
    assert!(text(&rows[head + 1 + graded][8]).contains("人工评定"));
    assert_eq!(text(&rows[head + 1 + graded][7]), "");
    let activities = e
        .indicators
        .iter()
        .position(|i| i.name == "举办活动场次")
        .unwrap();
    assert_eq!(
        text(&rows[head + 1 + activities][7]),
        ACTIVITIES_EXPLANATION
    );

    let footer = row_starting(&rows, "总分");
    assert_eq!(num(&rows[footer][5]), 100.0);
    assert_eq!(num(&rows[footer][6]), double(e.total));
    assert_eq!(
        text(&rows[footer][7]),
        format!("自评等级：{}", e.grade.name_zh())
    );
    // The provenance: profile, as_of, head position and hash.
    let head_now = y.app.store().head().unwrap();
    let all: String = rows.iter().flatten().map(|d| format!("{d} ")).collect();
    assert!(all.contains("mof-2020"), "{all}");
    assert!(all.contains("2024-12-31"));
    assert!(all.contains(&format!("位置 {}", head_now.position)));
    assert!(all.contains(&head_now.hash_hex()));
}

#[test]
fn the_xlsx_merges_are_the_layout_merges_and_the_indicator_levels_are_merged_down() {
    let y = seed_year();
    let bytes = export(&y, Form::SelfEvaluation, Format::Xlsx, KnownAt::Now);
    let data = y
        .app
        .form_data(&request(&y, Form::SelfEvaluation, KnownAt::Now))
        .unwrap();
    let grids = grid::layout(&data);
    let mut book = workbook(&bytes);
    assert_eq!(
        book.sheet_names(),
        grids
            .iter()
            .map(|g| g.sheet_name.clone())
            .collect::<Vec<_>>()
    );
    assert_eq!(grids[0].title, UNIT_TITLE, "the unit form comes first");
    for g in &grids {
        let mut read: Vec<(u32, u32, u32, u32)> = book
            .merge_cells_by_sheet_name(&g.sheet_name)
            .unwrap()
            .iter()
            .map(|d| (d.start.0, d.start.1, d.end.0, d.end.1))
            .collect();
        let mut laid: Vec<(u32, u32, u32, u32)> = g
            .merges
            .iter()
            .map(|m| {
                (
                    m.first_row,
                    u32::from(m.first_col),
                    m.last_row,
                    u32::from(m.last_col),
                )
            })
            .collect();
        read.sort_unstable();
        laid.sort_unstable();
        assert_eq!(read, laid, "{}", g.sheet_name);
        // The title spans the whole width; some 一级 cell spans several rows.
        assert!(read.contains(&(0, 0, 0, g.widths.len() as u32 - 1)));
        assert!(
            read.iter()
                .any(|&(r0, c0, r1, c1)| c0 == 0 && c1 == 0 && r1 > r0 + 1),
            "{}: the 一级 of several indicators is one merged cell",
            g.sheet_name
        );
    }
}

#[test]
fn the_unit_form_splits_the_funds_into_basic_and_project_spending_and_lists_the_annual_tasks() {
    let y = seed_year();
    let (unit, project) = evaluations(&y);
    let bytes = export(&y, Form::UnitSelfEvaluation, Format::Xlsx, KnownAt::Now);
    let mut book = workbook(&bytes);
    let names = book.sheet_names();
    assert_eq!(names.len(), 1);
    let rows = sheet_rows(&mut book, &names[0], 9);
    assert_eq!(text(&rows[0][0]), UNIT_TITLE);
    let total = row_starting(&rows, "年度资金总额");
    let basic = row_starting(&rows, "基本支出");
    let projects = row_starting(&rows, "项目支出");
    let sum = num(&rows[basic][4]) + num(&rows[projects][4]);
    assert!(
        (sum - num(&rows[total][4])).abs() < 0.011,
        "基本 + 项目 = 总额"
    );
    assert_eq!(
        num(&rows[projects][5]),
        double(project.execution.executed_yuan.wan_rounded()),
        "the project spending is the project's execution"
    );
    assert_eq!(
        num(&rows[total][5]),
        double(unit.execution.executed_yuan.wan_rounded())
    );
    let tasks = row_starting(&rows, "年度主要任务");
    assert_eq!(text(&rows[tasks + 1][0]), "产业服务与科技合作");
    let head = row_starting(&rows, "一级指标");
    for (i, ind) in unit.indicators.iter().enumerate() {
        assert_eq!(text(&rows[head + 1 + i][2]), ind.name);
        assert_eq!(num(&rows[head + 1 + i][6]), double(ind.score));
    }
    let footer = row_starting(&rows, "总分");
    assert_eq!(num(&rows[footer][6]), double(unit.total));
}

#[test]
fn the_monitoring_form_shows_the_filed_cause_likelihood_and_explanation() {
    let y = seed_year();
    let mut req = request(&y, Form::Monitoring, KnownAt::Now);
    req.as_of = Some(date(7, 31));
    req.project = Some(ProjectCode(PROJECT.to_string()));
    let rendered = jixiao_report::export(&y.app, &req, Format::Xlsx).unwrap();
    let mut book = workbook(&rendered.bytes);
    let names = book.sheet_names();
    assert_eq!(names.len(), 1, "only the project asked for");
    let rows = sheet_rows(&mut book, &names[0], 10);
    let funds = row_starting(&rows, "资金（万元）");
    assert_eq!(text(&rows[funds][5]), "1-7月执行数");
    assert_eq!(text(&rows[funds][7]), "全年预计执行数");
    // 1-7月: the two project payments (60,000 + 45,000.50 元).
    assert_eq!(num(&rows[funds + 1][5]), 10.5);
    let head = row_starting(&rows, "一级指标");
    let r = rows
        .iter()
        .skip(head)
        .find(|r| text(&r[2]) == "举办活动场次")
        .unwrap();
    assert_eq!(text(&r[4]), "1次");
    assert_eq!(text(&r[6]), "人员保障");
    assert_eq!(text(&r[7]), "有可能");
    assert_eq!(text(&r[8]), "下半年集中举办");
}

#[test]
fn the_html_form_has_every_indicator_row_escaped_text_and_no_outside_resource() {
    let y = seed_year();
    let (unit, project) = evaluations(&y);
    let html =
        String::from_utf8(export(&y, Form::SelfEvaluation, Format::Html, KnownAt::Now)).unwrap();
    for ind in unit.indicators.iter().chain(&project.indicators) {
        let cell = format!(">{}</td>", ind.name);
        assert!(html.contains(&cell), "row of {}", ind.name);
    }
    assert_eq!(
        html.matches("<section class=\"form").count(),
        2,
        "one page per form"
    );
    assert!(html.contains("page-break-after: always"));
    assert!(html.contains("@page"));
    for outside in ["http:", "https:", "//", "src=", "href=", "@import", "url("] {
        let found = html
            .match_indices(outside)
            .filter(|(i, _)| !html[..*i].ends_with(':') || outside != "//")
            .count();
        assert_eq!(found, 0, "no outside resource ({outside})");
    }
    assert!(!html.contains("<script>"), "text is escaped");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#39;x&#39;"));
}

#[test]
fn the_csv_starts_with_the_bom_and_has_the_same_rows_as_the_xlsx() {
    let y = seed_year();
    let csv_bytes = export(&y, Form::SelfEvaluation, Format::Csv, KnownAt::Now);
    assert!(csv_bytes.starts_with("\u{feff}".as_bytes()));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(&csv_bytes[3..]);
    let csv_rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let xlsx = export(&y, Form::SelfEvaluation, Format::Xlsx, KnownAt::Now);
    let mut book = workbook(&xlsx);
    let mut from_xlsx: Vec<Vec<String>> = Vec::new();
    for (i, name) in book.sheet_names().iter().enumerate() {
        if i > 0 {
            from_xlsx.push(vec![String::new()]);
        }
        for row in sheet_rows(&mut book, name, 9) {
            from_xlsx.push(
                row.iter()
                    .map(|d| match d {
                        Data::Float(f) if *f < 1.0 && *f > 0.0 => format!("{:.2}%", f * 100.0),
                        Data::Float(f) => format!("{f:.2}"),
                        other => text(other),
                    })
                    .collect(),
            );
        }
    }
    assert_eq!(csv_rows.len(), from_xlsx.len());
    for (c, x) in csv_rows.iter().zip(&from_xlsx) {
        // A score or amount below 1 reads back as a fraction like a rate: compare by value.
        for (a, b) in c.iter().zip(x) {
            if a != b {
                let pa: f64 = a.trim_end_matches('%').parse().unwrap_or(f64::NAN);
                let pb: f64 = b.trim_end_matches('%').parse().unwrap_or(f64::NAN);
                assert!(
                    (pa - pb / 100.0).abs() < 1e-9 || (pa - pb).abs() < 1e-9,
                    "{a} vs {b}"
                );
            }
        }
        assert_eq!(
            c.iter().filter(|s| !s.is_empty()).count(),
            x.iter().filter(|s| !s.is_empty()).count(),
            "{c:?} vs {x:?}"
        );
    }
}

#[test]
fn the_same_export_twice_is_byte_identical_in_every_format() {
    let y = seed_year();
    let head = y.app.store().head().unwrap().position;
    for form in Form::ALL {
        for format in Format::ALL {
            let first = export(&y, form, format, KnownAt::Position(head));
            let second = export(&y, form, format, KnownAt::Position(head));
            assert_eq!(first, second, "{form:?} as {format:?}");
        }
    }
}

#[test]
fn an_export_as_known_at_a_past_position_equals_the_one_made_then() {
    let y = seed_year();
    let then = export(&y, Form::SelfEvaluation, Format::Xlsx, KnownAt::Now);
    let then_csv = export(&y, Form::SelfEvaluation, Format::Csv, KnownAt::Now);
    let position = y.app.store().head().unwrap().position;
    write(
        &y.app,
        &y.stream,
        vec![payment(PROJECT_LINE, date(11, 30), dec!(20000))],
    );
    let now = export(&y, Form::SelfEvaluation, Format::Xlsx, KnownAt::Now);
    assert_ne!(now, then, "the new payment changes the form");
    let past = export(
        &y,
        Form::SelfEvaluation,
        Format::Xlsx,
        KnownAt::Position(position),
    );
    assert_eq!(past, then);
    let past_csv = export(
        &y,
        Form::SelfEvaluation,
        Format::Csv,
        KnownAt::Position(position),
    );
    assert_eq!(past_csv, then_csv);
}

#[test]
fn an_unknown_project_is_a_clear_error_naming_the_field() {
    let y = seed_year();
    let mut req = request(&y, Form::ProjectSelfEvaluation, KnownAt::Now);
    req.project = Some(ProjectCode("000".to_string()));
    let err = y.app.form_data(&req).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert_eq!(err.errors[0].field, "project");
}

#[test]
fn the_xlsx_carries_the_as_of_date_as_its_creation_time_and_no_clock_time() {
    let y = seed_year();
    let bytes = export(&y, Form::SelfEvaluation, Format::Xlsx, KnownAt::Now);
    let mut package = zip::ZipArchive::new(Cursor::new(bytes)).expect("an XLSX is a zip package");
    let mut core = String::new();
    std::io::Read::read_to_string(
        &mut package
            .by_name("docProps/core.xml")
            .expect("document properties"),
        &mut core,
    )
    .unwrap();
    // The request's as_of is 2024-12-31: the creation and modification times are that date,
    // whatever the clock says when the file is made.
    let created = core
        .split("<dcterms:created xsi:type=\"dcterms:W3CDTF\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("a creation time");
    assert_eq!(created, "2024-12-31T00:00:00Z", "{core}");
    let modified = core
        .split("<dcterms:modified xsi:type=\"dcterms:W3CDTF\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("a modification time");
    assert_eq!(modified, created, "{core}");
    // Every file in the package has the same fixed timestamp: none comes from the clock.
    let stamps: std::collections::BTreeSet<_> = (0..package.len())
        .map(|i| {
            let f = package.by_index(i).unwrap();
            f.last_modified().map(|t| (t.year(), t.month(), t.day()))
        })
        .collect();
    assert_eq!(stamps.len(), 1, "{stamps:?}");
}

/// Issue 14: the 项目支出绩效自评表 this project exports, read back by the 复核, follows the
/// rules row by row, in XLSX and in CSV (the 部门整体 sheet is not a project table: skipped).
#[test]
fn an_exported_project_form_rechecks_clean_in_xlsx_and_csv() {
    let y = seed_year();
    let profile = ScoringProfile::builtin(ScoringProfile::DEFAULT_ID).unwrap();
    let (_, project) = evaluations(&y);
    for (name, format) in [("自评表.xlsx", Format::Xlsx), ("自评表.csv", Format::Csv)] {
        let bytes = export(&y, Form::SelfEvaluation, format, KnownAt::Now);
        let report = jixiao_app::recheck::recheck_files([(name, bytes.as_slice())], &profile);
        let names: Vec<_> = report
            .tables
            .iter()
            .map(|t| (&t.sheet, &t.verdict.name, t.verdict.clean))
            .collect();
        assert_eq!(
            report.tables.len(),
            1,
            "{name}: {names:?} {:#?}",
            report.problems
        );
        let v = &report.tables[0].verdict;
        assert!(v.clean, "{name}: {v:#?}");
        assert_eq!(v.rule_total, project.total, "{name}");
        assert_eq!(v.rows.len(), project.indicators.len(), "{name}");
        assert!(
            report
                .problems
                .iter()
                .all(|p| p.message.contains("部门整体")),
            "{name}: {:?}",
            report.problems
        );
    }
}
