#include "server/server.h"

#include <arpa/inet.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "core/ids.h"
#include "engine/engine.h"
#include "runnel/error.h"
#include "server/http_util.h"
#include "server/openapi_text.h"
#include "server/server_impl.h"

using nlohmann::json;

namespace runnel::server {

namespace {

thread_local Caller t_caller;
thread_local std::chrono::steady_clock::time_point t_started;

std::string bearer_token(const httplib::Request& req) {
  std::string h = req.get_header_value("Authorization");
  if (h.rfind("Bearer ", 0) == 0) return h.substr(7);
  if (req.has_param("access_token")) return req.get_param_value("access_token");
  return "";
}

// The request target without secrets (access_token's value is replaced).
std::string loggable_target(const httplib::Request& req) {
  std::string q;
  for (const auto& [k, v] : req.params) {
    q += q.empty() ? "?" : "&";
    q += k + "=" + (k == "access_token" ? std::string("***") : v);
  }
  return req.path + q;
}

bool needs_token(const std::string& path) {
  return path.rfind("/api/", 0) == 0 || path == "/api" || path == "/metrics";
}

}  // namespace

Caller& current_caller() { return t_caller; }

bool is_terminal_status(const std::string& s) {
  return s == "Finished" || s == "Failed" || s == "Canceled";
}

bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "::1" || host == "[::1]") return true;
  in_addr a{};
  if (inet_pton(AF_INET, host.c_str(), &a) == 1) return (ntohl(a.s_addr) >> 24) == 127;
  return false;
}

Server::Impl::Impl(Workspace w, ServerOptions o)
    : ws(std::move(w)),
      options(std::move(o)),
      tokens(ws.runnel_dir()),
      runs(ws, hub, options.max_parallel, &metrics) {
  Workspace* wsp = &ws;
  schedule_store = schedule::make_kv_schedule_store(
      [wsp](const std::string& k) { return wsp->store().get_value(k); },
      [wsp](const std::string& k, const std::string& v) { wsp->store().set_value(k, v); });
  scheduler = std::make_unique<schedule::Scheduler>(
      *schedule_store,
      [this](const schedule::FireRequest& f) {
        return runs.submit(fire_submit_request(f))["run_id"].get<std::string>();
      },
      [this](const std::string& ds, const std::string& path) {
        return datastore_local_path(ds, path);
      },
      clock);
}

Server::Server(Workspace ws, ServerOptions options) {
  if (options.no_auth && !is_loopback_host(options.host))
    throw invalid_argument(
        "--no-auth with --host " + options.host +
        ": a server reachable from other machines needs tokens; drop --no-auth or bind 127.0.0.1");
  impl_ = std::make_unique<Impl>(std::move(ws), std::move(options));
  Impl& m = *impl_;
  if (m.options.studio_dir.empty()) {
    const char* env = std::getenv("RUNNEL_STUDIO_DIR");
    m.studio_dir = env && *env ? env : RUNNEL_DEFAULT_STUDIO_DIR;
  } else {
    m.studio_dir = m.options.studio_dir;
  }
  m.tokens.ensure_admin();
  int threads = m.options.threads;
  m.http.new_task_queue = [threads] {
    return new httplib::ThreadPool(static_cast<size_t>(threads));
  };
  m.http.set_payload_max_length(16 * 1024 * 1024);
  m.http.set_keep_alive_max_count(1000);
  m.http.set_tcp_nodelay(true);

  m.http.set_pre_routing_handler([&m](const httplib::Request& req, httplib::Response& res) {
    t_started = std::chrono::steady_clock::now();
    t_caller = Caller{"", Scope::kRead};
    if (!needs_token(req.path)) return httplib::Server::HandlerResponse::Unhandled;
    if (m.options.no_auth) {
      t_caller = Caller{"(no auth)", Scope::kAdmin};
      return httplib::Server::HandlerResponse::Unhandled;
    }
    auto tok = m.tokens.check(bearer_token(req));
    if (!tok) {
      res.set_header("WWW-Authenticate", "Bearer");
      send_error(res, 401, "unauthorized",
                 "a valid token is required: send `Authorization: Bearer <token>` (create one with "
                 "`runnel token create NAME`)",
                 {{"field", "Authorization"}});
      return httplib::Server::HandlerResponse::Handled;
    }
    t_caller = Caller{tok->name, tok->scope};
    if (tok->scope == Scope::kRead && req.method != "GET" && req.method != "HEAD") {
      send_error(res, 403, "forbidden",
                 "token '" + tok->name + "' is read-only; " + req.method + " " + req.path +
                     " needs a token of scope admin",
                 {{"scope", "read"}});
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });

  m.http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        try {
          std::rethrow_exception(ep);
        } catch (const ApiError& e) {
          send_error(res, e.status, e.code, e.what(), e.details);
        } catch (const Error& e) {
          send_error(res, error_status(e.code()), error_api_code(e.code()), e.what());
        } catch (const json::exception& e) {
          send_error(res, 400, "invalid_argument",
                     std::string("the request body is not the JSON expected: ") + e.what(),
                     {{"field", "body"}});
        } catch (const std::exception& e) {
          send_error(res, 500, "internal", std::string("internal error: ") + e.what());
        }
      });

  m.http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 404)
      send_error(res, 404, "not_found",
                 "no endpoint " + req.method + " " + req.path + "; see /api/v1/openapi.json");
    else if (res.status == 405)
      send_error(res, 405, "method_not_allowed", req.method + " is not allowed on " + req.path);
    else if (res.status == 416)
      send_error(res, 416, "range_not_satisfiable", "the Range header does not fit the content",
                 {{"field", "Range"}});
    else if (res.status == 413)
      send_error(res, 413, "payload_too_large", "the request body is larger than 16 MiB",
                 {{"field", "body"}});
    else if (res.status >= 400)
      send_error(res, res.status, "bad_request",
                 "the request could not be handled (HTTP " + std::to_string(res.status) + ")");
  });

  // API answers are per-caller and change all the time: never stored by a browser or a
  // proxy. The static studio files set their own policy (routes_workspace.cc).
  m.http.set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.has_header("Cache-Control")) res.set_header("Cache-Control", "no-store");
  });

  m.http.set_logger([&m](const httplib::Request& req, const httplib::Response& res) {
    double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t_started).count();
    m.metrics.observe_http(req.method, res.status, secs);
    json line = {
        {"time", format_time_iso(now_ms())},
        {"remote", req.remote_addr},
        {"method", req.method},
        {"target", loggable_target(req)},
        {"status", res.status},
        {"duration_ms", std::round(secs * 1e5) / 100.0},
        {"bytes", res.body.size()},
        {"token", t_caller.token_name.empty() ? json(nullptr) : json(t_caller.token_name)}};
    std::ostream& out = m.options.access_log ? *m.options.access_log : std::cerr;
    static std::mutex log_mu;
    std::lock_guard lock(log_mu);
    out << line.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    out.flush();
  });

  m.http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200, {{"status", "ok"}});
  });
  m.http.Get("/api/v1/openapi.json", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kOpenApiJson, "application/json");
  });
  m.http.Get("/api/v1/info", [&m](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200,
              {{"workspace", m.ws.name()},
               {"version", "0.1.0"},
               {"scope", scope_name(t_caller.scope)},
               {"token_name", t_caller.token_name},
               {"server_time", format_time_iso(now_ms())}});
  });
  m.http.Get("/metrics", [&m](const httplib::Request&, httplib::Response& res) {
    std::map<std::string, double> g;
    for (RunStatus s : {RunStatus::kNotStarted, RunStatus::kRunning, RunStatus::kFinished,
                        RunStatus::kFailed, RunStatus::kCanceled})
      g[std::string("runnel_runs{status=\"") + to_string(s) + "\"}"] = 0;
    for (const auto& c : m.ws.store().count_pipeline_runs())
      g[std::string("runnel_runs{status=\"") + to_string(c.status) + "\"}"] +=
          static_cast<double>(c.count);
    auto steps = m.runs.active_step_counts();
    g["runnel_queue_length"] = steps["NotStarted"] + steps["Queued"];
    g["runnel_steps_running"] = steps["Running"] + steps["Preparing"];
    g["runnel_active_runs"] = static_cast<double>(m.runs.active_count());
    res.set_content(m.metrics.render(g), "text/plain; version=0.0.4");
  });
  m.add_run_routes();
  m.add_step_routes();
  m.add_workspace_routes();
  m.add_schedule_routes();
  m.add_published_routes();
  m.add_static_routes();  // last: it catches every other GET
}

Server::~Server() = default;

int Server::bind() {
  Impl& m = *impl_;
  if (m.options.step_nice > 0) {
    Engine::shared().set_nice(m.options.step_nice);
    m.runs.set_submit_nice(m.options.step_nice);  // a submit's CPU too (server/niced_pool.h)
  }
  if (m.options.port == 0) {
    m.port = m.http.bind_to_any_port(m.options.host);
  } else if (m.http.bind_to_port(m.options.host, m.options.port)) {
    m.port = m.options.port;
  } else {
    m.port = -1;
  }
  if (m.port <= 0)
    throw unavailable("cannot listen on " + m.options.host + ":" + std::to_string(m.options.port) +
                      " (in use, or not an address of this machine); pick another with --port");
  // Schedules fire from now on (here rather than in serve(), which runs on another thread
  // and may start after a quick shutdown() has already stopped the scheduler).
  m.scheduler->start();
  return m.port;
}

std::vector<std::pair<std::string, std::string>> Server::resume() {
  return impl_->runs.resume_orphans();
}

void Server::serve() { impl_->http.listen_after_bind(); }

void Server::shutdown(std::chrono::milliseconds grace) {
  impl_->scheduler->stop();  // nothing fires while draining
  impl_->runs.drain(grace);
  impl_->hub.close();
  impl_->http.stop();
}

std::string Server::url() const {
  return "http://" + impl_->options.host + ":" + std::to_string(impl_->port);
}

void write_server_config(const Workspace& ws, const std::string& url) {
  std::string path = ws.runnel_dir() + "/config.json";
  json cfg = json::parse(read_file(path), nullptr, false);
  if (cfg.is_discarded() || !cfg.is_object())
    throw corruption(path + ": not valid JSON; fix it or run `runnel init` again");
  if (url.empty()) {
    if (!cfg.contains("server") || cfg["server"].value("pid", 0) != static_cast<int>(::getpid()))
      return;
    cfg.erase("server");
  } else {
    cfg["server"] = {{"url", url},
                     {"pid", static_cast<int>(::getpid())},
                     {"started_at", format_time_iso(now_ms())}};
  }
  write_file_atomic(path, cfg.dump(2) + "\n");
}

}  // namespace runnel::server
