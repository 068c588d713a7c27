#include "server/client.h"

#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include "core/ids.h"
#include "runnel/error.h"
#include "server/confine.h"
#include "server/tokens.h"

using nlohmann::json;
namespace fs = std::filesystem;

namespace runnel::server {

namespace {

std::atomic<int> g_detach{0};
void on_interrupt(int) { g_detach.fetch_add(1); }

bool healthy(const std::string& url) {
  httplib::Client c(url);
  c.set_connection_timeout(1, 0);
  c.set_read_timeout(2, 0);
  auto r = c.Get("/healthz");
  return r && r->status == 200;
}

}  // namespace

std::optional<std::string> live_server_url(const Workspace& ws, const std::string& explicit_url) {
  std::string url = explicit_url;
  if (url.empty())
    if (const char* e = std::getenv("RUNNEL_SERVER"); e && *e) url = e;
  if (!url.empty()) {
    if (!healthy(url))
      throw unavailable("no runnel server answers at " + url + "; start one with `runnel serve`");
    return url;
  }
  url = ws.config_value("server.url");
  if (url.empty() || !healthy(url)) return std::nullopt;
  return url;
}

Client::Client(std::string url, std::string token)
    : url_(std::move(url)), token_(std::move(token)) {}

json Client::get(const std::string& path) { return call("GET", path, nullptr); }
json Client::post(const std::string& path, const json& body) { return call("POST", path, &body); }
json Client::patch(const std::string& path, const json& body) { return call("PATCH", path, &body); }
json Client::del(const std::string& path) { return call("DELETE", path, nullptr); }

json Client::call(const std::string& method, const std::string& path, const json* body) {
  httplib::Client c(url_);
  c.set_connection_timeout(5, 0);
  c.set_read_timeout(120, 0);
  httplib::Headers h = {{"Authorization", "Bearer " + token_}};
  std::string text = body ? body->dump() : "{}";
  auto r = method == "GET"      ? c.Get(path.c_str(), h)
           : method == "DELETE" ? c.Delete(path.c_str(), h)
           : method == "PATCH"  ? c.Patch(path.c_str(), h, text, "application/json")
                                : c.Post(path.c_str(), h, text, "application/json");
  if (!r)
    throw unavailable("the runnel server at " + url_ + " did not answer " + method + " " + path);
  json j = json::parse(r->body, nullptr, false);
  if (r->status >= 200 && r->status < 300) return j.is_discarded() ? json(nullptr) : j;
  std::string msg = !j.is_discarded() && j.is_object() ? j.value("message", r->body) : r->body;
  msg = "server " + url_ + ": " + msg;
  if (r->status == 404) throw not_found(msg);
  if (r->status == 409) throw already_exists(msg);
  if (r->status >= 500) throw unavailable(msg);
  throw invalid_argument(msg);
}

bool can_submit_remotely(const Workspace& ws, const std::string& file) {
  std::error_code ec;
  std::string real = fs::weakly_canonical(fs::absolute(file), ec).string();
  std::string root = fs::weakly_canonical(ws.root(), ec).string();
  return !ec && is_within(root, real);
}

int run_on_server(const Workspace& ws, const std::string& url, const RemoteSubmit& s, bool json_out,
                  const std::function<void(const std::string&)>& print_final) {
  Client client(url, client_token(ws.runnel_dir()));
  json req = s.request;
  if (req.is_null()) {
    std::string root = fs::weakly_canonical(ws.root()).string();
    std::string rel = fs::relative(fs::weakly_canonical(fs::absolute(s.file)), root).string();
    req = {{"path", rel},
           {"regenerate_outputs", s.regenerate_outputs},
           {"continue_on_step_failure", s.continue_on_step_failure},
           {"rerun_steps", s.rerun_steps},
           {"tags", s.tags},
           {"parameters", s.parameters}};
    if (!s.experiment.empty()) req["experiment"] = s.experiment;
    if (!s.compute.empty()) req["compute"] = s.compute;
  }
  json answer = client.post(s.submit_path, req);
  std::string id = answer.value("run_id", "");
  std::cerr << "Submitted PipelineRun " << id << " to the server at " << url << "\n";

  struct sigaction sa {};
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  std::map<std::string, std::string> seen;
  json detail;
  while (true) {
    if (g_detach > 0) {
      std::cerr << "\ndetached: run " << id << " goes on on the server.\n"
                << "  follow it: runnel runs show " << id << "   (or runnel logs " << id
                << " STEP)\n"
                << "  cancel it: runnel runs cancel " << id << "\n";
      return 0;
    }
    detail = client.get("/api/v1/runs/" + id);
    if (!json_out)
      for (const auto& st : detail["steps"]) {
        std::string name = st.value("name", ""), status = st.value("status", "");
        if (seen[name] == status) continue;
        seen[name] = status;
        std::cout << "  " << name << ": " << status;
        if (!st["reason"].is_null() && (status == "Failed" || status == "Canceled"))
          std::cout << " (" << st["reason"].get<std::string>() << ")";
        std::cout << "\n" << std::flush;
      }
    std::string status = detail.value("status", "");
    if (status == "Finished" || status == "Failed" || status == "Canceled") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  std::string status = detail.value("status", "");
  if (print_final && json_out) {
    print_final(id);
  } else {
    json counts = detail.value("step_counts", json::object());
    std::cout << "PipelineRun " << id << " " << status;
    if (detail["duration_s"].is_number())
      std::cout << " in "
                << format_duration(static_cast<int64_t>(detail["duration_s"].get<double>() * 1000));
    std::cout << ": " << counts.value("Finished", 0) << " ran";
    if (counts.value("Reused", 0)) std::cout << ", " << counts.value("Reused", 0) << " reused";
    if (counts.value("Failed", 0)) std::cout << ", " << counts.value("Failed", 0) << " failed";
    if (counts.value("Canceled", 0))
      std::cout << ", " << counts.value("Canceled", 0) << " canceled";
    std::cout << "\n";
    for (const auto& st : detail["steps"])
      if (st.value("status", "") == "Failed")
        std::cout << "step '" << st.value("name", "") << "' failed: " << st["reason"].dump()
                  << "\n";
    std::cout << "details: runnel runs show " << id << "\n";
  }
  return status == "Finished" ? 0 : 1;
}

}  // namespace runnel::server
