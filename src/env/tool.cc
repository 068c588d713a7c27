// env/tool.cc: fork/exec with a pipe and a deadline (Linux/POSIX).
#include "env/tool.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "runnel/error.h"

extern char** environ;

namespace runnel::env {

namespace {

constexpr size_t kKeep = 64 * 1024;

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

ToolResult run_tool(const std::vector<std::string>& argv, const ToolOptions& options) {
  ToolResult r;
  if (argv.empty()) {
    r.output = "no program given";
    return r;
  }
  // Build the child's environment before forking (no allocation after fork).
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& k : options.unset_env) env.erase(k);
  for (const auto& [k, v] : options.env) env[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);
  std::string path_value = env.count("PATH") ? env["PATH"] : "/usr/bin:/bin";

  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0)
    throw io_error(std::string("cannot make a pipe: ") + std::strerror(errno));
  Fd rd{p[0]}, wr{p[1]};
  int errp[2];  // reports an exec failure
  if (::pipe2(errp, O_CLOEXEC) != 0)
    throw io_error(std::string("cannot make a pipe: ") + std::strerror(errno));
  Fd err_rd{errp[0]}, err_wr{errp[1]};

  // Candidate paths for argv[0] (execve, no PATH search after fork).
  std::vector<std::string> candidates;
  if (argv[0].find('/') != std::string::npos) {
    candidates.push_back(argv[0]);
  } else {
    size_t start = 0;
    while (start <= path_value.size()) {
      size_t colon = path_value.find(':', start);
      std::string dir =
          path_value.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
      if (!dir.empty()) candidates.push_back(dir + "/" + argv[0]);
      if (colon == std::string::npos) break;
      start = colon + 1;
    }
  }

  pid_t pid = ::fork();
  if (pid < 0) throw io_error(std::string("cannot start ") + argv[0] + ": " + std::strerror(errno));
  if (pid == 0) {
    ::setpgid(0, 0);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(wr.fd, 1);
    ::dup2(wr.fd, 2);
    int last = ENOENT;
    for (const auto& c : candidates) {
      ::execve(c.c_str(), args.data(), envp.data());
      if (errno != ENOENT) last = errno;
    }
    ssize_t ignored = ::write(err_wr.fd, &last, sizeof last);
    (void)ignored;
    ::_exit(127);
  }
  ::close(wr.fd);
  wr.fd = -1;
  ::close(err_wr.fd);
  err_wr.fd = -1;
  int exec_errno = 0;
  if (::read(err_rd.fd, &exec_errno, sizeof exec_errno) ==
      static_cast<ssize_t>(sizeof exec_errno)) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    r.output = "cannot run " + argv[0] + ": " + std::strerror(exec_errno);
    return r;
  }
  r.started = true;

  std::ofstream log;
  if (!options.log_path.empty()) log.open(options.log_path, std::ios::app);
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  char buf[8192];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      ::kill(-pid, SIGKILL);
      break;
    }
    pollfd pfd{rd.fd, POLLIN, 0};
    int n = ::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left.count(), 1 << 30)));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    ssize_t got = ::read(rd.fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    r.output.append(buf, static_cast<size_t>(got));
    if (r.output.size() > 2 * kKeep) r.output.erase(0, r.output.size() - kKeep);
    if (log) log.write(buf, got).flush();
    if (options.on_output) options.on_output(std::string_view(buf, static_cast<size_t>(got)));
  }
  if (r.output.size() > kKeep) r.output.erase(0, r.output.size() - kKeep);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  return r;
}

std::string tail_of(const std::string& text, size_t n) {
  size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  for (size_t i = 0; i < n && pos != std::string::npos && pos > 0; ++i)
    pos = text.rfind('\n', pos - 1);
  return pos == std::string::npos || pos == 0 ? text : text.substr(pos + 1);
}

std::string check_python(const std::string& python, const std::string& key) {
  ToolOptions o;
  o.timeout = std::chrono::seconds(10);
  o.unset_env = {"PYTHONPATH", "PYTHONHOME"};
  ToolResult r =
      run_tool({python, "-c", "import sys; print('runnel-python-ok', sys.version.split()[0])"}, o);
  const std::string mark = "runnel-python-ok ";
  auto at = r.output.find(mark);
  if (r.ok() && at != std::string::npos) {
    std::string v = r.output.substr(at + mark.size());
    return v.substr(0, v.find_first_of("\r\n"));
  }
  std::string what = !r.started ? r.output
                     : r.timed_out
                         ? "it did not answer within 10 s"
                         : "it is not a Python interpreter (running it with -c 'import sys; "
                           "print(sys.version)' " +
                               (r.exit_code == 0 ? std::string("printed no version")
                                                 : "exited with " + std::to_string(r.exit_code)) +
                               ")";
  throw invalid_argument(
      key + " " + python + ": " + what +
      "; pass the full path of a Python 3 interpreter, e.g. --python /usr/bin/python3");
}

}  // namespace runnel::env
