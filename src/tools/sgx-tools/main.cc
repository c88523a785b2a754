// sgx-tools: SGX quote and SIGSTRUCT utilities (cli.h has the command line).
#include "tools/sgx-tools/cli.h"

int main(int argc, char** argv) { return inclavare::sgx::tools::RunSgxTools(argc, argv); }
