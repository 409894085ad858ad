#!/bin/sh
# vigil's benchmarks: each prints the figure an issue names. Run with `make bench`, which
# builds build/vigil and build/bench/* first. Results go to stdout and to
# bench/results/latest.txt, with the machine's description.
set -eu
cd "$(dirname "$0")/.."
B=build
out=bench/results/latest.txt
mkdir -p bench/results
: > "$out.tmp"
say() { echo "$*" | tee -a "$out.tmp"; }

say "vigil bench $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
say "commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
say ""

# 1. CPU cost of one collection cycle: time, then instructions under callgrind
#    (instructions are repeatable whatever else the machine does).
say "$($B/bench/bench_cycle 2000)"
if command -v valgrind >/dev/null 2>&1; then
    cg=$(mktemp -d)
    for n in 20 220; do
        valgrind --tool=callgrind --callgrind-out-file="$cg/out.$n" $B/bench/bench_cycle $n \
            >/dev/null 2>"$cg/log.$n"
    done
    i20=$(grep -m1 '^summary:' "$cg/out.20" | awk '{print $2}')
    i220=$(grep -m1 '^summary:' "$cg/out.220" | awk '{print $2}')
    say "collection cycle: $(( (i220 - i20) / 200 )) instructions per cycle (callgrind, 200 cycles difference)"
    rm -rf "$cg"
fi

# 2. Resident memory with the history window full at a 1 s interval. Rings are allocated
#    and written whole when a series is registered, so the daemon's memory after its first
#    cycles is its memory with a full hour; the API is exercised first so that its buffers
#    count too.
log=$(mktemp)
data=$(mktemp -d) # history on disk goes here, not into the user's state directory
$B/vigil serve --listen 127.0.0.1:0 --interval 1s --history 1h --data-dir "$data" 2>"$log" &
pid=$!
port=""
for _ in $(seq 100); do
    port=$(grep -o 'listening on http://[^/]*' "$log" | grep -o '[0-9]*$' || true)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "bench: vigil did not start"; cat "$log"; kill $pid; exit 1; }
sleep 3
for p in /health /api/v1/system /metrics '/api/v1/history?series=cpu.*.utilization&from=-1h' /api/v1/series; do
    curl -s -o /dev/null "http://127.0.0.1:$port$p"
done
rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
series=$(curl -s "http://127.0.0.1:$port/health" | grep -o '"series":[0-9]*' | cut -d: -f2)
hist=$(curl -s "http://127.0.0.1:$port/health" | grep -o '"bytes":[0-9]*' | cut -d: -f2)
anon=$(awk '/^Pss_Anon/ {print $2}' /proc/$pid/smaps_rollup 2>/dev/null || echo 0)
say "resident memory, history full (1 h at 1 s, $series series, $((hist / 1024)) KiB of rings): $((rss / 1024)).$(( (rss % 1024) * 10 / 1024 )) MiB RSS, of which $((anon / 1024)).$(( (anon % 1024) * 10 / 1024 )) MiB is vigil's own anonymous memory and the rest shared library pages"

# 3. Requests per second for /api/v1/system at 10 connections on loopback.
if command -v wrk >/dev/null 2>&1; then
    w=$(wrk -t2 -c10 -d10s --latency "http://127.0.0.1:$port/api/v1/system" 2>&1)
    rps=$(echo "$w" | awk '/Requests\/sec/ {print $2}')
    p50=$(echo "$w" | awk '$1 == "50%" {print $2}')
    p99=$(echo "$w" | awk '$1 == "99%" {print $2}')
    say "GET /api/v1/system: $rps requests/s at 10 connections (wrk -t2 -c10 -d10s), p50 $p50, p99 $p99"
    rss2=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
    say "resident memory after the load: $((rss2 / 1024)).$(( (rss2 % 1024) * 10 / 1024 )) MiB"
fi
kill -TERM $pid
wait $pid || true
rm -f "$log"
rm -rf "$data"

# 4. GET /metrics on a fleet-sized node: fake GPUs and inference targets driven from Node.
if command -v node >/dev/null 2>&1 && command -v wrk >/dev/null 2>&1; then
    say "$(VIGIL_BIN=$PWD/$B/vigil VIGIL_FAKES=$PWD/$B/fakes node bench/bench_metrics.mjs)"
fi

# 5. Live streams: 1,000 WebSocket clients (needs more descriptors than the default 1024).
if command -v node >/dev/null 2>&1; then
    say "$( (ulimit -n 8192 2>/dev/null; VIGIL_BIN=$PWD/$B/vigil node bench/bench_ws.mjs) )"
fi

# 6. The dashboard in Debian's Chromium: first live figure, embedded size, heap over an hour.
if command -v node >/dev/null 2>&1 && [ -x /usr/bin/chromium ]; then
    say "$(VIGIL_BIN=$PWD/$B/vigil VIGIL_FAKES=$PWD/$B/fakes node bench/bench_dashboard.mjs)"
fi

for extra in $B/bench/bench_*; do
    case "$extra" in */bench_cycle) continue ;; esac
    [ -x "$extra" ] && say "$($extra)"
done
mv "$out.tmp" "$out"
