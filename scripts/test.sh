#!/usr/bin/env bash
# Builds everything and runs every test. Installs its own dependencies first
# (scripts/setup.sh, needs root). Integration tests need root and skip
# themselves, reported as skipped, when run without it.
#
#   sudo ./scripts/test.sh            # build in ./build, run all tests
#   BUILD_DIR=/tmp/b ./scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then
  ./scripts/setup.sh
else
  echo "test.sh: not root: skipping package installation and root-only tests" >&2
fi

build_dir=${BUILD_DIR:-build}
jobs=${JOBS:-$(nproc)}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build_dir" -j "$jobs"
cd "$build_dir"
ctest --output-on-failure -j "$jobs" --timeout 600
