#!/usr/bin/env bash
# Runs every test: unit and handler tests, AOT and layer checks, template lint, and end-to-end tests against an embedded AWS emulator; ends with each test project's counts and the total.
set -euo pipefail
cd "$(dirname "$0")"

./scripts/setup.sh
dotnet build Pipeline.sln -nologo -v quiet -clp:ErrorsOnly
./scripts/publish-aot.sh api worker
./scripts/build-layer.sh

# In a terminal, dotnet's terminal logger would show live progress and drop each project's
# counts (--tl:off keeps them); the copy in $results gives the total.
results="$(mktemp)"
trap 'rm -f "$results"' EXIT
status=0
dotnet test Pipeline.sln --no-build -nologo -v quiet --tl:off --logger "console;verbosity=minimal" | tee "$results" || status=$?
# A minute of coverage-guided fuzzing: the harness and its instrumentation work on this machine, and nothing crashes.
./scripts/fuzz.sh --smoke --no-build 60 || status=$?
echo
grep -E '^(Passed|Failed)! +- Failed:' "$results" | sed 's/ *(net[0-9.]*)$//' || true
tr -d ',' <"$results" | awk '/^(Passed|Failed)! +- Failed:/ { failed += $4; passed += $6; skipped += $8; total += $10; projects++ }
  END { printf "total: %d passed, %d failed, %d skipped of %d tests in %d test projects\n", passed, failed, skipped, total, projects }'
exit "$status"
