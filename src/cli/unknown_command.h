// cli/unknown_command.h: what to say when a command line names a subcommand that does not
// exist (`runnel rnu`, `runnel dataset lsit`): CLI11 alone reports only "A subcommand is
// required" or "arguments were not expected". Pure functions; any thread.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

namespace runnel::cli {

// The edit distance of `a` and `b` where swapping two neighbouring letters counts as one
// edit (optimal string alignment).
size_t edit_distance(const std::string& a, const std::string& b);

// The names among `candidates` close to `word` (a typo of it, or `word` is a prefix of
// them), closest first, at most three.
std::vector<std::string> close_names(const std::string& word,
                                     const std::vector<std::string>& candidates);

// Walks `args` (argv without the program name) through `app`'s subcommands. When a word
// stands where `app` or one of its subcommands expects a subcommand and names none, returns
// the message for it, e.g.
//   unknown command 'lsit' for 'runnel dataset'; did you mean `list`?
//   run `runnel dataset --help` for its commands
// (two lines, for print_error). When the words end at a group that needs a command
// (`runnel dataset`), says so, listing its commands; with no words at all, that runnel
// needs a command. nullopt when none of these applies.
std::optional<std::string> unknown_command_message(const CLI::App& app,
                                                   const std::vector<std::string>& args);

}  // namespace runnel::cli
