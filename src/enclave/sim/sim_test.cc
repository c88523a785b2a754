// Tests of the sim platform: state directory, enclave life cycle, EREPORT /
// EGETKEY, the quoting enclave, the PCK chain and the collateral.
#include <gtest/gtest.h>
#include <openssl/x509_vfy.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/fs.h"
#include "enclave/sgx/hex.h"
#include "enclave/sgx/quote.h"
#include "attest/collateral.h"
#include "attest/dcap_verify.h"
#include "enclave/sim/collateral.h"
#include "enclave/sim/pki.h"
#include "enclave/sim/qe.h"
#include "enclave/sim/sample.h"
#include "enclave/sim/state.h"

namespace inclavare::sgx::sim {
namespace {

std::string MakeTempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "ic-sim-XXXXXX").string();
  char* d = mkdtemp(tmpl.data());
  EXPECT_NE(d, nullptr);
  return tmpl;
}

mode_t ModeOf(const std::string& path) {
  struct stat st{};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

template <class T>
std::span<const uint8_t> Bytes(const T& v) {
  return {reinterpret_cast<const uint8_t*>(&v), sizeof v};
}

// One state directory and one enclave signing key for the whole suite: RSA
// key generation is the slow part.
class SimTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(MakeTempDir() + "/state");
    auto init = State::Init(*dir_, {});
    ASSERT_TRUE(init) << init.error().ToString();
    auto st = State::Load(*dir_);
    ASSERT_TRUE(st) << st.error().ToString();
    state_ = new std::shared_ptr<const State>(*st);
    auto key = RsaKey::Generate();
    ASSERT_TRUE(key);
    signer_ = new RsaKey(std::move(*key));
  }
  static void TearDownTestSuite() {
    (void)fs::RemoveAll(std::filesystem::path(*dir_).parent_path().string());
    delete signer_;
    delete state_;
    delete dir_;
  }
  const State& state() { return **state_; }

  Enclave App(const SampleEnclaveOptions& o = {}) {
    auto e = BuildSampleEnclave(state().keys(), *signer_, o);
    EXPECT_TRUE(e) << e.error().ToString();
    return std::move(*e);
  }
  QuotingEnclave Qe() {
    auto qe = QuotingEnclave::Create(*state_);
    EXPECT_TRUE(qe) << qe.error().ToString();
    return std::move(*qe);
  }

  static std::string* dir_;
  static std::shared_ptr<const State>* state_;
  static RsaKey* signer_;
};
std::string* SimTest::dir_ = nullptr;
std::shared_ptr<const State>* SimTest::state_ = nullptr;
RsaKey* SimTest::signer_ = nullptr;

// --- state directory ---------------------------------------------------------

TEST_F(SimTest, StateDirectoryHasStrictModes) {
  EXPECT_EQ(ModeOf(*dir_), 0700u);
  for (const char* f : {"platform_secret.bin", "root_ca_key.pem", "pck_ca_key.pem", "pck_key.pem",
                        "tcb_signing_key.pem", "attestation_key.pem", "qe_signing_key.pem"}) {
    EXPECT_EQ(ModeOf(fs::Join(*dir_, f)), 0600u) << f;
  }
  EXPECT_EQ(ModeOf(fs::Join(*dir_, "pck_chain.pem")), 0644u);
  EXPECT_EQ(fs::ReadFile(fs::Join(*dir_, "platform_secret.bin"))->size(), 32u);
}

TEST_F(SimTest, InitRefusesToOverwriteWithoutForce) {
  auto r = State::Init(*dir_, {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kAlreadyExists);
}

TEST_F(SimTest, LoadRefusesMissingStateAndLooseSecret) {
  std::string tmp = MakeTempDir();
  auto r = State::Load(tmp + "/nothing");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kFailedPrecondition);

  std::string dir = tmp + "/s";
  ASSERT_TRUE(State::Init(dir, {}));
  ASSERT_EQ(::chmod(fs::Join(dir, "platform_secret.bin").c_str(), 0644), 0);
  auto loose = State::Load(dir);
  ASSERT_FALSE(loose);
  EXPECT_EQ(loose.error().code(), ErrorCode::kPermissionDenied);
  (void)fs::RemoveAll(tmp);
}

TEST_F(SimTest, LoadPlatformKeysReadsOnlyWhatEnclavesNeed) {
  auto keys = State::LoadPlatformKeys(*dir_);
  ASSERT_TRUE(keys) << keys.error().ToString();
  EXPECT_EQ(keys->root_key, state().keys().root_key);
  EXPECT_EQ(keys->owner_epoch, state().keys().owner_epoch);
  EXPECT_EQ(keys->cpu_svn, state().keys().cpu_svn);

  std::string tmp = MakeTempDir();
  auto missing = State::LoadPlatformKeys(tmp + "/nothing");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kFailedPrecondition);
  std::string dir = tmp + "/s";
  ASSERT_TRUE(State::Init(dir, {}));
  ASSERT_EQ(::chmod(fs::Join(dir, "platform_secret.bin").c_str(), 0640), 0);
  auto loose = State::LoadPlatformKeys(dir);
  ASSERT_FALSE(loose);
  EXPECT_EQ(loose.error().code(), ErrorCode::kPermissionDenied);
  (void)fs::RemoveAll(tmp);
}

TEST(StateDirTest, DefaultFromEnvironment) {
  ::unsetenv(kStateDirEnv);
  EXPECT_EQ(DefaultStateDir(), "/var/lib/inclavare/sim");
  ::setenv(kStateDirEnv, "/tmp/x", 1);
  EXPECT_EQ(DefaultStateDir(), "/tmp/x");
  ::unsetenv(kStateDirEnv);
}

// --- enclave life cycle ------------------------------------------------------

TEST_F(SimTest, EinitAcceptsMatchingSigStruct) {
  Enclave e = App();
  ASSERT_TRUE(e.initialized());
  auto mrsigner = SigStructMrSigner(SignSampleEnclave(*signer_, {})->sigstruct);
  EXPECT_EQ(e.identity().mr_signer, *mrsigner);
  EXPECT_TRUE(e.identity().attributes.flags & kAttrInit);
  auto again = SignSampleEnclave(*signer_, {});
  EXPECT_EQ(e.identity().mr_enclave, again->sigstruct.body.enclave_hash);
}

TEST_F(SimTest, EinitRefusesChangedPage) {
  auto parts = SignSampleEnclave(*signer_, {});
  ASSERT_TRUE(parts);
  SampleEnclaveOptions other;
  other.content = "a different enclave";
  auto e = CreateSampleEnclave(state().keys(), parts->secs, other);
  ASSERT_TRUE(e);
  auto r = e->Init(parts->sigstruct);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_FALSE(e->initialized());
  EXPECT_FALSE(e->CreateReport(TargetInfo{}, ReportData{}));
}

TEST_F(SimTest, EinitRefusesTamperedSigStruct) {
  auto parts = SignSampleEnclave(*signer_, {});
  ASSERT_TRUE(parts);
  parts->sigstruct.body.isv_svn ^= 1;  // signed field
  auto e = CreateSampleEnclave(state().keys(), parts->secs, {});
  ASSERT_TRUE(e);
  auto r = e->Init(parts->sigstruct);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kPermissionDenied);
}

TEST_F(SimTest, EinitRefusesAttributesOutsideMask) {
  auto parts = SignSampleEnclave(*signer_, {});  // production: DEBUG enforced clear
  ASSERT_TRUE(parts);
  Secs debug_secs = parts->secs;
  debug_secs.attributes.flags |= kAttrDebug;
  auto e = CreateSampleEnclave(state().keys(), debug_secs, {});
  ASSERT_TRUE(e);
  auto r = e->Init(parts->sigstruct);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("ATTRIBUTES"), std::string::npos);

  Secs misc_secs = parts->secs;
  misc_secs.misc_select = kMiscExInfo;
  auto m = CreateSampleEnclave(state().keys(), misc_secs, {});
  ASSERT_TRUE(m);
  auto rm = m->Init(parts->sigstruct);
  ASSERT_FALSE(rm);
  EXPECT_NE(rm.error().message().find("MISCSELECT"), std::string::npos);
}

TEST_F(SimTest, EcreateValidatesSecs) {
  Secs secs{};
  secs.size = 0x3000;  // not a power of two
  secs.ssa_frame_size = 1;
  secs.attributes = {kAttrMode64Bit, kXfrmLegacy};
  EXPECT_FALSE(Enclave::Create(state().keys(), secs));
  secs.size = 0x4000;
  secs.attributes.flags |= kAttrInit;
  EXPECT_FALSE(Enclave::Create(state().keys(), secs));
  secs.attributes.flags = kAttrMode64Bit;
  EXPECT_TRUE(Enclave::Create(state().keys(), secs));
}

TEST_F(SimTest, NoPagesAfterEinit) {
  Enclave e = App();
  std::array<uint8_t, kPageSize> page{};
  SecInfo si{};
  si.flags = SecInfoFlags(PageType::kReg, kSecInfoR);
  EXPECT_FALSE(e.AddPage(0x3000, page, si, true));
}

// --- EREPORT / EGETKEY -------------------------------------------------------

TEST_F(SimTest, ReportVerifiesOnlyAtItsTarget) {
  Enclave app = App();
  QuotingEnclave qe = Qe();
  auto ti = qe.GetTargetInfo();
  ASSERT_TRUE(ti);
  ReportData data{};
  data[0] = 0x42;
  auto report = app.CreateReport(*ti, data);
  ASSERT_TRUE(report);
  EXPECT_EQ(report->body.mr_enclave, app.identity().mr_enclave);
  EXPECT_EQ(report->body.report_data, data);
  EXPECT_EQ(report->body.cpu_svn, state().info().cpu_svn);
  EXPECT_TRUE(qe.enclave().VerifyReport(*report));

  // Another target: the QE cannot check it.
  SampleEnclaveOptions o;
  o.content = "another target";
  Enclave other = App(o);
  auto other_report = app.CreateReport(*other.GetTargetInfo(), data);
  ASSERT_TRUE(other_report);
  EXPECT_TRUE(other.VerifyReport(*other_report));
  auto r = qe.enclave().VerifyReport(*other_report);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kPermissionDenied);

  Report tampered = *report;
  tampered.body.report_data[1] ^= 1;
  EXPECT_FALSE(qe.enclave().VerifyReport(tampered));
}

TEST_F(SimTest, ReportMacIsCmacUnderDerivedKey) {
  Enclave app = App();
  QuotingEnclave qe = Qe();
  auto report = app.CreateReport(*qe.GetTargetInfo(), ReportData{});
  ASSERT_TRUE(report);
  auto key = DeriveReportKey(state().keys(), *qe.GetTargetInfo(), report->key_id);
  ASSERT_TRUE(key);
  auto mac = AesCmac(*key, Bytes(report->body));
  ASSERT_TRUE(mac);
  EXPECT_EQ(*mac, report->mac);
}

// What the REPORT key binds (keys.h): rebuilt here field by field, it MACs
// the report; without the seal fuses (the SDM binds them) it does not.
TEST_F(SimTest, ReportKeyBindsTheSealFuses) {
  Enclave app = App();
  QuotingEnclave qe = Qe();
  auto report = app.CreateReport(*qe.GetTargetInfo(), ReportData{});
  ASSERT_TRUE(report);
  const TargetInfo target = *qe.GetTargetInfo();
  KeyDerivation d{};
  d.key_name = static_cast<uint16_t>(KeyName::kReport);
  d.cpu_svn = state().keys().cpu_svn;
  d.owner_epoch = state().keys().owner_epoch;
  d.key_id = report->key_id;
  d.mr_enclave = target.mr_enclave;
  d.attributes = target.attributes;
  d.misc_select = target.misc_select;
  d.config_id = target.config_id;
  d.config_svn = target.config_svn;
  auto unfused = DeriveKey(state().keys(), d);
  ASSERT_TRUE(unfused);
  EXPECT_NE(*AesCmac(*unfused, Bytes(report->body)), report->mac);
  d.seal_key_fuses = *SealKeyFuses(state().keys());
  auto key = DeriveKey(state().keys(), d);
  ASSERT_TRUE(key);
  EXPECT_EQ(*AesCmac(*key, Bytes(report->body)), report->mac);
}

// The SEAL key binds the request's ATTRIBUTEMASK and MISCMASK themselves,
// not only the attributes they select (SDM EGETKEY: ATTRIBUTESMASK,
// MISCMASK := ~KEYREQUEST.MISCMASK): two masks that select the same set
// bits of this enclave still give different keys.
TEST_F(SimTest, SealKeyBindsTheMasks) {
  Enclave app = App();
  KeyRequest req{};
  req.key_name = static_cast<uint16_t>(KeyName::kSeal);
  req.key_policy = kKeyPolicyMrSigner;
  req.attribute_mask = {kAttrInit | kAttrDebug | kAttrMode64Bit, kXfrmLegacy};
  req.misc_mask = 0;
  auto base = app.GetKey(req);
  ASSERT_TRUE(base) << base.error().ToString();
  EXPECT_EQ(*app.GetKey(req), *base);  // deterministic
  KeyRequest other = req;
  other.attribute_mask.flags |= kAttrProvisionKey;  // a bit the enclave does not have
  auto k = app.GetKey(other);
  ASSERT_TRUE(k);
  EXPECT_NE(*k, *base);
  other = req;
  other.misc_mask = 0x1;  // MISCSELECT is 0: selects nothing, but is bound
  k = app.GetKey(other);
  ASSERT_TRUE(k);
  EXPECT_NE(*k, *base);
}

TEST(CmacTest, Rfc4493Vector) {
  // RFC 4493 section 4, example 2 (16-byte message).
  auto key = HexDecodeFixed<16>("2b7e151628aed2a6abf7158809cf4f3c");
  auto msg = HexDecode("6bc1bee22e409f96e93d7e117393172a");
  auto mac = AesCmac(*key, *msg);
  ASSERT_TRUE(mac);
  EXPECT_EQ(HexEncode(*mac), "070a16b46b4d4144f79bdd9dd04a287c");
}

TEST_F(SimTest, SealKeysFollowPolicy) {
  Enclave a1 = App();
  Enclave a2 = App();
  SampleEnclaveOptions o;
  o.content = "same signer, other enclave";
  Enclave b = App(o);
  KeyRequest req{};
  req.key_name = static_cast<uint16_t>(KeyName::kSeal);
  req.key_policy = kKeyPolicyMrEnclave;
  req.attribute_mask = {~0ull, ~0ull};
  req.misc_mask = ~0u;
  auto k1 = a1.GetKey(req), k2 = a2.GetKey(req), kb = b.GetKey(req);
  ASSERT_TRUE(k1 && k2 && kb);
  EXPECT_EQ(*k1, *k2);
  EXPECT_NE(*k1, *kb);
  req.key_policy = kKeyPolicyMrSigner;
  auto s1 = a1.GetKey(req), sb = b.GetKey(req);
  ASSERT_TRUE(s1 && sb);
  EXPECT_EQ(*s1, *sb);
  EXPECT_NE(*s1, *k1);
  req.key_id[0] = 1;
  EXPECT_NE(*a1.GetKey(req), *s1);

  req.isv_svn = 1;  // above the enclave's ISVSVN 0
  EXPECT_FALSE(a1.GetKey(req));
  req.isv_svn = 0;
  req.cpu_svn[0] = 0xff;  // above the platform's
  EXPECT_FALSE(a1.GetKey(req));
  req.cpu_svn[0] = 0;
  // Without the PROVISIONKEY / EINITTOKENKEY attributes: SGX_INVALID_ATTRIBUTE.
  for (KeyName n : {KeyName::kProvision, KeyName::kProvisionSeal, KeyName::kEinitToken}) {
    req.key_name = static_cast<uint16_t>(n);
    auto k = a1.GetKey(req);
    ASSERT_FALSE(k);
    EXPECT_EQ(k.error().code(), ErrorCode::kPermissionDenied) << k.error().ToString();
    EXPECT_NE(k.error().message().find("INVALID_ATTRIBUTE"), std::string::npos);
  }
  req.key_name = 5;  // no such KEYNAME
  EXPECT_EQ(a1.GetKey(req).error().code(), ErrorCode::kInvalidArgument);
}

// PROVISION / PROVISION_SEAL / EINITTOKEN keys (keys.h): what they bind and
// what they must not.
class PlatformKeyTest : public SimTest {
 protected:
  static SampleEnclaveOptions Opts(uint64_t flags, const std::string& content = "provisioning enclave") {
    SampleEnclaveOptions o;
    o.content = content;
    o.extra_flags = flags;
    o.isv_svn = 2;
    o.isv_prod_id = 7;
    return o;
  }
  static KeyRequest Req(KeyName name) {
    KeyRequest r{};
    r.key_name = static_cast<uint16_t>(name);
    r.isv_svn = 2;
    r.attribute_mask = {kAttrMode64Bit | kAttrProvisionKey | kAttrEinitTokenKey, kXfrmLegacy};
    r.misc_mask = ~0u;
    return r;
  }
  Key128 Get(const Enclave& e, const KeyRequest& r) {
    auto k = e.GetKey(r);
    EXPECT_TRUE(k) << k.error().ToString();
    return k ? *k : Key128{};
  }
  Enclave Build(const PlatformKeys& keys, const RsaKey& signer, const SampleEnclaveOptions& o) {
    auto e = BuildSampleEnclave(keys, signer, o);
    EXPECT_TRUE(e) << e.error().ToString();
    return std::move(*e);
  }
};

TEST_F(PlatformKeyTest, ProvisionKeysBindSignerNotEnclaveNorOwner) {
  const uint64_t kFlags = kAttrProvisionKey;
  Enclave p1 = App(Opts(kFlags));
  Enclave p1_again = App(Opts(kFlags));
  Enclave p2 = App(Opts(kFlags, "another enclave of the same signer"));
  ASSERT_NE(p1.identity().mr_enclave, p2.identity().mr_enclave);
  auto other_key = RsaKey::Generate();
  ASSERT_TRUE(other_key);
  Enclave q = Build(state().keys(), *other_key, Opts(kFlags));
  SampleEnclaveOptions other_prod = Opts(kFlags);
  other_prod.isv_prod_id = 8;
  Enclave r = App(other_prod);
  PlatformKeys new_owner = state().keys();
  new_owner.owner_epoch[0] ^= 1;
  Enclave p1_new_owner = Build(new_owner, *signer_, Opts(kFlags));
  PlatformKeys other_platform = state().keys();
  other_platform.root_key[0] ^= 1;
  Enclave p1_elsewhere = Build(other_platform, *signer_, Opts(kFlags));

  for (KeyName name : {KeyName::kProvision, KeyName::kProvisionSeal}) {
    SCOPED_TRACE(static_cast<int>(name));
    const KeyRequest base = Req(name);
    const Key128 k = Get(p1, base);
    EXPECT_NE(k, Key128{});
    EXPECT_EQ(k, Get(p1_again, base));        // deterministic
    EXPECT_EQ(k, Get(p2, base));              // MRENCLAVE not bound
    EXPECT_EQ(k, Get(p1_new_owner, base));    // OWNEREPOCH not bound
    EXPECT_NE(k, Get(q, base));               // MRSIGNER bound
    EXPECT_NE(k, Get(r, base));               // ISVPRODID bound
    EXPECT_NE(k, Get(p1_elsewhere, base));    // the platform secret

    KeyRequest req = base;
    req.key_id[3] = 9;                        // KEYID not bound
    EXPECT_EQ(k, Get(p1, req));
    req = base;
    req.key_policy = kKeyPolicyMrEnclave;     // KEYPOLICY ignored
    EXPECT_EQ(k, Get(p1, req));
    req = base;
    req.isv_svn = 1;                          // older SVN: another, derivable key
    EXPECT_NE(k, Get(p1, req));
    req.isv_svn = 3;                          // above the enclave's
    auto above = p1.GetKey(req);
    ASSERT_FALSE(above);
    EXPECT_NE(above.error().message().find("INVALID_ISVSVN"), std::string::npos);
    req = base;
    req.cpu_svn[2] = 0xff;                    // above the platform's
    auto cpu = p1.GetKey(req);
    ASSERT_FALSE(cpu);
    EXPECT_NE(cpu.error().message().find("INVALID_CPUSVN"), std::string::npos);
    req = base;
    req.attribute_mask.flags |= kAttrDebug;   // the mask itself is bound
    EXPECT_NE(k, Get(p1, req));
    req = base;
    req.misc_mask = 0;                        // MISCMASK is bound (as ~MISCMASK)
    EXPECT_NE(k, Get(p1, req));
  }
  // The two provisioning keys differ (KEYNAME, seal fuses), and differ from
  // an MRSIGNER seal key with the same inputs.
  const Key128 prov = Get(p1, Req(KeyName::kProvision));
  const Key128 prov_seal = Get(p1, Req(KeyName::kProvisionSeal));
  EXPECT_NE(prov, prov_seal);
  KeyRequest seal = Req(KeyName::kSeal);
  seal.key_policy = kKeyPolicyMrSigner;
  EXPECT_NE(Get(p1, seal), prov);
  // PROVISIONKEY does not grant the EINITTOKEN key.
  auto launch = p1.GetKey(Req(KeyName::kEinitToken));
  ASSERT_FALSE(launch);
  EXPECT_EQ(launch.error().code(), ErrorCode::kPermissionDenied);
}

TEST_F(PlatformKeyTest, EinitTokenKeyBindsSignerOwnerAndKeyId) {
  const uint64_t kFlags = kAttrEinitTokenKey;
  Enclave le = App(Opts(kFlags));
  Enclave le_again = App(Opts(kFlags));
  Enclave le2 = App(Opts(kFlags, "another launch enclave build"));
  auto other_key = RsaKey::Generate();
  ASSERT_TRUE(other_key);
  Enclave other_signer = Build(state().keys(), *other_key, Opts(kFlags));
  PlatformKeys new_owner = state().keys();
  new_owner.owner_epoch[15] ^= 0x80;
  Enclave le_new_owner = Build(new_owner, *signer_, Opts(kFlags));

  const KeyRequest base = Req(KeyName::kEinitToken);
  const Key128 k = Get(le, base);
  EXPECT_EQ(k, Get(le_again, base));
  EXPECT_EQ(k, Get(le2, base));               // MRENCLAVE not bound
  EXPECT_NE(k, Get(other_signer, base));      // MRSIGNER bound
  EXPECT_NE(k, Get(le_new_owner, base));      // OWNEREPOCH bound
  KeyRequest req = base;
  req.key_id[0] = 1;                          // KEYID bound
  EXPECT_NE(k, Get(le, req));
  req = base;
  req.key_policy = kKeyPolicyMrEnclave;       // KEYPOLICY ignored
  EXPECT_EQ(k, Get(le, req));
  req = base;
  req.isv_svn = 0;
  EXPECT_NE(k, Get(le, req));
  req.isv_svn = 3;
  EXPECT_FALSE(le.GetKey(req));
  // EINITTOKENKEY does not grant provisioning keys.
  auto prov = le.GetKey(Req(KeyName::kProvision));
  ASSERT_FALSE(prov);
  EXPECT_EQ(prov.error().code(), ErrorCode::kPermissionDenied);
}

TEST_F(SimTest, SealKeysDependOnPlatformSecret) {
  std::string tmp = MakeTempDir();
  ASSERT_TRUE(State::Init(tmp + "/s", {}));
  auto other = State::Load(tmp + "/s");
  ASSERT_TRUE(other);
  Enclave here = App();
  auto there = BuildSampleEnclave((*other)->keys(), *signer_, {});
  ASSERT_TRUE(there);
  KeyRequest req{};
  req.key_name = static_cast<uint16_t>(KeyName::kSeal);
  req.key_policy = kKeyPolicyMrEnclave;
  EXPECT_NE(*here.GetKey(req), *there->GetKey(req));
  (void)fs::RemoveAll(tmp);
}

// --- quoting enclave ---------------------------------------------------------

Result<> VerifyChain(const std::string& chain_pem, const std::string& root_pem) {
  IC_ASSIGN_OR_RETURN(auto certs, CertsFromPem(chain_pem));
  IC_ASSIGN_OR_RETURN(X509Ptr root, CertFromPem(root_pem));
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
  X509_STORE_add_cert(store.get(), root.get());
  std::unique_ptr<STACK_OF(X509), void (*)(STACK_OF(X509)*)> untrusted(sk_X509_new_null(),
                                                                       [](STACK_OF(X509)* s) { sk_X509_free(s); });
  for (size_t i = 1; i < certs.size(); ++i) sk_X509_push(untrusted.get(), certs[i].get());
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(), X509_STORE_CTX_free);
  X509_STORE_CTX_init(ctx.get(), store.get(), certs[0].get(), untrusted.get());
  if (X509_verify_cert(ctx.get()) != 1) {
    return Internal(X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
  }
  return {};
}

TEST_F(SimTest, QuoteParsesAndVerifiesToSimRoot) {
  Enclave app = App();
  QuotingEnclave qe = Qe();
  ReportData data{};
  std::memcpy(data.data(), "hello sim", 9);
  auto report = app.CreateReport(*qe.GetTargetInfo(), data);
  ASSERT_TRUE(report);
  auto quote = qe.GetQuote(*report);
  ASSERT_TRUE(quote) << quote.error().ToString();
  EXPECT_EQ(quote->size(), qe.QuoteSize());

  auto q = ParseQuote(*quote);
  ASSERT_TRUE(q) << q.error().ToString();
  EXPECT_EQ(q->version(), 3);
  EXPECT_EQ(q->header.att_key_type, 2);
  EXPECT_EQ(q->header.qe_vendor_id, kSimQeVendorId);
  EXPECT_EQ(q->header.pce_svn, state().info().pce_svn);
  EXPECT_EQ(q->header.qe_svn, state().info().qe_isv_svn);
  ASSERT_NE(q->sgx_report(), nullptr);
  EXPECT_EQ(std::memcmp(q->sgx_report(), &report->body, sizeof(ReportBody)), 0);
  EXPECT_EQ(q->cert_data_type, 5);

  // Attestation key signs header || body.
  auto att = P256FromRaw(q->attestation_key);
  ASSERT_TRUE(att);
  EXPECT_TRUE(EcdsaVerifyRaw(att->get(), q->signed_data, q->signature));
  // The QE report binds the attestation key and the auth data.
  auto h = Sha256Hasher::Create();
  ASSERT_TRUE(h->Update(q->attestation_key));
  ASSERT_TRUE(h->Update(q->qe_auth_data));
  auto binding = h->Final();
  EXPECT_EQ(std::memcmp(q->qe_report.report_data.data(), binding->data(), 32), 0);
  EXPECT_EQ(q->qe_report.isv_prod_id, kSimQeIsvProdId);
  EXPECT_EQ(q->qe_report.mr_signer, *QuotingEnclave::MrSignerFor(state().qe_signing_key()));
  // The PCK key signs the QE report; the PCK chain leads to the sim root.
  auto pem = q->PckChainPem();
  ASSERT_TRUE(pem);
  auto certs = CertsFromPem(*pem);
  ASSERT_TRUE(certs);
  ASSERT_EQ(certs->size(), 3u);
  EVP_PKEY* pck_pub = X509_get0_pubkey((*certs)[0].get());
  EXPECT_TRUE(EcdsaVerifyRaw(pck_pub, q->qe_report_bytes, q->qe_report_signature));
  auto chain = VerifyChain(std::string(*pem), state().root_ca_pem());
  EXPECT_TRUE(chain) << chain.error().ToString();
  for (auto& c : *certs) {
    char cn[256];
    X509_NAME_get_text_by_NID(X509_get_subject_name(c.get()), NID_commonName, cn, sizeof cn);
    EXPECT_NE(std::string(cn).find("SIMULATED"), std::string::npos) << cn;
  }
  auto ext = CertSgxExtension((*certs)[0].get());
  ASSERT_TRUE(ext) << ext.error().ToString();
  EXPECT_EQ(ext->fmspc, state().info().fmspc);
  EXPECT_EQ(ext->cpu_svn, report->body.cpu_svn);
  EXPECT_EQ(ext->pce_svn, q->header.pce_svn);
  EXPECT_EQ(ext->ppid, state().info().ppid);

  // A tampered quote fails the attestation signature.
  std::vector<uint8_t> bad = *quote;
  bad[48 + 320] ^= 1;  // report_data
  auto qb = ParseQuote(bad);
  ASSERT_TRUE(qb);
  EXPECT_FALSE(EcdsaVerifyRaw(att->get(), qb->signed_data, qb->signature));
}

// Issue 5: "Sim quotes verify only with the sim root configured".
TEST_F(SimTest, SimQuotesVerifyOnlyWithSimRootConfigured) {
  Enclave app = App();
  QuotingEnclave qe = Qe();
  ReportData data{};
  auto report = app.CreateReport(*qe.GetTargetInfo(), data);
  ASSERT_TRUE(report);
  auto quote = qe.GetQuote(*report);
  ASSERT_TRUE(quote) << quote.error().ToString();
  std::string c = *dir_ + "/collateral/";
  attest::CollateralFiles files;
  files.tcb_info = c + "tcb_info.json";
  files.qe_identity = c + "qe_identity.json";
  files.pck_crl = c + "pck_platform_ca.crl.der";
  files.root_ca_crl = c + "root_ca.crl.der";
  files.tcb_signing_chain = c + "tcb_signing_chain.pem";
  auto collateral = attest::LoadCollateralFiles(files);
  ASSERT_TRUE(collateral) << collateral.error().ToString();
  auto root = fs::ReadFile(*dir_ + "/root_ca.pem");
  ASSERT_TRUE(root);

  attest::VerifyOptions trusted;
  trusted.root_ca_pem = *root;
  trusted.accept_sim_qe = true;
  auto ok = attest::VerifyQuote(*quote, *collateral, trusted);
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(ok->status, attest::TcbStatus::kUpToDate) << attest::TcbStatusName(ok->status);

  // The sim root alone is not enough: the sim QE must be accepted explicitly.
  attest::VerifyOptions root_only;
  root_only.root_ca_pem = *root;
  auto refused = attest::VerifyQuote(*quote, *collateral, root_only);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().ToString().find("simulated QE"), std::string::npos) << refused.error().ToString();

  // Accepting the sim QE without naming the sim root is refused outright...
  attest::VerifyOptions no_root;
  no_root.accept_sim_qe = true;
  EXPECT_FALSE(attest::VerifyQuote(*quote, *collateral, no_root));
  // ...and the default (Intel) trust anchors never accept a sim chain.
  EXPECT_FALSE(attest::VerifyQuote(*quote, *collateral, attest::VerifyOptions{}));
}

TEST_F(SimTest, QeRefusesWrongTargetAndTamperedReport) {
  Enclave app = App();
  QuotingEnclave qe = Qe();
  auto to_self = app.CreateReport(*app.GetTargetInfo(), ReportData{});
  ASSERT_TRUE(to_self);
  auto r = qe.GetQuote(*to_self);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kPermissionDenied);
  auto good = app.CreateReport(*qe.GetTargetInfo(), ReportData{});
  ASSERT_TRUE(good);
  Report bad = *good;
  bad.body.isv_svn = 7;
  EXPECT_FALSE(qe.GetQuote(bad));
  bad = *good;
  bad.mac[0] ^= 1;
  EXPECT_FALSE(qe.GetQuote(bad));
}

// --- collateral --------------------------------------------------------------

// The signed body: the raw text of the "<name>" value, as Intel's verifiers
// take it.
std::string RawBody(const std::string& doc, const std::string& name) {
  std::string prefix = "{\"" + name + "\":";
  size_t end = doc.rfind(",\"signature\":");
  if (doc.rfind(prefix, 0) != 0 || end == std::string::npos) return {};
  return doc.substr(prefix.size(), end - prefix.size());
}

TEST_F(SimTest, CollateralIsSignedByTheTcbSigningCert) {
  auto tcb_chain = fs::ReadFile(fs::Join(*dir_, "collateral/tcb_signing_chain.pem"));
  ASSERT_TRUE(tcb_chain);
  EXPECT_TRUE(VerifyChain(*tcb_chain, state().root_ca_pem()));
  auto certs = CertsFromPem(*tcb_chain);
  EVP_PKEY* tcb_pub = X509_get0_pubkey((*certs)[0].get());

  for (auto [file, name] : {std::pair{"tcb_info.json", "tcbInfo"}, std::pair{"qe_identity.json", "enclaveIdentity"}}) {
    auto doc = fs::ReadFile(fs::Join(*dir_, std::string("collateral/") + file));
    ASSERT_TRUE(doc);
    auto j = nlohmann::json::parse(*doc);
    auto sig = HexDecodeFixed<64>(j.at("signature").get<std::string>());
    ASSERT_TRUE(sig);
    std::string body = RawBody(*doc, name);
    ASSERT_FALSE(body.empty());
    EXPECT_TRUE(EcdsaVerifyRaw(tcb_pub, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(body.data()), body.size()), *sig))
        << file;
  }
  auto tcb = nlohmann::json::parse(*fs::ReadFile(fs::Join(*dir_, "collateral/tcb_info.json")));
  EXPECT_EQ(tcb["tcbInfo"]["version"], 3);
  EXPECT_EQ(tcb["tcbInfo"]["id"], "SGX");
  EXPECT_EQ(tcb["tcbInfo"]["fmspc"], HexEncode(state().info().fmspc));
  EXPECT_EQ(tcb["tcbInfo"]["tcbLevels"][0]["tcb"]["sgxtcbcomponents"].size(), 16u);
  EXPECT_EQ(tcb["tcbInfo"]["tcbLevels"][0]["tcb"]["pcesvn"], state().info().pce_svn);

  // QE identity matches the QE's report under the masks.
  QuotingEnclave qe = Qe();
  auto qid = nlohmann::json::parse(*fs::ReadFile(fs::Join(*dir_, "collateral/qe_identity.json")))["enclaveIdentity"];
  EXPECT_EQ(qid["version"], 2);
  const EnclaveIdentity& id = qe.enclave().identity();
  std::string mrsigner = HexEncode(id.mr_signer);
  for (auto& c : mrsigner) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_EQ(qid["mrsigner"], mrsigner);
  EXPECT_EQ(qid["isvprodid"], id.isv_prod_id);
  EXPECT_EQ(qid["tcbLevels"][0]["tcb"]["isvsvn"], id.isv_svn);
  auto attrs = HexDecodeFixed<16>(qid["attributes"].get<std::string>());
  auto mask = HexDecodeFixed<16>(qid["attributesMask"].get<std::string>());
  auto reported = Bytes(id.attributes);
  for (size_t i = 0; i < 16; ++i) EXPECT_EQ(reported[i] & (*mask)[i], (*attrs)[i] & (*mask)[i]) << i;
}

TEST_F(SimTest, CrlsAreSignedByTheirIssuers) {
  for (auto [crl_file, issuer_file] : {std::pair{"collateral/root_ca.crl.der", "root_ca.pem"},
                                       std::pair{"collateral/pck_platform_ca.crl.der", "pck_platform_ca.pem"}}) {
    auto der = fs::ReadFile(fs::Join(*dir_, crl_file));
    ASSERT_TRUE(der);
    const unsigned char* p = reinterpret_cast<const unsigned char*>(der->data());
    X509CrlPtr crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der->size())));
    ASSERT_TRUE(crl) << crl_file;
    auto issuer = CertFromPem(*fs::ReadFile(fs::Join(*dir_, issuer_file)));
    ASSERT_TRUE(issuer);
    EXPECT_EQ(X509_CRL_verify(crl.get(), X509_get0_pubkey(issuer->get())), 1) << crl_file;
    EXPECT_EQ(X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(issuer->get())), 0);
  }
}

// --- SGX extension encoding --------------------------------------------------

TEST(SgxExtensionTest, RoundTrip) {
  SgxExtension ext;
  ext.ppid[0] = 1;
  for (size_t i = 0; i < 16; ++i) ext.tcb_comp_svn[i] = static_cast<uint8_t>(i * 10);
  ext.pce_svn = 300;
  ext.cpu_svn[3] = 9;
  ext.pce_id = {0x01, 0x02};
  ext.fmspc = {0, 0x90, 0x6e, 0xa1, 0, 0};
  ext.sgx_type = SgxType::kScalable;
  auto der = EncodeSgxExtension(ext);
  ASSERT_TRUE(der);
  auto back = DecodeSgxExtension(*der);
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->tcb_comp_svn, ext.tcb_comp_svn);
  EXPECT_EQ(back->pce_svn, 300);
  EXPECT_EQ(back->cpu_svn, ext.cpu_svn);
  EXPECT_EQ(back->pce_id, ext.pce_id);
  EXPECT_EQ(back->fmspc, ext.fmspc);
  EXPECT_EQ(back->sgx_type, SgxType::kScalable);
  EXPECT_FALSE(back->platform_instance_id);
  EXPECT_FALSE(DecodeSgxExtension(std::span<const uint8_t>(der->data(), der->size() - 1)));
}

#ifdef IC_EVIDENCE_DIR
// Intel's own PCK certificate (Platform CA) from a real quote: decoding it
// and encoding the result again must give Intel's bytes exactly.
TEST(SgxExtensionTest, ReencodesIntelsExtensionByteForByte) {
  auto data = fs::ReadFile(std::string(IC_EVIDENCE_DIR) + "/sgx/automata/quote_v3.bin");
  if (!data) GTEST_SKIP() << "evidence folder absent: " << IC_EVIDENCE_DIR;
  auto q = ParseQuote(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data->data()), data->size()));
  ASSERT_TRUE(q);
  auto certs = CertsFromPem(*q->PckChainPem());
  ASSERT_TRUE(certs);
  X509* pck = (*certs)[0].get();
  auto ext = CertSgxExtension(pck);
  ASSERT_TRUE(ext) << ext.error().ToString();
  EXPECT_EQ(HexEncode(ext->fmspc), "00606a000000");
  EXPECT_EQ(ext->pce_svn, 13);
  EXPECT_EQ(ext->sgx_type, SgxType::kScalable);
  ASSERT_TRUE(ext->configuration);
  EXPECT_TRUE(ext->configuration->dynamic_platform);

  std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> oid(OBJ_txt2obj(kSgxExtensionsOid, 1), ASN1_OBJECT_free);
  X509_EXTENSION* raw = X509_get_ext(pck, X509_get_ext_by_OBJ(pck, oid.get(), -1));
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(raw);
  std::vector<uint8_t> intel(ASN1_STRING_get0_data(value), ASN1_STRING_get0_data(value) + ASN1_STRING_length(value));
  auto ours = EncodeSgxExtension(*ext);
  ASSERT_TRUE(ours);
  EXPECT_EQ(HexEncode(*ours), HexEncode(intel));
}
#endif

}  // namespace
}  // namespace inclavare::sgx::sim
