// exec/process.h: the operating-system calls of the local backend, behind a small seam
// (process_posix.cc implements them for Linux; another platform gets its own file).
//
// Everything here is a free function or a small RAII type over file descriptors. None of it
// throws for a failing child: spawn errors come back as text, because a step that cannot
// start is data (kFailed), not an exception. Thread-safety: the functions keep no state and
// may be called from any thread; a WakeupFd may be signalled from any thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "core/unique_fd.h"
#include "exec/compute_backend.h"

namespace runnel::internal {

using ::runnel::UniqueFd;  // core/unique_fd.h

// A started child: its pid (also its process group id) and a pidfd that becomes readable
// when it exits (-1 when the kernel has no pidfd_open; then callers poll has_ended()).
struct SpawnResult {
  pid_t pid = -1;
  UniqueFd pidfd;
  std::string error;  // non-empty when the child could not be started; pid is then -1
};

// The shell that runs a step's command: /bin/bash when it exists, as Azure ML's command jobs
// (bash-isms such as `[[`, `source` work), else /bin/sh. bash also execs a single simple
// command instead of forking, so a step killed by a signal is seen as such (dash would
// report exit code 128+N).
const char* step_shell();

// Starts `step_shell() -c spec.command` (or spec.argv when set) in a new process group (pgid =
// pid), with stdin from `devnull_fd`, stdout/stderr to spec.stdout_path/stderr_path (created or
// truncated; a missing parent folder is created; an empty path means /dev/null), in
// spec.working_dir
// ("" = the caller's), with the inherited environment plus spec.env. Every descriptor above
// 2 is closed in the child; signal mask and the usual signals are reset to their defaults.
// Does not throw for a child that cannot start: fills `error` with why ("working directory
// /x does not exist", "cannot open stdout file /y: Permission denied"). `extra_env`, when
// not null, is one more "NAME=VALUE" entry of the child's environment (the watchdog's tag).
SpawnResult spawn_process(const LaunchSpec& spec, int devnull_fd, const char* extra_env = nullptr);

// Sets the calling thread's nice value (Linux keeps one per thread; a process it spawns
// copies it). Raising it needs no privilege, lowering it CAP_SYS_NICE. Returns 0 or errno.
int set_this_thread_nice(int nice);

// How a reaped child ended.
struct ExitStatus {
  bool exited = false;  // true: `code` holds the exit code; false: `signal` killed it
  int code = -1;
  int signal = 0;
  bool lost = false;  // someone else reaped it (ECHILD); code and signal are unknown
};

// True once `pid` has ended, without reaping it: the zombie keeps its pid and process
// group id reserved, so the group can still be signalled safely. A pid that is not our
// child (already reaped) counts as ended.
bool has_ended(pid_t pid);

// Reaps `pid`, blocking until it ends (immediately after has_ended() returned true).
ExitStatus reap(pid_t pid);

// Sends `sig` to every process of group `pgid`. Errors (the group is gone) are ignored.
void signal_group(pid_t pgid, int sig);

// True while any process of group `pgid` exists (kill(-pgid, 0) succeeds or EPERM).
bool group_alive(pid_t pgid);

// "killed by signal SIGKILL (9)".
std::string describe_signal(int sig);

// An eventfd that makes a poll wake up; signal() is async-signal-safe and thread-safe.
class WakeupFd {
 public:
  WakeupFd();  // throws Error(kIo) when no eventfd can be made
  int fd() const { return fd_.get(); }
  void signal();
  void drain();

 private:
  UniqueFd fd_;
};

// Waits up to `timeout` (negative: forever) until one of `fds` is readable and returns,
// per fd, whether it is readable (or hung up). Retries on EINTR with the time left.
std::vector<bool> wait_readable(const std::vector<int>& fds, std::chrono::milliseconds timeout);

// An epoll fd (O_CLOEXEC); epoll_add watches `fd` for readability. Throw Error(kIo).
UniqueFd make_epoll();
void epoll_add(int epoll_fd, int fd);

// A non-blocking CLOCK_MONOTONIC timerfd; arm_timerfd fires it once after `after`
// (0 disarms); drain_timerfd clears its readability. make_timerfd throws Error(kIo).
UniqueFd make_timerfd();
void arm_timerfd(int fd, std::chrono::nanoseconds after);
void drain_timerfd(int fd);

// Opens /dev/null read-only with O_CLOEXEC; throws Error(kIo) on failure.
UniqueFd open_devnull();

// A watchdog process that kills the process groups of running steps when the program that
// started them is gone, however it ended (SIGKILL, a crash, a closed terminal): steps never
// outlive their engine. Forked (not exec'd) at construction: the child closes every
// descriptor but its end of a socket pair, ignores the terminal's signals, and keeps a list
// of live groups (add/remove, sent as one datagram each). When its read returns end-of-file,
// every write end is closed (this process has exited, or the Watchdog was destroyed) and
// it sends SIGKILL to each group still listed, then exits. A remove must be sent before the
// group's leader is reaped (a zombie keeps the group id reserved), so that a listed group
// id can never be one that was reused. The child makes only async-signal-safe calls, so
// forking from a threaded program is safe. Thread-safe; add/remove never raise SIGPIPE.
//
// A group that was never listed still dies: every step is started with tag() in its
// environment (an entry whose name holds a random number drawn per watchdog), which its
// children inherit. Once armed (arm(), sent before the first step is started), the watchdog,
// after killing the listed groups, also kills every process whose environment holds the tag,
// scanning /proc until none is left. That covers a step whose engine was killed between the
// spawn and the add, and a step's child that left its group (setsid, a daemon). Nested
// engines work: a step's own runnel adds its tag beside the inherited one.
class Watchdog {
 public:
  Watchdog();   // throws Error(kIo) when the socket pair or the fork fails
  ~Watchdog();  // closes the socket (the watchdog kills what is still listed) and reaps it
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  void arm();  // before starting a step: from now on the watchdog also scans for its tag
  void add(pid_t pgid);
  void remove(pid_t pgid);
  pid_t pid() const { return pid_; }
  const char* tag() const { return tag_; }  // "RUNNEL_WATCHDOG_<16 hex digits>=1"

 private:
  void send(char op, pid_t pgid);
  UniqueFd fd_;
  pid_t pid_ = -1;
  std::atomic<bool> armed_{false};
  char tag_[40] = {};
};

}  // namespace runnel::internal
