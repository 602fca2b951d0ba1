#!/usr/bin/env bash
# Builds pyautograd._C with AddressSanitizer + UndefinedBehaviorSanitizer
# (CMake option PYAUTOGRAD_SANITIZE) in its own build directory, puts that
# extension into a temporary copy of the package, and runs tests against it.
# Fails on any test failure and on any sanitizer report, from the test process
# or from a subprocess it starts. The normal build (pyautograd/_C*.so) is never
# touched.
#
# Usage: scripts/sanitize_test.sh [pytest args...]
#   No arguments: the default selection below. With arguments, they are passed to
#   pytest as given (paths relative to the repository root, e.g. tests/test_nn.py).
# Environment:
#   PAG_SANITIZE_BUILD  build directory (default build/sanitize)
#   PAG_SANITIZE_KEEP=1 keep the temporary package copy and sanitizer logs
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
bdir=${PAG_SANITIZE_BUILD:-build/sanitize}

# Note [Sanitizer selection]: the default is the whole suite but one test: the
# RSS bound of test_memory.py measures ASan's quarantine of freed blocks and its
# shadow memory under ASan, not this library (the live-object counters in the same
# file still check that nothing is kept).
default_args=(tests --deselect tests/test_memory.py::test_training_rss_is_flat)

# ---- build
for tool in cmake ninja; do
  command -v "$tool" >/dev/null || { echo "sanitize_test.sh: '$tool' not found (pip install cmake ninja)" >&2; exit 2; }
done
python -c "import pybind11" 2>/dev/null || { echo "sanitize_test.sh: pybind11 not importable (pip install pybind11)" >&2; exit 2; }
launcher=""
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root/..}
  launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"
fi
if [ ! -f "$bdir/build.ninja" ]; then
  # line tables only (-g1) for the reports' stack traces; assertions on
  cmake -S . -B "$bdir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-g1 \
        -DPYAUTOGRAD_SANITIZE=ON \
        -DPython_EXECUTABLE="$(command -v python)" $launcher >/dev/null
fi
ninja -C "$bdir" _C | grep -v "^\[" || true
so=$(ls "$bdir"/_C*.so)

# ---- a temporary package with the instrumented extension
work=$(mktemp -d "${TMPDIR:-/tmp}/pag-sanitize.XXXXXX")
cleanup() { if [ "${PAG_SANITIZE_KEEP:-0}" != 1 ]; then rm -rf "$work"; else echo "kept $work"; fi; }
trap cleanup EXIT
mkdir -p "$work/logs"
cp -r pyautograd tests examples README.md pyproject.toml "$work/"
export PAG_SEEDS=${PAG_SEEDS:-$root/../shared/seeds}
find "$work" -name "__pycache__" -prune -exec rm -rf {} +
rm -f "$work"/pyautograd/_C*.so
cp "$so" "$work/pyautograd/"

# ---- the runtime: the sanitizer libraries must be loaded before anything else
cxx=${CXX:-c++}
libasan=$("$cxx" -print-file-name=libasan.so)
libubsan=$("$cxx" -print-file-name=libubsan.so)
[ -f "$libasan" ] && [ -f "$libubsan" ] || { echo "sanitize_test.sh: no libasan/libubsan for $cxx" >&2; exit 2; }
export LD_PRELOAD="$libasan $libubsan${LD_PRELOAD:+ $LD_PRELOAD}"
# CPython leaks its interned objects at exit by design: no leak checking. Reports
# go to files (one per process) so a crash inside pytest's fd capture is not lost.
# allocator_may_return_null: an impossible allocation (tests ask for 4 TiB) must fail
# as malloc does, so the code under test reports it (RuntimeError) instead of ASan aborting.
export ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1:abort_on_error=1:log_path=$work/logs/asan${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$work/logs/ubsan${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export PYTHONMALLOC=malloc  # every Python allocation through ASan's malloc (finds overruns into pymalloc arenas)
export PYTHONDONTWRITEBYTECODE=1

if [ $# -gt 0 ]; then args=("$@"); else args=("${default_args[@]}"); fi
start=$(date +%s)
set +e
# --capture=sys: pytest captures Python's output only, so a report the runtime writes
# to file descriptor 2 (UBSan's, which halts the process) reaches this log.
(cd "$work" && python -m pytest -p no:cacheprovider --capture=sys "${args[@]}")
rc=$?
set -e
echo "sanitize_test.sh: pytest exit status $rc after $(( $(date +%s) - start )) s"

# A report is an ASan/UBSan error; warnings (ASan notes each failed allocation the
# tests provoke on purpose) are shown but do not fail the run.
status=$rc
for f in $(find "$work/logs" -type f | sort); do
  if grep -qE "ERROR: (Address|Leak|UndefinedBehavior)Sanitizer|runtime error:" "$f"; then
    echo "==== $f"; cat "$f"; status=1
  else
    echo "sanitize_test.sh: $(grep -c WARNING "$f") sanitizer warning(s) in $(basename "$f"), first: $(head -1 "$f")"
  fi
done
[ $status -eq $rc ] || echo "sanitize_test.sh: sanitizer reports found" >&2
exit $status
