#include "spec/yaml_component.h"

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "core/fs.h"
#include "core/units.h"
#include "runnel/error.h"
#include "spec/registered_refs.h"
#include "spec/yaml_refs.h"

namespace runnel::internal {

namespace fs = std::filesystem;

std::string preview_type_note(const std::string& type) {
  return type == "path"
             ? " (path is the preview schema's type: uri_folder for a folder, uri_file for a file)"
             : "";
}

namespace {

const char* kTypeList = "uri_folder, uri_file, mltable, string, integer, number, boolean";

DataType parse_type(const YamlDoc& doc, const Entry& e, const std::string& path, bool data_only) {
  std::string t = as_string(doc, e, path);
  std::optional<DataType> dt = parse_yaml_type(t);
  if (!dt || (data_only && !is_data_type(*dt))) {
    std::vector<std::string> names = {"uri_folder", "uri_file", "mltable"};
    if (!data_only) names.insert(names.end(), {"string", "integer", "number", "boolean"});
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    fail(doc, e.value, path, "unknown type '" + t + "'" + did_you_mean(t, names),
         "use one of: " + list + preview_type_note(t));
  }
  return *dt;
}

ComponentInput parse_component_input(const YamlDoc& doc, const Entry& e, const std::string& path) {
  ComponentInput in;
  in.name = e.name;
  in.loc = loc_of(doc, e.key);
  check_port_name(doc, e, path, "input");
  auto es = entries(doc, e.value, path, "an input declaration such as {type: uri_folder}");
  check_keys(doc, es, path,
             {"type", "default", "optional", "description", "min", "max", "enum", "mode", "path"});
  const Entry* type = find_entry(es, "type");
  if (!type) {
    fail(doc, e.key, path, "the input has no type", std::string("add type: one of ") + kTypeList);
  }
  in.type = parse_type(doc, *type, join(path, "type"), false);
  if (const Entry* o = find_entry(es, "optional"))
    in.optional = as_bool(doc, *o, join(path, "optional"));
  if (const Entry* m = find_entry(es, "mode")) {
    std::string s = as_string(doc, *m, join(path, "mode"));
    in.mode = parse_input_mode(s);
    if (!in.mode) {
      fail(doc, m->value, join(path, "mode"), "unknown input mode '" + s + "'",
           "use ro_mount, download or direct (eval_mount or eval_download for an mltable)");
    }
  }
  auto number = [&](const char* key) -> std::optional<double> {
    const Entry* x = find_entry(es, key);
    if (!x) return std::nullopt;
    std::string s = as_string(doc, *x, join(path, key));
    if (!literal_mismatch(DataType::kNumber, s).empty()) {
      fail(doc, x->value, join(path, key), "'" + s + "' is not a number", "give a number");
    }
    return std::strtod(s.c_str(), nullptr);
  };
  in.min = number("min");
  in.max = number("max");
  if (const Entry* en = find_entry(es, "enum"))
    in.enum_values = as_string_list(doc, *en, join(path, "enum"));
  const Entry* def = find_entry(es, "default");
  if (!def) def = find_entry(es, "path");
  if (def && !def->value.IsNull()) {
    std::string text = as_string(doc, *def, join(path, def->name));
    if (is_data_type(in.type)) {
      in.default_value = resolve_data_path(doc, def->value, join(path, def->name), text, in.type);
    } else {
      std::string problem = check_literal(in, text);
      if (!problem.empty())
        fail(doc, def->value, join(path, "default"), problem, "fix the default");
      InputSource src;
      src.value = literal_text(def->value);
      in.default_value = src;
    }
  }
  return in;
}

// A component's `inputs:` or `outputs:` entry `x` (at `p`): its declarations appended to
// `inputs` / `outputs`; with `has_mode`, whether each output writes `mode:`.
void read_declared_ports(const YamlDoc& doc, const Entry& x, const std::string& p,
                         std::vector<ComponentInput>* inputs, std::vector<StepOutput>* outputs,
                         std::vector<bool>* has_mode) {
  if (x.value.IsNull()) return;
  if (x.name == "inputs") {
    for (const auto& i : entries(doc, x.value, p, "a mapping of input names to declarations"))
      inputs->push_back(parse_component_input(doc, i, join(p, i.name)));
  } else if (x.name == "outputs") {
    for (const auto& o : entries(doc, x.value, p, "a mapping of output names to declarations")) {
      outputs->push_back(parse_output_decl(doc, o, join(p, o.name), StepOutput{}));
      if (has_mode) has_mode->push_back(has_key(doc, o, "mode"));
    }
  }
}

// The keys every component kind reads the same way: name, version, display_name,
// is_deterministic, inputs and outputs.
void read_common_entry(const YamlDoc& doc, const Entry& x, const std::string& p, ComponentSpec* c) {
  if (x.name == "name") c->name = as_string(doc, x, p);
  if (x.name == "version") c->version = as_string(doc, x, p);
  if (x.name == "display_name") c->display_name = as_string(doc, x, p);
  if (x.name == "is_deterministic") c->is_deterministic = as_bool(doc, x, p);
  read_declared_ports(doc, x, p, &c->inputs, &c->outputs, nullptr);
}

}  // namespace

bool is_valid_name(const std::string& n, bool allow_dot) {
  if (n.empty() || n.size() > 255) return false;
  for (char c : n) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
              (allow_dot && c == '.');
    if (!ok) return false;
  }
  return true;
}

std::string check_literal(const ComponentInput& in, const std::string& text,
                          std::string* enum_only) {
  std::string hint = literal_mismatch(in.type, text);
  if (!hint.empty()) {
    return "'" + text + "' is not a valid " + data_type_name(in.type) + " for input '" + in.name +
           "'; " + hint;
  }
  if (!in.enum_values.empty()) {
    bool found = false;
    std::string list;
    for (const auto& v : in.enum_values) {
      found = found || v == text;
      list += (list.empty() ? "" : ", ") + v;
    }
    if (!found) {
      std::string m = "'" + text + "' is not one of the allowed values of input '" + in.name +
                      "'; use one of: " + list;
      if (!enum_only) return m;
      *enum_only = m;
    }
  }
  if (in.type == DataType::kInteger || in.type == DataType::kNumber) {
    double v = std::strtod(text.c_str(), nullptr);
    auto num = [](double d) {
      std::ostringstream s;
      s << d;
      return s.str();
    };
    if (in.min && v < *in.min)
      return text + " is below the minimum " + num(*in.min) + " of input '" + in.name +
             "'; give a larger value";
    if (in.max && v > *in.max)
      return text + " is above the maximum " + num(*in.max) + " of input '" + in.name +
             "'; give a smaller value";
  }
  return "";
}

const ComponentInput* find_declared_input(const std::vector<ComponentInput>& inputs,
                                          const std::string& n) {
  for (const auto& i : inputs)
    if (i.name == n) return &i;
  return nullptr;
}

const ComponentInput* ComponentSpec::find_input(const std::string& n) const {
  return find_declared_input(inputs, n);
}

std::string parse_code(const YamlDoc& doc, const Entry& e, const std::string& path) {
  if (e.value.IsMap()) {  // the preview schema's code: {local_path: src}, still in examples
    std::vector<Entry> es = entries(doc, e.value, path, "a folder such as ./src");
    check_keys(doc, es, path, {"local_path"});
    if (const Entry* lp = find_entry(es, "local_path"))
      return parse_code(doc, *lp, path + ".local_path");
    fail(doc, e.value, path, "code has no local_path", "write code: ./src");
  }
  std::string text = as_string(doc, e, path);
  if (text.rfind("azureml:", 0) == 0 || text.find("://") != std::string::npos) {
    fail(doc, e.value, path, "code '" + text + "' is not a local folder",
         "registered code assets and URLs are not supported; give a local folder such as ./src");
  }
  if (text.rfind("file:", 0) == 0) text = text.substr(5);
  fs::path p(text);
  if (p.is_relative()) p = fs::path(doc.base_dir) / p;
  std::string abs = p.lexically_normal().string();
  while (abs.size() > 1 && abs.back() == '/') abs.pop_back();
  std::error_code ec;
  auto st = fs::status(abs, ec);
  if (ec || !fs::exists(st)) {
    fail(doc, e.value, path, "code folder '" + text + "' does not exist (looked for " + abs + ")",
         "create it or fix the path (relative to the YAML file's folder)");
  }
  if (!fs::is_directory(st)) {
    // Azure ML uploads a code file alone; here its folder is the snapshot (the file is in
    // it, at the working directory's top, as there; more files key reuse, never fewer).
    note_not_honoured(doc, e, path, "code file",
                      "code names a file ('" + text +
                          "'): the step's snapshot is the folder holding it (Azure ML uploads "
                          "the file alone)");
    return fs::path(abs).parent_path().string();
  }
  return abs;
}

std::string parse_environment(const YamlDoc& doc, const Entry& e, const std::string& path) {
  if (e.value.IsMap()) {
    auto es = entries(doc, e.value, path, "an inline environment");
    check_keys(doc, es, path,
               {"$schema", "name", "version", "description", "tags", "image", "conda_file", "build",
                "os_type", "inference_config", "properties", "datastore"});
    // Registered as an anonymous environment named after its definition (AssetLookups), so
    // the image and the conda file are part of the steps' fingerprints; without a workspace
    // (no lookup installed) the default interpreter stands in.
    const auto& make = current_asset_lookups().inline_environment;
    if (!make) return "";
    std::string image, conda_text;
    if (const Entry* i = find_entry(es, "image")) image = as_string(doc, *i, join(path, "image"));
    if (const Entry* c = find_entry(es, "conda_file")) {
      std::string cp = join(path, "conda_file");
      if (!c->value.IsScalar())
        fail(doc, c->value, cp, "conda_file must be the path of a conda environment file",
             "write the conda specification to a file (conda.yml) and give its path, relative "
             "to this YAML file's folder");
      std::string rel = as_string(doc, *c, cp);
      if (rel.rfind("file:", 0) == 0) rel = rel.substr(5);
      fs::path f(rel);
      if (f.is_relative()) f = fs::path(doc.base_dir) / f;
      std::error_code ec;
      if (!fs::is_regular_file(f, ec))
        fail(
            doc, c->value, cp,
            "conda file '" + rel + "' not found (looked for " + f.lexically_normal().string() + ")",
            "fix the path; it is relative to this YAML file's folder");
      conda_text = read_file(f.string());
    }
    if (image.empty() && conda_text.empty()) {
      if (const Entry* b = find_entry(es, "build"))
        note_not_honoured(doc, *b, path + ".build", "environment.build",
                          "a Docker build context is not built; the step runs with the default "
                          "interpreter");
      return "";
    }
    note_not_honoured(doc, e, path, "inline environment",
                      "the inline environment is not built (its image and conda file are "
                      "recorded and key reuse): steps run with the default interpreter; "
                      "runnel env create NAME --pip ... registers one that is built");
    try {
      return make(image, conda_text, loc_of(doc, e.value).to_string() + ": " + path);
    } catch (const Error& err) {
      fail(doc, e.value, path, err.what(), "fix the inline environment");
    }
  }
  return resolve_environment_name(doc, e.value, path, as_string(doc, e, path));
}

bool curated_environment(const Entry& e) {
  return e.value.IsScalar() && is_curated_environment_ref(e.value.Scalar());
}

Resources parse_resources(const YamlDoc& doc, const Entry& e, const std::string& path, Resources r,
                          std::vector<Entry>* bound) {
  if (e.value.IsNull()) return r;
  auto es = entries(doc, e.value, path, "a mapping such as {cpus: 4, memory: 8G}");
  check_keys(doc, es, path,
             {"instance_count", "instance_type", "shm_size", "properties", "docker_args",
              "locations", "max_instance_count", "cpus", "memory", "gpus", "time_limit"});
  for (const auto& x : es) {
    std::string p = join(path, x.name);
    if (bound && x.value.IsScalar() && x.value.Scalar().find("${{") != std::string::npos) {
      bound->push_back(x);
      continue;
    }
    if (x.name == "instance_type" || x.name == "shm_size" || x.name == "docker_args" ||
        x.name == "locations" || x.name == "max_instance_count")
      note_not_honoured(doc, x, p, "resources." + x.name,
                        "it describes Azure ML's VMs and containers; give cpus, memory, gpus or "
                        "a compute target instead");
    if (x.name == "instance_count") r.nodes = static_cast<int>(as_int(doc, x, p, 1));
    if (x.name == "cpus") r.cpus = static_cast<int>(as_int(doc, x, p, 1));
    if (x.name == "gpus") r.gpus = static_cast<int>(as_int(doc, x, p, 0));
    if (x.name == "memory" || x.name == "time_limit") {
      // One grammar for sizes and durations everywhere (core/units.h).
      std::string s = as_string(doc, x, p);
      try {
        if (x.name == "memory")
          r.memory_mb = parse_memory_mb(s, "");
        else
          r.time_limit_s = static_cast<int>(parse_time_limit_s(s, ""));
      } catch (const Error& err) {
        fail(doc, x.value, p, err.what(), "");
      }
    }
  }
  return r;
}

Distribution parse_distribution(const YamlDoc& doc, const Entry& e, const std::string& path,
                                std::vector<Entry>* bound) {
  Distribution d;
  if (e.value.IsNull()) return d;
  auto es = entries(doc, e.value, path,
                    "a mapping such as {type: pytorch, process_count_per_instance: 2}");
  const Entry* type = find_entry(es, "type");
  if (!type) {
    fail(doc, e.value, path, "the distribution has no type",
         "write type: pytorch, type: mpi or type: tensorflow");
  }
  d.type = as_string(doc, *type, join(path, "type"));
  for (auto& c : d.type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (d.type != "pytorch" && d.type != "mpi" && d.type != "tensorflow") {
    fail(doc, type->value, join(path, "type"), "unknown distribution type '" + d.type + "'",
         "runnel launches pytorch, mpi and tensorflow distributions");
  }
  if (d.type == "tensorflow") {
    check_keys(doc, es, path, {"type", "worker_count", "parameter_server_count"});
  } else {
    check_keys(doc, es, path, {"type", "process_count_per_instance"});
  }
  for (const auto& x : es) {
    std::string p = join(path, x.name);
    if (bound && x.name != "type" && x.value.IsScalar() &&
        x.value.Scalar().find("${{") != std::string::npos) {
      bound->push_back(x);
      continue;
    }
    if (x.name == "process_count_per_instance")
      d.process_count_per_instance = static_cast<int>(as_int(doc, x, p, 1));
    if (x.name == "worker_count") d.worker_count = static_cast<int>(as_int(doc, x, p, 1));
    if (x.name == "parameter_server_count")
      d.parameter_server_count = static_cast<int>(as_int(doc, x, p, 0));
  }
  return d;
}

StepOutput parse_output_decl(const YamlDoc& doc, const Entry& e, const std::string& path,
                             StepOutput out) {
  out.name = e.name;
  out.loc = loc_of(doc, e.key);
  check_port_name(doc, e, path, "output");
  if (e.value.IsNull()) return out;
  auto es = entries(doc, e.value, path, "an output declaration such as {type: uri_folder}");
  check_keys(
      doc, es, path,
      {"type", "mode", "path", "description", "name", "version", "is_control", "early_available"});
  for (const auto& x : es) {
    std::string p = join(path, x.name);
    if (x.name == "type") {
      out.type = parse_type(doc, x, p, true);
      std::string t = as_string(doc, x, p);
      out.register_model_type = is_model_type(t) ? t : "";
    }
    if (x.name == "mode") {
      std::string s = as_string(doc, x, p);
      auto m = parse_output_mode(s);
      if (!m) fail(doc, x.value, p, "unknown output mode '" + s + "'", "use rw_mount or upload");
      out.mode = *m;
    }
    // Registered when committed: a data asset, or a model for a model type.
    if (x.name == "name") out.register_name = as_string(doc, x, p);
    if (x.name == "version") {
      out.register_version = as_string(doc, x, p);
      if (out.register_version.find_first_not_of("0123456789") != std::string::npos ||
          out.register_version.empty() || out.register_version.size() > 8 ||
          std::stoi(out.register_version) < 1)
        fail(doc, x.value, p, "version '" + out.register_version + "' is not a whole number",
             "runnel numbers registered versions 1, 2, 3...; write version: 1 or leave it out");
    }
    if (x.name == "description") out.register_description = as_string(doc, x, p);
    if (x.name == "path" && !x.value.IsNull() &&
        !is_output_path_binding(as_string(doc, x, p))) {  // bindings: the caller's
      resolve_output_path(doc, x.value, p, as_string(doc, x, p), &out.datastore, &out.path);
    }
  }
  return out;
}

ComponentSpec parse_component(const YamlDoc& doc, const yaml::Node& node,
                              const std::string& prefix) {
  ComponentSpec c;
  c.doc = doc;
  c.key_prefix = prefix;
  auto es = entries(doc, node, prefix, "a command component");
  const Entry* type = find_entry(es, "type");
  if (type) {
    std::string t = as_string(doc, *type, join(prefix, "type"));
    if (t != "command") {
      fail(doc, type->value, join(prefix, "type"),
           "component type '" + t + "' is not supported here",
           t == "pipeline"
               ? "a pipeline component is used by a job of type: pipeline; write type: pipeline on "
                 "the job"
           : t == "parallel"
               ? "a parallel component is used by a job of type: parallel; write type: parallel "
                 "on the job"
               : "runnel runs command, parallel and pipeline components (type: command, type: "
                 "parallel, type: pipeline)");
    }
  }
  // The type first: a parallel or pipeline component has keys a command one does not. Other
  // keys are ignored with a warning, as az ml ignores them (azureml-examples'
  // 6a_tf_hello_world component has `compute:`); --strict makes them errors.
  warn_unknown_keys(doc, es, prefix,
                    {"$schema", "name", "version", "display_name", "description", "type", "tags",
                     "is_deterministic", "inputs", "outputs", "code", "environment", "command",
                     "resources", "environment_variables", "distribution", "properties"});
  for (const auto& x : es) {
    std::string p = join(prefix, x.name);
    read_common_entry(doc, x, p, &c);
    if (x.name == "command") {
      c.command = as_string(doc, x, p);
      c.key_locs["command"] = loc_of(doc, x.value);
    }
    if (x.name == "code") {
      c.code_dir = parse_code(doc, x, p);
      c.key_locs["code"] = loc_of(doc, x.value);
    }
    if (x.name == "environment") {
      c.environment = parse_environment(doc, x, p);
      c.environment_curated = curated_environment(x);
      c.has_environment = true;
      c.key_locs["environment"] = loc_of(doc, x.value);
    }
    if (x.name == "resources" || x.name == "distribution") {
      std::vector<Entry> bound;
      if (x.name == "resources")
        c.resources = parse_resources(doc, x, p, c.resources, &bound);
      else
        c.distribution = parse_distribution(doc, x, p, &bound);
      for (const auto& b : bound) c.field_bindings.emplace_back(x.name + "." + b.name, b);
    }
    if (x.name == "environment_variables") c.env_vars = as_string_map(doc, x, p);
  }
  if (c.command.empty()) {
    fail(doc, node, prefix.empty() ? "command" : prefix, "the component has no command",
         "add command: with the program to run, e.g. python train.py --data ${{inputs.data}}");
  }
  return c;
}

ComponentSpec parse_component_ports(const YamlDoc& doc, const std::vector<Entry>& es,
                                    const std::string& prefix) {
  ComponentSpec c;
  c.doc = doc;
  c.key_prefix = prefix;
  for (const auto& x : es) read_common_entry(doc, x, join(prefix, x.name), &c);
  return c;
}

ComponentFile read_component_file(const YamlDoc& doc, const Entry& e, const std::string& path,
                                  const std::string& ref) {
  // azureml:NAME:VERSION / @latest: the file stored by `runnel component create`.
  std::string rel = is_registered_component_ref(ref)
                        ? registered_component_file(doc, e.value, path, ref)
                    : ref.rfind("file:", 0) == 0 ? ref.substr(5)
                                                 : ref;
  fs::path p(rel);
  if (p.is_relative()) p = fs::path(doc.base_dir) / p;
  p = p.lexically_normal();
  std::error_code ec;
  if (!fs::exists(p, ec) || fs::is_directory(p, ec)) {
    fail(doc, e.value, path,
         "component file '" + ref + "' not found (looked for " + p.string() + ")",
         "fix the path; it is relative to the pipeline file's folder");
  }
  ComponentFile f;
  fs::path shown = fs::path(doc.file).parent_path() / rel;
  f.doc.file = fs::path(rel).is_absolute() ? rel : shown.lexically_normal().string();
  f.doc.base_dir = p.parent_path().string();
  f.doc.report = doc.report;
  std::string text;
  try {
    text = read_yaml_file(p.string(), f.doc.file);
  } catch (const Error& err) {
    fail(doc, e.value, path, std::string("component file: ") + err.what(), "");
  }
  f.root = parse_yaml(f.doc, text);
  if (!f.root.IsMap()) {
    fail(f.doc, f.root, "",
         "a component file must be a mapping with type: command or type: pipeline",
         "see the commandComponent schema (name, type, inputs, outputs, code, environment, "
         "command) or the pipelineComponent schema (name, type, inputs, outputs, jobs)");
  }
  f.type = "command";
  std::vector<Entry> top = entries(f.doc, f.root, "");
  if (const Entry* t = find_entry(top, "type")) f.type = as_string(f.doc, *t, "type");
  return f;
}

ComponentSpec load_component_file(const YamlDoc& doc, const Entry& e, const std::string& path,
                                  const std::string& ref) {
  ComponentFile f = read_component_file(doc, e, path, ref);
  return parse_component(f.doc, f.root, "");
}

const ComponentInput* PipelineComponentSpec::find_input(const std::string& n) const {
  return find_declared_input(inputs, n);
}

PipelineComponentSpec parse_pipeline_component(const YamlDoc& doc, const yaml::Node& node,
                                               const std::string& prefix) {
  PipelineComponentSpec c;
  c.doc = doc;
  c.key_prefix = prefix;
  auto es = entries(doc, node, prefix, "a pipeline component");
  check_keys(doc, es, prefix,
             {"$schema", "name", "version", "display_name", "description", "type", "tags",
              "is_deterministic", "inputs", "outputs", "jobs", "properties", "settings"});
  if (const Entry* type = find_entry(es, "type")) {
    std::string t = as_string(doc, *type, join(prefix, "type"));
    if (t != "pipeline") {
      fail(doc, type->value, join(prefix, "type"),
           "component type '" + t + "' is not a pipeline component",
           "a job of type: pipeline needs a component of type: pipeline (with jobs:)");
    }
  }
  for (const auto& x : es) {
    std::string p = join(prefix, x.name);
    if (x.name == "name") c.name = as_string(doc, x, p);
    if (x.name == "version") c.version = as_string(doc, x, p);
    if (x.name == "display_name") c.display_name = as_string(doc, x, p);
    read_declared_ports(doc, x, p, &c.inputs, &c.outputs, &c.output_has_mode);
  }
  const Entry* jobs = find_entry(es, "jobs");
  if (!jobs || jobs->value.IsNull() || (jobs->value.IsMap() && jobs->value.size() == 0)) {
    fail(doc, jobs ? jobs->key : node, join(prefix, "jobs"), "the pipeline component has no jobs",
         "add a 'jobs:' mapping of step names to jobs");
  }
  c.jobs = *jobs;
  return c;
}

void check_port_name(const YamlDoc& doc, const Entry& e, const std::string& path,
                     const std::string& what) {
  if (is_valid_name(e.name, false)) return;
  fail(doc, e.key, path,
       what + " name '" + e.name + "' has characters other than letters, digits, '_' and '-'",
       "rename the " + what);
}

}  // namespace runnel::internal
