//! `cargo bench --bench sandbox`: the foundation's figures, as a table.
//!
//! - fresh sandbox per run: a new store + instance running `1+1`;
//! - deadline overshoot: how long after a 50 ms deadline `while (true) {}`
//!   actually stops;
//! - runtime build: compiling the embedded guest with Cranelift.
//!
//! Each figure is measured `ROUNDS` times; the table shows the median of
//! the rounds and the spread between rounds, because this machine is noisy.

use std::time::{Duration, Instant};

use jsbox::{Limits, OutcomeKind, RunOptions, Runtime, Script};

const ROUNDS: usize = 5;

fn main() {
    // `cargo bench` passes `--bench`; any other argument filters nothing.
    let started = Instant::now();
    let runtime = Runtime::builder().build().expect("runtime builds");
    let first_build = started.elapsed();

    let mut rows = Vec::new();
    rows.push(row(
        "runtime build (compile guest)",
        "ms",
        (0..ROUNDS.min(3))
            .map(|_| {
                let t = Instant::now();
                drop(Runtime::builder().build().expect("runtime builds"));
                vec![t.elapsed().as_secs_f64() * 1e3]
            })
            .collect(),
    ));

    let one_plus_one = Script::new("bench.js", "1+1");
    let fresh: Vec<Vec<f64>> = (0..ROUNDS)
        .map(|_| {
            (0..400)
                .map(|_| {
                    let t = Instant::now();
                    let run = runtime.run(&one_plus_one, RunOptions::default());
                    let us = t.elapsed().as_secs_f64() * 1e6;
                    assert_eq!(run.outcome.kind(), OutcomeKind::Ok);
                    us
                })
                .collect()
        })
        .collect();
    rows.push(row("fresh sandbox + `1+1`", "µs", fresh));

    let spin = Script::new("spin.js", "while (true) {}");
    let timeout = Duration::from_millis(50);
    let options = RunOptions::default().with_limits(Limits::default().with_timeout(timeout));
    let overshoot: Vec<Vec<f64>> = (0..ROUNDS)
        .map(|_| {
            (0..100)
                .map(|_| {
                    let run = runtime.run(&spin, options.clone());
                    assert_eq!(run.outcome.kind(), OutcomeKind::Timeout);
                    (run.report.wall_us as f64 - timeout.as_micros() as f64) / 1e3
                })
                .collect()
        })
        .collect();
    rows.push(row("50 ms deadline overshoot", "ms", overshoot));

    println!(
        "first runtime build: {:.0} ms",
        first_build.as_secs_f64() * 1e3
    );
    println!(
        "{:<32} {:>4} {:>10} {:>10} {:>10} {:>16}",
        "figure", "unit", "p50", "p99", "max", "p50 range/rounds"
    );
    for r in rows {
        println!(
            "{:<32} {:>4} {:>10.3} {:>10.3} {:>10.3} {:>7.3}–{:<7.3}/{}",
            r.name, r.unit, r.p50, r.p99, r.max, r.p50_min, r.p50_max, r.rounds
        );
    }
}

struct Row {
    name: &'static str,
    unit: &'static str,
    /// Median over rounds of each round's median.
    p50: f64,
    /// Median over rounds of each round's 99th percentile.
    p99: f64,
    max: f64,
    p50_min: f64,
    p50_max: f64,
    rounds: usize,
}

fn row(name: &'static str, unit: &'static str, rounds: Vec<Vec<f64>>) -> Row {
    let mut p50s: Vec<f64> = rounds.iter().map(|r| percentile(r, 0.50)).collect();
    let mut p99s: Vec<f64> = rounds.iter().map(|r| percentile(r, 0.99)).collect();
    let max = rounds.iter().flatten().copied().fold(f64::MIN, f64::max);
    sort(&mut p50s);
    sort(&mut p99s);
    Row {
        name,
        unit,
        p50: p50s[p50s.len() / 2],
        p99: p99s[p99s.len() / 2],
        max,
        p50_min: p50s[0],
        p50_max: p50s[p50s.len() - 1],
        rounds: rounds.len(),
    }
}

fn percentile(samples: &[f64], q: f64) -> f64 {
    let mut sorted = samples.to_vec();
    sort(&mut sorted);
    let index = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[index]
}

fn sort(values: &mut [f64]) {
    values.sort_by(|a, b| a.total_cmp(b));
}
