// Dataset registration (data/registry.h).
#include "data/registry.h"

#include <unistd.h>

#include <filesystem>
#include <regex>

#include "core/fs.h"
#include "core/ids.h"
#include "data/asset_archive.h"
#include "data/file_match.h"
#include "data/manifest.h"
#include "runnel/error.h"
#include "store/metadata_store.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace runnel::internal {

std::shared_ptr<DatasetState> resolve_state(DatasetState s);  // dataset.cc

namespace {

void check_name(const std::string& name) {
  // Inner spaces as Azure ML allows them ('diabetes dataset'); none at either end.
  static const std::regex kName("[A-Za-z0-9]([A-Za-z0-9_. -]{0,253}[A-Za-z0-9_.-])?");
  if (name.size() > 255 || !std::regex_match(name, kName))
    throw invalid_argument("dataset name '" + name +
                           "' is not valid: use letters, digits, '_', '.', '-' and inner spaces, "
                           "starting with a letter or digit");
}

// Copies local sources into the default datastore under datasets/<name>/<digest12>/ and
// rewrites them as datastore sources. Each file is written to a temp name and renamed, so a
// failed upload leaves no half file under its final name.
void upload_local_sources(const Workspace& ws, DatasetState& s, const std::string& name) {
  bool any_local = false;
  for (const auto& p : s.sources) any_local |= p.datastore.empty();
  if (!any_local) return;
  std::vector<DatasetFile> local;
  for (const auto& f : s.files)
    if (f.datastore.empty()) local.push_back(f);
  std::vector<std::pair<std::string, std::string>> rels;  // (abs, rel)
  for (const auto& p : s.sources)
    if (p.datastore.empty())
      for (const auto& m : match_local_files(p.path)) rels.emplace_back(m.abs, m.rel);
  std::string digest_text;
  for (const auto& [abs, rel] : rels) digest_text += rel + '\0' + sha256_file_hex(abs) + '\n';
  Datastore ds = ws.get_default_datastore();
  std::string dir = "datasets/" + name + "/" + sha256_string_hex(digest_text).substr(0, 12);
  for (const auto& [abs, rel] : rels) {
    std::string dest = ds.path(dir + "/" + rel);
    if (path_exists(dest) && sha256_file_hex(dest) == sha256_file_hex(abs)) continue;
    make_dirs(fs::path(dest).parent_path().string());
    std::string tmp = dest + ".upload-" + std::to_string(::getpid());
    std::error_code ec;
    fs::copy_file(abs, tmp, fs::copy_options::overwrite_existing, ec);
    if (!ec) fs::rename(tmp, dest, ec);
    if (ec) {
      fs::remove(tmp);
      throw io_error("cannot upload " + abs + " to datastore " + ds.name() + " (" + dest +
                     "): " + ec.message());
    }
  }
  for (auto& p : s.sources)
    if (p.datastore.empty()) p = DataPath(ds, dir + "/" + local_pattern_rel(p.path));
}

std::string identity(const json& definition) {
  json d = definition;
  d.erase("files");
  return d.dump();
}

}  // namespace

std::map<std::string, std::string> datastore_roots(const Workspace& ws) {
  std::map<std::string, std::string> out;
  for (const auto& [n, ds] : ws.datastores()) out[n] = ds.root();
  return out;
}

std::shared_ptr<const DatasetState> register_state(const Workspace& ws, const DatasetState& given,
                                                   const std::string& name,
                                                   const std::string& description,
                                                   const std::map<std::string, std::string>& tags,
                                                   bool create_new_version, int explicit_version) {
  check_name(name);
  DatasetState s = given;
  upload_local_sources(ws, s, name);
  // Re-resolve on the datastore, so that the recorded files are exactly what a consumer sees.
  auto resolved = resolve_state(s);
  json manifest = build_manifest(resolved->files);
  std::string digest = manifest_digest(manifest);
  json definition = definition_to_json(*resolved);
  std::string ident = identity(definition);

  MetadataStore& store = ws.store();
  DatasetRecord rec;
  std::optional<DatasetRecord> existing;
  store.transaction([&] {
    auto versions = store.list_dataset_versions(name);
    if (explicit_version > 0) {
      for (const auto& v : versions) {
        if (v.version != explicit_version) continue;
        if (v.digest == digest && v.kind == s.kind &&
            identity(json::parse(v.definition_json)) == ident) {
          existing = v;
          return;
        }
        throw already_exists("data asset '" + name + "' version " +
                             std::to_string(explicit_version) +
                             " is already registered with a different definition or content, and "
                             "versions are immutable; give a new version (--version), or leave "
                             "version out to get the next number");
      }
      versions.clear();  // a new version of that number
    }
    for (auto it = versions.rbegin(); it != versions.rend(); ++it)
      if (it->digest == digest && it->kind == s.kind &&
          identity(json::parse(it->definition_json)) == ident) {
        existing = *it;
        return;
      }
    if (!versions.empty() && !create_new_version)
      throw already_exists("dataset '" + name + "' is already registered (latest version " +
                           std::to_string(versions.back().version) +
                           ") with a different definition or content; pass create_new_version=true "
                           "(--new-version) to add version " +
                           std::to_string(versions.back().version + 1) +
                           ", or choose another name");
    rec.name = name;
    rec.version = explicit_version > 0 ? explicit_version
                  : versions.empty()   ? 1
                                       : versions.back().version + 1;
    rec.kind = s.kind;
    rec.definition_json = definition.dump();
    rec.manifest_json = manifest.dump();
    rec.digest = digest;
    rec.description = description;
    rec.tags_json = json(tags).dump();
    rec.created_at = now_ms();
    store.put_dataset(rec);
  });
  if (existing) return load_state(ws, name, existing->version);
  return load_state(ws, name, rec.version);
}

std::shared_ptr<const DatasetState> load_state(const Workspace& ws, const std::string& name,
                                               int version) {
  auto rec = ws.store().get_dataset(name, version);
  if (rec && version == 0 && is_archived(ws, "data", name, std::to_string(rec->version))) {
    // @latest skips archived versions (`runnel data archive`); a named version still resolves.
    rec.reset();
    auto all = ws.store().list_dataset_versions(name);
    for (auto it = all.rbegin(); it != all.rend() && !rec; ++it)
      if (!is_archived(ws, "data", name, std::to_string(it->version))) rec = *it;
    if (!rec)
      throw not_found("every version of dataset '" + name +
                      "' is archived, so it has no latest version; name a "
                      "version (azureml:" +
                      name + ":VERSION) or restore one with `runnel data restore`");
  }
  if (!rec) {
    auto versions = ws.store().list_dataset_versions(name);
    if (!versions.empty())
      throw not_found("dataset '" + name + "' has no version " + std::to_string(version) +
                      " (versions 1.." + std::to_string(versions.back().version) + ")");
    std::string known;
    for (const auto& d : ws.store().list_datasets()) known += (known.empty() ? "" : ", ") + d.name;
    throw not_found("no dataset called '" + name + "' is registered" +
                    (known.empty()
                         ? std::string(" (none is; register one with `runnel dataset register`)")
                         : " (registered: " + known + ")"));
  }
  auto s = std::make_shared<DatasetState>(
      definition_from_json(json::parse(rec->definition_json), datastore_roots(ws)));
  s->name = rec->name;
  s->version = rec->version;
  s->description = rec->description;
  s->digest = rec->digest;
  s->manifest_json = rec->manifest_json;
  s->tags_json = rec->tags_json;
  return s;
}

std::pair<std::string, int> parse_dataset_ref(const std::string& ref) {
  std::string r = ref;
  for (const char* prefix : {"dataset:", "azureml:"})
    if (r.rfind(prefix, 0) == 0) r = r.substr(std::string(prefix).size());
  int version = 0;
  if (auto at = r.find('@'); at != std::string::npos) {
    if (r.substr(at + 1) != "latest")
      throw invalid_argument("dataset reference '" + ref +
                             "': only @latest is supported after '@'");
    r = r.substr(0, at);
  } else if (auto colon = r.rfind(':'); colon != std::string::npos) {
    std::string v = r.substr(colon + 1);
    if (v == "latest") {
      version = 0;
    } else if (!v.empty() && v.find_first_not_of("0123456789") == std::string::npos &&
               v.size() < 9) {
      version = std::stoi(v);
    } else {
      throw invalid_argument("dataset reference '" + ref + "': version '" + v +
                             "' is not a number (write NAME:VERSION, e.g. iris:2)");
    }
    r = r.substr(0, colon);
  }
  if (r.empty()) throw invalid_argument("dataset reference '" + ref + "' has no name");
  return {r, version};
}

}  // namespace runnel::internal
