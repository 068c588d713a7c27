// engine/process_identity.h: telling a live process from a reused pid.
//
// A pid alone names a process only while it lives: after it ends the kernel gives the
// number to another process. The engine records a process's start time (field 22 of
// /proc/<pid>/stat, clock ticks since boot) beside its pid, and trusts a pid only when
// both match. Thread-safe (reads /proc only).
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace runnel {

// The start time of `pid`, or 0 when it does not exist (or /proc cannot be read).
uint64_t process_start_time(pid_t pid);

// True when `pid` exists and, if `start_time` is not 0, started at `start_time`.
bool process_is_alive(pid_t pid, uint64_t start_time);

}  // namespace runnel
