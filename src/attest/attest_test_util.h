// Shared helpers for the attestation tests: the evidence folder (read in
// place, never copied) and the MANIFEST's end-to-end sets.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "attest/collateral.h"
#include "attest/dcap_verify.h"

namespace inclavare::attest::testing {

std::string EvidenceDir();
bool HaveEvidence();
std::string Ev(const std::string& rel);  // absolute path of an evidence file
std::string ReadText(const std::string& rel);
std::vector<uint8_t> ReadBytes(const std::string& rel);

// One MANIFEST end-to-end set: quote, collateral, options (time, roots).
struct E2eSet {
  std::string name;
  std::vector<uint8_t> quote;
  Collateral collateral;
  VerifyOptions options;
};
E2eSet LoadSet(const std::string& name);  // "SGX-B", "SGX-C", ... "TDX-N2"

}  // namespace inclavare::attest::testing

#define IC_REQUIRE_EVIDENCE()                                                                  \
  do {                                                                                         \
    if (!::inclavare::attest::testing::HaveEvidence())                                         \
      GTEST_SKIP() << "evidence folder " << ::inclavare::attest::testing::EvidenceDir()        \
                   << " is absent (shared/testdata/evidence beside the project)";             \
  } while (0)
