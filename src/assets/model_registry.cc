// Registered models: `runnel model create|list|show|download|archive` (assets/model_registry.h).
#include "assets/model_registry.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "core/fs.h"
#include "core/ids.h"
#include "core/unique_fd.h"
#include "runnel/datastore.h"
#include "runnel/error.h"
#include "spec/yaml_util.h"
#include "store/metadata_store.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace runnel::assets {

namespace {

bool whole_number(const std::string& s) {
  return !s.empty() && s.size() <= 8 && s.find_first_not_of("0123456789") == std::string::npos;
}

std::string models_root(const Workspace& ws) { return ws.runnel_dir() + "/models"; }

void check_model_name(const std::string& name, const std::string& where) {
  bool ok = !name.empty() && name.size() <= 255 && name[0] != '.';
  for (char c : name)
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
  if (!ok)
    throw invalid_argument(where + ": model name '" + name +
                           "' is not a valid name; use letters, digits, '-', '_' and '.', not "
                           "starting with '.'");
}

void check_model_type(const std::string& type, const std::string& where) {
  static const std::vector<std::string> kTypes = {"custom_model", "mlflow_model", "triton_model"};
  if (std::find(kTypes.begin(), kTypes.end(), type) == kTypes.end())
    throw invalid_argument(where + ": type '" + type + "' is not a model type" +
                           internal::did_you_mean(type, kTypes) +
                           "; use custom_model, mlflow_model or triton_model");
}

// The step run a job id names: a step run's own id, or the single step of a pipeline run
// (with `output`, the one step that has that output).
StepRunRecord job_step(const Workspace& ws, const std::string& id, const std::string& output,
                       const std::string& path) {
  MetadataStore& store = ws.store();
  if (auto s = store.get_step_run(id)) return *s;
  if (!store.get_pipeline_run(id))
    throw not_found(path + ": no job '" + id + "' in workspace " + ws.root() +
                    "; list jobs with `runnel job list`");
  std::vector<StepRunRecord> steps = store.list_step_runs(id), found;
  for (const auto& s : steps)
    if (output.empty() || s.outputs.count(output)) found.push_back(s);
  if (found.size() == 1) return found.front();
  std::string names;
  for (const auto& s : (found.empty() ? steps : found))
    names += (names.empty() ? "" : ", ") + s.name + " (" + s.id + ")";
  if (found.empty())
    throw not_found(path + ": no step of job " + id + " has an output '" + output +
                    "' (steps: " + names + ")");
  throw invalid_argument(path + ": job " + id + " has " + std::to_string(found.size()) +
                         " steps; name one by its step run id: " + names);
}

// The folder a step's ./outputs files are in (a reused step's: the run it reused).
std::string step_files_dir(const Workspace& ws, const StepRunRecord& s) {
  std::string dir = s.run_dir;
  if (!s.reused_run_id.empty())
    if (auto r = ws.store().get_step_run(s.reused_run_id)) dir = r->run_dir;
  return dir + "/wd/outputs";
}

std::string existing(const std::string& p, const std::string& path) {
  if (!path_exists(p))
    throw not_found(path + ": " + p + " does not exist; check the path, or the job's files with " +
                    "`runnel job download`");
  return p;
}

// The text after `prefix` in `s`, or nullopt.
std::optional<std::string> after(const std::string& s, const std::string& prefix) {
  if (s.rfind(prefix, 0) != 0) return std::nullopt;
  return s.substr(prefix.size());
}

std::string relative_in(const std::string& base, const std::string& rel, const std::string& path) {
  fs::path p = fs::path(rel).lexically_normal();
  if (p.is_absolute() || (!p.empty() && *p.begin() == ".."))
    throw invalid_argument(path + ": '" + rel + "' leaves the folder it names a path in");
  return rel.empty() ? base : (fs::path(base) / p).string();
}

}  // namespace

std::vector<std::string> model_names(const Workspace& ws) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(models_root(ws), ec))
    if (e.is_directory() && e.path().filename().string()[0] != '.' &&
        !model_versions(ws, e.path().filename().string()).empty())
      out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<ModelVersionInfo> model_versions(const Workspace& ws, const std::string& name) {
  std::vector<ModelVersionInfo> out;
  if (name.empty() || name.find('/') != std::string::npos || name[0] == '.') return out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(models_root(ws) + "/" + name, ec)) {
    std::string v = e.path().filename().string();
    if (!whole_number(v) || !path_exists(e.path().string() + "/model.json")) continue;
    json meta = json::parse(read_file(e.path().string() + "/model.json"), nullptr, false);
    if (!meta.is_object()) continue;
    out.push_back({name, std::stoi(v), e.path().string(), meta});
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.version < b.version; });
  return out;
}

std::string model_source_path(const Workspace& ws, const std::string& path,
                              const std::string& base_dir) {
  if (auto rest = after(path, "runs:/")) {  // MLflow's runs:/<run id>/<path>
    size_t slash = rest->find('/');
    std::string id = rest->substr(0, slash);
    std::string rel = slash == std::string::npos ? "" : rest->substr(slash + 1);
    return existing(relative_in(step_files_dir(ws, job_step(ws, id, "", path)), rel, path), path);
  }
  if (auto rest = after(path, "azureml://jobs/")) {
    size_t slash = rest->find('/');
    std::string id = rest->substr(0, slash);
    std::string tail = slash == std::string::npos ? "" : rest->substr(slash + 1);
    if (auto rel = after(tail, "outputs/artifacts/paths/"))
      return existing(relative_in(step_files_dir(ws, job_step(ws, id, "", path)), *rel, path),
                      path);
    if (auto name = after(tail, "outputs/"); name && !name->empty()) {
      std::string out = *name;
      std::string rel;
      if (size_t s = out.find("/paths/"); s != std::string::npos) {
        rel = out.substr(s + 7);
        out = out.substr(0, s);
      }
      while (!out.empty() && out.back() == '/') out.pop_back();
      StepRunRecord step = job_step(ws, id, out, path);
      return existing(relative_in(step.outputs.at(out), rel, path), path);
    }
    throw invalid_argument(path +
                           ": a job's files are azureml://jobs/<id>/outputs/artifacts/paths/<p> "
                           "and its outputs azureml://jobs/<id>/outputs/<name>");
  }
  if (auto rest = after(path, "azureml://datastores/")) {
    size_t s = rest->find("/paths/");
    if (s == std::string::npos)
      throw invalid_argument(path + ": a datastore path is azureml://datastores/<ds>/paths/<p>");
    Datastore ds(ws, rest->substr(0, s));
    return existing(ds.path(rest->substr(s + 7)), path);
  }
  if (path.find("://") != std::string::npos || path.rfind("azureml:", 0) == 0)
    throw invalid_argument(path +
                           ": a model's path is a local file or folder, "
                           "azureml://datastores/<ds>/paths/<p>, azureml://jobs/<id>/outputs/... "
                           "or runs:/<id>/<p>");
  return existing(absolute_path(path, base_dir), path);
}

ModelCreated create_model(const Workspace& ws, const std::string& yaml_path, const Overrides& o) {
  AssetYaml f = read_asset_yaml(yaml_path, o);
  check_asset_keys(f,
                   {"$schema", "name", "version", "description", "tags", "type", "path",
                    "properties", "flavors", "stage", "job_name", "datastore"},
                   "a model");
  ModelCreated r;
  r.name = string_at(f.doc, "name");
  if (r.name.empty())
    throw invalid_argument(yaml_path + ": the model has no name; add `name:` or pass --name");
  check_model_name(r.name, yaml_path);
  r.type = string_at(f.doc, "type");
  if (r.type.empty()) r.type = "custom_model";  // Azure ML's default
  check_model_type(r.type, yaml_path);
  std::string version = string_at(f.doc, "version");
  if (!version.empty() && (!whole_number(version) || std::stoi(version) < 1))
    throw invalid_argument(yaml_path + ": version '" + version +
                           "' is not a whole number; runnel numbers model versions 1, 2, 3... "
                           "(as the SDK's Model.register), so write version: 1 or leave it out");
  std::string path = string_at(f.doc, "path");
  if (path.empty())
    throw invalid_argument(yaml_path +
                           ": the model has no path; add `path:` (a local file or folder, "
                           "azureml://jobs/<id>/outputs/artifacts/paths/<p> or runs:/<id>/<p>)");
  ModelFiles m;
  m.name = r.name;
  m.version = version.empty() ? 0 : std::stoi(version);
  m.type = r.type;
  m.source_path = model_source_path(ws, path, f.base_dir);
  m.source = path;
  m.description = string_at(f.doc, "description");
  if (f.doc.contains("tags") && f.doc["tags"].is_object()) m.tags = f.doc["tags"];
  if (f.doc.contains("properties") && f.doc["properties"].is_object())
    m.properties = f.doc["properties"];
  if (f.doc.contains("flavors")) m.flavors = f.doc["flavors"];
  m.stage = string_at(f.doc, "stage");
  m.run_id = string_at(f.doc, "job_name");
  for (const char* prefix : {"azureml://jobs/", "runs:/"})
    if (auto rest = after(path, prefix); rest && m.run_id.empty())
      m.run_id = rest->substr(0, rest->find('/'));
  try {
    return register_model_files(ws, m);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kAlreadyExists) throw;
    throw already_exists(yaml_path + ": " + e.what());
  }
}

ModelCreated register_model_files(const Workspace& ws, const ModelFiles& m) {
  check_model_name(m.name, "model " + m.name);
  check_model_type(m.type, "model " + m.name);
  ModelCreated r;
  r.name = m.name;
  r.type = m.type;
  std::string root = models_root(ws);
  make_dirs(root + "/" + m.name);
  UniqueFd lock(::open((root + "/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (lock.get() < 0 || ::flock(lock.get(), LOCK_EX) != 0)
    throw io_error("cannot lock " + root + "/.lock: " + std::strerror(errno));
  auto versions = model_versions(ws, m.name);
  const ModelVersionInfo* same = nullptr;  // the version asked for, or the latest
  for (const auto& v : versions)
    if (m.version == 0 || v.version == m.version) same = &v;
  if (same && (m.version != 0 || !m.content_digest.empty())) {
    bool same_files = !m.content_digest.empty() &&
                      same->meta.value("content_digest", json("")) == json(m.content_digest);
    if (same_files) {
      r.version = same->version;
      r.type = same->meta.value("type", m.type);
      r.path = same->meta.value("path", "");
      r.created = false;
      return r;
    }
    if (m.version != 0)
      throw already_exists("model " + m.name + ":" + std::to_string(m.version) +
                           " exists (versions are immutable); give another version, or leave "
                           "the version out for the next one");
  }
  r.version = m.version != 0 ? m.version : (versions.empty() ? 1 : versions.back().version + 1);
  std::string dest = root + "/" + m.name + "/" + std::to_string(r.version);
  std::string tmp = dest + ".tmp-" + std::to_string(::getpid());
  remove_all(tmp);
  make_dirs(tmp);
  fs::path src = fs::path(m.source_path).lexically_normal();
  std::string base = src.filename().string();
  if (base.empty()) base = src.parent_path().filename().string();
  try {
    copy_tree(m.source_path, tmp + "/" + base);
    r.path = dest + "/" + base;
    json meta = {{"name", m.name},
                 {"version", r.version},
                 {"type", m.type},
                 {"tags", m.tags.is_object() ? m.tags : json::object()},
                 {"properties", m.properties.is_object() ? m.properties : json::object()},
                 {"description", m.description.empty() ? json(nullptr) : json(m.description)},
                 {"model_framework", nullptr},
                 {"model_framework_version", nullptr},
                 {"created_time", format_time_iso(now_ms())},
                 {"run_id", m.run_id.empty() ? json(nullptr) : json(m.run_id)},
                 {"experiment_name", nullptr},
                 {"source", m.source},
                 {"path", r.path}};
    if (!m.flavors.is_null()) meta["flavors"] = m.flavors;
    if (!m.stage.empty()) meta["stage"] = m.stage;
    if (!m.content_digest.empty()) meta["content_digest"] = m.content_digest;
    write_file_atomic(tmp + "/model.json", meta.dump(1) + "\n", /*durable=*/true);
    fs::rename(tmp, dest);
  } catch (...) {
    remove_all(tmp);
    throw;
  }
  return r;
}

}  // namespace runnel::assets
