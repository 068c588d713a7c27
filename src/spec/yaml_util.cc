#include "spec/yaml_util.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <regex>
#include <set>

#include "runnel/error.h"

namespace runnel::internal {

SourceLocation loc_of(const YamlDoc& doc, const YAML::Node& node) {
  SourceLocation loc;
  loc.file = doc.file;
  if (node.IsDefined() && !node.Mark().is_null()) {
    loc.line = node.Mark().line + 1;
    loc.column = node.Mark().column + 1;
  }
  return loc;
}

void fail_at(const SourceLocation& loc, const std::string& path, const std::string& what,
             const std::string& hint) {
  std::string msg = loc.to_string() + ": ";
  if (!path.empty()) msg += path + ": ";
  msg += what;
  if (!hint.empty()) msg += "; " + hint;
  throw invalid_argument(msg);
}

void fail(const YamlDoc& doc, const YAML::Node& node, const std::string& path,
          const std::string& what, const std::string& hint) {
  fail_at(loc_of(doc, node), path, what, hint);
}

namespace {

// yaml-cpp keeps both entries of a duplicated key and lookups see only the first; report
// duplicates anywhere in the document, also under keys the loader accepts and ignores.
void check_duplicates(const YamlDoc& doc, const YAML::Node& node, const std::string& path,
                      int depth) {
  if (depth > 64) return;  // deeper than any pipeline; guards alias loops
  if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      check_duplicates(doc, node[i], path + "[" + std::to_string(i) + "]", depth + 1);
    }
    return;
  }
  if (!node.IsMap()) return;
  std::map<std::string, YAML::Node> seen;
  for (const auto& kv : node) {
    YAML::Node k = kv.first;
    YAML::Node v = kv.second;
    if (!k.IsScalar()) continue;
    const std::string& name = k.Scalar();
    std::string sub = path.empty() ? name : path + "." + name;
    if (name != "<<") {
      auto [it, fresh] = seen.emplace(name, k);
      if (!fresh) {
        fail(doc, k, sub,
             "duplicate key '" + name + "' (first defined at " +
                 loc_of(doc, it->second).to_string() + ")",
             "keep only one of them");
      }
    }
    check_duplicates(doc, v, sub, depth + 1);
  }
}

}  // namespace

YAML::Node parse_yaml(const YamlDoc& doc, const std::string& text) {
  try {
    YAML::Node root = YAML::Load(text);
    check_duplicates(doc, root, "", 0);
    return root;
  } catch (const YAML::ParserException& e) {
    SourceLocation loc{doc.file, e.mark.line + 1, e.mark.column + 1};
    if (e.mark.is_null()) loc.line = loc.column = 0;
    fail_at(loc, "YAML syntax", e.msg,
            "fix the YAML at that line (check indentation, colons and quoting)");
  }
}

namespace {

const char* node_kind(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return "a single value";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    default:
      return "nothing";
  }
}

void collect(const YamlDoc& doc, const YAML::Node& node, const std::string& path,
             const std::string& what, std::vector<Entry>* out, std::set<std::string>* seen,
             bool merged) {
  if (!node.IsMap()) {
    fail(doc, node, path, std::string("expected ") + what + ", found " + node_kind(node),
         "write it as 'key: value' lines indented under " + (path.empty() ? "the top" : path));
  }
  std::vector<YAML::Node> merges;
  for (const auto& kv : node) {
    YAML::Node k = kv.first;
    YAML::Node v = kv.second;
    if (!k.IsScalar()) {
      fail(doc, k, path, "a key must be a plain name, found " + std::string(node_kind(k)),
           "write keys as simple words");
    }
    std::string name = k.Scalar();
    if (name == "<<" && k.Tag() != "!") {
      merges.push_back(v);
      continue;
    }
    if (!seen->insert(name).second) {
      if (merged) continue;  // an explicit key overrides a merged one
      std::string first;
      for (const auto& e : *out)
        if (e.name == name) first = loc_of(doc, e.key).to_string();
      fail(doc, k, path.empty() ? name : path + "." + name,
           "duplicate key '" + name + "' (first defined at " + first + ")",
           "keep only one of them");
    }
    out->push_back(Entry{name, k, v});
  }
  for (const auto& m : merges) {
    if (m.IsSequence()) {
      for (const auto& item : m) collect(doc, item, path, what, out, seen, true);
    } else {
      collect(doc, m, path, what, out, seen, true);
    }
  }
}

size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (std::tolower(a[i - 1]) == std::tolower(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

}  // namespace

std::vector<Entry> entries(const YamlDoc& doc, const YAML::Node& node, const std::string& path,
                           const std::string& what) {
  std::vector<Entry> out;
  std::set<std::string> seen;
  collect(doc, node, path, what, &out, &seen, false);
  return out;
}

std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = std::max<size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    size_t d = edit_distance(word, c);
    bool prefix =
        std::min(word.size(), c.size()) >= 4 && (c.rfind(word, 0) == 0 || word.rfind(c, 0) == 0);
    if (prefix) d = std::min<size_t>(d, 1);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  std::string c = closest(word, candidates);
  return c.empty() ? "" : " (did you mean '" + c + "'?)";
}

void check_keys(const YamlDoc& doc, const std::vector<Entry>& es, const std::string& path,
                std::initializer_list<const char*> allowed) {
  std::vector<std::string> names(allowed.begin(), allowed.end());
  for (const auto& e : es) {
    if (std::find(names.begin(), names.end(), e.name) != names.end()) continue;
    std::string c = closest(e.name, names);
    std::string hint = c.empty() ? "" : "did you mean '" + c + "'? ";
    std::string list;
    for (const auto& n : names) {
      if (n[0] == '$') continue;
      list += (list.empty() ? "" : ", ") + n;
    }
    fail(doc, e.key, path.empty() ? e.name : path + "." + e.name, "unknown key '" + e.name + "'",
         hint + "valid keys here are: " + list);
  }
}

const Entry* find_entry(const std::vector<Entry>& es, const std::string& name) {
  for (const auto& e : es)
    if (e.name == name) return &e;
  return nullptr;
}

std::string as_string(const YamlDoc& doc, const Entry& e, const std::string& path) {
  if (!e.value.IsScalar()) {
    fail(doc, e.value.IsNull() ? e.key : e.value, path,
         std::string("expected a single value (text), found ") + node_kind(e.value),
         "write it as '" + e.name + ": VALUE'");
  }
  return e.value.Scalar();
}

bool as_bool(const YamlDoc& doc, const Entry& e, const std::string& path) {
  std::string s = e.value.IsScalar() ? e.value.Scalar() : "";
  std::string l = s;
  for (auto& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (l == "true" || l == "yes" || l == "on") return true;
  if (l == "false" || l == "no" || l == "off") return false;
  fail(doc, e.value.IsNull() ? e.key : e.value, path,
       "expected true or false, found " +
           (e.value.IsScalar() ? "'" + s + "'" : std::string(node_kind(e.value))),
       "write '" + e.name + ": true' or '" + e.name + ": false'");
}

int64_t as_int(const YamlDoc& doc, const Entry& e, const std::string& path, int64_t min_value) {
  std::string s = e.value.IsScalar() ? e.value.Scalar() : "";
  static const std::regex kInt(R"([+-]?[0-9]+)");
  if (!e.value.IsScalar() || !std::regex_match(s, kInt) || s.size() > 18 ||
      std::stoll(s) < min_value) {
    fail(doc, e.value.IsNull() ? e.key : e.value, path,
         "expected a whole number >= " + std::to_string(min_value) + ", found " +
             (e.value.IsScalar() ? "'" + s + "'" : std::string(node_kind(e.value))),
         "write it as '" + e.name + ": " + std::to_string(std::max<int64_t>(min_value, 1)) + "'");
  }
  return std::stoll(s);
}

std::map<std::string, std::string> as_string_map(const YamlDoc& doc, const Entry& e,
                                                 const std::string& path) {
  std::map<std::string, std::string> out;
  if (e.value.IsNull()) return out;
  for (const auto& kv : entries(doc, e.value, path, "a mapping of names to values")) {
    if (kv.value.IsNull()) {
      out[kv.name] = "";
    } else {
      out[kv.name] = as_string(doc, kv, path + "." + kv.name);
    }
  }
  return out;
}

std::vector<std::string> as_string_list(const YamlDoc& doc, const Entry& e,
                                        const std::string& path) {
  std::vector<std::string> out;
  if (e.value.IsScalar()) return {e.value.Scalar()};
  if (!e.value.IsSequence()) {
    fail(doc, e.value.IsNull() ? e.key : e.value, path,
         std::string("expected a list of names, found ") + node_kind(e.value),
         "write it as '" + e.name + ": [a, b]'");
  }
  for (const auto& item : e.value) {
    if (!item.IsScalar()) {
      fail(doc, item, path, std::string("expected a name, found ") + node_kind(item),
           "list plain names, as in '" + e.name + ": [a, b]'");
    }
    out.push_back(item.Scalar());
  }
  return out;
}

DataType infer_literal_type(const YAML::Node& scalar) {
  if (scalar.Tag() == "!") return DataType::kString;  // quoted
  const std::string& s = scalar.Scalar();
  static const std::regex kBool("true|True|TRUE|false|False|FALSE");
  static const std::regex kInt(R"([-+]?[0-9]+)");
  static const std::regex kNum(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (std::regex_match(s, kBool)) return DataType::kBoolean;
  if (std::regex_match(s, kInt)) return DataType::kInteger;
  if (std::regex_match(s, kNum)) return DataType::kNumber;
  return DataType::kString;
}

std::optional<DataType> parse_yaml_type(const std::string& s) {
  if (s == "mlflow_model" || s == "custom_model" || s == "triton_model")
    return DataType::kUriFolder;
  return parse_data_type(s);
}

std::string literal_mismatch(DataType type, const std::string& text) {
  static const std::regex kInt(R"([-+]?[0-9]+)");
  static const std::regex kNum(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  static const std::regex kBool("true|True|TRUE|false|False|FALSE");
  switch (type) {
    case DataType::kInteger:
      return std::regex_match(text, kInt) ? "" : "give a whole number such as 10";
    case DataType::kNumber:
      return std::regex_match(text, kNum) ? "" : "give a number such as 0.5";
    case DataType::kBoolean:
      return std::regex_match(text, kBool) ? "" : "give true or false";
    default:
      return "";
  }
}

std::string join(const std::string& a, const std::string& b) { return a.empty() ? b : a + "." + b; }

std::string name_list(const std::vector<std::string>& names) {
  if (names.empty()) return "(none)";
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace runnel::internal
