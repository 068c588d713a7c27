// server/server.h: `runnel serve`, the workspace server (REST API under /api/v1, the
// studio's static files at /, /healthz, /metrics).
//
// @code
//   runnel::server::ServerOptions o;  o.port = 0;            // any free port
//   runnel::server::Server srv(runnel::Workspace::get(dir), o);
//   int port = srv.bind();                                   // throws if the port is taken
//   std::thread t([&] { srv.serve(); });                     // blocks until shutdown()
//   ...; srv.shutdown(std::chrono::seconds(30));  t.join();
// @endcode
//
// Every endpoint but /healthz and the static files needs `Authorization: Bearer <token>`
// (or `?access_token=` for browsers' EventSource); read-scope tokens may only GET. One
// JSON access-log line per request goes to `access_log` (tokens never appear in it).
// Thread-safety: bind() and serve() from one thread; shutdown() from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "runnel/workspace.h"

namespace runnel::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8765;                     // 0 = any free port
  bool no_auth = false;                // only on a loopback host
  std::string studio_dir;              // "" = $RUNNEL_STUDIO_DIR, else the compiled-in default
  int max_parallel = 0;                // local slots per run; 0 = number of cores
  int threads = 160;                   // HTTP worker threads (each SSE client holds one)
  int step_nice = 10;                  // nice value of the engine thread and the steps (0 = as is)
  std::ostream* access_log = nullptr;  // null = stderr
};

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(const std::string& host);

class Server {
 public:
  // Throws Error(kInvalidArgument) for --no-auth off loopback.
  Server(Workspace ws, ServerOptions options);
  ~Server();
  // Binds the listening socket and starts the scheduler thread (schedules fire from then
  // on); returns the port. Error(kUnavailable) when it is taken.
  int bind();
  // Resumes the runs a previous, killed server left unfinished; returns (old, new) ids.
  std::vector<std::pair<std::string, std::string>> resume();
  // Serves until shutdown(); blocks.
  void serve();
  // Drains: refuses new submits at once (503), lets runs end for up to `grace`, cancels
  // what still runs, then stops serving. Returns when the runs have ended.
  void shutdown(std::chrono::milliseconds grace);
  // http://host:port
  std::string url() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Records `url` as the workspace's server in .runnel/config.json ("server": {url, pid,
// started_at}); with url "" removes the entry if it names this process.
void write_server_config(const Workspace& ws, const std::string& url);

}  // namespace runnel::server
