#!/usr/bin/env bash
# Builds a project in a configuration unless its output is newer than every source it is built from; prints the output's path (the .dll to run).
#   scripts/build-if-stale.sh PROJECT CONFIGURATION SOURCE_FOLDER...    e.g. scripts/build-if-stale.sh src/Cli/Cli.csproj Release src/Cli src/Shared
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
project="$1" configuration="$2"
shift 2
dll="$(dirname "$project")/bin/$configuration/net10.0/$(sed -n 's:.*<AssemblyName>\(.*\)</AssemblyName>.*:\1:p' "$project").dll"
# C# and project files, and the web page's files the API embeds.
if [ -e "$dll" ] && [ -z "$(find "$@" Directory.*.props -newer "$dll" -type f -not -path '*/obj/*' -not -path '*/bin/*' \
     \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.html' -o -name '*.css' -o -name '*.js' -o -name '*.svg' \) -print -quit)" ]; then
  echo "$PWD/$dll"
  exit 0
fi
echo "building $project ($configuration)..." >&2
build="$(dotnet build "$project" -c "$configuration" -nologo -v quiet -clp:ErrorsOnly 2>&1)" || { echo "$build" >&2; exit 1; }
# A build that found nothing to compile leaves the output's time alone: mark it as checked.
touch "$dll"
echo "$PWD/$dll"
