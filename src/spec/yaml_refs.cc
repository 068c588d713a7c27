#include "spec/yaml_refs.h"

#include <cctype>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "runnel/error.h"
#include "spec/registered_refs.h"

namespace runnel::internal {

namespace fs = std::filesystem;

namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// "NAME:VERSION", "NAME@latest" or "NAME" -> name and version ("" = latest).
void split_versioned(const std::string& ref, std::string* name, std::string* version) {
  size_t at = ref.find('@');
  size_t colon = ref.find(':');
  if (at != std::string::npos) {
    *name = ref.substr(0, at);
    std::string label = ref.substr(at + 1);
    *version = label == "latest" ? "" : label;
  } else if (colon != std::string::npos) {
    *name = ref.substr(0, colon);
    *version = ref.substr(colon + 1);
  } else {
    *name = ref;
    version->clear();
  }
}

std::string strip_trailing_slashes(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

// The reference forms below are scanned by hand, in one linear pass each, so that a
// value of any size is handled in bounded stack and time (std::regex recursed per
// character and overflowed the stack on a 50 KB path).

constexpr std::string_view kAzureml = "azureml://";

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// The '/'-separated segments of `s` (empty segments kept).
std::vector<std::string_view> segments(std::string_view s) {
  std::vector<std::string_view> out;
  size_t b = 0;
  while (true) {
    size_t e = s.find('/', b);
    out.push_back(s.substr(b, e == std::string_view::npos ? std::string_view::npos : e - b));
    if (e == std::string_view::npos) return out;
    b = e + 1;
  }
}

// azureml://[...]/datastores/<ds>/paths/<p>: the last "datastores/<ds>/paths/" that starts
// a segment wins, as the greedy pattern of Azure's docs reads it.
bool split_datastore_uri(std::string_view text, std::string* datastore, std::string* path) {
  if (text.substr(0, kAzureml.size()) != kAzureml) return false;
  std::string_view rest = text.substr(kAzureml.size());
  constexpr std::string_view kDs = "datastores/", kPaths = "/paths/";
  size_t pos = rest.size();
  while (pos > 0) {
    size_t at = rest.rfind(kDs, pos - 1);
    if (at == std::string_view::npos) return false;
    pos = at;
    if (at != 0 && rest[at - 1] != '/') continue;
    size_t name_begin = at + kDs.size();
    size_t slash = rest.find('/', name_begin);
    if (slash == std::string_view::npos || slash == name_begin) continue;
    if (rest.substr(slash, kPaths.size()) != kPaths) continue;
    *datastore = std::string(rest.substr(name_begin, slash - name_begin));
    *path = std::string(rest.substr(slash + kPaths.size()));
    return true;
  }
  return false;
}

// azureml://[...]/<kind>/NAME[/(versions|labels)/V][/]: NAME and, for versions/V, V.
// `version_required` asks for the versions|labels part.
bool split_asset_uri(std::string_view text, std::string_view kind, bool version_required,
                     std::string* name, std::string* version) {
  if (text.substr(0, kAzureml.size()) != kAzureml) return false;
  std::string_view rest = text.substr(kAzureml.size());
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  std::vector<std::string_view> seg = segments(rest);
  size_t n = seg.size();
  if (n >= 4 && seg[n - 4] == kind && !seg[n - 3].empty() &&
      (seg[n - 2] == "versions" || seg[n - 2] == "labels") && !seg[n - 1].empty()) {
    *name = std::string(seg[n - 3]);
    *version = seg[n - 2] == "versions" ? std::string(seg[n - 1]) : "";
    return true;
  }
  if (!version_required && n >= 2 && seg[n - 2] == kind && !seg[n - 1].empty()) {
    *name = std::string(seg[n - 1]);
    version->clear();
    return true;
  }
  return false;
}

// "scheme://..." with an RFC 3986 scheme name: the scheme, else "".
std::string_view uri_scheme(std::string_view text) {
  if (text.empty() || !std::isalpha(static_cast<unsigned char>(text[0]))) return {};
  size_t i = 1;
  while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '+' ||
                             text[i] == '.' || text[i] == '-'))
    ++i;
  return text.substr(i, 3) == "://" ? text.substr(0, i) : std::string_view{};
}

bool is_port_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

bool all_of(std::string_view s, bool allow_dot) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_port_char(c) && !(allow_dot && c == '.')) return false;
  return true;
}

// An Azure Blob URL: wasb[s]://CONTAINER@ACCOUNT.blob.<suffix>/PATH or
// http[s]://ACCOUNT.blob.<suffix>/CONTAINER/PATH (suffix core.windows.net or a sovereign
// cloud's). `wasb` says which form it was.
struct BlobUrl {
  std::string account, container, path;
  bool wasb = false;
};

std::optional<BlobUrl> split_blob_url(std::string_view text) {
  BlobUrl u;
  std::string_view rest;
  for (std::string_view scheme : {"wasbs://", "wasb://", "https://", "http://"}) {
    if (text.substr(0, scheme.size()) == scheme) {
      rest = text.substr(scheme.size());
      u.wasb = scheme[0] == 'w';
      break;
    }
  }
  if (rest.empty()) return std::nullopt;
  rest = rest.substr(0, rest.find_first_of("?#"));  // a SAS query: the datastore's credentials
  size_t slash = rest.find('/');
  std::string_view host = rest.substr(0, slash);
  std::string_view after = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
  if (u.wasb) {
    size_t at = host.find('@');
    if (at == std::string_view::npos || at == 0) return std::nullopt;
    u.container = std::string(host.substr(0, at));
    host = host.substr(at + 1);
  }
  size_t dot = host.find(".blob.");
  if (dot == std::string_view::npos || dot == 0) return std::nullopt;
  u.account = std::string(host.substr(0, dot));
  if (!u.wasb) {
    size_t s2 = after.find('/');
    u.container = std::string(after.substr(0, s2));
    after = s2 == std::string_view::npos ? "" : after.substr(s2 + 1);
    if (u.container.empty()) return std::nullopt;
  }
  while (!after.empty() && after.back() == '/') after.remove_suffix(1);
  u.path = std::string(after);
  return u;
}

std::string register_blob_hint(const BlobUrl& u) {
  return "register the container as a datastore: runnel datastore register NAME --type "
         "azure_blob --account-name " +
         u.account + " --container " + u.container +
         " (--account-key KEY | --sas-token TOKEN), then run again (or write "
         "azureml://datastores/NAME/paths/" +
         u.path + ")";
}

// type: custom_model | mlflow_model | triton_model with a registered model's reference:
// the folder of its files; nullopt when `text` is not a model reference.
std::optional<InputSource> resolve_model_ref(const YamlDoc& doc, const yaml::Node& node,
                                             const std::string& path, const std::string& text) {
  std::string name, version;
  if (!split_asset_uri(text, "models", false, &name, &version)) {
    if (!starts_with(text, "azureml:") || starts_with(text, "azureml://")) return std::nullopt;
    split_versioned(text.substr(8), &name, &version);
  }
  if (name.empty())
    fail(doc, node, path, "model reference '" + text + "' has no name",
         "write azureml:NAME:VERSION or azureml:NAME@latest");
  const AssetLookups& lookups = current_asset_lookups();
  if (!lookups.model)
    fail(doc, node, path, "model reference '" + text + "' needs a workspace to look it up in",
         "run it with runnel run or runnel plan in the workspace where the model is registered");
  InputSource src;
  src.kind = InputSource::Kind::kLocalPath;
  try {
    src.path = lookups.model(name, version);
  } catch (const Error& e) {
    fail(doc, node, path, e.what(),
         "register it first (azureml.core.Model.register(ws, model_path=..., model_name='" + name +
             "')), or fix the name and version");
  }
  return src;
}

}  // namespace

InputSource resolve_data_path(const YamlDoc& doc, const yaml::Node& node, const std::string& path,
                              const std::string& text, DataType type, bool model) {
  InputSource src;
  if (text.empty()) {
    fail(doc, node, path, "the data path is empty",
         "give a local path, azureml://datastores/<ds>/paths/<p> or azureml:NAME:VERSION");
  }
  if (model)
    if (auto m = resolve_model_ref(doc, node, path, text)) return *m;
  if (auto blob = split_blob_url(text)) {
    const AssetLookups& lookups = current_asset_lookups();
    std::string ds = lookups.blob_datastore ? lookups.blob_datastore(blob->account, blob->container)
                                            : std::string();
    if (!ds.empty()) {
      src.kind = InputSource::Kind::kDatastorePath;
      src.datastore = ds;
      src.path = blob->path;
      return src;
    }
    if (blob->wasb || type != DataType::kUriFile)
      fail(doc, node, path,
           "no registered datastore is Azure Blob container '" + blob->container +
               "' of account '" + blob->account + "' (" + text + ")",
           register_blob_hint(*blob));
    // An https:// file with no datastore: fetched as any web file (public blobs).
  }
  if (split_datastore_uri(text, &src.datastore, &src.path)) {
    src.kind = InputSource::Kind::kDatastorePath;
    return src;
  }
  if (split_asset_uri(text, "data", true, &src.dataset, &src.version)) {
    src.kind = InputSource::Kind::kDataset;
    return src;
  }
  if (starts_with(text, "azureml://")) {
    fail(doc, node, path, "unsupported azureml:// reference '" + text + "'",
         "use azureml://datastores/<ds>/paths/<p>, azureml:NAME:VERSION or a local path");
  }
  if (starts_with(text, "azureml:") || starts_with(text, "dataset:")) {
    src.kind = InputSource::Kind::kDataset;
    split_versioned(text.substr(text.find(':') + 1), &src.dataset, &src.version);
    if (src.dataset.empty()) {
      fail(doc, node, path, "dataset reference '" + text + "' has no name",
           "write azureml:NAME:VERSION, azureml:NAME@latest or dataset:NAME");
    }
    return src;
  }
  std::string local = text;
  if (starts_with(text, "http://") || starts_with(text, "https://")) {
    // Azure ML downloads a web file for the job; here it is fetched into the workspace
    // (at each load, so a changed file is seen) and read as a local file.
    if (type != DataType::kUriFile)
      fail(doc, node, path, "a URL input ('" + text + "') must have type uri_file",
           "a web server lists no folders: give type: uri_file and the URL of one file");
    const UrlFetch& fetch = current_url_fetch();
    if (!fetch)
      fail(doc, node, path, "URL inputs ('" + text + "') need a workspace to download into",
           "run it with runnel run or runnel plan, which fetch it into the workspace, or download "
           "the data "
           "and give its local path");
    try {
      local = fetch(text);
    } catch (const Error& e) {
      fail(doc, node, path, "cannot download '" + text + "': " + e.what(),
           "check the URL and the network, or download the file and give its local path");
    }
  } else if (starts_with(text, "file://")) {
    local = text.substr(7);
  } else if (starts_with(text, "file:")) {
    local = text.substr(5);
  } else if (std::string_view scheme = uri_scheme(text); !scheme.empty()) {
    fail(doc, node, path, "'" + std::string(scheme) + "://' paths are not supported",
         "register a datastore ('runnel datastore register') and use "
         "azureml://datastores/<ds>/paths/<p>");
  }
  fs::path p(local);
  if (p.is_relative()) p = fs::path(doc.base_dir) / p;
  std::string abs = strip_trailing_slashes(p.lexically_normal().string());
  std::error_code ec;
  fs::file_status st = fs::status(abs, ec);
  if (ec || !fs::exists(st)) {
    fail(doc, node, path, "local path '" + text + "' does not exist (looked for " + abs + ")",
         "create it, or fix the path (relative paths are resolved against the YAML file's "
         "folder)");
  }
  if (type == DataType::kUriFile && fs::is_directory(st)) {
    fail(doc, node, path, "'" + text + "' is a folder but the input has type uri_file",
         "use type: uri_folder, or point the path at a file");
  }
  if (type == DataType::kUriFolder && !fs::is_directory(st)) {
    fail(doc, node, path, "'" + text + "' is a file but the input has type uri_folder",
         "use type: uri_file, or point the path at a folder");
  }
  src.kind = InputSource::Kind::kLocalPath;
  src.path = abs;
  return src;
}

void resolve_output_path(const YamlDoc& doc, const yaml::Node& node, const std::string& path,
                         const std::string& text, std::string* datastore, std::string* out_path) {
  if (!split_datastore_uri(text, datastore, out_path)) {
    fail(doc, node, path, "output path '" + text + "' is not a datastore path",
         "write azureml://datastores/<datastore>/paths/<path>, or leave path out to use the "
         "default location");
  }
  // The run-time expressions of an output path are ${{name}} and ${{output_name}}; anything
  // else would become a folder named after the expression.
  for (size_t at = out_path->find("${{"); at != std::string::npos;
       at = out_path->find("${{", at + 3)) {
    size_t end = out_path->find("}}", at + 3);
    std::string expr =
        out_path->substr(at, end == std::string::npos ? std::string::npos : end + 2 - at);
    if (expr != "${{name}}" && expr != "${{output_name}}") {
      fail(doc, node, path, "output path '" + text + "' has the expression '" + expr + "'",
           "an output path may use ${{name}} (the job's run id) and ${{output_name}} (the "
           "output's name); write the rest of the path literally");
    }
  }
}

bool is_output_path_binding(std::string_view text) {
  text = trim(text);
  return text.substr(0, 3) == "${{";
}

bool is_curated_environment_ref(std::string_view text) {
  constexpr std::string_view kRegistry = "azureml://registries/azureml/environments/";
  if (text.substr(0, kRegistry.size()) == kRegistry) return true;
  if (text.substr(0, 8) == "azureml:" && text.substr(0, 9) != "azureml:/") text.remove_prefix(8);
  constexpr std::string_view kCurated = "azureml-";
  if (text.size() <= kCurated.size()) return false;
  for (size_t i = 0; i < kCurated.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != kCurated[i]) return false;
  return true;
}

std::string resolve_environment_name(const YamlDoc& doc, const yaml::Node& node,
                                     const std::string& path, const std::string& text) {
  std::string registered, label;
  if (split_asset_uri(text, "environments", false, &registered, &label)) return registered;
  if (starts_with(text, "azureml://")) {
    fail(doc, node, path, "unsupported environment reference '" + text + "'",
         "write azureml:NAME:VERSION, azureml:NAME@latest, "
         "azureml://registries/<r>/environments/NAME/versions/V or a plain NAME");
  }
  std::string name = text, version;
  if (starts_with(text, "azureml:")) split_versioned(text.substr(8), &name, &version);
  if (name.empty()) {
    fail(doc, node, path, "environment reference '" + text + "' has no name",
         "write azureml:NAME:VERSION or a plain NAME");
  }
  // A numeric version pins that version of runnel's environment when it exists (the
  // engine falls back to the latest version otherwise); labels such as @latest do not.
  if (!version.empty() && version.find_first_not_of("0123456789") == std::string::npos)
    return name + ":" + version;
  return name;
}

std::string resolve_compute_name(const std::string& text) {
  size_t pos = text.rfind("/computes/");
  if (pos != std::string::npos) return text.substr(pos + 10);
  if (starts_with(text, "azureml:")) return text.substr(8);
  return text;
}

std::optional<Binding> parse_binding(const YamlDoc& doc, const yaml::Node& node,
                                     const std::string& path, const std::string& text,
                                     bool older_spelling) {
  if (text.find("${{") == std::string::npos) return std::nullopt;
  const std::string usage =
      "write ${{parent.inputs.NAME}}, ${{parent.jobs.JOB.outputs.NAME}} or "
      "${{parent.outputs.NAME}}";
  std::string_view whole = trim(text);
  if (whole.size() < 5 || whole.substr(0, 3) != "${{" || whole.substr(whole.size() - 2) != "}}" ||
      whole.substr(3, whole.size() - 5).find('}') != std::string_view::npos) {
    fail(doc, node, path, "'" + text + "' mixes a ${{...}} binding with other text",
         usage + " as the whole value");
  }
  std::string_view expr = trim(whole.substr(3, whole.size() - 5));
  // The pre-GA spelling without `parent.` (${{jobs.J.outputs.O}}, ${{inputs.X}},
  // ${{outputs.Y}}), still in older Azure ML samples, means the same in a job's bindings.
  std::string legacy;
  for (std::string_view old : {"jobs.", "inputs.", "outputs."}) {
    if (older_spelling && expr.substr(0, old.size()) == old) {
      legacy = "parent." + std::string(expr);
      if (doc.report && doc.report->noted.insert("legacy binding").second) {
        doc.report->messages.push_back("note: " + loc_of(doc, node).to_string() + ": " + path +
                                       ": '" + text + "' is the older spelling of ${{" + legacy +
                                       "}}; read as that (the same for the other bindings "
                                       "without parent.)");
      }
      expr = legacy;
      break;
    }
  }
  Binding b;
  constexpr std::string_view kJobs = "parent.jobs.", kOutputs = ".outputs.";
  if (expr.substr(0, kJobs.size()) == kJobs) {
    std::string_view rest = expr.substr(kJobs.size());
    size_t at = rest.rfind(kOutputs);
    if (at != std::string_view::npos && all_of(rest.substr(0, at), true) &&
        all_of(rest.substr(at + kOutputs.size()), false)) {
      b.kind = Binding::Kind::kJobOutput;
      b.job = std::string(rest.substr(0, at));
      b.name = std::string(rest.substr(at + kOutputs.size()));
      return b;
    }
  }
  for (auto [prefix, kind] :
       {std::pair{std::string_view("parent.inputs."), Binding::Kind::kParentInput},
        std::pair{std::string_view("parent.outputs."), Binding::Kind::kParentOutput}}) {
    if (expr.substr(0, prefix.size()) == prefix && all_of(expr.substr(prefix.size()), false)) {
      b.kind = kind;
      b.name = std::string(expr.substr(prefix.size()));
      return b;
    }
  }
  fail(doc, node, path, "'" + text + "' is not a binding runnel understands", usage);
}

}  // namespace runnel::internal
