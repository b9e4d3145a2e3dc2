//! `jsbox test` end to end, and the `node:test` module it reads: which files
//! it finds, the TAP and spec reports, exit codes, and that each file runs
//! in its own sandbox under the same limits and grants as `jsbox run`.

use std::path::Path;
use std::process::Output;

use crate::support::{self, text, tree};

const PASSING: &str = r#"
import test, { describe, it, before, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert';
const log = [];
before(() => log.push('before'));
beforeEach((t) => log.push(`each ${t.name}`));
afterEach(() => log.push('after each'));
test('adds', () => { assert.strictEqual(1 + 1, 2); });
test('waits and runs subtests', async (t) => {
  await new Promise((resolve) => setTimeout(resolve, 5));
  await t.test('awaited', () => {});
  t.test('not awaited', (t) => { t.diagnostic('said by a subtest'); });
});
test('callback style', (t, done) => { setTimeout(done, 1); });
test.skip('skipped', () => { throw new Error('must not run'); });
test.todo('to do');
describe('a suite', () => {
  it('inner', () => {});
  describe('nested', () => { it('deep # hash', () => {}); });
});
test('hooks ran in order', () => {
  assert.deepStrictEqual(log.slice(0, 4), [
    'before', 'each adds', 'after each', 'each waits and runs subtests',
  ]);
});
"#;

const FAILING: &str = r#"
const { test } = require('node:test');
const assert = require('node:assert');
test('fine', () => {});
test('unequal', () => { assert.strictEqual(1, 2); });
test('too slow', { timeout: 20 }, () => new Promise(() => {}));
test('parent', async (t) => {
  await t.test('child', () => { throw new TypeError('boom'); });
});
test('never settles', () => new Promise(() => {}));
"#;

fn jsbox_test(dir: &Path, args: &[&str]) -> Output {
    support::jsbox()
        .current_dir(dir)
        .arg("test")
        .args(args)
        .output()
        .expect("jsbox starts")
}

/// The result lines of a TAP report (`ok`/`not ok`), indentation kept.
fn results(tap: &str) -> Vec<&str> {
    tap.lines()
        .filter(|line| {
            let line = line.trim_start();
            line.starts_with("ok ") || line.starts_with("not ok ")
        })
        .collect()
}

/// The result lines of the files themselves (not indented).
fn file_results(tap: &str) -> Vec<&str> {
    results(tap)
        .into_iter()
        .filter(|line| !line.starts_with(' '))
        .collect()
}

#[test]
fn a_passing_file_reports_every_test_in_tap_and_exits_0() {
    let dir = tree(&[("math.test.mjs", PASSING)]);
    let output = jsbox_test(dir.path(), &["--reporter", "tap"]);
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        text(&output.stderr)
    );
    assert_eq!(
        results(&stdout),
        [
            "    ok 1 - adds",
            "        ok 1 - awaited",
            "        ok 2 - not awaited",
            "    ok 2 - waits and runs subtests",
            "    ok 3 - callback style",
            "    ok 4 - skipped # SKIP",
            "    ok 5 - to do # TODO",
            "        ok 1 - inner",
            "            ok 1 - deep \\# hash",
            "        ok 2 - nested",
            "    ok 6 - a suite",
            "    ok 7 - hooks ran in order",
            "ok 1 - math.test.mjs",
        ],
        "{stdout}"
    );
    assert!(
        stdout.starts_with("TAP version 13\n# Subtest: math.test.mjs\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("            # said by a subtest\n"),
        "{stdout}"
    );
    for line in [
        "1..1\n",
        "# tests 10\n",
        "# suites 2\n",
        "# pass 8\n",
        "# fail 0\n",
        "# skipped 1\n",
        "# todo 1\n",
    ] {
        assert!(stdout.contains(line), "{line:?} in {stdout}");
    }
}

#[test]
fn failures_are_detailed_and_fail_the_run_while_other_files_still_run() {
    let dir = tree(&[
        ("a.test.mjs", PASSING),
        ("b.test.cjs", FAILING),
        (
            "c.test.js",
            "require('node:test').test('spins', () => { for (;;) {} });",
        ),
    ]);
    let output = jsbox_test(dir.path(), &["--reporter", "tap", "--timeout", "1s"]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let files = file_results(&stdout);
    assert_eq!(
        files,
        [
            "ok 1 - a.test.mjs",
            "not ok 2 - b.test.cjs",
            "not ok 3 - c.test.js"
        ],
        "{stdout}"
    );
    let b = &stdout[stdout.find("# Subtest: b.test.cjs").unwrap()
        ..stdout.find("# Subtest: c.test.js").unwrap()];
    assert_eq!(
        results(b),
        [
            "    ok 1 - fine",
            "    not ok 2 - unequal",
            "    not ok 3 - too slow",
            "        not ok 1 - child",
            "    not ok 4 - parent",
            "    not ok 5 - never settles",
            "not ok 2 - b.test.cjs",
        ],
        "{b}"
    );
    for detail in [
        "      failureType: 'testCodeFailure'\n      error: |-\n        Expected values to be strictly equal:",
        "      code: 'ERR_ASSERTION'\n      name: 'AssertionError'\n      expected: 2\n      actual: 1\n      operator: 'strictEqual'\n      stack: |-\n        at <anonymous> (",
        "      failureType: 'testTimeoutFailure'\n      error: 'test timed out after 20ms'",
        "          error: 'boom'\n          name: 'TypeError'",
        "      failureType: 'subtestsFailed'\n      error: '1 subtest failed'",
        "      failureType: 'cancelledByParent'\n      error: 'Promise resolution is still pending but the event loop has already resolved'",
    ] {
        assert!(b.contains(detail), "{detail:?} in {b}");
    }
    // The looping file ended as a timeout; the report says so.
    assert!(stdout.contains("  error: 'timeout: "), "{stdout}");
    // Totals over the files: 10 + 6 + the looping file counted as a failure.
    for line in [
        "# tests 17\n",
        "# pass 9\n",
        "# fail 5\n",
        "# cancelled 1\n",
    ] {
        assert!(stdout.contains(line), "{line:?} in {stdout}");
    }
}

#[test]
fn the_spec_reporter_is_for_people() {
    let dir = tree(&[("a.test.mjs", PASSING), ("b.test.cjs", FAILING)]);
    let output = jsbox_test(dir.path(), &["--reporter", "spec"]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    for expected in [
        "▶ a.test.mjs\n  ✔ adds (",
        "  ﹣ skipped (",
        "      ✔ deep # hash (",
        "▶ b.test.cjs\n  ✔ fine (",
        "  ✖ unequal (",
        "    AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:",
        "ℹ files 2 (1 failed)\n",
        "ℹ fail 4\n",
        "✖ failing tests:",
        "b.test.cjs > child\nTypeError: boom",
    ] {
        assert!(stdout.contains(expected), "{expected:?} in {stdout}");
    }
    assert!(!stdout.contains('\x1b'), "no colours off a terminal");
}

#[test]
fn test_files_are_found_as_node_finds_them() {
    let pass = "require('node:test').test('t', () => {});";
    let dir = tree(&[
        ("a.test.js", pass),
        (
            "b-test.mjs",
            "import { test } from 'node:test'; test('t', () => {});",
        ),
        ("test-c.cjs", pass),
        ("src/d_test.js", pass),
        ("test/helpers/e.js", pass),
        ("lib.js", "throw new Error('not a test file');"),
        ("test.json", "{}"),
        (
            "node_modules/pkg/x.test.js",
            "throw new Error('in node_modules');",
        ),
        (".hidden/y.test.js", "throw new Error('hidden');"),
    ]);
    let output = jsbox_test(dir.path(), &["--reporter", "tap"]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let files = file_results(&stdout);
    assert_eq!(
        files,
        [
            "ok 1 - a.test.js",
            "ok 2 - b-test.mjs",
            "ok 3 - src/d_test.js",
            "ok 4 - test/helpers/e.js",
            "ok 5 - test-c.cjs",
        ],
        "{stdout}"
    );

    let empty = tree(&[("lib.js", "")]);
    let output = jsbox_test(empty.path(), &[]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output.stderr).contains("no test files found"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn each_file_has_its_own_sandbox_and_the_run_flags_grants() {
    let dir = tree(&[
        (
            "a.test.js",
            "const { test } = require('node:test');\n\
                       test('a', () => { if (globalThis.leak) throw new Error('shared'); globalThis.leak = 1; });",
        ),
        (
            "b.test.js",
            "const { test } = require('node:test');\n\
                       test('b', () => { if (globalThis.leak) throw new Error('shared'); globalThis.leak = 1; });",
        ),
        (
            "fs.test.mjs",
            "import { test } from 'node:test';\nimport fs from 'node:fs';\n\
                         test('reads', () => { fs.readFileSync(new URL('./data.txt', import.meta.url)); });",
        ),
        ("data.txt", "data"),
    ]);
    let output = jsbox_test(dir.path(), &["--reporter", "tap"]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("ok 1 - a.test.js\n") && stdout.contains("ok 2 - b.test.js\n"),
        "{stdout}"
    );
    assert!(stdout.contains("not ok 3 - fs.test.mjs\n"), "{stdout}");
    assert!(stdout.contains("code: 'ERR_ACCESS_DENIED'"), "{stdout}");

    let root = dir.path().canonicalize().unwrap();
    let allow = format!("--allow-read={}", root.display());
    let output = jsbox_test(dir.path(), &["--reporter", "tap", &allow, "fs.test.mjs"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stdout));
}

#[test]
fn node_test_is_reached_only_by_its_prefixed_name() {
    let dir = tree(&[(
        "main.js",
        "try { require('test'); } catch (e) { console.log(e.code); }\n\
         console.log(typeof require('node:test').describe);",
    )]);
    let output = support::jsbox_output(&["run", dir.path().join("main.js").to_str().unwrap()], &[]);
    assert_eq!(
        text(&output.stdout),
        "MODULE_NOT_FOUND\nfunction\n",
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn watch_runs_the_files_again_when_one_changes() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    use std::sync::mpsc;
    use std::time::Duration;

    let dir = tree(&[(
        "a.test.mjs",
        "import { test } from 'node:test'; test('t', () => {});",
    )]);
    let mut child = support::jsbox()
        .current_dir(dir.path())
        .args(["test", "--watch", "--reporter", "tap"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("jsbox starts");
    let (lines, received) = mpsc::channel();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    std::thread::spawn(move || {
        for line in stdout.lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let wait_for = |wanted: &str| {
        let mut seen = Vec::new();
        loop {
            match received.recv_timeout(Duration::from_secs(60)) {
                Ok(line) if line == wanted => return,
                Ok(line) => seen.push(line),
                Err(_) => panic!("no {wanted:?} in {seen:?}"),
            }
        }
    };
    wait_for("ok 1 - a.test.mjs");
    std::fs::write(
        dir.path().join("a.test.mjs"),
        "import { test } from 'node:test'; test('t', () => { throw new Error('now failing'); });",
    )
    .unwrap();
    wait_for("not ok 1 - a.test.mjs");
    child.kill().unwrap();
    child.wait().unwrap();
}
