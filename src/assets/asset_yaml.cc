#include "assets/asset_yaml.h"

#include <filesystem>

#include "runnel/error.h"
#include "spec/yaml_util.h"

namespace runnel::assets {

namespace fs = std::filesystem;
using nlohmann::json;
namespace yaml = internal::yaml;

namespace {

// A plain (unquoted) scalar as YAML 1.2's core schema types it.
json typed_scalar(const yaml::Node& n) {
  const std::string& s = n.Scalar();
  if (n.Tag() == "!") return s;  // quoted
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  switch (internal::infer_literal_type(n)) {
    case DataType::kInteger:
      try {
        return std::stoll(s);
      } catch (const std::exception&) {
        return s;
      }
    case DataType::kNumber:
      try {  // kept as text unless it reads back the same ("1.10" stays "1.10")
        json v = std::stod(s);
        return v.dump() == s ? v : json(s);
      } catch (const std::exception&) {
        return s;
      }
    default:
      return s;
  }
}

json to_json(const yaml::Node& n) {
  if (n.IsNull() || !n.IsDefined()) return nullptr;
  if (n.IsScalar()) return typed_scalar(n);
  if (n.IsSequence()) {
    json a = json::array();
    for (auto it = n.begin(); it != n.end(); ++it) a.push_back(to_json(*it));
    return a;
  }
  json o = json::object();
  for (auto it = n.begin(); it != n.end(); ++it) {
    auto item = *it;
    o[item.first.Scalar()] = to_json(item.second);
  }
  return o;
}

json parse_set_value(const std::string& assignment, const std::string& text) {
  internal::YamlDoc d{"--set " + assignment, "."};
  yaml::Node n = internal::parse_yaml(d, text);
  return to_json(n);
}

void apply_set(json& doc, const std::string& assignment) {
  size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw invalid_argument("--set " + assignment +
                           ": expected KEY=VALUE (e.g. --set version=2 or "
                           "--set tags.team=vision)");
  std::string key = assignment.substr(0, eq);
  json* at = &doc;
  size_t b = 0;
  while (true) {
    size_t dot = key.find('.', b);
    std::string part = key.substr(b, dot == std::string::npos ? std::string::npos : dot - b);
    if (part.empty())
      throw invalid_argument("--set " + assignment + ": empty key segment in '" + key + "'");
    if (at->is_null()) *at = json::object();
    if (!at->is_object())
      throw invalid_argument("--set " + assignment + ": '" + key.substr(0, b ? b - 1 : 0) +
                             "' is not a mapping, so it has no key '" + part + "'");
    at = &(*at)[part];
    if (dot == std::string::npos) break;
    b = dot + 1;
  }
  *at = parse_set_value(assignment, assignment.substr(eq + 1));
}

}  // namespace

AssetYaml read_asset_yaml(const std::string& path, const Overrides& o) {
  std::error_code ec;
  if (!fs::exists(path, ec))
    throw invalid_argument(path +
                           ": cannot read the file (no such file); check the path given to --file");
  AssetYaml f;
  f.path = path;
  f.base_dir = fs::absolute(path).lexically_normal().parent_path().string();
  internal::YamlDoc d{path, f.base_dir};
  yaml::Node root = internal::parse_yaml(d, internal::read_yaml_file(path, path));
  if (!root.IsMap())
    throw invalid_argument(path + ": expected a mapping (name:, version:, type:, ...)");
  internal::entries(d, root, "");  // duplicate and non-scalar keys, with file:line
  f.doc = to_json(root);
  for (const auto& s : o.sets) apply_set(f.doc, s);
  if (!o.name.empty()) f.doc["name"] = o.name;
  if (!o.version.empty()) f.doc["version"] = o.version;
  f.overridden = !o.sets.empty() || !o.name.empty() || !o.version.empty();
  if (f.doc.contains("version") && f.doc["version"].is_number())
    f.doc["version"] = string_at(f.doc, "version");
  return f;
}

std::string string_at(const json& doc, const std::string& key) {
  if (!doc.is_object() || !doc.contains(key) || doc[key].is_null()) return "";
  const json& v = doc[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return v.dump();
}

void check_asset_keys(const AssetYaml& f, const std::vector<std::string>& allowed,
                      const std::string& what) {
  for (const auto& [k, _] : f.doc.items()) {
    bool ok = false;
    for (const auto& a : allowed) ok = ok || a == k;
    if (!ok) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      throw invalid_argument(f.path + ": unknown key '" + k + "' in " + what +
                             internal::did_you_mean(k, allowed) + "; the keys are: " + list);
    }
  }
}

}  // namespace runnel::assets
