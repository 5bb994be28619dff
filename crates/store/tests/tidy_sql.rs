//! Tidy: only the store knows SQL. Every crate under `crates/` other than `crates/store` (and
//! `crates/bench`, which measures the store against raw SQLite and raw PostgreSQL on purpose) must neither name
//! `rusqlite` (or `libsqlite3`) in its sources or its non-test dependencies, nor hold an SQL
//! statement in its sources; the same holds for the PostgreSQL client (`postgres`,
//! `tokio-postgres`): a `postgres://` URL in configuration text is fine. The crates are found by listing the directory, so a crate added
//! later is checked too. Tests (`tests/`, `[dev-dependencies]`) may forge database files.

use std::path::{Path, PathBuf};

/// Crates allowed to know SQL: the store itself, and the benchmark's raw SQLite and PostgreSQL
/// baselines.
const ALLOWED_CRATES: [&str; 2] = ["store", "bench"];
/// Names of the SQLite bindings.
const SQLITE_CRATES: [&str; 2] = ["rusqlite", "libsqlite3"];
/// Paths of the PostgreSQL client crates in Rust sources.
const POSTGRES_PATHS: [&str; 2] = ["postgres::", "tokio_postgres"];
/// Names of the PostgreSQL client crates as dependencies in a manifest.
const POSTGRES_CRATES: [&str; 2] = ["postgres", "tokio-postgres"];
/// SQL statements, case-sensitive (SQL in this codebase is written in capitals), each followed
/// by a space so that words such as `UPDATED` or `SELECTION` do not count.
const SQL_KEYWORDS: [&str; 12] = [
    "SELECT ",
    "INSERT INTO",
    "INSERT OR ",
    "UPDATE ",
    "DELETE FROM",
    "CREATE TABLE",
    "CREATE INDEX",
    "CREATE UNIQUE INDEX",
    "DROP TABLE",
    "ALTER TABLE",
    "PRAGMA ",
    "BEGIN IMMEDIATE",
];
/// Most files one crate may hold before the scan gives up (a runaway symlink loop).
const MAX_FILES_PER_CRATE: usize = 10_000;

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("crates/store lies in crates/")
        .to_path_buf()
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.map(Result::unwrap) {
        let path = entry.path();
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            rust_files(&path, out);
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
        assert!(
            out.len() <= MAX_FILES_PER_CRATE,
            "too many files under {dir:?}"
        );
    }
}

/// What a Rust source file must not contain: one message per offending line.
fn source_findings(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        for name in SQLITE_CRATES.iter().chain(&POSTGRES_PATHS) {
            if line.contains(name) {
                found.push(format!("line {}: names `{name}`: {}", n + 1, line.trim()));
            }
        }
        for keyword in SQL_KEYWORDS {
            if line.contains(keyword) {
                found.push(format!(
                    "line {}: SQL `{}`: {}",
                    n + 1,
                    keyword.trim_end(),
                    line.trim()
                ));
            }
        }
    }
    found
}

/// What a `Cargo.toml` must not contain: a SQLite binding outside `[dev-dependencies]`.
fn manifest_findings(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut in_dev_section = false;
    for (n, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            in_dev_section = trimmed
                .trim_matches(['[', ']'])
                .ends_with("dev-dependencies");
            continue;
        }
        if in_dev_section || trimmed.starts_with('#') {
            continue;
        }
        for name in SQLITE_CRATES {
            if trimmed.contains(name) {
                found.push(format!("line {}: depends on `{name}`: {trimmed}", n + 1));
            }
        }
        let key = trimmed
            .split(['=', '.', ' '])
            .next()
            .unwrap_or_default()
            .trim_matches('"');
        if POSTGRES_CRATES.contains(&key) {
            found.push(format!("line {}: depends on `{key}`: {trimmed}", n + 1));
        }
    }
    found
}

#[test]
fn only_the_store_knows_sql_in_every_crate_under_crates() {
    let mut checked = Vec::new();
    let mut findings = Vec::new();
    let mut crates: Vec<PathBuf> = std::fs::read_dir(crates_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    crates.sort();
    for krate in crates {
        let name = krate.file_name().unwrap().to_string_lossy().into_owned();
        if ALLOWED_CRATES.contains(&name.as_str()) {
            continue;
        }
        checked.push(name);
        let manifest = krate.join("Cargo.toml");
        for f in manifest_findings(&std::fs::read_to_string(&manifest).unwrap()) {
            findings.push(format!("{}: {f}", manifest.display()));
        }
        let mut files = Vec::new();
        rust_files(&krate.join("src"), &mut files);
        files.sort();
        for file in files {
            for f in source_findings(&std::fs::read_to_string(&file).unwrap()) {
                findings.push(format!("{}: {f}", file.display()));
            }
        }
    }
    // The scan really found the crates it guards (a wrong directory would pass vacuously).
    for expected in ["api", "cli", "domain"] {
        assert!(
            checked.iter().any(|c| c == expected),
            "crate {expected} not scanned; scanned {checked:?}"
        );
    }
    assert!(
        findings.is_empty(),
        "only crates/store may know SQL (ask the store for a typed method instead):\n{}",
        findings.join("\n")
    );
}

#[test]
fn the_checks_catch_sql_statements_and_sqlite_dependencies() {
    let source = "let n = conn.query_row(\"SELECT count(*) FROM users\", [], |r| r.get(0));\n\
                  use rusqlite::Connection;\n\
                  conn.execute(\"PRAGMA foreign_keys = ON\", [])?;\n\
                  // the last UPDATED row, a SELECTION of users: prose, not SQL\n\
                  let client = postgres::Client::connect(url, NoTls)?;\n\
                  let url = \"postgres://db/jixiao\"; // a URL is configuration, not a client\n";
    let found = source_findings(source);
    assert_eq!(found.len(), 4, "{found:?}");
    assert!(
        found[3].starts_with("line 5: names `postgres::`"),
        "{found:?}"
    );
    assert!(found[0].starts_with("line 1: SQL `SELECT`"), "{found:?}");
    assert!(
        found[1].starts_with("line 2: names `rusqlite`"),
        "{found:?}"
    );
    assert!(found[2].starts_with("line 3: SQL `PRAGMA`"), "{found:?}");

    let manifest = "[dependencies]\nrusqlite.workspace = true\n\
                    [dev-dependencies]\nrusqlite.workspace = true\n\
                    [target.'cfg(unix)'.dependencies]\nlibsqlite3-sys = \"0.3\"\n\
                    postgres.workspace = true\ntokio-postgres = \"0.7\"\npostgres-types = \"0.2\"\n";
    let found = manifest_findings(manifest);
    assert_eq!(found.len(), 4, "{found:?}");
    assert!(found[2].starts_with("line 7:"), "{found:?}");
    assert!(found[3].starts_with("line 8:"), "{found:?}");
    assert!(found[0].starts_with("line 2:"), "{found:?}");
    assert!(found[1].starts_with("line 6:"), "{found:?}");
}
