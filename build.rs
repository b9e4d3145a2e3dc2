//! Builds the QuickJS guest (`guest/`) and embeds it as a component.
//!
//! This is the build script of the library crate (`host/Cargo.toml`), kept
//! at the top because it builds what lies beside `host/`: `guest/` and `wit/`.
//!
//! `toolchain/wasm32.rs` does the work (Debian's cargo with `-Zbuild-std` for
//! `wasm32-wasip1`, then `wit-component` with the WASI preview1 reactor
//! adapter); `jsbox build-plugin` shares it. The host includes the result
//! from `$OUT_DIR`.
//!
//! `scripts/setup.sh` installs the toolchain; when it is missing, the build
//! stops here with one message that says so.

#[path = "toolchain/wasm32.rs"]
mod wasm32;

use std::env;
use std::path::{Path, PathBuf};
use std::process::exit;

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir
        .parent()
        .expect("host/ lies in the repository")
        .to_path_buf();
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("set by cargo"));
    for watched in [
        "guest/src",
        "guest/Cargo.toml",
        "guest/Cargo.lock",
        "vendor/javy",
        "wit",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }

    check_toolchain();
    let core_module = wasm32::build_crate(
        &root.join("guest"),
        &guest_target_dir(&out_dir),
        "jsbox_guest",
    )
    .unwrap_or_else(|e| fail(&e));
    let component =
        wasm32::componentize(&core_module).unwrap_or_else(|e| fail(&format!("the guest: {e}")));
    let dest = out_dir.join("jsbox-guest.component.wasm");
    std::fs::write(&dest, component)
        .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", dest.display())));
}

/// Stops the build with one actionable message when a part is missing.
fn check_toolchain() {
    let missing = wasm32::missing_toolchain();
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

fn fail(message: &str) -> ! {
    eprintln!("\nerror: jsbox build: {message}\n");
    exit(1)
}
