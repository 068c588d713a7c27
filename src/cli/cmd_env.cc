// `runnel env create|list`: named environments (an interpreter plus variables).
#include <unistd.h>

#include <iostream>

#include "cli/cli.h"
#include "cli/table.h"
#include "core/fs.h"
#include "core/ids.h"
#include "env/tool.h"
#include "runnel/error.h"
#include "store/metadata_store.h"

namespace runnel::cli {

void register_env(CLI::App& app, CliGlobals& g) {
  CLI::App* env = app.add_subcommand("env", "environments: a Python interpreter plus variables");
  env->require_subcommand(1);
  struct Args {
    std::string name, python = "/usr/bin/python3", description;
    std::vector<std::string> vars;
  };
  auto a = std::make_shared<Args>();
  CLI::App* create = env->add_subcommand("create", "register an environment (a new version if NAME exists)");
  create->add_option("name", a->name, "environment name (as in `environment: NAME` or azureml:NAME@latest)")->required();
  create->add_option("--python", a->python, "interpreter (default /usr/bin/python3)");
  create->add_option("--var,-v", a->vars, "environment variable KEY=VALUE (repeatable)");
  create->add_option("--description", a->description, "what it is for");
  create->callback([a, &g] {
    check_name(a->name, "environment");
    EnvironmentRecord e;
    e.name = a->name;
    e.python = absolute_path(a->python);
    env::check_python(e.python, "--python");  // really a Python, not just an executable
    Workspace ws = open_workspace(g);
    for (const auto& v : a->vars) {
      auto eq = v.find('=');
      if (eq == std::string::npos || eq == 0)
        throw invalid_argument("--var " + v + ": expected KEY=VALUE");
      e.variables[v.substr(0, eq)] = v.substr(eq + 1);
    }
    e.description = a->description;
    e.created_at = now_ms();
    ws.store().put_environment(e);
    auto saved = ws.store().get_environment(e.name, 0);
    std::cout << "Registered environment " << saved->name << " version " << saved->version << " ("
              << saved->python << ")\n";
  });
  CLI::App* list = env->add_subcommand("list", "registered environments (latest versions)");
  list->callback([&g] {
    Workspace ws = open_workspace(g);
    Table t({"NAME", "VERSION", "PYTHON", "VARIABLES"});
    t.add({"(default)", "-", ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3 on PATH", ""});
    for (const auto& e : ws.store().list_environments()) {
      std::string vars;
      for (const auto& [k, v] : e.variables) vars += (vars.empty() ? "" : " ") + k + "=" + v;
      t.add({e.name, std::to_string(e.version), e.python, vars});
    }
    t.print();
  });
}

}  // namespace runnel::cli
