#include "engine/environment.h"

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <openssl/evp.h>

#include "core/fs.h"
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
    std::string dir = p.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
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

// `python --version`, cached per interpreter path for the life of the process.
std::string python_version_of(const std::string& python) {
  static std::mutex mu;
  static std::map<std::string, std::string> cache;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache.find(python); it != cache.end()) return it->second;
  std::string out;
  std::string cmd = "'" + python + "' --version 2>&1";
  if (FILE* f = ::popen(cmd.c_str(), "r")) {
    std::array<char, 256> buf{};
    while (std::fgets(buf.data(), buf.size(), f)) out += buf.data();
    ::pclose(f);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  cache[python] = out;
  return out;
}

void ensure_link(const std::string& link, const std::string& target) {
  std::error_code ec;
  if (fs::is_symlink(link, ec) && fs::read_symlink(link, ec).string() == target) return;
  std::string tmp = link + ".tmp." + std::to_string(::getpid());
  fs::remove(tmp, ec);
  fs::create_symlink(target, tmp, ec);
  if (ec) throw io_error("cannot create link " + tmp + ": " + ec.message());
  fs::rename(tmp, link, ec);
  if (ec) throw io_error("cannot create link " + link + ": " + ec.message());
}

}  // namespace

std::string runnel_python_dir() {
  if (const char* env = std::getenv("RUNNEL_PYTHON_DIR"); env && *env) return env;
  return RUNNEL_PYTHON_DIR;  // compile definition: <source>/python
}

ResolvedEnvironment resolve_environment(const Workspace& ws, const std::string& name_in) {
  ResolvedEnvironment env;
  std::string name = name_in;
  int version = 0;
  if (auto colon = name.rfind(':'); colon != std::string::npos) {
    std::string v = name.substr(colon + 1);
    name = name.substr(0, colon);
    if (!v.empty() && v.find_first_not_of("0123456789") == std::string::npos) version = std::stoi(v);
  }
  if (name.empty()) {
    env.python = ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : find_on_path("python3");
  } else {
    auto rec = ws.store().get_environment(name, version);
    if (!rec) {
      std::string known;
      for (const auto& e : ws.store().list_environments()) known += (known.empty() ? "" : ", ") + e.name;
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
  }
  if (!env.python.empty()) env.python_version = python_version_of(env.python);

  std::string key = env.name.empty() ? "default" : env.name + "-v" + std::to_string(env.version);
  env.bin_dir = ws.runnel_dir() + "/cache/envs/" + key + "/bin";
  if (!env.python.empty()) {
    make_dirs(env.bin_dir);
    ensure_link(env.bin_dir + "/python", env.python);
    ensure_link(env.bin_dir + "/python3", env.python);
  }
  std::string material = "python=" + env.python + "\nversion=" + env.python_version + "\n";
  for (const auto& [k, v] : env.variables) material += "var:" + k + "=" + v + "\n";
  env.digest = hex_sha256(material);
  return env;
}

}  // namespace runnel
