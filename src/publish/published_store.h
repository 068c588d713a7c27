// publish/published_store.h: published pipelines, pipeline endpoints and pipeline drafts
// (the SDK's PublishedPipeline, PipelineEndpoint, PipelineDraft; docs/design.md §10).
//
// A published pipeline is an immutable pipeline definition (the spec JSON, with its
// parameters) whose step code folders were frozen at publish time: each is snapshotted
// (the same content-addressed archive a run uses) and extracted once into
// .runnel/published/code/<digest>/, and the stored definition points there, so editing
// the original folder later changes nothing (and the code digest, hence reuse, is the
// same as a run of the original). Only the status (Active / Disabled) changes.
// An endpoint names a list of published pipelines as versions "0", "1", ... with a
// default version; a draft is a mutable definition that can be submitted or published.
//
// Records live in the workspace's metadata store (key/value rows "published.*"), so the
// CLI, the server and the Python module, in any processes, see the same ones; every
// change is one store transaction.
// Errors: Error(kNotFound) naming the id/name, Error(kAlreadyExists) for a taken
// endpoint name, Error(kInvalidArgument) for bad values.
// Thread-safety: every method may be called from any thread (the store serializes).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runnel/workspace.h"
#include "spec/pipeline_spec.h"

namespace runnel {

// Active: can be submitted. Disabled: refused (a disabled endpoint is "archived").
enum class PublishedStatus { kActive, kDisabled };
const char* to_string(PublishedStatus s);                                   // "Active", "Disabled"
std::optional<PublishedStatus> parse_published_status(std::string_view s);  // case-insensitive

struct PublishedPipelineRecord {
  std::string id;  // a GUID, as Azure ML's
  std::string name;
  std::string description;
  std::string version;
  bool continue_on_step_failure = false;
  PublishedStatus status = PublishedStatus::kActive;
  std::string source;  // "yaml:<file>", "sdk", "run:<pipeline run id>", "draft:<id>"
  int64_t created_at = 0;
  nlohmann::json spec;  // spec_to_json of the frozen definition
};

struct PipelineEndpointRecord {
  std::string id;
  std::string name;  // unique among endpoints
  std::string description;
  PublishedStatus status = PublishedStatus::kActive;
  std::string default_version;            // "0", "1", ...
  std::vector<std::string> pipeline_ids;  // version i -> pipeline_ids[i]
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct PipelineDraftRecord {
  std::string id;
  std::string name;
  std::string description;
  std::string experiment_name;
  bool continue_on_step_failure = false;
  std::map<std::string, std::string> tags;
  std::map<std::string, std::string> properties;
  nlohmann::json pipeline_parameters = nlohmann::json::object();  // {name: value}
  nlohmann::json spec;  // spec_to_json; code folders are read when it is submitted
  std::string last_submitted_run_id;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

nlohmann::json to_json(const PublishedPipelineRecord& r, bool with_spec = false);
nlohmann::json to_json(const PipelineEndpointRecord& r);
nlohmann::json to_json(const PipelineDraftRecord& r, bool with_spec = false);
// The inverse of to_json(draft, true); missing fields take their defaults.
PipelineDraftRecord draft_from_json(const nlohmann::json& j);

struct PublishOptions {
  std::string name;  // required
  std::string description;
  std::string version;
  bool continue_on_step_failure = false;
  std::string source = "sdk";
};

class PublishedStore {
 public:
  explicit PublishedStore(Workspace ws);

  // Freezes `spec` (see the header comment) and stores it as a new Active published
  // pipeline. Throws Error(kInvalidArgument) when the name is empty or the spec is
  // invalid, and the snapshot errors (limits, unreadable files).
  PublishedPipelineRecord publish(PipelineSpec spec, const PublishOptions& options);
  // By id (or a unique id prefix); nullopt when absent.
  std::optional<PublishedPipelineRecord> get_pipeline(const std::string& id);
  PublishedPipelineRecord require_pipeline(const std::string& id);  // Error(kNotFound)
  // Oldest first; `active_only` leaves out Disabled ones.
  std::vector<PublishedPipelineRecord> list_pipelines(bool active_only = false);
  PublishedPipelineRecord set_pipeline_status(const std::string& id, PublishedStatus s);
  // The stored definition as a PipelineSpec, ready for apply_parameters and submit.
  PipelineSpec pipeline_spec(const PublishedPipelineRecord& r) const;

  // A new endpoint whose version "0" (the default) is `pipeline_id`.
  PipelineEndpointRecord create_endpoint(const std::string& name, const std::string& description,
                                         const std::string& pipeline_id);
  // By id, or else by name; nullopt when neither matches.
  std::optional<PipelineEndpointRecord> get_endpoint(const std::string& id_or_name);
  PipelineEndpointRecord require_endpoint(const std::string& id_or_name);  // Error(kNotFound)
  std::vector<PipelineEndpointRecord> list_endpoints(bool active_only = false);
  // Appends `pipeline_id` as the next version; `make_default` makes it the default.
  PipelineEndpointRecord add_version(const std::string& endpoint, const std::string& pipeline_id,
                                     bool make_default);
  PipelineEndpointRecord set_default_version(const std::string& endpoint,
                                             const std::string& version);
  PipelineEndpointRecord set_endpoint_status(const std::string& endpoint, PublishedStatus s);
  PipelineEndpointRecord rename_endpoint(const std::string& endpoint, const std::string& new_name);
  // The pipeline id behind `version` ("" = the default). Error(kNotFound) naming the
  // versions there are.
  std::string endpoint_pipeline_id(const PipelineEndpointRecord& e,
                                   const std::string& version) const;

  PipelineDraftRecord create_draft(PipelineDraftRecord draft);  // id and times are set
  std::optional<PipelineDraftRecord> get_draft(const std::string& id);
  PipelineDraftRecord require_draft(const std::string& id);  // Error(kNotFound)
  std::vector<PipelineDraftRecord> list_drafts();
  PipelineDraftRecord update_draft(const PipelineDraftRecord& draft);  // by id; Error(kNotFound)
  void delete_draft(const std::string& id);                            // Error(kNotFound)

 private:
  Workspace ws_;
};

// A new random GUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
std::string new_guid();

}  // namespace runnel
