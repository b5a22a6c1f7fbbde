#!/usr/bin/env bash
# Benchmarks the API handler (lossless and re-encoding, in and out of its converter process) against the bare codec, the Python tutorial, NetVips and the local API over HTTP, HEIC/AVIF/JPEG XL and Display P3 against their libraries, WebP against libwebp's tools, then memory, cold start and bulk throughput; writes reports/bench.txt.
set -euo pipefail
cd "$(dirname "$0")"

# The tutorial peer runs on Debian's OpenCV under /usr/bin/python3 (no PyPI here); the WebP peer is libwebp's own tools (dwebp, cwebp).
./scripts/setup.sh python3-opencv webp

echo "building..."
# The bench builds src/Api in Release too: the JIT side of the cold-start comparison.
dotnet build bench/Bench/Bench.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
dotnet build src/Local/Local.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
# The layer is shared with test runs, which take this lock before touching artifacts/.
mkdir -p artifacts reports
flock artifacts/.lock ./scripts/build-layer.sh >/dev/null

# Sections: codec photos webp memory coldstart bulk (default: all); --quick for a short smoke run.
dotnet bench/Bench/bin/Release/net10.0/pipeline-bench.dll "$@" --report reports/bench.txt
