//! Black-box tests of the `jixiao` binary: each spawns the built executable on a fresh
//! temporary database and checks what an operator or a script relies on — exit codes, output,
//! and the state of the log afterwards. Child servers are killed by a Drop guard.

mod common;

use common::{ChildGuard, assert_ok, started};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_jixiao");
/// How long a test waits for a child to start or finish before failing (and killing it).
const WAIT_MAX: Duration = Duration::from_secs(60);

fn repo_file(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

/// A `jixiao` command with a clean environment (no settings leak in from the caller).
fn jixiao(dir: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(dir);
    for (k, _) in std::env::vars() {
        if k.starts_with("JIXIAO_") {
            c.env_remove(k);
        }
    }
    c.env("JIXIAO_LOG", "warn");
    c
}

fn run(dir: &Path, db: &Path, args: &[&str]) -> Output {
    jixiao(dir)
        .arg("--database")
        .arg(db)
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// "…头部位置 (head position) 12, 哈希 (hash) abcd…" → (12, "abcd…").
fn head_of(dir: &Path, db: &Path) -> (u64, String) {
    let o = run(dir, db, &["verify"]);
    assert_ok(&o);
    let text = stdout(&o);
    let after = |marker: &str| -> String {
        let i = text
            .find(marker)
            .unwrap_or_else(|| panic!("no {marker} in {text}"))
            + marker.len();
        text[i..]
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect()
    };
    (after("(head position)").parse().unwrap(), after("(hash)"))
}

fn fresh_db_with_budget(dir: &Path) -> PathBuf {
    let db = dir.join("jixiao.db");
    let o = run(
        dir,
        &db,
        &[
            "import",
            "budget",
            repo_file("fixtures/jiaozuo-2024.toml").to_str().unwrap(),
        ],
    );
    assert_ok(&o);
    db
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            start.elapsed() < WAIT_MAX,
            "the process did not exit in time"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_demo_starts_answers_healthz_and_serves_an_authenticated_read() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = jixiao(dir.path());
    c.args([
        "serve",
        "--demo",
        "--bind",
        "127.0.0.1:0",
        "--demo-today",
        "2024-08-15",
    ]);
    let (_guard, base, printed, rx) = started(c);
    let mut printed: Vec<String> = printed.lines().map(str::to_string).collect();
    // The banner names the demo users after the URLs.
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(5)) {
        printed.push(line);
        if printed.iter().any(|l| l.contains("demo-admin-2024")) {
            break;
        }
    }
    let banner = printed.join("\n");
    assert!(banner.contains("/docs"), "{banner}");
    assert!(banner.contains("2024-08-15"), "{banner}");

    let health: serde_json::Value = ureq::get(format!("{base}/healthz"))
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    assert_eq!(health["status"], "ok");
    // The container HEALTHCHECK probe agrees.
    let probe = jixiao(dir.path())
        .args(["healthcheck", "--addr", base.trim_start_matches("http://")])
        .output()
        .unwrap();
    assert_ok(&probe);

    match ureq::get(format!("{base}/api/v1/users")).call() {
        Err(ureq::Error::StatusCode(401)) => {}
        other => panic!("an anonymous read must be refused with 401, got {other:?}"),
    }
    let token: serde_json::Value = ureq::post(format!("{base}/api/v1/auth/token"))
        .send_json(serde_json::json!({"username": "admin", "password": "demo-admin-2024"}))
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());
    let users: serde_json::Value = ureq::get(format!("{base}/api/v1/users"))
        .header("Authorization", &bearer)
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    let text = users.to_string();
    for name in ["staff", "head", "finance", "auditor", "admin"] {
        assert!(
            text.contains(&format!("\"{name}\"")),
            "demo user {name} missing from {text}"
        );
    }
}

#[test]
fn a_ledger_with_one_bad_row_imports_nothing_and_names_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db_with_budget(dir.path());
    let before = head_of(dir.path(), &db);
    let o = run(
        dir.path(),
        &db,
        &[
            "import",
            "ledger",
            repo_file("fixtures/ledger-2024-bad-row.csv")
                .to_str()
                .unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("第3行「经济分类」列"), "{err}");
    assert!(
        !err.contains("第2行"),
        "only the bad row is reported: {err}"
    );
    assert_eq!(head_of(dir.path(), &db), before, "nothing may be written");
}

#[test]
fn a_good_ledger_imports_and_a_reimport_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db_with_budget(dir.path());
    let (p0, _) = head_of(dir.path(), &db);
    let file = repo_file("fixtures/ledger-2024-sample.csv");
    let rows = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .count() as u64;
    assert_ok(&run(
        dir.path(),
        &db,
        &["import", "ledger", file.to_str().unwrap()],
    ));
    let after_first = head_of(dir.path(), &db);
    assert_eq!(after_first.0, p0 + rows);
    let again = run(
        dir.path(),
        &db,
        &["import", "ledger", file.to_str().unwrap()],
    );
    assert_ok(&again);
    assert_eq!(
        head_of(dir.path(), &db),
        after_first,
        "a re-import must add nothing"
    );
}

#[test]
fn an_xlsx_ledger_with_excel_dates_and_numbers_imports() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db_with_budget(dir.path());
    let (p0, _) = head_of(dir.path(), &db);
    let path = dir.path().join("ledger.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sheet = wb.add_worksheet();
    for (i, h) in ["日期", "凭证号", "科目编码", "项目", "金额", "摘要"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, i as u16, *h).unwrap();
    }
    let date_format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let d = rust_xlsxwriter::ExcelDateTime::from_ymd(2024, 5, 6).unwrap();
    sheet
        .write_datetime_with_format(1, 0, &d, &date_format)
        .unwrap();
    sheet.write_string(1, 1, "记-X-1").unwrap();
    sheet.write_string(1, 2, "30201").unwrap();
    sheet.write_number(1, 4, 1234.5).unwrap();
    sheet.write_string(1, 5, "办公用品").unwrap();
    sheet.write_string(2, 0, "2024/6/7").unwrap();
    sheet.write_string(2, 1, "记-X-2").unwrap();
    sheet.write_number(2, 2, 30206.0).unwrap();
    sheet.write_string(2, 4, "2,000.00").unwrap();
    sheet.write_string(2, 5, "电费").unwrap();
    wb.save(&path).unwrap();
    let o = run(
        dir.path(),
        &db,
        &["import", "ledger", path.to_str().unwrap()],
    );
    assert_ok(&o);
    assert_eq!(head_of(dir.path(), &db).0, p0 + 2);
}

/// A ledger of `rows` small office-supply payments with vouchers unique to `tag`.
fn write_ledger(path: &Path, tag: &str, rows: usize) {
    let mut f = std::fs::File::create(path).unwrap();
    writeln!(f, "日期,凭证号,经济分类,项目编码,金额,摘要").unwrap();
    for i in 0..rows {
        writeln!(
            f,
            "2024-02-{:02},记-{tag}-{i},30201,,1.00,办公用品",
            1 + i % 28
        )
        .unwrap();
    }
}

#[test]
fn a_backup_taken_while_writing_restores_to_a_verified_log() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db_with_budget(dir.path());
    let (p0, _) = head_of(dir.path(), &db);
    let rounds = 8;
    let rows = 40;
    let files: Vec<PathBuf> = (0..rounds)
        .map(|r| {
            let p = dir.path().join(format!("l{r}.csv"));
            write_ledger(&p, &format!("r{r}"), rows);
            p
        })
        .collect();
    let writer_dir = dir.path().to_path_buf();
    let writer_db = db.clone();
    let writer = std::thread::spawn(move || {
        for f in &files {
            let o = run(
                &writer_dir,
                &writer_db,
                &["import", "ledger", f.to_str().unwrap()],
            );
            assert_ok(&o);
        }
    });
    // Back up twice while the writer runs, then once more after it finished.
    let mut backups = Vec::new();
    for i in 0..2 {
        std::thread::sleep(Duration::from_millis(300));
        let b = dir.path().join(format!("backup-{i}.db"));
        assert_ok(&run(dir.path(), &db, &["backup", b.to_str().unwrap()]));
        backups.push(b);
    }
    writer.join().unwrap();
    for b in &backups {
        let target = dir.path().join(format!(
            "restored-{}.db",
            b.file_stem().unwrap().to_string_lossy()
        ));
        assert_ok(&run(dir.path(), &target, &["restore", b.to_str().unwrap()]));
        let (pos, _) = head_of(dir.path(), &target);
        assert!(pos >= p0, "the restored log holds at least the budget");
    }
    let (final_pos, _) = head_of(dir.path(), &db);
    assert_eq!(
        final_pos,
        p0 + (rounds * rows) as u64,
        "every write of the concurrent writer landed"
    );
}

#[test]
fn restore_refuses_a_backup_that_fails_verification_and_keeps_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db_with_budget(dir.path());
    let before = head_of(dir.path(), &db);
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, b"this is not a database").unwrap();
    let o = run(
        dir.path(),
        &db,
        &["restore", "--force", junk.to_str().unwrap()],
    );
    assert_ne!(o.status.code(), Some(0));
    assert_eq!(head_of(dir.path(), &db), before);
}

#[test]
fn events_export_and_import_round_trip_with_the_same_head_hash() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db_with_budget(dir.path());
    assert_ok(&run(
        dir.path(),
        &db,
        &[
            "import",
            "ledger",
            repo_file("fixtures/ledger-2024-sample.csv")
                .to_str()
                .unwrap(),
        ],
    ));
    let head = head_of(dir.path(), &db);
    let file = dir.path().join("events.jsonl");
    assert_ok(&run(
        dir.path(),
        &db,
        &["events", "export", file.to_str().unwrap()],
    ));
    let copy = dir.path().join("copy.db");
    let o = run(
        dir.path(),
        &copy,
        &["events", "import", file.to_str().unwrap()],
    );
    assert_ok(&o);
    assert_eq!(head_of(dir.path(), &copy), head);

    // Importing again is refused: the database is no longer empty.
    let again = run(
        dir.path(),
        &copy,
        &["events", "import", file.to_str().unwrap()],
    );
    assert_eq!(again.status.code(), Some(2), "{}", stderr(&again));
}

#[test]
fn a_tampered_events_file_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db_with_budget(dir.path());
    assert_ok(&run(
        dir.path(),
        &db,
        &[
            "import",
            "ledger",
            repo_file("fixtures/ledger-2024-sample.csv")
                .to_str()
                .unwrap(),
        ],
    ));
    let file = dir.path().join("events.jsonl");
    assert_ok(&run(
        dir.path(),
        &db,
        &["events", "export", file.to_str().unwrap()],
    ));
    let text = std::fs::read_to_string(&file).unwrap();
    let tampered =
        text.replacen("1,250.00", "1,950.00", 1)
            .replacen("\\\"1250\\\"", "\\\"1950\\\"", 1);
    assert_ne!(tampered, text, "the test must change an amount");
    std::fs::write(&file, tampered).unwrap();
    let copy = dir.path().join("copy.db");
    let o = run(
        dir.path(),
        &copy,
        &["events", "import", file.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    assert!(stderr(&o).contains("哈希不符"), "{}", stderr(&o));
    assert_eq!(head_of(dir.path(), &copy).0, 0);
}

#[test]
fn production_mode_without_a_key_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let child = jixiao(dir.path())
        .env("JIXIAO_MODE", "production")
        .args(["serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut guard = ChildGuard(child);
    let status = wait_exit(&mut guard.0);
    assert_eq!(status.code(), Some(1));
    let mut err = String::new();
    std::io::Read::read_to_string(guard.0.stderr.as_mut().unwrap(), &mut err).unwrap();
    assert!(err.contains("JIXIAO_JWT_SECRET"), "{err}");
    let mut out = String::new();
    std::io::Read::read_to_string(guard.0.stdout.as_mut().unwrap(), &mut out).unwrap();
    assert!(!out.contains("http://"), "it must not listen: {out}");

    // A key shorter than 32 bytes is refused as well.
    let short = jixiao(dir.path())
        .env("JIXIAO_MODE", "production")
        .env("JIXIAO_JWT_SECRET", "too-short")
        .args(["serve", "--bind", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(short.status.code(), Some(1));
    assert!(
        !String::from_utf8_lossy(&short.stderr).contains("too-short"),
        "the key must never be printed"
    );
}

#[test]
fn usage_errors_exit_with_2() {
    let dir = tempfile::tempdir().unwrap();
    let o = jixiao(dir.path())
        .args(["export", "nonsense"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn exported_reports_name_the_log_head_they_were_computed_from() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db_with_budget(dir.path());
    assert_ok(&run(
        dir.path(),
        &db,
        &[
            "import",
            "ledger",
            repo_file("fixtures/ledger-2024-sample.csv")
                .to_str()
                .unwrap(),
        ],
    ));
    let (position, hash) = head_of(dir.path(), &db);

    let o = run(
        dir.path(),
        &db,
        &[
            "export",
            "selfeval",
            "--format",
            "json",
            "--as-of",
            "2024-12-31",
        ],
    );
    assert_ok(&o);
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["log"]["head_position"], position);
    assert_eq!(report["log"]["head_hash"], hash.as_str());
    let project = report["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["scope"]["scope"] == "project")
        .expect("the project is evaluated");
    // The sample ledger charges 15,000.00 + 3,200.00 to the project.
    assert_eq!(project["evaluation"]["execution"]["executed_yuan"], "18200");

    let o = run(
        dir.path(),
        &db,
        &[
            "export",
            "monitoring",
            "--format",
            "csv",
            "--as-of",
            "2024-07-31",
        ],
    );
    assert_ok(&o);
    let csv = stdout(&o);
    assert!(csv.contains(&format!("哈希 {hash}")), "{csv}");
    assert!(csv.contains(&format!("位置 {position}")), "{csv}");
    assert!(csv.contains("1-7月"), "{csv}");
}

#[test]
fn a_budget_whose_published_totals_do_not_add_up_is_rejected_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo_file("fixtures/jiaozuo-2024.toml")).unwrap();
    let wrong = text.replacen(
        "{ class = \"206\", name = \"科学技术\", total = \"70.53\" }",
        "{ class = \"206\", name = \"科学技术\", total = \"71.53\" }",
        1,
    );
    assert_ne!(wrong, text, "the test must change a published total");
    let file = dir.path().join("wrong.toml");
    std::fs::write(&file, wrong).unwrap();
    let db = dir.path().join("jixiao.db");
    let o = run(
        dir.path(),
        &db,
        &["import", "budget", file.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("206"),
        "the mismatching row is named: {}",
        stderr(&o)
    );
    assert_eq!(head_of(dir.path(), &db).0, 0);
}

#[test]
fn a_budget_filled_in_the_xlsx_template_imports_and_a_reimport_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("jixiao.db");
    let xlsx = dir.path().join("budget.xlsx");
    assert_ok(&run(
        dir.path(),
        &db,
        &[
            "import",
            "template",
            "budget",
            xlsx.to_str().unwrap(),
            "--example",
        ],
    ));
    assert_ok(&run(
        dir.path(),
        &db,
        &["import", "budget", xlsx.to_str().unwrap()],
    ));
    let after = head_of(dir.path(), &db);
    assert!(after.0 >= 2, "budget and targets recorded");
    assert_ok(&run(
        dir.path(),
        &db,
        &["import", "budget", xlsx.to_str().unwrap()],
    ));
    assert_eq!(head_of(dir.path(), &db), after);
    // The ledger template is written as well, and never over an existing file.
    let ledger = dir.path().join("ledger.xlsx");
    assert_ok(&run(
        dir.path(),
        &db,
        &["import", "template", "ledger", ledger.to_str().unwrap()],
    ));
    let again = run(
        dir.path(),
        &db,
        &["import", "template", "ledger", ledger.to_str().unwrap()],
    );
    assert_eq!(again.status.code(), Some(2));
}

#[test]
fn users_are_managed_from_the_command_line_and_bad_input_exits_with_3() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("jixiao.db");
    let users = |args: &[&str], password: Option<&str>| {
        let mut c = jixiao(dir.path());
        c.arg("--database").arg(&db).arg("users").args(args);
        if let Some(p) = password {
            c.env("JIXIAO_PASSWORD", p);
        }
        c.stdin(Stdio::null()).output().unwrap()
    };
    assert_ok(&users(
        &["add", "zhang", "--role", "staff", "--unit", "261301"],
        Some("a-long-password"),
    ));
    assert_ok(&users(&["role", "zhang", "finance"], None));
    assert_ok(&users(&["passwd", "zhang"], Some("another-long-password")));
    let list = users(&["list"], None);
    assert_ok(&list);
    let text = stdout(&list);
    assert!(text.contains("zhang") && text.contains("finance"), "{text}");
    assert!(!text.contains("another-long-password"));

    // Staff need a unit; a short password is refused; a taken name is refused.
    assert_eq!(
        users(&["add", "li", "--role", "staff"], Some("a-long-password"))
            .status
            .code(),
        Some(3)
    );
    assert_eq!(
        users(&["add", "li", "--role", "auditor"], Some("short"))
            .status
            .code(),
        Some(3)
    );
    assert_eq!(
        users(
            &["add", "zhang", "--role", "auditor"],
            Some("a-long-password")
        )
        .status
        .code(),
        Some(3)
    );
}

/// Writes a UTF-8 ledger CSV with the sample's Chinese header and the given data lines.
fn ledger_csv(path: &Path, lines: &[&str]) {
    let mut text = String::from("日期,凭证号,经济分类,项目编码,金额,摘要\n");
    for l in lines {
        text.push_str(l);
        text.push('\n');
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_voucher_reimported_with_different_content_is_refused_and_names_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db_with_budget(dir.path());
    let first = dir.path().join("march.csv");
    ledger_csv(
        &first,
        &["2024-03-05,记-2024-0301,30201,,1250.00,购买办公用品"],
    );
    assert_ok(&run(
        dir.path(),
        &db,
        &["import", "ledger", first.to_str().unwrap()],
    ));
    let before = head_of(dir.path(), &db);
    // The accountant corrected the amount in the software and exported again.
    let changed = dir.path().join("march-corrected.csv");
    ledger_csv(
        &changed,
        &[
            "2024-03-06,记-2024-0302,30201,,80.00,购买墨盒",
            "2024-03-05,记-2024-0301,30201,,999.00,购买办公用品",
        ],
    );
    let o = run(
        dir.path(),
        &db,
        &["import", "ledger", changed.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("第3行"), "{err}");
    assert!(err.contains("记-2024-0301"), "{err}");
    assert!(err.contains("1250") && err.contains("999"), "{err}");
    assert_eq!(head_of(dir.path(), &db), before, "nothing may be written");
}

#[test]
fn a_ledger_with_only_a_header_row_is_rejected_as_having_no_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db_with_budget(dir.path());
    let file = dir.path().join("header-only.csv");
    ledger_csv(&file, &[]);
    let o = run(
        dir.path(),
        &db,
        &["import", "ledger", file.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    assert!(stderr(&o).contains("没有数据行"), "{}", stderr(&o));
}

#[test]
fn the_ledger_template_imports_no_payment_until_it_is_filled_in() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db_with_budget(dir.path());
    let before = head_of(dir.path(), &db);
    let file = dir.path().join("ledger.xlsx");
    assert_ok(&run(
        dir.path(),
        &db,
        &["import", "template", "ledger", file.to_str().unwrap()],
    ));
    let o = run(
        dir.path(),
        &db,
        &["import", "ledger", file.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    assert_eq!(head_of(dir.path(), &db), before, "no example payment");
}

#[test]
fn a_gbk_encoded_csv_from_accounting_software_imports_like_its_utf8_original() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db_with_budget(dir.path());
    let (p0, _) = head_of(dir.path(), &db);
    let utf8 = std::fs::read_to_string(repo_file("fixtures/ledger-2024-sample.csv")).unwrap();
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&utf8);
    assert!(!unmappable);
    let file = dir.path().join("gbk.csv");
    std::fs::write(&file, &gbk).unwrap();
    let o = run(
        dir.path(),
        &db,
        &["import", "ledger", file.to_str().unwrap()],
    );
    assert_ok(&o);
    assert!(stderr(&o).contains("GBK"), "says which encoding it read");
    let rows = utf8
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .count() as u64;
    assert_eq!(head_of(dir.path(), &db).0, p0 + rows);
    // The same payments as the UTF-8 file: importing it now adds nothing.
    let again = run(
        dir.path(),
        &db,
        &[
            "import",
            "ledger",
            repo_file("fixtures/ledger-2024-sample.csv")
                .to_str()
                .unwrap(),
        ],
    );
    assert_ok(&again);
    assert_eq!(head_of(dir.path(), &db).0, p0 + rows);
}

#[test]
fn a_csv_in_an_unreadable_encoding_is_rejected_naming_the_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db_with_budget(dir.path());
    let file = dir.path().join("binary.csv");
    std::fs::write(&file, b"\xff\xfe\xff\xfe\x00\x81,\xff\n").unwrap();
    let o = run(
        dir.path(),
        &db,
        &["import", "ledger", file.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("UTF-8") && err.contains("GBK"), "{err}");
}

#[test]
fn logs_written_to_a_pipe_carry_no_terminal_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let o = jixiao(dir.path())
        .env("JIXIAO_LOG", "info")
        .args(["--database", "fresh.db", "migrate"])
        .output()
        .unwrap();
    assert_ok(&o);
    let err = stderr(&o);
    assert!(err.contains("applied migration"), "{err}");
    assert!(!err.contains('\u{1b}'), "escape codes in {err:?}");
}

#[test]
fn restoring_a_backup_from_a_newer_schema_is_refused_and_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db_with_budget(dir.path());
    let before = head_of(dir.path(), &db);
    let newer = dir.path().join("newer.db");
    assert_ok(&run(dir.path(), &db, &["backup", newer.to_str().unwrap()]));
    jixiao_store::test_support::record_unknown_migration(&newer, 9999, "9999_future.sql").unwrap();
    let o = run(
        dir.path(),
        &db,
        &["restore", "--force", newer.to_str().unwrap()],
    );
    assert_ne!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(err.contains("newer.db"), "names the backup: {err}");
    assert_eq!(head_of(dir.path(), &db), before);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("staging"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn the_monitoring_csv_names_the_period_of_its_execution_column() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db_with_budget(dir.path());
    let o = run(
        dir.path(),
        &db,
        &[
            "export",
            "monitoring",
            "--format",
            "csv",
            "--as-of",
            "2024-07-31",
        ],
    );
    assert_ok(&o);
    let csv = stdout(&o);
    let header = csv
        .lines()
        .find(|l| l.starts_with("一级指标,"))
        .unwrap_or_else(|| panic!("no header row in {csv}"));
    assert!(header.contains("1-7月执行情况"), "{header}");
    assert!(header.contains("全年预计完成情况"), "{header}");
}

#[test]
fn the_demo_refuses_to_reset_a_database_that_is_not_a_demo_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db_with_budget(dir.path());
    let before = head_of(dir.path(), &db);
    let child = jixiao(dir.path())
        .args([
            "serve",
            "--demo",
            "--bind",
            "127.0.0.1:0",
            "--demo-database",
        ])
        .arg(&db)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut guard = ChildGuard(child);
    let status = wait_exit(&mut guard.0);
    assert_eq!(status.code(), Some(2));
    assert_eq!(head_of(dir.path(), &db), before, "the real data survives");
}

#[test]
fn a_reader_that_closes_the_pipe_early_is_not_reported_as_an_error() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db_with_budget(dir.path());
    let ledger = dir.path().join("big.csv");
    // Well over a pipe buffer (64 KiB) of JSON Lines once exported.
    write_ledger(&ledger, "pipe", 600);
    assert_ok(&run(
        dir.path(),
        &db,
        &["import", "ledger", ledger.to_str().unwrap()],
    ));
    let child = jixiao(dir.path())
        .arg("--database")
        .arg(&db)
        .args(["events", "export", "-"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut guard = ChildGuard(child);
    let mut first = [0u8; 16];
    guard
        .0
        .stdout
        .take()
        .unwrap()
        .read_exact(&mut first)
        .unwrap(); // like `| head -c 16`
    let status = wait_exit(&mut guard.0);
    let mut err = String::new();
    guard
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(!err.contains("错误"), "{err}");
}

#[test]
fn a_self_evaluation_exports_under_henan_2024_and_a_failed_export_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = fresh_db_with_budget(dir.path());
    let good = dir.path().join("henan.json");
    let o = run(
        dir.path(),
        &db,
        &[
            "export",
            "selfeval",
            "--profile",
            "henan-2024",
            "--as-of",
            "2024-12-31",
            "--output",
            good.to_str().unwrap(),
        ],
    );
    assert_ok(&o);
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&good).unwrap()).unwrap();
    assert!(
        report.to_string().contains("henan-2024"),
        "the report names its profile"
    );
    let bad = dir.path().join("nope.json");
    let o = run(
        dir.path(),
        &db,
        &[
            "export",
            "selfeval",
            "--profile",
            "nope",
            "--output",
            bad.to_str().unwrap(),
        ],
    );
    assert_ne!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("nope"), "{}", stderr(&o));
    assert!(!bad.exists(), "a failed export leaves no file");
}

/// `jixiao recheck` (issue 14): a folder of published tables, without a database; the terminal
/// table names the differing row and its reason, an unreadable cell is named by its file and
/// cell and the rest goes on; `--format xlsx|json --output` write the verdict; a bad rounding
/// is a usage error.
#[test]
fn recheck_reads_a_folder_names_the_differing_rows_and_the_unreadable_cells() {
    let dir = tempfile::tempdir().unwrap();
    let tables = dir.path().join("tables");
    std::fs::create_dir(&tables).unwrap();
    // 2 of ≥3 at weight 90: 60 by the rule; printed 60.5 follows from nothing.
    std::fs::write(
        tables.join("a.csv"),
        "项目名称,甲项目\n,全年预算数,全年执行数,分值,得分\n年度资金总额,10,10,10,10\n\
         一级指标,二级指标,三级指标,年度指标值,实际完成值,分值,得分\n\
         产出指标,数量指标,场次,≥3次,2次,90,60.5\n总分,,,,,100,70.5,中\n",
    )
    .unwrap();
    // 得分 of the indicator is no number (cell G5); the table is still re-checked.
    std::fs::write(
        tables.join("b.csv"),
        "项目名称,乙项目\n,全年预算数,全年执行数,分值,得分\n年度资金总额,10,10,10,10\n\
         一级指标,二级指标,三级指标,年度指标值,实际完成值,分值,得分\n\
         产出指标,数量指标,场次,≥3次,3次,90,九十\n总分,,,,,100,100,优\n",
    )
    .unwrap();
    std::fs::write(tables.join("notes.txt"), "not a table").unwrap();
    let db = dir.path().join("unused.db");
    let out = run(dir.path(), &db, &["recheck", "tables"]);
    assert_ok(&out);
    let text = stdout(&out);
    assert!(text.contains("甲项目") && text.contains("乙项目"), "{text}");
    assert!(text.contains("得分与规则不符，原因不明"), "{text}");
    assert!(text.contains("b.csv，G5：“九十”不是数字"), "{text}");
    assert!(text.contains("共2张表，0张与规则相符"), "{text}");
    assert!(!db.exists(), "the recheck opens no database");

    let xlsx = dir.path().join("verdict.xlsx");
    let out = run(
        dir.path(),
        &db,
        &[
            "recheck",
            "tables/a.csv",
            "--format",
            "xlsx",
            "--output",
            xlsx.to_str().unwrap(),
        ],
    );
    assert_ok(&out);
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
    let out = run(
        dir.path(),
        &db,
        &["recheck", "tables/a.csv", "--format", "json"],
    );
    assert_ok(&out);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["tables"][0]["verdict"]["rows"][0]["rule_score"], "60");
    let out = run(
        dir.path(),
        &db,
        &["recheck", "tables", "--rounding", "halves"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}
