#!/usr/bin/env bash
# Installs every Debian package that building, testing, benchmarking and the
# demo need. Idempotent; run as root on Debian 12 (bookworm).
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  echo "setup.sh: must run as root (it calls apt-get)" >&2
  exit 1
fi

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git
  # libraries (ARCHITECTURE.md "Dependencies")
  libssl-dev libseccomp-dev nlohmann-json3-dev libcli11-dev libfmt-dev
  libexpected-dev libprotobuf-dev protobuf-compiler libcbor-dev libcap-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  # the SGX CPU primitives of the skeleton enclave runtime (no libcrypto there)
  nettle-dev libgmp-dev
  # the PCS/PCCS collateral client (libcurl) and pccs-sim, the sim PCCS
  libcurl4-openssl-dev libmicrohttpd-dev
  # test peers and rootfs material
  busybox-static runc containerd podman iproute2 procps util-linux
  # benchmarks
  hyperfine time
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup.sh: all ${#packages[@]} packages already installed"
  exit 0
fi

echo "setup.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
