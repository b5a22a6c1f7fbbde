#!/usr/bin/env bash
# Builds Pipeline and runs it locally: an AWS emulator (moto) at AWS_ENDPOINT_URL (default :4566) unless one answers there, the API on PIPELINE_API_PORT (default 3000) and the worker; Ctrl-C or TERM stops everything, and so does any part it started dying.
set -euo pipefail
cd "$(dirname "$0")"

api_port="${PIPELINE_API_PORT:-3000}"
export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:4566}"
# The logs and the state file ./pipeline and emulator/env.sh find the running stack by.
run_dir="${PIPELINE_RUN_DIR:-artifacts}"
logs="$run_dir/logs"
state="$run_dir/local-stack.state"

if other="$(emulator/running-stack.sh pid)"; then
  echo "./run.sh is already running (pid $other, API $(emulator/running-stack.sh api)): stop it first (kill $other)" >&2
  exit 1
fi
if (: <"/dev/tcp/127.0.0.1/$api_port") 2>/dev/null; then
  echo "port $api_port is in use by another program; PIPELINE_API_PORT moves the API, e.g. PIPELINE_API_PORT=$((api_port + 1)) ./run.sh" >&2
  exit 1
fi

./scripts/setup.sh
# PIPELINE_CONFIGURATION: the build to run (Release unless set).
host_dll="$(scripts/build-if-stale.sh src/Local/Local.csproj "${PIPELINE_CONFIGURATION:-Release}" src/Local src/Api src/Worker src/Shared src/Errors src/Imaging src/Converter)"
# shellcheck source=emulator/env.sh
source emulator/env.sh
mkdir -p "$logs"

# The parts this script started (key, name, pid, log): each is watched, and all are stopped together.
keys=() names=() pids=() part_logs=()
part() { keys+=("$1"); names+=("$2"); pids+=("$3"); part_logs+=("$4"); }

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if grep -qx "pid=$$" "$state" 2>/dev/null; then rm -f "$state"; fi
  # ${emulator_pid}: an emulator started just as a stop arrived, before it was watched.
  kill "${pids[@]}" ${emulator_pid:-} $(jobs -p) 2>/dev/null || true
  wait 2>/dev/null || true
  # The emulator is not this shell's child (emulator/start.sh started it): wait until it is gone.
  for pid in "${pids[@]}" ${emulator_pid:-}; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  echo "stopped." >&2
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Stops everything, saying which part exited and what its log says last.
died() {
  local name="$1" pid="$2" log="$3"
  echo "the $name (pid $pid) exited, so everything is stopped; its log is $log:" >&2
  { jq -r 'select(.level == "error") | .msg + ": " + (.errorMessage // .reason // "")' "$log" 2>/dev/null || true; } | tail -n 3 | sed 's/^/  /' >&2
  if ! jq -e . "$log" >/dev/null 2>&1; then tail -n 5 "$log" | sed 's/^/  /' >&2; fi
  if grep -q '"cannot listen"' "$log"; then
    echo "port $api_port is in use; PIPELINE_API_PORT moves the API, e.g. PIPELINE_API_PORT=$((api_port + 1)) ./run.sh" >&2
  fi
  exit 1
}
check_parts() {
  for i in "${!pids[@]}"; do
    kill -0 "${pids[$i]}" 2>/dev/null || died "${names[$i]}" "${pids[$i]}" "${part_logs[$i]}"
  done
}

emulator_pid="$(emulator/start.sh "$logs/emulator.log")"
emulator_note="(already running: not started, nor watched, here)"
if [ -n "$emulator_pid" ]; then
  part emulator emulator "$emulator_pid" "$logs/emulator.log"
  emulator_note="(log: $logs/emulator.log)"
fi
python3 emulator/bootstrap.py >/dev/null

# The API's JSON log goes to its file; the terminal gets one short line per request.
dotnet "$host_dll" api --port "$api_port" --print-requests >"$logs/api.log" &
part api "API host" $! "$logs/api.log"
dotnet "$host_dll" worker >"$logs/worker.log" 2>&1 &
part worker "worker host" $! "$logs/worker.log"

# Ready: the API host's own answer that storage answers, and the worker polling its queue.
ready() {
  curl -s --max-time 5 "http://127.0.0.1:$api_port/_local/ready" | jq -e '.status == "ready"' >/dev/null 2>&1 \
    && grep -q '"local worker polling"' "$logs/worker.log"
}
deadline=$((SECONDS + 60))
until ready; do
  check_parts
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "the stack was not ready within 60 s; the API's readiness: $(curl -s --max-time 5 "http://127.0.0.1:$api_port/_local/ready" || echo 'no answer')" >&2
    exit 1
  fi
  sleep 0.2
done

printf 'pid=%s\nendpoint=%s\napi=%s\n' "$$" "$AWS_ENDPOINT_URL" "http://127.0.0.1:$api_port/" >"$state"
for i in "${!pids[@]}"; do printf '%s_pid=%s\n' "${keys[$i]}" "${pids[$i]}" >>"$state"; done

# Ctrl-C reaches this script only if it was not started with SIGINT ignored (nohup, a script's &).
stop="Ctrl-C (or kill $$) stops everything."
if (( 16#$(sed -n 's/^SigIgn:\s*//p' /proc/$$/status) & 2 )); then
  stop="Started with SIGINT ignored, so Ctrl-C does not reach it: kill $$ stops everything."
fi
cat <<MSG

Pipeline is running.
  Web page        http://127.0.0.1:$api_port/   (open it in a browser)
  API             http://127.0.0.1:$api_port   (readiness: /_local/ready; JSON log: $logs/api.log)
  AWS endpoint    $AWS_ENDPOINT_URL   $emulator_note
                  buckets $PIPELINE_INPUT_BUCKET, $PIPELINE_OUTPUT_BUCKET; queue $PIPELINE_QUEUE_NAME
  Worker          polling $PIPELINE_QUEUE_NAME   (JSON log: $logs/worker.log)

Try, in a second shell:
  curl -X POST --data-binary @kitty.jpg http://127.0.0.1:$api_port/ -o kitty_bw.jpg
  ./pipeline convert samples/photos photos_bw        (./pipeline status shows every job)
  source emulator/env.sh                             (this stack's endpoint and placeholder keys, for the AWS CLI)
  aws --endpoint-url "\$AWS_ENDPOINT_URL" s3 ls s3://$PIPELINE_OUTPUT_BUCKET/
$stop Requests, one line each:
MSG
while :; do
  check_parts
  sleep 1 &
  wait $!
done
