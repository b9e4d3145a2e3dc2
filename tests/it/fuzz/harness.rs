//! The fuzz loop: a seeded byte stream per case, fed to a target through
//! `arbitrary::Unstructured`, with panics caught and every failing case's
//! seed printed so it can be replayed.
//!
//! - default (`cargo test`): a fixed base seed and a bounded number of
//!   cases per target, the same on every run;
//! - `JSBOX_FUZZ_SECONDS=N`: fresh seeds for N seconds per target;
//! - `JSBOX_FUZZ_SEED=S` (decimal or `0x` hex): exactly the case of seed S.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use arbitrary::Unstructured;

/// The base seed of the fixed pass CI runs.
const FIXED_SEED: u64 = 0x6a73_626f_7866_757a;

/// Seeds the long runs found failing, replayed first by the fixed pass so
/// each fixed finding stays fixed (`docs/fuzzing.md` tells their stories).
const FOUND: &[(&str, u64)] = &[
    ("grant_rules", 0x455d_c22e_46b0_594d),
    ("grant_rules", 0xc238_831a_a0e9_acf0),
    ("grant_deny_wins", 0xb4ce_a229_791d_9157),
    ("serve_http", 0xfd46_ca8a_a548_b5cc),
    ("typed_json", 0xbf97_2145_bb52_0569),
    ("typed_json", 0xb0b0_e6b8_375f_c9d6),
    ("typed_val", 0x2b60_8bb4_6837_4da3),
];

/// How many distinct failures one target collects before it stops.
const MAX_FAILURES: usize = 10;

enum Plan {
    Fixed { cases: u64 },
    Timed { until: Instant },
    Replay { seed: u64 },
}

fn plan(fixed_cases: u64) -> (Plan, u64) {
    if let Ok(seed) = std::env::var("JSBOX_FUZZ_SEED") {
        let seed = parse_seed(&seed).expect("JSBOX_FUZZ_SEED: a decimal or 0x-hex u64");
        return (Plan::Replay { seed }, seed);
    }
    if let Ok(seconds) = std::env::var("JSBOX_FUZZ_SECONDS") {
        let seconds: u64 = seconds
            .parse()
            .expect("JSBOX_FUZZ_SECONDS: a whole number of seconds");
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let base = splitmix64(nanos ^ u64::from(std::process::id()));
        let until = Instant::now() + Duration::from_secs(seconds);
        return (Plan::Timed { until }, base);
    }
    (Plan::Fixed { cases: fixed_cases }, FIXED_SEED)
}

fn parse_seed(text: &str) -> Option<u64> {
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// A well-mixed 64-bit value from `x` (so consecutive case numbers give
/// unrelated seeds).
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Runs `case` on seeded inputs of up to `max_len` bytes, `fixed_cases`
/// times in the default mode, and panics listing every failure with the
/// command that replays it. A case fails by returning `Err` or panicking.
pub fn fuzz(
    target: &str,
    fixed_cases: u64,
    max_len: usize,
    mut case: impl FnMut(&mut Unstructured<'_>) -> Result<(), String>,
) {
    let (plan, base) = plan(fixed_cases);
    let found: Vec<u64> = match plan {
        Plan::Fixed { .. } => FOUND
            .iter()
            .filter(|(name, _)| *name == target)
            .map(|(_, seed)| *seed)
            .collect(),
        _ => Vec::new(),
    };
    let started = Instant::now();
    let mut failures: Vec<(u64, String)> = Vec::new();
    let mut ran = 0u64;
    loop {
        let seed = match plan {
            Plan::Replay { seed } if ran == 0 => seed,
            Plan::Replay { .. } => break,
            Plan::Fixed { .. } if (ran as usize) < found.len() => found[ran as usize],
            Plan::Fixed { cases } if ran < cases + found.len() as u64 => {
                splitmix64(base.wrapping_add(ran - found.len() as u64))
            }
            Plan::Timed { until } if Instant::now() < until => splitmix64(base.wrapping_add(ran)),
            _ => break,
        };
        ran += 1;
        let mut rng = fastrand::Rng::with_seed(seed);
        let mut data = vec![0u8; rng.usize(0..=max_len)];
        rng.fill(&mut data);
        let result = catch_unwind(AssertUnwindSafe(|| case(&mut Unstructured::new(&data))));
        let failure = match result {
            Ok(Ok(())) => continue,
            Ok(Err(message)) => message,
            Err(panic) => format!("panicked: {}", panic_message(&*panic)),
        };
        let failure = shorten(failure);
        eprintln!("fuzz {target}: case seed {seed:#x} failed: {failure}");
        // Long runs keep going past a known failure to find others.
        if !failures.iter().any(|(_, known)| same_kind(known, &failure)) {
            failures.push((seed, failure));
        }
        if failures.len() >= MAX_FAILURES {
            break;
        }
    }
    println!(
        "fuzz {target}: {ran} cases in {:.1} s (base seed {base:#x}), {} distinct failures",
        started.elapsed().as_secs_f64(),
        failures.len()
    );
    if !failures.is_empty() {
        // The test harness names the thread after the test (`fuzz::…`).
        let test = std::thread::current()
            .name()
            .filter(|name| name.starts_with("fuzz::"))
            .unwrap_or(target)
            .to_owned();
        let list = failures
            .iter()
            .map(|(seed, message)| {
                format!(
                    "- seed {seed:#x}: {message}\n  replay: JSBOX_FUZZ_SEED={seed:#x} cargo test \
                     --test it {test} -- --nocapture"
                )
            })
            .collect::<Vec<_>>()
            .join("\n");
        panic!("fuzz target {target} failed:\n{list}");
    }
}

/// `message` cut to a readable length (inputs can be 100 kB), keeping its
/// start, which names the property and the input.
fn shorten(message: String) -> String {
    const KEEP: usize = 600;
    match message.char_indices().nth(KEEP) {
        Some((at, _)) => format!("{}… ({} bytes in all)", &message[..at], message.len()),
        None => message,
    }
}

/// Failures are the same kind when their first line matches up to the
/// first quote or digit (the varying input).
fn same_kind(a: &str, b: &str) -> bool {
    let key = |s: &str| -> String {
        s.lines()
            .next()
            .unwrap_or("")
            .chars()
            .take_while(|c| !c.is_ascii_digit() && !matches!(c, '"' | '\'' | '`'))
            .take(80)
            .collect()
    };
    key(a) == key(b)
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "a non-text panic".to_owned()
    }
}
