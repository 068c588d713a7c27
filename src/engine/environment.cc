#include "engine/environment.h"

#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "core/fs.h"
#include "core/ids.h"
#include "data/asset_archive.h"
#include "env/build.h"
#include "env/definition.h"
#include "runnel/error.h"
#include "store/metadata_store.h"

namespace fs = std::filesystem;

namespace runnel {

namespace {

std::string find_on_path(const std::string& exe) {
  const char* path = std::getenv("PATH");
  if (!path) return "";
  std::string p = path;
  size_t start = 0;
  while (start <= p.size()) {
    size_t colon = p.find(':', start);
    std::string dir =
        p.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!dir.empty()) {
      std::string cand = dir + "/" + exe;
      if (::access(cand.c_str(), X_OK) == 0) return cand;
    }
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return "";
}

std::string hex_sha256(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

// What an interpreter says of itself (version, import path), cached on disk under
// .runnel/cache/envs/ keyed by the interpreter's stat, so that a submit costs a stat
// and a small read instead of starting Python.
struct Probe {
  std::string version;
  std::vector<std::string> sys_path;
};

Probe probe_python(const std::string& python, const std::string& cache_dir) {
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  struct stat st {};
  if (::stat(python.c_str(), &st) != 0) return {};
  std::string key = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino) + ":" +
                    std::to_string(st.st_size) + ":" + std::to_string(st.st_mtim.tv_sec) + ":" +
                    python;
  std::string cache_file = cache_dir + "/probe-" + hex_sha256(key).substr(0, 16) + ".json";
  nlohmann::json j;
  if (path_exists(cache_file)) j = nlohmann::json::parse(read_file(cache_file), nullptr, false);
  if (!j.is_object() || j.value("key", "") != key) {
    std::string out;
    std::string cmd =
        "'" + python +
        "' -c 'import sys, json; print(json.dumps({\"version\": sys.version.split()[0], "
        "\"path\": [p for p in sys.path if p]}))' 2>/dev/null";
    if (FILE* f = ::popen(cmd.c_str(), "r")) {
      std::array<char, 4096> buf{};
      size_t n;
      while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) out.append(buf.data(), n);
      ::pclose(f);
    }
    nlohmann::json r = nlohmann::json::parse(out, nullptr, false);
    j = {{"key", key},
         {"version", r.is_object() ? r.value("version", "") : ""},
         {"path", r.is_object() && r.contains("path") ? r["path"] : nlohmann::json::array()}};
    try {
      make_dirs(cache_dir);
      write_file_atomic(cache_file, j.dump());
    } catch (const Error&) {
      // A read-only cache only costs a probe next time.
    }
  }
  Probe p;
  p.version = j.value("version", "");
  for (const auto& x : j["path"]) p.sys_path.push_back(x.get<std::string>());
  return p;
}

// The installed distributions (name-version from *.dist-info / *.egg-info) on the
// interpreter's import path, sorted.
std::vector<std::string> installed_packages(const std::vector<std::string>& sys_path) {
  std::vector<std::string> out;
  for (const auto& dir : sys_path) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      std::string n = e.path().filename().string();
      for (const char* suffix : {".dist-info", ".egg-info"}) {
        size_t sl = std::strlen(suffix);
        if (n.size() > sl && n.compare(n.size() - sl, sl, suffix) == 0)
          out.push_back(n.substr(0, n.size() - sl));
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void ensure_link(const std::string& link, const std::string& target) {
  std::error_code ec;
  if (fs::is_symlink(link, ec) && fs::read_symlink(link, ec).string() == target) return;
  // The temporary name is unique per call: several runs in one process (the server, the
  // engine driving concurrent runs) resolve the same environment at once, and a name shared
  // between threads let one remove the link another was about to rename.
  static std::atomic<unsigned long> counter{0};
  std::string tmp = link + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(++counter);
  fs::remove(tmp, ec);
  fs::create_symlink(target, tmp, ec);
  if (ec) throw io_error("cannot create link " + tmp + ": " + ec.message());
  fs::rename(tmp, link, ec);
  if (ec) {
    std::string why = ec.message();
    fs::remove(tmp, ec);
    throw io_error("cannot create link " + link + ": " + why);
  }
}

std::vector<std::string> config_list(const Workspace& ws, const std::string& key) {
  std::string v = ws.config_value(key);
  if (v.empty()) return {};
  if (v[0] != '[') return {v};
  nlohmann::json j = nlohmann::json::parse(v, nullptr, false);
  std::vector<std::string> out;
  if (!j.is_array())
    throw invalid_argument(ws.runnel_dir() + "/config.json: " + key +
                           ": expected a list of strings");
  for (const auto& x : j) {
    if (!x.is_string())
      throw invalid_argument(ws.runnel_dir() + "/config.json: " + key +
                             ": expected a list of strings");
    out.push_back(x.get<std::string>());
  }
  return out;
}

}  // namespace

env::PipOptions workspace_pip_options(const Workspace& ws) {
  env::PipOptions o;
  o.index_url = ws.config_value("pip.index_url");
  o.extra_index_urls = config_list(ws, "pip.extra_index_urls");
  o.find_links = config_list(ws, "pip.find_links");
  std::string no_index = ws.config_value("pip.no_index");
  if (!no_index.empty() && no_index != "true" && no_index != "false")
    throw invalid_argument(ws.runnel_dir() +
                           "/config.json: pip.no_index: expected true or false, got " + no_index);
  o.no_index = no_index == "true";
  return o;
}

env::EnvDefinition stored_definition(const Workspace& ws, const EnvironmentRecord& r) {
  if (auto d = env::load_definition(ws.runnel_dir(), r.name, r.version)) return *d;
  env::EnvDefinition d;
  d.python = r.python;
  d.variables = r.variables;
  d.description = r.description;
  return d;
}

EnvironmentRecord register_environment(const Workspace& ws, const std::string& name,
                                       const env::EnvDefinition& d_in, bool* created, int version) {
  if (created) *created = false;
  env::EnvDefinition d = d_in;
  env::store_build_context(ws.runnel_dir() + "/envs", &d);  // a copy the version keeps
  if (auto existing = ws.store().get_environment(name, version);
      existing && (version == 0 || existing->version == version)) {
    if (stored_definition(ws, *existing).to_json() == d.to_json()) return *existing;
    if (version > 0)
      throw already_exists("environment " + name + " version " + std::to_string(version) +
                           " exists with another definition; versions are immutable: give a new "
                           "`version:` (or leave it out for the next one)");
  }
  EnvironmentRecord e;
  e.name = name;
  e.version = version;
  e.python = d.python;
  e.variables = d.variables;
  e.description = d.description;
  e.created_at = now_ms();
  ws.store().put_environment(e, version > 0);
  auto saved = ws.store().get_environment(e.name, version);
  if (!saved) throw io_error("environment " + name + " was registered but cannot be read back");
  env::save_definition(ws.runnel_dir(), saved->name, saved->version, d);
  if (created) *created = true;
  return *saved;
}

std::string runnel_python_dir() {
  if (const char* env = std::getenv("RUNNEL_PYTHON_DIR"); env && *env) return env;
  return RUNNEL_PYTHON_DIR;  // compile definition: <source>/python
}

std::string runnel_cli_path() {
  if (const char* env = std::getenv("RUNNEL_BIN"); env && *env && ::access(env, X_OK) == 0)
    return env;
  std::error_code ec;
  std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (!ec && std::filesystem::path(self).filename() == "runnel") return self;
  if (::access(RUNNEL_CLI_DEFAULT, X_OK) == 0) return RUNNEL_CLI_DEFAULT;  // <build>/runnel
  return "";
}

ResolvedEnvironment resolve_environment(const Workspace& ws, const std::string& name_in,
                                        bool curated, std::string* fallback_note) {
  ResolvedEnvironment env;
  std::optional<env::EnvDefinition> definition;
  std::string name = name_in;
  int version = 0;
  if (auto colon = name.rfind(':'); colon != std::string::npos) {
    std::string v = name.substr(colon + 1);
    name = name.substr(0, colon);
    if (!v.empty() && v.find_first_not_of("0123456789") == std::string::npos)
      version = std::stoi(v);
  }
  if (name.empty()) {
    env.python =
        ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : find_on_path("python3");
  } else {
    // The latest version skips archived ones (`runnel environment archive`).
    auto rec = version > 0 ? ws.store().get_environment(name, version)
                           : internal::latest_environment(ws, name);
    // A version that runnel does not have (a pipeline written for Azure ML pins its
    // registry's version numbers) falls back to the latest registered version.
    if (!rec && version > 0) rec = internal::latest_environment(ws, name);
    if (!rec && curated) {
      // Azure ML provides its curated environments in every workspace; a pipeline written
      // for it runs here with the default interpreter until one of that name is registered.
      if (fallback_note)
        *fallback_note = "Azure ML's curated environment '" + name +
                         "' is not registered here, so the step runs with the default "
                         "interpreter; `runnel env create " +
                         name + " --python P [--pip PKG]` pins one";
      return resolve_environment(ws, "");
    }
    if (!rec) {
      std::string known;
      for (const auto& e : ws.store().list_environments())
        known += (known.empty() ? "" : ", ") + e.name;
      throw not_found("environment '" + name_in + "' is not registered in this workspace" +
                      (known.empty() ? std::string(" (none are)") : " (known: " + known + ")") +
                      "; register it with `runnel env create " + name +
                      " --python /usr/bin/python3`, or remove the `environment:` key to use the "
                      "default interpreter");
    }
    env.name = rec->name;
    env.version = rec->version;
    env.python = rec->python;
    env.variables = rec->variables;
    definition = env::load_definition(ws.runnel_dir(), rec->name, rec->version);
  }
  std::vector<std::string> packages;
  if (!env.python.empty()) {
    Probe p = probe_python(env.python, ws.runnel_dir() + "/cache/envs");
    env.python_version = p.version;
    packages = installed_packages(p.sys_path);
  }
  std::string image;
  if (definition && definition->record_only && !definition->conda_file.empty())
    env.conda_digest = hex_sha256(definition->conda_file);
  if (definition && definition->needs_build()) {
    // Built once into .runnel/envs/<digest>/ (env/build.h); steps run its python, and the
    // resolved package set (pip freeze) is what their fingerprints see.
    env::BuildRequest req;
    req.envs_dir = ws.runnel_dir() + "/envs";
    req.label = "'" + env.name + "' version " + std::to_string(env.version);
    req.definition = *definition;
    req.python_version = env.python_version;
    req.workspace_pip = workspace_pip_options(ws);
    req.progress = [](std::string_view line) { std::cerr << "runnel: " << line << "\n"; };
    env::BuiltEnvironment built = env::ensure_built(req);
    env.python = built.python;
    env.bin_dir = built.bin_dir;
    env.build_digest = built.digest;
    packages = built.freeze;
  }
  // Named with or without packages; where it runs is decided per compute (env/image.h).
  if (definition) image = definition->image;
  if (definition && !definition->build_context.empty()) image = env::image_of_context(*definition);
  env.image = image;
  env.definition = definition;

  std::string key = env.name.empty() ? "default" : env.name + "-v" + std::to_string(env.version);
  if (env.bin_dir.empty()) env.bin_dir = ws.runnel_dir() + "/cache/envs/" + key + "/bin";
  if (!env.python.empty() && env.build_digest.empty()) {
    make_dirs(env.bin_dir);
    ensure_link(env.bin_dir + "/python", env.python);
    ensure_link(env.bin_dir + "/python3", env.python);
  }
  std::string pkgs;
  for (const auto& p : packages) pkgs += p + "\n";
  env.packages_digest = hex_sha256(pkgs);
  env.packages = std::move(packages);
  std::string material = "python=" + env.python + "\nversion=" + env.python_version +
                         "\npackages=" + env.packages_digest + "\n";
  for (const auto& [k, v] : env.variables) material += "var:" + k + "=" + v + "\n";
  if (!image.empty()) material += "image=" + image + "\n";
  env.digest = hex_sha256(material);
  return env;
}

}  // namespace runnel
