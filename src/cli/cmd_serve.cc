// `runnel serve`: the workspace server; `runnel runs cancel RUN`: cancel through it.
#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/cli.h"
#include "cli/run_json.h"
#include "cli/run_views.h"
#include "core/ids.h"
#include "runnel/error.h"
#include "server/client.h"
#include "server/server.h"
#include "server/tokens.h"
#include "store/metadata_store.h"

namespace runnel::cli {

namespace {

struct ServeArgs {
  std::string host = "127.0.0.1";
  int port = 8765;
  std::string db;
  bool no_auth = false;
  int grace_s = 30;
  int jobs = 0;
  int step_nice = 10;
};

void serve(const ServeArgs& a, CliGlobals& g) {
  if (!a.db.empty()) ::setenv("RUNNEL_DB", a.db.c_str(), 1);  // the workspace opens this store
  Workspace ws = open_workspace(g);
  server::ServerOptions o;
  o.host = a.host;
  o.port = a.port;
  o.no_auth = a.no_auth;
  o.max_parallel = a.jobs;
  o.step_nice = a.step_nice;
  // Signals are taken by one thread with sigwait(); every other thread blocks them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  server::Server srv(ws, o);
  srv.bind();
  server::write_server_config(ws, srv.url());
  std::cerr << "runnel serve: workspace " << ws.root() << " at " << srv.url() << "\n"
            << "  token: " << ws.runnel_dir()
            << "/server/admin.token (mode 0600); more with `runnel token create`\n";
  for (const auto& [old_id, new_id] : srv.resume())
    std::cerr << "  resumed run " << old_id << " (left unfinished by a stopped server) as "
              << new_id << "\n";
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&set, &sig);
    std::cerr << "runnel serve: " << (sig == SIGTERM ? "SIGTERM" : "SIGINT")
              << ": draining (no new runs; up to " << a.grace_s
              << " s for running ones, then they are canceled)\n";
    srv.shutdown(std::chrono::seconds(a.grace_s));
  });
  srv.serve();
  waiter.join();
  server::write_server_config(ws, "");
  std::cerr << "runnel serve: stopped\n";
}

}  // namespace

void cancel_run(CliGlobals& g, const std::string& id, const std::string& server_url) {
  Workspace ws = open_workspace(g);
  PipelineRunRecord run = find_run(ws, id);
  if (auto url = server::live_server_url(ws, server_url)) {
    server::Client c(*url, server::client_token(ws.runnel_dir()));
    c.post("/api/v1/runs/" + run.id + "/cancel", nlohmann::json::object());
    std::cout << "cancel requested for run " << run.id << " (server " << *url << ")\n";
    return;
  }
  // No server: the run belongs to the `runnel run` process that started it (Ctrl-C there).
  nlohmann::json o =
      nlohmann::json::parse(run.options_json.empty() ? "{}" : run.options_json, nullptr, false);
  int pid = o.is_object() ? o.value("engine_pid", 0) : 0;
  if (is_final(run.status))
    throw invalid_argument("run " + run.id + " already ended (" +
                           std::string(to_string(run.status)) + ")");
  if (pid > 0 && o.value("engine_host", "") == host_name() && ::kill(pid, SIGINT) == 0) {
    std::cout << "cancel requested for run " << run.id << " (asked its runnel process " << pid
              << ")\n";
    return;
  }
  throw unavailable(
      "run " + run.id +
      " has no live server or process to cancel it; it is closed when its workspace is next used");
}

void register_serve(CLI::App& app, CliGlobals& g) {
  auto a = std::make_shared<ServeArgs>();
  CLI::App* sub = app.add_subcommand(
      "serve", "serve the workspace: run pipelines and answer the REST API (/api/v1)");
  sub->add_option("--host", a->host, "address to listen on (default 127.0.0.1)");
  sub->add_option("--port", a->port, "port (default 8765; 0 = any free port)")
      ->check(CLI::Range(0, 65535));
  sub->add_option("--db", a->db,
                  "metadata store: postgresql://... (default: the workspace's SQLite file)");
  sub->add_flag("--no-auth", a->no_auth, "no tokens (only with a loopback --host)");
  sub->add_option("--grace", a->grace_s,
                  "seconds SIGTERM lets running runs finish before canceling them (default 30)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("-j,--jobs", a->jobs, "parallel local slots per run (default: number of cores)")
      ->check(CLI::PositiveNumber);
  sub->add_option("--step-nice", a->step_nice,
                  "nice value the steps (and the engine's scheduler thread) run at, so that the "
                  "API answers promptly while steps use every core (default 10; 0 = unchanged)")
      ->check(CLI::Range(0, 19));
  sub->callback([a, &g] { serve(*a, g); });

  CLI::App* runs = app.get_subcommand("runs");
  auto id = std::make_shared<std::string>();
  auto url = std::make_shared<std::string>();
  CLI::App* c = runs->add_subcommand(
      "cancel", "cancel a run (through the workspace's server when one is up)");
  c->add_option("run", *id, "run id or prefix, or `latest`")->required();
  c->add_option("--server", *url, "server URL (default: $RUNNEL_SERVER, else the workspace's)");
  c->callback([id, url, &g] { cancel_run(g, *id, *url); });
}

}  // namespace runnel::cli
