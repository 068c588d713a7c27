#include "spec/spec_json.h"

#include "runnel/error.h"

namespace runnel {

using nlohmann::json;

namespace {

const char* source_kind_name(InputSource::Kind k) {
  switch (k) {
    case InputSource::Kind::kLiteral:
      return "literal";
    case InputSource::Kind::kLocalPath:
      return "local_path";
    case InputSource::Kind::kStepOutput:
      return "step_output";
    case InputSource::Kind::kDatastorePath:
      return "datastore_path";
    case InputSource::Kind::kDataset:
      return "dataset";
  }
  return "?";
}

// The pipeline file's path, while a spec is written or read on this thread: a location in
// that file is written as [line, column] (most are; the path once per location was most of
// the JSON's size, and the run record of every run holds it).
// Every field of these types is written by spec_to_json and SpecWriter and read by
// spec_from_json. A field added to one of them changes its size and stops the build here:
// add it to all three (and to SpecJson.TextIsTheDumpOfTheValue), then update the size.
static_assert(sizeof(PipelineSpec) == 568, "PipelineSpec changed: see the comment above");
static_assert(sizeof(StepSpec) == 848, "StepSpec changed: see the comment above");
static_assert(sizeof(StepInput) == 640, "StepInput changed: see the comment above");
static_assert(sizeof(StepOutput) == 360, "StepOutput changed: see the comment above");
static_assert(sizeof(InputSource) == 264, "InputSource changed: see the comment above");
static_assert(sizeof(PipelineOutputSpec) == 208, "PipelineOutputSpec changed: see above");
static_assert(sizeof(PipelineParameterSpec) == 344, "PipelineParameterSpec changed: see above");
static_assert(sizeof(OutputDatasetRead) == 272 && sizeof(DatastoreDestination) == 64,
              "OutputDatasetRead or DatastoreDestination changed: see the comment above");
static_assert(sizeof(Resources) == 32 && sizeof(Distribution) == 48, "see the comment above");

thread_local const std::string* tl_source_file = nullptr;

struct SourceFileScope {
  explicit SourceFileScope(const std::string* f) : previous(tl_source_file) { tl_source_file = f; }
  ~SourceFileScope() { tl_source_file = previous; }
  const std::string* previous;
};

json loc_json(const SourceLocation& l) {
  if (tl_source_file && l.file == *tl_source_file) return json::array({l.line, l.column});
  return json{{"file", l.file}, {"line", l.line}, {"column", l.column}};
}

SourceLocation loc_from(const json& j) {
  SourceLocation l;
  if (j.is_null()) return l;
  if (j.is_array()) {  // [line, column] in the pipeline file
    l.file = tl_source_file ? *tl_source_file : std::string();
    l.line = j.at(0).get<int>();
    l.column = j.at(1).get<int>();
    return l;
  }
  l.file = j.value("file", "");
  l.line = j.value("line", 0);
  l.column = j.value("column", 0);
  return l;
}

[[noreturn]] void bad(const std::string& field, const std::string& value) {
  throw invalid_argument("pipeline spec JSON: " + field + ": unknown value '" + value +
                         "'; the JSON was written by another runnel version or edited");
}

DataType type_from(const json& j, const char* field, DataType def) {
  if (!j.contains(field)) return def;
  std::string s = j.at(field).get<std::string>();
  auto t = parse_data_type(s);
  if (!t) bad(field, s);
  return *t;
}

json source_json(const InputSource& s) {
  json j{{"kind", source_kind_name(s.kind)},
         {"value", s.value},
         {"path", s.path},
         {"step", s.step},
         {"output", s.output},
         {"datastore", s.datastore},
         {"dataset", s.dataset},
         {"version", s.version}};
  if (!s.parameter.empty()) j["parameter"] = s.parameter;
  return j;
}

InputSource source_from(const json& s, const char* field) {
  InputSource src;
  std::string kind = s.value("kind", "literal");
  bool found = false;
  for (auto k :
       {InputSource::Kind::kLiteral, InputSource::Kind::kLocalPath, InputSource::Kind::kStepOutput,
        InputSource::Kind::kDatastorePath, InputSource::Kind::kDataset}) {
    if (kind == source_kind_name(k)) {
      src.kind = k;
      found = true;
    }
  }
  if (!found) bad(field, kind);
  src.value = s.value("value", "");
  src.path = s.value("path", "");
  src.step = s.value("step", "");
  src.output = s.value("output", "");
  src.datastore = s.value("datastore", "");
  src.dataset = s.value("dataset", "");
  src.version = s.value("version", "");
  src.parameter = s.value("parameter", "");
  return src;
}

}  // namespace

json output_dataset_read_json(const OutputDatasetRead& r) {
  json j{{"format", output_dataset_format_name(r.format)},
         {"file_glob", r.file_glob},
         {"separator", r.separator},
         {"header", r.header},
         {"include_path", r.include_path},
         {"partition_format", r.partition_format},
         {"set_column_types", r.set_column_types},
         {"support_multi_line", r.support_multi_line},
         {"keep_columns", r.keep_columns},
         {"drop_columns", r.drop_columns}};
  // Only when set, so that the fingerprints of reads without a split stay as they were.
  if (!r.random_splits.empty()) {
    j["random_split"] = json::array();
    for (const auto& sp : r.random_splits)
      j["random_split"].push_back(
          {{"percentage", sp.percentage}, {"seed", sp.seed}, {"part", sp.part}});
  }
  return j;
}

namespace {

OutputDatasetRead output_dataset_read_from(const json& j) {
  OutputDatasetRead r;
  std::string format = j.value("format", "delimited");
  auto f = parse_output_dataset_format(format);
  if (!f) bad("inputs.as_dataset.format", format);
  r.format = *f;
  r.file_glob = j.value("file_glob", "");
  r.separator = j.value("separator", ",");
  r.header = j.value("header", "all_files_same_headers");
  r.include_path = j.value("include_path", false);
  r.partition_format = j.value("partition_format", "");
  r.set_column_types = j.value("set_column_types", std::map<std::string, std::string>{});
  r.support_multi_line = j.value("support_multi_line", false);
  r.keep_columns = j.value("keep_columns", std::vector<std::string>{});
  r.drop_columns = j.value("drop_columns", std::vector<std::string>{});
  for (const auto& sp : j.value("random_split", json::array()))
    r.random_splits.push_back(
        {sp.value("percentage", 0.5), sp.value("seed", int64_t{0}), sp.value("part", 0)});
  return r;
}

json input_json(const StepInput& in) {
  json j{{"name", in.name},
         {"type", data_type_name(in.type)},
         {"mode", input_mode_name(in.mode)},
         {"optional", in.optional},
         {"loc", loc_json(in.loc)}};
  if (in.source) j["source"] = source_json(*in.source);
  if (in.as_dataset) j["as_dataset"] = output_dataset_read_json(*in.as_dataset);
  return j;
}

StepInput input_from(const json& j) {
  StepInput in;
  in.name = j.value("name", "");
  in.type = type_from(j, "type", DataType::kString);
  std::string mode = j.value("mode", "ro_mount");
  auto m = parse_input_mode(mode);
  if (!m) bad("inputs.mode", mode);
  in.mode = *m;
  in.optional = j.value("optional", false);
  in.loc = loc_from(j.value("loc", json()));
  if (j.contains("source") && !j.at("source").is_null())
    in.source = source_from(j.at("source"), "inputs.source.kind");
  if (j.contains("as_dataset") && !j.at("as_dataset").is_null())
    in.as_dataset = output_dataset_read_from(j.at("as_dataset"));
  return in;
}

json output_json(const StepOutput& o) {
  return json{{"name", o.name},
              {"type", data_type_name(o.type)},
              {"mode", output_mode_name(o.mode)},
              {"datastore", o.datastore},
              {"path", o.path},
              {"pipeline_output", o.pipeline_output},
              {"register_name", o.register_name},
              {"register_description", o.register_description},
              {"register_tags", o.register_tags},
              {"register_tabular", o.register_tabular},
              {"register_model_type", o.register_model_type},
              {"register_version", o.register_version},
              {"loc", loc_json(o.loc)}};
}

StepOutput output_from(const json& j) {
  StepOutput o;
  o.name = j.value("name", "");
  o.type = type_from(j, "type", DataType::kUriFolder);
  std::string mode = j.value("mode", "rw_mount");
  auto m = parse_output_mode(mode);
  if (!m) bad("outputs.mode", mode);
  o.mode = *m;
  o.datastore = j.value("datastore", "");
  o.path = j.value("path", "");
  o.pipeline_output = j.value("pipeline_output", "");
  o.register_name = j.value("register_name", "");
  o.register_description = j.value("register_description", "");
  o.register_tags = j.value("register_tags", std::map<std::string, std::string>{});
  o.register_tabular = j.value("register_tabular", false);
  o.register_model_type = j.value("register_model_type", "");
  o.register_version = j.value("register_version", "");
  o.loc = loc_from(j.value("loc", json()));
  return o;
}

json destinations_json(const std::vector<DatastoreDestination>& ds) {
  json out = json::array();
  for (const auto& d : ds) out.push_back({{"datastore", d.datastore}, {"path", d.path}});
  return out;
}

json step_json(const StepSpec& s) {
  json inputs = json::array(), outputs = json::array(), key_locs = json::object();
  for (const auto& i : s.inputs) inputs.push_back(input_json(i));
  for (const auto& o : s.outputs) outputs.push_back(output_json(o));
  for (const auto& [k, l] : s.key_locs) key_locs[k] = loc_json(l);
  json j{{"name", s.name},
         {"display_name", s.display_name},
         {"kind", s.kind},
         {"command", s.command},
         {"code_dir", s.code_dir},
         {"environment", s.environment},
         {"compute", s.compute},
         {"inputs", std::move(inputs)},
         {"outputs", std::move(outputs)},
         {"run_after", s.run_after},
         {"params", s.params},
         {"param_refs", s.param_refs},
         {"field_refs", s.field_refs},
         {"env_vars", s.env_vars},
         {"allow_reuse", s.allow_reuse},
         {"hash_paths", s.hash_paths},
         {"destinations", destinations_json(s.destinations)},
         {"resources",
          {{"cpus", s.resources.cpus},
           {"memory_mb", s.resources.memory_mb},
           {"gpus", s.resources.gpus},
           {"time_limit_s", s.resources.time_limit_s},
           {"nodes", s.resources.nodes}}},
         {"max_retries", s.max_retries},
         {"timeout_s", s.timeout_s},
         {"loc", loc_json(s.loc)},
         {"key_locs", std::move(key_locs)}};
  if (s.environment_curated) j["environment_curated"] = true;  // written only when set
  if (!s.distribution.type.empty()) {  // written only when set: most steps have none
    j["distribution"] = {{"type", s.distribution.type},
                         {"process_count_per_instance", s.distribution.process_count_per_instance},
                         {"worker_count", s.distribution.worker_count},
                         {"parameter_server_count", s.distribution.parameter_server_count}};
  }
  if (s.parallel_workers > 0) j["parallel_workers"] = s.parallel_workers;
  if (!s.tags.empty()) j["tags"] = s.tags;  // written only when set
  return j;
}

StepSpec step_from(const json& j) {
  StepSpec s;
  s.name = j.value("name", "");
  s.display_name = j.value("display_name", "");
  s.kind = j.value("kind", "command");
  s.command = j.value("command", "");
  s.code_dir = j.value("code_dir", "");
  s.environment = j.value("environment", "");
  s.environment_curated = j.value("environment_curated", false);
  s.compute = j.value("compute", "");
  for (const auto& i : j.value("inputs", json::array())) s.inputs.push_back(input_from(i));
  for (const auto& o : j.value("outputs", json::array())) s.outputs.push_back(output_from(o));
  s.run_after = j.value("run_after", std::vector<std::string>{});
  s.params = j.value("params", std::map<std::string, std::string>{});
  s.param_refs = j.value("param_refs", std::map<std::string, std::string>{});
  s.field_refs = j.value("field_refs", std::map<std::string, std::string>{});
  s.env_vars = j.value("env_vars", std::map<std::string, std::string>{});
  s.tags = j.value("tags", std::map<std::string, std::string>{});
  s.allow_reuse = j.value("allow_reuse", true);
  s.hash_paths = j.value("hash_paths", std::vector<std::string>{});
  for (const auto& d : j.value("destinations", json::array()))
    s.destinations.push_back({d.value("datastore", ""), d.value("path", "")});
  json r = j.value("resources", json::object());
  s.resources.cpus = r.value("cpus", 0);
  s.resources.memory_mb = r.value("memory_mb", int64_t{0});
  s.resources.gpus = r.value("gpus", 0);
  s.resources.time_limit_s = r.value("time_limit_s", 0);
  s.resources.nodes = r.value("nodes", 0);
  if (auto d = j.find("distribution"); d != j.end() && d->is_object()) {
    s.distribution.type = d->value("type", "");
    s.distribution.process_count_per_instance = d->value("process_count_per_instance", 1);
    s.distribution.worker_count = d->value("worker_count", 0);
    s.distribution.parameter_server_count = d->value("parameter_server_count", 0);
  }
  s.parallel_workers = j.value("parallel_workers", 0);
  s.max_retries = j.value("max_retries", 0);
  s.timeout_s = j.value("timeout_s", 0);
  s.loc = loc_from(j.value("loc", json()));
  const json key_locs = j.value("key_locs", json::object());
  for (const auto& [k, l] : key_locs.items()) s.key_locs[k] = loc_from(l);
  return s;
}

// spec_to_json(p).dump() written straight into a string, without the DOM: the run record
// of every run holds it (for a 1,000-step no-op run the DOM cost more than the YAML
// parse). Members are written in the DOM's order (sorted keys); strings are escaped by the
// library's own serializer. spec_json_test checks the two agree byte for byte.
class SpecWriter {
 public:
  explicit SpecWriter(std::string& out) : out_(out) {}

  void spec(const PipelineSpec& p) {
    open();
    text("base_dir", p.base_dir);
    flag("continue_on_step_failure", p.continue_on_step_failure);
    text("default_compute", p.default_compute);
    text("default_compute_key", p.default_compute_key);
    at("default_compute_loc", p.default_compute_loc);
    text("default_datastore", p.default_datastore);
    text("description", p.description);
    text("display_name", p.display_name);
    text("experiment_name", p.experiment_name);
    if (!p.finalize_steps.empty()) {  // written only when set
      key("finalize_steps");
      list(p.finalize_steps, [this](const std::string& r) { str(r); });
    }
    flag("force_rerun", p.force_rerun);
    num("format", 1);
    text("name", p.name);
    key("outputs");
    list(p.outputs, [this](const PipelineOutputSpec& o) {
      open();
      text("datastore", o.datastore);
      at("loc", o.loc);
      text("name", o.name);
      text("output", o.output);
      text("path", o.path);
      text("step", o.step);
      text("type", data_type_name(o.type));
      close();
    });
    key("parameters");
    list(p.parameters, [this](const PipelineParameterSpec& pp) {
      open();
      key("default");
      source(pp.default_value);
      at("loc", pp.loc);
      if (pp.model) flag("model", true);
      text("name", pp.name);
      text("type", data_type_name(pp.type));
      close();
    });
    text("source_file", p.source_file);
    key("steps");
    list(p.steps, [this](const StepSpec& st) { step(st); });
    strings("tags", p.tags);
    close();
  }

 private:
  void step(const StepSpec& s) {
    open();
    flag("allow_reuse", s.allow_reuse);
    text("code_dir", s.code_dir);
    text("command", s.command);
    text("compute", s.compute);
    key("destinations");
    list(s.destinations, [this](const DatastoreDestination& d) {
      open();
      text("datastore", d.datastore);
      text("path", d.path);
      close();
    });
    text("display_name", s.display_name);
    if (!s.distribution.type.empty()) {
      key("distribution");
      open();
      num("parameter_server_count", s.distribution.parameter_server_count);
      num("process_count_per_instance", s.distribution.process_count_per_instance);
      text("type", s.distribution.type);
      num("worker_count", s.distribution.worker_count);
      close();
    }
    strings("env_vars", s.env_vars);
    text("environment", s.environment);
    if (s.environment_curated) flag("environment_curated", true);
    strings("field_refs", s.field_refs);
    key("hash_paths");
    list(s.hash_paths, [this](const std::string& h) { str(h); });
    key("inputs");
    list(s.inputs, [this](const StepInput& in) {
      open();
      if (in.as_dataset) {  // rare: through the value
        key("as_dataset");
        out_ += output_dataset_read_json(*in.as_dataset).dump();
      }
      at("loc", in.loc);
      text("mode", input_mode_name(in.mode));
      text("name", in.name);
      flag("optional", in.optional);
      if (in.source) {
        key("source");
        source(*in.source);
      }
      text("type", data_type_name(in.type));
      close();
    });
    key("key_locs");
    open();
    for (const auto& [k, l] : s.key_locs) at(k, l);
    close();
    text("kind", s.kind);
    at("loc", s.loc);
    num("max_retries", s.max_retries);
    text("name", s.name);
    key("outputs");
    list(s.outputs, [this](const StepOutput& o) {
      open();
      text("datastore", o.datastore);
      at("loc", o.loc);
      text("mode", output_mode_name(o.mode));
      text("name", o.name);
      text("path", o.path);
      text("pipeline_output", o.pipeline_output);
      text("register_description", o.register_description);
      text("register_model_type", o.register_model_type);
      text("register_name", o.register_name);
      flag("register_tabular", o.register_tabular);
      strings("register_tags", o.register_tags);
      text("register_version", o.register_version);
      text("type", data_type_name(o.type));
      close();
    });
    if (s.parallel_workers > 0) {
      num("parallel_workers", s.parallel_workers);
    }
    strings("param_refs", s.param_refs);
    strings("params", s.params);
    key("resources");
    open();
    num("cpus", s.resources.cpus);
    num("gpus", s.resources.gpus);
    num("memory_mb", s.resources.memory_mb);
    num("nodes", s.resources.nodes);
    num("time_limit_s", s.resources.time_limit_s);
    close();
    key("run_after");
    list(s.run_after, [this](const std::string& r) { str(r); });
    if (!s.tags.empty()) strings("tags", s.tags);
    num("timeout_s", s.timeout_s);
    close();
  }
  void source(const InputSource& s) {
    open();
    text("dataset", s.dataset);
    text("datastore", s.datastore);
    text("kind", source_kind_name(s.kind));
    text("output", s.output);
    if (!s.parameter.empty()) {
      text("parameter", s.parameter);
    }
    text("path", s.path);
    text("step", s.step);
    text("value", s.value);
    text("version", s.version);
    close();
  }
  void loc(const SourceLocation& l) {
    if (tl_source_file && l.file == *tl_source_file) {
      out_ += '[';
      number(l.line);
      out_ += ',';
      number(l.column);
      out_ += ']';
      return;
    }
    open();
    num("column", l.column);
    text("file", l.file);
    num("line", l.line);
    close();
  }
  void map(const std::map<std::string, std::string>& m) {
    open();
    for (const auto& [k, v] : m) text(k, v);
    close();
  }
  template <typename T, typename F>
  void list(const std::vector<T>& v, F&& each) {
    out_ += '[';
    first_.push_back(true);
    for (const auto& x : v) {
      if (!first_.back()) out_ += ',';
      first_.back() = false;
      each(x);
    }
    first_.pop_back();
    out_ += ']';
  }
  void open() {
    out_ += '{';
    first_.push_back(true);
  }
  void close() {
    first_.pop_back();
    out_ += '}';
  }
  // Starts a member of the open object (or an element of the open list).
  void key(std::string_view k) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
    str(k);
    out_ += ':';
  }
  void str(std::string_view v) { append_json_string(out_, v); }
  void number(int64_t v) { out_ += std::to_string(v); }
  // One member of the open object: key and value.
  void text(std::string_view k, std::string_view v) {
    key(k);
    str(v);
  }
  void num(std::string_view k, int64_t v) {
    key(k);
    number(v);
  }
  void flag(std::string_view k, bool v) {
    key(k);
    boolean(v);
  }
  void strings(std::string_view k, const std::map<std::string, std::string>& m) {
    key(k);
    map(m);
  }
  void at(std::string_view k, const SourceLocation& l) {
    key(k);
    loc(l);
  }
  void boolean(bool v) { out_ += v ? "true" : "false"; }

  std::string& out_;
  std::vector<bool> first_;
};

}  // namespace

void append_json_string(std::string& out, std::string_view v) {
  for (unsigned char ch : v)
    if (ch < 0x20 || ch == '"' || ch == '\\' || ch >= 0x80) {  // the library's escaping
      out += json(std::string(v)).dump();
      return;
    }
  out += '"';
  out += v;
  out += '"';
}

std::string spec_to_json_text(const PipelineSpec& p) {
  SourceFileScope scope(&p.source_file);
  std::string out;
  out.reserve(1024 + p.steps.size() * 1024);
  SpecWriter(out).spec(p);
  return out;
}

json spec_to_json(const PipelineSpec& p) {
  SourceFileScope scope(&p.source_file);
  json steps = json::array(), outputs = json::array();
  for (const auto& s : p.steps) steps.push_back(step_json(s));
  for (const auto& o : p.outputs) {
    outputs.push_back(json{{"name", o.name},
                           {"type", data_type_name(o.type)},
                           {"step", o.step},
                           {"output", o.output},
                           {"datastore", o.datastore},
                           {"path", o.path},
                           {"loc", loc_json(o.loc)}});
  }
  json parameters = json::array();
  for (const auto& pp : p.parameters) {
    parameters.push_back(json{{"name", pp.name},
                              {"type", data_type_name(pp.type)},
                              {"default", source_json(pp.default_value)},
                              {"loc", loc_json(pp.loc)}});
    if (pp.model) parameters.back()["model"] = true;  // written only when set
  }
  json out{{"format", 1},
           {"name", p.name},
           {"display_name", p.display_name},
           {"description", p.description},
           {"experiment_name", p.experiment_name},
           {"default_compute", p.default_compute},
           {"default_datastore", p.default_datastore},
           {"continue_on_step_failure", p.continue_on_step_failure},
           {"force_rerun", p.force_rerun},
           {"tags", p.tags},
           {"steps", std::move(steps)},
           {"outputs", std::move(outputs)},
           {"parameters", std::move(parameters)},
           {"source_file", p.source_file},
           {"base_dir", p.base_dir},
           {"default_compute_loc", loc_json(p.default_compute_loc)},
           {"default_compute_key", p.default_compute_key}};
  if (!p.finalize_steps.empty()) out["finalize_steps"] = p.finalize_steps;  // written only when set
  return out;
}

PipelineSpec spec_from_json(const json& j) {
  if (!j.is_object()) {
    throw invalid_argument("pipeline spec JSON: expected an object, found " +
                           std::string(j.type_name()) + "; pass the JSON written by spec_to_json");
  }
  try {
    PipelineSpec p;
    p.source_file = j.value("source_file", "");
    SourceFileScope scope(&p.source_file);
    p.name = j.value("name", "");
    p.display_name = j.value("display_name", "");
    p.description = j.value("description", "");
    p.experiment_name = j.value("experiment_name", "");
    p.default_compute = j.value("default_compute", "");
    p.default_datastore = j.value("default_datastore", "");
    p.continue_on_step_failure = j.value("continue_on_step_failure", false);
    p.force_rerun = j.value("force_rerun", false);
    p.finalize_steps = j.value("finalize_steps", std::vector<std::string>{});
    p.tags = j.value("tags", std::map<std::string, std::string>{});
    for (const auto& s : j.value("steps", json::array())) p.steps.push_back(step_from(s));
    for (const auto& o : j.value("outputs", json::array())) {
      PipelineOutputSpec po;
      po.name = o.value("name", "");
      po.type = type_from(o, "type", DataType::kUriFolder);
      po.step = o.value("step", "");
      po.output = o.value("output", "");
      po.datastore = o.value("datastore", "");
      po.path = o.value("path", "");
      po.loc = loc_from(o.value("loc", json()));
      p.outputs.push_back(po);
    }
    for (const auto& pj : j.value("parameters", json::array())) {
      PipelineParameterSpec pp;
      pp.name = pj.value("name", "");
      pp.type = type_from(pj, "type", DataType::kString);
      pp.model = pj.value("model", false);
      pp.default_value =
          source_from(pj.value("default", json::object()), "parameters.default.kind");
      pp.loc = loc_from(pj.value("loc", json()));
      p.parameters.push_back(std::move(pp));
    }
    p.base_dir = j.value("base_dir", "");
    p.default_compute_loc = loc_from(j.value("default_compute_loc", json()));
    p.default_compute_key = j.value("default_compute_key", p.default_compute_key);
    return p;
  } catch (const json::exception& e) {
    throw invalid_argument(std::string("pipeline spec JSON: ") + e.what() +
                           "; the JSON was written by another runnel version or edited");
  }
}

}  // namespace runnel
