#include "spec/yaml_pipeline_job.h"

#include <algorithm>

#include "core/check.h"
#include "runnel/error.h"
#include "spec/yaml_refs.h"

namespace runnel::internal {

namespace {

// Deeper than this a component almost surely uses itself (directly or through others).
constexpr int kMaxPipelineDepth = 64;

StepOutput* find_output(StepSpec* s, const std::string& name) {
  for (auto& o : s->outputs)
    if (o.name == name) return &o;
  return nullptr;
}

}  // namespace

struct JobLevel::Item {
  bool nested = false;
  JobDraft draft;         // a command/parallel/sweep job, or (nested) the pipeline job's keys
  size_t step_index = 0;  // where the step lives in the pipeline (not nested)
  PipelineComponentSpec component;  // nested
  std::unique_ptr<JobLevel> child;  // nested
};

JobLevel::JobLevel(const YamlDoc& doc, PipelineSpec* p, std::string prefix, bool top,
                   PipelineJobIndex* index)
    : doc_(doc), p_(p), prefix_(std::move(prefix)), top_(top), index_(index) {}

JobLevel::~JobLevel() = default;

JobContext JobLevel::context() {
  JobContext ctx{doc_, p_, &inputs, &outputs};
  ctx.prefix = prefix_;
  ctx.bound_outputs = top_ ? nullptr : &bound;
  ctx.names_parameters = top_;
  ctx.pipeline_jobs = &index_->outputs;
  if (index_->positions_built) ctx.step_index = &index_->positions;
  return ctx;
}

void JobLevel::read_shapes(const Entry& jobs, const std::string& path) {
  for (const auto& j : entries(doc_, jobs.value, path, "a mapping of job names to jobs"))
    read_job(j, path);
}

void JobLevel::read_job(const Entry& j, const std::string& path) {
  JobContext ctx = context();
  std::string jpath = path + "." + j.name;
  std::optional<ComponentFile> file;  // read once: for its type, then as the job's component
  if (j.value.IsMap()) {
    auto es = entries(doc_, j.value, jpath, "a job (a mapping with type: command and command:)");
    const Entry* t = find_entry(es, "type");
    std::string type = t && t->value.IsScalar() ? t->value.Scalar() : "";
    bool nested = type == "pipeline";
    const Entry* c = find_entry(es, "component");
    if (type.empty() && c) {  // the job's type follows its component's, as in Azure ML
      std::string cpath = jpath + ".component";
      if (c->value.IsMap()) {
        std::vector<Entry> ces = entries(doc_, c->value, cpath);
        const Entry* ct = find_entry(ces, "type");
        nested = ct && ct->value.IsScalar() && ct->value.Scalar() == "pipeline";
      } else if (c->value.IsScalar()) {
        file = read_component_file(doc_, *c, cpath, as_string(doc_, *c, cpath));
        nested = file->type == "pipeline";
      }
    }
    if (nested) {
      read_pipeline_job(j, es, jpath, file ? &*file : nullptr);
      return;
    }
  }
  auto item = std::make_unique<Item>();
  item->draft = parse_job_shape(ctx, j, file ? &*file : nullptr);
  item->step_index = p_->steps.size();
  p_->steps.push_back(std::move(item->draft.step));
  items_.push_back(std::move(item));
}

void JobLevel::read_pipeline_job(const Entry& e, const std::vector<Entry>& es,
                                 const std::string& path, const ComponentFile* file) {
  const std::string full = prefix_ + e.name;
  if (!is_valid_name(e.name, true)) {
    fail(doc_, e.key, path,
         "job name '" + e.name + "' has characters other than letters, digits, '_', '.' and '-'",
         "rename the job using only those characters");
  }
  if (std::count(prefix_.begin(), prefix_.end(), '/') >= kMaxPipelineDepth) {
    fail(doc_, e.key, path,
         "pipeline components are nested more than " + std::to_string(kMaxPipelineDepth) +
             " deep (" + full + ")",
         "check that no pipeline component uses itself, directly or through another");
  }
  check_keys(
      doc_, es, path,
      {"$schema", "type", "component", "inputs", "outputs", "display_name", "description", "tags",
       "properties", "settings", "compute", "experiment_name", "name", "identity", "run_after"});
  const Entry* c = find_entry(es, "component");
  if (!c) {
    fail(doc_, e.key, path + ".component", "the pipeline job has no component",
         "add component: ./pipeline_component.yml (a file with type: pipeline and jobs:)");
  }
  auto item = std::make_unique<Item>();
  item->nested = true;
  item->draft.entry = e;
  item->draft.es = es;
  item->draft.path = path;
  item->draft.step.name = full;
  item->component = load_pipeline_component(
      doc_, *c, path + ".component", file,
      "use a pipeline component (type: pipeline, with jobs:), or drop type: pipeline from the job");
  const PipelineComponentSpec& pc = item->component;
  auto child = std::make_unique<JobLevel>(pc.doc, p_, full + "/", false, index_);
  for (size_t k = 0; k < pc.outputs.size(); ++k)
    child->outputs[pc.outputs[k].name] = ParentOutput{pc.outputs[k], pc.output_has_mode[k]};
  const size_t first = p_->steps.size();
  child->read_shapes(pc.jobs, join(pc.key_prefix, "jobs"));

  // The component's outputs are the inner job outputs bound to them.
  PipelineJobOutputs outs;
  for (const auto& o : pc.outputs) {
    const PipelineOutputSpec* b = nullptr;
    for (const auto& x : child->bound)
      if (x.name == o.name && !x.step.empty()) b = &x;
    if (!b) {
      fail_at(o.loc, join(pc.key_prefix, "outputs." + o.name),
              "output '" + o.name + "' of the pipeline component is bound to no job output",
              "bind it in one of its jobs: outputs: {NAME: ${{parent.outputs." + o.name + "}}}");
    }
    outs[o.name] = {b->step, b->output};
  }
  for (const auto& x : child->bound)  // bound without a declaration: Azure ML creates them
    if (!x.step.empty() && !outs.count(x.name)) outs[x.name] = {x.step, x.output};
  index_->outputs[full] = outs;

  // The job's own `outputs:`: settings for those inner outputs, or bindings one level up.
  if (const Entry* oe = find_entry(es, "outputs"); oe && !oe->value.IsNull()) {
    JobContext ctx = context();
    std::vector<std::string> names;
    for (const auto& [n, _] : outs) names.push_back(n);
    auto given = entries(doc_, oe->value, path + ".outputs", "a mapping of output names");
    check_declared(doc_, given, path + ".outputs", names, "the pipeline component", "output");
    for (const auto& x : given) {
      const std::string opath = path + ".outputs." + x.name;
      auto it = outs.find(x.name);
      StepSpec* st = const_cast<StepSpec*>(p_->find_step(it->second.first));
      StepOutput* out = st ? find_output(st, it->second.second) : nullptr;
      RUNNEL_CHECK(out != nullptr);
      std::optional<Binding> b;
      bool explicit_mode = false;
      if (x.value.IsScalar()) {
        b = parse_binding(doc_, x.value, opath, x.value.Scalar());
        if (!b) {
          fail(doc_, x.value, opath,
               "expected an output declaration or a binding, found '" + x.value.Scalar() + "'",
               "write {type: uri_folder, mode: upload} or ${{parent.outputs.NAME}}");
        }
      } else if (x.value.IsMap()) {
        StepOutput decl = parse_output_decl(doc_, x, opath, *out);
        decl.name = out->name;
        decl.loc = out->loc;
        *out = decl;
        auto oes = entries(doc_, x.value, opath);
        explicit_mode = find_entry(oes, "mode") != nullptr;
        const Entry* p = find_entry(oes, "path");
        if (p && p->value.IsScalar() && is_output_path_binding(p->value.Scalar()))
          b = parse_binding(doc_, p->value, opath + ".path", p->value.Scalar());
      } else if (!x.value.IsNull()) {
        parse_output_decl(doc_, x, opath, *out);  // throws: not a mapping
      }
      if (b) {
        if (b->kind != Binding::Kind::kParentOutput) {
          fail(doc_, x.value, opath, "a job output can only be bound to ${{parent.outputs.NAME}}",
               "to read another job's output, bind it in this job's inputs instead");
        }
        bind_to_parent_output(ctx, x.value, opath, b->name, st->name, explicit_mode, out);
      }
    }
  }

  // A pipeline job's compute is the default of its inner steps; run_after holds them all.
  std::string compute;
  SourceLocation compute_loc;
  std::vector<std::string> after;
  for (const auto& x : es) {
    if (x.name == "compute") {
      compute = resolve_compute_name(as_string(doc_, x, path + ".compute"));
      compute_loc = loc_of(doc_, x.value);
    } else if (x.name == "settings" && !x.value.IsNull()) {
      auto ss = entries(doc_, x.value, path + ".settings");
      warn_unknown_keys(doc_, ss, path + ".settings",
                        {"default_compute", "default_datastore", "continue_on_step_failure",
                         "force_rerun", "default_environment", "on_init", "on_finalize"});
      for (const char* k : {"on_init", "on_finalize"})
        if (const Entry* e = find_entry(ss, k)) {
          fail(doc_, e->key, path + ".settings." + k,
               std::string(k) +
                   " is taken only in the top-level pipeline job's settings (Azure "
                   "ML refuses it for a pipeline component too)",
               "move it to the settings: of the pipeline file, naming a job of its jobs:");
        }
      if (const Entry* dc = find_entry(ss, "default_compute"); dc && compute.empty()) {
        compute = resolve_compute_name(as_string(doc_, *dc, path + ".settings.default_compute"));
        compute_loc = loc_of(doc_, dc->value);
      }
    } else if (x.name == "run_after") {
      after = as_string_list(doc_, x, path + ".run_after");
      for (auto& r : after) r = prefix_ + r;
    } else if (x.name == "tags" || x.name == "properties") {
      as_string_map(doc_, x, path + "." + x.name);
    }
  }
  std::vector<std::string> inner;
  for (size_t i = first; i < p_->steps.size(); ++i) {
    StepSpec& st = p_->steps[i];
    if (!compute.empty() && st.compute.empty()) {
      st.compute = compute;
      st.key_locs["compute"] = compute_loc;
    }
    st.run_after.insert(st.run_after.end(), after.begin(), after.end());
    inner.push_back(st.name);
  }
  index_->steps[full] = std::move(inner);
  item->child = std::move(child);
  items_.push_back(std::move(item));
}

void JobLevel::bind() {
  JobContext ctx = context();
  for (auto& item : items_) {
    JobDraft& d = item->draft;
    if (!item->nested) {
      // Each step lives in one place at a time: the draft borrows it back for this pass.
      d.step = std::move(p_->steps[item->step_index]);
      bind_job_inputs(ctx, &d);
      check_job_command(d);
      p_->steps[item->step_index] = std::move(d.step);
      d = JobDraft{};
      continue;
    }
    const PipelineComponentSpec& pc = item->component;
    std::vector<Entry> ies;
    if (const Entry* ie = find_entry(d.es, "inputs"); ie && !ie->value.IsNull())
      ies = entries(doc_, ie->value, d.path + ".inputs", "a mapping of input names to values");
    check_declared(doc_, ies, d.path + ".inputs", names_of(pc.inputs), "the pipeline component",
                   "input");
    for (const auto& decl : pc.inputs) {
      ParentInput pi = declared_parent_input(decl);
      if (const Entry* e = find_entry(ies, decl.name)) {
        BoundComponentInput b = bind_component_input(ctx, d, *e, decl);
        pi.source = b.input.source;
        pi.mode = b.mode;
        pi.loc = b.input.loc;
        pi.node = e->value;
      }
      item->child->inputs[decl.name] = std::move(pi);
    }
    item->child->bind();
  }
}

PipelineComponentSpec load_pipeline_component(const YamlDoc& doc, const Entry& c,
                                              const std::string& path, const ComponentFile* file,
                                              const std::string& hint) {
  if (c.value.IsMap()) return parse_pipeline_component(doc, c.value, path);
  std::string ref = as_string(doc, c, path);
  ComponentFile f = file ? *file : read_component_file(doc, c, path, ref);
  if (f.type != "pipeline") {
    fail(doc, c.value, path,
         "component '" + ref + "' is a " + f.type + " component, not a pipeline component", hint);
  }
  return parse_pipeline_component(f.doc, f.root, "");
}

ParentInput declared_parent_input(const ComponentInput& decl) {
  ParentInput pi;
  pi.name = decl.name;
  pi.type = decl.type;
  pi.mode = decl.mode;
  pi.loc = decl.loc;
  pi.source = decl.default_value;
  return pi;
}

void expand_pipeline_run_after(const PipelineJobIndex& index, PipelineSpec* p) {
  if (index.steps.empty()) return;
  for (auto& s : p->steps) {
    std::vector<std::string> out;
    for (const auto& r : s.run_after) {
      auto it = index.steps.find(r);
      if (it == index.steps.end()) {
        out.push_back(r);
        continue;
      }
      for (const auto& inner : it->second)  // nested pipeline jobs were expanded already
        if (inner != s.name) out.push_back(inner);
    }
    s.run_after = std::move(out);
  }
}

}  // namespace runnel::internal
