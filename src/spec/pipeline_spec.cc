#include "spec/pipeline_spec.h"

namespace runnel {

namespace {
struct Name {
  const char* text;
  DataType type;
};
constexpr Name kDataTypes[] = {
    {"uri_folder", DataType::kUriFolder}, {"uri_file", DataType::kUriFile},
    {"mltable", DataType::kMltable},      {"string", DataType::kString},
    {"integer", DataType::kInteger},      {"number", DataType::kNumber},
    {"boolean", DataType::kBoolean},
};
}  // namespace

const char* data_type_name(DataType t) {
  for (const auto& n : kDataTypes)
    if (n.type == t) return n.text;
  return "?";
}

std::optional<DataType> parse_data_type(std::string_view s) {
  for (const auto& n : kDataTypes)
    if (s == n.text) return n.type;
  return std::nullopt;
}

const char* input_mode_name(InputMode m) {
  switch (m) {
    case InputMode::kRoMount:
      return "ro_mount";
    case InputMode::kDownload:
      return "download";
    case InputMode::kDirect:
      return "direct";
  }
  return "?";
}

std::optional<InputMode> parse_input_mode(std::string_view s) {
  // eval_mount / eval_download: Azure ML's modes for an MLTable it resolves before the job
  // starts; here the MLTable is read by the step (python/mltable), so they are the plain ones.
  if (s == "ro_mount" || s == "mount" || s == "eval_mount") return InputMode::kRoMount;
  if (s == "download" || s == "eval_download") return InputMode::kDownload;
  if (s == "direct") return InputMode::kDirect;
  return std::nullopt;
}

const char* output_mode_name(OutputMode m) {
  return m == OutputMode::kRwMount ? "rw_mount" : "upload";
}

std::optional<OutputMode> parse_output_mode(std::string_view s) {
  if (s == "rw_mount" || s == "mount") return OutputMode::kRwMount;
  if (s == "upload") return OutputMode::kUpload;
  return std::nullopt;
}

const char* output_dataset_format_name(OutputDatasetRead::Format f) {
  switch (f) {
    case OutputDatasetRead::Format::kFiles:
      return "files";
    case OutputDatasetRead::Format::kDelimited:
      return "delimited";
    case OutputDatasetRead::Format::kParquet:
      return "parquet";
  }
  return "delimited";
}

std::optional<OutputDatasetRead::Format> parse_output_dataset_format(std::string_view s) {
  if (s == "files") return OutputDatasetRead::Format::kFiles;
  if (s == "delimited") return OutputDatasetRead::Format::kDelimited;
  if (s == "parquet") return OutputDatasetRead::Format::kParquet;
  return std::nullopt;
}

std::string SourceLocation::to_string() const {
  if (file.empty()) return "<c++>";
  std::string out = file;
  if (line > 0) {
    out += ":" + std::to_string(line);
    if (column > 0) out += ":" + std::to_string(column);
  }
  return out;
}

const SourceLocation& StepSpec::loc_of(const std::string& key) const {
  auto it = key_locs.find(key);
  return it == key_locs.end() ? loc : it->second;
}

const StepInput* StepSpec::find_input(std::string_view n) const {
  if (inputs.size() < 16) {  // small steps: a scan beats hashing
    for (const auto& i : inputs)
      if (i.name == n) return &i;
    return nullptr;
  }
  auto rebuild = [&] {
    input_index_cache.clear();
    for (size_t k = 0; k < inputs.size(); ++k) input_index_cache.emplace(inputs[k].name, k);
    input_index_size = inputs.size();
  };
  if (input_index_size != inputs.size()) rebuild();
  auto it = input_index_cache.find(std::string(n));
  if (it != input_index_cache.end() && it->second < inputs.size() && inputs[it->second].name == n)
    return &inputs[it->second];
  for (const auto& i : inputs) {
    if (i.name == n) {
      rebuild();
      return &i;
    }
  }
  return nullptr;
}

const StepOutput* StepSpec::find_output(std::string_view n) const {
  for (const auto& o : outputs)
    if (o.name == n) return &o;
  return nullptr;
}

const StepSpec* PipelineSpec::find_step(std::string_view n) const {
  auto rebuild = [&] {
    step_index_cache.clear();
    for (size_t i = 0; i < steps.size(); ++i) step_index_cache.emplace(steps[i].name, i);
    step_index_size = steps.size();
  };
  if (step_index_size < steps.size() && step_index_size != static_cast<size_t>(-1)) {
    // Steps were appended since (the loader looks steps up while it adds them): index only
    // the new ones. A full rebuild per added step made loading quadratic.
    for (size_t i = step_index_size; i < steps.size(); ++i)
      step_index_cache.emplace(steps[i].name, i);
    step_index_size = steps.size();
  } else if (step_index_size != steps.size()) {
    rebuild();
  }
  auto it = step_index_cache.find(std::string(n));
  if (it != step_index_cache.end() && it->second < steps.size() && steps[it->second].name == n)
    return &steps[it->second];
  // Names may have changed in place since the index was built: look again, and index the
  // name found (stale entries are checked above, so one entry is enough; a full rebuild on
  // every such hit made a loop over renamed or moved-out steps quadratic).
  for (size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].name == n) {
      step_index_cache.insert_or_assign(steps[i].name, i);
      return &steps[i];
    }
  }
  return nullptr;
}

std::string PipelineSpec::default_compute_where() const {
  std::string where = default_compute_loc.line > 0 ? default_compute_loc.to_string()
                      : source_file.empty()        ? std::string("<c++>")
                                                   : source_file;
  return where + ": " + default_compute_key;
}

}  // namespace runnel
