#!/usr/bin/env bash
# The whole test suite: installs the guest toolchain if missing, checks
# formatting and lints, then runs every test. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cargo fmt --all --check
cargo fmt --manifest-path guest/Cargo.toml --check
cargo fmt --manifest-path examples/plugins/rust/Cargo.toml --check
cargo fmt --manifest-path examples/plugins/rust-http/Cargo.toml --check
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps
