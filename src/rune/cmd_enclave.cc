// attest: the enclave commands. rune execs rune-attest for them (the AESM
// protocol needs protobuf, which the static rune does not carry; nor does
// rune-runelet, the enclave containers' init, which stays small because it is
// copied for every enclave container).
#include <unistd.h>

#include "rune/cli.h"
#include "runtime/runelet_binary.h"

namespace inclavare::rune {

std::vector<Command> EnclaveCommands() {
  std::vector<Command> cmds;
  cmds.push_back(
      {"attest", "<container-id>",
       "quote the enclave of a running enclave container (REPORT from its PAL, quote from AESM)",
       {Value("quote-type", 0, "quote type: ecdsa (DCAP; the default); EPID is not supported"),
        Value("report-file", 0, "write the enclave's REPORT (432 bytes) to this file"),
        Value("quote-file", 0, "write the quote to this file (otherwise only its size is printed)"),
        Value("aesm-socket", 0, "AESM socket (default /var/run/aesmd/aesm.socket)")},
       1, 1, [](Context& c) -> Result<int> {
         IC_ASSIGN_OR_RETURN(std::string helper, runtime::HelperPath("rune-attest"));
         std::vector<std::string> args = {"rune-attest", "--root", c.global.root};
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
         ::execv(helper.c_str(), argv.data());
         return ErrnoError("exec " + helper);
       }});
  return cmds;
}

}  // namespace inclavare::rune
