// The channel to an enclave container's init-runelet: a SOCK_SEQPACKET unix
// socket, runelet.sock in the container's state directory, bound by `rune
// create` and served by the init-runelet (which holds the enclave runtime,
// the PAL). One JSON object per packet, with up to three fds (SCM_RIGHTS).
//
//   client (rune exec, rune attest)         init-runelet
//   {"op":"exec","args":[..],"env":[..],
//    "terminal":false} + fds stdin,stdout,stderr
//                          <-------------- {"op":"started","pid":N}  (PAL pid)
//   {"op":"kill","signal":S} ------------>  pal_kill(N, S)
//                          <-------------- {"op":"exited","status":E}
//   {"op":"report","targetinfo":"<hex>"} -> pal_get_local_report
//                          <-------------- {"op":"report","report":"<hex>"}
//   any failure            <-------------- {"op":"error","errno":E,"message":".."}
//
// A client that disconnects before "exited" gets its process killed
// (pal_kill SIGKILL), like a process whose `rune exec` died.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/unique_fd.h"

namespace inclavare::runtime {

inline constexpr char kRuneletSocket[] = "runelet.sock";
// Largest message: an exec with a big environment.
inline constexpr size_t kRuneletMaxMessage = 1 << 20;

struct RuneletMessage {
  nlohmann::json body;
  std::vector<UniqueFd> fds;
};

// Sends one message (at most 3 fds). MSG_NOSIGNAL: a gone peer is an error.
Result<> SendRuneletMessage(int sock, const nlohmann::json& body, const std::vector<int>& fds = {});
// Receives one message; EOF is Unavailable. A body that is not a JSON
// object with a string "op" is InvalidArgument. An "error" message is
// returned as a message (callers turn it into an Error with RuneletError).
Result<RuneletMessage> RecvRuneletMessage(int sock);

nlohmann::json RuneletErrorBody(const Error& e);
// The Error an "error" message carries.
Error RuneletError(const nlohmann::json& body);

// Connects to runelet.sock of a container (SOCK_SEQPACKET, close-on-exec).
Result<UniqueFd> ConnectRunelet(const std::string& socket_path);

}  // namespace inclavare::runtime
