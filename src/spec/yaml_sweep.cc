// `type: sweep` jobs (Azure ML's sweepJob inside a pipeline): a step running runnel.sweep.
#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "runnel/error.h"
#include "spec/command_template.h"
#include "spec/yaml_component.h"
#include "spec/yaml_parallel_sweep.h"

namespace runnel::internal {

namespace {

using nlohmann::json;

// A YAML value as JSON, scalars typed as YAML reads them (42 -> 42, 0.1 -> 0.1, "a" -> "a").
json to_json(const yaml::Node& n) {
  if (n.IsNull()) return nullptr;
  if (n.IsScalar()) {
    const std::string& t = n.Scalar();
    switch (infer_literal_type(n)) {
      case DataType::kInteger:
        return std::strtoll(t.c_str(), nullptr, 10);
      case DataType::kNumber:
        return std::strtod(t.c_str(), nullptr);
      case DataType::kBoolean:
        return t == "true" || t == "True" || t == "TRUE";
      default:
        return t;
    }
  }
  if (n.IsSequence()) {
    json a = json::array();
    for (const auto& item : n) a.push_back(to_json(item));
    return a;
  }
  json o = json::object();
  for (const auto& item : n) o[item.first.Scalar()] = to_json(item.second);
  return o;
}

std::string base64(const std::string& raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(raw.data()),
                          static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// Each search-space expression and the parameters Azure ML gives it.
const std::map<std::string, std::vector<std::string>>& expressions() {
  static const std::map<std::string, std::vector<std::string>> m = {
      {"choice", {"values"}},
      {"randint", {"upper"}},
      {"uniform", {"min_value", "max_value"}},
      {"quniform", {"min_value", "max_value", "q"}},
      {"loguniform", {"min_value", "max_value"}},
      {"qloguniform", {"min_value", "max_value", "q"}},
      {"normal", {"mu", "sigma"}},
      {"qnormal", {"mu", "sigma", "q"}},
      {"lognormal", {"mu", "sigma"}},
      {"qlognormal", {"mu", "sigma", "q"}}};
  return m;
}

json parse_search_space(const YamlDoc& doc, const Entry& e, const std::string& path) {
  json out = json::object();
  auto ps =
      entries(doc, e.value, path,
              "a mapping of parameter names to expressions such as {type: choice, values: [1, 2]}");
  if (ps.empty())
    fail(doc, e.value, path, "the search space is empty", "add at least one parameter");
  std::vector<std::string> kinds;
  for (const auto& [k, _] : expressions()) kinds.push_back(k);
  for (const auto& x : ps) {
    std::string p = join(path, x.name);
    auto es = entries(doc, x.value, p,
                      "an expression such as {type: uniform, min_value: 0, max_value: 1}");
    const Entry* t = find_entry(es, "type");
    if (!t)
      fail(doc, x.key, p + ".type", "the expression has no type",
           "use one of: " + name_list(kinds));
    std::string type = as_string(doc, *t, p + ".type");
    auto it = expressions().find(type);
    if (it == expressions().end())
      fail(doc, t->value, p + ".type",
           "unknown expression '" + type + "'" + did_you_mean(type, kinds),
           "use one of: " + name_list(kinds));
    for (const auto& y : es) {
      if (y.name == "type") continue;
      if (std::find(it->second.begin(), it->second.end(), y.name) == it->second.end())
        fail(doc, y.key, join(p, y.name), type + "() takes no '" + y.name + "'",
             "its parameters are: " + name_list(it->second));
      if (y.name == "values" ? !y.value.IsSequence() || y.value.size() == 0
                             : !y.value.IsScalar() ||
                                   !literal_mismatch(DataType::kNumber, y.value.Scalar()).empty())
        fail(doc, y.value, join(p, y.name),
             y.name == "values" ? "expected a non-empty list" : "expected a number",
             y.name == "values" ? "write values: [a, b, c]" : "give a number");
    }
    for (const auto& k : it->second)
      if (!find_entry(es, k))
        fail(doc, x.key, join(p, k), type + "() needs '" + k + "'", "add " + k + ":");
    out[x.name] = to_json(x.value);
  }
  return out;
}

// A mapping value checked against `allowed` keys, as JSON.
json checked_map(const YamlDoc& doc, const Entry& e, const std::string& path,
                 std::initializer_list<const char*> allowed, const char* example) {
  auto es = entries(doc, e.value, path, example);
  check_keys(doc, es, path, allowed);
  return to_json(e.value);
}

// The text of `key` in the mapping `v` (of entry `e`, at `path`), `fallback` when absent; a
// number, list or mapping there is an error naming the key.
std::string text_member(const YamlDoc& doc, const Entry& e, const std::string& path, const json& v,
                        const char* key, const std::string& fallback, const char* example) {
  if (!v.contains(key) || v[key].is_null()) return fallback;
  if (!v[key].is_string())
    fail(doc, e.value, path + "." + key, std::string("expected text, got ") + v[key].type_name(),
         std::string("write ") + key + ": " + example);
  return v[key].get<std::string>();
}

}  // namespace

JobDraft parse_sweep_job(const JobContext& ctx, JobDraft d) {
  const YamlDoc& doc = ctx.doc;
  StepSpec& s = d.step;
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
              "trial",
              "search_space",
              "sampling_algorithm",
              "objective",
              "limits",
              "early_termination",
              "environment_variables",
              "identity",
              "queue_settings",
              "is_deterministic",
              "allow_reuse",
              "run_after",
              "max_retries"});
  const Entry* trial = find_entry(d.es, "trial");
  if (!trial)
    fail(doc, d.entry.key, d.path + ".trial", "a sweep job needs a trial",
         "add trial: ./train.yml (a command component) or an inline {command, code, environment}");
  const Entry* space = find_entry(d.es, "search_space");
  if (!space)
    fail(doc, d.entry.key, d.path + ".search_space", "a sweep job needs a search_space",
         "add search_space: {lr: {type: uniform, min_value: 0.01, max_value: 0.1}}");
  json spec = json::object();
  spec["search_space"] = parse_search_space(doc, *space, d.path + ".search_space");
  std::set<std::string> params;
  for (const auto& [k, _] : spec["search_space"].items()) params.insert(k);

  // The trial: a component (file or inline, with declared inputs/outputs) or an inline
  // command that uses the job's own inputs and outputs.
  std::string tp = d.path + ".trial";
  ComponentSpec comp;
  if (trial->value.IsMap()) {
    comp = parse_component(doc, trial->value, tp);
  } else {
    comp = load_component_file(doc, *trial, tp, as_string(doc, *trial, tp));
  }
  if (comp.command.empty())
    fail(doc, trial->value, tp + ".command", "the trial has no command",
         "give the trial a command:");
  bool declared = !comp.inputs.empty() || !comp.outputs.empty();
  // Validate the trial command: ${{search_space.P}} and ${{inputs.P}} for a search-space
  // name are the sweep's; the rest are the trial's inputs and outputs.
  std::string probe = comp.command;
  for (size_t at; (at = probe.find("${{search_space.")) != std::string::npos;)
    probe.replace(at, 16, "${{inputs.");
  for (size_t at; (at = probe.find("${{ search_space.")) != std::string::npos;)
    probe.replace(at, 17, "${{inputs.");
  const SourceLocation cloc =
      comp.key_locs.count("command") ? comp.key_locs.at("command") : loc_of(doc, trial->value);
  std::vector<Placeholder> phs =
      parse_placeholders(probe, cloc.to_string() + ": " + tp + ".command");
  // The driver's command: ${{inputs.P}} of a search-space name P becomes ${{search_space.P}}
  // (back to front, so that earlier offsets stay valid).
  std::string command = probe;
  for (auto it = phs.rbegin(); it != phs.rend(); ++it) {
    if (it->kind != Placeholder::Kind::kInput || !params.count(it->name)) continue;
    size_t end = command.find("}}", it->offset);
    command.replace(it->offset, end + 2 - it->offset, "${{search_space." + it->name + "}}");
  }
  for (const auto& ph : phs) {
    if (ph.kind == Placeholder::Kind::kInput && params.count(ph.name)) continue;
    if (!declared) continue;  // an inline trial uses the job's inputs and outputs (checked below)
    bool known = ph.kind == Placeholder::Kind::kInput
                     ? comp.find_input(ph.name) != nullptr
                     : std::any_of(comp.outputs.begin(), comp.outputs.end(),
                                   [&](const StepOutput& o) { return o.name == ph.name; });
    if (!known)
      fail_at(cloc, tp + ".command",
              std::string("${{") + (ph.kind == Placeholder::Kind::kInput ? "inputs." : "outputs.") +
                  ph.name + "}} names no input or output of the trial nor a search_space parameter",
              "declare it in the trial component or add it to search_space");
  }
  // Search-space names are the sweep's to set, not inputs to bind.
  comp.inputs.erase(
      std::remove_if(comp.inputs.begin(), comp.inputs.end(),
                     [&](const ComponentInput& in) { return params.count(in.name) > 0; }),
      comp.inputs.end());
  apply_component(comp, &s);
  if (declared) {
    d.component = comp;
  } else {
    s.outputs.clear();  // an inline trial writes the job's own outputs
  }
  spec["trial"] = {{"command", command}};

  // sampling_algorithm, objective, limits, early_termination
  for (const auto& x : d.es) {
    std::string p = join(d.path, x.name);
    if (x.name == "sampling_algorithm") {
      json v;
      if (x.value.IsScalar()) {
        v = as_string(doc, x, p);
      } else {
        v = checked_map(doc, x, p, {"type", "seed", "rule", "logbase"},
                        "a mapping such as {type: random, seed: 7}");
      }
      std::string t = v.is_string() ? v.get<std::string>()
                                    : text_member(doc, x, p, v, "type", "random", "random");
      if (t != "random" && t != "grid" && t != "bayesian")
        fail(doc, x.value, p, "unknown sampling algorithm '" + t + "'",
             "use random, grid or bayesian");
      if (t == "grid")
        for (const auto& [name, e] : spec["search_space"].items())
          if (e["type"] != "choice")
            fail(doc, x.value, p,
                 "grid sampling needs choice() for every parameter; search_space." + name + " is " +
                     e["type"].get<std::string>(),
                 "use type: choice for " + name + ", or sampling_algorithm: random");
      spec["sampling_algorithm"] = v;
    } else if (x.name == "objective") {
      json v = checked_map(doc, x, p, {"goal", "primary_metric"},
                           "a mapping such as {goal: maximize, primary_metric: accuracy}");
      if (!v.contains("primary_metric") || !v["primary_metric"].is_string())
        fail(doc, x.value, p + ".primary_metric", "the objective has no primary_metric",
             "name the metric the trials log with run.log / mlflow.log_metric");
      std::string goal = text_member(doc, x, p, v, "goal", "maximize", "maximize or minimize");
      std::transform(goal.begin(), goal.end(), goal.begin(), ::tolower);
      if (goal != "maximize" && goal != "minimize")
        fail(doc, x.value, p + ".goal", "goal '" + goal + "' is not maximize or minimize",
             "write goal: maximize or minimize");
      v["goal"] = goal;
      spec["objective"] = v;
    } else if (x.name == "limits" && !x.value.IsNull()) {
      json v = checked_map(
          doc, x, p, {"max_total_trials", "max_concurrent_trials", "timeout", "trial_timeout"},
          "a mapping such as {max_total_trials: 20, max_concurrent_trials: 2}");
      for (const auto& [k, val] : v.items())
        if (!val.is_number() || val.get<double>() <= 0)
          fail(doc, x.value, p + "." + k, "expected a positive number",
               "give " + k + " as a number (seconds for timeouts)");
      spec["limits"] = v;
    } else if (x.name == "early_termination" && !x.value.IsNull()) {
      json v = checked_map(doc, x, p,
                           {"type", "evaluation_interval", "delay_evaluation", "slack_factor",
                            "slack_amount", "truncation_percentage", "exclude_finished_jobs"},
                           "a mapping such as {type: bandit, slack_factor: 0.1}");
      std::string t = text_member(doc, x, p, v, "type", "", "bandit");
      if (t != "bandit" && t != "median_stopping" && t != "truncation_selection")
        fail(doc, x.value, p + ".type", "unknown early termination policy '" + t + "'",
             "use bandit, median_stopping or truncation_selection");
      if (t == "bandit" && !v.contains("slack_factor") && !v.contains("slack_amount"))
        fail(doc, x.value, p, "a bandit policy needs slack_factor or slack_amount",
             "add slack_factor: 0.1");
      if (t == "truncation_selection" && !v.contains("truncation_percentage"))
        fail(doc, x.value, p, "truncation_selection needs truncation_percentage",
             "add truncation_percentage: 20");
      spec["early_termination"] = v;
    }
  }
  if (!spec.contains("objective"))
    fail(doc, d.entry.key, d.path + ".objective", "a sweep job needs an objective",
         "add objective: {goal: maximize, primary_metric: accuracy}");
  if (!spec.contains("sampling_algorithm"))
    fail(doc, d.entry.key, d.path + ".sampling_algorithm", "a sweep job needs a sampling_algorithm",
         "add sampling_algorithm: random (or grid, bayesian)");
  bool grid = spec["sampling_algorithm"].is_string()
                  ? spec["sampling_algorithm"] == "grid"
                  : spec["sampling_algorithm"].value("type", "") == "grid";
  if (!grid && !(spec.contains("limits") && spec["limits"].contains("max_total_trials")))
    fail(doc, d.entry.key, d.path + ".limits.max_total_trials",
         "a random or bayesian sweep needs limits.max_total_trials",
         "add limits: {max_total_trials: 20}");

  // The job's shared keys and outputs; `limits` here are the sweep's, not a step timeout.
  d.es.erase(
      std::remove_if(d.es.begin(), d.es.end(), [](const Entry& x) { return x.name == "limits"; }),
      d.es.end());
  read_job_common(ctx, &d);
  if (!declared) {  // an inline trial's placeholders name the job's inputs and outputs
    std::set<std::string> names;
    if (const Entry* ie = find_entry(d.es, "inputs"); ie && !ie->value.IsNull())
      for (const auto& x :
           entries(doc, ie->value, d.path + ".inputs", "a mapping of input names to values"))
        names.insert(x.name);
    for (const auto& ph : phs) {
      if (ph.kind == Placeholder::Kind::kInput && (params.count(ph.name) || names.count(ph.name)))
        continue;
      if (ph.kind == Placeholder::Kind::kOutput && s.find_output(ph.name)) continue;
      fail_at(cloc, tp + ".command",
              std::string("${{") + (ph.kind == Placeholder::Kind::kInput ? "inputs." : "outputs.") +
                  ph.name + "}} names no input or output of " + d.path +
                  " nor a search_space parameter",
              "declare it under " + d.path +
                  (ph.kind == Placeholder::Kind::kInput ? ".inputs" : ".outputs") +
                  " or add it to search_space");
    }
  }

  // The command: the driver, with every input (optional ones only when set) and output.
  std::string cmd = "python -m runnel.sweep --spec-b64 " + base64(spec.dump());
  std::vector<std::pair<std::string, bool>> inputs;  // name, optional
  if (declared) {
    for (const auto& in : comp.inputs) inputs.emplace_back(in.name, in.optional);
  } else if (const Entry* ie = find_entry(d.es, "inputs"); ie && !ie->value.IsNull()) {
    for (const auto& x :
         entries(doc, ie->value, d.path + ".inputs", "a mapping of input names to values"))
      inputs.emplace_back(x.name, false);
  }
  for (const auto& [name, optional] : inputs) {
    std::string part = "--input " + name + "=${{inputs." + name + "}}";
    cmd += optional ? " $[[" + part + "]]" : " " + part;
  }
  for (const auto& o : s.outputs) cmd += " --output " + o.name + "=${{outputs." + o.name + "}}";
  s.command = cmd;
  s.kind = "sweep";
  if (!s.key_locs.count("command")) s.key_locs["command"] = loc_of(doc, trial->value);
  return d;
}

}  // namespace runnel::internal
