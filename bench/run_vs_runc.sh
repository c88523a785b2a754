#!/bin/bash
# Benchmark: `rune run` vs `runc run` of a busybox container running /bin/true.
#
#   sudo bench/run_vs_runc.sh [RUNE_BINARY]
#
# Environment:
#   RUNE_BINARY  runtime under test (or first argument; default build/src/rune/rune)
#   RUNC_BINARY  baseline (default /usr/bin/runc)
#   N            measured iterations per runtime and config (default 50)
#   WARMUP       unmeasured iterations first (default 5)
#   STRICT=1     exit 3 when a target is missed
#
# Both runtimes run the same bundle, alternating, each with its own --root
# and fresh container ids. Two configs: "default" (runc spec's resources: a
# devices rule only) and "limits" (memory + pids limits and an explicit
# cgroupsPath, so cgroup setup is on the path). Peak RSS comes from GNU time
# (%M, KiB). Installs nothing; needs root, /bin/busybox, GNU /usr/bin/time.
set -euo pipefail

die() { echo "run_vs_runc: $*" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
RUNE=${1:-${RUNE_BINARY:-$here/../build/src/rune/rune}}
RUNC=${RUNC_BINARY:-/usr/bin/runc}
N=${N:-50}
WARMUP=${WARMUP:-5}
STRICT=${STRICT:-0}
BUSYBOX=${BUSYBOX:-/bin/busybox}
TIME=/usr/bin/time

[[ $(id -u) -eq 0 ]] || die "must run as root"
[[ -x $RUNE ]] || die "rune binary not found or not executable: $RUNE (pass it as \$1 or RUNE_BINARY)"
[[ -x $RUNC ]] || die "runc binary not found or not executable: $RUNC (set RUNC_BINARY)"
[[ -x $BUSYBOX ]] || die "busybox not found: $BUSYBOX (Debian package busybox-static)"
[[ -x $TIME ]] || die "GNU time not found at $TIME (Debian package time)"
[[ $N =~ ^[0-9]+$ && $N -gt 0 ]] || die "N must be a positive integer"

work=$(mktemp -d /tmp/ic-bench-XXXXXX)
chmod 755 "$work"
ids=()
cleanup() {
  for id in "${ids[@]}"; do
    "$RUNE" --root "$work/root-rune" delete --force "$id" >/dev/null 2>&1 || true
    "$RUNC" --root "$work/root-runc" delete --force "$id" >/dev/null 2>&1 || true
  done
  for cg in /sys/fs/cgroup/*/ic-bench-$$-*; do rmdir "$cg" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# --- bundle ---------------------------------------------------------------
rootfs=$work/bundle/rootfs
mkdir -p "$rootfs"/{bin,proc,sys,dev,tmp,etc}
cp "$BUSYBOX" "$rootfs/bin/busybox"
for applet in $("$BUSYBOX" --list); do
  [[ $applet == busybox ]] || ln -s busybox "$rootfs/bin/$applet"
done
(cd "$work/bundle" && "$RUNC" spec) || die "runc spec failed"
sed -i -e 's/"terminal": true/"terminal": false/' \
       -e 's/"sh"$/"\/bin\/true"/' \
       -e 's#"PATH=[^"]*"#"PATH=/bin"#' "$work/bundle/config.json"
grep -q '"/bin/true"' "$work/bundle/config.json" || die "could not adapt config.json"
cp "$work/bundle/config.json" "$work/config.default.json"
# The limits variant: memory and pids limits under an explicit cgroupsPath
# (replaced per run so runs never share a cgroup).
sed -e 's#"resources": {#"resources": {"memory": {"limit": 67108864}, "pids": {"limit": 64},#' \
    -e 's#"linux": {#"linux": {"cgroupsPath": "CGPATH",#' \
    "$work/config.default.json" > "$work/config.limits.json"
grep -q CGPATH "$work/config.limits.json" || die "could not build the limits config"

now_ns() { date +%s%N; }

# run_once RUNTIME ROOT ID -> prints elapsed ns; fails loudly on error.
run_once() {
  local bin=$1 root=$2 id=$3 t0 t1
  t0=$(now_ns)
  if ! "$bin" --root "$root" run --bundle "$work/bundle" "$id" >"$work/out" 2>&1; then
    echo "run_vs_runc: $bin run failed:" >&2
    cat "$work/out" >&2
    exit 1
  fi
  t1=$(now_ns)
  echo $((t1 - t0))
}

median_ms() {  # stdin: ns values
  sort -n | awk '{v[NR]=$1} END {
    if (NR == 0) { print "nan"; exit }
    m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2
    printf "%.1f", m / 1e6 }'
}

seq_id=0
next_id() { seq_id=$((seq_id + 1)); echo "bench-$$-$1-$seq_id"; }

set_config() {  # name id
  if [[ $1 == limits ]]; then
    sed "s#CGPATH#/ic-bench-$$-$2#" "$work/config.limits.json" > "$work/bundle/config.json"
  else
    cp "$work/config.default.json" "$work/bundle/config.json"
  fi
}

misses=0
bench_config() {
  local config=$1 i id
  : > "$work/rune.$config"
  : > "$work/runc.$config"
  for ((i = 0; i < WARMUP + N; i++)); do
    id=$(next_id rune); ids+=("$id"); set_config "$config" "$id"
    t=$(run_once "$RUNE" "$work/root-rune" "$id")
    ((i >= WARMUP)) && echo "$t" >> "$work/rune.$config"
    id=$(next_id runc); ids+=("$id"); set_config "$config" "$id"
    t=$(run_once "$RUNC" "$work/root-runc" "$id")
    ((i >= WARMUP)) && echo "$t" >> "$work/runc.$config"
  done
  local a b
  a=$(median_ms < "$work/rune.$config")
  b=$(median_ms < "$work/runc.$config")
  local ratio
  ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }')
  local verdict=ok
  awk -v r="$ratio" 'BEGIN { exit !(r <= 0.33) }' || { verdict=MISSED; misses=$((misses + 1)); }
  echo "run /bin/true ($config config): rune median $a ms, runc median $b ms, ratio $ratio (target <= 0.33) [$verdict]"
}

peak_rss_kib() {  # runtime root -> max %M over 5 runs
  local bin=$1 root=$2 max=0 i id kib
  for ((i = 0; i < 5; i++)); do
    id=$(next_id rss); ids+=("$id"); set_config default "$id"
    kib=$("$TIME" -f %M -o "$work/rss" "$bin" --root "$root" run --bundle "$work/bundle" "$id" \
            >/dev/null 2>&1 && cat "$work/rss") || die "$bin run failed under $TIME"
    ((kib > max)) && max=$kib
  done
  echo "$max"
}

echo "rune: $RUNE"
echo "runc: $RUNC ($("$RUNC" --version | head -1))"
echo "iterations: $N measured + $WARMUP warm-up per runtime and config, alternating"
bench_config default
bench_config limits

rss_rune=$(peak_rss_kib "$RUNE" "$work/root-rune")
rss_runc=$(peak_rss_kib "$RUNC" "$work/root-runc")
rss_verdict=ok
((rss_rune <= 2560)) || { rss_verdict=MISSED; misses=$((misses + 1)); }
awk -v a="$rss_rune" -v b="$rss_runc" -v v="$rss_verdict" 'BEGIN {
  printf "peak RSS: rune %.2f MiB, runc %.2f MiB (target rune <= 2.5 MiB) [%s]\n", a / 1024, b / 1024, v }'

if ((STRICT && misses > 0)); then
  echo "run_vs_runc: $misses target(s) missed" >&2
  exit 3
fi
