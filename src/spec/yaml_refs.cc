#include "spec/yaml_refs.h"

#include <filesystem>
#include <regex>

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

}  // namespace

InputSource resolve_data_path(const YamlDoc& doc, const YAML::Node& node, const std::string& path,
                              const std::string& text, DataType type) {
  InputSource src;
  static const std::regex kDatastore(R"(azureml://(?:.*/)?datastores/([^/]+)/paths/(.*))");
  static const std::regex kAsset(R"(azureml://(?:.*/)?data/([^/]+)/(versions|labels)/([^/]+)/?)");
  std::smatch m;
  if (text.empty()) {
    fail(doc, node, path, "the data path is empty",
         "give a local path, azureml://datastores/<ds>/paths/<p> or azureml:NAME:VERSION");
  }
  if (std::regex_match(text, m, kDatastore)) {
    src.kind = InputSource::Kind::kDatastorePath;
    src.datastore = m[1].str();
    src.path = m[2].str();
    return src;
  }
  if (std::regex_match(text, m, kAsset)) {
    src.kind = InputSource::Kind::kDataset;
    src.dataset = m[1].str();
    src.version = m[2].str() == "versions" ? m[3].str() : "";
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
  if (starts_with(text, "http://") || starts_with(text, "https://")) {
    fail(doc, node, path, "URL inputs ('" + text + "') are not supported yet",
         "download the data and give its local path, or register it with 'runnel dataset'");
  }
  static const std::regex kScheme(R"(([A-Za-z][A-Za-z0-9+.-]*)://.*)");
  std::string local = text;
  if (starts_with(text, "file://")) {
    local = text.substr(7);
  } else if (starts_with(text, "file:")) {
    local = text.substr(5);
  } else if (std::regex_match(text, m, kScheme)) {
    fail(doc, node, path, "'" + m[1].str() + "://' paths are not supported",
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

void resolve_output_path(const YamlDoc& doc, const YAML::Node& node, const std::string& path,
                         const std::string& text, std::string* datastore, std::string* out_path) {
  static const std::regex kDatastore(R"(azureml://(?:.*/)?datastores/([^/]+)/paths/(.*))");
  std::smatch m;
  if (!std::regex_match(text, m, kDatastore)) {
    fail(doc, node, path, "output path '" + text + "' is not a datastore path",
         "write azureml://datastores/<datastore>/paths/<path>, or leave path out to use the "
         "default location");
  }
  *datastore = m[1].str();
  *out_path = m[2].str();
}

std::string resolve_environment_name(const YamlDoc& doc, const YAML::Node& node,
                                     const std::string& path, const std::string& text) {
  static const std::regex kRegistry(
      R"(azureml://(?:.*/)?environments/([^/]+)(?:/(?:versions|labels)/[^/]+)?/?)");
  std::smatch m;
  if (std::regex_match(text, m, kRegistry)) return m[1].str();
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

std::optional<Binding> parse_binding(const YamlDoc& doc, const YAML::Node& node,
                                     const std::string& path, const std::string& text) {
  if (text.find("${{") == std::string::npos) return std::nullopt;
  static const std::regex kWhole(R"(\s*\$\{\{\s*([^}]*?)\s*\}\}\s*)");
  static const std::regex kParentIo(R"(parent\.(inputs|outputs)\.([A-Za-z0-9_-]+))");
  static const std::regex kJobOut(R"(parent\.jobs\.([A-Za-z0-9_.-]+)\.outputs\.([A-Za-z0-9_-]+))");
  const std::string usage =
      "write ${{parent.inputs.NAME}}, ${{parent.jobs.JOB.outputs.NAME}} or "
      "${{parent.outputs.NAME}}";
  std::smatch m;
  if (!std::regex_match(text, m, kWhole)) {
    fail(doc, node, path, "'" + text + "' mixes a ${{...}} binding with other text",
         usage + " as the whole value");
  }
  std::string expr = m[1].str();
  Binding b;
  if (std::regex_match(expr, m, kJobOut)) {
    b.kind = Binding::Kind::kJobOutput;
    b.job = m[1].str();
    b.name = m[2].str();
    return b;
  }
  if (std::regex_match(expr, m, kParentIo)) {
    b.kind = m[1].str() == "inputs" ? Binding::Kind::kParentInput : Binding::Kind::kParentOutput;
    b.name = m[2].str();
    return b;
  }
  fail(doc, node, path, "'" + text + "' is not a binding runnel understands", usage);
}

}  // namespace runnel::internal
