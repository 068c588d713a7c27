// The second pass over jobs (see yaml_jobs.h): input bindings and command placeholders.
#include <cctype>

#include "runnel/error.h"
#include "spec/command_template.h"
#include "spec/parameters.h"
#include "spec/yaml_jobs.h"
#include "spec/yaml_refs.h"

namespace runnel::internal {

namespace {

// What a job input's value resolved to before typing against a declaration.
struct Bound {
  std::optional<InputSource> source;
  std::optional<DataType> type;  // from the binding or the written type
  std::optional<InputMode> mode;
  bool explicit_type = false;
  bool explicit_mode = false;
  bool from_parent_without_value = false;
};

void resolve_binding(const JobContext& ctx, const StepSpec& s, const Binding& b,
                     const yaml::Node& node, const std::string& path, Bound* out) {
  const YamlDoc& doc = ctx.doc;
  if (b.kind == Binding::Kind::kParentInput) {
    auto it = ctx.inputs->find(b.name);
    if (it == ctx.inputs->end()) {
      std::vector<std::string> names;
      for (const auto& [n, _] : *ctx.inputs) names.push_back(n);
      fail(
          doc, node, path,
          "the pipeline has no input '" + b.name + "'" + did_you_mean(b.name, names),
          "declare it under the top-level inputs: (pipeline inputs are: " + name_list(names) + ")");
    }
    out->source = it->second.source;
    if (out->source && ctx.names_parameters) out->source->parameter = b.name;
    out->type = it->second.type;
    out->mode = it->second.mode;
    out->from_parent_without_value = !it->second.source.has_value();
  } else if (b.kind == Binding::Kind::kJobOutput) {
    std::string job = ctx.prefix + b.job;  // a sibling in the same pipeline (component)
    if (job == s.name) {
      fail(doc, node, path, "job '" + b.job + "' reads its own output '" + b.name + "'",
           "a job cannot depend on itself; bind the output of another job");
    }
    std::string step = job, output = b.name;
    if (ctx.pipeline_jobs) {
      auto pj = ctx.pipeline_jobs->find(job);
      if (pj != ctx.pipeline_jobs->end()) {  // a `type: pipeline` job: its inner producer
        auto o = pj->second.find(b.name);
        if (o == pj->second.end()) {
          std::vector<std::string> names;
          for (const auto& [n, _] : pj->second) names.push_back(n);
          fail(doc, node, path,
               "pipeline job '" + b.job + "' has no output '" + b.name + "'" +
                   did_you_mean(b.name, names),
               "its outputs are: " + name_list(names));
        }
        step = o->second.first;
        output = o->second.second;
      }
    }
    const StepSpec* up = nullptr;
    if (ctx.step_index) {
      auto it = ctx.step_index->find(step);
      if (it != ctx.step_index->end()) up = &ctx.pipeline->steps[it->second];
    } else {
      up = ctx.pipeline->find_step(step);
    }
    if (!up) {
      // The job being read has an empty name in the list while its inputs are resolved:
      // left out (it is the job the error is about).
      std::vector<std::string> jobs;
      for (std::string& n : names_of(ctx.pipeline->steps))
        if (!n.empty()) jobs.push_back(std::move(n));
      fail(doc, node, path, "there is no job '" + b.job + "'" + did_you_mean(b.job, jobs),
           "jobs are: " + name_list(jobs));
    }
    const StepOutput* o = up->find_output(output);
    if (!o) {
      fail(doc, node, path,
           "job '" + b.job + "' has no output '" + b.name + "'" +
               did_you_mean(b.name, names_of(up->outputs)),
           "its outputs are: " + name_list(names_of(up->outputs)));
    }
    InputSource src;
    src.kind = InputSource::Kind::kStepOutput;
    src.step = step;
    src.output = output;
    out->source = src;
    out->type = o->type;
  } else {
    fail(doc, node, path, "${{parent.outputs." + b.name + "}} cannot feed an input",
         "read another job's output with ${{parent.jobs.JOB.outputs.NAME}}");
  }
}

Bound read_value(const JobContext& ctx, const StepSpec& s, const Entry& e, const std::string& path,
                 const ComponentInput* decl) {
  const YamlDoc& doc = ctx.doc;
  Bound out;
  const yaml::Node& v = e.value;
  if (v.IsNull()) return out;
  if (v.IsScalar()) {
    if (auto b = parse_binding(doc, v, path, v.Scalar())) {
      resolve_binding(ctx, s, *b, v, path, &out);
    } else {
      out.source = InputSource{};
      out.source->value = literal_text(v);
      out.type = infer_literal_type(v);
    }
    return out;
  }
  if (!v.IsMap()) {
    fail(doc, v, path, "expected a value, a binding or a data spec, found a list",
         "write a literal, ${{parent.inputs.NAME}} or {type: uri_folder, path: ./data}");
  }
  auto es = entries(doc, v, path, "a data spec {type, path, mode}");
  check_keys(doc, es, path,
             {"type", "path", "mode", "description", "value", "default", "datastore", "optional"});
  bool model = false;
  if (const Entry* t = find_entry(es, "type")) {
    std::string ts = as_string(doc, *t, path + ".type");
    model = is_model_type(ts);
    auto dt = parse_yaml_type(ts);
    if (!dt) {
      fail(doc, t->value, path + ".type", "unknown input type '" + ts + "'",
           "use one of: uri_folder, uri_file, mltable, string, integer, number, boolean" +
               preview_type_note(ts));
    }
    out.type = *dt;
    out.explicit_type = true;
  }
  if (const Entry* m = find_entry(es, "mode")) {
    std::string ms = as_string(doc, *m, path + ".mode");
    out.mode = parse_input_mode(ms);
    if (!out.mode) {
      fail(doc, m->value, path + ".mode", "unknown input mode '" + ms + "'",
           "use ro_mount, download or direct (eval_mount or eval_download for an mltable)");
    }
    out.explicit_mode = true;
  }
  const Entry* p = find_entry(es, "path");
  if (!p) p = find_entry(es, "value");
  if (!p) p = find_entry(es, "default");
  if (!p || p->value.IsNull()) return out;
  std::string text = as_string(doc, *p, path + "." + p->name);
  if (auto b = parse_binding(doc, p->value, path + "." + p->name, text)) {
    Bound inner;
    resolve_binding(ctx, s, *b, p->value, path + "." + p->name, &inner);
    out.source = inner.source;
    out.from_parent_without_value = inner.from_parent_without_value;
    if (!out.explicit_type) out.type = inner.type;
    if (!out.explicit_mode) out.mode = inner.mode;
    return out;
  }
  DataType want = out.type ? *out.type : decl ? decl->type : DataType::kUriFolder;
  if (p->name == "path" || is_data_type(want)) {
    if (!is_data_type(want)) want = DataType::kUriFolder;
    out.source = resolve_data_path(doc, p->value, path + "." + p->name, text, want, model);
    if (!out.type) out.type = want;
  } else {
    out.source = InputSource{};
    out.source->value = literal_text(p->value);
  }
  return out;
}

StepInput type_input(const JobContext& ctx, const JobDraft& d, const Entry& e,
                     const ComponentInput* decl, Bound b) {
  const YamlDoc& doc = ctx.doc;
  std::string path = d.path + ".inputs." + e.name;
  StepInput in;
  in.name = e.name;
  in.loc = loc_of(doc, e.key);
  yaml::Node where = e.value.IsNull() ? e.key : e.value;
  if (decl) {
    in.type = decl->type;
    in.optional = decl->optional;
    if (!b.source && decl->default_value) b.source = decl->default_value;
  } else {
    in.type = b.type ? *b.type : DataType::kUriFolder;
    in.optional = !b.source.has_value();
  }
  if (b.source) {
    bool literal = b.source->kind == InputSource::Kind::kLiteral;
    if (!is_data_type(in.type) && !literal) {
      fail(doc, where, path,
           "input '" + e.name + "' has type " + data_type_name(in.type) + " but is bound to data",
           "bind a literal value or a pipeline input holding one");
    }
    if (is_data_type(in.type) && literal) {
      // A plain string given to a data input names its path, as in Azure ML.
      b.source = resolve_data_path(doc, where, path, b.source->value, in.type);
    }
    if (!is_data_type(in.type)) {
      ComponentInput check = decl ? *decl : ComponentInput{};
      check.name = e.name;
      check.type = in.type;
      std::string outside_enum;
      std::string problem = check_literal(
          check, b.source->value, doc.report && !doc.report->strict ? &outside_enum : nullptr);
      if (!outside_enum.empty())  // Azure ML runs it (azure-ai-ml does not check enum)
        doc.report->messages.push_back("warning: " + loc_of(doc, where).to_string() + ": " + path +
                                       ": " + outside_enum +
                                       " (Azure ML runs the job with it; --strict makes this an "
                                       "error)");
      if (!problem.empty()) {
        size_t semi = problem.find("; ");
        fail(doc, where, path, problem.substr(0, semi), problem.substr(semi + 2));
      }
    }
  } else if (decl && !decl->optional) {
    fail(doc, where, path,
         b.from_parent_without_value
             ? "input '" + e.name + "' is bound to a pipeline input that has no value"
             : "required input '" + e.name + "' has no value",
         "give it a value, or mark it optional: true in the component");
  }
  in.source = b.source;
  if (is_data_type(in.type)) {
    if (b.mode) {  // written on the job, else the pipeline input's
      in.mode = *b.mode;
    } else if (decl && decl->mode) {
      in.mode = *decl->mode;
    }
  }
  return in;
}

}  // namespace

BoundComponentInput bind_component_input(const JobContext& ctx, const JobDraft& d, const Entry& e,
                                         const ComponentInput& decl) {
  std::string path = d.path + ".inputs." + e.name;
  Bound b = read_value(ctx, d.step, e, path, &decl);
  std::optional<InputMode> mode = b.mode ? b.mode : decl.mode;
  return {type_input(ctx, d, e, &decl, std::move(b)), mode};
}

namespace {

// NAME when `text` is exactly ${{inputs.NAME}} (spaces allowed inside the braces), else "".
std::string own_input_ref(const std::string& text) {
  if (text.size() < 6 || text.compare(0, 3, "${{") != 0 || text.compare(text.size() - 2, 2, "}}"))
    return "";
  size_t b = 3, e = text.size() - 2;
  while (b < e && text[b] == ' ') ++b;
  while (e > b && text[e - 1] == ' ') --e;
  std::string inner = text.substr(b, e - b);
  if (inner.compare(0, 7, "inputs.") != 0 || inner.size() == 7) return "";
  std::string name = inner.substr(7);
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return "";
  return name;
}

// Whether the job's own `section:` mapping (resources, distribution) writes `key`, or, for
// distribution, is written at all (it replaces the component's whole distribution).
bool job_writes(const YamlDoc& doc, const JobDraft& d, const std::string& field) {
  std::string section = field.substr(0, field.find('.'));
  const Entry* x = find_entry(d.es, section);
  if (!x || x->value.IsNull()) return false;
  if (section == "distribution") return true;
  std::vector<Entry> es = entries(doc, x->value, d.path + "." + section);
  return find_entry(es, field.substr(section.size() + 1)) != nullptr;
}

}  // namespace

// Fields bound to ${{parent.inputs.X}}, or (resources and distribution counts) to the job's
// own ${{inputs.X}}: the value now, and the parameter it came from (StepSpec::field_refs) so
// that a value set at submit reaches the field too. After the job's inputs are bound.
void bind_job_fields(const JobContext& ctx, JobDraft* d) {
  StepSpec& s = d->step;
  struct Item {
    const YamlDoc* doc;
    std::string field;
    const Entry* e;
    std::string path;
  };
  std::vector<Item> items;
  if (d->component) {
    const ComponentSpec& c = *d->component;
    for (const auto& [field, e] : c.field_bindings)
      if (!job_writes(ctx.doc, *d, field))
        items.push_back({&c.doc, field, &e, join(c.key_prefix, field)});
  }
  for (const auto& [field, e] : d->field_bindings) {
    items.push_back(
        {&ctx.doc, field, &e,
         d->path + "." +
             (field.rfind("env:", 0) == 0 ? "environment_variables." + field.substr(4) : field)});
  }
  for (const Item& it : items) {
    const YamlDoc& doc = *it.doc;
    const Entry& e = *it.e;
    const std::string& path = it.path;
    const bool counts =
        it.field.rfind("resources.", 0) == 0 || it.field.rfind("distribution.", 0) == 0;
    std::optional<InputSource> value;
    std::string what;  // names the bound input in messages
    if (std::string own = own_input_ref(e.value.Scalar()); !own.empty() && counts) {
      const StepInput* in = s.find_input(own);
      if (!in) {
        fail(doc, e.value, path, "${{inputs." + own + "}} names no input of " + d->path,
             "declare input '" + own + "' and give it a value");
      }
      value = in->source;
      what = "input '" + own + "'";
    } else {
      // compute and environment_variables take the GA form only.
      auto b = parse_binding(doc, e.value, path, e.value.Scalar(), false);
      if (!b || b->kind != Binding::Kind::kParentInput || it.doc != &ctx.doc) {
        fail(doc, e.value, path,
             counts ? "only ${{parent.inputs.NAME}} or ${{inputs.NAME}} can be bound here"
                    : "only ${{parent.inputs.NAME}} can be bound here",
             "give a value, or bind an input holding one");
      }
      Bound v;
      resolve_binding(ctx, s, *b, e.value, path, &v);
      value = v.source;
      what = "pipeline input '" + b->name + "'";
    }
    if (!value || value->kind != InputSource::Kind::kLiteral) {
      fail(doc, e.value, path, value ? what + " holds data, not a value" : what + " has no value",
           "bind an input with a literal value (a name, a number, a size or a duration)");
    }
    try {
      apply_step_field(&s, it.field, value->value);
    } catch (const Error& err) {
      fail(doc, e.value, path, err.what(), "fix the input's value");
    }
    if (!value->parameter.empty()) s.field_refs[it.field] = value->parameter;
  }
}

void bind_job_inputs(const JobContext& ctx, JobDraft* d) {
  const YamlDoc& doc = ctx.doc;
  StepSpec& s = d->step;
  std::vector<Entry> ies;
  const Entry* ie = find_entry(d->es, "inputs");
  if (ie && !ie->value.IsNull()) {
    ies = entries(doc, ie->value, d->path + ".inputs", "a mapping of input names to values");
  }
  s.inputs.clear();
  if (!d->component) {
    for (const auto& e : ies) {
      std::string path = d->path + ".inputs." + e.name;
      check_port_name(doc, e, path, "input");
      s.inputs.push_back(type_input(ctx, *d, e, nullptr, read_value(ctx, s, e, path, nullptr)));
      s.key_locs["inputs." + e.name] = s.inputs.back().loc;
    }
    bind_job_fields(ctx, d);
    return;
  }
  const ComponentSpec& comp = *d->component;
  check_declared(doc, ies, d->path + ".inputs", names_of(comp.inputs), "the component", "input");
  for (const auto& decl : comp.inputs) {
    const Entry* e = find_entry(ies, decl.name);
    if (e) {
      std::string path = d->path + ".inputs." + e->name;
      s.inputs.push_back(type_input(ctx, *d, *e, &decl, read_value(ctx, s, *e, path, &decl)));
      s.key_locs["inputs." + decl.name] = s.inputs.back().loc;
      continue;
    }
    StepInput in;
    in.name = decl.name;
    in.type = decl.type;
    in.optional = decl.optional;
    in.loc = decl.loc;
    if (decl.mode) in.mode = *decl.mode;
    in.source = decl.default_value;
    if (!in.source && !decl.optional) {
      fail(doc, d->entry.key, d->path + ".inputs",
           "required input '" + decl.name + "' of component '" +
               (comp.name.empty() ? "(inline)" : comp.name) + "' is not bound",
           "add '" + decl.name + ": ...' under " + d->path +
               ".inputs, or give the input a default (or optional: true) in the component");
    }
    s.inputs.push_back(in);
    s.key_locs["inputs." + decl.name] = in.loc;
  }
  bind_job_fields(ctx, d);
}

void check_job_command(const JobDraft& d) {
  const StepSpec& s = d.step;
  const SourceLocation& loc = s.loc_of("command");
  std::string key = d.component
                        ? (d.component->key_prefix.empty() ? "command (component of " + d.path + ")"
                                                           : d.component->key_prefix + ".command")
                        : d.path + ".command";
  for (const Placeholder& ph : parse_placeholders(s.command, loc.to_string() + ": " + key)) {
    std::string where = d.component ? "the component's" : d.path;
    if (ph.kind == Placeholder::Kind::kParameter) continue;  // checked by validate_pipeline
    if (ph.kind == Placeholder::Kind::kOutput) {
      if (!s.find_output(ph.name)) {
        fail_at(loc, key,
                "${{outputs." + ph.name + "}} names no output of " + d.path +
                    did_you_mean(ph.name, names_of(s.outputs)),
                "declare it under " + where +
                    " outputs: (declared: " + name_list(names_of(s.outputs)) + ")");
      }
      continue;
    }
    const StepInput* in = s.find_input(ph.name);
    if (!in) {
      fail_at(loc, key,
              "${{inputs." + ph.name + "}} names no input of " + d.path +
                  did_you_mean(ph.name, names_of(s.inputs)),
              "declare it under " + where + " inputs: (declared: " + name_list(names_of(s.inputs)) +
                  ")");
    }
    if (!in->source && !ph.in_optional_block) {
      fail_at(loc, key,
              "input '" + ph.name + "' has no value in " + d.path +
                  " but the command uses it outside $[[ ... ]]",
              "bind it under " + d.path +
                  ".inputs, or wrap that part of the command in "
                  "$[[ ... ]] so it is dropped when unset");
    }
  }
}

}  // namespace runnel::internal
