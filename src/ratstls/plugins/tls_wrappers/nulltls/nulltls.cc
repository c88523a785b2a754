// TLS wrapper "nulltls" (include/rats-tls/plugin.h): NO encryption, NO
// integrity, NO attestation. negotiate() performs no handshake (it only
// remembers the fd; no certificate is exchanged, so the core's verify_peer
// is never called), transmit() writes the bytes as they are and receive()
// reads them. For tests of the plumbing only (with nullcrypto,
// nullattester, nullverifier), as upstream's nulltls.
#include <rats-tls/plugin.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace inclavare::ratstls::nulltls {
namespace {

struct Session {
  int fd;
  bool is_socket = true;  // cleared at the first ENOTSOCK: then write()
};

int Init(const rats_tls_plugin_env_t* /*env*/, const rats_tls_tls_config_t* /*config*/, void** state,
         rats_tls_error_t* err) noexcept {
  if (state == nullptr) return rats_tls_error_set(err, EINVAL, "nulltls init: state is NULL");
  *state = nullptr;
  return 0;
}

int SetCertificate(void* /*state*/, const uint8_t* /*cert_der*/, size_t /*cert_size*/,
                   const uint8_t* /*key_der*/, size_t /*key_size*/, rats_tls_error_t* /*err*/) noexcept {
  return 0;
}

int Negotiate(void* /*state*/, int fd, const uint8_t* /*challenge*/, size_t /*challenge_size*/,
              void** session, rats_tls_error_t* err) noexcept {
  if (fd < 0 || session == nullptr)
    return rats_tls_error_set(err, EINVAL, "nulltls negotiate: bad fd %d or session", fd);
  *session = new Session{fd};
  return 0;
}

int Transmit(void* session, const void* buf, size_t* size, rats_tls_error_t* err) noexcept {
  auto* s = static_cast<Session*>(session);
  if (s == nullptr || size == nullptr || (buf == nullptr && *size != 0))
    return rats_tls_error_set(err, EINVAL, "nulltls transmit: NULL session or buffer");
  const auto* p = static_cast<const char*>(buf);
  size_t done = 0;
  while (done < *size) {
    // MSG_NOSIGNAL: a closed peer gives EPIPE, never SIGPIPE.
    ssize_t n = s->is_socket ? send(s->fd, p + done, *size - done, MSG_NOSIGNAL)
                             : write(s->fd, p + done, *size - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOTSOCK && s->is_socket) {
        s->is_socket = false;
        continue;
      }
      int e = errno;
      *size = done;
      return rats_tls_error_set(err, e, "nulltls transmit: %s", strerror(e));
    }
    done += static_cast<size_t>(n);
  }
  return 0;
}

int Receive(void* session, void* buf, size_t* size, rats_tls_error_t* err) noexcept {
  auto* s = static_cast<Session*>(session);
  if (s == nullptr || size == nullptr || (buf == nullptr && *size != 0))
    return rats_tls_error_set(err, EINVAL, "nulltls receive: NULL session or buffer");
  for (;;) {
    ssize_t n = read(s->fd, buf, *size);
    if (n >= 0) {
      *size = static_cast<size_t>(n);
      return 0;
    }
    if (errno == EINTR) continue;
    int e = errno;
    *size = 0;
    return rats_tls_error_set(err, e, "nulltls receive: %s", strerror(e));
  }
}

void CloseSession(void* session) noexcept { delete static_cast<Session*>(session); }

void Cleanup(void* /*state*/) noexcept {}

const rats_tls_tls_ops_t kOps = {
    .init = Init,
    .set_certificate = SetCertificate,
    .negotiate = Negotiate,
    .transmit = Transmit,
    .receive = Receive,
    .close_session = CloseSession,
    .cleanup = Cleanup,
};

const rats_tls_plugin_t kPlugin = {
    .abi_version = RATS_TLS_PLUGIN_ABI_VERSION,
    .kind = RATS_TLS_PLUGIN_TLS_WRAPPER,
    .name = "nulltls",
    .type = "nulltls",
    .priority = 0,
    .ops = &kOps,
};

}  // namespace
}  // namespace inclavare::ratstls::nulltls

extern "C" const rats_tls_plugin_t* rats_tls_plugin_tls_wrapper_nulltls(void) {
  return &inclavare::ratstls::nulltls::kPlugin;
}
