//! Builds the QuickJS guest (`guest/`) and embeds it as a component.
//!
//! The guest needs a `wasm32-wasip1` standard library, which rustup cannot
//! provide on our machines; Debian's `rustc-web` toolchain can, through
//! `-Zbuild-std`. So this script runs Debian's cargo (`/usr/bin/cargo`) on
//! the guest crate with an environment of its own, then turns the core
//! module into a component with `wit-component` and the WASI preview1
//! reactor adapter. The host includes the result from `$OUT_DIR`.
//!
//! `scripts/setup.sh` installs the toolchain; when it is missing, the build
//! stops here with one message that says so.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, exit};

/// Debian's cargo, which pairs with the `rust-web-src` standard library.
const DEBIAN_CARGO: &str = "/usr/bin/cargo";
/// The guest target. QuickJS is C, compiled by clang-16 against wasi-libc.
const GUEST_TARGET: &str = "wasm32-wasip1";
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

fn main() {
    let root = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    for watched in ["guest/src", "guest/Cargo.toml", "guest/Cargo.lock", "wit"] {
        println!("cargo:rerun-if-changed={watched}");
    }

    check_toolchain();
    let core_module = build_guest(&root.join("guest"), &guest_target_dir(&out_dir));
    let component = componentize(&core_module);
    let dest = out_dir.join("jsbox-guest.component.wasm");
    std::fs::write(&dest, component)
        .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", dest.display())));
}

/// Stops the build with one actionable message when a part is missing.
fn check_toolchain() {
    let missing: Vec<_> = TOOLCHAIN_FILES
        .iter()
        .filter(|(file, _)| !Path::new(file).exists())
        .map(|(file, package)| format!("  {file} (Debian package {package})"))
        .collect();
    if !missing.is_empty() {
        fail(&format!(
            "the wasm32-wasip1 toolchain that builds the QuickJS guest is not installed.\n\
             Missing:\n{}\n\
             Run `bash scripts/setup.sh` (as root; it uses apt-get) and build again.",
            missing.join("\n")
        ));
    }
}

/// The guest gets its own target directory next to the host's profiles, so
/// that debug and release builds of the host share one guest build and the
/// two cargos never wait on each other's lock.
fn guest_target_dir(out_dir: &Path) -> PathBuf {
    // OUT_DIR is <target>/[<triple>/]<profile>/build/<pkg>-<hash>/out.
    out_dir
        .ancestors()
        .find(|dir| dir.file_name().is_some_and(|name| name == "build"))
        .and_then(|build| build.parent()?.parent())
        .map(|target| target.join("jsbox-guest"))
        .unwrap_or_else(|| out_dir.join("jsbox-guest"))
}

/// Runs Debian's cargo on the guest crate; returns the core module's bytes.
fn build_guest(guest_dir: &Path, target_dir: &Path) -> Vec<u8> {
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
        if let Some(value) = env::var_os(kept) {
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
        .env("CFLAGS_wasm32_wasip1", "--target=wasm32-wasi")
        .env("LIBCLANG_PATH", "/usr/lib/llvm-16/lib")
        .env(
            "BINDGEN_EXTRA_CLANG_ARGS_wasm32_wasip1",
            "-isystem /usr/include/wasm32-wasi",
        )
        .current_dir(guest_dir)
        .args(["build", "--release", "--locked", "--target", GUEST_TARGET])
        .args(["-Zbuild-std=std,panic_abort", "--target-dir"])
        .arg(target_dir);

    let status = cargo
        .status()
        .unwrap_or_else(|e| fail(&format!("cannot run {DEBIAN_CARGO}: {e}")));
    if !status.success() {
        fail(&format!(
            "building the guest failed ({status}); its compiler output is above.\n\
             If a toolchain file is missing, run `bash scripts/setup.sh`."
        ));
    }
    let module = target_dir
        .join(GUEST_TARGET)
        .join("release/jsbox_guest.wasm");
    std::fs::read(&module)
        .unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", module.display())))
}

/// Wraps the core module into a component with the reactor adapter.
fn componentize(core_module: &[u8]) -> Vec<u8> {
    let adapter = wasi_preview1_component_adapter_provider::WASI_SNAPSHOT_PREVIEW1_REACTOR_ADAPTER;
    wit_component::ComponentEncoder::default()
        .module(core_module)
        .and_then(|encoder| {
            encoder
                .validate(true)
                .adapter("wasi_snapshot_preview1", adapter)
        })
        .and_then(|mut encoder| encoder.encode())
        .unwrap_or_else(|e| fail(&format!("componentizing the guest failed: {e:#}")))
}

fn fail(message: &str) -> ! {
    eprintln!("\nerror: jsbox build: {message}\n");
    exit(1)
}
