//! The server's Prometheus registry: the runtime's own metrics (see
//! `Runtime::register_metrics`) plus request-level ones.

use std::sync::Arc;

use jsbox::{Execution, OutcomeKind, Runtime};
use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{
    Histogram, HistogramOpts, IntCounter, IntCounterVec, IntGauge, Opts, Registry, TextEncoder,
};

use super::admission::Admission;

/// Request-level metrics.
pub struct ServeMetrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: Histogram,
    fuel: Histogram,
    peak_memory: Histogram,
    timeouts: IntCounter,
    rejected: IntCounterVec,
    aborted: IntCounter,
}

impl ServeMetrics {
    pub fn new(runtime: &Runtime, admission: Arc<Admission>) -> prometheus::Result<Self> {
        let registry = Registry::new();
        runtime.register_metrics(&registry)?;
        let metrics = ServeMetrics {
            requests: IntCounterVec::new(
                Opts::new(
                    "jsbox_http_requests_total",
                    "HTTP requests answered, by outcome kind and status code.",
                ),
                &["outcome", "status"],
            )?,
            latency: Histogram::with_opts(
                HistogramOpts::new(
                    "jsbox_http_request_duration_seconds",
                    "Time from receiving a request to the end of its sandbox run.",
                )
                .buckets(prometheus::exponential_buckets(0.000_25, 2.0, 14)?),
            )?,
            fuel: Histogram::with_opts(
                HistogramOpts::new("jsbox_http_request_fuel", "Fuel a request's run consumed.")
                    .buckets(prometheus::exponential_buckets(100_000.0, 4.0, 10)?),
            )?,
            peak_memory: Histogram::with_opts(
                HistogramOpts::new(
                    "jsbox_http_request_peak_memory_bytes",
                    "Largest linear memory a request's sandbox held.",
                )
                .buckets(prometheus::exponential_buckets(1_048_576.0, 2.0, 9)?),
            )?,
            timeouts: IntCounter::new(
                "jsbox_http_timeouts_total",
                "Requests whose run reached its deadline.",
            )?,
            rejected: IntCounterVec::new(
                Opts::new(
                    "jsbox_http_rejected_total",
                    "Requests refused before running: queue full, queue timeout, body too large, \
                     bad request.",
                ),
                &["reason"],
            )?,
            aborted: IntCounter::new(
                "jsbox_http_responses_aborted_total",
                "Streamed responses cut short because their run failed before the body ended.",
            )?,
            registry,
        };
        metrics
            .registry
            .register(Box::new(metrics.requests.clone()))?;
        metrics
            .registry
            .register(Box::new(metrics.latency.clone()))?;
        metrics.registry.register(Box::new(metrics.fuel.clone()))?;
        metrics
            .registry
            .register(Box::new(metrics.peak_memory.clone()))?;
        metrics
            .registry
            .register(Box::new(metrics.timeouts.clone()))?;
        metrics
            .registry
            .register(Box::new(metrics.rejected.clone()))?;
        metrics
            .registry
            .register(Box::new(metrics.aborted.clone()))?;
        metrics
            .registry
            .register(Box::new(AdmissionCollector::new(admission)?))?;
        Ok(metrics)
    }

    /// Accounts for a request that ran.
    pub fn record_run(&self, execution: &Execution, status: u16, seconds: f64) {
        let kind = execution.outcome.kind();
        self.requests
            .with_label_values(&[kind.as_str(), &status.to_string()])
            .inc();
        self.latency.observe(seconds);
        self.fuel.observe(execution.report.fuel_consumed as f64);
        self.peak_memory
            .observe(execution.report.peak_memory_bytes as f64);
        if kind == OutcomeKind::Timeout {
            self.timeouts.inc();
        }
    }

    /// Accounts for a request refused before running.
    pub fn record_rejected(&self, reason: &str, status: u16) {
        self.rejected.with_label_values(&[reason]).inc();
        self.requests
            .with_label_values(&["rejected", &status.to_string()])
            .inc();
    }

    /// Accounts for a streamed response cut short by its run's failure.
    pub fn record_aborted_response(&self) {
        self.aborted.inc();
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> String {
        TextEncoder::new()
            .encode_to_string(&self.registry.gather())
            .unwrap_or_else(|e| format!("# encoding the metrics failed: {e}\n"))
    }
}

/// Sandboxes in use and queue depth, read from [`Admission`] at scrape time.
struct AdmissionCollector {
    admission: Arc<Admission>,
    in_use: IntGauge,
    queue_depth: IntGauge,
    descs: Vec<Desc>,
}

impl AdmissionCollector {
    fn new(admission: Arc<Admission>) -> prometheus::Result<Self> {
        let in_use = IntGauge::new(
            "jsbox_http_slots_in_use",
            "Admission slots held by running requests.",
        )?;
        let queue_depth = IntGauge::new(
            "jsbox_http_queue_depth",
            "Requests waiting for an admission slot.",
        )?;
        let descs = in_use
            .desc()
            .into_iter()
            .chain(queue_depth.desc())
            .cloned()
            .collect();
        Ok(AdmissionCollector {
            admission,
            in_use,
            queue_depth,
            descs,
        })
    }
}

impl Collector for AdmissionCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.descs.iter().collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        self.in_use.set(self.admission.in_use() as i64);
        self.queue_depth.set(self.admission.queue_depth() as i64);
        let mut families = self.in_use.collect();
        families.extend(self.queue_depth.collect());
        families
    }
}
