#!/usr/bin/env bash
# Assembles every handoff stub in this directory into a flat binary: ARCH-NAME.S → OUT/ARCH-NAME.bin
# (aarch64-*.S with aarch64-linux-gnu-as, x86_64-*.S with the native as). Run by Maven
# (purgatory-gen/pom.xml, generate-resources); scripts/setup installs the binutils.
set -euo pipefail
OUT=${1:?usage: build.sh OUTDIR}
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$OUT"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
shopt -s nullglob
for src in "$HERE"/*.S; do
  name=$(basename "$src" .S)
  case "$name" in
    aarch64-*) AS=aarch64-linux-gnu-as; OBJCOPY=aarch64-linux-gnu-objcopy ;;
    x86_64-*) AS=as; OBJCOPY=objcopy ;;
    *) echo "build.sh: $src: name must start with aarch64- or x86_64-" >&2; exit 1 ;;
  esac
  command -v "$AS" >/dev/null || { echo "build.sh: $AS missing (run scripts/setup)" >&2; exit 1; }
  # -I for shared includes; no debug info, no timestamps: the same source gives the same bytes
  "$AS" -I "$HERE" -o "$tmp/$name.o" "$src"
  "$OBJCOPY" -O binary -j .text "$tmp/$name.o" "$OUT/$name.bin"
done
