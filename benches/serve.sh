#!/usr/bin/env bash
# Load benchmark of `jsbox serve`: a fresh sandbox per request running the
# small JSON handler in benches/serve/handler.mjs, driven by wrk over
# loopback with 1, 16 and 64 connections; then the same handler under
# Deno.serve (npm package `deno`) as a reference. Prints req/s, the
# p50/p99 latency and the server's CPU time per request (user + system,
# from /proc: steadier than req/s on a shared machine) of each run, and the
# jsbox/Deno ratio.
#
# Installs what it needs: wrk (Debian apt) and deno (npm, benches/peers).
# Usage: benches/serve.sh [DURATION]   (wrk's -d, default 10s)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
duration="${1:-10s}"
jsbox_port=18080
admin_port=19090
deno_port=18081

if ! command -v wrk > /dev/null; then
  echo "installing wrk (apt)..." >&2
  if [ "$(id -u)" -eq 0 ]; then apt-get install -y wrk > /dev/null; else sudo apt-get install -y wrk > /dev/null; fi
fi
deno="$root/benches/peers/node_modules/.bin/deno"
if [ ! -x "$deno" ]; then
  echo "installing deno (npm, benches/peers)..." >&2
  # Just deno. npm 11 skips install scripts that package.json does not
  # allow, which is fine: deno's launcher finds its platform package
  # without its postinstall.
  (cd "$root/benches/peers" && npm install --no-audit --no-fund --no-save deno@"$(node -p "require('./package.json').dependencies.deno")" > /dev/null)
fi

echo "building jsbox (release)..." >&2
cargo build --release --quiet --manifest-path "$root/Cargo.toml"

pids=()
log=""
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  rm -f "$log"
}
trap cleanup EXIT

wait_for() {
  for _ in $(seq 1 200); do
    if curl -sf "$1" > /dev/null; then return 0; fi
    sleep 0.05
  done
  echo "server at $1 did not come up" >&2
  exit 1
}

# CPU time process $1 has used, in clock ticks (user + system).
cpu_ticks() {
  awk '{ print $14 + $15 }' "/proc/$1/stat"
}
ticks_per_second="$(getconf CLK_TCK)"

# Prints "req/s p50 p99 non-2xx cpu-us-per-request" for a wrk run against
# $1 with $2 connections, the server being process $3.
load() {
  local url="$1" connections="$2" pid="$3" threads before
  threads=$((connections < 2 ? 1 : 2))
  before="$(cpu_ticks "$pid")"
  wrk -t"$threads" -c"$connections" -d"$duration" --latency "$url" | awk \
    -v before="$before" -v after_file="/proc/$pid/stat" -v hz="$ticks_per_second" '
    /requests in/ { requests = $1 }
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = $2 }
    /^ +99%/ { p99 = $2 }
    /Non-2xx/ { bad = $NF }
    END {
      getline stat < after_file
      split(stat, field, " ")
      cpu_us = (field[14] + field[15] - before) * 1e6 / hz
      printf "%s %s %s %s %.0f\n", rps, p50, p99, (bad == "" ? 0 : bad), cpu_us / requests
    }'
}

# One JSON log line per request, as in production, into a temporary file
# whose outcome counts are printed at the end.
log="$(mktemp)"
"$root/target/release/jsbox" serve "$root/benches/serve/handler.mjs" \
  --listen "127.0.0.1:$jsbox_port" --admin-listen "127.0.0.1:$admin_port" > "$log" &
pids+=($!)
"$deno" run --allow-net "$root/benches/serve/deno.mjs" "$deno_port" > /dev/null &
pids+=($!)
wait_for "http://127.0.0.1:$admin_port/readyz"
wait_for "http://127.0.0.1:$deno_port/"

echo "machine: $(nproc) CPUs; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "target: jsbox >= 25000 req/s at 16 connections (2x workerd's 12.6k)"
printf "%-6s %5s %12s %10s %10s %8s %12s\n" server conns "req/s" p50 p99 non-2xx "cpu µs/req"
declare -A rps
for connections in 1 16 64; do
  for server in jsbox deno; do
    if [ "$server" = jsbox ]; then port=$jsbox_port pid=${pids[0]}; else port=$deno_port pid=${pids[1]}; fi
    read -r r p50 p99 bad cpu < <(load "http://127.0.0.1:$port/bench" "$connections" "$pid")
    rps[$server$connections]=$r
    printf "%-6s %5s %12s %10s %10s %8s %12s\n" "$server" "$connections" "$r" "$p50" "$p99" "$bad" "$cpu"
  done
done
for connections in 1 16 64; do
  awk -v j="${rps[jsbox$connections]}" -v d="${rps[deno$connections]}" -v c="$connections" \
    'BEGIN { printf "jsbox/deno at %s connections: %.2f\n", c, j / d }'
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "jsbox request outcomes: $(grep -o '"outcome":"[a-z_]*"' "$log" | sort | uniq -c | tr -s ' \n' ' ')"
