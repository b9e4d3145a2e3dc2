//! The native QuickJS baseline of `cargo bench --bench sandbox`: QuickJS-ng
//! through rquickjs, the version the guest uses, compiled for the host and
//! run on `benches/peers/workloads.json` the way `benches/peers/bench.mjs`
//! runs its peers, so the sandbox bench can report jsbox's ratio to native
//! QuickJS in the same invocation.
//!
//! `jsbox-native-quickjs-bench WORKLOADS_JSON [--rounds N] [--quick]`
//! prints `{"native-quickjs": {workload: {p50_ms, p99_ms, rounds}}}`, the
//! format of `bench.mjs --json`. A `fresh_*` sample times a new runtime and
//! context, the evaluation and their disposal; any other sample times the
//! evaluation alone, in a fresh context.

use std::collections::BTreeMap;
use std::time::Instant;

use rquickjs::{Context, Runtime, Value};
use serde_json::{Value as Json, json};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: jsbox-native-quickjs-bench WORKLOADS_JSON [--rounds N] [--quick]");
        std::process::exit(2);
    };
    let quick = args.iter().any(|a| a == "--quick");
    let rounds: usize = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(3);
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    let workloads: BTreeMap<String, String> =
        serde_json::from_str(&text).unwrap_or_else(|e| fail(&format!("{path}: {e}")));

    let mut results = serde_json::Map::new();
    for (name, source) in &workloads {
        let fresh = name.starts_with("fresh_");
        let (warmup, samples) = match (fresh, quick) {
            (true, false) => (20, 500),
            (true, true) => (2, 50),
            (false, false) => (2, 10),
            (false, true) => (1, 2),
        };
        let per_round: Vec<(f64, f64)> = (0..rounds)
            .map(|_| {
                for _ in 0..warmup {
                    sample(source, fresh);
                }
                let mut times: Vec<f64> = (0..samples).map(|_| sample(source, fresh)).collect();
                times.sort_by(f64::total_cmp);
                (percentile(&times, 50.0), percentile(&times, 99.0))
            })
            .collect();
        let mut p50s: Vec<f64> = per_round.iter().map(|r| r.0).collect();
        let mut p99s: Vec<f64> = per_round.iter().map(|r| r.1).collect();
        p50s.sort_by(f64::total_cmp);
        p99s.sort_by(f64::total_cmp);
        let rounds_json: Vec<Json> = per_round
            .iter()
            .map(|(p50, p99)| json!({"p50_ms": p50, "p99_ms": p99, "samples": samples}))
            .collect();
        results.insert(
            name.clone(),
            json!({"p50_ms": median(&p50s), "p99_ms": median(&p99s), "rounds": rounds_json}),
        );
    }
    println!("{}", json!({ "native-quickjs": results }));
}

/// Milliseconds of one sample.
fn sample(source: &str, fresh: bool) -> f64 {
    let started = Instant::now();
    let runtime = Runtime::new().unwrap_or_else(|e| fail(&format!("new runtime: {e}")));
    let context = Context::full(&runtime).unwrap_or_else(|e| fail(&format!("new context: {e}")));
    let eval_started = Instant::now();
    context.with(|ctx| {
        if let Err(error) = ctx.eval::<Value, _>(source) {
            let thrown = ctx.catch();
            fail(&format!("the workload threw: {error}: {thrown:?}"));
        }
    });
    let eval_ms = eval_started.elapsed().as_secs_f64() * 1e3;
    drop(context);
    drop(runtime);
    if fresh {
        started.elapsed().as_secs_f64() * 1e3
    } else {
        eval_ms
    }
}

/// Nearest-rank percentile of ascending `sorted`, as `bench.mjs` computes it.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted[rank - 1]
}

fn median(sorted: &[f64]) -> f64 {
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

fn fail(message: &str) -> ! {
    eprintln!("jsbox-native-quickjs-bench: {message}");
    std::process::exit(1)
}
