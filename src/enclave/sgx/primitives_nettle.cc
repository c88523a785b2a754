// primitives.h on GNU Nettle (SHA-256, AES-128-CMAC), Hogweed (RSA) and GMP
// (Q1/Q2). See primitives.h for why the skeleton enclave runtime uses it.
#include <gmp.h>
#include <nettle/cmac.h>
#include <nettle/memops.h>
#include <nettle/rsa.h>
#include <nettle/sha2.h>
#include <string.h>
#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <string>

#include "enclave/sgx/primitives.h"

namespace inclavare::sgx {
namespace {

// An mpz_t owned for a scope.
class Mpz {
 public:
  Mpz() { mpz_init(v_); }
  ~Mpz() { mpz_clear(v_); }
  Mpz(const Mpz&) = delete;
  Mpz& operator=(const Mpz&) = delete;
  mpz_ptr get() { return v_; }

 private:
  mpz_t v_;
};

void FromLittleEndian(mpz_ptr out, std::span<const uint8_t> le) { mpz_import(out, le.size(), -1, 1, 0, 0, le.data()); }
void FromBigEndian(mpz_ptr out, std::span<const uint8_t> be) { mpz_import(out, be.size(), 1, 1, 0, 0, be.data()); }

// Little-endian into exactly out.size() bytes; false when it does not fit.
bool ToLittleEndian(mpz_srcptr v, std::span<uint8_t> out) {
  if (mpz_sgn(v) < 0) return false;
  if (mpz_sgn(v) != 0 && mpz_sizeinbase(v, 256) > out.size()) return false;
  std::fill(out.begin(), out.end(), 0);
  size_t written = 0;
  mpz_export(out.data(), &written, -1, 1, 0, 0, v);
  return written <= out.size();
}

// The RSA public key for SIGSTRUCT's modulus and exponent, checked as the
// OpenSSL build checks it: exponent 3, exactly 3072 bits.
class PublicKey {
 public:
  PublicKey() { rsa_public_key_init(&key_); }
  ~PublicKey() { rsa_public_key_clear(&key_); }
  PublicKey(const PublicKey&) = delete;
  PublicKey& operator=(const PublicKey&) = delete;

  Result<> Set(std::span<const uint8_t, kRsa3072Bytes> modulus_le, uint32_t exponent) {
    if (exponent != kSigStructExponent) {
      return InvalidArgument("RSA public exponent is " + std::to_string(exponent) + "; SGX needs 3");
    }
    FromLittleEndian(key_.n, modulus_le);
    mpz_set_ui(key_.e, exponent);
    const size_t bits = mpz_sgn(key_.n) == 0 ? 0 : mpz_sizeinbase(key_.n, 2);
    if (bits != kRsa3072Bytes * 8) {
      return InvalidArgument("RSA key has " + std::to_string(bits) + " bits; SGX needs 3072");
    }
    if (rsa_public_key_prepare(&key_) != 1) return InvalidArgument("RSA key from modulus: not a usable RSA key");
    return {};
  }
  const rsa_public_key* get() const { return &key_; }

 private:
  rsa_public_key key_;
};

}  // namespace

struct Sha256Hasher::State {
  sha256_ctx ctx;
};

Sha256Hasher::Sha256Hasher(std::unique_ptr<State> s) : state_(std::move(s)) {}
Sha256Hasher::Sha256Hasher(Sha256Hasher&&) noexcept = default;
Sha256Hasher& Sha256Hasher::operator=(Sha256Hasher&&) noexcept = default;
Sha256Hasher::~Sha256Hasher() = default;

Result<Sha256Hasher> Sha256Hasher::Create() {
  auto s = std::make_unique<State>();
  sha256_init(&s->ctx);
  return Sha256Hasher(std::move(s));
}

Result<> Sha256Hasher::Update(std::span<const uint8_t> data) {
  if (!state_) return FailedPrecondition("SHA-256: hasher already finalized");
  sha256_update(&state_->ctx, data.size(), data.data());
  return {};
}

Result<Measurement256> Sha256Hasher::Final() {
  if (!state_) return FailedPrecondition("SHA-256: hasher already finalized");
  Measurement256 out{};
  sha256_digest(&state_->ctx, out.size(), out.data());
  state_.reset();
  return out;
}

Result<> RsaVerify3072Sha256(std::span<const uint8_t, kRsa3072Bytes> modulus_le, uint32_t exponent,
                             std::span<const uint8_t> data, std::span<const uint8_t> signature_be) {
  PublicKey key;
  IC_TRY(key.Set(modulus_le, exponent));
  // As OpenSSL: the signature is exactly as long as the modulus.
  if (signature_be.size() != kRsa3072Bytes) return Error(ErrorCode::kPermissionDenied, "signature does not verify");
  IC_ASSIGN_OR_RETURN(Measurement256 digest, Sha256(data));
  Mpz s;
  FromBigEndian(s.get(), signature_be);
  // Hogweed refuses s >= n and checks the whole DigestInfo encoding.
  if (rsa_sha256_verify_digest(key.get(), digest.data(), s.get()) != 1) {
    return Error(ErrorCode::kPermissionDenied, "signature does not verify");
  }
  return {};
}

Result<> SigStructQ1Q2(std::span<const uint8_t, kRsa3072Bytes> sig_le, std::span<const uint8_t, kRsa3072Bytes> mod_le,
                       std::array<uint8_t, kRsa3072Bytes>& q1_le, std::array<uint8_t, kRsa3072Bytes>& q2_le) {
  Mpz s, m, t1, t2, q1, q2;
  FromLittleEndian(s.get(), sig_le);
  FromLittleEndian(m.get(), mod_le);
  if (mpz_sgn(m.get()) == 0) return InvalidArgument("sigstruct: modulus is zero");
  // t1 = S^2; q1 = t1 / M
  mpz_mul(t1.get(), s.get(), s.get());
  mpz_fdiv_q(q1.get(), t1.get(), m.get());
  // t1 = S^3; t2 = Q1 * S * M; q2 = (t1 - t2) / M
  mpz_mul(t1.get(), t1.get(), s.get());
  mpz_mul(t2.get(), q1.get(), s.get());
  mpz_mul(t2.get(), t2.get(), m.get());
  mpz_sub(t1.get(), t1.get(), t2.get());
  mpz_fdiv_q(q2.get(), t1.get(), m.get());
  if (!ToLittleEndian(q1.get(), q1_le) || !ToLittleEndian(q2.get(), q2_le)) {
    return InvalidArgument("sigstruct: Q1/Q2 do not fit in 384 bytes (signature not below the modulus)");
  }
  return {};
}

Result<Key128> AesCmac128(std::span<const uint8_t, 16> key, std::span<const uint8_t> data) {
  cmac_aes128_ctx ctx;
  cmac_aes128_set_key(&ctx, key.data());
  cmac_aes128_update(&ctx, data.size(), data.data());
  Key128 out{};
  cmac_aes128_digest(&ctx, out.size(), out.data());
  SecureWipe(std::span<uint8_t>(reinterpret_cast<uint8_t*>(&ctx), sizeof ctx));
  return out;
}

Result<> RandomBytes(std::span<uint8_t> out) {
  // The kernel's CSPRNG; blocks only before it is first seeded.
  for (size_t done = 0; done < out.size();) {
    ssize_t n = ::getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("getrandom");
    }
    done += static_cast<size_t>(n);
  }
  return {};
}

const char* PrimitivesBackend() { return "nettle"; }

bool ConstantTimeEqual(std::span<const uint8_t> a, std::span<const uint8_t> b) {
  return a.size() == b.size() && nettle_memeql_sec(a.data(), b.data(), a.size()) != 0;
}

void SecureWipe(std::span<uint8_t> bytes) { ::explicit_bzero(bytes.data(), bytes.size()); }

}  // namespace inclavare::sgx
