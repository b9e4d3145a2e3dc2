//! What `fetch` costs the host: a run's requests share one worker thread
//! and its open bodies are capped (`Limits::max_open_fetches`), so a script
//! firing hundreds of requests at a server that never finishes its bodies
//! gets a clear error past the cap, the process's thread count stays
//! bounded while it runs and comes back to its baseline after. It runs in
//! a process of its own (`support::alone_in_process`), so no other test's
//! threads are counted.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use jsbox::{Grants, Limits, MemorySink, OutcomeKind, RunOptions, Runtime, Script};

use crate::support::{alone_in_process, runtime_builder};

/// The process's thread count, from `/proc/self/status`.
fn threads() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("Threads:"))
        .and_then(|count| count.trim().parse().ok())
        .unwrap()
}

/// A server on one thread that answers every request with a head
/// promising ten bytes and never sends them, keeping the sockets open.
fn start_stalling_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held: Vec<TcpStream> = Vec::new();
        for mut stream in listener.incoming().flatten() {
            let mut request = Vec::new();
            let mut byte = [0; 1];
            while !request.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
                request.push(byte[0]);
            }
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n");
            held.push(stream);
        }
    });
    port
}

/// Waits until the thread count holds still, and returns it.
fn settled_threads() -> usize {
    let started = Instant::now();
    let (mut last, mut same) = (threads(), 0);
    while same < 20 && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(25));
        let now = threads();
        same = if now == last { same + 1 } else { 0 };
        last = now;
    }
    last
}

fn run(
    runtime: &Runtime,
    port: u16,
    source: &str,
    max_open_fetches: u32,
) -> (OutcomeKind, Vec<String>) {
    let logs = Arc::new(MemorySink::new());
    let execution = runtime.run(
        &Script::module(
            "flood.mjs",
            format!("const BASE = 'http://127.0.0.1:{port}';\n{source}"),
        ),
        RunOptions::default()
            .with_log_sink(logs.clone())
            .with_grants(
                Grants::builder()
                    .allow_net([format!("127.0.0.1:{port}")])
                    .build()
                    .unwrap(),
            )
            .with_limits(Limits {
                timeout: Duration::from_secs(60),
                max_open_fetches,
                ..Limits::default()
            }),
    );
    (execution.outcome.kind(), logs.messages())
}

#[test]
fn a_flood_of_unread_fetches_is_capped_and_holds_no_thread_per_request() {
    // The process's thread count is this test's measure: no other test
    // may start or end threads while it runs.
    if !alone_in_process(
        "fetch::resources::a_flood_of_unread_fetches_is_capped_and_holds_no_thread_per_request",
    ) {
        return;
    }
    let port = start_stalling_server();
    let runtime = runtime_builder().build().unwrap();
    // Whatever the first runs start once per process is the baseline.
    let warm_up = "const r = await fetch(BASE + '/'); await r.body.cancel(); console.log('warm');";
    assert_eq!(run(&runtime, port, warm_up, 16).1, ["warm"]);
    let baseline = settled_threads();

    let peak = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, stop) = (peak.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(threads(), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    };
    let (outcome, logs) = run(
        &runtime,
        port,
        "let opened = 0, refused = 0, message = '';
         const kept = [];
         for (let i = 0; i < 500; i++) {
           try { kept.push(await fetch(BASE + '/slow')); opened++; }
           catch (e) { refused++; message = `${e.name}: ${e.message}`; }
         }
         console.log(opened, refused);
         console.log(message);",
        16,
    );
    stop.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    assert_eq!(outcome, OutcomeKind::Ok, "{logs:?}");
    assert_eq!(logs[0], "16 484");
    assert!(
        logs[1].starts_with("TypeError: fetch: this run already has 16 response bodies open")
            && logs[1].contains("--max-open-fetches"),
        "{}",
        logs[1]
    );
    // The sampler and the run's one worker; not one thread per request.
    let peak = peak.load(Ordering::Relaxed);
    assert!(
        peak <= baseline + 3,
        "peak {peak} threads, baseline {baseline}"
    );
    // Everything the run opened goes with it.
    assert!(
        settled_threads() <= baseline,
        "threads stayed above the baseline {baseline}"
    );
}
