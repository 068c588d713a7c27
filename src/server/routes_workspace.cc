// The workspace-level endpoints (experiments, datasets, environments, compute targets)
// and the studio's static files at / (index.html for client-side routes).
#include <cctype>
#include <filesystem>

#include "core/fs.h"
#include "data/column_types.h"
#include "data/registry.h"
#include "data/tabular_reader.h"
#include "runnel/error.h"
#include "server/api_json.h"
#include "server/confine.h"
#include "server/http_util.h"
#include "server/server_impl.h"

using nlohmann::json;
namespace fs = std::filesystem;

namespace runnel::server {

namespace {

json dataset_json(const DatasetRecord& d) {
  json manifest = parse_json_or(d.manifest_json, json::array());
  int64_t bytes = 0;
  if (manifest.is_array())
    for (const auto& f : manifest) bytes += f.value("size", int64_t{0});
  return {{"name", d.name},
          {"version", d.version},
          {"kind", d.kind},
          {"description", d.description},
          {"digest", d.digest},
          {"file_count", manifest.is_array() ? manifest.size() : 0},
          {"total_bytes", bytes},
          {"created", time_json(d.created_at)},
          {"tags", parse_json_or(d.tags_json, json::object())},
          {"definition", redact_secrets(parse_json_or(d.definition_json, json::object()))}};
}

int version_param(const std::string& text) {
  if (text == "latest") return 0;
  try {
    size_t pos = 0;
    int v = std::stoi(text, &pos);
    if (pos == text.size() && v > 0) return v;
  } catch (const std::exception&) {
  }
  throw bad_field("version", "'" + text + "' is not a version; use a positive number or `latest`");
}

std::string static_mime(const std::string& path) {
  static const std::map<std::string, std::string> kTypes = {{".html", "text/html; charset=utf-8"},
                                                            {".js", "text/javascript"},
                                                            {".mjs", "text/javascript"},
                                                            {".css", "text/css"},
                                                            {".json", "application/json"},
                                                            {".svg", "image/svg+xml"},
                                                            {".png", "image/png"},
                                                            {".ico", "image/x-icon"},
                                                            {".woff2", "font/woff2"},
                                                            {".map", "application/json"},
                                                            {".txt", "text/plain"}};
  auto it = kTypes.find(fs::path(path).extension().string());
  return it == kTypes.end() ? "application/octet-stream" : it->second;
}

}  // namespace

void Server::Impl::add_workspace_routes() {
  http.Get("/api/v1/experiments", [this](const httplib::Request&, httplib::Response& res) {
    std::map<std::string, json> by_name;
    for (const auto& name : ws.store().list_experiments())
      by_name[name] = {{"name", name},
                       {"run_count", 0},
                       {"last_run_id", nullptr},
                       {"last_status", nullptr},
                       {"last_created", nullptr}};
    std::map<std::string, int64_t> counts;
    for (const auto& c : ws.store().count_pipeline_runs()) counts[c.experiment] += c.count;
    for (const auto& [name, n] : counts) {
      RunQuery q;
      q.experiment = name;
      q.limit = 1;
      RunPage newest = ws.store().query_pipeline_runs(q);
      json& e = by_name[name];
      e = {{"name", name},
           {"run_count", n},
           {"last_run_id", nullptr},
           {"last_status", nullptr},
           {"last_created", nullptr}};
      if (!newest.runs.empty()) {
        const PipelineRunRecord& r = newest.runs.front();
        e["last_run_id"] = r.id;
        e["last_status"] = to_string(r.status);
        e["last_created"] = time_json(r.created_at);
      }
    }
    json out = json::array();
    for (auto& [_, e] : by_name) out.push_back(e);
    send_json(res, 200, {{"experiments", out}});
  });

  http.Get("/api/v1/datasets", [this](const httplib::Request&, httplib::Response& res) {
    json out = json::array();
    for (const auto& d : ws.store().list_datasets()) out.push_back(dataset_json(d));
    send_json(res, 200, {{"datasets", out}});
  });

  http.Get(R"(/api/v1/datasets/([^/]+)/versions)", [this](const httplib::Request& req,
                                                          httplib::Response& res) {
    std::string name = req.matches[1];
    auto versions = ws.store().list_dataset_versions(name);
    if (versions.empty())
      throw ApiError(404, "not_found", "no dataset named '" + name + "'", {{"field", "name"}});
    json out = json::array();
    for (const auto& d : versions) out.push_back(dataset_json(d));
    send_json(res, 200, {{"versions", out}});
  });

  auto find_dataset = [this](const httplib::Request& req) {
    std::string name = req.matches[1];
    int v = version_param(req.matches[2]);
    auto d = ws.store().get_dataset(name, v);
    if (!d)
      throw ApiError(
          404, "not_found", "no dataset '" + name + "' version " + std::string(req.matches[2]),
          {{"field", ws.store().list_dataset_versions(name).empty() ? "name" : "version"}});
    return *d;
  };

  http.Get(R"(/api/v1/datasets/([^/]+)/versions/([^/]+))",
           [find_dataset](const httplib::Request& req, httplib::Response& res) {
             DatasetRecord d = find_dataset(req);
             json j = dataset_json(d);
             json files = json::array();
             for (const auto& f : parse_json_or(d.manifest_json, json::array()))
               files.push_back({{"path", f.value("path", "")},
                                {"size", f.value("size", int64_t{0})},
                                {"digest", f.value("digest", "")}});
             j["files"] = files;
             send_json(res, 200, j);
           });

  http.Get(R"(/api/v1/datasets/([^/]+)/versions/([^/]+)/preview)", [this, find_dataset](
                                                                       const httplib::Request& req,
                                                                       httplib::Response& res) {
    DatasetRecord d = find_dataset(req);
    int rows = static_cast<int>(query_int(req, "rows", 20, 1, 1000));
    auto state = internal::load_state(ws, d.name, d.version);
    json out = {{"name", d.name},           {"version", d.version},  {"kind", d.kind},
                {"columns", json::array()}, {"rows", json::array()}, {"files", json::array()},
                {"truncated", false}};
    size_t n = 0;
    for (const auto& f : state->files) {
      if (n++ >= 1000) {
        out["truncated"] = true;
        break;
      }
      out["files"].push_back(f.path);
    }
    if (d.kind == "tabular") {
      auto columns = state->columns.empty() ? internal::infer_columns(state->files, state->options)
                                            : state->columns;
      for (const auto& c : columns)
        out["columns"].push_back({{"name", c.name}, {"type", internal::column_type_name(c.type)}});
      out["rows"] = internal::take_rows(state->files, state->options, columns, rows);
      if (out["rows"].size() == static_cast<size_t>(rows)) out["truncated"] = true;
    }
    send_json(res, 200, out);
  });

  http.Get("/api/v1/environments", [this](const httplib::Request&, httplib::Response& res) {
    json out = json::array();
    for (const auto& e : ws.store().list_environments()) {
      json vars = json::object();
      for (const auto& [k, v] : e.variables) vars[k] = v;
      out.push_back({{"name", e.name},
                     {"version", e.version},
                     {"python", e.python},
                     {"variables", redact_secrets(vars)},
                     {"description", e.description},
                     {"created", time_json(e.created_at)}});
    }
    send_json(res, 200, {{"environments", out}});
  });

  auto compute_list = [this] {
    std::vector<ComputeRecord> list = ws.store().list_computes();
    bool has_local = false;
    for (const auto& c : list) has_local |= c.name == "local";
    if (!has_local) list.insert(list.begin(), ComputeRecord{"local", "local", "{}", 0});
    return list;
  };
  auto compute_json = [](const ComputeRecord& c) {
    return json{{"name", c.name},
                {"type", c.type},
                {"config", redact_secrets(parse_json_or(c.config_json, json::object()))},
                {"created", time_json(c.created_at)}};
  };

  http.Get("/api/v1/computes",
           [compute_list, compute_json](const httplib::Request&, httplib::Response& res) {
             json out = json::array();
             for (const auto& c : compute_list()) out.push_back(compute_json(c));
             send_json(res, 200, {{"computes", out}});
           });

  http.Get(R"(/api/v1/computes/([^/]+))", [this, compute_list, compute_json](
                                              const httplib::Request& req, httplib::Response& res) {
    std::string name = req.matches[1];
    for (const auto& c : compute_list()) {
      if (c.name != name) continue;
      json j = compute_json(c);
      auto counts = runs.active_step_counts(c.name);
      j["running_steps"] = counts["Running"] + counts["Preparing"];
      j["queued_steps"] = counts["Queued"] + counts["NotStarted"];
      if (c.type == "local") {
        j["state"] = "ok";
        j["message"] = "local process pool";
      } else {
        int rc = std::system("timeout 5 scontrol ping >/dev/null 2>&1");
        j["state"] = rc == 0 ? "ok" : "unavailable";
        j["message"] = rc == 0 ? "scontrol ping answered" : "scontrol ping did not answer";
      }
      return send_json(res, 200, j);
    }
    throw ApiError(404, "not_found", "no compute target '" + name + "'", {{"field", "name"}});
  });
}

namespace {

// A file name with a bundler's content hash before its extension (Vite's default
// "[name]-[hash].js", 8 characters of [A-Za-z0-9_-]).
bool has_content_hash(const std::string& name) {
  size_t dot = name.rfind('.');
  if (dot == std::string::npos || dot < 9 || name[dot - 9] != '-') return false;
  for (size_t i = dot - 8; i < dot; ++i) {
    char c = name[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  }
  return true;
}

// `rel`: the request's path without its leading "/"; `file`: what is served for it.
std::string static_cache_control(const std::string& rel, const std::string& file) {
  // A hashed asset never changes under its name: cache it for a year.
  if (rel.rfind("assets/", 0) == 0 && fs::path(file).filename() == fs::path(rel).filename() &&
      has_content_hash(fs::path(rel).filename().string()))
    return "public, max-age=31536000, immutable";
  // index.html names the assets of this build: always fetched anew.
  if (fs::path(file).filename() == "index.html") return "no-store";
  // Other files (assets without a hash in their name): cached, but revalidated each use.
  return "no-cache";
}

}  // namespace

void Server::Impl::add_static_routes() {
  http.Get(".*", [this](const httplib::Request& req, httplib::Response& res) {
    if (req.path.rfind("/api/", 0) == 0 || req.path == "/api")
      throw ApiError(404, "not_found",
                     "no endpoint GET " + req.path + "; see /api/v1/openapi.json");
    std::string index = studio_dir + "/index.html";
    std::string file;
    std::string rel = req.path.size() > 1 ? req.path.substr(1) : "";
    try {
      file = confine(studio_dir, rel, "path");
    } catch (const Error&) {
      file.clear();
    } catch (const ApiError&) {
      file.clear();
    }
    if (file.empty() || !fs::is_regular_file(file)) {
      if (!fs::exists(index)) {
        res.status = 404;
        res.set_content(
            "runnel studio is not built (no " + std::string("index.html in the studio folder") +
                "); build it with `npm run build` in studio/, or set RUNNEL_STUDIO_DIR\n",
            "text/plain");
        return;
      }
      file = index;  // client-side routes
    }
    res.set_header("Cache-Control", static_cache_control(rel, file));
    res.set_content(read_file(file), static_mime(file));
  });
}

}  // namespace runnel::server
