#!/usr/bin/env bash
# Soak test of the worker: 1,000 1 MP photos through `aws s3 cp --recursive`; checks every output arrives and samples the worker's RSS; reports to reports/soak.txt.
#   scripts/soak.sh [COUNT]
# It starts its own emulator and worker (as run.sh does, on free ports) and stops them after; it fails if an output is missing,
# anything is dead-lettered, or the worker's RSS grows: max RSS of the run's second half > 1.2 x max of its first half.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/load.sh
source scripts/load.sh

count="${1:-1000}"
report="reports/soak.txt"
./scripts/setup.sh libjpeg-turbo-progs # cjpeg, to make the test photos
work="$(mktemp -d)"
logs="$work/logs"
trap 'stop_stack; rm -rf "$work"' EXIT INT TERM

echo "making $count photos..."
make_photos "$work/photos" "$count"
start_emulator "$logs"
aws_local() { aws --endpoint-url "$AWS_ENDPOINT_URL" "$@"; }
start_local "$logs/worker.log" worker
worker_pid="$local_pid"
for _ in $(seq 1 300); do grep -q "local worker polling" "$logs/worker.log" && break; sleep 0.1; done
prefix="soak-$(date -u +%Y%m%dT%H%M%S)/"

# One sample a second: seconds since the upload began, worker RSS (KiB).
started="$(date +%s.%N)"
(
  while kill -0 "$worker_pid" 2>/dev/null; do
    echo "$(awk -v s="$started" -v n="$(date +%s.%N)" 'BEGIN {printf "%.1f", n - s}') $(rss_kb "$worker_pid")"
    sleep 1
  done
) >"$work/rss.txt" &
sampler=$!

echo "uploading $count photos to s3://$PIPELINE_INPUT_BUCKET/$prefix ..."
aws_local s3 cp "$work/photos" "s3://$PIPELINE_INPUT_BUCKET/$prefix" --recursive --only-show-errors
uploaded="$(date +%s.%N)"

outputs=0
deadline=$(( $(date +%s) + 1800 ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  outputs="$(aws_local s3 ls "s3://$PIPELINE_OUTPUT_BUCKET/$prefix" --recursive | wc -l)"
  [ "$outputs" -ge "$count" ] && break
  kill -0 "$worker_pid" 2>/dev/null || { echo "the worker exited; see $logs/worker.log" >&2; break; }
  sleep 1
done
finished="$(date +%s.%N)"
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true

# Every input key must have its output under the same key (and nothing else, e.g. .error.json).
aws_local s3 ls "s3://$PIPELINE_INPUT_BUCKET/$prefix" --recursive | awk '{print $4}' | sort >"$work/inputs.txt"
aws_local s3 ls "s3://$PIPELINE_OUTPUT_BUCKET/$prefix" --recursive | awk '{print $4}' | sort >"$work/outputs.txt"
missing="$(comm -23 "$work/inputs.txt" "$work/outputs.txt" | wc -l)"
extra="$(comm -13 "$work/inputs.txt" "$work/outputs.txt" | wc -l)"
dlq_url="$(aws_local sqs get-queue-url --queue-name "$PIPELINE_QUEUE_NAME-dlq" --query QueueUrl --output text)"
dead="$(aws_local sqs get-queue-attributes --queue-url "$dlq_url" --attribute-names ApproximateNumberOfMessages --query Attributes.ApproximateNumberOfMessages --output text)"
failures="$(grep -c '"object failed"' "$logs/worker.log" || true)"
converted="$(grep -c '"outcome":"Converted"' "$logs/worker.log" || true)"

# RSS only while images were being processed, split into halves.
read -r samples first mid last peak first_half_max second_half_max < <(
  awk -v end="$(awk -v s="$started" -v f="$finished" 'BEGIN {print f - s}')" '$1 <= end {t[n] = $1; r[n++] = $2}
    END {
      for (i = 0; i < n; i++) { if (r[i] > max) max = r[i]; if (i < n / 2 && r[i] > h1) h1 = r[i]; if (i >= n / 2 && r[i] > h2) h2 = r[i] }
      print n, r[0], r[int(n / 2)], r[n - 1], max, h1, h2
    }' "$work/rss.txt")
wall="$(awk -v s="$started" -v f="$finished" 'BEGIN {printf "%.1f", f - s}')"
upload="$(awk -v s="$started" -v u="$uploaded" 'BEGIN {printf "%.1f", u - s}')"
rate="$(awk -v n="$outputs" -v w="$wall" 'BEGIN {printf "%.1f", n / w}')"
growth="$(awk -v a="$second_half_max" -v b="$first_half_max" 'BEGIN {printf "%.3f", a / b}')"

verdict="PASS"
[ "$missing" -eq 0 ] && [ "$extra" -eq 0 ] && [ "$outputs" -eq "$count" ] || verdict="FAIL ($missing outputs missing, $extra unexpected)"
[ "$dead" = "0" ] || verdict="FAIL ($dead dead-lettered)"
awk -v g="$growth" 'BEGIN {exit !(g <= 1.2)}' || verdict="FAIL (RSS grew: second half / first half = $growth)"

mkdir -p reports
{
  echo "Soak test of the worker (scripts/soak.sh), $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git rev-parse --short HEAD)"
  echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), shared with other work (numbers are noisy)"
  echo "stack: moto + pipeline-local worker (Release, JIT; SQS event source emulation, 2 pollers, batches of 10, PIPELINE_WORKER_CONCURRENCY=$PIPELINE_WORKER_CONCURRENCY)"
  echo "input: $count distinct 1024x1024 photo-like JPEGs (quality 90, ~$(( $(du -sk "$work/photos" | cut -f1) / count )) KiB each), aws s3 cp --recursive"
  echo
  echo "outputs:        $outputs of $count present under the same keys ($missing missing, $extra unexpected); dead-lettered: $dead"
  echo "worker log:     $converted converted, $failures failed attempts"
  echo "wall time:      ${wall} s from the start of the upload to the last output (upload alone: ${upload} s)"
  echo "throughput:     $rate images/s"
  echo "worker RSS:     $samples samples, one a second (KiB): first $first, mid $mid, last $last, max $peak"
  echo "                max of the first half $first_half_max, of the second half $second_half_max: ratio $growth (limit 1.2)"
  echo "result:         $verdict"
  echo
  echo "RSS samples (seconds since the upload began, KiB), every 10th:"
  awk 'NR % 10 == 1 {printf "  %s %s\n", $1, $2}' "$work/rss.txt"
} >"$report"
cat "$report"
[ "$verdict" = "PASS" ]
