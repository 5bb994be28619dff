//! Tidy checks run as ordinary tests: the domain crate does no I/O (its dependency graph, read
//! from Cargo.lock, holds no database, HTTP, async runtime, OpenAPI or JWT crate), and every Rust
//! source file of the workspace opens with a `//!` doc saying what it is for.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Crates whose presence would mean the domain can do I/O or knows a boundary technology.
const FORBIDDEN: &[&str] = &[
    "rusqlite",
    "libsqlite3-sys",
    "actix-web",
    "actix-rt",
    "tokio",
    "mio",
    "utoipa",
    "jsonwebtoken",
];

/// The normal and dev dependencies of every package, by name, as Cargo.lock records them.
fn lock_graph() -> BTreeMap<String, BTreeSet<String>> {
    let lock = std::fs::read_to_string(workspace_root().join("Cargo.lock"))
        .expect("Cargo.lock is committed");
    let lock: toml::Table = lock.parse().expect("Cargo.lock is TOML");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for package in lock["package"].as_array().expect("packages") {
        let name = package["name"].as_str().expect("name").to_string();
        let deps = graph.entry(name).or_default();
        if let Some(list) = package.get("dependencies").and_then(|d| d.as_array()) {
            for dep in list {
                let dep = dep.as_str().expect("dependency is a string");
                deps.insert(dep.split(' ').next().unwrap_or(dep).to_string());
            }
        }
    }
    graph
}

fn closure(graph: &BTreeMap<String, BTreeSet<String>>, root: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![root.to_string()];
    while let Some(name) = todo.pop() {
        if seen.insert(name.clone()) {
            todo.extend(graph.get(&name).into_iter().flatten().cloned());
        }
    }
    seen
}

#[test]
fn the_domain_crate_depends_on_no_io_crate() {
    let graph = lock_graph();
    assert!(
        graph.contains_key("jixiao-domain"),
        "jixiao-domain is in Cargo.lock"
    );
    let seen = closure(&graph, "jixiao-domain");
    let found: Vec<&&str> = FORBIDDEN.iter().filter(|f| seen.contains(**f)).collect();
    assert!(
        found.is_empty(),
        "jixiao-domain must do no I/O but depends on {found:?}"
    );
}

#[test]
fn the_io_check_would_catch_the_api_crate() {
    // The same check over the API crate must find actix: proves the check can fail.
    let graph = lock_graph();
    let seen = closure(&graph, "jixiao-api");
    assert!(
        seen.contains("actix-web"),
        "the API crate's graph holds actix-web"
    );
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_rust_file_opens_with_a_module_doc() {
    let mut files = Vec::new();
    rust_files(&workspace_root().join("crates"), &mut files);
    assert!(files.len() > 10, "found the workspace sources");
    let missing: Vec<String> = files
        .iter()
        .filter(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            !text.trim_start().starts_with("//!")
        })
        .map(|f| f.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "files without a leading //! doc: {missing:#?}"
    );
}
