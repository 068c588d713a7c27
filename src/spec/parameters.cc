#include "spec/parameters.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "core/units.h"
#include "runnel/error.h"
#include "spec/command_template.h"
#include "spec/validate.h"
#include "spec/yaml_refs.h"

using nlohmann::json;

namespace runnel {

namespace {

std::string names_of(const PipelineSpec& spec) {
  std::string out;
  for (const auto& p : spec.parameters) out += (out.empty() ? "" : ", ") + p.name;
  return out.empty() ? "none" : out;
}

// `cmd` with every ${{parameters.NAME}} replaced by the shell-quoted value of NAME.
std::string substitute(const std::string& cmd, const std::string& where,
                       const std::map<std::string, const PipelineParameterSpec*>& by_name) {
  std::string out;
  size_t pos = 0;
  for (const Placeholder& ph : parse_placeholders(cmd, where)) {
    if (ph.kind != Placeholder::Kind::kParameter) continue;
    auto it = by_name.find(ph.name);
    if (it == by_name.end())
      throw invalid_argument(where + ": ${{parameters." + ph.name +
                             "}} names no pipeline parameter (parameters: " +
                             std::string(by_name.empty() ? "none" : "see the pipeline") + ")");
    const PipelineParameterSpec& p = *it->second;
    if (is_data_type(p.type))
      throw invalid_argument(where + ": data parameter '" + p.name +
                             "' cannot be used in a command; bind it to a step input");
    out.append(cmd, pos, ph.offset - pos);
    out += shell_quote(p.default_value.value);
    pos = ph.offset + ph.length;
  }
  if (pos == 0) return cmd;
  out.append(cmd, pos, std::string::npos);
  return out;
}

}  // namespace

std::string parameter_text(const json& v, const std::string& field, const std::string& like) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) {
    bool lower = !like.empty() && std::islower(static_cast<unsigned char>(like[0]));
    return v.get<bool>() ? (lower ? "true" : "True") : (lower ? "false" : "False");
  }
  if (v.is_number_integer()) return v.dump();
  if (v.is_number_float()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v.get<double>());
    return buf;
  }
  throw invalid_argument(field + ": a parameter value is a string, a number or a boolean, not " +
                         std::string(v.type_name()));
}

void apply_parameters(PipelineSpec* spec, const ParameterValues& values, const std::string& where) {
  std::map<std::string, PipelineParameterSpec*> params;
  for (auto& p : spec->parameters) params[p.name] = &p;
  for (const auto& [name, v] : values) {
    auto it = params.find(name);
    if (it == params.end())
      throw invalid_argument(where + ": '" + name + "' is not a parameter of this pipeline (" +
                             "parameters: " + names_of(*spec) + ")");
    PipelineParameterSpec& p = *it->second;
    const std::string field = where + "." + name;
    if (!is_data_type(p.type)) {
      if (v.data)
        throw invalid_argument(field + ": parameter '" + name + "' is a " + data_type_name(p.type) +
                               ", not data; give a value");
      std::string problem = literal_type_problem(p.type, v.text);
      if (!problem.empty())
        throw invalid_argument(field + ": '" + v.text + "' " + problem + " (parameter '" + name +
                               "' is a " + data_type_name(p.type) + ")");
      p.default_value.kind = InputSource::Kind::kLiteral;
      p.default_value.value = v.text;
      continue;
    }
    if (v.data) {
      p.default_value = *v.data;
    } else {
      internal::YamlDoc doc{where, spec->base_dir};
      p.default_value =
          internal::resolve_data_path(doc, internal::yaml::Node(), field, v.text, p.type, p.model);
    }
    p.default_value.parameter.clear();
  }
  std::map<std::string, const PipelineParameterSpec*> by_name(params.begin(), params.end());
  for (auto& st : spec->steps) {
    for (auto& in : st.inputs) {
      if (!in.source || in.source->parameter.empty()) continue;
      auto it = params.find(in.source->parameter);
      if (it == params.end())
        throw invalid_argument("step '" + st.name + "': input '" + in.name + "' names parameter '" +
                               in.source->parameter + "', which the pipeline does not declare");
      std::string keep = in.source->parameter;
      in.source = it->second->default_value;
      in.source->parameter = keep;
    }
    for (const auto& [key, pname] : st.param_refs) {
      auto it = params.find(pname);
      if (it == params.end() || is_data_type(it->second->type))
        throw invalid_argument("step '" + st.name + "': params." + key + " names parameter '" +
                               pname + "', which is not a scalar parameter of the pipeline");
      st.params[key] = it->second->default_value.value;
      auto env = st.env_vars.find("AML_PARAMETER_" + key);
      if (env != st.env_vars.end()) env->second = it->second->default_value.value;
    }
    st.param_refs.clear();
    for (const auto& [field, pname] : st.field_refs) {
      auto it = params.find(pname);
      if (it == params.end() || is_data_type(it->second->type))
        throw invalid_argument("step '" + st.name + "': " + field + " names parameter '" + pname +
                               "', which is not a scalar parameter of the pipeline");
      try {
        apply_step_field(&st, field, it->second->default_value.value);
      } catch (const Error& e) {
        throw invalid_argument(where + "." + pname + ": step '" + st.name + "': " + e.what());
      }
    }
    if (st.command.find("${{") != std::string::npos)
      st.command = substitute(st.command, "step '" + st.name + "': command", by_name);
  }
}

void apply_step_field(StepSpec* s, const std::string& field, const std::string& value) {
  auto count = [&](int* out) {
    char* end = nullptr;
    long v = std::strtol(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0' || v < 0 || v > 1000000)
      throw invalid_argument(field + ": '" + value +
                             "' is not a count; give a whole number such as 2");
    *out = static_cast<int>(v);
  };
  if (field == "compute") {
    s->compute = internal::resolve_compute_name(value);
  } else if (field.rfind("env:", 0) == 0) {
    s->env_vars[field.substr(4)] = value;
  } else if (field == "resources.cpus") {
    count(&s->resources.cpus);
  } else if (field == "resources.gpus") {
    count(&s->resources.gpus);
  } else if (field == "resources.instance_count") {
    count(&s->resources.nodes);
  } else if (field == "resources.memory") {
    s->resources.memory_mb = parse_memory_mb(value, field);
  } else if (field == "resources.time_limit") {
    s->resources.time_limit_s = static_cast<int>(parse_time_limit_s(value, field));
  } else if (field == "distribution.process_count_per_instance") {
    count(&s->distribution.process_count_per_instance);
    if (s->distribution.process_count_per_instance < 1)
      throw invalid_argument(field + ": '" + value + "' is not a count; give 1 or more");
  } else if (field == "distribution.worker_count") {
    count(&s->distribution.worker_count);
  } else if (field == "distribution.parameter_server_count") {
    count(&s->distribution.parameter_server_count);
  } else if (field == "limits.timeout") {
    s->timeout_s = static_cast<int>(parse_time_limit_s(value, field));
  } else {
    throw invalid_argument(field + ": this field cannot be bound to a parameter");
  }
}

json parameters_json(const PipelineSpec& spec) {
  json out = json::array();
  for (const auto& p : spec.parameters) {
    json d;
    const InputSource& s = p.default_value;
    switch (s.kind) {
      case InputSource::Kind::kLiteral:
        d = s.value;
        break;
      case InputSource::Kind::kDatastorePath:
        d = {{"datastore", s.datastore}, {"path", s.path}};
        break;
      case InputSource::Kind::kDataset:
        d = {{"dataset", s.dataset}, {"version", s.version}};
        break;
      default:
        d = {{"path", s.path}};
    }
    out.push_back({{"name", p.name}, {"type", data_type_name(p.type)}, {"default", d}});
  }
  return out;
}

}  // namespace runnel
