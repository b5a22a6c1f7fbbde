#!/usr/bin/env bash
# Times a folder of 1 MP photos through the local stack with ./pipeline convert (first run and re-run) against aws s3 cp --recursive + waiting + copying back, measures the worker's per-image time at 1 MP and 12 MP, and writes reports/cli.txt.
#   scripts/cli-vs-cp.sh [COUNT] [BIG]    (default 200 1 MP photos, 20 12 MP photos)
# It starts its own emulator and worker on free ports (as run.sh does) and stops them after.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/load.sh
source scripts/load.sh

count="${1:-200}"
big="${2:-20}"
report="reports/cli.txt"
./scripts/setup.sh libjpeg-turbo-progs netpbm jq
work="$(mktemp -d)"
logs="$work/logs"
trap 'stop_stack; rm -rf "$work"' EXIT INT TERM
seconds() { awk -v s="$1" -v e="$2" 'BEGIN {printf "%.1f", e - s}'; }
median() { sort -n | awk '{v[n++] = $1} END {if (n) printf "%.1f", (n % 2 ? v[int(n / 2)] : (v[n / 2 - 1] + v[n / 2]) / 2); else printf "-"}'; }

echo "making $count 1 MP photos and $big 12 MP photos..."
make_photos "$work/photos" "$count"
mkdir -p "$work/warm-up" "$work/photos-12mp"
find "$work/photos" -name '*.jpg' | sort | head -n 20 | xargs -I{} cp {} "$work/warm-up/"
find "$work/photos" -name '*.jpg' | sort | head -n "$big" | while read -r photo; do
  djpeg "$photo" | pnmscale -xsize 4000 -ysize 3000 | cjpeg -quality 90 >"$work/photos-12mp/$(basename "$photo")"
done
./pipeline --help >/dev/null # builds the CLI (Release) if needed
start_emulator "$logs"
start_local "$logs/worker.log" worker
for _ in $(seq 1 300); do grep -q "local worker polling" "$logs/worker.log" && break; sleep 0.1; done
aws_local() { aws --endpoint-url "$AWS_ENDPOINT_URL" "$@"; }

./pipeline convert "$work/warm-up" "$work/warm-up-out" >/dev/null || true
warm="$(wc -l <"$logs/worker.log")"

requests() { grep -c '" [0-9][0-9][0-9] ' "$logs/emulator.log" || true; }
r0="$(requests)"
t0="$(date +%s.%N)"; ./pipeline convert "$work/photos" "$work/cli-out" >"$work/cli-1.txt"; t1="$(date +%s.%N)"
r1="$(requests)"
./pipeline convert "$work/photos" "$work/cli-out" >"$work/cli-2.txt"; t2="$(date +%s.%N)"
worker_lines_1mp="$(wc -l <"$logs/worker.log")"

r3="$(requests)"
prefix="cp-$(date -u +%Y%m%dT%H%M%S)/"
t3="$(date +%s.%N)"
aws_local s3 cp "$work/photos" "s3://$PIPELINE_INPUT_BUCKET/$prefix" --recursive --only-show-errors
t4="$(date +%s.%N)"
while [ "$(aws_local s3 ls "s3://$PIPELINE_OUTPUT_BUCKET/$prefix" --recursive | wc -l)" -lt "$count" ]; do sleep 0.5; done
t5="$(date +%s.%N)"
aws_local s3 cp "s3://$PIPELINE_OUTPUT_BUCKET/$prefix" "$work/cp-out" --recursive --only-show-errors
t6="$(date +%s.%N)"
r6="$(requests)"

skip="$(wc -l <"$logs/worker.log")"
t7="$(date +%s.%N)"; ./pipeline convert "$work/photos-12mp" "$work/cli-12mp-out" >"$work/cli-12mp.txt"; t8="$(date +%s.%N)"

# The worker's own per-image figures: the "object" log line (read, convert, write, with moto's latency) and the ConversionMs metric.
per_image() { # FROM TO SIZE_MIN SIZE_MAX FIELD
  sed -n "$1,$2p" "$logs/worker.log" | jq -r --argjson lo "$3" --argjson hi "$4" --arg f "$5" \
    'select(.msg == "object" and .outcome == "Converted" and $f == "ms" and .bytes >= $lo and .bytes < $hi) .ms,
     select(.ConversionMs != null and $f == "conv" and .BytesIn >= $lo and .BytesIn < $hi) .ConversionMs' 2>/dev/null | median
}
obj_1mp="$(per_image "$((warm + 1))" "$worker_lines_1mp" 0 1000000 ms)"
conv_1mp="$(per_image "$((warm + 1))" "$worker_lines_1mp" 0 1000000 conv)"
obj_cp="$(per_image "$((worker_lines_1mp + 1))" "$skip" 0 1000000 ms)"
conv_cp="$(per_image "$((worker_lines_1mp + 1))" "$skip" 0 1000000 conv)"
obj_12mp="$(per_image "$((skip + 1))" "\$" 1000000 100000000 ms)"
conv_12mp="$(per_image "$((skip + 1))" "\$" 1000000 100000000 conv)"

mkdir -p reports
{
  echo "./pipeline convert vs aws s3 cp (scripts/cli-vs-cp.sh), $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD)"
  echo "machine: $(nproc) cores, shared with other work (numbers are noisy); stack: moto + pipeline-local worker (Release, JIT, 2 pollers,"
  echo "batches of 10, PIPELINE_WORKER_CONCURRENCY=$PIPELINE_WORKER_CONCURRENCY); CLI Release; worker warmed up with 20 photos first"
  echo "input: $count distinct 1024x1024 photo-like JPEGs, $(du -sk "$work/photos" | cut -f1) KiB in all; $big 4000x3000 JPEGs (the same scenes scaled up), $(du -sk "$work/photos-12mp" | cut -f1) KiB"
  echo
  echo "1 MP folder, ./pipeline convert (upload, wait, download):   $(seconds "$t0" "$t1") s   last line: $(tail -1 "$work/cli-1.txt")"
  echo "the same again (nothing to upload or download):          $(seconds "$t1" "$t2") s   last line: $(tail -1 "$work/cli-2.txt")"
  echo "aws s3 cp --recursive + polling outputs + aws s3 cp back: $(seconds "$t3" "$t6") s   (upload $(seconds "$t3" "$t4") s, all outputs $(seconds "$t3" "$t5") s, copy back $(seconds "$t5" "$t6") s)"
  echo "emulator requests per image (client and worker): ./pipeline $(awk -v a="$r0" -v b="$r1" -v n="$count" 'BEGIN {printf "%.1f", (b - a) / n}'), aws s3 cp + polling + copy back $(awk -v a="$r3" -v b="$r6" -v n="$count" 'BEGIN {printf "%.1f", (b - a) / n}')"
  echo "12 MP folder, ./pipeline convert:                         $(seconds "$t7" "$t8") s   last line: $(tail -1 "$work/cli-12mp.txt")"
  echo
  echo "worker, per image, median ms     1 MP (./pipeline)  1 MP (aws s3 cp)  12 MP (./pipeline)"
  echo "  read + convert + write (moto)    $obj_1mp    $obj_cp    $obj_12mp"
  echo "  conversion alone                 $conv_1mp    $conv_cp    $conv_12mp"
  echo "  ($PIPELINE_WORKER_CONCURRENCY images at once on $(nproc) cores: each conversion shares a core, so these are wall times under contention)"
} >"$report"
cat "$report"
