// Attester plugins without a TEE: nullattester, the clear probe failures,
// the configfs-tsm sequence against a fake configfs, the Gramine
// /dev/attestation sequence against a fake directory.
#include <gtest/gtest.h>
#include <rats-tls/plugin.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "common/fs.h"
#include "ratstls/plugins/attesters/sgx_ecdsa/gramine_attestation.h"
#include "ratstls/plugins/attesters/tdx_ecdsa/tsm_report.h"

extern "C" const rats_tls_plugin_t* rats_tls_plugin_attester_nullattester(void);
extern "C" const rats_tls_plugin_t* rats_tls_plugin_attester_sgx_ecdsa(void);
extern "C" const rats_tls_plugin_t* rats_tls_plugin_attester_sgx_la(void);
extern "C" const rats_tls_plugin_t* rats_tls_plugin_attester_tdx_ecdsa(void);

namespace inclavare::ratstls::attesters {
namespace {

const rats_tls_attester_ops_t* Ops(const rats_tls_plugin_t* p) {
  return static_cast<const rats_tls_attester_ops_t*>(p->ops);
}

rats_tls_plugin_env_t NoTeeEnv() {
  rats_tls_plugin_env_t env{};
  env.size = sizeof env;
  env.aesm_socket = "/nonexistent/aesm.socket";
  env.plugin_dir = ATT_PLUGIN_DIR;
  return env;
}

std::array<uint8_t, 64> Pattern(uint8_t seed) {
  std::array<uint8_t, 64> a;
  for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<uint8_t>(seed + 7 * i);
  return a;
}

TEST(AttesterDescriptorsTest, NamesTypesPrioritiesAsUpstream) {
  struct Want {
    const rats_tls_plugin_t* p;
    const char* name;
    const char* type;
    uint8_t priority;
  } wants[] = {
      {rats_tls_plugin_attester_nullattester(), "nullattester", "nullattester", 0},
      {rats_tls_plugin_attester_sgx_la(), "sgx_la", "sgx_la", 15},
      {rats_tls_plugin_attester_tdx_ecdsa(), "tdx_ecdsa", "tdx_ecdsa", 42},
      {rats_tls_plugin_attester_sgx_ecdsa(), "sgx_ecdsa", "sgx_ecdsa", 52},
  };
  for (const Want& w : wants) {
    SCOPED_TRACE(w.name);
    EXPECT_EQ(w.p->abi_version, RATS_TLS_PLUGIN_ABI_VERSION);
    EXPECT_EQ(w.p->kind, static_cast<uint32_t>(RATS_TLS_PLUGIN_ATTESTER));
    EXPECT_STREQ(w.p->name, w.name);
    EXPECT_STREQ(w.p->type, w.type);
    EXPECT_EQ(w.p->priority, w.priority);
    const auto* ops = Ops(w.p);
    EXPECT_NE(ops->probe, nullptr);
    EXPECT_NE(ops->init, nullptr);
    EXPECT_NE(ops->collect_evidence, nullptr);
    EXPECT_NE(ops->cleanup, nullptr);
  }
  EXPECT_NE(Ops(rats_tls_plugin_attester_sgx_ecdsa())->collect_endorsements, nullptr);
}

TEST(NullAttesterTest, ProbesOkAndReturnsNoEvidence) {
  const auto* ops = Ops(rats_tls_plugin_attester_nullattester());
  rats_tls_plugin_env_t env = NoTeeEnv();
  rats_tls_error_t err{};
  ASSERT_EQ(ops->probe(&env, &err), 0);
  void* state = reinterpret_cast<void*>(1);
  ASSERT_EQ(ops->init(&env, &state, &err), 0);
  const auto rd = Pattern(1);
  uint64_t tag = 99;
  rats_tls_bytes_t ev{reinterpret_cast<uint8_t*>(1), 5};
  ASSERT_EQ(ops->collect_evidence(state, rd.data(), &tag, &ev, &err), 0);
  EXPECT_EQ(ev.data, nullptr);
  EXPECT_EQ(ev.size, 0u);
  ops->cleanup(state);
}

TEST(TdxEcdsaTest, ProbeFailsClearlyWithoutTdxGuest) {
  if (fs::Exists(kTsmReportRoot)) GTEST_SKIP() << kTsmReportRoot << " exists: this may be a TEE guest";
  const auto* ops = Ops(rats_tls_plugin_attester_tdx_ecdsa());
  rats_tls_plugin_env_t env = NoTeeEnv();
  rats_tls_error_t err{};
  EXPECT_EQ(ops->probe(&env, &err), -ENODEV);
  EXPECT_NE(std::string(err.msg).find("no TDX guest interface (/sys/kernel/config/tsm/report"),
            std::string::npos)
      << err.msg;
  void* state = nullptr;
  EXPECT_EQ(ops->init(&env, &state, &err), -ENODEV);
  EXPECT_EQ(state, nullptr);
  EXPECT_NE(std::string(err.msg).find("no TDX guest interface"), std::string::npos) << err.msg;
}

// A fake configfs-tsm: mkdir under the root creates an entry with the
// kernel's attributes; outblob is "QUOTE:" + inblob; every call recorded.
class FakeTsmFs : public TsmFs {
 public:
  explicit FakeTsmFs(std::string root, std::string provider = "tdx_guest\n")
      : root_(std::move(root)), provider_(std::move(provider)) {}

  bool IsDirectory(const std::string& path) override { return path == root_ || entries_.count(path) > 0; }
  Result<> Mkdir(const std::string& path) override {
    calls.push_back("mkdir " + Rel(path));
    created.push_back(path);
    if (path.rfind(root_ + "/", 0) != 0 || path.find('/', root_.size() + 1) != std::string::npos) {
      return Error(ErrorCode::kPermissionDenied, "mkdir " + path, EPERM);
    }
    if (!entries_.emplace(path, Entry{}).second)
      return Error(ErrorCode::kAlreadyExists, "mkdir " + path, EEXIST);
    return {};
  }
  Result<> Rmdir(const std::string& path) override {
    calls.push_back("rmdir " + Rel(path));
    if (entries_.erase(path) == 0) return Error(ErrorCode::kNotFound, "rmdir " + path, ENOENT);
    return {};
  }
  Result<std::string> Read(const std::string& path) override {
    calls.push_back("read " + Rel(path));
    auto [entry, attr] = Split(path);
    if (entry == nullptr) return Error(ErrorCode::kNotFound, "open " + path, ENOENT);
    if (attr == "provider") return provider_;
    if (attr == "generation") return std::to_string(entry->generation) + "\n";
    if (attr == "outblob") {
      if (bump_generation_on_read) ++entry->generation;  // a racing writer
      if (entry->inblob.empty()) return Error(ErrorCode::kInvalidArgument, "read " + path, EINVAL);
      return "QUOTE:" + entry->inblob;
    }
    return Error(ErrorCode::kPermissionDenied, "read " + path, EACCES);
  }
  Result<> Write(const std::string& path, const std::string& data) override {
    calls.push_back("write " + Rel(path) + " " + std::to_string(data.size()));
    auto [entry, attr] = Split(path);
    if (entry == nullptr) return Error(ErrorCode::kNotFound, "open " + path, ENOENT);
    if (attr != "inblob" || data.size() > 64)
      return Error(ErrorCode::kInvalidArgument, "write " + path, EINVAL);
    entry->inblob = data;
    ++entry->generation;
    return {};
  }

  std::vector<std::string> calls;
  std::vector<std::string> created;  // full paths of mkdir
  bool bump_generation_on_read = false;
  size_t live_entries() const { return entries_.size(); }

 private:
  struct Entry {
    std::string inblob;
    int generation = 0;
  };
  // "entry/attr" relative to the root, with the entry's unique name as "E".
  std::string Rel(const std::string& path) {
    std::string rel = path.substr(std::min(path.size(), root_.size() + 1));
    const size_t slash = rel.find('/');
    return "E" + (slash == std::string::npos ? std::string() : rel.substr(slash));
  }
  std::pair<Entry*, std::string> Split(const std::string& path) {
    const size_t slash = path.rfind('/');
    auto it = entries_.find(path.substr(0, slash));
    if (it == entries_.end()) return {nullptr, ""};
    return {&it->second, path.substr(slash + 1)};
  }

  std::string root_;
  std::string provider_;
  std::map<std::string, Entry> entries_;
};

TEST(TsmReportTest, QuoteSequence) {
  FakeTsmFs fs("/cfg/tsm/report");
  const auto rd = Pattern(3);
  auto quote = TsmTdxQuote(fs, "/cfg/tsm/report", rd);
  ASSERT_TRUE(quote) << quote.error().ToString();
  const std::string want = "QUOTE:" + std::string(reinterpret_cast<const char*>(rd.data()), rd.size());
  EXPECT_EQ(std::string(quote->begin(), quote->end()), want);
  EXPECT_EQ(fs.calls,
            (std::vector<std::string>{"mkdir E", "read E/provider", "write E/inblob 64", "read E/generation",
                                      "read E/outblob", "read E/generation", "rmdir E"}));
  EXPECT_EQ(fs.live_entries(), 0u);
}

TEST(TsmReportTest, EntriesAreUnique) {
  FakeTsmFs fs("/r");
  ASSERT_TRUE(TsmTdxQuote(fs, "/r", Pattern(1)));
  ASSERT_TRUE(TsmTdxQuote(fs, "/r", Pattern(2)));
  ASSERT_EQ(fs.created.size(), 2u);
  EXPECT_NE(fs.created[0], fs.created[1]);
  EXPECT_EQ(fs.created[0].rfind("/r/rats-tls-", 0), 0u) << fs.created[0];
  EXPECT_EQ(fs.live_entries(), 0u);
}

TEST(TsmReportTest, OtherProviderIsRefusedAndEntryRemoved) {
  FakeTsmFs fs("/r", "sev_guest\n");
  auto quote = TsmTdxQuote(fs, "/r", Pattern(4));
  ASSERT_FALSE(quote);
  EXPECT_NE(quote.error().message().find("provider is 'sev_guest', not tdx_guest"), std::string::npos)
      << quote.error().message();
  EXPECT_EQ(fs.calls.back(), "rmdir E");
  EXPECT_EQ(fs.live_entries(), 0u);
  // The probe says the same.
  auto probe = TsmProbeTdx(fs, "/r");
  ASSERT_FALSE(probe);
  EXPECT_NE(probe.error().message().find("sev_guest"), std::string::npos) << probe.error().message();
  EXPECT_EQ(fs.live_entries(), 0u);
}

TEST(TsmReportTest, ProbeAcceptsTdxProvider) {
  FakeTsmFs fs("/r");
  EXPECT_TRUE(TsmProbeTdx(fs, "/r"));
  EXPECT_EQ(fs.live_entries(), 0u);
  auto missing = TsmProbeTdx(fs, "/elsewhere");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("no TDX guest interface (/elsewhere"), std::string::npos);
}

TEST(TsmReportTest, RacingWriterIsDetected) {
  FakeTsmFs fs("/r");
  fs.bump_generation_on_read = true;
  auto quote = TsmTdxQuote(fs, "/r", Pattern(5));
  ASSERT_FALSE(quote);
  EXPECT_NE(quote.error().message().find("changed while being read"), std::string::npos)
      << quote.error().message();
  EXPECT_EQ(fs.live_entries(), 0u);
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/ratstls-att-XXXXXX";
    const char* d = ::mkdtemp(tmpl);
    if (d != nullptr) path_ = d;
  }
  ~TempDir() {
    if (!path_.empty()) (void)fs::RemoveAll(path_);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(GramineAttestationTest, WritesUserReportDataAndReadsQuote) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  EXPECT_FALSE(GramineAvailable(dir.path()));
  ASSERT_TRUE(fs::WriteFile(dir.path() + "/attestation_type", "dcap", true));
  ASSERT_TRUE(fs::WriteFile(dir.path() + "/user_report_data", "", true));
  ASSERT_TRUE(fs::WriteFile(dir.path() + "/quote", "a quote", true));
  EXPECT_TRUE(GramineAvailable(dir.path()));
  const auto rd = Pattern(6);
  auto quote = GramineQuote(dir.path(), rd);
  ASSERT_TRUE(quote) << quote.error().ToString();
  EXPECT_EQ(std::string(quote->begin(), quote->end()), "a quote");
  auto written = fs::ReadFile(dir.path() + "/user_report_data");
  ASSERT_TRUE(written);
  EXPECT_EQ(*written, std::string(reinterpret_cast<const char*>(rd.data()), rd.size()));
}

TEST(GramineAttestationTest, RefusesEpid) {
  TempDir dir;
  ASSERT_TRUE(fs::WriteFile(dir.path() + "/attestation_type", "epid", true));
  ASSERT_TRUE(fs::WriteFile(dir.path() + "/quote", "q", true));
  auto quote = GramineQuote(dir.path(), Pattern(7));
  ASSERT_FALSE(quote);
  EXPECT_NE(quote.error().message().find("is 'epid': sgx_ecdsa needs DCAP"), std::string::npos)
      << quote.error().message();
}

TEST(SgxEcdsaTest, ProbeFailsClearlyWithoutReportSource) {
  if (fs::Exists(kGramineAttestationDir)) GTEST_SKIP() << "running inside Gramine";
  const auto* ops = Ops(rats_tls_plugin_attester_sgx_ecdsa());
  rats_tls_plugin_env_t env = NoTeeEnv();
  rats_tls_error_t err{};
  EXPECT_EQ(ops->probe(&env, &err), -ENODEV);
  EXPECT_STREQ(err.msg,
               "no SGX report source: no /dev/attestation (Gramine) and no sim platform configured "
               "(conf.ext.sim_dir)");
  void* state = nullptr;
  EXPECT_EQ(ops->init(&env, &state, &err), -ENOENT);
  EXPECT_EQ(state, nullptr);
  EXPECT_NE(std::string(err.msg).find("no SGX report source"), std::string::npos) << err.msg;
}

TEST(SgxEcdsaTest, ProbeNamesMissingSimDirAndSocket) {
  if (fs::Exists(kGramineAttestationDir)) GTEST_SKIP() << "running inside Gramine";
  const auto* ops = Ops(rats_tls_plugin_attester_sgx_ecdsa());
  rats_tls_plugin_env_t env = NoTeeEnv();
  rats_tls_error_t err{};
  env.sim_dir = "/nonexistent/sim";
  EXPECT_EQ(ops->probe(&env, &err), -ENODEV);
  EXPECT_NE(std::string(err.msg).find("sim platform directory /nonexistent/sim does not exist"),
            std::string::npos)
      << err.msg;
  TempDir dir;
  env.sim_dir = dir.path().c_str();
  EXPECT_EQ(ops->probe(&env, &err), -ENODEV);
  EXPECT_NE(std::string(err.msg).find("socket /nonexistent/aesm.socket does not exist"), std::string::npos)
      << err.msg;
}

TEST(SgxLaTest, ProbeFailsClearlyWithoutSimPlatform) {
  const auto* ops = Ops(rats_tls_plugin_attester_sgx_la());
  rats_tls_plugin_env_t env = NoTeeEnv();
  rats_tls_error_t err{};
  EXPECT_EQ(ops->probe(&env, &err), -ENODEV);
  EXPECT_NE(std::string(err.msg).find("sgx_la needs the sim platform (conf.ext.sim_dir)"), std::string::npos)
      << err.msg;
  void* state = nullptr;
  EXPECT_LT(ops->init(&env, &state, &err), 0);
  EXPECT_EQ(state, nullptr);
}

}  // namespace
}  // namespace inclavare::ratstls::attesters
