// Definition JSON of datasets (data/dataset_state.h).
#include "data/dataset_state.h"

#include <cctype>

#include "data/column_types.h"
#include "runnel/error.h"

using nlohmann::json;

namespace runnel::internal {

const char* header_mode_name(HeaderMode h) {
  switch (h) {
    case HeaderMode::kAllFilesHaveSameHeaders:
      return "all_files_same_headers";
    case HeaderMode::kNoHeaders:
      return "no_headers";
    case HeaderMode::kOnlyFirstFileHasHeaders:
      return "only_first_file_has_headers";
    case HeaderMode::kCombineAllFilesHeaders:
      return "combine_all_files_headers";
  }
  return "all_files_same_headers";
}

HeaderMode parse_header_mode(const std::string& s) {
  std::string l;
  for (char c : s)
    l += c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (l == "all_files_same_headers" || l == "all_files_have_same_headers" || l == "all" ||
      l == "true")
    return HeaderMode::kAllFilesHaveSameHeaders;
  if (l == "no_headers" || l == "none" || l == "false") return HeaderMode::kNoHeaders;
  if (l == "only_first_file_has_headers" || l == "first" || l == "first_file")
    return HeaderMode::kOnlyFirstFileHasHeaders;
  if (l == "combine_all_files_headers" || l == "combine")
    return HeaderMode::kCombineAllFilesHeaders;
  throw invalid_argument("unknown header mode '" + s +
                         "'; use all_files_same_headers, no_headers, only_first_file_has_headers "
                         "or combine_all_files_headers");
}

const char* ragged_rows_name(RaggedRows r) {
  return r == RaggedRows::kError ? "error" : r == RaggedRows::kSkip ? "skip" : "pad";
}

RaggedRows parse_ragged_rows(const std::string& s) {
  if (s == "error") return RaggedRows::kError;
  if (s == "skip") return RaggedRows::kSkip;
  if (s == "pad" || s == "pad_or_truncate") return RaggedRows::kPadOrTruncate;
  throw invalid_argument("unknown ragged_rows '" + s + "'; use error, pad or skip");
}

json definition_to_json(const DatasetState& s, bool with_files) {
  json j;
  j["kind"] = s.kind;
  if (!s.asset_type.empty()) j["asset_type"] = s.asset_type;
  j["sources"] = json::array();
  for (const auto& src : s.sources)
    j["sources"].push_back({{"datastore", src.datastore}, {"path", src.path}});
  j["partition_format"] = s.partition_format;
  if (s.kind == "tabular") {
    const auto& o = s.options;
    json types = json::object();
    for (const auto& [k, v] : o.set_column_types) types[k] = column_type_name(v);
    j["options"] = {{"separator", o.separator},
                    {"header", header_mode_name(o.header)},
                    {"infer_column_types", o.infer_column_types},
                    {"set_column_types", types},
                    {"include_path", o.include_path},
                    {"support_multi_line", o.support_multi_line},
                    {"empty_as_string", o.empty_as_string},
                    {"encoding", o.encoding},
                    {"ragged_rows", ragged_rows_name(o.ragged_rows)}};
    j["columns"] = json::array();
    for (const auto& c : s.columns)
      j["columns"].push_back(
          {{"name", c.name}, {"type", column_type_name(c.type)}, {"date_order", c.date_order}});
  }
  if (with_files) {
    j["files"] = json::array();
    for (const auto& f : s.files)
      j["files"].push_back({{"datastore", f.datastore},
                            {"path", f.path},
                            {"size", f.size},
                            {"partition", f.partition}});
  }
  return j;
}

DatasetState definition_from_json(const json& j, const std::map<std::string, std::string>& roots) {
  DatasetState s;
  try {
    s.kind = j.at("kind").get<std::string>();
    s.partition_format = j.value("partition_format", "");
    s.asset_type = j.value("asset_type", "");
    auto root_of = [&](const std::string& ds) -> std::string {
      if (ds.empty()) return "";
      auto it = roots.find(ds);
      if (it == roots.end())
        throw not_found("the dataset uses datastore '" + ds +
                        "', which is not registered in this workspace");
      return it->second;
    };
    for (const auto& src : j.at("sources")) {
      DataPath p(src.at("path").get<std::string>());
      p.datastore = src.value("datastore", "");
      p.root = root_of(p.datastore);
      s.sources.push_back(p);
    }
    if (s.kind == "tabular") {
      const json& o = j.at("options");
      auto& opt = s.options;
      opt.separator = o.value("separator", ",");
      opt.header = parse_header_mode(o.value("header", "all_files_same_headers"));
      opt.infer_column_types = o.value("infer_column_types", true);
      if (o.contains("set_column_types"))
        for (auto& [k, v] : o.at("set_column_types").items())
          opt.set_column_types[k] = parse_column_type(v.get<std::string>());
      opt.include_path = o.value("include_path", false);
      opt.support_multi_line = o.value("support_multi_line", false);
      opt.empty_as_string = o.value("empty_as_string", false);
      opt.encoding = o.value("encoding", "utf8");
      opt.ragged_rows = parse_ragged_rows(o.value("ragged_rows", "error"));
      opt.partition_format = s.partition_format;
      for (const auto& c : j.at("columns"))
        s.columns.push_back({c.at("name").get<std::string>(),
                             parse_column_type(c.at("type").get<std::string>()),
                             c.value("date_order", "")});
    }
    static const json kNoFiles = json::array();
    for (const auto& f : j.contains("files") ? j.at("files") : kNoFiles) {
      DatasetFile df;
      df.datastore = f.value("datastore", "");
      df.path = f.at("path").get<std::string>();
      df.size = f.value("size", int64_t{0});
      df.partition = f.value("partition", std::map<std::string, std::string>{});
      df.local_path = df.datastore.empty() ? df.path : root_of(df.datastore) + "/" + df.path;
      s.files.push_back(df);
    }
  } catch (const json::exception& e) {
    throw corruption(std::string("dataset definition is malformed: ") + e.what());
  }
  return s;
}

}  // namespace runnel::internal
