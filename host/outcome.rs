//! The one classified result of every run.
//!
//! Every way a run can end maps to exactly one [`OutcomeKind`], whose
//! snake_case names are stable: logs, metrics, exit codes and HTTP error
//! bodies are keyed on them.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

/// A JavaScript error, with name, message and stack kept apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JsError {
    /// The error's `name` (`TypeError`, `SyntaxError`, a custom name...).
    pub name: String,
    /// The error's `message`.
    pub message: String,
    /// The stack trace, one `    at fn (file:line:col)` frame per line;
    /// then, as Node prints an uncaught error, the error's own enumerable
    /// properties and its `cause` chain, if it has any
    /// (` {\n  code: 'ERR_ACCESS_DENIED'\n}`).
    pub stack: Option<String>,
}

impl fmt::Display for JsError {
    /// Formats like Node prints an uncaught error: `name: message` and the
    /// stack frames below it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.name)?;
        } else {
            write!(f, "{}: {}", self.name, self.message)?;
        }
        if let Some(stack) = &self.stack {
            write!(f, "\n{stack}")?;
        }
        Ok(())
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The script ran to completion.
    Ok {
        /// The completion value as JSON (scripts only), when it has one.
        value_json: Option<String>,
    },
    /// The script ended the run itself with `process.exit(code)`, or ran to
    /// completion after setting a non-zero `process.exitCode`.
    Exit {
        /// The exit code the script gave.
        code: i32,
    },
    /// An exception escaped the script.
    UncaughtException(JsError),
    /// The source did not parse.
    SyntaxError(JsError),
    /// The wall-clock deadline passed.
    Timeout {
        /// The run's timeout.
        limit: Duration,
    },
    /// The fuel budget ran out.
    CpuBudget {
        /// The run's fuel budget.
        fuel: u64,
    },
    /// The script needed more linear memory than allowed.
    MemoryLimit {
        /// The run's memory cap in bytes.
        limit_bytes: u64,
    },
    /// Recursion exhausted the stack: the wasm stack (`error` is `None`) or
    /// QuickJS's own limit (a `RangeError`).
    StackOverflow {
        /// The JS error, when QuickJS caught the overflow itself.
        error: Option<JsError>,
    },
    /// The script called the host more often than
    /// [`Limits::max_host_calls`](crate::Limits::max_host_calls) allows.
    HostCallLimit {
        /// The run's cap on host calls.
        limit: u64,
    },
    /// The caller cancelled the run (a [`CancelToken`](crate::CancelToken),
    /// or a dropped [`Runtime::run_async`](crate::Runtime::run_async)
    /// future).
    Cancelled,
    /// No sandbox slot was free: the runtime's
    /// [`max_concurrent`](crate::RuntimeBuilder::max_concurrent) sandboxes
    /// were all in use. Retry later, or admit fewer runs at once.
    Overloaded {
        /// The runtime's pool size.
        max_concurrent: u32,
    },
    /// A host function the guest called failed.
    HostError {
        /// What failed.
        message: String,
    },
    /// jsbox itself failed: a guest trap that no limit explains, a panic,
    /// a store that could not be set up. Always a bug worth reporting.
    Internal {
        /// What failed.
        message: String,
    },
}

/// The stable name of an [`Outcome`], without its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum OutcomeKind {
    /// See [`Outcome::Ok`].
    Ok,
    /// See [`Outcome::Exit`].
    Exit,
    /// See [`Outcome::UncaughtException`].
    UncaughtException,
    /// See [`Outcome::SyntaxError`].
    SyntaxError,
    /// See [`Outcome::Timeout`].
    Timeout,
    /// See [`Outcome::CpuBudget`].
    CpuBudget,
    /// See [`Outcome::MemoryLimit`].
    MemoryLimit,
    /// See [`Outcome::StackOverflow`].
    StackOverflow,
    /// See [`Outcome::HostCallLimit`].
    HostCallLimit,
    /// See [`Outcome::Cancelled`].
    Cancelled,
    /// See [`Outcome::Overloaded`].
    Overloaded,
    /// See [`Outcome::HostError`].
    HostError,
    /// See [`Outcome::Internal`].
    Internal,
}

impl OutcomeKind {
    /// Every kind, in declaration order.
    pub const ALL: [OutcomeKind; 13] = [
        OutcomeKind::Ok,
        OutcomeKind::Exit,
        OutcomeKind::UncaughtException,
        OutcomeKind::SyntaxError,
        OutcomeKind::Timeout,
        OutcomeKind::CpuBudget,
        OutcomeKind::MemoryLimit,
        OutcomeKind::StackOverflow,
        OutcomeKind::HostCallLimit,
        OutcomeKind::Cancelled,
        OutcomeKind::Overloaded,
        OutcomeKind::HostError,
        OutcomeKind::Internal,
    ];

    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            OutcomeKind::Ok => "ok",
            OutcomeKind::Exit => "exit",
            OutcomeKind::UncaughtException => "uncaught_exception",
            OutcomeKind::SyntaxError => "syntax_error",
            OutcomeKind::Timeout => "timeout",
            OutcomeKind::CpuBudget => "cpu_budget",
            OutcomeKind::MemoryLimit => "memory_limit",
            OutcomeKind::StackOverflow => "stack_overflow",
            OutcomeKind::HostCallLimit => "host_call_limit",
            OutcomeKind::Cancelled => "cancelled",
            OutcomeKind::Overloaded => "overloaded",
            OutcomeKind::HostError => "host_error",
            OutcomeKind::Internal => "internal",
        }
    }
}

impl fmt::Display for OutcomeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Outcome {
    /// The outcome's stable kind.
    pub fn kind(&self) -> OutcomeKind {
        match self {
            Outcome::Ok { .. } => OutcomeKind::Ok,
            Outcome::Exit { .. } => OutcomeKind::Exit,
            Outcome::UncaughtException(_) => OutcomeKind::UncaughtException,
            Outcome::SyntaxError(_) => OutcomeKind::SyntaxError,
            Outcome::Timeout { .. } => OutcomeKind::Timeout,
            Outcome::CpuBudget { .. } => OutcomeKind::CpuBudget,
            Outcome::MemoryLimit { .. } => OutcomeKind::MemoryLimit,
            Outcome::StackOverflow { .. } => OutcomeKind::StackOverflow,
            Outcome::HostCallLimit { .. } => OutcomeKind::HostCallLimit,
            Outcome::Cancelled => OutcomeKind::Cancelled,
            Outcome::Overloaded { .. } => OutcomeKind::Overloaded,
            Outcome::HostError { .. } => OutcomeKind::HostError,
            Outcome::Internal { .. } => OutcomeKind::Internal,
        }
    }

    /// Whether the run completed.
    pub fn is_ok(&self) -> bool {
        matches!(self, Outcome::Ok { .. })
    }

    /// The JS error the run ended with, if it ended with one.
    pub fn js_error(&self) -> Option<&JsError> {
        match self {
            Outcome::UncaughtException(error) | Outcome::SyntaxError(error) => Some(error),
            Outcome::StackOverflow { error } => error.as_ref(),
            _ => None,
        }
    }
}

impl fmt::Display for Outcome {
    /// One line naming the kind and, for limits, the limit: e.g.
    /// `timeout: script exceeded 50ms wall-clock limit`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = self.kind();
        match self {
            Outcome::Ok { .. } => write!(f, "{kind}"),
            Outcome::Exit { code } => write!(f, "{kind}: the script exited with code {code}"),
            Outcome::UncaughtException(error) | Outcome::SyntaxError(error) => {
                write!(f, "{kind}: {}: {}", error.name, error.message)
            }
            Outcome::Timeout { limit } => write!(
                f,
                "{kind}: script exceeded {} wall-clock limit",
                humantime::format_duration(*limit)
            ),
            Outcome::CpuBudget { fuel } => {
                let cpu = crate::Limits::cpu_time_for_fuel(*fuel);
                write!(
                    f,
                    "{kind}: script exhausted its CPU budget of {fuel} fuel units (about {} of CPU)",
                    humantime::format_duration(cpu)
                )
            }
            Outcome::MemoryLimit { limit_bytes } => write!(
                f,
                "{kind}: script exceeded {} memory limit",
                format_bytes(*limit_bytes)
            ),
            Outcome::StackOverflow { .. } => {
                write!(
                    f,
                    "{kind}: script exceeded the maximum call stack size (unbounded recursion?)"
                )
            }
            Outcome::HostCallLimit { limit } => {
                write!(f, "{kind}: script made more than {limit} host calls")
            }
            Outcome::Cancelled => write!(f, "{kind}: the run was cancelled by its caller"),
            Outcome::Overloaded { max_concurrent } => write!(
                f,
                "{kind}: all {max_concurrent} sandboxes are in use; retry later"
            ),
            Outcome::HostError { message } | Outcome::Internal { message } => {
                write!(f, "{kind}: {message}")
            }
        }
    }
}

/// `33554432` → `32MiB`; sizes that are not whole MiB print in bytes.
fn format_bytes(bytes: u64) -> String {
    const MIB: u64 = 1 << 20;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{}MiB", bytes / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_names_are_stable_and_match_serde() {
        let names: Vec<_> = OutcomeKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            names,
            [
                "ok",
                "exit",
                "uncaught_exception",
                "syntax_error",
                "timeout",
                "cpu_budget",
                "memory_limit",
                "stack_overflow",
                "host_call_limit",
                "cancelled",
                "overloaded",
                "host_error",
                "internal"
            ]
        );
        for kind in OutcomeKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
    }

    #[test]
    fn limit_messages_name_the_kind_and_the_limit() {
        let timeout = Outcome::Timeout {
            limit: Duration::from_millis(50),
        };
        assert_eq!(
            timeout.to_string(),
            "timeout: script exceeded 50ms wall-clock limit"
        );
        let memory = Outcome::MemoryLimit {
            limit_bytes: 32 << 20,
        };
        assert_eq!(
            memory.to_string(),
            "memory_limit: script exceeded 32MiB memory limit"
        );
    }

    #[test]
    fn js_error_displays_like_node() {
        let error = JsError {
            name: "TypeError".into(),
            message: "x".into(),
            stack: Some("    at <eval> (a.js:1:7)".into()),
        };
        assert_eq!(error.to_string(), "TypeError: x\n    at <eval> (a.js:1:7)");
    }
}

/// The result of one run: how it ended and what it used.
#[derive(Debug, Clone)]
pub struct Execution {
    /// How the run ended.
    pub outcome: Outcome,
    /// What the run consumed.
    pub report: crate::ResourceReport,
    /// The run's request id (the caller's, or the one generated for it).
    pub request_id: String,
}
