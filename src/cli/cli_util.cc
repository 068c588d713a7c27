// cli/cli_util.cc: what the subcommands share (cli.h): the exit code of each error kind
// and the checks of flag values and names.
#include <cctype>
#include <string_view>

#include "cli/assignments.h"
#include "cli/cli.h"

namespace runnel::cli {

int exit_code_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kNotFound:
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kIo:          // a path, a permission, a full disk: the user's to fix
    case ErrorCode::kCorruption:  // files changed under a registered dataset, a broken config
      return kExitUsage;
    case ErrorCode::kCancelled:
    case ErrorCode::kRunFailed:
      return kExitRunFailed;
    case ErrorCode::kUnavailable:
      return kExitUnavailable;
    case ErrorCode::kInternal:
      return kExitInternal;
  }
  return kExitInternal;
}

void check_at_least(int64_t value, int64_t min, const std::string& flag, const std::string& what) {
  if (value < min)
    throw invalid_argument(flag + " " + std::to_string(value) + ": must be at least " +
                           std::to_string(min) + " (" + what + ")");
}

void check_name(const std::string& name, const std::string& kind) {
  auto ok_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  };
  bool ok = !name.empty() && name.size() <= 64 && std::isalnum(static_cast<unsigned char>(name[0]));
  for (char c : name) ok = ok && ok_char(c);
  if (!ok)
    throw invalid_argument(kind + " name '" + name +
                           "': use 1 to 64 letters, digits, '-', '_' or '.', starting " +
                           "with a letter or digit (no '/' or spaces)");
}

std::map<std::string, std::string> parse_assignments(const std::vector<std::string>& items,
                                                     const std::string& flag) {
  std::map<std::string, std::string> out;
  for (const auto& item : items) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw invalid_argument(flag + " " + item + ": expected NAME=VALUE");
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

std::map<std::string, std::string> parse_parameter_sets(const std::vector<std::string>& items) {
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : parse_assignments(items, "--set")) {
    std::string name = key;
    // az ml job create --set: inputs.NAME=VALUE, inputs.NAME.path=PATH (a data input's path),
    // inputs.NAME.value=VALUE.
    if (name.rfind("inputs.", 0) == 0) {
      name.erase(0, 7);
      for (std::string_view suffix : {".path", ".value"})
        if (name.size() > suffix.size() &&
            name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
          name.resize(name.size() - suffix.size());
    }
    out[name] = value;
  }
  return out;
}

}  // namespace runnel::cli
