#!/usr/bin/env bash
# Load test of the local API: 10,000 POSTs of a 1 MP photo-like JPEG at concurrency 32 with hey; reports latency and the API's RSS to reports/load.txt.
#   scripts/load.sh [REQUESTS] [CONCURRENCY]
# It starts its own emulator and API on free ports and stops them after; it fails unless every answer is a 200 and
# RSS after / RSS after warm-up <= 1.2. scripts/soak.sh sources it for the stack and image helpers.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Resident set size of a process, in KiB.
rss_kb() { ps -o rss= -p "$1" | tr -d ' '; }

stack_pids=()
stop_stack() {
  for pid in "${stack_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${stack_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  stack_pids=()
}

# Builds the local host, starts moto on a free port and creates the template's resources; sets the functions' environment.
start_emulator() {
  local logs="$1"
  mkdir -p "$logs"
  dotnet build src/Local/Local.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
  AWS_ENDPOINT_URL="http://127.0.0.1:$(free_port)"
  export AWS_ENDPOINT_URL
  # shellcheck source=emulator/env.sh
  source emulator/env.sh
  local pid
  pid="$(emulator/start.sh "$logs/emulator.log")"
  stack_pids+=("$pid")
  python3 emulator/bootstrap.py >/dev/null
}

# Starts `pipeline-local ARGS...` in the background with its output in LOG; sets local_pid.
start_local() {
  local log="$1"
  shift
  dotnet src/Local/bin/Release/net10.0/pipeline-local.dll "$@" >"$log" 2>&1 &
  local_pid=$!
  stack_pids+=("$local_pid")
}

# Writes COUNT distinct 1024x1024 photo-like JPEGs (sky, sun, hills, texture, sensor noise) to DIR as photo-NNNN.jpg.
make_photos() {
  local dir="$1" count="$2"
  mkdir -p "$dir"
  python3 scripts/make_photos.py "$dir" "$count"
}

main() {
  # The warm-up lets the GC heap reach its working size before the "before" RSS is taken.
  local requests="${1:-10000}" concurrency="${2:-32}" warmup=2048
  local logs report="reports/load.txt"
  # hey splits -n evenly among its workers and drops the remainder (-n 10000 -c 32 sends 9984), so round up.
  local sent=$(( (requests + concurrency - 1) / concurrency * concurrency ))
  # hey: the load generator; libjpeg-turbo-progs: cjpeg, to make the test photos.
  ./scripts/setup.sh hey libjpeg-turbo-progs
  work="$(mktemp -d)"
  logs="$work/logs"
  trap 'stop_stack; rm -rf "$work"' EXIT INT TERM

  start_emulator "$logs"
  local port
  port="$(free_port)"
  start_local "$logs/api.log" api --port "$port"
  local api_pid="$local_pid" url="http://127.0.0.1:$port/"
  for _ in $(seq 1 200); do curl -s -o /dev/null "${url}health" && break; sleep 0.1; done

  make_photos "$work" 1
  local photo="$work/photo-0000.jpg"
  local check
  check="$(curl -sS -X POST --data-binary "@$photo" -H 'Content-Type: image/jpeg' "$url" -o "$work/gray.jpg" -w '%{http_code} %{content_type}')"
  [ "$check" = "200 image/jpeg" ] || { echo "the API answered $check to the test photo; see $logs/api.log" >&2; exit 1; }

  # RSS twice a second, tagged with the phase. One sample lands anywhere in a GC cycle (+-30 MB here), so the
  # levels compared are medians: of the warm-up's second half ("before") and of the run's last quarter ("after").
  # A leak moves that level with every request; GC timing does not.
  echo warmup >"$work/phase"
  ( while kill -0 "$api_pid" 2>/dev/null; do echo "$(cat "$work/phase") $(rss_kb "$api_pid")"; sleep 0.5; done ) >"$work/rss.txt" &
  local sampler=$!
  echo "warm-up: $warmup requests"
  hey -n "$warmup" -c "$concurrency" -m POST -D "$photo" -T image/jpeg "$url" >"$work/warmup.txt"
  local rss_warm
  rss_warm="$(rss_kb "$api_pid")"
  echo run >"$work/phase"
  echo "load: $sent requests at concurrency $concurrency"
  local command="hey -n $sent -c $concurrency -m POST -D photo.jpg -T image/jpeg $url"
  hey -n "$sent" -c "$concurrency" -m POST -D "$photo" -T image/jpeg "$url" >"$work/hey.txt"
  local rss_end
  rss_end="$(rss_kb "$api_pid")"
  kill "$sampler" 2>/dev/null || true
  wait "$sampler" 2>/dev/null || true
  # median PHASE FROM TO: the median RSS of that phase's samples between fractions FROM and TO of it.
  median() { awk -v p="$1" -v a="$2" -v b="$3" '$1 == p {r[n++] = $2} END {
      k = 0; for (i = int(n * a); i < int(n * b); i++) s[k++] = r[i]
      for (i = 1; i < k; i++) for (j = i; j > 0 && s[j - 1] > s[j]; j--) { t = s[j]; s[j] = s[j - 1]; s[j - 1] = t }
      print s[int(k / 2)] }' "$work/rss.txt"; }
  local rss_before rss_after rss_during
  rss_before="$(median warmup 0.5 1)"
  rss_after="$(median run 0.75 1)"
  rss_during="$(awk '$1 == "run" {print $2}' "$work/rss.txt" | sort -n | awk '{r[n++] = $1} END {printf "min %d, median %d, max %d over %d samples", r[0], r[int(n / 2)], r[n - 1], n}')"

  local ok p50 p90 p99 slowest rps errors ratio verdict="PASS"
  ok="$(awk '/\[200\]/ {print $2}' "$work/hey.txt")"
  ok="${ok:-0}"
  p50="$(awk '/ 50% in / {print $3 * 1000}' "$work/hey.txt")"
  p90="$(awk '/ 90% in / {print $3 * 1000}' "$work/hey.txt")"
  p99="$(awk '/ 99% in / {print $3 * 1000}' "$work/hey.txt")"
  slowest="$(awk '/Slowest:/ {print $2 * 1000}' "$work/hey.txt")"
  rps="$(awk '/Requests\/sec:/ {print $2}' "$work/hey.txt")"
  errors="$(sed -n '/Error distribution:/,$p' "$work/hey.txt")"
  ratio="$(awk -v a="$rss_after" -v b="$rss_before" 'BEGIN {printf "%.3f", a / b}')"
  [ "$ok" -eq "$sent" ] && [ -z "$errors" ] || verdict="FAIL (not every request got a 200)"
  awk -v r="$ratio" 'BEGIN {exit !(r <= 1.2)}' || verdict="FAIL (RSS grew more than 1.2x)"

  mkdir -p reports
  {
    echo "Load test of the local API (scripts/load.sh), $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD)"
    echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), shared with other work (numbers are noisy)"
    echo "stack: moto + pipeline-local api (Release, JIT; Kestrel in front of the same ApiFunction Lambda runs)"
    echo "image: $(stat -c %s "$photo") byte 1024x1024 photo-like JPEG (quality 90), answered as a grayscale JPEG of $(stat -c %s "$work/gray.jpg") bytes"
    echo "warm-up: $warmup requests, then: $command"
    echo
    echo "requests:       $sent sent, $ok answered 200 OK"
    echo "throughput:     $rps requests/s"
    echo "latency (ms):   p50 $p50   p90 $p90   p99 $p99   slowest $slowest"
    echo "API RSS (KiB):  before (median, warm-up's second half) $rss_before, after (median, run's last quarter) $rss_after: ratio $ratio (limit 1.2)"
    echo "                single samples: at the end of the warm-up $rss_warm, at the end of the run $rss_end"
    echo "                during the run: $rss_during"
    echo "result:         $verdict"
    echo
    echo "hey's own report:"
    sed 's/^/  /' "$work/hey.txt"
  } >"$report"
  cat "$report"
  [ "$verdict" = "PASS" ]
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
