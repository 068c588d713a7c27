// engine/fingerprint.h: a step's fingerprint, what reuse keys on (docs/design.md §6), and the
// explanation of how two fingerprints differ ("why did this step run?").
//
// The components are kept as JSON (stored with each step run); the fingerprint is the
// SHA-256 of the components without the explanatory parts (per-file lists, source
// paths, the package list), so paths, times, run ids and the compute target's name never
// change it. Pure functions except digest_data (reads files through the stat cache).
// Thread-safe.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/stat_cache.h"
#include "spec/pipeline_spec.h"

namespace runnel {

// A content digest of a file or folder, with its per-file digests for explanations
// ({relative path: hex}; null when there are more than kMaxListedFiles files).
struct DataDigest {
  std::string digest;
  nlohmann::json files;
  uint64_t file_count = 0;
};

constexpr size_t kMaxListedFiles = 5000;

// Digests `path` (a file or folder). Throws Error(kNotFound/kIo) naming the path.
DataDigest digest_data(const std::string& path, StatCache* cache);
nlohmann::json data_digest_json(const DataDigest& d);  // {"digest","files"}

// The value of the top-level member `key` of the JSON object in `text` (a stored
// fingerprint, as runnel writes it), as json::parse(text)[key] would give it, without
// building the rest of the object: reading stops at the end of that member, so the text
// after it is not checked (and of a repeated key the first counts). Null when the text up
// to there is not valid JSON, is not an object, or has no such member.
nlohmann::json json_member(const std::string& text, const std::string& key);

// The fingerprint of a step from its components (see the header comment).
std::string fingerprint_of(const nlohmann::json& components);

// Human-readable differences between an earlier step run's components and the new
// ones, most important first: "code changed: prepare.py (modified), util.py (added)",
// "input 'raw' changed: b.csv (modified)", "argument changed: ...", "environment
// variable LR changed: 0.1 -> 0.2", ... Empty when nothing that matters differs.
std::vector<std::string> explain_changes(const nlohmann::json& before, const nlohmann::json& after);

// The command as the fingerprint sees it: `tmpl` with literal inputs (`literal`, name ->
// the text the command gets; nullopt = an unset optional input) substituted, data
// placeholders written as ${{inputs.NAME}} / ${{outputs.NAME}}, and whitespace outside
// quotes collapsed to one space. So `--seed ${{inputs.seed}}` with seed 42 (YAML) and
// `--seed 42` (the SDKs) are the same command. Throws Error(kInvalidArgument) as
// render_command does.
std::string fingerprint_command(const std::string& tmpl, const std::string& where,
                                const std::map<std::string, std::optional<std::string>>& literal);

// The text a literal input puts into its step's command: its value as held (a YAML `true`
// is "True" there, as on Azure ML).
std::string literal_input_text(const StepInput& in);

// Runs of spaces, tabs and newlines outside shell quotes become one space; ends trimmed.
std::string collapse_command_space(const std::string& command);

class MetadataStore;

// Package lists are kept once per digest in the store's key/value table
// ("packages:<digest>"); explanations need them back inside the components.
void store_package_list(MetadataStore& store, const std::string& digest,
                        const std::vector<std::string>& packages);
void attach_package_lists(MetadataStore& store, nlohmann::json* components);

struct StepRunRecord;

// The fingerprint components of a step run, parsed. A reused step run does not store a
// copy of them (a no-op run would write every step's again): its components are those of
// the run it reused, with the decision "reused run <id>". Null when none (or unreadable).
nlohmann::json fingerprint_components_of(MetadataStore& store, const StepRunRecord& r);

}  // namespace runnel
