#!/usr/bin/env bash
# Prints one value of the local stack a running ./run.sh keeps in its state file (pid, endpoint, api, emulator_pid, api_pid, worker_pid); fails when no ./run.sh runs.
#   emulator/running-stack.sh KEY      (PIPELINE_RUN_DIR: the folder ./run.sh keeps it in, default artifacts)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
run_dir="${PIPELINE_RUN_DIR:-artifacts}"
case "$run_dir" in /*) ;; *) run_dir="$root/$run_dir" ;; esac
state="$run_dir/local-stack.state"
[ -r "$state" ] || exit 1
declare -A values=()
while IFS='=' read -r key value; do values["$key"]="$value"; done <"$state"
# A file left behind by a ./run.sh that was killed outright names a process that is gone.
[[ "${values[pid]:-}" =~ ^[0-9]+$ ]] && kill -0 "${values[pid]}" 2>/dev/null || exit 1
[ -n "${values[$1]:-}" ] || exit 1
echo "${values[$1]}"
