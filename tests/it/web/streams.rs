//! `ReadableStream` (`guest/src/web/streams/streams.js`) and `ReadableStream`
//! bodies of `Request` and `Response`, run through the library like any
//! script.

use jsbox::{RunOptions, Script};

use crate::support::{module_logs, runtime};

#[test]
fn a_stream_yields_what_its_source_enqueues_then_closes() {
    assert_eq!(
        module_logs(
            "const pulls = [];
             const stream = new ReadableStream({
               start(controller) { controller.enqueue('a'); },
               pull(controller) {
                 pulls.push(controller.desiredSize);
                 if (pulls.length === 1) controller.enqueue('b'); else controller.close();
               },
             });
             const reader = stream.getReader();
             console.log(String(stream.locked));
             for (;;) {
               const { value, done } = await reader.read();
               if (done) break;
               console.log(value);
             }
             console.log(JSON.stringify(await reader.read()));
             await reader.closed;
             reader.releaseLock();
             console.log(String(stream.locked), Object.prototype.toString.call(stream));"
        ),
        [
            "true",
            "a",
            "b",
            "{\"done\":true}",
            "false [object ReadableStream]"
        ]
    );
}

#[test]
fn async_iteration_waits_for_chunks_enqueued_later() {
    assert_eq!(
        module_logs(
            "let n = 0;
             const stream = new ReadableStream({
               async pull(controller) {
                 await new Promise((resolve) => setTimeout(resolve, 1));
                 if (++n <= 3) controller.enqueue(n); else controller.close();
               },
             }, { highWaterMark: 0 });
             const seen = [];
             for await (const chunk of stream) seen.push(chunk);
             console.log(seen.join(','));
             const from = [];
             for await (const chunk of ReadableStream.from(['x', Promise.resolve('y')])) from.push(chunk);
             console.log(from.join(','));"
        ),
        ["1,2,3", "x,y"]
    );
}

#[test]
fn errors_and_cancellation_reach_the_reader_and_the_source() {
    assert_eq!(
        module_logs(
            "const failing = new ReadableStream({ pull() { throw new RangeError('bad source'); } });
             const reader = failing.getReader();
             await reader.read().catch((e) => console.log('read', e.name, e.message));
             await reader.closed.catch((e) => console.log('closed', e.message));
             let reason;
             const cancelled = new ReadableStream({ cancel(why) { reason = why; } });
             await cancelled.cancel('done with it');
             console.log('cancel', reason);
             const broken = new ReadableStream({ start(c) { c.error(new TypeError('nope')); } });
             try {
               for await (const _ of broken) console.log('unreachable');
             } catch (e) {
               console.log('iterate', e.message);
             }"
        ),
        [
            "read RangeError bad source",
            "closed bad source",
            "cancel done with it",
            "iterate nope"
        ]
    );
    let execution = runtime().run(
        &Script::module(
            "test.mjs",
            "const locked = new ReadableStream();
             locked.getReader();
             locked.getReader();",
        ),
        RunOptions::default(),
    );
    assert!(
        execution.outcome.to_string().contains("locked"),
        "{}",
        execution.outcome
    );
}

#[test]
fn request_and_response_accept_a_stream_body_and_read_it_whole() {
    assert_eq!(
        module_logs(
            "const bytes = (text) => new TextEncoder().encode(text);
             const body = () => new ReadableStream({
               start(c) { c.enqueue(bytes('hello ')); c.enqueue(bytes('stream')); c.close(); },
             });
             const stream = body();
             const response = new Response(stream);
             console.log(String(response.body === stream), String(response.bodyUsed));
             console.log(await response.text(), String(response.bodyUsed));
             await response.text().catch((e) => console.log(e.name));
             const request = new Request('http://x/', { method: 'POST', body: body() });
             console.log(JSON.stringify(await request.json().catch(() => 'not json')));
             const read = new Response(body());
             await read.body.getReader().read();
             console.log(String(read.bodyUsed));
             try { new Response(body()).clone(); } catch (e) { console.log(e.name); }
             const bad = new Response(new ReadableStream({ start(c) { c.enqueue('text'); c.close(); } }));
             await bad.text().catch((e) => console.log(e.message));"
        ),
        [
            "true false",
            "hello stream true",
            "TypeError",
            "\"not json\"",
            "true",
            "TypeError",
            "a body stream must yield Uint8Array chunks"
        ]
    );
}

/// A gzip bomb (1 GiB of zeros in about 1 MiB, made as in
/// `node::zlib`) read whole through a `DecompressionStream` ends the run at
/// the memory cap: the stream hands out 64 KiB chunks, and only the
/// script's keeping them grows memory.
#[test]
fn a_decompression_bomb_read_whole_ends_at_the_memory_cap() {
    let source = "
        const zlib = require('zlib');
        const piece = zlib.deflateRawSync(Buffer.alloc(1 << 20), { finishFlush: zlib.constants.Z_FULL_FLUSH });
        const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
        const bomb = Buffer.concat([header, ...new Array(1024).fill(piece), Buffer.from([3, 0]), Buffer.alloc(8)]);
        new Response(ReadableStream.from([bomb]).pipeThrough(new DecompressionStream('gzip'))).arrayBuffer();";
    let limits = jsbox::Limits::default().with_memory_bytes(64 << 20);
    let execution = runtime().run(
        &Script::new("bomb.js", source),
        RunOptions::default().with_limits(limits),
    );
    assert_eq!(
        execution.outcome.kind(),
        jsbox::OutcomeKind::MemoryLimit,
        "{:?}",
        execution.outcome
    );
}
