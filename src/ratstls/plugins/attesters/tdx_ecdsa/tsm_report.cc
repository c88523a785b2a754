#include "ratstls/plugins/attesters/tdx_ecdsa/tsm_report.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <random>

#include "common/fs.h"

namespace inclavare::ratstls::attesters {

namespace {

// A name no other request uses: pid, a per-process counter, randomness.
std::string UniqueEntryName() {
  static std::atomic<uint64_t> counter{0};
  std::random_device rd;
  return "rats-tls-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
         std::to_string(rd());
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

// Makes an entry, runs f(entry_path), removes the entry whatever happened.
template <class F>
auto WithEntry(TsmFs& fs, const std::string& root, F&& f) -> decltype(f(std::string())) {
  const std::string entry = fs::Join(root, UniqueEntryName());
  IC_TRY(fs.Mkdir(entry));
  auto result = f(entry);
  auto removed = fs.Rmdir(entry);
  if (result && !removed) return removed.error();
  return result;
}

Result<> CheckProvider(TsmFs& fs, const std::string& entry) {
  IC_ASSIGN_OR_RETURN(std::string provider, fs.Read(fs::Join(entry, "provider")));
  provider = Trim(provider);
  if (provider != kTsmTdxProvider) {
    return FailedPrecondition("the TSM report provider is '" + provider + "', not " + kTsmTdxProvider +
                              " (not a TDX guest)");
  }
  return {};
}

// The request itself, in a fresh entry.
Result<std::vector<uint8_t>> QuoteInEntry(TsmFs& fs, const std::string& entry,
                                          const std::array<uint8_t, 64>& report_data) {
  IC_TRY(CheckProvider(fs, entry));
  const std::string inblob(reinterpret_cast<const char*>(report_data.data()), report_data.size());
  IC_TRY(fs.Write(fs::Join(entry, "inblob"), inblob));
  IC_ASSIGN_OR_RETURN(std::string gen_before, fs.Read(fs::Join(entry, "generation")));
  IC_ASSIGN_OR_RETURN(std::string quote, fs.Read(fs::Join(entry, "outblob")));
  IC_ASSIGN_OR_RETURN(std::string gen_after, fs.Read(fs::Join(entry, "generation")));
  if (Trim(gen_before) != Trim(gen_after)) {
    return Error(ErrorCode::kUnavailable, "TSM report " + entry +
                                              " was changed while being read (generation " +
                                              Trim(gen_before) + " -> " + Trim(gen_after) + ")");
  }
  if (quote.empty()) return Internal("TSM report " + entry + ": empty outblob");
  return std::vector<uint8_t>(quote.begin(), quote.end());
}

}  // namespace

bool RealTsmFs::IsDirectory(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<> RealTsmFs::Mkdir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0) return ErrnoError("mkdir " + path);
  return {};
}

Result<> RealTsmFs::Rmdir(const std::string& path) {
  if (::rmdir(path.c_str()) != 0) return ErrnoError("rmdir " + path);
  return {};
}

Result<std::string> RealTsmFs::Read(const std::string& path) { return fs::ReadFile(path); }

Result<> RealTsmFs::Write(const std::string& path, const std::string& data) {
  // configfs binary attributes take the whole blob in one write.
  return fs::WriteFile(path, data);
}

Result<> TsmProbeTdx(TsmFs& fs, const std::string& root) {
  if (!fs.IsDirectory(root)) {
    return NotFound("no TDX guest interface (" + root +
                    ": configfs-tsm reports need Linux 6.7+ in a TDX guest with configfs mounted)");
  }
  return WithEntry(fs, root, [&](const std::string& entry) { return CheckProvider(fs, entry); })
      .Wrap("TSM report interface " + root);
}

Result<std::vector<uint8_t>> TsmTdxQuote(TsmFs& fs, const std::string& root,
                                         const std::array<uint8_t, 64>& report_data) {
  if (!fs.IsDirectory(root)) return NotFound("no TDX guest interface (" + root + ")");
  return WithEntry(fs, root, [&](const std::string& entry) { return QuoteInEntry(fs, entry, report_data); })
      .Wrap("TDX quote via " + root);
}

}  // namespace inclavare::ratstls::attesters
