// A BIO over a connected fd that never raises SIGPIPE.
//
// OpenSSL's socket BIO writes with write(2): when the peer has gone, the
// kernel sends SIGPIPE, whose default action kills the process - an
// application linking Rats-TLS would die on a peer's reset unless it
// ignores SIGPIPE itself. This BIO sends with send(MSG_NOSIGNAL) instead, so
// a vanished peer is an EPIPE error. For an fd that is not a socket (first
// send() fails with ENOTSOCK) it falls back to write(2); there SIGPIPE
// remains the application's business.
//
// EINTR is retried; EAGAIN (a non-blocking fd) sets the BIO's retry flags,
// so OpenSSL reports SSL_ERROR_WANT_READ/WRITE and the caller polls.
#pragma once

#include <openssl/bio.h>

namespace inclavare::ratstls::tls_openssl {

struct FdIo {
  int fd = -1;
  bool is_socket = true;  // cleared at the first ENOTSOCK
  bool eof = false;       // read() returned 0
  int last_errno = 0;     // errno of the last failed read/write (0: none)
};

// A BIO reading and writing io->fd; io must outlive it. The BIO never closes
// the fd. NULL on allocation failure.
BIO* NewFdBio(FdIo* io);

}  // namespace inclavare::ratstls::tls_openssl
