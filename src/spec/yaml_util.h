// spec/yaml_util.h: checked access to YAML nodes (spec/yaml_node.h) for the pipeline loader.
//
// Every helper that finds a problem throws runnel::invalid_argument with the message
// "<file>:<line>:<col>: <key path>: <what is wrong>; <what to do>". The tree keeps
// duplicate keys of a mapping, so `entries()` reports them; it also expands `<<` merge
// keys, which the tree leaves as ordinary keys.
// Internal to the spec subsystem. Pure functions over immutable nodes; thread-safe.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "spec/pipeline_spec.h"
#include "spec/yaml_node.h"

namespace runnel::internal {

// One YAML file being read: the name shown in messages and the folder that relative
// paths in it are resolved against.
// What one load reports besides errors (shared by the pipeline file and its components):
// warnings for keys Azure ML itself only warns about, notes for keys accepted but not
// honoured here. `strict` (`runnel run --strict`) turns warnings into errors.
struct LoadReport {
  bool strict = false;
  std::vector<std::string> messages;  // "warning: <loc>: <key>: ..." / "note: <loc>: <key>: ..."
  std::set<std::string> noted;        // note kinds already given (one line per kind)
};

struct YamlDoc {
  std::string file;              // as shown in messages (the path as the user gave it)
  std::string base_dir;          // absolute folder of the file
  LoadReport* report = nullptr;  // null: warnings are dropped, notes too
};

// The location of `node` (1-based); the file alone when the node has no mark.
SourceLocation loc_of(const YamlDoc& doc, const yaml::Node& node);

// Throws invalid_argument "<loc>: <path>: <what>; <hint>".
[[noreturn]] void fail_at(const SourceLocation& loc, const std::string& path,
                          const std::string& what, const std::string& hint);
[[noreturn]] void fail(const YamlDoc& doc, const yaml::Node& node, const std::string& path,
                       const std::string& what, const std::string& hint);

// Bounds on what a YAML file may ask of the loader (see the spec README).
// Nesting deeper than this (counting through aliases) is refused.
constexpr int kMaxYamlDepth = 200;
// Aliases (*name) may add at most this many nodes to the document they are in: a 1 KB
// alias bomb would otherwise expand to billions.
constexpr uint64_t kMaxAliasNodes = 1'000'000;
// Pipeline and component files larger than this are refused, unless the environment
// variable RUNNEL_MAX_YAML_MB raises (or lowers) the limit.
constexpr size_t kDefaultMaxYamlMb = 64;
size_t max_yaml_bytes();

// Reads the YAML file at `path` (`shown` names it in messages) without blocking: throws
// invalid_argument "<shown>: <what>; <what to do>" when it is not a regular file (a FIFO,
// a device such as /dev/zero, a folder), when it is larger than max_yaml_bytes(), or
// when it cannot be read.
std::string read_yaml_file(const std::string& path, const std::string& shown);

// Checks and parses `text`. Throws invalid_argument with file:line:col on a byte that is
// not valid UTF-8 ("YAML text: byte 0xE9 is not valid UTF-8"), on a syntax error ("YAML
// syntax: ..."), on a duplicate key anywhere, on nesting deeper than kMaxYamlDepth and on
// aliases adding more than kMaxAliasNodes nodes.
yaml::Node parse_yaml(const YamlDoc& doc, const std::string& text);

// A key of a mapping with its value; `key` carries the key's location.
struct Entry {
  std::string name;
  yaml::Node key;
  yaml::Node value;
};

// The entries of mapping `node` in order. Throws when `node` is not a mapping
// (`what` names what was expected, e.g. "a mapping of job names to jobs"), on a
// non-scalar key and on a duplicate key.
std::vector<Entry> entries(const YamlDoc& doc, const yaml::Node& node, const std::string& path,
                           const std::string& what = "a mapping");

// Throws on the first entry whose name is not in `allowed`, suggesting the closest.
void check_keys(const YamlDoc& doc, const std::vector<Entry>& es, const std::string& path,
                std::initializer_list<const char*> allowed);

// Like check_keys, for the places where Azure ML accepts an unknown key with a warning
// (`settings:`): a warning with a did-you-mean, or with doc.report->strict the error.
void warn_unknown_keys(const YamlDoc& doc, const std::vector<Entry>& es, const std::string& path,
                       std::initializer_list<const char*> allowed);

// A note that the key `e` (at `path`) is accepted but has no effect in runnel: `what` says
// what is not done. Given once per `kind` in a load, naming the first place.
void note_not_honoured(const YamlDoc& doc, const Entry& e, const std::string& path,
                       const std::string& kind, const std::string& what);

// True when `e`'s value is a mapping that writes `key` (an output's `mode:`, ...).
bool has_key(const YamlDoc& doc, const Entry& e, const std::string& key);

// Throws at the first of `given` (entries under `path`) that names none of `declared`:
// "<owner> has no <what> 'x' (did you mean ...?); its <what>s are: ...".
void check_declared(const YamlDoc& doc, const std::vector<Entry>& given, const std::string& path,
                    const std::vector<std::string>& declared, const std::string& owner,
                    const std::string& what);

// Returns the entry named `name`, or nullptr. The pointer points into `es`, so `es` must
// outlive it: a temporary is refused at compile time (`find_entry(entries(...), k)` left a
// dangling pointer that the YAML fuzzer found as a heap-use-after-free).
const Entry* find_entry(const std::vector<Entry>& es, const std::string& name);
const Entry* find_entry(std::vector<Entry>&& es, const std::string& name) = delete;

// The closest of `candidates` to `word` by edit distance, "" when none is close.
std::string closest(const std::string& word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "" when nothing is close.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

// Typed readers of a scalar value; they throw naming `path` and the expected type.
std::string as_string(const YamlDoc& doc, const Entry& e, const std::string& path);
bool as_bool(const YamlDoc& doc, const Entry& e, const std::string& path);
int64_t as_int(const YamlDoc& doc, const Entry& e, const std::string& path, int64_t min_value);
std::map<std::string, std::string> as_string_map(const YamlDoc& doc, const Entry& e,
                                                 const std::string& path);
std::vector<std::string> as_string_list(const YamlDoc& doc, const Entry& e,
                                        const std::string& path);

// A literal scalar as typed YAML sees it: quoted -> string; plain true/false -> boolean;
// plain integer -> integer; plain float -> number; else string.
DataType infer_literal_type(const yaml::Node& scalar);
// The text of literal scalar `scalar` as Azure ML hands it to the job: the az ml CLI reads
// the YAML with PyYAML (YAML 1.1) and sends str(value), so a plain (unquoted, untagged)
// boolean such as `true`, `yes` or `OFF` is "True" / "False" in ${{inputs.x}}, and a plain
// number PyYAML reads is Python's text of it (`1.50` -> 1.5, `007` -> 7; spec/pyyaml_scalar.h);
// anything else keeps its text.
std::string literal_text(const yaml::Node& scalar);

// parse_data_type(), plus Azure's model asset types (mlflow_model, custom_model,
// triton_model), which are folders to runnel and read as uri_folder.
std::optional<DataType> parse_yaml_type(const std::string& s);

// Checks `text` against `type` (integer, number, boolean, string); returns a hint
// describing the expected form, or "" when `text` fits.
std::string literal_mismatch(DataType type, const std::string& text);

// "a.b" key paths for messages: `b` under `a` ("" = top level).
std::string join(const std::string& a, const std::string& b);

// "x, y, z", or "(none)" for an empty list.
std::string name_list(const std::vector<std::string>& names);

// The `name` fields of declarations (inputs, outputs, steps).
template <typename T>
std::vector<std::string> names_of(const std::vector<T>& v) {
  std::vector<std::string> out;
  for (const auto& x : v) out.push_back(x.name);
  return out;
}

}  // namespace runnel::internal
