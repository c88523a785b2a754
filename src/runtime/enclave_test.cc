#include "runtime/enclave.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace inclavare::runtime {
namespace {

oci::Spec SpecWithEnv(std::vector<std::string> env, std::map<std::string, std::string> annotations = {}) {
  oci::Spec s;
  s.process.emplace();
  s.process->args = {"app"};
  s.process->env = std::move(env);
  s.annotations = std::move(annotations);
  return s;
}

TEST(EnclaveSettingsTest, NoTypeIsAPlainContainer) {
  oci::Spec s = SpecWithEnv({"PATH=/bin"});
  auto r = TakeEnclaveSettings(s);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_FALSE(r->has_value());
  EXPECT_EQ(s.process->env, std::vector<std::string>{"PATH=/bin"});
}

TEST(EnclaveSettingsTest, EnvFirstThenAnnotationAndEnvIsRemoved) {
  oci::Spec s = SpecWithEnv({"PATH=/bin", "ENCLAVE_TYPE=sim", "ENCLAVE_RUNTIME_ARGS=a b", "KEEP=1"},
                            {{"enclave.type", "intelSgx"},
                             {"enclave.runtime.path", "/pal.so"},
                             {"enclave.runtime.loglevel", "debug"}});
  auto r = TakeEnclaveSettings(s);
  ASSERT_TRUE(r) << r.error().ToString();
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->type, EnclaveType::kSim);  // env beats the annotation
  EXPECT_EQ((*r)->runtime_path, "/pal.so");  // annotation when no env
  EXPECT_EQ((*r)->runtime_args, "a b");
  EXPECT_EQ((*r)->log_level, "debug");
  EXPECT_EQ(s.process->env, (std::vector<std::string>{"PATH=/bin", "KEEP=1"}));
}

TEST(EnclaveSettingsTest, LastEnvDefinitionWinsAndAllAreRemoved) {
  oci::Spec s = SpecWithEnv({"ENCLAVE_TYPE=intelSgx", "ENCLAVE_RUNTIME_PATH=/a.so", "ENCLAVE_TYPE=sim"});
  auto r = TakeEnclaveSettings(s);
  ASSERT_TRUE(r && r->has_value());
  EXPECT_EQ((*r)->type, EnclaveType::kSim);
  EXPECT_TRUE(s.process->env.empty());
}

TEST(EnclaveSettingsTest, ErrorsNameTheSetting) {
  struct Case {
    std::vector<std::string> env;
    std::string message;
  };
  const Case cases[] = {
      {{"ENCLAVE_TYPE=tdx", "ENCLAVE_RUNTIME_PATH=/a.so"}, "env ENCLAVE_TYPE: unknown enclave type \"tdx\""},
      {{"ENCLAVE_TYPE=sim"}, "no enclave runtime"},
      {{"ENCLAVE_RUNTIME_ARGS=x"}, "env ENCLAVE_RUNTIME_ARGS is set but no enclave type"},
      {{"ENCLAVE_TYPE=sim", "ENCLAVE_RUNTIME_PATH=/a.so", "ENCLAVE_RUNTIME_LOGLEVEL=verbose"},
       "unknown log level \"verbose\""},
  };
  for (const auto& c : cases) {
    oci::Spec s = SpecWithEnv(c.env);
    auto r = TakeEnclaveSettings(s);
    ASSERT_FALSE(r) << c.message;
    EXPECT_NE(r.error().ToString().find(c.message), std::string::npos) << r.error().ToString();
  }
}

class EnclaveHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("enclave-host-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_ / "sim");
    pal_ = (dir_ / "pal.so").string();
    std::ofstream(pal_) << "not really a PAL";
    host_.sim_dir = (dir_ / "sim").string();
    host_.aesm_dir = (dir_ / "aesmd").string();
    host_.sgx_enclave_devices = {(dir_ / "sgx_enclave").string()};
    host_.sgx_provision_devices = {(dir_ / "sgx_provision").string()};
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::string pal_;
  EnclaveHost host_;
};

TEST_F(EnclaveHostTest, SimNeedsTheSimState) {
  EnclaveSettings s{.type = EnclaveType::kSim, .runtime_path = pal_};
  auto r = ValidateEnclaveSettings(s, host_);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().ToString().find("sgx-tools sim init"), std::string::npos);
  std::ofstream((dir_ / "sim" / "VERSION").string()) << "inclavare-sgx-sim 1\n";
  EXPECT_TRUE(ValidateEnclaveSettings(s, host_));
}

TEST_F(EnclaveHostTest, RuntimePathMustBeAnAbsoluteRegularFile) {
  std::ofstream((dir_ / "sim" / "VERSION").string()) << "inclavare-sgx-sim 1\n";
  for (const std::string& bad : {std::string("pal.so"), (dir_ / "missing.so").string(), dir_.string()}) {
    EnclaveSettings s{.type = EnclaveType::kSim, .runtime_path = bad};
    EXPECT_FALSE(ValidateEnclaveSettings(s, host_)) << bad;
  }
}

TEST_F(EnclaveHostTest, IntelSgxNeedsADevice) {
  EnclaveSettings s{.type = EnclaveType::kIntelSgx, .runtime_path = pal_};
  auto r = ValidateEnclaveSettings(s, host_);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().ToString().find("needs an SGX device"), std::string::npos);
  if (::geteuid() != 0) GTEST_SKIP() << "mknod needs root";
  // A char device standing in for /dev/sgx_enclave (the numbers of /dev/null).
  ASSERT_EQ(::mknod(host_.sgx_enclave_devices[0].c_str(), S_IFCHR | 0600, makedev(1, 3)), 0);
  EXPECT_TRUE(ValidateEnclaveSettings(s, host_));

  oci::Spec spec = SpecWithEnv({});
  ASSERT_TRUE(ApplyEnclaveToSpec(s, host_, spec));
  ASSERT_TRUE(ApplyEnclaveToSpec(s, host_, spec));  // idempotent
  ASSERT_EQ(spec.linux->devices.size(), 1u);
  EXPECT_EQ(spec.linux->devices[0].path, host_.sgx_enclave_devices[0]);
  EXPECT_EQ(spec.linux->devices[0].type, "c");
  EXPECT_EQ(spec.linux->devices[0].major, 1);
  EXPECT_EQ(spec.linux->devices[0].minor, 3);
  ASSERT_EQ(spec.mounts.size(), 1u);
  EXPECT_EQ(spec.mounts[0].destination, host_.aesm_dir);
  EXPECT_TRUE(std::filesystem::is_directory(host_.aesm_dir));
}

TEST_F(EnclaveHostTest, SimMountsTheAesmDirectoryOnly) {
  EnclaveSettings s{.type = EnclaveType::kSim, .runtime_path = pal_};
  oci::Spec spec = SpecWithEnv({});
  ASSERT_TRUE(ApplyEnclaveToSpec(s, host_, spec));
  EXPECT_TRUE(spec.linux->devices.empty());
  ASSERT_EQ(spec.mounts.size(), 1u);
  EXPECT_EQ(spec.mounts[0].type, "bind");
  EXPECT_EQ(spec.mounts[0].source, host_.aesm_dir);
}

TEST(EnclaveSettingsJsonTest, RoundTrip) {
  EnclaveSettings s{.type = EnclaveType::kIntelSgx, .runtime_path = "/p.so", .runtime_args = "x=1", .log_level = "off"};
  auto back = EnclaveSettingsFromJson(ToJson(s));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, s);
  EXPECT_FALSE(EnclaveSettingsFromJson({{"type", "bogus"}, {"runtimePath", "/p"}}));
}

}  // namespace
}  // namespace inclavare::runtime
