#include "spec/yaml_init_finalize.h"

#include <set>
#include <vector>

#include "spec/yaml_util.h"

namespace runnel::internal {

namespace {

struct Special {
  const char* key;   // "settings.on_init"
  const char* role;  // "on_init"
  std::string job;
  SourceLocation loc;
  std::set<std::string> steps;  // the job's steps (itself, or a pipeline job's inner steps)
};

// The steps of top-level job `name`, or an error listing the jobs there are.
std::set<std::string> steps_of(const Special& s, const PipelineJobIndex& index,
                               const PipelineSpec& p) {
  if (s.job.find('/') == std::string::npos) {
    if (auto it = index.steps.find(s.job); it != index.steps.end())
      return {it->second.begin(), it->second.end()};
    if (p.find_step(s.job)) return {s.job};
  }
  std::string names;
  for (const auto& st : p.steps) {
    std::string top = st.name.substr(0, st.name.find('/'));
    if (names.find("'" + top + "'") == std::string::npos)
      names += (names.empty() ? "" : ", ") + ("'" + top + "'");
  }
  fail_at(s.loc, s.key,
          "no job is named '" + s.job + "' in jobs:", "name one of the pipeline's jobs: " + names);
}

// Azure ML's rule: the job has no connection to another job (no input from one, no output
// read by one); run_after may not tie it to the others either.
void check_isolated(const Special& s, const PipelineSpec& p) {
  const std::string no_link = std::string(s.role) + " job '" + s.job + "'";
  const std::string hint = std::string("an ") + s.role + " job " +
                           (std::string(s.role) == "on_init" ? "runs before" : "runs after") +
                           " every other job and may have no connection to them (Azure ML "
                           "refuses it too); give it inputs from the pipeline's inputs or data "
                           "paths, and other jobs theirs";
  for (const auto& st : p.steps) {
    const bool inside = s.steps.count(st.name) > 0;
    for (const auto& in : st.inputs) {
      if (!in.source || in.source->kind != InputSource::Kind::kStepOutput) continue;
      const bool from_inside = s.steps.count(in.source->step) > 0;
      if (inside && !from_inside) {
        fail_at(s.loc, s.key,
                no_link + " reads output '" + in.source->output + "' of job '" + in.source->step +
                    "' (input '" + in.name + "' of '" + st.name + "')",
                hint);
      }
      if (!inside && from_inside) {
        fail_at(s.loc, s.key,
                "job '" + st.name + "' reads output '" + in.source->output + "' of " + no_link +
                    " (its input '" + in.name + "')",
                hint);
      }
    }
    for (const auto& r : st.run_after) {
      if (inside && !s.steps.count(r)) {
        fail_at(st.loc_of("run_after"), "jobs." + st.name + ".run_after",
                no_link + " cannot wait for job '" + r + "': " + hint.substr(0, hint.find(';')),
                "remove '" + r + "' from its run_after");
      }
      if (!inside && s.steps.count(r) && std::string(s.role) == "on_finalize") {
        fail_at(st.loc_of("run_after"), "jobs." + st.name + ".run_after",
                "job '" + st.name + "' cannot run after " + no_link +
                    ", which runs after every other job",
                "remove '" + r + "' from its run_after");
      }
    }
  }
}

void add_after(StepSpec& st, const std::string& name) {
  for (const auto& r : st.run_after)
    if (r == name) return;
  st.run_after.push_back(name);
}

}  // namespace

void apply_init_finalize(const InitFinalizeSettings& settings, const PipelineJobIndex& index,
                         PipelineSpec* p) {
  if (settings.on_init.empty() && settings.on_finalize.empty()) return;
  Special init{"settings.on_init", "on_init", settings.on_init, settings.on_init_loc, {}};
  Special fin{
      "settings.on_finalize", "on_finalize", settings.on_finalize, settings.on_finalize_loc, {}};
  if (!init.job.empty() && init.job == fin.job) {
    fail_at(fin.loc, fin.key, "names job '" + fin.job + "', which settings.on_init names too",
            "a job cannot run both before and after the others; name two different jobs");
  }
  for (Special* s : {&init, &fin}) {
    if (s->job.empty()) continue;
    s->steps = steps_of(*s, index, *p);
    check_isolated(*s, *p);
  }
  // In declaration order, so run_after lists read the way the file does.
  std::vector<std::string> init_steps, other_steps;
  for (const auto& st : p->steps) {
    if (init.steps.count(st.name)) init_steps.push_back(st.name);
    if (!fin.steps.count(st.name)) other_steps.push_back(st.name);
  }
  for (auto& st : p->steps) {
    if (fin.steps.count(st.name)) {
      for (const auto& o : other_steps) add_after(st, o);
      p->finalize_steps.push_back(st.name);
    } else if (!init.steps.count(st.name)) {
      for (const auto& i : init_steps) add_after(st, i);
    }
  }
}

}  // namespace runnel::internal
