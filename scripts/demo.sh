#!/usr/bin/env bash
# The main job, end to end on a fresh Debian 12 machine (as root):
# installs dependencies, builds rune, builds a busybox root filesystem and
# drives a container through its whole lifecycle with rune, the way
# containerd and podman do.
#
# (Once the enclave parts land, this becomes the confidential-container demo
# on the sim platform; see README.md.)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "demo.sh: run as root (containers need root; setup uses apt-get)" >&2
  exit 1
fi
./scripts/setup.sh

build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" --target rune -j "$(nproc)"
rune="$PWD/$build_dir/src/rune/rune"

work=$(mktemp -d /tmp/rune-demo.XXXXXX)
root="$work/state"
trap '"$rune" --root "$root" delete --force demo >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "busybox root filesystem in $work/bundle"
bundle="$work/bundle"
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/etc"
cp /bin/busybox "$bundle/rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$bundle/rootfs/bin/$applet"
done
echo "root:x:0:0:root:/root:/bin/sh" > "$bundle/rootfs/etc/passwd"
echo "root:x:0:" > "$bundle/rootfs/etc/group"

step "rune spec (runc's default config.json), made non-interactive"
(cd "$bundle" && "$rune" spec)
sed -i 's/"terminal": true/"terminal": false/' "$bundle/config.json"

step "rune run: a one-shot container"
sed -i 's/"sh"$/"sh", "-c", "echo hello from $(hostname); id; cat \/proc\/self\/cgroup | head -3"/' "$bundle/config.json"
"$rune" --root "$root" run --bundle "$bundle" demo-once

step "rune create / start / state / kill / delete"
sed -i 's/"sh", "-c", .*$/"sleep", "300"/' "$bundle/config.json"
"$rune" --root "$root" create --bundle "$bundle" demo
"$rune" --root "$root" state demo
"$rune" --root "$root" start demo
"$rune" --root "$root" list
"$rune" --root "$root" kill demo KILL
sleep 0.2
"$rune" --root "$root" state demo | grep '"status"'
"$rune" --root "$root" delete demo
echo
echo "demo finished: the container ran and was cleaned up."
