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

json loc_json(const SourceLocation& l) {
  return json{{"file", l.file}, {"line", l.line}, {"column", l.column}};
}

SourceLocation loc_from(const json& j) {
  SourceLocation l;
  if (j.is_null()) return l;
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
  return json{{"format", output_dataset_format_name(r.format)},
              {"file_glob", r.file_glob},
              {"separator", r.separator},
              {"header", r.header},
              {"include_path", r.include_path},
              {"partition_format", r.partition_format},
              {"set_column_types", r.set_column_types},
              {"support_multi_line", r.support_multi_line},
              {"keep_columns", r.keep_columns},
              {"drop_columns", r.drop_columns}};
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
  o.loc = loc_from(j.value("loc", json()));
  return o;
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
  s.allow_reuse = j.value("allow_reuse", true);
  s.hash_paths = j.value("hash_paths", std::vector<std::string>{});
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

}  // namespace

json spec_to_json(const PipelineSpec& p) {
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
  for (const auto& pp : p.parameters)
    parameters.push_back(json{{"name", pp.name},
                              {"type", data_type_name(pp.type)},
                              {"default", source_json(pp.default_value)},
                              {"loc", loc_json(pp.loc)}});
  return json{{"format", 1},
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
              {"base_dir", p.base_dir}};
}

PipelineSpec spec_from_json(const json& j) {
  if (!j.is_object()) {
    throw invalid_argument("pipeline spec JSON: expected an object, found " +
                           std::string(j.type_name()) + "; pass the JSON written by spec_to_json");
  }
  try {
    PipelineSpec p;
    p.name = j.value("name", "");
    p.display_name = j.value("display_name", "");
    p.description = j.value("description", "");
    p.experiment_name = j.value("experiment_name", "");
    p.default_compute = j.value("default_compute", "");
    p.default_datastore = j.value("default_datastore", "");
    p.continue_on_step_failure = j.value("continue_on_step_failure", false);
    p.force_rerun = j.value("force_rerun", false);
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
      pp.default_value =
          source_from(pj.value("default", json::object()), "parameters.default.kind");
      pp.loc = loc_from(pj.value("loc", json()));
      p.parameters.push_back(std::move(pp));
    }
    p.source_file = j.value("source_file", "");
    p.base_dir = j.value("base_dir", "");
    return p;
  } catch (const json::exception& e) {
    throw invalid_argument(std::string("pipeline spec JSON: ") + e.what() +
                           "; the JSON was written by another runnel version or edited");
  }
}

}  // namespace runnel
