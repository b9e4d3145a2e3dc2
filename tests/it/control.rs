//! The caller's control over a run: cancellation (a token, or dropping the
//! async form's future) and the cap on host calls.

use std::sync::Arc;
use std::thread;
use std::time::Duration;

use jsbox::{
    CancelToken, Execution, Limits, MemorySink, Outcome, OutcomeKind, RunOptions, Script,
    SourceKind,
};

use crate::support::{runtime, runtime_builder};

/// Limits long enough that only cancellation can explain a stop.
fn patient() -> Limits {
    Limits::default().with_timeout(Duration::from_secs(120))
}

/// Runs `script` and cancels it from another thread after `delay`.
fn run_and_cancel(script: Script, delay: Duration) -> Execution {
    let token = CancelToken::new();
    let canceller = token.clone();
    let cancelling = thread::spawn(move || {
        thread::sleep(delay);
        canceller.cancel();
    });
    let execution = runtime().run(
        &script,
        RunOptions::default()
            .with_limits(patient())
            .with_cancel_token(token),
    );
    cancelling.join().expect("canceller thread");
    execution
}

#[test]
fn cancelling_stops_a_busy_loop() {
    let execution = run_and_cancel(
        Script::new("spin.js", "while (true) {}"),
        Duration::from_millis(50),
    );
    assert_eq!(execution.outcome, Outcome::Cancelled);
    assert_eq!(
        execution.outcome.to_string(),
        "cancelled: the run was cancelled by its caller"
    );
}

#[test]
fn cancelling_wakes_a_sleeping_timer() {
    let script = Script {
        name: "sleep.mjs".into(),
        source: "await new Promise((resolve) => setTimeout(resolve, 100_000));".into(),
        kind: SourceKind::Module,
    };
    let execution = run_and_cancel(script, Duration::from_millis(50));
    assert_eq!(execution.outcome, Outcome::Cancelled);
}

#[test]
fn a_run_with_a_cancelled_token_does_not_start() {
    let token = CancelToken::new();
    token.cancel();
    let sink = Arc::new(MemorySink::new());
    let execution = runtime().run(
        &Script::new("never.js", "console.log('ran')"),
        RunOptions::default()
            .with_cancel_token(token)
            .with_log_sink(sink.clone()),
    );
    assert_eq!(execution.outcome, Outcome::Cancelled);
    assert!(sink.messages().is_empty());
    assert_eq!(execution.report.host_calls, 0);
}

#[test]
fn an_uncancelled_token_changes_nothing() {
    let execution = runtime().run(
        &Script::new("ok.js", "6 * 7"),
        RunOptions::default().with_cancel_token(CancelToken::new()),
    );
    assert_eq!(
        execution.outcome,
        Outcome::Ok {
            value_json: Some("42".into())
        }
    );
}

#[test]
fn host_call_flood_stops_at_the_cap() {
    let sink = Arc::new(MemorySink::new());
    let execution = runtime().run(
        &Script::new("flood.js", "for (;;) console.log('x');"),
        RunOptions::default()
            .with_limits(Limits::default().with_max_host_calls(100))
            .with_log_sink(sink.clone()),
    );
    assert_eq!(execution.outcome, Outcome::HostCallLimit { limit: 100 });
    assert_eq!(execution.report.host_calls, 101, "the refused call counts");
    assert_eq!(sink.messages().len(), 100);
}

#[test]
fn runs_within_the_cap_are_unaffected() {
    let execution = runtime().run(
        &Script::new(
            "few.js",
            "for (let i = 0; i < 10; i++) console.log(i); 'done'",
        ),
        RunOptions::default().with_limits(Limits::default().with_max_host_calls(10)),
    );
    assert!(execution.outcome.is_ok(), "{:?}", execution.outcome);
    assert_eq!(execution.report.host_calls, 10);
}

#[test]
fn a_caught_refusal_still_ends_the_run() {
    // The refused call traps: JS cannot catch it and carry on.
    let execution = runtime().run(
        &Script::new(
            "catch.js",
            "for (;;) { try { console.log('x') } catch (e) {} }",
        ),
        RunOptions::default().with_limits(Limits::default().with_max_host_calls(5)),
    );
    assert_eq!(execution.outcome.kind(), OutcomeKind::HostCallLimit);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_runs_complete() {
    let execution = runtime()
        .run_async(
            Script::new("async.js", "[1, 2].length"),
            RunOptions::default(),
        )
        .await;
    assert_eq!(
        execution.outcome,
        Outcome::Ok {
            value_json: Some("2".into())
        }
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_async_future_cancels_the_run() {
    // A runtime of its own, so that its counters see only this run.
    let runtime = runtime_builder().build().expect("runtime builds");
    let token = CancelToken::new();
    let run = runtime.run_async(
        Script::new("spin.js", "while (true) {}"),
        RunOptions::default()
            .with_limits(patient())
            .with_cancel_token(token.clone()),
    );
    let cut_short = tokio::time::timeout(Duration::from_millis(50), run).await;
    assert!(cut_short.is_err(), "the loop cannot finish by itself");
    assert!(
        token.is_cancelled(),
        "dropping the future cancels its token"
    );
    // The blocking thread notices within a tick; wait for it to record the
    // outcome rather than assume how long that takes.
    let waited = tokio::time::timeout(Duration::from_secs(60), async {
        while runtime.metrics().runs() == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    waited.await.expect("the cancelled run ends");
    assert_eq!(runtime.metrics().runs_with(OutcomeKind::Cancelled), 1);
}

#[test]
fn run_async_outside_tokio_is_an_internal_outcome() {
    let execution =
        pollster::block_on(runtime().run_async(Script::new("x.js", "1"), RunOptions::default()));
    assert_eq!(execution.outcome.kind(), OutcomeKind::Internal);
    assert!(
        execution
            .outcome
            .to_string()
            .contains("needs a Tokio runtime"),
        "{}",
        execution.outcome
    );
}
