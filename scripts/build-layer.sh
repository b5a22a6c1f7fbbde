#!/usr/bin/env bash
# Builds the Lambda layer in artifacts/layer/lib: OpenCvSharp's native library without its GUI dependencies, Debian's libturbojpeg (the lossless JPEG path), the HEIC/AVIF/JPEG XL decoders and lcms2 (scripts/layer-codecs.sh), plus what provided.al2023 lacks; refuses files whose sha256 differs from layer/files.sha256.
#   scripts/build-layer.sh [--write-checksums]   (rewrites layer/files.sha256 from this build instead of checking it)
set -euo pipefail
cd "$(dirname "$0")/.."

package=OpenCvSharp4.official.runtime.linux-x64
base_list=layer/al2023-base.txt
out=artifacts/layer
stamp=artifacts/layer.stamp
checksums=layer/files.sha256
write_checksums=false
[ "${1:-}" != --write-checksums ] || write_checksums=true
host_libs=/usr/lib/x86_64-linux-gnu
max_glibc=2.34 # Amazon Linux 2023

# highgui's GUI stack: we never call highgui, and provided.al2023 has none of it (Debian's cairo even needs
# glibc 2.35). glib/gio/gobject are in the AL2023 base but come in with GTK, so they go too. The library has
# no BIND_NOW, so the symbols they provided are looked up only if called: a call would abort the process.
gui_needed=(
  libgtk-3.so.0 libgdk-3.so.0 libpangocairo-1.0.so.0 libpango-1.0.so.0 libatk-1.0.so.0
  libcairo-gobject.so.2 libcairo.so.2 libgdk_pixbuf-2.0.so.0 libharfbuzz.so.0 libfreetype.so.6
  libgio-2.0.so.0 libgobject-2.0.so.0 libglib-2.0.so.0 libX11.so.6 libdrm.so.2
)

# Loaded by the functions themselves (TurboJPEG's API, for JPEG to grayscale JPEG without decoding), from Debian's libturbojpeg0.
extra_libraries=(libturbojpeg.so.0)

die() { echo "build-layer: $*" >&2; exit 1; }
needed_of() { readelf -d --wide "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p'; }
max_glibc_of() { # highest GLIBC_x.y the file requires (version needs only, not what it defines)
  readelf -V --wide "$1" | awk '/^Version needs section/ {s = 1; next} /^Version (symbols|definition) section/ {s = 0}
    s && match($0, /Name: GLIBC_[0-9.]+/) {print substr($0, RSTART + 12, RLENGTH - 12)}' | sort -V | tail -n 1
}
version_le() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" = "$1" ]; }
in_base() { grep -qxF "$1" <(grep -v '^#' "$base_list"); }
is_glibc() { [[ $1 =~ ^(ld-linux-x86-64\.so\.2|lib(c|m|mvec|dl|rt|pthread|resolv|util|anl)\.so\.[0-9]+)$ ]]; }

command -v patchelf >/dev/null || die "patchelf is missing; run scripts/setup.sh"
version=$(sed -n "s/.*Include=\"$package\" Version=\"\([^\"]*\)\".*/\1/p" Directory.Packages.props)
[ -n "$version" ] || die "Directory.Packages.props pins no version of $package"
source="${NUGET_PACKAGES:-$HOME/.nuget/packages}/${package,,}/$version/runtimes/linux-x64/native/libOpenCvSharpExtern.so"
if [ ! -f "$source" ]; then
  echo "restoring $package $version"
  dotnet restore src/Shared -nologo -v quiet
fi
[ -f "$source" ] || die "$source not found after dotnet restore"

# Decide what to ship: the extra libraries, and every library they and the patched library need (recursively) that the AL2023 base lacks.
declare -A shipped=() # soname -> host file
declare -A seen=()
queue=("${extra_libraries[@]}")
for soname in $(needed_of "$source"); do
  [[ " ${gui_needed[*]} " == *" $soname "* ]] || queue+=("$soname")
done
while [ ${#queue[@]} -gt 0 ]; do
  soname=${queue[0]}
  queue=("${queue[@]:1}")
  [ -z "${seen[$soname]:-}" ] || continue
  seen[$soname]=1
  host="$host_libs/$soname"
  if is_glibc "$soname"; then
    echo "  $soname: part of glibc $max_glibc in the provided.al2023 base: not shipped"
    continue
  elif in_base "$soname"; then
    note="in the provided.al2023 base ($base_list): not shipped"
    [ -e "$host" ] && note+=" (Debian's copy could not be shipped anyway: it needs GLIBC_$(max_glibc_of "$host"))"
    echo "  $soname: $note"
    continue
  fi
  [ -e "$host" ] || die "$soname is needed, is not in $base_list, and is not installed in $host_libs (scripts/setup.sh installs what the project needs)"
  glibc=$(max_glibc_of "$host")
  version_le "$glibc" "$max_glibc" ||
    die "$soname is not in the AL2023 base and Debian's copy needs GLIBC_$glibc > $max_glibc; ship a build for glibc $max_glibc instead"
  echo "  $soname: not in the provided.al2023 base: shipping $(readlink -f "$host") (needs GLIBC_$glibc)"
  shipped[$soname]=$host
  mapfile -t -O "${#queue[@]}" queue < <(needed_of "$host")
done

describe() { # what the layer is built from and what it holds, to skip work when nothing changed
  sha256sum scripts/build-layer.sh "$base_list" "$checksums" scripts/layer-codecs.sh layer/codec-stubs.c scripts/glibc_downgrade.py
  echo "PIPELINE_LAYER_HEVC=${PIPELINE_LAYER_HEVC:-1}"
  stat -L -c '%n %s %Y' "$source" "${shipped[@]}"
  [ -d "$out/lib" ] && find "$out" -type f -exec stat -c '%n %s %Y' {} + | sort
}
if ! $write_checksums && [ -f "$stamp" ] && [ "$(describe)" = "$(cat "$stamp")" ]; then
  echo "layer up to date: $out/lib"
  exit 0
fi

staging="$out.tmp.$$"
trap 'rm -rf "$staging"' EXIT
mkdir -p "$staging/lib"
cp "$source" "$staging/lib/libOpenCvSharpExtern.so"
for soname in "${!shipped[@]}"; do
  cp -L "${shipped[$soname]}" "$staging/lib/$soname"
done
for soname in "${gui_needed[@]}"; do
  patchelf --remove-needed "$soname" "$staging/lib/libOpenCvSharpExtern.so"
done
# ---- HEIC, AVIF, JPEG XL and colour management: a part of its own (scripts/layer-codecs.sh) ----
scripts/layer-codecs.sh "$staging/lib"
# ----------------------------------------------------------------------------------------------
chmod 0755 "$staging"/lib/* # Lambda runs functions as a non-root user (the licences stay readable: 0644)

# The same bytes every time: NuGet's library before patching, and every file the layer ships.
# A layer built without HEVC (PIPELINE_LAYER_HEVC=0) ships a stub of ours for libde265, built
# from layer/codec-stubs.c: that one file is not in the list.
unlisted() { if [ "${PIPELINE_LAYER_HEVC:-1}" = 0 ]; then grep -v '  lib/libde265.so.0$'; else cat; fi; }
actual() {
  echo "$(sha256sum <"$source" | cut -d' ' -f1)  source/libOpenCvSharpExtern.so"
  for file in "$staging"/lib/*; do echo "$(sha256sum <"$file" | cut -d' ' -f1)  lib/$(basename "$file")"; done
}
if $write_checksums; then
  { echo "# sha256 of what the layer is built from (source/) and of every file it ships (lib/); scripts/build-layer.sh refuses a difference."
    echo "# After an intended change (a new OpenCvSharp or Debian package): scripts/build-layer.sh --write-checksums"
    actual; } >"$checksums"
  echo "wrote $checksums"
fi
[ -f "$checksums" ] || die "$checksums is missing"
if ! differences=$(diff <(grep -v '^#' "$checksums" | unlisted | sort -k2) <(actual | unlisted | sort -k2)); then
  die "the layer's files differ from $checksums (< expected, > built):
$differences
If this change is intended (a new OpenCvSharp or Debian package), run scripts/build-layer.sh --write-checksums and commit $checksums."
fi
rm -rf "$out"
mv "$staging" "$out"
describe >"$stamp"

echo "built $out/lib:"
ls -l "$out/lib" | tail -n +2
echo "libOpenCvSharpExtern.so now needs: $(needed_of "$out/lib/libOpenCvSharpExtern.so" | tr '\n' ' ')"
