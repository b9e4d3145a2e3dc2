#!/usr/bin/env bash
# Regenerates guest/src/node/vendor/*.js: faithful npm ports of Node's
# built-in modules, each bundled by esbuild into one function expression
# `(require) => module.exports` that the guest's `node/` modules call.
#
# Run it only to change a pinned version below; the generated files are
# committed so that building jsbox never needs npm or the network.
# Needs node and npm (registry.npmjs.org only).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="$root/guest/src/node/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Pinned versions. `url`'s `qs` is not bundled (see the `qs` shim in
# vendor-node.mjs). `util` and `querystring` are written for jsbox (see the
# headers of guest/src/node/util/util.js and querystring.js for why).
packages=(
  buffer@6.0.3
  events@3.3.0
  string_decoder@1.3.0
  readable-stream@4.7.0
  assert@2.1.0
  path-browserify@1.0.1
  url@0.11.4
  punycode@1.4.1
  esbuild@0.25.0
)

cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts --save-exact "${packages[@]}" >/dev/null
node "$root/scripts/vendor-node.mjs" "$work" "$out"
