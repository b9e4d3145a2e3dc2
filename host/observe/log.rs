//! Where a run's log events (`console.*`) go.
//!
//! The guest emits structured events through the `log` import; the host
//! stamps them with the run's request id and tenant and hands them to the
//! run's [`LogSink`]. The CLI prints them; a server would log them as JSON.

use std::io::Write;
use std::sync::Mutex;

use serde::Serialize;

/// Severity of a log event, in increasing order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// `console.trace`.
    Trace,
    /// `console.debug`.
    Debug,
    /// `console.log`, `console.info`.
    Info,
    /// `console.warn`.
    Warn,
    /// `console.error`.
    Error,
}

impl LogLevel {
    /// The level's lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "trace",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }
}

/// One log event of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEvent {
    /// Severity.
    pub level: LogLevel,
    /// The formatted message.
    pub message: String,
    /// Structured key/value pairs attached by the guest.
    pub fields: Vec<(String, String)>,
    /// The request id of the run that emitted the event.
    pub request_id: String,
    /// The tenant of the run that emitted the event.
    pub tenant_id: Option<String>,
}

/// Receives the log events of runs. Called synchronously from the run's
/// thread while the guest waits, so implementations should be quick.
pub trait LogSink: Send + Sync {
    /// Handles one event.
    fn log(&self, event: LogEvent);
}

/// Prints messages like Node does: `trace`, `debug` and `info` to stdout,
/// `warn` and `error` to stderr, one message per line.
#[derive(Debug, Default, Clone, Copy)]
pub struct StdioSink;

impl LogSink for StdioSink {
    fn log(&self, event: LogEvent) {
        // A closed pipe (`jsbox run x.js | head`) must not fail the run, so
        // write errors are ignored, as Node's console ignores EPIPE.
        let _ = match event.level {
            LogLevel::Trace | LogLevel::Debug | LogLevel::Info => {
                writeln!(std::io::stdout().lock(), "{}", event.message)
            }
            LogLevel::Warn | LogLevel::Error => {
                writeln!(std::io::stderr().lock(), "{}", event.message)
            }
        };
    }
}

/// Keeps events in memory, for tests and for embedders that want a run's
/// output as data.
#[derive(Debug, Default)]
pub struct MemorySink {
    events: Mutex<Vec<LogEvent>>,
}

impl MemorySink {
    /// An empty sink.
    pub fn new() -> Self {
        MemorySink::default()
    }

    /// The events received so far, in order.
    pub fn events(&self) -> Vec<LogEvent> {
        self.lock().clone()
    }

    /// The messages received so far, in order.
    pub fn messages(&self) -> Vec<String> {
        self.lock().iter().map(|e| e.message.clone()).collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<LogEvent>> {
        // A panic while holding the lock cannot leave the Vec inconsistent.
        self.events
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl LogSink for MemorySink {
    fn log(&self, event: LogEvent) {
        self.lock().push(event);
    }
}

/// Drops every event.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct DiscardSink;

impl LogSink for DiscardSink {
    fn log(&self, _event: LogEvent) {}
}
