#!/usr/bin/env bash
# Lists (--list) or moves the worker's dead-lettered messages back to its queue, to be processed again once their cause is fixed.
#   scripts/redrive-dlq.sh [--list]
# The queue is PIPELINE_QUEUE_NAME (default: template.yaml's); its dead-letter queue is read from its redrive policy.
# Given no AWS settings at all it works on the local stack, as ./pipeline does (emulator/local-unless-aws.sh).
# On AWS (AWS_ENDPOINT_URL unset) this starts SQS's own move task; emulators lack that API, so against
# AWS_ENDPOINT_URL each message is received, sent to the queue and only then deleted (a crash repeats, never loses, one).
set -euo pipefail
cd "$(dirname "$0")/.."

mode="move"
case "${1:-}" in
  --list) mode="list" ;;
  "") ;;
  *) echo "usage: $0 [--list]" >&2; exit 2 ;;
esac
# shellcheck source=emulator/local-unless-aws.sh
[ -n "${AWS_ENDPOINT_URL:-}" ] || source emulator/local-unless-aws.sh
if [ -z "${PIPELINE_QUEUE_NAME:-}" ]; then
  PIPELINE_QUEUE_NAME="$(python3 emulator/bootstrap.py --env | sed -n "s/^export PIPELINE_QUEUE_NAME=//p" | tr -d "'")"
fi
export PIPELINE_QUEUE_NAME

exec python3 scripts/redrive_dlq.py "$mode"
