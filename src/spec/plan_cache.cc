#include "spec/plan_cache.h"

#include <dlfcn.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "core/sha256.h"
#include "spec/spec_json.h"
#include "spec/yaml_util.h"

namespace runnel {

namespace fs = std::filesystem;
using nlohmann::json;
using internal::current_load_trace;
using internal::LoadTrace;
using internal::max_yaml_bytes;

namespace {

constexpr int kFormat = 1;

// The file holding this code (the runnel binary or the Python module), by size and mtime:
// a rebuilt loader may read the same YAML differently.
const std::string& binary_identity() {
  static const std::string id = [] {
    Dl_info info{};
    std::string out = "unknown";
    if (::dladdr(reinterpret_cast<void*>(&load_pipeline_yaml_cached), &info) && info.dli_fname) {
      struct stat st {};
      std::string path = info.dli_fname;
      if (path.empty() || path.find('/') == std::string::npos) path = "/proc/self/exe";
      if (::stat(path.c_str(), &st) == 0)
        out = std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
              std::to_string(st.st_mtim.tv_nsec) + ":" + std::to_string(st.st_ino);
    }
    return out;
  }();
  return id;
}

int kind_of(const std::string& path) {
  std::error_code ec;
  auto st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return 0;
  return fs::is_directory(st) ? 1 : 2;
}

// True when every file the entry names still has the recorded content and every probed
// path the recorded kind.
bool still_true(const json& entry) {
  for (const auto& f : entry.at("files")) {
    std::string text;
    try {
      text = read_file(f.at(0).get<std::string>());
    } catch (const std::exception&) {
      return false;
    }
    if (sha256_hex(text) != f.at(1).get<std::string>()) return false;
  }
  for (const auto& p : entry.at("probes"))
    if (kind_of(p.at(0).get<std::string>()) != p.at(1).get<int>()) return false;
  return true;
}

}  // namespace

PipelineSpec load_pipeline_yaml_cached(const std::string& path, const LoadOptions& options,
                                       const std::string& cache_dir, bool* hit) {
  if (hit) *hit = false;
  std::string abs = fs::absolute(path).lexically_normal().string();
  std::string key = sha256_hex("runnel plan cache " + std::to_string(kFormat) + "\n" + abs + "\n" +
                               (options.strict ? "strict" : "lenient") + "\n" +
                               std::to_string(max_yaml_bytes()) + "\n" + binary_identity());
  std::string entry_path = cache_dir + "/" + key + ".json";
  if (path_exists(entry_path)) {
    try {
      json entry = json::parse(read_file(entry_path));
      if (entry.value("format", 0) == kFormat && entry.value("path", "") == abs &&
          still_true(entry)) {
        PipelineSpec spec = spec_from_json(entry.at("spec"));
        spec.load_messages = entry.value("messages", std::vector<std::string>{});
        if (hit) *hit = true;
        return spec;
      }
    } catch (const std::exception&) {
      // damaged or from elsewhere: load the file as usual (and rewrite the entry)
    }
  }
  LoadTrace trace;
  LoadTrace*& slot = current_load_trace();
  LoadTrace* previous = slot;
  slot = &trace;
  PipelineSpec spec;
  try {
    spec = load_pipeline_yaml(path, options);
  } catch (...) {
    slot = previous;
    throw;
  }
  slot = previous;
  if (trace.uncacheable) return spec;
  try {
    json files = json::array();
    for (const auto& f : trace.files) files.push_back(json::array({f.path, f.sha256}));
    json probes = json::array();
    for (const auto& p : trace.probes) probes.push_back(json::array({p.path, p.kind}));
    json entry = {{"format", kFormat},
                  {"path", abs},
                  {"files", files},
                  {"probes", probes},
                  {"messages", spec.load_messages},
                  {"spec", spec_to_json(spec)}};
    make_dirs(cache_dir);
    write_file_atomic(entry_path, entry.dump());
  } catch (const std::exception&) {
    // a read-only or full workspace: the next run parses the file again
  }
  return spec;
}

}  // namespace runnel
