#!/usr/bin/env bash
# Runs every test: unit and handler tests, AOT and layer checks, template lint, and end-to-end tests against an embedded AWS emulator.
set -euo pipefail
cd "$(dirname "$0")"

./scripts/setup.sh
dotnet build Pipeline.sln -nologo -v quiet -clp:ErrorsOnly
./scripts/publish-aot.sh api worker
./scripts/build-layer.sh
dotnet test Pipeline.sln --no-build -nologo -v quiet --logger "console;verbosity=minimal"
