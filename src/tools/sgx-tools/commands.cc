#include "tools/sgx-tools/commands.h"

#include <cerrno>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <span>

#include "common/fs.h"
#include "enclave/sgx/dump.h"
#include "enclave/sgx/hex.h"
#include "enclave/sgx/quote.h"
#include "enclave/sim/image.h"

namespace inclavare::sgx::tools {

namespace {

Result<uint64_t> ParseUint(const std::string& flag, const std::string& text, uint64_t max) {
  if (text.empty() || text[0] == '-' || text[0] == '+' || text[0] == ' ') {
    return InvalidArgument("--" + flag + ": not a number: '" + text + "'");
  }
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(text.c_str(), &end, 0);
  if (errno != 0 || end == text.c_str() || *end != '\0') {
    return InvalidArgument("--" + flag + ": not a number: '" + text + "'");
  }
  if (v > max) return InvalidArgument("--" + flag + ": " + text + " is out of range");
  return static_cast<uint64_t>(v);
}

std::span<const uint8_t> AsBytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string_view AsText(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

Result<uint32_t> ParseDate(const std::string& date) {
  if (date.empty()) {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    if (gmtime_r(&now, &tm) == nullptr) return Internal("gmtime_r failed");
    return BcdDate(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  }
  if (date.size() != 8 || date.find_first_not_of("0123456789") != std::string::npos) {
    return InvalidArgument("--date: expected YYYYMMDD, got '" + date + "'");
  }
  return BcdDate(std::stoi(date.substr(0, 4)), std::stoi(date.substr(4, 2)), std::stoi(date.substr(6, 2)))
      .Wrap("--date");
}

// Quotes come as raw bytes; a file of only hex digits (optionally 0x and
// whitespace) is decoded first.
Result<std::vector<uint8_t>> ReadQuoteBytes(const std::string& path) {
  IC_ASSIGN_OR_RETURN(std::string data, fs::ReadFile(path));
  if (!data.empty()) {
    auto decoded = HexDecode(data);
    if (decoded && !decoded->empty()) return *decoded;
  }
  return std::vector<uint8_t>(data.begin(), data.end());
}

Result<SigStruct> ReadSigStruct(const std::string& path) {
  IC_ASSIGN_OR_RETURN(std::string data, fs::ReadFile(path));
  return SigStructFromBytes(AsBytes(data)).Wrap(path);
}

Result<> WriteSigStruct(const SigStruct& ss, const std::string& out_path) {
  return fs::WriteFileAtomic(out_path, AsText(SigStructBytes(ss)), 0644);
}

}  // namespace

Result<SigStructParams> ParseSigStructOptions(const SigStructOptions& o) {
  constexpr uint64_t k64 = std::numeric_limits<uint64_t>::max();
  constexpr uint64_t k32 = std::numeric_limits<uint32_t>::max();
  constexpr uint64_t k16 = std::numeric_limits<uint16_t>::max();
  SigStructParams p;
  if (o.mrenclave_hex.empty()) return InvalidArgument("--mrenclave is required");
  IC_ASSIGN_OR_RETURN(p.enclave_hash, HexDecodeFixed<32>(o.mrenclave_hex).Wrap("--mrenclave"));
  IC_ASSIGN_OR_RETURN(p.attributes.flags, ParseUint("attributes", o.attributes, k64));
  IC_ASSIGN_OR_RETURN(p.attribute_mask.flags, ParseUint("attributes-mask", o.attributes_mask, k64));
  IC_ASSIGN_OR_RETURN(p.attributes.xfrm, ParseUint("xfrm", o.xfrm, k64));
  IC_ASSIGN_OR_RETURN(p.attribute_mask.xfrm, ParseUint("xfrm-mask", o.xfrm_mask, k64));
  IC_ASSIGN_OR_RETURN(uint64_t misc_select, ParseUint("misc-select", o.misc_select, k32));
  IC_ASSIGN_OR_RETURN(uint64_t misc_mask, ParseUint("misc-mask", o.misc_mask, k32));
  IC_ASSIGN_OR_RETURN(uint64_t prod, ParseUint("isvprodid", o.isv_prod_id, k16));
  IC_ASSIGN_OR_RETURN(uint64_t svn, ParseUint("isvsvn", o.isv_svn, k16));
  p.misc_select = static_cast<uint32_t>(misc_select);
  p.misc_mask = static_cast<uint32_t>(misc_mask);
  p.isv_prod_id = static_cast<uint16_t>(prod);
  p.isv_svn = static_cast<uint16_t>(svn);
  IC_ASSIGN_OR_RETURN(p.date, ParseDate(o.date));
  p.vendor = o.vendor_intel ? kSigStructVendorIntel : kSigStructVendorOther;
  p.debug_signed = o.debug_signed;
  return p;
}

Result<std::string> DumpQuoteFile(const std::string& path) {
  IC_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadQuoteBytes(path));
  IC_ASSIGN_OR_RETURN(QuoteView q, ParseQuote(bytes).Wrap(path));
  return QuoteToJson(q);
}

Result<> GenKey(const std::string& out_path) {
  IC_ASSIGN_OR_RETURN(RsaKey key, RsaKey::Generate());
  IC_ASSIGN_OR_RETURN(std::string pem, key.PrivatePem());
  return fs::WriteFileAtomic(out_path, pem, 0600);
}

Result<> Sign(const SigStructOptions& options, const std::string& key_path, const std::string& out_path) {
  IC_ASSIGN_OR_RETURN(SigStructParams params, ParseSigStructOptions(options));
  IC_ASSIGN_OR_RETURN(std::string pem, fs::ReadFile(key_path));
  IC_ASSIGN_OR_RETURN(RsaKey key, RsaKey::FromPrivatePem(pem).Wrap(key_path));
  SigStruct ss = NewSigStruct(params);
  IC_TRY(SignSigStruct(ss, key));
  IC_TRY(VerifySigStruct(ss, params.enclave_hash));
  return WriteSigStruct(ss, out_path);
}

Result<> GenData(const SigStructOptions& options, const std::string& out_path) {
  IC_ASSIGN_OR_RETURN(SigStructParams params, ParseSigStructOptions(options));
  auto data = SigningData(NewSigStruct(params));
  return fs::WriteFileAtomic(out_path, AsText(data), 0644);
}

Result<> CatSig(const std::string& data_path, const std::string& sig_path, const std::string& pubkey_path,
                const std::string& out_path) {
  IC_ASSIGN_OR_RETURN(std::string data, fs::ReadFile(data_path));
  if (data.size() != 256) {
    return InvalidArgument(data_path + ": signing data is " + std::to_string(data.size()) +
                           " bytes, gendata writes 256");
  }
  IC_ASSIGN_OR_RETURN(std::string sig, fs::ReadFile(sig_path));
  IC_ASSIGN_OR_RETURN(std::string pem, fs::ReadFile(pubkey_path));
  IC_ASSIGN_OR_RETURN(RsaKey key, RsaKey::FromPublicPem(pem).Wrap(pubkey_path));
  SigStruct ss = SigStructFromSigningData(AsBytes(data).first<256>());
  IC_TRY(sgx::CatSig(ss, key, AsBytes(sig)));
  return WriteSigStruct(ss, out_path);
}

Result<std::string> DumpSigStructFile(const std::string& path) {
  IC_ASSIGN_OR_RETURN(SigStruct ss, ReadSigStruct(path));
  return SigStructToJson(ss);
}

Result<std::string> VerifySigStructFile(const std::string& path, const std::optional<std::string>& mrenclave_hex) {
  IC_ASSIGN_OR_RETURN(SigStruct ss, ReadSigStruct(path));
  std::optional<Measurement256> expected;
  if (mrenclave_hex) {
    IC_ASSIGN_OR_RETURN(expected, HexDecodeFixed<32>(*mrenclave_hex).Wrap("--mrenclave"));
  }
  IC_TRY(VerifySigStruct(ss, expected).Wrap(path));
  IC_ASSIGN_OR_RETURN(Measurement256 mrsigner, SigStructMrSigner(ss));
  return "OK mrenclave=" + HexEncode(ss.body.enclave_hash) + " mrsigner=" + HexEncode(mrsigner);
}

Result<std::string> Measure(const std::string& image_path, const std::string& config_path, bool json) {
  IC_ASSIGN_OR_RETURN(sim::ImageIdentity id, sim::MeasureImageFile(image_path, config_path));
  return json ? sim::ImageIdentityJson(id) : HexEncode(id.mr_enclave);
}

Result<> SignEnclave(const SigStructOptions& options, const std::string& image_path, const std::string& config_path,
                     const std::string& key_path, const std::string& out_path) {
  IC_ASSIGN_OR_RETURN(sim::ImageIdentity id, sim::MeasureImageFile(image_path, config_path));
  SigStructOptions o = options;
  const Attributes a = id.config.attributes();
  o.mrenclave_hex = HexEncode(id.mr_enclave);
  o.attributes = std::to_string(a.flags);
  o.xfrm = std::to_string(a.xfrm);
  o.misc_select = std::to_string(id.config.misc_select);
  o.misc_mask = std::to_string(id.config.misc_mask);
  o.isv_prod_id = std::to_string(id.config.isv_prod_id);
  o.isv_svn = std::to_string(id.config.isv_svn);
  return Sign(o, key_path, out_path);
}

}  // namespace inclavare::sgx::tools
