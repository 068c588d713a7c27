#include "spec/yaml_loader.h"

#include <cctype>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "runnel/error.h"
#include "spec/command_template.h"
#include "spec/validate.h"
#include "spec/yaml_component.h"
#include "spec/yaml_init_finalize.h"
#include "spec/yaml_jobs.h"
#include "spec/yaml_pipeline_job.h"
#include "spec/yaml_refs.h"
#include "spec/yaml_util.h"

namespace runnel {

namespace fs = std::filesystem;
using namespace internal;

namespace {

ParentInput parse_parent_input(const YamlDoc& doc, const Entry& e, const std::string& path) {
  ParentInput pi;
  pi.name = e.name;
  pi.loc = loc_of(doc, e.key);
  pi.node = e.value;
  if (e.value.IsNull()) return pi;
  if (e.value.IsScalar()) {
    if (e.value.Scalar().find("${{") != std::string::npos) {
      fail(doc, e.value, path, "a pipeline input cannot hold a ${{...}} binding",
           "give a literal value or a data spec {type, path, mode}");
    }
    pi.type = infer_literal_type(e.value);
    pi.source = InputSource{};
    pi.source->value = literal_text(e.value);
    return pi;
  }
  auto es = entries(doc, e.value, path, "a literal value or a data spec {type, path, mode}");
  check_keys(doc, es, path,
             {"type", "path", "mode", "description", "default", "value", "optional", "datastore",
              "min", "max", "enum"});
  ComponentInput decl;  // reuse the typed checks of component inputs
  decl.name = e.name;
  decl.type = DataType::kUriFolder;
  bool model = false;
  if (const Entry* t = find_entry(es, "type")) {
    std::string s = as_string(doc, *t, join(path, "type"));
    model = is_model_type(s);
    auto dt = parse_yaml_type(s);
    if (!dt) {
      fail(doc, t->value, join(path, "type"), "unknown input type '" + s + "'",
           "use one of: uri_folder, uri_file, mltable, string, integer, number, boolean" +
               preview_type_note(s));
    }
    decl.type = *dt;
  }
  pi.type = decl.type;
  pi.model = model;
  if (const Entry* m = find_entry(es, "mode")) {
    std::string s = as_string(doc, *m, join(path, "mode"));
    pi.mode = parse_input_mode(s);
    if (!pi.mode) {
      fail(doc, m->value, join(path, "mode"), "unknown input mode '" + s + "'",
           "use ro_mount, download or direct (eval_mount or eval_download for an mltable)");
    }
  }
  const Entry* v = find_entry(es, "path");
  if (!v) v = find_entry(es, "value");
  if (!v) v = find_entry(es, "default");
  if (v && !v->value.IsNull()) {
    std::string text = as_string(doc, *v, join(path, v->name));
    if (is_data_type(decl.type)) {
      pi.source = resolve_data_path(doc, v->value, join(path, v->name), text, decl.type, model);
    } else {
      std::string problem = check_literal(decl, text);
      if (!problem.empty()) fail(doc, v->value, join(path, v->name), problem, "fix the value");
      pi.source = InputSource{};
      pi.source->value = literal_text(v->value);
    }
  }
  return pi;
}

class Loader {
 public:
  Loader(YamlDoc doc, const LoadOptions& options) : doc_(std::move(doc)) {
    report_.strict = options.strict;
    doc_.report = &report_;
  }

  PipelineSpec load(const std::string& text, const std::string& source_file) {
    yaml::Node root = parse_yaml(doc_, text);
    if (root.IsNull()) {
      fail(doc_, root, "", "the file is empty",
           "a pipeline file starts with 'type: pipeline' and has a 'jobs:' mapping");
    }
    auto es = entries(doc_, root, "", "a pipeline (a mapping with type: pipeline and jobs:)");
    p_.source_file = source_file;
    p_.base_dir = doc_.base_dir;
    const Entry* type = find_entry(es, "type");
    // Without type:, a job file with command: and no jobs: is a command job, as az ml reads it.
    const bool untyped_command = !type && find_entry(es, "command") && !find_entry(es, "jobs");
    if (!type && !untyped_command) {
      fail(doc_, root, "type", "the file has no 'type: pipeline'",
           "add 'type: pipeline' at the top; runnel runs pipeline-job files and command, sweep "
           "and parallel job files");
    }
    std::string t = untyped_command ? "command" : as_string(doc_, *type, "type");
    // A standalone job file (az ml job create -f job.yml with type: command, sweep or
    // parallel) runs as a pipeline of that one job.
    const bool single = t == "command" || t == "sweep" || t == "parallel";
    if (t != "pipeline" && !single) {
      fail(doc_, type->value, "type", "type is '" + t + "', not 'pipeline'",
           "runnel runs pipeline-job files (type: pipeline) and single command, sweep and "
           "parallel job files");
    }
    if (!single)
      check_keys(doc_, es, "",
                 {"$schema", "type", "name", "display_name", "description", "tags", "properties",
                  "experiment_name", "settings", "inputs", "outputs", "jobs", "compute", "identity",
                  "component"});
    for (const auto& x : es) {
      if (x.name == "name") p_.name = as_string(doc_, x, x.name);
      if (x.name == "display_name") p_.display_name = as_string(doc_, x, x.name);
      if (x.name == "description") p_.description = as_string(doc_, x, x.name);
      if (x.name == "experiment_name") p_.experiment_name = as_string(doc_, x, x.name);
      if (x.name == "tags") p_.tags = as_string_map(doc_, x, x.name);
      if (single) continue;  // the job's own keys: read as the job's below
      if (x.name == "properties" && !x.value.IsNull()) entries(doc_, x.value, x.name);
      if (x.name == "identity")
        note_not_honoured(doc_, x, x.name, "identity",
                          "steps run as the local (or Slurm) user; there is no managed identity");
      if (x.name == "compute") {
        p_.default_compute = resolve_compute_name(as_string(doc_, x, x.name));
        p_.default_compute_loc = loc_of(doc_, x.value);
        p_.default_compute_key = "compute";
      }
    }
    if (const Entry* s = find_entry(es, "settings"); s && !single) settings(*s);
    const Entry* jobs = find_entry(es, "jobs");
    if (single) {
      single_job(root, source_file);
    } else if (const Entry* c = find_entry(es, "component")) {
      if (jobs) {
        fail(doc_, jobs->key, "jobs", "the pipeline has both jobs: and component:",
             "keep one: jobs inline, or component: ./pipeline_component.yml");
      }
      from_component(es, *c);
    } else {
      read_inputs_outputs(es);
      if (!jobs || jobs->value.IsNull() || (jobs->value.IsMap() && jobs->value.size() == 0)) {
        fail(doc_, jobs ? jobs->key : root, "jobs", "the pipeline has no jobs",
             "add a 'jobs:' mapping of step names to command jobs");
      }
      JobLevel top(doc_, &p_, "", true, &index_);
      top.inputs = std::move(parent_inputs_);
      top.outputs = std::move(parent_outputs_);
      top.read_shapes(*jobs, "jobs");
      index_.build_positions(p_);
      top.bind();
    }
    expand_pipeline_run_after(index_, &p_);
    apply_init_finalize(init_finalize_, index_, &p_);
    validate_pipeline(p_);
    p_.load_messages = std::move(report_.messages);
    return std::move(p_);
  }

 private:
  // The whole document as the one job of the pipeline, named after the file (job.yml ->
  // step 'job'; characters a step name cannot hold become '_').
  void single_job(const yaml::Node& root, const std::string& source_file) {
    std::string name = fs::path(source_file).stem().string();
    for (char& ch : name)
      if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.'))
        ch = '_';
    if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) name = "job_" + name;
    JobLevel top(doc_, &p_, "", true, &index_);
    top.read_job(Entry{name, root, root}, "jobs");
    index_.build_positions(p_);
    top.bind();
    // The job's inputs are what `az ml job create -f job.yml --set inputs.lr=0.1` sets: each
    // one with a value is a parameter of the pipeline (the same name), bound to it. Values
    // (not names) are fingerprinted, so reuse is as before.
    for (StepSpec& st : p_.steps)
      for (StepInput& in : st.inputs) {
        if (!in.source || in.source->kind == InputSource::Kind::kStepOutput ||
            !in.source->parameter.empty())
          continue;
        add_parameter(in.name, in.type, *in.source, in.loc, false);
        in.source->parameter = in.name;
      }
  }

  void read_inputs_outputs(const std::vector<Entry>& es) {
    if (const Entry* in = find_entry(es, "inputs"); in && !in->value.IsNull()) {
      for (const auto& x : entries(doc_, in->value, "inputs", "a mapping of input names")) {
        ParentInput pi = parse_parent_input(doc_, x, "inputs." + x.name);
        // A pipeline input with a value is a parameter: set at submit, else this default.
        if (pi.source)
          add_parameter(x.name, pi.type.value_or(DataType::kString), *pi.source, pi.loc, pi.model);
        parent_inputs_[x.name] = std::move(pi);
      }
    }
    if (const Entry* out = find_entry(es, "outputs"); out && !out->value.IsNull()) {
      for (const auto& x : entries(doc_, out->value, "outputs", "a mapping of output names")) {
        StepOutput decl = parse_output_decl(doc_, x, "outputs." + x.name, StepOutput{});
        add_output(decl, has_key(doc_, x, "mode"));
      }
    }
  }

  void add_parameter(const std::string& name, DataType type, const InputSource& value,
                     const SourceLocation& loc, bool model) {
    PipelineParameterSpec pp;
    pp.name = name;
    pp.type = type;
    pp.model = model;
    pp.default_value = value;
    pp.loc = loc;
    p_.parameters.push_back(std::move(pp));
  }

  void add_output(const StepOutput& decl, bool has_mode) {
    PipelineOutputSpec po;
    po.name = decl.name;
    po.type = decl.type;
    po.datastore = decl.datastore;
    po.path = decl.path;
    po.loc = decl.loc;
    p_.outputs.push_back(po);
    parent_outputs_[decl.name] = ParentOutput{decl, has_mode};
  }

  // A pipeline job made from a pipeline component (top-level `component:`): the component's
  // jobs are the pipeline's, its inputs take the job's `inputs:` (these are the parameters)
  // and its outputs are the pipeline's, with the job's `outputs:` settings on top.
  void from_component(const std::vector<Entry>& es, const Entry& c) {
    std::string ref = c.value.IsScalar() ? c.value.Scalar() : "FILE";
    PipelineComponentSpec pc = load_pipeline_component(
        doc_, c, "component", nullptr,
        "a pipeline job's component: must be type: pipeline (with jobs:); for a command "
        "component write jobs: {NAME: {component: " +
            ref + "}}");
    std::vector<Entry> ins;
    if (const Entry* in = find_entry(es, "inputs"); in && !in->value.IsNull())
      ins = entries(doc_, in->value, "inputs", "a mapping of input names");
    check_declared(doc_, ins, "inputs", names_of(pc.inputs), "the pipeline component", "input");
    for (const auto& decl : pc.inputs) {
      ParentInput pi = declared_parent_input(decl);
      if (const Entry* x = find_entry(ins, decl.name)) {
        std::string path = "inputs." + x->name;
        ParentInput given = parse_parent_input(doc_, *x, path);
        pi.loc = given.loc;
        pi.node = given.node;
        if (given.mode) pi.mode = given.mode;
        if (given.source) {
          pi.source = given.source;
          bool literal = given.source->kind == InputSource::Kind::kLiteral;
          if (is_data_type(decl.type) && literal) {
            pi.source = resolve_data_path(doc_, x->value, path, given.source->value, decl.type);
          } else if (!is_data_type(decl.type)) {
            if (!literal)
              fail(doc_, x->value, path,
                   "input '" + x->name + "' has type " + data_type_name(decl.type) +
                       " but is given data",
                   "give a literal value");
            std::string problem = check_literal(decl, given.source->value);
            if (!problem.empty()) fail(doc_, x->value, path, problem, "fix the value");
          }
        }
      }
      if (pi.source) add_parameter(decl.name, decl.type, *pi.source, pi.loc, pi.model);
      parent_inputs_[decl.name] = std::move(pi);
    }
    std::vector<Entry> outs;
    if (const Entry* out = find_entry(es, "outputs"); out && !out->value.IsNull())
      outs = entries(doc_, out->value, "outputs", "a mapping of output names");
    check_declared(doc_, outs, "outputs", names_of(pc.outputs), "the pipeline component", "output");
    for (size_t k = 0; k < pc.outputs.size(); ++k) {
      StepOutput decl = pc.outputs[k];
      bool has_mode = pc.output_has_mode[k];
      if (const Entry* x = find_entry(outs, decl.name)) {
        decl = parse_output_decl(doc_, *x, "outputs." + x->name, decl);
        has_mode = has_mode || has_key(doc_, *x, "mode");
      }
      add_output(decl, has_mode);
    }
    JobLevel top(pc.doc, &p_, "", true, &index_);
    top.inputs = std::move(parent_inputs_);
    top.outputs = std::move(parent_outputs_);
    top.read_shapes(pc.jobs, join(pc.key_prefix, "jobs"));
    index_.build_positions(p_);
    top.bind();
  }

  void settings(const Entry& e) {
    if (e.value.IsNull()) return;
    auto es = entries(doc_, e.value, "settings");
    // Azure ML takes unknown settings with a warning (a typo such as default_datestore
    // still runs); so does runnel, and --strict makes it an error.
    warn_unknown_keys(doc_, es, "settings",
                      {"default_compute", "default_datastore", "continue_on_step_failure",
                       "force_rerun", "on_init", "on_finalize", "default_environment"});
    for (const auto& x : es) {
      std::string p = "settings." + x.name;
      if (x.name == "default_compute") {
        p_.default_compute = resolve_compute_name(as_string(doc_, x, p));
        p_.default_compute_loc = loc_of(doc_, x.value);
        p_.default_compute_key = p;
      }
      if (x.name == "default_datastore")
        p_.default_datastore = resolve_compute_name(as_string(doc_, x, p));
      if (x.name == "continue_on_step_failure") p_.continue_on_step_failure = as_bool(doc_, x, p);
      if (x.name == "force_rerun") p_.force_rerun = as_bool(doc_, x, p);
      if (x.name == "on_init" && !x.value.IsNull()) {
        init_finalize_.on_init = as_string(doc_, x, p);
        init_finalize_.on_init_loc = loc_of(doc_, x.value);
      }
      if (x.name == "on_finalize" && !x.value.IsNull()) {
        init_finalize_.on_finalize = as_string(doc_, x, p);
        init_finalize_.on_finalize_loc = loc_of(doc_, x.value);
      }
    }
  }

  YamlDoc doc_;
  PipelineSpec p_;
  std::map<std::string, ParentInput> parent_inputs_;
  std::map<std::string, ParentOutput> parent_outputs_;
  PipelineJobIndex index_;
  InitFinalizeSettings init_finalize_;
  LoadReport report_;
};

YamlDoc make_doc(const std::string& path) {
  YamlDoc doc;
  doc.file = path;
  doc.base_dir = fs::absolute(fs::path(path)).lexically_normal().parent_path().string();
  return doc;
}

// Loads with `doc`; a JSON type error (a value of a type no check above expected) becomes an
// invalid-argument error naming the file instead of an internal error.
PipelineSpec load_checked(YamlDoc doc, const LoadOptions& options, const std::string& text,
                          const std::string& abs_path) {
  try {
    return Loader(std::move(doc), options).load(text, abs_path);
  } catch (const nlohmann::json::type_error& e) {
    throw invalid_argument(abs_path + ": a value has a type runnel did not expect (" + e.what() +
                           "); check that names, modes and types are text and counts are "
                           "numbers. If Azure ML accepts this file, please report it");
  }
}

}  // namespace

PipelineSpec load_pipeline_yaml(const std::string& path, const LoadOptions& options) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    throw invalid_argument(path +
                           ": is a folder, not a pipeline file; give the path of the "
                           ".yml file");
  }
  if (!fs::exists(path, ec)) {
    throw invalid_argument(path + ": cannot read the pipeline file (no such file); check the path");
  }
  std::string text = read_yaml_file(path, path);
  return load_checked(make_doc(path), options, text,
                      fs::absolute(path).lexically_normal().string());
}

PipelineSpec load_pipeline_yaml_string(const std::string& text, const std::string& virtual_path,
                                       const LoadOptions& options) {
  return load_checked(make_doc(virtual_path), options, text,
                      fs::absolute(virtual_path).lexically_normal().string());
}

}  // namespace runnel
