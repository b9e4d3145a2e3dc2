//! The pooling allocator's slot reset, as patched in `vendor/wasmtime`
//! (see `vendor/README.md`): a slot freed by an instance that dirtied many
//! disjoint pages comes back with its memory image restored, and with those
//! pages still mapped, so the next instance does not fault them in again.
//!
//! The engine is configured like `host/engine.rs` configures the sandboxes'
//! (pooling, copy-on-write images, `PAGEMAP_SCAN`, pages kept resident), with
//! one slot so that every instance reuses the previous one's memory. On a
//! kernel without `PAGEMAP_SCAN` (before Linux 6.7) the residency test has
//! nothing to check and says so.

use wasmtime::{
    Config, Enabled, Engine, Instance, InstanceAllocationStrategy, Module, PoolingAllocationConfig,
    Store,
};

const PAGE: usize = 4096;
/// The guest's memory: 64 wasm pages, 4 MiB, 1024 host pages.
const HOST_PAGES: usize = 1024;
/// The byte the memory image holds at the start of every host page.
const IMAGE_BYTE: u8 = 7;
/// The guest dirties every other host page up to this one: 256 disjoint
/// dirty regions, eight times the 32 that one kernel scan reports.
const DIRTIED_PAGES: usize = 512;
const KEEP_RESIDENT: usize = 2 << 20;

/// A module whose image puts `IMAGE_BYTE` at the start of every host page,
/// with `dirty` (overwrite it on every other page below `DIRTIED_PAGES`)
/// and `changed` (how many pages no longer start with it).
fn module(engine: &Engine) -> Module {
    let mut wat = String::from("(module (memory (export \"memory\") 64 64)\n");
    for page in 0..HOST_PAGES {
        wat.push_str(&format!(
            "(data (i32.const {}) \"\\{IMAGE_BYTE:02x}\")\n",
            page * PAGE
        ));
    }
    wat.push_str(&format!(
        r#"
  (func (export "dirty")
    (local $at i32)
    (loop $next
      (i32.store8 (local.get $at) (i32.const 0xaa))
      (local.set $at (i32.add (local.get $at) (i32.const {stride})))
      (br_if $next (i32.lt_u (local.get $at) (i32.const {end})))))
  (func (export "changed") (result i32)
    (local $at i32) (local $changed i32)
    (loop $next
      (if (i32.ne (i32.load8_u (local.get $at)) (i32.const {IMAGE_BYTE}))
        (then (local.set $changed (i32.add (local.get $changed) (i32.const 1)))))
      (local.set $at (i32.add (local.get $at) (i32.const {PAGE})))
      (br_if $next (i32.lt_u (local.get $at) (i32.const {size}))))
    (local.get $changed)))
"#,
        stride = 2 * PAGE,
        end = DIRTIED_PAGES * PAGE,
        size = HOST_PAGES * PAGE,
    ));
    let binary = wat::parse_str(wat).expect("the test module parses");
    Module::new(engine, binary).expect("the test module compiles")
}

fn engine() -> Engine {
    let mut pool = PoolingAllocationConfig::new();
    pool.total_core_instances(1)
        .total_memories(1)
        .total_tables(1)
        .max_memory_size(HOST_PAGES * PAGE)
        .linear_memory_keep_resident(KEEP_RESIDENT)
        .pagemap_scan(Enabled::Auto);
    let mut config = Config::new();
    config
        .memory_init_cow(true)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config).expect("the pooling engine builds")
}

/// Instantiates `module` in the engine's one slot and calls `export`.
fn call(engine: &Engine, module: &Module, export: &str) -> i32 {
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, module, &[]).expect("instantiates");
    if export == "changed" {
        let changed = instance
            .get_typed_func::<(), i32>(&mut store, export)
            .expect("exported");
        changed.call(&mut store, ()).expect("runs")
    } else {
        let dirty = instance
            .get_typed_func::<(), ()>(&mut store, export)
            .expect("exported");
        dirty.call(&mut store, ()).expect("runs");
        0
    }
}

/// Minor page faults this thread has taken so far.
fn minor_faults() -> i64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: `usage` is a valid, writable `rusage` for the call to fill.
    let status = unsafe { libc::getrusage(libc::RUSAGE_THREAD, usage.as_mut_ptr()) };
    assert_eq!(status, 0, "getrusage(RUSAGE_THREAD)");
    // SAFETY: getrusage returned 0, so it filled `usage`.
    unsafe { usage.assume_init() }.ru_minflt
}

#[test]
fn a_reused_slot_starts_from_the_image_after_many_disjoint_writes() {
    let engine = engine();
    let module = module(&engine);
    assert_eq!(call(&engine, &module, "changed"), 0, "a fresh slot");
    for round in 0..3 {
        call(&engine, &module, "dirty");
        assert_eq!(
            call(&engine, &module, "changed"),
            0,
            "round {round}: the slot kept the previous instance's writes"
        );
    }
}

#[test]
fn a_reused_slot_keeps_many_disjoint_dirty_pages_mapped() {
    if !PoolingAllocationConfig::is_pagemap_scan_available() {
        eprintln!("skipped: this kernel has no PAGEMAP_SCAN (Linux 6.7+)");
        return;
    }
    let engine = engine();
    let module = module(&engine);
    // The first rounds fault the pages in; after that the reset keeps them.
    for _ in 0..3 {
        call(&engine, &module, "dirty");
    }
    const ROUNDS: i64 = 10;
    let before = minor_faults();
    for _ in 0..ROUNDS {
        call(&engine, &module, "dirty");
    }
    let per_round = (minor_faults() - before) / ROUNDS;
    // Decommitting past the first 32 regions re-faults about 224 pages a
    // round; the store, instance and host allocations take a few at most.
    assert!(
        per_round < 32,
        "{per_round} page faults per instance that rewrites {} already-dirty pages",
        DIRTIED_PAGES / 2
    );
}
