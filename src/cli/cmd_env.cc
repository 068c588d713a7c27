// `runnel env create|list|show|build|prune`: named environments: an interpreter, variables
// and optionally packages (pip, a requirements file, a conda file), built once into
// .runnel/envs/<digest>/ (env/build.h).
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "assets/asset_yaml.h"
#include "cli/asset_cli.h"
#include "cli/cli.h"
#include "cli/table.h"
#include "core/fs.h"
#include "core/ids.h"
#include "core/units.h"
#include "data/asset_archive.h"
#include "engine/environment.h"
#include "env/build.h"
#include "env/definition.h"
#include "env/tool.h"
#include "runnel/error.h"
#include "store/metadata_store.h"

using nlohmann::json;

namespace runnel::cli {

namespace {

struct EnvArgs {
  std::string name, python, description, file, requirements, conda_file, image, version;
  std::string name_flag;  // az's -n/--name
  std::vector<std::string> vars, pip, extra_index_urls, find_links;
  std::string index_url;
  bool no_index = false, system_site_packages = false;
  std::string unused_for = "30d";
  std::vector<std::string> sets;
};

// The definition the flags (and -f FILE) describe.
env::EnvDefinition definition_of(EnvArgs& a) {
  env::EnvDefinition d;
  if (!a.name_flag.empty()) {
    if (!a.name.empty() && a.name != a.name_flag)
      throw invalid_argument("env create: NAME '" + a.name + "' and --name '" + a.name_flag +
                             "' differ; give one");
    a.name = a.name_flag;
  }
  if (!a.file.empty()) {
    // --set KEY=VALUE overrides (as `az ml environment create --set`): the file is read as
    // JSON with them applied; relative paths still resolve against its folder.
    std::string text;
    if (!a.sets.empty()) text = assets::read_asset_yaml(a.file, {a.sets, "", ""}).doc.dump(2);
    env::EnvironmentFile f = env::load_environment_yaml(a.file, a.sets.empty() ? nullptr : &text);
    if (a.name.empty()) a.name = f.name;
    if (a.version.empty()) a.version = f.version;
    d = f.definition;
  }
  if (a.name.empty())
    throw invalid_argument("give the environment a NAME (or a `name:` in the -f file)");
  check_name(a.name, "environment");
  if (!a.python.empty()) d.python = absolute_path(a.python);
  for (const auto& p : a.pip) d.pip.push_back(p);
  if (!a.requirements.empty()) {
    if (!path_exists(a.requirements))
      throw not_found("--requirements " + a.requirements + ": no such file");
    d.requirements = read_file(a.requirements);
  }
  if (!a.conda_file.empty()) {
    if (!path_exists(a.conda_file))
      throw not_found("--conda-file " + a.conda_file + ": no such file");
    d.conda_file = read_file(a.conda_file);
    env::conda_pip_section(d.conda_file, "--conda-file " + a.conda_file);  // it parses
  }
  if (!a.image.empty()) d.image = a.image;
  d.system_site_packages = d.system_site_packages || a.system_site_packages;
  d.pip_options.index_url = a.index_url;
  d.pip_options.extra_index_urls = a.extra_index_urls;
  for (const auto& f : a.find_links)
    d.pip_options.find_links.push_back(f.find("://") == std::string::npos ? absolute_path(f) : f);
  d.pip_options.no_index = a.no_index;
  for (const auto& v : a.vars) {
    auto eq = v.find('=');
    if (eq == std::string::npos || eq == 0)
      throw invalid_argument("--var " + v + ": expected KEY=VALUE");
    d.variables[v.substr(0, eq)] = v.substr(eq + 1);
  }
  if (!a.description.empty()) d.description = a.description;
  return d;
}

// The version to register (`--version`, or the -f file's `version:`); 0 = the next one.
int version_of(const EnvArgs& a) {
  if (a.version.empty()) return 0;
  if (a.version.find_first_not_of("0123456789") != std::string::npos || a.version.size() > 9 ||
      std::stoi(a.version) == 0)
    throw invalid_argument(
        (a.file.empty() ? "--version" : a.file + ": version") + ": '" + a.version +
        "' is not a version runnel keeps for environments: a whole number from 1 (as in "
        "azureml:NAME:3), or leave it out for the next one");
  return std::stoi(a.version);
}

void create(EnvArgs& a, CliGlobals& g) {
  env::EnvDefinition d = definition_of(a);
  int version = version_of(a);
  env::check_python(d.python, a.python.empty() ? "python" : "--python");  // really a Python
  Workspace ws = open_workspace(g);
  // Versions are immutable; registering the same definition again returns that version.
  bool created = false;
  auto saved = std::make_optional(register_environment(ws, a.name, d, &created, version));
  if (!created) {
    std::cout << "Environment " << a.name << " version " << saved->version
              << " already has this definition\n";
    return;
  }
  std::cout << "Registered environment " << saved->name << " version " << saved->version << " ("
            << saved->python
            << (d.needs_build()
                    ? "; built on first use or with `runnel env build " + saved->name + "`"
                    : "")
            << ")\n";
}

std::string packages_text(const env::EnvDefinition& d) {
  std::string s;
  for (const auto& p : d.pip) s += (s.empty() ? "" : " ") + p;
  if (!d.requirements.empty()) s += (s.empty() ? "" : " ") + std::string("-r requirements");
  if (!d.conda_file.empty()) s += (s.empty() ? "" : " ") + std::string("conda file");
  return s.empty() ? "-" : s;
}

std::string digest_of(const Workspace& ws, const env::EnvDefinition& d) {
  env::BuildRequest r;
  r.definition = d;
  r.python_version = env::check_python(d.python, "python");
  r.workspace_pip = workspace_pip_options(ws);
  return env::request_digest(r);
}

}  // namespace

void register_env(CLI::App& app, CliGlobals& g) {
  CLI::App* env =
      app.add_subcommand("env", "environments: an interpreter, variables and packages, built once");
  env->alias("environment");  // az ml environment ...
  env->require_subcommand(1);
  auto a = std::make_shared<EnvArgs>();
  CLI::App* create_cmd =
      env->add_subcommand("create", "register an environment (a new version if NAME exists)");
  create_cmd->add_option("name", a->name,
                         "environment name (as in `environment: NAME` or azureml:NAME@latest)");
  create_cmd->add_option("-f,--file", a->file,
                         "a v2 environment YAML (name, version, image, conda_file, ...)");
  create_cmd->add_option("-n,--name", a->name_flag,
                         "the environment name (az ml's spelling of NAME)");
  create_cmd->add_option("--version", a->version,
                         "the version to register (default: the next; a -f file's `version:`)");
  create_cmd->add_option("--set", a->sets,
                         "with -f: override a field of the file, KEY=VALUE (repeatable)");
  create_cmd->add_option("--python", a->python, "base interpreter (default /usr/bin/python3)");
  create_cmd->add_option("--pip", a->pip,
                         "pip requirement to install, e.g. numpy==1.26 (repeatable)");
  create_cmd->add_option("--requirements,-r", a->requirements, "a pip requirements file");
  create_cmd->add_option("--conda-file", a->conda_file,
                         "a conda environment file (needs conda, mamba or micromamba)");
  create_cmd->add_option(
      "--image", a->image,
      "a container image its steps run in (podman; environments.images in .runnel/config.json)");
  create_cmd->add_flag("--system-site-packages", a->system_site_packages,
                       "let the environment see the base's packages");
  create_cmd->add_option("--index-url", a->index_url, "pip index for this environment");
  create_cmd->add_option("--extra-index-url", a->extra_index_urls, "extra pip index (repeatable)");
  create_cmd->add_option("--find-links", a->find_links, "a folder or page of wheels (repeatable)");
  create_cmd->add_flag("--no-index", a->no_index, "install only from --find-links");
  create_cmd->add_option("--var,-v", a->vars, "environment variable KEY=VALUE (repeatable)");
  create_cmd->add_option("--description", a->description, "what it is for");
  create_cmd->callback([a, &g] { create(*a, g); });

  CLI::App* list = env->add_subcommand("list", "registered environments (latest versions)");
  list->callback([&g] {
    Workspace ws = open_workspace(g);
    Table t({"NAME", "VERSION", "PYTHON", "VARIABLES", "BUILT", "PACKAGES"});
    t.add({"(default)", "-",
           ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3 on PATH", "",
           "-", "-"});
    for (const auto& latest : ws.store().list_environments()) {
      auto shown = internal::latest_environment(ws, latest.name);  // archived versions are hidden
      if (!shown) continue;
      const EnvironmentRecord& e = *shown;
      env::EnvDefinition d = stored_definition(ws, e);
      std::string vars;
      for (const auto& [k, v] : e.variables) vars += (vars.empty() ? "" : " ") + k + "=" + v;
      std::string built = "-";
      if (d.needs_build()) {
        std::string digest = digest_of(ws, d);
        built = env::find_built(ws.runnel_dir() + "/envs", digest, false).prefix.empty()
                    ? "no"
                    : digest.substr(0, 12);
      }
      t.add({e.name, std::to_string(e.version), e.python, vars.empty() ? "-" : vars, built,
             packages_text(d)});
    }
    t.print();
  });

  CLI::App* show =
      env->add_subcommand("show", "one environment: its definition, build and packages (JSON)");
  show->add_option("name", a->name, "NAME or NAME:VERSION")->required();
  show->callback([a, &g] {
    Workspace ws = open_workspace(g);
    std::string name = a->name;
    int version = 0;
    if (auto c = name.rfind(':'); c != std::string::npos) {
      version = std::atoi(name.c_str() + c + 1);
      name = name.substr(0, c);
    }
    auto rec = version > 0 ? ws.store().get_environment(name, version)
                           : internal::latest_environment(ws, name);
    if (!rec)
      throw not_found("environment '" + a->name + "' is not registered; see `runnel env list`");
    env::EnvDefinition d = stored_definition(ws, *rec);
    json j = {{"name", rec->name},
              {"version", rec->version},
              {"definition", d.to_json()},
              {"archived",
               internal::is_archived(ws, "environment", rec->name, std::to_string(rec->version))}};
    if (d.needs_build()) {
      std::string digest = digest_of(ws, d);
      env::BuiltEnvironment b = env::find_built(ws.runnel_dir() + "/envs", digest, false);
      j["digest"] = digest;
      j["built"] = !b.prefix.empty();
      j["prefix"] = ws.runnel_dir() + "/envs/" + digest;
      j["log"] = ws.runnel_dir() + "/envs/logs/" + digest + ".log";
      j["packages"] = b.freeze;
    }
    std::cout << j.dump(2) << "\n";
  });

  auto arch = std::make_shared<AssetArgs>();
  add_archive_commands(env, *arch, "environment", [arch, &g](bool archive) {
    Workspace ws = open_workspace(g);
    auto latest = ws.store().get_environment(arch->name, 0);
    if (!latest)
      throw not_found("environment '" + arch->name + "' is not registered; see `runnel env list`");
    bool found = false;
    for (int v = 1; v <= latest->version; ++v)
      if ((arch->version.empty() || arch->version == std::to_string(v)) &&
          ws.store().get_environment(arch->name, v)) {
        internal::set_archived(ws, "environment", arch->name, std::to_string(v), archive);
        found = true;
      }
    if (!found)
      throw not_found("environment '" + arch->name + "' has no version " + arch->version +
                      " (versions 1.." + std::to_string(latest->version) + ")");
  });

  CLI::App* build =
      env->add_subcommand("build", "build an environment now (it is built on first use otherwise)");
  build->add_option("name", a->name, "NAME or NAME:VERSION")->required();
  build->callback([a, &g] {
    Workspace ws = open_workspace(g);
    ResolvedEnvironment r = resolve_environment(ws, a->name);
    if (!r.image.empty()) {
      // Its image too (a Dockerfile built, packages over an image), as a local step would.
      env::ImageDecision d = prepare_image(ws, r, "local");
      if (!d.warning.empty()) std::cerr << "warning: " << d.warning << "\n";
      std::cout << "Environment " << r.name << " version " << r.version << ": "
                << (d.run_image.empty() ? "runs on this machine (" + r.python + ")"
                                        : "image " + d.run_image + " (" + d.runtime + ")")
                << "\n";
      return;
    }
    if (r.build_digest.empty()) {
      std::cout << "Environment " << a->name << " has no packages to build; it runs " << r.python
                << "\n";
      return;
    }
    std::cout << "Environment " << r.name << " version " << r.version << ": " << r.python << " ("
              << r.packages.size() << " packages)\n";
    for (const auto& p : r.packages) std::cout << "  " << p << "\n";
  });

  CLI::App* prune_cmd =
      env->add_subcommand("prune", "remove built environments no run used recently");
  prune_cmd->add_option("--unused-for", a->unused_for,
                        "remove those unused for this long (default 30d; 0 = all)");
  prune_cmd->callback([a, &g] {
    int64_t secs = parse_duration(a->unused_for, "--unused-for");
    Workspace ws = open_workspace(g);
    env::PruneResult r = env::prune(ws.runnel_dir() + "/envs", secs, {});
    for (const auto& d : r.removed) std::cout << "removed " << d << "\n";
    std::cout << "Pruned " << r.removed.size() << " environment builds, kept " << r.kept.size()
              << "\n";
  });
}

}  // namespace runnel::cli
