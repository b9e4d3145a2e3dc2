//! `ARCHITECTURE.md` stays true: every path it names exists, every source
//! folder is on its map, and the library's layers use only the layers
//! below them (the rule `ARCHITECTURE.md` states, checked here on the
//! `crate::` paths of every file in `host/`).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// The library's layers, bottom first: a file may use its own layer and
/// the ones before it. The files at the top of `host/` other than the API
/// (`lib.rs`, `runtime/`, `builder.rs`) are the public vocabulary.
const LAYERS: &[&[&str]] = &[
    &[
        "access", "cancel", "context", "error", "http", "limits", "outcome", "report", "script",
        "traps",
    ],
    &["cache"],
    &["observe"],
    &["capabilities"],
    &["sandbox"],
    &["components"],
    &["run"],
    &["runtime", "builder", "lib"],
];

/// The folders whose every subfolder the map must name.
const SOURCE_ROOTS: &[&str] = &["host", "cli", "guest/src", "tests/it", "wit", "benches"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn architecture() -> String {
    fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md")
}

/// The backticked spans of `text` that look like repository paths: with a
/// `/` and no spaces or wildcards.
fn named_paths(text: &str) -> BTreeSet<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter(|span| span.contains('/') && !span.contains([' ', '*', '<', '{', ':', '$']))
        .filter(|span| !span.starts_with('/') && !span.starts_with("--"))
        .map(|span| span.trim_end_matches(['.', ',']).to_owned())
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        // `target` is cargo's, `node_modules` npm's (`npm ci` in benches/peers).
        if name == "target" || name == "node_modules" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        out.push(path.clone());
        if path.is_dir() {
            walk(&path, out);
        }
    }
}

#[test]
fn every_path_the_map_names_exists() {
    let missing: Vec<String> = named_paths(&architecture())
        .into_iter()
        .filter(|path| !root().join(path).exists())
        .collect();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names paths that do not exist: {missing:?}"
    );
}

#[test]
fn every_source_folder_is_on_the_map() {
    let named = named_paths(&architecture());
    let mut unnamed = Vec::new();
    for source_root in SOURCE_ROOTS {
        let mut paths = Vec::new();
        walk(&root().join(source_root), &mut paths);
        for dir in paths.iter().filter(|p| p.is_dir()) {
            let relative = dir
                .strip_prefix(root())
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if !named.contains(&relative) && !named.contains(&format!("{relative}/")) {
                unnamed.push(relative);
            }
        }
    }
    assert!(
        unnamed.is_empty(),
        "source folders ARCHITECTURE.md does not name (as `path/`): {unnamed:?}"
    );
}

/// The layer of the library module `module` (a top-level name in `host/`).
fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// Where each name `lib.rs` re-exports comes from: `Runtime` → `runtime`.
fn reexports(lib: &str) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for item in lib.split("pub use ").skip(1) {
        let item = &item[..item.find(';').unwrap_or(item.len())];
        let module = item.split("::").next().unwrap_or("").trim().to_owned();
        let list = match item.find('{') {
            Some(open) => &item[open + 1..item.rfind('}').unwrap_or(item.len())],
            None => item.rsplit("::").next().unwrap_or(""),
        };
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            names.insert(name.to_owned(), module.clone());
        }
    }
    names
}

/// The top-level library modules a file's `crate::` paths reach, directly
/// or through a name `lib.rs` re-exports.
fn modules_used(source: &str, reexported: &BTreeMap<String, String>) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    let mut note = |segment: &str| {
        let first = segment
            .trim()
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .next()
            .unwrap_or("");
        if let Some(module) = reexported.get(first) {
            used.insert(module.clone());
        } else if first.starts_with(|c: char| c.is_ascii_lowercase()) {
            used.insert(first.to_owned());
        }
    };
    for rest in source.split("crate::").skip(1) {
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                note(item);
            }
        } else {
            note(rest);
        }
    }
    used
}

#[test]
fn library_layers_use_only_the_layers_below_them() {
    let host = root().join("host");
    let lib = fs::read_to_string(host.join("lib.rs")).expect("host/lib.rs");
    let reexported = reexports(&lib);
    let mut files = Vec::new();
    walk(&host, &mut files);
    let mut upward = Vec::new();
    for file in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
    {
        let relative = file.strip_prefix(&host).unwrap();
        let top = relative.iter().next().unwrap().to_string_lossy();
        let top = top.trim_end_matches(".rs");
        let Some(own) = layer(top) else {
            panic!("host/{top} is in no layer: add it to ARCHITECTURE.md's and this test's");
        };
        // Doc links may point anywhere; only code is a dependency.
        let code: String = fs::read_to_string(file)
            .unwrap()
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for module in modules_used(&code, &reexported) {
            if layer(&module).is_some_and(|used| used > own) {
                upward.push(format!("host/{} uses {module}", relative.display()));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "library files use a layer above their own: {upward:#?}"
    );
}

/// Every test the docs name as a guarantee's proof (`fs::edges::…` in
/// `docs/security.md`, `docs/fuzzing.md`) is a function in the tests.
#[test]
fn every_test_the_docs_name_exists() {
    let mut sources = Vec::new();
    for dir in ["tests/it", "host"] {
        let mut paths = Vec::new();
        walk(&root().join(dir), &mut paths);
        for path in paths
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        {
            sources.push(fs::read_to_string(path).unwrap());
        }
    }
    let defined = |name: &str| sources.iter().any(|s| s.contains(&format!("fn {name}(")));
    let mut missing = Vec::new();
    for doc in ["docs/security.md", "docs/fuzzing.md"] {
        let text = fs::read_to_string(root().join(doc)).expect(doc);
        for span in text.split('`').skip(1).step_by(2) {
            let segments: Vec<&str> = span.split("::").collect();
            let is_test_path = segments.len() >= 2
                && segments.iter().all(|s| {
                    !s.is_empty()
                        && s.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                });
            let name = segments[segments.len() - 1];
            // A test's name is a sentence; module paths like `fs::edges` are not tests.
            if is_test_path && name.matches('_').count() >= 3 && !defined(name) {
                missing.push(format!("{doc}: {span}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "the docs name tests that do not exist: {missing:#?}"
    );
}
