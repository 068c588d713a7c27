// exec/sandbox.h: read-only inputs for real (issue 10 #12). A step whose inputs are
// `mode: ro_mount` runs inside a private mount namespace made by bubblewrap (Debian package
// `bubblewrap`), where each input path is a read-only bind mount of itself:
//
//   bwrap --dev-bind / / --ro-bind IN IN ... --bind OUT OUT ... --cap-drop ALL -- /bin/sh -c CMD
//
// The rest of the filesystem is the one the step expects (`--dev-bind / /`); the step's own
// writable folders (its run folder, its output staging folder) are bound writable again when
// they sit under a read-only input. `--cap-drop ALL` keeps root inside from remounting the
// binds writable (bubblewrap's own advice). Processes stay in the caller's process group, so
// cancel and timeouts signal them as before.
//
// Fallback: when bwrap is missing or cannot make a namespace here (no user namespaces, a
// seccomp filter, not root and no setuid bwrap), the command runs as before, unsandboxed,
// and the returned warning says so (the local backend prints it once on stderr and writes it
// into each affected step's stderr log). RUNNEL_SANDBOX=off disables the sandbox on purpose
// (same warning); RUNNEL_SANDBOX=require turns the fallback into a failed step. RUNNEL_BWRAP
// names another bwrap binary. Only the local backend sandboxes: Slurm jobs run on the
// cluster's nodes without it (there ro_mount relies on the manifest check of datasets).
//
// Thread-safety: all functions may be called from any thread (the probe runs once).
#pragma once

#include <string>
#include <vector>

namespace runnel::internal {

struct SandboxedCommand {
  std::string command;  // what to run with /bin/sh -c (the original when not sandboxed)
  // When sandboxed: the same as a program and its arguments (bwrap ... -- SHELL -c command),
  // for exec'ing bwrap directly instead of through one more shell.
  std::vector<std::string> argv;
  bool sandboxed = false;
  std::string warning;  // non-empty when read-only paths were asked for but not enforced
  std::string error;    // non-empty when RUNNEL_SANDBOX=require and no sandbox is possible
};

// Wraps `command` so that every path of `read_only` (absolute, existing; others are skipped)
// is read-only while it runs, and every path of `writable` that lies under one of them stays
// writable. With `read_only` empty, returns `command` unchanged. Does not throw.
SandboxedCommand sandbox_command(const std::string& command,
                                 const std::vector<std::string>& read_only,
                                 const std::vector<std::string>& writable);

// Why bwrap cannot run here ("" when it can): the result of one probe, cached.
const std::string& sandbox_problem();

}  // namespace runnel::internal
