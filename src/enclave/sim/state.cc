#include "enclave/sim/state.h"

#include <openssl/crypto.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/fs.h"
#include "enclave/sgx/hex.h"
#include "enclave/sim/collateral.h"
#include "enclave/sim/pki.h"
#include "enclave/sim/qe.h"
#include "enclave/sim/state_files.h"

namespace inclavare::sgx::sim {

using internal::CheckStateVersion;
using internal::InfoFromJson;
using internal::ReadSecret;
using internal::kSecretFile;

namespace {

constexpr std::time_t kDay = 24 * 60 * 60;
constexpr mode_t kPrivate = 0600;
constexpr mode_t kPublic = 0644;

// The sim platform's TCB: 16 component SVNs (= CPUSVN), PCESVN and the QE's
// ISVSVN. Arbitrary but fixed, so collateral made by any `sim init` agrees.
constexpr std::array<uint8_t, 16> kSimTcbComponents = {3, 3, 2, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
constexpr uint16_t kSimPceSvn = 13;
constexpr uint16_t kSimQeIsvSvn = 8;
// FMSPC of the sim platform: 00 'S' 'I' 'M' 00 00, not a real Intel family.
constexpr std::array<uint8_t, 6> kSimFmspc = {0x00, 0x53, 0x49, 0x4d, 0x00, 0x00};

std::string_view Text(std::span<const uint8_t> b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

Result<> WritePrivateKey(const std::string& dir, const std::string& name, EVP_PKEY* key) {
  IC_ASSIGN_OR_RETURN(std::string pem, PrivateKeyPem(key));
  return fs::WriteFileAtomic(fs::Join(dir, name), pem, kPrivate);
}

nlohmann::json InfoToJson(const PlatformInfo& i) {
  return {{"cpusvn", HexEncode(i.cpu_svn)},
          {"pcesvn", i.pce_svn},
          {"pceid", HexEncode(i.pce_id)},
          {"fmspc", HexEncode(i.fmspc)},
          {"ppid", HexEncode(i.ppid)},
          {"platform_instance_id", HexEncode(i.platform_instance_id)},
          {"qe_isvsvn", i.qe_isv_svn},
          {"simulated", true}};
}

Result<EvpPkeyPtr> ReadKey(const std::string& dir, const std::string& name) {
  IC_ASSIGN_OR_RETURN(std::string pem, fs::ReadFile(fs::Join(dir, name)));
  auto key = PrivateKeyFromPem(pem);
  SecureWipe(pem);
  if (!key) return std::move(key).Wrap(name);
  return key;
}

}  // namespace

std::string DefaultStateDir() {
  const char* env = std::getenv(kStateDirEnv);
  if (env != nullptr && *env != '\0') return env;
  return kDefaultStateDir;
}

Result<> State::Init(const std::string& dir, const InitOptions& options) {
  if (dir.empty()) return InvalidArgument("sim state directory: empty path");
  if (fs::Exists(fs::Join(dir, "VERSION")) && !options.force) {
    return AlreadyExists("sim state already exists in " + dir + " (use --force to replace it)");
  }
  const std::time_t now = options.now != 0 ? options.now : std::time(nullptr);
  const auto slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0) IC_TRY(fs::MkdirAll(dir.substr(0, slash), 0755));
  IC_TRY(fs::MkdirAll(dir, 0700));
  if (::chmod(dir.c_str(), 0700) != 0) return ErrnoError("chmod " + dir);
  IC_TRY(fs::MkdirAll(fs::Join(dir, "collateral"), 0755));
  // An incomplete state must not be loaded while it is being replaced.
  if (::unlink(fs::Join(dir, "VERSION").c_str()) != 0 && errno != ENOENT) return ErrnoError("unlink VERSION");

  std::array<uint8_t, 32> secret{};
  IC_TRY(RandomBytes(secret));
  auto wrote = fs::WriteFileAtomic(fs::Join(dir, kSecretFile), Text(secret), kPrivate);
  SecureWipe(secret);
  IC_TRY(std::move(wrote));

  PlatformInfo info;
  info.cpu_svn = kSimTcbComponents;
  info.pce_svn = kSimPceSvn;
  info.fmspc = kSimFmspc;
  info.qe_isv_svn = kSimQeIsvSvn;
  IC_TRY(RandomBytes(info.ppid));
  IC_TRY(RandomBytes(info.platform_instance_id));
  IC_TRY(fs::WriteFileAtomic(fs::Join(dir, "platform.json"), InfoToJson(info).dump(2) + "\n", kPublic));

  IC_ASSIGN_OR_RETURN(EvpPkeyPtr root_key, GenerateP256());
  IC_ASSIGN_OR_RETURN(EvpPkeyPtr ca_key, GenerateP256());
  IC_ASSIGN_OR_RETURN(EvpPkeyPtr pck_key, GenerateP256());
  IC_ASSIGN_OR_RETURN(EvpPkeyPtr tcb_key, GenerateP256());
  IC_ASSIGN_OR_RETURN(EvpPkeyPtr att_key, GenerateP256());
  IC_ASSIGN_OR_RETURN(RsaKey qe_key, RsaKey::Generate());
  IC_TRY(WritePrivateKey(dir, "root_ca_key.pem", root_key.get()));
  IC_TRY(WritePrivateKey(dir, "pck_ca_key.pem", ca_key.get()));
  IC_TRY(WritePrivateKey(dir, "pck_key.pem", pck_key.get()));
  IC_TRY(WritePrivateKey(dir, "tcb_signing_key.pem", tcb_key.get()));
  IC_TRY(WritePrivateKey(dir, "attestation_key.pem", att_key.get()));
  IC_ASSIGN_OR_RETURN(std::string qe_pem, qe_key.PrivatePem());
  IC_TRY(fs::WriteFileAtomic(fs::Join(dir, "qe_signing_key.pem"), qe_pem, kPrivate));
  SecureWipe(qe_pem);

  const std::time_t not_before = now - kDay;
  const std::time_t not_after = now + 20 * 365 * kDay;
  CertSpec root_spec;
  root_spec.common_name = "Inclavare SIMULATED SGX Root CA";
  root_spec.subject_key = root_key.get();
  root_spec.issuer_key = root_key.get();
  root_spec.ca = true;
  root_spec.path_len = 1;
  root_spec.not_before = not_before;
  root_spec.not_after = not_after;
  IC_ASSIGN_OR_RETURN(X509Ptr root, IssueCertificate(root_spec));

  CertSpec ca_spec = root_spec;
  ca_spec.common_name = "Inclavare SIMULATED SGX PCK Platform CA";
  ca_spec.subject_key = ca_key.get();
  ca_spec.issuer = root.get();
  ca_spec.path_len = 0;
  IC_ASSIGN_OR_RETURN(X509Ptr ca, IssueCertificate(ca_spec));

  SgxExtension ext;
  ext.ppid = info.ppid;
  ext.tcb_comp_svn = info.cpu_svn;
  ext.pce_svn = info.pce_svn;
  ext.cpu_svn = info.cpu_svn;
  ext.pce_id = info.pce_id;
  ext.fmspc = info.fmspc;
  ext.sgx_type = SgxType::kStandard;
  ext.platform_instance_id = info.platform_instance_id;
  ext.configuration = SgxPlatformConfiguration{};
  IC_ASSIGN_OR_RETURN(std::vector<uint8_t> ext_der, EncodeSgxExtension(ext));
  CertSpec pck_spec;
  pck_spec.common_name = "Inclavare SIMULATED SGX PCK Certificate";
  pck_spec.subject_key = pck_key.get();
  pck_spec.issuer = ca.get();
  pck_spec.issuer_key = ca_key.get();
  pck_spec.not_before = not_before;
  pck_spec.not_after = not_after;
  pck_spec.sgx_extension = ext_der;
  IC_ASSIGN_OR_RETURN(X509Ptr pck, IssueCertificate(pck_spec));

  CertSpec tcb_spec = pck_spec;
  tcb_spec.common_name = "Inclavare SIMULATED SGX TCB Signing";
  tcb_spec.subject_key = tcb_key.get();
  tcb_spec.issuer = root.get();
  tcb_spec.issuer_key = root_key.get();
  tcb_spec.sgx_extension.reset();
  IC_ASSIGN_OR_RETURN(X509Ptr tcb, IssueCertificate(tcb_spec));

  IC_ASSIGN_OR_RETURN(std::string root_pem, CertPem(root.get()));
  IC_ASSIGN_OR_RETURN(std::string ca_pem, CertPem(ca.get()));
  IC_ASSIGN_OR_RETURN(std::string pck_pem, CertPem(pck.get()));
  IC_ASSIGN_OR_RETURN(std::string tcb_pem, CertPem(tcb.get()));
  IC_TRY(fs::WriteFileAtomic(fs::Join(dir, "root_ca.pem"), root_pem, kPublic));
  IC_TRY(fs::WriteFileAtomic(fs::Join(dir, "pck_platform_ca.pem"), ca_pem, kPublic));
  IC_TRY(fs::WriteFileAtomic(fs::Join(dir, "pck_cert.pem"), pck_pem, kPublic));
  IC_TRY(fs::WriteFileAtomic(fs::Join(dir, "tcb_signing.pem"), tcb_pem, kPublic));
  IC_TRY(fs::WriteFileAtomic(fs::Join(dir, "pck_chain.pem"), pck_pem + ca_pem + root_pem, kPublic));

  // Collateral.
  const std::string cdir = fs::Join(dir, "collateral");
  const std::time_t next_update = now + 365 * kDay;
  TcbInfoParams tcb_params;
  tcb_params.fmspc = info.fmspc;
  tcb_params.pce_id = info.pce_id;
  tcb_params.tcb_comp_svn = info.cpu_svn;
  tcb_params.pce_svn = info.pce_svn;
  tcb_params.issue_date = now;
  tcb_params.next_update = next_update;
  tcb_params.tcb_date = now - now % kDay;
  IC_ASSIGN_OR_RETURN(std::string tcb_info, MakeTcbInfoJson(tcb_params, tcb_key.get()));
  IC_TRY(fs::WriteFileAtomic(fs::Join(cdir, "tcb_info.json"), tcb_info, kPublic));

  QeIdentityParams qe_params;
  IC_ASSIGN_OR_RETURN(qe_params.mr_signer, QuotingEnclave::MrSignerFor(qe_key));
  qe_params.isv_prod_id = kSimQeIsvProdId;
  qe_params.isv_svn = info.qe_isv_svn;
  qe_params.attributes = {kSimQeAttributes.flags | kAttrInit, kSimQeAttributes.xfrm};
  qe_params.attributes_mask = kSimQeAttributesMask;
  qe_params.issue_date = now;
  qe_params.next_update = next_update;
  qe_params.tcb_date = tcb_params.tcb_date;
  IC_ASSIGN_OR_RETURN(std::string qe_identity, MakeQeIdentityJson(qe_params, tcb_key.get()));
  IC_TRY(fs::WriteFileAtomic(fs::Join(cdir, "qe_identity.json"), qe_identity, kPublic));
  IC_TRY(fs::WriteFileAtomic(fs::Join(cdir, "tcb_signing_chain.pem"), tcb_pem + root_pem, kPublic));

  IC_ASSIGN_OR_RETURN(X509CrlPtr root_crl, IssueCrl(root.get(), root_key.get(), now, next_update));
  IC_ASSIGN_OR_RETURN(X509CrlPtr ca_crl, IssueCrl(ca.get(), ca_key.get(), now, next_update));
  IC_ASSIGN_OR_RETURN(std::string root_crl_der, CrlDer(root_crl.get()));
  IC_ASSIGN_OR_RETURN(std::string root_crl_pem, CrlPem(root_crl.get()));
  IC_ASSIGN_OR_RETURN(std::string ca_crl_der, CrlDer(ca_crl.get()));
  IC_ASSIGN_OR_RETURN(std::string ca_crl_pem, CrlPem(ca_crl.get()));
  IC_TRY(fs::WriteFileAtomic(fs::Join(cdir, "root_ca.crl.der"), root_crl_der, kPublic));
  IC_TRY(fs::WriteFileAtomic(fs::Join(cdir, "root_ca.crl.pem"), root_crl_pem, kPublic));
  IC_TRY(fs::WriteFileAtomic(fs::Join(cdir, "pck_platform_ca.crl.der"), ca_crl_der, kPublic));
  IC_TRY(fs::WriteFileAtomic(fs::Join(cdir, "pck_platform_ca.crl.pem"), ca_crl_pem, kPublic));

  return fs::WriteFileAtomic(fs::Join(dir, "VERSION"), std::string(kStateVersion) + "\n", kPublic);
}

Result<std::shared_ptr<const State>> State::Load(const std::string& dir) {
  IC_TRY(CheckStateVersion(dir));
  std::shared_ptr<State> s(new State());
  s->dir_ = dir;
  IC_TRY(ReadSecret(dir, &s->keys_));
  IC_ASSIGN_OR_RETURN(std::string info_text, fs::ReadFile(fs::Join(dir, "platform.json")));
  IC_ASSIGN_OR_RETURN(s->info_, InfoFromJson(info_text));
  s->keys_.cpu_svn = s->info_.cpu_svn;
  IC_ASSIGN_OR_RETURN(s->pck_key_, ReadKey(dir, "pck_key.pem"));
  IC_ASSIGN_OR_RETURN(s->attestation_key_, ReadKey(dir, "attestation_key.pem"));
  {
    IC_ASSIGN_OR_RETURN(std::string pem, fs::ReadFile(fs::Join(dir, "qe_signing_key.pem")));
    auto key = RsaKey::FromPrivatePem(pem);
    SecureWipe(pem);
    if (!key) return std::move(key.error()).Wrap("qe_signing_key.pem");
    s->qe_signing_key_ = std::make_unique<RsaKey>(std::move(*key));
  }
  IC_ASSIGN_OR_RETURN(s->pck_chain_pem_, fs::ReadFile(fs::Join(dir, "pck_chain.pem")));
  IC_ASSIGN_OR_RETURN(s->root_ca_pem_, fs::ReadFile(fs::Join(dir, "root_ca.pem")));
  return std::shared_ptr<const State>(std::move(s));
}

}  // namespace inclavare::sgx::sim
