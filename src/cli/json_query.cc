// az's --query (a JMESPath subset) and -o tsv (cli/json_query.h).
#include "cli/json_query.h"

#include <cctype>
#include <vector>

#include "runnel/error.h"

using nlohmann::json;

namespace runnel::cli {

namespace {

// One step of a path: a field, an index, or a projection over a list.
struct Step {
  enum class Kind { kField, kIndex, kProject } kind;
  std::string field;
  long index = 0;
};

[[noreturn]] void refuse(const std::string& expr, size_t at, const std::string& why) {
  throw invalid_argument("--query '" + expr + "': " + why + " at character " +
                         std::to_string(at + 1) +
                         "; runnel takes JMESPath field paths (status, services.Studio.endpoint, "
                         "[0].name, [].status); for more, print JSON and use jq");
}

std::vector<Step> parse_path(const std::string& e) {
  std::vector<Step> steps;
  size_t i = 0;
  bool need_field = true;  // at the start or after '.'
  while (i < e.size()) {
    char c = e[i];
    if (c == '[') {
      size_t close = e.find(']', i);
      if (close == std::string::npos) refuse(e, i, "'[' without ']'");
      std::string in = e.substr(i + 1, close - i - 1);
      if (in.empty() || in == "*") {
        steps.push_back({Step::Kind::kProject, "", 0});
      } else {
        size_t k = in[0] == '-' ? 1 : 0;
        if (k == in.size() || in.find_first_not_of("0123456789", k) != std::string::npos)
          refuse(e, i, "'[" + in + "]' is not an index");
        steps.push_back({Step::Kind::kIndex, "", std::stol(in)});
      }
      i = close + 1;
      need_field = false;
    } else if (c == '.') {
      if (need_field) refuse(e, i, "a field name is missing before '.'");
      need_field = true;
      ++i;
    } else if (c == '"') {
      size_t close = e.find('"', i + 1);
      if (close == std::string::npos) refuse(e, i, "an unclosed quote");
      steps.push_back({Step::Kind::kField, e.substr(i + 1, close - i - 1), 0});
      i = close + 1;
      need_field = false;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      if (!need_field) refuse(e, i, "'.' is missing before a field name");
      size_t j = i;
      while (j < e.size() && (std::isalnum(static_cast<unsigned char>(e[j])) || e[j] == '_')) ++j;
      steps.push_back({Step::Kind::kField, e.substr(i, j - i), 0});
      i = j;
      need_field = false;
    } else {
      refuse(e, i, std::string("'") + c + "' is not taken");
    }
  }
  if (steps.empty() || need_field) refuse(e, e.size() ? e.size() - 1 : 0, "the path ends early");
  return steps;
}

json apply(const json& v, const std::vector<Step>& steps, size_t from) {
  for (size_t k = from; k < steps.size(); ++k) {
    const Step& s = steps[k];
    if (s.kind == Step::Kind::kField) {
      if (!v.is_object() || !v.contains(s.field)) return nullptr;
      return apply(v[s.field], steps, k + 1);
    }
    if (!v.is_array()) return nullptr;
    if (s.kind == Step::Kind::kIndex) {
      long n = static_cast<long>(v.size());
      long i = s.index < 0 ? n + s.index : s.index;
      if (i < 0 || i >= n) return nullptr;
      return apply(v[static_cast<size_t>(i)], steps, k + 1);
    }
    json out = json::array();  // a projection leaves out nulls, as JMESPath does
    for (const auto& e : v) {
      json r = apply(e, steps, k + 1);
      if (!r.is_null()) out.push_back(std::move(r));
    }
    return out;
  }
  return v;
}

std::string scalar_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_null()) return "";
  return v.dump();
}

std::string line_of(const json& v) {
  if (!v.is_object()) return v.is_array() ? "" : scalar_text(v);
  std::string s;
  bool first = true;
  for (const auto& [k, x] : v.items()) {
    if (x.is_object() || x.is_array()) continue;  // az's tsv leaves nested values out
    s += (first ? "" : "\t") + scalar_text(x);
    first = false;
  }
  return s;
}

}  // namespace

json query_json(const json& doc, const std::string& expression) {
  return apply(doc, parse_path(expression), 0);
}

std::string tsv_text(const json& value) {
  if (value.is_null()) return "";
  std::string out;
  if (value.is_array()) {
    for (const auto& e : value) out += line_of(e) + "\n";
    return out;
  }
  return line_of(value) + "\n";
}

}  // namespace runnel::cli
