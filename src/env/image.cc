// Container images of environments: settings, the local probe, the decision (env/image.h).
#include "env/image.h"

#include <nlohmann/json.hpp>

#include "env/tool.h"
#include "runnel/error.h"

namespace runnel::env {

namespace {

using nlohmann::json;

Error bad(const std::string& config_path, const std::string& key, const std::string& what) {
  return invalid_argument(config_path + ": environments." + key + ": " + what);
}

std::string get_string(const json& o, const std::string& key, const std::string& path,
                       const std::string& config_path) {
  if (!o.contains(key)) return "";
  if (!o[key].is_string()) throw bad(config_path, path + key, "expected a string");
  return o[key].get<std::string>();
}

std::vector<std::string> get_list(const json& o, const std::string& key, const std::string& path,
                                  const std::string& config_path) {
  std::vector<std::string> out;
  if (!o.contains(key)) return out;
  const json& v = o[key];
  if (!v.is_array()) throw bad(config_path, path + key, "expected a list of strings");
  for (const auto& x : v) {
    if (!x.is_string()) throw bad(config_path, path + key, "expected a list of strings");
    out.push_back(x.get<std::string>());
  }
  return out;
}

std::map<std::string, std::string> get_map(const json& o, const std::string& key,
                                           const std::string& path,
                                           const std::string& config_path) {
  std::map<std::string, std::string> out;
  if (!o.contains(key)) return out;
  const json& v = o[key];
  if (!v.is_object())
    throw bad(config_path, path + key,
              "expected an object mapping image names to local ones, such as "
              "{\"python:3.11\": \"localhost/py311:1\"}");
  for (const auto& [k, x] : v.items()) {
    if (!x.is_string() || x.get<std::string>().empty())
      throw bad(config_path, path + key + "." + k, "expected an image name");
    out[k] = x.get<std::string>();
  }
  return out;
}

void check_keys(const json& o, const std::string& path, const std::vector<std::string>& known,
                const std::string& config_path) {
  for (const auto& [k, v] : o.items()) {
    bool ok = false;
    std::string list;
    for (const auto& n : known) {
      ok = ok || n == k;
      list += (list.empty() ? "" : ", ") + n;
    }
    if (!ok) throw bad(config_path, path + k, "unknown key (known: " + list + ")");
  }
}

const json& object_at(const json& o, const std::string& key, const std::string& path,
                      const std::string& config_path) {
  static const json kEmpty = json::object();
  if (!o.contains(key)) return kEmpty;
  if (!o[key].is_object()) throw bad(config_path, path + key, "expected an object");
  return o[key];
}

std::string mapped(const std::map<std::string, std::string>& m, const std::string& image) {
  auto it = m.find(image);
  return it == m.end() ? image : it->second;
}

}  // namespace

ImageSettings parse_image_settings(const std::string& json_text, const std::string& config_path) {
  ImageSettings s;
  if (json_text.empty()) return s;
  json o = json::parse(json_text, nullptr, false);
  if (!o.is_object()) throw invalid_argument(config_path + ": environments: expected an object");
  check_keys(o, "", {"images", "image_map", "podman", "slurm"}, config_path);
  std::string policy = get_string(o, "images", "", config_path);
  if (policy == "require") {
    s.policy = ImagePolicy::kRequire;
  } else if (policy == "host") {
    s.policy = ImagePolicy::kHost;
  } else if (!policy.empty() && policy != "auto") {
    throw bad(config_path, "images",
              "expected auto, require or host, got '" + policy +
                  "' (auto: a container when podman has the image, else the host with a "
                  "warning; require: an error instead; host: never a container)");
  }
  s.image_map = get_map(o, "image_map", "", config_path);
  const json& p = object_at(o, "podman", "", config_path);
  check_keys(p, "podman.", {"path", "args"}, config_path);
  if (std::string path = get_string(p, "path", "podman.", config_path); !path.empty())
    s.podman = path;
  s.podman_args = get_list(p, "args", "podman.", config_path);
  const json& sl = object_at(o, "slurm", "", config_path);
  check_keys(sl, "slurm.", {"runtime", "path", "args", "image_map"}, config_path);
  s.slurm_runtime = get_string(sl, "runtime", "slurm.", config_path);
  if (!s.slurm_runtime.empty() && s.slurm_runtime != "apptainer" &&
      s.slurm_runtime != "singularity" && s.slurm_runtime != "enroot")
    throw bad(config_path, "slurm.runtime",
              "expected apptainer, singularity or enroot, got '" + s.slurm_runtime + "'");
  s.slurm_program = get_string(sl, "path", "slurm.", config_path);
  s.slurm_args = get_list(sl, "args", "slurm.", config_path);
  s.slurm_image_map = get_map(sl, "image_map", "slurm.", config_path);
  return s;
}

std::string podman_image_problem(const std::string& podman, const std::string& image) {
  ToolOptions o;
  o.timeout = std::chrono::seconds(10);
  ToolResult r = run_tool({podman, "image", "exists", image}, o);
  if (!r.started) return podman + " is not installed (Debian package podman)";
  if (r.timed_out) return "`" + podman + " image exists " + image + "` did not answer in 10 s";
  if (r.exit_code == 1) return "podman has no image '" + image + "' locally";
  if (r.exit_code != 0)
    return "`" + podman + " image exists " + image + "` failed: " + tail_of(r.output, 3);
  return "";
}

ImageDecision decide_image(const ImageSettings& s, const std::string& label,
                           const std::string& image, const std::string& backend_type,
                           const ImageProbe& probe) {
  ImageDecision d;
  if (image.empty() || s.policy == ImagePolicy::kHost) return d;
  std::string problem;
  std::string run = image;
  if (backend_type == "local") {
    run = mapped(s.image_map, image);
    problem = probe(s.podman, run);
    if (problem.empty()) {
      d.run_image = run;
      d.runtime = "podman";
      d.program = s.podman;
      d.args = s.podman_args;
      return d;
    }
  } else if (backend_type == "slurm") {
    if (!s.slurm_runtime.empty()) {
      d.run_image =
          s.slurm_image_map.count(image) ? s.slurm_image_map.at(image) : mapped(s.image_map, image);
      d.runtime = s.slurm_runtime;
      d.program = s.slurm_program;
      d.args = s.slurm_args;
      return d;
    }
    problem =
        "no container runtime is configured for Slurm (environments.slurm.runtime: "
        "apptainer or enroot)";
  } else {
    problem = "the '" + backend_type + "' compute runs no containers";
  }
  std::string named =
      run == image ? "'" + image + "'" : "'" + image + "' (mapped to '" + run + "')";
  if (s.policy == ImagePolicy::kRequire)
    throw invalid_argument(label + " names image " + named + ", which cannot run here: " + problem +
                           "; pull it, map it to a local image (environments.image_map in "
                           ".runnel/config.json), or set environments.images to auto to run "
                           "such steps on this machine instead");
  d.warning = label + " names image " + named + ", which cannot run here (" + problem +
              "): its steps run on this machine with the environment's packages. Pull the "
              "image or map it to a local one (environments.image_map in .runnel/config.json) "
              "to run them in a container; environments.images: require makes this an error, "
              "host silences it";
  return d;
}

}  // namespace runnel::env
