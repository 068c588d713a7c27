// cli/assignments.h: NAME=VALUE flags (--set) as a map. Single-threaded.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace runnel::cli {

// --set NAME=VALUE of a pipeline parameter; also az ml's inputs.NAME=VALUE and
// inputs.NAME.path=PATH / inputs.NAME.value=VALUE.
std::map<std::string, std::string> parse_parameter_sets(const std::vector<std::string>& items);

// NAME=VALUE items (of `flag`, e.g. --set) as a map. Throws Error(kInvalidArgument) naming
// the item when it has no '=' or no name.
std::map<std::string, std::string> parse_assignments(const std::vector<std::string>& items,
                                                     const std::string& flag);

}  // namespace runnel::cli
