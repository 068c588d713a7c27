// prepare_image (engine/environment.h): the container image an environment's steps run in,
// built first when its definition asks for it.
#include <iostream>

#include "engine/environment.h"
#include "env/build.h"
#include "runnel/error.h"

namespace runnel {

env::ImageDecision prepare_image(const Workspace& ws, const ResolvedEnvironment& renv,
                                 const std::string& type) {
  std::string label = "environment '" + renv.name + "' version " + std::to_string(renv.version);
  env::ImageSettings settings =
      env::parse_image_settings(ws.config_value("environments"), ws.runnel_dir() + "/config.json");
  const auto& def = renv.definition;
  auto progress = [](std::string_view line) { std::cerr << "runnel: " << line << "\n"; };
  std::string build_warning;
  if (def && !def->build_context.empty() && type == "local" &&
      settings.policy != env::ImagePolicy::kHost &&
      env::podman_image_problem(settings.podman, renv.image) != "") {
    // Built from its Docker build context first (once); a failed build under `auto` runs
    // the steps on the host with the build's error as the warning.
    env::ImageBuildRequest req;
    req.envs_dir = ws.runnel_dir() + "/envs";
    req.label = label;
    req.podman = settings.podman;
    req.args = settings.podman_args;
    req.definition = *def;
    req.progress = progress;
    try {
      env::ensure_image_from_context(req);
    } catch (const Error& e) {
      if (settings.policy == env::ImagePolicy::kRequire) throw;
      build_warning = e.what();
    }
  }
  env::ImageDecision d = env::decide_image(settings, label, renv.image, type);
  if (!build_warning.empty())
    d.warning = build_warning +
                "\n  so its steps run on this machine with the environment's interpreter "
                "(environments.images: require makes this an error)";
  if (d.runtime == "podman" && def && !def->record_only &&
      (!def->pip.empty() || !def->requirements.empty())) {
    // The packages go into a derived image (built once), not the host's venv.
    env::ImageBuildRequest req;
    req.envs_dir = ws.runnel_dir() + "/envs";
    req.label = label;
    req.podman = d.program;
    req.args = d.args;
    req.base = d.run_image;
    req.definition = *def;
    req.workspace_pip = workspace_pip_options(ws);
    req.progress = progress;
    d.run_image = env::ensure_image_with_packages(req);
    d.site_packages = env::kImageSitePackages;
  }
  return d;
}

}  // namespace runnel
