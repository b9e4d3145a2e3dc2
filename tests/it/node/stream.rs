//! `node:stream` and `node:stream/promises`, against the output of real
//! Node (v20), and a 50 MB pipeline under a memory cap.

use crate::support::{self, script_output};

#[test]
fn streams_match_node() {
    // Backpressure on write, pipeline with a callback and as a promise, error propagation and destroy, async iteration, encodings, Duplex.
    let script = r#"
const { Readable, Writable, Transform, PassThrough, Duplex, pipeline } = require('stream');
const { pipeline: pipelineP } = require('stream/promises');
const log = [];
const upper = () => new Transform({ transform(chunk, enc, cb) { cb(null, chunk.toString().toUpperCase()); } });
const collect = (into) => new Writable({ write(chunk, enc, cb) { into.push(chunk.toString()); cb(); } });
const w = new Writable({ highWaterMark: 4, write(chunk, enc, cb) { setTimeout(cb, 1); } });
console.log('write', w.write('ab'), w.write('cd'), w.writableLength, w.writableNeedDrain);
w.on('drain', () => console.log('drain', w.writableLength));
const out = [];
pipeline(Readable.from(['a', 'b', 'c']), upper(), collect(out), (err) => {
  console.log('pipeline', err, out.join(''));
});
(async () => {
  const chunks = [];
  for await (const chunk of Readable.from([1, 2, 3])) chunks.push(chunk);
  console.log('iter', chunks);
  const got = [];
  await pipelineP(Readable.from(['x', 'y']), new PassThrough(), upper(), collect(got));
  console.log('promises', got);
  const failing = new Transform({ transform(chunk, enc, cb) { cb(new Error('bad chunk')); } });
  try {
    await pipelineP(Readable.from(['z']), failing, collect([]));
  } catch (err) {
    console.log('rejected', err.message, failing.destroyed);
  }
  const r = new Readable({ read() {} });
  r.push('q'); r.push(null);
  r.setEncoding('utf8');
  r.on('data', (d) => console.log('data', typeof d, d));
  r.on('end', () => console.log('end'));
  const d = new Duplex({ read() { this.push('from-duplex'); this.push(null); }, write(c, e, cb) { console.log('duplex got', c.toString()); cb(); } });
  d.write('to-duplex'); d.end();
  d.on('data', (c) => console.log('duplex read', c.toString()));
})();
"#;
    let expected = r#"
write true false 4 true
pipeline undefined ABC
iter [ 1, 2, 3 ]
promises [ 'X', 'Y' ]
rejected bad chunk true
duplex got to-duplex
data string q
duplex read from-duplex
end
drain 0
"#;
    assert_eq!(script_output(script), expected.trim());
}

/// The memory cap of the 50 MB pipeline: well below what it moves.
const MEMORY_CAP: u64 = 32 << 20;

#[test]
fn a_pipeline_with_backpressure_moves_50_mb_under_a_32_mib_cap() {
    // A Readable making 64 KiB chunks, a Transform copying each, and a
    // Writable whose callbacks are asynchronous: without backpressure the
    // source would run ahead and buffer the whole 50 MB.
    let script = r#"
const { Readable, Transform, Writable, pipeline } = require('stream');
const CHUNK = 64 * 1024;
const TOTAL = 50 * 1024 * 1024;
let produced = 0;
let received = 0;
let maxQueued = 0;
let pauses = 0;
const source = new Readable({
  read() {
    if (produced >= TOTAL) return void this.push(null);
    const n = Math.min(CHUNK, TOTAL - produced);
    produced += n;
    this.push(Buffer.alloc(n, produced & 0xff));
  },
});
const copy = new Transform({ transform(chunk, encoding, callback) { callback(null, Buffer.from(chunk)); } });
const sink = new Writable({
  highWaterMark: 4 * CHUNK,
  write(chunk, encoding, callback) {
    if (chunk[0] !== ((received + chunk.length) & 0xff)) throw new Error(`chunk at ${received} corrupted`);
    received += chunk.length;
    maxQueued = Math.max(maxQueued, this.writableLength, copy.readableLength + copy.writableLength, source.readableLength);
    process.nextTick(callback);
  },
});
source.on('pause', () => pauses++);
pipeline(source, copy, sink, (error) => {
  console.log(String(error), received, maxQueued <= 1024 * 1024, pauses > 0);
});
"#;
    let (execution, messages) = support::run(
        &jsbox::Script::new("/pipeline.js", script),
        jsbox::RunOptions::default().with_limits(
            jsbox::Limits::default()
                .with_memory_bytes(MEMORY_CAP)
                .with_timeout(std::time::Duration::from_secs(60)),
        ),
    );
    assert_eq!(
        execution.outcome.kind(),
        jsbox::OutcomeKind::Ok,
        "{:?}",
        execution.outcome
    );
    assert_eq!(messages, ["undefined 52428800 true true"]);
    assert!(
        execution.report.peak_memory_bytes < MEMORY_CAP,
        "peak {} bytes",
        execution.report.peak_memory_bytes
    );
}
