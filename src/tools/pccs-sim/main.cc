// pccs-sim: serves the SIMULATED SGX platform's collateral over the Intel
// PCS/PCCS API. Flags only; the server is in server.h.
#include <CLI/CLI.hpp>
#include <signal.h>

#include <charconv>
#include <iostream>

#include "common/fs.h"
#include "common/log.h"
#include "enclave/sim/state.h"
#include "tools/pccs-sim/server.h"

namespace {

namespace pccs = inclavare::sgx::pccs_sim;
using inclavare::Error;
using inclavare::InvalidArgument;
using inclavare::Result;

// "ADDR:PORT", "[V6ADDR]:PORT".
Result<> ParseListen(const std::string& text, pccs::PccsSimOptions* o) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return InvalidArgument("--listen '" + text + "': expected ADDR:PORT");
  std::string addr = text.substr(0, colon);
  if (addr.size() >= 2 && addr.front() == '[' && addr.back() == ']') addr = addr.substr(1, addr.size() - 2);
  const std::string port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return InvalidArgument("--listen '" + text + "': port must be 0..65535");
  }
  o->address = addr;
  o->port = uint16_t(port);
  return {};
}

int Fail(const Error& e) {
  std::cerr << "pccs-sim: " << e.ToString() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  namespace sim = inclavare::sgx::sim;
  CLI::App app{"pccs-sim: a PCCS-compatible HTTP(S) server for the SIMULATED SGX platform.\n"
               "Serves the SIMULATED platform's collateral (TCB Info, QE Identity, PCK and Root CA CRLs,\n"
               "with their issuer chains) over the Intel PCS/PCCS API v3 and v4, under\n"
               "/sgx/certification/v3/ and /sgx/certification/v4/: tcb, qe/identity, pckcrl, rootcacrl.\n"
               "Nothing it serves chains to Intel. There is no TDX collateral.\n"
               "Create the platform first: sgx-tools sim init [--dir DIR]. Stops on SIGTERM or SIGINT."};
  pccs::PccsSimOptions options;
  options.dir = sim::DefaultStateDir();
  std::string listen = "127.0.0.1:8081";
  std::string port_file;
  std::string log_file;
  bool debug = false;
  app.add_option("--dir", options.dir, "sim platform state directory ($INCLAVARE_SIM_DIR or /var/lib/inclavare/sim)")
      ->capture_default_str();
  app.add_option("--listen", listen, "ADDR:PORT to listen on ([ADDR]:PORT for IPv6; port 0: any free port)")
      ->capture_default_str();
  app.add_option("--tls-cert", options.tls_cert_file, "PEM certificate: serve HTTPS (needs --tls-key)");
  app.add_option("--tls-key", options.tls_key_file, "PEM private key of --tls-cert");
  app.add_option("--port-file", port_file, "write the bound port here once listening (for --listen ADDR:0)");
  app.add_option("--log", log_file, "also log to this file");
  app.add_flag("--debug", debug, "log at debug level (every request)");
  CLI11_PARSE(app, argc, argv);

  inclavare::log::Options lo;
  lo.file = log_file;
  lo.text_prefix = "pccs-sim: ";
  lo.min_level = debug ? inclavare::log::Level::Debug : inclavare::log::Level::Info;
  if (auto r = inclavare::log::Configure(lo); !r) return Fail(r.error());
  if (auto r = ParseListen(listen, &options); !r) return Fail(r.error());

  // Block the stop signals before libmicrohttpd starts its thread (which
  // inherits the mask), then wait for one here: no async handler needed.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto server = pccs::PccsSim::Start(options);
  if (!server) return Fail(server.error());
  if (!port_file.empty()) {
    auto w = inclavare::fs::WriteFileAtomic(port_file, std::to_string((*server)->port()) + "\n");
    if (!w) return Fail(w.error().Wrap("--port-file"));
  }
  int sig = 0;
  sigwait(&stop, &sig);
  IC_LOG(Info, "stopping on signal {}", sig);
  server->reset();
  return 0;
}
