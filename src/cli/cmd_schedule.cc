// `runnel schedule create|list|show|enable|disable|delete`: schedules run by the
// workspace's server (`runnel serve`), from Azure ML v2 schedule YAML.
#include <iostream>

#include "cli/cli.h"
#include "cli/table.h"
#include "server/client.h"
#include "server/schedule/schedule_yaml.h"
#include "server/tokens.h"

using nlohmann::json;

namespace runnel::cli {

namespace {

server::Client connect(const Workspace& ws) {
  auto url = server::live_server_url(ws);
  if (!url)
    throw unavailable(
        "no runnel server is running for this workspace; schedules are run by "
        "the server: start it with `runnel serve`");
  return server::Client(*url, server::client_token(ws.runnel_dir()));
}

std::string text(const json& j, const char* k) {
  return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : "";
}

std::string trigger_text(const json& s) {
  const json& t = s["trigger"];
  std::string type = text(s, "trigger_type");
  if (type == "recurrence")
    return "every " + std::to_string(t.value("interval", 1)) + " " + text(t, "frequency") +
           (t.contains("time_zone") ? " (" + text(t, "time_zone") + ")" : "");
  if (type == "cron") return "cron \"" + text(t, "expression") + "\"";
  return "data " + text(t, "datastore") + ":" + text(t, "path_on_datastore");
}

void print_schedule(const json& s) {
  std::cout << "schedule " << text(s, "name") << " (" << text(s, "id") << ")\n"
            << "  status:      " << text(s, "status") << "\n"
            << "  trigger:     " << trigger_text(s) << "\n"
            << "  target:      " << s["target"].dump() << "\n"
            << "  next run:    "
            << (s["next_run_time"].is_string() ? text(s, "next_run_time") : "-") << "\n";
  if (!text(s, "description").empty())
    std::cout << "  description: " << text(s, "description") << "\n";
  if (!text(s, "last_error").empty())
    std::cout << "  last error:  " << text(s, "last_error") << "\n";
  std::cout << "  runs:        " << s["runs"].size() << "\n";
  if (s["runs"].empty()) return;
  Table t({"RUN", "FIRED", "REASON", "STATUS", "DATA PATH / ERROR"});
  for (const auto& r : s["runs"])
    t.add({r["run_id"].is_string() ? r["run_id"].get<std::string>() : "-", text(r, "fired"),
           text(r, "reason"),
           r.contains("status") && r["status"].is_string() ? text(r, "status") : "-",
           !text(r, "error").empty() ? text(r, "error") : text(r, "data_path")});
  t.print();
}

}  // namespace

void register_schedule(CLI::App& app, CliGlobals& g) {
  CLI::App* sch = app.add_subcommand(
      "schedule",
      "schedules run by `runnel serve` (v2 schedule YAML: recurrence, cron, data change)");
  sch->require_subcommand(1);
  struct Args {
    std::string file, id;
    std::vector<std::string> sets;
    bool json = false;
  };
  auto a = std::make_shared<Args>();

  CLI::App* create =
      sch->add_subcommand("create", "create a schedule from a v2 schedule YAML file");
  create->add_option("-f,--file", a->file, "schedule YAML (name, trigger, create_job)")->required();
  create->add_option("--set", a->sets, "KEY=VALUE override, dotted keys (trigger.interval=5)");
  create->add_flag("--json", a->json, "print the schedule as JSON");
  create->callback([a, &g] {
    Workspace ws = open_workspace(g);
    std::map<std::string, std::string> overrides;
    for (const auto& s : a->sets) {
      auto eq = s.find('=');
      if (eq == std::string::npos || eq == 0)
        throw invalid_argument("--set " + s + ": expected KEY=VALUE (e.g. trigger.interval=5)");
      overrides[s.substr(0, eq)] = s.substr(eq + 1);
    }
    json body = schedule::load_schedule_yaml(a->file, ws.root(), overrides);
    json s = connect(ws).post("/api/v1/schedules", body);
    if (a->json) {
      std::cout << s.dump(2) << "\n";
      return;
    }
    std::cout << "created schedule " << text(s, "name") << " (" << text(s, "id") << "), next run "
              << (s["next_run_time"].is_string() ? text(s, "next_run_time")
                                                 : std::string("on new data"))
              << "\n";
  });

  CLI::App* list = sch->add_subcommand("list", "list schedules with their next run");
  list->add_flag("--json", a->json, "JSON output");
  list->callback([a, &g] {
    Workspace ws = open_workspace(g);
    json all = connect(ws).get("/api/v1/schedules")["schedules"];
    if (a->json) {
      std::cout << all.dump(2) << "\n";
      return;
    }
    Table t({"NAME", "ID", "STATUS", "TRIGGER", "NEXT RUN", "RUNS"});
    for (const auto& s : all)
      t.add({text(s, "name"), text(s, "id").substr(0, 8), text(s, "status"), trigger_text(s),
             s["next_run_time"].is_string() ? text(s, "next_run_time") : "-",
             std::to_string(s["runs"].size())});
    t.print();
  });

  for (const char* verb : {"show", "enable", "disable", "delete"}) {
    std::string v = verb;
    CLI::App* c = sch->add_subcommand(
        v, v == "show"      ? "a schedule, its next run and past runs"
           : v == "enable"  ? "enable a schedule (it fires from now on; no catch-up)"
           : v == "disable" ? "disable a schedule (nothing fires until enabled)"
                            : "delete a schedule (its runs stay)");
    c->add_option("schedule", a->id, "name or id")->required();
    if (v == "show") c->add_flag("--json", a->json, "JSON output");
    c->callback([a, v, &g] {
      Workspace ws = open_workspace(g);
      server::Client cl = connect(ws);
      std::string path = "/api/v1/schedules/" + a->id;
      if (v == "delete") {
        cl.del(path);
        std::cout << "deleted schedule " << a->id << "\n";
        return;
      }
      json s = v == "show" ? cl.get(path) : cl.post(path + "/" + v, json::object());
      if (a->json) {
        std::cout << s.dump(2) << "\n";
        return;
      }
      if (v == "show")
        print_schedule(s);
      else
        std::cout << "schedule " << text(s, "name") << " is " << text(s, "status") << "\n";
    });
  }
}

}  // namespace runnel::cli
