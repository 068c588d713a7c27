// env/image.h: whether a step whose environment names a container image runs in it
// (issue 16 #5), from the workspace's `environments` settings in .runnel/config.json:
//
//   "environments": {
//     "images": "auto",                      // auto (default) | require | host
//     "image_map": {"python:3.11": "localhost/py311:1"},   // an image -> a local one
//     "podman": {"path": "podman", "args": ["--runtime", "runc"]},
//     "slurm": {"runtime": "apptainer", "path": "apptainer", "args": [],
//               "image_map": {"python:3.11": "/shared/images/python-3.11.sif"}}
//   }
//
// Locally, `auto` runs the step in the (mapped) image through podman when podman has it
// (`podman image exists`), and otherwise on the host with the environment's packages and
// one warning that names the image and how to change this; `require` makes a missing
// podman or image an error; `host` always runs on the host, silently. On Slurm, the step
// runs in a container only when `environments.slurm.runtime` names the cluster's
// container support (apptainer or enroot, untested here); the image is not checked from
// the submitting machine. Registry pulls are the user's business: runnel never pulls.
// The image name, as the environment names it, is part of the step's fingerprint either
// way (engine/reuse.cc), so a host fallback and a container run reuse each other.
//
// Thread-safety: pure functions, except that the default probe runs podman.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace runnel::env {

enum class ImagePolicy { kAuto, kRequire, kHost };

struct ImageSettings {
  ImagePolicy policy = ImagePolicy::kAuto;
  std::map<std::string, std::string> image_map;  // environments.image_map
  std::string podman = "podman";                 // environments.podman.path
  std::vector<std::string> podman_args;          // environments.podman.args
  std::string slurm_runtime;  // environments.slurm.runtime: "" (none), apptainer, enroot
  std::string slurm_program;  // environments.slurm.path ("" = the runtime's name)
  std::vector<std::string> slurm_args;
  std::map<std::string, std::string> slurm_image_map;  // else image_map, else the name
};

// Parses the `environments` object of the workspace config, given as JSON text ("" = the
// defaults). Throws Error(kInvalidArgument) naming `config_path`, the key and the values
// it accepts.
ImageSettings parse_image_settings(const std::string& json_text, const std::string& config_path);

// "" when `podman` has `image` in its local storage, else why not ("podman is not
// installed", "podman has no image 'x' locally"). Runs `podman image exists` (10 s limit).
std::string podman_image_problem(const std::string& podman, const std::string& image);

using ImageProbe = std::function<std::string(const std::string& podman, const std::string& image)>;

struct ImageDecision {
  std::string run_image;  // what to run ("" = on the host)
  std::string runtime;    // "podman", "apptainer", "enroot" ("" = on the host)
  std::string program;    // the runtime's binary
  std::vector<std::string> args;
  std::string warning;  // one line when an image is named but the step runs on the host
  // Set when run_image is a derived image holding the environment's pip packages
  // (env/build.h ensure_image_with_packages): the folder to put first on PYTHONPATH.
  std::string site_packages;
};

// Decides for an environment (`label`, e.g. "environment 'torch' version 2") naming `image`
// on a backend of `backend_type` ("local", "slurm"; others run on the host with a
// warning). `probe` is podman_image_problem unless a test gives another. Throws
// Error(kInvalidArgument) under ImagePolicy::kRequire when the image cannot be run, saying
// why and how to fix it.
ImageDecision decide_image(const ImageSettings& settings, const std::string& label,
                           const std::string& image, const std::string& backend_type,
                           const ImageProbe& probe = podman_image_problem);

}  // namespace runnel::env
