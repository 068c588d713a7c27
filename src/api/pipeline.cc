// The C++ object model: PipelineData, steps and Pipeline, and their translation into the
// internal PipelineSpec that YAML files also become.
#include "runnel/pipeline.h"

#include <charconv>
#include <cstdio>
#include <functional>
#include <set>

#include "api/object_model.h"
#include "core/fs.h"
#include "core/units.h"
#include "data/column_types.h"
#include "data/dataset_state.h"
#include "data/file_match.h"
#include "runnel/error.h"
#include "spec/command_template.h"
#include "spec/pipeline_spec.h"
#include "spec/validate.h"

namespace runnel {

namespace {

struct StepHandle : Step {
  explicit StepHandle(std::shared_ptr<Step::State> s) { state_ = std::move(s); }
};

void register_outputs(const std::shared_ptr<Step::State>& st) {
  for (const auto& out : st->outputs) {
    if (out.is_input())
      throw invalid_argument("step '" + st->name + "': output '" + out.name() +
                             "' is an as_input() view; list the PipelineData itself in outputs");
    auto prev = out.state()->producer.lock();
    if (prev && prev != st)
      throw invalid_argument("PipelineData '" + out.name() + "' is an output of both step '" +
                             prev->name + "' and step '" + st->name +
                             "'; give each step its own PipelineData");
    out.state()->producer = st;
  }
}

// Declares `p` in `spec` (once; the same name with another default or type is refused).
void add_parameter(PipelineSpec* spec, const PipelineParameter& p, const std::string& where) {
  static const DataType kTypes[] = {DataType::kString, DataType::kInteger, DataType::kNumber,
                                    DataType::kBoolean};
  DataType t = kTypes[static_cast<int>(p.type())];
  for (const auto& q : spec->parameters)
    if (q.name == p.name()) {
      if (q.type != t || q.default_value.value != p.default_value())
        throw invalid_argument(where + ": PipelineParameter '" + p.name() +
                               "' is declared twice with different defaults ('" +
                               q.default_value.value + "' and '" + p.default_value() +
                               "'); use one PipelineParameter object");
      return;
    }
  PipelineParameterSpec ps;
  ps.name = p.name();
  ps.type = t;
  ps.default_value.kind = InputSource::Kind::kLiteral;
  ps.default_value.value = p.default_value();
  spec->parameters.push_back(std::move(ps));
}

}  // namespace

PipelineData::PipelineData(const std::string& name, std::optional<Datastore> datastore,
                           bool is_directory)
    : state_(std::make_shared<State>()) {
  state_->name = name;
  state_->datastore = datastore ? datastore->name() : "";
  state_->is_directory = is_directory;
}

const std::string& PipelineData::name() const { return state_->name; }

PipelineData PipelineData::as_input(const std::string& input_name) const {
  PipelineData view = *this;
  view.input_name_ = input_name.empty() ? state_->name : input_name;
  return view;
}

PipelineData PipelineData::as_download(const std::string& input_name) const {
  PipelineData view = as_input(input_name);
  view.download_ = true;
  return view;
}

PipelineData PipelineData::as_dataset_input(const std::string& input_name,
                                            const OutputDatasetOptions& options) const {
  PipelineData view = as_input(input_name);
  view.dataset_options_ = options;
  return view;
}

OutputFileDatasetConfig::OutputFileDatasetConfig(const std::string& name,
                                                 std::optional<Destination> destination)
    : PipelineData(name,
                   destination ? std::optional<Datastore>(destination->datastore) : std::nullopt) {
  if (destination) state()->destination_path = destination->path;
}

namespace {

// A copy of `d` with its own state, so that changing it leaves `d` and its copies as they
// were. Refused once a step holds `d` as an output: that step would not see the change.
OutputFileDatasetConfig changed_copy(const OutputFileDatasetConfig& d, const char* method,
                                     const std::function<void(PipelineData::State&)>& change) {
  if (auto producer = d.state()->producer.lock())
    throw invalid_argument("OutputFileDatasetConfig '" + d.name() + "'." + method +
                           "(): it is already an output of step '" + producer->name +
                           "'; call it before listing the output in the step's outputs");
  OutputFileDatasetConfig out = d;
  auto fresh = std::make_shared<PipelineData::State>(*d.state());
  change(*fresh);
  out.replace_state(std::move(fresh));
  return out;
}

}  // namespace

void OutputFileDatasetConfig::replace_state(std::shared_ptr<State> s) { set_state(std::move(s)); }

OutputFileDatasetConfig OutputFileDatasetConfig::as_upload(bool overwrite) const {
  return changed_copy(*this, "as_upload", [&](State& s) {
    s.mode = OutputMode::kUpload;
    s.overwrite = overwrite;
  });
}

OutputFileDatasetConfig OutputFileDatasetConfig::as_mount() const {
  return changed_copy(*this, "as_mount", [](State& s) {
    s.mode = OutputMode::kRwMount;
    s.overwrite = true;
  });
}

OutputFileDatasetConfig OutputFileDatasetConfig::register_on_complete(
    const std::string& name, const std::string& description,
    const std::map<std::string, std::string>& tags) const {
  return changed_copy(*this, "register_on_complete", [&](State& s) {
    s.register_name = name;
    s.register_description = description;
    s.register_tags = tags;
  });
}

OutputFileDatasetConfig OutputFileDatasetConfig::read_delimited_files() const {
  return changed_copy(*this, "read_delimited_files", [](State& s) { s.register_tabular = true; });
}

namespace {

// The spec form of `o` (header modes and column types by name), checked here so that a bad
// option fails when the pipeline is built, not when the consumer starts.
OutputDatasetRead output_dataset_read(const OutputDatasetOptions& o, const std::string& where) {
  using F = OutputDatasetOptions::Format;
  OutputDatasetRead r;
  r.format = o.format == F::kFiles       ? OutputDatasetRead::Format::kFiles
             : o.format == F::kDelimited ? OutputDatasetRead::Format::kDelimited
                                         : OutputDatasetRead::Format::kParquet;
  r.file_glob = o.file_glob;
  if (!r.file_glob.empty() &&
      (r.file_glob[0] == '/' || r.file_glob.find("..") != std::string::npos))
    throw invalid_argument(where + ": file pattern '" + r.file_glob +
                           "' must be relative to the output and stay inside it");
  const DelimitedOptions& d = o.delimited;
  if (o.format == F::kDelimited && d.separator.empty())
    throw invalid_argument(where + ": separator is empty; give the character between columns");
  r.separator = d.separator;
  r.header = internal::header_mode_name(d.header);
  r.include_path = d.include_path;
  r.partition_format = d.partition_format;
  internal::partition_keys(d.partition_format);  // validates
  for (const auto& [col, type] : d.set_column_types)
    r.set_column_types[col] = internal::column_type_name(type);
  r.support_multi_line = d.support_multi_line;
  if (o.format == F::kFiles && (!o.keep_columns.empty() || !o.drop_columns.empty()))
    throw invalid_argument(where +
                           ": keep_columns/drop_columns need a tabular read "
                           "(parse_delimited_files or parse_parquet_files)");
  r.keep_columns = o.keep_columns;
  r.drop_columns = o.drop_columns;
  if (o.format == F::kFiles && !o.random_splits.empty())
    throw invalid_argument(where +
                           ": random_split needs a tabular read "
                           "(parse_delimited_files or parse_parquet_files)");
  for (const auto& sp : o.random_splits) {
    if (!(sp.percentage > 0 && sp.percentage < 1))
      throw invalid_argument(where + ": random_split percentage " + std::to_string(sp.percentage) +
                             " must be strictly between 0 and 1 (the first part's share)");
    if (sp.seed < 0 || sp.seed > 0xffffffffLL)
      throw invalid_argument(where + ": random_split seed " + std::to_string(sp.seed) +
                             " must be between 0 and 4294967295");
    if (sp.part != 0 && sp.part != 1)
      throw invalid_argument(where + ": random_split part " + std::to_string(sp.part) +
                             " must be 0 (the rows picked) or 1 (the others)");
    r.random_splits.push_back({sp.percentage, sp.seed, sp.part});
  }
  return r;
}

// As Python's str(float) writes it (the SDK passes str(value) to the script): the shortest
// text that reads back as `v`, with ".0" on integral values (1.0, 0.1, 1e+20).
std::string double_text(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string text(buf, r.ptr);
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
  return text;
}

// A CommandStep destination as the engine keeps it: a registered datastore and a clean
// relative path inside it.
DatastoreDestination destination_of(const Workspace& ws, const std::string& step,
                                    const DataPath& d) {
  std::string where = "step '" + step + "': destinations: ";
  if (d.datastore.empty())
    throw invalid_argument(where + "'" + d.path +
                           "' is a local path; name a datastore path, DataPath(datastore, "
                           "\"path\")");
  std::string p = d.path;
  while (p.rfind("./", 0) == 0) p.erase(0, 2);
  while (!p.empty() && p.front() == '/') p.erase(0, 1);
  while (!p.empty() && p.back() == '/') p.pop_back();
  if (p == ".") p.clear();
  try {
    Datastore(ws, d.datastore).path(p);  // unknown datastore, `..` escapes
  } catch (const Error& e) {
    throw Error(e.code(), where + e.what());
  }
  return {d.datastore, p};
}
}  // namespace

Argument::Argument(double v) { value_ = double_text(v); }

PipelineParameter::PipelineParameter(std::string name, std::string default_value)
    : name_(std::move(name)), type_(Type::kString), default_(std::move(default_value)) {
  if (name_.empty()) throw invalid_argument("PipelineParameter: name is required");
}
PipelineParameter::PipelineParameter(std::string name, const char* default_value)
    : PipelineParameter(std::move(name), std::string(default_value ? default_value : "")) {}
PipelineParameter::PipelineParameter(std::string name, long default_value)
    : PipelineParameter(std::move(name), std::to_string(default_value)) {
  type_ = Type::kInteger;
}
PipelineParameter::PipelineParameter(std::string name, double default_value)
    : PipelineParameter(std::move(name), double_text(default_value)) {
  type_ = Type::kNumber;
}
PipelineParameter::PipelineParameter(std::string name, bool default_value)
    : PipelineParameter(std::move(name), std::string(default_value ? "True" : "False")) {
  type_ = Type::kBoolean;
}

const std::string& Step::name() const { return state_->name; }

// A cycle is refused here rather than left to validate(): the steps hold each other by
// shared_ptr, so a run_after cycle would also keep both alive forever (a leak).
void Step::run_after(const Step& other) {
  std::vector<const State*> todo{other.state().get()};
  std::set<const State*> seen;
  while (!todo.empty()) {
    const State* s = todo.back();
    todo.pop_back();
    if (s == state_.get())
      throw invalid_argument("run_after: step '" + other.name() + "' already runs after '" +
                             name() + "' (directly or through other steps); ordering '" + name() +
                             "' after it would make a cycle");
    if (!seen.insert(s).second) continue;
    for (const auto& r : s->run_after) todo.push_back(r.get());
  }
  state_->run_after.push_back(other.state());
}

PythonScriptStep::PythonScriptStep(Options o) {
  if (o.script_name.empty()) throw invalid_argument("PythonScriptStep: script_name is required");
  state_ = std::make_shared<State>();
  state_->kind = "python_script";
  state_->name = o.name.empty() ? o.script_name : o.name;
  state_->script_name = o.script_name;
  state_->arguments = std::move(o.arguments);
  state_->compute_target = o.compute_target;
  state_->runconfig = o.runconfig;
  state_->inputs = std::move(o.inputs);
  state_->outputs = std::move(o.outputs);
  state_->params = o.params;
  state_->source_directory = absolute_path(o.source_directory.empty() ? "." : o.source_directory);
  state_->allow_reuse = o.allow_reuse;
  state_->version = o.version;
  state_->hash_paths = o.hash_paths;
  register_outputs(state_);
}

CommandStep::CommandStep(Options o) {
  if (o.command.empty()) throw invalid_argument("CommandStep: command is required");
  state_ = std::make_shared<State>();
  state_->kind = "command";
  state_->name = o.name.empty() ? "command" : o.name;
  state_->command = o.command;
  state_->arguments = std::move(o.arguments);
  state_->compute_target = o.compute_target;
  state_->runconfig = o.runconfig;
  state_->inputs = std::move(o.inputs);
  state_->outputs = std::move(o.outputs);
  state_->params = o.params;
  state_->source_directory = o.source_directory.empty() ? "" : absolute_path(o.source_directory);
  state_->allow_reuse = o.allow_reuse;
  state_->version = o.version;
  state_->destinations = std::move(o.destinations);
  register_outputs(state_);
}

Pipeline::Pipeline(const Workspace& ws, const std::vector<Step>& steps, PipelineSettings settings)
    : ws_(ws), settings_(std::move(settings)) {
  // Every step the given ones depend on, dependencies first.
  std::set<Step::State*> seen;
  std::function<void(const std::shared_ptr<Step::State>&)> visit =
      [&](const std::shared_ptr<Step::State>& s) {
        if (!seen.insert(s.get()).second) return;
        for (const auto& in : s->inputs)
          if (auto* d = std::get_if<PipelineData>(&in.value()))
            if (auto p = d->state()->producer.lock()) visit(p);
        for (const auto& arg : s->arguments)
          if (auto* d = std::get_if<PipelineData>(&arg.value()))
            if (auto p = d->state()->producer.lock(); p && p != s) visit(p);
        for (const auto& r : s->run_after) visit(r);
        steps_.push_back(StepHandle(s));
      };
  for (const auto& s : steps) visit(s.state());
}

PipelineSpec Pipeline::to_spec() const {
  PipelineSpec spec;
  spec.default_compute = settings_.default_compute;
  spec.continue_on_step_failure = settings_.continue_on_step_failure;
  spec.force_rerun = settings_.force_rerun;
  spec.description = settings_.description;
  spec.base_dir = absolute_path(".");
  for (const Step& step : steps_) {
    const Step::State& s = *step.state();
    StepSpec st;
    st.name = s.name;
    st.kind = s.kind;
    st.code_dir = s.source_directory;
    st.compute = s.compute_target;
    st.environment = s.runconfig.environment;
    st.allow_reuse = s.allow_reuse;
    st.hash_paths = s.hash_paths;
    for (const DataPath& d : s.destinations)
      st.destinations.push_back(destination_of(ws_, s.name, d));
    st.params = s.params;
    if (!s.version.empty()) st.params["step.version"] = s.version;  // fingerprinted, not an env var
    for (const auto& [k, v] : s.params) st.env_vars["AML_PARAMETER_" + k] = v;
    for (const auto& [k, v] : s.runconfig.environment_variables) st.env_vars[k] = v;
    st.resources.nodes = s.runconfig.node_count;
    st.resources.cpus = s.runconfig.cpus;
    const std::string where = "step '" + s.name + "': runconfig.";
    st.resources.memory_mb = parse_memory_mb(s.runconfig.memory, where + "memory");
    st.resources.gpus = s.runconfig.gpus;
    st.resources.time_limit_s =
        static_cast<int>(parse_time_limit_s(s.runconfig.time_limit, where + "time_limit"));
    st.max_retries = s.runconfig.max_retries;
    if (s.runconfig.timeout_seconds < 0 || s.runconfig.max_retries < 0 || s.runconfig.cpus < 0 ||
        s.runconfig.gpus < 0 || s.runconfig.node_count < 0 || s.runconfig.parallel_workers < 0)
      throw invalid_argument(
          where +
          "timeout_seconds, max_retries, cpus, gpus, node_count and parallel_workers must not be "
          "negative (0 means the compute target's default)");
    st.timeout_s = s.runconfig.timeout_seconds;
    st.parallel_workers = s.runconfig.parallel_workers;
    if (!s.runconfig.distribution.empty()) {
      const RunConfiguration& rc = s.runconfig;
      if (rc.distribution != "pytorch" && rc.distribution != "mpi" &&
          rc.distribution != "tensorflow")
        throw invalid_argument(
            where + "distribution: unknown type '" + rc.distribution +
            "'; use PyTorchConfiguration, MpiConfiguration or TensorflowConfiguration");
      if (rc.process_count_per_node < 1 || rc.worker_count < 0 || rc.parameter_server_count < 0)
        throw invalid_argument(where +
                               "distribution: process_count_per_node must be at least 1, and "
                               "worker_count and parameter_server_count must not be negative");
      st.distribution = {rc.distribution, rc.process_count_per_node, rc.worker_count,
                         rc.parameter_server_count};
    }
    // Inputs: listed data plus data named only in the arguments.
    auto add_input = [&](const PipelineData& d) {
      std::string in_name = d.is_input() ? d.input_name() : d.name();
      if (const StepInput* seen = st.find_input(in_name)) {
        // The same data listed twice (inputs and arguments) is one input (the first listing's
        // read); two different dataset reads under one name (the two parts of a random_split)
        // would lose one of them.
        const auto& o = d.dataset_options();
        if (o && seen->as_dataset &&
            *seen->as_dataset !=
                output_dataset_read(*o, "step '" + s.name + "': input '" + in_name + "'"))
          throw invalid_argument("step '" + s.name + "': two inputs are named '" + in_name +
                                 "' but read the data differently; give each its own name "
                                 "(as_named_input(NAME) / as_input(NAME))");
        return;
      }
      StepInput in;
      in.name = in_name;
      in.type = d.state()->is_directory ? DataType::kUriFolder : DataType::kUriFile;
      InputSource src;
      src.kind = InputSource::Kind::kStepOutput;
      auto producer = d.state()->producer.lock();
      src.step = producer ? producer->name : "";
      src.output = d.name();
      in.source = src;
      if (d.is_download()) in.mode = InputMode::kDownload;
      if (const auto& o = d.dataset_options()) {
        in.mode = InputMode::kDirect;
        in.as_dataset = output_dataset_read(*o, "step '" + s.name + "': input '" + in_name + "'");
      }
      st.inputs.push_back(in);
    };
    auto is_own_output = [&](const PipelineData& d) {
      if (d.is_input()) return false;
      for (const auto& o : s.outputs)
        if (o.state() == d.state()) return true;
      return false;
    };
    auto add_dataset_input = [&](const DatasetConsumptionConfig& c) {
      if (st.find_input(c.name)) return;
      if (c.dataset.empty())
        throw invalid_argument(
            "step '" + st.name + "': input '" + c.name +
            "' is an unregistered dataset; register it first (dataset.register_dataset(ws, NAME))");
      StepInput in;
      in.name = c.name;
      bool tabular = c.definition_json.find("\"tabular\"") != std::string::npos;
      in.type = tabular ? DataType::kMltable : DataType::kUriFolder;
      auto mode = parse_input_mode(c.mode == "mount" ? "ro_mount" : c.mode);
      if (!mode)
        throw invalid_argument("step '" + st.name + "': input '" + c.name + "': unknown mode '" +
                               c.mode + "'; use as_download(), as_mount() or leave it direct");
      if (!c.path_on_compute.empty())
        throw invalid_argument(
            "step '" + st.name + "': input '" + c.name + "': path_on_compute '" +
            c.path_on_compute +
            "' is not supported: runnel places inputs in the step run's folder and passes "
            "their path in the arguments and environment; call as_download()/as_mount() "
            "without a path");
      in.mode = *mode;
      InputSource src;
      src.kind = InputSource::Kind::kDataset;
      src.dataset = c.dataset;
      src.version = c.version > 0 ? std::to_string(c.version) : "";
      in.source = src;
      st.inputs.push_back(in);
    };
    for (const auto& ref : s.inputs) {
      if (auto* d = std::get_if<PipelineData>(&ref.value()))
        add_input(*d);
      else
        add_dataset_input(std::get<DatasetConsumptionConfig>(ref.value()));
    }
    for (const auto& a : s.arguments) {
      if (auto* d = std::get_if<PipelineData>(&a.value()); d && !is_own_output(*d)) add_input(*d);
      if (auto* c = std::get_if<DatasetConsumptionConfig>(&a.value())) add_dataset_input(*c);
    }
    for (const auto& d : s.outputs) {
      const PipelineData::State& ds = *d.state();
      StepOutput out;
      out.name = d.name();
      out.type = ds.is_directory ? DataType::kUriFolder : DataType::kUriFile;
      out.datastore = ds.datastore;
      out.path = ds.destination_path;
      out.mode = ds.mode;
      if (!ds.overwrite && !ds.destination_path.empty() &&
          ds.destination_path.find("{run-id}") == std::string::npos)
        throw invalid_argument(
            "step '" + st.name + "': output '" + out.name + "': as_upload(overwrite=false) to '" +
            ds.destination_path +
            "': each commit replaces what is at that path; pass as_upload(true), or put "
            "{run-id} in the destination path so every run writes its own");
      out.register_name = ds.register_name;
      out.register_description = ds.register_description;
      out.register_tags = ds.register_tags;
      out.register_tabular = ds.register_tabular;
      st.outputs.push_back(out);
    }
    std::string cmd =
        s.kind == "python_script" ? "python " + shell_quote(s.script_name) : s.command;
    for (const auto& a : s.arguments) {
      if (auto* text = std::get_if<std::string>(&a.value())) {
        cmd += " " + shell_quote(*text);
      } else if (auto* pp = std::get_if<PipelineParameter>(&a.value())) {
        add_parameter(&spec, *pp, "step '" + s.name + "'");
        cmd += " ${{parameters." + pp->name() + "}}";
      } else if (auto* c = std::get_if<DatasetConsumptionConfig>(&a.value())) {
        cmd += " ${{inputs." + c->name + "}}";
      } else {
        const auto& d = std::get<PipelineData>(a.value());
        cmd += is_own_output(d) ? " ${{outputs." + d.name() + "}}"
                                : " ${{inputs." + (d.is_input() ? d.input_name() : d.name()) + "}}";
      }
    }
    st.command = cmd;
    for (const auto& r : s.run_after) st.run_after.push_back(r->name);
    spec.steps.push_back(std::move(st));
  }
  // Data consumed without a producer in this pipeline.
  for (const auto& st : spec.steps)
    for (const auto& in : st.inputs)
      if (in.source && in.source->kind == InputSource::Kind::kStepOutput && in.source->step.empty())
        throw invalid_argument("step '" + st.name + "': input '" + in.name + "' (PipelineData '" +
                               in.source->output +
                               "') is not an output of any step; list it in some step's outputs");
  validate_pipeline(spec);
  return spec;
}

std::vector<std::string> Pipeline::validate() const {
  try {
    PipelineSpec spec = to_spec();
    for (const auto& st : spec.steps)
      if (!st.code_dir.empty() && !is_directory(st.code_dir))
        return {"step '" + st.name + "': source_directory " + st.code_dir + " does not exist"};
  } catch (const Error& e) {
    return {e.what()};
  }
  return {};
}

}  // namespace runnel
