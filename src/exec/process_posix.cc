// exec/process_posix.cc: Linux implementation of exec/process.h. Children are started with
// posix_spawn (glibc runs it as clone(CLONE_VFORK), so a launch costs about one vfork+exec)
// and watched through pidfds.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <filesystem>
#include <system_error>

#include "exec/process.h"
#include "runnel/error.h"

extern char** environ;

namespace runnel::internal {
namespace {

std::string errno_text(int err) { return std::error_code(err, std::generic_category()).message(); }

// Opens a log file for writing, creating its parent folder when missing. -1 and `*err` set
// on failure.
int open_log(const std::string& given, const char* what, std::string* err) {
  const std::string path = given.empty() ? std::string("/dev/null") : given;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0 && errno == ENOENT) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  }
  if (fd < 0)
    *err = std::string("cannot open ") + what + " file " + path + ": " + errno_text(errno);
  return fd;
}

// Why posix_spawn failed with `err`, in words that name the culprit.
std::string spawn_error(const LaunchSpec& spec, int err) {
  if (!spec.working_dir.empty()) {
    struct stat st;
    if (::stat(spec.working_dir.c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR)
        return "working directory " + spec.working_dir + " does not exist";
      return "cannot enter working directory " + spec.working_dir + ": " + errno_text(errno);
    }
    if (!S_ISDIR(st.st_mode)) return "working directory " + spec.working_dir + " is not a folder";
    if (::access(spec.working_dir.c_str(), X_OK) != 0)
      return "cannot enter working directory " + spec.working_dir + ": " + errno_text(errno);
  }
  return "cannot start " + (spec.argv.empty() ? std::string("/bin/sh") : spec.argv[0]) + ": " +
         errno_text(err);
}

// RAII holders so that every exit path of spawn_process frees what it set up.
struct FileActions {
  posix_spawn_file_actions_t fa;
  FileActions() { posix_spawn_file_actions_init(&fa); }
  ~FileActions() { posix_spawn_file_actions_destroy(&fa); }
};
struct SpawnAttr {
  posix_spawnattr_t attr;
  SpawnAttr() { posix_spawnattr_init(&attr); }
  ~SpawnAttr() { posix_spawnattr_destroy(&attr); }
};

}  // namespace

const char* step_shell() {
  static const bool has_bash = ::access("/bin/bash", X_OK) == 0;
  return has_bash ? "/bin/bash" : "/bin/sh";
}

int set_this_thread_nice(int nice) {
  return ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), nice) == 0 ? 0 : errno;
}

SpawnResult spawn_process(const LaunchSpec& spec, int devnull_fd, const char* extra_env) {
  SpawnResult result;
  UniqueFd out(open_log(spec.stdout_path, "stdout", &result.error));
  if (out.get() < 0) return result;
  UniqueFd err_file;
  int err_fd = out.get();  // the same file for both streams must be opened once
  if (spec.stderr_path != spec.stdout_path) {
    err_file.reset(open_log(spec.stderr_path, "stderr", &result.error));
    if (err_file.get() < 0) return result;
    err_fd = err_file.get();
  }

  FileActions actions;
  posix_spawn_file_actions_adddup2(&actions.fa, devnull_fd, 0);
  posix_spawn_file_actions_adddup2(&actions.fa, out.get(), 1);
  posix_spawn_file_actions_adddup2(&actions.fa, err_fd, 2);
  if (!spec.working_dir.empty())
    posix_spawn_file_actions_addchdir_np(&actions.fa, spec.working_dir.c_str());
  // Descriptors that other parts of the program opened without O_CLOEXEC must not leak.
  posix_spawn_file_actions_addclosefrom_np(&actions.fa, 3);

  SpawnAttr attr;
  sigset_t mask;
  sigemptyset(&mask);
  posix_spawnattr_setsigmask(&attr.attr, &mask);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2,
                  SIGTSTP, SIGTTIN, SIGTTOU, SIGXFSZ})
    sigaddset(&defaults, sig);
  posix_spawnattr_setsigdefault(&attr.attr, &defaults);
  posix_spawnattr_setpgroup(&attr.attr, 0);  // own group: pgid = the child's pid
  posix_spawnattr_setflags(&attr.attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  // The environment: inherited, with spec.env replacing or adding entries.
  char** envp = environ;
  std::vector<std::string> added;
  std::vector<char*> env_ptrs;
  if (!spec.env.empty() || extra_env) {
    for (char** e = environ; e && *e; ++e) {
      bool overridden = false;
      for (const auto& [k, v] : spec.env)
        if (::strncmp(*e, k.c_str(), k.size()) == 0 && (*e)[k.size()] == '=') overridden = true;
      if (!overridden) env_ptrs.push_back(*e);
    }
    added.reserve(spec.env.size());
    for (const auto& [k, v] : spec.env) added.push_back(k + "=" + v);
    for (auto& s : added) env_ptrs.push_back(s.data());
    if (extra_env) env_ptrs.push_back(const_cast<char*>(extra_env));
    env_ptrs.push_back(nullptr);
    envp = env_ptrs.data();
  }

  std::string command = spec.command;
  char sh[] = "sh";
  char dash_c[] = "-c";
  std::vector<char*> argv = {sh, dash_c, command.data(), nullptr};
  const char* program = step_shell();
  std::vector<std::string> given = spec.argv;  // posix_spawn takes char*, not const char*
  if (!given.empty()) {
    argv.clear();
    for (auto& a : given) argv.push_back(a.data());
    argv.push_back(nullptr);
    program = given[0].c_str();
  }
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, program, &actions.fa, &attr.attr, argv.data(), envp);
  if (rc != 0) {
    result.error = spawn_error(spec, rc);
    return result;
  }
  result.pid = pid;
  // glibc 2.36's <sys/pidfd.h> lacks extern "C", so call the syscall itself. The pidfd is
  // O_CLOEXEC; -1 on kernels before 5.3 (then poll() falls back to checking periodically).
  result.pidfd.reset(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  return result;
}

bool has_ended(pid_t pid) {
  siginfo_t info;
  info.si_pid = 0;
  int rc;
  do {
    rc = ::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT);
  } while (rc < 0 && errno == EINTR);
  return rc < 0 || info.si_pid != 0;
}

ExitStatus reap(pid_t pid) {
  for (;;) {
    int ws = 0;
    pid_t r = ::waitpid(pid, &ws, 0);
    if (r < 0 && errno == EINTR) continue;
    ExitStatus s;
    if (r < 0) {
      s.lost = true;
    } else if (WIFEXITED(ws)) {
      s.exited = true;
      s.code = WEXITSTATUS(ws);
    } else if (WIFSIGNALED(ws)) {
      s.signal = WTERMSIG(ws);
    } else {
      continue;  // stopped or continued: not an end
    }
    return s;
  }
}

void signal_group(pid_t pgid, int sig) {
  if (pgid > 0) ::kill(-pgid, sig);
}

bool group_alive(pid_t pgid) { return pgid > 0 && (::kill(-pgid, 0) == 0 || errno == EPERM); }

std::string describe_signal(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  std::string name = abbrev ? std::string("SIG") + abbrev : std::string("signal");
  return "killed by signal " + name + " (" + std::to_string(sig) + ")";
}

namespace {

struct WatchdogMessage {
  char op;  // '+' add, '-' remove, 'a' arm
  int32_t pgid;
};

// True when the NUL-separated environment read from `fd` holds the entry `tag` (of length
// `len`). Reads in pieces through a static buffer: async-signal-safe.
bool environ_holds(int fd, const char* tag, size_t len) {
  static char buf[16384];
  size_t pos = 0;     // how much of the current entry matched `tag` so far
  bool match = true;  // the current entry is still a prefix of `tag`
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return match && pos == len && len > 0;
    for (ssize_t i = 0; i < n; ++i) {
      const char c = buf[i];
      if (c == '\0') {
        if (match && pos == len) return true;
        pos = 0;
        match = true;
      } else if (match && pos < len && tag[pos] == c) {
        ++pos;
      } else {
        match = false;
      }
    }
  }
}

// Sends SIGKILL to every process (but this one) whose environment holds `tag`; returns how
// many. Raw getdents64 on /proc and no allocation: async-signal-safe. A process that is gone
// or not ours to read is skipped; a killed one is a zombie with an empty environment, so a
// second pass does not count it again.
int kill_tagged(const char* tag, size_t len) {
  int dir = ::open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return 0;
  const pid_t self = ::getpid();
  alignas(8) static char dents[16384];
  int killed = 0;
  for (;;) {
    long n = ::syscall(SYS_getdents64, dir, dents, sizeof dents);
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      // struct linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, char name[]
      const char* rec = dents + off;
      unsigned short reclen;
      ::memcpy(&reclen, rec + 16, sizeof reclen);
      off += reclen;
      const char* name = rec + 19;
      pid_t pid = 0;
      bool numeric = *name != '\0';
      for (const char* c = name; *c; ++c) {
        if (*c < '0' || *c > '9') {
          numeric = false;
          break;
        }
        pid = pid * 10 + (*c - '0');
      }
      if (!numeric || pid == self || pid <= 1) continue;
      char path[40] = "/proc/";
      size_t k = 6;
      for (const char* c = name; *c && k < sizeof path - 9; ++c) path[k++] = *c;
      ::memcpy(path + k, "/environ", 9);
      int fd = ::open(path, O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;
      bool tagged = environ_holds(fd, tag, len);
      ::close(fd);
      if (tagged && ::kill(pid, SIGKILL) == 0) ++killed;
    }
  }
  ::close(dir);
  return killed;
}

// The watchdog's life (see Watchdog in process.h). Only async-signal-safe calls: no
// allocation, no locks, no stdio.
[[noreturn]] void watchdog_main(int fd, const char* tag) {
  ::setpgid(0, 0);  // not in the engine's group: a Ctrl-C meant for runnel does not reach it
  struct sigaction ign {};
  ign.sa_handler = SIG_IGN;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU})
    ::sigaction(sig, &ign, nullptr);
  // Every other descriptor is closed: holding a copy of another watchdog's write end, of a
  // listening socket or of a pipe someone waits on would change what those mean.
  if (fd > 0) ::syscall(SYS_close_range, 0u, static_cast<unsigned>(fd - 1), 0u);
  ::syscall(SYS_close_range, static_cast<unsigned>(fd + 1), ~0u, 0u);
  constexpr int kMax = 8192;
  pid_t groups[kMax];
  int n = 0;
  bool armed = false;
  for (;;) {
    WatchdogMessage m{};
    ssize_t r = ::recv(fd, &m, sizeof m, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;  // end-of-file: whoever started the steps is gone
    if (r != static_cast<ssize_t>(sizeof m)) continue;
    if (m.op == 'a') {
      armed = true;
      continue;
    }
    if (m.pgid <= 0) continue;
    if (m.op == '+') {
      if (n < kMax) groups[n++] = m.pgid;
    } else {
      for (int i = 0; i < n; ++i)
        if (groups[i] == m.pgid) {
          groups[i] = groups[--n];
          break;
        }
    }
  }
  for (int i = 0; i < n; ++i) ::kill(-groups[i], SIGKILL);
  if (armed) {
    // What no listed group holds: a step started but not yet added when the engine died,
    // or a step's child that left its group. A process forking as it is scanned leaves a
    // tagged child for the next pass.
    const size_t len = ::strlen(tag);
    for (int pass = 0; pass < 50 && kill_tagged(tag, len) > 0; ++pass) {
      struct timespec pause {
        0, 2'000'000
      };
      ::nanosleep(&pause, nullptr);
    }
  }
  ::_exit(0);
}

}  // namespace

Watchdog::Watchdog() {
  uint64_t r = 0;
  if (::getrandom(&r, sizeof r, 0) != static_cast<ssize_t>(sizeof r))
    r = static_cast<uint64_t>(::getpid()) << 32 ^
        static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  static const char hex[] = "0123456789abcdef";
  char* t = tag_;
  for (const char* c = "RUNNEL_WATCHDOG_"; *c; ++c) *t++ = *c;
  for (int i = 15; i >= 0; --i) *t++ = hex[(r >> (4 * i)) & 0xf];
  *t++ = '=';
  *t++ = '1';
  *t = '\0';
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
    throw io_error("local backend: cannot create the watchdog's socket pair: " + errno_text(errno));
  pid_t pid = ::fork();
  if (pid < 0) {
    int err = errno;
    ::close(sv[0]);
    ::close(sv[1]);
    throw io_error("local backend: cannot start the step watchdog: " + errno_text(err));
  }
  if (pid == 0) watchdog_main(sv[1], tag_);
  ::close(sv[1]);
  fd_.reset(sv[0]);
  pid_ = pid;
}

Watchdog::~Watchdog() {
  fd_.reset();
  if (pid_ > 0) {
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
}

void Watchdog::send(char op, pid_t pgid) {
  WatchdogMessage m{};
  m.op = op;
  m.pgid = static_cast<int32_t>(pgid);
  while (::send(fd_.get(), &m, sizeof m, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
}

void Watchdog::arm() {
  if (!armed_.exchange(true)) send('a', 0);
}
void Watchdog::add(pid_t pgid) { send('+', pgid); }
void Watchdog::remove(pid_t pgid) { send('-', pgid); }

WakeupFd::WakeupFd() : fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (fd_.get() < 0)
    throw io_error("local backend: cannot create an eventfd: " + errno_text(errno));
}

void WakeupFd::signal() {
  uint64_t one = 1;
  ssize_t n = ::write(fd_.get(), &one, sizeof one);
  (void)n;  // EAGAIN means the counter is already non-zero: a wakeup is pending anyway
}

void WakeupFd::drain() {
  uint64_t value;
  ssize_t n = ::read(fd_.get(), &value, sizeof value);
  (void)n;
}

std::vector<bool> wait_readable(const std::vector<int>& fds, std::chrono::milliseconds timeout) {
  std::vector<pollfd> pfds(fds.size());
  for (size_t i = 0; i < fds.size(); ++i) pfds[i] = pollfd{fds[i], POLLIN, 0};
  using Clock = std::chrono::steady_clock;
  const bool forever = timeout.count() < 0;
  const auto deadline = Clock::now() + (forever ? std::chrono::milliseconds(0) : timeout);
  for (;;) {
    int ms = -1;
    if (!forever) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
      ms = static_cast<int>(std::clamp<int64_t>(left.count(), 0, INT_MAX));
    }
    int rc = ::poll(pfds.data(), pfds.size(), ms);
    if (rc >= 0) break;
    if (errno != EINTR) throw io_error("local backend: poll failed: " + errno_text(errno));
  }
  std::vector<bool> ready(fds.size());
  for (size_t i = 0; i < fds.size(); ++i) ready[i] = pfds[i].revents != 0;
  return ready;
}

UniqueFd make_epoll() {
  UniqueFd fd(::epoll_create1(EPOLL_CLOEXEC));
  if (fd.get() < 0)
    throw io_error("local backend: cannot create an epoll fd: " + errno_text(errno));
  return fd;
}

void epoll_add(int epoll_fd, int fd) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0)
    throw io_error("local backend: cannot watch fd " + std::to_string(fd) + ": " +
                   errno_text(errno));
}

UniqueFd make_timerfd() {
  UniqueFd fd(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
  if (fd.get() < 0) throw io_error("local backend: cannot create a timerfd: " + errno_text(errno));
  return fd;
}

void arm_timerfd(int fd, std::chrono::nanoseconds after) {
  itimerspec spec{};
  auto ns = after.count();
  spec.it_value.tv_sec = static_cast<time_t>(ns / 1000000000);
  spec.it_value.tv_nsec = static_cast<long>(ns % 1000000000);
  ::timerfd_settime(fd, 0, &spec, nullptr);  // cannot fail for a valid timerfd and value
}

void drain_timerfd(int fd) {
  uint64_t expirations;
  ssize_t n = ::read(fd, &expirations, sizeof expirations);
  (void)n;  // EAGAIN: nothing to clear
}

UniqueFd open_devnull() {
  UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throw io_error("local backend: cannot open /dev/null: " + errno_text(errno));
  return fd;
}

}  // namespace runnel::internal
