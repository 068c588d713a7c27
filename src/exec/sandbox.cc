// Read-only inputs through bubblewrap (exec/sandbox.h).
#include "exec/sandbox.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "exec/container.h"
#include "exec/process.h"
#include "spec/command_template.h"

namespace runnel::internal {

namespace {

constexpr size_t kMaxBinds = 64;

std::string find_bwrap() {
  if (const char* p = std::getenv("RUNNEL_BWRAP"); p != nullptr && *p) return p;
  for (const char* p : {"/usr/bin/bwrap", "/usr/local/bin/bwrap", "/bin/bwrap"})
    if (::access(p, X_OK) == 0) return p;
  return "";
}

const std::string& bwrap_path() {
  static const std::string path = find_bwrap();
  return path;
}

// Runs the smallest sandbox that the real one needs (a read-only bind, all capabilities
// dropped) and returns why it failed, or "".
std::string probe() {
  const std::string& bwrap = bwrap_path();
  if (bwrap.empty()) return "bwrap (Debian package bubblewrap) is not installed";
  std::string cmd =
      shell_quote(bwrap) + " --dev-bind / / --ro-bind /tmp /tmp --cap-drop ALL -- /bin/true";
  std::string full = cmd + " >/dev/null 2>&1";
  int rc = std::system(full.c_str());
  if (rc == 0) return "";
  return "`" + cmd + "` fails here (exit " + std::to_string(WIFEXITED(rc) ? WEXITSTATUS(rc) : -1) +
         "; user or mount namespaces are unavailable)";
}

bool under(const std::string& path, const std::string& dir) {
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         (dir == "/" || path[dir.size()] == '/'));
}

std::string mode() {
  const char* m = std::getenv("RUNNEL_SANDBOX");
  return m == nullptr ? "" : m;
}

}  // namespace

const std::string& sandbox_problem() {
  static std::once_flag once;
  static std::string problem;
  std::call_once(once, [] { problem = mode() == "off" ? "RUNNEL_SANDBOX=off" : probe(); });
  return problem;
}

SandboxedCommand sandbox_command(const std::string& command,
                                 const std::vector<std::string>& read_only,
                                 const std::vector<std::string>& writable) {
  SandboxedCommand out;
  out.command = command;
  // Resolved paths (a symlink is protected through its target, the file that matters); many
  // files (a dataset) are bound by their folders, to keep the command line short: too many
  // binds (a join over 1,000 step outputs) make one exec argument longer than Linux allows
  // (128 KiB). A folder bound read-only covers the paths below it; the step's writable
  // folders are bound writable again below.
  std::vector<std::string> ro = mount_paths(read_only, kMaxBinds);
  if (ro.empty()) return out;
  const std::string& problem = sandbox_problem();
  if (!problem.empty()) {
    std::string what = "ro_mount inputs are NOT read-only for this step: " + problem +
                       " (install bubblewrap, or see src/exec/sandbox.h)";
    if (mode() == "require") {
      out.error = what + "; RUNNEL_SANDBOX=require refuses to run without the sandbox";
    } else {
      out.warning = what;
    }
    return out;
  }
  std::vector<std::string>& a = out.argv;
  a = {bwrap_path(), "--dev-bind", "/", "/"};
  for (const auto& p : ro) a.insert(a.end(), {"--ro-bind", p, p});
  for (const auto& w : writable) {
    std::error_code ec;
    std::string real = std::filesystem::canonical(w, ec).string();
    if (ec) continue;
    bool below_ro = false;
    for (const auto& p : ro) below_ro = below_ro || under(real, p);
    if (below_ro) a.insert(a.end(), {"--bind", real, real});
  }
  // The same shell as an unsandboxed step: a command must not change meaning (bash-isms)
  // because one of its inputs is read-only.
  a.insert(a.end(), {"--cap-drop", "ALL", "--", step_shell(), "-c", command});
  std::string cmd;
  for (const auto& arg : a) cmd += (cmd.empty() ? "" : " ") + shell_quote(arg);
  out.command = cmd;
  out.sandboxed = true;
  return out;
}

}  // namespace runnel::internal
