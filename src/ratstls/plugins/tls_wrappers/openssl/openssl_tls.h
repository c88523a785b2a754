// Internals of the "openssl" TLS wrapper (include/rats-tls/plugin.h,
// rats_tls_tls_ops_t), shared by openssl_tls.cc (the SSL_CTX, its
// callbacks, the descriptor) and openssl_session.cc (one connection).
//
// Protocol choices (see openssl_tls.cc for the reasons):
//  - TLS 1.3 only;
//  - no session tickets, no session cache, hence no resumption;
//  - the peer's certificate is not checked against CAs (RA-TLS certificates
//    are self-signed): the core's verify_peer judges the leaf certificate,
//    while OpenSSL still checks the handshake signature (CertificateVerify)
//    with the leaf's key;
//  - freshness: the challenge travels in the TLS extension
//    RATS_TLS_CHALLENGE_EXTENSION, in the ClientHello (client -> server)
//    and in the CertificateRequest (server -> client, mutual mode); the
//    receiving side answers with the certificate from cert_for_challenge.
//    What is sent is the challenge given to negotiate() (config.freshness is
//    the core's business); a challenge is answered whenever the core
//    provides cert_for_challenge (NULL: the static certificate is used);
//  - the fd BIO sends with MSG_NOSIGNAL: a vanished peer is EPIPE, never
//    SIGPIPE (fd_bio.h).
//
// Sessions of one state may run in different threads (they share only the
// SSL_CTX); init / set_certificate / cleanup need the state to themselves.
#pragma once

#include <sys/stat.h>

#include <openssl/ssl.h>
#include <rats-tls/plugin.h>

#include <cstdint>
#include <vector>

#include "fd_bio.h"

namespace inclavare::ratstls::tls_openssl {

// Challenges are 1..kMaxChallenge bytes (RATS_TLS_CHALLENGE_SIZE by default;
// at most the 64 bytes of SGX/TDX report data).
inline constexpr size_t kMaxChallenge = 64;

struct State {
  bool server = false;
  bool request_peer_cert = false;  // server: send a CertificateRequest
  bool verify_peer = false;        // call callbacks.verify_peer on the peer's leaf
  rats_tls_core_callbacks_t callbacks{};
  SSL_CTX* ctx = nullptr;
};

// One connection. SSL_get_app_data(ssl) points back here for the callbacks.
struct Session {
  Session() = default;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session() { SSL_free(ssl); }  // also frees the BIO (not the fd)

  SSL* ssl = nullptr;
  FdIo io;
  bool server = false;
  bool verify_peer = false;
  rats_tls_core_callbacks_t callbacks{};
  std::vector<uint8_t> own_challenge;   // sent to the peer (freshness)
  std::vector<uint8_t> peer_challenge;  // received from the peer
  // A failure in one of our callbacks (verify_peer, cert_for_challenge, a bad
  // challenge): its errno and the reason, reported by negotiate.
  int failure_rc = 0;
  rats_tls_error_t failure{};
  bool broken = false;  // a fatal error happened: no close_notify
  // The socket's identity at negotiate: the application may close the fd
  // before the session ends (upstream's sample server does) and the number
  // may then belong to another connection, which must not get our
  // close_notify. Checked by CloseSession.
  dev_t sock_dev = 0;
  ino_t sock_ino = 0;
};

// A context configured for state (callbacks installed) with the given
// certificate and PKCS#8 key (both empty: none). NULL and *err on failure.
SSL_CTX* NewContext(const State& state, const uint8_t* cert_der, size_t cert_size, const uint8_t* key_der,
                    size_t key_size, int* rc, rats_tls_error_t* err);

int Negotiate(void* state, int fd, const uint8_t* challenge, size_t challenge_size, void** session,
              rats_tls_error_t* err) noexcept;
int Transmit(void* session, const void* buf, size_t* size, rats_tls_error_t* err) noexcept;
int Receive(void* session, void* buf, size_t* size, rats_tls_error_t* err) noexcept;
void CloseSession(void* session) noexcept;

}  // namespace inclavare::ratstls::tls_openssl
