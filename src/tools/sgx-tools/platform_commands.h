// sgx-tools commands for the platform side: the sim platform's state
// (`sim init`, `sim report`), the AESM service (`gen-qe-target-info`,
// `gen-quote`, `gen-token`; the same commands serve Intel's aesmd and
// aesmd-sim) and dumps of REPORT and TARGETINFO files.
//
//   IC_ASSIGN_OR_RETURN(std::string msg, tools::SimInit("/tmp/sim", false));
//   IC_TRY(tools::GenQeTargetInfo(socket, "ecdsa", "qe.ti"));
//   IC_TRY(tools::SimReport(dir, "qe.ti", "", "", "app.report"));
//   IC_TRY(tools::GenQuote(socket, "app.report", "ecdsa", "app.quote"));
//
// Quote types: only "ecdsa" (DCAP). The EPID types of upstream's sgx-tools
// ("epidUnlinkable", "epidLinkable") are refused with an error saying that
// EPID is not supported. Output files are written atomically (0644).
#pragma once

#include <string>

#include "common/error.h"

namespace inclavare::sgx::tools {

// InvalidArgument unless quote_type is "ecdsa" (or empty).
Result<> CheckQuoteType(const std::string& quote_type);

// Creates the sim platform state (enclave/sim/state.h); returns a summary
// naming the directory and the SIMULATED root CA file.
Result<std::string> SimInit(const std::string& dir, bool force);

// Makes a REPORT from the sim sample enclave (enclave/sim/sample.h), targeted
// at the TARGETINFO in targetinfo_path, with report_data from hex (up to 64
// bytes, zero-padded). The enclave is signed with key_path (RSA-3072 e=3
// PEM) or, when empty, a fresh key. For demos and tests of the quote path.
Result<std::string> SimReport(const std::string& dir, const std::string& targetinfo_path,
                              const std::string& report_data_hex, const std::string& key_path,
                              const std::string& out_path);

// AESM InitQuoteEx: writes the QE's 512-byte TARGETINFO.
Result<std::string> GenQeTargetInfo(const std::string& socket, const std::string& quote_type,
                                    const std::string& out_path);
// AESM GetQuoteSizeEx + GetQuoteEx for a 432-byte REPORT file; writes the quote.
Result<std::string> GenQuote(const std::string& socket, const std::string& report_path,
                             const std::string& quote_type, const std::string& out_path);
// AESM GetLaunchToken for a SIGSTRUCT file; writes the 304-byte EINITTOKEN.
Result<std::string> GenToken(const std::string& socket, const std::string& sigstruct_path,
                             const std::string& out_path);

// JSON renderings of a REPORT (432 bytes) and a TARGETINFO (512 bytes) file.
Result<std::string> DumpReportFile(const std::string& path);
Result<std::string> DumpTargetInfoFile(const std::string& path);

}  // namespace inclavare::sgx::tools
