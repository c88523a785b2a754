// A private SIMULATED SGX platform for Rats-TLS tests: `sgx-tools sim init`
// into a temp dir and aesmd-sim on a temp socket, once per test binary.
// Needs no root. Tests that need it call RequireSim() (skips with the
// reason when the platform could not be started).
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace ratstls_test {

inline std::string ReadText(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

inline std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class SimEnv : public ::testing::Environment {
 public:
  void SetUp() override {
    dir_ = "/tmp/ratstls-sim-" + std::to_string(getpid());
    socket_ = dir_ + "/aesm.socket";
    std::string init = std::string(RATSTLS_SGX_TOOLS) + " sim init --dir " + dir_ + " --force >/dev/null 2>&1";
    if (std::system(init.c_str()) != 0) {
      why_ = "sgx-tools sim init failed";
      return;
    }
    pid_ = fork();
    if (pid_ == 0) {
      execl(RATSTLS_AESMD_SIM, "aesmd-sim", "--dir", dir_.c_str(), "--socket", socket_.c_str(), nullptr);
      _exit(127);
    }
    for (int i = 0; i < 100; ++i) {
      if (std::filesystem::exists(socket_)) {
        ok_ = true;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    why_ = "aesmd-sim did not create " + socket_;
  }
  void TearDown() override {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  static SimEnv* Get() { return instance_; }
  static void Install() { instance_ = static_cast<SimEnv*>(::testing::AddGlobalTestEnvironment(new SimEnv)); }
  bool ok() const { return ok_; }
  const std::string& why() const { return why_; }
  const std::string& dir() const { return dir_; }
  const std::string& socket() const { return socket_; }

 private:
  static inline SimEnv* instance_ = nullptr;
  std::string dir_, socket_, why_;
  pid_t pid_ = -1;
  bool ok_ = false;
};

#define REQUIRE_SIM()                                                                   \
  do {                                                                                  \
    if (!::ratstls_test::SimEnv::Get() || !::ratstls_test::SimEnv::Get()->ok())         \
      GTEST_SKIP() << "no sim platform: " << ::ratstls_test::SimEnv::Get()->why();       \
  } while (0)

inline std::string StubMrEnclave(bool debug) {
  return Trim(ReadText(std::string(RATSTLS_PLUGIN_DIR) + (debug ? "/sgx-stub/enclave-debug.mrenclave"
                                                                  : "/sgx-stub/enclave.mrenclave")));
}

}  // namespace ratstls_test
