#include "publish/published_store.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <random>

#include "core/fs.h"
#include "core/ids.h"
#include "runnel/error.h"
#include "snapshot/snapshot.h"
#include "spec/spec_json.h"
#include "spec/validate.h"
#include "store/metadata_store.h"

using nlohmann::json;
namespace fs = std::filesystem;

namespace runnel {

const char* to_string(PublishedStatus s) {
  return s == PublishedStatus::kActive ? "Active" : "Disabled";
}

std::optional<PublishedStatus> parse_published_status(std::string_view s) {
  std::string l(s);
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return std::tolower(c); });
  if (l == "active") return PublishedStatus::kActive;
  if (l == "disabled") return PublishedStatus::kDisabled;
  return std::nullopt;
}

std::string new_guid() {
  std::random_device rd;
  std::mt19937_64 g((static_cast<uint64_t>(rd()) << 32) ^ rd() ^ static_cast<uint64_t>(now_ms()));
  static const char* kHex = "0123456789abcdef";
  std::string out = "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx";
  for (char& c : out) {
    if (c == 'x') c = kHex[g() % 16];
    if (c == 'y') c = kHex[8 + g() % 4];
  }
  return out;
}

namespace {

constexpr const char* kPipelines = "published.pipelines";
constexpr const char* kEndpoints = "published.endpoints";
constexpr const char* kDrafts = "published.drafts";

std::string key_of(const char* index, const std::string& id) {
  std::string k = index;
  k.pop_back();  // "published.pipelines" -> "published.pipeline"
  return k + "." + id;
}

json read_json(MetadataStore& st, const std::string& key, json fallback) {
  auto v = st.get_value(key);
  if (!v) return fallback;
  json j = json::parse(*v, nullptr, false);
  if (j.is_discarded())
    throw corruption("metadata store: the value of '" + key +
                     "' is not JSON; it was edited or damaged");
  return j;
}

std::vector<std::string> ids_of(MetadataStore& st, const char* index) {
  return read_json(st, index, json::array()).get<std::vector<std::string>>();
}

void add_id(MetadataStore& st, const char* index, const std::string& id) {
  auto ids = ids_of(st, index);
  ids.push_back(id);
  st.set_value(index, json(ids).dump());
}

// The full id that `id` (an id or a unique prefix of one) names, "" if none.
std::string resolve_id(MetadataStore& st, const char* index, const std::string& id) {
  if (id.empty()) return "";
  std::string found;
  for (const auto& x : ids_of(st, index)) {
    if (x == id) return x;
    if (x.rfind(id, 0) == 0) {
      if (!found.empty())
        throw invalid_argument("'" + id + "' is the start of more than one id; give more of it");
      found = x;
    }
  }
  return found;
}

PublishedStatus status_from(const json& j) {
  auto s = parse_published_status(j.value("status", "Active"));
  if (!s) throw corruption("published record: unknown status '" + j.value("status", "") + "'");
  return *s;
}

PublishedPipelineRecord pipeline_from(const json& j) {
  PublishedPipelineRecord r;
  r.id = j.value("id", "");
  r.name = j.value("name", "");
  r.description = j.value("description", "");
  r.version = j.value("version", "");
  r.continue_on_step_failure = j.value("continue_on_step_failure", false);
  r.status = status_from(j);
  r.source = j.value("source", "");
  r.created_at = j.value("created_at_ms", int64_t{0});
  r.spec = j.value("spec", json::object());
  return r;
}

PipelineEndpointRecord endpoint_from(const json& j) {
  PipelineEndpointRecord r;
  r.id = j.value("id", "");
  r.name = j.value("name", "");
  r.description = j.value("description", "");
  r.status = status_from(j);
  r.default_version = j.value("default_version", "0");
  for (const auto& v : j.value("versions", json::array()))
    r.pipeline_ids.push_back(v.value("pipeline_id", ""));
  r.created_at = j.value("created_at_ms", int64_t{0});
  r.updated_at = j.value("updated_at_ms", int64_t{0});
  return r;
}

// Freezes every code folder of `spec` into <runnel_dir>/published/code/<digest>/.
void freeze_code(const Workspace& ws, PipelineSpec* spec) {
  std::string root = ws.runnel_dir() + "/published/code";
  std::map<std::string, std::string> done;
  for (auto& st : spec->steps) {
    if (st.code_dir.empty()) continue;
    auto it = done.find(st.code_dir);
    if (it == done.end()) {
      if (!is_directory(st.code_dir))
        throw invalid_argument("step '" + st.name + "': code folder " + st.code_dir +
                               " does not exist; a published pipeline keeps a copy of its code");
      SnapshotInfo info = create_snapshot(st.code_dir, ws.runnel_dir() + "/snapshots");
      std::string dest = root + "/" + info.digest.hex();
      if (!is_directory(dest)) {
        std::string tmp = dest + ".tmp-" + new_step_run_id();
        extract_snapshot(info.archive_path, tmp);
        std::error_code ec;
        fs::rename(tmp, dest, ec);
        if (ec) remove_all(tmp);  // another publisher put the same code there first
      }
      it = done.emplace(st.code_dir, dest).first;
    }
    st.code_dir = it->second;
  }
}

}  // namespace

PipelineDraftRecord draft_from_json(const json& j) {
  PipelineDraftRecord r;
  r.id = j.value("id", "");
  r.name = j.value("name", "");
  r.description = j.value("description", "");
  r.experiment_name = j.value("experiment_name", "");
  r.continue_on_step_failure = j.value("continue_on_step_failure", false);
  r.tags = j.value("tags", std::map<std::string, std::string>{});
  r.properties = j.value("properties", std::map<std::string, std::string>{});
  r.pipeline_parameters = j.value("pipeline_parameters", json::object());
  r.spec = j.value("spec", json::object());
  r.last_submitted_run_id = j.value("last_submitted_run_id", "");
  r.created_at = j.value("created_at_ms", int64_t{0});
  r.updated_at = j.value("updated_at_ms", int64_t{0});
  return r;
}

json to_json(const PublishedPipelineRecord& r, bool with_spec) {
  json j{{"id", r.id},
         {"name", r.name},
         {"description", r.description},
         {"version", r.version},
         {"continue_on_step_failure", r.continue_on_step_failure},
         {"status", to_string(r.status)},
         {"source", r.source},
         {"created_at_ms", r.created_at},
         {"created", format_time_iso(r.created_at)}};
  if (with_spec) j["spec"] = r.spec;
  return j;
}

json to_json(const PipelineEndpointRecord& r) {
  json versions = json::array();
  for (size_t i = 0; i < r.pipeline_ids.size(); ++i)
    versions.push_back({{"version", std::to_string(i)}, {"pipeline_id", r.pipeline_ids[i]}});
  return {{"id", r.id},
          {"name", r.name},
          {"description", r.description},
          {"status", to_string(r.status)},
          {"default_version", r.default_version},
          {"versions", versions},
          {"created_at_ms", r.created_at},
          {"updated_at_ms", r.updated_at},
          {"created", format_time_iso(r.created_at)}};
}

json to_json(const PipelineDraftRecord& r, bool with_spec) {
  json j{{"id", r.id},
         {"name", r.name},
         {"description", r.description},
         {"experiment_name", r.experiment_name},
         {"continue_on_step_failure", r.continue_on_step_failure},
         {"tags", r.tags},
         {"properties", r.properties},
         {"pipeline_parameters", r.pipeline_parameters},
         {"last_submitted_run_id", r.last_submitted_run_id},
         {"created_at_ms", r.created_at},
         {"updated_at_ms", r.updated_at},
         {"created", format_time_iso(r.created_at)}};
  if (with_spec) j["spec"] = r.spec;
  return j;
}

PublishedStore::PublishedStore(Workspace ws) : ws_(std::move(ws)) {}

PublishedPipelineRecord PublishedStore::publish(PipelineSpec spec, const PublishOptions& o) {
  if (o.name.empty())
    throw invalid_argument("publish: a published pipeline needs a name (--name / name=)");
  validate_pipeline(spec);
  freeze_code(ws_, &spec);
  PublishedPipelineRecord r;
  r.id = new_guid();
  r.name = o.name;
  r.description = o.description;
  r.version = o.version;
  r.continue_on_step_failure = o.continue_on_step_failure;
  r.source = o.source;
  r.created_at = now_ms();
  r.spec = spec_to_json(spec);
  MetadataStore& st = ws_.store();
  st.transaction([&] {
    st.set_value(key_of(kPipelines, r.id), to_json(r, true).dump());
    add_id(st, kPipelines, r.id);
  });
  return r;
}

std::optional<PublishedPipelineRecord> PublishedStore::get_pipeline(const std::string& id) {
  MetadataStore& st = ws_.store();
  std::string full = resolve_id(st, kPipelines, id);
  if (full.empty()) return std::nullopt;
  json j = read_json(st, key_of(kPipelines, full), nullptr);
  if (j.is_null()) return std::nullopt;
  return pipeline_from(j);
}

PublishedPipelineRecord PublishedStore::require_pipeline(const std::string& id) {
  auto r = get_pipeline(id);
  if (!r)
    throw not_found("no published pipeline '" + id +
                    "' in this workspace; list them with `runnel pipeline list`");
  return *r;
}

std::vector<PublishedPipelineRecord> PublishedStore::list_pipelines(bool active_only) {
  MetadataStore& st = ws_.store();
  std::vector<PublishedPipelineRecord> out;
  for (const auto& id : ids_of(st, kPipelines)) {
    json j = read_json(st, key_of(kPipelines, id), nullptr);
    if (j.is_null()) continue;
    auto r = pipeline_from(j);
    if (active_only && r.status != PublishedStatus::kActive) continue;
    r.spec = json::object();  // lists never need it
    out.push_back(std::move(r));
  }
  return out;
}

PublishedPipelineRecord PublishedStore::set_pipeline_status(const std::string& id,
                                                            PublishedStatus s) {
  PublishedPipelineRecord r;
  MetadataStore& st = ws_.store();
  st.transaction([&] {
    r = require_pipeline(id);
    r.status = s;
    st.set_value(key_of(kPipelines, r.id), to_json(r, true).dump());
  });
  return r;
}

PipelineSpec PublishedStore::pipeline_spec(const PublishedPipelineRecord& r) const {
  PipelineSpec s = spec_from_json(r.spec);
  s.continue_on_step_failure = s.continue_on_step_failure || r.continue_on_step_failure;
  return s;
}

namespace {

void save_endpoint(MetadataStore& st, const PipelineEndpointRecord& e) {
  json j = to_json(e);
  st.set_value(key_of(kEndpoints, e.id), j.dump());
}

void check_name_free(PublishedStore& ps, const std::string& name, const std::string& except_id) {
  if (name.empty()) throw invalid_argument("a pipeline endpoint needs a name");
  for (const auto& e : ps.list_endpoints())
    if (e.name == name && e.id != except_id)
      throw already_exists("a pipeline endpoint named '" + name + "' exists already (id " + e.id +
                           "); add a version to it with "
                           "`runnel pipeline endpoint add` or PipelineEndpoint.add()");
}

}  // namespace

PipelineEndpointRecord PublishedStore::create_endpoint(const std::string& name,
                                                       const std::string& description,
                                                       const std::string& pipeline_id) {
  PipelineEndpointRecord e;
  MetadataStore& st = ws_.store();
  st.transaction([&] {
    check_name_free(*this, name, "");
    e.id = new_guid();
    e.name = name;
    e.description = description;
    e.default_version = "0";
    e.pipeline_ids.push_back(require_pipeline(pipeline_id).id);
    e.created_at = e.updated_at = now_ms();
    save_endpoint(st, e);
    add_id(st, kEndpoints, e.id);
  });
  return e;
}

std::optional<PipelineEndpointRecord> PublishedStore::get_endpoint(const std::string& id_or_name) {
  MetadataStore& st = ws_.store();
  // An exact id, else an exact name, else a unique id prefix.
  std::vector<PipelineEndpointRecord> all = list_endpoints();
  for (const auto& e : all)
    if (e.id == id_or_name) return e;
  for (const auto& e : all)
    if (e.name == id_or_name) return e;
  std::string full;
  try {
    full = resolve_id(st, kEndpoints, id_or_name);
  } catch (const Error&) {
  }
  for (const auto& e : all)
    if (!full.empty() && e.id == full) return e;
  return std::nullopt;
}

PipelineEndpointRecord PublishedStore::require_endpoint(const std::string& id_or_name) {
  auto e = get_endpoint(id_or_name);
  if (!e)
    throw not_found(
        "no pipeline endpoint '" + id_or_name +
        "' (by id or name) in this workspace; list them with `runnel pipeline endpoint list`");
  return *e;
}

std::vector<PipelineEndpointRecord> PublishedStore::list_endpoints(bool active_only) {
  MetadataStore& st = ws_.store();
  std::vector<PipelineEndpointRecord> out;
  for (const auto& id : ids_of(st, kEndpoints)) {
    json j = read_json(st, key_of(kEndpoints, id), nullptr);
    if (j.is_null()) continue;
    auto e = endpoint_from(j);
    if (active_only && e.status != PublishedStatus::kActive) continue;
    out.push_back(std::move(e));
  }
  return out;
}

PipelineEndpointRecord PublishedStore::add_version(const std::string& endpoint,
                                                   const std::string& pipeline_id,
                                                   bool make_default) {
  PipelineEndpointRecord e;
  MetadataStore& st = ws_.store();
  st.transaction([&] {
    e = require_endpoint(endpoint);
    e.pipeline_ids.push_back(require_pipeline(pipeline_id).id);
    if (make_default) e.default_version = std::to_string(e.pipeline_ids.size() - 1);
    e.updated_at = now_ms();
    save_endpoint(st, e);
  });
  return e;
}

PipelineEndpointRecord PublishedStore::set_default_version(const std::string& endpoint,
                                                           const std::string& version) {
  PipelineEndpointRecord e;
  MetadataStore& st = ws_.store();
  st.transaction([&] {
    e = require_endpoint(endpoint);
    endpoint_pipeline_id(e, version);  // checks it exists
    e.default_version = version;
    e.updated_at = now_ms();
    save_endpoint(st, e);
  });
  return e;
}

PipelineEndpointRecord PublishedStore::set_endpoint_status(const std::string& endpoint,
                                                           PublishedStatus s) {
  PipelineEndpointRecord e;
  MetadataStore& st = ws_.store();
  st.transaction([&] {
    e = require_endpoint(endpoint);
    e.status = s;
    e.updated_at = now_ms();
    save_endpoint(st, e);
  });
  return e;
}

PipelineEndpointRecord PublishedStore::rename_endpoint(const std::string& endpoint,
                                                       const std::string& new_name) {
  PipelineEndpointRecord e;
  MetadataStore& st = ws_.store();
  st.transaction([&] {
    e = require_endpoint(endpoint);
    check_name_free(*this, new_name, e.id);
    e.name = new_name;
    e.updated_at = now_ms();
    save_endpoint(st, e);
  });
  return e;
}

std::string PublishedStore::endpoint_pipeline_id(const PipelineEndpointRecord& e,
                                                 const std::string& version) const {
  std::string v = version.empty() ? e.default_version : version;
  bool digits = !v.empty() &&
                std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); });
  if (!digits || v.size() > 9 || std::stoul(v) >= e.pipeline_ids.size())
    throw not_found("pipeline endpoint '" + e.name + "' has no version '" + v + "' (versions: 0.." +
                    std::to_string(e.pipeline_ids.size() - 1) + ")");
  return e.pipeline_ids[std::stoul(v)];
}

PipelineDraftRecord PublishedStore::create_draft(PipelineDraftRecord d) {
  if (d.name.empty()) throw invalid_argument("a pipeline draft needs a name");
  d.id = new_guid();
  d.created_at = d.updated_at = now_ms();
  MetadataStore& st = ws_.store();
  st.transaction([&] {
    st.set_value(key_of(kDrafts, d.id), to_json(d, true).dump());
    add_id(st, kDrafts, d.id);
  });
  return d;
}

std::optional<PipelineDraftRecord> PublishedStore::get_draft(const std::string& id) {
  MetadataStore& st = ws_.store();
  std::string full = resolve_id(st, kDrafts, id);
  if (full.empty()) return std::nullopt;
  json j = read_json(st, key_of(kDrafts, full), nullptr);
  if (j.is_null()) return std::nullopt;
  return draft_from_json(j);
}

PipelineDraftRecord PublishedStore::require_draft(const std::string& id) {
  auto d = get_draft(id);
  if (!d) throw not_found("no pipeline draft '" + id + "' in this workspace");
  return *d;
}

std::vector<PipelineDraftRecord> PublishedStore::list_drafts() {
  MetadataStore& st = ws_.store();
  std::vector<PipelineDraftRecord> out;
  for (const auto& id : ids_of(st, kDrafts)) {
    json j = read_json(st, key_of(kDrafts, id), nullptr);
    if (!j.is_null()) out.push_back(draft_from_json(j));
  }
  return out;
}

PipelineDraftRecord PublishedStore::update_draft(const PipelineDraftRecord& d) {
  PipelineDraftRecord out = d;
  MetadataStore& st = ws_.store();
  st.transaction([&] {
    PipelineDraftRecord old = require_draft(d.id);
    out.id = old.id;
    out.created_at = old.created_at;
    out.updated_at = now_ms();
    st.set_value(key_of(kDrafts, out.id), to_json(out, true).dump());
  });
  return out;
}

void PublishedStore::delete_draft(const std::string& id) {
  MetadataStore& st = ws_.store();
  st.transaction([&] {
    PipelineDraftRecord d = require_draft(id);
    auto ids = ids_of(st, kDrafts);
    ids.erase(std::remove(ids.begin(), ids.end(), d.id), ids.end());
    st.set_value(kDrafts, json(ids).dump());
    st.set_value(key_of(kDrafts, d.id), "null");
  });
}

}  // namespace runnel
