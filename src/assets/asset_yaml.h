// assets/asset_yaml.h: reading an asset's v2 YAML file (component, data, environment,
// compute) as JSON, with the `az ml <asset> create --file F --set key=value --name N
// --version V` overrides applied.
// Pure functions apart from reading the file; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace runnel::assets {

// What `--set`, `--name` and `--version` ask to change in the file.
struct Overrides {
  std::vector<std::string> sets;  // "key=value", "a.b.c=value" (dotted paths into mappings)
  std::string name;               // "" = the file's
  std::string version;            // "" = the file's
};

struct AssetYaml {
  std::string path;         // the file as given
  std::string base_dir;     // its absolute folder (relative paths in it resolve against it)
  nlohmann::json doc;       // the mapping, scalars typed as YAML reads them
  bool overridden = false;  // some override changed the document
};

// Reads `path` (bounded and checked as pipeline files are: file:line:col errors), converts
// it to JSON and applies `o`. `name`/`version` are written as strings. A --set value is read
// as a YAML value: 3 -> number, true -> boolean, "3" -> string, [a, b] -> list.
// Throws invalid_argument: "<file>: ..." for a bad file, "--set X: ..." for a bad override.
AssetYaml read_asset_yaml(const std::string& path, const Overrides& o);

// The value at `key` as a string ("" when absent or null); numbers as written (1 -> "1").
std::string string_at(const nlohmann::json& doc, const std::string& key);

// Throws invalid_argument "<file>: unknown key 'k' (did you mean ...); <hint>" for a key
// of `doc` not in `allowed`.
void check_asset_keys(const AssetYaml& f, const std::vector<std::string>& allowed,
                      const std::string& what);

}  // namespace runnel::assets
