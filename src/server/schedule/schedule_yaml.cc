#include "server/schedule/schedule_yaml.h"

#include <filesystem>

#include "runnel/error.h"
#include "server/schedule/cron.h"
#include "server/schedule/recurrence.h"
#include "server/schedule/time_zone.h"
#include "spec/yaml_util.h"

using nlohmann::json;
namespace fs = std::filesystem;
namespace yaml = runnel::internal::yaml;
using runnel::internal::YamlDoc;

namespace runnel::schedule {

namespace {

// A plain scalar as YAML 1.2's core schema reads it; quoted scalars stay strings.
json scalar_json(const yaml::Node& n) {
  const std::string& s = n.Scalar();
  if (n.Tag() == "!") return s;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (!s.empty() &&
      (std::isdigit(static_cast<unsigned char>(s[0])) || s[0] == '-' || s[0] == '+')) {
    size_t pos = 0;
    try {
      long long v = std::stoll(s, &pos);
      if (pos == s.size()) return v;
      double d = std::stod(s, &pos);
      if (pos == s.size()) return d;
    } catch (const std::exception&) {
    }
  }
  return s;
}

struct Converter {
  YamlDoc doc;
  std::map<std::string, yaml::Node> nodes;  // dotted key path -> node (for error locations)

  json convert(const yaml::Node& n, const std::string& path) {
    nodes[path] = n;
    if (n.IsNull()) return nullptr;
    if (n.IsScalar()) return scalar_json(n);
    if (n.IsSequence()) {
      json a = json::array();
      size_t i = 0;
      for (auto it = n.begin(); it != n.end(); ++it, ++i) {
        yaml::Node item = *it;  // a sequence's item is the element itself
        a.push_back(convert(item, path + "[" + std::to_string(i) + "]"));
      }
      return a;
    }
    json o = json::object();
    for (auto it = n.begin(); it != n.end(); ++it) {
      auto item = *it;
      std::string key = item.first.Scalar();
      o[key] = convert(item.second, path.empty() ? key : path + "." + key);
    }
    return o;
  }

  // Rethrows a trigger error with the location of the key it names.
  [[noreturn]] void relocate(const std::string& message, const std::string& fallback) {
    std::string key = message.substr(0, message.find(':'));
    auto it = nodes.find(key);
    if (it == nodes.end()) it = nodes.find(fallback);
    const yaml::Node& n = it != nodes.end() ? it->second : nodes[""];
    std::string rest = message.substr(std::min(message.size(), key.size() + 2));
    internal::fail(doc, n, it != nodes.end() && it->first == key ? key : fallback, rest,
                   "see docs/api/openapi.json (ScheduleCreate) and README \"Schedules\"");
  }
};

json set_value_text(const std::string& v) {
  json j = json::parse(v, nullptr, false);
  if (!j.is_discarded() && !j.is_string()) return j;
  return v;
}

}  // namespace

json load_schedule_yaml(const std::string& path, const std::string& workspace_root,
                        const std::map<std::string, std::string>& overrides) {
  Converter c;
  c.doc.file = path;
  c.doc.base_dir = fs::absolute(path).parent_path().string();
  yaml::Node root = internal::parse_yaml(c.doc, internal::read_yaml_file(path, path));
  if (!root.IsMap())
    internal::fail(c.doc, root, "", "a schedule file is a mapping",
                   "start with `name:` and `trigger:`");
  json y = c.convert(root, "");
  for (const auto& [k, v] : overrides) {
    std::string ptr;
    for (char ch : k)
      ptr += ch == '.'   ? std::string("/")
             : ch == '~' ? std::string("~0")
             : ch == '/' ? std::string("~1")
                         : std::string(1, ch);
    try {
      y[json::json_pointer("/" + ptr)] = set_value_text(v);
    } catch (const json::exception&) {
      throw invalid_argument("--set " + k + "=" + v + ": '" + k +
                             "' does not name a key that can be set (e.g. trigger.interval)");
    }
  }
  static const char* const kKeys[] = {"$schema", "name",    "display_name", "description",
                                      "tags",    "trigger", "create_job",   "properties"};
  for (const auto& [k, v] : y.items())
    if (std::find(std::begin(kKeys), std::end(kKeys), k) == std::end(kKeys))
      internal::fail(c.doc, c.nodes[k], k, "unknown key",
                     "a schedule has $schema, name, display_name, description, tags, trigger, "
                     "create_job");
  if (!y.contains("name") || !y["name"].is_string())
    internal::fail(c.doc, root, "name", "required", "give the schedule a name");
  json body = {{"name", y["name"]}};
  for (const char* k : {"display_name", "description"})
    if (y.contains(k) && !y[k].is_null()) body[k] = y[k].is_string() ? y[k] : json(y[k].dump());
  if (y.contains("tags") && y["tags"].is_object()) {
    body["tags"] = json::object();
    for (const auto& [k, v] : y["tags"].items())
      body["tags"][k] = v.is_string() ? v : json(v.dump());
  }
  // trigger
  if (!y.contains("trigger") || !y["trigger"].is_object())
    internal::fail(
        c.doc, y.contains("trigger") ? c.nodes["trigger"] : root, "trigger", "required",
        "give `trigger: {type: recurrence, frequency: day, interval: 1}` or `{type: cron, "
        "expression: \"0 * * * *\"}`");
  json t = y["trigger"];
  std::string type = t.value("type", "");
  if (t.contains("timezone") && !t.contains("time_zone")) {
    t["time_zone"] = t["timezone"];
    t.erase("timezone");
    if (c.nodes.count("trigger.timezone"))
      c.nodes["trigger.time_zone"] = c.nodes["trigger.timezone"];
  }
  if (t.contains("pattern") && !t.contains("schedule")) {
    t["schedule"] = t["pattern"];
    t.erase("pattern");
  }
  try {
    if (type == "recurrence") {
      parse_recurrence(t, "trigger");
    } else if (type == "cron") {
      for (const auto& [k, v] : t.items())
        if (k != "type" && k != "expression" && k != "start_time" && k != "end_time" &&
            k != "time_zone")
          throw invalid_argument(
              "trigger." + k +
              ": unknown key; a cron trigger has expression, start_time, end_time, time_zone");
      if (!t.contains("expression") || !t["expression"].is_string())
        throw invalid_argument("trigger.expression: required (five fields, e.g. \"0 * * * *\")");
      cctz::time_zone tz = load_zone(t.value("time_zone", "UTC"), "trigger.time_zone");
      for (const char* k : {"start_time", "end_time"})
        if (t.contains(k) && !t[k].is_string())
          throw invalid_argument(std::string("trigger.") + k + ": must be YYYY-MM-DDThh:mm:ss");
        else if (t.contains(k))
          parse_civil_time(t[k], std::string("trigger.") + k, tz);
      Cron(t["expression"].get<std::string>(), t.value("time_zone", "UTC"));
    } else if (type == "data_change") {
      if (!t.contains("datastore") || !t["datastore"].is_string())
        throw invalid_argument("trigger.datastore: required for a data_change trigger");
    } else {
      throw invalid_argument("trigger.type: '" + type +
                             "' is not a trigger type; use recurrence or cron (or data_change)");
    }
  } catch (const Error& e) {
    c.relocate(e.what(), "trigger");
  }
  body["trigger"] = t;
  // create_job
  if (!y.contains("create_job") || y["create_job"].is_null())
    internal::fail(c.doc, root, "create_job", "required",
                   "name the pipeline to run: `create_job: ./pipeline.yml`");
  json job = y["create_job"];
  std::string job_path;
  json target;
  if (job.is_object() && job.contains("job") && job["job"].is_string()) {
    job_path = job["job"];
    if (job.contains("experiment_name")) body["experiment_name"] = job["experiment_name"];
    if (job.contains("inputs") && job["inputs"].is_object())
      body["pipeline_parameters"] = job["inputs"];
    if (job.contains("settings") && job["settings"].is_object())
      body["continue_on_step_failure"] = job["settings"].value("continue_on_step_failure", false);
  } else if (job.is_string()) {
    job_path = job;
  } else if (job.is_object() && job.contains("jobs")) {
    target = {{"type", "inline_job"}, {"yaml", job.dump()}};
    std::error_code ec;
    std::string rel = fs::relative(c.doc.base_dir, fs::canonical(workspace_root), ec).string();
    if (ec || rel.rfind("..", 0) == 0)
      internal::fail(c.doc, c.nodes["create_job"], "create_job",
                     "the schedule file lies outside the workspace",
                     "keep it inside " + workspace_root);
    target["base_dir"] = rel == "." ? "" : rel;
    if (job.contains("experiment_name")) body["experiment_name"] = job["experiment_name"];
  } else {
    internal::fail(
        c.doc, c.nodes["create_job"], "create_job", "not a pipeline file or pipeline job",
        "write `create_job: ./pipeline.yml`, `create_job: {job: ./pipeline.yml}` or an inline "
        "`type: pipeline` job with `jobs:`");
  }
  if (!job_path.empty()) {
    if (job_path.rfind("azureml:", 0) == 0)
      internal::fail(
          c.doc, c.nodes["create_job"], "create_job",
          "'" + job_path + "' names an existing job; runnel schedules run pipeline files",
          "write `create_job: ./pipeline.yml`");
    fs::path p =
        fs::path(job_path).is_absolute() ? fs::path(job_path) : fs::path(c.doc.base_dir) / job_path;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec))
      internal::fail(c.doc, c.nodes[job.is_string() ? "create_job" : "create_job.job"],
                     "create_job", "'" + job_path + "' is not a file",
                     "name the pipeline YAML, relative to this file");
    std::string rel = fs::relative(fs::canonical(p), fs::canonical(workspace_root), ec).string();
    if (ec || rel.rfind("..", 0) == 0)
      internal::fail(c.doc, c.nodes["create_job"], "create_job",
                     "'" + job_path + "' is outside the workspace",
                     "a server runs only files inside " + workspace_root);
    target = {{"type", "pipeline_file"}, {"path", rel}};
  }
  body["target"] = target;
  return body;
}

}  // namespace runnel::schedule
