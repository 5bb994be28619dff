//! Operations that cannot lose data (issue 15, point 4): a real `jixiao serve` holds its
//! database's lock for its life; `restore`, `rebuild`, `migrate`, `events import` and a second
//! server refuse to run against that database (exit 5, naming the server's pid) and change
//! nothing; once the server is killed with SIGKILL, the kernel has released the lock and the
//! same commands run.

mod common;

use common::{ChildGuard, assert_ok, started, text};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_jixiao");
/// The exit code of a command refused because the database is in use (docs/cli.md).
const EXIT_LOCKED: i32 = 5;

fn jixiao(dir: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(dir);
    for (k, _) in std::env::vars() {
        if k.starts_with("JIXIAO_") {
            c.env_remove(k);
        }
    }
    c.env("JIXIAO_LOG", "warn");
    c.env("JIXIAO_MODE", "development");
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

fn serve(dir: &Path, db: &Path) -> (ChildGuard, String) {
    let mut c = jixiao(dir);
    c.arg("--database")
        .arg(db)
        .args(["serve", "--bind", "127.0.0.1:0"]);
    let (guard, base, _, _) = started(c);
    (guard, base)
}

fn fresh_db_with_budget(dir: &Path) -> PathBuf {
    let db = dir.join("jixiao.db");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/jiaozuo-2024.toml");
    assert_ok(&run(
        dir,
        &db,
        &["import", "budget", fixture.to_str().unwrap()],
    ));
    db
}

fn verify_line(dir: &Path, db: &Path) -> String {
    let o = run(dir, db, &["verify"]);
    assert_ok(&o);
    text(&o.stdout)
}

#[test]
fn offline_operations_refuse_a_database_a_live_server_holds_and_run_after_it_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = fresh_db_with_budget(d);
    let backup = d.join("backup.db");
    assert_ok(&run(d, &db, &["backup", backup.to_str().unwrap()]));
    let events = d.join("events.jsonl");
    assert_ok(&run(
        d,
        &db,
        &["events", "export", events.to_str().unwrap()],
    ));
    let before = verify_line(d, &db);

    let (mut server, base) = serve(d, &db);
    let pid = server.0.id();
    let refused: [&[&str]; 4] = [
        &["restore", backup.to_str().unwrap(), "--force"],
        &["rebuild"],
        &["migrate"],
        &["events", "import", events.to_str().unwrap()],
    ];
    for args in refused {
        let o = run(d, &db, args);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(EXIT_LOCKED), "{args:?}: {err}");
        assert!(err.contains(&format!("pid {pid}")), "{args:?}: {err}");
        assert!(err.contains("serve"), "{args:?}: {err}");
    }
    // A second server on the same file refuses to start, naming the first.
    let second = jixiao(d)
        .arg("--database")
        .arg(&db)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(EXIT_LOCKED));
    assert!(text(&second.stderr).contains(&format!("pid {pid}")));
    assert!(!text(&second.stdout).contains("http://"));

    // Nothing was moved aside or rewritten, and the first server still answers.
    assert!(!d.join("jixiao.db.before-restore").exists());
    assert_eq!(verify_line(d, &db), before);
    let health = ureq::get(format!("{base}/healthz")).call().unwrap();
    assert_eq!(health.status().as_u16(), 200);

    // SIGKILL: the kernel releases the lock; the lock file left behind does not block.
    server.0.kill().unwrap();
    server.0.wait().unwrap();
    assert!(d.join("jixiao.db.lock").exists());
    assert_ok(&run(d, &db, &["rebuild"]));
    assert_ok(&run(d, &db, &["migrate"]));
    assert_ok(&run(
        d,
        &db,
        &["restore", backup.to_str().unwrap(), "--force"],
    ));
    assert!(d.join("jixiao.db.before-restore").exists());
    assert_eq!(verify_line(d, &db), before);
}

#[test]
fn a_second_demo_server_cannot_reset_the_database_the_first_one_serves() {
    // The lock is taken before the database is opened, so `serve --demo` cannot reset a
    // database a running server holds either.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = d.join("demo.db");
    let (_server, _) = {
        let child = jixiao(d)
            .args([
                "serve",
                "--demo",
                "--bind",
                "127.0.0.1:0",
                "--demo-database",
            ])
            .arg(&db)
            .args(["--demo-today", "2024-08-15"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut guard = ChildGuard(child);
        let out = guard.0.stdout.take().unwrap();
        let mut lines = BufReader::new(out).lines();
        let url = lines
            .by_ref()
            .map_while(Result::ok)
            .find(|l| l.contains("http://"))
            .expect("serve --demo printed no URL");
        // Keep reading so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines.by_ref() {});
        (guard, url)
    };
    let second = jixiao(d)
        .args([
            "serve",
            "--demo",
            "--bind",
            "127.0.0.1:0",
            "--demo-database",
        ])
        .arg(&db)
        .output()
        .unwrap();
    assert_eq!(
        second.status.code(),
        Some(EXIT_LOCKED),
        "{}",
        text(&second.stderr)
    );
    assert!(text(&second.stderr).contains("jixiao serve"));
}

#[test]
fn deleting_the_side_lock_file_under_a_live_server_opens_the_database_to_no_one() {
    // The lock is on the database file itself; `<db>.lock` only names the holder.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = fresh_db_with_budget(d);
    let backup = d.join("backup.db");
    assert_ok(&run(d, &db, &["backup", backup.to_str().unwrap()]));
    let events = d.join("events.jsonl");
    assert_ok(&run(
        d,
        &db,
        &["events", "export", events.to_str().unwrap()],
    ));
    let before = verify_line(d, &db);

    let (server, base) = serve(d, &db);
    let pid = server.0.id();
    std::fs::remove_file(d.join("jixiao.db.lock")).unwrap();
    let refused: [&[&str]; 5] = [
        &["restore", backup.to_str().unwrap(), "--force"],
        &["rebuild"],
        &["migrate"],
        &["events", "import", events.to_str().unwrap()],
        &["serve", "--bind", "127.0.0.1:0"],
    ];
    for args in refused {
        let o = run(d, &db, args);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(EXIT_LOCKED), "{args:?}: {err}");
        // Without the side file the kernel's lock table still names the server.
        assert!(err.contains(&format!("pid {pid}")), "{args:?}: {err}");
        assert!(!text(&o.stdout).contains("http://"), "{args:?}");
    }
    assert!(!d.join("jixiao.db.before-restore").exists());
    assert_eq!(verify_line(d, &db), before);
    let health = ureq::get(format!("{base}/healthz")).call().unwrap();
    assert_eq!(health.status().as_u16(), 200);
}

#[test]
fn restore_into_a_missing_database_needs_no_force_and_leaves_it_locked_for_no_one() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = fresh_db_with_budget(d);
    let backup = d.join("backup.db");
    assert_ok(&run(d, &db, &["backup", backup.to_str().unwrap()]));
    let before = verify_line(d, &db);
    let fresh = d.join("fresh.db");
    assert_ok(&run(d, &fresh, &["restore", backup.to_str().unwrap()]));
    assert!(!d.join("fresh.db.before-restore").exists());
    assert_eq!(
        verify_line(d, &fresh),
        before,
        "the restored log is the backup's"
    );
    // Restoring again over the now-existing database asks for --force.
    let o = run(d, &fresh, &["restore", backup.to_str().unwrap()]);
    assert_ne!(o.status.code(), Some(0));
    assert!(text(&o.stderr).contains("--force"), "{}", text(&o.stderr));
}

/// A server whose stdout is closed once its address was read (a supervisor or a script that
/// went away) keeps serving: its start-up banner must not kill it with a broken pipe.
#[test]
fn a_server_whose_stdout_was_closed_after_the_address_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = fresh_db_with_budget(d);
    let mut child = ChildGuard(
        jixiao(d)
            .arg("--database")
            .arg(&db)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut out = BufReader::new(child.0.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let i = first
        .find("http://")
        .expect("the first line names the address");
    let base = first[i..].trim().trim_end_matches('/').to_string();
    // Close the read end before the rest of the banner is read.
    drop(out);
    for _ in 0..20 {
        let health = ureq::get(format!("{base}/healthz")).call().unwrap();
        assert_eq!(health.status().as_u16(), 200);
    }
    assert!(
        child.0.try_wait().unwrap().is_none(),
        "the server is still running"
    );
}
