// TLS wrapper "openssl": one connection (negotiate, transmit, receive,
// close_session). The context and callbacks: openssl_tls.cc.
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "openssl_tls.h"

namespace inclavare::ratstls::tls_openssl {
namespace {

// Blocks until fd is readable / writable (OpenSSL asked to retry on a
// non-blocking fd). 0 or a negative errno.
int WaitFd(int fd, int ssl_error) {
  pollfd p{fd, static_cast<short>(ssl_error == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN), 0};
  for (;;) {
    if (poll(&p, 1, -1) >= 0) return 0;
    if (errno != EINTR) return -errno;
  }
}

bool Retryable(int ssl_error) {
  return ssl_error == SSL_ERROR_WANT_READ || ssl_error == SSL_ERROR_WANT_WRITE;
}

// The reason of a failed SSL call, into err; returns the negative errno. A
// reason recorded by our callbacks (verify_peer's verdict, a failed
// cert_for_challenge) wins: it is the cause, OpenSSL's queue only the effect.
int SslFailure(Session* s, const char* what, int ssl_error, rats_tls_error_t* err) {
  s->broken = true;
  if (s->failure_rc != 0) {
    ERR_clear_error();
    return rats_tls_error_set(err, s->failure_rc, "%s", s->failure.msg);
  }
  if (ssl_error == SSL_ERROR_WANT_READ || ssl_error == SSL_ERROR_WANT_WRITE) {
    // Only when poll() itself failed.
    return rats_tls_error_set(err, s->io.last_errno ? s->io.last_errno : EIO, "%s: poll: %s", what,
                              strerror(s->io.last_errno ? s->io.last_errno : EIO));
  }
  if (ssl_error == SSL_ERROR_ZERO_RETURN) {
    ERR_clear_error();
    return rats_tls_error_set(err, ECONNRESET, "%s: the peer closed the TLS connection", what);
  }
  if (ssl_error == SSL_ERROR_SYSCALL && s->io.last_errno != 0) {
    ERR_clear_error();
    return rats_tls_error_set(err, s->io.last_errno, "%s: %s", what, strerror(s->io.last_errno));
  }
  if (ssl_error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
    return rats_tls_error_set(err, ECONNRESET, "%s: the peer closed the connection", what);
  // SSL_ERROR_SSL (or SYSCALL with a queued reason): the queued reasons,
  // oldest (the root cause) first.
  char reasons[384] = "";
  size_t used = 0;
  int errnum = EPROTO;
  bool peer_alert = false, refused = false;
  for (unsigned long e = ERR_get_error(); e != 0; e = ERR_get_error()) {
    if (ERR_GET_LIB(e) == ERR_LIB_SSL) {
      int r = ERR_GET_REASON(e);
      if (r == SSL_R_UNEXPECTED_EOF_WHILE_READING) errnum = ECONNRESET;
      if (r >= SSL_AD_REASON_OFFSET) peer_alert = true;
      // What our peer (or any TLS peer) sends when it refuses our certificate.
      if (r == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE || r == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED ||
          r == SSL_R_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE || r == SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN)
        refused = true;
    }
    char one[160];
    const char* rs = ERR_reason_error_string(e);
    if (rs == nullptr) {
      ERR_error_string_n(e, one, sizeof one);
      rs = one;
    }
    if (used < sizeof reasons) {
      int n = snprintf(reasons + used, sizeof reasons - used, "%s%s", used ? "; " : "", rs);
      if (n > 0) used += static_cast<size_t>(n);
    }
  }
  if (used == 0) snprintf(reasons, sizeof reasons, "unknown TLS error");
  if (errnum == ECONNRESET)
    return rats_tls_error_set(err, errnum, "%s: the peer closed the connection (%s)", what, reasons);
  if (refused) {
    return rats_tls_error_set(err, EACCES, "%s: the peer refused this side's certificate (alert: %s)", what,
                              reasons);
  }
  if (peer_alert) return rats_tls_error_set(err, errnum, "%s: the peer sent an alert: %s", what, reasons);
  return rats_tls_error_set(err, errnum, "%s: %s", what, reasons);
}

}  // namespace

int Negotiate(void* state, int fd, const uint8_t* challenge, size_t challenge_size, void** session,
              rats_tls_error_t* err) noexcept {
  auto* st = static_cast<State*>(state);
  if (st == nullptr || session == nullptr)
    return rats_tls_error_set(err, EINVAL, "negotiate: NULL state or session");
  if (fd < 0) return rats_tls_error_set(err, EBADF, "negotiate: bad fd %d", fd);
  if (challenge == nullptr && challenge_size != 0)
    return rats_tls_error_set(err, EINVAL, "negotiate: NULL challenge of %zu bytes", challenge_size);
  if (challenge_size > kMaxChallenge)
    return rats_tls_error_set(err, EINVAL, "negotiate: the challenge is %zu bytes (at most %zu)",
                              challenge_size, kMaxChallenge);
  auto s = std::make_unique<Session>();
  s->io.fd = fd;
  if (struct stat sb; fstat(fd, &sb) == 0) {
    s->sock_dev = sb.st_dev;
    s->sock_ino = sb.st_ino;
  }
  s->server = st->server;
  s->verify_peer = st->verify_peer;
  s->callbacks = st->callbacks;
  if (challenge_size != 0) s->own_challenge.assign(challenge, challenge + challenge_size);

  ERR_clear_error();
  s->ssl = SSL_new(st->ctx);
  BIO* bio = s->ssl != nullptr ? NewFdBio(&s->io) : nullptr;
  if (bio == nullptr) {
    ERR_clear_error();
    return rats_tls_error_set(err, ENOMEM, "negotiate: cannot allocate the TLS connection");
  }
  SSL_set_bio(s->ssl, bio, bio);
  SSL_set_app_data(s->ssl, s.get());

  const char* what = st->server ? "TLS handshake (server)" : "TLS handshake (client)";
  for (;;) {
    s->io.last_errno = 0;
    int ret = st->server ? SSL_accept(s->ssl) : SSL_connect(s->ssl);
    if (ret == 1) break;
    int e = SSL_get_error(s->ssl, ret);
    if (Retryable(e) && s->failure_rc == 0) {
      int w = WaitFd(fd, e);
      if (w == 0) continue;
      s->io.last_errno = -w;
    }
    return SslFailure(s.get(), what, e, err);  // frees the SSL (no leak on refusal)
  }
  *session = s.release();
  return 0;
}

int Transmit(void* session, const void* buf, size_t* size, rats_tls_error_t* err) noexcept {
  auto* s = static_cast<Session*>(session);
  if (s == nullptr || size == nullptr || (buf == nullptr && *size != 0))
    return rats_tls_error_set(err, EINVAL, "transmit: NULL session or buffer");
  if (s->broken) {
    *size = 0;
    return rats_tls_error_set(err, EPIPE, "transmit: the TLS connection already failed");
  }
  const auto* p = static_cast<const uint8_t*>(buf);
  const size_t total = *size;
  size_t done = 0;
  ERR_clear_error();
  while (done < total) {
    size_t n = 0;
    s->io.last_errno = 0;
    // Not SSL_MODE_ENABLE_PARTIAL_WRITE: a successful call wrote everything
    // it was given; the loop covers a retried non-blocking write.
    if (SSL_write_ex(s->ssl, p + done, total - done, &n) == 1) {
      done += n;
      continue;
    }
    int e = SSL_get_error(s->ssl, 0);
    if (Retryable(e)) {
      int w = WaitFd(s->io.fd, e);
      if (w == 0) continue;
      s->io.last_errno = -w;
    }
    *size = done;
    return SslFailure(s, "TLS transmit", e, err);
  }
  return 0;
}

int Receive(void* session, void* buf, size_t* size, rats_tls_error_t* err) noexcept {
  auto* s = static_cast<Session*>(session);
  if (s == nullptr || size == nullptr || (buf == nullptr && *size != 0))
    return rats_tls_error_set(err, EINVAL, "receive: NULL session or buffer");
  if (*size == 0) return 0;
  if (s->broken) {
    *size = 0;
    return rats_tls_error_set(err, EPIPE, "receive: the TLS connection already failed");
  }
  ERR_clear_error();
  for (;;) {
    size_t n = 0;
    s->io.last_errno = 0;
    if (SSL_read_ex(s->ssl, buf, *size, &n) == 1) {
      *size = n;
      return 0;
    }
    int e = SSL_get_error(s->ssl, 0);
    if (e == SSL_ERROR_ZERO_RETURN) {  // close_notify: a clean end of stream
      *size = 0;
      return 0;
    }
    if (Retryable(e)) {
      int w = WaitFd(s->io.fd, e);
      if (w == 0) continue;
      s->io.last_errno = -w;
    }
    // Including an EOF without close_notify: the stream may be truncated.
    *size = 0;
    return SslFailure(s, "TLS receive", e, err);
  }
}

void CloseSession(void* session) noexcept {
  auto* s = static_cast<Session*>(session);
  if (s == nullptr) return;
  struct stat sb;
  bool same_socket = fstat(s->io.fd, &sb) == 0 && sb.st_dev == s->sock_dev && sb.st_ino == s->sock_ino;
  if (!s->broken && s->ssl != nullptr && same_socket) {
    // Send our close_notify once; do not wait for the peer's (the fd stays
    // the application's, and a peer that vanished must not block us).
    ERR_clear_error();
    SSL_shutdown(s->ssl);
  }
  ERR_clear_error();
  delete s;
}

}  // namespace inclavare::ratstls::tls_openssl
