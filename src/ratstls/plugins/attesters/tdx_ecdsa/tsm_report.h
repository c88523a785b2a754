// TDX quotes through the Linux configfs-tsm report interface
// (Documentation/ABI/testing/configfs-tsm-report, Linux 6.7+): under
// /sys/kernel/config/tsm/report, each directory a process creates is one
// report request with the attributes
//   inblob      (WO) up to 64 bytes of user data: the TDREPORT's REPORTDATA
//   outblob     (RO) the report made from inblob: for provider tdx_guest a
//               DCAP TD quote (the kernel asks the host's quote service)
//   provider    (RO) the TSM driver's name: "tdx_guest", "sev_guest", ...
//   generation  (RO) increments on each write to inblob or an option; a
//               reader compares it before and after to detect a racing writer
// and rmdir releases it.
//
//   RealTsmFs fs;
//   IC_ASSIGN_OR_RETURN(std::vector<uint8_t> quote, TsmTdxQuote(fs, kTsmReportRoot, report_data));
//
// The file operations go through TsmFs so that tests can run the sequence
// against a fake configfs.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"

namespace inclavare::ratstls::attesters {

inline constexpr char kTsmReportRoot[] = "/sys/kernel/config/tsm/report";
inline constexpr char kTsmTdxProvider[] = "tdx_guest";

class TsmFs {
 public:
  virtual ~TsmFs() = default;
  virtual bool IsDirectory(const std::string& path) = 0;
  virtual Result<> Mkdir(const std::string& path) = 0;
  virtual Result<> Rmdir(const std::string& path) = 0;
  virtual Result<std::string> Read(const std::string& path) = 0;
  virtual Result<> Write(const std::string& path, const std::string& data) = 0;
};

// The real filesystem.
class RealTsmFs final : public TsmFs {
 public:
  bool IsDirectory(const std::string& path) override;
  Result<> Mkdir(const std::string& path) override;
  Result<> Rmdir(const std::string& path) override;
  Result<std::string> Read(const std::string& path) override;
  Result<> Write(const std::string& path, const std::string& data) override;
};

// Whether root is a TDX guest's report interface: it exists (NotFound "no
// TDX guest interface (<root>)" otherwise) and a fresh entry's provider is
// tdx_guest (FailedPrecondition naming the provider otherwise).
Result<> TsmProbeTdx(TsmFs& fs, const std::string& root);

// One quote: mkdir a unique entry, check its provider, write report_data
// to inblob, read outblob, check generation did not move, rmdir (always).
Result<std::vector<uint8_t>> TsmTdxQuote(TsmFs& fs, const std::string& root,
                                         const std::array<uint8_t, 64>& report_data);

}  // namespace inclavare::ratstls::attesters
