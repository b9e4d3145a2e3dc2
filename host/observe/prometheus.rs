//! [`Runtime::register_metrics`](crate::Runtime::register_metrics): the runtime's counters as Prometheus
//! metrics, read at scrape time.

use std::sync::Mutex;

use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{IntCounter, IntCounterVec, IntGauge, Opts};

use crate::observe::metrics::RuntimeMetrics;

/// What one scrape reads from a runtime: its counters, and whether its
/// compiled guest came from the disk cache; `None` once it is dropped.
pub(crate) type Scrape = Box<dyn Fn() -> Option<(RuntimeMetrics, bool)> + Send + Sync>;

/// Mirrors a runtime's counters into Prometheus metrics on every scrape.
pub(crate) struct RuntimeCollector {
    scrape: Scrape,
    metrics: Mutex<Metrics>,
    descs: Vec<Desc>,
}

struct Metrics {
    runs: IntCounterVec,
    sandboxes_in_use: IntGauge,
    pool_capacity: IntGauge,
    bytecode_hits: IntCounter,
    bytecode_misses: IntCounter,
    bytecode_entries: IntGauge,
    component_cache_hits: IntCounter,
    component_cache_misses: IntCounter,
    permissions_denied: IntCounter,
}

impl Metrics {
    fn collectors(&self) -> [&dyn Collector; 9] {
        [
            &self.runs,
            &self.sandboxes_in_use,
            &self.pool_capacity,
            &self.bytecode_hits,
            &self.bytecode_misses,
            &self.bytecode_entries,
            &self.component_cache_hits,
            &self.component_cache_misses,
            &self.permissions_denied,
        ]
    }
}

impl RuntimeCollector {
    pub(crate) fn new(scrape: Scrape) -> prometheus::Result<Self> {
        let metrics = Metrics {
            runs: IntCounterVec::new(
                Opts::new("jsbox_runs_total", "Sandbox runs finished, by outcome."),
                &["outcome"],
            )?,
            sandboxes_in_use: IntGauge::new(
                "jsbox_sandboxes_in_use",
                "Sandboxes alive now (a run holds one, two while it compiles).",
            )?,
            pool_capacity: IntGauge::new(
                "jsbox_sandbox_pool_capacity",
                "Sandboxes the pooling allocator can hold at once (0: not pooling).",
            )?,
            bytecode_hits: IntCounter::new(
                "jsbox_bytecode_cache_hits_total",
                "Bytecode cache lookups that found compiled code.",
            )?,
            bytecode_misses: IntCounter::new(
                "jsbox_bytecode_cache_misses_total",
                "Bytecode cache lookups that had to compile.",
            )?,
            bytecode_entries: IntGauge::new(
                "jsbox_bytecode_cache_entries",
                "Scripts held by the bytecode cache now.",
            )?,
            component_cache_hits: IntCounter::new(
                "jsbox_component_cache_hits_total",
                "Compiled guests loaded from the on-disk component cache.",
            )?,
            component_cache_misses: IntCounter::new(
                "jsbox_component_cache_misses_total",
                "Compiled guests that had to be compiled (the disk cache had none).",
            )?,
            permissions_denied: IntCounter::new(
                "jsbox_permissions_denied_total",
                "Host calls refused because the run's grants did not allow them.",
            )?,
        };
        let descs = metrics
            .collectors()
            .iter()
            .flat_map(|c| c.desc().into_iter().cloned())
            .collect();
        Ok(RuntimeCollector {
            scrape,
            metrics: Mutex::new(metrics),
            descs,
        })
    }
}

impl Collector for RuntimeCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.descs.iter().collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let Some((snapshot, cached)) = (self.scrape)() else {
            return Vec::new();
        };
        // One scrape at a time: counters are set by reset-then-add.
        let metrics = self
            .metrics
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let set = |counter: &IntCounter, value: u64| {
            counter.reset();
            counter.inc_by(value);
        };
        for (kind, count) in &snapshot.runs_by_outcome {
            set(&metrics.runs.with_label_values(&[kind.as_str()]), *count);
        }
        metrics
            .sandboxes_in_use
            .set(snapshot.sandboxes_in_use as i64);
        metrics
            .pool_capacity
            .set(snapshot.max_concurrent.map_or(0, i64::from));
        let bytecode = snapshot.bytecode_cache.unwrap_or_default();
        set(&metrics.bytecode_hits, bytecode.hits);
        set(&metrics.bytecode_misses, bytecode.misses);
        metrics.bytecode_entries.set(bytecode.entries as i64);
        set(&metrics.component_cache_hits, u64::from(cached));
        set(&metrics.component_cache_misses, u64::from(!cached));
        set(&metrics.permissions_denied, snapshot.permissions_denied);
        metrics
            .collectors()
            .iter()
            .flat_map(|c| c.collect())
            .collect()
    }
}
