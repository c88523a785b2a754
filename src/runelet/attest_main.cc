// rune-attest: `rune attest`, exec'd by rune (which is static and does not
// carry the protobuf AESM protocol): asks the enclave container's
// init-runelet for a REPORT targeted at the quoting enclave and has AESM
// (aesmd, or aesmd-sim on the sim platform) turn it into a quote.
//
//   rune-attest [--root R] [--quote-type ecdsa] [--report-file F]
//               [--quote-file F] [--aesm-socket S] <container-id>
#include <cstdio>

#include <CLI/CLI.hpp>

#include "runelet/attest.h"

namespace inclavare::runelet {
namespace {

int AttestMain(int argc, char** argv) {
  CLI::App app{"rune-attest: the helper behind `rune attest`: quote the enclave of a running enclave\n"
               "container; prints the REPORT body and the quote size as JSON",
               "rune-attest"};
  AttestOptions o;
  app.add_option("--root", o.root, "rune's state root")->capture_default_str();
  app.add_option("--quote-type", o.quote_type, "quote type: ecdsa (DCAP); EPID is not supported")
      ->capture_default_str();
  app.add_option("--report-file", o.report_file, "write the enclave's REPORT (432 bytes) to this file");
  app.add_option("--quote-file", o.quote_file, "write the quote to this file (otherwise only its size is printed)");
  app.add_option("--aesm-socket", o.aesm_socket, "AESM socket (aesmd or aesmd-sim)")->capture_default_str();
  app.add_option("container-id", o.id, "the enclave container")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  auto out = Attest(o);
  if (!out) {
    fprintf(stderr, "rune: attest: %s\n", out.error().ToString().c_str());
    return 1;
  }
  fputs(out->c_str(), stdout);
  return 0;
}

}  // namespace
}  // namespace inclavare::runelet

int main(int argc, char** argv) { return inclavare::runelet::AttestMain(argc, argv); }
