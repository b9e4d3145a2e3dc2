#!/usr/bin/env bash
# Installs the guest toolchain if missing, builds jsbox (release) and runs
# examples/hello.js in a sandbox. Extra arguments go to `jsbox run`, e.g.
#   bash scripts/example.sh --report
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
cargo build --locked --release
exec ./target/release/jsbox run "$@" examples/hello.js
