#include "spec/yaml_jobs.h"

#include "core/units.h"
#include "runnel/error.h"
#include "spec/command_template.h"
#include "spec/yaml_parallel_sweep.h"
#include "spec/yaml_refs.h"

namespace runnel::internal {

namespace {

void apply_job_output(const JobContext& ctx, JobDraft* d, const Entry& x) {
  const YamlDoc& doc = ctx.doc;
  StepSpec& s = d->step;
  std::string path = d->path + ".outputs." + x.name;
  StepOutput* existing = nullptr;
  for (auto& o : s.outputs)
    if (o.name == x.name) existing = &o;
  if (d->component && !existing) {
    fail(doc, x.key, path,
         "the component has no output '" + x.name + "'" + did_you_mean(x.name, names_of(s.outputs)),
         "its outputs are: " + name_list(names_of(s.outputs)));
  }
  StepOutput out = existing ? *existing : StepOutput{};
  out.name = x.name;
  std::optional<Binding> b;
  bool explicit_mode = false;
  if (x.value.IsScalar()) {
    b = parse_binding(doc, x.value, path, x.value.Scalar());
    if (!b) {
      fail(doc, x.value, path,
           "expected an output declaration or a binding, found '" + x.value.Scalar() + "'",
           "write {type: uri_folder, mode: rw_mount} or "
           "${{parent.outputs.NAME}}");
    }
  } else if (x.value.IsMap()) {
    out = parse_output_decl(doc, x, path, out);
    const std::vector<Entry> es = entries(doc, x.value, path);
    explicit_mode = find_entry(es, "mode") != nullptr;
    const Entry* p = find_entry(es, "path");
    if (p && p->value.IsScalar() && is_output_path_binding(p->value.Scalar()))
      b = parse_binding(doc, p->value, path + ".path", p->value.Scalar());
  } else if (!x.value.IsNull()) {
    out = parse_output_decl(doc, x, path, out);  // throws: not a mapping
  }
  check_port_name(doc, x, path, "output");
  out.loc = loc_of(doc, x.key);
  if (b) {
    if (b->kind != Binding::Kind::kParentOutput) {
      fail(doc, x.value, path, "a job output can only be bound to ${{parent.outputs.NAME}}",
           "to read another job's output, bind it in this job's inputs instead");
    }
    bind_to_parent_output(ctx, x.value, path, b->name, s.name, explicit_mode, &out);
  }
  s.key_locs["outputs." + x.name] = out.loc;
  if (existing) {
    *existing = out;
  } else {
    s.outputs.push_back(out);
  }
}

bool is_binding(const yaml::Node& v) {
  return v.IsScalar() && v.Scalar().find("${{") != std::string::npos;
}

void read_job_keys(const JobContext& ctx, JobDraft* d) {
  const YamlDoc& doc = ctx.doc;
  StepSpec& s = d->step;
  for (const auto& x : d->es) {
    std::string p = join(d->path, x.name);
    if ((x.name == "compute") && is_binding(x.value)) {
      d->field_bindings.emplace_back("compute", x);
      s.key_locs["compute"] = loc_of(doc, x.value);
      continue;
    }
    if (x.name == "environment") {
      s.environment = parse_environment(doc, x, p);
      s.environment_curated = curated_environment(x);
      s.key_locs["environment"] = loc_of(doc, x.value);
    } else if (x.name == "compute") {
      s.compute = resolve_compute_name(as_string(doc, x, p));
      s.key_locs["compute"] = loc_of(doc, x.value);
    } else if (x.name == "code") {
      s.code_dir = parse_code(doc, x, p);
      s.key_locs["code"] = loc_of(doc, x.value);
    } else if (x.name == "command") {
      s.command = as_string(doc, x, p);
      s.key_locs["command"] = loc_of(doc, x.value);
    } else if (x.name == "display_name") {
      s.display_name = as_string(doc, x, p);
    } else if (x.name == "resources") {
      std::vector<Entry> bound;
      s.resources = parse_resources(doc, x, p, s.resources, &bound);
      for (const auto& b : bound) {
        if (b.name != "cpus" && b.name != "gpus" && b.name != "memory" &&
            b.name != "instance_count" && b.name != "time_limit")
          fail(doc, b.value, p + "." + b.name, "resources." + b.name + " cannot be bound",
               "bind cpus, gpus, memory, instance_count or time_limit, or give a value");
        d->field_bindings.emplace_back("resources." + b.name, b);
      }
    } else if (x.name == "limits" && !x.value.IsNull()) {
      auto ls = entries(doc, x.value, p, "a mapping such as {timeout: 3600}");
      check_keys(doc, ls, p, {"timeout"});
      if (ls.empty()) continue;
      const Entry& t = ls.front();
      if (is_binding(t.value)) {
        d->field_bindings.emplace_back("limits.timeout", t);
        continue;
      }
      std::string text = as_string(doc, t, p + ".timeout");
      try {
        s.timeout_s = static_cast<int>(parse_time_limit_s(text, ""));
      } catch (const Error& err) {
        fail(doc, t.value, p + ".timeout", err.what(), "");
      }
    } else if (x.name == "environment_variables") {
      for (auto& [k, v] : as_string_map(doc, x, p)) s.env_vars[k] = v;
      if (!x.value.IsNull())
        for (const auto& v : entries(doc, x.value, p))
          if (is_binding(v.value)) d->field_bindings.emplace_back("env:" + v.name, v);
    } else if (x.name == "is_deterministic" || x.name == "allow_reuse") {
      s.allow_reuse = as_bool(doc, x, p) && s.allow_reuse;
    } else if (x.name == "max_retries") {
      s.max_retries = static_cast<int>(as_int(doc, x, p, 0));
    } else if (x.name == "run_after") {
      s.run_after = as_string_list(doc, x, p);
      for (auto& r : s.run_after) r = ctx.prefix + r;  // a sibling in the same component
      s.key_locs["run_after"] = loc_of(doc, x.value);
    } else if (x.name == "tags") {
      for (auto& [k, v] : as_string_map(doc, x, p)) s.tags[k] = v;
    } else if (x.name == "properties") {
      as_string_map(doc, x, p);  // checked, not kept: StepSpec has no place for them
    } else if (x.name == "identity") {
      note_not_honoured(doc, x, p, "identity",
                        "steps run as the local (or Slurm) user; there is no managed identity");
    } else if (x.name == "services") {
      note_not_honoured(doc, x, p, "services",
                        "job services (SSH, JupyterLab, TensorBoard endpoints) are not started");
    } else if (x.name == "queue_settings") {
      note_not_honoured(
          doc, x, p, "queue_settings",
          "the job tier and priority are Azure ML's; runnel queues steps in its own order");
    } else if (x.name == "distribution") {
      std::vector<Entry> bound;
      s.distribution = parse_distribution(doc, x, p, &bound);
      s.key_locs["distribution"] = loc_of(doc, x.value);
      for (const auto& b : bound) d->field_bindings.emplace_back("distribution." + b.name, b);
    }
  }
}

}  // namespace

void bind_to_parent_output(const JobContext& ctx, const yaml::Node& node, const std::string& path,
                           const std::string& parent_output, const std::string& step,
                           bool explicit_mode, StepOutput* out) {
  const YamlDoc& doc = ctx.doc;
  std::vector<PipelineOutputSpec>& outputs = ctx.outputs_target();
  PipelineOutputSpec* po = nullptr;
  for (auto& o : outputs)
    if (o.name == parent_output) po = &o;
  if (!po) {  // Azure creates an undeclared pipeline output on first use
    outputs.push_back(PipelineOutputSpec{});
    po = &outputs.back();
    po->name = parent_output;
    po->type = out->type;
    po->loc = out->loc;
  }
  if (!po->step.empty()) {
    fail(doc, node, path,
         std::string(ctx.top_level_outputs() ? "pipeline" : "pipeline component") + " output '" +
             parent_output + "' is already bound to jobs." + po->step + ".outputs." + po->output,
         "bind each pipeline output to one job output");
  }
  po->step = step;
  po->output = out->name;
  if (ctx.top_level_outputs()) out->pipeline_output = parent_output;
  auto it = ctx.outputs->find(parent_output);
  if (it != ctx.outputs->end()) {
    if (it->second.has_mode && !explicit_mode) out->mode = it->second.decl.mode;
    if (out->path.empty()) {
      out->datastore = it->second.decl.datastore;
      out->path = it->second.decl.path;
    }
  }
}

void apply_component(const ComponentSpec& comp, StepSpec* s) {
  s->command = comp.command;
  s->code_dir = comp.code_dir;
  s->environment = comp.environment;
  s->environment_curated = comp.environment_curated;
  s->key_locs = comp.key_locs;
  s->allow_reuse = comp.is_deterministic;
  s->resources = comp.resources;
  s->distribution = comp.distribution;
  s->env_vars = comp.env_vars;
  s->outputs = comp.outputs;
  for (const auto& o : s->outputs) s->key_locs["outputs." + o.name] = o.loc;
}

void read_job_common(const JobContext& ctx, JobDraft* d) {
  read_job_keys(ctx, d);
  if (const Entry* o = find_entry(d->es, "outputs"); o && !o->value.IsNull()) {
    for (const auto& x :
         entries(ctx.doc, o->value, d->path + ".outputs", "a mapping of output names")) {
      apply_job_output(ctx, d, x);
    }
  }
}

namespace {

// Why a job type Azure ML has is not run here: the Azure ML service it needs.
std::string unsupported_job_type_why(const std::string& type) {
  if (type == "automl")
    return ": AutoML is an Azure ML cloud service that runnel does not stand in for";
  if (type == "spark")
    return ": Spark jobs run on Azure ML's serverless Spark or attached Synapse pools, which "
           "runnel does not stand in for";
  if (type == "data_transfer" || type == "import" || type == "export")
    return ": data transfer jobs copy between Azure ML and external stores with Azure ML's own "
           "service, which runnel does not stand in for";
  if (type == "flow")
    return ": prompt flow is an Azure ML service that runnel does not stand in for";
  return "";
}

}  // namespace

JobDraft parse_job_shape(const JobContext& ctx, const Entry& e, const ComponentFile* file) {
  const YamlDoc& doc = ctx.doc;
  JobDraft d;
  d.entry = e;
  d.path = "jobs." + e.name;
  StepSpec& s = d.step;
  s.name = ctx.prefix + e.name;
  s.display_name = s.name;
  s.loc = loc_of(doc, e.key);
  if (!is_valid_name(e.name, true)) {
    fail(doc, e.key, d.path,
         "job name '" + e.name +
             "' has characters other than letters, "
             "digits, '_', '.' and '-'",
         "rename the job using only those characters");
  }
  d.es = entries(doc, e.value, d.path, "a job (a mapping with type: command and command:)");
  // Without `type:`, a job's type follows its component's, as in Azure ML.
  if (file && file->type == "parallel" && !find_entry(d.es, "type"))
    return parse_parallel_job(ctx, std::move(d), file);
  if (const Entry* t = find_entry(d.es, "type")) {  // jobs of other shapes
    std::string type = t->value.IsScalar() ? t->value.Scalar() : "";
    if (type == "parallel") return parse_parallel_job(ctx, std::move(d), file);
    if (type == "sweep") return parse_sweep_job(ctx, std::move(d));
    // Before the keys: an AutoML or Spark job has keys of its own (task:, entry:, conf:),
    // and the type is what to report.
    if (type == "component")  // the preview schema's name for a command job
      fail(doc, t->value, d.path + ".type",
           "job type 'component' is the preview schema's, which Azure ML no longer reads",
           "write type: command (the component: key stays as it is)");
    if (type != "command") {
      fail(doc, t->value, d.path + ".type",
           "job type '" + type + "' is not supported" + unsupported_job_type_why(type),
           "runnel runs command, parallel, sweep and pipeline jobs; run this pipeline in Azure ML, "
           "or replace jobs." +
               e.name + " with one of those");
    }
  }
  check_keys(doc, d.es, d.path,
             {"$schema",
              "type",
              "component",
              "code",
              "command",
              "environment",
              "compute",
              "inputs",
              "outputs",
              "environment_variables",
              "display_name",
              "description",
              "tags",
              "properties",
              "is_deterministic",
              "resources",
              "limits",
              "distribution",
              "identity",
              "services",
              "name",
              "experiment_name",
              "comment",
              "queue_settings",
              "allow_reuse",
              "max_retries",
              "run_after"});
  if (const Entry* t = find_entry(d.es, "type")) as_string(doc, *t, d.path + ".type");  // a scalar
  if (const Entry* c = find_entry(d.es, "component")) {
    std::string p = d.path + ".component";
    if (c->value.IsMap()) {
      d.component = parse_component(doc, c->value, p);
    } else if (file) {
      d.component = parse_component(file->doc, file->root, "");
    } else {
      d.component = load_component_file(doc, *c, p, as_string(doc, *c, p));
    }
    for (const char* k : {"command", "code"}) {
      if (const Entry* x = find_entry(d.es, k)) {
        fail(doc, x->key, join(d.path, k), std::string(k) + " is set by the component",
             std::string("remove '") + k + "' here, or drop 'component:' and write the job inline");
      }
    }
    apply_component(*d.component, &s);
  } else if (!find_entry(d.es, "command")) {
    fail(doc, e.key, d.path + ".command", "the job has no command",
         "add command: with the program to run, e.g. python train.py --data ${{inputs.data}}, "
         "or use component: ./component.yml");
  }
  read_job_common(ctx, &d);
  return d;
}

}  // namespace runnel::internal
