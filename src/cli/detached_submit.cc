// cli/detached_submit.cc: a submit that outlives the CLI (detached_submit.h).
#include "cli/detached_submit.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/cli.h"
#include "runnel/error.h"

namespace runnel::cli {

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

// The run id after "Submitted PipelineRun " (run_command's line at submit), or "".
std::string submitted_id(const std::string& log) {
  const std::string marker = "Submitted PipelineRun ";
  size_t at = log.find(marker);
  if (at == std::string::npos) return "";
  size_t begin = at + marker.size();
  size_t end = log.find_first_of(" \n", begin);
  if (end == std::string::npos) return "";  // the line is not complete yet
  return log.substr(begin, end - begin);
}

[[noreturn]] void exec_child(const std::vector<std::string>& args, const std::string& log_path) {
  ::setsid();
  int in = ::open("/dev/null", O_RDONLY);
  int out = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (in < 0 || out < 0) ::_exit(127);
  ::dup2(in, STDIN_FILENO);
  ::dup2(out, STDOUT_FILENO);
  ::dup2(out, STDERR_FILENO);
  long max_fd = ::sysconf(_SC_OPEN_MAX);
  for (int fd = 3; fd < (max_fd > 0 ? max_fd : 1024); ++fd) ::close(fd);
  std::vector<char*> argv;
  std::string self = "runnel";
  argv.push_back(self.data());
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execv("/proc/self/exe", argv.data());
  std::fprintf(stderr, "error: cannot start /proc/self/exe: %s\n", std::strerror(errno));
  ::_exit(127);
}

}  // namespace

std::string submit_detached(const std::vector<std::string>& args, const std::string& log_path) {
  std::cout.flush();
  std::cerr.flush();
  pid_t pid = ::fork();
  if (pid < 0)
    throw io_error(std::string("cannot start the submitting process: ") + std::strerror(errno));
  if (pid == 0) exec_child(args, log_path);
  // The child writes the line within the time its submit takes (validating the file,
  // resolving environments); the log is checked until then or until the child exits.
  while (true) {
    std::string log = read_all(log_path);
    std::string id = submitted_id(log);
    if (!id.empty()) return id;
    int status = 0;
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      log = read_all(log_path);
      id = submitted_id(log);
      if (!id.empty()) return id;
      std::cerr << log;
      int code = WIFEXITED(status) ? WEXITSTATUS(status) : kExitInternal;
      throw ExitWith{code == 0 ? kExitInternal : code};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace runnel::cli
