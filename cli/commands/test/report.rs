//! The two reporters of `jsbox test`: `spec`, for people (one line per
//! test, failures with their error, a summary), and `tap`, one TAP stream
//! with each file as a subtest, as `node --test --test-reporter=tap` writes.

use std::fmt::Write as _;
use std::io::Write;

use super::tap::{Counts, Directive, Entry, Report};

/// How a file's run went.
pub struct FileRun {
    /// The file, as shown.
    pub name: String,
    /// Its stdout lines.
    pub report: Report,
    /// Why the run itself failed (a timeout, an uncaught error, a limit),
    /// when it did: the file fails even if its tests passed.
    pub run_failure: Option<String>,
    pub duration_ms: f64,
}

impl FileRun {
    pub fn passed(&self) -> bool {
        self.run_failure.is_none()
            && self
                .report
                .counts
                .is_some_and(|c| c.fail == 0 && c.cancelled == 0)
    }

    /// The file's counts; a run that ended before `node:test` wrote them
    /// counts the results it read, and itself as one failure.
    pub fn counts(&self) -> Counts {
        if let Some(counts) = self.report.counts {
            return counts;
        }
        let mut counts = Counts::default();
        for entry in &self.report.entries {
            if let Entry::Result(result) = entry {
                if result.is_suite {
                    counts.suites += 1;
                    continue;
                }
                counts.tests += 1;
                match (&result.directive, result.ok) {
                    (Some(Directive::Skip(_)), _) => counts.skipped += 1,
                    (Some(Directive::Todo(_)), _) => counts.todo += 1,
                    (None, true) => counts.pass += 1,
                    (None, false) => counts.fail += 1,
                }
            }
        }
        counts.tests += 1;
        counts.fail += 1;
        counts
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Reporter {
    Spec,
    Tap,
}

/// Writes the report of `runs` and returns whether every file passed.
pub fn write(out: &mut impl Write, reporter: Reporter, runs: &[FileRun], color: bool) -> bool {
    let mut text = String::new();
    match reporter {
        Reporter::Spec => spec(&mut text, runs, color),
        Reporter::Tap => tap(&mut text, runs),
    }
    // A closed pipe (`jsbox test | head`) is not a failure of the tests.
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
    runs.iter().all(FileRun::passed)
}

fn totals(runs: &[FileRun]) -> Counts {
    let mut totals = Counts::default();
    for run in runs {
        totals.add(run.counts());
    }
    totals
}

fn paint(text: &str, code: &str, color: bool) -> String {
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

fn spec(out: &mut String, runs: &[FileRun], color: bool) {
    let mut failures = Vec::new();
    for run in runs {
        let mark = if run.passed() {
            paint("▶", "32", color)
        } else {
            paint("▶", "31", color)
        };
        let _ = writeln!(out, "{mark} {}", run.name);
        for entry in &run.report.entries {
            match entry {
                Entry::Output(line) => {
                    let _ = writeln!(out, "  {line}");
                }
                Entry::Diagnostic(depth, message) => {
                    let _ = writeln!(out, "{}ℹ {message}", "  ".repeat(depth + 1));
                }
                Entry::Result(result) => {
                    let indent = "  ".repeat(result.depth + 1);
                    let time = result
                        .duration_ms
                        .map(|ms| format!(" ({ms:.3}ms)"))
                        .unwrap_or_default();
                    let line = match (&result.directive, result.ok) {
                        (Some(Directive::Skip(reason)), _) => paint(
                            &format!("﹣ {}{time} # SKIP {reason}", result.name),
                            "90",
                            color,
                        ),
                        (Some(Directive::Todo(reason)), _) => paint(
                            &format!("⚠ {}{time} # TODO {reason}", result.name),
                            "33",
                            color,
                        ),
                        (None, true) => {
                            format!("{} {}{time}", paint("✔", "32", color), result.name)
                        }
                        (None, false) => paint(&format!("✖ {}{time}", result.name), "31", color),
                    };
                    let _ = writeln!(out, "{indent}{}", line.trim_end());
                    if !result.ok && result.directive.is_none() && !result.is_suite {
                        let error = error_text(&result.details);
                        for line in error.lines() {
                            let _ = writeln!(out, "{indent}  {line}");
                        }
                        failures.push(format!("{} > {}\n{error}", run.name, result.name));
                    }
                }
            }
        }
        if let Some(failure) = &run.run_failure {
            let _ = writeln!(out, "  {}", paint(&format!("✖ {failure}"), "31", color));
            failures.push(format!("{}\n{failure}", run.name));
        }
    }
    let totals = totals(runs);
    let failed_files = runs.iter().filter(|run| !run.passed()).count();
    let _ = writeln!(out, "ℹ files {} ({failed_files} failed)", runs.len());
    for (name, value) in totals.fields() {
        let _ = writeln!(out, "ℹ {name} {value}");
    }
    let total_ms: f64 = runs.iter().map(|run| run.duration_ms).sum();
    let _ = writeln!(out, "ℹ duration_ms {total_ms:.3}");
    if !failures.is_empty() {
        let _ = writeln!(out, "\n{}", paint("✖ failing tests:", "31", color));
        for failure in failures {
            let _ = writeln!(out, "\n{failure}");
        }
    }
}

/// A failure's error as Node's spec reporter shows it:
/// `Name [CODE]: message`, then the stack.
fn error_text(details: &[(String, String)]) -> String {
    let field = |key: &str| {
        details
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let mut text = field("name").unwrap_or("Error").to_owned();
    if let Some(code) = field("code") {
        let _ = write!(text, " [{code}]");
    }
    let _ = write!(text, ": {}", field("error").unwrap_or(""));
    if let Some(stack) = field("stack") {
        for frame in stack.lines() {
            let _ = write!(text, "\n    {frame}");
        }
    }
    text
}

fn tap(out: &mut String, runs: &[FileRun]) {
    let _ = writeln!(out, "TAP version 13");
    for (number, run) in runs.iter().enumerate() {
        let _ = writeln!(out, "# Subtest: {}", escape(&run.name));
        for line in &run.report.source_lines {
            let _ = writeln!(out, "    {line}");
        }
        let ok = if run.passed() { "ok" } else { "not ok" };
        let _ = writeln!(out, "{ok} {} - {}", number + 1, escape(&run.name));
        let _ = writeln!(out, "  ---\n  duration_ms: {:.6}", run.duration_ms);
        if let Some(failure) = &run.run_failure {
            let _ = writeln!(out, "  failureType: 'testCodeFailure'");
            let _ = writeln!(
                out,
                "  error: '{}'",
                failure.replace('\'', "''").replace('\n', " ")
            );
        } else if !run.passed() {
            let _ = writeln!(out, "  failureType: 'subtestsFailed'");
        }
        let _ = writeln!(out, "  ...");
    }
    let _ = writeln!(out, "1..{}", runs.len());
    for (name, value) in totals(runs).fields() {
        let _ = writeln!(out, "# {name} {value}");
    }
    let total_ms: f64 = runs.iter().map(|run| run.duration_ms).sum();
    let _ = writeln!(out, "# duration_ms {total_ms:.6}");
}

/// A TAP description: `#` and `\` escaped, on one line.
fn escape(name: &str) -> String {
    name.replace('\\', "\\\\")
        .replace('#', "\\#")
        .replace('\n', "\\n")
}
