// attest: the enclave commands. rune execs rune-runelet for them (the AESM
// protocol needs protobuf, which the static rune does not carry).
#include <unistd.h>

#include "rune/cli.h"
#include "runtime/runelet_binary.h"

namespace inclavare::rune {

std::vector<Command> EnclaveCommands() {
  std::vector<Command> cmds;
  cmds.push_back(
      {"attest", "<container-id>",
       "quote the enclave of a running enclave container (REPORT from its PAL, quote from AESM)",
       {Value("quote-type", 0, "quote type: ecdsa (DCAP; the default)"),
        Value("report-file", 0, "write the enclave's REPORT (432 bytes) to this file"),
        Value("quote-file", 0, "write the quote to this file"),
        Value("aesm-socket", 0, "AESM socket (default /var/run/aesmd/aesm.socket)")},
       1, 1, [](Context& c) -> Result<int> {
         IC_ASSIGN_OR_RETURN(std::string runelet, runtime::RuneletPath());
         std::vector<std::string> args = {"rune-runelet", "attest", "--root", c.global.root};
         for (const char* flag : {"quote-type", "report-file", "quote-file", "aesm-socket"}) {
           if (auto it = c.values.find(flag); it != c.values.end()) {
             args.push_back(std::string("--") + flag);
             args.push_back(it->second);
           }
         }
         args.push_back("--");
         args.push_back(c.args[0]);
         std::vector<char*> argv;
         for (auto& a : args) argv.push_back(a.data());
         argv.push_back(nullptr);
         ::execv(runelet.c_str(), argv.data());
         return ErrnoError("exec " + runelet);
       }});
  return cmds;
}

}  // namespace inclavare::rune
