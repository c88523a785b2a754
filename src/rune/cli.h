// rune's command-line front end: each cmd_<verb>.cc registers one CLI11
// subcommand whose callback parses nothing more than flags and calls the
// runtime library. Errors come back as Result and are printed once, in main.
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "common/error.h"
#include "runtime/container.h"

namespace inclavare::rune {

struct Context {
  runtime::GlobalOptions global;
  // Flag storage for the subcommands (only one runs per invocation).
  runtime::CreateOptions create;
  std::string id;
  std::string signal = "SIGTERM";
  std::string format = "table";
  std::string bundle;
  bool detach = false, force = false, all = false, quiet = false, rootless = false;
  // Set by the chosen subcommand's callback; main runs it after parsing.
  std::function<Result<int>()> action;
  std::string command;  // for error messages: "rune: <command>: ..."
};

void RegisterCreate(CLI::App& app, Context& ctx);
void RegisterStart(CLI::App& app, Context& ctx);
void RegisterRun(CLI::App& app, Context& ctx);
void RegisterState(CLI::App& app, Context& ctx);
void RegisterKill(CLI::App& app, Context& ctx);
void RegisterDelete(CLI::App& app, Context& ctx);
void RegisterList(CLI::App& app, Context& ctx);
void RegisterSpec(CLI::App& app, Context& ctx);
void RegisterFeatures(CLI::App& app, Context& ctx);

// Shared by create and run.
void AddCreateFlags(CLI::App* cmd, runtime::CreateOptions* o);

}  // namespace inclavare::rune
