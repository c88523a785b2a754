// The sgx-tools command line: every subcommand and flag (CLI11), and the
// dispatch to the commands of commands.h, platform_commands.h and
// verify_quote.h. main.cc only calls RunSgxTools; tests pass an inspector to
// look at the very CLI11 app users get (e.g. that --help documents every
// subcommand).
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace inclavare::sgx::tools {

// Called with the fully built app instead of parsing argv.
using AppInspector = std::function<void(CLI::App&)>;

// Builds the app, parses argv and runs the chosen command; the process exit
// status. With `inspect`, builds the app, calls inspect(app) and returns 0.
int RunSgxTools(int argc, char** argv, const AppInspector& inspect = {});

}  // namespace inclavare::sgx::tools
