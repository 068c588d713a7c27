#include "assets/component_registry.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <random>
#include <set>

#include "assets/model_refs.h"
#include "assets/url_inputs.h"
#include "core/digest.h"
#include "core/fs.h"
#include "core/ids.h"
#include "core/sha256.h"
#include "data/asset_archive.h"
#include "runnel/error.h"
#include "spec/yaml_component.h"
#include "spec/yaml_util.h"

namespace runnel::assets {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kKind = "component";

std::string registry_root(const Workspace& ws) { return ws.runnel_dir() + "/assets/components"; }

void check_asset_name(const std::string& s, const std::string& what, const std::string& file) {
  bool ok = !s.empty() && s.size() <= 255 && s[0] != '.' && s[0] != '-';
  for (char c : s)
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.');
  if (!ok)
    throw invalid_argument(file + ": " + what + " '" + s +
                           "' is not valid: use letters, digits, '_', '-' and '.', starting with a "
                           "letter, digit or '_'");
}

bool is_number(const std::string& v) {
  return !v.empty() && v.size() < 10 && v.find_first_not_of("0123456789") == std::string::npos;
}

// Orders versions as people read them: numbers numerically, before other text.
bool version_less(const std::string& a, const std::string& b) {
  if (is_number(a) && is_number(b)) return std::stoll(a) < std::stoll(b);
  if (is_number(a) != is_number(b)) return is_number(a);
  return a < b;
}

ComponentVersion read_meta(const Workspace& ws, const std::string& dir) {
  json m;
  try {
    m = json::parse(read_file(dir + "/meta.json"));
  } catch (const json::exception& e) {
    throw corruption(dir + "/meta.json: not a component record (" + e.what() +
                     "); remove the folder and register the component again");
  }
  ComponentVersion c;
  c.name = m.value("name", "");
  c.version = m.value("version", "");
  c.type = m.value("type", "command");
  c.display_name = m.value("display_name", "");
  c.description = m.value("description", "");
  c.digest = m.value("digest", "");
  c.created_at = m.value("created_at", int64_t{0});
  c.dir = dir;
  c.file = dir + "/" + m.value("file", "component.yml");
  c.archived = internal::is_archived(ws, kKind, c.name, c.version);
  return c;
}

// Copies what a snapshot of `from` would hold (after its ignore file) into `to`; returns the
// tree digest of those files.
std::string copy_code(const std::string& from, const std::string& to) {
  IgnoreMatcher ignore = IgnoreMatcher::from_root(from);
  TreeListing listing = list_tree(from, &ignore);
  make_dirs(to);
  for (const auto& e : listing.entries) {
    fs::path dst = fs::path(to) / e.path;
    fs::path src = fs::path(from) / e.path;
    std::error_code ec;
    switch (e.kind) {
      case EntryKind::kDirectory:
        fs::create_directories(dst, ec);
        break;
      case EntryKind::kSymlink:
        fs::create_directories(dst.parent_path(), ec);
        fs::create_symlink(fs::read_symlink(src, ec), dst, ec);
        break;
      default:
        fs::create_directories(dst.parent_path(), ec);
        fs::copy_file(src, dst, fs::copy_options::overwrite_existing, ec);
        if (!ec) fs::permissions(dst, fs::status(src).permissions(), ec);
        break;
    }
    if (ec)
      throw io_error("cannot copy " + src.string() + " to " + dst.string() + ": " + ec.message());
  }
  return digest_listing(std::move(listing), nullptr).digest.hex();
}

// Checks a command component as the pipeline loader will read it, with the file's lines.
void validate_command(const std::string& path, const std::string& base_dir) {
  internal::YamlDoc d{path, base_dir};
  internal::yaml::Node root = internal::parse_yaml(d, internal::read_yaml_file(path, path));
  internal::parse_component(d, root, "");
}

// The folders a pipeline component's files name, recursively: its own folder; for each job's
// local component file (`component: ./x.yml`) that file's folder and its `code:` folder (a
// child pipeline component's likewise); an inline component's `code:`.
void collect_component_folders(const json& doc, const std::string& base_dir,
                               std::set<std::string>* dirs, int depth) {
  if (depth > 16 || !doc.contains("jobs") || !doc["jobs"].is_object()) return;
  auto code_of = [&](const json& comp, const std::string& dir) {
    if (!comp.contains("code") || !comp["code"].is_string()) return;
    std::string code = comp["code"].get<std::string>();
    if (code.rfind("file:", 0) == 0) code = code.substr(5);
    if (code.rfind("azureml:", 0) == 0 || code.find("://") != std::string::npos) return;
    std::string abs = absolute_path(code, dir);
    if (is_directory(abs)) dirs->insert(fs::weakly_canonical(abs).string());
  };
  for (const auto& [name, job] : doc["jobs"].items()) {
    if (!job.is_object() || !job.contains("component")) continue;
    const json& c = job["component"];
    if (c.is_object()) {
      code_of(c, base_dir);
      continue;
    }
    if (!c.is_string()) continue;
    std::string ref = c.get<std::string>();
    if (ref.rfind("file:", 0) == 0) ref = ref.substr(5);
    if (ref.rfind("azureml:", 0) == 0) continue;  // registered: travels on its own
    std::string abs = absolute_path(ref, base_dir);
    if (!fs::is_regular_file(abs)) continue;  // the loader names a missing file
    AssetYaml child = read_asset_yaml(abs, Overrides{});
    dirs->insert(fs::weakly_canonical(child.base_dir).string());
    if (string_at(child.doc, "type") == "pipeline")
      collect_component_folders(child.doc, child.base_dir, dirs, depth + 1);
    else
      code_of(child.doc, child.base_dir);
  }
}

std::string unique_suffix() {
  std::random_device rd;
  return std::to_string(::getpid()) + "-" + std::to_string(rd());
}

}  // namespace

std::vector<ComponentVersion> component_versions(const Workspace& ws, const std::string& name) {
  std::vector<ComponentVersion> out;
  std::string dir = registry_root(ws) + "/" + name;
  std::error_code ec;
  if (name.empty() || name.find('/') != std::string::npos || !fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string v = e.path().filename().string();
    if (v.empty() || v[0] == '.' || !fs::exists(e.path() / "meta.json")) continue;
    out.push_back(read_meta(ws, e.path().string()));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.created_at != b.created_at ? a.created_at < b.created_at
                                        : version_less(a.version, b.version);
  });
  return out;
}

std::vector<ComponentVersion> list_components(const Workspace& ws, bool include_archived) {
  std::vector<ComponentVersion> out;
  std::error_code ec;
  if (!fs::is_directory(registry_root(ws), ec)) return out;
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(registry_root(ws), ec))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    auto vs = component_versions(ws, n);
    for (auto it = vs.rbegin(); it != vs.rend(); ++it)
      if (include_archived || !it->archived) {
        out.push_back(*it);
        break;
      }
  }
  return out;
}

ComponentVersion get_component(const Workspace& ws, const std::string& name,
                               const std::string& version) {
  auto vs = component_versions(ws, name);
  if (vs.empty()) {
    std::string known;
    for (const auto& c : list_components(ws, true)) known += (known.empty() ? "" : ", ") + c.name;
    throw not_found("no component called '" + name + "' is registered" +
                    (known.empty() ? std::string(" (none is)") : " (registered: " + known + ")"));
  }
  std::string list;
  for (const auto& c : vs)
    list += (list.empty() ? "" : ", ") + c.version + (c.archived ? " (archived)" : "");
  if (version.empty()) {
    for (auto it = vs.rbegin(); it != vs.rend(); ++it)
      if (!it->archived) return *it;
    throw not_found("every version of component '" + name + "' is archived (" + list +
                    "), so it has no @latest; name a version (azureml:" + name +
                    ":VERSION) or restore one with "
                    "`runnel component restore --name " +
                    name + " --version V`");
  }
  for (const auto& c : vs)
    if (c.version == version) return c;
  throw not_found("component '" + name + "' has no version '" + version + "' (versions: " + list +
                  ")");
}

void archive_component(const Workspace& ws, const std::string& name, const std::string& version,
                       bool archived) {
  if (version.empty()) {
    auto vs = component_versions(ws, name);
    if (vs.empty()) get_component(ws, name, "");  // throws not_found
    for (const auto& c : vs) internal::set_archived(ws, kKind, c.name, c.version, archived);
    return;
  }
  ComponentVersion c = get_component(ws, name, version);
  internal::set_archived(ws, kKind, c.name, c.version, archived);
}

CreateResult create_component(const Workspace& ws, const std::string& yaml_path,
                              const Overrides& o) {
  AssetYaml f = read_asset_yaml(yaml_path, o);
  check_asset_keys(f,
                   {"$schema",
                    "name",
                    "version",
                    "display_name",
                    "description",
                    "type",
                    "tags",
                    "is_deterministic",
                    "inputs",
                    "outputs",
                    "code",
                    "environment",
                    "command",
                    "resources",
                    "environment_variables",
                    "distribution",
                    "properties",
                    "jobs",
                    "settings",
                    "additional_includes"},
                   "a component");
  std::string name = string_at(f.doc, "name");
  if (name.empty())
    throw invalid_argument(yaml_path +
                           ": the component has no name; add `name:` to the file or pass --name");
  check_asset_name(name, "component name", yaml_path);
  std::string type = string_at(f.doc, "type");
  if (type.empty()) type = "command";
  if (type != "command" && type != "pipeline")
    throw invalid_argument(
        yaml_path + ": component type '" + type +
        "' cannot be registered; runnel registers command and pipeline components");
  if (type == "command" && !f.overridden) validate_command(yaml_path, f.base_dir);
  if (type == "pipeline" && (!f.doc.contains("jobs") || !f.doc["jobs"].is_object()))
    throw invalid_argument(yaml_path + ": a pipeline component needs a `jobs:` mapping");

  std::string root = registry_root(ws) + "/" + name;
  make_dirs(root);
  std::string tmp = root + "/.tmp-" + unique_suffix();
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } cleanup{tmp};
  make_dirs(tmp);

  json doc = f.doc;
  std::string code_digest;
  std::string file = "component.yml";
  if (type == "command" && doc.contains("code") && doc["code"].is_string()) {
    std::string code = doc["code"].get<std::string>();
    if (code.rfind("file:", 0) == 0) code = code.substr(5);
    std::string abs = absolute_path(code, f.base_dir);
    if (!is_directory(abs))
      throw invalid_argument(yaml_path + ": code '" + code + "' is not a folder (looked for " +
                             abs + "); point code at the folder holding the component's scripts");
    code_digest = copy_code(abs, tmp + "/code");
    doc["code"] = "./code";
  } else if (type == "pipeline") {
    // The component's folder travels with it (its jobs name files relative to it), and so do
    // the folders its jobs' component files and code live in when they are outside it
    // (`code: ../src`): all under files/, at their places relative to the folder holding
    // them all, so every relative path in them still holds.
    std::string own = fs::weakly_canonical(f.base_dir).string();
    std::set<std::string> dirs{own};
    collect_component_folders(f.doc, f.base_dir, &dirs, 0);
    std::vector<std::string> tops;  // the folders not inside another one
    for (const auto& d : dirs) {
      bool inside = false;
      for (const auto& t : tops) inside = inside || d == t || d.rfind(t + "/", 0) == 0;
      if (!inside) tops.push_back(d);
    }
    if (tops.size() == 1) {
      code_digest = copy_code(f.base_dir, tmp + "/files");
      file = "files/" + fs::path(yaml_path).filename().string();
    } else {
      fs::path common = tops[0];
      for (const auto& t : tops)
        while (!common.empty() &&
               fs::path(t).lexically_relative(common).string().rfind("..", 0) == 0)
          common = common.parent_path();
      std::string parts;
      for (const auto& t : tops) {
        std::string rel = fs::path(t).lexically_relative(common).string();
        parts += rel + " " + copy_code(t, tmp + "/files/" + rel) + "\n";
      }
      code_digest = sha256_hex(parts);
      file = "files/" + fs::path(own).lexically_relative(common).string() + "/" +
             fs::path(yaml_path).filename().string();
    }
  }
  std::string definition = doc.dump(2) + "\n";
  std::string digest = sha256_hex(definition + "\n" + code_digest);
  write_file_atomic(tmp + "/" + file, definition);
  if (type == "command" && f.overridden) {
    try {
      validate_command(tmp + "/" + file, tmp);
    } catch (const Error& e) {
      throw invalid_argument(std::string("after --set/--name/--version: ") + e.what());
    }
  }

  std::string version = string_at(doc, "version");
  auto existing = component_versions(ws, name);
  if (version.empty()) {
    // Azure numbers an unversioned component itself; the same content again is a no-op.
    if (!existing.empty() && existing.back().digest == digest) return {existing.back(), false};
    int64_t next = 1;
    for (const auto& c : existing)
      if (is_number(c.version)) next = std::max<int64_t>(next, std::stoll(c.version) + 1);
    version = std::to_string(next);
  }
  check_asset_name(version, "component version", yaml_path);
  json meta = {{"name", name},
               {"version", version},
               {"type", type},
               {"display_name", string_at(doc, "display_name")},
               {"description", string_at(doc, "description")},
               {"digest", digest},
               {"created_at", now_ms()},
               {"file", file}};
  write_file_atomic(tmp + "/meta.json", meta.dump(2) + "\n");
  std::string final_dir = root + "/" + version;
  std::error_code ec;
  fs::rename(tmp, final_dir, ec);
  if (ec) {
    if (!fs::exists(final_dir + "/meta.json"))
      throw io_error("cannot create " + final_dir + ": " + ec.message());
    ComponentVersion have = read_meta(ws, final_dir);
    if (have.digest == digest) return {have, false};
    throw already_exists("component " + name + ":" + version +
                         " is already registered with different content, and versions are "
                         "immutable; give a new version (--version or --set version=...), or leave "
                         "version out to get the next number");
  }
  cleanup.dir.clear();
  return {read_meta(ws, final_dir), true};
}

std::unique_ptr<internal::ScopedComponentLookup> use_registered_components(
    const std::string& workspace_flag) {
  internal::AssetLookups assets;
  assets.model = [workspace_flag](const std::string& name, const std::string& version) {
    return registered_model_path(Workspace::from_config(workspace_flag), name, version);
  };
  assets.blob_datastore = [workspace_flag](const std::string& account,
                                           const std::string& container) {
    return blob_datastore_for(Workspace::from_config(workspace_flag), account, container);
  };
  assets.inline_environment = [workspace_flag](const std::string& image, const std::string& conda,
                                               const std::string& where) {
    return inline_environment_name(Workspace::from_config(workspace_flag), image, conda, where);
  };
  return std::make_unique<internal::ScopedComponentLookup>(
      [workspace_flag](const std::string& name, const std::string& version) {
        Workspace ws = Workspace::from_config(workspace_flag);
        return get_component(ws, name, version).file;
      },
      [workspace_flag](const std::string& url) {
        return fetch_url_input(Workspace::from_config(workspace_flag), url);
      },
      std::move(assets));
}

std::unique_ptr<internal::ScopedComponentLookup> use_registered_components(const Workspace& ws) {
  internal::AssetLookups assets;
  assets.model = [ws](const std::string& name, const std::string& version) {
    return registered_model_path(ws, name, version);
  };
  assets.blob_datastore = [ws](const std::string& account, const std::string& container) {
    return blob_datastore_for(ws, account, container);
  };
  assets.inline_environment = [ws](const std::string& image, const std::string& conda,
                                   const std::string& where) {
    return inline_environment_name(ws, image, conda, where);
  };
  return std::make_unique<internal::ScopedComponentLookup>(
      [ws](const std::string& name, const std::string& version) {
        return get_component(ws, name, version).file;
      },
      [ws](const std::string& url) { return fetch_url_input(ws, url); }, std::move(assets));
}

}  // namespace runnel::assets
