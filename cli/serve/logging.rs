//! Logs: a `tracing` subscriber writing JSON (or pretty) lines to stdout,
//! filtered by `RUST_LOG`; [`TracingSink`], which turns a request's
//! `console.*` calls into log events carrying its request id; and
//! [`TracingAuditSink`], which logs the host calls its grants decided.

use std::io::IsTerminal;
use std::sync::Arc;

use jsbox::{AuditEvent, AuditSink, Decision, LogEvent, LogLevel, LogSink};
use tracing_subscriber::EnvFilter;

use super::config::LogFormat;

/// Installs the global subscriber. `RUST_LOG` filters (default `info`).
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stdout)
        .with_ansi(std::io::stdout().is_terminal());
    // `try_init` fails only if a subscriber is already set, and then that
    // one stays in charge.
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}

/// Sends a request's `console.*` output to `tracing` under the target
/// `jsbox::console`, with the app name, request id, tenant and trace
/// parent of the request.
pub struct TracingSink {
    pub app: Arc<str>,
    pub trace_parent: Option<String>,
}

impl LogSink for TracingSink {
    fn log(&self, event: LogEvent) {
        let app = &*self.app;
        let request_id = event.request_id.as_str();
        let tenant = event.tenant_id.as_deref().unwrap_or("");
        let trace_parent = self.trace_parent.as_deref().unwrap_or("");
        let message = event.message.as_str();
        // `tracing`'s macros need the level as a constant.
        macro_rules! emit {
            ($level:expr) => {
                tracing::event!(
                    target: "jsbox::console",
                    $level,
                    app,
                    request_id,
                    tenant,
                    trace_parent,
                    "{message}"
                )
            };
        }
        match event.level {
            LogLevel::Trace => emit!(tracing::Level::TRACE),
            LogLevel::Debug => emit!(tracing::Level::DEBUG),
            LogLevel::Info => emit!(tracing::Level::INFO),
            LogLevel::Warn => emit!(tracing::Level::WARN),
            LogLevel::Error => emit!(tracing::Level::ERROR),
        }
    }
}

/// Logs every gated host call of a request under the target `jsbox::audit`:
/// denied ones at `warn`, allowed ones at `debug`.
pub struct TracingAuditSink {
    pub app: Arc<str>,
}

impl AuditSink for TracingAuditSink {
    fn audit(&self, event: AuditEvent) {
        macro_rules! emit {
            ($level:expr, $decision:literal) => {
                tracing::event!(
                    target: "jsbox::audit",
                    $level,
                    app = &*self.app,
                    request_id = event.request_id.as_str(),
                    tenant = event.tenant_id.as_deref().unwrap_or(""),
                    operation = event.operation,
                    access = event.access.as_str(),
                    target = event.target.as_str(),
                    permission = event.permission.as_str(),
                    $decision
                )
            };
        }
        match event.decision {
            Decision::Denied => emit!(tracing::Level::WARN, "permission denied"),
            Decision::Allowed => emit!(tracing::Level::DEBUG, "permission granted"),
        }
    }
}
