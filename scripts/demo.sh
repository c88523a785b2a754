#!/usr/bin/env bash
# The main job, end to end on a fresh Debian 12 machine (as root): a
# confidential container on the SIMULATED SGX platform.
#
#   1. install dependencies, build rune, rune-runelet, rune-attest, sgx-tools, aesmd-sim
#      and the skeleton enclave runtime (its enclave measured and signed at
#      build time);
#   2. start the sim platform: `sgx-tools sim init`, aesmd-sim on the AESM
#      socket;
#   3. run a plain busybox container with rune (the runc-compatible path);
#   4. run the skeleton enclave container with rune (ENCLAVE_TYPE=sim), exec
#      into it, and `rune attest` it: REPORT from the enclave, quote from
#      aesmd-sim;
#   5. verify the quote against the sim root of trust, with its collateral
#      fetched from pccs-sim (the sim platform's PCCS, Intel's PCCS API) as a
#      verifier on SGX hardware fetches it from a PCCS, and check that its
#      MRENCLAVE is the one `sgx-tools measure` predicts for the enclave image;
#   6. attested TLS (Rats-TLS): rats-tls-server presents sim sgx_ecdsa
#      evidence in its certificate, rats-tls-client verifies it against a
#      policy pinning the enclave's MRENCLAVE; a wrong policy is refused.
#
# The sim platform's state goes to $INCLAVARE_SIM_DIR (default: a directory
# of this demo, removed at the end); nothing on the host is left running.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "demo.sh: run as root (containers need root; setup uses apt-get)" >&2
  exit 1
fi
./scripts/setup.sh

build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build_dir" -j "$(nproc)" --target rune rune-runelet rune-attest sgx-tools aesmd-sim pccs-sim \
  liberpal-skeleton-v3 liberpal-skeleton-v2 rats_tls rats-tls-server rats-tls-client
bin="$PWD/$build_dir"
rune="$bin/src/rune/rune"
sgx_tools="$bin/src/tools/sgx-tools/sgx-tools"
pal="$bin/pal/skeleton/liberpal-skeleton-v3.so"
enclave_image="$bin/pal/skeleton/liberpal-skeleton/enclave.so"
enclave_config="$bin/pal/skeleton/liberpal-skeleton/enclave.json"

work=$(mktemp -d /tmp/rune-demo.XXXXXX)
chmod 755 "$work"
root="$work/state"
export INCLAVARE_SIM_DIR=${INCLAVARE_SIM_DIR:-$work/sim}
aesm_socket="$work/aesm/aesm.socket"
cleanup() {
  for id in $("$rune" --root "$root" list -q 2>/dev/null); do
    "$rune" --root "$root" delete --force "$id" >/dev/null 2>&1 || true
  done
  ./scripts/aesmd-sim.sh stop --socket "$aesm_socket" >/dev/null 2>&1 || true
  [ -z "${pccs_pid:-}" ] || { kill "$pccs_pid" 2>/dev/null; wait "$pccs_pid" 2>/dev/null; } || true
  rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "the SIMULATED SGX platform: sgx-tools sim init ($INCLAVARE_SIM_DIR) and aesmd-sim"
./scripts/aesmd-sim.sh start --dir "$INCLAVARE_SIM_DIR" --socket "$aesm_socket" --build "$build_dir"

step "busybox root filesystem in $work/bundle"
bundle="$work/bundle"
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/etc"
cp /bin/busybox "$bundle/rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$bundle/rootfs/bin/$applet"
done
echo "root:x:0:0:root:/root:/bin/sh" > "$bundle/rootfs/etc/passwd"
echo "root:x:0:" > "$bundle/rootfs/etc/group"
(cd "$bundle" && "$rune" spec)
sed -i 's/"terminal": true/"terminal": false/' "$bundle/config.json"
cp "$bundle/config.json" "$work/config.base.json"

# set_process ARGS_JSON [EXTRA_ENV_JSON]: the bundle's process.args and env.
set_process() {
  python3 - "$work/config.base.json" "$bundle/config.json" "$1" "${2:-[]}" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["args"] = json.loads(sys.argv[3])
c["process"]["env"] += json.loads(sys.argv[4])
json.dump(c, open(sys.argv[2], "w"), indent=2)
PY
}
enclave_env="[\"ENCLAVE_TYPE=sim\", \"ENCLAVE_RUNTIME_PATH=$pal\", \"ENCLAVE_RUNTIME_LOGLEVEL=info\"]"

step "a plain container: rune run (runc-compatible, no enclave)"
set_process '["sh", "-c", "echo hello from $(hostname); id"]'
"$rune" --root "$root" run --bundle "$bundle" plain

step "the skeleton enclave container: rune run with ENCLAVE_TYPE=sim"
set_process '["skeleton", "hello"]' "$enclave_env"
grep -A3 '"ENCLAVE_TYPE=sim"' "$bundle/config.json" | sed 's/^/    /'
"$rune" --root "$root" run --bundle "$bundle" enclave-once

step "a long-running enclave container: create, start, exec into the enclave"
set_process '["skeleton", "wait-signal"]' "$enclave_env"
"$rune" --root "$root" create --bundle "$bundle" enclave
"$rune" --root "$root" start enclave
"$rune" --root "$root" state enclave | grep '"status"'
"$rune" --root "$root" exec enclave skeleton echo "exec'd into the enclave runtime" "arguments  intact"

step "rune attest: the enclave's REPORT for the quoting enclave, quoted by aesmd-sim"
"$rune" --root "$root" attest --aesm-socket "$aesm_socket" --quote-file "$work/quote.bin" \
  --report-file "$work/report.bin" enclave | tee "$work/attest.json"

step "sgx-tools measure: the MRENCLAVE the enclave image must have"
expected=$("$sgx_tools" measure --enclave "$enclave_image" --config "$enclave_config")
echo "expected MRENCLAVE $expected"

step "pccs-sim: the sim platform's collateral over Intel's PCCS API"
d=$INCLAVARE_SIM_DIR
"$bin/src/tools/pccs-sim/pccs-sim" --dir "$d" --listen 127.0.0.1:0 --port-file "$work/pccs.port" \
  > "$work/pccs.log" 2>&1 &
pccs_pid=$!
for _ in $(seq 1 100); do [ -s "$work/pccs.port" ] && break; sleep 0.05; done
[ -s "$work/pccs.port" ] || { echo "demo.sh: pccs-sim did not start:" >&2; cat "$work/pccs.log" >&2; exit 1; }
pccs_url="http://127.0.0.1:$(cat "$work/pccs.port")"
echo "pccs-sim on $pccs_url"

step "sgx-tools verify-quote with the sim root of trust, collateral from the PCCS"
"$sgx_tools" verify-quote --quote "$work/quote.bin" --root-ca "$d/root_ca.pem" --pccs-url "$pccs_url" \
  --sim --policy <(printf '{"mr_enclave":"%s"}' "$expected") | tee "$work/verdict.json"
got=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["claims"]["mr_enclave"])' "$work/verdict.json")
[ "$got" = "$expected" ] || { echo "demo.sh: MRENCLAVE mismatch: quote $got, expected $expected" >&2; exit 1; }
echo "quote verified; its MRENCLAVE matches the measurement: $got"

step "the same quote without the sim root configured is refused"
if "$sgx_tools" verify-quote --quote "$work/quote.bin" --pccs-url "$pccs_url" \
     > "$work/refused.json" 2>&1; then
  echo "demo.sh: a sim quote verified against Intel's root" >&2
  exit 1
fi
sed 's/^/    /' "$work/refused.json" | head -3

step "attested TLS: rats-tls-server with sim sgx_ecdsa evidence, rats-tls-client pinning its MRENCLAVE"
samples="$bin/src/ratstls/samples"
stub_mrenclave=$(cat "$bin/src/ratstls/rats-tls/sgx-stub/enclave.mrenclave")
printf '{"mr_enclave": "%s"}\n' "$stub_mrenclave" > "$work/policy.json"
printf '{"mr_enclave": "%s"}\n' "$expected" > "$work/wrong-policy.json"
tls_port=${RATS_TLS_DEMO_PORT:-14433}
"$samples/rats-tls-server" -a sgx_ecdsa --sim-dir "$INCLAVARE_SIM_DIR" --aesm-socket "$aesm_socket" \
  -p "$tls_port" --count 2 -l error > "$work/tls-server.log" 2>&1 &
tls_server=$!
for _ in $(seq 1 100); do grep -q ready "$work/tls-server.log" 2>/dev/null && break; sleep 0.05; done
"$samples/rats-tls-client" --sim-dir "$INCLAVARE_SIM_DIR" -p "$tls_port" -l info \
  --policy "$work/policy.json" | grep -E "MRENCLAVE|Server:"
echo "a client pinning another MRENCLAVE (the skeleton's) is refused:"
if "$samples/rats-tls-client" --sim-dir "$INCLAVARE_SIM_DIR" -p "$tls_port" -l off \
     --policy "$work/wrong-policy.json" > "$work/tls-refused.log" 2>&1; then
  echo "demo.sh: the wrong MRENCLAVE policy was accepted" >&2
  exit 1
fi
sed 's/^/    /' "$work/tls-refused.log" | head -2
wait "$tls_server" || true

step "kill (forwarded to the enclave with pal_kill) and delete"
"$rune" --root "$root" kill enclave TERM
for _ in $(seq 1 50); do
  "$rune" --root "$root" state enclave | grep -q '"stopped"' && break
  sleep 0.1
done
"$rune" --root "$root" state enclave | grep '"status"'
"$rune" --root "$root" delete enclave
echo
echo "demo finished: a confidential container ran on the sim platform, was attested, its quote verified, and an attested TLS connection was made."
