//! Observability: where a run's logs and audit events go, and the
//! runtime's counters (and their Prometheus form).
//!
//! Layer rule: uses only the public vocabulary (the files at the top of
//! `host/`) and `cache` (whose statistics the counters report); the layers
//! above record into it, nothing here calls back up.

pub(crate) mod audit;
pub(crate) mod log;
pub(crate) mod metrics;
pub(crate) mod prometheus;
