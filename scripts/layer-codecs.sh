#!/usr/bin/env bash
# Adds the HEIC/AVIF/JPEG XL decoders and lcms2 (Debian 12's builds, lean: encoder stubs, libjxl's glibc need lowered) to a layer's lib folder, and their licences beside it.
#   scripts/layer-codecs.sh LIB-DIR        PIPELINE_LAYER_HEVC=0 ships a stub for libde265: HEIC then fails to decode (also refuse it: PIPELINE_HEIC=0)
set -euo pipefail
cd "$(dirname "$0")/.."

lib=${1:?usage: scripts/layer-codecs.sh LIB-DIR}
host_libs=/usr/lib/x86_64-linux-gnu
hevc=${PIPELINE_LAYER_HEVC:-1}
licenses="$lib/../licenses"

# Shipped as Debian builds them: libheif (HEIF container) with libde265 (HEVC) and dav1d (AV1) to decode; libjxl with
# highway and brotli; lcms2 (colour management; its GPL-3 plugins are not part of liblcms2-2).
libraries=(libheif.so.1 libdav1d.so.6 libjxl.so.0.7 libhwy.so.1 libbrotlidec.so.1 libbrotlienc.so.1 libbrotlicommon.so.1 liblcms2.so.2)
[ "$hevc" = 0 ] || libraries+=(libde265.so.0)
# Debian package of each library, for its copyright file.
declare -A package_of=(
  [libheif.so.1]=libheif1 [libde265.so.0]=libde265-0 [libdav1d.so.6]=libdav1d6 [libjxl.so.0.7]=libjxl0.7 [libhwy.so.1]=libhwy1
  [libbrotlidec.so.1]=libbrotli1 [libbrotlienc.so.1]=libbrotli1 [libbrotlicommon.so.1]=libbrotli1 [liblcms2.so.2]=liblcms2-2
)

die() { echo "layer-codecs: $*" >&2; exit 1; }
[ -d "$lib" ] || die "$lib is not a folder"
command -v gcc >/dev/null || die "gcc is missing; run scripts/setup.sh"
for soname in "${libraries[@]}"; do
  [ -e "$host_libs/$soname" ] || die "$host_libs/$soname is missing; run scripts/setup.sh"
  cp -L "$host_libs/$soname" "$lib/$soname"
done

# libheif is linked (BIND_NOW) against libx265 (GPL-2+, 16 MB, needs libnuma) and libaom (5.6 MB), which it uses only to
# encode: stubs that fail every call stand in, so every symbol resolves at load and no encoder ships.
stub() { # soname, define
  gcc -O2 -shared -fPIC "-D$2" -Wl,-soname,"$1" -Wl,-z,now -Wl,-z,relro -o "$lib/$1" layer/codec-stubs.c
  strip --strip-unneeded "$lib/$1"
}
stub libx265.so.199 STUB_X265
stub libaom.so.3 STUB_AOM
[ "$hevc" != 0 ] || stub libde265.so.0 STUB_DE265
names() { nm -D "$@" | awk '{print $NF}' | sed 's/@.*//' | sort -u; }
for stubbed in libx265.so.199 libaom.so.3 $([ "$hevc" != 0 ] || echo libde265.so.0); do
  missing=$(comm -12 <(names --undefined-only "$lib/libheif.so.1") <(names --defined-only "$host_libs/$stubbed") | comm -23 - <(names --defined-only "$lib/$stubbed"))
  [ -z "$missing" ] || die "the $stubbed stub lacks what libheif imports from it: $missing"
done

# libjxl 0.7's only need above glibc 2.34 is hypot/hypotf@GLIBC_2.35 (glibc 2.35 re-versioned them); every glibc still
# exports the GLIBC_2.2.5 versions, which compute the same.
python3 scripts/glibc_downgrade.py "$lib/libjxl.so.0.7" libm.so.6 GLIBC_2.35 GLIBC_2.2.5

# LGPL (libheif, libde265) and the others' notices travel with the libraries; Debian's source packages are their source.
mkdir -p "$licenses"
for soname in "${libraries[@]}"; do
  cp "/usr/share/doc/${package_of[$soname]}/copyright" "$licenses/${package_of[$soname]}.copyright"
done
chmod 0755 "$lib"/lib*.so.*
chmod 0644 "$licenses"/*
echo "  codecs: libheif, dav1d, $([ "$hevc" != 0 ] && echo libde265 || echo 'no libde265 (stub: HEIC left out)'), libjxl, lcms2 and stubs for libx265, libaom"
