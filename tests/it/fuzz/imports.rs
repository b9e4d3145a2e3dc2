//! Host imports with arbitrary arguments: `driver.mjs`, from a seed, calls
//! every capability's JS surface (fs, fetch to a loopback test server,
//! timers, process.env, console, modules, host modules, randomness) with
//! odd arguments, many cases per run. Every run must end classified (never
//! `internal`), and nothing outside the granted directory may change.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use jsbox::{Grants, Limits, MemorySink, OutcomeKind, RunOptions, Script};

use super::harness::fuzz;
use crate::support::http_server;

const DRIVER: &str = include_str!("driver.mjs");

/// How many calls one run makes.
const CASES_PER_RUN: u32 = 150;

/// Every file under `dir` with its content (links as their target), to
/// compare before and after a run.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let content = if meta.is_symlink() {
            std::fs::read_link(&path)
                .map(|t| t.into_os_string().into_encoded_bytes())
                .unwrap_or_default()
        } else if meta.is_dir() {
            if let Ok(entries) = std::fs::read_dir(&path) {
                stack.extend(entries.flatten().map(|e| e.path()));
            }
            Vec::new()
        } else {
            std::fs::read(&path).unwrap_or_default()
        };
        let mode = std::os::unix::fs::PermissionsExt::mode(&meta.permissions());
        let mut entry = mode.to_le_bytes().to_vec();
        entry.extend(content);
        files.insert(path, entry);
    }
    files
}

struct Tree {
    _dir: tempfile::TempDir,
    root: PathBuf,
    granted: PathBuf,
    outside: PathBuf,
}

/// `root/granted/{file.txt, sub/, frozen/keep.txt (deny-write), mod.mjs,
/// data.json, .env, link-out -> root/outside}` and `root/outside/keep.txt`.
fn tree() -> Tree {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("canonical temp dir");
    let granted = root.join("granted");
    let outside = root.join("outside");
    std::fs::create_dir_all(granted.join("sub")).unwrap();
    std::fs::create_dir_all(granted.join("frozen")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(granted.join("file.txt"), "file").unwrap();
    std::fs::write(granted.join("frozen/keep.txt"), "frozen").unwrap();
    std::fs::write(
        granted.join("mod.mjs"),
        "export const x = 1; export default 2;",
    )
    .unwrap();
    std::fs::write(granted.join("data.json"), "{\"a\": [1, 2]}").unwrap();
    std::fs::write(granted.join(".env"), "SECRET=1").unwrap();
    std::fs::write(outside.join("keep.txt"), "outside").unwrap();
    std::os::unix::fs::symlink(&outside, granted.join("link-out")).unwrap();
    Tree {
        _dir: dir,
        root,
        granted,
        outside,
    }
}

fn server() -> &'static http_server::Server {
    static SERVER: OnceLock<http_server::Server> = OnceLock::new();
    SERVER.get_or_init(http_server::start)
}

/// Where a script might try to write outside its grant by absolute path.
const ESCAPE: &str = "/tmp/jsbox-fuzz-escape";

#[test]
fn host_imports_end_classified_and_stay_inside_the_grant() {
    assert!(
        !Path::new(ESCAPE).exists(),
        "{ESCAPE} exists before the run; remove it"
    );
    fuzz("host_imports", 4, 8, |u| {
        let tree = tree();
        let seed: u32 = u.arbitrary().unwrap_or(0);
        let granted = tree.granted.display().to_string();
        let frozen = tree.granted.join("frozen").display().to_string();
        let grants = Grants::builder()
            .allow_read([granted.clone()])
            .allow_write([granted.clone()])
            .deny_write([frozen.clone()])
            .allow_net([format!("127.0.0.1:{}", server().port)])
            .allow_env(["FUZZ_*"])
            .deny_env(["FUZZ_SECRET"])
            .allow_host_module(["fuzz"])
            .build()
            .expect("the fuzz grants");
        let before_outside = snapshot(&tree.outside);
        let before_frozen = snapshot(&tree.granted.join("frozen"));
        let source = format!(
            "const SEED = {seed}; const CASES = {CASES_PER_RUN}; const DIR = {}; const OUTSIDE = {}; \
             const BASE = {};\n{DRIVER}",
            serde_json::to_string(&granted).unwrap(),
            serde_json::to_string(&tree.outside.display().to_string()).unwrap(),
            serde_json::to_string(&server().base()).unwrap(),
        );
        let logs = Arc::new(MemorySink::new());
        let execution = super::runtime_with_echo().run(
            &Script::module(
                tree.granted.join("driver.mjs").display().to_string(),
                source,
            ),
            RunOptions::default()
                .with_grants(grants)
                .with_env([("FUZZ_A", "a"), ("FUZZ_SECRET", "s"), ("HOME", "/root")])
                .with_module_root(&tree.granted)
                .with_limits(
                    Limits::default()
                        .with_timeout(Duration::from_secs(120))
                        .with_max_output_bytes(64 << 20),
                )
                .with_log_sink(logs.clone()),
        );
        let messages = logs.messages();
        let last_cases: Vec<&str> = messages
            .iter()
            // `console.group` indents what follows.
            .map(|m| m.trim_start())
            .filter(|m| m.starts_with("case "))
            .rev()
            .take(3)
            .collect();
        let context = || {
            format!(
                "driver seed {seed}, last cases {last_cases:?}, outcome {}",
                execution.outcome
            )
        };
        if execution.outcome.kind() == OutcomeKind::Internal {
            return Err(format!("a run ended internal: {}", context()));
        }
        if snapshot(&tree.outside) != before_outside {
            return Err(format!(
                "the directory outside the grant changed: {}",
                context()
            ));
        }
        if snapshot(&tree.granted.join("frozen")) != before_frozen {
            return Err(format!("the deny-write directory changed: {}", context()));
        }
        let root_entries: Vec<_> = std::fs::read_dir(&tree.root)
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        if root_entries.len() != 2 {
            return Err(format!(
                "the grant's parent gained entries {root_entries:?}: {}",
                context()
            ));
        }
        if Path::new(ESCAPE).exists() {
            return Err(format!("{ESCAPE} was created: {}", context()));
        }
        if execution.outcome.kind() != OutcomeKind::Ok
            || messages.last().map(|m| m.trim_start()) != Some("done")
        {
            // Classified, but the driver did not finish: worth knowing.
            eprintln!(
                "fuzz host_imports: the driver did not finish: {}",
                context()
            );
        }
        Ok(())
    });
}
