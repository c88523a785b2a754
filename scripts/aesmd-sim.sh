#!/usr/bin/env bash
# Starts the SIMULATED SGX platform's AESM daemon for tests, CI and demos:
# creates the sim platform state if missing (sgx-tools sim init), then runs
# aesmd-sim in the background and waits until its socket answers.
#
#   scripts/aesmd-sim.sh start [--dir DIR] [--socket PATH] [--build BUILD_DIR]
#   scripts/aesmd-sim.sh stop  [--socket PATH]
#
# Defaults: DIR=${INCLAVARE_SIM_DIR:-/var/lib/inclavare/sim},
# PATH=/var/run/aesmd/aesm.socket, BUILD_DIR=build. The pid is kept in
# PATH.pid. Sim quotes chain to DIR/root_ca.pem, never to Intel's root.
set -euo pipefail
cd "$(dirname "$0")/.."

cmd=${1:-}
shift || true
dir=${INCLAVARE_SIM_DIR:-/var/lib/inclavare/sim}
socket=/var/run/aesmd/aesm.socket
build=${BUILD_DIR:-build}
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --socket) socket=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    *) echo "aesmd-sim.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

case "$cmd" in
  start)
    if [ ! -f "$dir/VERSION" ]; then
      "$build/src/tools/sgx-tools/sgx-tools" sim init --dir "$dir"
    fi
    mkdir -p "$(dirname "$socket")"
    "$build/src/tools/aesmd-sim/aesmd-sim" --dir "$dir" --socket "$socket" &
    echo $! > "$socket.pid"
    for _ in $(seq 1 100); do
      if "$build/src/tools/sgx-tools/sgx-tools" gen-qe-target-info --socket "$socket" \
           --targetinfo "$socket.ti" >/dev/null 2>&1; then
        rm -f "$socket.ti"
        echo "aesmd-sim: pid $(cat "$socket.pid"), socket $socket, SIMULATED platform in $dir"
        exit 0
      fi
      sleep 0.1
    done
    echo "aesmd-sim.sh: daemon did not come up on $socket" >&2
    exit 1
    ;;
  stop)
    if [ -f "$socket.pid" ]; then
      kill "$(cat "$socket.pid")" 2>/dev/null || true
      rm -f "$socket.pid"
    fi
    ;;
  *)
    echo "usage: $0 start|stop [--dir DIR] [--socket PATH] [--build BUILD_DIR]" >&2
    exit 2
    ;;
esac
