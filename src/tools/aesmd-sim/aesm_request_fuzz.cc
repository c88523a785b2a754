// libFuzzer target: aesmd-sim's request handler takes bytes from any local
// process. Uses a throwaway sim platform created once per run.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "common/fs.h"
#include "tools/aesmd-sim/service.h"

namespace {
std::unique_ptr<inclavare::sgx::aesmd_sim::Service> g_service;
std::string g_dir;
void RemoveDir() { (void)inclavare::fs::RemoveAll(g_dir); }
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  char tmpl[] = "/tmp/aesm-fuzz-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) std::abort();
  g_dir = tmpl;
  std::atexit(RemoveDir);
  const std::string dir = g_dir + "/state";
  if (!inclavare::sgx::sim::State::Init(dir, {})) std::abort();
  auto state = inclavare::sgx::sim::State::Load(dir);
  if (!state) std::abort();
  auto service = inclavare::sgx::aesmd_sim::Service::Create(*state);
  if (!service) std::abort();
  g_service = std::move(*service);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)g_service->Handle(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
