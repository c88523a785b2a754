// A fixture for enclave-container tests: a private SIMULATED SGX platform
// (`sgx-tools sim init` into a temp dir, once per test binary) that rune
// finds through INCLAVARE_SIM_DIR, and bundles with enclave settings.
// Enclave containers are rune's: under runc the tests skip.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "tests/integration/harness.h"

namespace itest {

class SimPlatformTest : public IntegrationTest {
 protected:
  static void SetUpTestSuite() {
    if (::geteuid() != 0) return;
    sim_dir_ = new std::string("/tmp/it-sim-" + std::to_string(::getpid()));
    std::string cmd = std::string(IT_SGX_TOOLS) + " sim init --dir " + *sim_dir_ + " --force >/dev/null 2>&1";
    sim_ok_ = std::system(cmd.c_str()) == 0;
  }
  static void TearDownTestSuite() {
    if (sim_dir_) std::filesystem::remove_all(*sim_dir_);
    delete sim_dir_;
    sim_dir_ = nullptr;
  }
  void SetUp() override {
    IntegrationTest::SetUp();
    if (IsSkipped()) return;
    if (UnderTestIsRunc()) GTEST_SKIP() << "enclave containers are rune's";
    ASSERT_TRUE(sim_ok_) << "sgx-tools sim init failed";
    ::setenv("INCLAVARE_SIM_DIR", sim_dir_->c_str(), 1);
  }

  // A bundle whose process runs through the PAL at pal (ENCLAVE_TYPE=sim).
  Bundle EnclaveBundle(const std::string& pal, const std::vector<std::string>& args,
                       const std::string& pal_args = "", const std::string& log_level = "debug") {
    Bundle b = NewBundle();
    b.SetArgs(args);
    auto& env = b.spec["process"]["env"];
    env.push_back("ENCLAVE_TYPE=sim");
    env.push_back("ENCLAVE_RUNTIME_PATH=" + pal);
    if (!pal_args.empty()) env.push_back("ENCLAVE_RUNTIME_ARGS=" + pal_args);
    env.push_back("ENCLAVE_RUNTIME_LOGLEVEL=" + log_level);
    return b;
  }

  static const std::string& sim_dir() { return *sim_dir_; }

 private:
  static inline std::string* sim_dir_ = nullptr;
  static inline bool sim_ok_ = false;
};

}  // namespace itest
