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
# The test build comes before clippy: the guest's build (a long, mostly
# single-threaded link) then overlaps the host's compilation on the other
# cores instead of leaving them idle while clippy waits for it.
cargo test --locked --no-run
cargo clippy --locked --all-targets -- -D warnings
cargo test --locked
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps
