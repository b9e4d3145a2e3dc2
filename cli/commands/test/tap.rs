//! Reading the TAP report `node:test` writes (`guest/src/node/test/test.js`,
//! Node's `tap` reporter format): each test's result with its failure
//! details, the file's summary, and the lines that are not TAP (the
//! tests' own console output), in order.

/// One line, or one result with its details, of a file's report.
#[derive(Debug, PartialEq)]
pub enum Entry {
    /// A test or suite finished.
    Result(TestResult),
    /// `t.diagnostic(message)`, at a depth.
    Diagnostic(usize, String),
    /// Anything that is not TAP: what the tests printed themselves.
    Output(String),
}

#[derive(Debug, PartialEq)]
pub struct TestResult {
    /// 0 for a top-level test, 1 for its subtests…
    pub depth: usize,
    pub ok: bool,
    pub name: String,
    pub directive: Option<Directive>,
    pub duration_ms: Option<f64>,
    pub is_suite: bool,
    /// The YAML block's fields of a failure: `error`, `name`, `code`,
    /// `stack`, `failureType`…, each as written (block scalars joined by
    /// newlines).
    pub details: Vec<(String, String)>,
}

#[derive(Debug, PartialEq)]
pub enum Directive {
    Skip(String),
    Todo(String),
}

/// The counts of a file's `# tests N`… summary lines.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Counts {
    pub tests: u64,
    pub suites: u64,
    pub pass: u64,
    pub fail: u64,
    pub cancelled: u64,
    pub skipped: u64,
    pub todo: u64,
}

impl Counts {
    pub fn add(&mut self, other: Counts) {
        self.tests += other.tests;
        self.suites += other.suites;
        self.pass += other.pass;
        self.fail += other.fail;
        self.cancelled += other.cancelled;
        self.skipped += other.skipped;
        self.todo += other.todo;
    }

    /// The summary lines' names and values, in Node's order.
    pub fn fields(&self) -> [(&'static str, u64); 7] {
        [
            ("tests", self.tests),
            ("suites", self.suites),
            ("pass", self.pass),
            ("fail", self.fail),
            ("cancelled", self.cancelled),
            ("skipped", self.skipped),
            ("todo", self.todo),
        ]
    }

    fn set(&mut self, name: &str, value: u64) -> bool {
        let field = match name {
            "tests" => &mut self.tests,
            "suites" => &mut self.suites,
            "pass" => &mut self.pass,
            "fail" => &mut self.fail,
            "cancelled" => &mut self.cancelled,
            "skipped" => &mut self.skipped,
            "todo" => &mut self.todo,
            _ => return false,
        };
        *field = value;
        true
    }
}

/// A file's report, read.
#[derive(Debug, Default)]
pub struct Report {
    pub entries: Vec<Entry>,
    /// `None` when the run ended before `node:test` wrote its summary.
    pub counts: Option<Counts>,
    /// The report's lines without its version line and summary, to nest
    /// it in another TAP stream.
    pub source_lines: Vec<String>,
}

/// Reads the lines a test file's run printed on stdout.
pub fn read(lines: &[String]) -> Report {
    let lines: Vec<&str> = lines.iter().flat_map(|l| l.split('\n')).collect();
    let mut report = Report::default();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        let trimmed = line.trim_start_matches(' ');
        let indent = line.len() - trimmed.len();
        if line == "TAP version 13" || (indent == 0 && summary_line(trimmed, &mut report)) {
            continue;
        }
        report.source_lines.push(line.to_owned());
        if trimmed.starts_with("# Subtest: ") || is_plan(trimmed) {
            continue;
        }
        if let Some(mut result) = result_line(trimmed, indent) {
            if lines
                .get(i)
                .is_some_and(|next| next.strip_prefix(&" ".repeat(indent + 2)) == Some("---"))
            {
                let (fields, next) = yaml_block(&lines, i + 1, indent + 2);
                report
                    .source_lines
                    .extend(lines[i..next].iter().map(|l| (*l).to_owned()));
                i = next;
                for (key, value) in fields {
                    match key.as_str() {
                        "duration_ms" => result.duration_ms = value.parse().ok(),
                        "type" => result.is_suite = value == "'suite'",
                        _ => result.details.push((key, unquote(&value))),
                    }
                }
            }
            report.entries.push(Entry::Result(result));
        } else if indent.is_multiple_of(4)
            && let Some(message) = trimmed.strip_prefix("# ")
        {
            report
                .entries
                .push(Entry::Diagnostic(indent / 4, message.to_owned()));
        } else {
            report.entries.push(Entry::Output(line.to_owned()));
        }
    }
    report
}

fn is_plan(line: &str) -> bool {
    line.strip_prefix("1..")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Takes `# tests 3`-style lines into the counts (`# duration_ms` is
/// recomputed by the reader).
fn summary_line(line: &str, report: &mut Report) -> bool {
    let Some((name, value)) = line.strip_prefix("# ").and_then(|l| l.split_once(' ')) else {
        return false;
    };
    if name == "duration_ms" && value.parse::<f64>().is_ok() {
        return true;
    }
    let Ok(value) = value.parse::<u64>() else {
        return false;
    };
    let mut counts = report.counts.unwrap_or_default();
    if !counts.set(name, value) {
        return false;
    }
    report.counts = Some(counts);
    true
}

/// `ok 3 - name # SKIP reason` at `indent` spaces.
fn result_line(line: &str, indent: usize) -> Option<TestResult> {
    if !indent.is_multiple_of(4) {
        return None;
    }
    let (ok, rest) = match line.strip_prefix("not ok ") {
        Some(rest) => (false, rest),
        None => (true, line.strip_prefix("ok ")?),
    };
    let (number, description) = rest.split_once(" - ")?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (name, directive) = split_directive(description);
    Some(TestResult {
        depth: indent / 4,
        ok,
        name,
        directive,
        duration_ms: None,
        is_suite: false,
        details: Vec::new(),
    })
}

/// The description's name (unescaped) and its `# SKIP`/`# TODO` directive:
/// the first ` # ` not escaped as `\#`.
fn split_directive(description: &str) -> (String, Option<Directive>) {
    let mut name = String::new();
    let mut chars = description.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, 'n')) => name.push('\n'),
                Some((_, escaped)) => name.push(escaped),
                None => name.push('\\'),
            },
            ' ' if description[at..].starts_with(" # ") => {
                let directive = &description[at + 3..];
                let (word, reason) = directive.split_once(' ').unwrap_or((directive, ""));
                let reason = reason.to_owned();
                let directive = match word {
                    "SKIP" => Some(Directive::Skip(reason)),
                    "TODO" => Some(Directive::Todo(reason)),
                    _ => None,
                };
                if directive.is_some() {
                    return (name, directive);
                }
                name.push(' ');
            }
            c => name.push(c),
        }
    }
    (name, None)
}

/// The `key: value` fields of a YAML block starting at `lines[start]`, its
/// keys at `indent` spaces, up to its `...`; and the line after it.
fn yaml_block(lines: &[&str], start: usize, indent: usize) -> (Vec<(String, String)>, usize) {
    let prefix = " ".repeat(indent);
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut i = start;
    while let Some(line) = lines.get(i) {
        i += 1;
        let Some(inner) = line.strip_prefix(&prefix) else {
            break;
        };
        if inner == "..." {
            break;
        }
        if let Some(continued) = inner.strip_prefix("  ")
            && let Some((_, value)) = fields.last_mut()
        {
            if !value.is_empty() {
                value.push('\n');
            }
            value.push_str(continued);
        } else if let Some((key, value)) = inner.split_once(": ") {
            let value = if value == "|-" { "" } else { value };
            fields.push((key.to_owned(), value.to_owned()));
        } else if let Some(key) = inner.strip_suffix(':') {
            fields.push((key.to_owned(), String::new()));
        }
    }
    (fields, i)
}

/// A single-quoted YAML scalar's text.
fn unquote(value: &str) -> String {
    match value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
        Some(inner) => inner.replace("''", "'"),
        None => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_owned).collect()
    }

    #[test]
    fn results_details_output_and_counts_are_read() {
        let report = read(&lines(
            "TAP version 13\n\
             # Subtest: adds\n\
             printed by the test\n\
             ok 1 - adds\n  ---\n  duration_ms: 0.5\n  ...\n\
             # Subtest: a \\# b\n\
             \x20   # Subtest: inner\n\
             \x20   # a diagnostic\n\
             \x20   not ok 1 - inner\n      ---\n      duration_ms: 1\n      error: |-\n        line one\n        line 'two'\n      code: 'ERR_ASSERTION'\n      ...\n\
             \x20   1..1\n\
             not ok 2 - a \\# b # SKIP not now\n  ---\n  duration_ms: 2\n  type: 'suite'\n  ...\n\
             1..2\n# tests 2\n# suites 1\n# pass 1\n# fail 1\n# cancelled 0\n# skipped 0\n# todo 0\n# duration_ms 3.5",
        ));
        let counts = report.counts.unwrap();
        assert_eq!(
            (counts.tests, counts.pass, counts.fail, counts.suites),
            (2, 1, 1, 1)
        );
        assert_eq!(report.entries.len(), 5, "{:?}", report.entries);
        assert_eq!(
            report.entries[0],
            Entry::Output("printed by the test".into())
        );
        let Entry::Result(adds) = &report.entries[1] else {
            panic!()
        };
        assert_eq!(
            (adds.ok, adds.name.as_str(), adds.duration_ms),
            (true, "adds", Some(0.5))
        );
        assert_eq!(
            report.entries[2],
            Entry::Diagnostic(1, "a diagnostic".into())
        );
        let Entry::Result(inner) = &report.entries[3] else {
            panic!()
        };
        assert_eq!((inner.depth, inner.ok), (1, false));
        assert_eq!(
            inner.details,
            [
                ("error".to_owned(), "line one\nline 'two'".to_owned()),
                ("code".to_owned(), "ERR_ASSERTION".to_owned())
            ]
        );
        let Entry::Result(suite) = &report.entries[4] else {
            panic!()
        };
        assert_eq!(suite.name, "a # b");
        assert_eq!(suite.directive, Some(Directive::Skip("not now".into())));
        assert!(suite.is_suite);
    }

    #[test]
    fn a_report_cut_short_has_no_counts_and_lookalikes_stay_output() {
        let report = read(&lines(
            "TAP version 13\nok x - not a result\n# tests many\n",
        ));
        assert_eq!(report.counts, None);
        assert_eq!(
            report.entries,
            [
                Entry::Output("ok x - not a result".into()),
                Entry::Diagnostic(0, "tests many".into())
            ]
        );
    }
}
