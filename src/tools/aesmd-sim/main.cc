// aesmd-sim: the AESM service of the sim SGX platform. Flags only; the
// service is in service.h, the socket loop in server.h.
#include <CLI/CLI.hpp>
#include <signal.h>

#include <iostream>

#include "common/log.h"
#include "enclave/aesm/wire.h"
#include "enclave/sim/state.h"
#include "tools/aesmd-sim/server.h"
#include "tools/aesmd-sim/service.h"

namespace {

inclavare::sgx::aesmd_sim::Server* g_server = nullptr;

void OnSignal(int) {
  if (g_server != nullptr) g_server->Stop();
}

}  // namespace

int main(int argc, char** argv) {
  namespace sim = inclavare::sgx::sim;
  namespace aesmd = inclavare::sgx::aesmd_sim;
  CLI::App app{"aesmd-sim: AESM-compatible daemon of the SIMULATED SGX platform.\n"
               "Answers the AESM protocol (4-byte length + protobuf) on a unix socket: DCAP quote-ex\n"
               "(InitQuoteEx, GetQuoteSizeEx, GetQuoteEx, SelectAttKeyID, GetSupportedAttKeyIDNum/IDs)\n"
               "with quotes chained to the sim root CA; legacy InitQuote; GetLaunchToken (an all-zero\n"
               "token: the sim platform has flexible launch control). EPID quotes are not supported.\n"
               "Create the platform first: sgx-tools sim init [--dir DIR]. Stops on SIGTERM or SIGINT."};
  std::string socket_path = inclavare::sgx::aesm::kDefaultSocket;
  std::string dir = sim::DefaultStateDir();
  std::string log_file;
  bool debug = false;
  app.add_option("--socket", socket_path, "AESM unix socket to listen on (refused if a daemon already serves it)")
      ->capture_default_str();
  app.add_option("--dir", dir, "sim platform state directory ($INCLAVARE_SIM_DIR or /var/lib/inclavare/sim)")
      ->capture_default_str();
  app.add_option("--log", log_file, "also log to this file");
  app.add_flag("--debug", debug, "log at debug level");
  CLI11_PARSE(app, argc, argv);

  inclavare::log::Options lo;
  lo.file = log_file;
  lo.text_prefix = "aesmd-sim: ";
  lo.min_level = debug ? inclavare::log::Level::Debug : inclavare::log::Level::Info;
  if (auto r = inclavare::log::Configure(lo); !r) {
    std::cerr << "aesmd-sim: " << r.error().ToString() << "\n";
    return 1;
  }
  auto state = sim::State::Load(dir);
  if (!state) {
    std::cerr << "aesmd-sim: " << state.error().ToString() << "\n";
    return 1;
  }
  auto service = aesmd::Service::Create(*state);
  if (!service) {
    std::cerr << "aesmd-sim: " << service.error().ToString() << "\n";
    return 1;
  }
  auto server = aesmd::Server::Listen(socket_path);
  if (!server) {
    std::cerr << "aesmd-sim: " << server.error().ToString() << "\n";
    return 1;
  }
  g_server = server->get();
  struct sigaction sa{};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  IC_LOG(Info, "SIMULATED SGX platform from {}; listening on {}", dir, socket_path);
  auto served = (*server)->Serve(**service);
  g_server = nullptr;
  if (!served) {
    std::cerr << "aesmd-sim: " << served.error().ToString() << "\n";
    return 1;
  }
  IC_LOG(Info, "stopped");
  return 0;
}
