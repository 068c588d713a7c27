// `type: parallel` jobs (Azure ML's parallelJob): a step running runnel.parallel_run.
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

JobDraft parse_parallel_job(const JobContext& ctx, JobDraft d) {
  const YamlDoc& doc = ctx.doc;
  StepSpec& s = d.step;
  if (const Entry* c = find_entry(d.es, "component")) {
    // A prompt flow (flow.dag.yaml, or a run.yaml naming one) used as a parallel node, or
    // a parallel component file: say which, rather than 'unknown key component'.
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
    fail(doc, c->value, d.path + ".component",
         "a parallel job from a component (component: " + (ref.empty() ? "..." : ref) +
             ") is not supported yet",
         "write the parallel job inline: task: {type: run_function, code:, entry_script:}, "
         "input_data:, mini_batch_size: and the inputs and outputs");
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
  const Entry* task = find_entry(d.es, "task");
  if (!task || !task->value.IsMap())
    fail(doc, task ? task->value : d.entry.key, d.path + ".task",
         "a parallel job needs a task mapping",
         "add task: {type: run_function, code: ./src, entry_script: score.py}");
  const Entry* input_data = find_entry(d.es, "input_data");
  if (!input_data)
    fail(doc, d.entry.key, d.path + ".input_data", "a parallel job needs input_data",
         "add input_data: ${{inputs.NAME}} naming the input to split into mini-batches");
  std::string data_input =
      single_placeholder(doc, *input_data, d.path + ".input_data", Placeholder::Kind::kInput);

  // task
  std::string tp = d.path + ".task";
  auto ts = entries(doc, task->value, tp);
  check_keys(doc, ts, tp,
             {"type", "code", "entry_script", "program_arguments", "args", "environment",
              "append_row_to", "environment_variables"});
  if (find_entry(ts, "args") && find_entry(ts, "program_arguments"))
    fail(doc, find_entry(ts, "args")->key, join(tp, "args"),
         "the task has both args and program_arguments", "keep program_arguments only");
  std::string entry_script, program_arguments, append_to;
  for (const auto& x : ts) {
    std::string p = join(tp, x.name);
    if (x.name == "type") {
      std::string t = as_string(doc, x, p);
      // "function" is the older name Azure ML still accepts; "model" tasks are not run here.
      if (t != "run_function" && t != "function")
        fail(doc, x.value, p, "task type '" + t + "' is not supported", "write type: run_function");
    } else if (x.name == "code") {
      s.code_dir = parse_code(doc, x, p);
      s.key_locs["code"] = loc_of(doc, x.value);
    } else if (x.name == "entry_script") {
      entry_script = as_string(doc, x, p);
      s.key_locs["command"] = loc_of(doc, x.value);
    } else if (x.name == "program_arguments" || x.name == "args") {
      // `args` is the older azure-ai-ml name of program_arguments (same meaning).
      program_arguments = as_string(doc, x, p);
    } else if (x.name == "environment") {
      s.environment = parse_environment(doc, x, p);
      s.environment_curated = curated_environment(x);
      s.key_locs["environment"] = loc_of(doc, x.value);
    } else if (x.name == "append_row_to") {
      append_to = single_placeholder(doc, x, p, Placeholder::Kind::kOutput);
    } else if (x.name == "environment_variables") {
      for (auto& [k, v] : as_string_map(doc, x, p)) s.env_vars[k] = v;
    }
  }
  if (entry_script.empty())
    fail(doc, task->key, tp + ".entry_script", "the task has no entry_script",
         "add entry_script: the Python file (in code:) that defines init() and run(mini_batch)");
  if (!s.key_locs.count("command")) s.key_locs["command"] = loc_of(doc, task->key);

  // The shared keys (compute, resources, outputs, ...) and then the driver's settings.
  read_job_common(ctx, &d);
  int nodes = s.resources.nodes > 0 ? s.resources.nodes : 1;
  s.resources.nodes = 0;  // one driver process runs every worker (README: parallel jobs)
  std::string mini_batch_size, partition_keys, logging_level = "INFO";
  std::string error_threshold = "-1", allowed_failed, per_node = "1", max_try = "3", timeout = "60";
  for (const auto& x : d.es) {
    std::string p = join(d.path, x.name);
    if (x.name == "mini_batch_size") {
      mini_batch_size = as_string(doc, x, p);
    } else if (x.name == "partition_keys") {
      for (const auto& k : as_string_list(doc, x, p))
        partition_keys += (partition_keys.empty() ? "" : ",") + k;
    } else if (x.name == "error_threshold") {
      error_threshold = number_text(doc, x, p, -1);
    } else if (x.name == "mini_batch_error_threshold") {
      std::string v = number_text(doc, x, p, -1);
      if (v != "-1") allowed_failed = v;
    } else if (x.name == "max_concurrency_per_instance") {
      per_node = number_text(doc, x, p, 1);
    } else if (x.name == "logging_level") {
      logging_level = as_string(doc, x, p);
      static const char* kLevels[] = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"};
      bool ok = false;
      for (const char* l : kLevels) ok = ok || logging_level == l;
      if (!ok)
        fail(doc, x.value, p, "'" + logging_level + "' is not a logging level",
             "use DEBUG, INFO, WARNING, ERROR or CRITICAL");
    } else if (x.name == "retry_settings" && !x.value.IsNull()) {
      auto rs = entries(doc, x.value, p, "a mapping such as {max_retries: 3, timeout: 60}");
      check_keys(doc, rs, p, {"max_retries", "timeout"});
      for (const auto& r : rs) {
        if (r.name == "max_retries") max_try = number_text(doc, r, join(p, r.name), 1);
        if (r.name == "timeout") timeout = number_text(doc, r, join(p, r.name), 1);
      }
    }
  }
  std::string cmd = "python -m runnel.parallel_run --entry-script " + shell_quote(entry_script) +
                    " --source-directory . --input " + shell_quote(data_input) + "=${{inputs." +
                    data_input + "}}";
  if (!mini_batch_size.empty()) cmd += " --mini-batch-size " + shell_quote(mini_batch_size);
  if (!partition_keys.empty()) cmd += " --partition-keys " + shell_quote(partition_keys);
  cmd += " --error-threshold " + error_threshold;
  if (!allowed_failed.empty()) cmd += " --allowed-failed-count " + allowed_failed;
  cmd += " --process-count-per-node " + per_node + " --node-count " + std::to_string(nodes);
  cmd += " --run-max-try " + max_try + " --run-invocation-timeout " + timeout;
  cmd += " --logging-level " + logging_level;
  if (!append_to.empty()) {
    cmd += " --output-action append_row --append-row-to ${{outputs." + append_to + "}}";
  } else {
    cmd += " --output-action summary_only";
  }
  cmd += " --";
  if (!program_arguments.empty()) cmd += " " + program_arguments;
  s.command = cmd;
  s.kind = "parallel";
  s.parallel_workers = nodes * static_cast<int>(std::stoll(per_node));
  return d;
}

}  // namespace runnel::internal
