#!/usr/bin/env bash
# Publishes the Lambda functions as Native AOT `bootstrap` executables into artifacts/aot/<function>/.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || set -- api worker
for fn in "$@"; do
  case "$fn" in
    api) project=src/Api/Api.csproj ;;
    worker) project=src/Worker/Worker.csproj ;;
    *) echo "unknown function: $fn" >&2; exit 2 ;;
  esac
  [ -f "$project" ] || { echo "skipping $fn: $project does not exist yet" >&2; continue; }
  out="artifacts/aot/$fn"
  dotnet publish "$project" -c Release -r linux-x64 -p:PublishAot=true -o "$out" -nologo -v quiet
  # The OpenCV library travels in the layer, not in the function package.
  rm -f "$out"/libOpenCvSharpExtern.so "$out"/*.dbg "$out"/*.pdb "$out"/*.xml
  echo "published $out/bootstrap"
done
