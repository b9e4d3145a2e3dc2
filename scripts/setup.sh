#!/usr/bin/env bash
# Installs what building jsbox needs beyond rustup's cargo: Debian's Rust
# toolchain with the standard library's source (to build std for
# wasm32-wasip1), wasi-libc, and LLVM 16's clang and wasm-ld (QuickJS is C).
# Idempotent: installs only missing packages, and does nothing when all are
# present. Uses sudo when not run as root.
set -euo pipefail

packages=(rustc-web cargo-web rust-web-src wasi-libc lld-16 clang-16 llvm-16 libclang-rt-16-dev-wasm32)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

if ! command -v apt-get >/dev/null; then
  echo "jsbox setup: apt-get not found; install these Debian 12 packages by hand: ${missing[*]}" >&2
  exit 1
fi

sudo=()
if ((EUID != 0)); then
  if command -v sudo >/dev/null; then
    sudo=(sudo)
  else
    echo "jsbox setup: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "jsbox setup: installing ${missing[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
