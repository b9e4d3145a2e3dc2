//! The fast path: snapshot, pool, compiled-component cache and bytecode
//! cache. Each must be invisible to scripts (same behaviour as the slow
//! path) and recover from its own failure modes.

use std::sync::Arc;
use std::time::Duration;

use jsbox::{
    BytecodeCacheUse, ComponentSource, Limits, MemorySink, Outcome, OutcomeKind, RunOptions,
    Runtime, Script,
};

use crate::support::{runtime, runtime_builder};

fn output(runtime: &Runtime, source: &str) -> Vec<String> {
    let sink = Arc::new(MemorySink::new());
    let execution = runtime.run(
        &Script::new("probe.js", source),
        RunOptions::default().with_log_sink(sink.clone()),
    );
    assert!(execution.outcome.is_ok(), "{:?}", execution.outcome);
    sink.messages()
}

/// Describes the global environment a script starts in.
const PROBE: &str = r#"
console.log(Object.getOwnPropertyNames(globalThis).sort().join(','));
console.log(typeof console.log, typeof TextEncoder, typeof WeakRef, typeof Date.now());
console.log(Math.abs(Date.now() - context.deadlineMs) < 60000);
const r = Math.random(); console.log(r >= 0 && r < 1);
"#;

#[test]
fn a_snapshot_instance_behaves_like_a_fresh_one() {
    let plain = runtime_builder()
        .snapshot(false)
        .pooling(false)
        .bytecode_cache_entries(0)
        .build()
        .expect("runtime builds");
    assert_eq!(output(runtime(), PROBE), output(&plain, PROBE));
    assert_eq!(
        output(runtime(), PROBE)[2],
        "true",
        "Date is the run's, not the snapshot's"
    );
}

#[test]
fn math_random_is_reseeded_for_every_run() {
    let source = "console.log([Math.random(), Math.random(), Math.random()].join())";
    let runs: Vec<_> = (0..4).map(|_| output(runtime(), source)).collect();
    for (i, a) in runs.iter().enumerate() {
        for b in &runs[i + 1..] {
            assert_ne!(a, b, "two runs saw the same random sequence");
        }
    }
}

#[test]
fn a_script_run_twice_is_parsed_once() {
    let runtime = runtime_builder().build().expect("runtime builds");
    let script = Script::new(
        "twice.js",
        "let s = 0; for (let i = 0; i < 1000; i++) s += i; s",
    );
    let first = runtime.run(&script, RunOptions::default());
    let second = runtime.run(&script, RunOptions::default());
    assert_eq!(
        first.outcome,
        Outcome::Ok {
            value_json: Some("499500".into())
        }
    );
    assert_eq!(second.outcome, first.outcome);
    assert_eq!(first.report.bytecode_cache, BytecodeCacheUse::Miss);
    assert!(first.report.compile_fuel > 0);
    assert_eq!(second.report.bytecode_cache, BytecodeCacheUse::Hit);
    assert_eq!(second.report.compile_fuel, 0);
    assert_eq!(
        first.report.fuel_consumed, second.report.fuel_consumed,
        "parsing is not billed to the run"
    );
    let stats = runtime.bytecode_cache_stats().expect("cache on");
    assert_eq!((stats.hits, stats.misses, stats.entries), (1, 1, 1));
    assert!(stats.bytes > 0);

    // A different name is a different script: stack traces are in bytecode.
    let renamed = Script::new("other.js", script.source.clone());
    assert_eq!(
        runtime
            .run(&renamed, RunOptions::default())
            .report
            .bytecode_cache,
        BytecodeCacheUse::Miss
    );
}

#[test]
fn cached_bytecode_keeps_errors_positions_and_modules_working() {
    let runtime = runtime_builder().build().expect("runtime builds");
    for _ in 0..2 {
        let thrown = runtime.run(
            &Script::new("err.js", "\n\nthrow new RangeError('r')"),
            RunOptions::default(),
        );
        let error = thrown.outcome.js_error().expect("error").clone();
        assert_eq!(
            (error.name.as_str(), error.message.as_str()),
            ("RangeError", "r")
        );
        assert!(error.stack.unwrap().contains("err.js:3:"));

        let syntax = runtime.run(&Script::new("bad.js", "let = ;"), RunOptions::default());
        assert_eq!(syntax.outcome.kind(), OutcomeKind::SyntaxError);

        let sink = Arc::new(MemorySink::new());
        let module = runtime.run(
            &Script::module(
                "m.mjs",
                "const x = await Promise.resolve(2); console.log(x * 21)",
            ),
            RunOptions::default().with_log_sink(sink.clone()),
        );
        assert!(module.outcome.is_ok(), "{:?}", module.outcome);
        assert_eq!(sink.messages(), ["42"]);
    }
    // Syntax errors are not cached: both attempts compiled.
    let stats = runtime.bytecode_cache_stats().unwrap();
    assert_eq!((stats.hits, stats.misses), (2, 4));
}

#[test]
fn compiled_component_cache_survives_corruption() {
    let dir = tempfile::tempdir().unwrap();
    // Without the snapshot: the cache treats both kinds of artifact alike,
    // and this test compiles the guest six times.
    let build = || {
        Runtime::builder()
            .cache_dir(dir.path())
            .snapshot(false)
            .build()
            .expect("runtime builds")
    };
    let works = |runtime: &Runtime| {
        let run = runtime.run(
            &Script::new("a.js", "[1,2,3].length"),
            RunOptions::default(),
        );
        assert_eq!(
            run.outcome,
            Outcome::Ok {
                value_json: Some("3".into())
            }
        );
    };

    let first = build();
    assert!(matches!(
        first.component_source(),
        ComponentSource::Compiled {
            save_error: None,
            ..
        }
    ));
    works(&first);
    let second = build();
    let ComponentSource::Cached(path) = second.component_source().clone() else {
        panic!("expected a cache hit, got {:?}", second.component_source());
    };
    works(&second);

    let original = std::fs::read(&path).unwrap();
    let mut flipped = original.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x40;
    let damages: [(&str, Vec<u8>); 4] = [
        ("corrupted", flipped),
        ("truncated", original[..original.len() / 3].to_vec()),
        ("truncated", original[..20].to_vec()),
        (
            "bad magic",
            b"\x7fELF not ours at all, but long enough to hold a header........".repeat(4),
        ),
    ];
    for (expected, bytes) in damages {
        std::fs::write(&path, bytes).unwrap();
        let runtime = build();
        let ComponentSource::Compiled { reason, save_error } = runtime.component_source() else {
            panic!("damaged cache file was loaded");
        };
        assert!(reason.contains(expected), "{expected}: {reason}");
        assert_eq!(save_error, &None);
        works(&runtime);
        assert!(
            matches!(build().component_source(), ComponentSource::Cached(_)),
            "rewritten"
        );
    }
}

#[test]
fn an_unwritable_cache_dir_is_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let runtime = Runtime::builder()
        .cache_dir(&file)
        .snapshot(false)
        .build()
        .expect("runtime builds");
    let ComponentSource::Compiled {
        save_error: Some(error),
        ..
    } = runtime.component_source()
    else {
        panic!(
            "expected a save error, got {:?}",
            runtime.component_source()
        );
    };
    assert!(error.contains("not-a-dir"), "{error}");
}

#[test]
fn pool_exhaustion_is_a_classified_outcome() {
    let runtime = runtime_builder()
        .max_concurrent(1)
        .bytecode_cache_entries(0)
        .build()
        .expect("runtime builds");
    let busy = {
        let runtime = runtime.clone();
        std::thread::spawn(move || {
            let limits = Limits::default().with_timeout(Duration::from_millis(1500));
            runtime.run(
                &Script::new("busy.js", "while (true) {}"),
                RunOptions::default().with_limits(limits),
            )
        })
    };
    // Wait until the busy run holds the only slot.
    let mut overloaded = None;
    for _ in 0..100 {
        std::thread::sleep(Duration::from_millis(10));
        let run = runtime.run(&Script::new("a.js", "1"), RunOptions::default());
        if run.outcome.kind() == OutcomeKind::Overloaded {
            overloaded = Some(run.outcome);
            break;
        }
    }
    assert_eq!(overloaded, Some(Outcome::Overloaded { max_concurrent: 1 }));
    assert_eq!(busy.join().unwrap().outcome.kind(), OutcomeKind::Timeout);
    assert!(
        runtime
            .run(&Script::new("a.js", "1"), RunOptions::default())
            .outcome
            .is_ok(),
        "slot is free again"
    );
}

#[test]
fn memory_limits_above_the_pool_slot_are_lowered_to_it() {
    let runtime = runtime_builder()
        .max_memory_bytes(32 << 20)
        .build()
        .expect("runtime builds");
    let limits = Limits::default().with_memory_bytes(1 << 30);
    let run = runtime.run(
        &Script::new(
            "bomb.js",
            "const k = []; while (true) k.push(new Array(1e5).fill(1))",
        ),
        RunOptions::default().with_limits(limits),
    );
    assert_eq!(
        run.outcome,
        Outcome::MemoryLimit {
            limit_bytes: 32 << 20
        }
    );
}

#[test]
fn cpu_time_budgets_convert_to_fuel() {
    assert_eq!(
        Limits::fuel_for_cpu_time(Duration::from_millis(10)),
        10 * Limits::FUEL_PER_CPU_MS
    );
    let limits = Limits::default().with_cpu_time(Duration::from_millis(5));
    let run = runtime().run(
        &Script::new("spin.js", "for (;;) {}"),
        RunOptions::default().with_limits(limits),
    );
    assert_eq!(
        run.outcome,
        Outcome::CpuBudget {
            fuel: 5 * Limits::FUEL_PER_CPU_MS
        }
    );
}

#[test]
fn many_threads_share_one_runtime() {
    let threads: Vec<_> = (0..8)
        .map(|i| {
            std::thread::spawn(move || {
                for j in 0..10 {
                    // Half the scripts repeat (cache hits), half are new.
                    let source = format!(
                        "globalThis.n = (globalThis.n || 0) + 1; [{i} % 2, {}, n]",
                        j % 2
                    );
                    let run = runtime().run(&Script::new("t.js", source), RunOptions::default());
                    assert_eq!(
                        run.outcome,
                        Outcome::Ok {
                            value_json: Some(format!("[{},{},1]", i % 2, j % 2))
                        }
                    );
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("thread ran");
    }
}

#[test]
fn without_fuel_metering_runs_are_bounded_by_time_and_fuel_budgets_are_refused() {
    let runtime = runtime_builder()
        .fuel_metering(false)
        .build()
        .expect("runtime builds");
    let run = runtime.run(&Script::new("a.js", "6 * 7"), RunOptions::default());
    assert_eq!(
        run.outcome,
        Outcome::Ok {
            value_json: Some("42".into())
        }
    );
    assert_eq!(run.report.fuel_consumed, 0);
    let limits = Limits::default().with_timeout(Duration::from_millis(30));
    let spin = runtime.run(
        &Script::new("spin.js", "for (;;) {}"),
        RunOptions::default().with_limits(limits),
    );
    assert_eq!(spin.outcome.kind(), OutcomeKind::Timeout);
    let budget = runtime.run(
        &Script::new("a.js", "1"),
        RunOptions::default().with_limits(Limits::default().with_fuel(1000)),
    );
    let Outcome::Internal { message } = budget.outcome else {
        panic!("expected internal, got {:?}", budget.outcome);
    };
    assert!(message.contains("fuel metering off"), "{message}");
}

#[test]
fn metrics_count_runs_by_outcome_and_sandboxes_in_use() {
    let runtime = runtime_builder()
        .max_concurrent(4)
        .build()
        .expect("runtime builds");
    let limits = Limits::default().with_timeout(Duration::from_millis(300));
    let busy = {
        let runtime = runtime.clone();
        let limits = limits.clone();
        std::thread::spawn(move || {
            runtime.run(
                &Script::new("busy.js", "while (true) {}"),
                RunOptions::default().with_limits(limits),
            )
        })
    };
    let mut seen_in_use = 0;
    for _ in 0..100 {
        std::thread::sleep(Duration::from_millis(2));
        seen_in_use = seen_in_use.max(runtime.metrics().sandboxes_in_use);
        if seen_in_use > 0 {
            break;
        }
    }
    assert_eq!(seen_in_use, 1, "the busy run holds one sandbox");
    assert_eq!(busy.join().unwrap().outcome.kind(), OutcomeKind::Timeout);
    runtime.run(&Script::new("a.js", "1"), RunOptions::default());
    runtime.run(&Script::new("a.js", "1"), RunOptions::default());
    runtime.run(&Script::new("b.js", "let = ;"), RunOptions::default());

    let metrics = runtime.metrics();
    assert_eq!(metrics.runs(), 4);
    assert_eq!(metrics.runs_with(OutcomeKind::Ok), 2);
    assert_eq!(metrics.runs_with(OutcomeKind::Timeout), 1);
    assert_eq!(metrics.runs_with(OutcomeKind::SyntaxError), 1);
    assert_eq!(metrics.sandboxes_in_use, 0);
    assert_eq!(metrics.max_concurrent, Some(4));
    let cache = metrics.bytecode_cache.expect("cache on");
    assert_eq!((cache.hits, cache.misses), (1, 3));
}
