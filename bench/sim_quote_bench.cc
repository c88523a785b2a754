// sim_quote_bench: sim quote generation end to end through the AESM socket
// (client -> aesmd-sim service -> sim QE: REPORT MAC check, two ECDSA P-256
// signatures, quote assembly -> client), in quotes per second on one
// connection at a time, printed beside OpenSSL's raw ECDSA P-256 sign rate in
// the same run (each quote needs two signs, so half that rate is the limit).
//
//   sim_quote_bench [--seconds N]
//
// Creates a throwaway sim platform and socket under $TMPDIR.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>

#include "common/fs.h"
#include "enclave/aesm/client.h"
#include "enclave/sim/ossl.h"
#include "enclave/sim/sample.h"
#include "tools/aesmd-sim/server.h"
#include "tools/aesmd-sim/service.h"

namespace {

using namespace inclavare;
using Clock = std::chrono::steady_clock;

template <class F>
double Rate(double seconds, F&& f) {
  for (int i = 0; i < 20; ++i) f();
  long n = 0;
  auto start = Clock::now();
  auto end = start + std::chrono::duration<double>(seconds);
  Clock::time_point now;
  do {
    for (int i = 0; i < 16; ++i) f();
    n += 16;
    now = Clock::now();
  } while (now < end);
  return static_cast<double>(n) / std::chrono::duration<double>(now - start).count();
}

int Fail(const Error& e) {
  std::fprintf(stderr, "sim_quote_bench: %s\n", e.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 3;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::atof(argv[i + 1]);
  }
  std::string dir = (std::filesystem::temp_directory_path() / "ic-sim-bench-XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) return 1;
  struct Remove {
    std::string d;
    ~Remove() { (void)fs::RemoveAll(d); }
  } remove{dir};

  if (auto r = sgx::sim::State::Init(dir + "/state", {}); !r) return Fail(r.error());
  auto state = sgx::sim::State::Load(dir + "/state");
  if (!state) return Fail(state.error());
  auto service = sgx::aesmd_sim::Service::Create(*state);
  if (!service) return Fail(service.error());
  auto server = sgx::aesmd_sim::Server::Listen(dir + "/aesm.socket");
  if (!server) return Fail(server.error());
  std::thread serve([&] { (void)(*server)->Serve(**service); });

  sgx::aesm::Client client(dir + "/aesm.socket");
  auto qe = client.InitQuoteEx();
  if (!qe) return Fail(qe.error());
  auto key = sgx::RsaKey::Generate();
  if (!key) return Fail(key.error());
  auto app = sgx::sim::BuildSampleEnclave((*state)->keys(), *key, {});
  if (!app) return Fail(app.error());
  auto report = app->CreateReport(qe->target_info, sgx::ReportData{});
  if (!report) return Fail(report.error());
  auto size = client.GetQuoteSizeEx();
  if (!size) return Fail(size.error());

  bool ok = true;
  double quotes = Rate(seconds, [&] { ok &= client.GetQuoteEx(*report, *size).has_value(); });
  EVP_PKEY* att = (*state)->attestation_key();
  uint8_t msg[432] = {};
  double signs = Rate(seconds, [&] { ok &= sgx::sim::EcdsaSignRaw(att, msg).has_value(); });
  (*server)->Stop();
  serve.join();
  if (!ok) {
    std::fprintf(stderr, "sim_quote_bench: an operation failed\n");
    return 1;
  }
  std::printf("sim quotes through the AESM socket: %.0f/s\n", quotes);
  std::printf("OpenSSL ECDSA P-256 signs:          %.0f/s (limit for quotes: %.0f/s, 2 signs each)\n", signs,
              signs / 2);
  std::printf("ratio quotes / (signs/2):           %.2f\n", quotes / (signs / 2));
  return 0;
}
