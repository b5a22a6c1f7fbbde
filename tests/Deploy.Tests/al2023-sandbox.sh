#!/usr/bin/env bash
# Runs a command (as root) in a private mount namespace that sees only the AL2023 base libraries and the layer at /opt, like provided.al2023.
set -euo pipefail
# usage: al2023-sandbox.sh LAYER_DIR BASE_LIST STAGE_DIR COMMAND [ARG...]
# STAGE_DIR must be an empty directory; it holds a tmpfs only inside the namespace and stays empty outside.
if [ "${1:-}" != --inside ]; then
  [ "$(id -u)" -eq 0 ] || { echo "al2023-sandbox: needs root for unshare --mount" >&2; exit 1; }
  exec unshare --mount --propagation private -- "$0" --inside "$@"
fi
shift
layer=$(readlink -f "$1") base_list=$2 stage=$3
shift 3
multiarch=/usr/lib/x86_64-linux-gnu # Debian's loader searches here (and /lib, /usr/lib via the merged /usr)

# Shared objects in the other places the loader searches (e.g. packages that install into
# /usr/lib) are hidden one by one: /dev/null over each file, inside this namespace only.
for dir in /usr/lib /usr/lib64 /usr/local/lib /usr/local/lib/x86_64-linux-gnu; do
  [ -d "$dir" ] || continue
  while read -r stray; do
    mount --bind /dev/null "$(readlink -f "$stray")"
  done < <(find "$dir" -maxdepth 1 -name '*.so*' ! -name 'ld-linux*' | xargs -r readlink -f | sort -u)
done

# Copy the host's build of every AL2023 base library into a private tmpfs, then put it over the system
# library directory: everything else there (GTK, cairo, X11, ...) disappears for this namespace only.
mount -t tmpfs -o mode=0755 sandbox-libs "$stage"
visible=0
while read -r soname; do
  [ -e "$multiarch/$soname" ] || continue
  cp -L "$multiarch/$soname" "$stage/$soname"
  visible=$((visible + 1))
done < <(grep -v -e '^#' -e '^$' "$base_list")
hidden=$(find "$multiarch" -maxdepth 1 -name '*.so*' | wc -l)
echo "al2023-sandbox: $visible AL2023 base libraries visible, $hidden files of $multiarch hidden, layer at /opt" >&2

mount --bind /dev/null /etc/ld.so.cache # no cached paths to the hidden libraries
mount --bind "$layer" /opt              # Lambda extracts layers into /opt
mount --bind "$stage" "$multiarch"      # last: from here on only the base libraries load
exec "$@"
