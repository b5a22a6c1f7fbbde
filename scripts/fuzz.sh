#!/usr/bin/env bash
# Fuzzes the image inspection and conversion under afl-fuzz (SharpFuzz) against the differential oracle; a campaign keeps its corpus and findings in tests/ and reports to reports/fuzz.txt.
#   scripts/fuzz.sh [--jobs N] DURATION     a campaign of DURATION (seconds, or 30m, 2h) on N afl-fuzz instances
#                                           (default: one per core afl-gotcpu finds free, at least one)
#   scripts/fuzz.sh --smoke DURATION        one instance, nothing kept; fails when anything crashes (./test.sh runs it)
#   --no-build                              use the build there is (./test.sh has just built Pipeline.sln)
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=false
jobs=""
build_first=true
while [ $# -gt 1 ]; do
  case "$1" in
    --smoke) smoke=true; shift ;;
    --no-build) build_first=false; shift ;;
    --jobs) jobs="$2"; shift 2 ;;
    *) break ;;
  esac
done
usage="usage: scripts/fuzz.sh [--smoke | --jobs N] [--no-build] DURATION (seconds, or with m or h: 30m, 2h)"
[ $# -eq 1 ] || { echo "$usage" >&2; exit 2; }
case "$1" in
  *h) seconds=$(( ${1%h} * 3600 )) ;;
  *m) seconds=$(( ${1%m} * 60 )) ;;
  *) seconds=$(( $1 )) ;;
esac
[ "$seconds" -gt 0 ] || { echo "$usage" >&2; exit 2; }

command -v afl-fuzz >/dev/null || ./scripts/setup.sh
dotnet tool restore >/dev/null
[ "$build_first" = false ] || dotnet build fuzz/Imaging.Fuzz/Imaging.Fuzz.csproj -nologo -v quiet -clp:ErrorsOnly

# Two copies of the build, so that building again meanwhile changes neither: one as it is (the
# converter processes run it, and the replays), and one whose inspection is instrumented for
# afl-fuzz. Instrumented code writes coverage into afl-fuzz's shared memory, which only the fuzz
# target maps, so the converter must not load it.
work="artifacts/fuzz/$([ "$smoke" = true ] && echo smoke || echo campaign)"
rm -rf "$work"
mkdir -p "$work"
build="$work/build"
cp -r fuzz/Imaging.Fuzz/bin/Debug/net10.0 "$build"
cp -r "$build" "$work/target"
instrumented=(Pipeline.Imaging.Readers Pipeline.Imaging.ImageInspector Pipeline.Imaging.DecodeCost)
dotnet sharpfuzz "$work/target/Pipeline.Imaging.dll" "${instrumented[@]}"

# Seeds: small images of every format the tests generate, and the corpus earlier campaigns kept.
corpus=tests/Imaging.Tests/Fuzz/corpus
findings=tests/Imaging.Tests/Fuzz/findings
dotnet "$build/Pipeline.Imaging.Fuzz.dll" seeds "$work/seeds"
generated=$(find "$work/seeds" -type f | wc -l)
if [ -d "$corpus" ]; then cp "$corpus"/* "$work/seeds/" 2>/dev/null || true; fi

# Per execution: 10 s (a conversion may take 2 s of CPU, twice for a JPEG, on a loaded machine)
# and 8 GiB of address space. afl-fuzz's -m is RLIMIT_AS, of which .NET's garbage collector
# reserves a share in proportion: under 4 GiB the in-process decode of a large legitimate image
# (7000x7000, 16-bit RGBA) already fails to allocate and would pass for a refusal; under 6 GiB
# it decodes. The converter processes inherit it, below their own per-image limits.
timeout_ms=10000
memory_mb=8192
target=("$(command -v dotnet)" "$work/target/Pipeline.Imaging.Fuzz.dll" afl "$PWD/$build/Pipeline.Converter.dll")
# A CPU governor other than "performance" is no reason to stop (a VM has none); nor is a
# core_pattern that pipes to a crash handler (a violation is an exception, not a core dump); the
# target is dotnet, which carries no AFL marker (afl-fuzz stops: "No instrumentation detected");
# no binding to a core, which fails once other afl-fuzz instances (a campaign, ./test.sh's smoke)
# hold the free ones; a log instead of the screen; .NET and OpenCV may take more than afl-fuzz's
# 10 s to start on a loaded machine.
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_BIN_CHECK=1 \
  AFL_NO_AFFINITY=1 AFL_NO_UI=1 AFL_FORKSRV_INIT_TMOUT=60000

if [ -z "$jobs" ]; then
  if [ "$smoke" = true ]; then jobs=1; else
    jobs=$(afl-gotcpu 2>&1 | grep -c 'AVAILABLE' || true)
    [ "$jobs" -ge 1 ] || jobs=1
  fi
fi
load_before=$(cut -d' ' -f1 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M UTC')
echo "fuzzing for ${seconds} s on $jobs afl-fuzz instance(s); log: $work/afl-*.log"
pids=()
for ((i = 0; i < jobs; i++)); do
  role=$([ "$i" -eq 0 ] && echo "-M main" || echo "-S secondary$i")
  # shellcheck disable=SC2086 # role is two words
  afl-fuzz -i "$work/seeds" -o "$work/out" $role -t "$timeout_ms" -m "$memory_mb" -V "$seconds" -- "${target[@]}" \
    >"$work/afl-$i.log" 2>&1 &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=$?; done
load_after=$(cut -d' ' -f1 /proc/loadavg)
if [ "$status" -ne 0 ]; then
  echo "afl-fuzz failed ($status):" >&2
  tail -n 20 "$work"/afl-*.log >&2
  exit 1
fi

# A field of every instance's fuzzer_stats, summed (sum) or the largest (max).
field() { awk -F' *: *' -v key="$1" -v how="$2" '$1 == key { v = $2 + 0; s += v; if (v > m) m = v } END { printf "%d", how == "sum" ? s : m }' "$work"/out/*/fuzzer_stats; }
execs=$(field execs_done sum)
crashes=$(field saved_crashes sum)
hangs=$(field saved_hangs sum)
summary="$execs executions ($(( execs / seconds ))/s over ${seconds} s), $(field corpus_count max) paths ($(field corpus_found sum) found), $(field edges_found max) edges, $crashes crashes, $hangs hangs"
echo "$summary"
[ "$execs" -gt 0 ] || { echo "afl-fuzz executed nothing" >&2; exit 1; }

# What crashed or hung, checked again without afl-fuzz (no timeout: a hang shows how long it takes).
outcomes=()
while IFS= read -r -d '' file; do
  outcomes+=("$file")
done < <(find "$work"/out/*/crashes "$work"/out/*/hangs -type f -name 'id:*' -print0 2>/dev/null)
if [ "$smoke" = true ]; then
  if [ "$crashes" -gt 0 ]; then
    echo "the fuzz smoke found $crashes crash(es); replayed:" >&2
    dotnet "$build/Pipeline.Imaging.Fuzz.dll" replay "${outcomes[@]}" >&2 || true
    exit 1
  fi
  [ "$hangs" -eq 0 ] || echo "$hangs input(s) hung past ${timeout_ms} ms (a loaded machine can cause it): ${outcomes[*]}"
  exit 0
fi

# A campaign keeps each finding minimised, named by its content, for the replay test; and the
# queues of every instance minimised to the inputs that cover distinct paths, as the next seeds.
mkdir -p "$findings"
kept=()
for file in "${outcomes[@]}"; do
  kind=$([[ "$file" == */crashes/* ]] && echo crash || echo hang)
  minimised="$work/minimised"
  if [ "$kind" = crash ]; then
    afl-tmin -i "$file" -o "$minimised" -t "$timeout_ms" -m "$memory_mb" -- "${target[@]}" >"$work/tmin.log" 2>&1 || cp "$file" "$minimised"
  else
    afl-tmin -H -i "$file" -o "$minimised" -t "$timeout_ms" -m "$memory_mb" -- "${target[@]}" >"$work/tmin.log" 2>&1 || cp "$file" "$minimised"
  fi
  name="$findings/$kind-$(sha256sum "$minimised" | cut -c1-16)"
  cp "$minimised" "$name"
  kept+=("$name")
done
rm -rf "$work/queue" "$work/cmin"
mkdir -p "$work/queue"
for queue in "$work"/out/*/queue; do cp "$queue"/id:* "$work/queue/" 2>/dev/null || true; done
afl-cmin -i "$work/queue" -o "$work/cmin" -t "$timeout_ms" -m "$memory_mb" -- "${target[@]}" >"$work/cmin.log" 2>&1
rm -rf "$corpus"
mkdir -p "$corpus"
for file in "$work"/cmin/*; do cp "$file" "$corpus/$(sha256sum "$file" | cut -c1-16)"; done

replayed="$work/replayed.txt"
if [ ${#kept[@]} -gt 0 ]; then dotnet "$build/Pipeline.Imaging.Fuzz.dll" replay "${kept[@]}" >"$replayed" || true; else : >"$replayed"; fi
{
  echo "Fuzzing campaign of the image inspection and conversion (scripts/fuzz.sh $1), $started, $seconds s"
  echo "Machine: nproc $(nproc), $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(. /etc/os-release && echo "$PRETTY_NAME"), .NET $(dotnet --version); 1-min load average $load_before at start, $load_after at end"
  echo "Fuzzer: afl-fuzz$(awk -F' *: *' '$1 == "afl_version" { print $2; exit }' "$work"/out/main/fuzzer_stats), $jobs instance(s); SharpFuzz 2.3.0 out-of-process target instrumenting ${instrumented[*]}"
  echo "Oracle: fuzz/Imaging.Fuzz/DifferentialOracle.cs; per execution ${timeout_ms} ms and ${memory_mb} MiB of address space"
  echo "Seeds: $generated generated (small images of every format and layout, the sample photos cropped) and $(( $(find "$work/seeds" -type f | wc -l) - generated )) from the kept corpus"
  echo
  echo "executions:  $execs ($(( execs / seconds ))/s)"
  echo "paths:       $(field corpus_count max) in the largest queue, $(field corpus_found sum) found in this run; $(find "$corpus" -type f | wc -l) kept in $corpus"
  echo "edges:       $(field edges_found max) (stability $(awk -F' *: *' '$1 == "stability" { print $2; exit }' "$work"/out/main/fuzzer_stats))"
  echo "crashes:     $crashes"
  echo "hangs:       $hangs"
  echo "duration:    $seconds s"
  if [ ${#kept[@]} -gt 0 ]; then
    echo
    echo "Findings, minimised into $findings and replayed through the oracle:"
    sed 's/^/  /' "$replayed"
  fi
} >reports/fuzz.txt
cat reports/fuzz.txt
[ ${#kept[@]} -eq 0 ] || { echo "findings kept in $findings: the replay test fails until they are fixed" >&2; exit 1; }
