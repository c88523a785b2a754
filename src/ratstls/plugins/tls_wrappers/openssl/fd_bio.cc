// The MSG_NOSIGNAL fd BIO (fd_bio.h).
#include "fd_bio.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace inclavare::ratstls::tls_openssl {
namespace {

FdIo* IoOf(BIO* b) { return static_cast<FdIo*>(BIO_get_data(b)); }

int FdWrite(BIO* b, const char* buf, int len) {
  FdIo* io = IoOf(b);
  BIO_clear_retry_flags(b);
  if (len <= 0) return 0;
  for (;;) {
    ssize_t n = io->is_socket ? send(io->fd, buf, static_cast<size_t>(len), MSG_NOSIGNAL)
                              : write(io->fd, buf, static_cast<size_t>(len));
    if (n >= 0) return static_cast<int>(n);
    if (errno == EINTR) continue;
    if (errno == ENOTSOCK && io->is_socket) {
      io->is_socket = false;
      continue;
    }
    io->last_errno = errno;
    if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_write(b);
    return -1;
  }
}

int FdRead(BIO* b, char* buf, int len) {
  FdIo* io = IoOf(b);
  BIO_clear_retry_flags(b);
  if (len <= 0) return 0;
  for (;;) {
    ssize_t n = read(io->fd, buf, static_cast<size_t>(len));
    if (n > 0) return static_cast<int>(n);
    if (n == 0) {
      io->eof = true;
      return 0;
    }
    if (errno == EINTR) continue;
    io->last_errno = errno;
    if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_read(b);
    return -1;
  }
}

long FdCtrl(BIO* b, int cmd, long /*num*/, void* ptr) {
  FdIo* io = IoOf(b);
  switch (cmd) {
    case BIO_CTRL_FLUSH:  // unbuffered
    case BIO_CTRL_DUP:
      return 1;
    case BIO_CTRL_EOF:
      return io != nullptr && io->eof ? 1 : 0;
    case BIO_C_GET_FD:  // SSL_get_fd()
      if (io == nullptr) return -1;
      if (ptr != nullptr) *static_cast<int*>(ptr) = io->fd;
      return io->fd;
    case BIO_CTRL_GET_CLOSE:
      return BIO_NOCLOSE;
    default:  // no KTLS, no pending data, no datagram controls
      return 0;
  }
}

int FdCreate(BIO* b) {
  BIO_set_init(b, 0);
  BIO_set_data(b, nullptr);
  return 1;
}

int FdDestroy(BIO* b) {
  if (b == nullptr) return 0;
  BIO_set_data(b, nullptr);  // the fd and FdIo belong to the session
  BIO_set_init(b, 0);
  return 1;
}

BIO_METHOD* MakeMethod() {
  BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR,
                               "rats-tls fd (MSG_NOSIGNAL)");
  if (m == nullptr) return nullptr;
  if (BIO_meth_set_write(m, FdWrite) != 1 || BIO_meth_set_read(m, FdRead) != 1 ||
      BIO_meth_set_ctrl(m, FdCtrl) != 1 || BIO_meth_set_create(m, FdCreate) != 1 ||
      BIO_meth_set_destroy(m, FdDestroy) != 1) {
    BIO_meth_free(m);
    return nullptr;
  }
  return m;
}

}  // namespace

BIO* NewFdBio(FdIo* io) {
  // One method for the process: BIOs of sessions that outlive the SSL_CTX
  // (and the plugin state) still point at it. Intentionally never freed.
  static BIO_METHOD* const method = MakeMethod();
  if (method == nullptr) return nullptr;
  BIO* b = BIO_new(method);
  if (b == nullptr) return nullptr;
  BIO_set_data(b, io);
  BIO_set_init(b, 1);
  return b;
}

}  // namespace inclavare::ratstls::tls_openssl
