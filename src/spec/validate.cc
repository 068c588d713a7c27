#include "spec/validate.h"

#include <algorithm>
#include <functional>
#include <map>
#include <queue>
#include <set>
#include <unordered_map>

#include "runnel/error.h"
#include "spec/command_template.h"

namespace runnel {

namespace {

std::string prefix(const PipelineSpec& p) { return p.source_file.empty() ? "steps." : "jobs."; }

[[noreturn]] void fail(const SourceLocation& loc, const std::string& key, const std::string& what,
                       const std::string& hint) {
  throw invalid_argument(loc.to_string() + ": " + key + ": " + what + "; " + hint);
}

SourceLocation pipeline_loc(const PipelineSpec& p) {
  SourceLocation loc;
  loc.file = p.source_file;
  return loc;
}

// [A-Za-z0-9_.-]+ with inner spaces (the SDK's step names: "Cleanse Green Taxi Data"), or
// such names joined by '/' (a step inside a pipeline component: "train_pipeline/train_job").
// YAML job names are stricter (no spaces), checked where they are read.
bool valid_step_name(const std::string& n) {
  if (n.empty() || n.front() == '/' || n.back() == '/' || n.find("//") != std::string::npos)
    return false;
  for (size_t start = 0; start <= n.size();) {
    size_t end = n.find('/', start);
    if (end == std::string::npos) end = n.size();
    std::string_view seg(n.data() + start, end - start);
    if (seg == "." || seg == ".." || seg.front() == ' ' || seg.back() == ' ') return false;
    start = end + 1;
  }
  return std::all_of(n.begin(), n.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
           c == '/' || c == ' ';
  });
}

std::string literal_problem(DataType t, const std::string& v) {
  auto all = [&](const char* chars) { return v.find_first_not_of(chars) == std::string::npos; };
  switch (t) {
    case DataType::kInteger: {
      std::string d = (!v.empty() && (v[0] == '-' || v[0] == '+')) ? v.substr(1) : v;
      return !d.empty() && d.find_first_not_of("0123456789") == std::string::npos
                 ? ""
                 : "is not a whole number";
    }
    case DataType::kNumber: {
      char* end = nullptr;
      std::strtod(v.c_str(), &end);
      return !v.empty() && all("0123456789+-.eE") && end && *end == '\0' ? "" : "is not a number";
    }
    case DataType::kBoolean: {
      static const std::set<std::string> kOk = {"true", "True", "TRUE", "false", "False", "FALSE"};
      return kOk.count(v) ? "" : "is not true or false";
    }
    default:
      return "";
  }
}

void check_step(const PipelineSpec& p, const StepSpec& s) {
  std::string key = prefix(p) + s.name;
  std::set<std::string> names;
  for (const auto& in : s.inputs) {
    std::string k = key + ".inputs." + in.name;
    const SourceLocation& loc = in.loc.file.empty() && in.loc.line == 0 ? s.loc : in.loc;
    if (!names.insert(in.name).second) {
      fail(loc, k, "two inputs are named '" + in.name + "'", "give each input its own name");
    }
    if (!in.source) {
      if (!in.optional) {
        fail(loc, k, "required input '" + in.name + "' has no value",
             "bind it, or mark it optional");
      }
      continue;
    }
    const InputSource& src = *in.source;
    bool literal = src.kind == InputSource::Kind::kLiteral;
    if (is_data_type(in.type) && literal) {
      fail(loc, k,
           std::string("input of type ") + data_type_name(in.type) + " holds the literal '" +
               src.value + "'",
           "bind it to a path, a dataset or a step "
           "output");
    }
    if (!is_data_type(in.type) && !literal) {
      fail(loc, k, std::string("input of type ") + data_type_name(in.type) + " is bound to data",
           "give it a literal value");
    }
    if (literal) {
      std::string problem = literal_problem(in.type, src.value);
      if (!problem.empty()) {
        fail(loc, k, "'" + src.value + "' " + problem + " (type " + data_type_name(in.type) + ")",
             "give a value of that type");
      }
    }
    if (src.kind == InputSource::Kind::kLocalPath && (src.path.empty() || src.path[0] != '/')) {
      fail(loc, k, "local path '" + src.path + "' is not absolute", "resolve it before running");
    }
    if (src.kind == InputSource::Kind::kStepOutput) {
      if (src.step == s.name) {
        fail(loc, k, "step '" + s.name + "' reads its own output '" + src.output + "'",
             "a step cannot depend on itself; bind another step's output");
      }
      const StepSpec* up = p.find_step(src.step);
      if (!up) {
        fail(loc, k, "bound to the output of unknown step '" + src.step + "'",
             "name an existing step");
      }
      if (!up->find_output(src.output)) {
        fail(loc, k, "step '" + src.step + "' has no output '" + src.output + "'",
             "name one of its declared outputs");
      }
    }
  }
  names.clear();
  for (const auto& o : s.outputs) {
    const SourceLocation& loc = o.loc.file.empty() && o.loc.line == 0 ? s.loc : o.loc;
    if (!names.insert(o.name).second) {
      fail(loc, key + ".outputs." + o.name, "two outputs are named '" + o.name + "'",
           "give each output its own name");
    }
  }
  std::string ckey = key + ".command";
  const SourceLocation& cloc = s.loc_of("command");
  if (s.command.empty()) fail(cloc, ckey, "the step has no command", "give it a command");
  for (const Placeholder& ph : parse_placeholders(s.command, cloc.to_string() + ": " + ckey)) {
    if (ph.kind == Placeholder::Kind::kParameter) {
      bool known = false;
      for (const auto& pp : p.parameters) known = known || pp.name == ph.name;
      if (!known)
        fail(cloc, ckey, "${{parameters." + ph.name + "}} names no pipeline parameter",
             "declare PipelineParameter '" + ph.name + "' or fix the command");
      continue;
    }
    if (ph.kind == Placeholder::Kind::kOutput) {
      if (!s.find_output(ph.name)) {
        fail(cloc, ckey, "${{outputs." + ph.name + "}} names no declared output",
             "declare output '" + ph.name + "' or fix the command");
      }
      continue;
    }
    const StepInput* in = s.find_input(ph.name);
    if (!in) {
      fail(cloc, ckey, "${{inputs." + ph.name + "}} names no declared input",
           "declare input '" + ph.name + "' or fix the command");
    }
    if (!in->source && !ph.in_optional_block) {
      fail(cloc, ckey, "optional input '" + ph.name + "' is unset but used outside $[[ ... ]]",
           "bind it, or wrap that part of the command in $[[ ... ]]");
    }
  }
  for (const auto& r : s.run_after) {
    if (r == s.name) {
      fail(s.loc_of("run_after"), key + ".run_after", "the step runs after itself",
           "remove '" + r + "' from run_after");
    }
    if (!p.find_step(r)) {
      fail(s.loc_of("run_after"), key + ".run_after", "no step is named '" + r + "'",
           "name an existing step");
    }
  }
}

void check_outputs(const PipelineSpec& p) {
  std::map<std::string, std::string> bound;                // pipeline output -> "step.output"
  std::vector<std::pair<std::string, std::string>> paths;  // "ds/path", "step.output"
  for (const auto& s : p.steps) {
    for (const auto& o : s.outputs) {
      std::string who = s.name + ".outputs." + o.name;
      const SourceLocation& loc = o.loc.line == 0 && o.loc.file.empty() ? s.loc : o.loc;
      if (!o.pipeline_output.empty()) {
        auto [it, fresh] = bound.emplace(o.pipeline_output, who);
        if (!fresh) {
          fail(loc, prefix(p) + who,
               "pipeline output '" + o.pipeline_output + "' is already bound to " + prefix(p) +
                   it->second,
               "bind each pipeline output to one step output");
        }
      }
      if (o.path.empty()) continue;
      std::string full = (o.datastore.empty() ? p.default_datastore : o.datastore) + "/" + o.path;
      while (full.size() > 1 && full.back() == '/') full.pop_back();
      for (const auto& [other, other_who] : paths) {
        bool nested =
            full == other || full.rfind(other + "/", 0) == 0 || other.rfind(full + "/", 0) == 0;
        if (nested) {
          fail(loc, prefix(p) + who,
               "output path '" + o.path + "' overlaps the path of " + prefix(p) + other_who,
               "give each output its own path");
        }
      }
      paths.emplace_back(full, who);
    }
  }
  std::set<std::string> names;
  for (const auto& po : p.outputs) {
    if (!names.insert(po.name).second) {
      fail(po.loc, "outputs." + po.name, "two pipeline outputs are named '" + po.name + "'",
           "give each its own name");
    }
    if (po.step.empty()) continue;
    const StepSpec* s = p.find_step(po.step);
    const StepOutput* o = s ? s->find_output(po.output) : nullptr;
    if (!o || o->pipeline_output != po.name) {
      fail(po.loc, "outputs." + po.name,
           "bound to " + po.step + "." + po.output +
               ", which does not exist or is not bound back to it",
           "bind it from the step output");
    }
  }
}

// Returns a cycle as "a -> b -> a", or "" when there is none.
std::string find_cycle(const PipelineSpec& p) {
  // Depth-first with an explicit stack (a 100,000-step chain declared last-first would
  // overflow the call stack), over step indices resolved once.
  const size_t n = p.steps.size();
  std::vector<std::vector<size_t>> deps(n);
  for (size_t i = 0; i < n; ++i)
    for (const auto& dep : direct_dependencies(p.steps[i]))
      if (const StepSpec* d = p.find_step(dep))
        deps[i].push_back(static_cast<size_t>(d - p.steps.data()));
  std::vector<char> state(n, 0);                // 0 new, 1 on the path, 2 done
  std::vector<std::pair<size_t, size_t>> path;  // (step, next dependency to look at)
  for (size_t root = 0; root < n; ++root) {
    if (state[root] != 0) continue;
    state[root] = 1;
    path.emplace_back(root, 0);
    while (!path.empty()) {
      auto& [step, next] = path.back();
      if (next == deps[step].size()) {
        state[step] = 2;
        path.pop_back();
        continue;
      }
      size_t d = deps[step][next++];
      if (state[d] == 1) {
        std::string cycle;
        auto it =
            std::find_if(path.begin(), path.end(), [&](const auto& e) { return e.first == d; });
        for (; it != path.end(); ++it) cycle += p.steps[it->first].name + " -> ";
        return cycle + p.steps[d].name;
      }
      if (state[d] == 0) {
        state[d] = 1;
        path.emplace_back(d, 0);
      }
    }
  }
  return {};
}

}  // namespace

std::vector<std::string> direct_dependencies(const StepSpec& s) {
  std::vector<std::string> out;
  auto add = [&](const std::string& n) {
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  };
  for (const auto& in : s.inputs)
    if (in.source && in.source->kind == InputSource::Kind::kStepOutput) add(in.source->step);
  for (const auto& r : s.run_after) add(r);
  return out;
}

void validate_pipeline(const PipelineSpec& p) {
  if (p.steps.empty()) {
    fail(pipeline_loc(p), p.source_file.empty() ? "steps" : "jobs", "the pipeline has no steps",
         "add at least one step");
  }
  std::set<std::string> names;
  for (const auto& s : p.steps) {
    if (!valid_step_name(s.name)) {
      fail(s.loc, prefix(p) + s.name,
           "step name '" + s.name +
               "' is empty or has characters "
               "other than letters, digits, inner spaces, '_', '.' and '-' (or '/' between such "
               "names)",
           "rename the step");
    }
    if (!names.insert(s.name).second) {
      fail(s.loc, prefix(p) + s.name, "two steps are named '" + s.name + "'",
           "give each step its own name");
    }
  }
  for (const auto& s : p.steps) check_step(p, s);
  check_outputs(p);
  std::string cycle = find_cycle(p);
  if (!cycle.empty()) {
    const StepSpec* first = p.find_step(cycle.substr(0, cycle.find(' ')));
    fail(first->loc, prefix(p) + first->name, "the steps form a cycle: " + cycle,
         "remove one of these bindings or run_after entries");
  }
}

std::vector<std::string> topological_order(const PipelineSpec& p) {
  std::string cycle = find_cycle(p);
  if (!cycle.empty()) {
    throw invalid_argument(pipeline_loc(p).to_string() + ": the steps form a cycle: " + cycle +
                           "; remove one of these bindings or run_after entries");
  }
  // Kahn's algorithm; among ready steps the earliest declared goes first.
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < p.steps.size(); ++i) index.emplace(p.steps[i].name, i);
  std::vector<size_t> missing(p.steps.size(), 0);
  std::vector<std::vector<size_t>> dependents(p.steps.size());
  for (size_t i = 0; i < p.steps.size(); ++i) {
    const StepSpec& s = p.steps[i];
    for (const auto& d : direct_dependencies(s)) {
      auto it = index.find(d);
      if (it == index.end()) {
        throw invalid_argument(s.loc.to_string() + ": " + prefix(p) + s.name +
                               ": depends on unknown step '" + d + "'; name an existing step");
      }
      dependents[it->second].push_back(i);
      ++missing[i];
    }
  }
  std::priority_queue<size_t, std::vector<size_t>, std::greater<size_t>> ready;
  for (size_t i = 0; i < p.steps.size(); ++i)
    if (missing[i] == 0) ready.push(i);
  std::vector<std::string> order;
  while (!ready.empty()) {
    size_t i = ready.top();
    ready.pop();
    order.push_back(p.steps[i].name);
    for (size_t j : dependents[i])
      if (--missing[j] == 0) ready.push(j);
  }
  return order;
}

namespace {

std::vector<std::string> closure(const PipelineSpec& p, const std::string& step, bool down) {
  if (!p.find_step(step)) throw not_found("no step named '" + step + "' in the pipeline");
  // The edges once, by name (down: a step's dependents; up: its dependencies): a walk
  // that scanned every step per visited step was quadratic (--rerun of a long chain's head).
  std::unordered_map<std::string, std::vector<std::string>> next;
  for (const auto& s : p.steps)
    for (auto& d : direct_dependencies(s)) {
      if (down)
        next[d].push_back(s.name);
      else
        next[s.name].push_back(std::move(d));
    }
  std::set<std::string> seen;
  std::vector<std::string> todo = {step};
  while (!todo.empty()) {
    std::string cur = todo.back();
    todo.pop_back();
    auto it = next.find(cur);
    if (it == next.end()) continue;
    for (const auto& n : it->second)
      if (seen.insert(n).second) todo.push_back(n);
  }
  seen.erase(step);
  std::vector<std::string> out;
  for (const auto& n : topological_order(p))
    if (seen.count(n)) out.push_back(n);
  return out;
}

}  // namespace

std::vector<std::string> upstream_of(const PipelineSpec& p, const std::string& step) {
  return closure(p, step, false);
}

std::vector<std::string> downstream_of(const PipelineSpec& p, const std::string& step) {
  return closure(p, step, true);
}

}  // namespace runnel

namespace runnel {

std::string literal_type_problem(DataType t, const std::string& v) { return literal_problem(t, v); }

}  // namespace runnel
