// Container command lines for podman, apptainer and enroot (exec/container.h).
#include "exec/container.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "spec/command_template.h"

namespace runnel::internal {

namespace {

bool under(const std::string& path, const std::string& dir) {
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         (dir == "/" || path[dir.size()] == '/'));
}

long depth(const std::string& p) { return std::count(p.begin(), p.end(), '/'); }

// Absolute paths only, symlinks resolved, missing ones skipped; sorted, unique.
std::vector<std::string> resolved(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    if (p.empty() || p[0] != '/') continue;
    std::error_code ec;
    std::string real = std::filesystem::canonical(p, ec).string();
    if (!ec) out.push_back(real);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

struct Mount {
  std::string path;
  bool writable = false;
};

// Both lists as one, each folder before what lies below it (sorted: a parent is a prefix);
// a path in both is writable (the step's own folder). A path below one of the same mode is
// dropped, one below the other mode is kept (outputs/ inside the read-only snapshot).
std::vector<Mount> mounts_of(const ContainerSpec& c) {
  std::map<std::string, bool> all;
  for (const auto& p : mount_paths(c.read_only)) all.emplace(p, false);
  for (const auto& p : resolved(c.writable)) all[p] = true;
  std::vector<Mount> out;
  for (const auto& [p, w] : all) {
    const Mount* parent = nullptr;  // the deepest kept mount that holds p
    for (const auto& m : out)
      if (under(p, m.path) && (!parent || m.path.size() > parent->path.size())) parent = &m;
    if (parent && parent->writable == w) continue;
    out.push_back({p, w});
  }
  return out;
}

std::string program_of(const ContainerSpec& c) {
  return shell_quote(c.program.empty() ? c.runtime : c.program);
}

std::string shell_command(const LaunchSpec& spec) {
  return "/bin/sh -c " + shell_quote(spec.command);
}

std::string args_of(const ContainerSpec& c) {
  std::string out;
  for (const auto& a : c.args) out += " " + shell_quote(a);
  return out;
}

}  // namespace

std::string container_name(const std::string& job_id) {
  std::string out = "runnel-";
  for (char ch : job_id)
    out += (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.') ? ch : '_';
  return out;
}

std::vector<std::string> mount_paths(const std::vector<std::string>& paths, size_t max) {
  std::vector<std::string> out = resolved(paths);
  // Many siblings (a join over 1,000 outputs) become their common ancestors, a level at a
  // time, so that the command line stays short; never a top-level folder.
  while (out.size() > max) {
    bool raised = false;
    for (auto& p : out) {
      if (depth(p) <= 2) continue;
      p = std::filesystem::path(p).parent_path().string();
      raised = true;
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    if (!raised) break;
  }
  std::vector<std::string> outer;
  for (const auto& p : out)
    if (outer.empty() || !under(p, outer.back())) outer.push_back(p);
  return outer;
}

ContainerCommand container_command(const LaunchSpec& spec) {
  const ContainerSpec& c = spec.container;
  ContainerCommand out;
  if (c.image.empty()) {
    out.error = "no container image given";
    return out;
  }
  std::vector<Mount> mounts = mounts_of(c);
  for (const auto& m : mounts)
    if (m.path.find(':') != std::string::npos || m.path.find(',') != std::string::npos) {
      out.error = "cannot mount " + m.path + " into a container: the path holds ':' or ','";
      return out;
    }
  if (c.runtime == "podman") {
    const std::string name = container_name(spec.id);
    std::string s = "exec " + program_of(c) + " run --rm --init --network host --name " +
                    shell_quote(name) + " --label " + shell_quote("runnel.job=" + spec.id) +
                    " --log-driver passthrough";
    if (!spec.working_dir.empty()) s += " --workdir " + shell_quote(spec.working_dir);
    for (const auto& m : mounts)
      s += " -v " + shell_quote(m.path + ":" + m.path + (m.writable ? "" : ":ro"));
    for (const auto& [k, v] : spec.env) s += " --env " + shell_quote(k + "=" + v);
    s += args_of(c) + " " + shell_quote(c.image) + " " + shell_command(spec);
    out.command = std::move(s);
    out.cleanup = program_of(c) + " rm -f -t 0 --ignore " + shell_quote(name);
    return out;
  }
  if (c.runtime == "apptainer" || c.runtime == "singularity") {
    std::string s = "exec " + program_of(c) + " exec";
    if (!spec.working_dir.empty()) s += " --pwd " + shell_quote(spec.working_dir);
    std::string binds;
    for (const auto& m : mounts)
      binds += (binds.empty() ? "" : ",") + m.path + ":" + m.path + (m.writable ? "" : ":ro");
    if (!binds.empty()) s += " --bind " + shell_quote(binds);
    s += args_of(c) + " " + shell_quote(c.image) + " " + shell_command(spec);
    out.command = std::move(s);
    return out;
  }
  if (c.runtime == "enroot") {
    // enroot has no working-folder option: the command changes into it first.
    std::string s = "exec " + program_of(c) + " start";
    for (const auto& m : mounts)
      s += " --mount " +
           shell_quote(m.path + ":" + m.path + (m.writable ? "" : ":none:x-create=auto,rbind,ro"));
    for (const auto& [k, v] : spec.env) s += " --env " + shell_quote(k);
    std::string inner = spec.working_dir.empty()
                            ? spec.command
                            : "cd " + shell_quote(spec.working_dir) + " && " + spec.command;
    s += args_of(c) + " " + shell_quote(c.image) + " /bin/sh -c " + shell_quote(inner);
    out.command = std::move(s);
    return out;
  }
  out.error = "unknown container runtime '" + c.runtime + "' (podman, apptainer or enroot)";
  return out;
}

}  // namespace runnel::internal
