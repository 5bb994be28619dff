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

/// Features that would let the domain read the clock or make random ids, by dependency.
const CLOCK_AND_RANDOM_FEATURES: &[(&str, &str)] = &[("chrono", "clock"), ("uuid", "v4")];

/// The features a manifest requests for a dependency (its own and, when it inherits, the
/// workspace entry's), and whether it asks for the dependency's default features (chrono's
/// defaults include `clock`).
fn requested_features(
    manifest: &toml::Table,
    workspace: &toml::Table,
    dep: &str,
) -> (BTreeSet<String>, bool) {
    let features_of = |entry: &toml::Value| -> BTreeSet<String> {
        entry
            .get("features")
            .and_then(|f| f.as_array())
            .into_iter()
            .flatten()
            .filter_map(|f| f.as_str().map(str::to_string))
            .collect()
    };
    let defaults_of = |entry: &toml::Value| {
        entry
            .get("default-features")
            .and_then(|v| v.as_bool())
            .unwrap_or(true)
    };
    let mut features = BTreeSet::new();
    let mut defaults = false;
    for table in ["dependencies", "dev-dependencies", "build-dependencies"] {
        let Some(entry) = manifest.get(table).and_then(|t| t.get(dep)) else {
            continue;
        };
        features.extend(features_of(entry));
        let inherits = entry.get("workspace").and_then(|w| w.as_bool()) == Some(true);
        if inherits {
            let ws_entry = &workspace["workspace"]["dependencies"][dep];
            features.extend(features_of(ws_entry));
            defaults |= defaults_of(ws_entry);
        } else {
            defaults |= entry.is_str() || defaults_of(entry);
        }
    }
    (features, defaults)
}

/// The clock or random-id features a domain manifest requests, as "dep/feature".
fn clock_and_random_features(manifest: &str, workspace: &str) -> Vec<String> {
    let manifest: toml::Table = manifest.parse().expect("manifest is TOML");
    let workspace: toml::Table = workspace.parse().expect("workspace manifest is TOML");
    let mut found = Vec::new();
    for (dep, feature) in CLOCK_AND_RANDOM_FEATURES {
        let (features, defaults) = requested_features(&manifest, &workspace, dep);
        if features.contains(*feature) {
            found.push(format!("{dep}/{feature}"));
        }
        if *dep == "chrono" && defaults {
            found.push(format!("{dep}/default (includes {feature})"));
        }
    }
    found
}

#[test]
fn the_domain_manifest_requests_no_clock_and_no_random_ids() {
    let read = |p: &str| std::fs::read_to_string(workspace_root().join(p)).expect("manifest");
    let found = clock_and_random_features(&read("crates/domain/Cargo.toml"), &read("Cargo.toml"));
    assert!(
        found.is_empty(),
        "jixiao-domain must not enable {found:?}: put them in the crates that need them"
    );
}

#[test]
fn the_feature_check_would_catch_a_domain_asking_for_the_clock() {
    let workspace = r#"
        [workspace.dependencies]
        chrono = { version = "0.4", default-features = false, features = ["serde"] }
        uuid = { version = "1", features = ["serde", "v4"] }
    "#;
    let manifest = r#"
        [dependencies]
        chrono = { workspace = true, features = ["clock"] }
        uuid.workspace = true
    "#;
    let found = clock_and_random_features(manifest, workspace);
    assert_eq!(found, vec!["chrono/clock", "uuid/v4"]);
    let defaults = clock_and_random_features("[dependencies]\nchrono = \"0.4\"\n", workspace);
    assert_eq!(defaults, vec!["chrono/default (includes clock)"]);
}
