#!/usr/bin/env bash
# Builds efikexec-reboot for this machine's architecture (the launcher's fast `exec`, see
# x86_64-kexec-reboot.S) into OUT/efikexec-reboot with binutils: a static ELF of a few
# instructions, no libc. Run by Maven (cli/pom.xml); scripts/setup installs binutils.
set -euo pipefail
OUT=${1:?usage: build.sh OUTDIR}
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
arch=$(uname -m)
src="$HERE/$arch-kexec-reboot.S"
if [[ ! -f $src ]]; then
  echo "build.sh: no efikexec-reboot for $arch (the launcher then runs exec in Java)" >&2
  exit 0
fi
command -v as >/dev/null && command -v ld >/dev/null || { echo "build.sh: binutils missing (run scripts/setup)" >&2; exit 1; }
mkdir -p "$OUT"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
as -o "$tmp/reboot.o" "$src"
# no build ID, no timestamps: the same source gives the same bytes
ld -static --build-id=none -o "$tmp/efikexec-reboot" "$tmp/reboot.o"
mv -f "$tmp/efikexec-reboot" "$OUT/efikexec-reboot"
