// fuzz-smoke driver: a main() for libFuzzer targets built with g++ (no
// libFuzzer). It feeds LLVMFuzzerTestOneInput with
//   (a) every file of the seed files/directories on the command line,
//   (b) deterministic, structure-unaware mutations of those seeds,
//   (c) a few synthetic inputs (empty, one byte, zero blocks),
// each in a heap buffer of exactly its size so ASan sees any overread.
// A crash or sanitizer report ends the process and fails the ctest case.
//
//   <target>_fuzz_smoke [--runs N] [--seed S] [--max-len BYTES]
//                       [--pem] [--hex] [--x509-ext OID]... [--only-derived]
//                       SEED_PATH...
//
// --pem adds the DER of every PEM block found inside a seed (also inside
// binary files, e.g. the PCK chain of a quote); --hex adds the decoding of
// seeds that are hex text; --x509-ext adds the value of extension OID of
// every seed that is a DER certificate (after --pem); --only-derived keeps
// only the --pem/--hex/--x509-ext results as seeds (the last step's results
// when --x509-ext is given), not the files themselves. Missing seed paths are
// reported and skipped: the synthetic and mutated inputs still run.
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

using Bytes = std::vector<uint8_t>;
namespace fs = std::filesystem;

struct Options {
  uint64_t runs = 1000;
  uint64_t seed = 0x1c5eed5eedULL;
  size_t max_len = 1 << 20;
  bool pem = false;
  bool hex = false;
  bool only_derived = false;
  std::vector<std::string> x509_exts;
  std::vector<std::string> paths;
};

[[noreturn]] void Usage(const char* argv0, const std::string& why) {
  std::fprintf(stderr,
               "%s: %s\nusage: %s [--runs N] [--seed S] [--max-len BYTES] [--pem] [--hex] "
               "[--x509-ext OID]... [--only-derived] SEED_PATH...\n",
               argv0, why.c_str(), argv0);
  std::exit(2);
}

uint64_t ParseNumber(const char* argv0, const std::string& flag, const char* text) {
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(text, &end, 0);
  if (errno != 0 || end == text || *end != '\0') Usage(argv0, flag + " needs a number, got '" + text + "'");
  return v;
}

Options ParseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) Usage(argv[0], a + " needs a value");
      return argv[++i];
    };
    if (a == "--runs") {
      o.runs = ParseNumber(argv[0], a, value());
    } else if (a == "--seed") {
      o.seed = ParseNumber(argv[0], a, value());
    } else if (a == "--max-len") {
      o.max_len = ParseNumber(argv[0], a, value());
      if (o.max_len == 0) Usage(argv[0], "--max-len must be positive");
    } else if (a == "--pem") {
      o.pem = true;
    } else if (a == "--hex") {
      o.hex = true;
    } else if (a == "--only-derived") {
      o.only_derived = true;
    } else if (a == "--x509-ext") {
      o.x509_exts.emplace_back(value());
    } else if (a.starts_with("-")) {
      Usage(argv[0], "unknown option " + a);
    } else {
      o.paths.push_back(a);
    }
  }
  return o;
}

// SplitMix64: tiny, deterministic on every platform.
class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform-enough value in [0, n); n > 0.
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }

 private:
  uint64_t s_;
};

bool ReadFile(const fs::path& p, Bytes* out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

// Files of each path (directories recursively, sorted for determinism).
size_t LoadSeeds(const std::vector<std::string>& paths, std::vector<Bytes>* seeds) {
  size_t missing = 0;
  for (const auto& path : paths) {
    std::error_code ec;
    std::vector<fs::path> files;
    if (fs::is_regular_file(path, ec)) {
      files.emplace_back(path);
    } else if (fs::is_directory(path, ec)) {
      for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        if (it->is_regular_file(ec)) files.push_back(it->path());
      }
      std::sort(files.begin(), files.end());
    } else {
      std::fprintf(stderr, "fuzz-smoke: seed path %s does not exist; skipped\n", path.c_str());
      ++missing;
      continue;
    }
    for (const auto& f : files) {
      Bytes b;
      if (!ReadFile(f, &b)) {
        std::fprintf(stderr, "fuzz-smoke: cannot read seed %s; skipped\n", f.c_str());
        continue;
      }
      seeds->push_back(std::move(b));
    }
  }
  return missing;
}

// DER of each PEM block inside data (which may be binary around the blocks).
void AddPemBlocks(const Bytes& data, std::vector<Bytes>* out) {
  static constexpr std::string_view kBegin = "-----BEGIN ";
  std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  for (size_t pos = text.find(kBegin); pos != std::string_view::npos; pos = text.find(kBegin, pos + 1)) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(text.data() + pos, static_cast<int>(std::min<size_t>(text.size() - pos, INT32_MAX))),
        BIO_free);
    if (!bio) continue;
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* der = nullptr;
    long len = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &der, &len) == 1 && len > 0) out->emplace_back(der, der + len);
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(der);
  }
}

int HexValue(uint8_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The bytes of a seed that is hex text (whitespace allowed), else nothing.
void AddHexDecoding(const Bytes& data, std::vector<Bytes>* out) {
  Bytes decoded;
  int high = -1;
  for (uint8_t c : data) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    int v = HexValue(c);
    if (v < 0) return;
    if (high < 0) {
      high = v;
    } else {
      decoded.push_back(static_cast<uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  if (high < 0 && !decoded.empty()) out->push_back(std::move(decoded));
}

void AddExtensionValue(const Bytes& der, const std::string& oid, std::vector<Bytes>* out) {
  const unsigned char* p = der.data();
  std::unique_ptr<X509, decltype(&X509_free)> cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())),
                                                    X509_free);
  if (!cert) return;
  std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> obj(OBJ_txt2obj(oid.c_str(), 1), ASN1_OBJECT_free);
  if (!obj) return;
  int idx = X509_get_ext_by_OBJ(cert.get(), obj.get(), -1);
  if (idx < 0) return;
  const ASN1_OCTET_STRING* v = X509_EXTENSION_get_data(X509_get_ext(cert.get(), idx));
  const unsigned char* bytes = ASN1_STRING_get0_data(v);
  out->emplace_back(bytes, bytes + ASN1_STRING_length(v));
}

// Seeds plus whatever --pem, --hex and --x509-ext derive from them.
std::vector<Bytes> DeriveSeeds(const Options& o, std::vector<Bytes> seeds) {
  std::vector<Bytes> decoded;
  for (const auto& s : seeds) {
    if (o.pem) AddPemBlocks(s, &decoded);
    if (o.hex) AddHexDecoding(s, &decoded);
  }
  if (o.x509_exts.empty()) {
    if (o.only_derived) return decoded;
    seeds.insert(seeds.end(), decoded.begin(), decoded.end());
    return seeds;
  }
  seeds.insert(seeds.end(), decoded.begin(), decoded.end());
  std::vector<Bytes> values;
  for (const auto& oid : o.x509_exts) {
    std::unique_ptr<ASN1_OBJECT, decltype(&ASN1_OBJECT_free)> obj(OBJ_txt2obj(oid.c_str(), 1), ASN1_OBJECT_free);
    if (!obj) {
      std::fprintf(stderr, "fuzz-smoke: --x509-ext %s is not a dotted OID\n", oid.c_str());
      std::exit(2);
    }
    for (const auto& s : seeds) AddExtensionValue(s, oid, &values);
  }
  if (o.only_derived) return values;
  seeds.insert(seeds.end(), values.begin(), values.end());
  return seeds;
}

uint64_t g_executions = 0;

void Run(const Bytes& input) {
  // Exactly-sized heap copy: the end of the input is the end of the block.
  std::unique_ptr<uint8_t[]> copy(new uint8_t[std::max<size_t>(input.size(), 1)]);
  if (!input.empty()) std::memcpy(copy.get(), input.data(), input.size());
  LLVMFuzzerTestOneInput(copy.get(), input.size());
  ++g_executions;
}

constexpr uint8_t kInteresting[] = {0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe};

// One structure-unaware edit of buf; other seeds feed splices.
void MutateOnce(Rng& rng, const std::vector<Bytes>& seeds, size_t max_len, Bytes& buf) {
  switch (rng.Below(9)) {
    case 0:  // flip one bit
      if (!buf.empty()) buf[rng.Below(buf.size())] ^= static_cast<uint8_t>(1u << rng.Below(8));
      break;
    case 1:  // set a byte to an interesting value
      if (!buf.empty()) buf[rng.Below(buf.size())] = kInteresting[rng.Below(std::size(kInteresting))];
      break;
    case 2:  // set a 2/4/8-byte little-endian field to 0, all ones or a large value
      if (buf.size() >= 8) {
        size_t width = size_t{2} << rng.Below(3);
        size_t at = rng.Below(buf.size() - width + 1);
        uint8_t fill = kInteresting[rng.Below(3)];
        std::memset(buf.data() + at, fill, width);
      }
      break;
    case 3:  // truncate
      if (!buf.empty()) buf.resize(rng.Below(buf.size()));
      break;
    case 4: {  // insert random bytes
      size_t n = 1 + rng.Below(16);
      size_t at = rng.Below(buf.size() + 1);
      Bytes ins(n);
      for (auto& b : ins) b = static_cast<uint8_t>(rng.Next());
      buf.insert(buf.begin() + static_cast<ptrdiff_t>(at), ins.begin(), ins.end());
      break;
    }
    case 5:  // erase a chunk
      if (!buf.empty()) {
        size_t at = rng.Below(buf.size());
        size_t n = 1 + rng.Below(std::min<size_t>(buf.size() - at, 64));
        buf.erase(buf.begin() + static_cast<ptrdiff_t>(at), buf.begin() + static_cast<ptrdiff_t>(at + n));
      }
      break;
    case 6: {  // splice: our head, another seed's tail
      const Bytes& other = seeds[rng.Below(seeds.size())];
      size_t cut = rng.Below(buf.size() + 1);
      size_t from = rng.Below(other.size() + 1);
      buf.resize(cut);
      buf.insert(buf.end(), other.begin() + static_cast<ptrdiff_t>(from), other.end());
      break;
    }
    case 7:  // repeat a chunk in place
      if (!buf.empty()) {
        size_t at = rng.Below(buf.size());
        size_t n = 1 + rng.Below(std::min<size_t>(buf.size() - at, 256));
        size_t times = 1 + rng.Below(8);
        Bytes chunk(buf.begin() + static_cast<ptrdiff_t>(at), buf.begin() + static_cast<ptrdiff_t>(at + n));
        for (size_t t = 0; t < times; ++t)
          buf.insert(buf.begin() + static_cast<ptrdiff_t>(at), chunk.begin(), chunk.end());
      }
      break;
    default:  // copy a chunk over another place
      if (buf.size() >= 2) {
        size_t from = rng.Below(buf.size());
        size_t n = 1 + rng.Below(std::min<size_t>(buf.size() - from, 32));
        size_t to = rng.Below(buf.size() - n + 1);
        std::memmove(buf.data() + to, buf.data() + from, n);
      }
      break;
  }
  if (buf.size() > max_len) buf.resize(max_len);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = ParseArgs(argc, argv);
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  const auto start = std::chrono::steady_clock::now();

  std::vector<Bytes> files;
  const size_t missing = LoadSeeds(o.paths, &files);
  const size_t file_count = files.size();
  std::vector<Bytes> seeds = DeriveSeeds(o, std::move(files));

  // (c) synthetic inputs; they also seed the mutations when no files exist.
  std::vector<Bytes> synthetic = {Bytes{}, Bytes{0x00}, Bytes{0xff}, Bytes{'{'}, Bytes{0x30}};
  for (size_t n : {4, 16, 48, 64, 128, 256, 432, 512, 1024, 1184, 1808, 4096}) synthetic.emplace_back(n, 0);
  for (size_t n : {64, 1024}) synthetic.emplace_back(n, 0xff);

  for (const auto& s : seeds) Run(s);
  for (const auto& s : synthetic) Run(s);

  // (b) deterministic mutations: each run edits one seed 1..8 times.
  const std::vector<Bytes>& pool = seeds.empty() ? synthetic : seeds;
  Rng rng(o.seed);
  for (uint64_t i = 0; i < o.runs; ++i) {
    Bytes buf = pool[rng.Below(pool.size())];
    for (size_t edits = 1 + rng.Below(8); edits > 0; --edits) MutateOnce(rng, pool, o.max_len, buf);
    Run(buf);
  }

  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "fuzz-smoke: %llu inputs run (%zu seed files, %zu seeds after decoding, %zu missing paths, %zu synthetic, "
      "%llu mutated; seed 0x%llx) in %lld ms\n",
      static_cast<unsigned long long>(g_executions), file_count, seeds.size(), missing, synthetic.size(),
      static_cast<unsigned long long>(o.runs), static_cast<unsigned long long>(o.seed), static_cast<long long>(ms));
  return 0;
}
