// The sim platform's state directory: its secrets, keys, certificates and
// collateral, created once by `sgx-tools sim init` and read by the sim
// platform (enclaves, the quoting enclave, aesmd-sim).
//
// Location: --dir flags, else $INCLAVARE_SIM_DIR, else /var/lib/inclavare/sim.
// The directory is mode 0700, private keys and the platform secret 0600,
// certificates and collateral 0644. Layout:
//
//   VERSION                    "inclavare-sgx-sim 1" (written last: marks a
//                              complete state)
//   platform_secret.bin        32 bytes: 16-byte root key (the simulated fuse
//                              key, keys.h) || 16-byte OWNEREPOCH
//   platform.json              public platform facts: cpusvn, pcesvn, pceid,
//                              fmspc, ppid, platform instance id, QE ISVSVN
//   root_ca_key.pem            P-256, "Inclavare SIMULATED SGX Root CA"
//   pck_ca_key.pem             P-256, "Inclavare SIMULATED SGX PCK Platform CA"
//   pck_key.pem                P-256, the simulated PCK (signs QE reports)
//   tcb_signing_key.pem        P-256, signs TCB Info and QE Identity
//   attestation_key.pem        P-256, the QE's attestation key (signs quotes)
//   qe_signing_key.pem         RSA-3072 e=3, signs the sim QE's SIGSTRUCT
//                              (its SHA-256 is the sim QE's MRSIGNER)
//   root_ca.pem  pck_platform_ca.pem  pck_cert.pem  tcb_signing.pem
//   pck_chain.pem              PCK cert || PCK Platform CA || Root CA: the
//                              quote's certification data (type 5)
//   collateral/tcb_info.json           TCB Info v3 for the sim FMSPC
//   collateral/qe_identity.json        QE Identity v2 of the sim QE
//   collateral/tcb_signing_chain.pem   TCB signing cert || Root CA
//   collateral/root_ca.crl.{der,pem}   CRL of the sim Root CA
//   collateral/pck_platform_ca.crl.{der,pem}  CRL of the PCK Platform CA
//
// Every certificate's CN and O say SIMULATED; nothing here chains to Intel.
// Collateral is issued at init with nextUpdate one year later; re-run
// `sim init --force` to renew (this also replaces the secret: sealed data and
// quotes of the old platform stop verifying, like a new machine).
//
//   IC_TRY(State::Init("/tmp/sim", {}));
//   IC_ASSIGN_OR_RETURN(std::shared_ptr<const State> st, State::Load("/tmp/sim"));
//   IC_ASSIGN_OR_RETURN(Enclave e, Enclave::Create(st->keys(), secs));
//
// A loaded State is immutable and safe to share between threads.
#pragma once

#include <array>
#include <ctime>
#include <memory>
#include <string>

#include "common/error.h"
#include "enclave/sgx/crypto.h"
#include "enclave/sim/keys.h"

namespace inclavare::sgx::sim {

inline constexpr char kDefaultStateDir[] = "/var/lib/inclavare/sim";
inline constexpr char kStateDirEnv[] = "INCLAVARE_SIM_DIR";
inline constexpr char kStateVersion[] = "inclavare-sgx-sim 1";

// $INCLAVARE_SIM_DIR if set and non-empty, else kDefaultStateDir.
std::string DefaultStateDir();

// Public facts about the simulated platform (platform.json).
struct PlatformInfo {
  CpuSvn cpu_svn{};                       // = the 16 SGX TCB component SVNs
  uint16_t pce_svn = 0;
  std::array<uint8_t, 2> pce_id{};
  std::array<uint8_t, 6> fmspc{};
  std::array<uint8_t, 16> ppid{};
  std::array<uint8_t, 16> platform_instance_id{};
  uint16_t qe_isv_svn = 0;
};

struct InitOptions {
  bool force = false;     // replace an existing state
  std::time_t now = 0;    // 0: the current time (tests pin it)
};

class State {
 public:
  // Creates the directory and everything in it. AlreadyExists when a state
  // is there and !force.
  static Result<> Init(const std::string& dir, const InitOptions& options);
  // Reads a complete state. FailedPrecondition when the directory is missing
  // or incomplete ("run `sgx-tools sim init`"), PermissionDenied when the
  // secret is readable by group or others.
  static Result<std::shared_ptr<const State>> Load(const std::string& dir);
  // Only what an enclave's EREPORT and EGETKEY need: the platform secret and
  // CPUSVN, with the same checks. Enclave runtimes use this one: they run
  // inside containers and must never hold the PCK, attestation or QE keys
  // (a workload could forge quotes with them), and parsing those keys is
  // most of Load's cost.
  static Result<PlatformKeys> LoadPlatformKeys(const std::string& dir);

  const std::string& dir() const { return dir_; }
  const PlatformKeys& keys() const { return keys_; }
  const PlatformInfo& info() const { return info_; }
  EVP_PKEY* pck_key() const { return pck_key_.get(); }
  EVP_PKEY* attestation_key() const { return attestation_key_.get(); }
  const RsaKey& qe_signing_key() const { return *qe_signing_key_; }
  const std::string& pck_chain_pem() const { return pck_chain_pem_; }
  const std::string& root_ca_pem() const { return root_ca_pem_; }

 private:
  State() = default;
  std::string dir_;
  PlatformKeys keys_;
  PlatformInfo info_;
  EvpPkeyPtr pck_key_;
  EvpPkeyPtr attestation_key_;
  std::unique_ptr<RsaKey> qe_signing_key_;
  std::string pck_chain_pem_;
  std::string root_ca_pem_;
};

}  // namespace inclavare::sgx::sim
