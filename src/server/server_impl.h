// server/server_impl.h: what the route files share (internal to src/server).
// Thread-safety: handlers run on httplib's worker threads; every member is thread-safe.
#pragma once

#include <httplib.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "runnel/workspace.h"
#include "server/event_hub.h"
#include "server/prom_metrics.h"
#include "server/run_manager.h"
#include "server/schedule/scheduler.h"
#include "server/server.h"
#include "server/tokens.h"
#include "store/metadata_store.h"

namespace runnel::server {

// The caller of the current request (set by the auth check on the handling thread).
struct Caller {
  std::string token_name;
  Scope scope = Scope::kRead;
};
Caller& current_caller();

struct Server::Impl {
  Impl(Workspace w, ServerOptions o);

  Workspace ws;
  ServerOptions options;
  std::string studio_dir;
  EventHub hub;
  ServerMetrics metrics;
  TokenStore tokens;
  RunManager runs;
  httplib::Server http;
  int port = 0;
  // Schedules (routes_schedules.cc): stored in the metadata store, fired by the scheduler
  // thread that bind() starts and shutdown() stops.
  schedule::SystemClock clock;
  std::unique_ptr<schedule::ScheduleStore> schedule_store;
  std::unique_ptr<schedule::Scheduler> scheduler;

  // A run by id or prefix; ApiError 404 naming the run.
  PipelineRunRecord find_run(const std::string& id);
  StepRunRecord find_step(const PipelineRunRecord& run, const std::string& step);
  // The RunDetail text of a run (cached until an event about it).
  std::string run_detail(const PipelineRunRecord& r);
  // An ended run's detail as cached for the run's current event sequence, if it is.
  std::optional<std::string> cached_run_detail(const std::string& id);

  void add_run_routes();
  void add_step_routes();
  void add_workspace_routes();
  void add_published_routes();
  // http://host:port of this server (the base of published endpoints).
  std::string url_base() const { return "http://" + options.host + ":" + std::to_string(port); }
  void add_static_routes();
  void add_schedule_routes();

  // The SubmitRequest for a schedule's firing (tags azureml.schedule*, parameters).
  nlohmann::json fire_submit_request(const schedule::FireRequest& f);
  // Published pipeline / endpoint targets: the SubmitRequest they stand for. ApiError 400/404.
  nlohmann::json resolve_published_target(const schedule::Target& t, const nlohmann::json& params,
                                          const nlohmann::json& data_paths,
                                          const std::string& experiment,
                                          const std::map<std::string, std::string>& tags);
  // Refuses a target that cannot run (a missing or broken pipeline file, an unknown id).
  void check_target(const schedule::Target& t);
  // The local folder of `path` on datastore `name`; Error for unknown or remote datastores.
  std::string datastore_local_path(const std::string& name, const std::string& path);
  nlohmann::json schedule_json(const schedule::ScheduleRecord& r);
  schedule::ScheduleRecord find_schedule(const std::string& id);  // ApiError 404

 private:
  std::mutex cache_mu_;
  std::map<std::string, std::pair<uint64_t, std::string>> detail_cache_;
  // GET /api/v1/runs answers by query, with the store's change_version() they were built at.
  std::map<std::string, std::pair<uint64_t, std::string>> list_cache_;

 public:
  // The answer cached for `key` built at `version` or later, if any.
  std::optional<std::string> cached_list(const std::string& key, uint64_t version);
  void cache_list(const std::string& key, uint64_t version, const std::string& text);
  // Held while a run list is built: the requests that a write made miss the cache at once
  // wait for the first one's answer instead of each building the same one.
  std::mutex list_build_mu_;
};

bool is_terminal_status(const std::string& s);

}  // namespace runnel::server
