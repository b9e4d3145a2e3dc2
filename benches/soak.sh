#!/usr/bin/env bash
# Soak test of `jsbox serve`: drives the server with a fixed number of mixed
# requests (benches/soak/mix.lua: 95 % good, the rest throwing, looping
# until their deadline, hogging memory until the cap, and fetching a denied
# address), checks that each got the status its kind should get, and samples
# the server's RSS, open file descriptors and threads every 2 s.
#
# Prints the answers (right, wrong, socket errors), and the RSS drift from
# the end of warm-up (the first fifth of the samples) to the end of the run.
# Installs wrk (Debian apt) if missing. Builds and soaks the release binary,
# or the binary JSBOX_BIN names.
# Usage: benches/soak.sh [REQUESTS] [CONNECTIONS]   (default 1000000, 16)
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
requests="${1:-1000000}"
connections="${2:-16}"
threads=2
port=18180
admin_port=19190

if ! command -v wrk > /dev/null; then
  echo "installing wrk (apt)..." >&2
  if [ "$(id -u)" -eq 0 ]; then apt-get install -y wrk > /dev/null; else sudo apt-get install -y wrk > /dev/null; fi
fi
jsbox="${JSBOX_BIN:-}"
if [ -z "$jsbox" ]; then
  echo "building jsbox (release)..." >&2
  cargo build --release --quiet --manifest-path "$root/Cargo.toml"
  jsbox="$root/target/release/jsbox"
fi

samples="$(mktemp)"
log="$(mktemp)"
report="$(mktemp)"
server=""
sampler=""
cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2> /dev/null || true
  [ -n "$server" ] && kill "$server" 2> /dev/null || true
  rm -f "$samples" "$log" "$report"
}
trap cleanup EXIT

"$jsbox" serve "$root/benches/soak/handler.mjs" \
  --listen "127.0.0.1:$port" --admin-listen "127.0.0.1:$admin_port" \
  --memory 16M > "$log" &
server=$!
for _ in $(seq 1 400); do
  curl -sf "http://127.0.0.1:$admin_port/readyz" > /dev/null && break
  sleep 0.05
done

# "seconds rss_kib fds threads" every 2 s while the server lives.
(
  start=$(date +%s)
  while kill -0 "$server" 2> /dev/null; do
    rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$server/status" 2> /dev/null || echo 0)
    fds=$(ls "/proc/$server/fd" 2> /dev/null | wc -l)
    tasks=$(awk '/^Threads/ { print $2 }' "/proc/$server/status" 2> /dev/null || echo 0)
    echo "$(($(date +%s) - start)) $rss $fds $tasks" >> "$samples"
    sleep 2
  done
) &
sampler=$!

echo "machine: $(nproc) CPUs; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "soak: $requests requests over $connections connections"
started=$(date +%s.%N)
# wrk's threads stop at their quota, but wrk itself waits out its duration:
# once the server has answered them all, SIGINT makes it report at once.
wrk -t"$threads" -c"$connections" -d2h --timeout 10s -s "$root/benches/soak/mix.lua" \
  "http://127.0.0.1:$port" -- "$requests" "$threads" > "$report" &
driver=$!
answered() {
  curl -sf "http://127.0.0.1:$admin_port/metrics" |
    awk '/^jsbox_http_requests_total/ { sum += $NF } END { printf "%d", sum }'
}
while kill -0 "$driver" 2> /dev/null && [ "$(answered)" -lt "$requests" ]; do sleep 2; done
kill -INT "$driver" 2> /dev/null || true
wait "$driver" || true
grep -E '^soak:|Requests/sec|Socket errors' "$report"
elapsed=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
echo "soak: took ${elapsed}s; load after: $(cut -d' ' -f1-3 /proc/loadavg)"
kill -0 "$server" || { echo "soak: the server died" >&2; exit 1; }
sleep 2

awk '
  { t[NR] = $1; rss[NR] = $2; fds[NR] = $3; tasks[NR] = $4 }
  END {
    warm = int(NR / 5); if (warm < 1) warm = 1
    lo = hi = rss[warm]; fmax = fds[warm]; tmax = tasks[warm]
    for (i = warm; i <= NR; i++) {
      if (rss[i] < lo) lo = rss[i]; if (rss[i] > hi) hi = rss[i]
      if (fds[i] > fmax) fmax = fds[i]; if (tasks[i] > tmax) tmax = tasks[i]
    }
    printf "soak: %d samples; RSS after warm-up (t=%ss) %d KiB, at the end %d KiB: drift %+.1f %%\n",
      NR, t[warm], rss[warm], rss[NR], (rss[NR] - rss[warm]) * 100 / rss[warm]
    printf "soak: after warm-up RSS min %d KiB, max %d KiB; fds %d at warm-up, %d at the end, max %d; threads max %d\n",
      lo, hi, fds[warm], fds[NR], fmax, tmax
  }' "$samples"
echo "soak: server outcomes: $(grep -o '"outcome":"[a-z_]*"' "$log" | sort | uniq -c | tr -s ' \n' ' ')"
