// Where committed outputs end up beyond the default location (an explicit datastore
// path), and registering outputs as datasets when the step completes.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "assets/model_registry.h"
#include "core/confine.h"
#include "core/fs.h"
#include "data/dataset_state.h"
#include "data/file_match.h"
#include "data/registry.h"
#include "engine/execution_impl.h"
#include "objstore/ops.h"
#include "objstore/remote.h"
#include "runnel/dataset.h"
#include "runnel/error.h"
#include "store/metadata_store.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace runnel {

namespace {

void replace_all(std::string* s, const std::string& from, const std::string& to) {
  for (size_t p = 0; (p = s->find(from, p)) != std::string::npos; p += to.size())
    s->replace(p, from.size(), to);
}

// Moves `from` to `to`, replacing what is there. Same filesystem: renames (the old
// content is moved aside first and removed after). Else: copies, then removes `from`.
void move_replacing(const std::string& from, const std::string& to) {
  make_dirs(fs::path(to).parent_path().string());
  std::string aside;
  if (path_exists(to)) {
    aside = to + ".replaced." + std::to_string(::getpid());
    if (::rename(to.c_str(), aside.c_str()) != 0)
      throw io_error("cannot replace " + to + ": " + std::strerror(errno));
  }
  if (::rename(from.c_str(), to.c_str()) != 0) {
    if (errno != EXDEV) {
      std::string e = std::strerror(errno);
      if (!aside.empty()) ::rename(aside.c_str(), to.c_str());
      throw io_error("cannot move output " + from + " to " + to + ": " + e);
    }
    copy_tree(from, to);
    remove_all(from);
  }
  if (!aside.empty()) remove_all(aside);
}

}  // namespace

std::string expand_output_path(const std::string& pattern, const std::string& step_run_id,
                               const std::string& output_name) {
  std::string p = pattern;
  replace_all(&p, "{run-id}", step_run_id);
  replace_all(&p, "{output-name}", output_name);
  replace_all(&p, "${{name}}", step_run_id);
  replace_all(&p, "${{output_name}}", output_name);
  while (!p.empty() && p.back() == '/') p.pop_back();
  return p;
}

void PipelineExecution::Impl::move_to_destinations(int i) {
  StepSlot& s = steps[i];
  for (const auto& out : spec.steps[i].outputs) {
    Datastore ds =
        out.datastore.empty() ? ws.get_default_datastore() : Datastore(ws, out.datastore);
    if (ds.is_remote()) {
      // An object store: uploaded now that the step succeeded, files first and the commit
      // marker (a manifest) last, so readers never see half of it (objstore/ops.h); then the
      // local copy becomes the cached one, so readers here fetch nothing. Azure ML's default
      // location when no path is given.
      std::string rel =
          expand_output_path(out.path.empty() ? "azureml/{run-id}/{output-name}" : out.path,
                             s.state.step_run_id, out.name);
      std::string local = s.commit_root + "/" + out.name;
      std::string where = "output '" + out.name + "' of step '" + s.state.name +
                          "' to datastore '" + ds.name() + "' path '" + rel + "'";
      try {
        objstore::publish_output(ws, ds.name(), rel, local);
        std::string cached = objstore::adopt_into_cache(
            ws, ds.name(), rel, local,
            [](const std::string& p, const std::string& k) { return internal::glob_match(p, k); });
        std::lock_guard<std::mutex> lock(mu);
        s.state.outputs[out.name] = cached;
      } catch (const Error& e) {
        throw Error(e.code(), objstore::redact(ws, "cannot upload " + where + ": " + e.what()));
      }
      continue;
    }
    if (out.path.empty()) continue;
    std::string dest = ds.path(expand_output_path(out.path, s.state.step_run_id, out.name));
    check_resolves_beneath(ds.root(), dest, "datastore " + ds.name());  // not through a link out
    move_replacing(s.commit_root + "/" + out.name, dest);
    std::lock_guard<std::mutex> lock(mu);
    s.state.outputs[out.name] = dest;
  }
}

void PipelineExecution::Impl::register_outputs(int i) {
  StepSlot& s = steps[i];
  for (const auto& out : spec.steps[i].outputs) {
    if (out.register_name.empty()) continue;
    const std::string& path = s.state.outputs.at(out.name);
    const std::string digest =
        s.output_digests.count(out.name) ? s.output_digests.at(out.name).digest : "";
    if (!out.register_model_type.empty()) {
      // A model-typed output with a name is a model (as Azure ML registers it), a new
      // version only when its files changed.
      assets::ModelFiles m;
      m.name = out.register_name;
      m.version = out.register_version.empty() ? 0 : std::stoi(out.register_version);
      m.type = out.register_model_type;
      m.source_path = path;
      m.source = "azureml://jobs/" + s.state.step_run_id + "/outputs/" + out.name;
      m.description = out.register_description;
      for (const auto& [k, v] : out.register_tags) m.tags[k] = v;
      m.run_id = s.state.step_run_id;
      m.content_digest = digest;
      assets::register_model_files(ws, m);
      continue;
    }
    // Same content as the latest version: nothing new to register.
    if (auto latest = ws.store().get_dataset(out.register_name, 0)) {
      json tags = json::parse(latest->tags_json.empty() ? "{}" : latest->tags_json, nullptr, false);
      if (tags.is_object() && tags.value("runnel.content_digest", "") == digest) continue;
    }
    // The output as a path on the datastore that holds it.
    std::string ds_name, rel;
    for (const auto& [name, d] : ws.datastores()) {
      if (path.rfind(d.root() + "/", 0) == 0) {
        ds_name = name;
        rel = path.substr(d.root().size() + 1);
      }
    }
    if (ds_name.empty()) throw internal_error("output " + path + " is on no datastore");
    Datastore ds(ws, ds_name);
    bool is_dir = is_directory(path);
    std::map<std::string, std::string> tags = out.register_tags;
    tags["runnel.content_digest"] = digest;
    tags["runnel.step_run_id"] = s.state.step_run_id;
    std::string desc = out.register_description.empty()
                           ? "output '" + out.name + "' of step '" + s.state.name + "'"
                           : out.register_description;
    // `version:` registers exactly that version (the same content there is a no-op, other
    // content an error: versions are immutable); else the next one.
    int version = out.register_version.empty() ? 0 : std::stoi(out.register_version);
    if (out.register_tabular) {
      auto d = Dataset::Tabular::from_delimited_files({DataPath(ds, is_dir ? rel + "/**" : rel)});
      internal::register_state(ws, DatasetAccess::state(d), out.register_name, desc, tags, true,
                               version);
    } else {
      auto d = Dataset::File::from_files({DataPath(ds, is_dir ? rel + "/**" : rel)});
      DatasetState st = DatasetAccess::state(d);
      st.asset_type = data_type_name(out.type);  // a v2 data asset: uri_folder, uri_file
      internal::register_state(ws, st, out.register_name, desc, tags, true, version);
    }
  }
}

}  // namespace runnel
