//! `jsbox build-plugin DIR`: builds a Rust plugin crate into a component
//! that `jsbox run` accepts, with the toolchain setup the QuickJS guest is
//! built with (`toolchain/wasm32.rs`, shared with `build.rs`).

#[path = "../../toolchain/wasm32.rs"]
mod wasm32;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;

use super::exit;

#[derive(Debug, Args)]
pub struct BuildPluginArgs {
    /// The plugin crate: a `cdylib` that is its own workspace, with a
    /// Cargo.lock, implementing the `jsbox:sandbox/plugin` world.
    dir: PathBuf,

    /// Where to write the component. Default: `<crate name>.wasm` in the
    /// current directory.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// Cargo's target directory for the build. Default: `DIR/target`.
    #[arg(long, value_name = "DIR")]
    target_dir: Option<PathBuf>,
}

pub fn build_plugin(args: BuildPluginArgs) -> ExitCode {
    match build(&args) {
        Ok(output) => {
            eprintln!("jsbox: wrote {}", output.display());
            ExitCode::SUCCESS
        }
        Err((code, message)) => {
            eprintln!("jsbox: {message}");
            ExitCode::from(code)
        }
    }
}

fn build(args: &BuildPluginArgs) -> Result<PathBuf, (u8, String)> {
    let missing = wasm32::missing_toolchain();
    if !missing.is_empty() {
        return Err((
            exit::USAGE,
            format!(
                "the wasm32-wasip1 toolchain is not installed. Missing:\n{}\n\
                 Run `bash scripts/setup.sh` (as root; it uses apt-get).",
                missing.join("\n")
            ),
        ));
    }
    let dir = args.dir.canonicalize().map_err(|e| {
        (
            exit::USAGE,
            format!("cannot open {}: {e}", args.dir.display()),
        )
    })?;
    let name = crate_name(&dir).map_err(|message| (exit::USAGE, message))?;
    // Cargo runs in the crate's directory: a relative target directory must
    // be made absolute here to mean what the user typed.
    let target_dir = match &args.target_dir {
        Some(target_dir) => std::path::absolute(target_dir).map_err(|e| {
            (
                exit::USAGE,
                format!("cannot use {}: {e}", target_dir.display()),
            )
        })?,
        None => dir.join("target"),
    };
    let artifact = name.replace('-', "_");
    let core = wasm32::build_crate(&dir, &target_dir, &artifact).map_err(|e| (1, e))?;
    let component = wasm32::componentize(&core).map_err(|e| (1, e))?;
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{name}.wasm")));
    std::fs::write(&output, component)
        .map_err(|e| (1, format!("cannot write {}: {e}", output.display())))?;
    Ok(output)
}

/// The package name in `dir/Cargo.toml`.
fn crate_name(dir: &Path) -> Result<String, String> {
    let manifest = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .map_err(|e| format!("cannot read {}: {e}", manifest.display()))?;
    let parsed: toml::Table = text
        .parse()
        .map_err(|e| format!("{} is not valid TOML: {e}", manifest.display()))?;
    parsed
        .get("package")
        .and_then(|package| package.get("name"))
        .and_then(|name| name.as_str())
        .map(str::to_owned)
        .ok_or_else(|| format!("{} has no [package] name", manifest.display()))
}
