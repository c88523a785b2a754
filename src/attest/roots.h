// Built-in trust anchors.
//
//   std::vector<X509Ptr> roots = IntelSgxRootCas();
//
// The Intel SGX Root CA exists in two issues with the same key pair and
// subject (CN "Intel SGX Root CA", serial 22650CD6...): 2018-05-21..2033-05-21
// and 2018-05-21..2049-12-31. The 2049 issue is built in (exact public bytes,
// SHA-256 44a0196b...74d3; the tests compare it with the evidence copy).
// Because both issues carry the same key, every chain the 2033 issue
// validates also validates to the 2049 one over 2018-05-21..2049-12-31; an
// operator who wants the 2033 issue (or any other anchor) configures it as a
// file (VerifyOptions::root_ca_pem, `sgx-tools verify-quote --root-ca`), and
// OpenSSL's path building picks the issue valid at the verification time. The simulation root is never built in: a verifier accepts sim
// evidence only when its root is configured explicitly.
//
// AMD SEV-SNP: per product (Milan, Genoa, Turin) the ARK (self-signed root,
// CN "ARK-<product>"), the ASK (CN "SEV-<product>", issues VCEKs) and the
// ASVK (CN "SEV-VLEK-<product>", issues VLEKs), all RSA-4096 with RSA-PSS
// SHA-384 signatures, exact public bytes as AMD's KDS serves them
// (/vcek/v1/<product>/cert_chain, /vlek/v1/<product>/cert_chain). The tests
// pin each one's SHA-256 and compare it with the evidence copies.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "attest/x509.h"

namespace inclavare::attest {

// PEM of the 2049 issue.
extern const char kIntelSgxRootCa2049Pem[];

// The built-in issues, parsed (never fails: the PEMs are constants).
std::vector<X509Ptr> IntelSgxRootCas();

struct AmdSevRoots {
  std::string_view product;  // "Milan", "Genoa", "Turin"
  const char* ark_pem;
  const char* ask_pem;   // VCEK issuer
  const char* asvk_pem;  // VLEK issuer
};

// The built-in AMD product roots, Milan, Genoa, Turin in that order.
std::span<const AmdSevRoots> BuiltinAmdSevRoots();
// nullptr when the product is not built in.
const AmdSevRoots* FindAmdSevRoots(std::string_view product);

}  // namespace inclavare::attest
