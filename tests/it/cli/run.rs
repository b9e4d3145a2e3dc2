//! End-to-end tests of `jsbox run`: exit codes, what goes to stdout and
//! stderr, and clear errors for bad input.

use std::path::{Path, PathBuf};
use std::process::Output;

use tempfile::TempDir;

use crate::support;

struct Scripts {
    dir: TempDir,
}

impl Scripts {
    fn new() -> Self {
        Scripts {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("write script");
        path
    }
}

fn jsbox(args: &[&str], file: Option<&Path>) -> Output {
    let mut command = support::jsbox();
    command.args(args);
    if let Some(file) = file {
        command.arg(file);
    }
    command.output().expect("jsbox starts")
}

fn run_file(name: &str, source: &str, args: &[&str]) -> Output {
    let scripts = Scripts::new();
    let path = scripts.write(name, source);
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    jsbox(&all, Some(&path))
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn hello_example_prints_to_stdout_and_warnings_to_stderr() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/hello.js");
    let output = jsbox(&["run"], Some(&example));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).starts_with("Hello from jsbox, request "));
    assert!(stdout(&output).contains("squares: [ 1, 4, 9, 16 ]"));
    assert_eq!(stderr(&output), "this line goes to stderr\n");
}

#[test]
fn uncaught_type_error_exits_1_with_name_message_and_stack() {
    let output = run_file(
        "throw.js",
        "function boom() {\n  throw new TypeError('x');\n}\nboom();\n",
        &[],
    );
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.starts_with("Uncaught TypeError: x\n"), "{err}");
    assert!(err.contains("at boom ("), "{err}");
    assert!(err.contains("throw.js:2:"), "{err}");
}

#[test]
fn syntax_error_exits_1_with_line_and_column() {
    let output = run_file("syntax.js", "let ok = 1;\nlet broken = (;\n", &[]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.starts_with("SyntaxError: "), "{err}");
    assert!(err.contains("syntax.js:2:14"), "{err}");
}

#[test]
fn process_exit_code_is_the_exit_code_and_prints_nothing() {
    let output = run_file(
        "exit.js",
        "console.log('before'); process.exit(9); console.log('after');",
        &[],
    );
    assert_eq!(output.status.code(), Some(9));
    assert_eq!(stdout(&output), "before\n");
    assert_eq!(stderr(&output), "");
    // Exit codes keep their low 8 bits, as in POSIX and Node.
    let output = run_file("wrap.js", "process.exitCode = 258;", &[]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn infinite_loop_with_timeout_exits_3() {
    let output = run_file("loop.js", "while (true) {}", &["--timeout", "50ms"]);
    assert_eq!(output.status.code(), Some(3));
    assert_eq!(
        stderr(&output),
        "jsbox: timeout: script exceeded 50ms wall-clock limit\n"
    );
}

#[test]
fn small_fuel_budget_exits_4() {
    let output = run_file(
        "spin.js",
        "let i = 0; while (true) i++;",
        &["--fuel", "100000"],
    );
    assert_eq!(output.status.code(), Some(4));
    assert!(
        stderr(&output)
            .starts_with("jsbox: cpu_budget: script exhausted its CPU budget of 100000 fuel units"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn cpu_time_budget_exits_4_and_names_the_budget() {
    let output = run_file("spin.js", "for (;;) {}", &["--cpu", "5ms"]);
    assert_eq!(output.status.code(), Some(4));
    assert!(
        stderr(&output).ends_with("fuel units (about 5ms of CPU)\n"),
        "{}",
        stderr(&output)
    );
    let both = run_file("spin.js", "1", &["--cpu", "5ms", "--fuel", "10"]);
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn memory_bomb_exits_5() {
    let bomb = "const keep = []; while (true) keep.push(new Array(100000).fill(1));";
    let output = run_file("bomb.js", bomb, &["--memory", "32M"]);
    assert_eq!(output.status.code(), Some(5));
    assert_eq!(
        stderr(&output),
        "jsbox: memory_limit: script exceeded 32MiB memory limit\n"
    );
}

#[test]
fn unbounded_recursion_exits_6() {
    let output = run_file("recurse.js", "function f() { return f() + 1 }\nf();", &[]);
    assert_eq!(output.status.code(), Some(6));
    assert!(stderr(&output).starts_with("jsbox: stack_overflow: "));
}

#[test]
fn host_call_flood_exits_7_and_names_the_cap() {
    let output = run_file(
        "flood.js",
        "for (;;) console.log('x');",
        &["--max-host-calls", "20"],
    );
    assert_eq!(output.status.code(), Some(7), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("host_call_limit: script made more than 20 host calls"),
        "{}",
        stderr(&output)
    );
    assert_eq!(stdout(&output).lines().count(), 20, "{}", stdout(&output));
}

#[test]
fn report_is_one_json_line_on_stderr() {
    let output = run_file("report.js", "console.log('hi')", &["--report"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), "hi\n");
    let err = stderr(&output);
    assert_eq!(err.lines().count(), 1, "{err}");
    let report: serde_json::Value = serde_json::from_str(err.trim()).expect("JSON report");
    assert_eq!(report["outcome"], "ok");
    assert!(report["fuel_consumed"].as_u64().unwrap() > 0);
    assert!(report["peak_memory_bytes"].as_u64().unwrap() > 0);
    assert!(report["wall_us"].as_u64().unwrap() > 0);
    assert_eq!(
        report["host_calls"], 1,
        "one log call; `context` was never read"
    );
    assert_eq!(report["request_id"].as_str().unwrap().len(), 36);
}

#[test]
fn context_flag_accepts_json_and_files() {
    let source = "console.log(context.tenantId, context.user.id, context.requestId, Object.isFrozen(context))";
    let inline = run_file(
        "ctx.js",
        source,
        &[
            "--context",
            r#"{"tenantId":"acme","requestId":"r-1","user":{"id":"u1"}}"#,
        ],
    );
    assert_eq!(stdout(&inline), "acme u1 r-1 true\n", "{}", stderr(&inline));

    let scripts = Scripts::new();
    let context = scripts.write(
        "ctx.json",
        r#"{"tenantId":"from-file","user":{"id":"u2"},"requestId":"r-2"}"#,
    );
    let script = scripts.write("ctx.js", source);
    let from_file = jsbox(
        &["run", "--context", &format!("@{}", context.display())],
        Some(&script),
    );
    assert_eq!(
        stdout(&from_file),
        "from-file u2 r-2 true\n",
        "{}",
        stderr(&from_file)
    );
}

#[test]
fn mjs_files_run_as_modules() {
    let output = run_file(
        "main.mjs",
        "const v = await Promise.resolve(21); console.log(v * 2, this);",
        &[],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "42 undefined\n");
}

#[test]
fn js_files_follow_the_nearest_package_json_type_like_node() {
    let scripts = Scripts::new();
    scripts.write("package.json", r#"{"name": "app", "type": "module"}"#);
    scripts.write("lib.js", "export const answer = 42;");
    let main = scripts.write(
        "main.js",
        "import { answer } from './lib.js'; console.log(answer, typeof require);",
    );
    let output = jsbox(&["run"], Some(&main));
    assert_eq!(stdout(&output), "42 undefined\n", "{}", stderr(&output));

    let cjs = scripts.write(
        "main.cjs",
        "console.log(typeof require, __filename.endsWith('/main.cjs'))",
    );
    let output = jsbox(&["run"], Some(&cjs));
    assert_eq!(stdout(&output), "function true\n", "{}", stderr(&output));
}

#[test]
fn imports_stay_inside_the_module_root_unless_it_is_widened() {
    let scripts = Scripts::new();
    scripts.write("shared.mjs", "export const shared = 'from parent';");
    std::fs::create_dir(scripts.dir.path().join("app")).unwrap();
    let main = scripts.write(
        "app/main.mjs",
        "const { shared } = await import('../shared.mjs'); console.log(shared);",
    );
    let denied = jsbox(&["run"], Some(&main));
    assert_eq!(denied.status.code(), Some(1));
    let root = scripts.dir.path().display().to_string();
    // Whether the file exists outside the root, and where, is not told.
    assert!(
        stderr(&denied).contains("not found or not allowed") && !stderr(&denied).contains(&root),
        "{}",
        stderr(&denied)
    );
    let allowed = jsbox(&["run", "--module-root", &root], Some(&main));
    assert_eq!(stdout(&allowed), "from parent\n", "{}", stderr(&allowed));
}

#[test]
fn empty_file_runs_and_prints_nothing() {
    let output = run_file("empty.js", "", &[]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), "");
    assert_eq!(stderr(&output), "");
}

#[test]
fn missing_file_is_a_usage_error() {
    let output = jsbox(&["run", "/definitely/not/here.js"], None);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "jsbox: cannot read /definitely/not/here.js: No such file or directory (os error 2)\n"
    );
}

#[test]
fn non_utf8_file_is_a_usage_error() {
    let scripts = Scripts::new();
    let path = scripts.write("latin1.js", b"console.log('caf\xe9')");
    let output = jsbox(&["run"], Some(&path));
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("is not valid UTF-8 (invalid byte at offset 16)"),
        "{err}"
    );
}

#[test]
fn bad_flag_values_are_usage_errors_that_say_what_is_expected() {
    let cases: [(&[&str], &str); 6] = [
        (&["--timeout", "soon"], "expected a duration such as 50ms"),
        (&["--timeout", "0s"], "must be greater than zero"),
        (
            &["--memory", "12Q"],
            "expected a number with an optional unit K, M or G",
        ),
        (&["--fuel=-1"], "expected a positive integer"),
        (&["--context", "{bad"], "invalid context JSON"),
        (
            &["--context", r#"{"tenant":"x"}"#],
            "unknown field `tenant`",
        ),
    ];
    for (args, expected) in cases {
        let output = run_file("ok.js", "1", args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let err = stderr(&output);
        assert!(err.contains(expected), "{args:?}: {err}");
    }
    let unknown = jsbox(&["run", "--frobnicate", "x.js"], None);
    assert_eq!(unknown.status.code(), Some(2));
}

#[test]
fn huge_output_is_capped_with_a_warning() {
    let output = run_file(
        "chatty.js",
        "for (let i = 0; i < 100000; i++) console.log('line', i);",
        // The cap is the subject, not the clock: room for a loaded machine.
        &["--max-output", "64K", "--timeout", "60s"],
    );
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).len() <= 64 * 1024 + 100_000 / 10);
    assert!(stdout(&output).starts_with("line 0\nline 1\n"));
    assert!(stderr(&output).contains("output past the 65536 byte limit was dropped"));
}

#[test]
fn help_and_version_exit_0() {
    for flag in ["--help", "--version"] {
        let output = jsbox(&[flag], None);
        assert_eq!(output.status.code(), Some(0));
        assert!(!stdout(&output).is_empty());
    }
}
