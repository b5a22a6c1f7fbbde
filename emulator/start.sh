#!/usr/bin/env bash
# Starts moto_server on AWS_ENDPOINT_URL's port unless an endpoint already answers there; prints the PID it started (or nothing).
set -euo pipefail
endpoint="${AWS_ENDPOINT_URL:-http://127.0.0.1:4566}"
log="${1:-/dev/null}"

answers() { curl -s -o /dev/null --max-time 2 "$endpoint"; }

if answers; then
  echo "using the AWS endpoint already running at $endpoint" >&2
  exit 0
fi
case "$endpoint" in
  http://127.0.0.1:*|http://localhost:*) ;;
  *) echo "AWS_ENDPOINT_URL=$endpoint does not answer, and only a loopback endpoint can be started here" >&2; exit 1 ;;
esac
port="${endpoint##*:}"
port="${port%%/*}"
command -v moto_server >/dev/null || { echo "moto_server is not installed (it comes with the machine's Python: pip's moto[server])" >&2; exit 1; }
moto_server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  if answers; then
    echo "$pid"
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || { echo "moto_server exited; see $log" >&2; exit 1; }
  sleep 0.1
done
kill "$pid" 2>/dev/null || true
echo "moto_server did not answer on $endpoint within 10 s" >&2
exit 1
