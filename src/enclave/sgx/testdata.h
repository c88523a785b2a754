// Test helper: locating the shared real-hardware evidence.
//
//   auto bytes = LoadEvidence("sgx/automata/quote_v3.bin");
//   if (!bytes) GTEST_SKIP() << EvidenceMissingMessage();
//
// IC_EVIDENCE_DIR is set by CMake to ${PROJECT_SOURCE_DIR}/../shared/testdata/
// evidence. Files ending in ".hex" are hex-decoded. Test-only code.
#pragma once

#include <cstdint>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "enclave/sgx/hex.h"

#ifndef IC_EVIDENCE_DIR
#define IC_EVIDENCE_DIR ""
#endif

namespace inclavare::sgx::testing {

inline std::string EvidencePath(const std::string& rel) { return std::string(IC_EVIDENCE_DIR) + "/" + rel; }

inline std::string EvidenceMissingMessage() {
  return std::string("evidence folder ") + IC_EVIDENCE_DIR + " is absent; real-quote tests skipped";
}

inline std::optional<std::vector<uint8_t>> LoadEvidence(const std::string& rel) {
  std::ifstream in(EvidencePath(rel), std::ios::binary);
  if (!in) return std::nullopt;
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (rel.size() > 4 && rel.compare(rel.size() - 4, 4, ".hex") == 0) {
    auto decoded = HexDecode(data);
    if (!decoded) return std::nullopt;
    return *decoded;
  }
  return std::vector<uint8_t>(data.begin(), data.end());
}

}  // namespace inclavare::sgx::testing
