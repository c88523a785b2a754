// SGX quotes inside a Gramine enclave (the real-hardware path): Gramine's
// /dev/attestation pseudo-filesystem.
//   attestation_type   (RO) "dcap" on DCAP platforms ("epid", "none" else)
//   user_report_data   (WO) 64 bytes: the REPORTDATA of the next quote
//   quote              (RO) a DCAP quote made with that REPORTDATA
//
//   if (GramineAvailable(kGramineAttestationDir)) {
//     IC_ASSIGN_OR_RETURN(auto quote, GramineQuote(kGramineAttestationDir, report_data));
//   }
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"

namespace inclavare::ratstls::attesters {

inline constexpr char kGramineAttestationDir[] = "/dev/attestation";

// Whether <dir>/quote exists.
bool GramineAvailable(const std::string& dir);

// Writes report_data to <dir>/user_report_data, reads <dir>/quote. Refuses
// a non-DCAP attestation_type when that file exists.
Result<std::vector<uint8_t>> GramineQuote(const std::string& dir, const std::array<uint8_t, 64>& report_data);

}  // namespace inclavare::ratstls::attesters
