// server/client.h: the CLI's side of `runnel serve`: find the workspace's server, submit
// a run to it and follow it, cancel a run.
//
// The server is found in .runnel/config.json ("server": {url}) or given as --server URL /
// $RUNNEL_SERVER; it counts as up when GET /healthz answers within a second. The token is
// $RUNNEL_TOKEN, else the workspace's .runnel/server/admin.token.
// Single-threaded (the CLI's main thread).
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "runnel/workspace.h"

namespace runnel::server {

// The URL of a server that is up: `explicit_url` ($RUNNEL_SERVER when empty), else the
// workspace's configured one; nullopt when none is configured or it does not answer.
// Throws Error(kUnavailable) only when an explicit URL does not answer.
std::optional<std::string> live_server_url(const Workspace& ws,
                                           const std::string& explicit_url = "");

class Client {
 public:
  Client(std::string url, std::string token);
  // The answer's JSON. Errors from the server become runnel::Error with its message
  // (400 -> kInvalidArgument, 404 -> kNotFound, 401/403 -> kInvalidArgument, 409 ->
  // kAlreadyExists, 5xx -> kUnavailable); no answer -> Error(kUnavailable).
  nlohmann::json get(const std::string& path);
  nlohmann::json post(const std::string& path, const nlohmann::json& body);
  nlohmann::json patch(const std::string& path, const nlohmann::json& body);
  nlohmann::json del(const std::string& path);

 private:
  nlohmann::json call(const std::string& method, const std::string& path,
                      const nlohmann::json* body);
  std::string url_;
  std::string token_;
};

struct RemoteSubmit {
  std::string file;  // the pipeline YAML (any path; must lie inside the workspace)
  std::string experiment;
  bool regenerate_outputs = false;
  bool continue_on_step_failure = false;
  std::string compute;
  std::vector<std::string> rerun_steps;
  std::map<std::string, std::string> tags;
  std::map<std::string, std::string> parameters;  // --set NAME=VALUE
  // When not null: posted as is to `submit_path` instead of a request built from `file`
  // (a published pipeline's trigger body).
  nlohmann::json request;
  std::string submit_path = "/api/v1/runs";
};

// True when `file` lies inside the workspace (only such files can be run by its server).
bool can_submit_remotely(const Workspace& ws, const std::string& file);

// Submits to the server at `url` and follows the run, printing step status changes (text)
// or nothing (json) until it ends; Ctrl-C detaches, saying how to follow and cancel.
// At the end calls `print_final(run_id)` when given (json output), else prints a summary.
// Returns the exit code: 0 finished or detached, 1 failed or canceled.
int run_on_server(const Workspace& ws, const std::string& url, const RemoteSubmit& submit,
                  bool json_out, const std::function<void(const std::string&)>& print_final);

}  // namespace runnel::server
