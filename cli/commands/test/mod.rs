//! `jsbox test [PATH...]`: runs `node:test` files, each in a fresh sandbox
//! under the same limits and grants as `jsbox run`, and reports them
//! together (`report.rs`) from the TAP each run writes (`tap.rs`).
//!
//! Files are found as `node --test` finds them: the files named, and in
//! each directory named (the current one by default) every `*.test.*`,
//! `*-test.*`, `*_test.*`, `test-*.*` and `test.*` file and every file
//! under a `test` directory, for the extensions `.js`, `.mjs` and `.cjs`;
//! `node_modules` and hidden directories are skipped, and symbolic links
//! to directories are not followed. The exit code is 0 when every file
//! passed, 1 when one failed (or no test file was found), 2 for bad
//! arguments.

mod report;
mod tap;

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use clap::Args;
use jsbox::{LogLevel, MemorySink, Outcome, RunOptions, Runtime};

use super::args::parse_duration;
use super::exit;
use super::run::read_script;
use super::sandbox::SandboxArgs;
use report::{FileRun, Reporter};

/// How many files a search may look at, so that a huge tree ends with an
/// error instead of a long silence.
const MAX_FILES_SEEN: usize = 100_000;

/// How often `--watch` looks for changes.
const POLL: Duration = Duration::from_millis(500);

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Test files, or directories to search for them. Default: the current
    /// directory.
    paths: Vec<PathBuf>,

    /// `spec` (for people) or `tap`. Default: `spec` on a terminal, `tap`
    /// otherwise, as Node chooses.
    #[arg(long, value_enum)]
    reporter: Option<Reporter>,

    /// Run the files again whenever a file under the module root changes.
    #[arg(long)]
    watch: bool,

    /// Wall-clock limit for each file's run, e.g. `10s`.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    timeout: Duration,

    /// The directory the test files may import from (subdirectories
    /// included). Default: the current directory.
    #[arg(long, value_name = "DIR")]
    module_root: Option<PathBuf>,

    #[command(flatten)]
    sandbox: SandboxArgs,
}

pub fn test(args: TestArgs) -> ExitCode {
    let module_root = match args
        .module_root
        .clone()
        .unwrap_or_else(|| PathBuf::from("."))
        .canonicalize()
    {
        Ok(root) => root,
        Err(error) => {
            eprintln!("jsbox: the module root: {error}");
            return ExitCode::from(exit::USAGE);
        }
    };
    let reporter = args.reporter.unwrap_or(if std::io::stdout().is_terminal() {
        Reporter::Spec
    } else {
        Reporter::Tap
    });
    let color = reporter == Reporter::Spec
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    let mut seen = stamps(&module_root);
    loop {
        let code = run_all(&args, &module_root, reporter, color);
        if !args.watch {
            return code;
        }
        eprintln!("jsbox: watching {} for changes", module_root.display());
        loop {
            std::thread::sleep(POLL);
            let mut now = stamps(&module_root);
            if now == seen {
                continue;
            }
            // Not while a file is half written: wait until nothing changes.
            loop {
                std::thread::sleep(POLL);
                let again = stamps(&module_root);
                if again == now {
                    break;
                }
                now = again;
            }
            seen = now;
            break;
        }
    }
}

fn run_all(args: &TestArgs, module_root: &Path, reporter: Reporter, color: bool) -> ExitCode {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let files = match find_files(&paths) {
        Ok(files) => files,
        Err(message) => {
            eprintln!("jsbox: {message}");
            return ExitCode::from(exit::USAGE);
        }
    };
    if files.is_empty() {
        eprintln!(
            "jsbox: no test files found in {} (names like x.test.js, test-x.mjs, or files under test/)",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        return ExitCode::FAILURE;
    }
    let (runtime, options) = match args.sandbox.runtime_and_options(args.timeout) {
        Ok(made) => made,
        Err(code) => return code,
    };
    let options = options.with_module_root(module_root);
    let mut runs = Vec::with_capacity(files.len());
    for file in &files {
        match run_file(&runtime, &options, module_root, file) {
            Ok(run) => runs.push(run),
            Err(code) => return code,
        }
    }
    if report::write(&mut std::io::stdout().lock(), reporter, &runs, color) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Runs one file in a fresh sandbox and reads its report.
fn run_file(
    runtime: &Runtime,
    options: &RunOptions,
    module_root: &Path,
    file: &Path,
) -> Result<FileRun, ExitCode> {
    let name = file
        .strip_prefix(module_root)
        .unwrap_or(file)
        .display()
        .to_string();
    let (script, _) = read_script(file, false).map_err(|message| {
        eprintln!("jsbox: {message}");
        ExitCode::from(exit::USAGE)
    })?;
    let sink = Arc::new(MemorySink::new());
    let started = Instant::now();
    let execution = runtime.run(&script, options.clone().with_log_sink(sink.clone()));
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    let mut stdout = Vec::new();
    for event in sink.events() {
        match event.level {
            LogLevel::Warn | LogLevel::Error => eprintln!("{}", event.message),
            _ => stdout.push(event.message),
        }
    }
    let run_failure = match &execution.outcome {
        Outcome::Ok { .. } | Outcome::Exit { code: 0 | 1 } => None,
        Outcome::UncaughtException(error) => Some(format!("Uncaught {error}")),
        Outcome::SyntaxError(error) => Some(error.to_string()),
        outcome => Some(outcome.to_string()),
    };
    Ok(FileRun {
        name,
        report: tap::read(&stdout),
        run_failure,
        duration_ms,
    })
}

/// The test files `paths` name, in order, each once.
fn find_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = BTreeMap::new();
    let mut seen = 0;
    for path in paths {
        let metadata = std::fs::metadata(path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        let real = path
            .canonicalize()
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        if metadata.is_dir() {
            search(&real, false, &mut files, &mut seen)?;
        } else {
            files.insert(real, ());
        }
    }
    Ok(files.into_keys().collect())
}

fn search(
    dir: &Path,
    under_test_dir: bool,
    files: &mut BTreeMap<PathBuf, ()>,
    seen: &mut usize,
) -> Result<(), String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|error| format!("cannot read {}: {error}", dir.display()))?;
    for entry in entries.flatten() {
        *seen += 1;
        if *seen > MAX_FILES_SEEN {
            return Err(format!(
                "more than {MAX_FILES_SEEN} files under {}: name the test files or directories",
                dir.display()
            ));
        }
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if name.starts_with('.') || name == "node_modules" {
                continue;
            }
            search(&entry.path(), under_test_dir || name == "test", files, seen)?;
        } else if (kind.is_file() || kind.is_symlink()) && is_test_file(&name, under_test_dir) {
            files.insert(entry.path(), ());
        }
    }
    Ok(())
}

/// Node's default test file patterns.
fn is_test_file(name: &str, under_test_dir: bool) -> bool {
    let Some((stem, extension)) = name.rsplit_once('.') else {
        return false;
    };
    if !matches!(extension, "js" | "mjs" | "cjs") {
        return false;
    }
    under_test_dir
        || stem == "test"
        || stem.starts_with("test-")
        || stem.ends_with(".test")
        || stem.ends_with("-test")
        || stem.ends_with("_test")
}

/// Every file's modification time and size under `root`, for `--watch`.
fn stamps(root: &Path) -> BTreeMap<PathBuf, (SystemTime, u64)> {
    let mut stamps = BTreeMap::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            if stamps.len() >= MAX_FILES_SEEN {
                return stamps;
            }
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') || name == "node_modules" {
                continue;
            }
            let Ok(metadata) = entry.metadata() else {
                continue;
            };
            if metadata.is_dir() {
                pending.push(entry.path());
            } else if let Ok(modified) = metadata.modified() {
                stamps.insert(entry.path(), (modified, metadata.len()));
            }
        }
    }
    stamps
}

#[cfg(test)]
mod tests {
    use super::is_test_file;

    #[test]
    fn node_test_file_names_are_recognised() {
        for name in [
            "a.test.js",
            "a-test.mjs",
            "a_test.cjs",
            "test-a.js",
            "test.js",
        ] {
            assert!(is_test_file(name, false), "{name}");
        }
        for name in ["a.js", "testing.js", "a.test.ts", "a.test.json", "test"] {
            assert!(!is_test_file(name, false), "{name}");
        }
        assert!(is_test_file("helpers.js", true));
        assert!(!is_test_file("data.json", true));
    }
}
