// The /api/v1/runs and /api/v1/events endpoints: submit, list, detail, cancel, metrics,
// and the live event stream.
#include <algorithm>
#include <sstream>

#include "core/ids.h"
#include "runnel/error.h"
#include "server/api_json.h"
#include "server/http_util.h"
#include "server/server_impl.h"

using nlohmann::json;

namespace runnel::server {

namespace {

constexpr const char* kRunId = R"(/api/v1/runs/([^/]+))";

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, sep))
    if (!part.empty()) out.push_back(part);
  return out;
}

}  // namespace

PipelineRunRecord Server::Impl::find_run(const std::string& id) {
  std::optional<PipelineRunRecord> r;
  try {
    r = ws.store().get_pipeline_run(id);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kInvalidArgument)
      throw ApiError(400, "invalid_argument", e.what(), {{"field", "run_id"}});
    throw;
  }
  if (!r)
    throw ApiError(404, "not_found",
                   "no run '" + id + "' in this workspace; list runs with GET /api/v1/runs",
                   {{"field", "run_id"}});
  return *r;
}

StepRunRecord Server::Impl::find_step(const PipelineRunRecord& run, const std::string& step) {
  auto steps = ws.store().list_step_runs(run.id);
  for (const auto& s : steps)
    if (s.name == step || s.id == step) return s;
  std::vector<const StepRunRecord*> prefix;
  for (const auto& s : steps)
    if (s.id.rfind(step, 0) == 0) prefix.push_back(&s);
  if (prefix.size() == 1) return *prefix.front();
  json names = json::array();
  for (const auto& s : steps) names.push_back(s.name);
  throw ApiError(404, "not_found", "run " + run.id + " has no step '" + step + "'",
                 {{"field", "step"}, {"steps", names}});
}

std::optional<std::string> Server::Impl::cached_run_detail(const std::string& id) {
  uint64_t seq = hub.last_seq_of(id);
  std::lock_guard lock(cache_mu_);
  auto it = detail_cache_.find(id);
  if (it != detail_cache_.end() && it->second.first == seq) return it->second.second;
  return std::nullopt;
}

// An answer built at version v holds every write counted up to v (the version is read
// before the store is): one built later serves any request that saw v or less.
std::optional<std::string> Server::Impl::cached_list(const std::string& key, uint64_t version) {
  std::lock_guard lock(cache_mu_);
  auto it = list_cache_.find(key);
  if (it != list_cache_.end() && it->second.first >= version) return it->second.second;
  return std::nullopt;
}

void Server::Impl::cache_list(const std::string& key, uint64_t version, const std::string& text) {
  std::lock_guard lock(cache_mu_);
  if (list_cache_.size() >= 256) list_cache_.clear();
  auto& slot = list_cache_[key];
  if (slot.second.empty() || slot.first <= version) slot = {version, text};
}

std::string Server::Impl::run_detail(const PipelineRunRecord& r) {
  uint64_t seq = hub.last_seq_of(r.id);
  if (auto cached = cached_run_detail(r.id)) return *cached;
  json j = run_detail_json(ws, r);
  std::string resumed = runs.resumed_as(r.id);
  j["resumed_as"] = resumed.empty() ? json(nullptr) : json(resumed);
  std::string text = j.dump(-1, ' ', false, json::error_handler_t::replace);
  if (is_final(r.status) && !runs.is_active(r.id)) {
    std::lock_guard lock(cache_mu_);
    if (detail_cache_.size() > 5000) detail_cache_.clear();
    detail_cache_[r.id] = {seq, text};
  }
  return text;
}

namespace {

// The values of query parameter `name`, read from the request's raw target: httplib's
// req.params keeps only the text after the last '=' of "tag=team=a" (curl users do not
// encode the second '=' as %3D), which turned a KEY=VALUE filter into a KEY filter.
std::vector<std::string> raw_query_values(const httplib::Request& req, const std::string& name) {
  std::vector<std::string> out;
  auto q = req.target.find('?');
  if (q == std::string::npos) return out;
  std::string_view query(req.target);
  query.remove_prefix(q + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    auto eq = part.find('=');
    if (httplib::detail::decode_url(std::string(part.substr(0, eq)), true) != name) continue;
    out.push_back(eq == std::string_view::npos
                      ? std::string()
                      : httplib::detail::decode_url(std::string(part.substr(eq + 1)), true));
  }
  return out;
}

}  // namespace

void Server::Impl::add_run_routes() {
  http.Post("/api/v1/runs", [this](const httplib::Request& req, httplib::Response& res) {
    json body = json::parse(req.body.empty() ? std::string("null") : req.body, nullptr, false);
    if (body.is_discarded())
      throw ApiError(400, "invalid_argument", "the body is not valid JSON", {{"field", "body"}});
    send_json(res, 201, runs.submit(body));
  });

  http.Get("/api/v1/runs", [this](const httplib::Request& req, httplib::Response& res) {
    // The answer depends on the query only (not on the caller): cached per query until the
    // store says something was written (never with a backend that cannot tell).
    std::string key;
    for (const auto& [k, v] : req.params)
      if (k != "access_token") key += k + '\0' + v + '\0';
    std::optional<uint64_t> version = ws.store().change_version();
    if (version) {
      if (auto hit = cached_list(key, *version)) {
        res.set_content(std::move(*hit), "application/json");
        return;
      }
    }
    // One build at a time (the store reads through one connection anyway). A request that
    // waited here takes the answer the one before it built, when that saw its version.
    std::unique_lock build(list_build_mu_);
    if (version) {
      if (auto hit = cached_list(key, *version)) {
        build.unlock();
        res.set_content(std::move(*hit), "application/json");
        return;
      }
    }
    int64_t limit = query_int(req, "limit", 50, 1, 1000);
    int64_t offset = query_int(req, "offset", 0, 0, int64_t{1} << 40);
    RunQuery q;
    q.experiment = query(req, "experiment").value_or("");
    q.limit = limit;
    q.offset = offset;
    if (auto s = query(req, "status")) {
      for (const auto& st : split(*s, ',')) {
        auto parsed = parse_run_status(st);
        if (!parsed)
          throw bad_field(
              "status",
              "'" + st +
                  "' is not a run status; use NotStarted, Running, Finished, Failed or Canceled");
        q.statuses.push_back(*parsed);
      }
    }
    for (const std::string& tag : raw_query_values(req, "tag")) {
      if (tag.empty()) throw bad_field("tag", "empty; use KEY or KEY=VALUE");
      auto eq = tag.find('=');
      if (eq == std::string::npos)
        q.tags.emplace_back(tag, std::nullopt);
      else
        q.tags.emplace_back(tag.substr(0, eq), tag.substr(eq + 1));
    }
    if (auto s = query(req, "since")) q.created_from = parse_time_param("since", *s);
    if (auto u = query(req, "until")) q.created_before = parse_time_param("until", *u);
    // Filtered, ordered, paged and counted by the store; the step counts of the page in
    // one grouped query.
    RunPage found = ws.store().query_pipeline_runs(q);
    std::vector<std::string> ids;
    ids.reserve(found.runs.size());
    for (const auto& r : found.runs) ids.push_back(r.id);
    auto counts = ws.store().count_step_runs(ids);
    json page = json::array();
    for (const auto& r : found.runs) {
      json s = run_summary_json(r);
      json c = json::object();
      if (auto it = counts.find(r.id); it != counts.end())
        for (const auto& [status, n] : it->second) c[status] = n;
      s["step_counts"] = std::move(c);
      page.push_back(std::move(s));
    }
    json answer = {{"total", found.total}, {"limit", limit}, {"offset", offset}, {"runs", page}};
    std::string text = answer.dump(-1, ' ', false, json::error_handler_t::replace);
    if (version) cache_list(key, *version, text);
    build.unlock();
    res.set_content(text, "application/json");
  });

  http.Get(kRunId, [this](const httplib::Request& req, httplib::Response& res) {
    // An ended run's detail by its full id straight from the cache, without the store
    // (whose lock a write under way holds).
    std::string id = req.matches[1];
    if (auto cached = cached_run_detail(id)) {
      res.set_content(*cached, "application/json");
      return;
    }
    res.set_content(run_detail(find_run(id)), "application/json");
  });

  http.Post(std::string(kRunId) + "/cancel", [this](const httplib::Request& req,
                                                    httplib::Response& res) {
    PipelineRunRecord r = find_run(req.matches[1]);
    if (runs.cancel(r.id)) {
      send_json(res, 202, {{"run_id", r.id}, {"status", "Canceling"}});
      return;
    }
    if (is_final(r.status))
      throw ApiError(409, "conflict",
                     "run " + r.id + " already ended (" + std::string(to_string(r.status)) + ")",
                     {{"status", to_string(r.status)}});
    throw ApiError(
        409, "conflict",
        "run " + r.id +
            " is not run by this server (it was started in another process); cancel it there",
        {{"status", to_string(r.status)}});
  });

  http.Get(std::string(kRunId) + "/metrics",
           [this](const httplib::Request& req, httplib::Response& res) {
             PipelineRunRecord r = find_run(req.matches[1]);
             auto steps = ws.store().list_step_runs(r.id);
             std::string only;
             if (auto s = query(req, "step")) only = find_step(r, *s).id;
             json out = json::array();
             std::map<std::string, std::string> names;
             for (const auto& s : steps) names[s.id] = s.name;
             for (const auto& s : steps) {
               if (!only.empty() && s.id != only) continue;
               // A reused step shows the metrics of the run whose outputs it took.
               std::string source = s.reused_run_id.empty() ? s.id : s.reused_run_id;
               for (const auto& m : ws.store().get_metrics("", source)) {
                 json mj = metric_json(m, s.name);
                 mj["step_run_id"] = s.id;
                 if (source != s.id) mj["source_step_run_id"] = source;
                 out.push_back(std::move(mj));
               }
             }
             if (only.empty())
               for (const auto& m : ws.store().get_metrics(r.id, ""))
                 if (m.run_id == r.id) out.push_back(metric_json(m, ""));
             send_json(res, 200, {{"metrics", out}});
           });

  http.Get("/api/v1/events", [this](const httplib::Request& req, httplib::Response& res) {
    std::string only = query(req, "run_id").value_or("");
    uint64_t after = hub.last_seq();
    std::string last = req.get_header_value("Last-Event-ID");
    if (!last.empty()) {
      try {
        after = std::stoull(last);
      } catch (const std::exception&) {
        throw bad_field("Last-Event-ID", "'" + last + "' is not an event id");
      }
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, only, after, first = true](size_t, httplib::DataSink& sink) mutable {
          if (first) {
            first = false;
            std::string hello = ": runnel events\n\n";
            if (!sink.write(hello.data(), hello.size())) return false;
          }
          while (!hub.closed()) {
            auto events = hub.wait_after(after, std::chrono::seconds(15));
            std::string chunk;
            for (const auto& e : events) {
              after = e.seq;
              if (!only.empty() && e.run_id != only) continue;
              chunk += "id: " + std::to_string(e.seq) + "\nevent: " + e.type + "\ndata: " + e.data +
                       "\n\n";
            }
            if (chunk.empty()) chunk = ": keep-alive\n\n";
            if (!sink.is_writable() || !sink.write(chunk.data(), chunk.size())) return false;
          }
          sink.done();
          return true;
        });
  });
}

}  // namespace runnel::server
