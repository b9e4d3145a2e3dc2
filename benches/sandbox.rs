//! `cargo bench --bench sandbox [-- --quick] [-- --no-peers]`: what a sandbox
//! costs, as one table.
//!
//! Every figure is measured in several rounds; the table shows the median
//! of the per-round medians (p50) and 99th percentiles (p99), and the spread
//! of the per-round medians, because this machine is noisy. Each row is
//! printed as soon as it is measured, and each section says first how long
//! it takes on the reference machine; the whole table is printed again at
//! the end. The JS sources of the workloads come from
//! `benches/peers/workloads.json`, the file the peer benchmark
//! (`benches/peers/bench.mjs`) and the native QuickJS baseline
//! (`benches/native/`, the guest's QuickJS-ng compiled for the host) run
//! too, and both run in the same invocation (the peers when `npm ci` has
//! been run in `benches/peers`), so the ratios compare like with like.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use jsbox::{HttpRequest, Limits, OutcomeKind, RunOptions, Runtime, RuntimeBuilder, Script};

const WORKLOADS: &str = include_str!("peers/workloads.json");

struct Settings {
    rounds: usize,
    /// Divides every sample count (for a quick smoke run).
    scale: usize,
    peers: bool,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    let settings = Settings {
        rounds: if quick { 2 } else { 5 },
        scale: if quick { 10 } else { 1 },
        peers: !args.iter().any(|a| a == "--no-peers"),
    };
    let workloads: BTreeMap<String, String> = serde_json::from_str(WORKLOADS)
        .expect("benches/peers/workloads.json is a JSON object of strings");
    let mut table = Table::default();
    println!(
        "{} rounds per figure; each section says first how long it takes on the reference machine (2 cores, idle)",
        settings.rounds
    );
    table.print_header();

    startup(&mut table, &settings);
    let full = Runtime::builder().build().expect("runtime builds");
    fresh_sandboxes(&mut table, &settings, &workloads, &full);
    fetch_handler(&mut table, &settings, &full);
    throughput(&mut table, &settings, &workloads, &full);
    let fuel_per_ms = workload_costs(&mut table, &settings, &workloads);
    deadline_overshoot(&mut table, &settings, &full);
    resident_memory(&mut table, &full);

    println!("\nall figures:");
    table.print_header();
    table.print_rows();
    println!(
        "\ncalibration: {fuel_per_ms:.0} fuel per CPU ms (median of the CPU, JSON and string workloads' rates);"
    );
    println!("  Limits::FUEL_PER_CPU_MS = {}", Limits::FUEL_PER_CPU_MS);
    if settings.peers {
        peers(&table, &settings);
    }
}

/// Compiling the guest (with and without its snapshot) against loading the
/// compiled artifact from the disk cache.
fn startup(table: &mut Table, settings: &Settings) {
    // About 4 s to compile, 8 s to snapshot and compile.
    section(
        "startup: compiling the guest, and loading it from the cache",
        settings.rounds.min(3) as f64 * 12.0,
    );
    let cache = tempfile::tempdir().expect("temp dir");
    let build = |builder: RuntimeBuilder| {
        let started = Instant::now();
        drop(builder.build().expect("runtime builds"));
        started.elapsed().as_secs_f64() * 1e3
    };
    let rounds = settings.rounds.min(3);
    let compile: Vec<Vec<f64>> = (0..rounds)
        .map(|_| vec![build(Runtime::builder().snapshot(false))])
        .collect();
    table.add("build: compile guest", "ms", compile);
    let snapshot: Vec<Vec<f64>> = (0..rounds)
        .map(|_| vec![build(Runtime::builder())])
        .collect();
    table.add("build: snapshot + compile guest", "ms", snapshot);
    build(Runtime::builder().cache_dir(cache.path()));
    let cached: Vec<Vec<f64>> = (0..settings.rounds)
        .map(|_| {
            (0..5)
                .map(|_| build(Runtime::builder().cache_dir(cache.path())))
                .collect()
        })
        .collect();
    table.add("build: load cached artifact", "ms", cached);
}

/// A fresh sandbox per run, with each part of the fast path turned off in
/// turn to show what it buys.
fn fresh_sandboxes(
    table: &mut Table,
    settings: &Settings,
    workloads: &BTreeMap<String, String>,
    full: &Runtime,
) {
    // Eight rows of 2000 samples a round and one of 500: a run without the
    // snapshot initializes the whole runtime (about 40 ms, three of the
    // rows), the others take well under a millisecond.
    section(
        "fresh sandboxes, with each part of the fast path off in turn",
        samples(settings, 2000) * 81e-3 + samples(settings, 500) * 40e-3,
    );
    let variants: [(&str, Option<Runtime>); 4] = [
        ("snapshot+pool+bytecode", None),
        (
            "no bytecode cache",
            Some(
                Runtime::builder()
                    .bytecode_cache_entries(0)
                    .build()
                    .unwrap(),
            ),
        ),
        (
            "no snapshot",
            Some(Runtime::builder().snapshot(false).build().unwrap()),
        ),
        (
            "no pooling",
            Some(Runtime::builder().pooling(false).build().unwrap()),
        ),
    ];
    for name in ["fresh_1plus1", "fresh_json_handler"] {
        let script = Script::new("handler.js", workloads[name].clone());
        for (variant, runtime) in &variants {
            let runtime = runtime.as_ref().unwrap_or(full);
            let samples = time_runs(runtime, &script, settings, 2000);
            table.add_named(format!("{name} [{variant}]"), "µs", samples);
        }
    }
    let plain = Runtime::builder()
        .snapshot(false)
        .pooling(false)
        .bytecode_cache_entries(0)
        .build()
        .unwrap();
    let script = Script::new("handler.js", workloads["fresh_1plus1"].clone());
    table.add(
        "fresh_1plus1 [none of them]",
        "µs",
        time_runs(&plain, &script, settings, 500),
    );
}

/// Microseconds per `Runtime::handle` of the small JSON fetch handler that
/// `benches/serve.sh` serves over HTTP: the in-process cost of a request.
fn fetch_handler(table: &mut Table, settings: &Settings, full: &Runtime) {
    section(
        "the fetch handler through Runtime::handle",
        samples(settings, 2000) * 0.25e-3,
    );
    let entry = Script::module("handler.mjs", include_str!("serve/handler.mjs"));
    let request = || HttpRequest {
        method: "GET".to_owned(),
        url: "http://127.0.0.1:8080/bench".to_owned(),
        headers: vec![("host".to_owned(), "127.0.0.1:8080".to_owned())],
        body: Vec::new().into(),
    };
    let handle = || {
        let run = full.handle(
            &entry,
            request(),
            &[],
            RunOptions::default(),
            Box::new(drop),
        );
        assert_eq!(run.outcome.kind(), OutcomeKind::Ok, "{:?}", run.outcome);
    };
    for _ in 0..50 {
        handle();
    }
    let rounds = (0..settings.rounds)
        .map(|_| {
            (0..2000 / settings.scale)
                .map(|_| {
                    let started = Instant::now();
                    handle();
                    started.elapsed().as_secs_f64() * 1e6
                })
                .collect()
        })
        .collect();
    table.add("fresh fetch handler [Runtime::handle]", "µs", rounds);
}

/// Microseconds per `runtime.run`, `per_round` samples in each round.
fn time_runs(
    runtime: &Runtime,
    script: &Script,
    settings: &Settings,
    per_round: usize,
) -> Vec<Vec<f64>> {
    for _ in 0..50 {
        runtime.run(script, RunOptions::default());
    }
    (0..settings.rounds)
        .map(|_| {
            (0..per_round / settings.scale)
                .map(|_| {
                    let started = Instant::now();
                    let run = runtime.run(script, RunOptions::default());
                    let us = started.elapsed().as_secs_f64() * 1e6;
                    assert_eq!(run.outcome.kind(), OutcomeKind::Ok, "{:?}", run.outcome);
                    us
                })
                .collect()
        })
        .collect()
}

/// Runs per second of the small JSON handler from one and from two threads.
fn throughput(
    table: &mut Table,
    settings: &Settings,
    workloads: &BTreeMap<String, String>,
    full: &Runtime,
) {
    section(
        "throughput of the JSON handler",
        samples(settings, 4000) * 0.25e-3,
    );
    let script = Script::new("handler.js", workloads["fresh_json_handler"].clone());
    for threads in [1, 2] {
        let per_thread = 4000 / settings.scale;
        let rounds: Vec<Vec<f64>> = (0..settings.rounds)
            .map(|_| {
                let barrier = Arc::new(Barrier::new(threads));
                let started = Instant::now();
                let handles: Vec<_> = (0..threads)
                    .map(|_| {
                        let (runtime, script, barrier) =
                            (full.clone(), script.clone(), barrier.clone());
                        std::thread::spawn(move || {
                            barrier.wait();
                            for _ in 0..per_thread {
                                runtime.run(&script, RunOptions::default());
                            }
                        })
                    })
                    .collect();
                for handle in handles {
                    handle.join().expect("bench thread");
                }
                vec![(threads * per_thread) as f64 / started.elapsed().as_secs_f64()]
            })
            .collect();
        table.add_named(
            format!("json handler throughput, {threads} thread(s)"),
            "runs/s",
            rounds,
        );
    }
}

/// The heavy workloads with fuel metering on and off (wall time, as the
/// peers are timed); returns the measured fuel per millisecond of the
/// running thread's CPU time (the calibration of `Limits::FUEL_PER_CPU_MS`).
fn workload_costs(
    table: &mut Table,
    settings: &Settings,
    workloads: &BTreeMap<String, String>,
) -> f64 {
    // One sample of each workload, fuel on and off: about 1.3 s in all.
    section(
        "the CPU, JSON and string workloads, fuel on and off",
        (settings.rounds * (10 / settings.scale).max(2)) as f64 * 1.3,
    );
    let metered = Runtime::builder().build().unwrap();
    let unmetered = Runtime::builder().fuel_metering(false).build().unwrap();
    let options =
        RunOptions::default().with_limits(Limits::default().with_timeout(Duration::from_secs(60)));
    let mut medians = Vec::new();
    for name in ["cpu_loop", "json", "string"] {
        let mut rates = Vec::new();
        let script = Script::new("workload.js", workloads[name].clone());
        for (label, runtime) in [("fuel on", &metered), ("fuel off", &unmetered)] {
            let mut samples = Vec::new();
            for _ in 0..settings.rounds {
                let round: Vec<f64> = (0..(10 / settings.scale).max(2))
                    .map(|_| {
                        let cpu_before = thread_cpu_ms();
                        let run = runtime.run(&script, options.clone());
                        let cpu_ms = thread_cpu_ms() - cpu_before;
                        assert_eq!(run.outcome.kind(), OutcomeKind::Ok, "{:?}", run.outcome);
                        if run.report.fuel_consumed > 0 {
                            rates.push(run.report.fuel_consumed as f64 / cpu_ms);
                        }
                        run.report.wall_us as f64 / 1e3
                    })
                    .collect();
                samples.push(round);
            }
            table.add_named(format!("{name} [{label}]"), "ms", samples);
        }
        let rate = percentile(&rates, 0.5);
        println!("calibration: {name}: {rate:.0} fuel per CPU ms");
        medians.push(rate);
    }
    percentile(&medians, 0.5)
}

/// CPU time of the calling thread, in ms: the guest runs on the thread that
/// calls `Runtime::run`, so this is the run's CPU time, which other work on
/// a shared machine inflates far less than the wall clock.
fn thread_cpu_ms() -> f64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec to write to, and
    // CLOCK_THREAD_CPUTIME_ID is supported on every Linux.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(status, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    now.tv_sec as f64 * 1e3 + now.tv_nsec as f64 / 1e6
}

/// How long after a 50 ms deadline `while (true) {}` stops.
fn deadline_overshoot(table: &mut Table, settings: &Settings, full: &Runtime) {
    section(
        "deadline overshoot",
        (settings.rounds.min(3) * (100 / settings.scale).max(5)) as f64 * 0.05,
    );
    let spin = Script::new("spin.js", "while (true) {}");
    let timeout = Duration::from_millis(50);
    let options = RunOptions::default().with_limits(Limits::default().with_timeout(timeout));
    let rounds: Vec<Vec<f64>> = (0..settings.rounds.min(3))
        .map(|_| {
            (0..(100 / settings.scale).max(5))
                .map(|_| {
                    let run = full.run(&spin, options.clone());
                    assert_eq!(run.outcome.kind(), OutcomeKind::Timeout);
                    (run.report.wall_us as f64 - timeout.as_micros() as f64) / 1e3
                })
                .collect()
        })
        .collect();
    table.add("50 ms deadline overshoot", "ms", rounds);
}

/// Resident memory added per sandbox alive at once: 32 threads each hold a
/// sandbox that ran the JSON handler and then waits 300 ms.
fn resident_memory(table: &mut Table, full: &Runtime) {
    println!("-- resident memory per sandbox (about 1 s)");
    const SANDBOXES: usize = 32;
    let source = "const items = []; for (let i = 0; i < 10; i++) items.push({id: i}); \
                  JSON.stringify(items); const end = Date.now() + 300; while (Date.now() < end) {}";
    let script = Script::new("hold.js", source);
    let before = rss_bytes();
    let barrier = Arc::new(Barrier::new(SANDBOXES + 1));
    let handles: Vec<_> = (0..SANDBOXES)
        .map(|_| {
            let (runtime, script, barrier) = (full.clone(), script.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                runtime.run(&script, RunOptions::default())
            })
        })
        .collect();
    barrier.wait();
    std::thread::sleep(Duration::from_millis(150));
    let during = rss_bytes();
    for handle in handles {
        assert_eq!(handle.join().unwrap().outcome.kind(), OutcomeKind::Ok);
    }
    let per_sandbox_kib = during.saturating_sub(before) as f64 / SANDBOXES as f64 / 1024.0;
    table.add(
        "resident memory per live sandbox",
        "KiB",
        vec![vec![per_sandbox_kib]],
    );
}

/// Announces a section and how long it takes on the reference machine.
fn section(name: &str, secs: f64) {
    println!("-- {name} (about {:.0} s)", secs.max(1.0));
}

/// Samples taken in all rounds of a figure with `per_round` samples a round.
fn samples(settings: &Settings, per_round: usize) -> f64 {
    (settings.rounds * (per_round / settings.scale)) as f64
}

fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Runs the native QuickJS baseline and the peer benchmark in node, and
/// prints jsbox / peer ratios.
fn peers(table: &Table, settings: &Settings) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rounds = settings.rounds.min(3).to_string();
    let mut peers = serde_json::Map::new();
    println!("\n-- native QuickJS (benches/native; its first build takes about 2 minutes)");
    let mut native = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    native
        .current_dir(root)
        .args(["run", "--quiet", "--release", "--locked", "--manifest-path"])
        .arg(root.join("benches/native/Cargo.toml"))
        .arg("--target-dir")
        .arg(native_target_dir(root))
        .arg("--")
        .arg(root.join("benches/peers/workloads.json"))
        .args(["--rounds", &rounds]);
    if settings.scale > 1 {
        native.arg("--quick");
    }
    peers.extend(peer_results("native QuickJS", &mut native));
    if !root.join("benches/peers/node_modules").exists() {
        println!(
            "peers: skipped (run `npm ci` in benches/peers to compare with quickjs-emscripten, isolated-vm, node:vm)"
        );
    } else {
        println!("-- peers in node (about 2 minutes)");
        let mut node = Command::new("node");
        node.current_dir(root.join("benches/peers")).args([
            "bench.mjs",
            "--json",
            "--rounds",
            &rounds,
        ]);
        if settings.scale > 1 {
            node.arg("--quick");
        }
        peers.extend(peer_results("node", &mut node));
    }
    let ours: [(&str, &str, f64); 5] = [
        (
            "fresh_1plus1",
            "fresh_1plus1 [snapshot+pool+bytecode]",
            1e-3,
        ),
        (
            "fresh_json_handler",
            "fresh_json_handler [snapshot+pool+bytecode]",
            1e-3,
        ),
        ("cpu_loop", "cpu_loop [fuel on]", 1.0),
        ("json", "json [fuel on]", 1.0),
        ("string", "string [fuel on]", 1.0),
    ];
    println!(
        "\n{:<20} {:>11} {:>11} {:>9}  peer",
        "workload", "jsbox p50", "peer p50", "ratio"
    );
    for (workload, row, to_ms) in ours {
        let Some(jsbox_ms) = table.p50(row).map(|v| v * to_ms) else {
            continue;
        };
        for (peer, results) in &peers {
            if let Some(peer_ms) = results[workload]["p50_ms"].as_f64() {
                println!(
                    "{workload:<20} {jsbox_ms:>9.4}ms {peer_ms:>9.4}ms {:>8.2}×  {peer}",
                    jsbox_ms / peer_ms
                );
            }
        }
    }
    println!("(ratio = jsbox time / peer time: below 1 means jsbox is faster)");
}

/// Where the native baseline is built: beside the bench's own profiles.
fn native_target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("native-quickjs")
}

/// Runs a peer command that prints `{peer: {workload: {p50_ms, ...}}}`;
/// says why and returns nothing when it cannot.
fn peer_results(what: &str, command: &mut Command) -> serde_json::Map<String, serde_json::Value> {
    let output = match command.output() {
        Ok(output) if output.status.success() => output,
        Ok(output) => {
            println!(
                "{what}: failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            return serde_json::Map::new();
        }
        Err(error) => {
            println!("{what}: cannot run: {error}");
            return serde_json::Map::new();
        }
    };
    match serde_json::from_slice(&output.stdout) {
        Ok(serde_json::Value::Object(results)) => results,
        Ok(_) | Err(_) => {
            println!("{what}: unreadable output");
            serde_json::Map::new()
        }
    }
}

#[derive(Default)]
struct Table {
    rows: Vec<Row>,
}

struct Row {
    name: String,
    unit: &'static str,
    p50: f64,
    p99: f64,
    spread_pct: f64,
    rounds: usize,
}

impl Table {
    fn add(&mut self, name: &str, unit: &'static str, rounds: Vec<Vec<f64>>) {
        self.add_named(name.to_owned(), unit, rounds);
    }

    fn add_named(&mut self, name: String, unit: &'static str, rounds: Vec<Vec<f64>>) {
        let p50s: Vec<f64> = rounds.iter().map(|r| percentile(r, 0.50)).collect();
        let p99s: Vec<f64> = rounds.iter().map(|r| percentile(r, 0.99)).collect();
        let p50 = percentile(&p50s, 0.5);
        let (min, max) = p50s
            .iter()
            .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
        let row = Row {
            name,
            unit,
            p50,
            p99: percentile(&p99s, 0.5),
            spread_pct: if p50 > 0.0 {
                (max - min) / p50 * 100.0
            } else {
                0.0
            },
            rounds: rounds.len(),
        };
        row.print();
        self.rows.push(row);
    }

    fn p50(&self, name: &str) -> Option<f64> {
        self.rows.iter().find(|r| r.name == name).map(|r| r.p50)
    }

    fn print_header(&self) {
        println!(
            "{:<50} {:>7} {:>11} {:>11} {:>8} {:>6}",
            "figure", "unit", "p50", "p99", "spread", "rounds"
        );
    }

    fn print_rows(&self) {
        for row in &self.rows {
            row.print();
        }
        println!(
            "(p50/p99: medians over rounds of each round's percentile; spread: (max-min)/median of the round medians)"
        );
    }
}

impl Row {
    fn print(&self) {
        println!(
            "{:<50} {:>7} {:>11.3} {:>11.3} {:>7.1}% {:>6}",
            self.name, self.unit, self.p50, self.p99, self.spread_pct, self.rounds
        );
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
