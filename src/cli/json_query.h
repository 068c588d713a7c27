// cli/json_query.h: az's `--query` and `-o tsv` for the `runnel job` verbs.
//
// `--query` takes the JMESPath expressions scripts written for az ml use: field paths
// (`status`, `services.Studio.endpoint`, `"quoted name"`), indexes (`[0]`, `[-1]`) and
// list projections (`[].name`, `[*].status`). Other JMESPath (filters, pipes, functions,
// multiselect) is refused, naming the expression and what is taken. A missing field is null,
// as in JMESPath.
//
// `-o tsv` prints as az does: a string as it is, a number, true/false as True/False, null as
// nothing; an object's scalar values on one line separated by tabs, in key order (runnel's JSON
// keeps its keys sorted); a list one line per
// element.
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace runnel::cli {

// Throws Error(kInvalidArgument) for an expression outside the subset above.
nlohmann::json query_json(const nlohmann::json& doc, const std::string& expression);

// The text az's `-o tsv` prints for `value` (with a final newline unless it is empty).
std::string tsv_text(const nlohmann::json& value);

}  // namespace runnel::cli
