// sgx-tools platform commands: sim init, then the whole quote path through
// an in-process aesmd-sim on a temporary socket, as a user runs it:
// gen-qe-target-info -> sim report -> gen-quote -> dump-quote.
#include "tools/sgx-tools/platform_commands.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/fs.h"
#include "enclave/sgx/arch.h"
#include "tools/aesmd-sim/server.h"
#include "tools/aesmd-sim/service.h"
#include "tools/sgx-tools/commands.h"

namespace inclavare::sgx::tools {
namespace {

class PlatformCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sgx-tools-sim-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    if (server_) server_->Stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
    (void)fs::RemoveAll(dir_);
  }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  void StartDaemon() {
    auto state = sim::State::Load(Path("sim"));
    ASSERT_TRUE(state) << state.error().ToString();
    auto service = aesmd_sim::Service::Create(*state);
    ASSERT_TRUE(service);
    service_ = std::move(*service);
    auto server = aesmd_sim::Server::Listen(Path("aesm.socket"));
    ASSERT_TRUE(server) << server.error().ToString();
    server_ = std::move(*server);
    thread_ = std::thread([this] { (void)server_->Serve(*service_); });
  }

  std::string dir_;
  std::unique_ptr<aesmd_sim::Service> service_;
  std::unique_ptr<aesmd_sim::Server> server_;
  std::thread thread_;
};

TEST_F(PlatformCommandsTest, SimInitCreatesPrivateState) {
  auto r = SimInit(Path("sim"), false);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_NE(r->find("SIMULATED"), std::string::npos);
  struct stat st{};
  ASSERT_EQ(::stat(Path("sim").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_FALSE(SimInit(Path("sim"), false));
  EXPECT_TRUE(SimInit(Path("sim"), true));
}

TEST_F(PlatformCommandsTest, QuotePathThroughTheDaemon) {
  ASSERT_TRUE(SimInit(Path("sim"), false));
  StartDaemon();
  const std::string sock = Path("aesm.socket");
  auto ti = GenQeTargetInfo(sock, "ecdsa", Path("qe.ti"));
  ASSERT_TRUE(ti) << ti.error().ToString();
  auto ti_json = DumpTargetInfoFile(Path("qe.ti"));
  ASSERT_TRUE(ti_json) << ti_json.error().ToString();
  EXPECT_NE(ti_json->find("PROVISIONKEY"), std::string::npos);

  auto rep = SimReport(Path("sim"), Path("qe.ti"), "00112233", "", Path("app.report"));
  ASSERT_TRUE(rep) << rep.error().ToString();
  auto rep_json = DumpReportFile(Path("app.report"));
  ASSERT_TRUE(rep_json);
  auto rj = nlohmann::json::parse(*rep_json);
  EXPECT_EQ(rj["body"]["report_data"].get<std::string>().substr(0, 8), "00112233");
  EXPECT_EQ(rj["mac"].get<std::string>().size(), 32u);

  auto quote = GenQuote(sock, Path("app.report"), "", Path("app.quote"));
  ASSERT_TRUE(quote) << quote.error().ToString();
  auto dumped = DumpQuoteFile(Path("app.quote"));
  ASSERT_TRUE(dumped) << dumped.error().ToString();
  EXPECT_NE(dumped->find("PCK_CERT_CHAIN"), std::string::npos);

  // A report targeted at the wrong enclave: the sim QE refuses it.
  ASSERT_TRUE(fs::WriteFileAtomic(Path("zero.ti"), std::string(sizeof(TargetInfo), '\0')));
  ASSERT_TRUE(SimReport(Path("sim"), Path("zero.ti"), "", "", Path("bad.report")));
  EXPECT_FALSE(GenQuote(sock, Path("bad.report"), "ecdsa", Path("bad.quote")));
}

TEST_F(PlatformCommandsTest, EpidIsRefusedClearly) {
  auto r = GenQeTargetInfo(Path("none.socket"), "epidUnlinkable", Path("x"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("EPID quotes are not supported"), std::string::npos);
  EXPECT_FALSE(CheckQuoteType("bogus"));
  EXPECT_TRUE(CheckQuoteType("ecdsa"));
}

TEST_F(PlatformCommandsTest, DumpsCheckSizes) {
  ASSERT_TRUE(fs::WriteFileAtomic(Path("short"), "abc"));
  EXPECT_FALSE(DumpReportFile(Path("short")));
  EXPECT_FALSE(DumpTargetInfoFile(Path("short")));
}

TEST_F(PlatformCommandsTest, LaunchToken) {
  ASSERT_TRUE(SimInit(Path("sim"), false));
  StartDaemon();
  ASSERT_TRUE(GenKey(Path("key.pem")));
  SigStructOptions o;
  o.mrenclave_hex = std::string(64, 'a');
  ASSERT_TRUE(Sign(o, Path("key.pem"), Path("ss.bin")));
  auto r = GenToken(Path("aesm.socket"), Path("ss.bin"), Path("token.bin"));
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_EQ(fs::ReadFile(Path("token.bin"))->size(), sizeof(EinitToken));
}

}  // namespace
}  // namespace inclavare::sgx::tools
