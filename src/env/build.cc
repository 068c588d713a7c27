// env/build.cc: venv + pip builds under a lock, markers, and pruning.
#include "env/build.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "core/fs.h"
#include "core/sha256.h"
#include "env/tool.h"
#include "runnel/error.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace runnel::env {

namespace {

constexpr const char* kMarker = ".runnel-env.json";

// An exclusive flock on a file, held for the object's lifetime (and never past the
// process's, so a killed builder leaves no stale lock).
class FileLock {
 public:
  FileLock(const std::string& path, const std::function<void(std::string_view)>& on_wait,
           const std::string& waiting_message) {
    fd_ = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (fd_ < 0) throw io_error("cannot open lock " + path + ": " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
    if (errno != EWOULDBLOCK) fail(path);
    if (on_wait) on_wait(waiting_message);
    while (::flock(fd_, LOCK_EX) != 0)
      if (errno != EINTR) fail(path);
  }
  // Tries without waiting; owns() says whether it got the lock.
  explicit FileLock(const std::string& path) {
    fd_ = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    owns_ = fd_ >= 0 && ::flock(fd_, LOCK_EX | LOCK_NB) == 0;
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool owns() const { return owns_; }

 private:
  [[noreturn]] void fail(const std::string& path) {
    std::string e = std::strerror(errno);
    ::close(fd_);
    fd_ = -1;
    throw io_error("cannot lock " + path + ": " + e);
  }
  int fd_ = -1;
  bool owns_ = true;
};

std::string find_on_path(const std::string& exe) {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "";
  size_t start = 0;
  while (start <= p.size()) {
    size_t colon = p.find(':', start);
    std::string dir =
        p.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!dir.empty() && ::access((dir + "/" + exe).c_str(), X_OK) == 0) return dir + "/" + exe;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return "";
}

std::string join_args(const std::vector<std::string>& argv) {
  std::string s;
  for (const auto& a : argv) {
    bool plain = !a.empty() && a.find_first_of(" \t'\"\\$`*?") == std::string::npos;
    s += (s.empty() ? "" : " ") + (plain ? a : "'" + a + "'");
  }
  return s;
}

struct Builder {
  const BuildRequest& r;
  std::string digest, prefix, log_path;
  PipOptions pip;

  void say(const std::string& line) const {
    if (r.progress) r.progress(line);
  }

  ToolResult run(const std::vector<std::string>& argv) const {
    append_line(log_path, "$ " + join_args(argv));
    ToolOptions o;
    o.log_path = log_path;
    o.unset_env = {"PYTHONPATH", "PYTHONHOME", "PIP_REQUIRE_VIRTUALENV"};
    o.env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1";
    o.env["PIP_NO_INPUT"] = "1";
    return run_tool(argv, o);
  }

  [[noreturn]] void fail(const std::vector<std::string>& argv, const ToolResult& t) const {
    remove_all(prefix);  // nothing that looks usable stays
    std::string how = !t.started    ? t.output
                      : t.timed_out ? "it timed out"
                                    : "exit code " + std::to_string(t.exit_code);
    throw invalid_argument(
        "environment " + r.label + ": build failed (" + how + ")\n  command: " + join_args(argv) +
        "\n" + tail_of(t.output, 12) + "\n  full log: " + log_path +
        "\n  fix the package list (`runnel env create` makes a new version) and run again");
  }

  void check(const std::vector<std::string>& argv) const {
    ToolResult t = run(argv);
    if (!t.ok()) fail(argv, t);
  }

  BuiltEnvironment build() {
    auto t0 = std::chrono::steady_clock::now();
    const EnvDefinition& d = r.definition;
    make_dirs(r.envs_dir + "/logs");
    write_file_atomic(log_path, "");
    remove_all(prefix);  // an unfinished earlier build (no marker)
    say("building environment " + r.label + " into " + prefix + " (log: " + log_path + ")");
    std::string python = prefix + "/bin/python";
    // pip from the base interpreter installs into the new environment (`pip --python`,
    // pip >= 22.3): no copy of pip per environment, so a build costs little more than the
    // install itself. Without a usable base pip, the environment gets its own.
    std::vector<std::string> pip_cmd;
    if (!d.conda_file.empty()) {
      std::string tool;
      for (const char* c : {"micromamba", "mamba", "conda"})
        if (tool.empty()) tool = find_on_path(c);
      if (tool.empty()) {
        std::vector<std::string> section =
            conda_pip_section(d.conda_file, "conda file of " + r.label);
        std::string route;
        for (const auto& p : section) route += " --pip '" + p + "'";
        throw invalid_argument(
            "environment " + r.label +
            ": its conda file needs conda, mamba or micromamba, and none is on PATH; install one, "
            "or use the pip "
            "route for the file's pip section: runnel env create NAME --python /usr/bin/python3" +
            (route.empty() ? std::string(" --pip PKG ...") : route));
      }
      std::string file = r.envs_dir + "/logs/" + digest + ".conda.yml";
      write_file_atomic(file, d.conda_file);
      check({tool, "env", "create", "--yes", "-p", prefix, "-f", file});
      pip_cmd = {python, "-m", "pip"};
    } else {
      ToolResult base_pip = run({d.python, "-m", "pip", "--version"});
      bool shared_pip = base_pip.ok();
      std::vector<std::string> venv = {d.python, "-m", "venv"};
      if (d.system_site_packages) venv.push_back("--system-site-packages");
      if (shared_pip) venv.push_back("--without-pip");
      venv.push_back(prefix);
      check(venv);
      pip_cmd = shared_pip ? std::vector<std::string>{d.python, "-m", "pip", "--python", python}
                           : std::vector<std::string>{python, "-m", "pip"};
    }
    if (!d.pip.empty() || !d.requirements.empty()) {
      std::vector<std::string> install = pip_cmd;
      install.insert(install.end(), {"install", "--no-input"});
      for (const auto& a : pip.to_args()) install.push_back(a);
      for (const auto& p : d.pip) install.push_back(p);
      if (!d.requirements.empty()) {
        std::string req = prefix + "/.runnel-requirements.txt";
        write_file_atomic(req, d.requirements);
        install.insert(install.end(), {"-r", req});
      }
      say("  pip install: " + join_args(install));
      check(install);
    }
    std::vector<std::string> freeze_cmd = pip_cmd;
    freeze_cmd.insert(freeze_cmd.end(), {"freeze", "--all"});
    ToolResult f = run(freeze_cmd);
    if (!f.ok()) fail(freeze_cmd, f);
    BuiltEnvironment b;
    b.digest = digest;
    b.prefix = prefix;
    b.python = python;
    b.bin_dir = prefix + "/bin";
    size_t start = 0;
    while (start < f.output.size()) {
      size_t nl = f.output.find('\n', start);
      std::string line =
          f.output.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      if (!line.empty() && line[0] != '#') b.freeze.push_back(line);
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
    std::sort(b.freeze.begin(), b.freeze.end());
    b.build_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    b.built_now = true;
    json marker = {{"digest", digest},
                   {"python", python},
                   {"freeze", b.freeze},
                   {"label", r.label},
                   {"definition", d.to_json()},
                   {"pip_options", pip.to_json()},
                   {"build_seconds", b.build_seconds}};
    write_file_atomic(prefix + "/" + kMarker, marker.dump(2) + "\n",
                      true);  // last: now it is usable
    say("built environment " + r.label + " in " +
        std::to_string(static_cast<int>(b.build_seconds * 1000)) +
        " ms: " + std::to_string(b.freeze.size()) + " packages");
    return b;
  }
};

}  // namespace

std::string request_digest(const BuildRequest& r) {
  return build_digest(r.definition, r.python_version,
                      r.workspace_pip.merged_with(r.definition.pip_options));
}

BuiltEnvironment find_built(const std::string& envs_dir, const std::string& digest, bool touch) {
  BuiltEnvironment b;
  std::string marker = envs_dir + "/" + digest + "/" + kMarker;
  if (!path_exists(marker)) return b;
  json j = json::parse(read_file(marker), nullptr, false);
  if (!j.is_object() || j.value("digest", "") != digest) return b;
  b.digest = digest;
  b.prefix = envs_dir + "/" + digest;
  b.python = j.value("python", b.prefix + "/bin/python");
  b.bin_dir = b.prefix + "/bin";
  b.freeze = j.value("freeze", std::vector<std::string>{});
  if (touch) ::utimensat(AT_FDCWD, marker.c_str(), nullptr, 0);  // last use, for prune
  return b;
}

BuiltEnvironment ensure_built(const BuildRequest& r) {
  std::string digest = request_digest(r);
  BuiltEnvironment b = find_built(r.envs_dir, digest, true);
  if (!b.prefix.empty()) return b;
  make_dirs(r.envs_dir);
  FileLock lock(r.envs_dir + "/" + digest + ".lock", r.progress,
                "waiting: environment " + r.label +
                    " is being built by another runnel process (lock " + r.envs_dir + "/" + digest +
                    ".lock)");
  b = find_built(r.envs_dir, digest, true);  // built while we waited
  if (!b.prefix.empty()) return b;
  Builder builder{r, digest, r.envs_dir + "/" + digest, r.envs_dir + "/logs/" + digest + ".log",
                  r.workspace_pip.merged_with(r.definition.pip_options)};
  return builder.build();
}

std::vector<std::string> podman_build_args(const std::vector<std::string>& run_args) {
  static const std::vector<std::string> kTaken = {"--runtime", "--ulimit",  "-v",
                                                  "--volume",  "--network", "--security-opt",
                                                  "--cap-add", "--device"};
  std::vector<std::string> out;
  for (size_t i = 0; i < run_args.size(); ++i) {
    const std::string& a = run_args[i];
    std::string name = a.substr(0, a.find('='));
    if (std::find(kTaken.begin(), kTaken.end(), name) == kTaken.end()) continue;
    out.push_back(a);
    if (name == a && i + 1 < run_args.size()) out.push_back(run_args[++i]);  // "--opt value"
  }
  return out;
}

namespace {

// What one image build needs: its tag, the digest naming its lock and log, how to make the
// build's context and arguments (called under the lock, only when the image is missing;
// returns the text logged after the command), and the words for messages.
struct ImageBuild {
  std::string tag;
  std::string digest;
  std::string from;  // "on BASE", "from its Dockerfile"
  std::string fix;   // what to do after a failure
  std::function<std::string(std::vector<std::string>* argv)> prepare;
};

// Builds b.tag once (`podman image exists` before and after a flock on
// .runnel/envs/images/<digest>.lock), logging to .runnel/envs/logs/<digest>.image.log.
std::string build_image_once(const ImageBuildRequest& r, const ImageBuild& b) {
  ToolOptions quick;
  quick.timeout = std::chrono::seconds(30);
  auto exists = [&] { return run_tool({r.podman, "image", "exists", b.tag}, quick).ok(); };
  if (exists()) return b.tag;
  std::string dir = r.envs_dir + "/images";
  make_dirs(dir);
  make_dirs(r.envs_dir + "/logs");
  FileLock lock(dir + "/" + b.digest + ".lock", r.progress,
                "waiting: the image of " + r.label + " is being built by another runnel process");
  if (exists()) return b.tag;
  std::vector<std::string> argv;
  std::string logged = b.prepare(&argv);
  std::string log_path = r.envs_dir + "/logs/" + b.digest + ".image.log";
  write_file_atomic(log_path, "$ " + join_args(argv) + "\n" + logged);
  if (r.progress)
    r.progress("building image " + b.tag + " for " + r.label + " " + b.from + " (log: " + log_path +
               ")");
  auto t0 = std::chrono::steady_clock::now();
  ToolOptions o;
  o.log_path = log_path;
  ToolResult t = run_tool(argv, o);
  if (!t.ok()) {
    std::string how = !t.started    ? t.output
                      : t.timed_out ? "it timed out"
                                    : "exit code " + std::to_string(t.exit_code);
    throw invalid_argument(r.label + ": building image " + b.tag + " " + b.from + " failed (" +
                           how + ")\n  command: " + join_args(argv) + "\n" + tail_of(t.output, 12) +
                           "\n  full log: " + log_path + "\n  " + b.fix);
  }
  if (r.progress)
    r.progress(
        "built image " + b.tag + " in " +
        std::to_string(static_cast<int>(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() * 1000)) +
        " ms");
  return b.tag;
}

}  // namespace

std::string ensure_image_with_packages(const ImageBuildRequest& r) {
  const EnvDefinition& d = r.definition;
  PipOptions pip = r.workspace_pip.merged_with(d.pip_options);
  ToolOptions quick;
  quick.timeout = std::chrono::seconds(30);
  ToolResult id = run_tool({r.podman, "image", "inspect", "--format", "{{.Id}}", r.base}, quick);
  if (!id.ok())
    throw invalid_argument(r.label + ": cannot inspect image '" + r.base +
                           "' to install its packages into: " + tail_of(id.output, 3));
  std::string base_id = id.output.substr(0, id.output.find('\n'));
  json material = {{"format", 1},
                   {"base", base_id},
                   {"pip", d.pip},
                   {"requirements", d.requirements},
                   {"pip_options", pip.to_json()},
                   {"site", kImageSitePackages}};
  ImageBuild b;
  b.digest = sha256(material.dump()).hex();
  b.tag = "localhost/runnel-env:" + b.digest.substr(0, 16);
  b.from = "on " + r.base;
  b.fix = "fix the package list (`runnel env create` makes a new version) and run again";
  std::string ctx = r.envs_dir + "/images/" + b.digest;
  b.prepare = [&](std::vector<std::string>* argv) {
    remove_all(ctx);
    make_dirs(ctx);
    std::string file = "FROM " + r.base + "\n";
    json install = {"python3",
                    "-m",
                    "pip",
                    "install",
                    "--no-cache-dir",
                    "--no-input",
                    "--disable-pip-version-check",
                    "--target",
                    kImageSitePackages};
    for (const auto& a : pip.to_args()) install.push_back(a);
    for (const auto& p : d.pip) install.push_back(p);
    if (!d.requirements.empty()) {
      write_file_atomic(ctx + "/requirements.txt", d.requirements);
      file += "COPY requirements.txt /opt/runnel/requirements.txt\n";
      install.push_back("-r");
      install.push_back("/opt/runnel/requirements.txt");
    }
    file += "RUN " + install.dump() + "\nLABEL runnel.env=" + b.digest + "\n";
    write_file_atomic(ctx + "/Containerfile", file);
    *argv = {r.podman, "build", "--pull=never", "-t", b.tag, "-f", ctx + "/Containerfile"};
    for (const auto& a : podman_build_args(r.args)) argv->push_back(a);
    for (const auto& f : pip.find_links)
      if (!f.empty() && f[0] == '/') argv->insert(argv->end(), {"-v", f + ":" + f + ":ro"});
    argv->push_back(ctx);
    return file;
  };
  std::string tag = build_image_once(r, b);
  remove_all(ctx);
  return tag;
}

std::string ensure_image_from_context(const ImageBuildRequest& r) {
  const EnvDefinition& d = r.definition;
  ImageBuild b;
  b.tag = image_of_context(d);
  b.digest = d.build_context_digest;
  b.from = "from its " + d.dockerfile;
  b.fix =
      "its FROM image must be in podman's local storage (runnel never pulls); fix the "
      "Dockerfile (`runnel env create -f` makes a new version) and run again";
  b.prepare = [&](std::vector<std::string>* argv) {
    *argv = {
        r.podman, "build", "--pull=never", "-t", b.tag, "-f", d.build_context + "/" + d.dockerfile};
    for (const auto& a : podman_build_args(r.args)) argv->push_back(a);
    argv->push_back(d.build_context);
    return std::string();
  };
  return build_image_once(r, b);
}

PruneResult prune(const std::string& envs_dir, int64_t unused_for_s,
                  const std::vector<std::string>& keep) {
  PruneResult out;
  std::error_code ec;
  if (!fs::is_directory(envs_dir, ec)) return out;
  auto now = fs::file_time_type::clock::now();
  for (const auto& e : fs::directory_iterator(envs_dir, ec)) {
    std::string name = e.path().filename().string();
    if (!e.is_directory() || name.size() != 64 ||
        name.find_first_not_of("0123456789abcdef") != std::string::npos)
      continue;
    FileLock lock(envs_dir + "/" + name + ".lock");
    if (!lock.owns()) {  // being built or waited for
      out.kept.push_back(name);
      continue;
    }
    std::string marker = e.path().string() + "/" + kMarker;
    bool complete = fs::exists(marker, ec);
    bool recent =
        complete && now - fs::last_write_time(marker, ec) < std::chrono::seconds(unused_for_s);
    bool wanted = std::find(keep.begin(), keep.end(), name) != keep.end();
    if (complete && (recent || wanted)) {
      out.kept.push_back(name);
      continue;
    }
    remove_all(e.path().string());
    fs::remove(envs_dir + "/" + name + ".lock", ec);
    out.removed.push_back(name);
  }
  return out;
}

}  // namespace runnel::env
