#include "enclave/sgx/hex.h"

namespace inclavare::sgx {

std::string HexEncode(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

namespace {

int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

}  // namespace

Result<std::vector<uint8_t>> HexDecode(std::string_view text) {
  size_t start = 0;
  while (start < text.size() && IsSpace(text[start])) ++start;
  if (text.size() - start >= 2 && text[start] == '0' && (text[start + 1] == 'x' || text[start + 1] == 'X')) {
    start += 2;
  }
  std::vector<uint8_t> out;
  out.reserve((text.size() - start) / 2);
  int high = -1;
  for (size_t i = start; i < text.size(); ++i) {
    char c = text[i];
    if (IsSpace(c)) continue;
    int v = DigitValue(c);
    if (v < 0) return InvalidArgument("hex: invalid character at offset " + std::to_string(i));
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  if (high >= 0) return InvalidArgument("hex: odd number of digits");
  return out;
}

}  // namespace inclavare::sgx
