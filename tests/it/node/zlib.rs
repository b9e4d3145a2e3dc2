//! `node:zlib`: the JS cases in `fixtures/` (`zlib_*`, listed in `mod.rs`) print what Node 20 prints for
//! them (round trips, bytes Node and GNU gzip made, Node's errors, the
//! callback, promise and stream forms); the tests below hold it to the
//! sandbox's limits: a zip bomb ends as `memory_limit` (or fails with
//! `ERR_BUFFER_TOO_LARGE` under `maxOutputLength`), and a compression job
//! past its fuel budget ends as `cpu_budget`.

use jsbox::{Limits, OutcomeKind, RunOptions, Script};

use crate::support::{logs_with, run};

/// JS that defines `bomb`: a gzip stream of 1 GiB of zeros in about 1 MiB.
/// It is 1 MiB of zeros deflated with a full flush (a byte-aligned run of
/// blocks that needs nothing before it), 1024 times, then a final empty
/// block; the trailer is left zero, as no reader gets that far.
const BOMB: &str = "
const zlib = require('zlib');
const piece = zlib.deflateRawSync(Buffer.alloc(1 << 20), { finishFlush: zlib.constants.Z_FULL_FLUSH });
const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
const bomb = Buffer.concat([header, ...new Array(1024).fill(piece), Buffer.from([3, 0]), Buffer.alloc(8)]);
";

fn run_bomb(use_it: &str, limits: Limits) -> (jsbox::Execution, Vec<String>) {
    let source = format!("{BOMB}\nconsole.log('bomb', bomb.length < (2 << 20));\n{use_it}");
    run(
        &Script::new("bomb.js", source),
        RunOptions::default().with_limits(limits),
    )
}

#[test]
fn a_gzip_bomb_ends_the_run_at_the_memory_cap() {
    let limits = Limits::default().with_memory_bytes(64 << 20);
    for use_it in [
        "zlib.gunzipSync(bomb);",
        "zlib.unzip(bomb, () => {});",
        "const kept = []; const gunzip = zlib.createGunzip(); gunzip.on('data', (d) => kept.push(d)); gunzip.end(bomb);",
    ] {
        let (execution, logged) = run_bomb(use_it, limits.clone());
        assert_eq!(
            execution.outcome.kind(),
            OutcomeKind::MemoryLimit,
            "{use_it}: {:?}, logged {logged:?}",
            execution.outcome
        );
        assert_eq!(logged, ["bomb true"], "{use_it}");
        assert!(execution.report.peak_memory_bytes <= 64 << 20);
    }
}

/// A stream makes output only as its reader takes it, as Node's does (Node
/// 20 prints the same for this script): a reader that stops after about
/// 100 chunks of a 1 GiB bomb never held more than a few.
#[test]
fn a_gzip_bomb_streamed_waits_for_its_reader() {
    let bomb = BOMB.replace(
        "const zlib = require('zlib');",
        "import zlib from 'node:zlib';",
    );
    let source = format!(
        "{bomb}
         const gunzip = zlib.createGunzip();
         gunzip.end(bomb);
         await new Promise((resolve) => setTimeout(resolve, 1));
         console.log('buffered before reading', gunzip.readableLength);
         let total = 0;
         for await (const chunk of gunzip) {{
           total += chunk.length;
           if (total >= 100 * 16384) break;
         }}
         console.log('read about 100 chunks', total < 100 * 16384 + 65536);"
    );
    let limits = Limits::default().with_memory_bytes(64 << 20);
    assert_eq!(
        logs_with(
            &Script::module("bomb.mjs", source),
            RunOptions::default().with_limits(limits)
        ),
        [
            "buffered before reading 16384",
            "read about 100 chunks true"
        ]
    );
}

#[test]
fn a_gzip_bomb_under_max_output_length_is_a_catchable_error() {
    let source = format!(
        "{BOMB}
         try {{ zlib.gunzipSync(bomb, {{ maxOutputLength: 8 << 20 }}); }}
         catch (e) {{ console.log(e.name, e.code, e.message); }}
         zlib.gunzip(bomb, {{ maxOutputLength: 4 << 20 }}, (e) => console.log('callback', e.code));"
    );
    let limits = Limits::default().with_memory_bytes(64 << 20);
    assert_eq!(
        logs_with(
            &Script::new("bomb.js", source),
            RunOptions::default().with_limits(limits)
        ),
        [
            "RangeError ERR_BUFFER_TOO_LARGE Cannot create a Buffer larger than 8388608 bytes",
            "callback ERR_BUFFER_TOO_LARGE"
        ]
    );
}

#[test]
fn compression_past_the_fuel_budget_is_a_cpu_budget_outcome() {
    // Loading `zlib` and drawing 1 MiB of random bytes take about 22 M
    // fuel; compressing them takes about 540 M (gzip) and 8 G (brotli at
    // Node's default quality, 11).
    let fuel = 100_000_000;
    for compress in ["gzipSync(input, { level: 9 })", "brotliCompressSync(input)"] {
        let source = format!(
            "const zlib = require('zlib');
             const input = require('crypto').randomBytes(1 << 20);
             console.log('made');
             zlib.{compress};
             console.log('compressed');"
        );
        let (execution, logged) = run(
            &Script::new("fuel.js", source),
            RunOptions::default().with_limits(Limits::default().with_fuel(fuel)),
        );
        assert_eq!(
            execution.outcome.kind(),
            OutcomeKind::CpuBudget,
            "{compress}: {:?}, logged {logged:?}",
            execution.outcome
        );
        assert_eq!(logged, ["made"], "{compress}");
    }
}

/// Node refuses a `chunkSize` its allocator cannot serve; jsbox serves any
/// finite one in buffers of at most 4 MiB, so no option can make the
/// guest ask for an allocation it cannot express (a panic, not a limit).
#[test]
fn a_huge_chunk_size_is_served_in_bounded_buffers() {
    assert_eq!(
        crate::support::script_output(
            "const zlib = require('zlib');
             const packed = zlib.gzipSync('hello', { chunkSize: 2 ** 40 });
             console.log(zlib.gunzipSync(packed, { chunkSize: 1e300 }).toString());"
        ),
        "hello"
    );
}
