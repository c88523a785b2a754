#pragma once

#include <string>

#include "common/error.h"
#include "enclave/aesm/wire.h"

namespace inclavare::runelet {

struct AttestOptions {
  std::string root = "/run/rune";
  std::string id;
  std::string quote_type = "ecdsa";
  std::string report_file;
  std::string quote_file;
  std::string aesm_socket = sgx::aesm::kDefaultSocket;
};

// Returns the JSON summary to print (the REPORT body's fields, sizes, files).
Result<std::string> Attest(const AttestOptions& o);

}  // namespace inclavare::runelet
