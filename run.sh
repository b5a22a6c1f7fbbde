#!/usr/bin/env bash
# Builds Pipeline and runs it locally: an AWS emulator on :4566 (unless AWS_ENDPOINT_URL already answers), the API on :3000 and the worker. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")"

./scripts/setup.sh

# The AWS CLI will not run without credentials, even against an emulator that ignores them.
# A machine with no AWS configuration at all gets a placeholder default profile; any existing
# configuration (files, AWS_PROFILE or keys in the environment) is left alone.
if [ ! -e "$HOME/.aws/credentials" ] && [ ! -e "$HOME/.aws/config" ] \
   && [ -z "${AWS_ACCESS_KEY_ID:-}" ] && [ -z "${AWS_PROFILE:-}" ]; then
  mkdir -p "$HOME/.aws"
  printf '[default]\naws_access_key_id = test\naws_secret_access_key = test\n' > "$HOME/.aws/credentials"
  printf '[default]\nregion = us-east-1\n' > "$HOME/.aws/config"
  echo "no AWS configuration found: wrote a placeholder default profile (key 'test', us-east-1) to ~/.aws for the local emulator; 'aws configure' replaces it"
fi
echo "building..."
dotnet build src/Local/Local.csproj -c Release -nologo -v quiet -clp:"ErrorsOnly;NoSummary"
source emulator/env.sh
api_port="${PIPELINE_API_PORT:-3000}"
logs="artifacts/logs"
mkdir -p "$logs"

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "stopped."
}
# Ctrl-C or a TERM ends the script (wherever it is) through the EXIT trap.
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

emulator_pid="$(emulator/start.sh "$logs/emulator.log")"
[ -n "$emulator_pid" ] && pids+=("$emulator_pid")
python3 emulator/bootstrap.py

local_host=(dotnet src/Local/bin/Release/net10.0/pipeline-local.dll)
"${local_host[@]}" api --port "$api_port" > >(tee "$logs/api.log") 2>&1 &
api_pid=$!
"${local_host[@]}" worker > "$logs/worker.log" 2>&1 &
worker_pid=$!
pids+=("$api_pid" "$worker_pid")

healthy=""
for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$api_port/health" && { healthy=1; break; }
  sleep 0.1
done
[ -n "$healthy" ] || { echo "the API did not answer on port $api_port within 10 s; see $logs/api.log" >&2; exit 1; }

cat <<MSG

Pipeline is running.
  Web page        http://127.0.0.1:$api_port/   (open it in a browser)
  API             http://127.0.0.1:$api_port   (logs: $logs/api.log)
  AWS endpoint    $AWS_ENDPOINT_URL   (buckets $PIPELINE_INPUT_BUCKET, $PIPELINE_OUTPUT_BUCKET; queue $PIPELINE_QUEUE_NAME)
  Worker log      $logs/worker.log

Try:
  curl -X POST --data-binary @kitty.jpg http://127.0.0.1:$api_port/ -o kitty_bw.jpg
  ./pipeline convert samples/photos photos_bw        (in a second shell; ./pipeline status shows every job)
(Ctrl-C stops everything.)
MSG
# Runs until Ctrl-C, or until the API or the worker exits (then everything stops).
wait -n "$api_pid" "$worker_pid"
