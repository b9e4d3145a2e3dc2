//! Building Rust crates into WebAssembly components, shared by `build.rs`
//! (the QuickJS guest) and `jsbox build-plugin` (plugin crates such as
//! `examples/plugins/rust`), so that both use one toolchain setup.
//!
//! The crates need a `wasm32-wasip1` standard library, which rustup cannot
//! provide on our machines; Debian's `rustc-web` toolchain can, through
//! `-Zbuild-std`. So Debian's cargo (`/usr/bin/cargo`) builds the crate with
//! an environment of its own, and `wit-component` turns the core module into
//! a component with the WASI preview1 reactor adapter.

use std::path::Path;
use std::process::Command;

/// Debian's cargo, which pairs with the `rust-web-src` standard library.
const DEBIAN_CARGO: &str = "/usr/bin/cargo";
/// The target. C code (QuickJS) is compiled by clang-16 against wasi-libc.
const TARGET: &str = "wasm32-wasip1";
/// clang-16's flags for C code. Left to itself it targets the wasm MVP, so
/// every `memcpy`/`memset` in QuickJS calls wasi-libc's byte-and-word loop
/// and every float-to-int conversion is a guarded branch; these features are
/// the ones Rust's `wasm32-wasip1` code already uses and Wasmtime enables by
/// default. Wasmtime charges `memory.copy` and `memory.fill` one fuel per
/// byte (its default variable operator cost), so a budget still grows with
/// the bytes a script moves, as it did with the loops.
const C_FLAGS: &str =
    "--target=wasm32-wasi -mbulk-memory -mnontrapping-fptoint -msign-ext -mmutable-globals";
/// Files the toolchain must provide, with the Debian package providing each.
const TOOLCHAIN_FILES: [(&str, &str); 6] = [
    (DEBIAN_CARGO, "cargo-web"),
    (
        "/usr/lib/rustlib/src/rust/library/std/Cargo.toml",
        "rust-web-src",
    ),
    ("/usr/lib/wasm32-wasi/libc.a", "wasi-libc"),
    ("/usr/lib/llvm-16/bin/wasm-ld", "lld-16"),
    ("/usr/bin/clang-16", "clang-16"),
    (
        "/usr/lib/llvm-16/lib/clang/16/lib/wasi/libclang_rt.builtins-wasm32.a",
        "libclang-rt-16-dev-wasm32",
    ),
];

/// The toolchain files that are missing, each with its Debian package.
pub fn missing_toolchain() -> Vec<String> {
    TOOLCHAIN_FILES
        .iter()
        .filter(|(file, _)| !Path::new(file).exists())
        .map(|(file, package)| format!("  {file} (Debian package {package})"))
        .collect()
}

/// Runs Debian's cargo on the crate in `crate_dir` (a `cdylib`, its own
/// workspace with a lockfile) with `target_dir`; returns the bytes of the
/// core module `<artifact>.wasm` it builds.
pub fn build_crate(crate_dir: &Path, target_dir: &Path, artifact: &str) -> Result<Vec<u8>, String> {
    let rustflags = [
        "-C linker=/usr/lib/llvm-16/bin/wasm-ld",
        "-C link-self-contained=no",
        "-L native=/usr/lib/wasm32-wasi",
        "-L native=/usr/lib/llvm-16/lib/clang/16/lib/wasi",
        // A reactor: the host calls exports; there is no `main`.
        "-C link-arg=/usr/lib/wasm32-wasi/crt1-reactor.o",
    ]
    .join(" ");

    let mut cargo = Command::new(DEBIAN_CARGO);
    // Start from an empty environment: the host's cargo exports RUSTC,
    // RUSTFLAGS, CARGO_TARGET_DIR, jobserver and package variables that would
    // point the guest build at the wrong compiler, flags or directory.
    cargo.env_clear();
    for kept in [
        "HOME",
        "CARGO_HOME",
        "TMPDIR",
        "CARGO_NET_OFFLINE",
        "CARGO_HTTP_TIMEOUT",
    ] {
        if let Some(value) = std::env::var_os(kept) {
            cargo.env(kept, value);
        }
    }
    cargo
        .env("PATH", "/usr/bin:/bin:/usr/lib/llvm-16/bin")
        .env("RUSTC_BOOTSTRAP", "1")
        .env("RUSTFLAGS", rustflags)
        .env("RQUICKJS_SYS_NO_WASI_SDK", "1")
        .env("CC_wasm32_wasip1", "clang-16")
        .env("AR_wasm32_wasip1", "llvm-ar-16")
        .env("CFLAGS_wasm32_wasip1", C_FLAGS)
        .env("LIBCLANG_PATH", "/usr/lib/llvm-16/lib")
        .env(
            "BINDGEN_EXTRA_CLANG_ARGS_wasm32_wasip1",
            "-isystem /usr/include/wasm32-wasi",
        )
        .current_dir(crate_dir)
        .args(["build", "--release", "--locked", "--target", TARGET])
        .args(["-Zbuild-std=std,panic_abort", "--target-dir"])
        .arg(target_dir);

    let status = cargo
        .status()
        .map_err(|e| format!("cannot run {DEBIAN_CARGO}: {e}"))?;
    if !status.success() {
        return Err(format!(
            "building {} failed ({status}); the compiler output is above.\n\
             If a toolchain file is missing, run `bash scripts/setup.sh`.",
            crate_dir.display()
        ));
    }
    let module = target_dir
        .join(TARGET)
        .join("release")
        .join(format!("{artifact}.wasm"));
    std::fs::read(&module).map_err(|e| format!("cannot read {}: {e}", module.display()))
}

/// Wraps a core module into a component with the reactor adapter.
pub fn componentize(core_module: &[u8]) -> Result<Vec<u8>, String> {
    let adapter = wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER;
    wit_component::ComponentEncoder::default()
        .module(core_module)
        .and_then(|encoder| {
            encoder
                .validate(true)
                .adapter("wasi_snapshot_preview1", adapter)
        })
        .and_then(|mut encoder| encoder.encode())
        .map_err(|e| format!("componentizing failed: {e:#}"))
}
