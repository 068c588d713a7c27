// `type: parallel` jobs (Azure ML's parallelJob): a step running runnel.parallel_run.
#include <optional>
#include <string>
#include <vector>

#include "runnel/error.h"
#include "spec/command_template.h"
#include "spec/yaml_component.h"
#include "spec/yaml_parallel_sweep.h"

namespace runnel::internal {

namespace {

// The one placeholder `${{<ns>.NAME}}` that `e`'s value must be; returns NAME.
std::string single_placeholder(const YamlDoc& doc, const Entry& e, const std::string& path,
                               Placeholder::Kind kind) {
  const char* ns = kind == Placeholder::Kind::kInput ? "inputs" : "outputs";
  std::string text = as_string(doc, e, path);
  std::string hint = std::string("write ${{") + ns + ".NAME}} naming one of the job's " + ns;
  std::vector<Placeholder> phs;
  try {
    phs = parse_placeholders(text, loc_of(doc, e.value).to_string() + ": " + path);
  } catch (const Error&) {
    fail(doc, e.value, path, "'" + text + "' is not a ${{" + ns + ".NAME}} reference", hint);
  }
  size_t b = text.find_first_not_of(" \t"), t = text.find_last_not_of(" \t");
  if (phs.size() != 1 || phs[0].kind != kind || b != phs[0].offset ||
      text.compare(t - 1, 2, "}}") != 0)
    fail(doc, e.value, path, "'" + text + "' is not a single ${{" + ns + ".NAME}} reference", hint);
  return phs[0].name;
}

std::string number_text(const YamlDoc& doc, const Entry& e, const std::string& path,
                        int64_t min_value) {
  return std::to_string(as_int(doc, e, path, min_value));
}

}  // namespace

namespace {

// The driver's settings, read from the parallel job and, for a job from a component, first
// from the component (whose values the job may override).
struct DriverSettings {
  std::string mini_batch_size, partition_keys, logging_level = "INFO";
  std::string error_threshold = "-1", allowed_failed, per_node = "1", max_try = "3", timeout = "60";
};

void read_driver_settings(const YamlDoc& doc, const std::vector<Entry>& es, const std::string& path,
                          DriverSettings* ds) {
  for (const auto& x : es) {
    std::string p = join(path, x.name);
    if (x.name == "mini_batch_size") {
      ds->mini_batch_size = as_string(doc, x, p);
    } else if (x.name == "partition_keys") {
      ds->partition_keys.clear();
      for (const auto& k : as_string_list(doc, x, p))
        ds->partition_keys += (ds->partition_keys.empty() ? "" : ",") + k;
    } else if (x.name == "error_threshold") {
      ds->error_threshold = number_text(doc, x, p, -1);
    } else if (x.name == "mini_batch_error_threshold") {
      std::string v = number_text(doc, x, p, -1);
      ds->allowed_failed = v == "-1" ? "" : v;
    } else if (x.name == "max_concurrency_per_instance") {
      ds->per_node = number_text(doc, x, p, 1);
    } else if (x.name == "logging_level") {
      ds->logging_level = as_string(doc, x, p);
      static const char* kLevels[] = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"};
      bool ok = false;
      for (const char* l : kLevels) ok = ok || ds->logging_level == l;
      if (!ok)
        fail(doc, x.value, p, "'" + ds->logging_level + "' is not a logging level",
             "use DEBUG, INFO, WARNING, ERROR or CRITICAL");
    } else if (x.name == "retry_settings" && !x.value.IsNull()) {
      auto rs = entries(doc, x.value, p, "a mapping such as {max_retries: 3, timeout: 60}");
      check_keys(doc, rs, p, {"max_retries", "timeout"});
      for (const auto& r : rs) {
        if (r.name == "max_retries") ds->max_try = number_text(doc, r, join(p, r.name), 1);
        if (r.name == "timeout") ds->timeout = number_text(doc, r, join(p, r.name), 1);
      }
    }
  }
}

// What the task and input_data say (from the job, or from its component).
struct TaskSettings {
  std::string data_input, entry_script, program_arguments, append_to;
};

// Reads `task:` and `input_data:` of `es` (at `path`; `owner_key` locates "missing" errors).
TaskSettings read_task(const YamlDoc& doc, const std::vector<Entry>& es, const std::string& path,
                       const yaml::Node& owner_key, StepSpec& s) {
  TaskSettings t;
  std::string at = path.empty() ? "" : path + ".";
  const Entry* task = find_entry(es, "task");
  if (!task || !task->value.IsMap())
    fail(doc, task ? task->value : owner_key, at + "task", "a parallel job needs a task mapping",
         "add task: {type: run_function, code: ./src, entry_script: score.py}");
  const Entry* input_data = find_entry(es, "input_data");
  if (!input_data)
    fail(doc, owner_key, at + "input_data", "a parallel job needs input_data",
         "add input_data: ${{inputs.NAME}} naming the input to split into mini-batches");
  t.data_input = single_placeholder(doc, *input_data, at + "input_data", Placeholder::Kind::kInput);

  std::string tp = at + "task";
  auto ts = entries(doc, task->value, tp);
  check_keys(doc, ts, tp,
             {"type", "code", "entry_script", "program_arguments", "args", "environment",
              "append_row_to", "environment_variables"});
  if (find_entry(ts, "args") && find_entry(ts, "program_arguments"))
    fail(doc, find_entry(ts, "args")->key, join(tp, "args"),
         "the task has both args and program_arguments", "keep program_arguments only");
  for (const auto& x : ts) {
    std::string p = join(tp, x.name);
    if (x.name == "type") {
      std::string ty = as_string(doc, x, p);
      // "function" is the older name Azure ML still accepts; "model" tasks are not run here.
      if (ty != "run_function" && ty != "function")
        fail(doc, x.value, p, "task type '" + ty + "' is not supported",
             "write type: run_function");
    } else if (x.name == "code") {
      s.code_dir = parse_code(doc, x, p);
      s.key_locs["code"] = loc_of(doc, x.value);
    } else if (x.name == "entry_script") {
      t.entry_script = as_string(doc, x, p);
      s.key_locs["command"] = loc_of(doc, x.value);
    } else if (x.name == "program_arguments" || x.name == "args") {
      // `args` is the older azure-ai-ml name of program_arguments (same meaning).
      t.program_arguments = as_string(doc, x, p);
    } else if (x.name == "environment") {
      s.environment = parse_environment(doc, x, p);
      s.environment_curated = curated_environment(x);
      s.key_locs["environment"] = loc_of(doc, x.value);
    } else if (x.name == "append_row_to") {
      t.append_to = single_placeholder(doc, x, p, Placeholder::Kind::kOutput);
    } else if (x.name == "environment_variables") {
      for (auto& [k, v] : as_string_map(doc, x, p)) s.env_vars[k] = v;
    }
  }
  if (t.entry_script.empty())
    fail(doc, task->key, tp + ".entry_script", "the task has no entry_script",
         "add entry_script: the Python file (in code:) that defines init() and run(mini_batch)");
  if (!s.key_locs.count("command")) s.key_locs["command"] = loc_of(doc, task->key);
  return t;
}

// `component:` of a parallel job: a parallel component file (a path, or a registered
// azureml:NAME:VERSION) or an inline parallel component. Fills d.component (its declared
// inputs and outputs, against which the job's inputs and outputs are bound) and the step's
// task; returns the component's driver settings.
DriverSettings read_parallel_component(const JobContext& ctx, JobDraft& d, const Entry& c,
                                       const ComponentFile* file, TaskSettings* task) {
  const YamlDoc& doc = ctx.doc;
  StepSpec& s = d.step;
  std::string p = d.path + ".component";
  std::optional<ComponentFile> read;
  const YamlDoc* cdoc = &doc;
  yaml::Node node = c.value;
  std::string prefix = p;
  if (!c.value.IsMap()) {
    if (!file) read = read_component_file(doc, c, p, as_string(doc, c, p));
    const ComponentFile& f = file ? *file : *read;
    cdoc = &f.doc;
    node = f.root;
    prefix = "";
    if (f.type != "parallel")
      fail(doc, c.value, p,
           "component '" + c.value.Scalar() + "' has type " + f.type +
               ", but a parallel job needs a parallel component",
           f.type == "command" ? "write type: command on the job, or point it at a component of "
                                 "type: parallel (parallelComponent schema)"
                               : "point it at a component of type: parallel");
  }
  auto ces = entries(*cdoc, node, prefix, "a parallel component");
  check_keys(*cdoc, ces, prefix,
             {"$schema",
              "name",
              "version",
              "display_name",
              "description",
              "type",
              "tags",
              "properties",
              "is_deterministic",
              "inputs",
              "outputs",
              "resources",
              "task",
              "input_data",
              "mini_batch_size",
              "partition_keys",
              "mini_batch_error_threshold",
              "error_threshold",
              "max_concurrency_per_instance",
              "retry_settings",
              "logging_level",
              "environment_variables"});
  if (const Entry* t = find_entry(ces, "type")) {
    std::string ty = as_string(*cdoc, *t, join(prefix, "type"));
    if (ty != "parallel")
      fail(*cdoc, t->value, join(prefix, "type"),
           "component type '" + ty + "' is not a parallel component",
           "a job of type: parallel needs a component of type: parallel");
  }
  ComponentSpec comp = parse_component_ports(*cdoc, ces, prefix);
  *task = read_task(*cdoc, ces, prefix, node, s);
  for (const auto& x : ces) {
    std::string xp = join(prefix, x.name);
    if (x.name == "resources") s.resources = parse_resources(*cdoc, x, xp, s.resources);
    if (x.name == "environment_variables")
      for (auto& [k, v] : as_string_map(*cdoc, x, xp)) s.env_vars[k] = v;
  }
  s.allow_reuse = comp.is_deterministic;
  s.outputs = comp.outputs;
  for (const auto& o : s.outputs) s.key_locs["outputs." + o.name] = o.loc;
  DriverSettings ds;
  read_driver_settings(*cdoc, ces, prefix, &ds);
  d.component = std::move(comp);
  return ds;
}

}  // namespace

JobDraft parse_parallel_job(const JobContext& ctx, JobDraft d, const ComponentFile* file) {
  const YamlDoc& doc = ctx.doc;
  StepSpec& s = d.step;
  const Entry* c = find_entry(d.es, "component");
  if (c) {
    // A prompt flow (flow.dag.yaml, or a run.yaml naming one) used as a parallel node: say
    // so, rather than reading it as a parallel component.
    std::string ref = c->value.IsScalar() ? c->value.Scalar() : "";
    std::string base = ref.substr(ref.find_last_of('/') + 1);
    bool flow = base.rfind("flow.dag.", 0) == 0 || base == "run.yaml" || base == "run.yml" ||
                base.rfind("flow.flex.", 0) == 0;
    if (flow)
      fail(doc, c->value, d.path + ".component",
           "'" + ref +
               "' is a prompt flow; prompt flow in pipelines is an Azure ML service that "
               "runnel does not stand in for",
           "run this pipeline in Azure ML, or replace jobs." + d.entry.name +
               " with a command or parallel job that runs the flow's code");
    for (const char* k : {"task", "input_data"})
      if (const Entry* x = find_entry(d.es, k))
        fail(doc, x->key, join(d.path, k), std::string(k) + " is set by the component",
             std::string("remove '") + k +
                 "' here, or drop 'component:' and write the parallel job inline");
  }
  check_keys(doc, d.es, d.path,
             {"$schema",
              "type",
              "name",
              "display_name",
              "description",
              "tags",
              "properties",
              "experiment_name",
              "comment",
              "compute",
              "resources",
              "inputs",
              "outputs",
              "task",
              "input_data",
              "component",
              "mini_batch_size",
              "partition_keys",
              "mini_batch_error_threshold",
              "error_threshold",
              "max_concurrency_per_instance",
              "retry_settings",
              "logging_level",
              "environment_variables",
              "identity",
              "queue_settings",
              "is_deterministic",
              "allow_reuse",
              "run_after",
              "max_retries"});
  TaskSettings task;
  DriverSettings ds;
  if (c)
    ds = read_parallel_component(ctx, d, *c, file, &task);
  else
    task = read_task(doc, d.es, d.path, d.entry.key, s);

  // The shared keys (compute, resources, outputs, ...) and then the driver's settings.
  read_job_common(ctx, &d);
  int nodes = s.resources.nodes > 0 ? s.resources.nodes : 1;
  s.resources.nodes = 0;  // one driver process runs every worker (README: parallel jobs)
  read_driver_settings(doc, d.es, d.path, &ds);
  std::string cmd = "python -m runnel.parallel_run --entry-script " +
                    shell_quote(task.entry_script) + " --source-directory . --input " +
                    shell_quote(task.data_input) + "=${{inputs." + task.data_input + "}}";
  if (!ds.mini_batch_size.empty()) cmd += " --mini-batch-size " + shell_quote(ds.mini_batch_size);
  if (!ds.partition_keys.empty()) cmd += " --partition-keys " + shell_quote(ds.partition_keys);
  cmd += " --error-threshold " + ds.error_threshold;
  if (!ds.allowed_failed.empty()) cmd += " --allowed-failed-count " + ds.allowed_failed;
  cmd += " --process-count-per-node " + ds.per_node + " --node-count " + std::to_string(nodes);
  cmd += " --run-max-try " + ds.max_try + " --run-invocation-timeout " + ds.timeout;
  cmd += " --logging-level " + ds.logging_level;
  if (!task.append_to.empty()) {
    cmd += " --output-action append_row --append-row-to ${{outputs." + task.append_to + "}}";
  } else {
    cmd += " --output-action summary_only";
  }
  cmd += " --";
  if (!task.program_arguments.empty()) cmd += " " + task.program_arguments;
  s.command = cmd;
  s.kind = "parallel";
  s.parallel_workers = nodes * static_cast<int>(std::stoll(ds.per_node));
  return d;
}

}  // namespace runnel::internal
