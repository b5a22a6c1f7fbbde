#!/usr/bin/env bash
# Checks that the layer (OpenCV, libturbojpeg, the HEIC/AVIF/JPEG XL decoders, lcms2) and the AOT bootstraps fit provided.al2023: glibc <= 2.34, every NEEDED resolvable, under Lambda's 250 MB.
set -euo pipefail
cd "$(dirname "$0")/.."

layer=${1:-artifacts/layer} # a layer lands in /opt; /opt/lib is on Lambda's LD_LIBRARY_PATH
base_list=layer/al2023-base.txt
bootstraps=(artifacts/aot/api/bootstrap artifacts/aot/worker/bootstrap)
limit=$((250 * 1024 * 1024)) # Lambda: function package plus all its layers, unzipped
# What the provided.al2023 base provides (see $base_list): glibc 2.34, and libstdc++/libgcc_s from GCC 11.4.
max_glibc=2.34
max_glibcxx=3.4.29
max_cxxabi=1.3.13
max_gcc=7.0.0

[ -d "$layer/lib" ] || { echo "check-layer: $layer/lib does not exist; run scripts/build-layer.sh" >&2; exit 1; }
failures=()
fail() { failures+=("$*"); }
version_le() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" = "$1" ]; }
is_elf() { [ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; }
needed_of() { readelf -d --wide "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'; }
version_needs() { # "<library> <version>" for every symbol version the file requires
  readelf -V --wide "$1" | awk '/^Version needs section/ {s = 1; next} /^Version (symbols|definition) section/ {s = 0}
    s && match($0, /File: [^ ]+/) {file = substr($0, RSTART + 6, RLENGTH - 6)}
    s && match($0, /Name: [^ ]+/) {print file, substr($0, RSTART + 6, RLENGTH - 6)}'
}
max_of() { # highest <prefix>x.y among "<library> <version>" lines on stdin
  grep -o " $1[0-9][0-9.]*\$" | sed "s/ $1//" | sort -V | tail -n 1
}

declare -A available=()
while read -r soname; do available[$soname]="AL2023 base"; done < <(grep -v -e '^#' -e '^$' "$base_list")
for file in "$layer"/lib/*; do available[$(basename "$file")]="layer"; done

elves=()
while IFS= read -r file; do is_elf "$file" && elves+=("$file"); done < <(find -L "$layer" -type f | sort)
for file in "${bootstraps[@]}"; do [ -f "$file" ] && elves+=("$file"); done

echo "ELF files (highest symbol versions required; NEEDED resolved against $layer/lib and $base_list):"
for file in "${elves[@]}"; do
  needs=$(version_needs "$file")
  glibc=$(max_of GLIBC_ <<<"$needs" || true)
  summary="GLIBC_${glibc:-none}"
  [ -z "$glibc" ] || version_le "$glibc" "$max_glibc" ||
    fail "$file needs GLIBC_$glibc; provided.al2023 has glibc $max_glibc"
  # Symbol versions from the base's libstdc++ and libgcc_s (GCC 11), unless the layer ships its own.
  for ceiling in "libstdc++.so.6 GLIBCXX_ $max_glibcxx" "libstdc++.so.6 CXXABI_ $max_cxxabi" "libgcc_s.so.1 GCC_ $max_gcc"; do
    read -r library prefix max <<<"$ceiling"
    highest=$(grep "^$library " <<<"$needs" | max_of "$prefix" || true)
    [ -n "$highest" ] || continue
    summary+=" $prefix$highest"
    [ "${available[$library]:-}" != "AL2023 base" ] || version_le "$highest" "$max" ||
      fail "$file needs $prefix$highest from $library; the AL2023 base's (GCC 11.4) has up to $prefix$max"
  done
  printf '  %-48s %s\n' "$file" "$summary"
  for soname in $(needed_of "$file"); do
    [ -n "${available[$soname]:-}" ] ||
      fail "$file needs $soname, which is neither in $layer/lib nor in the provided.al2023 base ($base_list)"
  done
done

mib() { awk -v b="$1" 'BEGIN {printf "%.1f MiB", b / 1048576}'; }
bytes_of() { find -L "$1" -type f -printf '%s\n' | awk '{n += $1} END {print n + 0}'; } # what unzips
layer_bytes=$(bytes_of "$layer")
echo "Sizes (unzipped; Lambda allows $(mib $limit) for a function and its layers):"
echo "  layer: $layer_bytes bytes ($(mib "$layer_bytes"))"
checked=0
for file in "${bootstraps[@]}"; do
  [ -f "$file" ] || continue
  function_dir=$(dirname "$file")
  function_bytes=$(bytes_of "$function_dir")
  total=$((function_bytes + layer_bytes))
  echo "  $(basename "$function_dir"): function $function_bytes bytes ($(mib "$function_bytes")) + layer = $total bytes ($(mib "$total"))"
  [ "$total" -lt "$limit" ] || fail "$(basename "$function_dir") and the layer take $total bytes unzipped, over Lambda's $limit"
  checked=$((checked + 1))
done
[ "$checked" -gt 0 ] || {
  echo "  (no AOT bootstrap in artifacts/aot yet: layer alone)"
  [ "$layer_bytes" -lt "$limit" ] || fail "the layer alone takes $layer_bytes bytes unzipped, over Lambda's $limit"
}

if [ ${#failures[@]} -gt 0 ]; then
  echo "check-layer: FAILED" >&2
  printf '  - %s\n' "${failures[@]}" >&2
  exit 1
fi
echo "check-layer: OK"
