//! `cargo bench --bench handle [-- OPTIONS]`: the in-process cost of one
//! `jsbox serve` request, that is one [`Runtime::handle`] of the small JSON
//! handler `benches/serve.sh` serves (`benches/serve/handler.mjs`) in a
//! fresh sandbox, next to the floors it is made of.
//!
//! Rows:
//! - `fresh 1+1 [Runtime::run]`: a fresh instance running the smallest
//!   script: the cost of starting a sandbox;
//! - `empty handler`: `Runtime::handle` of a handler that returns
//!   `new Response('')` without looking at the request: the fresh start
//!   plus the HTTP plumbing (request object, dispatch, response);
//! - `bench handler`: the benchmark's handler, which also builds a small
//!   JSON body and parses the request's URL;
//! - `... [prepared]`: the same from the entry's snapshot
//!   (`Runtime::prepare_handler`, what `jsbox serve` does by default): the
//!   entry is not evaluated per request;
//! - `importing handler`: a handler importing a 21 KB module of 200
//!   exported functions, per request and prepared;
//! - `bench handler [prepared], 2 threads`: requests per second with both
//!   cores busy.
//!
//! Every row is measured in several rounds and shows the median of the
//! per-round medians, the median of the per-round 99th percentiles and the
//! spread of the per-round medians (this machine is shared and noisy); and
//! the thread's CPU time per request (median over rounds), which waiting
//! for a core does not inflate. Fuel per request is deterministic, so it
//! shows guest work without the noise.
//!
//! Options: `--rounds N` (default 5), `--iterations N` per round (default
//! 2000), `--only ROW-PREFIX` (for `perf record`: runs one row).

use std::sync::{Arc, Barrier};
use std::time::Instant;

use jsbox::{Execution, HttpRequest, OutcomeKind, PreparedHandler, RunOptions, Runtime, Script};

const EMPTY_HANDLER: &str = "export default { fetch() { return new Response(''); } };";
const IMPORTING_HANDLER: &str = "import { f1 } from './lib.mjs';
export default { fetch() { return Response.json({ value: f1(1, 2) }); } };";

/// The module the importing handler imports: 200 small exported functions.
fn library() -> String {
    (0..200)
        .map(|i| {
            format!(
                "export function f{i}(a, b) {{ const x = {{ k: a, v: b, n: {i} }}; \
                 return x.k + x.v * {i} + String(x.n).length; }}\n"
            )
        })
        .collect()
}

struct Settings {
    rounds: usize,
    iterations: usize,
    only: Option<String>,
}

impl Settings {
    fn from_args() -> Self {
        let mut settings = Settings {
            rounds: 5,
            iterations: 2000,
            only: None,
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            let mut value = |name: &str| {
                args.next()
                    .unwrap_or_else(|| panic!("{name} needs a value"))
            };
            match arg.as_str() {
                "--rounds" => settings.rounds = value("--rounds").parse().expect("--rounds N"),
                "--iterations" => {
                    settings.iterations = value("--iterations").parse().expect("--iterations N")
                }
                "--only" => settings.only = Some(value("--only")),
                // `cargo bench` passes `--bench` to every bench target.
                _ => {}
            }
        }
        settings
    }

    fn wants(&self, row: &str) -> bool {
        self.only
            .as_deref()
            .is_none_or(|only| row.starts_with(only))
    }
}

fn main() {
    let settings = Settings::from_args();
    let runtime = Runtime::builder().build().expect("runtime builds");
    let mut rows = Vec::new();

    let one_plus_one = Script::new("fresh.js", "1+1");
    let row = "fresh 1+1 [Runtime::run]";
    if settings.wants(row) {
        rows.push(measure(row, &settings, || {
            runtime.run(&one_plus_one, RunOptions::default())
        }));
    }
    let root = tempfile::tempdir().expect("a temporary module root");
    std::fs::write(root.path().join("lib.mjs"), library()).expect("write lib.mjs");
    let importing = RunOptions::default().with_module_root(root.path());
    let bench = Script::module("handler.mjs", include_str!("serve/handler.mjs"));
    let importer = Script::module("importing.mjs", IMPORTING_HANDLER);
    for (row, entry, options, prepared) in [
        (
            "empty handler [Runtime::handle]",
            Script::module("empty.mjs", EMPTY_HANDLER),
            RunOptions::default(),
            false,
        ),
        (
            "bench handler [Runtime::handle]",
            bench.clone(),
            RunOptions::default(),
            false,
        ),
        (
            "bench handler [prepared]",
            bench.clone(),
            RunOptions::default(),
            true,
        ),
        (
            "importing handler [Runtime::handle]",
            importer.clone(),
            importing.clone(),
            false,
        ),
        ("importing handler [prepared]", importer, importing, true),
    ] {
        if !settings.wants(row) {
            continue;
        }
        rows.push(if prepared {
            let handler = prepare(&runtime, &entry, &options);
            measure(row, &settings, || {
                handle_prepared(&runtime, &handler, options.clone())
            })
        } else {
            measure(row, &settings, || handle(&runtime, &entry, options.clone()))
        });
    }
    let row = "bench handler [prepared], 2 threads";
    let throughput = settings.wants(row).then(|| {
        let handler = Arc::new(prepare(&runtime, &bench, &RunOptions::default()));
        two_threads(&runtime, &handler, &settings)
    });

    println!(
        "{:<38} {:>9} {:>9} {:>8} {:>9} {:>9} {:>10}",
        "row", "p50 µs", "p99 µs", "spread", "cpu µs", "fuel", "peak KiB"
    );
    for row in &rows {
        println!(
            "{:<38} {:>9.1} {:>9.1} {:>7.1}% {:>9.1} {:>9} {:>10}",
            row.name,
            row.p50,
            row.p99,
            row.spread_pct,
            row.cpu_us,
            row.fuel,
            row.peak_memory_bytes / 1024
        );
    }
    if let Some((p50, spread)) = throughput {
        println!("{row:<38} {p50:>9.0} req/s (spread {spread:.1}%)");
    }
    println!(
        "({} rounds of {} requests; p50/p99: median over rounds of each round's percentile; \
         spread: (max-min)/median of the round medians)",
        settings.rounds, settings.iterations
    );
}

/// What `benches/serve.sh`'s wrk sends: a GET with a `Host` header.
fn request() -> HttpRequest {
    HttpRequest {
        method: "GET".to_owned(),
        url: "http://127.0.0.1:18080/bench".to_owned(),
        headers: vec![("host".to_owned(), "127.0.0.1:18080".to_owned())],
        ..HttpRequest::default()
    }
}

fn handle(runtime: &Runtime, entry: &Script, options: RunOptions) -> Execution {
    runtime.handle(entry, request(), &[], options, Box::new(drop))
}

fn prepare(runtime: &Runtime, entry: &Script, options: &RunOptions) -> PreparedHandler {
    runtime
        .prepare_handler(entry, options)
        .unwrap_or_else(|outcome| panic!("{} does not prepare: {outcome}", entry.name))
}

fn handle_prepared(runtime: &Runtime, handler: &PreparedHandler, options: RunOptions) -> Execution {
    runtime.handle_prepared(handler, request(), &[], options, Box::new(drop))
}

struct Row {
    name: &'static str,
    p50: f64,
    p99: f64,
    spread_pct: f64,
    /// Thread CPU time per request.
    cpu_us: f64,
    fuel: u64,
    peak_memory_bytes: u64,
}

fn measure(name: &'static str, settings: &Settings, run: impl Fn() -> Execution) -> Row {
    let mut last = None;
    for _ in 0..50 {
        last = Some(checked(run()));
    }
    let last = last.expect("warmed up");
    let mut cpu = Vec::new();
    let rounds: Vec<Vec<f64>> = (0..settings.rounds)
        .map(|_| {
            let cpu_started = thread_cpu_us();
            let round = (0..settings.iterations)
                .map(|_| {
                    let started = Instant::now();
                    checked(run());
                    started.elapsed().as_secs_f64() * 1e6
                })
                .collect();
            cpu.push((thread_cpu_us() - cpu_started) / settings.iterations as f64);
            round
        })
        .collect();
    let p50s: Vec<f64> = rounds.iter().map(|r| percentile(r, 0.5)).collect();
    let p99s: Vec<f64> = rounds.iter().map(|r| percentile(r, 0.99)).collect();
    let p50 = percentile(&p50s, 0.5);
    Row {
        name,
        p50,
        p99: percentile(&p99s, 0.5),
        spread_pct: spread(&p50s, p50),
        cpu_us: percentile(&cpu, 0.5),
        fuel: last.report.fuel_consumed,
        peak_memory_bytes: last.report.peak_memory_bytes,
    }
}

/// The calling thread's CPU time (user and system), in microseconds.
fn thread_cpu_us() -> f64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec for the call's duration.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(status, 0, "CLOCK_THREAD_CPUTIME_ID is available on Linux");
    now.tv_sec as f64 * 1e6 + now.tv_nsec as f64 / 1e3
}

fn checked(execution: Execution) -> Execution {
    assert_eq!(
        execution.outcome.kind(),
        OutcomeKind::Ok,
        "{:?}",
        execution.outcome
    );
    execution
}

/// Requests per second of `handler` from two threads: the median over
/// rounds, and the rounds' spread.
fn two_threads(
    runtime: &Runtime,
    handler: &Arc<PreparedHandler>,
    settings: &Settings,
) -> (f64, f64) {
    let per_thread = settings.iterations;
    let rates: Vec<f64> = (0..settings.rounds)
        .map(|_| {
            let barrier = Arc::new(Barrier::new(2));
            let started = Instant::now();
            let threads: Vec<_> = (0..2)
                .map(|_| {
                    let (runtime, handler, barrier) =
                        (runtime.clone(), handler.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        for _ in 0..per_thread {
                            checked(handle_prepared(&runtime, &handler, RunOptions::default()));
                        }
                    })
                })
                .collect();
            for thread in threads {
                thread.join().expect("bench thread");
            }
            (2 * per_thread) as f64 / started.elapsed().as_secs_f64()
        })
        .collect();
    let p50 = percentile(&rates, 0.5);
    (p50, spread(&rates, p50))
}

fn spread(values: &[f64], median: f64) -> f64 {
    let (min, max) = values
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    if median > 0.0 {
        (max - min) / median * 100.0
    } else {
        0.0
    }
}

fn percentile(samples: &[f64], q: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}
