// spec/command_template.h: the placeholders of a step's command.
//
// A command is text with ${{inputs.NAME}} and ${{outputs.NAME}} placeholders (spaces
// inside the braces are allowed) and $[[ ... ]] optional blocks: a block is kept
// (without its brackets) only when every input it references has a value.
// The same template is rendered twice: with real paths to run the step, and with
// content digests to fingerprint it.
// Pure functions; thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace runnel {

struct Placeholder {
  // kParameter: ${{parameters.NAME}}, a pipeline parameter's value; spec/parameters.h
  // replaces them before a run starts, so render_command never sees one.
  enum class Kind { kInput, kOutput, kParameter };
  Kind kind;
  std::string name;
  size_t offset = 0;  // byte offset of "${{" in the template
  size_t length = 0;  // bytes up to and including the closing "}}"
  bool in_optional_block = false;
};

// Returns every placeholder of `tmpl`. Throws Error(kInvalidArgument) on a malformed
// placeholder ("${{inputs.}}", an unknown namespace such as ${{foo.x}}, an unclosed
// "${{" or "$[["), naming the offending text; `where` prefixes the message
// (e.g. "pipeline.yml:12:5: jobs.train.command").
std::vector<Placeholder> parse_placeholders(const std::string& tmpl, const std::string& where);

// Renders `tmpl`: `lookup` returns the text for a placeholder, or nullopt when an
// (optional) input is unset. An optional block whose lookups include a nullopt is
// dropped. A nullopt outside an optional block throws Error(kInvalidArgument).
std::string render_command(
    const std::string& tmpl, const std::string& where,
    const std::function<std::optional<std::string>(const Placeholder&)>& lookup);

// Quotes `s` for /bin/sh when it holds anything but [A-Za-z0-9_./:=@%+,-].
std::string shell_quote(const std::string& s);

}  // namespace runnel
