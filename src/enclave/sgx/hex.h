// Hex encoding for measurements, keys and dumps.
//
//   std::string s = HexEncode(report.mr_enclave);            // "a4f45c39..."
//   IC_ASSIGN_OR_RETURN(auto bytes, HexDecode(text));        // "0x..", spaces ok
//   IC_ASSIGN_OR_RETURN(auto mr, HexDecodeFixed<32>(flag));  // exact length
//
// HexEncode writes lowercase. HexDecode accepts upper- and lowercase digits,
// an optional "0x" prefix and ASCII whitespace anywhere (hex dumps wrap lines);
// anything else, or an odd digit count, is an InvalidArgument error.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"

namespace inclavare::sgx {

std::string HexEncode(std::span<const uint8_t> bytes);

Result<std::vector<uint8_t>> HexDecode(std::string_view text);

// Decodes exactly N bytes; other lengths are InvalidArgument errors.
template <size_t N>
Result<std::array<uint8_t, N>> HexDecodeFixed(std::string_view text) {
  IC_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, HexDecode(text));
  if (bytes.size() != N) {
    return InvalidArgument("hex: expected " + std::to_string(N) + " bytes, got " +
                           std::to_string(bytes.size()));
  }
  std::array<uint8_t, N> out{};
  std::memcpy(out.data(), bytes.data(), N);
  return out;
}

}  // namespace inclavare::sgx
