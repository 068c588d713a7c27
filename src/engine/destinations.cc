// Destinations a step writes in place on a datastore, outside its outputs (StepSpec::
// destinations: DataTransferStep's DataReference destination). Their state is recorded in the
// step run's fingerprint record ("destination_states", which only explains) when the step
// finishes; a step run is taken for reuse only while every destination still holds that
// state, so data deleted or altered at a destination reruns the step that wrote it.
//
// State of one destination, as recorded and compared (JSON):
//   {"absent": true}                          nothing there
//   {"digest": HEX, "files": N}               a local datastore: the content digest
//                                             (core/digest.h through the stat cache)
//   {"listing": HEX, "objects": N}            an object store: one listing's names, sizes,
//                                             ETags, MD5s, version ids (no object is read)
#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "data/remote_sync.h"
#include "engine/execution_impl.h"
#include "runnel/datastore.h"
#include "runnel/error.h"

using nlohmann::json;

namespace runnel {

namespace {

std::string destination_key(const DatastoreDestination& d) { return d.datastore + ":" + d.path; }

std::string describe(const DatastoreDestination& d) {
  return "destination '" + d.path + "' on datastore '" + d.datastore + "'";
}

std::string count_text(const json& state) {
  if (state.contains("objects")) return std::to_string(state.value("objects", 0)) + " object(s)";
  if (state.contains("files")) return std::to_string(state.value("files", 0)) + " file(s)";
  return "nothing";
}

}  // namespace

json PipelineExecution::Impl::destination_state(const DatastoreDestination& d) {
  Datastore ds(ws, d.datastore);
  if (ds.is_remote()) {
    auto listing = internal::list_remote_path(ws, d.datastore, d.path);
    if (!listing) return {{"absent", true}};
    return {{"listing", listing->digest}, {"objects", listing->objects}};
  }
  std::string path = d.path.empty() ? ds.root() : ds.path(d.path);
  if (!path_exists(path)) return {{"absent", true}};
  DataDigest now = digest_data(path, stat_cache_.get());
  return {{"digest", now.digest}, {"files", now.file_count}};
}

void PipelineExecution::Impl::record_destination_states(int i) {
  const StepSpec& st = spec.steps[i];
  if (st.destinations.empty()) return;
  json states = json::object();
  for (const auto& d : st.destinations) {
    try {
      states[destination_key(d)] = destination_state(d);
    } catch (const Error& e) {
      throw Error(e.code(), "cannot record the state of " + describe(d) + ": " + e.what());
    }
  }
  steps[i].fingerprint["destination_states"] = std::move(states);
}

std::string PipelineExecution::Impl::destinations_problem(int i, const StepRunRecord& cand,
                                                          std::map<std::string, json>* now) {
  const StepSpec& st = spec.steps[i];
  if (st.destinations.empty()) return "";
  json recorded = json_member(cand.fingerprint_json, "destination_states");
  for (const auto& d : st.destinations) {
    std::string key = destination_key(d);
    if (!recorded.is_object() || !recorded.contains(key))
      return "run " + cand.id + " recorded no state of the " + describe(d) +
             " it wrote, so it cannot be checked";
    auto it = now->find(key);
    if (it == now->end()) {
      try {
        it = now->emplace(key, destination_state(d)).first;
      } catch (const Error& e) {
        throw Error(e.code(), st.loc.to_string() + ": step " + st.name + ": cannot check the " +
                                  describe(d) + ": " + e.what());
      }
    }
    const json& then = recorded[key];
    if (it->second == then) continue;
    if (it->second.value("absent", false))
      return "the " + describe(d) + " that run " + cand.id + " wrote was deleted since";
    return "the " + describe(d) + " changed since run " + cand.id + " wrote it (" +
           count_text(then) + " then, " + count_text(it->second) + " now, other content)";
  }
  return "";
}

}  // namespace runnel
