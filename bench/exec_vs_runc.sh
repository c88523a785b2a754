#!/bin/bash
# Benchmark: `rune exec` vs `runc exec` of /bin/true into a running busybox
# container, and what cgroup setup costs inside `rune run`.
#
#   sudo bench/exec_vs_runc.sh [RUNE_BINARY]
#
# Environment: RUNE_BINARY, RUNC_BINARY (default /usr/bin/runc), N (measured
# execs per runtime, default 100), WARMUP (default 10), STRICT=1 (exit 3 when
# the target ratio <= 0.33 is missed).
#
# Each runtime runs one long-lived container (its own --root); the execs
# alternate between the runtimes. The cgroup figure comes from rune's own
# --debug timings of `rune run` (the create step that makes and configures
# the cgroup), N runs, median.
set -euo pipefail

die() { echo "exec_vs_runc: $*" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
RUNE=${1:-${RUNE_BINARY:-$here/../build/src/rune/rune}}
RUNC=${RUNC_BINARY:-/usr/bin/runc}
N=${N:-100}
WARMUP=${WARMUP:-10}
STRICT=${STRICT:-0}
BUSYBOX=${BUSYBOX:-/bin/busybox}

[[ $(id -u) -eq 0 ]] || die "must run as root"
[[ -x $RUNE ]] || die "rune binary not found: $RUNE"
[[ -x $RUNC ]] || die "runc binary not found: $RUNC"
[[ -x $BUSYBOX ]] || die "busybox not found: $BUSYBOX (Debian package busybox-static)"

work=$(mktemp -d /tmp/ic-bench-exec-XXXXXX)
chmod 755 "$work"
cleanup() {
  "$RUNE" --root "$work/root-rune" delete --force bench-exec-rune >/dev/null 2>&1 || true
  "$RUNC" --root "$work/root-runc" delete --force bench-exec-runc >/dev/null 2>&1 || true
  for id in $(seq 1 "$N"); do "$RUNE" --root "$work/root-cg" delete --force "cg-$id" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

rootfs=$work/bundle/rootfs
mkdir -p "$rootfs"/{bin,proc,sys,dev,tmp,etc}
cp "$BUSYBOX" "$rootfs/bin/busybox"
for applet in $("$BUSYBOX" --list); do
  [[ $applet == busybox ]] || ln -s busybox "$rootfs/bin/$applet"
done
(cd "$work/bundle" && "$RUNC" spec) || die "runc spec failed"
sed -i -e 's/"terminal": true/"terminal": false/' \
       -e 's/"sh"$/"\/bin\/sleep", "3600"/' \
       -e 's#"PATH=[^"]*"#"PATH=/bin"#' "$work/bundle/config.json"
grep -q '"3600"' "$work/bundle/config.json" || die "could not adapt config.json"

"$RUNE" --root "$work/root-rune" run -d --bundle "$work/bundle" bench-exec-rune >/dev/null 2>&1 </dev/null ||
  die "rune run -d failed"
"$RUNC" --root "$work/root-runc" run -d --bundle "$work/bundle" bench-exec-runc >/dev/null 2>&1 </dev/null ||
  die "runc run -d failed"

now_ns() { date +%s%N; }
exec_once() {  # bin root id
  local t0 t1
  t0=$(now_ns)
  "$1" --root "$2" exec "$3" /bin/true >"$work/out" 2>&1 || { cat "$work/out" >&2; die "$1 exec failed"; }
  t1=$(now_ns)
  echo $((t1 - t0))
}
median_ms() {
  sort -n | awk '{v[NR]=$1} END { if (NR == 0) { print "nan"; exit }
    m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2; printf "%.2f", m / 1e6 }'
}

: > "$work/t.rune"; : > "$work/t.runc"
for ((i = 0; i < WARMUP + N; i++)); do
  t=$(exec_once "$RUNE" "$work/root-rune" bench-exec-rune); ((i >= WARMUP)) && echo "$t" >> "$work/t.rune"
  t=$(exec_once "$RUNC" "$work/root-runc" bench-exec-runc); ((i >= WARMUP)) && echo "$t" >> "$work/t.runc"
done
a=$(median_ms < "$work/t.rune"); b=$(median_ms < "$work/t.runc")
ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }')
verdict=ok
awk -v r="$ratio" 'BEGIN { exit !(r <= 0.33) }' || verdict=MISSED
echo "rune: $RUNE"
echo "runc: $RUNC ($("$RUNC" --version | head -1))"
echo "exec /bin/true: rune median $a ms, runc median $b ms, ratio $ratio (target <= 0.33) [$verdict] (N=$N)"

# What the cgroup costs in `rune run`: rune logs, with --debug, the time from
# the start of create to "state dir and cgroup ready" and to the state dir
# alone; the difference is cgroup creation + limits.
sed -i -e 's/"\/bin\/sleep", "3600"/"\/bin\/true"/' "$work/bundle/config.json"
: > "$work/cg"
for id in $(seq 1 "$N"); do
  "$RUNE" --root "$work/root-cg" --debug --log "$work/cg.log" --log-format json run --bundle "$work/bundle" "cg-$id" \
    >/dev/null 2>&1 </dev/null || die "rune run failed"
done
awk -F'"msg":"' '/cgroup ready after/ { split($2, a, " "); for (i in a) if (a[i] == "after") print a[i+1] }' \
  "$work/cg.log" | sort -n > "$work/cg"
grep -o 'state dir ready after [0-9]*' "$work/cg.log" | awk '{print $5}' | sort -n > "$work/sd" || true
cg_us=$(awk '{v[NR]=$1} END { if (NR) print v[int((NR+1)/2)]; else print "nan" }' "$work/cg")
sd_us=$(awk '{v[NR]=$1} END { if (NR) print v[int((NR+1)/2)]; else print "nan" }' "$work/sd")
echo "rune run: state dir + cgroup ready after $cg_us us (median), state dir alone after $sd_us us;" \
     "cgroup creation and limits take the difference"
[[ $verdict == ok || $STRICT != 1 ]] || exit 3
