// env/definition.cc: definitions as JSON, their digest, conda files' pip sections and v2
// environment YAML.
#include "env/definition.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "core/digest.h"
#include "core/fs.h"
#include "core/sha256.h"
#include "runnel/error.h"

using nlohmann::json;
namespace fs = std::filesystem;

namespace runnel::env {

PipOptions PipOptions::merged_with(const PipOptions& over) const {
  PipOptions m = *this;
  if (!over.index_url.empty()) m.index_url = over.index_url;
  m.extra_index_urls.insert(m.extra_index_urls.end(), over.extra_index_urls.begin(),
                            over.extra_index_urls.end());
  m.find_links.insert(m.find_links.end(), over.find_links.begin(), over.find_links.end());
  m.no_index = m.no_index || over.no_index;
  return m;
}

std::vector<std::string> PipOptions::to_args() const {
  std::vector<std::string> a;
  if (!index_url.empty()) a.insert(a.end(), {"--index-url", index_url});
  for (const auto& u : extra_index_urls) a.insert(a.end(), {"--extra-index-url", u});
  for (const auto& f : find_links) a.insert(a.end(), {"--find-links", f});
  if (no_index) a.push_back("--no-index");
  return a;
}

json PipOptions::to_json() const {
  return {{"index_url", index_url},
          {"extra_index_urls", extra_index_urls},
          {"find_links", find_links},
          {"no_index", no_index}};
}

PipOptions PipOptions::from_json(const json& j) {
  PipOptions o;
  if (!j.is_object()) return o;
  o.index_url = j.value("index_url", "");
  o.extra_index_urls = j.value("extra_index_urls", std::vector<std::string>{});
  o.find_links = j.value("find_links", std::vector<std::string>{});
  o.no_index = j.value("no_index", false);
  return o;
}

json EnvDefinition::to_json() const {
  json j = {{"python", python},
            {"pip", pip},
            {"requirements", requirements},
            {"conda_file", conda_file},
            {"image", image},
            {"system_site_packages", system_site_packages},
            {"pip_options", pip_options.to_json()},
            {"variables", variables},
            {"description", description},
            {"record_only", record_only}};
  if (!build_context.empty())  // only then: definitions saved before it compare equal
    j["build"] = {
        {"context", build_context}, {"dockerfile", dockerfile}, {"digest", build_context_digest}};
  return j;
}

EnvDefinition EnvDefinition::from_json(const json& j) {
  EnvDefinition d;
  d.python = j.value("python", d.python);
  d.pip = j.value("pip", std::vector<std::string>{});
  d.requirements = j.value("requirements", "");
  d.conda_file = j.value("conda_file", "");
  d.image = j.value("image", "");
  d.system_site_packages = j.value("system_site_packages", false);
  if (j.contains("pip_options")) d.pip_options = PipOptions::from_json(j["pip_options"]);
  d.variables = j.value("variables", std::map<std::string, std::string>{});
  d.description = j.value("description", "");
  d.record_only = j.value("record_only", false);
  if (j.contains("build") && j["build"].is_object()) {
    d.build_context = j["build"].value("context", "");
    d.dockerfile = j["build"].value("dockerfile", "Dockerfile");
    d.build_context_digest = j["build"].value("digest", "");
  }
  return d;
}

std::string image_of_context(const EnvDefinition& d) {
  return "localhost/runnel-build:" + d.build_context_digest.substr(0, 16);
}

void store_build_context(const std::string& envs_dir, EnvDefinition* d) {
  if (d->build_context.empty()) return;
  std::string hex = digest_path(d->build_context, nullptr).digest.hex();
  std::string dest = envs_dir + "/contexts/" + hex;
  if (d->build_context != dest && !is_directory(dest)) {
    std::string tmp = dest + ".tmp-" + std::to_string(::getpid());
    remove_all(tmp);
    make_dirs(fs::path(dest).parent_path().string());
    copy_tree(d->build_context, tmp);
    std::error_code ec;
    fs::rename(tmp, dest, ec);  // another registration may have put the same copy first
    if (ec) remove_all(tmp);
    if (ec && !is_directory(dest))
      throw io_error("cannot keep the build context " + d->build_context + " in " + dest + ": " +
                     ec.message());
  }
  d->build_context = dest;
  d->build_context_digest = hex;
}

std::string build_digest(const EnvDefinition& d, const std::string& python_version,
                         const PipOptions& effective) {
  json material = {{"format", 1},
                   {"python", d.python},
                   {"python_version", python_version},
                   {"pip", d.pip},
                   {"requirements", d.requirements},
                   {"conda_file", d.conda_file},
                   {"system_site_packages", d.system_site_packages},
                   {"pip_options", effective.to_json()}};
  return sha256(material.dump()).hex();
}

std::vector<std::string> conda_pip_section(const std::string& text, const std::string& where) {
  YAML::Node doc;
  try {
    doc = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw invalid_argument(where + ": not a conda environment file (" + e.what() + ")");
  }
  std::vector<std::string> out;
  YAML::Node deps = doc.IsMap() ? doc["dependencies"] : YAML::Node();
  if (!deps || !deps.IsSequence()) return out;
  for (const auto& d : deps) {
    if (!d.IsMap() || !d["pip"]) continue;
    if (!d["pip"].IsSequence())
      throw invalid_argument(where + ": dependencies.pip must be a list of packages");
    for (const auto& p : d["pip"])
      if (p.IsScalar()) out.push_back(p.Scalar());
  }
  return out;
}

EnvironmentFile load_environment_yaml(const std::string& path, const std::string* text_in) {
  std::string text = text_in ? *text_in : read_file(path);
  YAML::Node doc;
  try {
    doc = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw invalid_argument(path + ":" + std::to_string(e.mark.line + 1) +
                           ": not valid YAML: " + e.msg);
  }
  if (!doc.IsMap()) throw invalid_argument(path + ": expected a mapping with at least `name:`");
  auto where = [&](const YAML::Node& n, const std::string& key) {
    return path + ":" + std::to_string(n.Mark().line + 1) + ": " + key;
  };
  auto scalar = [&](const YAML::Node& n, const std::string& key) {
    if (!n.IsScalar()) throw invalid_argument(where(n, key) + ": expected a single value");
    return n.Scalar();
  };
  fs::path dir = fs::path(absolute_path(path)).parent_path();
  auto rel = [&](const std::string& p) {
    return fs::path(p).is_absolute() ? p : (dir / p).string();
  };
  EnvironmentFile f;
  for (const auto& kv : doc) {
    std::string key = kv.first.Scalar();
    const YAML::Node& v = kv.second;
    if (key == "name") {
      f.name = scalar(v, key);
    } else if (key == "version") {
      f.version = scalar(v, key);
    } else if (key == "description") {
      f.definition.description = scalar(v, key);
    } else if (key == "image") {
      f.definition.image = scalar(v, key);
    } else if (key == "python") {
      f.definition.python = absolute_path(rel(scalar(v, key)));
    } else if (key == "conda_file") {
      if (v.IsMap()) {
        f.definition.conda_file = YAML::Dump(v) + "\n";  // inline conda file
      } else {
        std::string p = rel(scalar(v, key));
        if (!path_exists(p)) throw invalid_argument(where(v, key) + ": " + p + " does not exist");
        f.definition.conda_file = read_file(p);
      }
    } else if (key == "requirements") {
      std::string p = rel(scalar(v, key));
      if (!path_exists(p)) throw invalid_argument(where(v, key) + ": " + p + " does not exist");
      f.definition.requirements = read_file(p);
    } else if (key == "pip") {
      if (!v.IsSequence()) throw invalid_argument(where(v, key) + ": expected a list of packages");
      for (const auto& p : v) f.definition.pip.push_back(scalar(p, key));
    } else if (key == "system_site_packages") {
      f.definition.system_site_packages = v.as<bool>(false);
    } else if (key == "environment_variables" || key == "variables") {
      if (!v.IsMap())
        throw invalid_argument(where(v, key) + ": expected a mapping of names to values");
      for (const auto& e : v)
        f.definition.variables[e.first.Scalar()] = scalar(e.second, key + "." + e.first.Scalar());
    } else if (key == "build") {
      // `build: {path: docker, dockerfile_path: Dockerfile}`: a Docker build context.
      if (!v.IsMap() || !v["path"])
        throw invalid_argument(where(v, key) +
                               ": expected {path: FOLDER, dockerfile_path: FILE} (a Docker "
                               "build context)");
      for (const auto& b : v) {
        std::string k = b.first.Scalar();
        if (k != "path" && k != "dockerfile_path")
          throw invalid_argument(where(b.first, "build." + k) +
                                 ": unknown key; build has path and dockerfile_path");
      }
      std::string ctx = rel(scalar(v["path"], "build.path"));
      if (ctx.find("://") != std::string::npos || !is_directory(ctx))
        throw invalid_argument(where(v["path"], "build.path") + ": " + ctx +
                               " is not a folder here; give the local folder of the Docker "
                               "build context (runnel does not fetch remote contexts)");
      std::string file = v["dockerfile_path"]
                             ? scalar(v["dockerfile_path"], "build.dockerfile_path")
                             : "Dockerfile";
      if (fs::path(file).is_absolute() ||
          fs::path(file).lexically_normal().string().rfind("..", 0) == 0)
        throw invalid_argument(where(v, "build.dockerfile_path") + ": '" + file +
                               "' must be a path inside build.path");
      if (!path_exists((fs::path(ctx) / file).string()))
        throw invalid_argument(where(v, "build.dockerfile_path") + ": " +
                               (fs::path(ctx) / file).string() +
                               " does not exist; name the Dockerfile inside build.path");
      f.definition.build_context = absolute_path(ctx);
      f.definition.dockerfile = fs::path(file).lexically_normal().string();
    } else if (key == "$schema" || key == "os_type" || key == "tags" || key == "inference_config") {
      continue;
    } else {
      throw invalid_argument(
          where(kv.first, key) +
          ": unknown key; an environment file has name, version, description, image, "
          "build, conda_file, python, pip, requirements, system_site_packages and "
          "environment_variables");
    }
  }
  if (f.name.empty()) throw invalid_argument(path + ": no `name:`; give the environment a name");
  if (!f.definition.build_context.empty() && !f.definition.image.empty())
    throw invalid_argument(path + ": give `image:` or `build:`, not both (as Azure ML)");
  return f;
}

std::string definition_path(const std::string& runnel_dir, const std::string& name, int version) {
  return runnel_dir + "/envs/defs/" + name + "/v" + std::to_string(version) + ".json";
}

void save_definition(const std::string& runnel_dir, const std::string& name, int version,
                     const EnvDefinition& d) {
  std::string p = definition_path(runnel_dir, name, version);
  make_dirs(fs::path(p).parent_path().string());
  write_file_atomic(p, d.to_json().dump(2) + "\n");
}

std::optional<EnvDefinition> load_definition(const std::string& runnel_dir, const std::string& name,
                                             int version) {
  if (name.empty() || name[0] == '.' || name.find('/') != std::string::npos) return std::nullopt;
  std::string p = definition_path(runnel_dir, name, version);
  if (!path_exists(p)) return std::nullopt;
  json j = json::parse(read_file(p), nullptr, false);
  if (!j.is_object())
    throw corruption(p +
                     ": not valid JSON; register the environment again with `runnel env create`");
  return EnvDefinition::from_json(j);
}

}  // namespace runnel::env
