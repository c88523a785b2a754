#!/bin/bash
# Benchmark: `rune run` of the skeleton v3 enclave container (SIMULATED SGX
# platform) vs `rune run` of the same busybox bundle without enclave
# settings. Target: median ratio <= 1.5.
#
#   sudo bench/enclave_run_bench.sh [BUILD_DIR]
#
# Environment: N (measured runs per config, default 40), WARMUP (default 5),
# STRICT=1 (exit 3 when the target is missed). The sim state is created in a
# temporary directory (INCLAVARE_SIM_DIR), so the host's is not touched.
set -euo pipefail

die() { echo "enclave_run_bench: $*" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-$here/../build}
RUNE=$BUILD/src/rune/rune
SGX_TOOLS=$BUILD/src/tools/sgx-tools/sgx-tools
PAL=$BUILD/pal/skeleton/liberpal-skeleton-v3.so
N=${N:-40}
WARMUP=${WARMUP:-5}
STRICT=${STRICT:-0}
BUSYBOX=${BUSYBOX:-/bin/busybox}

[[ $(id -u) -eq 0 ]] || die "must run as root"
for f in "$RUNE" "$BUILD/src/rune/rune-runelet" "$SGX_TOOLS" "$PAL" "$BUSYBOX"; do
  [[ -e $f ]] || die "missing $f (build first: cmake --build $BUILD)"
done

work=$(mktemp -d /tmp/ic-bench-enclave-XXXXXX)
chmod 755 "$work"
cleanup() {
  for id in $("$RUNE" --root "$work/root" list -q 2>/dev/null); do
    "$RUNE" --root "$work/root" delete --force "$id" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

export INCLAVARE_SIM_DIR=$work/sim
"$SGX_TOOLS" sim init --dir "$INCLAVARE_SIM_DIR" >/dev/null || die "sgx-tools sim init failed"

rootfs=$work/bundle/rootfs
mkdir -p "$rootfs"/{bin,proc,sys,dev,tmp,etc}
cp "$BUSYBOX" "$rootfs/bin/busybox"
ln -s busybox "$rootfs/bin/true"
(cd "$work/bundle" && "$RUNE" spec) || die "rune spec failed"
python3 - "$work/bundle/config.json" "$PAL" <<'PY'
import json, sys
path, pal = sys.argv[1], sys.argv[2]
c = json.load(open(path))
c["process"]["terminal"] = False
c["process"]["env"] = ["PATH=/bin"]
plain = dict(c); plain["process"] = dict(c["process"], args=["/bin/true"])
json.dump(plain, open(path.replace("config.json", "config.plain.json"), "w"))
enc = dict(c)
enc["process"] = dict(c["process"], args=["skeleton", "exit", "0"],
                      env=["PATH=/bin", "ENCLAVE_TYPE=sim", "ENCLAVE_RUNTIME_PATH=" + pal,
                           "ENCLAVE_RUNTIME_LOGLEVEL=error"])
json.dump(enc, open(path.replace("config.json", "config.enclave.json"), "w"))
PY

now_ns() { date +%s%N; }
seq_id=0
run_once() {  # config
  seq_id=$((seq_id + 1))
  cp "$work/bundle/config.$1.json" "$work/bundle/config.json"
  local t0 t1
  t0=$(now_ns)
  "$RUNE" --root "$work/root" run --bundle "$work/bundle" "b-$1-$seq_id" >"$work/out" 2>&1 </dev/null ||
    { cat "$work/out" >&2; die "rune run ($1) failed"; }
  t1=$(now_ns)
  echo $((t1 - t0))
}
median_ms() {
  sort -n | awk '{v[NR]=$1} END { if (NR == 0) { print "nan"; exit }
    m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2; printf "%.1f", m / 1e6 }'
}

: > "$work/t.enclave"; : > "$work/t.plain"
for ((i = 0; i < WARMUP + N; i++)); do
  t=$(run_once enclave); ((i >= WARMUP)) && echo "$t" >> "$work/t.enclave"
  t=$(run_once plain); ((i >= WARMUP)) && echo "$t" >> "$work/t.plain"
done
a=$(median_ms < "$work/t.enclave"); b=$(median_ms < "$work/t.plain")
ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }')
verdict=ok
awk -v r="$ratio" 'BEGIN { exit !(r <= 1.5) }' || verdict=MISSED
echo "rune run: skeleton v3 enclave container median $a ms, plain container median $b ms," \
     "ratio $ratio (target <= 1.5) [$verdict] (N=$N)"
[[ $verdict == ok || $STRICT != 1 ]] || exit 3
