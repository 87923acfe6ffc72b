#!/usr/bin/env bash
# Builds efikexec-reboot for x86_64 and aarch64 (the launcher's fast `exec`, see
# x86_64-kexec-reboot.S) into OUT/efikexec-reboot-ARCH with binutils (the native ones and
# binutils-aarch64-linux-gnu, as purgatory-gen's stubs): static ELFs of a few instructions, no
# libc. Run by Maven (cli/pom.xml); scripts/setup installs binutils.
set -euo pipefail
OUT=${1:?usage: build.sh OUTDIR}
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$OUT"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for arch in x86_64 aarch64; do
  if [[ $arch == "$(uname -m)" ]]; then AS=as LD=ld; else AS=$arch-linux-gnu-as LD=$arch-linux-gnu-ld; fi
  command -v "$AS" >/dev/null && command -v "$LD" >/dev/null || { echo "build.sh: $AS/$LD missing (run scripts/setup)" >&2; exit 1; }
  "$AS" -o "$tmp/$arch.o" "$HERE/$arch-kexec-reboot.S"
  # no build ID, no timestamps: the same source gives the same bytes
  "$LD" -static --build-id=none -o "$tmp/efikexec-reboot-$arch" "$tmp/$arch.o"
  mv -f "$tmp/efikexec-reboot-$arch" "$OUT/efikexec-reboot-$arch"
done
