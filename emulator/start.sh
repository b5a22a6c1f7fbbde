#!/usr/bin/env bash
# Starts moto_server on AWS_ENDPOINT_URL's port unless an AWS emulator already answers there; prints the PID it started (or nothing).
#   emulator/start.sh [LOG]
set -euo pipefail
endpoint="${AWS_ENDPOINT_URL:-http://127.0.0.1:4566}"
log="${1:-/dev/null}"
address="${endpoint#http://}"
address="${address%%/*}"
host="${address%%:*}"
port="${address##*:}"

# An emulator answers an unsigned GET / as S3's ListBuckets (moto, LocalStack), or LocalStack's health.
answers_like_aws() {
  curl -s --max-time 2 "$endpoint/" | grep -q ListAllMyBucketsResult \
    || curl -s --max-time 2 "$endpoint/_localstack/health" | grep -q '"services"'
}
taken() { (: <"/dev/tcp/$host/$port") 2>/dev/null; }

if answers_like_aws; then
  echo "using the AWS emulator already running at $endpoint" >&2
  exit 0
fi
case "$endpoint" in
  http://127.0.0.1:*|http://localhost:*) ;;
  *) echo "AWS_ENDPOINT_URL=$endpoint does not answer as an AWS emulator, and only a loopback endpoint can be started here" >&2; exit 1 ;;
esac
if taken; then
  echo "port $port is in use by a program that is not an AWS emulator; AWS_ENDPOINT_URL moves the emulator, e.g. AWS_ENDPOINT_URL=http://127.0.0.1:$((port + 1)) ./run.sh" >&2
  exit 1
fi
command -v moto_server >/dev/null || { echo "moto_server is not installed (it comes with the machine's Python: pip's moto[server])" >&2; exit 1; }
moto_server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
pid=$!
# Stopped (Ctrl-C) before it could hand the pid over: the emulator goes too.
trap 'kill "$pid" 2>/dev/null; exit 130' INT
trap 'kill "$pid" 2>/dev/null; exit 143' TERM
for _ in $(seq 1 100); do
  if answers_like_aws; then
    echo "$pid"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || { echo "moto_server exited; see $log" >&2; exit 1; }
  sleep 0.1
done
kill "$pid" 2>/dev/null || true
echo "moto_server did not answer on $endpoint within 10 s" >&2
exit 1
