#!/usr/bin/env bash
# Fast in-tree build for development: builds pyautograd/_C*.so next to the
# sources so `PYTHONPATH=. python ...` and `python -m pytest` use it directly.
# Usage: scripts/dev_build.sh [build-dir]   (default: build/dev)
set -euo pipefail
cd "$(dirname "$0")/.."
bdir=${1:-build/dev}
launcher=""
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD/..}
  launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
fi
if [ ! -f "$bdir/build.ninja" ]; then
  cmake -S . -B "$bdir" -G Ninja -DCMAKE_BUILD_TYPE=Release $launcher ${CMAKE_ARGS:-} >/dev/null
fi
ninja -C "$bdir" _C | grep -v "^\[" || true
# Replace by rename, never in place: a running process that has the old library
# mapped keeps it intact (overwriting it would crash that process with SIGBUS).
for so in "$bdir"/_C*.so; do
  cp "$so" "pyautograd/.$(basename "$so").tmp"
  mv -f "pyautograd/.$(basename "$so").tmp" "pyautograd/$(basename "$so")"
done
