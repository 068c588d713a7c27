#include "engine/fingerprint.h"

#include <set>

#include "core/digest.h"
#include "core/fs.h"
#include "core/sha256.h"
#include "runnel/error.h"
#include "spec/command_template.h"
#include "spec/spec_json.h"
#include "store/metadata_store.h"

using nlohmann::json;

namespace runnel {

DataDigest digest_data(const std::string& path, StatCache* cache) {
  if (!path_exists(path)) throw not_found("data not found: " + path);
  TreeDigest t = digest_path(path, cache);
  DataDigest d;
  d.digest = t.digest.hex();
  d.file_count = t.file_count;
  if (t.files.size() <= kMaxListedFiles) {
    d.files = json::object();
    for (const auto& f : t.files)
      if (f.kind != EntryKind::kDirectory)
        d.files[f.path] = f.digest.hex() + (f.kind == EntryKind::kExecutable ? "+x" : "");
  }
  return d;
}

json data_digest_json(const DataDigest& d) { return {{"digest", d.digest}, {"files", d.files}}; }

namespace {

// Members that only explain, at any depth: per-file lists, source paths, package names.
bool explains_only(const std::string& k) {
  return k == "files" || k == "source" || k == "package_list" || k == "decision" ||
         k == "committed_outputs" || k == "destination_states";
}

// The components minus what only explains.
json essential(const json& c) {
  if (c.is_object()) {
    json out = json::object();
    for (const auto& [k, v] : c.items()) {
      if (explains_only(k)) continue;
      out[k] = essential(v);
    }
    return out;
  }
  if (c.is_array()) {
    json out = json::array();
    for (const auto& v : c) out.push_back(essential(v));
    return out;
  }
  return c;
}

std::string short_value(const json& v) {
  std::string s = v.is_string() ? v.get<std::string>() : v.dump();
  return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

// An environment's image for a change line; "none" when it had none.
std::string image_text(const json& v) { return v.is_string() ? short_value(v) : "none"; }

// "pytorch, 2 nodes x 4 processes", "tensorflow, 2 workers + 1 ps", "one process".
std::string distribution_text(const json& d) {
  if (!d.is_object()) return "one process";
  std::string type = d.value("type", "");
  if (type == "tensorflow")
    return type + ", " + std::to_string(d.value("worker_count", 0)) + " workers + " +
           std::to_string(d.value("parameter_server_count", 0)) + " ps";
  int nodes = d.value("instance_count", 1);
  return type + ", " + std::to_string(nodes) + (nodes == 1 ? " node" : " nodes") + " x " +
         std::to_string(d.value("process_count_per_instance", 1)) + " processes";
}

// "a.py (modified), b.py (added)" from two {path: digest} maps; "" if no lists.
std::string file_changes(const json& before, const json& after, size_t limit = 6) {
  if (!before.is_object() || !after.is_object()) return "";
  std::vector<std::string> parts;
  std::set<std::string> keys;
  for (const auto& [k, _] : before.items()) keys.insert(k);
  for (const auto& [k, _] : after.items()) keys.insert(k);
  for (const auto& k : keys) {
    bool b = before.contains(k), a = after.contains(k);
    if (b && a && before[k] == after[k]) continue;
    std::string what = !b ? "added" : !a ? "removed" : "modified";
    if (b && a) {
      std::string x = before[k].get<std::string>(), y = after[k].get<std::string>();
      if (x.substr(0, 64) == y.substr(0, 64)) what = "mode changed";
    }
    parts.push_back(k + " (" + what + ")");
  }
  std::string out;
  for (size_t i = 0; i < parts.size() && i < limit; ++i) out += (i ? ", " : "") + parts[i];
  if (parts.size() > limit) out += ", and " + std::to_string(parts.size() - limit) + " more";
  return out;
}

void diff_map(const std::string& what, const json& before, const json& after,
              std::vector<std::string>* out) {
  json b = before.is_object() ? before : json::object();
  json a = after.is_object() ? after : json::object();
  std::set<std::string> keys;
  for (const auto& [k, _] : b.items()) keys.insert(k);
  for (const auto& [k, _] : a.items()) keys.insert(k);
  for (const auto& k : keys) {
    if (!b.contains(k))
      out->push_back(what + " " + k + " added: " + short_value(a[k]));
    else if (!a.contains(k))
      out->push_back(what + " " + k + " removed (was " + short_value(b[k]) + ")");
    else if (b[k] != a[k])
      out->push_back(what + " " + k + " changed: " + short_value(b[k]) + " -> " +
                     short_value(a[k]));
  }
}

}  // namespace

namespace {

// SAX events of one JSON text; builds only the value of the top-level member `key`.
class MemberPicker : public nlohmann::json_sax<json> {
 public:
  explicit MemberPicker(const std::string& key) : key_(key) {}

  json result;
  bool root_is_object = false;

  // Outside the picked member nothing is built (no json value, no allocation): only the
  // depth is followed. Run for every step of a run (its decision), so it counts.
  bool null() override { return !picking_ || value(nullptr); }
  bool boolean(bool v) override { return !picking_ || value(v); }
  bool number_integer(number_integer_t v) override { return !picking_ || value(v); }
  bool number_unsigned(number_unsigned_t v) override { return !picking_ || value(v); }
  bool number_float(number_float_t v, const string_t&) override { return !picking_ || value(v); }
  bool string(string_t& v) override { return !picking_ || value(std::move(v)); }
  bool binary(binary_t& v) override {
    return !picking_ || value(json::binary(v));
  }  // never in text
  bool start_object(std::size_t) override {
    return picking_ || depth_ == 0 ? open(json::object()) : (++depth_, true);
  }
  bool start_array(std::size_t) override {
    return picking_ || depth_ == 0 ? open(json::array()) : (++depth_, true);
  }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool key(string_t& k) override {
    if (depth_ == 1) picking_ = k == key_;
    if (picking_ && depth_ > 1) pending_key_ = std::move(k);
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    failed = true;
    return false;
  }
  bool failed = false;
  bool done = false;  // the member was read; parsing stopped there

 private:
  // Places `v` where the picked value is being built (or drops it).
  json* place(json v) {
    if (!picking_) return nullptr;
    if (stack_.empty()) {
      result = std::move(v);
      return &result;
    }
    json& top = *stack_.back();
    if (top.is_array()) {
      top.push_back(std::move(v));
      return &top.back();
    }
    json& slot = top[pending_key_];
    slot = std::move(v);
    return &slot;
  }
  bool value(json v) {
    if (depth_ == 0) return true;  // a scalar document: not an object
    place(std::move(v));
    if (picking_ && depth_ == 1) {  // the member was a scalar: stop
      done = true;
      return false;
    }
    return true;
  }
  bool open(json v) {
    if (depth_ == 0) {
      root_is_object = v.is_object();
      ++depth_;
      return true;
    }
    if (json* p = place(std::move(v))) stack_.push_back(p);
    ++depth_;
    return true;
  }
  bool close() {
    --depth_;
    if (picking_ && depth_ >= 1 && !stack_.empty()) stack_.pop_back();
    if (picking_ && depth_ == 1) {  // the member's value is complete: stop
      done = true;
      return false;
    }
    return true;
  }

  const std::string& key_;
  int depth_ = 0;
  bool picking_ = false;
  std::string pending_key_;
  std::vector<json*> stack_;
};

}  // namespace

json json_member(const std::string& text, const std::string& key) {
  MemberPicker picker(key);
  json::sax_parse(text, &picker);
  if (!picker.done || picker.failed || !picker.root_is_object) return json();
  return std::move(picker.result);
}

void store_package_list(MetadataStore& store, const std::string& digest,
                        const std::vector<std::string>& packages) {
  std::string key = "packages:" + digest;
  if (store.get_value(key)) return;
  store.set_value(key, json(packages).dump());
}

void attach_package_lists(MetadataStore& store, json* c) {
  if (!c->is_object() || !c->contains("environment") || !(*c)["environment"].is_object()) return;
  json& env = (*c)["environment"];
  if (env.contains("package_list")) return;
  if (auto v = store.get_value("packages:" + env.value("packages", ""))) {
    json list = json::parse(*v, nullptr, false);
    if (list.is_array()) env["package_list"] = list;
  }
}

// Top-level components that only explain (the step kind, the unrendered command and the
// literal values substituted into it): the rendered command already holds what they mean,
// so a YAML command job and an SDK PythonScriptStep running the same command agree.
constexpr const char* kExplanationOnly[] = {"kind", "command_template", "literal_inputs"};

namespace {

// Appends what essential(c).dump() would be (minus the top-level members in `skip` too),
// without building that copy: the digest of every step of every run is made here.
class EssentialWriter {
 public:
  explicit EssentialWriter(std::string& out)
      : out_(out), leaf_(nlohmann::detail::output_adapter<char>(out), ' ') {}
  void write(const json& c, bool top) {
    if (c.is_object()) {
      out_ += '{';
      bool first = true;
      for (const auto& [k, v] : c.items()) {
        if (explains_only(k)) continue;
        if (top) {
          bool explains = false;
          for (const char* e : kExplanationOnly) explains = explains || k == e;
          if (explains) continue;
        }
        if (!first) out_ += ',';
        first = false;
        key(k);
        out_ += ':';
        write(v, false);
      }
      out_ += '}';
    } else if (c.is_array()) {
      out_ += '[';
      bool first = true;
      for (const auto& v : c) {
        if (!first) out_ += ',';
        first = false;
        write(v, false);
      }
      out_ += ']';
    } else {
      leaf_.dump(c, false, false, 0);
    }
  }

 private:
  void key(const std::string& k) { append_json_string(out_, k); }
  std::string& out_;
  nlohmann::detail::serializer<json> leaf_;
};

}  // namespace

std::string fingerprint_of(const json& components) {
  // sha256 of essential(components).dump() minus the explanation-only top-level members.
  std::string text;
  text.reserve(4096);
  EssentialWriter(text).write(components, components.is_object());
  return sha256_hex(text);
}

json fingerprint_components_of(MetadataStore& store, const StepRunRecord& r) {
  auto parsed = [](const std::string& text) {
    json j = text.empty() ? json() : json::parse(text, nullptr, false);
    return j.is_discarded() ? json() : j;
  };
  if (!r.fingerprint_json.empty() || r.status != StepStatus::kReused || r.reused_run_id.empty())
    return parsed(r.fingerprint_json);
  auto taken = store.get_step_run(r.reused_run_id);
  if (!taken) return json();
  json fp = parsed(taken->fingerprint_json);
  if (!fp.is_object()) return json();
  fp["decision"] = "reused run " + r.reused_run_id;
  return fp;
}

std::string collapse_command_space(const std::string& command) {
  std::string out;
  out.reserve(command.size());
  char quote = 0;
  bool pending_space = false;
  for (size_t i = 0; i < command.size(); ++i) {
    char ch = command[i];
    if (!quote && (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r')) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out += ' ';
      pending_space = false;
    }
    out += ch;
    if (quote) {
      if (ch == quote)
        quote = 0;
      else if (quote == '"' && ch == '\\' && i + 1 < command.size())
        out += command[++i];
    } else if (ch == '\'' || ch == '"') {
      quote = ch;
    } else if (ch == '\\' && i + 1 < command.size()) {
      out += command[++i];
    }
  }
  return out;
}

std::string literal_input_text(const StepInput& in) {
  // As written: the YAML loader gives a plain boolean Azure ML's text ("True", as Python's
  // str() prints it; spec/yaml_util.h literal_text) and the SDKs' PipelineParameter(True)
  // holds the same, so the two agree without rewriting here (a quoted "true" stays "true",
  // as it does on Azure ML).
  return in.source->value;
}

std::string fingerprint_command(const std::string& tmpl, const std::string& where,
                                const std::map<std::string, std::optional<std::string>>& literal) {
  std::string rendered =
      render_command(tmpl, where, [&](const Placeholder& ph) -> std::optional<std::string> {
        if (ph.kind == Placeholder::Kind::kOutput) return "${{outputs." + ph.name + "}}";
        auto it = literal.find(ph.name);
        if (it != literal.end()) return it->second;
        return "${{inputs." + ph.name + "}}";
      });
  return collapse_command_space(rendered);
}

std::vector<std::string> explain_changes(const json& before, const json& after) {
  std::vector<std::string> out;
  auto get = [](const json& j, const char* k) {
    return j.is_object() && j.contains(k) ? j[k] : json();
  };
  if (get(before, "v") != get(after, "v")) out.push_back("runnel's fingerprint format changed");
  // Code.
  json bc = get(before, "code"), ac = get(after, "code");
  if (get(bc, "digest") != get(ac, "digest")) {
    std::string files = file_changes(get(bc, "files"), get(ac, "files"));
    if (bc.is_null())
      out.push_back("code folder added");
    else if (ac.is_null())
      out.push_back("code folder removed");
    else
      out.push_back("code changed" + (files.empty() ? std::string() : ": " + files));
  }
  if (get(before, "hash_paths") != get(after, "hash_paths"))
    out.push_back("hash_paths content changed");
  // Command / arguments.
  // A literal input's new value changes the rendered command; when the template is the
  // same, name the inputs rather than the whole command.
  if (get(before, "command") != get(after, "command")) {
    json bt = get(before, "command_template");
    if (!bt.is_null() && bt == get(after, "command_template")) {
      json bl = get(before, "literal_inputs"), al = get(after, "literal_inputs");
      std::set<std::string> keys;
      if (bl.is_object())
        for (const auto& [k, _] : bl.items()) keys.insert(k);
      if (al.is_object())
        for (const auto& [k, _] : al.items()) keys.insert(k);
      for (const auto& k : keys) {
        json b = get(bl, k.c_str()), a = get(al, k.c_str());
        if (b != a)
          out.push_back("input '" + k + "' changed: " + short_value(b) + " -> " + short_value(a));
      }
    } else {
      out.push_back("command changed: " + short_value(get(before, "command")) + " -> " +
                    short_value(get(after, "command")));
    }
  }
  // Inputs.
  json bi = get(before, "inputs"), ai = get(after, "inputs");
  std::set<std::string> names;
  if (bi.is_object())
    for (const auto& [k, _] : bi.items()) names.insert(k);
  if (ai.is_object())
    for (const auto& [k, _] : ai.items()) names.insert(k);
  for (const auto& n : names) {
    json b = get(bi, n.c_str()), a = get(ai, n.c_str());
    if (b.is_null()) {
      out.push_back("input '" + n + "' added");
      continue;
    }
    if (a.is_null()) {
      out.push_back("input '" + n + "' removed");
      continue;
    }
    if (essential(b) == essential(a)) continue;
    if (b.contains("value") || a.contains("value")) {
      out.push_back("input '" + n + "' changed: " + short_value(get(b, "value")) + " -> " +
                    short_value(get(a, "value")));
      continue;
    }
    std::string files = file_changes(get(b, "files"), get(a, "files"));
    std::string src = a.contains("source") ? " (" + a["source"].get<std::string>() + ")" : "";
    out.push_back("input '" + n + "' content changed" + src +
                  (files.empty() ? std::string() : ": " + files));
  }
  // Environment.
  json be = get(before, "environment"), ae = get(after, "environment");
  if (essential(be) != essential(ae)) {
    if (get(be, "python") != get(ae, "python"))
      out.push_back("interpreter changed: " + short_value(get(be, "python")) + " -> " +
                    short_value(get(ae, "python")));
    if (get(be, "python_version") != get(ae, "python_version"))
      out.push_back("Python version changed: " + short_value(get(be, "python_version")) + " -> " +
                    short_value(get(ae, "python_version")));
    if (get(be, "packages") != get(ae, "packages")) {
      std::vector<std::string> parts;
      json bl = get(be, "package_list"), al = get(ae, "package_list");
      if (bl.is_array() && al.is_array()) {
        std::set<std::string> bs(bl.begin(), bl.end()), as(al.begin(), al.end());
        for (const auto& p : as)
          if (!bs.count(p)) parts.push_back("+" + p);
        for (const auto& p : bs)
          if (!as.count(p)) parts.push_back("-" + p);
      }
      std::string list;
      for (size_t i = 0; i < parts.size() && i < 6; ++i) list += (i ? " " : "") + parts[i];
      out.push_back("installed packages changed" + (list.empty() ? std::string() : ": " + list));
    }
    diff_map("environment variable", get(be, "variables"), get(ae, "variables"), &out);
    if (get(be, "image") != get(ae, "image"))
      out.push_back("container image changed: " + image_text(get(be, "image")) + " -> " +
                    image_text(get(ae, "image")));
    if (get(be, "conda_file") != get(ae, "conda_file")) out.push_back("conda file changed");
  }
  if (get(before, "deterministic") != get(after, "deterministic"))
    out.push_back(get(after, "deterministic").is_null()
                      ? "the step is deterministic now (is_deterministic / allow_reuse)"
                      : "the step is not deterministic (is_deterministic: false / "
                        "allow_reuse=False): its runs serve no other step");
  if (get(before, "destinations") != get(after, "destinations"))
    out.push_back("destinations written in place changed");
  diff_map("environment variable", get(before, "env_vars"), get(after, "env_vars"), &out);
  diff_map("parameter", get(before, "params"), get(after, "params"), &out);
  if (get(before, "outputs") != get(after, "outputs")) out.push_back("declared outputs changed");
  if (get(before, "distribution") != get(after, "distribution"))
    out.push_back("distribution changed: " + distribution_text(get(before, "distribution")) +
                  " -> " + distribution_text(get(after, "distribution")));
  return out;
}

}  // namespace runnel
