#include "enclave/sgx/quote.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstring>
#include <string>
#include <vector>

#include "enclave/sgx/dump.h"
#include "enclave/sgx/hex.h"
#include "enclave/sgx/testdata.h"

namespace inclavare::sgx {
namespace {

using testing::EvidenceMissingMessage;
using testing::LoadEvidence;

struct Sample {
  const char* path;
  uint16_t version;
  bool tdx;
  BodyType body_type;
  size_t quote_size;  // from the quote's own length fields
};

// Sizes were derived by hand from each file's header and length fields (see
// MANIFEST.md: quote_v4.bin has 3065 and tdx_quote 70 trailing padding bytes).
const Sample kSamples[] = {
    {"sgx/automata/quote_v3.bin", 3, false, BodyType::kSgxReport, 4734},
    {"sgx/dcap-qvl/sgx_quote", 3, false, BodyType::kSgxReport, 4600},
    {"sgx/fortanix-pcs/quote.bin", 3, false, BodyType::kSgxReport, 4575},
    {"tdx/automata/quote_v4.bin", 4, true, BodyType::kTdReport10, 4935},
    {"tdx/automata/quotes/alibaba_quote_5.dat", 5, true, BodyType::kTdReport15, 5006},
    {"tdx/automata/quotes/tdx_quote_5.dat", 5, true, BodyType::kTdReport15, 5006},
    {"tdx/dcap-qvl/tdx_quote", 4, true, BodyType::kTdReport10, 4936},
    {"tdx/dcap-qvl/tdx_quote_outdated", 5, true, BodyType::kTdReport15, 5006},
    {"tdx/dcap-qvl/tdx-quote.hex", 4, true, BodyType::kTdReport10, 0},
    {"tdx/dcap-qvl/quote-from-tappd.hex", 4, true, BodyType::kTdReport10, 0},
};

size_t CountOf(std::string_view text, std::string_view needle) {
  size_t n = 0;
  for (size_t pos = text.find(needle); pos != std::string_view::npos; pos = text.find(needle, pos + 1)) ++n;
  return n;
}

class EvidenceQuoteTest : public ::testing::TestWithParam<Sample> {};

TEST_P(EvidenceQuoteTest, ParsesStructure) {
  const Sample& s = GetParam();
  auto bytes = LoadEvidence(s.path);
  if (!bytes) GTEST_SKIP() << EvidenceMissingMessage();
  auto q = ParseQuote(*bytes);
  ASSERT_TRUE(q) << s.path << ": " << q.error().ToString();
  EXPECT_EQ(q->version(), s.version);
  EXPECT_EQ(q->is_tdx(), s.tdx);
  EXPECT_EQ(q->body_type, s.body_type);
  EXPECT_EQ(q->header.att_key_type, 2);
  EXPECT_EQ(q->header.qe_vendor_id, kIntelQeVendorId);
  if (s.quote_size != 0) {
    EXPECT_EQ(q->size, s.quote_size);
  }
  EXPECT_LE(q->size, bytes->size());
  EXPECT_EQ(q->outer_cert_data_type, s.version == 3 ? 5 : 6);
  EXPECT_EQ(q->cert_data_type, 5);
  auto pem = q->PckChainPem();
  ASSERT_TRUE(pem) << pem.error().ToString();
  // PCK cert, intermediate CA, root CA.
  EXPECT_EQ(CountOf(*pem, "-----BEGIN CERTIFICATE-----"), 3u);
  EXPECT_EQ(pem->back(), '\n');
  // The QE's authentication data is 32 bytes for Intel's QE.
  EXPECT_EQ(q->qe_auth_data.size(), 32u);
  // The parts lie inside the quote.
  EXPECT_GE(q->cert_data.data(), bytes->data());
  EXPECT_LE(q->cert_data.data() + q->cert_data.size(), bytes->data() + q->size);
  size_t signed_len = s.version == 5 ? 54 + (s.body_type == BodyType::kTdReport15 ? 648 : 584)
                                     : 48 + (s.tdx ? 584 : 384);
  EXPECT_EQ(q->signed_data.size(), signed_len);
  // The QE report's bytes are a copy of the parsed struct.
  EXPECT_EQ(std::memcmp(q->qe_report_bytes.data(), &q->qe_report, sizeof(ReportBody)), 0);
  // The dump names the certification data type.
  EXPECT_NE(QuoteToJson(*q).find("\"cert_data_type_name\": \"PCK_CERT_CHAIN\""), std::string::npos);
}

// Every prefix shorter than the quote fails cleanly; the full quote parses.
TEST_P(EvidenceQuoteTest, EveryTruncationFailsCleanly) {
  const Sample& s = GetParam();
  auto bytes = LoadEvidence(s.path);
  if (!bytes) GTEST_SKIP() << EvidenceMissingMessage();
  auto full = ParseQuote(*bytes);
  ASSERT_TRUE(full);
  for (size_t len = 0; len < full->size; ++len) {
    // A fresh heap copy of exactly len bytes, so ASan catches any over-read.
    std::vector<uint8_t> prefix(bytes->begin(), bytes->begin() + static_cast<std::ptrdiff_t>(len));
    auto q = ParseQuote(prefix);
    ASSERT_FALSE(q) << s.path << " truncated to " << len << " bytes parsed";
    ASSERT_EQ(q.error().code(), ErrorCode::kInvalidArgument);
    ASSERT_EQ(q.error().message().rfind("quote: ", 0), 0u) << q.error().message();
  }
  std::vector<uint8_t> exact(bytes->begin(), bytes->begin() + static_cast<std::ptrdiff_t>(full->size));
  EXPECT_TRUE(ParseQuote(exact));
}

// Overwriting any 4-byte window with 0xff never crashes or over-reads.
TEST_P(EvidenceQuoteTest, CorruptedFieldsDoNotCrash) {
  const Sample& s = GetParam();
  auto bytes = LoadEvidence(s.path);
  if (!bytes) GTEST_SKIP() << EvidenceMissingMessage();
  auto full = ParseQuote(*bytes);
  ASSERT_TRUE(full);
  std::vector<uint8_t> quote(bytes->begin(), bytes->begin() + static_cast<std::ptrdiff_t>(full->size));
  // The length fields all sit outside the large PEM text; step through
  // the rest byte by byte.
  for (size_t pos = 0; pos + 4 <= quote.size(); ++pos) {
    std::vector<uint8_t> mutated = quote;
    std::memset(mutated.data() + pos, 0xff, 4);
    auto q = ParseQuote(mutated);
    if (q) {
      EXPECT_LE(q->size, mutated.size());
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Evidence, EvidenceQuoteTest, ::testing::ValuesIn(kSamples),
                         [](const ::testing::TestParamInfo<Sample>& info) {
                           std::string name = info.param.path;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

std::string Hex(std::span<const uint8_t> b) { return HexEncode(b); }

TEST(QuoteValuesTest, AutomataV3) {
  auto bytes = LoadEvidence("sgx/automata/quote_v3.bin");
  if (!bytes) GTEST_SKIP() << EvidenceMissingMessage();
  auto q = ParseQuote(*bytes);
  ASSERT_TRUE(q) << q.error().ToString();
  const ReportBody* r = q->sgx_report();
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(Hex(r->mr_enclave), "a4f45c39dac622cb1dd32ddb35a52ec92db41d0fa88a1c911c49e59c534f61cd");
  EXPECT_EQ(Hex(r->mr_signer), "8f2dbc0f9c5d3378d596974b2deed1f93223cc49242899f83809bcc92546132c");
  EXPECT_EQ(q->td_report(), nullptr);
}

TEST(QuoteValuesTest, DcapQvlSgx) {
  auto bytes = LoadEvidence("sgx/dcap-qvl/sgx_quote");
  if (!bytes) GTEST_SKIP() << EvidenceMissingMessage();
  auto q = ParseQuote(*bytes);
  ASSERT_TRUE(q) << q.error().ToString();
  const ReportBody* r = q->sgx_report();
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(Hex(r->mr_enclave), "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb");
  EXPECT_EQ(Hex(r->mr_signer), "815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(r->report_data.data()), 13), "Hello, world!");
}

struct MrTdCase {
  const char* path;
  const char* mr_td;
};

TEST(QuoteValuesTest, TdxMrTd) {
  const MrTdCase cases[] = {
      {"tdx/automata/quote_v4.bin",
       "935be7742dd89c6a4df6dba8353d89041ae0f052beef993b1e7f4524d3bc57650df20e5582158352e1240b3f1fed55d8"},
      {"tdx/dcap-qvl/tdx_quote",
       "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7"},
      {"tdx/dcap-qvl/tdx-quote.hex",
       "7ba9e262ce6979087e34632603f354dd8f8a870f5947d116af8114db6c9d0d74c48bec4280e5b4f4a37025a10905bb29"},
      {"tdx/dcap-qvl/quote-from-tappd.hex",
       "c68518a0ebb42136c12b2275164f8c72f25fa9a34392228687ed6e9caeb9c0f1dbd895e9cf475121c029dc47e70e91fd"},
  };
  for (const auto& c : cases) {
    auto bytes = LoadEvidence(c.path);
    if (!bytes) GTEST_SKIP() << EvidenceMissingMessage();
    auto q = ParseQuote(*bytes);
    ASSERT_TRUE(q) << c.path << ": " << q.error().ToString();
    ASSERT_NE(q->td_report(), nullptr) << c.path;
    EXPECT_EQ(Hex(q->td_report()->mr_td), c.mr_td) << c.path;
    EXPECT_EQ(q->sgx_report(), nullptr);
  }
}

TEST(QuoteValuesTest, TdxV5Body15) {
  auto bytes = LoadEvidence("tdx/automata/quotes/alibaba_quote_5.dat");
  if (!bytes) GTEST_SKIP() << EvidenceMissingMessage();
  auto q = ParseQuote(*bytes);
  ASSERT_TRUE(q) << q.error().ToString();
  ASSERT_NE(q->td_report15(), nullptr);
  EXPECT_EQ(q->td_report(), &q->td_report15()->base);
  // The signed region covers the v5 body descriptor.
  EXPECT_EQ(q->signed_data.data(), bytes->data());
}

// --- Hand-made malformed quotes ----------------------------------------------

// Offset of the 4-byte size field in front of the (innermost) certification data.
size_t CertSizeOffset(const QuoteView& q, const std::vector<uint8_t>& bytes) {
  return static_cast<size_t>(q.cert_data.data() - bytes.data()) - 4;
}

TEST(QuoteErrorsTest, CertificationDataSizeTooLarge) {
  auto bytes = LoadEvidence("sgx/automata/quote_v3.bin");
  if (!bytes) GTEST_SKIP() << EvidenceMissingMessage();
  auto q = ParseQuote(*bytes);
  ASSERT_TRUE(q);
  size_t off = CertSizeOffset(*q, *bytes);
  uint32_t real_size = 0;
  std::memcpy(&real_size, bytes->data() + off, 4);
  EXPECT_EQ(real_size, q->cert_data.size());
  uint32_t huge = 5000;
  std::memcpy(bytes->data() + off, &huge, 4);
  auto bad = ParseQuote(*bytes);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "quote: certification data size 5000 exceeds remaining " +
                                       std::to_string(real_size) + " bytes");
}

TEST(QuoteErrorsTest, SignatureDataLengthTooLarge) {
  auto bytes = LoadEvidence("sgx/automata/quote_v3.bin");
  if (!bytes) GTEST_SKIP() << EvidenceMissingMessage();
  uint32_t huge = 0xffffffff;
  std::memcpy(bytes->data() + 432, &huge, 4);
  auto bad = ParseQuote(*bytes);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "quote: signature data size 4294967295 exceeds remaining 4298 bytes");
}

TEST(QuoteErrorsTest, InnerCertificationDataOfV4) {
  auto bytes = LoadEvidence("tdx/dcap-qvl/tdx_quote");
  if (!bytes) GTEST_SKIP() << EvidenceMissingMessage();
  auto q = ParseQuote(*bytes);
  ASSERT_TRUE(q);
  size_t off = CertSizeOffset(*q, *bytes);
  uint32_t huge = 100000;
  std::memcpy(bytes->data() + off, &huge, 4);
  auto bad = ParseQuote(*bytes);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("quote: inner certification data size 100000 exceeds remaining"),
            std::string::npos)
      << bad.error().message();
}

TEST(QuoteErrorsTest, V4RequiresQeReportCertificationData) {
  auto bytes = LoadEvidence("tdx/dcap-qvl/tdx_quote");
  if (!bytes) GTEST_SKIP() << EvidenceMissingMessage();
  // Outer type at 636 + 128.
  uint16_t five = 5;
  std::memcpy(bytes->data() + 636 + 128, &five, 2);
  auto bad = ParseQuote(*bytes);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(),
            "quote: v4 certification data type is 5 (PCK_CERT_CHAIN), expected 6 (QE_REPORT_CERT_DATA)");
}

TEST(QuoteErrorsTest, HeaderChecks) {
  std::vector<uint8_t> q(48 + 384 + 4, 0);
  auto set16 = [&](size_t off, uint16_t v) { std::memcpy(q.data() + off, &v, 2); };
  set16(0, 2);
  set16(2, 2);
  auto r = ParseQuote(q);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "quote: unsupported version 2 (EPID quotes are not supported)");
  set16(0, 3);
  set16(2, 3);
  r = ParseQuote(q);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("attestation key type 3"), std::string::npos);
  set16(2, 2);
  uint32_t tdx = 0x81;
  std::memcpy(q.data() + 4, &tdx, 4);
  r = ParseQuote(q);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "quote: v3 quotes carry SGX reports only");
  EXPECT_FALSE(ParseQuote({}));
}

TEST(QuoteErrorsTest, V5BodyDescriptorChecked) {
  std::vector<uint8_t> q(48 + 6 + 648 + 4, 0);
  uint16_t v5 = 5, akt = 2, type = 3;
  uint32_t tdx = 0x81, size = 584;
  std::memcpy(q.data(), &v5, 2);
  std::memcpy(q.data() + 2, &akt, 2);
  std::memcpy(q.data() + 4, &tdx, 4);
  std::memcpy(q.data() + 48, &type, 2);
  std::memcpy(q.data() + 50, &size, 4);
  auto r = ParseQuote(q);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "quote: v5 body size 584 does not match body type 3 (648 bytes)");
  type = 9;
  std::memcpy(q.data() + 48, &type, 2);
  r = ParseQuote(q);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "quote: unknown v5 body type 9");
}

// --- Synthetic quotes (independent of the evidence folder) -------------------

void Put16(std::vector<uint8_t>& v, uint16_t x) { v.insert(v.end(), {uint8_t(x), uint8_t(x >> 8)}); }
void Put32(std::vector<uint8_t>& v, uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(uint8_t(x >> (8 * i)));
}
void PutFill(std::vector<uint8_t>& v, size_t n, uint8_t b) { v.insert(v.end(), n, b); }

const std::string kPem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";

// QE report + sig + auth data + certification data (type 5 = the PEM + NUL).
std::vector<uint8_t> QeSection() {
  std::vector<uint8_t> v;
  PutFill(v, 384, 0x51);  // QE report
  PutFill(v, 64, 0x52);   // QE report signature
  Put16(v, 3);
  v.insert(v.end(), {'a', 'b', 'c'});
  Put16(v, 5);
  Put32(v, static_cast<uint32_t>(kPem.size() + 1));
  v.insert(v.end(), kPem.begin(), kPem.end());
  v.push_back(0);
  return v;
}

std::vector<uint8_t> Header(uint16_t version, uint32_t tee) {
  std::vector<uint8_t> v;
  Put16(v, version);
  Put16(v, 2);
  Put32(v, tee);
  Put16(v, 1);
  Put16(v, 2);
  v.insert(v.end(), kIntelQeVendorId.begin(), kIntelQeVendorId.end());
  PutFill(v, 20, 0);
  return v;
}

std::vector<uint8_t> SyntheticV3() {
  std::vector<uint8_t> q = Header(3, 0);
  PutFill(q, 384, 0x33);
  std::vector<uint8_t> sig;
  PutFill(sig, 64, 0x01);
  PutFill(sig, 64, 0x02);
  auto qe = QeSection();
  sig.insert(sig.end(), qe.begin(), qe.end());
  Put32(q, static_cast<uint32_t>(sig.size()));
  q.insert(q.end(), sig.begin(), sig.end());
  return q;
}

std::vector<uint8_t> SyntheticV5Td15() {
  std::vector<uint8_t> q = Header(5, 0x81);
  Put16(q, 3);
  Put32(q, 648);
  PutFill(q, 648, 0x44);
  std::vector<uint8_t> sig;
  PutFill(sig, 64, 0x01);
  PutFill(sig, 64, 0x02);
  auto qe = QeSection();
  Put16(sig, 6);
  Put32(sig, static_cast<uint32_t>(qe.size()));
  sig.insert(sig.end(), qe.begin(), qe.end());
  Put32(q, static_cast<uint32_t>(sig.size()));
  q.insert(q.end(), sig.begin(), sig.end());
  return q;
}

TEST(SyntheticQuoteTest, V3Parts) {
  auto bytes = SyntheticV3();
  bytes.resize(bytes.size() + 17, 0);  // trailing padding is ignored
  auto q = ParseQuote(bytes);
  ASSERT_TRUE(q) << q.error().ToString();
  EXPECT_EQ(q->size, bytes.size() - 17);
  EXPECT_EQ(q->header.qe_svn, 1);
  EXPECT_EQ(q->header.pce_svn, 2);
  EXPECT_EQ(q->sgx_report()->mr_enclave[0], 0x33);
  EXPECT_EQ(q->signature[0], 0x01);
  EXPECT_EQ(q->attestation_key[0], 0x02);
  EXPECT_EQ(q->qe_report.cpu_svn[0], 0x51);
  EXPECT_EQ(q->qe_report_signature[63], 0x52);
  EXPECT_EQ(std::string(q->qe_auth_data.begin(), q->qe_auth_data.end()), "abc");
  EXPECT_EQ(q->cert_data_type, 5);
  EXPECT_EQ(*q->PckChainPem(), kPem);
}

TEST(SyntheticQuoteTest, V5Parts) {
  auto bytes = SyntheticV5Td15();
  auto q = ParseQuote(bytes);
  ASSERT_TRUE(q) << q.error().ToString();
  EXPECT_EQ(q->body_type, BodyType::kTdReport15);
  EXPECT_EQ(q->td_report15()->mr_service_td[47], 0x44);
  EXPECT_EQ(q->outer_cert_data_type, 6);
  EXPECT_EQ(q->cert_data_type, 5);
  EXPECT_EQ(*q->PckChainPem(), kPem);
  EXPECT_EQ(q->signed_data.size(), 48u + 6 + 648);
}

// Found by sgx_quote_fuzz: a PCK "PEM" with non-UTF-8 bytes made the JSON dump
// throw. The dump now shows such data as hex.
TEST(SyntheticQuoteTest, DumpOfBinaryPckChainDoesNotThrow) {
  auto bytes = SyntheticV3();
  bytes[bytes.size() - 10] = 0xbf;
  auto q = ParseQuote(bytes);
  ASSERT_TRUE(q);
  std::string json;
  EXPECT_NO_THROW(json = QuoteToJson(*q));
  EXPECT_EQ(json.find("pck_cert_chain"), std::string::npos);
  EXPECT_NE(json.find("\"cert_data\": \"2d2d2d2d2d424547494e"), std::string::npos);
}

TEST(SyntheticQuoteTest, EveryTruncationFails) {
  for (const auto& bytes : {SyntheticV3(), SyntheticV5Td15()}) {
    for (size_t len = 0; len < bytes.size(); ++len) {
      std::vector<uint8_t> prefix(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(len));
      auto q = ParseQuote(prefix);
      ASSERT_FALSE(q) << len;
      ASSERT_EQ(q.error().code(), ErrorCode::kInvalidArgument);
    }
    EXPECT_TRUE(ParseQuote(bytes));
  }
}

TEST(SyntheticQuoteTest, QeAuthDataSizeTooLarge) {
  auto bytes = SyntheticV3();
  const size_t auth_size_off = 48 + 384 + 4 + 64 + 64 + 384 + 64;
  bytes[auth_size_off] = 0xff;
  bytes[auth_size_off + 1] = 0xff;
  auto q = ParseQuote(bytes);
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().message(), "quote: QE authentication data size 65535 exceeds remaining " +
                                     std::to_string(3 + 2 + 4 + kPem.size() + 1) + " bytes");
}

TEST(QuoteTest, CertDataTypeNames) {
  EXPECT_STREQ(CertDataTypeName(1), "PPID_CLEARTEXT");
  EXPECT_STREQ(CertDataTypeName(2), "PPID_RSA2048_OAEP");
  EXPECT_STREQ(CertDataTypeName(3), "PPID_RSA3072_OAEP");
  EXPECT_STREQ(CertDataTypeName(4), "PCK_LEAF_CERT");
  EXPECT_STREQ(CertDataTypeName(5), "PCK_CERT_CHAIN");
  EXPECT_STREQ(CertDataTypeName(6), "QE_REPORT_CERT_DATA");
  EXPECT_STREQ(CertDataTypeName(7), "PLATFORM_MANIFEST");
  EXPECT_STREQ(CertDataTypeName(8), "UNKNOWN");
}

}  // namespace
}  // namespace inclavare::sgx
