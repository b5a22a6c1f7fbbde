# Sourced by ./pipeline and scripts/redrive-dlq.sh with the command's arguments: unless the
# environment or the arguments name an AWS account (an endpoint other than loopback, a profile,
# keys, a bucket), the command talks to the local stack (env.sh). Set AWS_PROFILE=default to
# use ~/.aws's default profile.
local_stack=""
case "${AWS_ENDPOINT_URL:-}" in
  http://127.0.0.1:*|http://localhost:*) local_stack=1 ;;
  "") [ -n "${AWS_PROFILE:-}${AWS_ACCESS_KEY_ID:-}${PIPELINE_INPUT_BUCKET:-}" ] || local_stack=1 ;;
esac
for arg in "$@"; do case "$arg" in --endpoint-url*|--profile*|--input-bucket*) local_stack="" ;; esac; done
# shellcheck source=emulator/env.sh
[ -z "$local_stack" ] || source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
unset local_stack
