// exec/slurm_commands.cc: sbatch argv, job scripts and Slurm output parsing.
#include "exec/slurm_commands.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "exec/container.h"
#include "runnel/error.h"

namespace runnel {
namespace {

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t p = s.find(sep, start);
    if (p == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, p - start));
    start = p + 1;
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

std::optional<int64_t> to_int(std::string_view s) {
  s = trim(s);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// sacct prints "CANCELLED by 0"; squeue/scontrol print "CANCELLED".
std::string clean_state(std::string_view s) {
  s = trim(s);
  size_t sp = s.find(' ');
  if (sp != std::string_view::npos) s = s.substr(0, sp);
  std::string out(s);
  if (!out.empty() && out.back() == '+') out.pop_back();  // sacct may append '+'
  return out;
}

constexpr char kTaskSuffix[] = ".task-";  // array_task_file

bool has_reason(const std::string& r) { return !r.empty() && r != "None" && r != "(null)"; }

}  // namespace

SlurmConfig parse_slurm_config(const std::string& json) {
  SlurmConfig c;
  if (trim(json).empty()) return c;
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    throw invalid_argument("slurm compute configuration is not a JSON object: " + json);
  }
  auto where = [](const std::string& key) {
    return "slurm compute configuration key '" + key + "'";
  };
  auto get_str = [&](const nlohmann::json& v, const std::string& key) {
    if (!v.is_string()) throw invalid_argument(where(key) + " must be a string");
    return v.get<std::string>();
  };
  auto get_int = [&](const nlohmann::json& v, const std::string& key, bool positive) {
    if (!v.is_number_integer()) throw invalid_argument(where(key) + " must be an integer");
    int64_t n = v.get<int64_t>();
    if (n < 0 || (positive && n == 0)) {
      throw invalid_argument(where(key) + " must be " + (positive ? "positive" : "0 or more"));
    }
    return n;
  };
  for (const auto& [key, v] : j.items()) {
    if (key == "partition") {
      c.partition = get_str(v, key);
    } else if (key == "account") {
      c.account = get_str(v, key);
    } else if (key == "qos") {
      c.qos = get_str(v, key);
    } else if (key == "scripts_dir") {
      c.scripts_dir = get_str(v, key);
    } else if (key == "max_concurrent_jobs") {
      c.max_concurrent_jobs = static_cast<int>(get_int(v, key, true));
    } else if (key == "poll_interval_ms") {
      c.poll_interval_ms = static_cast<int>(get_int(v, key, true));
    } else if (key == "command_timeout_ms") {
      c.command_timeout_ms = static_cast<int>(get_int(v, key, true));
    } else if (key == "unresponsive_timeout_ms") {
      c.unresponsive_timeout_ms = static_cast<int>(get_int(v, key, true));
    } else if (key == "vanish_grace_ms") {
      c.vanish_grace_ms = static_cast<int>(get_int(v, key, true));
    } else if (key == "extra_sbatch_flags" || key == "command_prefix") {
      if (!v.is_array()) throw invalid_argument(where(key) + " must be a list of strings");
      auto& out = key == "command_prefix" ? c.command_prefix : c.extra_sbatch_flags;
      for (const auto& x : v) out.push_back(get_str(x, key));
    } else if (key == "default_resources") {
      if (!v.is_object()) throw invalid_argument(where(key) + " must be an object");
      for (const auto& [rk, rv] : v.items()) {
        std::string k = key + "." + rk;
        if (rk == "cpus") {
          c.default_resources.cpus = static_cast<int>(get_int(rv, k, false));
        } else if (rk == "memory_mb") {
          c.default_resources.memory_mb = get_int(rv, k, false);
        } else if (rk == "gpus") {
          c.default_resources.gpus = static_cast<int>(get_int(rv, k, false));
        } else if (rk == "time_limit_s") {
          c.default_resources.time_limit_s = static_cast<int>(get_int(rv, k, false));
        } else if (rk == "nodes") {
          c.default_resources.nodes = static_cast<int>(get_int(rv, k, false));
        } else {
          throw invalid_argument("unknown " + where(k) +
                                 "; expected cpus, memory_mb, gpus, time_limit_s or nodes");
        }
      }
    } else {
      throw invalid_argument("unknown " + where(key) +
                             "; expected partition, max_concurrent_jobs, account, qos, "
                             "extra_sbatch_flags, default_resources, poll_interval_ms, "
                             "scripts_dir, command_prefix, command_timeout_ms, "
                             "unresponsive_timeout_ms or vanish_grace_ms");
    }
  }
  return c;
}

SlurmStateMapping map_slurm_state(const SlurmJobStatus& s) {
  SlurmStateMapping m;
  const std::string& st = s.state;
  auto fail = [&](std::string reason) {
    m.state = JobState::kFailed;
    m.terminal = true;
    m.reason = std::move(reason);
  };
  if (st == "PENDING" || st == "CONFIGURING" || st == "REQUEUED" || st == "REQUEUE_HOLD" ||
      st == "REQUEUE_FED" || st == "RESV_DEL_HOLD") {
    m.state = JobState::kQueued;
  } else if (st == "RUNNING" || st == "COMPLETING" || st == "SUSPENDED" || st == "STOPPED" ||
             st == "SIGNALING" || st == "STAGE_OUT" || st == "RESIZING") {
    m.state = JobState::kRunning;
  } else if (st == "COMPLETED") {
    m.state = JobState::kFinished;
    m.terminal = true;
  } else if (st == "FAILED") {
    if (s.signal != 0) {
      fail("killed by signal " + std::to_string(s.signal));
    } else if (s.exit_code > 0) {
      fail("exit code " + std::to_string(s.exit_code));
    } else {
      fail(has_reason(s.reason) ? "Slurm job failed (" + s.reason + ")" : "Slurm job failed");
    }
  } else if (st == "TIMEOUT") {
    fail("Slurm time limit reached (TIMEOUT)");
    m.timed_out = true;
  } else if (st == "OUT_OF_MEMORY") {
    fail("out of memory (OUT_OF_MEMORY)");
  } else if (st == "NODE_FAIL") {
    fail("node failure");
  } else if (st == "PREEMPTED") {
    fail("preempted by Slurm (PREEMPTED)");
  } else if (st == "BOOT_FAIL") {
    fail("node boot failure (BOOT_FAIL)");
  } else if (st == "DEADLINE") {
    fail("deadline reached (DEADLINE)");
  } else if (st == "REVOKED" || st == "SPECIAL_EXIT") {
    fail("Slurm job ended as " + st);
  } else if (st == "CANCELLED") {
    m.state = JobState::kCanceled;
    m.terminal = true;
    m.reason = has_reason(s.reason) ? "canceled in Slurm (" + s.reason + ")" : "canceled in Slurm";
  } else {
    m.state = JobState::kQueued;  // unknown: still active
  }
  return m;
}

std::optional<std::pair<int, int>> parse_exit_code_pair(std::string_view s) {
  auto parts = split(trim(s), ':');
  if (parts.size() != 2) return std::nullopt;
  auto a = to_int(parts[0]);
  auto b = to_int(parts[1]);
  if (!a || !b) return std::nullopt;
  return std::make_pair(static_cast<int>(*a), static_cast<int>(*b));
}

std::vector<SlurmJobStatus> parse_squeue_output(std::string_view text) {
  std::vector<SlurmJobStatus> out;
  for (std::string_view line : split(text, '\n')) {
    line = trim(line);
    if (line.empty()) continue;
    auto f = split(line, '|');
    if (f.size() < 2) continue;
    SlurmJobStatus s;
    s.job_id = std::string(trim(f[0]));
    s.state = clean_state(f[1]);
    if (s.job_id.empty() || s.state.empty()) continue;
    if (f.size() > 2) s.reason = std::string(trim(f[2]));
    if (f.size() > 3) {
      // squeue's exit_code is the raw wait status of the batch script.
      if (auto w = to_int(f[3])) {
        int status = static_cast<int>(*w);
        if ((status & 0x7f) != 0) {
          s.signal = status & 0x7f;
          s.exit_code = -1;
        } else {
          s.exit_code = (status >> 8) & 0xff;
        }
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<SlurmJobStatus> parse_scontrol_job(std::string_view line) {
  std::map<std::string, std::string, std::less<>> kv;
  // Values never hold spaces except Reason/Comment-like free text at the end of
  // a key; the fields used here (JobId, JobState, Reason, ExitCode) are single
  // tokens.
  for (std::string_view tok : split(trim(line), ' ')) {
    size_t eq = tok.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    std::string key(tok.substr(0, eq));
    if (!kv.count(key)) kv.emplace(key, std::string(tok.substr(eq + 1)));
  }
  auto it = kv.find("JobId");
  if (it == kv.end() || it->second.empty()) return std::nullopt;
  SlurmJobStatus s;
  s.job_id = it->second;
  // A job array's element: named as squeue's JobArrayID names it ("12_3", "12_[4-7]").
  auto array = kv.find("ArrayJobId"), task = kv.find("ArrayTaskId");
  if (array != kv.end() && task != kv.end() && !task->second.empty()) {
    bool single = task->second.find_first_not_of("0123456789") == std::string::npos;
    s.job_id = array->second + "_" + (single ? task->second : "[" + task->second + "]");
  }
  if (auto st = kv.find("JobState"); st != kv.end()) s.state = clean_state(st->second);
  if (auto r = kv.find("Reason"); r != kv.end()) s.reason = r->second;
  if (auto e = kv.find("ExitCode"); e != kv.end()) {
    if (auto p = parse_exit_code_pair(e->second)) {
      s.exit_code = p->second != 0 ? -1 : p->first;
      s.signal = p->second;
    }
  }
  return s;
}

std::vector<SlurmJobStatus> parse_sacct_output(std::string_view text) {
  std::vector<SlurmJobStatus> out;
  for (std::string_view line : split(text, '\n')) {
    line = trim(line);
    if (line.empty()) continue;
    auto f = split(line, '|');
    if (f.size() < 3) continue;
    SlurmJobStatus s;
    s.job_id = std::string(trim(f[0]));
    s.state = clean_state(f[1]);
    if (s.job_id.empty() || s.state.empty()) continue;
    if (auto p = parse_exit_code_pair(f[2])) {
      s.exit_code = p->second != 0 ? -1 : p->first;
      s.signal = p->second;
    }
    if (f.size() > 3) s.reason = std::string(trim(f[3]));
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<SlurmArrayElement> parse_array_element(std::string_view job_id) {
  job_id = trim(job_id);
  size_t us = job_id.find('_');
  if (us == std::string_view::npos || us == 0) return std::nullopt;
  SlurmArrayElement e;
  e.array_job_id = std::string(job_id.substr(0, us));
  if (!to_int(e.array_job_id)) return std::nullopt;
  std::string_view rest = job_id.substr(us + 1);
  if (rest.size() >= 2 && rest.front() == '[' && rest.back() == ']') {
    rest = rest.substr(1, rest.size() - 2);
    rest = rest.substr(0, rest.find('%'));  // "%2": the throttle, not a task
    for (std::string_view part : split(rest, ',')) {
      auto bounds = split(part, '-');
      auto lo = to_int(bounds[0]);
      auto hi = bounds.size() == 2 ? to_int(bounds[1]) : lo;
      if (bounds.size() > 2 || !lo || !hi || *lo < 0 || *hi < *lo || *hi - *lo > 1000000)
        return std::nullopt;
      for (int64_t t = *lo; t <= *hi; ++t) e.tasks.push_back(static_cast<int>(t));
    }
  } else if (auto t = to_int(rest); t && *t >= 0) {
    e.tasks.push_back(static_cast<int>(*t));
  } else {
    return std::nullopt;
  }
  return e;
}

std::string array_task_file(const std::string& path, int task) {
  return path + kTaskSuffix + std::to_string(task);
}

std::string array_state_file(const std::string& exit_code_path) {
  return exit_code_path + ".array.json";
}

std::string format_slurm_time(int seconds) {
  if (seconds <= 0) return "";
  int64_t minutes = (static_cast<int64_t>(seconds) + 59) / 60;
  int64_t days = minutes / (24 * 60);
  int64_t hours = (minutes / 60) % 24;
  int64_t mins = minutes % 60;
  char buf[64];
  if (days > 0) {
    std::snprintf(buf, sizeof buf, "%lld-%02lld:%02lld:00", static_cast<long long>(days),
                  static_cast<long long>(hours), static_cast<long long>(mins));
  } else {
    std::snprintf(buf, sizeof buf, "%02lld:%02lld:00", static_cast<long long>(hours),
                  static_cast<long long>(mins));
  }
  return buf;
}

std::string format_slurm_memory(int64_t mb) { return std::to_string(mb) + "M"; }

std::string escape_slurm_filename(std::string_view path) {
  std::string out;
  for (char c : path) {
    if (c == '%') out += '%';
    out += c;
  }
  return out;
}

bool is_valid_env_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Resources effective_resources(const LaunchSpec& spec, const Resources& d) {
  Resources r = spec.resources;
  if (r.cpus <= 0) r.cpus = d.cpus;
  if (r.memory_mb <= 0) r.memory_mb = d.memory_mb;
  if (r.gpus <= 0) r.gpus = d.gpus;
  if (r.nodes <= 0) r.nodes = d.nodes;
  if (r.time_limit_s <= 0) {
    r.time_limit_s = spec.timeout_s > 0 ? spec.timeout_s + 60 : d.time_limit_s;
  }
  return r;
}

std::vector<std::string> build_sbatch_argv(const SlurmConfig& config, const LaunchSpec& spec,
                                           const Resources& r, const std::string& script_path) {
  std::vector<std::string> a = config.command_prefix;
  // A job array's tasks each get their own log files (%a: the task id), gathered into
  // stdout_path/stderr_path by the backend when the array ends.
  const std::string per_task = spec.array_tasks > 0 ? std::string(kTaskSuffix) + "%a" : "";
  a.insert(a.end(),
           {"sbatch", "--parsable", "-J", spec.job_name.empty() ? spec.id : spec.job_name, "-o",
            escape_slurm_filename(spec.stdout_path) + per_task, "-e",
            escape_slurm_filename(spec.stderr_path) + per_task, "--chdir", spec.working_dir});
  if (spec.array_tasks > 0) a.push_back("--array=0-" + std::to_string(spec.array_tasks - 1));
  if (r.cpus > 0) a.push_back("--cpus-per-task=" + std::to_string(r.cpus));
  if (r.memory_mb > 0) a.push_back("--mem=" + format_slurm_memory(r.memory_mb));
  if (r.gpus > 0) a.push_back("--gres=gpu:" + std::to_string(r.gpus));
  if (r.time_limit_s > 0) a.push_back("--time=" + format_slurm_time(r.time_limit_s));
  if (r.nodes > 0) a.push_back("--nodes=" + std::to_string(r.nodes));
  if (!config.partition.empty()) a.push_back("--partition=" + config.partition);
  if (!config.account.empty()) a.push_back("--account=" + config.account);
  if (!config.qos.empty()) a.push_back("--qos=" + config.qos);
  a.insert(a.end(), config.extra_sbatch_flags.begin(), config.extra_sbatch_flags.end());
  a.push_back(script_path);
  return a;
}

std::string build_job_script(const LaunchSpec& spec, const std::string& exit_code_path) {
  std::string s = "#!/bin/sh\n";
  s += "# Slurm job script written by runnel for job " + spec.id + "; safe to delete.\n";
  // A job array's task writes its own exit-code file (array_task_file).
  const std::string task =
      spec.array_tasks > 0 ? std::string(kTaskSuffix) + "\"$SLURM_ARRAY_TASK_ID\"" : "";
  const std::string ec = shell_quote(exit_code_path) + task;
  const std::string tmp = shell_quote(exit_code_path + ".tmp") + task;
  s += "cd " + shell_quote(spec.working_dir) + " || { echo \"runnel: cannot enter the working " +
       "folder; is it on a filesystem that the Slurm nodes share?\" >&2; echo "
       "127 > " +
       tmp + " && mv -f " + tmp + " " + ec + "; exit 127; }\n";
  for (const auto& [k, v] : spec.env) {
    if (!is_valid_env_name(k)) {
      throw invalid_argument("environment variable name '" + k + "' of job " + spec.id +
                             " cannot be exported by /bin/sh: use letters, digits and _ only");
    }
    s += "export " + k + "=" + shell_quote(v) + "\n";
  }
  if (spec.array_tasks > 0)
    s += "export RUNNEL_ARRAY_STATE=" + shell_quote(array_state_file(exit_code_path)) + "\n";
  if (spec.container.image.empty()) {
    s += "/bin/sh -c " + shell_quote(spec.command) + "\n";
  } else {
    // The cluster's container support (exec/container.h); the exports above reach it.
    internal::ContainerCommand cc = internal::container_command(spec);
    if (!cc.error.empty()) throw invalid_argument("job " + spec.id + ": " + cc.error);
    s += "(" + cc.command + ")\n";
  }
  s += "rc=$?\n";
  s += "echo \"$rc\" > " + tmp + " && mv -f " + tmp + " " + ec + "\n";
  s += "exit \"$rc\"\n";
  return s;
}

bool is_slurm_unreachable_error(std::string_view err) {
  static const char* kMarks[] = {"Unable to contact slurm controller",
                                 "Socket timed out",
                                 "Connection refused",
                                 "Unable to process configuration file",
                                 "Zero Bytes were transmitted",
                                 "Communication connection failure",
                                 "did not answer within",
                                 "Slurm backup controller in standby mode",
                                 "Unable to establish controller machine",
                                 "could not run:"};
  for (const char* m : kMarks) {
    if (err.find(m) != std::string_view::npos) return true;
  }
  return false;
}

std::vector<SlurmNodeStatus> parse_sinfo_nodes(std::string_view text) {
  std::vector<SlurmNodeStatus> out;
  for (std::string_view line : split(text, '\n')) {
    line = trim(line);
    if (line.empty()) continue;
    auto f = split(line, '|');
    if (f.size() < 3) continue;
    SlurmNodeStatus n;
    n.name = std::string(trim(f[0]));
    std::string_view part = trim(f[1]);
    if (!part.empty() && part.back() == '*') {
      n.default_partition = true;
      part.remove_suffix(1);
    }
    n.partition = std::string(part);
    n.state = std::string(trim(f[2]));
    if (f.size() > 3) n.cpus = static_cast<int>(to_int(f[3]).value_or(0));
    if (f.size() > 4) n.memory_mb = to_int(f[4]).value_or(0);
    if (f.size() > 5 && trim(f[5]) != "(null)") n.gres = std::string(trim(f[5]));
    if (f.size() > 6) {
      auto c = split(trim(f[6]), '/');
      if (c.size() == 4) {
        n.cpus_allocated = static_cast<int>(to_int(c[0]).value_or(0));
        n.cpus_idle = static_cast<int>(to_int(c[1]).value_or(0));
        n.cpus_other = static_cast<int>(to_int(c[2]).value_or(0));
        n.cpus_total = static_cast<int>(to_int(c[3]).value_or(0));
      }
    }
    if (f.size() > 7 && trim(f[7]) != "none") n.reason = std::string(trim(f[7]));
    out.push_back(std::move(n));
  }
  return out;
}

std::string build_status_json(const std::string& partition,
                              const std::vector<SlurmNodeStatus>& nodes) {
  nlohmann::json j;
  j["type"] = "slurm";
  j["reachable"] = true;
  j["partition"] = partition;
  nlohmann::json parts = nlohmann::json::object();
  nlohmann::json node_list = nlohmann::json::array();
  for (const auto& n : nodes) {
    auto& p = parts[n.partition];
    if (p.is_null()) {
      p = {{"default", n.default_partition},
           {"nodes", 0},
           {"cpus_total", 0},
           {"cpus_idle", 0},
           {"cpus_allocated", 0},
           {"node_states", nlohmann::json::object()}};
    }
    p["nodes"] = p["nodes"].get<int>() + 1;
    p["cpus_total"] = p["cpus_total"].get<int>() + n.cpus_total;
    p["cpus_idle"] = p["cpus_idle"].get<int>() + n.cpus_idle;
    p["cpus_allocated"] = p["cpus_allocated"].get<int>() + n.cpus_allocated;
    auto& st = p["node_states"][n.state];
    st = st.is_null() ? 1 : st.get<int>() + 1;
    node_list.push_back({{"name", n.name},
                         {"partition", n.partition},
                         {"state", n.state},
                         {"cpus", n.cpus},
                         {"cpus_allocated", n.cpus_allocated},
                         {"cpus_idle", n.cpus_idle},
                         {"memory_mb", n.memory_mb},
                         {"gres", n.gres},
                         {"reason", n.reason}});
  }
  j["partitions"] = parts;
  j["nodes"] = node_list;
  return j.dump();
}

}  // namespace runnel
