#include "ratstls/plugins/attesters/sgx_ecdsa/gramine_attestation.h"

#include <sys/stat.h>

#include "common/fs.h"

namespace inclavare::ratstls::attesters {

bool GramineAvailable(const std::string& dir) {
  struct stat st {};
  return ::stat(fs::Join(dir, "quote").c_str(), &st) == 0;
}

Result<std::vector<uint8_t>> GramineQuote(const std::string& dir,
                                          const std::array<uint8_t, 64>& report_data) {
  const std::string type_path = fs::Join(dir, "attestation_type");
  if (fs::Exists(type_path)) {
    IC_ASSIGN_OR_RETURN(std::string type, fs::ReadFile(type_path));
    while (!type.empty() && (type.back() == '\n' || type.back() == '\0')) type.pop_back();
    if (type != "dcap") {
      return FailedPrecondition(
          type_path + " is '" + type +
          "': sgx_ecdsa needs DCAP attestation (sgx.remote_attestation = \"dcap\" in the Gramine manifest)");
    }
  }
  IC_TRY(
      fs::WriteFile(fs::Join(dir, "user_report_data"),
                    std::string_view(reinterpret_cast<const char*>(report_data.data()), report_data.size())));
  IC_ASSIGN_OR_RETURN(std::string quote, fs::ReadFile(fs::Join(dir, "quote")));
  if (quote.empty()) return Internal(fs::Join(dir, "quote") + ": empty quote");
  return std::vector<uint8_t>(quote.begin(), quote.end());
}

}  // namespace inclavare::ratstls::attesters
