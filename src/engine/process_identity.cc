// engine/process_identity.cc: /proc/<pid>/stat start times (see process_identity.h).
#include "engine/process_identity.h"

#include <signal.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>

namespace runnel {

uint64_t process_start_time(pid_t pid) {
  if (pid <= 0) return 0;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!std::getline(in, text)) return 0;
  // The command name (field 2) is in parentheses and may hold spaces: skip past the last ')'.
  size_t close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 1));
  std::string f;
  // Fields 3..21, then 22 = starttime.
  for (int k = 3; k <= 21; ++k)
    if (!(fields >> f)) return 0;
  uint64_t start = 0;
  fields >> start;
  return start;
}

bool process_is_alive(pid_t pid, uint64_t start_time) {
  if (pid <= 0) return false;
  if (::kill(pid, 0) != 0 && errno != EPERM) return false;
  if (start_time == 0) return true;
  return process_start_time(pid) == start_time;
}

}  // namespace runnel
