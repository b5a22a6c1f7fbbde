#!/usr/bin/env bash
# Installs what a fresh machine lacks for building, running and testing the project, plus any Debian packages named as arguments (idempotent).
#   scripts/setup.sh [PACKAGE...]
set -euo pipefail

# libgtk-3-0: the official OpenCvSharp runtime links GTK (for highgui) even though we never call it.
# patchelf, binutils (readelf, objdump): build and check the Lambda layer's OpenCV library.
# gcc: the linker Native AOT publishing calls. curl: health checks and the end-to-end tests. jq: the README's upload example.
# libturbojpeg0: the lossless JPEG path (shipped in the layer too); libjpeg-turbo-progs (cjpeg, jpegtran): test inputs.
# chromium, fonts-dejavu-core: the browser the web page's tests drive headless (Playwright's own browser download is not used).
# libheif1, libde265-0, libdav1d6, libjxl0.7, liblcms2-2: HEIC, AVIF, JPEG XL and colour management (shipped in the layer too).
# libheif-examples, libavif-bin, libjxl-tools, liblcms2-utils, python3-pil, colord-data, libgs-common: the tests' real encoders
# (heif-enc, avifenc, cjxl, jpgicc, tificc), Pillow's ImageCms as the independent colour reference, and ICC profiles.
# afl++: the coverage-guided fuzzer scripts/fuzz.sh runs (./test.sh runs a minute of it).
packages=(libgtk-3-0 patchelf binutils gcc curl jq libturbojpeg0 libjpeg-turbo-progs chromium fonts-dejavu-core
  libheif1 libde265-0 libdav1d6 libjxl0.7 liblcms2-2
  libheif-examples libavif-bin libjxl-tools liblcms2-utils python3-pil colord-data libgs-common afl++ "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodejs, npm: the IAM policy simulator the tests run (below); a machine may have them from elsewhere.
command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

for tool in dotnet moto_server aws python3 node npm; do
  command -v "$tool" >/dev/null || { echo "missing required tool: $tool" >&2; exit 1; }
done

# The IAM policy simulator (@cloud-copilot/iam-simulate, AGPL-3.0) the tests evaluate the template's
# policies with: test-time only, installed from tests/Iam's lock file, never part of a function or the layer.
iam="$(dirname "$0")/../tests/Iam"
if [ ! -f "$iam/node_modules/.package-lock.json" ] || [ "$iam/package-lock.json" -nt "$iam/node_modules/.package-lock.json" ]; then
  npm ci --prefix "$iam" --no-audit --no-fund --ignore-scripts --loglevel=error
fi
