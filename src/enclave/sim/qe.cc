#include "enclave/sim/qe.h"

#include <openssl/crypto.h>

#include <cstring>
#include <string_view>

#include "enclave/sgx/measurement.h"
#include "enclave/sgx/quote.h"
#include "enclave/sgx/sigstruct.h"

namespace inclavare::sgx::sim {

namespace {

constexpr uint64_t kQeSize = 0x4000;
constexpr uint64_t kQeCodeOffset = 0x1000;
constexpr uint64_t kQeSsaOffset = 0x2000;
constexpr uint32_t kQeSigStructDate = 0x20261127;
constexpr size_t kQeAuthDataSize = 32;
constexpr std::string_view kQeCode = "Inclavare SIMULATED SGX quoting enclave, layout 1\n";
constexpr std::string_view kQeIdLabel = "Inclavare sim QE-ID";

template <class T>
std::span<const uint8_t> Bytes(const T& v) {
  return {reinterpret_cast<const uint8_t*>(&v), sizeof v};
}

class Writer {
 public:
  void Put(std::span<const uint8_t> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  template <class T>
  void PutInt(T v) {
    Put(Bytes(v));
  }
  std::vector<uint8_t>& out() { return out_; }

 private:
  std::vector<uint8_t> out_;
};

Secs QeSecs() {
  Secs secs{};
  secs.size = kQeSize;
  secs.ssa_frame_size = 1;
  secs.attributes = kSimQeAttributes;
  return secs;
}

// EADD + EEXTEND of the fixed QE layout (TCS, code, SSA) into a Measurement
// or an Enclave: both have the same AddPage().
template <class Target>
Result<> AddQePages(Target& target) {
  std::array<uint8_t, kPageSize> page{};
  Tcs tcs{};
  tcs.ossa = kQeSsaOffset;
  tcs.nssa = 1;
  tcs.oentry = kQeCodeOffset;
  tcs.ofs_limit = 0xfff;
  tcs.ogs_limit = 0xfff;
  std::memcpy(page.data(), &tcs, sizeof tcs);
  SecInfo si{};
  si.flags = SecInfoFlags(PageType::kTcs, 0);
  IC_TRY(target.AddPage(0, page, si, true));
  page.fill(0);
  std::memcpy(page.data(), kQeCode.data(), kQeCode.size());
  si.flags = SecInfoFlags(PageType::kReg, kSecInfoR | kSecInfoX);
  IC_TRY(target.AddPage(kQeCodeOffset, page, si, true));
  page.fill(0);
  si.flags = SecInfoFlags(PageType::kReg, kSecInfoR | kSecInfoW);
  return target.AddPage(kQeSsaOffset, page, si, true);
}

}  // namespace

Result<Measurement256> QuotingEnclave::MrSignerFor(const RsaKey& qe_signing_key) {
  IC_ASSIGN_OR_RETURN(auto modulus, qe_signing_key.ModulusLe());
  return ComputeMrSigner(modulus);
}

Result<QuotingEnclave> QuotingEnclave::Create(std::shared_ptr<const State> state) {
  if (!state) return InvalidArgument("quoting enclave: no sim state");
  // The signer measures the layout (as sgx_sign does), signs, then the
  // platform builds and initialises it.
  IC_ASSIGN_OR_RETURN(Measurement m, Measurement::Create());
  IC_TRY(m.Ecreate(1, kQeSize));
  IC_TRY(AddQePages(m));
  IC_ASSIGN_OR_RETURN(Measurement256 mrenclave, m.Finalize());

  SigStructParams p;
  p.enclave_hash = mrenclave;
  p.date = kQeSigStructDate;
  p.attributes = kSimQeAttributes;
  p.isv_prod_id = kSimQeIsvProdId;
  p.isv_svn = state->info().qe_isv_svn;
  SigStruct ss = NewSigStruct(p);
  IC_TRY(SignSigStruct(ss, state->qe_signing_key()).Wrap("sign the sim QE"));
  IC_ASSIGN_OR_RETURN(Enclave e, Enclave::Create(state->keys(), QeSecs()));
  auto enclave = std::make_unique<Enclave>(std::move(e));
  IC_TRY(AddQePages(*enclave));
  IC_TRY(enclave->Init(ss).Wrap("EINIT of the sim QE"));

  // QE-ID: stable per platform and QE signer, derived from a QE seal key
  // and hashed so the key itself never leaves the QE.
  KeyRequest req{};
  req.key_name = static_cast<uint16_t>(KeyName::kSeal);
  req.key_policy = kKeyPolicyMrSigner;
  std::memcpy(req.key_id.data(), kQeIdLabel.data(), kQeIdLabel.size());
  req.attribute_mask = {~0ull, 0};
  IC_ASSIGN_OR_RETURN(Key128 seal, enclave->GetKey(req));
  IC_ASSIGN_OR_RETURN(Measurement256 qe_id, Sha256(seal));
  OPENSSL_cleanse(seal.data(), seal.size());
  IC_ASSIGN_OR_RETURN(EcPublicKey att_pub, P256PublicRaw(state->attestation_key()));
  QuotingEnclave qe(std::move(state), std::move(enclave));
  std::memcpy(qe.qe_id_.data(), qe_id.data(), qe.qe_id_.size());
  qe.att_pub_ = att_pub;
  return qe;
}

Result<Measurement256> QuotingEnclave::PubKeyId() const { return Sha256(att_pub_); }

size_t QuotingEnclave::QuoteSize() const {
  return sizeof(QuoteHeader) + sizeof(ReportBody) + sizeof(uint32_t) + 64 + 64 + sizeof(ReportBody) + 64 +
         sizeof(uint16_t) + kQeAuthDataSize + sizeof(uint16_t) + sizeof(uint32_t) + state_->pck_chain_pem().size();
}

Result<std::vector<uint8_t>> QuotingEnclave::GetQuote(const Report& app_report) const {
  IC_TRY(enclave_->VerifyReport(app_report).Wrap("sim QE"));
  const EnclaveIdentity& id = enclave_->identity();

  QuoteHeader h{};
  h.version = 3;
  h.att_key_type = static_cast<uint16_t>(AttestationKeyType::kEcdsa256P256);
  h.tee_type = static_cast<uint32_t>(TeeType::kSgx);
  h.qe_svn = id.isv_svn;
  h.pce_svn = state_->info().pce_svn;
  h.qe_vendor_id = kSimQeVendorId;
  std::memcpy(h.user_data.data(), qe_id_.data(), qe_id_.size());

  Writer w;
  w.PutInt(h);
  w.PutInt(app_report.body);
  IC_ASSIGN_OR_RETURN(EcSignature sig, EcdsaSignRaw(state_->attestation_key(), w.out()));
  const EcPublicKey& att_pub = att_pub_;
  std::array<uint8_t, kQeAuthDataSize> auth{};
  for (size_t i = 0; i < auth.size(); ++i) auth[i] = static_cast<uint8_t>(i);

  IC_ASSIGN_OR_RETURN(Sha256Hasher hasher, Sha256Hasher::Create());
  IC_TRY(hasher.Update(att_pub));
  IC_TRY(hasher.Update(auth));
  IC_ASSIGN_OR_RETURN(Measurement256 binding, hasher.Final());
  ReportData qe_data{};
  std::memcpy(qe_data.data(), binding.data(), binding.size());
  // The hardware QE reports to the PCE, which checks the MAC before the PCK
  // key signs; the sim QE reports to itself and checks the same way.
  IC_ASSIGN_OR_RETURN(TargetInfo self, enclave_->GetTargetInfo());
  IC_ASSIGN_OR_RETURN(Report qe_report, enclave_->CreateReport(self, qe_data));
  IC_TRY(enclave_->VerifyReport(qe_report));
  IC_ASSIGN_OR_RETURN(EcSignature qe_sig, EcdsaSignRaw(state_->pck_key(), Bytes(qe_report.body)));

  const std::string& chain = state_->pck_chain_pem();
  const size_t sig_data_len = 64 + 64 + sizeof(ReportBody) + 64 + 2 + auth.size() + 2 + 4 + chain.size();
  w.PutInt(static_cast<uint32_t>(sig_data_len));
  w.Put(sig);
  w.Put(att_pub);
  w.PutInt(qe_report.body);
  w.Put(qe_sig);
  w.PutInt(static_cast<uint16_t>(auth.size()));
  w.Put(auth);
  w.PutInt(static_cast<uint16_t>(CertDataType::kPckCertChain));
  w.PutInt(static_cast<uint32_t>(chain.size()));
  w.Put(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(chain.data()), chain.size()));
  return std::move(w.out());
}

Result<Report> QuotingEnclave::ReportForApp(const TargetInfo& app_target, std::span<const uint8_t, 16> nonce,
                                            std::span<const uint8_t> quote) const {
  IC_ASSIGN_OR_RETURN(Sha256Hasher h, Sha256Hasher::Create());
  IC_TRY(h.Update(nonce));
  IC_TRY(h.Update(quote));
  IC_ASSIGN_OR_RETURN(Measurement256 digest, h.Final());
  ReportData data{};
  std::memcpy(data.data(), digest.data(), digest.size());
  return enclave_->CreateReport(app_target, data);
}

}  // namespace inclavare::sgx::sim
