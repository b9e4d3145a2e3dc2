//! The audit log: one [`AuditEvent`] per decision on a gated call (a file
//! opened, a request sent, a variable read), allowed or denied.
//!
//! Events go to the run's [`AuditSink`]
//! ([`RunOptions::audit_sink`](crate::RunOptions)); the CLI writes them as
//! JSON lines to stderr or to `--audit-log FILE`.

use std::io::Write;
use std::sync::Mutex;

use serde::Serialize;

use crate::access::Access;

/// What was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// The grants allowed the call.
    Allowed,
    /// The grants refused the call; the script got `ERR_ACCESS_DENIED`.
    Denied,
}

/// One decision on a gated call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    /// The tenant of the run.
    pub tenant_id: Option<String>,
    /// The request id of the run.
    pub request_id: String,
    /// The host operation, named after its WIT function (`fs.open`,
    /// `http.send`, `env.get`...).
    pub operation: &'static str,
    /// The kind of access the operation needs.
    pub access: Access,
    /// What the operation touches: a canonical path, `host:port`, a
    /// variable name.
    pub target: String,
    /// Allowed or denied.
    pub decision: Decision,
    /// For an allowed call, the rule that allowed it
    /// (`--allow-read=/data`); for a denied one, the flag that would have
    /// (`--allow-read=/etc/passwd`), or `none: jsbox's own state` when no
    /// flag would (the cache directory, the host's `/proc` entries).
    pub permission: String,
}

/// Receives the audit events of runs, synchronously from the run's thread.
pub trait AuditSink: Send + Sync {
    /// Records one event.
    fn audit(&self, event: AuditEvent);
}

/// Keeps events in memory, for tests and embedders that inspect them.
#[derive(Debug, Default)]
pub struct MemoryAuditSink {
    events: Mutex<Vec<AuditEvent>>,
}

impl MemoryAuditSink {
    /// An empty sink.
    pub fn new() -> Self {
        MemoryAuditSink::default()
    }

    /// The events received so far, in order.
    pub fn events(&self) -> Vec<AuditEvent> {
        // A panic while holding the lock cannot leave the Vec inconsistent.
        self.events
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

impl AuditSink for MemoryAuditSink {
    fn audit(&self, event: AuditEvent) {
        self.events
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(event);
    }
}

/// Writes each event as one JSON line to a writer (a file, stderr).
pub struct JsonLinesAuditSink {
    out: Mutex<Box<dyn Write + Send>>,
}

impl JsonLinesAuditSink {
    /// A sink writing to `out`. Write errors are ignored: a full disk must
    /// not fail runs (embedders who need a durable log write their own
    /// sink).
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        JsonLinesAuditSink {
            out: Mutex::new(out),
        }
    }
}

impl AuditSink for JsonLinesAuditSink {
    fn audit(&self, event: AuditEvent) {
        let Ok(line) = serde_json::to_string(&event) else {
            return;
        };
        let mut out = self
            .out
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let _ = writeln!(out, "{line}").and_then(|()| out.flush());
    }
}

/// Drops every event.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct DiscardAuditSink;

impl AuditSink for DiscardAuditSink {
    fn audit(&self, _event: AuditEvent) {}
}
